# SPDX-License-Identifier: Apache-2.0
"""ISO 7816-4 command processing of the card: class byte and logical channels,
MANAGE CHANNEL, SELECT, TERMINAL CAPABILITY, STORE DATA block assembly and
GET RESPONSE, behaving like a T=0 card (response data announced by 61 xx)."""

import pyder

SW_OK = 0x9000
SW_WRONG_LENGTH = 0x6700
SW_CHANNEL_NOT_SUPPORTED = 0x6881
SW_SM_NOT_SUPPORTED = 0x6882
SW_CHAINING_NOT_SUPPORTED = 0x6884
SW_CONDITIONS = 0x6985
SW_WRONG_DATA = 0x6A80
SW_FUNC_NOT_SUPPORTED = 0x6A81
SW_NOT_FOUND = 0x6A82
SW_NO_MEMORY = 0x6A84
SW_WRONG_P1P2 = 0x6A86
SW_INS_NOT_SUPPORTED = 0x6D00
SW_CLA_NOT_SUPPORTED = 0x6E00

MAX_CHANNEL = 19
# Logical channels besides the basic one when the state does not say: 3, what a card without the extended
# (further interindustry) class coding offers. "logical_channels": 19 in the state models one with it.
DEFAULT_LOGICAL_CHANNELS = 3
MAX_ES10_REQUEST = 0x10000


def sw_bytes(sw):
    return bytes([sw >> 8, sw & 0xFF])


class ApduError(Exception):
    def __init__(self, sw):
        super().__init__("%04X" % sw)
        self.sw = sw


class Channel:
    """What one logical channel remembers between commands."""

    def __init__(self):
        self.selected = False       # ISD-R selected on this channel
        self.blocks = bytearray()   # STORE DATA blocks received so far
        self.next_block = 0
        self.pending = b""          # response data waiting for GET RESPONSE
        self.fresh = False          # no GET RESPONSE seen yet for pending
        self.final_sw = SW_OK       # ends the last GET RESPONSE (91xx: REFRESH pending)


def decode_cla(cla):
    """Return (logical channel, proprietary class) or raise ApduError."""
    if cla == 0xFF:
        raise ApduError(SW_CLA_NOT_SUPPORTED)
    if cla & 0xE0 in (0x00, 0x80):          # first interindustry coding, channels 0..3
        if cla & 0x0C:
            raise ApduError(SW_SM_NOT_SUPPORTED)
        if cla & 0x10:
            raise ApduError(SW_CHAINING_NOT_SUPPORTED)
        return cla & 0x03, bool(cla & 0x80)
    if cla & 0xC0 in (0x40, 0xC0):          # further interindustry coding, channels 4..19
        if cla & 0x20:
            raise ApduError(SW_SM_NOT_SUPPORTED)
        if cla & 0x10:
            raise ApduError(SW_CHAINING_NOT_SUPPORTED)
        return 4 + (cla & 0x0F), bool(cla & 0x80)
    raise ApduError(SW_CLA_NOT_SUPPORTED)


def parse_body(apdu):
    """Return (data, le) of a short APDU; le None when absent, 256 for 00."""
    n = len(apdu)
    if n < 4:
        raise ApduError(SW_WRONG_LENGTH)
    if n == 4:
        return b"", None
    if n == 5:
        return b"", apdu[4] or 256
    lc = apdu[4]
    if lc == 0:                             # extended length: not supported
        raise ApduError(SW_WRONG_LENGTH)
    if n == 5 + lc:
        return apdu[5:], None
    if n == 6 + lc:
        return apdu[5:5 + lc], apdu[-1] or 256
    raise ApduError(SW_WRONG_LENGTH)


class ApduLayer:
    """Command interpreter; the card object supplies the ISD-R AID, its FCI,
    the ES10 processing and the active faults."""

    def __init__(self, card):
        self.card = card
        self.channels = {}
        self.reset()

    def reset(self):
        self.channels = {0: Channel()}

    # ------------------------------------------------------------ entry points

    def transmit(self, apdu):
        try:
            return self._process(bytes(apdu))
        except ApduError as err:
            return sw_bytes(err.sw)

    def channel_limit(self):
        return self.card.logical_channels()

    def free_channel(self):
        """The lowest free channel, None when the card has no more (channels stay taken until closed or
        until a reset: a client that dies without closing them leaves them open, as on a real card)."""
        for ch in range(1, self.channel_limit() + 1):
            if ch not in self.channels:
                return ch
        return None

    def aid_matches(self, aid):
        # Partial AID selection (ISO 7816-4): a right-truncated AID of 5+ bytes selects.
        # A plain UICC has no ISD-R at all.
        return 5 <= len(aid) <= 16 and self.card.isdr_aid.startswith(aid) and self.card.kind != "uicc"

    # ------------------------------------------------------------ commands

    def _process(self, apdu):
        if len(apdu) < 4:
            raise ApduError(SW_WRONG_LENGTH)
        cla, ins, p1, p2 = apdu[0], apdu[1], apdu[2], apdu[3]
        ch, proprietary = decode_cla(cla)
        chan = self.channels.get(ch)
        if chan is None:
            raise ApduError(SW_CHANNEL_NOT_SUPPORTED)
        data, le = parse_body(apdu)
        if ins == 0xC0:
            return self._get_response(chan, p1, p2, data, le)
        # Like a T=0 card: any other command discards unread response data.
        chan.pending = b""
        if ins == 0x70 and not proprietary:
            return self._manage_channel(ch, p1, p2, data)
        if ins == 0xA4 and not proprietary:
            return self._select(chan, p1, p2, data, le)
        if ins == 0xAA and proprietary:
            return self._terminal_capability(p1, p2, data)
        if ins == 0xE2 and proprietary:
            return self._store_data(chan, p1, p2, data)
        if ins == 0x12 and proprietary:
            return self._fetch(p1, p2, data, le)
        if ins == 0x14 and proprietary:
            return self._terminal_response(p1, p2, data)
        if ins in (0x70, 0xA4, 0xAA, 0xE2, 0x12, 0x14):
            raise ApduError(SW_CLA_NOT_SUPPORTED)
        raise ApduError(SW_INS_NOT_SUPPORTED)

    def _manage_channel(self, ch, p1, p2, data):
        if data:
            raise ApduError(SW_WRONG_LENGTH)
        if p1 == 0x00:
            if self.card.has_fault("nochannel"):
                raise ApduError(SW_FUNC_NOT_SUPPORTED)
            if p2 == 0:
                new = self.free_channel()
                if new is None:
                    # ISO 7816-4: "logical channel not supported" when none is left.
                    raise ApduError(SW_CHANNEL_NOT_SUPPORTED)
            elif p2 <= self.channel_limit() and p2 not in self.channels:
                new = p2
            else:
                raise ApduError(SW_WRONG_P1P2)
            self.channels[new] = Channel()
            return bytes([new]) + sw_bytes(SW_OK)
        if p1 == 0x80:
            target = p2 if p2 != 0 else ch
            if target == 0:
                raise ApduError(SW_WRONG_P1P2)
            if target not in self.channels:
                raise ApduError(SW_CHANNEL_NOT_SUPPORTED)
            del self.channels[target]
            return sw_bytes(SW_OK)
        raise ApduError(SW_WRONG_P1P2)

    def _select(self, chan, p1, p2, data, le):
        # P2: 00 (FCI), 04 (FCP, what flows.md 0 sends) or 0C (nothing back), first or only occurrence;
        # anything else is refused, so a client sending it is caught.
        self.card.note_select(p2, le)
        if p1 != 0x04 or p2 not in (0x00, 0x04, 0x0C):
            raise ApduError(SW_WRONG_P1P2)
        if not self.aid_matches(data):
            raise ApduError(SW_NOT_FOUND)
        chan.selected = True
        chan.blocks = bytearray()
        chan.next_block = 0
        if p2 & 0x0C == 0x0C:               # no response data wanted
            return sw_bytes(SW_OK)
        return self._announce(chan, self.card.fci())

    def _terminal_capability(self, p1, p2, data):
        self.card.note_terminal_capability(data)
        if p1 != 0 or p2 != 0:
            raise ApduError(SW_WRONG_P1P2)
        if data:
            try:
                pyder.validate(data)
            except pyder.DerError:
                raise ApduError(SW_WRONG_DATA)
        return sw_bytes(SW_OK)

    def _store_data(self, chan, p1, p2, data):
        if not chan.selected:
            raise ApduError(SW_CONDITIONS)
        if not data:
            raise ApduError(SW_WRONG_LENGTH)
        if p1 not in (0x11, 0x91):
            chan.blocks, chan.next_block = bytearray(), 0
            raise ApduError(SW_WRONG_P1P2)
        if p2 != chan.next_block:
            # Out-of-order block: the whole command is abandoned.
            chan.blocks, chan.next_block = bytearray(), 0
            raise ApduError(SW_WRONG_P1P2)
        if len(chan.blocks) + len(data) > MAX_ES10_REQUEST or chan.next_block == 0xFF and p1 == 0x11:
            chan.blocks, chan.next_block = bytearray(), 0
            raise ApduError(SW_NO_MEMORY)
        chan.blocks += data
        if p1 == 0x11:
            chan.next_block += 1
            return sw_bytes(SW_OK)
        request = bytes(chan.blocks)
        chan.blocks, chan.next_block = bytearray(), 0
        resp, sw = self.card.es10(request)
        if sw != SW_OK:
            return sw_bytes(sw)
        # As a T=0 card does: response data is announced with 61xx and a pending
        # proactive command (REFRESH after a profile switch) shows as 91xx on the
        # GET RESPONSE that hands out the last bytes, or at once when there is no data.
        final = self.card.completion_sw()
        if not resp:
            return sw_bytes(final)
        return self._announce(chan, resp, final)

    def _announce(self, chan, resp, final=SW_OK):
        chan.pending = bytes(resp)
        chan.fresh = True
        chan.final_sw = final
        return bytes([0x61, min(len(resp), 256) & 0xFF])

    def _fetch(self, p1, p2, data, le):
        """FETCH of the pending proactive command (ETSI TS 102 221)."""
        if p1 != 0 or p2 != 0:
            raise ApduError(SW_WRONG_P1P2)
        if data or le is None:
            raise ApduError(SW_WRONG_LENGTH)
        cmd = self.card.proactive
        if cmd is None:
            raise ApduError(SW_CONDITIONS)
        if le != len(cmd):
            return bytes([0x6C, len(cmd)])
        return cmd + sw_bytes(SW_OK)

    def _terminal_response(self, p1, p2, data):
        if p1 != 0 or p2 != 0:
            raise ApduError(SW_WRONG_P1P2)
        if self.card.proactive is None:
            raise ApduError(SW_CONDITIONS)
        try:
            pyder.validate(data)
        except pyder.DerError:
            raise ApduError(SW_WRONG_DATA)
        self.card.proactive = None
        return sw_bytes(SW_OK)

    def _get_response(self, chan, p1, p2, data, le):
        if p1 != 0 or p2 != 0:
            raise ApduError(SW_WRONG_P1P2)
        if data or le is None:
            raise ApduError(SW_WRONG_LENGTH)
        if not chan.pending:
            raise ApduError(SW_CONDITIONS)
        avail = len(chan.pending)
        if chan.fresh and self.card.has_fault("getresponse-6cxx"):
            chan.fresh = False
            return bytes([0x6C, min(avail, 256) & 0xFF])
        chan.fresh = False
        if le > avail:
            return bytes([0x6C, avail])
        chunk, chan.pending = chan.pending[:le], chan.pending[le:]
        if chan.pending:
            return chunk + bytes([0x61, min(len(chan.pending), 256) & 0xFF])
        final, chan.final_sw = chan.final_sw, SW_OK
        return chunk + sw_bytes(final)

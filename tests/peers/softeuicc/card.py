# SPDX-License-Identifier: Apache-2.0
"""SoftEuicc: the card object the fake modems and the PC/SC virtual card drive."""

import sys
import time

from pyder import tlv, enc_named_bits

from . import apdu, es10, faults as faultlib
from .state import State
# The area modules fill the ES10 handler table when imported.
from . import es10_info, es10_profiles, es10_notifications, es10_eim, es10_download
from . import es10_package, es10_fallback

ES10_AREAS = (es10_info, es10_profiles, es10_notifications, es10_eim, es10_download,
              es10_package, es10_fallback)

ISDR_AID = bytes.fromhex("A0000005591010FFFFFFFF8900000100")


def _with_tck(body):
    tck = 0
    for b in body[1:]:
        tck ^= b
    return body + bytes([tck])


# T=0 and T=1 offered, T=15 global bytes (clock stop, class A/B/C), 15 historical bytes
# in compact-TLV form as UICCs present them; TCK over T0..last.
ATR = _with_tck(bytes.fromhex("3B9F96801FC78031E073FE211B633A204E83009000"))

# The proactive command a card queues after a profile switch (ETSI TS 102 223):
# REFRESH, command number 1, qualifier 09 "eUICC profile state change", from UICC to terminal.
REFRESH_COMMAND = bytes.fromhex("D009" "8103010109" "82028182")


class SoftEuicc:
    """A software SGP.32 eUICC whose state lives in one JSON file."""

    def __init__(self, state_path, faults=None):
        self.state = State(state_path)
        self._ctor_faults = faultlib.parse_list(list(faults or []))
        self._faults = list(self._ctor_faults)
        self._bad_state_faults = set()
        self.challenge = None
        self.proactive = None       # pending proactive command, handed out by FETCH
        self._refresh_due = False   # the command being processed switched profiles
        self.isdr_aid = bytes.fromhex(self.state.get("isdr_aid", ISDR_AID.hex()))
        self.apdu = apdu.ApduLayer(self)

    @property
    def atr(self):
        return ATR

    # ------------------------------------------------------------ faults

    def _refresh(self):
        """Pick up changes another process made to the state file, faults included."""
        self.state.refresh()
        active = list(self._ctor_faults)
        for text in self.state.get("faults", []) or []:
            try:
                active.append(faultlib.parse(text))
            except ValueError as exc:
                if text not in self._bad_state_faults:
                    self._bad_state_faults.add(text)
                    print("softeuicc: ignoring fault in state file: %s" % exc, file=sys.stderr)
        self._faults = active

    def has_fault(self, kind):
        return any(f.kind == kind for f in self._faults)

    # ------------------------------------------------------------ card interface

    def transmit(self, command):
        """Process one command APDU; return response data + SW1 SW2."""
        self._refresh()
        return self.apdu.transmit(bytes(command))

    def open_channel(self, aid):
        """MANAGE CHANNEL open + SELECT in one step, as QMI/MBIM/AT+CCHO do.

        Returns (channel, FCI bytes, status word bytes); channel is 0 on failure."""
        self._refresh()
        if self.has_fault("nochannel"):
            return 0, b"", apdu.sw_bytes(apdu.SW_FUNC_NOT_SUPPORTED)
        ch = self.apdu.free_channel()
        if ch is None:
            return 0, b"", apdu.sw_bytes(apdu.SW_FUNC_NOT_SUPPORTED)
        if not self.apdu.aid_matches(bytes(aid)):
            return 0, b"", apdu.sw_bytes(apdu.SW_NOT_FOUND)
        chan = apdu.Channel()
        chan.selected = True
        self.apdu.channels[ch] = chan
        return ch, self.fci(), apdu.sw_bytes(apdu.SW_OK)

    def close_channel(self, channel):
        """MANAGE CHANNEL close; returns the status word bytes."""
        if channel == 0:
            return apdu.sw_bytes(apdu.SW_WRONG_P1P2)
        if channel not in self.apdu.channels:
            return apdu.sw_bytes(apdu.SW_CHANNEL_NOT_SUPPORTED)
        del self.apdu.channels[channel]
        return apdu.sw_bytes(apdu.SW_OK)

    def reset(self):
        """Power cycle: channels and session data go, the state file stays."""
        self.apdu.reset()
        self.challenge = None
        self.proactive = None
        return self.atr

    # ------------------------------------------------------------ proactive REFRESH

    def request_refresh(self):
        """Called by a handler that switched profiles: a real card then issues REFRESH."""
        self._refresh_due = True

    def completion_sw(self):
        """Status word that ends the current command's response: 91xx when it queued a
        REFRESH (and the state's "refresh_sw" flag, default true, allows it), else 9000."""
        due, self._refresh_due = self._refresh_due, False
        if due and self.state.get("refresh_sw", True):
            self.proactive = REFRESH_COMMAND
            return 0x9100 | len(REFRESH_COMMAND)
        return apdu.SW_OK

    # ------------------------------------------------------------ ISD-R

    def fci(self):
        """FCI of the ISD-R: AID, GP proprietary data, SGP.22 E0 and SGP.32 E1 templates."""
        svn = bytes(int(x) for x in self.state.get("euicc_info", {}).get("svn", "2.3.0").split("."))
        enabled = any(p.get("state") == "enabled" for p in self.state["profiles"])
        return tlv(0x6F, [
            tlv(0x84, self.isdr_aid),
            tlv(0xA5, tlv(0x9F65, b"\xff")),
            tlv(0xE0, tlv(0x82, svn)),
            tlv(0xE1, enc_named_bits([1] if enabled else [])),
        ])

    def es10(self, request):
        """One complete ES10 request (all STORE DATA blocks); returns (data, SW)."""
        self._refresh_due = False
        tag = es10.request_tag(request)
        mine = [f for f in self._faults
                if f.kind in faultlib.TAGGED and tag is not None and f.applies(tag)]
        for f in mine:
            if f.kind == "slow":
                time.sleep(f.arg / 1000.0)
        for f in mine:
            if f.kind == "sw":
                return b"", f.arg
        resp, sw = es10.dispatch(self, request)
        if sw != apdu.SW_OK:
            self._refresh_due = False
        for f in mine:
            if f.kind == "noresult":
                # Executed and persisted, but the answer never reaches the terminal.
                self._refresh_due = False
                return b"", es10.SW_NO_DIAGNOSIS
        if sw == apdu.SW_OK and resp:
            for f in mine:
                if f.kind in faultlib.MANGLING:
                    return faultlib.mangle(f.kind, resp), sw
        return resp, sw

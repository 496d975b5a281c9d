# SPDX-License-Identifier: Apache-2.0
"""SoftEuicc: the card object the fake modems and the PC/SC virtual card drive."""

import os
import sys
import time

from pyder import tlv, enc_named_bits

from . import apdu, es10, deviations, faults as faultlib
from .state import State
# The area modules fill the ES10 handler table when imported.
from . import es10_info, es10_profiles, es10_notifications, es10_eim, es10_download
from . import es10_package, es10_fallback, es10c_profile_ops

# The ES10 requests SGP.32 added, which a consumer (SGP.22) eUICC does not know: LoadEuiccPackage, GetCerts,
# GetEimConfigurationData, AddInitialEim, the rollback, immediate enable and fallback functions.
SGP32_ONLY_TAGS = (0xBF51, 0xBF55, 0xBF56, 0xBF57, 0xBF58, 0xBF59, 0xBF5A, 0xBF5B, 0xBF5C, 0xBF5D, 0xBF5E,
                   0xBF5F, 0xBF65)
# And the other way round: SetNickname is ES10c of SGP.22 only (SGP.32 v1.2 defines it neither in ES10 nor as a
# PSMO), so an IoT eUICC does not know it.
SGP22_ONLY_TAGS = (0xBF29,)
ES10_AREAS = (es10_info, es10_profiles, es10_notifications, es10_eim, es10_download,
              es10_package, es10_fallback, es10c_profile_ops)

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
        self.download_session = None  # profile download in progress (es10_download)
        self.proactive = None       # pending proactive command, handed out by FETCH
        self._refresh_due = False   # the command being processed switched profiles
        self.isdr_aid = bytes.fromhex(self.state.get("isdr_aid", ISDR_AID.hex()))
        # What the terminal sent, for tests to assert (flows.md 0): every command APDU and modem-level
        # channel request in order, also appended to $SOFTEUICC_APDU_LOG when set (one line each).
        self.apdu_log_path = os.environ.get("SOFTEUICC_APDU_LOG") or None
        self._muted = False             # fault mute-after fired: silent until the fault is removed
        self.selects = []               # (P2, Le) of every SELECT
        self.terminal_capabilities = [] # data of every TERMINAL CAPABILITY
        self.terminal_capability_first = None  # since power-up: did it come before the first MANAGE CHANNEL?
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

    def _deviate(self, tag, resp):
        """The answer as the state's "deviations" make it (see deviations.py)."""
        names = self.state.get("deviations", []) or []
        try:
            deviations.check(names)
        except ValueError as exc:
            if str(exc) not in self._bad_state_faults:
                self._bad_state_faults.add(str(exc))
                print("softeuicc: ignoring deviations in state file: %s" % exc, file=sys.stderr)
            return resp
        return deviations.apply(names, tag, resp)

    def has_fault(self, kind):
        return any(f.kind == kind for f in self._faults)

    # ------------------------------------------------------------ card interface

    def _log(self, line):
        if self.apdu_log_path is None:
            return
        with open(self.apdu_log_path, "a") as f:
            f.write(line + "\n")

    def note_select(self, p2, le):
        self.selects.append((p2, le))

    def note_terminal_capability(self, data):
        self.terminal_capabilities.append(bytes(data))
        if self.terminal_capability_first is None:
            self.terminal_capability_first = True

    def logical_channels(self):
        """How many logical channels the card has besides the basic one ("logical_channels" in the state)."""
        value = self.state.get("logical_channels", apdu.DEFAULT_LOGICAL_CHANNELS)
        return max(1, min(apdu.MAX_CHANNEL, int(value)))

    def transmit(self, command):
        """Process one command APDU; return response data + SW1 SW2."""
        self._refresh()
        command = bytes(command)
        if len(command) >= 2 and command[1] == 0x70 and self.terminal_capability_first is None:
            self.terminal_capability_first = False
        self._log("APDU " + command.hex().upper())
        if self._is_muted():
            return apdu.sw_bytes(es10.SW_NO_DIAGNOSIS)
        return self.apdu.transmit(command)

    def _is_muted(self):
        if self._muted and not self.has_fault("mute-after"):
            self._muted = False
        return self._muted

    def open_channel(self, aid):
        """MANAGE CHANNEL open + SELECT in one step, as QMI/MBIM/AT+CCHO do.

        Returns (channel, FCI bytes, status word bytes); channel is 0 on failure."""
        self._refresh()
        self._log("OPEN " + bytes(aid).hex().upper())
        if self._is_muted():
            return 0, b"", apdu.sw_bytes(es10.SW_NO_DIAGNOSIS)
        if self.has_fault("nochannel"):
            return 0, b"", apdu.sw_bytes(apdu.SW_FUNC_NOT_SUPPORTED)
        ch = self.apdu.free_channel()
        if ch is None:
            return 0, b"", apdu.sw_bytes(apdu.SW_CHANNEL_NOT_SUPPORTED)
        if not self.apdu.aid_matches(bytes(aid)):
            return 0, b"", apdu.sw_bytes(apdu.SW_NOT_FOUND)
        chan = apdu.Channel()
        chan.selected = True
        self.apdu.channels[ch] = chan
        return ch, self.fci(), apdu.sw_bytes(apdu.SW_OK)

    def close_channel(self, channel):
        """MANAGE CHANNEL close; returns the status word bytes."""
        self._log("CLOSE %d" % channel)
        if channel == 0:
            return apdu.sw_bytes(apdu.SW_WRONG_P1P2)
        if channel not in self.apdu.channels:
            return apdu.sw_bytes(apdu.SW_CHANNEL_NOT_SUPPORTED)
        del self.apdu.channels[channel]
        return apdu.sw_bytes(apdu.SW_OK)

    def reset(self):
        """Power cycle: channels and session data go, the state file stays."""
        self.apdu.reset()
        self.terminal_capability_first = None
        self.challenge = None
        self.download_session = None
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

    @property
    def kind(self):
        """What card this is ("card_kind" in the state): "euicc" (the default, SGP.22/SGP.32), "uicc" (a plain
        UICC: no ISD-R, its SELECT answers 6A82) or "m2m" (an SGP.02 M2M eUICC: the ISD-R is there, but it takes
        its commands through an SCP03 secure channel from the SM-SR, so every ES10 STORE DATA outside one is
        refused with 6982, security status not satisfied) or "sgp22" (a consumer eUICC: no SGP.32 function, so
        LoadEuiccPackage, the eIM configuration and the other SGP.32 ES10b requests answer 6A88 like any tag
        it does not know, and its ISD-R FCI has no SGP.32 E1 template and its EUICCInfo2 no ipaMode and no
        iotSpecificInfo; ES10c and GetRAT work; "sgp22_get_certs": true in the state makes it answer GetCerts). The
        "euicc" kind is an IoT eUICC: SetNickname, which SGP.32 does not have, answers 6A88."""
        return self.state.get("card_kind", "euicc")

    def ipae(self):
        """The IPA in the eUICC ("ipae" in the state: {"supported": bool, "active": bool}, absent: none)."""
        ipae = self.state.get("ipae") or {}
        return bool(ipae.get("supported", False)), bool(ipae.get("active", False))

    def fci(self):
        """FCI of the ISD-R: AID, GP proprietary data, SGP.22 E0 and SGP.32 E1 templates (an M2M ISD-R has
        neither template)."""
        svn = bytes(int(x) for x in self.state.get("euicc_info", {}).get("svn", "2.3.0").split("."))
        enabled = any(p.get("state") == "enabled" for p in self.state["profiles"])
        if self.kind == "m2m":
            return tlv(0x6F, [tlv(0x84, self.isdr_aid), tlv(0xA5, tlv(0x9F65, b"\xff"))])
        if self.kind == "sgp22":
            return tlv(0x6F, [tlv(0x84, self.isdr_aid), tlv(0xA5, tlv(0x9F65, b"\xff")), tlv(0xE0, tlv(0x82, svn))])
        bits = ([0] if self.ipae()[0] else []) + ([1] if enabled else [])
        return tlv(0x6F, [
            tlv(0x84, self.isdr_aid),
            tlv(0xA5, tlv(0x9F65, b"\xff")),
            tlv(0xE0, tlv(0x82, svn)),
            # euiccConfiguration is [0] under SGP.32's automatic tags.
            tlv(0xE1, enc_named_bits(bits, tag=0x80)),
        ])

    def es10(self, request):
        """One complete ES10 request (all STORE DATA blocks); returns (data, SW)."""
        self._refresh_due = False
        if self.kind == "m2m":
            return b"", es10.SW_SECURITY_STATUS
        tag = es10.request_tag(request)
        mine = [f for f in self._faults
                if f.kind in faultlib.TAGGED and tag is not None and f.applies(tag)]
        for f in mine:
            if f.kind == "slow":
                time.sleep(f.arg / 1000.0)
        # A status word fault comes first: it also stands for another answer of a consumer card to an SGP.32 tag.
        for f in mine:
            if f.kind == "sw":
                return b"", f.arg
        if self.kind == "sgp22" and tag in SGP32_ONLY_TAGS:
            if not (tag == 0xBF56 and self.state.get("sgp22_get_certs")):
                return b"", es10.SW_NOT_FOUND
        if self.kind == "euicc" and tag in SGP22_ONLY_TAGS:
            return b"", es10.SW_NOT_FOUND
        resp, sw = es10.dispatch(self, request)
        if sw != apdu.SW_OK:
            self._refresh_due = False
        for f in mine:
            if f.kind == "mute-after":
                self._muted = True
            if f.kind in ("noresult", "mute-after"):
                # Executed and persisted, but the answer never reaches the terminal.
                self._refresh_due = False
                return b"", es10.SW_NO_DIAGNOSIS
        if sw == apdu.SW_OK and resp:
            resp = self._deviate(tag, resp)
            for f in mine:
                if f.kind in faultlib.MANGLING:
                    return faultlib.mangle(f.kind, resp), sw
        return resp, sw

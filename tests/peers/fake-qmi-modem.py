#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""A QMI modem without hardware: QMUX on a pty, with the software eUICC in its slot.

    fake-qmi-modem.py --state FILE [--fault F ...] [--link PATH [--relink PATH]] [--slot N]

The slave path of the pty is printed on the first line of stdout; point libqmi
(qmicli -d PATH, the daemon's qmi:// URI) at it. Served: QMI_CTL Set Instance
ID, Get Version Info, Allocate/Release CID, Set Data Format, Sync, Internal
Proxy Open; UIM Get Card Status, Get Slot Status, Open Logical Channel, Send
APDU and Logical Channel. Anything else gets a QMI error response.

Logical channels stay open when the client that opened them goes away (as on a
real modem); when the card has none left (3 by default, see the software eUICC),
Open Logical Channel answers InsufficientResources.

Modem-level faults: qmi-open-denied (Open Logical Channel answers AccessDenied),
qmi-slow:<ms> (every UIM answer is delayed), and the REFRESH and modem-loss
switches of modemlib/loss.py (reset-on-refresh, vanish-on-refresh, vanish-on,
silent-reset-after;
while the UIM re-initialises, Open Logical Channel answers DeviceNotReady, and
Send APDU on a channel the reset closed answers InvalidArgument). Other --fault
values go to the card.
"""

import argparse
import os
import struct
import sys
import time

sys.dont_write_bytecode = True  # the source tree may be read-only (distcheck)
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from modemlib import qmux  # noqa: E402
from modemlib.apdu import transmit_collect  # noqa: E402
from modemlib.card import (cla_for_channel, fault_value, load_card,  # noqa: E402
                           split_faults, sw_is_success)
from modemlib.loss import LOSS_FAULTS, ModemLoss  # noqa: E402
from modemlib.ptyport import PtyPort, StopFlag  # noqa: E402

PROG = "fake-qmi-modem"
MODEM_FAULTS = ("qmi-open-denied", "qmi-slow") + LOSS_FAULTS

CTL_SET_INSTANCE_ID = 0x0020
CTL_GET_VERSION_INFO = 0x0021
CTL_ALLOCATE_CID = 0x0022
CTL_RELEASE_CID = 0x0023
CTL_SET_DATA_FORMAT = 0x0026
CTL_SYNC = 0x0027
CTL_INTERNAL_PROXY_OPEN = 0xFF00

UIM_SEND_APDU = 0x003B
UIM_LOGICAL_CHANNEL = 0x003F
UIM_GET_CARD_STATUS = 0x002F
UIM_OPEN_LOGICAL_CHANNEL = 0x0042
UIM_GET_SLOT_STATUS = 0x0047

# Versions reported by Get Version Info (service, major, minor).
SERVICE_VERSIONS = ((qmux.SERVICE_CTL, 1, 5), (qmux.SERVICE_UIM, 1, 46))

# The USIM application the card status reports (3GPP TS 31.102 RID + app code).
USIM_AID = bytes.fromhex("A0000000871002FF49FF0589")


class RequestError(Exception):
    """A request refused with a QMI protocol error; extra holds TLVs to send anyway."""

    def __init__(self, error, reason, extra=b""):
        super().__init__(reason)
        self.error = error
        self.extra = extra


def as_bytes(value):
    if isinstance(value, str):
        return bytes.fromhex(value)
    return bytes(value)


class FakeQmiModem:
    def __init__(self, card, slot, modem_faults, verbose):
        self.card = card
        self.slot = slot
        self.verbose = verbose
        self.unexpected = []  # exceptions no handler expected: bugs, listed for the self-tests
        self.open_denied = fault_value(modem_faults, "qmi-open-denied") is not None
        slow = fault_value(modem_faults, "qmi-slow")
        self.slow_seconds = 0.0
        if slow is not None:
            if slow is True or not slow.isdigit():
                raise ValueError("qmi-slow needs a delay in milliseconds, e.g. qmi-slow:200")
            self.slow_seconds = int(slow) / 1000.0
        self.clients = {}  # service -> set of client ids
        self.channels = set()
        self.loss = ModemLoss(modem_faults)

    def reappeared(self):
        """Back on the bus after a reboot: no clients, no channels, the card powered up again."""
        self.clients.clear()
        self.channels.clear()
        self.card.reset()

    def log(self, message):
        if self.verbose:
            sys.stderr.write("%s: %s\n" % (PROG, message))
            sys.stderr.flush()

    # -- dispatch --------------------------------------------------------------

    def handle_frame(self, frame):
        """The response frame for one request frame, or None for non-requests."""
        msg = qmux.parse_frame(frame)
        if msg is None:
            self.log("dropping short QMUX frame (%d bytes)" % len(frame))
            return None
        if not msg.is_request():
            self.log("ignoring non-request (flags 0x%02x) service 0x%02x message 0x%04x"
                     % (msg.flags, msg.service, msg.message_id))
            return None
        if msg.tlvs is None:
            self.log("malformed TLVs in service 0x%02x message 0x%04x" % (msg.service, msg.message_id))
            return qmux.build_response(msg, qmux.ERR_MALFORMED_MESSAGE)
        try:
            if msg.service == qmux.SERVICE_CTL:
                tlvs = self.handle_ctl(msg)
            elif msg.service == qmux.SERVICE_UIM:
                tlvs = self.handle_uim(msg)
            else:
                raise RequestError(qmux.ERR_INVALID_SERVICE_TYPE,
                                   "service 0x%02x not provided" % msg.service)
        except RequestError as exc:
            self.log("service 0x%02x message 0x%04x: error %d (%s)"
                     % (msg.service, msg.message_id, exc.error, exc))
            return qmux.build_response(msg, exc.error, exc.extra)
        except Exception as exc:  # the card or a handler broke: answer, never go silent
            self.log("service 0x%02x message 0x%04x: internal error %r"
                     % (msg.service, msg.message_id, exc))
            self.unexpected.append(repr(exc))
            return qmux.build_response(msg, qmux.ERR_INTERNAL)
        self.log("service 0x%02x message 0x%04x: ok" % (msg.service, msg.message_id))
        return qmux.build_response(msg, qmux.ERR_NONE, tlvs)

    # -- QMI_CTL ---------------------------------------------------------------

    def handle_ctl(self, msg):
        mid = msg.message_id
        if mid == CTL_GET_VERSION_INFO:
            body = struct.pack("<B", len(SERVICE_VERSIONS))
            for service, major, minor in SERVICE_VERSIONS:
                body += struct.pack("<BHH", service, major, minor)
            return qmux.tlv(0x01, body)
        if mid == CTL_ALLOCATE_CID:
            service = self.u8_tlv(msg, 0x01, "service")
            if service != qmux.SERVICE_UIM:
                raise RequestError(qmux.ERR_INVALID_SERVICE_TYPE,
                                   "allocate CID for unsupported service 0x%02x" % service)
            used = self.clients.setdefault(service, set())
            cid = next((c for c in range(1, 255) if c not in used), None)
            if cid is None:
                raise RequestError(qmux.ERR_CLIENT_IDS_EXHAUSTED, "no client ids left")
            used.add(cid)
            return qmux.tlv(0x01, struct.pack("<BB", service, cid))
        if mid == CTL_RELEASE_CID:
            value = self.tlv_exact(msg, 0x01, 2, "release info")
            service, cid = value[0], value[1]
            if cid not in self.clients.get(service, set()):
                raise RequestError(qmux.ERR_INVALID_CLIENT_ID,
                                   "release of unknown client %d of service 0x%02x" % (cid, service))
            self.clients[service].discard(cid)
            return qmux.tlv(0x01, value)
        if mid == CTL_SYNC:
            # Sync tells the modem the host lost track: every client id is gone.
            self.clients.clear()
            return b""
        if mid == CTL_SET_INSTANCE_ID:
            instance = self.u8_tlv(msg, 0x01, "instance id")
            return qmux.tlv(0x01, struct.pack("<H", instance))
        if mid == CTL_SET_DATA_FORMAT:
            protocol = msg.tlvs.get(0x10)
            if protocol is None or len(protocol) != 2:
                protocol = struct.pack("<H", 1)
            return qmux.tlv(0x10, protocol)
        if mid == CTL_INTERNAL_PROXY_OPEN:
            if 0x01 not in msg.tlvs:
                raise RequestError(qmux.ERR_MISSING_ARGUMENT, "proxy open without device path")
            return b""
        raise RequestError(qmux.ERR_INVALID_QMI_COMMAND, "unknown CTL message 0x%04x" % mid)

    # -- UIM ---------------------------------------------------------------------

    def handle_uim(self, msg):
        if msg.client not in self.clients.get(qmux.SERVICE_UIM, set()):
            raise RequestError(qmux.ERR_INVALID_CLIENT_ID, "UIM client %d not allocated" % msg.client)
        if self.slow_seconds > 0:
            time.sleep(self.slow_seconds)
        mid = msg.message_id
        if mid == UIM_GET_CARD_STATUS:
            return self.card_status()
        if mid == UIM_GET_SLOT_STATUS:
            return self.slot_status()
        if mid == UIM_OPEN_LOGICAL_CHANNEL:
            self.check_slot(msg)
            aid = self.u8_array_tlv(msg, 0x10, "AID")
            return self.open_channel(aid)
        if mid == UIM_LOGICAL_CHANNEL:
            self.check_slot(msg)
            if 0x11 in msg.tlvs:
                channel = self.u8_tlv(msg, 0x11, "channel id")
                return self.close_channel(channel)
            if 0x10 in msg.tlvs:
                # Older firmware opens channels through this message too.
                aid = self.u8_array_tlv(msg, 0x10, "AID")
                return self.open_channel(aid)
            raise RequestError(qmux.ERR_MISSING_ARGUMENT, "logical channel without channel id or AID")
        if mid == UIM_SEND_APDU:
            self.check_slot(msg)
            return self.send_apdu(msg)
        raise RequestError(qmux.ERR_INVALID_QMI_COMMAND, "unknown UIM message 0x%04x" % mid)

    def card_status(self):
        cards = b""
        for index in range(self.slot):
            if index + 1 != self.slot:
                # Slots before ours are empty: card absent, no applications.
                cards += struct.pack("<BBBBBB", 0, 0, 0, 0, 0, 0)
                continue
            app = struct.pack("<BBBBBB", 2, 7, 2, 0, 0, 0)  # USIM, ready, perso ready
            app += struct.pack("<B", len(USIM_AID)) + USIM_AID
            app += struct.pack("<BBBBBBB", 0, 3, 3, 10, 1, 3, 10)  # PIN1 disabled, PIN2 enabled
            cards += struct.pack("<BBBBB", 1, 0, 0, 0, 0)  # present, UPIN not initialised
            cards += struct.pack("<B", 1) + app
        primary = ((self.slot - 1) << 8) | 0
        body = struct.pack("<HHHH", primary, 0xFFFF, 0xFFFF, 0xFFFF)
        body += struct.pack("<B", self.slot) + cards
        return qmux.tlv(0x10, body)

    def slot_status(self):
        atr = as_bytes(self.card.atr)
        status = b""
        info = b""
        for index in range(self.slot):
            ours = index + 1 == self.slot
            # Physical card state present(2)/absent(1), slot active(1)/inactive(0).
            status += struct.pack("<IIB", 2 if ours else 1, 1 if ours else 0, 1 if ours else 0)
            status += struct.pack("<B", 0)  # ICCID not reported
            card_atr = atr if ours else b""
            info += struct.pack("<IB", 2 if ours else 0, 1 if ours else 0)  # UICC protocol
            info += struct.pack("<B", len(card_atr)) + card_atr
            info += struct.pack("<B", 1 if ours else 0)  # is eUICC
        return (qmux.tlv(0x10, struct.pack("<B", self.slot) + status)
                + qmux.tlv(0x11, struct.pack("<B", self.slot) + info))

    def open_channel(self, aid):
        if self.open_denied:
            raise RequestError(qmux.ERR_ACCESS_DENIED, "open logical channel denied (fault qmi-open-denied)")
        if self.loss.opens_refused():
            raise RequestError(qmux.ERR_DEVICE_NOT_READY, "the UIM is re-initialising after REFRESH")
        channel, select_response, sw = self.card.open_channel(aid)
        select_response = as_bytes(select_response) if select_response is not None else b""
        sw = as_bytes(sw) if sw is not None else b""
        card_result = qmux.tlv(0x11, sw) if len(sw) == 2 else b""
        if not channel or not sw_is_success(sw):
            if len(sw) == 2 and sw in (b"\x6a\x82",):
                error = qmux.ERR_SIM_FILE_NOT_FOUND
            elif not channel or (len(sw) == 2 and sw in (b"\x6a\x81", b"\x68\x81")):
                error = qmux.ERR_INSUFFICIENT_RESOURCES
            else:
                error = qmux.ERR_INTERNAL
            raise RequestError(error, "card refused open of %s: channel %r SW %s"
                               % (aid.hex(), channel, sw.hex()), card_result)
        self.channels.add(channel)
        if len(select_response) > 255:
            select_response = select_response[:255]
        return (qmux.tlv(0x10, struct.pack("<B", channel)) + card_result
                + qmux.tlv(0x12, struct.pack("<B", len(select_response)) + select_response))

    def close_channel(self, channel):
        if channel not in self.channels:
            raise RequestError(qmux.ERR_INVALID_ARGUMENT, "channel %d is not open" % channel)
        sw = as_bytes(self.card.close_channel(channel))
        self.channels.discard(channel)
        card_result = qmux.tlv(0x11, sw) if len(sw) == 2 else b""
        if len(sw) == 2 and not sw_is_success(sw):
            raise RequestError(qmux.ERR_INTERNAL, "card refused close of channel %d: SW %s"
                               % (channel, sw.hex()), card_result)
        return qmux.tlv(0x10, struct.pack("<B", channel)) + card_result

    def send_apdu(self, msg):
        value = msg.tlvs.get(0x02)
        if value is None:
            raise RequestError(qmux.ERR_MISSING_ARGUMENT, "send APDU without APDU TLV")
        if len(value) < 2:
            raise RequestError(qmux.ERR_MALFORMED_MESSAGE, "APDU TLV shorter than its length field")
        apdu_len = struct.unpack_from("<H", value, 0)[0]
        if apdu_len != len(value) - 2:
            raise RequestError(qmux.ERR_MALFORMED_MESSAGE, "APDU length %d but TLV carries %d bytes"
                               % (apdu_len, len(value) - 2))
        apdu = bytearray(value[2:])
        if len(apdu) < 4:
            raise RequestError(qmux.ERR_INVALID_ARGUMENT, "APDU of %d bytes has no header" % len(apdu))
        channel = 0
        if 0x10 in msg.tlvs:
            channel = self.u8_tlv(msg, 0x10, "channel id")
            if channel != 0 and channel not in self.channels:
                raise RequestError(qmux.ERR_INVALID_ARGUMENT, "APDU on channel %d, not open" % channel)
            # The modem encodes the channel in CLA; the client's bits are not trusted.
            apdu[0] = cla_for_channel(apdu[0], channel)
        procedure = msg.tlvs.get(0x11)
        self.loss.before_command(apdu)
        if procedure is not None and len(procedure) == 1 and procedure[0] == 1:
            # "Skip procedure bytes": the modem runs GET RESPONSE itself.
            response = transmit_collect(self.card, apdu, channel)
        else:
            response = bytes(self.card.transmit(bytes(apdu)))
        if len(response) < 2:
            raise RequestError(qmux.ERR_INTERNAL, "card gave %d bytes, no status word" % len(response))
        self.loss.after_response(response, self.card, self.channels.clear)
        return qmux.tlv(0x10, struct.pack("<H", len(response)) + response)

    # -- TLV accessors -----------------------------------------------------------

    def check_slot(self, msg):
        slot = self.u8_tlv(msg, 0x01, "slot")
        if slot != self.slot:
            raise RequestError(qmux.ERR_INVALID_ARGUMENT,
                               "slot %d requested, the card is in slot %d" % (slot, self.slot))

    def tlv_exact(self, msg, tlv_type, length, name):
        value = msg.tlvs.get(tlv_type)
        if value is None:
            raise RequestError(qmux.ERR_MISSING_ARGUMENT, "missing %s TLV 0x%02x" % (name, tlv_type))
        if len(value) != length:
            raise RequestError(qmux.ERR_MALFORMED_MESSAGE, "%s TLV 0x%02x has %d bytes, expected %d"
                               % (name, tlv_type, len(value), length))
        return value

    def u8_tlv(self, msg, tlv_type, name):
        return self.tlv_exact(msg, tlv_type, 1, name)[0]

    def u8_array_tlv(self, msg, tlv_type, name):
        value = msg.tlvs.get(tlv_type)
        if value is None:
            raise RequestError(qmux.ERR_MISSING_ARGUMENT, "missing %s TLV 0x%02x" % (name, tlv_type))
        if len(value) < 1 or value[0] != len(value) - 1:
            raise RequestError(qmux.ERR_MALFORMED_MESSAGE, "%s TLV 0x%02x length prefix does not match"
                               % (name, tlv_type))
        return bytes(value[1:])


def main():
    parser = argparse.ArgumentParser(prog=PROG, description="Fake QMI modem on a pty serving a software eUICC")
    parser.add_argument("--state", required=True, help="software eUICC state file")
    parser.add_argument("--fault", action="append", default=[],
                        help="qmi-open-denied, qmi-slow:<ms>, reset-on-refresh[:<ms>], vanish-on-refresh:<ms>, "
                        "vanish-on:<TAG>:<ms>, silent-reset-after:<TAG>, or a card fault (repeatable)")
    parser.add_argument("--link", help="also make a symlink to the pty at this path")
    parser.add_argument("--relink", help="after leaving the bus, come back with the symlink at this path instead "
                        "(a module renumbered by USB re-enumeration)")
    parser.add_argument("--slot", type=int, default=1, help="slot holding the card (default 1)")
    parser.add_argument("--card-module", help=argparse.SUPPRESS)
    parser.add_argument("--verbose", "-v", action="store_true", help="log every message to stderr")
    args = parser.parse_args()

    if args.slot < 1 or args.slot > 5:
        parser.error("--slot must be between 1 and 5")
    modem_faults, card_faults = split_faults(args.fault, MODEM_FAULTS)
    try:
        card = load_card(args.state, card_faults, args.card_module)
        modem = FakeQmiModem(card, args.slot, modem_faults, args.verbose)
    except Exception as exc:
        sys.stderr.write("%s: cannot start: %s\n" % (PROG, exc))
        return 1

    stop = StopFlag()
    port = PtyPort(args.link, args.relink)
    port.announce()
    framer = qmux.QmuxParser()
    try:
        while not stop.stop:
            data = port.read(0.2)
            if len(data) == 0:
                continue
            framer.feed(data)
            for frame in framer.frames():
                response = modem.handle_frame(frame)
                vanish = modem.loss.take_vanish()
                if response is not None and (vanish is None or vanish[1]):
                    port.write(response)
                if vanish is not None:
                    modem.log("leaving the bus for %d ms" % vanish[0])
                    port.vanish(vanish[0])
                    modem.reappeared()
                    framer = qmux.QmuxParser()
                    break
    finally:
        port.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())

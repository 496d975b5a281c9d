#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""An MBIM modem without hardware: MBIM control messages on a pty, with the software eUICC.

    fake-mbim-modem.py --state FILE [--fault F ...] [--link PATH [--relink PATH]]

The slave path of the pty is printed on the first line of stdout; point libmbim
(mbimcli -d PATH, the daemon's mbim:// URI) at it. Served: OPEN/CLOSE, basic
connect Device Caps, Subscriber Ready Status, Device Services and Device Service
Subscribe List, and the Microsoft UICC low-level access service (ATR, Open
Channel, Close Channel, APDU, Terminal Capability, Reset, Application List).
Other commands get an MBIM error status; other messages a FUNCTION_ERROR.

As the Microsoft specification asks of the function, the APDU command runs
GET RESPONSE itself on 61xx and builds the class byte for the channel. Open
Channel takes SelectP2Arg 00, 04 or 0C (others: INVALID_PARAMETERS) and records
each channel's ChannelGroup; Close Channel with Channel 0 closes every channel of
its ChannelGroup. Channels stay open when the client that opened them goes away,
as on a real modem; when the card has none left (3 by default, see the software
eUICC), Open Channel answers MBIM_STATUS_MS_NO_LOGICAL_CHANNELS.
APDU and channel status words travel as a u32 holding SW1 | SW2 << 8.

Modem-level faults: mbim-no-channels (Open Channel answers
MBIM_STATUS_MS_NO_LOGICAL_CHANNELS), mbim-slow:<ms> (every UICC answer is
delayed), and the REFRESH and modem-loss switches of modemlib/loss.py
(reset-on-refresh, vanish-on-refresh, vanish-on, silent-reset-after; while the UICC re-initialises,
Open Channel answers NOT_INITIALIZED, and APDU on a channel the reset closed
answers MS_INVALID_LOGICAL_CHANNEL). Other --fault values go to the card.
"""

import argparse
import os
import struct
import sys
import time

sys.dont_write_bytecode = True  # the source tree may be read-only (distcheck)
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from modemlib import mbim  # noqa: E402
from modemlib.apdu import transmit_collect  # noqa: E402
from modemlib.card import (cla_for_channel, fault_value, load_card,  # noqa: E402
                           split_faults, sw_is_success)
from modemlib.loss import LOSS_FAULTS, ModemLoss  # noqa: E402
from modemlib.ptyport import PtyPort, StopFlag  # noqa: E402

PROG = "fake-mbim-modem"
MODEM_FAULTS = ("mbim-no-channels", "mbim-slow") + LOSS_FAULTS

BC_DEVICE_CAPS = 1
BC_SUBSCRIBER_READY_STATUS = 2
BC_DEVICE_SERVICES = 16
BC_DEVICE_SERVICE_SUBSCRIBE_LIST = 19

UICC_ATR = 1
UICC_OPEN_CHANNEL = 2
UICC_CLOSE_CHANNEL = 3
UICC_APDU = 4
UICC_TERMINAL_CAPABILITY = 5
UICC_RESET = 6
UICC_APPLICATION_LIST = 7

BASIC_CONNECT_CIDS = (BC_DEVICE_CAPS, BC_SUBSCRIBER_READY_STATUS, BC_DEVICE_SERVICES,
                      BC_DEVICE_SERVICE_SUBSCRIBE_LIST)
UICC_CIDS = (UICC_ATR, UICC_OPEN_CHANNEL, UICC_CLOSE_CHANNEL, UICC_APDU,
             UICC_TERMINAL_CAPABILITY, UICC_RESET, UICC_APPLICATION_LIST)

# Applications the application list reports: the ISD-R of the eUICC (SGP.02/.22).
ISDR_AID = bytes.fromhex("A0000005591010FFFFFFFF8900000100")
MAX_CHANNEL = 19


class CommandError(Exception):
    """A command answered with a non-success MBIM status and, maybe, an information buffer."""

    def __init__(self, status, reason, info=b""):
        super().__init__(reason)
        self.status = status
        self.info = info


def as_bytes(value):
    if isinstance(value, str):
        return bytes.fromhex(value)
    return bytes(value)


def sw_u32(sw):
    """The MBIM Status field: SW1 in the low byte, SW2 in the next (BYTE[2] on the wire)."""
    if len(sw) != 2:
        return 0
    return sw[0] | (sw[1] << 8)


class FakeMbimModem:
    def __init__(self, card, modem_faults, verbose):
        self.card = card
        self.verbose = verbose
        self.unexpected = []  # exceptions no handler expected: bugs, listed for the self-tests
        self.no_channels = fault_value(modem_faults, "mbim-no-channels") is not None
        slow = fault_value(modem_faults, "mbim-slow")
        self.slow_seconds = 0.0
        if slow is not None:
            if slow is True or not slow.isdigit():
                raise ValueError("mbim-slow needs a delay in milliseconds, e.g. mbim-slow:200")
            self.slow_seconds = int(slow) / 1000.0
        self.opened = False
        self.max_transfer = 4096
        self.assembler = mbim.CommandAssembler()
        self.channels = {}  # channel -> channel group
        self.terminal_capabilities = []
        self.pass_through = 0
        self.loss = ModemLoss(modem_faults)

    def reappeared(self):
        """Back on the bus after a reboot: not opened, no channels, the card powered up again."""
        self.opened = False
        self.assembler.reset()
        self.channels.clear()
        self.card.reset()

    def log(self, message):
        if self.verbose:
            sys.stderr.write("%s: %s\n" % (PROG, message))
            sys.stderr.flush()

    # -- message level -------------------------------------------------------------

    def handle_message(self, message):
        """The list of messages to send back for one received message."""
        msg_type, length, transaction = struct.unpack_from("<III", message, 0)
        if msg_type == mbim.OPEN_MSG:
            if length < mbim.HEADER_LEN + 4:
                return [mbim.function_error(transaction, mbim.ERROR_LENGTH_MISMATCH)]
            requested = struct.unpack_from("<I", message, mbim.HEADER_LEN)[0]
            self.max_transfer = max(requested, mbim.MIN_CONTROL_TRANSFER)
            self.opened = True
            self.assembler.reset()
            self.log("OPEN, max control transfer %d" % requested)
            return [mbim.open_done(transaction, mbim.STATUS_SUCCESS)]
        if msg_type == mbim.CLOSE_MSG:
            self.opened = False
            self.assembler.reset()
            self.log("CLOSE")
            return [mbim.close_done(transaction, mbim.STATUS_SUCCESS)]
        if msg_type == mbim.HOST_ERROR_MSG:
            self.log("host reported error for transaction %d" % transaction)
            self.assembler.reset()
            return []
        if msg_type != mbim.COMMAND_MSG:
            self.log("unknown message type 0x%08x" % msg_type)
            return [mbim.function_error(transaction, mbim.ERROR_UNKNOWN)]
        if not self.opened:
            self.log("COMMAND before OPEN (transaction %d)" % transaction)
            return [mbim.function_error(transaction, mbim.ERROR_NOT_OPENED)]
        try:
            command = self.assembler.add(message)
        except mbim.FragmentError as exc:
            self.log("transaction %d: %s" % (exc.transaction, exc))
            return [mbim.function_error(exc.transaction, exc.error)]
        if command is None:
            return []
        status, info = self.handle_command(command)
        return mbim.command_done(command.transaction, command.service, command.cid,
                                 status, info, self.max_transfer)

    def handle_command(self, command):
        name = "service %s cid %d type %d" % (command.service.hex(), command.cid, command.command_type)
        try:
            if command.service == mbim.UUID_BASIC_CONNECT:
                info = self.basic_connect(command)
            elif command.service == mbim.UUID_MS_UICC_LOW_LEVEL_ACCESS:
                if self.slow_seconds > 0:
                    time.sleep(self.slow_seconds)
                info = self.uicc(command)
            else:
                raise CommandError(mbim.STATUS_NO_DEVICE_SUPPORT, "service not provided")
        except CommandError as exc:
            self.log("%s: status 0x%08x (%s)" % (name, exc.status, exc))
            return exc.status, exc.info
        except mbim.InfoError as exc:
            self.log("%s: invalid parameters (%s)" % (name, exc))
            return mbim.STATUS_INVALID_PARAMETERS, b""
        except Exception as exc:  # the card or a handler broke: answer, never go silent
            self.log("%s: failure %r" % (name, exc))
            self.unexpected.append(repr(exc))
            return mbim.STATUS_FAILURE, b""
        self.log("%s: ok" % name)
        return mbim.STATUS_SUCCESS, info

    # -- basic connect --------------------------------------------------------------

    def basic_connect(self, command):
        cid = command.cid
        query = command.command_type == mbim.COMMAND_TYPE_QUERY
        if cid == BC_DEVICE_CAPS and query:
            b = mbim.InfoBuilder()
            b.u32(1)  # device type: embedded
            b.u32(1)  # cellular class: GSM
            b.u32(1)  # voice class: no voice
            b.u32(2)  # SIM class: removable
            b.u32(0x20)  # data class: LTE
            b.u32(0)  # SMS caps
            b.u32(0)  # control caps
            b.u32(1)  # max sessions
            b.string("")  # custom data class
            b.string("350000000000001")  # device id
            b.string("fake-mbim-modem")  # firmware info
            b.string("pty")  # hardware info
            return b.build()
        if cid == BC_SUBSCRIBER_READY_STATUS and query:
            b = mbim.InfoBuilder()
            b.u32(1)  # ready state: initialized
            b.string("")  # subscriber id
            b.string("")  # SIM ICCID
            b.u32(0)  # ready info
            b.u32(0)  # no telephone numbers
            return b.build()
        if cid == BC_DEVICE_SERVICES and query:
            b = mbim.InfoBuilder()
            b.u32(2)  # services
            b.u32(0)  # max DSS sessions
            for service, cids in ((mbim.UUID_BASIC_CONNECT, BASIC_CONNECT_CIDS),
                                  (mbim.UUID_MS_UICC_LOW_LEVEL_ACCESS, UICC_CIDS)):
                element = service + struct.pack("<III", 0, 0, len(cids))
                element += b"".join(struct.pack("<I", c) for c in cids)
                b.ref(element)
            return b.build()
        if cid == BC_DEVICE_SERVICE_SUBSCRIBE_LIST and not query:
            # No indications are ever sent; accept the list as given.
            return bytes(command.info)
        raise CommandError(mbim.STATUS_NO_DEVICE_SUPPORT, "basic connect command not supported")

    # -- Microsoft UICC low-level access --------------------------------------------

    def uicc(self, command):
        cid = command.cid
        query = command.command_type == mbim.COMMAND_TYPE_QUERY
        info = command.info
        if cid == UICC_ATR and query:
            return mbim.InfoBuilder().uicc_ref(as_bytes(self.card.atr)).build()
        if cid == UICC_OPEN_CHANNEL and not query:
            aid = mbim.read_ref(info, 0, "AppId", length_first=True)
            p2 = mbim.read_u32(info, 8, "SelectP2Arg")
            if p2 not in (0x00, 0x04, 0x0C):
                raise CommandError(mbim.STATUS_INVALID_PARAMETERS, "SelectP2Arg %#x" % p2)
            group = mbim.read_u32(info, 12, "ChannelGroup")
            return self.open_channel(aid, group)
        if cid == UICC_CLOSE_CHANNEL and not query:
            channel = mbim.read_u32(info, 0, "Channel")
            group = mbim.read_u32(info, 4, "ChannelGroup")
            return self.close_channel(channel, group)
        if cid == UICC_APDU and not query:
            channel = mbim.read_u32(info, 0, "Channel")
            mbim.read_u32(info, 4, "SecureMessaging")
            mbim.read_u32(info, 8, "ClassByteType")
            apdu = mbim.read_ref(info, 12, "Command", length_first=True)
            return self.apdu(channel, apdu)
        if cid == UICC_TERMINAL_CAPABILITY:
            if not query:
                self.terminal_capabilities = self.parse_terminal_capabilities(info)
            b = mbim.InfoBuilder().u32(len(self.terminal_capabilities))
            for capability in self.terminal_capabilities:
                b.ref(capability)
            return b.build()
        if cid == UICC_RESET:
            if not query:
                action = mbim.read_u32(info, 0, "PassThroughAction")
                if action not in (0, 1):
                    raise CommandError(mbim.STATUS_INVALID_PARAMETERS, "pass-through action %d" % action)
                self.pass_through = action
                self.card.reset()
                self.channels.clear()
            return struct.pack("<I", self.pass_through)
        if cid == UICC_APPLICATION_LIST and query:
            return self.application_list()
        raise CommandError(mbim.STATUS_NO_DEVICE_SUPPORT, "UICC command not supported")

    def open_channel(self, aid, group):
        if len(aid) > 32:
            raise CommandError(mbim.STATUS_INVALID_PARAMETERS, "AppId of %d bytes" % len(aid))
        if self.no_channels:
            raise CommandError(mbim.STATUS_MS_NO_LOGICAL_CHANNELS, "no channels (fault mbim-no-channels)",
                               struct.pack("<IIII", sw_u32(b"\x6a\x81"), 0, 0, 0))
        if self.loss.opens_refused():
            raise CommandError(mbim.STATUS_NOT_INITIALIZED, "the UICC is re-initialising after REFRESH")
        channel, select_response, sw = self.card.open_channel(aid)
        select_response = as_bytes(select_response) if select_response is not None else b""
        sw = as_bytes(sw) if sw is not None else b""
        if not channel and (len(sw) != 2 or sw in (b"\x6a\x81", b"\x68\x81")):
            raise CommandError(mbim.STATUS_MS_NO_LOGICAL_CHANNELS, "card opened no channel, SW %s" % sw.hex(),
                               struct.pack("<IIII", sw_u32(sw), 0, 0, 0))
        if not channel or not sw_is_success(sw):
            raise CommandError(mbim.STATUS_MS_SELECT_FAILED, "SELECT %s failed, SW %s" % (aid.hex(), sw.hex()),
                               struct.pack("<IIII", sw_u32(sw), 0, 0, 0))
        self.channels[channel] = group
        return (mbim.InfoBuilder().u32(sw_u32(sw)).u32(channel).uicc_ref(select_response).build())

    def close_channel(self, channel, group):
        if channel != 0:
            if channel not in self.channels:
                raise CommandError(mbim.STATUS_MS_INVALID_LOGICAL_CHANNEL, "channel %d not open" % channel)
            targets = [channel]
        else:
            targets = sorted(c for c, g in self.channels.items() if g == group)
        sw = b"\x90\x00"
        for target in targets:
            sw = as_bytes(self.card.close_channel(target))
            del self.channels[target]
        return struct.pack("<I", sw_u32(sw))

    def apdu(self, channel, apdu):
        if len(apdu) < 4:
            raise CommandError(mbim.STATUS_INVALID_PARAMETERS, "command of %d bytes" % len(apdu))
        if channel > MAX_CHANNEL or (channel != 0 and channel not in self.channels):
            raise CommandError(mbim.STATUS_MS_INVALID_LOGICAL_CHANNEL, "APDU on channel %d, not open" % channel)
        command = bytearray(apdu)
        # The host's class byte "must be present but is not used": the function builds it.
        command[0] = cla_for_channel(command[0], channel)
        self.loss.before_command(command)
        response = transmit_collect(self.card, command, channel)
        if len(response) < 2:
            raise CommandError(mbim.STATUS_FAILURE, "card gave %d bytes, no status word" % len(response))
        self.loss.after_response(response, self.card, self.channels.clear)
        return mbim.InfoBuilder().u32(sw_u32(response[-2:])).uicc_ref(response[:-2]).build()

    def parse_terminal_capabilities(self, info):
        count = mbim.read_u32(info, 0, "TerminalCapabilityCount")
        if count > 64:
            raise CommandError(mbim.STATUS_INVALID_PARAMETERS, "%d terminal capabilities" % count)
        return [mbim.read_ref(info, 4 + 8 * i, "TerminalCapability[%d]" % i) for i in range(count)]

    def application_list(self):
        # MBIM_MS_UICC_APP_INFO: type, AppId (offset, size), AppName (offset, size),
        # NumPins, PinRef (offset, size). Type 0 is "unknown": the ISD-R is no telecom app.
        app = mbim.InfoBuilder().u32(0).ref(ISDR_AID).ref(b"ISD-R").u32(0).ref(b"").build()
        b = mbim.InfoBuilder()
        b.u32(1)  # version
        b.u32(1)  # application count
        b.u32(0)  # active application index
        b.u32(len(app))  # size of the application list in bytes
        b.ref(app)
        return b.build()


def main():
    parser = argparse.ArgumentParser(prog=PROG, description="Fake MBIM modem on a pty serving a software eUICC")
    parser.add_argument("--state", required=True, help="software eUICC state file")
    parser.add_argument("--fault", action="append", default=[],
                        help="mbim-no-channels, mbim-slow:<ms>, reset-on-refresh[:<ms>], vanish-on-refresh:<ms>, "
                        "vanish-on:<TAG>:<ms>, silent-reset-after:<TAG>, or a card fault (repeatable)")
    parser.add_argument("--link", help="also make a symlink to the pty at this path")
    parser.add_argument("--relink", help="after leaving the bus, come back with the symlink at this path instead "
                        "(a module renumbered by USB re-enumeration)")
    parser.add_argument("--card-module", help=argparse.SUPPRESS)
    parser.add_argument("--verbose", "-v", action="store_true", help="log every message to stderr")
    args = parser.parse_args()

    modem_faults, card_faults = split_faults(args.fault, MODEM_FAULTS)
    try:
        card = load_card(args.state, card_faults, args.card_module)
        modem = FakeMbimModem(card, modem_faults, args.verbose)
    except Exception as exc:
        sys.stderr.write("%s: cannot start: %s\n" % (PROG, exc))
        return 1

    stop = StopFlag()
    port = PtyPort(args.link, args.relink)
    port.announce()
    framer = mbim.MbimStreamParser()
    try:
        while not stop.stop:
            data = port.read(0.2)
            if len(data) == 0:
                continue
            framer.feed(data)
            for message in framer.messages():
                replies = modem.handle_message(message)
                vanish = modem.loss.take_vanish()
                if vanish is None or vanish[1]:
                    for reply in replies:
                        port.write(reply)
                if vanish is not None:
                    modem.log("leaving the bus for %d ms" % vanish[0])
                    port.vanish(vanish[0])
                    modem.reappeared()
                    framer = mbim.MbimStreamParser()
                    break
    finally:
        port.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())

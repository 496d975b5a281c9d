#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""Drive an MBIM device at the message level (fragments included), one line out per step.

    mbim_probe.py DEVICE [--max-transfer N] STEP...

Steps: mbim-open (OPEN with MaxControlTransfer N)  mbim-close  atr  open:AID
apdu:HEX (last opened channel)  close[:N]  unknown-cid  unknown-service
Output: "<step> status=0x<MBIM status> fragments=<n> [sw=..] [channel=..] [data=..]",
or "<step> function-error=<code>".
"""

import os
import select
import struct
import sys
import time
import uuid

sys.dont_write_bytecode = True  # the source tree may be read-only (distcheck)
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from modemlib import mbim  # noqa: E402


class Probe:
    def __init__(self, path, max_transfer):
        self.fd = os.open(path, os.O_RDWR | os.O_NOCTTY)
        self.parser = mbim.MbimStreamParser()
        self.max_transfer = max_transfer
        self.txn = 1

    def exchange(self, messages, txn):
        """Send messages; return (type, list of payload pieces) of the answers to txn."""
        for message in messages:
            os.write(self.fd, message)
        pieces = []
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            ready, _, _ = select.select([self.fd], [], [], 0.5)
            if ready:
                data = os.read(self.fd, 65536)
                if len(data) == 0:
                    # The master side closed: the modem left the bus.
                    raise EOFError("the device went away")
                self.parser.feed(data)
            for reply in self.parser.messages():
                msg_type, length, reply_txn = struct.unpack_from("<III", reply, 0)
                if reply_txn != txn:
                    continue
                if msg_type != mbim.COMMAND_DONE:
                    return msg_type, [reply[mbim.HEADER_LEN:]]
                if len(reply) > self.max_transfer:
                    raise ValueError("fragment of %d bytes exceeds %d" % (len(reply), self.max_transfer))
                total, current = struct.unpack_from("<II", reply, mbim.HEADER_LEN)
                if current != len(pieces):
                    raise ValueError("fragment %d arrived as number %d" % (current, len(pieces)))
                pieces.append(reply[mbim.HEADER_LEN + mbim.FRAGMENT_HEADER_LEN:])
                if len(pieces) == total:
                    return msg_type, pieces
        raise TimeoutError("no answer to transaction %d" % txn)

    def simple(self, msg_type, body):
        txn = self.txn
        self.txn += 1
        message = mbim.header(msg_type, mbim.HEADER_LEN + len(body), txn) + body
        reply_type, pieces = self.exchange([message], txn)
        return reply_type, struct.unpack_from("<I", pieces[0], 0)[0]

    def command(self, service, cid, command_type, info):
        txn = self.txn
        self.txn += 1
        reply_type, pieces = self.exchange(
            mbim.command(txn, service, cid, command_type, info, self.max_transfer), txn)
        if reply_type == mbim.FUNCTION_ERROR_MSG:
            return None, struct.unpack_from("<I", pieces[0], 0)[0], 0
        payload = b"".join(pieces)
        _, status, info_len = struct.unpack_from("<III", payload, 16)
        return payload[28:28 + info_len], status, len(pieces)


def main():
    args = sys.argv[1:]
    path = args.pop(0)
    max_transfer = 4096
    if len(args) > 0 and args[0] == "--max-transfer":
        args.pop(0)
        max_transfer = int(args.pop(0))
    probe = Probe(path, max_transfer)
    uicc = mbim.UUID_MS_UICC_LOW_LEVEL_ACCESS
    channel = 0
    for step in args:
        name, _, arg = step.partition(":")
        if name == "mbim-open":
            reply_type, status = probe.simple(mbim.OPEN_MSG, struct.pack("<I", max_transfer))
            print("mbim-open type=0x%08x status=%d" % (reply_type, status))
            continue
        if name == "mbim-close":
            reply_type, status = probe.simple(mbim.CLOSE_MSG, b"")
            print("mbim-close type=0x%08x status=%d" % (reply_type, status))
            continue
        if name == "atr":
            info, status, frags = probe.command(uicc, 1, mbim.COMMAND_TYPE_QUERY, b"")
            extra = " data=%s" % mbim.read_ref(info, 0, "atr", True).hex() if status == 0 else ""
        elif name == "open":
            aid = bytes.fromhex(arg)
            body = mbim.InfoBuilder().uicc_ref(aid).u32(0).u32(1).build()
            info, status, frags = probe.command(uicc, 2, mbim.COMMAND_TYPE_SET, body)
            extra = ""
            if info is not None and len(info) >= 8:
                sw, channel = struct.unpack_from("<II", info, 0)
                extra = " sw=%04x channel=%d" % (sw, channel)
                if len(info) >= 16:
                    extra += " data=%s" % mbim.read_ref(info, 8, "response", True).hex()
        elif name == "apdu":
            apdu = bytes.fromhex(arg)
            body = mbim.InfoBuilder().u32(channel).u32(0).u32(0).uicc_ref(apdu).build()
            info, status, frags = probe.command(uicc, 4, mbim.COMMAND_TYPE_SET, body)
            extra = ""
            if info is not None and len(info) >= 12:
                sw = struct.unpack_from("<I", info, 0)[0]
                extra = " sw=%04x data=%s" % (sw, mbim.read_ref(info, 4, "response", True).hex())
        elif name == "close":
            target = int(arg) if arg != "" else channel
            info, status, frags = probe.command(uicc, 3, mbim.COMMAND_TYPE_SET, struct.pack("<II", target, 0))
            extra = " sw=%04x" % struct.unpack_from("<I", info, 0)[0] if info is not None and len(info) >= 4 else ""
        elif name == "unknown-cid":
            info, status, frags = probe.command(uicc, 99, mbim.COMMAND_TYPE_QUERY, b"")
            extra = ""
        elif name == "unknown-service":
            info, status, frags = probe.command(uuid.UUID(int=0x1234).bytes, 1, mbim.COMMAND_TYPE_QUERY, b"")
            extra = ""
        else:
            print("unknown step %s" % step, file=sys.stderr)
            return 2
        if info is None:
            print("%s function-error=%d" % (name, status))
        else:
            print("%s status=0x%08x fragments=%d%s" % (name, status, frags, extra))
        sys.stdout.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""Drive a QMI device with the UIM messages Debian's qmicli lacks, one line out per step.

    qmi_probe.py DEVICE STEP...

Steps: open:AID  apdu:HEX (last opened channel)  apdu-auto:HEX (same, modem runs
GET RESPONSE)  apdu0:HEX (basic channel, no channel TLV)  close[:N]  slot:N (slot
used from now on)  unknown (UIM message 0x00FE)  malformed (TLV overrunning its message)
Output: "<step> error=<QMI error> [channel=..] [sw=..] [data=..]".
"""

import os
import select
import struct
import sys
import time

sys.dont_write_bytecode = True  # the source tree may be read-only (distcheck)
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from modemlib import qmux  # noqa: E402


class Probe:
    def __init__(self, path):
        self.fd = os.open(path, os.O_RDWR | os.O_NOCTTY)
        self.parser = qmux.QmuxParser()
        self.txn = 1

    def request(self, service, client, message_id, tlvs=b"", raw=None):
        txn = self.txn
        self.txn += 1
        frame = raw if raw is not None else qmux.build_request(service, client, txn, message_id, tlvs)
        os.write(self.fd, frame)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            ready, _, _ = select.select([self.fd], [], [], 0.5)
            if ready:
                data = os.read(self.fd, 65536)
                if len(data) == 0:
                    # The master side closed: the modem left the bus.
                    raise EOFError("the device went away")
                self.parser.feed(data)
            for reply in self.parser.frames():
                msg = qmux.parse_frame(reply)
                if msg is not None and msg.message_id == message_id and msg.service == service:
                    result = msg.tlvs.get(0x02)
                    error = struct.unpack("<HH", result)[1] if result is not None else -1
                    return error, msg.tlvs
        raise TimeoutError("no answer to service 0x%02x message 0x%04x" % (service, message_id))


def main():
    probe = Probe(sys.argv[1])
    error, tlvs = probe.request(qmux.SERVICE_CTL, 0, 0x0022, qmux.tlv(0x01, bytes([qmux.SERVICE_UIM])))
    if error != 0:
        print("allocate error=%d" % error)
        return 1
    cid = tlvs[0x01][1]
    slot = 1
    channel = 0
    for step in sys.argv[2:]:
        name, _, arg = step.partition(":")
        slot_tlv = qmux.tlv(0x01, bytes([slot]))
        if name == "slot":
            slot = int(arg)
            continue
        if name == "open":
            aid = bytes.fromhex(arg)
            error, tlvs = probe.request(qmux.SERVICE_UIM, cid, 0x0042,
                                        slot_tlv + qmux.tlv(0x10, bytes([len(aid)]) + aid))
            line = "open error=%d" % error
            if 0x10 in tlvs:
                channel = tlvs[0x10][0]
                line += " channel=%d" % channel
            if 0x11 in tlvs:
                line += " sw=%s" % tlvs[0x11].hex()
            if 0x12 in tlvs:
                line += " data=%s" % tlvs[0x12][1:].hex()
        elif name in ("apdu", "apdu-auto", "apdu0"):
            apdu = bytes.fromhex(arg)
            body = slot_tlv + qmux.tlv(0x02, struct.pack("<H", len(apdu)) + apdu)
            if name != "apdu0":
                body += qmux.tlv(0x10, bytes([channel]))
            if name == "apdu-auto":
                body += qmux.tlv(0x11, b"\x01")
            error, tlvs = probe.request(qmux.SERVICE_UIM, cid, 0x003B, body)
            line = "%s error=%d" % (name, error)
            if 0x10 in tlvs:
                response = tlvs[0x10][2:]
                line += " sw=%s data=%s" % (response[-2:].hex(), response[:-2].hex())
        elif name == "close":
            target = int(arg) if arg != "" else channel
            error, tlvs = probe.request(qmux.SERVICE_UIM, cid, 0x003F,
                                        slot_tlv + qmux.tlv(0x11, bytes([target])) + qmux.tlv(0x13, b"\x01"))
            line = "close error=%d" % error
            if 0x11 in tlvs:
                line += " sw=%s" % tlvs[0x11].hex()
        elif name == "unknown":
            error, _ = probe.request(qmux.SERVICE_UIM, cid, 0x00FE)
            line = "unknown error=%d" % error
        elif name == "malformed":
            frame = bytearray(qmux.build_request(qmux.SERVICE_UIM, cid, 0x7777, 0x003B, b"\x02\xff\x00\x01"))
            error, _ = probe.request(qmux.SERVICE_UIM, cid, 0x003B, raw=bytes(frame))
            line = "malformed error=%d" % error
        else:
            print("unknown step %s" % step, file=sys.stderr)
            return 2
        print(line)
        sys.stdout.flush()
    probe.request(qmux.SERVICE_CTL, 0, 0x0023, qmux.tlv(0x01, bytes([qmux.SERVICE_UIM, cid])))
    return 0


if __name__ == "__main__":
    sys.exit(main())

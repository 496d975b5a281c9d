#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""Feed a fake modem random and mangled messages in-process; every request must get an answer.

    hostile_input.py qmi|mbim STATE_FILE [ITERATIONS] [SEED]

Exits 1 naming the first input that raised or went unanswered.
"""

import importlib.util
import os
import random
import struct
import sys

PEERS = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.dont_write_bytecode = True  # the source tree may be read-only (distcheck)
sys.path.insert(0, PEERS)

from modemlib import mbim, qmux  # noqa: E402
from modemlib.card import load_card  # noqa: E402


def load_script(name):
    spec = importlib.util.spec_from_file_location(name.replace("-", "_"), os.path.join(PEERS, name))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


ISDR = bytes.fromhex("A0000005591010FFFFFFFF8900000100")


def random_bytes(rng, low, high):
    return bytes(rng.getrandbits(8) for _ in range(rng.randint(low, high)))


def mangle(rng, data):
    data = bytearray(data)
    for _ in range(rng.randint(1, 4)):
        if len(data) == 0:
            break
        choice = rng.randint(0, 2)
        position = rng.randrange(len(data))
        if choice == 0:
            data[position] = rng.getrandbits(8)
        elif choice == 1:
            del data[position:]
        else:
            data[position:position] = random_bytes(rng, 1, 8)
    return bytes(data)


def qmi_tlvs(rng):
    pieces = []
    for _ in range(rng.randint(0, 4)):
        tlv_type = rng.choice([0x01, 0x02, 0x10, 0x11, 0x12, 0x13, rng.getrandbits(8)])
        if rng.random() < 0.3:
            value = bytes([rng.randint(0, 3)])
        elif rng.random() < 0.5:
            aid = rng.choice([ISDR, random_bytes(rng, 0, 20)])
            value = bytes([len(aid)]) + aid
        else:
            apdu = random_bytes(rng, 0, 300)
            value = struct.pack("<H", len(apdu)) + apdu
        pieces.append(qmux.tlv(tlv_type, value))
    return b"".join(pieces)


def run_qmi(state, iterations, rng):
    module = load_script("fake-qmi-modem.py")
    modem = module.FakeQmiModem(load_card(state, []), 1, [], False)
    answered = 0
    for i in range(iterations):
        # Allocate a client now and then so UIM handlers are reached.
        modem.handle_frame(qmux.build_request(0, 0, 1, 0x0022, qmux.tlv(0x01, b"\x0b")))
        service = rng.choice([0x00, 0x0B, 0x0B, 0x0B, rng.getrandbits(8)])
        message = rng.choice([0x21, 0x22, 0x23, 0x27, 0x2F, 0x3B, 0x3F, 0x42, 0x47, 0xFF00,
                              rng.getrandbits(16)])
        frame = qmux.build_request(service, rng.randint(0, 3), i, message, qmi_tlvs(rng))
        if rng.random() < 0.4:
            frame = mangle(rng, frame)
        parser = qmux.QmuxParser()
        parser.feed(frame)
        for piece in parser.frames():
            request = qmux.parse_frame(piece)
            try:
                response = modem.handle_frame(piece)
            except Exception as exc:
                print("FAIL: QMI input %s raised %r" % (piece.hex(), exc))
                return 1
            if request is not None and request.is_request():
                reply = qmux.parse_frame(response) if response is not None else None
                if reply is None or reply.tlvs is None or 0x02 not in reply.tlvs:
                    print("FAIL: QMI request %s got no valid answer" % piece.hex())
                    return 1
                answered += 1
    if len(modem.unexpected) > 0:
        print("FAIL: unexpected exceptions: %s" % "; ".join(modem.unexpected[:5]))
        return 1
    print("qmi: %d random requests, %d answered, none crashed" % (iterations, answered))
    return 0


def mbim_info(rng):
    if rng.random() < 0.5:
        return random_bytes(rng, 0, 64)
    builder = mbim.InfoBuilder()
    for _ in range(rng.randint(0, 3)):
        builder.u32(rng.choice([0, 1, 2, 19, 20, 0xFFFFFFFF]))
    builder.uicc_ref(rng.choice([ISDR, random_bytes(rng, 0, 40)]))
    info = builder.build()
    return mangle(rng, info) if rng.random() < 0.3 else info


def run_mbim(state, iterations, rng):
    module = load_script("fake-mbim-modem.py")
    modem = module.FakeMbimModem(load_card(state, []), [], False)
    answered = 0
    for i in range(iterations):
        if not modem.opened or rng.random() < 0.05:
            modem.handle_message(mbim.header(mbim.OPEN_MSG, 16, 1) + struct.pack("<I", rng.choice([64, 4096])))
        service = rng.choice([mbim.UUID_MS_UICC_LOW_LEVEL_ACCESS, mbim.UUID_BASIC_CONNECT, random_bytes(rng, 16, 16)])
        cid = rng.choice([1, 2, 3, 4, 5, 6, 7, 16, 19, rng.getrandbits(32)])
        messages = mbim.command(i + 2, service, cid, rng.randint(0, 1), mbim_info(rng), rng.choice([64, 4096]))
        if rng.random() < 0.3:
            messages = [mangle(rng, m) for m in messages]
        parser = mbim.MbimStreamParser()
        for m in messages:
            parser.feed(m)
        replies = []
        for message in parser.messages():
            try:
                replies.extend(modem.handle_message(message))
            except Exception as exc:
                print("FAIL: MBIM input %s raised %r" % (message.hex(), exc))
                return 1
        for reply in replies:
            if len(reply) < mbim.HEADER_LEN or struct.unpack_from("<I", reply, 4)[0] != len(reply):
                print("FAIL: MBIM reply %s has a wrong length" % reply.hex())
                return 1
        answered += 1 if len(replies) > 0 else 0
    for _ in range(iterations):
        parser = mbim.MbimStreamParser()
        parser.feed(random_bytes(rng, 0, 200))
        for message in parser.messages():
            modem.handle_message(message)
    if len(modem.unexpected) > 0:
        print("FAIL: unexpected exceptions: %s" % "; ".join(modem.unexpected[:5]))
        return 1
    print("mbim: %d random commands, %d answered, none crashed" % (iterations, answered))
    return 0


def main():
    if len(sys.argv) < 3 or sys.argv[1] not in ("qmi", "mbim"):
        print(__doc__.strip(), file=sys.stderr)
        return 2
    iterations = int(sys.argv[3]) if len(sys.argv) > 3 else 2000
    rng = random.Random(int(sys.argv[4]) if len(sys.argv) > 4 else 1)
    if sys.argv[1] == "qmi":
        return run_qmi(sys.argv[2], iterations, rng)
    return run_mbim(sys.argv[2], iterations, rng)


if __name__ == "__main__":
    sys.exit(main())

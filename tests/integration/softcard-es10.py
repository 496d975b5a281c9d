#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""The software eUICC (tests/peers/softeuicc) as a line-oriented ES10 card for test programs:

    softcard-es10.py STATE_FILE

Opens a logical channel to the ISD-R, then reads one ES10 command per line (hex) on stdin and
answers each with one line: the response in hex ("" when the card answered 9000 with no data),
or "ERR <what>" when the card refused it.  End of input closes the channel."""

import os
import sys

sys.dont_write_bytecode = True
HERE = os.path.dirname(os.path.abspath(__file__))
PEERS = os.path.join(HERE, "..", "peers")
sys.path.insert(0, os.path.join(PEERS, "lib"))
sys.path.insert(0, PEERS)

from softeuicc import SoftEuicc, client  # noqa: E402


def main():
    card = SoftEuicc(sys.argv[1])
    channel = client.open_isdr(card)
    for line in sys.stdin:
        line = line.strip()
        if not line:
            continue
        try:
            answer = client.es10(card, channel, bytes.fromhex(line))
            print(answer.hex().upper(), flush=True)
        except (client.CardError, ValueError) as exc:
            print("ERR %s" % exc, flush=True)
    client.close(card, channel)
    return 0


if __name__ == "__main__":
    sys.exit(main())

# SPDX-License-Identifier: Apache-2.0
"""Fault injection: strings that make the card misbehave in a chosen way.

  sw:<TAG>:<SW>      answer the ES10 command <TAG> with status word <SW>, no data
  garbage:<TAG>      answer with bytes that are not DER
  badlen:<TAG>       answer with a TLV whose length claims more bytes than follow
  truncate:<TAG>     answer with the first half of the correct TLV
  slow:<TAG>:<ms>    wait <ms> milliseconds before answering the last STORE DATA block
  noresult:<TAG>     execute the command (state changes persist) but answer 6F00, no data
  mute-after:<TAG>   execute the command, answer 6F00, and from then on answer every APDU 6F00 and refuse
                     every channel until the fault is removed (a card that went away after a command)
  nochannel          MANAGE CHANNEL open / open_channel() fail with 6A81
  getresponse-6cxx   the first GET RESPONSE of every response is answered 6C xx
  unknownalt:<TAG>   see bad_entries.py

<TAG> is the hex tag of the ES10 request (BF2D, bf3e ...) or * for every command.
"""

import pyder

from . import bad_entries

TAGGED = {"sw": 2, "garbage": 1, "badlen": 1, "truncate": 1, "slow": 2, "noresult": 1, "mute-after": 1}
TAGGED.update({k: 1 for k in bad_entries.KINDS})
# Faults that change a correct answer (mangle()).
MANGLING = ("garbage", "badlen", "truncate") + bad_entries.KINDS
PLAIN = ("nochannel", "getresponse-6cxx")


class Fault:
    __slots__ = ("kind", "tag", "arg")

    def __init__(self, kind, tag=None, arg=None):
        self.kind = kind
        self.tag = tag          # None: every ES10 command
        self.arg = arg

    def applies(self, tag):
        return self.tag is None or self.tag == tag


def parse(text):
    """One fault string -> Fault; ValueError naming what is wrong."""
    if not isinstance(text, str):
        raise ValueError("fault %r is not a string" % (text,))
    t = text.strip()
    if t.lower() in PLAIN:
        return Fault(t.lower())
    parts = t.split(":")
    kind = parts[0].lower()
    if kind not in TAGGED:
        raise ValueError("unknown fault %r" % text)
    if len(parts) != TAGGED[kind] + 1:
        raise ValueError("fault %r: %s takes %d argument(s)" % (text, kind, TAGGED[kind]))
    tag = None
    if parts[1] != "*":
        try:
            tag = int(parts[1], 16)
        except ValueError:
            raise ValueError("fault %r: tag %r is not hex" % (text, parts[1]))
    arg = None
    if kind == "sw":
        if len(parts[2]) != 4:
            raise ValueError("fault %r: status word must be 4 hex digits" % text)
        try:
            arg = int(parts[2], 16)
        except ValueError:
            raise ValueError("fault %r: status word %r is not hex" % (text, parts[2]))
    elif kind == "slow":
        try:
            arg = int(parts[2])
        except ValueError:
            raise ValueError("fault %r: delay %r is not a number of ms" % (text, parts[2]))
        if arg < 0:
            raise ValueError("fault %r: negative delay" % text)
    return Fault(kind, tag, arg)


def parse_list(items):
    return [parse(x) for x in items]


def mangle(kind, resp):
    """Corrupt a correct ES10 response the way the fault kind asks."""
    if kind == "garbage":
        # Keep the first tag so the damage is in the structure, then a reserved
        # length byte (FF) that no DER decoder may accept.
        tag = resp[:2] if len(resp) >= 2 and resp[0] & 0x1F == 0x1F else resp[:1]
        return tag + b"\xff\xde\xad\xbe\xef"
    if kind == "badlen":
        try:
            t = pyder.decode(resp)
        except pyder.DerError:
            return resp + b"\x00"
        return (pyder.tag_bytes(t.tag) + pyder.encode_length(len(t.value) + 64) + t.value)
    if kind == "truncate":
        return resp[:len(resp) // 2]
    return bad_entries.mangle(kind, resp)

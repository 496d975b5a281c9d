#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""Put the software eUICC behind a real PC/SC stack.

Debian's vsmartcard-vpcd driver, loaded by pcscd, listens on a TCP port and
waits for a virtual card to connect.  This process is that card: it connects
to vpcd, answers its control messages and hands every command APDU to
softeuicc.SoftEuicc.

vpcd framing: each message is a 2-byte big-endian length and a payload.  A
1-byte payload is a control message (0 power off, 1 power on, 2 reset,
4 get ATR; only "get ATR" is answered); any other payload is a command APDU,
answered with one frame holding the response data and SW1 SW2.

Usage: vpcd-card.py --state FILE [--host 127.0.0.1] [--port 35963]
                    [--fault F ...] [--verbose]

Faults handled here (all others go to the software eUICC):
  vpcd-drop-after:<n>   close the vpcd connection after n APDUs, as if the card
                        were pulled, then come back (once)
  vpcd-delay:<ms>       answer every APDU after <ms> milliseconds
"""

import argparse
import os
import signal
import socket
import struct
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from softeuicc import SoftEuicc  # noqa: E402

CTRL_OFF = 0
CTRL_ON = 1
CTRL_RESET = 2
CTRL_ATR = 4

# pcscd + vpcd fail SCardTransmit with SCARD_E_INSUFFICIENT_BUFFER when a
# response holds more than 256 data bytes, so longer ones are cut into
# 61xx / GET RESPONSE pieces as a T=0 card does.
MAX_RESPONSE_DATA = 256

# A frame can announce up to 65535 bytes; nothing legitimate from vpcd comes
# near that, but the length is read from the wire so it is bounded anyway.
MAX_FRAME = 65535


class Stopped(BaseException):
    """SIGTERM/SIGINT arrived: leave the loops (a BaseException, which no catch-all for a command swallows)."""


class VpcdGone(Exception):
    """vpcd closed the connection or the socket failed."""


def log(verbose, msg):
    if verbose:
        print("vpcd-card: " + msg, file=sys.stderr, flush=True)


def channel_of(cla):
    """Logical channel encoded in a CLA byte (ISO 7816-4 5.4.1), or None."""
    if cla == 0xFF:
        return None
    if cla & 0x40:
        return 4 + (cla & 0x0F)
    return cla & 0x03


class ResponseSplitter:
    """Serves responses longer than 256 data bytes in GET RESPONSE pieces.

    The software eUICC already chains its ES10 answers; this covers anything
    else (a long SELECT answer, a fault that inflates a response) so that no
    single frame ever crosses the vpcd limit.  One pending remainder per
    logical channel; any other command on that channel discards it, as a
    card does.
    """

    def __init__(self, card):
        self.card = card
        self.pending = {}

    def reset(self):
        self.pending.clear()

    def _piece(self, ch, data, sw, le):
        size = le if 0 < le <= MAX_RESPONSE_DATA else MAX_RESPONSE_DATA
        head, rest = data[:size], data[size:]
        if not rest:
            self.pending.pop(ch, None)
            return head + sw
        self.pending[ch] = (rest, sw)
        return head + bytes([0x61, len(rest) & 0xFF if len(rest) < 256 else 0x00])

    def transmit(self, apdu):
        ch = channel_of(apdu[0])
        if ch is not None and apdu[1] == 0xC0 and ch in self.pending:
            rest, sw = self.pending[ch]
            le = apdu[4] if len(apdu) == 5 else 0
            return self._piece(ch, rest, sw, le)
        if ch is not None:
            self.pending.pop(ch, None)
        resp = bytes(self.card.transmit(apdu))
        if len(resp) < 2:
            # A response without a status word is a card bug; report it as
            # "no precise diagnosis" rather than sending a broken frame.
            return b"\x6F\x00"
        if len(resp) - 2 <= MAX_RESPONSE_DATA or ch is None:
            return resp
        return self._piece(ch, resp[:-2], resp[-2:], 0)


class Faults:
    def __init__(self, faults):
        self.drop_after = None
        self.delay = 0.0
        self.apdu_count = 0
        self.card_faults = []
        for f in faults:
            name, _, arg = f.partition(":")
            if name == "vpcd-drop-after":
                self.drop_after = int(arg)
            elif name == "vpcd-delay":
                self.delay = int(arg) / 1000.0
            else:
                self.card_faults.append(f)


def recv_exact(sock, n):
    buf = bytearray()
    while len(buf) < n:
        try:
            chunk = sock.recv(n - len(buf))
        except OSError as e:
            raise VpcdGone(str(e)) from e
        if not chunk:
            raise VpcdGone("connection closed by vpcd")
        buf += chunk
        quickack(sock)
    return bytes(buf)


def quickack(sock):
    # Delayed ACK would hold every exchange back by tens of milliseconds; the
    # kernel clears TCP_QUICKACK by itself, so it is set again after each recv.
    if hasattr(socket, "TCP_QUICKACK"):
        try:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_QUICKACK, 1)
        except OSError:
            pass


def send_frame(sock, payload):
    if len(payload) > MAX_FRAME:
        raise VpcdGone("response of %d bytes does not fit a vpcd frame" % len(payload))
    try:
        sock.sendall(struct.pack(">H", len(payload)) + payload)
    except OSError as e:
        raise VpcdGone(str(e)) from e


def connect(host, port, verbose):
    """Connect to vpcd, retrying until it listens (pcscd may start later)."""
    announced = False
    while True:
        try:
            sock = socket.create_connection((host, port), timeout=2.0)
        except OSError as e:
            if not announced:
                log(True, "waiting for vpcd on %s:%d (%s)" % (host, port, e))
                announced = True
            time.sleep(0.2)
            continue
        sock.settimeout(None)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        quickack(sock)
        log(verbose, "connected to vpcd on %s:%d" % (host, port))
        return sock


def serve(sock, card, splitter, faults, verbose):
    """Answer vpcd until it goes away (raises VpcdGone)."""
    while True:
        (length,) = struct.unpack(">H", recv_exact(sock, 2))
        if length == 0:
            # An empty frame carries nothing to answer; vpcd never sends one.
            log(verbose, "ignoring empty frame")
            continue
        payload = recv_exact(sock, length)
        if length == 1:
            ctrl = payload[0]
            if ctrl == CTRL_ATR:
                send_frame(sock, bytes(card.atr))
            elif ctrl in (CTRL_OFF, CTRL_ON, CTRL_RESET):
                # Power changes end every logical channel, as on a real card.
                log(verbose, "control %d" % ctrl)
                card.reset()
                splitter.reset()
            else:
                log(True, "unknown vpcd control byte %d ignored" % ctrl)
            continue
        if length < 4:
            # Too short for CLA INS P1 P2: answer "wrong length" without
            # bothering the card.
            log(verbose, "> %s (short)" % payload.hex())
            send_frame(sock, b"\x67\x00")
            continue
        log(verbose, "> %s" % payload.hex())
        try:
            resp = splitter.transmit(payload)
        except Exception as e:  # the eUICC must never take the reader down
            log(True, "card raised %s: %s" % (type(e).__name__, e))
            resp = b"\x6F\x00"
        if faults.delay:
            time.sleep(faults.delay)
        log(verbose, "< %s" % resp.hex())
        send_frame(sock, resp)
        faults.apdu_count += 1
        if faults.drop_after is not None and faults.apdu_count == faults.drop_after:
            log(True, "fault vpcd-drop-after: dropping the connection after %d APDUs" % faults.apdu_count)
            raise VpcdGone("dropped by fault")


def main():
    ap = argparse.ArgumentParser(description="software eUICC as a vpcd virtual card")
    ap.add_argument("--state", required=True, help="software eUICC state file")
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, default=35963)
    ap.add_argument("--fault", action="append", default=[])
    ap.add_argument("--verbose", action="store_true")
    args = ap.parse_args()

    try:
        faults = Faults(args.fault)
    except ValueError as e:
        print("vpcd-card: bad --fault argument: %s" % e, file=sys.stderr)
        return 2

    def stop(signum, frame):
        raise Stopped()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)

    card = SoftEuicc(args.state, faults=faults.card_faults or None)
    splitter = ResponseSplitter(card)
    try:
        while True:
            sock = connect(args.host, args.port, args.verbose)
            try:
                serve(sock, card, splitter, faults, args.verbose)
            except VpcdGone as e:
                log(args.verbose, "vpcd connection lost: %s" % e)
            finally:
                sock.close()
            # Losing the reader is a card removal: the next session starts
            # from a fresh power-up.
            card.reset()
            splitter.reset()
            time.sleep(0.2)
    except Stopped:
        return 0


if __name__ == "__main__":
    sys.exit(main())

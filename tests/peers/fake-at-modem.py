#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""A cellular module's AT port on a pty, with the software eUICC behind it.

Usage: fake-at-modem.py --state FILE [--fault F ...] [--link PATH]
                        [--urc-noise] [--seed N] [--verbose]

The first line on stdout is the slave side of the pty (for example
/dev/pts/7): open it as the modem's serial port.  With --link PATH a symlink
to it is made there too (and removed on exit).  SIGTERM/SIGINT end the fake.

What it answers, as 3GPP TS 27.007 modules do (every line ends in CR LF, info
lines and the final result each framed by CR LF, echo on until ATE0):
  AT, ATE0/ATE1, ATZ, ATI, AT+CGMI, AT+CGMM, AT+CGMR, AT+CPIN?
  AT+CMEE=0|1|2, AT+CMEE?     error reporting: ERROR / +CME ERROR: <n> / text
  AT+CCHO="<AID>"             -> +CCHO: <sessionid>   (open channel + SELECT)
  AT+CGLA=<sid>,<len>,"<hex>" -> +CGLA: <len>,"<hex response with SW>"
  AT+CCHC=<sid>               -> OK
  AT+CSIM=<len>,"<hex>"       -> +CSIM: <len>,"<hex>" on the basic channel
  anything else               -> ERROR
<len> counts hex characters.  For +CGLA the modem puts the session's channel
number into the CLA byte, as the terminal does for a UICC (TS 31.101), so
clients may send CLA 80 or 81 alike.  The card's 61xx/6Cxx are passed through.

--urc-noise adds unsolicited result codes (+CREG, RING, +QIND ...) at random
moments between commands, and sometimes after the echo or just before the
final result code of a command, as busy modules do.

Faults handled here (all others go to the software eUICC):
  at-slow:<ms>        wait <ms> milliseconds before every final result code
  at-no-ccho          +CCHO/+CGLA/+CCHC answer ERROR (module without them)
  at-no-csim          +CSIM answers ERROR
  at-ccho-bare        +CCHO answers the bare session id (27.007 text form)
  at-sid-offset:<n>   session ids are the channel number plus n
  at-ccho-cme:<n>     +CCHO answers +CME ERROR: <n> (a module refusing logical
                      channels; +CGLA/+CCHC then have no session to use)
  at-ccho-missing-cme:<n>  +CCHO of an AID the card does not have (SELECT 6A82:
                      a plain UICC asked for the ISD-R) answers +CME ERROR: <n>
                      (3, operation not allowed, by default; 22, not found, and
                      50, incorrect parameters, are seen too)
  reset-on-refresh[:<ms>], vanish-on-refresh:<ms>, vanish-on:<TAG>:<ms>,
  silent-reset-after:<TAG>
                      REFRESH and modem loss (modemlib/loss.py): while the SIM
                      re-initialises +CCHO answers +CME ERROR: 14 (SIM busy);
                      +CGLA on a session the reset ended answers +CME ERROR: 21;
                      the port goes away and comes back on a new pty

Sessions stay open when the client that opened them goes away (as on a real
module); when the card has no channel left (3 by default, see the software
eUICC), AT+CCHO answers +CME ERROR: 3.
"""

import argparse
import errno
import fcntl
import os
import random
import re
import select
import signal
import sys
import termios
import time
import tty

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from softeuicc import SoftEuicc  # noqa: E402
from modemlib.loss import LOSS_FAULTS, ModemLoss  # noqa: E402

CRLF = b"\r\n"
# Longest command line accepted: a STORE DATA block of 255 bytes is 520 hex
# characters in +CGLA; real modules accept a few kilobytes.
MAX_LINE = 4096
# Beyond this many unread bytes on the client's side, idle URCs are held
# back so a port nobody reads does not fill up with noise.
MAX_UNREAD_FOR_URC = 256

CME_TEXT = {
    3: "operation not allowed",
    4: "operation not supported",
    10: "SIM not inserted",
    13: "SIM failure",
    14: "SIM busy",
    21: "invalid index",
    22: "not found",
    50: "incorrect parameters",
    100: "unknown",
}

URCS = (
    b"+CREG: 1",
    b"+CREG: 5",
    b"+CEREG: 1,\"1A2B\",\"01A2B3C\",7",
    b"RING",
    b"+QIND: \"csq\",21,99",
    b"+QIND: \"act\",\"LTE\"",
    b"+CMTI: \"SM\",3",
    b"+CTZV: 26/11/25,10:30:00,+04",
)


class Stopped(BaseException):
    """SIGTERM/SIGINT: a BaseException, so that the card's catch-all around a command cannot swallow it."""


class Vanish(Exception):
    """The module leaves the bus (modemlib/loss.py)."""

    def __init__(self, milliseconds):
        super().__init__("vanish")
        self.milliseconds = milliseconds


class CmeError(Exception):
    def __init__(self, code):
        super().__init__(CME_TEXT.get(code, "unknown"))
        self.code = code


class PlainError(Exception):
    """The command is not supported: plain ERROR whatever +CMEE says."""


class Faults:
    def __init__(self, faults):
        self.slow = 0.0
        self.no_ccho = False
        self.no_csim = False
        self.ccho_bare = False
        self.sid_offset = 0
        self.ccho_cme = None
        self.ccho_missing_cme = 3
        self.card_faults = []
        loss = []
        for f in faults:
            name, _, arg = f.partition(":")
            if name == "at-slow":
                self.slow = int(arg) / 1000.0
            elif name == "at-no-ccho":
                self.no_ccho = True
            elif name == "at-no-csim":
                self.no_csim = True
            elif name == "at-ccho-bare":
                self.ccho_bare = True
            elif name == "at-sid-offset":
                self.sid_offset = int(arg)
            elif name == "at-ccho-cme":
                self.ccho_cme = int(arg)
            elif name == "at-ccho-missing-cme":
                self.ccho_missing_cme = int(arg)
            elif name in LOSS_FAULTS:
                loss.append(f)
            else:
                self.card_faults.append(f)
        self.loss = ModemLoss(loss)


def with_channel(cla, channel):
    """CLA byte with the logical channel replaced (ISO 7816-4 5.4.1).

    Keeps the proprietary bit (GlobalPlatform's 80) and command chaining;
    secure messaging indication is dropped, this eUICC does not use it."""
    if cla == 0xFF:
        return cla
    proprietary = cla & 0x80
    chaining = cla & 0x10
    if channel <= 3:
        return proprietary | chaining | channel
    return proprietary | 0x40 | chaining | (channel - 4)


def parse_hex_arg(length_text, quoted):
    """<len>,"<hex>" -> bytes; CmeError 50 unless consistent and complete."""
    if not length_text.isdigit() or not quoted.startswith('"') or not quoted.endswith('"') or len(quoted) < 2:
        raise CmeError(50)
    hexstr = quoted[1:-1]
    if int(length_text) != len(hexstr) or len(hexstr) % 2 or not re.fullmatch(r"[0-9A-Fa-f]*", hexstr):
        raise CmeError(50)
    data = bytes.fromhex(hexstr)
    if len(data) < 4:
        # Shorter than CLA INS P1 P2 is no command APDU.
        raise CmeError(50)
    return data


class Modem:
    def __init__(self, master, slave, card, faults, urc_noise, rng, verbose):
        self.master = master
        self.slave = slave
        self.card = card
        self.faults = faults
        self.urc_noise = urc_noise
        self.rng = rng
        self.verbose = verbose
        self.echo = True
        self.cmee = 1
        self.sessions = {}  # session id -> logical channel
        self.line = bytearray()
        self.overlong = False
        self.out = bytearray()
        self.next_urc = self._urc_deadline()

    # ---------------------------------------------------------------- output

    def log(self, msg):
        if self.verbose:
            print("fake-at-modem: " + msg, file=sys.stderr, flush=True)

    def write(self, data):
        self.out += data
        self.flush()

    def flush(self):
        while self.out:
            try:
                n = os.write(self.master, self.out)
            except BlockingIOError:
                return
            del self.out[:n]

    def info(self, text):
        self.write(CRLF + text + CRLF)

    def unread(self):
        """Bytes written to the port that the client has not read yet."""
        try:
            buf = fcntl.ioctl(self.slave, termios.FIONREAD, b"\0\0\0\0")
            return int.from_bytes(buf, sys.byteorder) + len(self.out)
        except OSError:
            return len(self.out)

    def urc(self):
        text = self.rng.choice(URCS)
        self.log("URC %s" % text.decode())
        self.info(text)

    def maybe_urc(self):
        if self.urc_noise and self.rng.random() < 0.3:
            self.urc()

    def _urc_deadline(self):
        return time.monotonic() + self.rng.uniform(0.02, 0.4)

    def idle(self):
        """Called when no input arrived before the next URC was due."""
        if not self.urc_noise:
            return
        if not self.line and self.unread() <= MAX_UNREAD_FOR_URC:
            self.urc()
        self.next_urc = self._urc_deadline()

    # ---------------------------------------------------------------- input

    def feed(self, data):
        if self.echo:
            self.write(data)
        for b in data:
            if b == 0x0D:
                if self.overlong:
                    self.overlong = False
                    self.line.clear()
                    self.final(b"ERROR")
                    continue
                line = bytes(self.line)
                self.line.clear()
                self.command(line)
            elif b == 0x0A:
                continue
            elif b in (0x08, 0x7F):
                if self.line:
                    del self.line[-1]
            elif len(self.line) >= MAX_LINE:
                self.overlong = True
            else:
                self.line.append(b)

    def final(self, text):
        if self.faults.slow:
            time.sleep(self.faults.slow)
        self.maybe_urc()
        self.info(text)

    def command(self, raw):
        text = raw.decode("ascii", errors="replace").strip()
        if not text:
            return
        if text[:2].upper() != "AT":
            # Modules ignore lines that do not start with AT.
            self.log("ignoring %r" % text)
            return
        self.log("<- %s" % text)
        self.maybe_urc()
        try:
            lines = self.run(text[2:])
            vanish = self.faults.loss.take_vanish()
            if vanish is not None and not vanish[1]:
                raise Vanish(vanish[0])
            for line in lines:
                self.info(line.encode())
            if vanish is not None:
                self.final(b"OK")
                raise Vanish(vanish[0])
        except CmeError as e:
            if self.cmee == 0:
                self.final(b"ERROR")
            elif self.cmee == 1:
                self.final(b"+CME ERROR: %d" % e.code)
            else:
                self.final(b"+CME ERROR: " + CME_TEXT.get(e.code, "unknown").encode())
            return
        except PlainError:
            self.final(b"ERROR")
            return
        self.final(b"OK")

    # ---------------------------------------------------------------- commands

    def run(self, body):
        """Execute the commands after "AT"; returns the info lines."""
        out = []
        rest = body
        # Basic commands (E, Z, I, V, Q) may be strung together: ATE0, ATZ, ATE0V1.
        while rest and rest[0] != "+":
            m = re.match(r"([EeVvQq])([01]?)|([Zz])0?|([Ii])0?|(&[Ff])0?", rest)
            if m is None:
                raise PlainError()
            if m.group(1):
                letter, value = m.group(1).upper(), m.group(2) or "0"
                if letter == "E":
                    self.echo = value == "1"
                elif letter == "V" and value != "1":
                    raise PlainError()  # numeric result codes are not offered
                elif letter == "Q" and value != "0":
                    raise PlainError()
            elif m.group(3) or m.group(5):
                self.echo = True
                self.cmee = 1
            elif m.group(4):
                out += ["Euiccd Test Modems", "FAKE-AT-1", "Revision: FAKEAT01R01"]
            rest = rest[m.end():]
        if not rest:
            return out
        for cmd in rest.split(";"):
            cmd = cmd.strip()
            if cmd and not cmd.startswith("+"):
                cmd = "+" + cmd
            out += self.extended(cmd)
        return out

    def extended(self, cmd):
        upper = cmd.upper()
        name, sep, args = upper.partition("=")
        if not sep and name.endswith("?"):
            name, args = name[:-1], "?"
            sep = "?"
        raw_args = cmd[len(name) + 1:] if sep == "=" else ""
        if name == "+CMEE":
            if sep == "?":
                return ["+CMEE: %d" % self.cmee]
            if sep == "=" and args == "?":
                return ["+CMEE: (0-2)"]
            if sep == "=" and args in ("0", "1", "2"):
                self.cmee = int(args)
                return []
            raise CmeError(50)
        if name in ("+CGMI", "+CGMM", "+CGMR") and not sep:
            return [{"+CGMI": "Euiccd Test Modems", "+CGMM": "FAKE-AT-1", "+CGMR": "FAKEAT01R01"}[name]]
        if name == "+CPIN" and sep == "?":
            return ["+CPIN: READY"]
        if name in ("+CCHO", "+CGLA", "+CCHC"):
            if self.faults.no_ccho:
                raise PlainError()
            if sep == "=" and args == "?":
                return []
            if sep != "=":
                raise PlainError()
            return {"+CCHO": self.ccho, "+CGLA": self.cgla, "+CCHC": self.cchc}[name](raw_args)
        if name == "+CSIM":
            if self.faults.no_csim:
                raise PlainError()
            if sep == "=" and args == "?":
                return []
            if sep != "=":
                raise PlainError()
            return self.csim(raw_args)
        raise PlainError()

    def ccho(self, args):
        if len(args) < 2 or args[0] != '"' or args[-1] != '"':
            raise CmeError(50)
        aid_hex = args[1:-1]
        if not re.fullmatch(r"[0-9A-Fa-f]{10,32}", aid_hex) or len(aid_hex) % 2:
            raise CmeError(50)
        if self.faults.ccho_cme is not None:
            raise CmeError(self.faults.ccho_cme)
        if self.faults.loss.opens_refused():
            raise CmeError(14)
        channel, _fci, sw = self.card.open_channel(bytes.fromhex(aid_hex))
        sw = bytes(sw)
        if sw == b"\x6a\x82":
            # No such application on the card (a plain UICC asked for the ISD-R): modules say so with a CME
            # error of their own choice.
            self.log("open_channel: no application %s" % aid_hex)
            raise CmeError(self.faults.ccho_missing_cme)
        if not channel or len(sw) != 2 or not (sw == b"\x90\x00" or sw[0] == 0x61):
            self.log("open_channel failed: channel %r SW %s" % (channel, sw.hex()))
            raise CmeError(3)
        sid = channel + self.faults.sid_offset
        self.sessions[sid] = channel
        if self.faults.ccho_bare:
            return ["%d" % sid]
        return ["+CCHO: %d" % sid]

    def session(self, text):
        if not text.strip().isdigit():
            raise CmeError(50)
        sid = int(text.strip())
        if sid not in self.sessions:
            raise CmeError(21)
        return sid

    def cgla(self, args):
        parts = args.split(",", 2)
        if len(parts) != 3:
            raise CmeError(50)
        sid = self.session(parts[0])
        apdu = bytearray(parse_hex_arg(parts[1].strip(), parts[2].strip()))
        apdu[0] = with_channel(apdu[0], self.sessions[sid])
        resp = self.transmit(bytes(apdu))
        return ['+CGLA: %d,"%s"' % (2 * len(resp), resp.hex().upper())]

    def cchc(self, args):
        sid = self.session(args)
        channel = self.sessions.pop(sid)
        sw = bytes(self.card.close_channel(channel))
        if sw != b"\x90\x00":
            self.log("close_channel(%d) answered %s" % (channel, sw.hex()))
            raise CmeError(3)
        return []

    def csim(self, args):
        parts = args.split(",", 1)
        if len(parts) != 2:
            raise CmeError(50)
        resp = self.transmit(parse_hex_arg(parts[0].strip(), parts[1].strip()))
        return ['+CSIM: %d,"%s"' % (2 * len(resp), resp.hex().upper())]

    def transmit(self, apdu):
        self.log("APDU > %s" % apdu.hex())
        self.faults.loss.before_command(apdu)
        try:
            resp = bytes(self.card.transmit(apdu))
        except Exception as e:  # the card must never take the port down
            self.log("card raised %s: %s" % (type(e).__name__, e))
            raise CmeError(13)
        if len(resp) < 2:
            self.log("card answered without a status word")
            raise CmeError(13)
        self.log("APDU < %s" % resp.hex())
        # A card reset (profile switch) ends every session, as on a module.
        self.faults.loss.after_response(resp, self.card, self.sessions.clear)
        return resp

    def reappeared(self, master, slave):
        """Back after a reboot on a new port: defaults again, no sessions, the card powered up again."""
        self.master, self.slave = master, slave
        self.echo = True
        self.cmee = 1
        self.sessions.clear()
        self.line.clear()
        self.out.clear()
        self.card.reset()


def main():
    ap = argparse.ArgumentParser(description="fake AT-command modem with a software eUICC")
    ap.add_argument("--state", required=True, help="software eUICC state file")
    ap.add_argument("--fault", action="append", default=[])
    ap.add_argument("--link", help="also make this symlink to the pty")
    ap.add_argument("--urc-noise", action="store_true", help="emit unsolicited result codes")
    ap.add_argument("--seed", type=int, help="seed for the URC timing (default: random)")
    ap.add_argument("--verbose", action="store_true")
    args = ap.parse_args()

    try:
        faults = Faults(args.fault)
    except ValueError as e:
        print("fake-at-modem: bad --fault argument: %s" % e, file=sys.stderr)
        return 2
    card = SoftEuicc(args.state, faults=faults.card_faults or None)

    def open_port():
        master, slave = os.openpty()
        # Raw: no echo, no CR/LF translation, no signals from ^C; the modem
        # decides what goes back, byte for byte.
        tty.setraw(slave)
        tty.setraw(master)
        fl = fcntl.fcntl(master, fcntl.F_GETFL)
        fcntl.fcntl(master, fcntl.F_SETFL, fl | os.O_NONBLOCK)
        # The slave stays open here as well: when a client closes the port the
        # master then keeps working for the next one instead of failing with EIO.
        return master, slave, os.ttyname(slave)

    master, slave, path = open_port()

    def stop(signum, frame):
        raise Stopped()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)

    if args.link:
        if os.path.islink(args.link):
            os.unlink(args.link)
        os.symlink(path, args.link)
    print(path, flush=True)

    seed = args.seed if args.seed is not None else random.randrange(1 << 30)
    modem = Modem(master, slave, card, faults, args.urc_noise, random.Random(seed), args.verbose)
    if args.urc_noise:
        modem.log("URC noise seed %d" % seed)
    try:
        while True:
            timeout = max(0.0, modem.next_urc - time.monotonic()) if args.urc_noise else None
            wlist = [master] if modem.out else []
            r, w, _ = select.select([master], wlist, [], timeout)
            if w:
                modem.flush()
            if r:
                try:
                    data = os.read(master, 4096)
                except BlockingIOError:
                    continue
                except OSError as e:
                    if e.errno == errno.EIO:
                        time.sleep(0.05)
                        continue
                    raise
                if data:
                    try:
                        modem.feed(data)
                    except Vanish as v:
                        modem.log("leaving the bus for %d ms" % v.milliseconds)
                        if args.link and os.path.islink(args.link) and os.readlink(args.link) == path:
                            os.unlink(args.link)
                        # The next pty is taken first, so the module comes back at another path.
                        new_port = open_port()
                        os.close(master)
                        os.close(slave)
                        time.sleep(v.milliseconds / 1000.0)
                        master, slave, path = new_port
                        if args.link:
                            if os.path.islink(args.link):
                                os.unlink(args.link)
                            os.symlink(path, args.link)
                        modem.reappeared(master, slave)
                        print(path, flush=True)
            elif not w:
                modem.idle()
    except Stopped:
        pass
    finally:
        if args.link and os.path.islink(args.link) and os.readlink(args.link) == path:
            os.unlink(args.link)
    return 0


if __name__ == "__main__":
    sys.exit(main())

#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
#
# The fake AT modem, driven over its pty by a plain client written here:
# echo and ATE0, +CMEE modes, +CCHO / +CGLA (STORE DATA GetEID, GET RESPONSE)
# / +CCHC, +CSIM on the basic channel, error replies, hostile lines, the
# --link symlink; then the same exchange many times with --urc-noise, with
# the at-slow and at-sid-offset faults, and with a module lacking +CCHO.  The
# EID must be the one in the card's state file every time.

set -u

srcdir=${top_srcdir:-$(dirname "$0")/../..}
peers=$srcdir/tests/peers
PY=${PYTHON3:-/usr/bin/python3}

[ -x "$PY" ] || { echo "SKIP: python3 not found at $PY"; exit 77; }
[ -r "$peers/fake-at-modem.py" ] || { echo "FAIL: $peers/fake-at-modem.py not found"; exit 99; }

tmp=$(mktemp -d "${TMPDIR:-/tmp}/check-fake-at.XXXXXX") || exit 99
trap 'rm -rf "$tmp"' EXIT
trap 'exit 143' TERM
trap 'exit 130' INT

"$PY" "$peers/softeuicc/init.py" --state "$tmp/state" > "$tmp/init.log" 2>&1 ||
  { cat "$tmp/init.log"; echo "FAIL: softeuicc/init.py"; exit 99; }

cat > "$tmp/client.py" << 'EOF'
import atexit, ctypes, json, os, re, select, signal, subprocess, sys, termios, time, tty

peers, state_path, tmp = sys.argv[1:4]
with open(state_path) as f:
    EID = json.load(f)["eid"].upper()
ISDR = "A0000005591010FFFFFFFF8900000100"
PY = os.environ.get("PYTHON3", "/usr/bin/python3")
FINAL = re.compile(r"^(OK|ERROR|\+CME ERROR: .*)$")


def fail(msg):
    print("FAIL: " + msg, flush=True)
    sys.exit(1)


RUNNING = []


def die_with_parent():
    # The fake must not outlive this client, however the client ends.
    ctypes.CDLL(None).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


@atexit.register
def stop_all():
    for p in RUNNING:
        if p.poll() is None:
            p.terminate()
            p.wait()


class Modem:
    """Starts fake-at-modem.py and talks to its pty like a serial client."""

    def __init__(self, *extra):
        self.p = subprocess.Popen([PY, os.path.join(peers, "fake-at-modem.py"), "--state", state_path] + list(extra),
                                  stdout=subprocess.PIPE, preexec_fn=die_with_parent)
        RUNNING.append(self.p)
        r, _, _ = select.select([self.p.stdout], [], [], 10)
        if not r:
            self.stop()
            fail("fake-at-modem.py printed no pty path within 10s")
        self.path = self.p.stdout.readline().decode().strip()
        if not self.path.startswith("/dev/"):
            self.stop()
            fail("first stdout line is not a device path: %r" % self.path)
        self.fd = os.open(self.path, os.O_RDWR | os.O_NOCTTY)
        tty.setraw(self.fd)
        self.buf = b""
        self.urcs = []
        self.echoes = []

    def stop(self):
        if getattr(self, "fd", None) is not None:
            os.close(self.fd)
            self.fd = None
        if self.p.poll() is None:
            self.p.send_signal(signal.SIGTERM)
        try:
            rc = self.p.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.p.kill()
            self.p.wait()
            fail("fake-at-modem.py ignored SIGTERM")
        if rc not in (0, -signal.SIGTERM):
            fail("fake-at-modem.py exited with status %d" % rc)

    def send_raw(self, data):
        os.write(self.fd, data)

    def lines(self, timeout):
        """Next line (CR and LF both end one, empty ones skipped)."""
        deadline = time.monotonic() + timeout
        while True:
            m = re.match(rb"[\r\n]*([^\r\n]*)[\r\n]", self.buf)
            if m and m.group(1):
                self.buf = self.buf[m.end():]
                return m.group(1).decode()
            if m:
                self.buf = self.buf[m.end():]
                continue
            left = deadline - time.monotonic()
            if left <= 0:
                fail("no complete line within %.1fs (have %r)" % (timeout, self.buf))
            r, _, _ = select.select([self.fd], [], [], left)
            if r:
                self.buf += os.read(self.fd, 4096)

    def cmd(self, text, prefix=None, timeout=10.0):
        """Send one command; returns (info lines with prefix, final result)."""
        self.send_raw(text.encode() + b"\r")
        return self.answer(text, prefix, timeout)

    def answer(self, text, prefix=None, timeout=10.0):
        info = []
        while True:
            ln = self.lines(timeout)
            if ln == text:
                self.echoes.append(ln)
            elif FINAL.match(ln):
                return info, ln
            elif prefix is not None and (ln.startswith(prefix) or prefix == ""):
                info.append(ln)
            else:
                self.urcs.append(ln)

    def expect(self, text, final, prefix=None):
        info, got = self.cmd(text, prefix)
        if got != final:
            fail("%s: final result %r, expected %r" % (text, got, final))
        return info


def hexcmd(name, sid, apdu_hex):
    if sid is None:
        return 'AT+%s=%d,"%s"' % (name, len(apdu_hex), apdu_hex)
    return 'AT+%s=%d,%d,"%s"' % (name, sid, len(apdu_hex), apdu_hex)


def transmit(m, sid, apdu_hex):
    name = "CSIM" if sid is None else "CGLA"
    info = m.expect(hexcmd(name, sid, apdu_hex), "OK", "+%s: " % name)
    if len(info) != 1:
        fail("%s: %d +%s lines, expected 1: %r" % (apdu_hex, len(info), name, info))
    mm = re.fullmatch(r'\+%s: (\d+),"([0-9A-F]*)"' % name, info[0])
    if mm is None or int(mm.group(1)) != len(mm.group(2)) or len(mm.group(2)) < 4:
        fail("malformed answer %r" % info[0])
    resp = bytes.fromhex(mm.group(2))
    return resp[:-2], (resp[-2] << 8) | resp[-1]


def open_isdr(m, bare=False):
    info = m.expect('AT+CCHO="%s"' % ISDR, "OK", "" if bare else "+CCHO: ")
    pattern = r"(\d+)" if bare else r"\+CCHO: (\d+)"
    if len(info) != 1 or not re.fullmatch(pattern, info[0]):
        fail("CCHO answered %r" % info)
    return int(re.fullmatch(pattern, info[0]).group(1))


def get_eid(m, sid, cla=0x80):
    """STORE DATA GetEID then GET RESPONSE; CLA without channel bits on
    purpose: the module places the session's channel."""
    data, sw = transmit(m, sid, "%02XE2910006BF3E035C015A" % cla)
    if sw >> 8 != 0x61 or data:
        fail("GetEID STORE DATA answered %s %04X, expected 61xx" % (data.hex(), sw))
    data, sw = transmit(m, sid, "%02XC00000%02X" % (cla & 0x7F, sw & 0xFF))
    if sw != 0x9000:
        fail("GET RESPONSE answered %04X" % sw)
    want = "BF3E125A10" + EID
    if data.hex().upper() != want:
        fail("GetEID answered %s, expected %s (EID of the state file)" % (data.hex().upper(), want))


def basic():
    link = os.path.join(tmp, "ttyFAKE0")
    m = Modem("--link", link)
    if os.path.realpath(link) != os.path.realpath(m.path):
        fail("--link %s does not point to %s" % (link, m.path))
    m.expect("AT", "OK")
    if m.echoes != ["AT"]:
        fail("echo is on by default but 'AT' came back as %r" % m.echoes)
    m.expect("ATE0", "OK")
    m.echoes.clear()
    m.expect("AT", "OK")
    if m.echoes:
        fail("ATE0 did not turn echo off: %r" % m.echoes)
    info = m.expect("ATI", "OK", "")
    if not info:
        fail("ATI gave no identification lines")
    m.expect("AT+CMEE=1", "OK")
    m.expect("AT+CMEE?", "OK", "+CMEE: ")
    m.expect("AT+NOSUCHCMD", "ERROR")
    sid = open_isdr(m)
    get_eid(m, sid)
    # Lengths that disagree, odd hex, bad session: +CME ERROR per +CMEE.
    m.expect('AT+CGLA=%d,20,"81E2910006BF3E035C015A"' % sid, "+CME ERROR: 50")
    m.expect('AT+CGLA=%d,3,"81E"' % sid, "+CME ERROR: 50")
    m.expect(hexcmd("CGLA", sid + 7, "80E2910003BF2D00"), "+CME ERROR: 21")
    m.expect("AT+CMEE=2", "OK")
    m.expect(hexcmd("CGLA", sid + 7, "80E2910003BF2D00"), "+CME ERROR: invalid index")
    m.expect("AT+CMEE=0", "OK")
    m.expect(hexcmd("CGLA", sid + 7, "80E2910003BF2D00"), "ERROR")
    m.expect("AT+CMEE=1", "OK")
    m.expect('AT+CCHO="A0000005591010FFFFFFFF8900000199"', "+CME ERROR: 3")
    # Hostile input: an overlong line and binary junk, then the port still works.
    m.send_raw(b"AT+CGLA=1,9000,\"" + b"A" * 9000 + b"\"\r")
    _, got = m.answer(None)
    if got != "ERROR":
        fail("an overlong line was answered %r, expected ERROR" % got)
    m.expect("AT", "OK")
    m.send_raw(bytes(range(1, 32)).replace(b"\r", b"") + b"\xff\xfe\r")
    m.expect("AT", "OK")
    m.expect("AT+CCHC=%d" % sid, "OK")
    m.expect(hexcmd("CGLA", sid, "80E2910003BF2D00"), "+CME ERROR: 21")
    # +CSIM: the client manages the channel itself on the basic channel.
    data, sw = transmit(m, None, "0070000001")
    if sw != 0x9000 or len(data) != 1 or not 1 <= data[0] <= 3:
        fail("MANAGE CHANNEL over +CSIM answered %s %04X" % (data.hex(), sw))
    ch = data[0]
    data, sw = transmit(m, None, "%02XA4040010%s" % (ch, ISDR))
    if sw >> 8 == 0x61:
        transmit(m, None, "%02XC00000%02X" % (ch, sw & 0xFF))
    elif sw != 0x9000:
        fail("SELECT over +CSIM answered %04X" % sw)
    data, sw = transmit(m, None, "%02XE2910006BF3E035C015A" % (0x80 | ch))
    data, sw = transmit(m, None, "%02XC00000%02X" % (ch, sw & 0xFF))
    if data.hex().upper() != "BF3E125A10" + EID:
        fail("GetEID over +CSIM answered %s" % data.hex())
    _, sw = transmit(m, None, "007080%02X00" % ch)
    if sw != 0x9000:
        fail("MANAGE CHANNEL close over +CSIM answered %04X" % sw)
    if m.urcs:
        fail("URCs without --urc-noise: %r" % m.urcs)
    m.stop()
    if os.path.lexists(link):
        fail("--link %s left behind after SIGTERM" % link)
    print("basic: EID %s through +CCHO/+CGLA/+CCHC and +CSIM" % EID, flush=True)


def noisy():
    m = Modem("--urc-noise")
    m.expect("AT", "OK")
    rounds = 25
    for i in range(rounds):
        sid = open_isdr(m)
        get_eid(m, sid, cla=0x81)
        m.expect("AT+CCHC=%d" % sid, "OK")
        time.sleep(0.02 * (i % 3))
    m.stop()
    if not m.urcs:
        fail("--urc-noise: no unsolicited result code seen in %d rounds" % rounds)
    print("urc-noise: EID %d times with %d URCs in between (%s ...)" % (rounds, len(m.urcs), m.urcs[0]), flush=True)


def faults():
    m = Modem("--fault", "at-slow:300", "--fault", "at-sid-offset:40", "--fault", "at-ccho-bare")
    t = time.monotonic()
    m.expect("AT", "OK")
    took = time.monotonic() - t
    if took < 0.3:
        fail("at-slow:300 answered AT after %.3fs" % took)
    sid = open_isdr(m, bare=True)
    if sid < 41:
        fail("at-sid-offset:40 gave session id %d" % sid)
    get_eid(m, sid)
    m.expect("AT+CCHC=%d" % sid, "OK")
    m.stop()
    m = Modem("--fault", "at-no-ccho")
    m.expect('AT+CCHO="%s"' % ISDR, "ERROR")
    m.expect("AT+CSIM=10,\"0070000001\"", "OK", "+CSIM: ")
    m.stop()
    print("faults: at-slow %.3fs, session id %d, at-no-ccho -> ERROR" % (took, sid), flush=True)
    # A module refusing logical channels with a CME error: the ISD-R on the basic channel through AT+CSIM.
    m = Modem("--fault", "at-ccho-cme:3")
    m.expect("AT+CMEE=1", "OK")
    m.expect('AT+CCHO="%s"' % ISDR, "+CME ERROR: 3")
    data, sw = transmit(m, None, "00A4040410" + ISDR)
    if sw >> 8 != 0x61 and sw != 0x9000:
        fail("SELECT ISD-R on the basic channel answered %04X" % sw)
    get_eid(m, None)
    m.stop()
    print("faults: at-ccho-cme:3 -> +CME ERROR: 3, GetEID through AT+CSIM", flush=True)


def vanish():
    """vanish-on:BF3E: the module leaves the bus on GetEID and comes back on another pty behind the link."""
    link = os.path.join(tmp, "ttyUSB2")
    m = Modem("--link", link, "--fault", "vanish-on:BF3E:800")
    sid = open_isdr(m)
    m.send_raw(hexcmd("CGLA", sid, "80E2910006BF3E035C015A").encode() + b"\r")
    t = time.monotonic()
    gone = False
    while time.monotonic() - t < 5 and not gone:
        r, _, _ = select.select([m.fd], [], [], 0.5)
        if r:
            try:
                gone = os.read(m.fd, 4096) == b""
            except OSError:
                gone = True
    if not gone:
        fail("vanish-on: the port did not go away")
    if os.path.lexists(link):
        fail("vanish-on: the symlink stayed while the module was away")
    os.close(m.fd)
    r, _, _ = select.select([m.p.stdout], [], [], 5)
    back = m.p.stdout.readline().decode().strip() if r else ""
    if not back.startswith("/dev/") or back == m.path or os.readlink(link) != back:
        fail("vanish-on: not back on another pty behind the link (%r, %r)" % (m.path, back))
    m.fd = os.open(link, os.O_RDWR | os.O_NOCTTY)
    tty.setraw(m.fd)
    m.buf = b""
    m.expect("ATE0", "OK")
    sid = open_isdr(m)
    if sid != 1:
        fail("vanish-on: session %d after the reboot, expected 1 (card reset)" % sid)
    get_eid(m, sid)
    m.stop()
    print("vanish: %s -> %s behind the link, card reset" % (m.path, back), flush=True)


def silent_reset():
    """silent-reset-after:BF3E: GetEID answered in full (after its GET RESPONSE), then the session is gone
    without a 91xx: the next AT+CGLA answers +CME ERROR: 21, and a new session works."""
    m = Modem("--fault", "silent-reset-after:BF3E")
    m.expect("AT+CMEE=1", "OK")
    sid = open_isdr(m)
    get_eid(m, sid)
    m.expect(hexcmd("CGLA", sid, "80E2910006BF3E035C015A"), "+CME ERROR: 21")
    sid = open_isdr(m)
    get_eid(m, sid)
    m.stop()
    print("silent-reset-after: GetEID answered, then +CME ERROR: 21 on the old session, a new one works",
          flush=True)


basic()
noisy()
faults()
vanish()
silent_reset()
print("PASS", flush=True)
EOF

"$PY" "$tmp/client.py" "$peers" "$tmp/state" "$tmp"

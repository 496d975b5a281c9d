#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
#
# The software eUICC behind a real PC/SC stack: through pcsc-harness.sh
# (private pcscd + vpcd + vpcd-card.py), pcsc-tools' scriptor opens a logical
# channel, selects the ISD-R on it, asks for the EID with STORE DATA and GET
# RESPONSE, reads the profile list through 61xx chaining and closes the
# channel.  The EID must be the one in the card's state file.  A second run
# pulls the card after the first APDU (fault vpcd-drop-after:1) and checks
# that the card comes back and answers again.

set -u

srcdir=${top_srcdir:-$(dirname "$0")/../..}
peers=$srcdir/tests/peers
PY=${PYTHON3:-/usr/bin/python3}
export PYTHON3="$PY"

command -v scriptor > /dev/null 2>&1 || { echo "SKIP: scriptor not installed (Debian package pcsc-tools)"; exit 77; }
[ -x "$PY" ] || { echo "SKIP: python3 not found at $PY"; exit 77; }
sh "$peers/pcsc-harness.sh" check || exit $?

tmp=$(mktemp -d "${TMPDIR:-/tmp}/check-vpcd-card.XXXXXX") || exit 99
trap 'rm -rf "$tmp"' EXIT
trap 'exit 143' TERM
trap 'exit 130' INT

"$PY" "$peers/softeuicc/init.py" --state "$tmp/state" > "$tmp/init.log" 2>&1 ||
  { cat "$tmp/init.log"; echo "FAIL: softeuicc/init.py"; exit 99; }

# The client: scriptor reads APDUs on stdin and prints "< <hex> : <meaning>"
# for each; this drives it one APDU at a time so that each command can depend
# on the previous answer (channel number, 61xx length).
cat > "$tmp/drive.py" << 'EOF'
import json, os, select, subprocess, sys, time

ISDR = "A0000005591010FFFFFFFF8900000100"
state_path, mode = sys.argv[1], sys.argv[2]
with open(state_path) as f:
    expected_eid = json.load(f)["eid"].upper()
reader = os.environ["PCSC_HARNESS_READER"]


def fail(msg):
    print("FAIL: " + msg, flush=True)
    sys.exit(1)


class Scriptor:
    def __init__(self):
        self.p = subprocess.Popen(["scriptor", "-u", "-r", reader], stdin=subprocess.PIPE,
                                  stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        self.buf = b""

    def line(self, timeout=10.0):
        deadline = time.monotonic() + timeout
        while b"\n" not in self.buf:
            left = deadline - time.monotonic()
            if left <= 0:
                fail("scriptor gave no answer within %.0fs (so far %r)" % (timeout, self.buf))
            r, _, _ = select.select([self.p.stdout], [], [], left)
            if r:
                chunk = os.read(self.p.stdout.fileno(), 4096)
                if not chunk:
                    return None
                self.buf += chunk
        line, self.buf = self.buf.split(b"\n", 1)
        return line.decode(errors="replace")

    def apdu(self, hexstr):
        """Send one APDU; returns (data bytes, sw int) or None if scriptor died."""
        try:
            self.p.stdin.write((" ".join(hexstr[i:i + 2] for i in range(0, len(hexstr), 2)) + "\n").encode())
            self.p.stdin.flush()
        except BrokenPipeError:
            return None
        text = None
        while True:
            ln = self.line()
            if ln is None:
                return None
            print("  scriptor: " + ln, flush=True)
            if ln.startswith("< "):
                text = ln[2:]
            elif text is not None:
                text += " " + ln
            if text is not None and " : " in text:
                break
        raw = bytes.fromhex(text.split(" : ")[0].replace(" ", ""))
        if len(raw) < 2:
            # vpcd reports a card that vanished mid-command this way.
            return raw, None
        return raw[:-2], (raw[-2] << 8) | raw[-1]

    def close(self):
        try:
            self.p.stdin.close()
        except OSError:
            pass
        self.p.wait(timeout=10)


class Gone(Exception):
    """The transmit failed: no card (or a stale one) in the reader."""


def check(res, what, want=None):
    if res is None:
        raise Gone("%s: scriptor failed (see above)" % what)
    data, sw = res
    if sw is None:
        raise Gone("%s: response without a status word (%r)" % (what, data.hex()))
    if want is not None and sw != want:
        fail("%s: status word %04X, expected %04X" % (what, sw, want))
    return data, sw


def get_response(s, cla, data, sw, what):
    """Collect a 61xx-chained answer, following 6Cxx, up to 9000."""
    out = bytearray(data)
    for _ in range(64):
        if sw == 0x9000:
            return bytes(out)
        if (sw >> 8) == 0x61:
            data, sw = check(s.apdu("%02XC00000%02X" % (cla, sw & 0xFF)), what + " GET RESPONSE")
        elif (sw >> 8) == 0x6C:
            data, sw = check(s.apdu("%02XC00000%02X" % (cla, sw & 0xFF)), what + " GET RESPONSE (6C)")
        else:
            fail("%s: status word %04X" % (what, sw))
        out += data
    fail("%s: more than 64 GET RESPONSE rounds" % what)


def tlv_total(b):
    """Length of the first BER-TLV in b (tag of 1-3 bytes, definite length)."""
    i = 1
    if b[0] & 0x1F == 0x1F:
        while b[i] & 0x80:
            i += 1
        i += 1
    n = b[i]
    i += 1
    if n & 0x80:
        k = n & 0x7F
        n = int.from_bytes(b[i:i + k], "big")
        i += k
    return i + n


def session(s):
    data, _ = check(s.apdu("0070000001"), "MANAGE CHANNEL open", 0x9000)
    if len(data) != 1 or not 1 <= data[0] <= 19:
        fail("MANAGE CHANNEL open answered %s, expected one channel number 1..19" % data.hex())
    ch = data[0]
    cla = ch if ch < 4 else 0x40 | (ch - 4)
    gp = 0x80 | cla
    data, sw = check(s.apdu("%02XA40400%02X%s" % (cla, len(ISDR) // 2, ISDR)), "SELECT ISD-R")
    get_response(s, cla, data, sw, "SELECT ISD-R")
    data, sw = check(s.apdu("%02XE2910006BF3E035C015A" % gp), "STORE DATA GetEID")
    eid_resp = get_response(s, cla, data, sw, "GetEID")
    want = "BF3E125A10" + expected_eid
    if eid_resp.hex().upper() != want:
        fail("GetEID answered %s, expected %s (EID of the state file)" % (eid_resp.hex().upper(), want))
    print("EID %s read through PC/SC on channel %d" % (expected_eid, ch), flush=True)
    data, sw = check(s.apdu("%02XE2910003BF2D00" % gp), "STORE DATA GetProfilesInfo")
    info = get_response(s, cla, data, sw, "GetProfilesInfo")
    if len(info) < 3 or info[:2] != b"\xBF\x2D" or tlv_total(info) != len(info):
        fail("GetProfilesInfo answer is not one complete BF2D TLV: %s" % info.hex())
    print("GetProfilesInfo: %d bytes in one BF2D TLV" % len(info), flush=True)
    check(s.apdu("007080%02X00" % ch), "MANAGE CHANNEL close", 0x9000)


if mode == "normal":
    s = Scriptor()
    try:
        session(s)
    except Gone as e:
        fail(str(e))
    s.close()
elif mode == "drop":
    # The card drops the vpcd link after the first APDU: scriptor's next
    # transmit fails.  Then the card must come back and serve a new session.
    s = Scriptor()
    check(s.apdu("0070000001"), "MANAGE CHANNEL open before the drop", 0x9000)
    res = s.apdu("00A4040010" + ISDR)
    if res is not None and res[1] is not None:
        fail("the card answered %04X after vpcd-drop-after:1 instead of disappearing" % res[1])
    s.close()
    # pcscd notices the removal only at its next presence poll, so the
    # first connections may still reach the stale card: retry whole
    # sessions for a while, but every answer that does come must be right.
    deadline = time.monotonic() + 20
    attempt = 0
    while True:
        attempt += 1
        if time.monotonic() > deadline:
            fail("the card did not come back within 20s after the drop")
        s = Scriptor()
        try:
            session(s)
        except Gone as e:
            print("attempt %d: %s" % (attempt, e), flush=True)
            s.close()
            time.sleep(0.3)
            continue
        s.close()
        break
    print("card back: attempt %d succeeded" % attempt, flush=True)
print("PASS %s" % mode, flush=True)
EOF

run () {
  sh "$peers/pcsc-harness.sh" run --state "$tmp/state" "$@"
}

run -- "$PY" "$tmp/drive.py" "$tmp/state" normal || exit $?
run --fault vpcd-drop-after:1 -- "$PY" "$tmp/drive.py" "$tmp/state" drop || exit $?
echo "PASS"

#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
#
# The AT transport against the fake AT modem on a pty (tests/peers/fake-at-modem.py) with the software eUICC
# in it: AT+CCHO on the ISD-R, GetEID by STORE DATA and GET RESPONSE through AT+CGLA, AT+CCHC; the same with
# unsolicited result codes mixed into every answer; a missing or wrong device, an unknown AID and a modem that
# dies or never answers give errors, not hangs. Skips (77) when the fake or the built tool is missing.

. "${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/integration/common.sh"

exchange=$builddir/tests/integration/card-exchange
ISDR=A0000005591010FFFFFFFF8900000100
GET_EID=80E2910006BF3E035C015A
# The GetEID response is BF3E 12 5A 10 <16 bytes>: 21 (0x15) bytes.
GET_RESPONSE=00C0000015

[ -x "$exchange" ] || skip "$exchange not built"
have_transport AT || skip "built without the AT transport"
[ -f "$peers/fake-at-modem.py" ] || skip "tests/peers/fake-at-modem.py is not there"
command -v timeout > /dev/null 2>&1 || skip "timeout (coreutils) not found"

# Runs card-exchange with a hard time limit so that a hang fails the test instead of stalling it.
# Output in $out, errors in $err, status in $rc.
run_exchange () {
  rc=0
  out=$(timeout 60 "$exchange" "$@" 2> "$work/err") || rc=$?
  err=$(cat "$work/err")
  [ "$rc" -ne 124 ] || fail "card-exchange $1 hung (killed after 60 s)"
}

line () {
  printf '%s\n' "$out" | sed -n "$1p"
}

stop_fake () {
  kill "$FAKE_PID" 2> /dev/null || true
  wait "$FAKE_PID" 2> /dev/null || true
}

make_euicc "$work/state"
EID=$(state_field "$work/state" 's["eid"]')

for noise in "" --urc-noise; do
  label=${noise:-quiet}
  start_fake fake-at-modem.py --state "$work/state" $noise
  for baud in "" @115200 @9600; do
    run_exchange "at:$FAKE_PTY$baud" "$ISDR" "$GET_EID" "$GET_RESPONSE"
    [ "$rc" -eq 0 ] || fail "$label$baud: card-exchange exited $rc: $err"
    case $(line 1) in
      "channel "[1-9] | "channel 1"[0-9]) ;;
      *) fail "$label$baud: no logical channel 1..19: $out" ;;
    esac
    # AT+CCHO does not return the SELECT response.
    [ "$(line 2)" = "select -" ] || fail "$label$baud: unexpected SELECT response: $out"
    [ "$(line 3)" = "6115" ] || fail "$label$baud: STORE DATA GetEID did not answer 6115: $out"
    [ "$(line 4)" = "BF3E125A10${EID}9000" ] || fail "$label$baud: wrong EID response (want $EID): $out"
    # 5 APDUs: MANAGE CHANNEL open (5 out, 3 in) and SELECT (21 out, 2 in) behind AT+CCHO, STORE DATA and
    # GET RESPONSE (11 + 5 out, 2 + 23 in), MANAGE CHANNEL close behind AT+CCHC (5 out, 2 in).
    [ "$(line 5)" = "stats 5 47 32" ] || fail "$label$baud: wrong statistics: $out"
  done

  # Sessions are closed: more opens than the card has channels (3) all work.
  i=0
  while [ $i -lt 22 ]; do
    run_exchange "at:$FAKE_PTY" "$ISDR"
    [ "$rc" -eq 0 ] || fail "$label: open/close round $i: $err"
    i=$((i + 1))
  done

  # A status word from the card is data, not a transport error.
  run_exchange "at:$FAKE_PTY" "$ISDR" 80CA00FE00
  [ "$rc" -eq 0 ] || fail "$label: card error status word treated as a transport failure: $err"
  [ "$(line 3)" = "6D00" ] || fail "$label: unknown INS: expected 6D00: $out"

  # An AID the card does not have: the modem refuses AT+CCHO, and the error names the command.
  run_exchange "at:$FAKE_PTY" A0000005591010FFFFFFFF8900000199
  [ "$rc" -eq 1 ] || fail "$label: unknown AID: exit $rc"
  printf '%s' "$err" | grep -q "^error: at: opening a logical channel: AT+CCHO: modem answered \(+CME ERROR: [0-9a-zA-Z ]*\|ERROR\)$" ||
    fail "$label: unknown AID: unclear error: $err"
  stop_fake
done

# No such device; a device that is not a serial port; a baud rate no tty has.
run_exchange "at:$work/no-such-tty" "$ISDR"
[ "$rc" -eq 1 ] || fail "missing tty: exit $rc"
printf '%s' "$err" | grep -q "^error: at: opening serial port $work/no-such-tty: No such file or directory$" ||
  fail "missing tty: unclear error: $err"
run_exchange "at:/dev/null" "$ISDR"
[ "$rc" -eq 1 ] || fail "not a tty: exit $rc"
printf '%s' "$err" | grep -q "^error: at: /dev/null is not a serial port" || fail "not a tty: unclear error: $err"
run_exchange "at:/dev/null@12345" "$ISDR"
[ "$rc" -eq 1 ] || fail "bad baud rate: exit $rc"
printf '%s' "$err" | grep -q "unsupported baud rate 12345" || fail "bad baud rate: unclear error: $err"

# Module quirks: the bare session id for AT+CCHO; session ids that are not channel numbers (the channel
# handed out is then the lowest free one, and the modem fixes the CLA itself).
for fault in at-ccho-bare at-sid-offset:40; do
  start_fake fake-at-modem.py --state "$work/state" --fault "$fault"
  run_exchange "at:$FAKE_PTY" "$ISDR" "$GET_EID" "$GET_RESPONSE"
  [ "$rc" -eq 0 ] || fail "$fault: card-exchange exited $rc: $err"
  [ "$(line 1)" = "channel 1" ] || fail "$fault: expected channel 1: $out"
  [ "$(line 4)" = "BF3E125A10${EID}9000" ] || fail "$fault: wrong EID response (want $EID): $out"
  stop_fake
done

# A module without the logical channel commands.
start_fake fake-at-modem.py --state "$work/state" --fault at-no-ccho
run_exchange "at:$FAKE_PTY" "$ISDR"
[ "$rc" -eq 1 ] || fail "no AT+CCHO: exit $rc"
printf '%s' "$err" | grep -q "^error: at: opening a logical channel: AT+CCHO: modem answered" ||
  fail "no AT+CCHO: unclear error: $err"
stop_fake

# The modem dies while APDUs are under way (each answered after 100 ms): card-exchange reports the closed
# port at once. card-exchange flushes each answer, so the kill happens after the first APDU was answered.
start_fake fake-at-modem.py --state "$work/state" --fault at-slow:100
apdus=$(i=0; while [ $i -lt 100 ]; do printf '%s ' 80CA00FE00; i=$((i + 1)); done)
# shellcheck disable=SC2086
timeout 60 "$exchange" "at:$FAKE_PTY" "$ISDR" $apdus > "$work/killed.out" 2> "$work/killed.err" &
exchange_pid=$!
n=0
while ! grep -q "^6D00" "$work/killed.out" 2> /dev/null; do
  n=$((n + 1))
  [ $n -lt 200 ] || fail "modem killed: no APDU answered within 20 s: $(cat "$work/killed.err")"
  sleep 0.1
done
stop_fake
rc=0
wait "$exchange_pid" || rc=$?
err=$(cat "$work/killed.err")
[ "$rc" -ne 124 ] || fail "modem killed: card-exchange hung"
[ "$rc" -eq 1 ] || fail "modem killed: exit $rc, expected 1 ($err)"
printf '%s' "$err" | grep -q "^error: at: APDU 81 CA: AT+CGLA on $FAKE_PTY: modem port closed" ||
  fail "modem killed: unclear error: $err"

# A port where nothing answers: the open timeout (15 s by default) ends the wait with a timeout error.
cat > "$work/mute.py" << 'EOF'
import os, sys, time, tty
master, slave = os.openpty()
tty.setraw(slave)
print(os.ttyname(slave), flush=True)
time.sleep(120)
EOF
"$PY" "$work/mute.py" > "$work/mute.out" &
mute_pid=$!
started_pids="$started_pids $mute_pid"
n=0
while [ -z "$(head -n 1 "$work/mute.out" 2> /dev/null)" ]; do
  n=$((n + 1))
  [ $n -lt 100 ] || fail "mute pty did not start"
  sleep 0.1
done
mute=$(head -n 1 "$work/mute.out")
run_exchange "at:$mute" "$ISDR"
[ "$rc" -eq 1 ] || fail "mute modem: exit $rc"
printf '%s' "$err" | grep -q "^error: at: setting up the modem on $mute: ATE0 on $mute: no answer within 15000 ms$" ||
  fail "mute modem: unclear error: $err"

echo "PASS"

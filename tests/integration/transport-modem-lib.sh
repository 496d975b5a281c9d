# SPDX-License-Identifier: Apache-2.0
# The body shared by the QMI and MBIM transport tests: GetEID on the ISD-R through the real backend against
# the fake modem holding the software eUICC, directly and through the proxy; a wrong slot, an unknown AID, a
# channel open the modem refuses and a modem that dies mid-exchange must give errors that say so. The caller
# sets SCHEME (qmi or mbim), MODEM (its name in messages) and the expected error patterns WRONG_SLOT_ERROR,
# UNKNOWN_AID_ERROR, OPEN_REFUSED_FAULT and OPEN_REFUSED_ERROR, then sources this file.
set -u

PY=${PYTHON3:-/usr/bin/python3}
srcdir=${top_srcdir:-.}
builddir=${top_builddir:-.}
EXCHANGE="$builddir/tests/integration/card-exchange"
FAKE="$srcdir/tests/peers/fake-$SCHEME-modem.py"
INIT="$srcdir/tests/peers/softeuicc/init.py"
ISDR=A0000005591010FFFFFFFF8900000100
GET_EID=80E2910006BF3E035C015A

skip () { echo "SKIP: $*"; exit 77; }
fail () {
  echo "FAIL: $*"
  for f in out err; do [ -s "$work/$f" ] && { echo "--- card-exchange $f:"; cat "$work/$f"; }; done
  [ -s "$work/fake.err" ] && { echo "--- fake modem:"; tail -n 20 "$work/fake.err"; }
  exit 1
}

[ -x "$EXCHANGE" ] || skip "card-exchange not built"
[ -f "$FAKE" ] && [ -f "$INIT" ] || skip "fake $MODEM modem or software eUICC not present"
"$EXCHANGE" $SCHEME:/nonexistent/device $ISDR 2>&1 | grep -q "not built" && skip "$MODEM transport not built"
command -v timeout >/dev/null 2>&1 || skip "timeout(1) not available"

work=$(mktemp -d) || exit 1
fake_pid=
stop_fake () {
  if [ -n "$fake_pid" ]; then
    kill "$fake_pid" 2>/dev/null
    wait "$fake_pid" 2>/dev/null
    fake_pid=
  fi
}
trap 'stop_fake; rm -rf "$work"' EXIT
trap 'exit 1' INT TERM

# A non-default EID with valid check digits, so the answer cannot come from a default anywhere.
eid=$("$PY" -c 'p = "890490321234512345123456789871"; print(p + "%02d" % (98 - int(p + "00") % 97))')
"$PY" "$INIT" --state "$work/state.json" --eid "$eid" || fail "software eUICC init"

# start_fake [FAKE ARGS...]: runs the fake and sets $dev to its pty.
start_fake () {
  stop_fake
  : >"$work/fake.out"
  "$PY" "$FAKE" --state "$work/state.json" "$@" >"$work/fake.out" 2>"$work/fake.err" &
  fake_pid=$!
  i=0
  while [ $i -lt 100 ]; do
    dev=$(head -n 1 "$work/fake.out")
    [ -n "$dev" ] && return 0
    kill -0 "$fake_pid" 2>/dev/null || fail "fake modem exited at start"
    sleep 0.1
    i=$((i + 1))
  done
  fail "fake modem printed no device path"
}

# exchange ARGS...: card-exchange bounded in time; a hang is a failure of its own.
exchange () {
  timeout 60 "$EXCHANGE" "$@" >"$work/out" 2>"$work/err"
  rc=$?
  [ $rc -eq 124 ] && fail "card-exchange $* hung"
  [ $rc -gt 128 ] && fail "card-exchange $* died with signal $((rc - 128))"
  return $rc
}

# check_eid LABEL [OPTIONS...]: GetEID on the ISD-R, following a 61xx with GET RESPONSE.
check_eid () {
  label=$1
  shift
  exchange "$@" $SCHEME:"$dev" $ISDR $GET_EID || fail "$label: GetEID exchange failed"
  sed -n 1p "$work/out" | grep -Eq '^channel ([1-9]|1[0-9])$' || fail "$label: no logical channel"
  sed -n 2p "$work/out" | grep -q '^select 6F' || fail "$label: no FCI from the SELECT"
  first=$(sed -n 3p "$work/out")
  case $first in
    61??)
      exchange "$@" $SCHEME:"$dev" $ISDR $GET_EID "00C00000${first#61}" || fail "$label: GET RESPONSE exchange failed"
      answer=$(sed -n 4p "$work/out")
      apdus=2
      ;;
    *)
      answer=$first
      apdus=1
      ;;
  esac
  [ "$answer" = "BF3E125A10${eid}9000" ] || fail "$label: EID answer '$answer', expected BF3E125A10${eid}9000"
  # Counted too: the MANAGE CHANNEL open and SELECT behind the modem's open request, and the close.
  apdus=$((apdus + 3))
  grep -q "^stats $apdus " "$work/out" || fail "$label: APDU statistics wrong: $(tail -n 1 "$work/out")"
  echo "ok: $label"
}

# expect_error LABEL PATTERN CARD-EXCHANGE-ARGS...: the exchange fails, naming PATTERN.
expect_error () {
  label=$1
  pattern=$2
  shift 2
  if exchange "$@"; then
    fail "$label: succeeded"
  fi
  grep -q "$pattern" "$work/err" || fail "$label: error does not name '$pattern'"
  echo "ok: $label: $(grep -m 1 error "$work/err")"
}

start_fake
check_eid "GetEID, device opened exclusively" --exclusive

expect_error "wrong slot" "$WRONG_SLOT_ERROR" --slot 2 --exclusive $SCHEME:"$dev" $ISDR $GET_EID
expect_error "missing device" "does not exist" $SCHEME:"$work/no-such-device" $ISDR $GET_EID
expect_error "unknown AID" "$UNKNOWN_AID_ERROR" --exclusive $SCHEME:"$dev" \
  A0000005591010FFFFFFFF89000001FF $GET_EID

# Through the proxy on a fresh modem: a proxy keeps the port open, so it must not share one with the
# exclusive cases above.
if [ "$(id -u)" -eq 0 ]; then
  start_fake
  check_eid "GetEID through $SCHEME-proxy"
else
  echo "note: not root, $SCHEME-proxy refuses other users; proxy case left out"
fi

start_fake --fault "$OPEN_REFUSED_FAULT"
expect_error "channel open refused" "$OPEN_REFUSED_ERROR" --exclusive \
  $SCHEME:"$dev" $ISDR $GET_EID

# The modem dies while an APDU is outstanding: every answer is delayed, the fake is killed after the channel
# is open. The exchange must end with an error well before its own 30 s APDU timeout.
modes="--exclusive"
[ "$(id -u)" -eq 0 ] && modes="--exclusive --proxy"
for mode in $modes; do
  start_fake --fault "$SCHEME-slow:700"
  opt=$mode
  [ "$mode" = "--proxy" ] && opt=
  started=$(date +%s)
  timeout 60 "$EXCHANGE" $opt $SCHEME:"$dev" $ISDR $GET_EID 00C0000015 >"$work/out" 2>"$work/err" &
  exchange_pid=$!
  # Pull the modem once the channel is open (slow under sanitizers), with an APDU outstanding.
  for _ in $(seq 200); do
    grep -q "^channel " "$work/out" 2>/dev/null && break
    sleep 0.1
  done
  sleep 0.3
  kill -KILL "$fake_pid"
  wait "$fake_pid" 2>/dev/null
  fake_pid=
  wait "$exchange_pid"
  rc=$?
  elapsed=$(($(date +%s) - started))
  [ $rc -eq 124 ] && fail "modem killed ($mode): card-exchange hung"
  [ $rc -gt 128 ] && fail "modem killed ($mode): card-exchange died with signal $((rc - 128))"
  [ $rc -eq 1 ] || fail "modem killed ($mode): exit status $rc"
  grep -q "^channel " "$work/out" || fail "modem killed ($mode): died before the channel was open"
  grep -q "error: $SCHEME: APDU" "$work/err" || fail "modem killed ($mode): error does not name the APDU"
  [ $elapsed -lt 20 ] || fail "modem killed ($mode): took $elapsed s to notice"
  echo "ok: modem killed mid-exchange ($mode), ${elapsed}s: $(grep -m 1 error "$work/err")"
done

exit 0

#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
#
# The PC/SC transport through a real pcscd with the vpcd driver, the software eUICC as the card
# (tests/peers/pcsc-harness.sh): MANAGE CHANNEL + SELECT of the ISD-R, GetEID by STORE DATA and
# GET RESPONSE, reader choice by exact name, by part of the name and by "first reader with a card",
# channels released on close, card errors named, a vanished card reported instead of waited for.
# Skips (77) when the harness or the built tool is missing.

set -u

srcdir=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
builddir=${top_builddir:-.}
PY=${PYTHON3:-/usr/bin/python3}
harness=$srcdir/tests/peers/pcsc-harness.sh
exchange=$builddir/tests/integration/card-exchange
ISDR=A0000005591010FFFFFFFF8900000100
GET_EID=80E2910006BF3E035C015A
# The GetEID response is BF3E 12 5A 10 <16 bytes>: 21 (0x15) bytes.
GET_RESPONSE=00C0000015

fail () { echo "FAIL: $*" >&2; exit 1; }
skip () { echo "SKIP: $*" >&2; exit 77; }

# Runs card-exchange with a hard time limit so that a hang is a failure, not a stuck test run.
# Output in $out, errors in $err, status in $rc.
run_exchange () {
  out=$(timeout 60 "$exchange" "$@" 2> "$scratch/err")
  rc=$?
  err=$(cat "$scratch/err")
  [ "$rc" -ne 124 ] || fail "card-exchange $* hung (killed after 60 s)"
}

# Checks the "select" line of card-exchange's output is the ISD-R's FCI, complete: template 6F with a
# one-byte length that matches what follows, the AID in 84.
expect_isdr_fci () {
  fci=$(printf '%s\n' "$out" | sed -n 's/^select //p')
  case $fci in
    6F??8410$ISDR*) ;;
    *) fail "$1: SELECT answer is not the ISD-R FCI: $out" ;;
  esac
  fci_length=$(printf '%d' "0x$(printf '%s' "$fci" | cut -c3-4)")
  [ ${#fci} -eq $(((fci_length + 2) * 2)) ] || fail "$1: FCI incomplete (${#fci} hex digits for 6F length $fci_length)"
}

expect_eid_exchange () {
  label=$1
  shift
  run_exchange "$@" "$ISDR" "$GET_EID" "$GET_RESPONSE"
  [ "$rc" -eq 0 ] || fail "$label: card-exchange exited $rc: $err"
  channel=$(printf '%s\n' "$out" | sed -n '1s/^channel //p')
  case $channel in
    [1-9] | 1[0-9]) ;;
    *) fail "$label: no logical channel 1..19 in: $out" ;;
  esac
  expect_isdr_fci "$label"
  [ "$(printf '%s\n' "$out" | sed -n 3p)" = "6115" ] || fail "$label: STORE DATA GetEID did not answer 6115: $out"
  [ "$(printf '%s\n' "$out" | sed -n 4p)" = "BF3E125A10${EID}9000" ] || fail "$label: wrong EID response (want $EID): $out"
  # 7 APDUs: TERMINAL CAPABILITY (10 out, 2 in), MANAGE CHANNEL open (5, 3), SELECT (21, 2: 61xx),
  # GET RESPONSE for the FCI card-exchange asks for (5, 41), STORE DATA and GET RESPONSE (11 + 5, 2 + 23),
  # MANAGE CHANNEL close (5, 2).
  [ "$(printf '%s\n' "$out" | sed -n 5p)" = "stats 7 62 75" ] || fail "$label: wrong statistics: $out"
}

# ---- the scenarios, run inside the harness's namespaces ---------------------

inside_basic () {
  scratch=$PCSC_HARNESS_DIR
  EID=$("$PY" -c 'import json, sys; print(json.load(open(sys.argv[1]))["eid"])' "$PCSC_HARNESS_STATE") ||
    fail "cannot read the EID from $PCSC_HARNESS_STATE"

  expect_eid_exchange "exact reader name" "pcsc:$PCSC_HARNESS_READER"
  expect_eid_exchange "first reader with a card" "pcsc:"
  expect_eid_exchange "part of the reader name" "pcsc:PCD 00 0"

  # The card has 3 logical channels: 25 open/close rounds only pass if every close frees its channel.
  i=0
  while [ $i -lt 25 ]; do
    run_exchange "pcsc:$PCSC_HARNESS_READER" "$ISDR"
    [ "$rc" -eq 0 ] || fail "open/close round $i: $err"
    i=$((i + 1))
  done
  [ "$(printf '%s\n' "$out" | sed -n 1p)" = "channel 1" ] || fail "channel not reused after close: $out"

  run_exchange "pcsc:No Such Reader" "$ISDR"
  [ "$rc" -eq 1 ] || fail "unknown reader: exit $rc"
  printf '%s' "$err" | grep -q "no PC/SC reader named or containing 'No Such Reader' (readers: '$PCSC_HARNESS_READER'" ||
    fail "unknown reader: unclear error: $err"

  # An AID the card does not have: the SELECT failure names the status word and the channel is closed again.
  run_exchange "pcsc:$PCSC_HARNESS_READER" A0000005591010FFFFFFFF8900000199
  [ "$rc" -eq 1 ] || fail "unknown AID: exit $rc"
  printf '%s' "$err" | grep -q "SELECT AID A0000005591010FFFFFFFF8900000199: card answered 6A82" ||
    fail "unknown AID: unclear error: $err"
  run_exchange "pcsc:$PCSC_HARNESS_READER" "$ISDR"
  [ "$(printf '%s\n' "$out" | sed -n 1p)" = "channel 1" ] || fail "channel left open after a failed SELECT: $out"

  # A status word from the card is data, not a transport error.
  run_exchange "pcsc:$PCSC_HARNESS_READER" "$ISDR" 80CA00FE00
  [ "$rc" -eq 0 ] || fail "card error status word treated as a transport failure: $err"
  [ "$(printf '%s\n' "$out" | sed -n 3p)" = "6D00" ] || fail "unknown INS: expected 6D00: $out"
  echo "basic: ok"
}

inside_6cxx () {
  scratch=$PCSC_HARNESS_DIR
  # The card answers the first GET RESPONSE of the FCI with 6Cxx: the SELECT must retry with that Le.
  run_exchange "pcsc:$PCSC_HARNESS_READER" "$ISDR"
  [ "$rc" -eq 0 ] || fail "GET RESPONSE answered 6Cxx: exit $rc: $err"
  expect_isdr_fci "GET RESPONSE answered 6Cxx"
  echo "6cxx: ok"
}

inside_nochannel () {
  scratch=$PCSC_HARNESS_DIR
  run_exchange "pcsc:$PCSC_HARNESS_READER" "$ISDR"
  [ "$rc" -eq 1 ] || fail "card without channels: exit $rc"
  printf '%s' "$err" | grep -q "MANAGE CHANNEL open: card answered 6A81" || fail "card without channels: unclear error: $err"
  echo "nochannel: ok"
}

inside_pulled () {
  scratch=$PCSC_HARNESS_DIR
  # Every APDU takes 300 ms; the card process dies while the APDUs are under way.
  timeout 60 "$exchange" "pcsc:$PCSC_HARNESS_READER" "$ISDR" "$GET_EID" "$GET_RESPONSE" "$GET_EID" "$GET_RESPONSE" \
    "$GET_EID" "$GET_RESPONSE" > "$scratch/out" 2> "$scratch/err" &
  pid=$!
  sleep 1
  kill "$PCSC_HARNESS_CARD_PID"
  wait "$pid"
  rc=$?
  err=$(cat "$scratch/err")
  [ "$rc" -ne 124 ] || fail "card pulled: card-exchange hung"
  [ "$rc" -eq 1 ] || fail "card pulled: exit $rc, expected 1 ($err)"
  # pcscd either fails the transmit (SCARD_W_REMOVED_CARD ...) or, with vpcd, returns an empty answer.
  printf '%s' "$err" | grep -q "^error: pcsc: .*SCardTransmit on reader '$PCSC_HARNESS_READER': .*\(0x8010\|no status word\)" ||
    fail "card pulled: unclear error: $err"

  run_exchange "pcsc:$PCSC_HARNESS_READER" "$ISDR"
  [ "$rc" -eq 1 ] || fail "no card: exit $rc"
  printf '%s' "$err" | grep -q "^error: pcsc: .*0x8010" || fail "no card: error without the PC/SC code: $err"
  echo "pulled: ok"
}

case ${1:-} in
  __basic) inside_basic; exit 0 ;;
  __6cxx) inside_6cxx; exit 0 ;;
  __nochannel) inside_nochannel; exit 0 ;;
  __pulled) inside_pulled; exit 0 ;;
esac

# ---- outside: prerequisites, then one harness run per card behaviour ---------

[ -r "$harness" ] || skip "$harness not found"
[ -x "$exchange" ] || skip "$exchange not built"
grep -q "define WITH_PCSC 1" "$builddir/config.h" 2> /dev/null || skip "built without PC/SC"
command -v timeout > /dev/null 2>&1 || skip "timeout (coreutils) not found"
sh "$harness" check
case $? in
  0) ;;
  77) exit 77 ;;
  *) fail "pcsc-harness.sh check failed" ;;
esac

tmp=$(mktemp -d "${TMPDIR:-/tmp}/test-pcsc.XXXXXX") || fail "mktemp failed"
trap 'rm -rf "$tmp"' EXIT
trap 'exit 143' TERM
trap 'exit 130' INT
"$PY" "$srcdir/tests/peers/softeuicc/init.py" --state "$tmp/state" || fail "softeuicc/init.py failed"

self=$(cd "$(dirname "$0")" && pwd)/$(basename "$0")
export top_srcdir="$srcdir" top_builddir="$builddir" PYTHON3="$PY"
for scenario in basic 6cxx nochannel pulled; do
  case $scenario in
    6cxx) faults="--fault getresponse-6cxx" ;;
    nochannel) faults="--fault nochannel" ;;
    pulled) faults="--fault vpcd-delay:300" ;;
    *) faults= ;;
  esac
  # shellcheck disable=SC2086
  sh "$harness" run --state "$tmp/state" $faults -- sh "$self" "__$scenario" || fail "scenario $scenario"
done
echo "PASS"

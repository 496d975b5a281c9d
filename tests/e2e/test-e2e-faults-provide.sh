#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Every fault switch of the test eIM on ProvideEimPackageResult, against the long-running daemon: the package
# has run on the card, the result does not get through; the poll fails naming the eIM, the function and what
# was wrong; the daemon backs off and at its next poll delivers the result the eUICC kept (HandleNotification)
# together with the card's notifications. The package ran once; the eIM holds the result once, or, where it
# had taken the failed request after all (a delayed, truncated or mislabelled answer), a second copy it flags
# as a duplicate with the same eimTransactionId and seqNumber.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/e2e/e2e-lib.sh"
. "$srcdir/tests/e2e/e2e-faults-lib.sh"

faults_setup

# provide_fault NAME FAULT-JSON ERE RECORDS [BACKOFF]: one scenario; RECORDS is 2 when the eIM processed the
# failed request.
provide_fault() {
  t0=$(date +%s.%N)
  eim_faults "$2"
  queue_toggle
  expect_daemon_poll_fails "ProvideEimPackageResult with $1"
  expect_failure_line provideEimPackageResult "$3"
  expect_backoff "${5:-1}"
  backoff=$NEXT_S
  grep -q 'step after-load' "$work/poll.log" || fail "$1: the package did not run on the card"
  wait_poll_end "the poll after $1" || { cat "$work/poll.log" >&2; fail "$1: the retry failed though the fault is gone"; }
  grep -q 'eIM eim-test accepted eUICC package result [0-9]*$' "$work/poll.log" ||
    fail "$1: the next poll did not deliver the result the eUICC kept"
  ! grep -q 'step before-load' "$work/poll.log" || fail "$1: the retry ran a package again"
  check_ran_once "$4"
  kill -0 "$DAEMON_PID" || fail "euiccd is gone after $1"
  echo "ProvideEimPackageResult with $1: failed, backed off $backoff s, delivered at the next poll, $4 record(s) ($(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }') s)"
}

F=provideEimPackageResult
provide_fault "HTTP 500" '{"kind": "http-status", "status": 500, "function": "'$F'"}' 'HTTP 500' 1
provide_fault "HTTP 503, Retry-After: 2" '{"kind": "http-status", "status": 503, "retry_after": 2, "function": "'$F'"}' \
  'HTTP 503' 1 2
provide_fault "a delay beyond the 2 s timeout" '{"kind": "delay", "ms": 2500, "function": "'$F'"}' 'timed out' 2
# A connection that dies before any answer, when it had carried requests before, is tried once more on a new
# one by the HTTPS layer: two drops make the poll fail.
provide_fault "a dropped connection, twice" '{"kind": "drop", "count": 2, "function": "'$F'"}' 'connection lost' 1
provide_fault "a truncated answer" '{"kind": "truncate", "function": "'$F'"}' 'connection lost .*transfer closed' 2
provide_fault "a garbage answer" '{"kind": "garbage", "function": "'$F'"}' \
  '(ProvideEimPackageResultResponse: DER|provideEimPackageResult response: not JSON)' 1
provide_fault "a text/html answer" '{"kind": "content-type", "value": "text/html", "function": "'$F'"}' \
  'HTTP 200 with [0-9]+ bytes of Content-Type text/html, expected application/' 2

# One drop: the request goes again on a new connection within the poll, which succeeds.
eim_faults '{"kind": "drop", "function": "'$F'"}'
queue_toggle
expect_daemon_poll_ok "ProvideEimPackageResult dropped once"
[ "$(stat_field connections)" = 2 ] || fail "one drop: $(stat_field connections) connections, expected 2"
check_ran_once 1
echo "every ProvideEimPackageResult fault over the $binding binding: failed, named, backed off, result delivered once"

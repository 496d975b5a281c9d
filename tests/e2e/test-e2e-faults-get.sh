#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Every fault switch of the test eIM on GetEimPackage, with a package queued, against the long-running daemon:
# the poll fails with a message naming the eIM, the function and what was wrong; nothing reaches the card; the
# daemon keeps running, backs off (1 s, or the Retry-After) and by itself polls again once the fault is gone;
# the package then runs exactly once and its result reaches the eIM. A package the eIM handed out into the
# fault (it took it off its queue, the answer never arrived) is offered again unchanged, as an eIM does for
# a package without a result. A garbage answer is not a failed poll: euiccd tells the eIM the package was
# unusable (invalidPackageFormat) and fetches the next one, the real package, in the same exchange.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/e2e/e2e-lib.sh"
. "$srcdir/tests/e2e/e2e-faults-lib.sh"

faults_setup

# get_fault NAME FAULT-JSON ERE [BACKOFF]: one scenario.
get_fault() {
  t0=$(date +%s.%N)
  eim_faults "$2"
  queue_toggle
  requeued=""
  expect_daemon_poll_fails "GetEimPackage with $1"
  expect_failure_line getEimPackage "$3"
  expect_backoff "${4:-1}"
  backoff=$NEXT_S
  ! grep -q 'step before-load' "$work/poll.log" || fail "$1: a package went to the card though GetEimPackage failed"
  wait_poll_end "the poll after $1" || { cat "$work/poll.log" >&2; fail "$1: the retry failed though the fault is gone"; }
  grep -q 'poll cost: apdus=0 ' "$work/poll.log" && {
    # The retry found no package: the eIM had handed it out into the fault. Offered again, it runs now.
    check_eim 'assert not mine, mine' "$1: nothing for the package yet"
    requeue_same
    requeued=" (package offered again)"
    expect_daemon_poll_ok "the poll of the package offered again after $1"
  }
  check_ran_once 1
  kill -0 "$DAEMON_PID" || fail "euiccd is gone after $1"
  echo "GetEimPackage with $1: failed, backed off $backoff s, recovered$requeued ($(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }') s)"
}

get_fault "HTTP 500" '{"kind": "http-status", "status": 500, "function": "getEimPackage"}' 'HTTP 500'
get_fault "HTTP 503, Retry-After: 2" \
  '{"kind": "http-status", "status": 503, "retry_after": 2, "function": "getEimPackage"}' 'HTTP 503' 2
get_fault "a delay beyond the 2 s timeout" '{"kind": "delay", "ms": 2500, "function": "getEimPackage"}' 'timed out'
get_fault "a dropped connection" '{"kind": "drop", "function": "getEimPackage"}' 'connection lost'
get_fault "a truncated answer" '{"kind": "truncate", "function": "getEimPackage"}' 'connection lost .*transfer closed'
get_fault "a text/html answer" '{"kind": "content-type", "value": "text/html", "function": "getEimPackage"}' \
  'HTTP 200 with [0-9]+ bytes of Content-Type text/html, expected application/'
# Connection-wide: the next new TLS connection presents a certificate from another CA.
get_fault "the wrong server certificate" '{"kind": "wrong-cert", "count": 1}' 'TLS: the server certificate is not trusted'
check_eim 'assert stats["handshake_failures"] == '$REJECTED_FAILURES', stats["handshake_failures"]
bad = [c for c in stats["per_connection"] if c["cert"] == "wrong"]
assert len(bad) == 1 and bad[0]["tls"] == "'$REJECTED_TLS'" and bad[0]["requests"] == 0, bad' "the rejected handshake"

# Garbage: answered as an unusable package, then the real package in the same poll.
eim_faults '{"kind": "garbage", "function": "getEimPackage"}'
queue_toggle
expect_daemon_poll_ok "GetEimPackage answered with garbage"
grep -E -q "eIM eim-test package -: unusablePackage: invalidPackageFormat: ESipa getEimPackage at https://$EIM_FQDN: (GetEimPackageResponse: DER|getEimPackage response: not JSON)" \
  "$work/poll.log" || fail "no message naming the eIM and the undecodable GetEimPackage answer"
check_ran_once 1
check_eim 'bad = [x for x in r if x["function"] == "provideEimPackageResult" and x.get("eimTransactionId") is None]
assert len(bad) == 1 and bad[0]["kind"] == "eimPackageResultResponseError", bad
assert bad[0]["error"]["code_name"] == "invalidPackageFormat", bad' "the eIM told of the unusable answer"

echo "every GetEimPackage fault over the $binding binding: the poll failed, named, backed off, recovered once"

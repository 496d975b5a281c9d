#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Results that only euiccd keeps, and results delivered across a restart, under eIM faults:
#  - an unsigned refusal (euiccPackageErrorUnsigned has no seqNumber, so the eUICC does not keep it) whose
#    ProvideEimPackageResult fails is stored in the outbox and delivered at the next poll with
#    HandleNotification, also when that delivery fails once itself; the eIM flags a second copy duplicate by
#    its eimTransactionId;
#  - the wrong TLS certificate while delivering a result the eUICC kept, after a restart: never accepted, the
#    result stays on the card, the failure count survived the restart (second backoff step), the next poll
#    delivers it.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/e2e/e2e-lib.sh"
. "$srcdir/tests/e2e/e2e-faults-lib.sh"

faults_setup
F=provideEimPackageResult

# check_refusal RECORDS: the refusal of $TXID reached the eIM RECORDS times (later copies flagged), the card
# did not run the package, the outbox is empty.
check_refusal() {
  [ "$1" = 1 ] || wait_records "$1"
  [ -z "$(outbox_files)" ] || fail "the outbox still holds $(outbox_files)"
  check_eim 'import os
counter = [e for e in s["eims"] if e["eimId"] == "eim-test"][0]["counterValue"]
assert counter == int(os.environ["C0"]), "the card counter moved to %s for a refused package" % counter
assert len(mine) == '"$1"', "%d records for %s" % (len(mine), txid)
assert mine[0]["duplicate"] is False and all(x["duplicate"] is True for x in mine[1:]), [x["duplicate"] for x in mine]
assert all(x["package_result"]["type"] == "euiccPackageErrorUnsigned" for x in mine), [x["package_result"] for x in mine]
assert mine[-1]["function"] == "handleNotification", mine[-1]["function"]' "the refusal of $TXID"
}

# outbox_fault NAME FAULT-JSON ERE RECORDS
outbox_fault() {
  C0=$(card_counter)
  export C0
  eim_faults "$2"
  queue --psmo "enable:$P3" --break signature
  expect_daemon_poll_fails "ProvideEimPackageResult of a refusal with $1"
  expect_failure_line $F "$3"
  expect_backoff 1
  wait_poll_end "the poll after $1" || { cat "$work/poll.log" >&2; fail "$1: the retry failed though the fault is gone"; }
  grep -q "eIM eim-test accepted stored result tx-$TXID\$" "$work/poll.log" || fail "$1: the stored result was not delivered"
  check_refusal "$4"
  echo "refusal with $1 on ProvideEimPackageResult: stored, delivered at the next poll, $4 record(s)"
}

outbox_fault "HTTP 500" '{"kind": "http-status", "status": 500, "function": "'$F'"}' 'HTTP 500' 1
outbox_fault "a truncated answer" '{"kind": "truncate", "function": "'$F'"}' 'connection lost .*transfer closed' 2
outbox_fault "a delay beyond the 2 s timeout" '{"kind": "delay", "ms": 2500, "function": "'$F'"}' 'timed out' 2

# The delivery from the outbox fails too, once: a second failure (backoff step 2: 1 .. 2 s), then delivered.
C0=$(card_counter)
export C0
eim_faults '{"kind": "http-status", "status": 500, "function": "'$F'"}' \
  '{"kind": "http-status", "status": 503, "function": "handleNotification"}'
queue --psmo "enable:$P3" --break signature
expect_daemon_poll_fails "ProvideEimPackageResult of a refusal with HTTP 500"
expect_failure_line $F 'HTTP 500'
wait_poll_end "the delivery from the outbox" && fail "the delivery from the outbox succeeded against a 503"
printf '%s\n' "$LOG_LINE" | grep -q "Poll failed: eIM eim-test: Delivering stored result tx-$TXID: ESipa handleNotification at https://$EIM_FQDN: HTTP 503" ||
  fail "the failed delivery is not named: $LOG_LINE"
[ "$NEXT_S" -ge 1 ] && [ "$NEXT_S" -le 2 ] || fail "second failure: next try in $NEXT_S s, expected 1 .. 2 s"
wait_poll_end "the second delivery from the outbox" || { cat "$work/poll.log" >&2; fail "the second delivery failed"; }
check_refusal 1
echo "a failed delivery from the outbox is retried at the next poll"

# A signed result whose ProvideEimPackageResult failed (503, Retry-After 4 s: time to stop the daemon first);
# restarted, the new connection presents a certificate from another CA.
eim_faults '{"kind": "http-status", "status": 503, "retry_after": 4, "function": "'$F'"}'
queue_toggle
expect_daemon_poll_fails "ProvideEimPackageResult with HTTP 503, Retry-After: 4"
stop_daemon
[ "$(schedule_field Failures)" = 1 ] || fail "the schedule file counts $(schedule_field Failures) failures, expected 1"
eim_faults '{"kind": "wrong-cert", "count": 1}'
start_daemon
wait_poll_end "the poll on restart, wrong certificate" && fail "a server certificate from another CA was accepted"
expect_failure_line handleNotification 'TLS: the server certificate is not trusted'
[ "$NEXT_S" -ge 1 ] && [ "$NEXT_S" -le 2 ] || fail "the failure count did not survive the restart: next try in $NEXT_S s"
wait_poll_end "the poll after the wrong certificate" || { cat "$work/poll.log" >&2; fail "no delivery after the wrong certificate"; }
grep -q 'eIM eim-test accepted eUICC package result [0-9]*$' "$work/poll.log" || fail "the kept result was not delivered"
# The one connection with the other certificate failed its handshake and carried nothing; the result came once,
# over the next connection.
check_ran_once 1
check_eim 'bad = [c for c in stats["per_connection"] if c["cert"] == "wrong"]
assert len(bad) == 1 and bad[0]["tls"] == "'$REJECTED_TLS'" and bad[0]["requests"] == 0, bad
assert stats["handshake_failures"] == '$REJECTED_FAILURES', stats["handshake_failures"]
assert mine[0]["function"] == "handleNotification", mine[0]["function"]' "nothing delivered over the wrong certificate"
stop_daemon
echo "wrong certificate after a restart: rejected, the kept result delivered at the next poll"

# SPDX-License-Identifier: Apache-2.0
# Shared by the fault tests (test-e2e-faults-*.sh): the long-running daemon with a 2 s eIM timeout and a backoff
# of 1 s .. 4 s, and the checks each fault scenario ends with. Source it after e2e-lib.sh.

P3=89000123456789000023   # disabled test profile: enabled and disabled in turn by the scenarios

# faults_setup: eIM, card, modem, euiccd running; its poll on start done.
faults_setup() {
  start_all
  write_config "[Eim]" "Binding=$binding" "Timeout=2s"
  start_daemon
  wait_poll_end "the poll on start" || { cat "$work/poll.log" >&2; fail "the poll on start failed"; }
}

# expect_failure_line FUNCTION ERE: the failure just logged names the eIM, (for a delivery, what was being
# delivered,) its address, the ESipa function and (ERE) what was wrong.
expect_failure_line() {
  printf '%s\n' "$LOG_LINE" | grep -E -q -e "Poll failed: eIM eim-test: ([^:]*: )?ESipa $1 at https://$EIM_FQDN: .*$2" ||
    fail "the failure does not say eIM eim-test, ESipa $1 at https://$EIM_FQDN and /$2/: $LOG_LINE"
}

# expect_backoff SECONDS: the first failure after a success waits BackoffInitial (1 s) or the Retry-After.
expect_backoff() {
  [ "$NEXT_S" = "$1" ] || fail "next try in $NEXT_S s after the failure, expected $1 s"
}

# toggle_package: a PSMO that changes the card, enable and disable of P3 in turn (the next one fails with a
# result code if the card ran the previous one twice, and the card's notifications come with the result).
toggle=enable
queue_toggle() {
  queue --psmo "$toggle:$P3"
  # eimctl prints sorted, indented JSON: one key a line.
  QCOUNTER=$(sed -n 's/^ *"counter": \([0-9]*\).*/\1/p' "$work/queued.json")
  [ -n "$QCOUNTER" ] || fail "no counter in the queued package"
  export QCOUNTER TOGGLE=$toggle
  if [ "$toggle" = enable ]; then toggle=disable; else toggle=enable; fi
}

# wait_records N: until the eIM holds N records for $TXID (a request the eIM delayed lands late).
wait_records() {
  for _ in $(seq 200); do
    eim_get /admin/results >"$work/results.json"
    _n=$("$PY" -c 'import json, sys; print(sum(1 for x in json.load(open(sys.argv[1])) if x.get("eimTransactionId") == sys.argv[2]))' \
      "$work/results.json" "$TXID")
    [ "$_n" -lt "$1" ] || return 0
    sleep 0.05
  done
  fail "the eIM holds $_n records for $TXID, expected $1"
}

# check_ran_once RECORDS: the package ran once on the card (its counter is the package's, the PSMO's result
# is success, P3 is in the state asked for), the eIM holds RECORDS records for $TXID: the first not flagged,
# every later one flagged duplicate with the same seqNumber; the card holds nothing more to deliver.
check_ran_once() {
  [ "$1" = 1 ] || wait_records "$1"
  check_eim 'import os
counter = [e for e in s["eims"] if e["eimId"] == "eim-test"][0]["counterValue"]
assert counter == int(os.environ["QCOUNTER"]), "card counter %s, package counter %s" % (counter, os.environ["QCOUNTER"])
assert len(mine) == '"$1"', "%d records for %s" % (len(mine), txid)
assert mine[0]["duplicate"] is False, "the first record is flagged duplicate"
seq = mine[0]["package_result"]["seqNumber"]
for d in mine[1:]:
    assert d["duplicate"] is True and d["package_result"]["seqNumber"] == seq, "repeat %d not a flagged duplicate of %s" % (d["id"], seq)
op = os.environ["TOGGLE"]
assert all(x["package_result"]["signature_valid"] is True for x in mine), "signature"
assert codes(mine[0]) == [(op + "Result", 0)], codes(mine[0])
assert p["'$P3'"]["state"] == op + "d", p["'$P3'"]["state"]
kept = [x["seq"] for x in s["package_results"] if x.get("kind") == "result"]
assert kept == [] and s["notifications"] == [], (kept, s["notifications"])' \
    "the package of $TXID"
}

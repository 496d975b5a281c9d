#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Durability of the eUICC's refusals (SGP.32 3.3.1): euiccPackageErrorUnsigned (bad eIM signature) and
# euiccPackageErrorSigned (wrong EID) carry no seqNumber, so euiccd keeps them in its outbox until the eIM took
# them. euiccd is stopped with SIGKILL at every step; after the restart the eIM holds each refusal once, or
# again flagged duplicate by its eimTransactionId, and the eUICC checked each package once.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/e2e/e2e-lib.sh"

start_all
expect_poll_ok "first poll"

# kills STEP: whether a refusal has that step (a result without seqNumber is never removed from the eUICC).
kills() {
  case $1 in
    before-remove) echo no ;;
    *) echo yes ;;
  esac
}
repeats() {
  case $1 in
    after-provide) echo 1 ;;
    *) echo 0 ;;
  esac
}

# The eUICC keeps its own copy of each refusal; the eimTransactionId inside tells how often it checked one.
checked_once='
assert sum(txid.lower() in e["der"].lower() for e in s["package_results"]) == 1, [e for e in s["package_results"] if txid.lower() in e["der"].lower()]
'

LIST='{"psmo": [{"listProfileInfo": {}}]}'
for step in before-load after-load before-provide after-provide before-remove; do
  crash_and_recover "$step" "$(kills "$step")" "$LIST" signature
  check_recovered "
assert res['package_result']['type'] == 'euiccPackageErrorUnsigned', res['package_result']
assert res['package_result']['eimTransactionId'] == txid, res['package_result']
assert len(dups) == $(repeats "$step") and all(d['package_result']['raw'] == res['package_result']['raw'] for d in dups)
$checked_once" "bad signature, SIGKILL at $step"

  crash_and_recover "$step" "$(kills "$step")" "$LIST" eid
  check_recovered "
pr = res['package_result']
assert pr['type'] == 'euiccPackageErrorSigned' and pr['errorName'] == 'invalidEid', pr
assert pr['signature_valid'] is True and pr['eimTransactionId'] == txid, pr
assert len(dups) == $(repeats "$step") and all(d['package_result']['raw'] == pr['raw'] for d in dups)
$checked_once" "wrong EID, SIGKILL at $step"
done

# The refusals left the eUICC's counter alone: a correct package still runs.
queue_package "$LIST"
expect_poll_ok "a correct package after the refusals"
check_recovered "assert res['package_result']['type'] == 'euiccPackageResultSigned' and counter == queued['counter'], res"
echo "eUICC refusals survive SIGKILL at every step over the $binding binding"

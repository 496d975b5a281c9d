#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Enable with rollback into a profile without coverage: the test eIM cannot be reached while the software eUICC
# has that profile enabled. euiccd tries the result over the new profile for [Connectivity] AttachTimeout, then
# asks the eUICC for ProfileRollback; over the previous profile the eIM gets the package's result and the
# rollback's, each acknowledged and removed from the eUICC once. With coverage the result goes at once.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/e2e/e2e-lib.sh"

P1=89000123456789012358   # enabled, operational
P3=89000123456789000023   # disabled, test profile
start_eim --binding both
setup_card
start_modem
write_config "[Eim]" "Binding=$binding" "[Connectivity]" "AttachTimeout=2s" "AttachRetryInterval=1s"

expect_poll_ok "first poll"
check_result 'assert s["notifications"] == [], s["notifications"]'

n0=$(eimctl results --eid "$EID" | "$PY" -c 'import json, sys; print(len(json.load(sys.stdin)))')
eimctl coverage --card-state "$state" "$P3" >/dev/null
queue --psmo "enable:$P3:rollback"
start_s=$(date +%s)
expect_poll_ok "enable with rollback into a profile without coverage"
took=$(( $(date +%s) - start_s ))
check_result 'assert p["'$P1'"]["state"] == "enabled" and p["'$P3'"]["state"] == "disabled", p'
# Both signed results of the transaction reached the eIM, once each, with valid signatures: the enable's, then
# the rollback's. Nothing stays on the eUICC.
check_result 'prs = [x["package_result"] for x in r if x.get("eimTransactionId") == txid and x.get("package_result")]
names = [[(y["name"], y["code"]) for y in pr["results"]] for pr in prs]
assert names == [[("enableResult", 0)], [("rollbackResult", 0)]], names
assert all(pr["signature_valid"] is True and pr["duplicate"] is False for pr in prs), prs
assert len({pr["seqNumber"] for pr in prs}) == 2, prs'
check_result 'assert s["notifications"] == [] and s["package_results"] == [], (s["notifications"], s["package_results"])
assert "rollback" not in s, s.get("rollback")'
# The enable and disable notifications of both switches were delivered, none twice.
check_result 'ns = [n for x in r['$n0':] for n in x.get("notifications", []) + ([x["notification"]] if x.get("notification") else []) if n.get("iccid") in ("'$P1'", "'$P3'")]
ops = sorted(n["operation"] for n in ns)
assert ops == ["disable", "disable", "enable", "enable"], ops
assert not any(n["duplicate"] for n in ns), ns'
eimctl coverage --show >"$work/coverage.json"
"$PY" -c 'import json,sys; c = json.load(open(sys.argv[1])); assert c["refused"] >= 2, c' "$work/coverage.json" \
  || { cat "$work/coverage.json" >&2; fail "the eIM refused no connection over the profile without coverage"; }
# Each of the six items (two results, four notifications) left the eUICC with one RemoveNotificationFromList.
removals=$(grep -c '> 81E2910. 06 BF3003' "$work/poll.log" || true)
[ "$removals" -eq 6 ] || { grep BF30 "$work/poll.log" >&2; fail "$removals RemoveNotificationFromList, expected 6"; }
[ "$took" -le 30 ] || fail "the rollback took ${took}s with AttachTimeout=2s"
grep -q "rolling back" "$work/poll.log" || { cat "$work/poll.log" >&2; fail "no rollback in the log"; }
grep -q '"result":"rolled-back"' "$statedir/history" || grep -q '"result": *"rolled-back"' "$statedir/history" \
  || { cat "$statedir/history" >&2; fail "history lacks the rollback"; }

# The next poll has nothing left to deliver.
expect_poll_ok "poll after the rollback"
check_result 'assert sum(1 for x in r if x.get("eimTransactionId") == txid) == 2, [x for x in r if x.get("eimTransactionId") == txid]'

# With coverage over the new profile the result goes over it and no rollback happens.
eimctl coverage >/dev/null
queue --psmo "enable:$P3:rollback"
expect_poll_ok "enable with rollback into a profile with coverage"
check_result 'assert codes(res) == [("enableResult", 0)], codes(res)
assert p["'$P3'"]["state"] == "enabled" and p["'$P1'"]["state"] == "disabled", p
assert s["package_results"] == [], s["package_results"]'
if grep -q "rolling back" "$work/poll.log"; then cat "$work/poll.log" >&2; fail "rolled back with coverage"; fi
# An enable without rollbackFlag is never undone: without coverage its result waits on the eUICC for the next poll.
eimctl coverage --card-state "$state" "$P1" >/dev/null
queue --psmo "enable:$P1"
expect_poll_fails "enable without rollbackFlag into a profile without coverage"
if grep -q "rolling back" "$work/poll.log"; then cat "$work/poll.log" >&2; fail "rolled back without rollbackFlag"; fi
check_result 'assert p["'$P1'"]["state"] == "enabled", p
assert len(s["package_results"]) == 1, s["package_results"]'
eimctl coverage >/dev/null
expect_poll_ok "poll once the coverage is back"
check_result 'prs = [x["package_result"] for x in r if x.get("eimTransactionId") == txid and x.get("package_result")]
assert [[(y["name"], y["code"]) for y in pr["results"]] for pr in prs] == [[("enableResult", 0)]], prs
assert s["package_results"] == [] and s["notifications"] == [], (s["package_results"], s["notifications"])'
echo "enable with rollback: rolled back without coverage, both results delivered and removed once ($binding, $e2e_transport)"

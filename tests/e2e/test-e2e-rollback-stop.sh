#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# A stop (SIGTERM, as systemd sends) while euiccd waits for the module to attach after an enable with rollbackFlag:
# with [Connectivity] AttachTimeout at minutes, the daemon still ends within 2 s, with status 0, the new profile
# still enabled and the rollback record kept. The next start takes the decision up: with the time left of the wait
# spent (AttachTimeout lowered) and the eIM still unreachable over the new profile, it rolls back and delivers
# both results, each removed once.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/e2e/e2e-lib.sh"

P1=89000123456789012358   # enabled, operational
P3=89000123456789000023   # disabled, test profile
start_eim --binding both
setup_card
start_modem
write_config "[Eim]" "Binding=$binding" "[Connectivity]" "AttachTimeout=10m" "AttachRetryInterval=5m"
expect_poll_ok "first poll"
eim_admin_post /admin/coverage "{\"card_state\": \"$state\", \"no_coverage\": [\"$P3\"]}" >/dev/null
queue_package '{"psmo": [{"enable": {"iccid": "'$P3'", "rollback": true}}]}'

start_daemon
kill -USR1 "$DAEMON_PID"
wait_for_log 'not reachable yet over the profile just enabled .*; trying again in 300 s$' 30 "the wait for the module"
[ -s "$statedir/rollback" ] || fail "no rollback record while waiting for the module"
sent=$(date +%s.%N)
stop_daemon
stopped=$(date +%s.%N)
seconds_between "$sent" "$stopped" 0 2 \
  || { tail -n 20 "$daemon_log" >&2; fail "euiccd took $(awk -v a="$sent" -v b="$stopped" 'BEGIN { print b - a }') s to stop"; }
echo "SIGTERM during the wait: euiccd stopped in $(awk -v a="$sent" -v b="$stopped" 'BEGIN { printf "%.2f", b - a }') s"
grep -q 'euiccd is stopping while waiting for the eIM' "$daemon_log" || { tail -n 20 "$daemon_log" >&2; fail "no word of the cut wait"; }
[ -s "$statedir/rollback" ] || fail "the rollback record is gone after the stop"
check_result 'assert p["'$P3'"]["state"] == "enabled" and "rollback" in s, (p, s.get("rollback"))
assert not [x for x in r if x.get("eimTransactionId") == txid], "the eIM got a result before the stop"'
if grep -q 'rolling back' "$daemon_log"; then tail -n 20 "$daemon_log" >&2; fail "rolled back on the way out"; fi

# The next start: the wait is over by now (AttachTimeout lowered); the eIM is still unreachable over P3.
write_config "[Eim]" "Binding=$binding" "[Connectivity]" "AttachTimeout=1s" "AttachRetryInterval=1s"
: >"$work/all-polls.log"
expect_poll_ok "the start after the stop"
grep -q 'cut short by a restart: its result goes over the new profile' "$work/poll.log" \
  || { cat "$work/poll.log" >&2; fail "the start did not take the rollback decision up"; }
grep -q 'rolling back' "$work/poll.log" || { cat "$work/poll.log" >&2; fail "no rollback after the restart"; }
[ ! -e "$statedir/rollback" ] || fail "the rollback record is left after the rollback"
check_result 'assert p["'$P1'"]["state"] == "enabled" and p["'$P3'"]["state"] == "disabled", p
prs = [x["package_result"] for x in r if x.get("eimTransactionId") == txid and x.get("package_result")]
assert [[(y["name"], y["code"]) for y in pr["results"]] for pr in prs] == [[("enableResult", 0)], [("rollbackResult", 0)]], prs
assert not any(pr["duplicate"] for pr in prs), prs
assert s["notifications"] == [] and s["package_results"] == [], (s["notifications"], s["package_results"])'
removals=$(grep -c '> 81E2910. 06 BF3003' "$work/poll.log" || true)
[ "$removals" -eq 6 ] || { grep BF30 "$work/poll.log" >&2; fail "$removals RemoveNotificationFromList, expected 6"; }
grep -q '"result": *"rolled-back"' "$statedir/history" || { cat "$statedir/history" >&2; fail "history lacks the rollback"; }
echo "enable with rollback: SIGTERM during a 10 min wait ended the daemon at once; the next start rolled back"

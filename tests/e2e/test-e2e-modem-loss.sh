#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# REFRESH and modem loss after a profile switch (field-problems.md: the module resets its card session or
# leaves USB and comes back, and the result must still reach the eIM). The fake modem is reached through a
# stable symlink, as integrators configure a by-id path:
#  1. reset-on-refresh:1200: after the enable's 91xx the modem runs the REFRESH, forgets every channel and refuses
#     new ones for 1.2 s (card busy); the poll waits, reopens the ISD-R session, and the result and notifications
#     reach the eIM in that poll.
#  2. vanish-on-refresh: after the enable's answer the module leaves the bus for 1.5 s and comes back on
#     another pty behind the same symlink, mid-poll; the running daemon reconnects (a bounded number of
#     attempts with growing pauses), checks it is the same eUICC, delivers, reads the card again, and polls
#     again on schedule.
#  3. vanish-on:BF51: the module leaves while the card executes the enable, the answer is lost; the result the
#     eUICC kept reaches the eIM once, and the daemon is never restarted (no crash loop).
#  4. The module comes back with another eUICC: the reconnect refuses it (the poll's packages are not for that
#     card), the poll reads the new card at its end and fails, so the backoff polls the new card soon.
# E2E_TRANSPORT=mbim|at runs it over that transport (test-e2e-modem-loss-{mbim,at}.sh).
. "${top_srcdir:-$(dirname "$0")/../..}/tests/e2e/e2e-lib.sh"

[ "$e2e_transport" != pcsc ] || skip "modem loss is a modem's (QMI, MBIM, AT)"
P1=89000123456789012358   # enabled
P3=89000123456789000023   # disabled
link=$work/modem-by-id

# modem_with FAULT...: (re)starts the fake modem behind $link with these switches.
modem_with() {
  [ -z "${MODEM_PID:-}" ] || { kill "$MODEM_PID" 2>/dev/null || true; wait "$MODEM_PID" 2>/dev/null || true; }
  set -- --link "$link" $(for f in "$@"; do printf -- '--fault %s ' "$f"; done)
  start_fake "fake-$e2e_transport-modem.py" --state "$state" "$@"
  MODEM_PID=$FAKE_PID
  MODEM_OUT=$out
}

start_eim --binding both
setup_card
modem_with reset-on-refresh:1200
DEVICE="$e2e_transport:$link"
write_config "[Card]" "ReconnectTimeout=10s" "[Eim]" "Binding=$binding"
expect_poll_ok "first poll"

# 1. The session reset by REFRESH.
queue --psmo "enable:$P3"
expect_poll_ok "enable whose REFRESH resets the card session"
grep -q "Reopening the ISD-R session on $e2e_transport (after a proactive command (REFRESH))" "$work/poll.log" ||
  { cat "$work/poll.log" >&2; fail "no reopen after the REFRESH"; }
# The module refuses channels for 1.2 s while its card re-initialises: waited for, not taken for a module without
# logical channels.
grep -q "Reconnected to the modem at $e2e_transport:$link" "$work/poll.log" ||
  { cat "$work/poll.log" >&2; fail "the busy card was not waited for"; }
! grep -q "basic channel" "$work/poll.log" || fail "a busy card made euiccd fall back to the basic channel"
check_result 'assert codes(res) == [("enableResult", 0)], codes(res)'
check_result 'assert p["'$P3'"]["state"] == "enabled"; assert s["package_results"] == [], s["package_results"]'
check_result 'assert sorted(n["operation"] for n in res["notifications"]) == ["disable", "enable"], res'

# 2. The module leaves the bus after the switch and comes back on another pty, while the daemon runs.
modem_with vanish-on-refresh:1500
first_pty=$(sed -n 1p "$MODEM_OUT")
start_daemon
wait_poll_end "the start-up poll" || { cat "$work/poll.log" >&2; fail "the start-up poll failed"; }
queue --psmo "enable:$P1"
expect_daemon_poll_ok "enable, then the module vanishes"
# Delivered in that poll, which ends as a good one: the next is on schedule (Interval=1h, no jitter).
[ "$NEXT_S" -ge 3590 ] || fail "the poll after the reconnect scheduled the next in $NEXT_S s, not the interval"
check_result 'assert codes(res) == [("enableResult", 0)], codes(res)'
check_result 'assert p["'$P1'"]["state"] == "enabled"'
second_pty=$(sed -n 2p "$MODEM_OUT")
[ -n "$second_pty" ] && [ "$second_pty" != "$first_pty" ] ||
  fail "the fake did not come back on another pty ($first_pty, '$second_pty')"
[ "$(readlink "$link")" = "$second_pty" ] || fail "the symlink does not follow the module"
grep -q "Reconnected to the modem at $e2e_transport:$link" "$work/poll.log" ||
  { cat "$work/poll.log" >&2; fail "no reconnect in the poll"; }
attempts=$(grep -c "Reconnecting to the modem, attempt" "$daemon_log" || true)
echo "reconnect attempts while the module was away: $attempts"
# 1.5 s away, pauses of 0.25, 0.5, 1 s ...: a handful of attempts, never a busy loop.
[ "$attempts" -ge 1 ] && [ "$attempts" -le 6 ] || fail "$attempts reconnect attempts for 1.5 s away"
# The card behind the module that came back is read again in that poll (it might have been another one).
sed -n '/Reconnected to the modem/,$p' "$work/poll.log" | grep -q "eUICC .* with 1 eIM configuration" ||
  { cat "$work/poll.log" >&2; fail "the card was not read again after the reconnect"; }
expect_daemon_poll_ok "the next poll on the module that came back"
daemon_alive || fail "euiccd is gone"
stop_daemon

# 3. The module leaves while the card executes the enable: the answer is lost, the eUICC keeps the result.
modem_with vanish-on:BF51:1000
start_daemon
wait_poll_end "the start-up poll" || true
queue --psmo "enable:$P3"
poll_daemon "enable lost with the module" || true
# The kept result reaches the eIM in this poll (after the reconnect) or in the backoff retry.
for _ in 1 2 3; do
  n=$(eimctl results | "$PY" -c 'import json,sys; print(len([x for x in json.load(sys.stdin) if x.get("eimTransactionId") == sys.argv[1]]))' "$TXID")
  [ "$n" -ge 1 ] && break
  wait_poll_end "the retry" 15 || true
done
check_result 'mine = [x for x in r if x.get("eimTransactionId") == txid]
assert len(mine) == 1, mine
assert mine[0]["package_result"]["results"][0]["name"] == "enableResult", mine[0]
assert mine[0]["package_result"]["results"][0]["code"] == 0, mine[0]'
check_result 'assert p["'$P3'"]["state"] == "enabled"; assert s["package_results"] == [], s["package_results"]'
grep -q "looking for the result the eUICC kept" "$daemon_log" || fail "the lost answer was not looked for on the card"
# What the daemon saw, for the record.
grep -E "went away|port closed|Reconnect|cannot be read now|accepted eUICC package result" "$daemon_log" | tail -n 8
starts=$(grep -c "euiccd: euiccd .* started (" "$daemon_log")
[ "$starts" -eq 2 ] || fail "euiccd started $starts times, expected 2 (no restarts)"
daemon_alive || fail "euiccd is gone"
stop_daemon

# 4. The module comes back with another card in it: the poll going on does not go on with that card, reads it
#    as a new card at its end and fails, so the backoff polls the new card soon.
modem_with vanish-on-refresh:1500
start_daemon
wait_poll_end "the start-up poll" || true
queue --psmo "enable:$P1"
kill -USR1 "$DAEMON_PID"
wait_for_log "reconnecting to the modem$" 20 "the module to go away"
first_card=$state
make_euicc "$work/other-card.json" --eid 89049032000000000000000004242167
state=$first_card
mv "$work/other-card.json" "$state"
wait_for_log "the modem came back with another eUICC; it is read at the next poll" 20 "the other card to be seen"
wait_for_log "The modem now holds another eUICC than before" 20 "the other card to be read"
# The poll fails (for the lost answer, or else for the other card), and the next try is on the backoff (1..4 s).
wait_for_log "Poll failed: .*; next try in [0-4] s$" 20 "the poll to fail for the other card"
daemon_alive || fail "euiccd is gone"
stop_daemon
echo "REFRESH session reset, module gone and back at another path, answer lost with the module: nothing lost;"
echo "a module back with another card: read as such"

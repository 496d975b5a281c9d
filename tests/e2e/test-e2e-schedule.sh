#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# The poll schedule of the long-running daemon: with Interval=2s and Jitter=1s it polls by itself every 2 to 3 s
# (announced, persisted and real gaps); the next poll time survives a restart: with PollOnStart=false a
# restarted daemon polls at the saved time, not at start and not an Interval later; a saved time in the past,
# or one further out than the policy allows (a clock that went back), means "poll now".
. "${top_srcdir:-$(dirname "$0")/../..}/tests/e2e/e2e-lib.sh"

start_all
write_config "[Eim]" "Binding=$binding" "[Poll]" "Interval=2s" "Jitter=1s"

exchange_began() {
  line=$(grep -m 1 'euiccd-net: exchange with .* begins$' "$work/poll.log") || fail "no exchange in the poll"
  log_time "$line"
}

# check_next WHAT: the announced and persisted next poll lie within Interval .. Interval + Jitter (2 .. 3 s).
check_next() {
  [ "$NEXT_S" -ge 2 ] && [ "$NEXT_S" -le 3 ] || fail "$1: next poll in $NEXT_S s, outside Interval=2s + Jitter=1s"
  gap=$(( $(schedule_field NextPollAt) - $(schedule_field LastPollAt) ))
  [ "$gap" -ge 2000000 ] && [ "$gap" -le 3000000 ] || fail "$1: schedule file has the next poll $gap us after the last"
}

start_daemon
wait_poll_end "the poll on start" || { cat "$work/poll.log" >&2; fail "the poll on start failed"; }
check_next "the poll on start"
gaps=""
for n in 1 2 3; do
  ended=$(log_time "$LOG_LINE")
  announced=$NEXT_S
  wait_poll_end "timed poll $n" || { cat "$work/poll.log" >&2; fail "timed poll $n failed"; }
  began=$(exchange_began)
  # Not before the announced delay (less the moment between deciding and logging), at most a second after
  # it plus slack for a loaded machine.
  seconds_between "$ended" "$began" "$(awk -v n="$announced" 'BEGIN { print n - 0.25 }')" "$((announced + 3))" ||
    fail "timed poll $n began $(awk -v a="$ended" -v b="$began" 'BEGIN { print b - a }') s after the last, announced $announced s"
  [ "$(stat_field apdus)" = 0 ] || fail "timed poll $n read the eUICC though nothing changed"
  check_next "timed poll $n"
  gaps="$gaps $(awk -v a="$ended" -v b="$began" 'BEGIN { printf "%.2f", b - a }')"
done

# Stopped with a poll due in 2 to 3 s: restarted with PollOnStart=false (and a 1h Interval now), it polls
# at that saved time, not at start.
stop_daemon
saved=$(schedule_field NextPollAt)
write_config "[Eim]" "Binding=$binding" "[Poll]" "PollOnStart=false"
start_daemon
wait_poll_end "the saved poll after the restart" || { cat "$work/poll.log" >&2; fail "the saved poll failed"; }
began=$(exchange_began)
seconds_between "$(awk -v t="$saved" 'BEGIN { printf "%.6f", t / 1e6 }')" "$began" -0.01 3 ||
  fail "the restarted daemon polled at $began, the saved time was $saved us"
[ "$NEXT_S" -ge 3599 ] && [ "$NEXT_S" -le 3600 ] || fail "next poll in $NEXT_S s after the restart, expected the new Interval"

# Now the saved poll is an hour away: a restart does not poll (2 s watched), the saved time stays.
stop_daemon
saved=$(schedule_field NextPollAt)
polls_before=$(grep -c 'poll cost:' "$daemon_log")
start_daemon
sleep 2
[ "$(grep -c 'poll cost:' "$daemon_log")" = "$polls_before" ] || { tail -n 20 "$daemon_log" >&2; fail "PollOnStart=false, yet the restarted daemon polled"; }
[ "$(schedule_field NextPollAt)" = "$saved" ] || fail "the restart moved the saved poll time"
check_eim 'import time; assert polls and polls[-1]["time"] < time.time() - 1.5, "the eIM saw a poll"' "no poll at start"

# A saved time in the past: poll at once, PollOnStart=false or not.
stop_daemon
sed -i "s/^NextPollAt=.*/NextPollAt=$(( $(date +%s) * 1000000 - 60000000 ))/" "$statedir/schedule"
start_daemon
started=$(log_time "$LOG_LINE")
wait_poll_end "the overdue poll" 10 || { cat "$work/poll.log" >&2; fail "the overdue poll failed"; }
seconds_between "$started" "$(exchange_began)" 0 2 || fail "the overdue poll did not come at once"

# A saved time ten days ahead cannot come from this policy (Interval 1h, BackoffMax 4s): the clock went back
# or the policy changed; waiting would park the device, so it polls at once too.
stop_daemon
sed -i "s/^NextPollAt=.*/NextPollAt=$(( ($(date +%s) + 864000) * 1000000 ))/" "$statedir/schedule"
start_daemon
started=$(log_time "$LOG_LINE")
wait_poll_end "the poll after an impossible saved time" 10 || { cat "$work/poll.log" >&2; fail "that poll failed"; }
seconds_between "$started" "$(exchange_began)" 0 2 || fail "a saved time ten days ahead was waited for"
stop_daemon
echo "schedule over the $binding binding: timed polls after$gaps s; the saved next poll survives restarts"

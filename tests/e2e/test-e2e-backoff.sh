#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# The long-running daemon against an eIM that fails: exponential backoff with full jitter from BackoffInitial=1s
# up to BackoffMax=4s (announced delays and the real gaps between attempts), the failure count and message
# persisted, recovery to the normal Interval once the eIM works again; a Retry-After from a 503 is honoured
# (delta seconds and HTTP-date), capped at BackoffMax; SIGUSR1 polls at once even while backing off.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/e2e/e2e-lib.sh"

start_all

# exchange_began: the time the last poll began talking to the eIM (its first "exchange ... begins" line).
exchange_began() {
  line=$(grep -m 1 'euiccd-net: exchange with .* begins$' "$work/poll.log") || fail "no exchange in the poll"
  log_time "$line"
}

# after FAILED_AT NEXT_S: the poll just ended began NEXT_S .. NEXT_S + 1 s after the failure logged at
# FAILED_AT, never earlier than announced. Slack: the failure is logged a little after the time the delay
# counts from (the schedule is saved in between), and a loaded machine may start the poll late.
after() {
  began=$(exchange_began)
  seconds_between "$1" "$began" "$(awk -v n="$2" "BEGIN { print n - 0.25 }")" "$(($2 + 3))" ||
    fail "the poll began $(awk -v a="$1" -v b="$began" 'BEGIN { print b - a }') s after the failure, announced $2 s"
}

eim_faults '{"kind": "http-status", "status": 503, "count": -1, "function": "getEimPackage"}'
start_daemon
# attempt k waits uniform(0, min(4 s, 1 s * 2^k)), at least 1 s.
prev=""
nexts=""
for k in 0 1 2 3 4; do
  if wait_poll_end "attempt $k"; then
    fail "attempt $k succeeded against a 503"
  fi
  case $LOG_LINE in
    *"Poll failed: eIM eim-test: ESipa getEimPackage at https://$EIM_FQDN: HTTP 503"*) ;;
    *) fail "attempt $k: the failure does not name the eIM, the function and the status: $LOG_LINE" ;;
  esac
  bound=$((1 << k))
  [ "$bound" -le 4 ] || bound=4
  [ "$NEXT_S" -ge 1 ] && [ "$NEXT_S" -le "$bound" ] || fail "attempt $k: next try in $NEXT_S s, expected 1 .. $bound s"
  [ -z "$prev" ] || after "$prev" "$prev_next"
  prev=$(log_time "$LOG_LINE")
  prev_next=$NEXT_S
  nexts="$nexts $NEXT_S"
done
# Read before the next attempt can end (at least 1 s away): the count and the reason are on disk.
[ "$(schedule_field Failures)" -ge 5 ] || fail "schedule file counts $(schedule_field Failures) failures after 5"
schedule_field LastError | grep -q "eIM eim-test: .*HTTP 503" || fail "schedule file LastError: $(schedule_field LastError)"
kill -0 "$DAEMON_PID" || fail "euiccd stopped after failures"

# The eIM recovers: the next attempt succeeds without a signal and polling returns to the Interval (1h, no
# jitter), first through a recovery phase: Interval/2 + uniform(0, Interval), so that a fleet that failed
# together does not keep polling in step.
eim_faults
wait_poll_end "the attempt after the eIM recovered" || { cat "$work/poll.log" >&2; fail "no recovery"; }
after "$prev" "$prev_next"
[ "$NEXT_S" -ge 1799 ] && [ "$NEXT_S" -le 5400 ] ||
  fail "after recovery the next poll is in $NEXT_S s, outside the recovery window 1800 .. 5400 s"
[ "$(schedule_field Failures)" = 0 ] || fail "schedule file still counts failures after a success"
[ -z "$(schedule_field LastError)" ] || fail "schedule file keeps LastError after a success"

# Retry-After: 3 (delta seconds) is honoured: the next try is 3 s away, not the 1 s backoff.
eim_faults '{"kind": "http-status", "status": 503, "retry_after": 3, "function": "getEimPackage"}'
expect_daemon_poll_fails "the poll answered 503 with Retry-After: 3"
[ "$NEXT_S" = 3 ] || fail "Retry-After: 3 gave a next try in $NEXT_S s"
failed_at=$(log_time "$LOG_LINE")
wait_poll_end "the try after Retry-After" || { cat "$work/poll.log" >&2; fail "the try after Retry-After failed"; }
after "$failed_at" 3

# Retry-After as an HTTP-date, 3 s ahead (whole seconds: 2 or 3 s from now).
date=$(LC_ALL=C date -u -d '+3 seconds' '+%a, %d %b %Y %H:%M:%S GMT')
eim_faults '{"kind": "http-status", "status": 503, "retry_after": "'"$date"'", "function": "getEimPackage"}'
expect_daemon_poll_fails "the poll answered 503 with Retry-After: $date"
[ "$NEXT_S" -ge 1 ] && [ "$NEXT_S" -le 3 ] || fail "Retry-After: $date gave a next try in $NEXT_S s"
date_next=$NEXT_S
failed_at=$(log_time "$LOG_LINE")
wait_poll_end "the try after the Retry-After date" || { cat "$work/poll.log" >&2; fail "the try after Retry-After failed"; }
after "$failed_at" "$date_next"

# A Retry-After beyond BackoffMax cannot park the device: 600 s becomes 4 s. SIGUSR1 still polls at once.
eim_faults '{"kind": "http-status", "status": 503, "retry_after": 600, "function": "getEimPackage"}'
expect_daemon_poll_fails "the poll answered 503 with Retry-After: 600"
[ "$NEXT_S" = 4 ] || fail "Retry-After: 600 gave a next try in $NEXT_S s, expected BackoffMax (4 s)"
next_at=$(schedule_field NextPollAt)
last_at=$(schedule_field LastPollAt)
[ $((next_at - last_at)) = 4000000 ] || fail "schedule file: next poll $((next_at - last_at)) us after the last, expected 4 s"
expect_daemon_poll_ok "SIGUSR1 during the backoff"
# Each failed poll was one request answered 503 at the eIM: no hidden retries inside a poll.
failed=$(grep -c 'euiccd: Poll failed: ' "$daemon_log")
eim_get /admin/log >"$work/eim-log.json"
"$PY" -c 'import json, sys
n = sum(1 for x in json.load(open(sys.argv[1])) if x["function"] == "getEimPackage" and x["status"] == 503)
assert n == int(sys.argv[2]), "the eIM answered %d requests with 503, the daemon logged %s failed polls" % (n, sys.argv[2])' \
  "$work/eim-log.json" "$failed" || fail "requests and failures do not match"
[ "$failed" = 8 ] || fail "$failed failed polls logged, expected 8"
echo "backoff over the $binding binding: next tries$nexts s, Retry-After honoured and capped"

#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Bad input from disk and configuration: damaged state files (the poll schedule, the per-eIM state change
# flags, an outbox entry, a history line) are each reported with a message naming the file and what is wrong;
# euiccd keeps running, polls (a damaged schedule means "poll now", even with PollOnStart=false), runs a
# package and writes the files afresh. A configuration with a bad value is refused naming the file and key.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/e2e/e2e-lib.sh"

P3=89000123456789000023
start_all
write_config "[Eim]" "Binding=$binding" "[Poll]" "PollOnStart=false"

# A first life: the state directory gets its files (schedule, eim-flags, history of a package).
start_daemon
queue --psmo list
expect_daemon_poll_ok "the first poll"
stop_daemon
for f in schedule eim-flags history; do
  [ -f "$statedir/$f" ] || fail "no $f in the state directory after a poll"
done

# Damage them: the schedule with a number that is not one, eim-flags not a key file at all, a history line that
# is not JSON, an outbox entry of junk and a file in the outbox named like no entry.
printf '[Schedule]\nNextPollAt=soon\nFailures=0\n' >"$statedir/schedule"
printf '\001\377 flags\nnot a key file\n' >"$statedir/eim-flags"
printf '{"time": 1, "operation": \n' >>"$statedir/history"
history_lines=$(wc -l <"$statedir/history")
printf 'junk, not an outbox entry, long enough to be read as one and checked\n' >"$statedir/outbox/tx-0011223344556677.msg"
printf 'x\n' >"$statedir/outbox/stray.txt"

start_daemon
# The schedule: named, and the daemon polls at once although PollOnStart=false and the damaged file said nothing
# usable about when.
grep -E -q "The saved poll schedule $statedir/schedule is damaged \(schedule state: \[Schedule\] NextPollAt: .*\): polling now" "$daemon_log" ||
  { tail -n 30 "$daemon_log" >&2; fail "no message naming the damaged schedule and its key"; }
grep -q "$statedir/eim-flags is damaged (" "$daemon_log" || fail "no message naming the damaged eim-flags"
grep -q "history: $statedir/history line $history_lines: .*; skipped" "$daemon_log" ||
  fail "no message naming the damaged history line"
wait_poll_end "the poll after the damage" 20 || { cat "$work/poll.log" >&2; fail "the poll after the damage failed"; }
grep -q "outbox: $statedir/outbox/tx-0011223344556677.msg: .*; moved to $statedir/corrupt/" "$work/poll.log" ||
  fail "no message naming the damaged outbox entry and where it went"
grep -q "outbox: $statedir/outbox/stray.txt: not named <eIM>.<key>.msg; moved to " "$work/poll.log" ||
  fail "no message naming the stray outbox file"
[ -z "$(outbox_files)" ] || fail "the outbox still holds $(outbox_files)"
ls "$statedir/corrupt" | grep -q 'tx-0011223344556677.msg' || fail "the damaged outbox entry was not kept aside"

# Still working: a package runs and is reported; the files are whole again.
queue --psmo "enable:$P3"
expect_daemon_poll_ok "a package after the damage"
check_result 'assert codes(res) == [("enableResult", 0)], codes(res); assert p["'$P3'"]["state"] == "enabled"'
schedule_field NextPollAt | grep -q '^[0-9][0-9]*$' || fail "the schedule was not written afresh"
tail -n 1 "$statedir/history" | "$PY" -c 'import json, sys; e = json.loads(sys.stdin.read()); assert e["operation"] == "psmo:enable", e' ||
  fail "the history does not end with the package"
kill -0 "$DAEMON_PID" || fail "euiccd is gone"
stop_daemon

# A bad configuration value: refused at start with the file, the group and the key named.
mkdir -p "$work/conf.d"
printf '[Poll]\nInterval=every now and then\n' >"$work/conf.d/50-bad.conf"
status=0
"$euiccd" --config "$conf" --config-dir "$work/conf.d" --bus none >"$work/bad.log" 2>&1 || status=$?
[ "$status" != 0 ] || fail "euiccd started with Interval=every now and then"
grep -q "50-bad.conf.*\[Poll\] Interval" "$work/bad.log" || { cat "$work/bad.log" >&2; fail "the bad value is not named"; }
rm -f "$work/conf.d/50-bad.conf"
echo "damaged state files named and set aside or rewritten; euiccd kept polling"

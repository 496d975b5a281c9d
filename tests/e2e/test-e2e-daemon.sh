#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# euiccd as a long-running service between the software eUICC (fake QMI modem) and the test eIM: it polls on
# start; an idle poll costs no APDU, one HTTPS request on one resumed TLS connection (the eIM's own counts
# agree); a package exchange stays on one connection; after a package the next poll reads from the card only
# what it must (a result the eIM did not acknowledge, an eIM list an eCO changed); SIGHUP re-reads the card;
# Interval and Jitter bound the announced and persisted next poll; between polls the process uses no CPU and
# makes no system call; SIGTERM stops it cleanly.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/e2e/e2e-lib.sh"

P3=89000123456789000023   # disabled, test profile
start_all
write_config "[Eim]" "Binding=$binding" "[Poll]" "Interval=1h" "Jitter=30m"

# check_next: the announced delay and the persisted schedule lie within Interval .. Interval + Jitter.
nexts=""
check_next() {
  [ "$NEXT_S" -ge 3599 ] && [ "$NEXT_S" -le 5400 ] || fail "$1: next poll in $NEXT_S s, outside Interval=1h + Jitter=30m"
  gap=$(( $(schedule_field NextPollAt) - $(schedule_field LastPollAt) ))
  [ "$gap" -ge 3600000000 ] && [ "$gap" -le 5400000000 ] ||
    fail "$1: schedule file says the next poll comes $gap us after the last, outside 1h .. 1h30m"
  [ "$(schedule_field Failures)" = 0 ] || fail "$1: schedule counts failures after a success"
  nexts="$nexts $NEXT_S"
}

# expect_cost FIELD=VALUE...: the last poll's cost line.
expect_cost() {
  for kv in "$@"; do
    got=$(stat_field "${kv%%=*}")
    [ "$got" = "${kv#*=}" ] || { grep 'poll cost' "$work/poll.log" >&2; fail "$what: ${kv%%=*}=$got, expected ${kv#*=}"; }
  done
}

start_daemon
what="the poll on start"
wait_poll_end "$what" || { cat "$work/poll.log" >&2; fail "$what failed"; }
[ "$(stat_field apdus)" -gt 0 ] && [ "$(stat_field channel_opens)" = 1 ] || fail "$what did not read the eUICC"
check_eim 'assert len([x for x in r if x["function"] == "handleNotification"]) == 3, len(r); assert s["notifications"] == []' "$what"
check_next "$what"

# Nothing changed: no APDU, no channel, one request on one connection whose TLS session is resumed; the eIM
# counts the same.
check_eim 'open(sys.argv[3] + ".before", "w").write(json.dumps(stats))'
what="the idle poll"
expect_daemon_poll_ok "$what"
expect_cost apdus=0 channel_opens=0 http_requests=1 connections=1 tls_resumed=1
check_next "$what"
check_eim 'b = json.load(open(sys.argv[3] + ".before"))
assert stats["connections"] == b["connections"] + 1, "connections %d -> %d" % (b["connections"], stats["connections"])
assert stats["handshakes_full"] == b["handshakes_full"], "a full TLS handshake"
assert stats["handshakes_resumed"] == b["handshakes_resumed"] + 1, "no resumed TLS handshake"
c = stats["per_connection"][-1]
assert c["tls"] == "resumed" and c["requests"] == 1, c' "$what: the eIM's counts"

# A package exchange (GetEimPackage, ProvideEimPackageResult, GetEimPackage) is one connection.
queue --psmo "enable:$P3" --psmo list
what="the package poll"
expect_daemon_poll_ok "$what"
# Two channel opens: the enable ends with 91xx (REFRESH), so the session is reopened before the next read.
expect_cost http_requests=3 connections=1 tls_resumed=1 channel_opens=2
check_next "$what"
check_eim 'res = mine[-1]; assert codes(res)[0] == ("enableResult", 0), codes(res)
assert p["'$P3'"]["state"] == "enabled"
c = stats["per_connection"][-1]
assert c["tls"] == "resumed" and c["requests"] == 3, c' "$what"
# Everything was acknowledged and removed: the next poll has nothing to read from the card.
what="the poll after the package"
expect_daemon_poll_ok "$what"
expect_cost apdus=0 channel_opens=0 http_requests=1
check_next "$what"

# The eIM takes a result without acknowledging it: the eUICC keeps it, so the next poll must read the card
# and deliver it again (HandleNotification), the eIM flags the repeat; the poll after reads nothing.
eim_faults '{"kind": "no-ack"}'
queue --psmo "disable:$P3"
what="the unacknowledged package"
expect_daemon_poll_ok "$what"
check_eim 'assert len(mine) == 1 and mine[0]["acknowledged"] == [] and codes(mine[0]) == [("disableResult", 0)], mine
assert len(s["package_results"]) == 1, s["package_results"]' "$what"
what="the poll after the unacknowledged result"
expect_daemon_poll_ok "$what"
[ "$(stat_field apdus)" -gt 0 ] && [ "$(stat_field channel_opens)" = 1 ] || fail "$what did not read the eUICC"
grep -q 'eIM eim-test accepted eUICC package result [0-9]*$' "$work/poll.log" || fail "$what did not deliver the kept result"
check_eim 'assert [x["function"] for x in mine] == ["provideEimPackageResult", "handleNotification"], mine
assert mine[1]["duplicate"] is True and mine[1]["package_result"]["seqNumber"] == mine[0]["package_result"]["seqNumber"]
assert s["package_results"] == [] and s["notifications"] == [], (s["package_results"], s["notifications"])' "$what"
what="the poll after the redelivery"
expect_daemon_poll_ok "$what"
expect_cost apdus=0 channel_opens=0 http_requests=1
check_next "$what"

# An eCO changed the eUICC's eIM list: the next poll reads it again (and sees the new eIM serves no
# retrieval and has no address, so it cannot be polled); the poll after that reads nothing.
queue --eco "addEim:eimId=eim-inject,counter=1,protocol=injectHttps"
what="the addEim package"
expect_daemon_poll_ok "$what"
check_eim 'assert codes(mine[-1]) == [("addEimResult", 0)], codes(mine[-1]); assert len(s["eims"]) == 2' "$what"
what="the poll after the eIM list changed"
expect_daemon_poll_ok "$what"
[ "$(stat_field apdus)" -gt 0 ] || fail "$what did not read the eUICC"
grep -q 'with 2 eIM configuration(s)' "$work/poll.log" || fail "$what did not read the new eIM list"
grep -q 'eIM eim-inject offers no retrieval over HTTPS and has no address: not polled' "$work/poll.log" || fail "$what: eim-inject"
expect_cost http_requests=1
what="the poll after that"
expect_daemon_poll_ok "$what"
expect_cost apdus=0 channel_opens=0 http_requests=1
check_next "$what"

# SIGHUP: the card is read again (EID, eIMs, whatever it holds), then the poll runs.
kill -HUP "$DAEMON_PID"
wait_for_log 'SIGHUP: reading the eUICC again and polling$' 20 "euiccd to take SIGHUP"
what="the SIGHUP poll"
wait_poll_end "$what" || { cat "$work/poll.log" >&2; fail "$what failed"; }
[ "$(stat_field apdus)" -gt 0 ] && [ "$(stat_field channel_opens)" = 1 ] || fail "$what did not read the eUICC"
grep -q 'with 2 eIM configuration(s)' "$work/poll.log" || fail "$what did not read the eIM list"
check_next "$what"

# Jitter is drawn anew each time (seven draws from 1801 s all equal: one in 10^19).
[ "$(echo $nexts | tr ' ' '\n' | sort -u | wc -l)" -ge 2 ] || fail "the next poll delays$nexts never vary with Jitter=30m"

# Between polls nothing ticks: no CPU time over 3 s of idling, and (where strace may attach) no system call.
# The window opens a second after the poll's last log line, once the poll's own tail (history, schedule
# file, timer) is surely done.
sleep 1
t0=$(cpu_ticks "$DAEMON_PID")
sleep 3
t1=$(cpu_ticks "$DAEMON_PID")
[ "$t1" = "$t0" ] || fail "idle euiccd used $((t1 - t0)) clock ticks of CPU in 3 s"
if command -v strace >/dev/null 2>&1 && timeout 5 strace -o /dev/null true 2>/dev/null; then
  timeout -s INT 2 strace -f -c -q -o "$work/strace.txt" -p "$DAEMON_PID" 2>/dev/null || true
  # Attaching interrupts the threads' blocking waits, which may then be entered again once (restart_syscall or
  # the wait itself). Anything else, or more of it, is a wake-up.
  threads=$(ls "/proc/$DAEMON_PID/task" | wc -l)
  "$PY" - "$work/strace.txt" "$threads" >"$work/syscalls" <<'PYEOF' || { cat "$work/strace.txt" >&2; fail "idle euiccd made system calls"; }
import re, sys
calls = {}
for line in open(sys.argv[1]):
    m = re.match(r"\s*[\d.]+\s+[\d.]+\s+\d+\s+(\d+)(?:\s+\d+)?\s+(\w+)\s*$", line)
    if m and m.group(2) != "total":
        calls[m.group(2)] = int(m.group(1))
threads = int(sys.argv[2])
waits = ("restart_syscall", "poll", "ppoll", "futex", "epoll_wait", "select", "pselect6")
extra = {k: v for k, v in calls.items() if k not in waits}
assert not extra, "system calls while idle: %s" % extra
assert sum(calls.values()) <= 2 * threads, "%d waits by %d threads in 2 s: %s" % (sum(calls.values()), threads, calls)
print(sum(calls.values()))
PYEOF
  echo "idle for 3 s: no CPU time; $(cat "$work/syscalls") system calls in 2 s under strace ($threads threads)"
fi
kill -0 "$DAEMON_PID" || fail "euiccd is gone"

stop_daemon
grep -q 'euiccd: Stopping$' "$daemon_log" || fail "no 'Stopping' line after SIGTERM"
echo "long-running euiccd over the $binding binding: idle polls cost 0 APDUs and 1 resumed request; next polls$nexts s"

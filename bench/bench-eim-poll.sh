#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# The eIM loop, measured: the long-running euiccd against the test eIM, every byte through the tcp-meter relay
# (raw TCP, TLS included), polls triggered with SIGUSR1. Per poll: APDUs, HTTP requests, TCP connections, TLS
# handshakes full/resumed (the eIM's /admin/stats), TCP payload bytes both ways (the relay), frames and frame
# bytes both ways (the relay's capture on lo, as root: every segment with its link, IP and TCP headers,
# retransmissions included and also shown apart; "-" without CAP_NET_RAW, or when the capture dropped a
# packet), bytes at the HTTP layer (the daemon's
# `poll cost:` line), CPU time (/proc/PID/stat), wake-ups (context switches of all the
# daemon's threads), RSS and peak RSS (VmRSS, VmHWM), PSS and private clean/dirty pages (smaps_rollup); after
# the last poll, the resident pages by library (eim-poll-probe.py maps); with valgrind, the heap peak (massif).
#
#   make bench                                   (or: top_srcdir=... top_builddir=... sh bench/bench-eim-poll.sh)
#   BENCH_RUNS=3 BENCH_IDLE_POLLS=10 BENCH_QUIET_S=5 BENCH_BINDING=asn1 BENCH_MASSIF=auto|yes|no
#   BENCH_ENV="GLIBC_TUNABLES=glibc.malloc.arena_max=1"   (environment given to the daemon, to try settings)
#   BENCH_BUS=none|session                        (D-Bus API: none, or on a private session bus)
#   BENCH_CONF="[Eim] UseSystemCa=no"             (configuration lines added for the daemon)
#   BENCH_TRANSPORT=qmi|at                        (the fake modem the card is behind)
#
# Scenario: the daemon's first start delivers the card's three pending notifications; then BENCH_RUNS times:
# restart (the saved schedule holds the next poll an hour away, so none runs at start), a cold poll (the card
# is read, TLS is full), BENCH_IDLE_POLLS idle polls (nothing queued), a quiet window of BENCH_QUIET_S seconds
# with no poll (wake-ups), a one-PSMO exchange (enable), the poll after it, stop. Figures are medians over all
# samples of a kind. With valgrind installed (BENCH_MASSIF=auto) one more run goes under massif for the heap.
. "${top_srcdir:-$(dirname "$0")/..}/tests/e2e/e2e-lib.sh"

runs=${BENCH_RUNS:-3}
idle_polls=${BENCH_IDLE_POLLS:-10}
quiet_s=${BENCH_QUIET_S:-5}
binding=${BENCH_BINDING:-asn1}
massif=${BENCH_MASSIF:-auto}
probe() {
  "$PY" "$srcdir/bench/eim-poll-probe.py" "$@"
}
samples=$work/samples.jsonl
meter_json=$work/meter.json
P1=89000123456789012358   # enabled at the start
P3=89000123456789000023   # disabled at the start

start_eim --binding both
admin=$(eimctl info | "$PY" -c 'import json,sys; print(json.load(sys.stdin)["admin_url"])')

# The relay in front of the eIM; the card's eIM address is the relay's, so the daemon's own configuration
# names no address (the certificate is for 127.0.0.1, which both share).
"$PY" "$peers/tcp-meter.py" --listen 127.0.0.1:0 --to "$EIM_FQDN" --stats "$meter_json" --frames \
  >"$work/meter.out" 2>"$work/meter.err" &
started_pids="$started_pids $!"
for _ in $(seq 200); do
  grep -q '^ready ' "$work/meter.out" 2>/dev/null && break
  sleep 0.05
done
grep -q '^ready ' "$work/meter.out" || { cat "$work/meter.err" >&2; fail "tcp-meter did not start"; }
EIM_FQDN=127.0.0.1:$(sed -n 's/^ready //p' "$work/meter.out")

setup_card
# BENCH_TRANSPORT=at: the card behind the fake AT modem instead of the fake QMI one.
if [ "${BENCH_TRANSPORT:-qmi}" = at ]; then
  start_fake fake-at-modem.py --state "$state"
  DEVICE="at:$FAKE_PTY"
else
  start_modem
fi
# A program just built has dirty pages in the page cache, which smaps counts as the process's private dirty.
sync
# Info level: what a deployment logs (debug would log every APDU and ESipa message).
# BENCH_CONF: more configuration lines (words), e.g. "[Eim] UseSystemCa=no".
# shellcheck disable=SC2086 # BENCH_CONF is a list of lines
write_config "[Eim]" "Binding=$binding" "[Poll]" "PollOnStart=no" "[Daemon]" "LogLevel=info" ${BENCH_CONF:-}

DAEMON_PID=""
daemon_log=""

# D-Bus: none by default (no bus is needed to poll); BENCH_BUS=session serves the API on a private bus of
# its own, to see what D-Bus adds.
bus_option=""
if "$euiccd" --help 2>/dev/null | grep -q -- '--bus='; then
  bus_option="--bus ${BENCH_BUS:-none}"
  if [ "${BENCH_BUS:-none}" = session ]; then
    command -v dbus-daemon >/dev/null 2>&1 || skip "BENCH_BUS=session needs dbus-daemon"
    dbus-daemon --session --nofork --print-address=1 >"$work/bus.out" 2>"$work/bus.err" &
    started_pids="$started_pids $!"
    for _ in $(seq 100); do
      [ -s "$work/bus.out" ] && break
      sleep 0.05
    done
    DBUS_SESSION_BUS_ADDRESS=$(head -n 1 "$work/bus.out")
    [ -n "$DBUS_SESSION_BUS_ADDRESS" ] || { cat "$work/bus.err" >&2; fail "dbus-daemon did not start"; }
    export DBUS_SESSION_BUS_ADDRESS
  fi
fi

# start_daemon LOG [wrapper...]: the long-running daemon (not --once); waits for its start line.
start_daemon() {
  daemon_log=$1
  shift
  # shellcheck disable=SC2086 # BENCH_ENV is a list of NAME=VALUE words
  env ${BENCH_ENV:-} "$@" "$euiccd" --config "$conf" --config-dir "$work/conf.d" $bus_option >"$daemon_log" 2>&1 &
  DAEMON_PID=$!
  started_pids="$DAEMON_PID $started_pids"
  for _ in $(seq 600); do
    grep -q 'euiccd .* started' "$daemon_log" && return 0
    kill -0 "$DAEMON_PID" 2>/dev/null || break
    sleep 0.05
  done
  cat "$daemon_log" >&2
  fail "euiccd did not start"
}

stop_daemon() {
  kill -TERM "$DAEMON_PID"
  status=0
  wait "$DAEMON_PID" || status=$?
  [ "$status" -eq 0 ] || { tail -n 20 "$daemon_log" >&2; fail "euiccd exited with status $status on SIGTERM"; }
}

polls_ended() {
  grep -c -E 'Poll (finished|failed)' "$daemon_log" || true
}

# wait_poll N: until N polls have ended in this daemon's log and the relay has no open connection.
wait_poll() {
  for _ in $(seq 1200); do
    [ "$(polls_ended)" -ge "$1" ] && break
    kill -0 "$DAEMON_PID" 2>/dev/null || { cat "$daemon_log" >&2; fail "euiccd died during poll $1"; }
    sleep 0.05
  done
  [ "$(polls_ended)" -ge "$1" ] || { tail -n 20 "$daemon_log" >&2; fail "poll $1 did not end within 60 s"; }
  if grep -q 'Poll failed' "$daemon_log"; then
    tail -n 20 "$daemon_log" >&2
    fail "a poll failed: the figures would not be those of a working exchange"
  fi
  probe wait-quiet --meter "$meter_json" --timeout 10 || fail "the daemon kept a connection open after poll $1"
}

snapshot() {
  probe snapshot --out "$samples" --label "$1" --pid "${2-$DAEMON_PID}" --meter "$meter_json" --admin "$admin" \
    --log "$daemon_log"
}

# poll LABEL: one SIGUSR1 poll and its snapshot.
poll() {
  n=$(( $(polls_ended) + 1 ))
  kill -USR1 "$DAEMON_PID"
  wait_poll "$n"
  snapshot "$1"
}

# The first start ever: the card's three pending notifications go to the eIM.
snapshot - 0
start_daemon "$work/daemon-first.log"
wait_poll 1
snapshot "start + first poll (3 notifications)"
stop_daemon

for run in $(seq "$runs"); do
  start_daemon "$work/daemon-$run.log"
  snapshot "after restart, no poll yet"
  [ "$(polls_ended)" -eq 0 ] || fail "the restarted daemon polled at start although its schedule says an hour"
  poll "cold poll (card read, full TLS)"
  for _ in $(seq "$idle_polls"); do
    poll "idle poll"
  done
  snapshot -
  sleep "$quiet_s"
  snapshot "${quiet_s} s between polls"
  if [ $((run % 2)) -eq 1 ]; then profile=$P3; else profile=$P1; fi
  queue --psmo "enable:$profile"
  poll "one-PSMO exchange (enable)"
  check_result 'assert codes(res) == [("enableResult", 0)], codes(res); assert p["'$profile'"]["state"] == "enabled"'
  poll "poll after the PSMO"
  [ "$run" -lt "$runs" ] || probe maps --pid "$DAEMON_PID" >"$work/maps.md"
  stop_daemon
done

echo "## eIM loop, $binding binding: median per poll ($runs runs of $idle_polls idle polls)"
probe report "$samples" --json "${BENCH_JSON:-$work/report.json}"
echo
echo "## what the daemon's resident memory is, after the last poll (kB, /proc/PID/smaps), by library"
cat "$work/maps.md"

if [ "$massif" = auto ]; then
  command -v valgrind >/dev/null 2>&1 && massif=yes || massif=no
fi
if [ "$massif" = yes ]; then
  # Heap only (malloc and friends): what the daemon allocates, without the pages of its shared libraries.
  start_daemon "$work/daemon-massif.log" valgrind --tool=massif --massif-out-file="$work/massif.out"
  poll -
  for _ in 1 2 3; do
    poll -
  done
  queue --psmo "enable:$P3"
  poll -
  queue --psmo "enable:$P1"
  poll -
  stop_daemon
  peak=$("$PY" - "$work/massif.out" <<'PYEOF'
import sys
best = (0, 0)
heap = extra = 0
for line in open(sys.argv[1]):
    key, _, value = line.strip().partition("=")
    if key == "mem_heap_B":
        heap = int(value)
    elif key == "mem_heap_extra_B":
        extra = int(value)
        if heap + extra > sum(best):
            best = (heap, extra)
print("heap peak %d B (requested %d B + allocator overhead %d B)" % (sum(best), best[0], best[1]))
PYEOF
)
  echo
  echo "massif (cold poll, 3 idle polls, 2 PSMO exchanges): $peak"
fi

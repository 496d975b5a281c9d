#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Polls until recovery after each card deviation: euiccd as a service on a private bus (so it reads the profiles
# too) against the software eUICC; for each switch of tests/peers/softeuicc/deviations.py in turn, the switch is
# turned on, a PSMO queued, and the daemon told to read the card afresh (SIGHUP, which polls); then it polls
# (SIGUSR1) until the PSMO's result reaches the eIM. The figure is the number of polls that took, from the
# SIGHUP's (target: 1, i.e. no extra poll), with the deviation warnings that poll logged. Needs root (the bus).
#
#   top_srcdir=/path/to/euiccd top_builddir=/path/to/build sh bench/bench-card-deviations.sh
. "${top_srcdir:-$(dirname "$0")/..}/tests/e2e/e2e-card-lib.sh"

max_polls=${BENCH_MAX_POLLS:-5}
start_all
start_bus
start_daemon --bus system
wait_poll_end "the first poll" || { cat "$work/poll.log" >&2; fail "the first poll failed"; }
target=$P3
other=$P1

printf '| deviation | polls until the PSMO was applied and reported | extra polls | new deviation warnings in that poll |\n'
printf '|---|---|---|---|\n'
for deviation in $("$PY" -c 'import sys; sys.path[:0] = [sys.argv[1] + "/softeuicc", sys.argv[1] + "/lib"]; import deviations; print(" ".join(deviations.NAMES))' \
                   "$peers"); do
  card_set deviations "[\"$deviation\"]"
  queue --psmo "enable:$target"
  kill -HUP "$DAEMON_PID"
  n=1
  ok=""
  while :; do
    wait_poll_end "the poll with $deviation" || true
    warnings=$(grep -c -F "; accepted (warned once per card)" "$work/poll.log" || true)
    [ "$n" -eq 1 ] && first_warnings=$warnings
    if check_eim 'assert len(mine) == 1 and codes(mine[0]) == [("enableResult", 0)], mine' "$deviation" 2>/dev/null; then
      ok=yes
      break
    fi
    [ "$n" -lt "$max_polls" ] || break
    n=$((n + 1))
    kill -USR1 "$DAEMON_PID"
  done
  if [ -n "$ok" ]; then
    printf '| %s | %d | %d | %d |\n' "$deviation" "$n" $((n - 1)) "$first_warnings"
  else
    printf '| %s | not within %d | - | %d |\n' "$deviation" "$max_polls" "$first_warnings"
  fi
  t=$target
  target=$other
  other=$t
done
card_set deviations '[]'
stop_daemon

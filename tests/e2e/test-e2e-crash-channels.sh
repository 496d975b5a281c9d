#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Channels left open by a killed euiccd: the card has 3 logical channels, and a modem (or pcscd, for as long as
# it keeps the card powered) leaves a channel open when the process holding it dies. euiccd is killed with
# SIGKILL many times in a row at random moments (half of them while it holds its channel); the next start must
# still poll, reclaiming the channel it recorded in the state directory. Then a few more kills with the record
# gone each time (a state directory lost or never written): the card runs out of channels, and the next start
# must close the stale ones and retry. E2E_TRANSPORT=mbim|at|pcsc runs it over that transport
# (test-e2e-crash-channels-{mbim,at,pcsc}.sh).
. "${top_srcdir:-$(dirname "$0")/../..}/tests/e2e/e2e-lib.sh"

KILLS=${E2E_CRASH_KILLS:-12}

start_all
expect_poll_ok "first poll"
grep -q "poll cost: apdus=[1-9]" "$work/poll.log" || fail "the first poll sent no APDU"
# The card takes its time over GetEimConfigurationData, so a poll holds its channel long enough to be killed
# holding it (the state's faults are re-read on every command).
set_card_faults() {
  "$PY" - "$state" "$@" <<'PYEOF'
import json, os, sys
path = sys.argv[1]
s = json.load(open(path))
s["faults"] = sys.argv[2:]
json.dump(s, open(path + ".new", "w"))
os.replace(path + ".new", path)
PYEOF
}
set_card_faults slow:BF55:250

# Random moments from a seed printed for reproduction.
seed=${E2E_CRASH_SEED:-$(od -An -N2 -tu2 /dev/urandom | tr -d ' ')}
echo "seed $seed"
rand_ms() { # rand_ms N MAX: the Nth pseudo-random number below MAX
  echo $(( (seed * 1103515245 + $1 * 12345) % 2147483648 / 65536 % $2 ))
}

i=0
killed_holding=0
while [ $i -lt $KILLS ]; do
  log=$work/kill-$i.log
  "$euiccd" --config "$conf" --config-dir "$work/conf.d" --once >"$log" 2>&1 &
  pid=$!
  if [ $((i % 2)) -eq 0 ]; then
    # After the channel is open (the debug line), up to 90 ms later.
    for _ in $(seq 400); do
      grep -q "logical channel [0-9]* open" "$log" 2>/dev/null && break
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.01
    done
    sleep "0.0$(rand_ms $i 10)"
  else
    ms=$(rand_ms $i 700)
    sleep "$((ms / 1000)).$(printf '%03d' $((ms % 1000)))"
  fi
  kill -9 "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  if grep -q "logical channel [0-9]* open" "$log" && ! grep -q "poll cost:" "$log"; then
    killed_holding=$((killed_holding + 1))
  fi
  cat "$log" >>"$work/all-polls.log"
  i=$((i + 1))
done
echo "$KILLS kills, $killed_holding while holding a channel"
[ "$killed_holding" -ge 3 ] || fail "only $killed_holding kills hit a held channel: the card never ran out"

expect_poll_ok "poll after $KILLS kills"
grep -q "poll cost: apdus=[1-9]" "$work/poll.log" || fail "the poll after the kills sent no APDU"
grep -q "Closed logical channel [0-9]*, left open by an earlier euiccd" "$work/all-polls.log" ||
  fail "no recorded channel was ever closed"
[ ! -e "$statedir/card-channel" ] || fail "the channel record outlived a clean poll"

# Without the record: each kill leaves a channel nobody knows of, until the card (3 channels) has none.
i=0
while [ $i -lt 3 ]; do
  log=$work/unrecorded-$i.log
  "$euiccd" --config "$conf" --config-dir "$work/conf.d" --once >"$log" 2>&1 &
  pid=$!
  for _ in $(seq 400); do
    grep -q "ISD-R session on [a-z]* channel [0-9]*, STORE DATA" "$log" 2>/dev/null && break
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.01
  done
  kill -9 "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  grep -q "ISD-R session on [a-z]* channel [0-9]*, STORE DATA" "$log" || { cat "$log" >&2; fail "unrecorded kill $i: no channel was open"; }
  rm -f "$statedir/card-channel"
  cat "$log" >>"$work/all-polls.log"
  i=$((i + 1))
done
set_card_faults
expect_poll_ok "poll with every channel taken"
# The card runs out at the latest in this poll; when channels left over from the first part were still open, it
# ran out already in one of the killed runs, which then closed the stale channels itself. Either way it happens
# in a log of this part, and a poll succeeds after it.
recovery_logs="$work/poll.log $(ls "$work"/unrecorded-*.log)"
# shellcheck disable=SC2086
grep -q "no free logical channel\|MsNoLogicalChannels\|closing channels left open by earlier processes" $recovery_logs ||
  { grep -h "channel" $recovery_logs >&2; fail "the card never ran out of channels"; }
if [ "$e2e_transport" = mbim ]; then
  # MBIM closes every channel of euiccd's channel group in one request.
  # shellcheck disable=SC2086
  grep -q "closing the channels of euiccd's channel group and trying again" $recovery_logs ||
    fail "the channel group was not closed when the card had none free"
else
  # shellcheck disable=SC2086
  grep -q "Closed logical channel [0-9]*, left open by an earlier process" $recovery_logs ||
    fail "no stale channel was closed when the card had none free"
fi
# And again, to be sure the card is not left full by the recovering poll itself.
expect_poll_ok "second poll after the kills"
echo "euiccd polls after $KILLS SIGKILLs over $e2e_transport"

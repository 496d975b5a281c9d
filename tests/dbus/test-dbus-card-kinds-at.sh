#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# A plain UICC behind an AT module: AT+CCHO of the ISD-R AID is refused with a CME error (+CME ERROR: 22, not
# found; 50, incorrect parameters, on the second run), and the SELECT on the basic channel through AT+CSIM
# answers 6A82. euiccd reports it on the bus (CardSupport uicc, CardProblem naming the module's answer and the
# status word) as over QMI (test-dbus-card-kinds.sh), and idles: it looks again at the poll interval, not in a
# storm, and is never restarted. The basic channel is not remembered for it (no ISD-R was reached there). "Not
# found" goes to the basic channel at once, without closing channels to make room.
E2E_TRANSPORT=at
. "${top_srcdir:-$(dirname "$0")/../..}/tests/dbus/dbus-lib.sh"

daemon_log=$work/service.log

manager_property() {
  bctl get-property "$SERVICE" "$MANAGER" org.euiccd.Euiccd1 "$1"
}

# wait_support VALUE: until CardSupport is VALUE.
wait_support() {
  for _ in $(seq 200); do
    [ "$(manager_property CardSupport 2>/dev/null)" = "s \"$1\"" ] && return 0
    sleep 0.05
  done
  tail -n 30 "$daemon_log" >&2
  fail "CardSupport is $(manager_property CardSupport 2>&1), expected $1"
}

start_eim --binding both
setup_card
"$PY" - "$state" <<'PYEOF'
import json, sys
s = json.load(open(sys.argv[1]))
s["card_kind"] = "uicc"
json.dump(s, open(sys.argv[1], "w"))
PYEOF
start_bus
for cme in 22 50; do
  start_modem --verbose --fault "at-ccho-missing-cme:$cme"
  commands=$out.err
  write_config "[Eim]" "Binding=$binding"
  sed -i 's/^Interval=1h$/Interval=2s/; s/^BackoffMax=4s$/BackoffMax=1h/' "$conf"
  printf '[Daemon]\nAdminGroup=%s\n' "$ADMIN_GROUP" >>"$conf"
  # Each run from a fresh state: the failed polls of the last one would lengthen the backoff.
  rm -rf "$statedir"
  : >"$daemon_log"
  start_daemon --bus system
  pid=$DAEMON_PID
  wait_support uicc
  problem=$(manager_property CardProblem)
  echo "CardProblem: $problem"
  printf '%s\n' "$problem" | grep -q "the card has no ISD-R (.*+CME ERROR: $cme.*AT+CSIM answered 6A82.*): a UICC without eSIM" ||
    fail "CardProblem is $problem"
  ctl status >"$work/status.txt" || fail "euiccctl status"
  grep -q "^Card: *uicc: the card has no ISD-R" "$work/status.txt" || { cat "$work/status.txt" >&2; fail "status"; }
  # Looked at again at the 2 s interval: two to four polls in about 5 s, none sooner than the interval (shown
  # once: the second run only shows the other answer reported).
  if [ "$cme" = 22 ]; then
    sleep 5
  else
    for _ in $(seq 100); do
      [ "$(grep -c "Poll failed: .*the card has no ISD-R" "$daemon_log" || true)" -ge 2 ] && break
      sleep 0.05
    done
  fi
  failed=$(grep -c "Poll failed: .*the card has no ISD-R" "$daemon_log" || true)
  [ "$failed" -ge 2 ] && [ "$failed" -le 4 ] ||
    { tail -n 30 "$daemon_log" >&2; fail "$failed polls of the UICC in about 5 s, expected 2 to 4"; }
  grep "Poll failed: .*the card has no ISD-R" "$daemon_log" | grep -q "next try in [01] s$" &&
    { grep "Poll failed: .*the card has no ISD-R" "$daemon_log" >&2; fail "a poll of the UICC was retried before the interval"; }
  [ "$(grep -c "euiccd: The card cannot be managed by euiccd: the card has no ISD-R" "$daemon_log")" -eq 1 ] ||
    fail "the reason was not warned about exactly once"
  ! grep -q "refuses logical channels: its sessions start on the basic channel" "$daemon_log" ||
    fail "the basic channel was remembered for a card without an ISD-R"
  daemon_alive && [ "$DAEMON_PID" = "$pid" ] || fail "euiccd did not stay up with a UICC"
  [ "$(grep -c "euiccd: euiccd .* started (" "$daemon_log")" -eq 1 ] || fail "euiccd was restarted"
  ccho=$(grep -c "<- AT+CCHO=" "$commands" || true)
  cchc=$(grep -c "<- AT+CCHC=" "$commands" || true)
  echo "CME $cme: $failed polls; AT+CCHO sent $ccho times, AT+CCHC $cchc times"
  # "Not found" names the missing application: no channels are closed to make room, one AT+CCHO per poll (the
  # next poll may have begun since the count of failed ones).
  if [ "$cme" = 22 ]; then
    [ "$cchc" -eq 0 ] && [ "$ccho" -ge "$failed" ] && [ "$ccho" -le $((failed + 1)) ] ||
      fail "$ccho AT+CCHO and $cchc AT+CCHC for $failed polls"
  fi
  stop_daemon
  kill "$MODEM_PID"; wait "$MODEM_PID" 2>/dev/null || true
done
echo "PASS: a plain UICC behind an AT module is reported with the module's answer, and the daemon idles"

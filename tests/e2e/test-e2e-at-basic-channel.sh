#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# A module that refuses logical channels (AT+CCHO answers +CME ERROR: 3, then ERROR): euiccd selects the ISD-R
# on the basic channel through AT+CSIM and polls there, a profile switch included (REFRESH, the ISD-R selected
# again). The running daemon remembers it for the device: AT+CCHO is not asked again at every poll, until the
# module goes away. A module that refuses AT+CSIM as well gives an error naming both of its answers, and the
# daemon stays up.
E2E_TRANSPORT=at
. "${top_srcdir:-$(dirname "$0")/../..}/tests/e2e/e2e-lib.sh"

P3=89000123456789000023   # disabled

start_eim --binding both
setup_card
start_modem --fault at-ccho-cme:3
write_config "[Eim]" "Binding=$binding"
expect_poll_ok "poll through AT+CSIM"
grep -q "no logical channel to be had (AT+CCHO: modem answered +CME ERROR: 3): using the basic channel through AT+CSIM" \
  "$work/poll.log" || { cat "$work/poll.log" >&2; fail "the basic channel was not announced"; }
grep -q "at: ch0 > 80E29100" "$work/poll.log" || { cat "$work/poll.log" >&2; fail "no STORE DATA with CLA 80 on the basic channel"; }
! grep -q "AT+CGLA" "$work/poll.log" || fail "AT+CGLA was used"

queue --psmo "enable:$P3"
expect_poll_ok "enable through AT+CSIM"
check_result 'assert codes(res) == [("enableResult", 0)], codes(res)'
check_result 'assert p["'$P3'"]["state"] == "enabled"; assert s["package_results"] == [], s["package_results"]'

# The running daemon remembers that the module refuses logical channels: AT+CCHO is asked (and refused, twice:
# the first refusal may be a card without a free channel) in the first session only, not at every poll.
kill "$MODEM_PID"; wait "$MODEM_PID" 2>/dev/null || true
link=$work/modem-by-id
start_fake fake-at-modem.py --state "$state" --link "$link" --verbose --fault at-ccho-cme:3
MODEM_PID=$FAKE_PID
commands=$out.err
DEVICE="at:$link"
write_config "[Eim]" "Binding=$binding"
start_daemon
wait_poll_end "the start-up poll" || { cat "$work/poll.log" >&2; fail "the start-up poll failed"; }
# An idle poll sends no APDU: each of these has a package for the card.
for n in second third; do
  queue --psmo list
  expect_daemon_poll_ok "the $n poll"
  grep -q "at: ch0 > 80E29100" "$work/poll.log" || { cat "$work/poll.log" >&2; fail "the $n poll did not use the card"; }
  check_result 'assert codes(res) == [("listProfileInfoResult", 0)], codes(res)'
done
ccho=$(grep -c "<- AT+CCHO=" "$commands" || true)
cchc=$(grep -c "<- AT+CCHC=" "$commands" || true)
echo "AT+CCHO over 3 polls: $ccho; AT+CCHC: $cchc"
[ "$ccho" -eq 2 ] || fail "AT+CCHO was sent $ccho times over 3 polls, expected 2 (the first session only)"
[ "$cchc" -le 19 ] || fail "AT+CCHC was sent $cchc times: the stale channels were closed again"
grep -q "The module on at:$link refuses logical channels: its sessions start on the basic channel" "$daemon_log" ||
  fail "the basic channel was not remembered"
# The module goes away (the poll cannot open it) and another one, with logical channels, takes its place: the
# basic channel is forgotten and AT+CCHO asked again.
kill "$MODEM_PID"; wait "$MODEM_PID" 2>/dev/null || true
queue --psmo list
expect_daemon_poll_fails "the poll without the module"
start_fake fake-at-modem.py --state "$state" --link "$link" --verbose
MODEM_PID=$FAKE_PID
expect_daemon_poll_ok "the poll on the other module"
[ "$(grep -c "<- AT+CCHO=" "$out.err" || true)" -ge 1 ] || fail "AT+CCHO was not asked of the other module"
! grep -q "at: ch0 > 80E2" "$work/poll.log" || { cat "$work/poll.log" >&2; fail "the other module was used on the basic channel"; }
daemon_alive || fail "euiccd is gone"
stop_daemon
kill "$MODEM_PID"; wait "$MODEM_PID" 2>/dev/null || true

# Neither logical channels nor AT+CSIM: a clear error, in a poll that fails and a daemon that goes on.
start_modem --fault at-no-ccho --fault at-no-csim
write_config "[Eim]" "Binding=$binding"
start_daemon
wait_poll_end "the poll without a way to the card" && fail "the poll succeeded without a way to the card"
grep -q "the module on [^ ]* offers no way to the eUICC: AT+CCHO: modem answered ERROR, and on the basic channel AT+CSIM: modem answered ERROR" \
  "$work/poll.log" || { cat "$work/poll.log" >&2; fail "the error does not name both answers"; }
daemon_alive || fail "euiccd is gone"
stop_daemon
echo "AT+CSIM on the basic channel where AT+CCHO is refused; a clear error when neither works"

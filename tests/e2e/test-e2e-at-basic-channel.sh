#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# A module that refuses logical channels (AT+CCHO answers +CME ERROR: 3, then ERROR): euiccd selects the ISD-R
# on the basic channel through AT+CSIM and polls there, a profile switch included (REFRESH, the ISD-R selected
# again). A module that refuses AT+CSIM as well gives an error naming both of its answers, and the daemon
# stays up.
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

# Neither logical channels nor AT+CSIM: a clear error, in a poll that fails and a daemon that goes on.
kill "$MODEM_PID"; wait "$MODEM_PID" 2>/dev/null || true
start_modem --fault at-no-ccho --fault at-no-csim
write_config "[Eim]" "Binding=$binding"
start_daemon
wait_poll_end "the poll without a way to the card" && fail "the poll succeeded without a way to the card"
grep -q "the module on [^ ]* offers no way to the eUICC: AT+CCHO: modem answered ERROR, and on the basic channel AT+CSIM: modem answered ERROR" \
  "$work/poll.log" || { cat "$work/poll.log" >&2; fail "the error does not name both answers"; }
daemon_alive || fail "euiccd is gone"
stop_daemon
echo "AT+CSIM on the basic channel where AT+CCHO is refused; a clear error when neither works"

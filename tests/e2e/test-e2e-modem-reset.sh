#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# A module that resets its UIM on its own, in the middle of a poll, with no 91xx and no REFRESH the host could
# see (fake switch silent-reset-after:BF51): the card has executed the package and answered it in full, then the
# module forgets every logical channel, so the next command on the open one gets the module's answer for a
# channel it does not know (QMI InvalidArgument, MBIM MsInvalidLogicalChannel, AT +CME ERROR: 21). euiccd
# reopens the channel, sends that command again (it never reached the card), reads the card again, and the
# result reaches the eIM in that same poll; the next poll finds nothing left over.
# E2E_TRANSPORT=mbim|at runs it over that transport (test-e2e-modem-reset-{mbim,at}.sh).
. "${top_srcdir:-$(dirname "$0")/../..}/tests/e2e/e2e-lib.sh"

[ "$e2e_transport" != pcsc ] || skip "a module's UIM reset is a modem's (QMI, MBIM, AT)"

start_eim --binding both
setup_card
start_modem --fault silent-reset-after:BF51
write_config "[Eim]" "Binding=$binding"
expect_poll_ok "first poll"

queue --psmo list
expect_poll_ok "the poll in which the module resets its UIM"
grep -q "Reopening the ISD-R session on $e2e_transport (.*no longer open on the mod.*)" "$work/poll.log" ||
  grep -q "Reopening the ISD-R session on $e2e_transport (.*MsInvalidLogicalChannel.*)" "$work/poll.log" ||
  { cat "$work/poll.log" >&2; fail "the channel the module forgot was not reopened"; }
# What the daemon saw, for the record.
grep -E "Reopening the ISD-R session|Reading the eUICC|eUICC .* with 1 eIM" "$work/poll.log" | cut -c1-240
reopens=$(grep -c "Reopening the ISD-R session" "$work/poll.log" || true)
echo "reopens in the poll: $reopens"
[ "$reopens" -eq 1 ] || { cat "$work/poll.log" >&2; fail "$reopens reopens, expected 1"; }
# What is behind the module is read again before the poll ends.
sed -n '/Reopening the ISD-R session/,$p' "$work/poll.log" | grep -q "eUICC .* with 1 eIM configuration" ||
  { cat "$work/poll.log" >&2; fail "the card was not read again after the reset"; }
check_result 'assert codes(res) == [("listProfileInfoResult", 0)], codes(res)'
check_result 'mine = [x for x in r if x.get("eimTransactionId") == txid]; assert len(mine) == 1, mine'
check_result 'assert s["package_results"] == [], s["package_results"]'

expect_poll_ok "the poll after"
! grep -q "Reopening the ISD-R session" "$work/poll.log" || { cat "$work/poll.log" >&2; fail "a reopen in the next poll"; }
check_result 'mine = [x for x in r if x.get("eimTransactionId") == txid]; assert len(mine) == 1, mine'
echo "a module resetting its UIM without REFRESH mid-poll: channel reopened, card read again, result delivered once"

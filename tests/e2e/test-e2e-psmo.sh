#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Every SGP.32 v1.2 PSMO end to end: the test eIM signs it, euiccd carries it to the software eUICC behind the
# fake QMI modem, the result comes back signed and verified at the eIM, and the eUICC's state shows the change.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/e2e/e2e-lib.sh"

P1=89000123456789012358   # enabled, operational
P2=89000123456789000015   # disabled, fallback attribute
P3=89000123456789000023   # disabled, test profile
start_all

# The first poll delivers what the card already held (three notifications) and finds nothing queued.
expect_poll_ok "first poll"
check_result 'assert len([x for x in r if x["function"] == "handleNotification"]) == 3, len(r)'
check_result 'assert s["notifications"] == [], s["notifications"]'

queue --psmo "enable:$P3:rollback"
expect_poll_ok "enable with rollback"
check_result 'assert res["package_result"]["signature_valid"] is True; assert codes(res) == [("enableResult", 0)], codes(res)'
check_result 'assert p["'$P3'"]["state"] == "enabled" and p["'$P1'"]["state"] == "disabled"'
# The enable and disable notifications came with the result and were acknowledged, so the card dropped them.
check_result 'assert res["kind"] == "ePRAndNotifications"; assert sorted(n["operation"] for n in res["notifications"]) == ["disable", "enable"]'
check_result 'assert s["notifications"] == [] and s["package_results"] == [], (s["notifications"], s["package_results"])'

queue --psmo "disable:$P3"
expect_poll_ok "disable"
check_result 'assert codes(res) == [("disableResult", 0)]; assert p["'$P3'"]["state"] == "disabled"'

queue --psmo "enable:$P1" --psmo "delete:$P3"
expect_poll_ok "enable + delete"
check_result 'assert codes(res) == [("enableResult", 0), ("deleteResult", 0)], codes(res)'
check_result 'assert "'$P3'" not in p and p["'$P1'"]["state"] == "enabled"'

queue --psmo list
expect_poll_ok "listProfileInfo"
check_result 'lst = res["package_result"]["results"][0]; assert lst["name"] == "listProfileInfoResult" and lst["code"] == 0; assert sorted(x["iccid"] for x in lst["profiles"]) == sorted(p), lst'

queue --psmo getRAT
expect_poll_ok "getRAT"
check_result 'assert [x["name"] for x in res["package_result"]["results"]] == ["getRATResult"], res["package_result"]["results"]'

queue --psmo "immediateEnable:on:address=smdp-ie.example.com"
expect_poll_ok "configureImmediateEnable"
check_result 'assert codes(res) == [("configureImmediateEnableResult", 0)], codes(res); assert s["immediate_enable"], s.get("immediate_enable")'

queue --psmo unsetFallback
expect_poll_ok "unsetFallbackAttribute"
check_result 'assert codes(res) == [("unsetFallbackAttributeResult", 0)], codes(res); assert not p["'$P2'"].get("fallback_attribute")'

queue --psmo "setFallback:$P2"
expect_poll_ok "setFallbackAttribute"
check_result 'assert codes(res) == [("setFallbackAttributeResult", 0)], codes(res); assert p["'$P2'"].get("fallback_attribute")'

queue --psmo "setDefaultDp:smdp2.example.com"
expect_poll_ok "setDefaultDpAddress"
check_result 'assert [x["name"] for x in res["package_result"]["results"]] == ["setDefaultDpAddressResult"]; assert s["default_smdp"] == "smdp2.example.com", s["default_smdp"]'

# A PSMO the card refuses is still a signed result, with the card's code.
queue --psmo "enable:$P1"
expect_poll_ok "enable of the enabled profile"
check_result 'assert codes(res) == [("enableResult", 2)], codes(res)'

# Every package left a line in the history.
[ "$(grep -c '"operation"' "$statedir/history")" -ge 10 ] || { cat "$statedir/history" >&2; fail "history incomplete"; }
grep -q '"operation":"psmo:enable"' "$statedir/history" || grep -q '"operation": *"psmo:enable"' "$statedir/history" || fail "history lacks the enable"
echo "every PSMO applied and reported over the $binding binding"

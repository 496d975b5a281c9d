#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Indirect profile download (SGP.32 3.2.3.2) end to end: the test eIM triggers it and relays every ESipa call to
# the test SM-DP+ (and SM-DS) over ES9+/ES11; euiccd drives the software eUICC, which installs the profile for
# real; the eIM gets the trigger result, the SM-DP+ the signed install notification. Failures cancel the session
# on the eUICC and at the SM-DP+.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/e2e/e2e-lib.sh"
. "$top_srcdir/tests/e2e/e2e-download-lib.sh"

start_download_peers

# An activation code.
smdpctl profile matchingId=MID-ONE,iccid=8944000000000000011 >/dev/null
queue_download "{\"activationCode\": \"1\$$SMDP_ADDRESS\$MID-ONE\"}"
expect_poll_ok "download by activation code"
check_download '
assert res and res["download"]["result"] == "profileInstallationResult", res
inst = res["download"]["installation"]
assert p["8944000000000000011"]["state"] == "disabled", p.keys()
assert [n for n in smdp["notifications"] if n.get("signature_ok")], smdp["notifications"]
assert not [n for n in s["notifications"] if n.get("iccid") == "8944000000000000011"], s["notifications"]
assert not session_left'
grep -q "profileDownload: installed" "$work/poll.log" || fail "no history line for the download"
if grep -q 'MID-ONE' "$work/poll.log"; then fail "the matching ID reached the log"; fi
# The installed profile is one like any other: a PSMO enables it.
queue --psmo "enable:8944000000000000011"
expect_poll_ok "enabling the downloaded profile"
check_download 'assert p["8944000000000000011"]["state"] == "enabled", p["8944000000000000011"]'

# A matching ID the SM-DP+ does not know: refused at AuthenticateClient, the session cancelled on both sides.
queue_download "{\"activationCode\": \"1\$$SMDP_ADDRESS\$NO-SUCH-ID\"}"
expect_poll_ok "download with a wrong matching ID"
check_download '
assert res["download"]["result"] == "profileDownloadError", res
assert len(smdp["cancelled"]) == 1 and smdp["cancelled"][0].get("signature_ok"), smdp["cancelled"]
assert len(p) == 4, p.keys()
assert not session_left'
grep -q "AuthenticateClient: eIM eim-test answered matchingIdRefused (6)" "$work/poll.log" || fail "the refusal is not named"

# contactDefaultSmdp: the eUICC's default SM-DP+, the profile found by EID alone (empty matching ID).
smdpctl profile matchingId=,iccid=8944000000000000029 >/dev/null
queue_download '{"contactDefaultSmdp": true}'
expect_poll_ok "download from the default SM-DP+"
check_download 'assert res["download"]["result"] == "profileInstallationResult", res; assert "8944000000000000029" in p'

# contactSmds without an address: the eUICC's root SM-DS holds an event naming the SM-DP+ and a matching ID.
smdpctl profile matchingId=EVENT-3,iccid=8944000000000000037 >/dev/null
smdpctl --role smds event "eid=$EID,eventId=EVENT-3,address=$SMDP_ADDRESS" >/dev/null
queue_download '{"contactSmds": {}}'
expect_poll_ok "download through an SM-DS event"
check_download '
assert res["download"]["result"] == "profileInstallationResult", res
assert "8944000000000000037" in p
ds = [x for x in relay["log"] if x.get("address") == "'"$SMDS_ADDRESS"'"]
assert [x["function"] for x in ds] == ["initiateAuthentication", "authenticateClient"], ds'

# A confirmation code the eIM holds: it sends hashCc with the AuthenticateClient answer.
smdpctl profile matchingId=CC-4,iccid=8944000000000000045,cc=12345678 >/dev/null
queue_download "{\"activationCode\": \"1\$$SMDP_ADDRESS\$CC-4\$\$1\", \"confirmationCode\": \"12345678\"}"
expect_poll_ok "download with a confirmation code"
check_download 'assert res["download"]["result"] == "profileInstallationResult", res; assert "8944000000000000045" in p'

# The eUICC configured for immediate enabling: the new profile is enabled at once, the others disabled.
queue --psmo "immediateEnable:on"
expect_poll_ok "configure immediate enabling"
smdpctl profile matchingId=IE-5,iccid=8944000000000000136 >/dev/null
queue_download "{\"activationCode\": \"1\$$SMDP_ADDRESS\$IE-5\"}"
expect_poll_ok "download with immediate enabling"
check_download '
assert res["download"]["result"] == "profileInstallationResult", res
assert p["8944000000000000136"]["state"] == "enabled", p["8944000000000000136"]
assert [i for i, x in p.items() if x["state"] == "enabled"] == ["8944000000000000136"], p'
grep -q "immediateEnable: ok" "$work/poll.log" || fail "no history line for the immediate enable"

# An activation code SGP.22 does not allow is refused with the reason, and the eIM is told.
queue_download '{"activationCode": "2$smdp.example.com$X"}'
expect_poll_ok "download with a bad activation code"
check_download 'assert res["download"]["result"] == "profileDownloadError", res'
grep -q "activation code.*AC_Format\|activation code.*format" "$work/poll.log" || { cat "$work/poll.log" >&2; fail "the reason for refusing the activation code is not in the log"; }

[ -n "${E2E_KEEP:-}" ] && cp "$work/all-polls.log" "$E2E_KEEP"
echo "indirect profile download over the $binding binding: installed, refused, cancelled as the servers agree"

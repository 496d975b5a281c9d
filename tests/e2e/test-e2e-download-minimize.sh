#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# The indirect profile download under minimizeEsipaBytes (SGP.32 v1.2): euiccd sends compactDownloadResponseOk,
# compactProfileInstallationResult and compactCancelSessionResponseOk (what they leave out the eIM knows from
# the session), and once the eIM accepted the eUICC's IpaEuiccData (EUICCInfo1, EUICCInfo2, both certificates)
# also leaves euiccInfo1 out of InitiateAuthentication and sends compactAuthenticateResponseOk. The test eIM puts the SGP.22 forms back
# together from what it holds and relays them to the test SM-DP+, which checks the eUICC's signatures: a wrong
# compaction fails the download. Without the feature the same download goes in the full forms.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/e2e/e2e-lib.sh"
. "$top_srcdir/tests/e2e/e2e-download-lib.sh"

MINIMIZE="IpaFeatures=indirectRspServerCommunication;minimizeEsipaBytes"
NO_CI="CiCertificates=$work/no-ci-certificates"
start_download_peers
write_config "[Eim]" "Binding=$binding" "[Download]" "$NO_CI" "[Device]" "$MINIMIZE"

# check_forms FUNCTION=FORM...: the eUICC answers of the last download came to the eIM in these forms.
check_forms() {
  check_download '
want = [tuple(x.split("=")) for x in "'"$*"'".split()]
got = [(x["function"], x["form"]) for x in relay["received"][-len(want):]]
assert got == want, relay["received"]'
}

# Before the eIM holds the eUICC's IpaEuiccData, only what it knows from the session is left out.
smdpctl profile matchingId=MIN-0,iccid=8944000000000000003 >/dev/null
queue_download "{\"activationCode\": \"1\$$SMDP_ADDRESS\$MIN-0\"}"
expect_poll_ok "download, minimized, nothing held"
check_download 'assert res["download"]["result"] == "profileInstallationResult", res'
check_forms initiateAuthentication=full authenticateClient=full getBoundProfilePackage=compact \
  handleNotification=compact

queue --ipa-euicc-data BF20BF22A5A6
expect_poll_ok "IpaEuiccData"
ALL_COMPACT="initiateAuthentication=compact authenticateClient=compact getBoundProfilePackage=compact"
ALL_COMPACT="$ALL_COMPACT handleNotification=compact"

smdpctl profile matchingId=MIN-1,iccid=8944000000000000011 >/dev/null
queue_download "{\"activationCode\": \"1\$$SMDP_ADDRESS\$MIN-1\"}"
expect_poll_ok "download, minimized"
sent_minimized=$(stat_field bytes_sent)
check_download '
assert res["download"]["result"] == "profileInstallationResult", res
assert "8944000000000000011" in p, p.keys()
assert [n for n in smdp["notifications"] if n.get("signature_ok") and n.get("iccid") == "8944000000000000011"], \
    smdp["notifications"]
assert not session_left'
check_forms "$ALL_COMPACT"

# A confirmation code the eIM gave as hashCc: left out of the compact euiccSigned2, put back by the eIM.
smdpctl profile matchingId=MIN-CC,iccid=8944000000000000029,cc=12345678 >/dev/null
queue_download "{\"activationCode\": \"1\$$SMDP_ADDRESS\$MIN-CC\$\$1\", \"confirmationCode\": \"12345678\"}"
expect_poll_ok "download with a confirmation code, minimized"
check_download 'assert res["download"]["result"] == "profileInstallationResult", res; assert "8944000000000000029" in p'
check_forms "$ALL_COMPACT"

# Through an SM-DS event: its AuthenticateClient goes compact too, and the SM-DS checks the signature.
smdpctl profile matchingId=MIN-DS,iccid=8944000000000000045 >/dev/null
smdpctl --role smds event "eid=$EID,eventId=MIN-DS,address=$SMDP_ADDRESS" >/dev/null
queue_download '{"contactSmds": {}}'
expect_poll_ok "download through an SM-DS event, minimized"
check_download 'assert res["download"]["result"] == "profileInstallationResult", res; assert "8944000000000000045" in p'
check_forms initiateAuthentication=compact authenticateClient=compact "$ALL_COMPACT"

# Refused at AuthenticateClient: the session is cancelled with compactCancelSessionResponseOk, whose signature
# the SM-DP+ checks on the rebuilt form.
queue_download "{\"activationCode\": \"1\$$SMDP_ADDRESS\$NO-SUCH-ID\"}"
expect_poll_ok "download with a wrong matching ID, minimized"
check_download '
assert res["download"]["result"] == "profileDownloadError", res
assert len(smdp["cancelled"]) == 1 and smdp["cancelled"][0].get("signature_ok"), smdp["cancelled"]
assert not session_left'
check_forms initiateAuthentication=compact authenticateClient=compact cancelSession=compact

# Without the feature: the full forms, and more bytes up.
write_config "[Eim]" "Binding=$binding" "[Download]" "$NO_CI"
smdpctl profile matchingId=FULL-1,iccid=8944000000000000037 >/dev/null
queue_download "{\"activationCode\": \"1\$$SMDP_ADDRESS\$FULL-1\"}"
expect_poll_ok "download in full"
sent_full=$(stat_field bytes_sent)
check_download 'assert res["download"]["result"] == "profileInstallationResult", res'
check_forms initiateAuthentication=full authenticateClient=full getBoundProfilePackage=full handleNotification=full

[ -n "$sent_minimized" ] && [ -n "$sent_full" ] || fail "no bytes_sent in the --stats line"
[ $((sent_full - sent_minimized)) -gt 1200 ] || fail "HTTP bytes sent: $sent_minimized minimized, $sent_full in full"
echo "indirect download over the $binding binding: $sent_minimized HTTP bytes sent minimized, $sent_full in full"

#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# eCOs, IpaEuiccData, the eUICC's own refusals (bad signature, stale counter, wrong EID), packages euiccd
# cannot use, and download triggers: each gets its answer at the eIM, and the eUICC shows what changed.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/e2e/e2e-lib.sh"

start_all
write_config "[Eim]" "Binding=$binding" "[Device]" "Imei=356938035643809"
expect_poll_ok "first poll"

# --- eCOs
queue --eco "addEim:eimId=eim2,pubkey=own,protocol=injectHttps,token=1"
expect_poll_ok "addEim"
check_result 'assert res["package_result"]["results"][0]["name"] == "addEimResult"; assert [e["eimId"] for e in s["eims"]] == ["eim-test", "eim2"], s["eims"]'
# An eIM that offers no protocol euiccd speaks and has no address cannot be polled, and the log says so.
expect_poll_ok "poll after addEim"
grep -q "eIM eim2 offers no retrieval over HTTPS and has no address: not polled" "$work/poll.log" ||
  fail "eim2 without an address should be skipped, saying so"

# With an address it is polled over HTTPS, the binding every eIM offers, with a warning (once per run).
queue --eco "updateEim:eimId=eim2,fqdn=$EIM_FQDN,protocol=injectHttps"
expect_poll_ok "updateEim"
check_result 'assert [(x["name"], x["code"]) for x in res["package_result"]["results"]] == [("updateEimResult", 0)], res["package_result"]["results"]; assert [e.get("eimFqdn") for e in s["eims"]] == ["'$EIM_FQDN'", "'$EIM_FQDN'"], s["eims"]'
expect_poll_ok "poll after updateEim"
grep -q "eIM eim2 names no protocol euiccd speaks in eimSupportedProtocol (eimInjectHttps, bits 0x4): polled over HTTPS" \
  "$work/poll.log" || { cat "$work/poll.log" >&2; fail "eim2 with an address but no protocol euiccd speaks is not polled with a warning"; }
[ "$(grep -c "exchange with https://$EIM_FQDN ends" "$work/poll.log")" -eq 2 ] || fail "eim2 was not polled"

queue --eco listEim
expect_poll_ok "listEim"
check_result 'assert sorted(e["eimId"] for e in res["package_result"]["results"][0]["eims"]) == ["eim-test", "eim2"], res["package_result"]["results"]'

queue --eco deleteEim:eim2
expect_poll_ok "deleteEim"
check_result 'assert codes(res) == [("deleteEimResult", 0)], codes(res); assert [e["eimId"] for e in s["eims"]] == ["eim-test"]'

# --- IpaEuiccData: every field of the v1.2 tagList
queue --ipa-euicc-data 81BF20BF228384A5A6A8A9A0A2
expect_poll_ok "IpaEuiccData"
check_result '
d = res["ipaEuiccData"]
assert res["kind"] == "ipaEuiccDataResponse", res["kind"]
assert d["defaultSmdpAddress"] == s["default_smdp"] and d["rootSmdsAddress"] == s["root_smds"], d
assert d["euiccInfo1"].startswith("BF20") and d["euiccInfo2"].startswith("BF22"), d
assert int(d["associationToken"]) == s["eims"][0]["associationToken"], d
assert d["eumCertificate"].startswith("30") and d["euiccCertificate"].startswith("30"), d
assert d["eimTransactionId"] == txid, d
assert d["ipaCapabilities"]["ipaSupportedProtocols"] == [0], d["ipaCapabilities"]
# Only what works is announced: indirect download through the eIM.
assert d["ipaCapabilities"]["ipaFeatures"] == [1], d["ipaCapabilities"]
assert d.get("deviceInfo"), "deviceInfo missing: " + str(sorted(d))
assert d["notificationsList"] == [] and d["euiccPackageResultList"] == [], d
'
# Read fresh from the eUICC in the order of the tagList, each read once: euiccPackageResultList (BF2B with the
# euiccPackageResults criterion), euiccInfo1 (BF20), the configured addresses (BF3C) for 81 and 83, the
# notifications (BF2B without criteria).
queue --ipa-euicc-data A2BF208183A081
expect_poll_ok "IpaEuiccData in tagList order"
reads=$(grep -oE ' > 81E291[0-9A-F]{2} [0-9A-F]{2} BF(2B|20|22|3C|55|56)[0-9A-F]{2}' "$work/poll.log" | awk '{ print $4 }' | tail -n 4 | tr '\n' ' ')
[ "$reads" = "BF2B04 BF2000 BF3C00 BF2B00 " ] || { cat "$work/poll.log" >&2; fail "IpaEuiccData read the eUICC as $reads"; }
check_result 'd = res["ipaEuiccData"]; assert sorted(d) == sorted(["euiccPackageResultList", "euiccInfo1", "defaultSmdpAddress", "rootSmdsAddress", "notificationsList", "eimTransactionId"]), sorted(d)'
queue --ipa-euicc-data 8182
expect_poll_ok "IpaEuiccData with a tag that is not a field"
check_result 'assert res["kind"] == "ipaEuiccDataResponse" and res["error"]["code_name"] == "incorrectTagList", res["error"]'

# --- the eUICC's own refusals come back to the eIM as its results
queue --psmo list --break signature
expect_poll_ok "bad eIM signature"
check_result 'assert res["package_result"]["type"] == "euiccPackageErrorUnsigned", res["package_result"]'
queue --psmo list --break eid
expect_poll_ok "wrong EID"
check_result 'assert res["package_result"]["type"] == "euiccPackageErrorSigned" and res["package_result"]["errorName"] == "invalidEid", res["package_result"]; assert res["package_result"]["signature_valid"] is True'
queue --psmo list
queue --psmo list --break counter
expect_poll_ok "stale counter"
check_result 'assert res["package_result"]["type"] == "euiccPackageErrorSigned" and res["package_result"]["errorName"] == "replayError", res["package_result"]'

# --- packages euiccd cannot use still get an answer, with the transaction id when it can be read
queue --broken truncated
expect_poll_ok "truncated package"
check_result 'assert res["kind"] == "eimPackageResultResponseError" and res["error"]["code_name"] == "invalidPackageFormat", res'
queue --broken garbage
expect_poll_ok "garbage package"
queue --broken unknown-alternative
expect_poll_ok "unknown package"
check_result 'errs = [x["error"]["code_name"] for x in r if x["kind"] == "eimPackageResultResponseError"]; assert errs == ["invalidPackageFormat", "invalidPackageFormat", "unknownPackage"], errs'

# --- a download trigger is answered at once (this version does not download profiles)
queue --download '1$smdp.example.com$MATCHING-ID-1'
expect_poll_ok "download trigger"
check_result 'assert res["kind"] == "profileDownloadTriggerResult" and res["download"]["result"] == "profileDownloadError", res["download"]'

# Nothing the eIM was sent is left behind: the card's list is empty, the outbox too.
check_result 'assert s["notifications"] == [], s["notifications"]; assert [x for x in s["package_results"] if x.get("seq") is not None and x.get("kind") == "result"] == [], s["package_results"]'
[ -z "$(ls "$statedir/outbox" 2>/dev/null)" ] || { ls -l "$statedir/outbox"; fail "outbox not empty"; }
echo "eCOs, IpaEuiccData, refusals, unusable packages and download triggers answered over the $binding binding"

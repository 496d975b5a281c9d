#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# A consumer (SGP.22) eUICC managed by the test eIM: the software eUICC in its "sgp22" kind answers neither
# LoadEuiccPackage nor GetEimConfigurationData, so euiccd takes the eIM from its configuration, checks each package
# (signature, EID, counter) itself, runs the PSMOs with ES10c (getRAT with ES10b GetRAT) and reports a result with
# an empty eUICC signature, which the eIM, told the card is a consumer eUICC, accepts; eCOs change the eIMs euiccd
# keeps.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/e2e/e2e-lib.sh"

P1=89000123456789012358   # enabled, operational
P3=89000123456789000023   # disabled, test profile

# card KEY=JSON...: sets keys of the software eUICC's state (it re-reads the file at each command); null removes.
card() {
  "$PY" - "$state" "$@" <<'PYEOF'
import json, os, sys
s = json.load(open(sys.argv[1]))
for item in sys.argv[2:]:
    key, value = item.split("=", 1)
    if value == "null":
        s.pop(key, None)
    else:
        s[key] = json.loads(value)
with open(sys.argv[1] + ".new", "w") as f:
    json.dump(s, f)
os.rename(sys.argv[1] + ".new", sys.argv[1])
PYEOF
}

start_eim --binding both
make_euicc "$state" --card-kind sgp22 --notification-address "$EIM_FQDN"
EID=$(state_field "$state" 's["eid"]')
# The card's CI (its EUICCInfo1 lists it for signing).
CI_SKI=$("$PY" -c 'import json, sys
from cryptography import x509
c = x509.load_pem_x509_certificate(json.load(open(sys.argv[1]))["pki"]["ci_cert"].encode())
print(c.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value.digest.hex())' "$state")
state_field "$state" 's["pki"]["euicc_cert"]' >"$work/euicc-cert.pem"
eimctl euicc --eid "$EID" --counter 1 --cert "$work/euicc-cert.pem" --consumer >/dev/null
start_modem
write_config "[Eim]" "Binding=$binding" \
  "[Sgp22]" "EimId=eim-test" "EimFqdn=$EIM_FQDN" "EimPublicKey=$eimdir/eim-pub.pem"

expect_poll_ok "first poll"
grep -q "eUICC .* with 1 eIM configuration" "$work/poll.log" || { cat "$work/poll.log" >&2; fail "the configured eIM was not used"; }
[ -s "$statedir/sgp22-eims" ] || fail "the eIM configuration was not stored in the state directory"

# IpaEuiccData: the card's own data, no package results (the card keeps none), the token euiccd keeps (none here),
# and the certificates left out: a consumer card without GetCerts gives them only to an SM-DP+ it authenticated.
queue --ipa-euicc-data 84A2A0BF20A5A6BF22
expect_poll_ok "IpaEuiccData"
check_result 'd = res["ipaEuiccData"]; assert res["error"] is None and d["euiccPackageResultList"] == [] and d["euiccInfo1"] and d["euiccInfo2"] and "associationToken" not in d, res'
check_result 'd = res["ipaEuiccData"]; assert "eumCertificate" not in d and "euiccCertificate" not in d, d'
grep -q "the consumer eUICC has no GetCerts (.*6A88.*): the certificates are left out" "$work/poll.log" ||
  { cat "$work/poll.log" >&2; fail "leaving the certificates out was not logged"; }
# The CI to be used must still be one of the card's (EUICCInfo1), as GetCerts would check it.
queue_package '{"ipaEuiccData": {"tags": "BF20A6", "euiccCiPKId": "0102030405"}}'
expect_poll_ok "IpaEuiccData naming an unknown CI"
check_result 'assert res["error"]["code_name"] == "euiccCiPKIdNotFound", res'
queue_package '{"ipaEuiccData": {"tags": "BF20A6", "euiccCiPKId": "'"$(echo "$CI_SKI" | cut -c1-16)"'"}}'
expect_poll_ok "IpaEuiccData naming the card's CI"
check_result 'd = res["ipaEuiccData"]; assert res["error"] is None and d["euiccInfo1"] and "euiccCertificate" not in d, res'
# A consumer card that answers GetCerts gives them; one whose GetCerts fails otherwise is an error, not an omission.
card 'sgp22_get_certs=true'
queue --ipa-euicc-data A6BF20A5
expect_poll_ok "IpaEuiccData with GetCerts"
check_result 'd = res["ipaEuiccData"]; der = __import__("ssl").PEM_cert_to_DER_cert; assert d["euiccCertificate"].lower() == der(s["pki"]["euicc_cert"]).hex() and d["eumCertificate"].lower() == der(s["pki"]["eum_cert"]).hex() and d["euiccInfo1"], d'
card 'faults=["sw:BF56:6F00"]'
queue --ipa-euicc-data A6BF20
expect_poll_ok "IpaEuiccData, GetCerts failing"
check_result 'assert res["error"]["code"] == 127, res'
card 'faults=null' 'sgp22_get_certs=null'

queue --psmo "enable:$P3"
expect_poll_ok "enable"
check_result 'pr = res["package_result"]; assert pr["type"] == "euiccPackageResultSigned", pr'
check_result 'assert res["package_result"]["signature_valid"] is None; assert codes(res) == [("enableResult", 0)], codes(res)'
check_result 'assert p["'$P3'"]["state"] == "enabled" and p["'$P1'"]["state"] == "disabled", p'
# The card's enable and disable notifications went with the result and, acknowledged, left the card.
check_result 'assert res["kind"] == "ePRAndNotifications"; assert sorted(n["operation"] for n in res["notifications"]) == ["disable", "enable"], res["notifications"]'
check_result 'assert not [n for n in s["notifications"] if n.get("iccid") == "'$P3'"], s["notifications"]'

queue --psmo "enable:$P1" --psmo "delete:$P3"
expect_poll_ok "enable + delete"
check_result 'assert codes(res) == [("enableResult", 0), ("deleteResult", 0)], codes(res)'
check_result 'assert "'$P3'" not in p and p["'$P1'"]["state"] == "enabled"'

queue --psmo list
expect_poll_ok "listProfileInfo"
check_result 'lst = res["package_result"]["results"][0]; assert lst["name"] == "listProfileInfoResult"; assert sorted(x["iccid"] for x in lst["profiles"]) == sorted(p), lst'

queue --psmo "disable:$P3"
expect_poll_ok "disable of a deleted profile"
check_result 'assert codes(res) == [("disableResult", 1)], codes(res)'

# getRAT is the card's GetRAT, its RulesAuthorisationTable passed on as getRATResult.
queue --psmo getRAT
expect_poll_ok "getRAT"
check_result 'r0 = res["package_result"]["results"][0]; assert r0["name"] == "getRATResult" and r0["rules"] == len(s["rat"]) == 1, r0'
grep -q "getRATResult=1 rule(s)" "$work/poll.log" || { cat "$work/poll.log" >&2; fail "the getRAT outcome was not logged"; }
# A GetRAT the card refuses ends the processing there (undefinedError); what the card cannot do is not run.
card 'faults=["sw:BF43:6F00"]'
queue --psmo getRAT --psmo "disable:$P1"
expect_poll_ok "getRAT refused"
check_result 'assert codes(res) == [("processingTerminated", 127)], codes(res)'
check_result 'assert p["'$P1'"]["state"] == "enabled"'
card 'faults=null'
queue --psmo unsetFallback --psmo "disable:$P1"
expect_poll_ok "unsetFallbackAttribute"
check_result 'assert codes(res) == [("processingTerminated", 2)], codes(res)'
check_result 'assert p["'$P1'"]["state"] == "enabled"'

# eCOs run against the eIMs euiccd keeps (the card has none): the eIM is added, listed, deleted, and stored.
queue --eco "addEim:eimId=eim2,pubkey=own,protocol=injectHttps,token=1"
expect_poll_ok "addEim"
check_result 'r0 = res["package_result"]["results"][0]; assert r0["name"] == "addEimResult" and r0.get("associationToken") == 1, r0'
queue --eco listEim
expect_poll_ok "listEim"
check_result 'assert sorted(e["eimId"] for e in res["package_result"]["results"][0]["eims"]) == ["eim-test", "eim2"], res["package_result"]["results"]'
grep -q "eim2" "$statedir/sgp22-eims" || fail "the added eIM was not stored"
# An eIM must name a CI the card signs with (EUICCInfo1), as an SGP.32 eUICC checks: else ciPKUnknown, not added.
queue --eco "addEim:eimId=eim3,pubkey=own,cipkid=0102030405060708090A0B0C0D0E0F1011121314" \
  --eco "updateEim:eimId=eim2,pubkey=own,protocol=injectHttps,cipkid=0102030405060708090A0B0C0D0E0F1011121314" \
  --eco "updateEim:eimId=eim2,pubkey=own,protocol=injectHttps,cipkid=$CI_SKI"
expect_poll_ok "eCOs naming CIs"
check_result 'assert codes(res) == [("addEimResult", 3), ("updateEimResult", 3), ("updateEimResult", 0)], codes(res)'
grep -q "eim3" "$statedir/sgp22-eims" && fail "an eIM with an unknown CI was stored"
queue --eco "deleteEim:eim2" --eco "deleteEim:eim3"
expect_poll_ok "deleteEim"
check_result 'assert codes(res) == [("deleteEimResult", 0), ("deleteEimResult", 1)], codes(res)'
grep -q "eim2" "$statedir/sgp22-eims" && fail "the deleted eIM is still stored"

# A replayed counter and another EID: refused with their error codes. Every poll is a new euiccd process, so the
# replay is recognised from the counter it stored.
queue --psmo "disable:$P1" --break counter
expect_poll_ok "replay"
check_result 'pr = res["package_result"]; assert pr["type"] == "euiccPackageErrorSigned" and pr["errorName"] == "replayError", pr'
queue --psmo "disable:$P1" --break eid
expect_poll_ok "other EID"
check_result 'pr = res["package_result"]; assert pr["errorName"] == "invalidEid", pr'
check_result 'assert p["'$P1'"]["state"] == "enabled"'

# A package the eIM did not sign: refused before the card is touched.
queue --psmo "disable:$P1" --break signature
expect_poll_ok "bad signature"
check_result 'assert res["package_result"]["type"] == "euiccPackageErrorUnsigned", res["package_result"]'
check_result 'assert p["'$P1'"]["state"] == "enabled"'

# SIGKILL once the counter is stored but before anything ran: the next run tells the eIM the outcome is not
# known (undefinedError), once, and nothing ran; SIGKILL after the PSMOs ran: the real result gets there, once.
queue --psmo "disable:$P1"
poll_killed_at before-load
expect_poll_ok "restart after SIGKILL at before-load"
check_result 'mine = [x for x in r if x.get("eimTransactionId") == "'$TXID'"]; assert len(mine) == 1, mine; pr = mine[0]["package_result"]; assert pr["type"] == "euiccPackageErrorSigned" and pr["errorName"] == "undefinedError", pr'
check_result 'assert p["'$P1'"]["state"] == "enabled"'
[ -z "$(outbox_files)" ] || fail "the outbox still holds $(outbox_files)"
queue --psmo "disable:$P1"
poll_killed_at after-load
expect_poll_ok "restart after SIGKILL at after-load"
check_result 'mine = [x for x in r if x.get("eimTransactionId") == "'$TXID'"]; assert len(mine) == 1, mine; assert codes(mine[0]) == [("disableResult", 0)], mine'
check_result 'assert p["'$P1'"]["state"] == "disabled"'
[ -z "$(outbox_files)" ] || fail "the outbox still holds $(outbox_files)"

echo "PASS: consumer eUICC managed by the eIM through euiccd ($binding binding)"

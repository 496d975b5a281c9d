#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# minimizeEsipaBytes (SGP.32 v1.2 IpaCapabilities.ipaFeatures bit 5) end to end. With IpaFeatures naming it,
# euiccd announces it and sends the eUICC's OtherSignedNotifications as compactOtherSignedNotification: no
# certificates, eidValue only where the ESipa message names no EID (HandleNotification); a
# ProfileInstallationResult goes as the eUICC gave it. The test eIM checks
# the eUICC's signatures with the certificate it holds and acknowledges, so the eUICC drops them. Without the
# feature the same kind of notification goes in full, and the request is over 2 KB longer. Every request
# carries exactly the headers the binding needs.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/e2e/e2e-lib.sh"

P1=89000123456789012358   # enabled
P3=89000123456789000023   # disabled
MINIMIZE="IpaFeatures=directRspServerCommunication;indirectRspServerCommunication;minimizeEsipaBytes"
start_all
write_config "[Eim]" "Binding=$binding" "[Device]" "$MINIMIZE"

# The card's three notifications, each in a HandleNotification of its own: the two OtherSignedNotifications
# compact, with the EID; the ProfileInstallationResult as the card gave it (its compact form is not built).
expect_poll_ok "first poll"
check_result '
hn = [x for x in r if x["function"] == "handleNotification"]
assert sorted(x["notification"]["type"] for x in hn) == ["compactOtherSignedNotification"] * 2 + ["profileInstallationResult"], hn
for x in hn:
    n = x["notification"]
    if n["type"] == "compactOtherSignedNotification":
        assert n["eid"] == x["eid"] and x["eid"] is not None, (n["eid"], x["eid"])
        assert x["signature_valid"] is True, x
assert s["notifications"] == [], s["notifications"]'

queue --ipa-euicc-data A8
expect_poll_ok "IpaCapabilities"
# directRspServerCommunication (0) is configured but not announced: the test has no CI certificates for it.
check_result 'assert res["ipaEuiccData"]["ipaCapabilities"]["ipaFeatures"] == [1, 5], res["ipaEuiccData"]'

# The notifications a PSMO caused ride with its result: compact, without eidValue (the result has one).
queue --psmo "enable:$P3"
expect_poll_ok "enable, minimized"
sent_minimized=$(stat_field bytes_sent)
check_result '
assert codes(res) == [("enableResult", 0)], codes(res)
assert res["kind"] == "ePRAndNotifications", res["kind"]
ns = res["notifications"]
assert sorted(n["operation"] for n in ns) == ["disable", "enable"], ns
assert all(n["type"] == "compactOtherSignedNotification" and n["eid"] is None for n in ns), ns
assert all(n["signature_valid"] is True for n in ns), ns
assert s["notifications"] == [], s["notifications"]'
check_result 'open(sys.argv[1] + ".compact", "w").write(" ".join(n["raw"] for n in res["notifications"]))'

# The same exchange without the feature: full notifications, not announced.
write_config "[Eim]" "Binding=$binding"
queue --psmo "enable:$P1"
expect_poll_ok "enable, in full"
sent_full=$(stat_field bytes_sent)
check_result '
assert codes(res) == [("enableResult", 0)], codes(res)
ns = res["notifications"]
assert all(n["type"] == "otherSignedNotification" for n in ns), ns
compact = open(sys.argv[1] + ".compact").read().split()
assert len(compact) == len(ns) == 2
assert all(len(f) // 2 - len(c) // 2 > 1000 for f, c in zip(sorted(n["raw"] for n in ns), sorted(compact))), "no shorter"
assert s["notifications"] == [], s["notifications"]'
queue --ipa-euicc-data A8
expect_poll_ok "IpaCapabilities without the feature"
check_result 'assert res["ipaEuiccData"]["ipaCapabilities"]["ipaFeatures"] == [1], res["ipaEuiccData"]'

[ -n "$sent_minimized" ] && [ -n "$sent_full" ] || fail "no bytes_sent in the --stats line"
[ $((sent_full - sent_minimized)) -gt 2000 ] || fail "HTTP bytes sent: $sent_minimized minimized, $sent_full in full"
echo "minimizeEsipaBytes over the $binding binding: the PSMO exchange sent $sent_minimized HTTP bytes, $sent_full in full"

# Every request euiccd sent carried exactly the headers the binding needs, as the eIM saw them.
eimctl log >"$work/requests.json" || fail "eimctl log"
"$PY" - "$work/requests.json" "$binding" "$EIM_FQDN" <<'PYEOF' || fail "request headers"
import json, sys
log, binding, host = json.load(open(sys.argv[1])), sys.argv[2], sys.argv[3]
ctype = {"asn1": "application/x-gsma-rsp-asn1", "json": "application/json;charset=UTF-8"}[binding]
assert len(log) >= 8, len(log)
for e in log:
    assert [k for k, _ in e["headers"]] == ["Host", "User-Agent", "Content-Type", "X-Admin-Protocol",
                                            "Content-Length"], e
    h = dict(e["headers"])
    assert (h["Host"], h["User-Agent"], h["Content-Type"], h["X-Admin-Protocol"]) == \
        (host, "gsma-rsp-ipad", ctype, "gsma/rsp/v2.1.0"), h
PYEOF
echo "every request had exactly Host, User-Agent: gsma-rsp-ipad, Content-Type: $binding's, X-Admin-Protocol, Content-Length"

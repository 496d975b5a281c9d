#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Direct profile download (SGP.32 3.2.3.1) triggered by the eIM: with the test PKI's CI certificate configured,
# euiccd speaks ES9+ to the SM-DP+ itself (TLS checked against the CI the eUICC names) and ES11 to the SM-DS;
# the eIM relays nothing, gets the trigger result, and the SM-DP+ gets the install notification straight from
# euiccd. A refused matching ID cancels the session on the eUICC and at the SM-DP+ over ES9+.
DOWNLOAD_DIRECT=1
. "${top_srcdir:-$(dirname "$0")/../..}/tests/e2e/e2e-lib.sh"
. "$top_srcdir/tests/e2e/e2e-download-lib.sh"

start_download_peers
grep -q "Direct profile download: 1 GSMA CI certificate" "$work/poll.log" || { cat "$work/poll.log" >&2; fail "the CI certificate was not taken"; }

smdpctl profile matchingId=DIRECT-1,iccid=8944000000000000151 >/dev/null
queue_download "{\"activationCode\": \"1\$$SMDP_ADDRESS\$DIRECT-1\"}"
expect_poll_ok "direct download"
check_download '
assert res["download"]["result"] == "profileInstallationResult", res
assert p["8944000000000000151"]["state"] == "disabled"
assert not [x for x in relay["log"] if x.get("function") != "handleNotification"], relay["log"]
assert [n for n in smdp["notifications"] if n.get("iccid") == "8944000000000000151" and n.get("signature_ok")], smdp["notifications"]
assert not [n for n in s["notifications"] if n.get("iccid") == "8944000000000000151"], s["notifications"]
assert not session_left'
# One TLS connection to the SM-DP+ for the whole download.
smdpctl log >"$work/smdp-log.json"
"$PY" - "$work/smdp-log.json" <<'PYEOF' || fail "the SM-DP+ saw more than one connection"
import json, sys
log = json.load(open(sys.argv[1]))
entries = log if isinstance(log, list) else log.get("log", [])
ports = {e.get("client_port") for e in entries if e.get("function") in ("initiateAuthentication", "authenticateClient", "getBoundProfilePackage", "handleNotification")}
assert len(ports) == 1 and None not in ports, ports
PYEOF

# contactSmds: the event is retrieved from the eUICC's root SM-DS over ES11, then the SM-DP+ over ES9+.
smdpctl profile matchingId=DIRECT-2,iccid=8944000000000000169 >/dev/null
smdpctl --role smds event "eid=$EID,eventId=DIRECT-2,address=$SMDP_ADDRESS" >/dev/null
queue_download '{"contactSmds": {}}'
expect_poll_ok "direct download through an SM-DS event"
check_download 'assert res["download"]["result"] == "profileInstallationResult", res; assert "8944000000000000169" in p; assert not [x for x in relay["log"] if x.get("function") != "handleNotification"], relay["log"]'

# A matching ID the SM-DP+ refuses: Failed 8.2.6/3.8, the session cancelled on the eUICC and at the SM-DP+.
queue_download "{\"activationCode\": \"1\$$SMDP_ADDRESS\$NOT-THERE\"}"
expect_poll_ok "direct download with a wrong matching ID"
check_download '
assert res["download"]["result"] == "profileDownloadError", res
assert len(smdp["cancelled"]) == 1 and smdp["cancelled"][0].get("signature_ok"), smdp["cancelled"]
assert not session_left'
grep -q "8.2.6" "$work/poll.log" || { cat "$work/poll.log" >&2; fail "the SM-DP+ codes are not in the log"; }
# An SM-DP+ whose TLS certificate comes from another CI, or has expired: the connection is refused before any
# request, nothing started on the eUICC, the eIM hears profileDownloadError.
for fault in other-ci expired-cert; do
  mid=DIRECT-$(echo "$fault" | tr a-z A-Z)
  smdpctl profile "matchingId=$mid,iccid=8944000000000000177" >/dev/null
  smdpctl faults "$fault" >/dev/null
  queue_download "{\"activationCode\": \"1\$$SMDP_ADDRESS\$$mid\"}"
  expect_poll_ok "direct download with the SM-DP+ certificate fault $fault"
  smdpctl faults >/dev/null
  check_download '
assert res["download"]["result"] == "profileDownloadError", res
assert "8944000000000000177" not in p and not session_left'
  grep -q "ES9+ initiateAuthentication at https://$SMDP_ADDRESS" "$work/poll.log" ||
    { cat "$work/poll.log" >&2; fail "the TLS refusal ($fault) is not explained"; }
done
echo "direct profile download over ES9+ and ES11, triggered by the eIM"

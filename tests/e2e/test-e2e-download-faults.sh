#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Indirect downloads that fail on the server side or in the eUICC: an SM-DP+ certificate from another CI (the
# eUICC refuses it), an expired SM-DP+ TLS certificate (the eIM cannot reach it), the SM-DP+ failing or
# dropping the connection at GetBoundProfilePackage, a package the eUICC refuses halfway. Each ends with the
# eUICC, the eIM and the SM-DP+ agreeing: no profile, profileDownloadError or the eUICC's error result, the
# session cancelled where one was open, no session record left.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/e2e/e2e-lib.sh"
. "$top_srcdir/tests/e2e/e2e-download-lib.sh"

start_download_peers
profiles_before=$(state_field "$state" 'len(s["profiles"])')

# download MID ICCID FAULT...: queues a trigger for a new profile with the SM-DP+ faults set, polls (the poll
# itself succeeds: the failure is the download's outcome), clears the faults.
download() {
  _mid=$1
  smdpctl profile "matchingId=$1,iccid=$2" >/dev/null
  shift 2
  smdpctl faults "$@" >/dev/null
  queue_download "{\"activationCode\": \"1\$$SMDP_ADDRESS\$$_mid\"}"
  expect_poll_ok "download with SM-DP+ fault $*"
  smdpctl faults >/dev/null
}

# The DPauth and DPpb certificates of another CI: the eUICC refuses AuthenticateServer; the SM-DP+ hears it
# from AuthenticateClient. The eUICC holds no session to cancel. (DOWNLOAD_DIRECT=1 runs all of this over ES9+.)
download F-1 8944000000000000086 other-ci-auth
check_download '
assert res["download"]["result"] == "profileDownloadError", res
assert "8944000000000000086" not in p and len(p) == '"$profiles_before"'
assert not [v for v in smdp["sessions"].values() if v["stage"] not in ("initiated", "cancelled")], smdp["sessions"]
assert not session_left'
grep -q "AuthenticateServer: the eUICC refused .* with authenticateErrorCode\|AuthenticateClient: eIM eim-test answered\|ES9+ authenticateClient at .*subjectCode 8.1" "$work/poll.log" ||
  { cat "$work/poll.log" >&2; fail "the refusal is not explained"; }

# An expired TLS certificate at the SM-DP+: the eIM cannot relay InitiateAuthentication; nothing started on the eUICC.
download F-2 8944000000000000094 expired-cert
check_download '
assert res["download"]["result"] == "profileDownloadError", res
assert "8944000000000000094" not in p
assert not session_left'
grep -q "InitiateAuthentication: eIM eim-test answered\|ES9+ initiateAuthentication at https://$SMDP_ADDRESS" "$work/poll.log" || { cat "$work/poll.log" >&2; fail "no InitiateAuthentication refusal"; }

# The SM-DP+ fails at GetBoundProfilePackage (HTTP 500, then a dropped connection): cancelled on the eUICC and,
# with the eUICC's signed answer, at the SM-DP+.
download F-3 8944000000000000102 kind=http-status,status=500,function=getBoundProfilePackage
check_download '
assert res["download"]["result"] == "profileDownloadError", res
assert "8944000000000000102" not in p
mine = [v for v in smdp["sessions"].values() if v.get("iccid") == "8944000000000000102"]
assert mine and mine[0]["stage"] == "cancelled", mine
assert [c for c in smdp["cancelled"] if c.get("signature_ok") and c["txid"] in smdp["sessions"] and smdp["sessions"][c["txid"]].get("iccid") == "8944000000000000102"], smdp["cancelled"]
assert not session_left'
download F-4 8944000000000000110 kind=drop,function=getBoundProfilePackage
check_download '
assert res["download"]["result"] == "profileDownloadError", res
mine = [v for v in smdp["sessions"].values() if v.get("iccid") == "8944000000000000110"]
assert mine and mine[0]["stage"] == "cancelled", mine
assert "8944000000000000110" not in p and not session_left'

# A package whose protected profile data was altered: the eUICC stops at that segment with an error result,
# which the eIM gets and the SM-DP+ receives as the install notification; no profile is left.
download F-5 8944000000000000128 kind=corrupt-bpp,segment=86,index=1
check_download '
assert res["download"]["result"] == "profileInstallationResult", res
inst = res["download"]["installation"]
assert "8944000000000000128" not in p and len(p) == '"$profiles_before"', p.keys()
assert [n for n in smdp["notifications"] if n.get("iccid") == "8944000000000000128" and n["result"] == "error" and n.get("signature_ok")], smdp["notifications"]
assert not [n for n in s["notifications"] if n.get("iccid") == "8944000000000000128"], s["notifications"]
assert not session_left'
grep -q "profileDownload: installFailed: the eUICC refused the package" "$work/poll.log" || { cat "$work/poll.log" >&2; fail "no installFailed outcome"; }
echo "failed downloads leave the eUICC, the eIM and the SM-DP+ agreeing, over the $binding binding"

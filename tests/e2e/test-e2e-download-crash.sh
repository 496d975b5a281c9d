#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# The daemon killed (SIGKILL) at each step of an indirect profile download, then started again: the eUICC, the
# eIM and the SM-DP+ end up agreeing on the outcome (installed and notified, or cancelled and reported failed),
# the eUICC holds no half-installed profile and nothing pending for it, and the session record is gone.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/e2e/e2e-lib.sh"
. "$top_srcdir/tests/e2e/e2e-download-lib.sh"

start_download_peers

n=0
for step in download-before-initiate download-before-authenticate-server download-before-authenticate-client \
            download-before-prepare download-before-get-bpp download-before-bpp download-bpp-segment:3 \
            download-after-bpp before-provide download-before-notification; do
  n=$((n + 1))
  iccid=$("$PY" -c 'import sys; sys.path.insert(0, sys.argv[1]); import ids
b = "89440000000001%04d" % int(sys.argv[2]); print(b + ids.luhn_digit(b))' "$peers/softeuicc" "$n")
  smdpctl profile "matchingId=CRASH-$n,iccid=$iccid" >/dev/null
  queue_download "{\"activationCode\": \"1\$$SMDP_ADDRESS\$CRASH-$n\"}"
  poll_killed_at "$step"
  # Killed before the first server call: nothing happened anywhere, and the eIM hands the trigger out again.
  [ "$step" != download-before-initiate ] || requeue_same
  expect_poll_ok "restart after SIGKILL at $step"
  check_download '
iccid = "'"$iccid"'"
mine = [x for x in r if x.get("eimTransactionId") == txid and x.get("kind") == "profileDownloadTriggerResult"]
assert mine and not mine[0]["duplicate"], mine
assert all(x["duplicate"] for x in mine[1:]), mine
outcomes = set(x["download"]["result"] for x in mine)
assert len(outcomes) == 1, "the eIM heard different outcomes: %s" % outcomes
dp = [v for v in smdp["sessions"].values() if v.get("iccid") == iccid]
if iccid in p:
    assert p[iccid]["state"] == "disabled", p[iccid]
    assert outcomes == {"profileInstallationResult"}, outcomes
    assert [v for v in dp if v["stage"] == "notified"], dp
    assert [x for x in smdp["notifications"] if x.get("iccid") == iccid and x.get("signature_ok")], smdp["notifications"]
else:
    assert outcomes == {"profileDownloadError"}, outcomes
    assert not [v for v in dp if v["stage"] not in ("cancelled", "initiated")], dp
assert not [x for x in s["notifications"] if x.get("iccid") == iccid], s["notifications"]
assert not session_left, "the session record is left"'
  echo "killed at $step: $(sed -n 's/.*profileDownload: \([a-zA-Z]*\).*/\1/p' "$work/poll.log" | tail -n 1)"
done
echo "a download killed at any step ends with the eUICC, the eIM and the SM-DP+ agreeing"

#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Profile download is a module loaded on first use (src/ipa/ipa-download-module.h). Without it, a poll that finds
# no trigger never looks for it; a trigger is answered with profileDownloadError, the log names the missing file,
# and the next poll works as before. With the module back, the same daemon build downloads.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/e2e/e2e-lib.sh"
. "$top_srcdir/tests/e2e/e2e-download-lib.sh"

module_dir=$EUICCD_MODULE_DIR
[ -f "$module_dir/download.so" ] || fail "no download module in $module_dir"
EUICCD_MODULE_DIR="$work/no-modules"
export EUICCD_MODULE_DIR
mkdir -p "$EUICCD_MODULE_DIR"

start_download_peers
if grep -q "download.so" "$work/poll.log"; then cat "$work/poll.log" >&2; fail "a poll without a trigger looked for the module"; fi

smdpctl profile matchingId=MID-NOMOD,iccid=8944000000000000071 >/dev/null
queue_download "{\"activationCode\": \"1\$$SMDP_ADDRESS\$MID-NOMOD\"}"
expect_poll_ok "a trigger without the module"
check_download '
assert res and res["download"]["result"] == "profileDownloadError", res
assert "8944000000000000071" not in p, p.keys()
assert not session_left'
grep -q "profile download failed: Profile download is not installed: no module $EUICCD_MODULE_DIR/download.so" \
  "$work/poll.log" || { cat "$work/poll.log" >&2; fail "the missing module is not named"; }
expect_poll_ok "the poll after"

EUICCD_MODULE_DIR=$module_dir
queue_download "{\"activationCode\": \"1\$$SMDP_ADDRESS\$MID-NOMOD\"}"
expect_poll_ok "the trigger with the module"
check_download '
assert res and res["download"]["result"] == "profileInstallationResult", res
assert p["8944000000000000071"]["state"] == "disabled", p.keys()'
echo "ok: without the module a trigger is refused and named; with it the profile downloads"

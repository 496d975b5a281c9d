#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Download over D-Bus: `euiccctl download` asks the daemon, which relays the download through the test eIM to the
# test SM-DP+ while the software eUICC installs the profile; progress comes as signals and the Download property,
# the outcome as text or --json (a global option, before or after the command). A confirmation code is hashed
# by euiccd; a wrong one and a bad activation code are refused with the reason; only an admin may download.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/dbus/dbus-lib.sh"
. "$top_srcdir/tests/e2e/e2e-download-lib.sh"

start_download_peers
start_bus
start_service

smdpctl profile matchingId=DBUS-1,iccid=8944000000000000052 >/dev/null
ctl download "1\$$SMDP_ADDRESS\$DBUS-1" >"$work/dl.out" 2>"$work/dl.err" || { cat "$work/dl.err" >&2; fail "euiccctl download"; }
grep -q "^Profile 8944000000000000052 installed" "$work/dl.out" || { cat "$work/dl.out" >&2; fail "no outcome line"; }
grep -q "^loading: [0-9]* of [0-9]* bytes (100%)" "$work/dl.err" || { cat "$work/dl.err" >&2; fail "no progress line"; }
grep -q "^authenticating" "$work/dl.err" || { cat "$work/dl.err" >&2; fail "no phase line"; }
bctl get-property "$SERVICE" "$MANAGER" org.euiccd.Euiccd1 Download >"$work/prop.txt"
grep -q '"phase" s "installed"' "$work/prop.txt" || { cat "$work/prop.txt" >&2; fail "the Download property does not show the end"; }
check_download '
assert p["8944000000000000052"]["state"] == "disabled", p
assert [n for n in smdp["notifications"] if n.get("iccid") == "8944000000000000052" and n.get("signature_ok")], smdp["notifications"]
assert not [n for n in s["notifications"] if n.get("iccid") == "8944000000000000052"], s["notifications"]
assert not session_left'
if grep -q "DBUS-1" "$work/service.log"; then fail "the matching ID reached the log"; fi

# --json before the command: the final outcome only.
smdpctl profile matchingId=DBUS-2,iccid=8944000000000000060,cc=4321 >/dev/null
status=0
ctl --json download "1\$$SMDP_ADDRESS\$DBUS-2\$\$1" >"$work/nocc.json" 2>"$work/nocc.err" || status=$?
[ "$status" -eq 1 ] || fail "a download without the required confirmation code exited $status"
grep -q "confirmation code is required" "$work/nocc.err" || { cat "$work/nocc.err" >&2; fail "unclear refusal without a code"; }
ctl --json download "1\$$SMDP_ADDRESS\$DBUS-2\$\$1" --confirmation-code 4321 >"$work/cc.json" 2>"$work/cc.err" ||
  { cat "$work/cc.err" >&2; fail "download with the confirmation code"; }
"$PY" -c 'import json,sys; r=json.load(open(sys.argv[1])); assert r == {"installed": True, "iccid": "8944000000000000060"}, r' "$work/cc.json" ||
  fail "--json outcome: $(cat "$work/cc.json")"
[ ! -s "$work/cc.err" ] || { cat "$work/cc.err" >&2; fail "--json printed progress"; }
if grep -q "4321" "$work/service.log"; then fail "the confirmation code reached the log"; fi

# A wrong confirmation code: the SM-DP+ refuses it, the session is cancelled on both sides.
smdpctl profile matchingId=DBUS-3,iccid=8944000000000000078,cc=1111 >/dev/null
status=0
ctl download "1\$$SMDP_ADDRESS\$DBUS-3\$\$1" --confirmation-code 2222 >"$work/wrong.out" 2>"$work/wrong.err" || status=$?
[ "$status" -eq 1 ] || fail "a wrong confirmation code exited $status"
grep -q -E "confirmationCodeRefused \(3\)|subjectCode 8.2.7 .*reasonCode 3.8" "$work/wrong.err" || { cat "$work/wrong.err" >&2; fail "the refusal is not named"; }
check_download 'assert "8944000000000000078" not in p; assert len(smdp["cancelled"]) == 1, smdp["cancelled"]; assert not session_left'

# A malformed activation code is refused at once with the field at fault; nobody may download.
status=0
ctl download '1$$X' >/dev/null 2>"$work/bad.err" || status=$?
[ "$status" -eq 1 ] || fail "a bad activation code exited $status"
grep -q "SM-DP+ address" "$work/bad.err" || { cat "$work/bad.err" >&2; fail "unclear refusal of a bad activation code"; }
status=0
as_uid "$NOBODY_UID" "$NOBODY_GID" "$busdir/euiccctl" download "1\$$SMDP_ADDRESS\$DBUS-1" >/dev/null 2>&1 || status=$?
[ "$status" -eq 3 ] || fail "an unprivileged download exited $status, expected 3"

# Global options anywhere.
ctl --json status >"$work/status.json" || fail "euiccctl --json status"
"$PY" -c 'import json,sys; json.load(open(sys.argv[1]))' "$work/status.json" || fail "--json before the command"
stop_service
echo "download over D-Bus: installed with progress, refusals named, admin only"

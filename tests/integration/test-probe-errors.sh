#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# euiccctl probe against a misbehaving software eUICC and a dying modem: every case ends with a clear error
# naming what went wrong, exit status 1, no crash and no hang.
. "$(dirname "$0")/common.sh"

[ -x "$euiccctl" ] || skip "euiccctl not built"
have_transport QMI || skip "QMI transport not built"

state=$work/euicc.json
make_euicc "$state"
start_fake fake-qmi-modem.py --state "$state"
device="qmi:$FAKE_PTY"
cases=0

# expect_error FAULT PATTERN [probe options]: with FAULT set on the card, the probe must fail with status 1
# and a message matching PATTERN (grep -E).
expect_error() {
  fault=$1
  pattern=$2
  shift 2
  "$PY" - "$state" "$fault" <<'PYEOF'
import json, os, sys
path, fault = sys.argv[1], sys.argv[2]
s = json.load(open(path))
s["faults"] = [fault] if fault else []
tmp = path + ".tmp"
json.dump(s, open(tmp, "w"))
os.rename(tmp, path)
PYEOF
  status=0
  timeout 60 "$euiccctl" probe --device "$device" --exclusive "$@" >"$work/out" 2>&1 || status=$?
  if [ "$status" -ne 1 ]; then
    cat "$work/out" >&2
    fail "fault '$fault': exit status $status, expected 1 (a clean failure)"
  fi
  if ! grep -Eq "$pattern" "$work/out"; then
    cat "$work/out" >&2
    fail "fault '$fault': no message matching /$pattern/"
  fi
  cases=$((cases + 1))
  echo "ok '$fault': $(grep -E "$pattern" "$work/out" | head -n 1)"
}

expect_error "sw:BF3E:6A88" "GetEID.*6A88"
expect_error "sw:BF22:6A80" "EUICCInfo2.*6A80"
expect_error "garbage:BF2D" "profiles: .*(BF2D|ProfileInfo|tag|length)"
expect_error "badlen:BF55" "eIM configuration: .*(length|beyond|truncated)"
expect_error "truncate:BF2B" "notifications: .*(length|beyond|truncated)"
expect_error "garbage:BF3E" "(GetEID|GetEuiccDataResponse)"
expect_error "nochannel" "(channel|6A81)"
expect_error "slow:BF22:3000" "(timed out|timeout|no answer .* within)" --apdu-timeout 1000

# With the faults cleared the same card answers again: the errors above were the card's, not leftovers.
expect_ok() {
  "$PY" -c 'import json,os,sys; p=sys.argv[1]; s=json.load(open(p)); s["faults"]=[]; json.dump(s,open(p+".t","w")); os.rename(p+".t",p)' "$state"
  timeout 60 "$euiccctl" probe --device "$device" --exclusive >"$work/out" 2>&1 || { cat "$work/out" >&2; fail "probe fails after faults were cleared"; }
}
expect_ok

# The modem disappears in the middle of a probe: an error, not a hang.
"$PY" -c 'import json,os,sys; p=sys.argv[1]; s=json.load(open(p)); s["faults"]=["slow:BF2D:5000"]; json.dump(s,open(p+".t","w")); os.rename(p+".t",p)' "$state"
( sleep 1; kill "$FAKE_PID" ) &
status=0
timeout 60 "$euiccctl" probe --device "$device" --exclusive --apdu-timeout 3000 >"$work/out" 2>&1 || status=$?
[ "$status" -eq 1 ] || { cat "$work/out" >&2; fail "modem killed: exit status $status, expected 1"; }
grep -Eq "profiles: " "$work/out" || { cat "$work/out" >&2; fail "modem killed: the failing part is not named"; }
echo "ok modem killed: $(grep -E 'profiles: ' "$work/out" | head -n 1)"

# A device that does not exist.
status=0
"$euiccctl" probe --device qmi:/nonexistent/cdc-wdm9 --exclusive >"$work/out" 2>&1 || status=$?
[ "$status" -eq 1 ] && grep -q "cdc-wdm9" "$work/out" || { cat "$work/out" >&2; fail "missing device: no clear error"; }
status=0
"$euiccctl" probe --device foo:/dev/x >"$work/out" 2>&1 || status=$?
[ "$status" -eq 1 ] && grep -q "Unknown transport 'foo'" "$work/out" || { cat "$work/out" >&2; fail "unknown scheme"; }
status=0
"$euiccctl" probe >"$work/out" 2>&1 || status=$?
[ "$status" -eq 2 ] || fail "missing --device: exit status $status, expected 2"

echo "$cases card faults, a dying modem and bad devices all gave clear errors"

#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# A direct download asked for over D-Bus on an eUICC with no eIM, the daemon killed halfway through the Bound
# Profile Package: after the restart the next Download first cancels the cut-short session on the eUICC and at
# the SM-DP+ (ES9+ CancelSession, signed by the eUICC), then installs its own profile.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/dbus/dbus-lib.sh"
. "$top_srcdir/tests/e2e/e2e-download-lib.sh"

start_rsp smdp
# The eIM runs only for the configuration's CaFile: the eUICC has none.
start_eim --binding both
make_euicc "$state" --pki "$smdpdir/euicc-pki.json" --smdp "$SMDP_ADDRESS"
EID=$(state_field "$state" 's["eid"]')
start_modem
write_config "[Download]" "CiCertificates=$smdpdir/ci.pem"
start_bus

smdpctl profile matchingId=CUT-1,iccid=8944000000000000185 >/dev/null
smdpctl profile matchingId=NEXT-2,iccid=8944000000000000193 >/dev/null
EUICCD_TEST_KILL_AT=download-bpp-segment:5
export EUICCD_TEST_KILL_AT
start_service
unset EUICCD_TEST_KILL_AT
status=0
ctl download "1\$$SMDP_ADDRESS\$CUT-1" >/dev/null 2>"$work/cut.err" || status=$?
[ "$status" -ne 0 ] || fail "the download the daemon died in succeeded"
wait "$DAEMON_PID" 2>/dev/null || true
grep -q "EUICCD_TEST_KILL_AT: stopping hard at download-bpp-segment" "$work/service.log" ||
  { tail -n 30 "$work/service.log" >&2; fail "the daemon did not die where it should"; }
[ -f "$statedir/download-session" ] || fail "no session record after the crash"

start_service
ctl download "1\$$SMDP_ADDRESS\$NEXT-2" >"$work/next.out" 2>"$work/next.err" || { cat "$work/next.err" >&2; fail "the next download"; }
"$PY" - "$state" "$(smdpctl state)" "$statedir" <<'PYEOF' || fail "after the restart"
import json, os, sys
s = json.load(open(sys.argv[1]))
smdp = json.loads(sys.argv[2])
p = {x["iccid"]: x for x in s["profiles"]}
assert "8944000000000000185" not in p, "half-installed profile left"
assert p["8944000000000000193"]["state"] == "disabled", p
cut = [v for v in smdp["sessions"].values() if v.get("iccid") == "8944000000000000185"]
assert cut and cut[0]["stage"] == "cancelled", cut
assert [c for c in smdp["cancelled"] if c.get("signature_ok")], smdp["cancelled"]
assert not os.path.exists(os.path.join(sys.argv[3], "download-session")), "the session record is left"
PYEOF
stop_service
echo "a direct download cut short by a crash is cancelled by the next one"

#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Entries of the eUICC's lists that cannot be decoded (the software eUICC's bad-notification,
# bad-package-result, bad-profile and bad-eim deviations) are left out and reported once each, however often
# the lists are read: one warning each in the log, one history entry each (skipped:<list>), and SkippedItems
# on the bus counts them; the polls succeed, a PSMO is carried out and reported, and the rest of each list
# (profiles, eIM configurations) is shown.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/dbus/dbus-lib.sh"

grep -q '"bad-notification"' "$peers/softeuicc/deviations.py" 2>/dev/null ||
  skip "the software eUICC has no bad-entry deviations"

P3=89000123456789000023   # disabled test profile
start_all
printf '[Daemon]\nAdminGroup=%s\n[Poll]\nPollOnStart=no\n' "$ADMIN_GROUP" >>"$conf"
"$PY" - "$state" <<'PYEOF'
import json, os, sys
s = json.load(open(sys.argv[1]))
s["deviations"] = ["bad-notification", "bad-package-result", "bad-profile", "bad-eim"]
with open(sys.argv[1] + ".new", "w") as f:
    json.dump(s, f)
os.rename(sys.argv[1] + ".new", sys.argv[1])
PYEOF
start_bus
start_service

poll_bus() {
  bctl --timeout=120 call "$SERVICE" "$MANAGER" org.euiccd.Euiccd1 Poll >"$work/poll-call.txt" || fail "busctl call Poll"
  grep -q '"success" b true' "$work/poll-call.txt" ||
    { cat "$work/poll-call.txt" >&2; tail -n 40 "$work/service.log" >&2; fail "${1:-poll} failed"; }
}

queue --psmo "enable:$P3"
poll_bus "the poll with a PSMO"
check_result 'assert res is not None and codes(res) == [("enableResult", 0)], res'
poll_bus "a second poll"
bctl call "$SERVICE" "$MANAGER" org.euiccd.Euiccd1 Refresh || fail "Refresh"
queue --psmo "disable:$P3"
poll_bus "a third poll"

[ "$(bctl get-property "$SERVICE" "$MANAGER" org.euiccd.Euiccd1 SkippedItems)" = "u 4" ] ||
  fail "SkippedItems is $(bctl get-property "$SERVICE" "$MANAGER" org.euiccd.Euiccd1 SkippedItems), expected 4"
for list in notification profile eimConfiguration; do
  n=$(grep -c "The eUICC's $list list holds an entry that cannot be decoded" "$work/service.log" || true)
  want=1
  [ "$list" = notification ] && want=2
  [ "$n" = "$want" ] || fail "the bad $list entries were logged $n times, expected $want"
done
ctl history 0 --json >"$work/history.json" || fail "euiccctl history"
"$PY" -c 'import json, sys
h = json.load(open(sys.argv[1]))
ops = sorted(e["operation"] for e in h if e["operation"].startswith("skipped:"))
assert ops == ["skipped:eimConfiguration", "skipped:notification", "skipped:notification", "skipped:profile"], ops
assert all(e["result"] == "undecodable" and e.get("detail") for e in h if e["operation"].startswith("skipped:")), h' \
  "$work/history.json" || fail "the history of the skipped entries"
ctl status >"$work/status.txt" && grep -q "^Skipped: *4 undecodable card entries left out" "$work/status.txt" ||
  { cat "$work/status.txt" >&2; fail "euiccctl status does not count them"; }
# The rest of each list is there.
ctl profiles >"$work/profiles.txt" && [ "$(grep -c '^89' "$work/profiles.txt")" = 3 ] ||
  { cat "$work/profiles.txt" >&2; fail "the good profiles are not all shown"; }
ctl eims >"$work/eims.txt" && grep -q "^eIM eim-test" "$work/eims.txt" || { cat "$work/eims.txt" >&2; fail "eim-test not shown"; }
stop_service
echo "four bad entries over three polls and a refresh: each logged once, recorded once, counted once"

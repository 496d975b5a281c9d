#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# euiccd as a service against a software eUICC whose lists each hold one entry that cannot be decoded (a pending
# notification, a kept eUICC package result, a profile, an eIM configuration): each poll succeeds, two queued
# PSMOs are applied and their results reach the eIM, every good notification is delivered, the good profiles
# show on the bus. euiccctl probe then shows every good entry and names each bad one.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/e2e/e2e-card-lib.sh"

start_all
start_bus
card_set deviations '["bad-notification", "bad-package-result", "bad-profile", "bad-eim"]'
start_daemon --bus system
polls=1
wait_poll_end "the first poll" || { cat "$work/poll.log" >&2; fail "the first poll with bad entries failed"; }
check_eim 'assert len([x for x in r if x["function"] == "handleNotification"]) == 3, len(r)' \
  "the good notifications beside the bad one"
for iccid in "$P1" "$P2" "$P3"; do
  [ "$(profile_state "$iccid")" != none ] || fail "the bus lost profile $iccid beside the undecodable one"
done
run_psmos "bad entries"
# The card layer left each bad entry out with its reason (what the daemon does with them is its own business).
for what in "ProfileInfoListResponse: left out entry 3 (tag E3): ProfileInfo: iccid (5A): ICCID: 9 bytes" \
            "GetEimConfigurationDataResponse: left out entry 1 (tag 30): EimConfigurationData: eimId (80) missing" \
            "RetrieveNotificationsListResponse: left out entry 3 (tag 30): OtherSignedNotification: tbsOtherNotification (BF2F) missing" \
            "RetrieveNotificationsListResponse: left out entry 0 (tag BF51): EuiccPackageResult: eimId (80) missing"; do
  grep -q -F "$what" "$daemon_log" || fail "no trace of the bad entry: $what"
done
# Bad entries are not deviations, and everything else the card sends is DER: nothing to warn about.
warnings=$(no_warning_twice)
[ "$warnings" -eq 0 ] || { cat "$work/warnings" >&2; fail "a card answering in DER was warned about"; }
stop_daemon
echo "one bad entry in each list: $polls polls succeeded, 2 PSMOs applied and reported, 7 notifications and results delivered"

# The probe shows every good entry and names each bad one.
status=0
timeout 60 "$euiccctl" probe --device "$DEVICE" --exclusive --json >"$work/probe.json" 2>"$work/probe.err" || status=$?
[ "$status" -eq 1 ] || { cat "$work/probe.json" "$work/probe.err" >&2; fail "probe of the card with bad entries exited $status, expected 1"; }
"$PY" - "$work/probe.json" <<'PYEOF' || { cat "$work/probe.json" >&2; fail "the probe did not read what it could"; }
import json, sys
r = json.load(open(sys.argv[1]))
assert sorted(r["errors"]) == ["eimConfigurations", "notifications", "profiles"], r["errors"]
assert len(r["profiles"]) == 3 and [e["eimId"] for e in r["eimConfigurations"]] == ["eim-test"], r
assert r["notifications"] == [], r["notifications"]
assert all(len(v) == 1 and v[0].startswith("left out entry ") for v in r["errors"].values()), r["errors"]
PYEOF

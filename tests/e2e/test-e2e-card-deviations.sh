#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# euiccd as a service against a software eUICC that deviates from the schema in every way docs/card-tolerance.md
# accepts, all at once: each poll succeeds, two queued PSMOs are applied and their results reach the eIM, every
# pending notification is delivered, the profiles show on the bus, and each deviation is warned about exactly
# once over all the polls (a SIGHUP re-read included). euiccctl probe then reads the same card in full.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/e2e/e2e-card-lib.sh"

start_all
start_bus

# ---- every deviation whose meaning is clear, all at once ----
card_set deviations '["empty-notification-list", "profileinfo-sequence", "long-lengths", "padded-integers",
                      "unwrapped-lists", "extra-fields", "repeated-fields", "unknown-state"]'
start_daemon --bus system
polls=1
wait_poll_end "the first poll" || { cat "$work/poll.log" >&2; fail "the first poll against the deviating card failed"; }
[ "$(profile_state "$P1")" = 's "enabled"' ] || fail "the bus does not show $P1 enabled: $(profile_state "$P1")"
# profileState 7 (unknown-state) is shown as not known, not guessed.
[ "$(profile_state "$P2")" = 's ""' ] || fail "the bus shows $P2 as $(profile_state "$P2"), expected no state"
run_psmos "deviations"
# SIGHUP reads the card afresh: still no second warning.
kill -HUP "$DAEMON_PID"
wait_poll_end "the poll after SIGHUP" || { cat "$work/poll.log" >&2; fail "the poll after SIGHUP failed"; }
polls=$((polls + 1))
warned_once \
  "RetrieveNotificationsList: RetrieveNotificationsListResponse: empty, read as an empty notificationList" \
  "RetrieveNotificationsList: RetrieveNotificationsListResponse: notificationList without its A0 wrapper" \
  "RetrieveNotificationsList: RetrieveNotificationsListResponse: length octets in a longer form than needed" \
  "GetProfilesInfo: ProfileInfo: tagged 30 (SEQUENCE) instead of E3" \
  "GetProfilesInfo: ProfileInfoListResponse: profileInfoListOk without its A0 wrapper" \
  "GetProfilesInfo: ProfileInfo: profileState (9F70): INTEGER with redundant leading octets" \
  "GetProfilesInfo: ProfileInfo: profileState (9F70) outside the enumeration, read as unknown" \
  "GetProfilesInfo: ProfileInfo: field 5A repeated with the same value" \
  "GetProfilesInfo: ProfileInfo: length octets in a longer form than needed" \
  "GetEimConfigurationData: GetEimConfigurationDataResponse: eimConfigurationDataList without its A0 wrapper" \
  "GetEimConfigurationData: EimConfigurationData: counterValue (83): INTEGER with redundant leading octets" \
  "GetEimConfigurationData: EimConfigurationData: field 80 repeated with the same value" \
  "GetEID: GetEuiccDataResponse: length octets in a longer form than needed"
warnings=$(no_warning_twice)
stop_daemon
echo "every deviation read over $polls polls, each of the $warnings warnings given once; 2 PSMOs applied and reported, 7 notifications and results delivered"

# The probe reads the same card in full.
status=0
timeout 60 "$euiccctl" probe --device "$DEVICE" --exclusive --json >"$work/probe.json" 2>"$work/probe.err" || status=$?
[ "$status" -eq 0 ] || { cat "$work/probe.json" "$work/probe.err" >&2; fail "probe of the deviating card exited $status"; }
"$PY" -c 'import json,sys; r=json.load(open(sys.argv[1])); assert "errors" not in r and len(r["profiles"]) == 3 and r["notifications"] == [], r' \
  "$work/probe.json" || fail "the probe did not read the deviating card in full"


#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# euiccctl probe shows every part it could read: a card that refuses one part (its EID, its profiles) still has
# everything else printed, the failing part named with its error (per part under "errors" in --json) and exit
# status 1. A card that deviates from the schema in ways whose meaning is clear is read in full, each deviation
# warned about once; list entries that cannot be decoded are named, the entries around them still shown.
. "$(dirname "$0")/common.sh"

[ -x "$euiccctl" ] || skip "euiccctl not built"
have_transport QMI || skip "QMI transport not built"

state=$work/euicc.json
make_euicc "$state" --add-initial-eim eimId=eim1,fqdn=127.0.0.1:8443,counter=1
start_fake fake-qmi-modem.py --state "$state"
device="qmi:$FAKE_PTY"

# card_set KEY JSON: sets a key of the card's state file while the fake modem runs.
card_set() {
  "$PY" -c 'import json,os,sys; p=sys.argv[1]; s=json.load(open(p)); s[sys.argv[2]]=json.loads(sys.argv[3]); json.dump(s,open(p+".t","w")); os.rename(p+".t",p)' "$state" "$1" "$2"
}

# probe_json EXPECTED-STATUS NAME: probe --json into $work/NAME.json (stderr in NAME.err), and text into NAME.txt.
probe_json() {
  status=0
  timeout 60 "$euiccctl" probe --device "$device" --exclusive --json >"$work/$2.json" 2>"$work/$2.err" || status=$?
  [ "$status" -eq "$1" ] || { cat "$work/$2.json" "$work/$2.err" >&2; fail "$2: probe --json exit status $status, expected $1"; }
  status=0
  timeout 60 "$euiccctl" probe --device "$device" --exclusive >"$work/$2.txt" 2>"$work/$2.txt.err" || status=$?
  [ "$status" -eq "$1" ] || { cat "$work/$2.txt" "$work/$2.txt.err" >&2; fail "$2: probe exit status $status, expected $1"; }
}

# check NAME 'PYTHON' with r (the JSON report) and s (the card state).
check() {
  "$PY" - "$state" "$work/$1.json" "$2" <<'PYEOF' || { cat "$work/$1.json" >&2; fail "$1: $2"; }
import json, sys
s = json.load(open(sys.argv[1]))
r = json.load(open(sys.argv[2]))
good_profiles = [p["iccid"] for p in s["profiles"]]
good_seqs = sorted(n["seq"] for n in s["notifications"])
exec(sys.argv[3])
PYEOF
}

# --- one part refused: the EID
card_set faults '["sw:BF3E:6A88"]'
probe_json 1 no-eid
check no-eid '
assert list(r["errors"]) == ["eid"], r["errors"]
assert "6A88" in r["errors"]["eid"][0], r["errors"]
assert "eid" not in r
assert [p["iccid"] for p in r["profiles"]] == good_profiles, r["profiles"]
assert [e["eimId"] for e in r["eimConfigurations"]] == ["eim1"]
assert sorted(n["seqNumber"] for n in r["notifications"]) == good_seqs
assert r["euiccInfo2"]["svn"] == s["euicc_info"]["svn"]'
grep -q "^error: EID: .*6A88" "$work/no-eid.txt" || { cat "$work/no-eid.txt" >&2; fail "no-eid: the text report does not name the EID's error"; }
grep -q "^Profiles: " "$work/no-eid.txt" || { cat "$work/no-eid.txt" >&2; fail "no-eid: the profiles are not shown"; }
echo "ok the EID refused: every other part shown"

# --- one part refused: the profiles; and another part garbled: the eIM configurations
card_set faults '["sw:BF2D:6A80", "garbage:BF55"]'
probe_json 1 no-profiles
check no-profiles '
assert sorted(r["errors"]) == ["eimConfigurations", "profiles"], r["errors"]
assert "6A80" in r["errors"]["profiles"][0], r["errors"]
assert "profiles" not in r and "eimConfigurations" not in r
assert r["eid"] == s["eid"]
assert sorted(n["seqNumber"] for n in r["notifications"]) == good_seqs'
grep -q "^EID: " "$work/no-profiles.txt" && grep -q "^error: profiles: " "$work/no-profiles.txt" \
  && grep -q "^error: eIM configuration: " "$work/no-profiles.txt" \
  || { cat "$work/no-profiles.txt" >&2; fail "no-profiles: text report"; }
echo "ok the profiles refused and the eIM configurations garbled: the rest shown"
card_set faults '[]'

# --- every unambiguous deviation at once: read in full, exit 0, each deviation warned once per probe
card_set deviations '["empty-notification-list", "profileinfo-sequence", "long-lengths", "padded-integers", "extra-fields", "repeated-fields", "unknown-state"]'
probe_json 0 deviations
check deviations '
assert "errors" not in r, r["errors"]
assert r["eid"] == s["eid"]
assert [p["iccid"] for p in r["profiles"]] == good_profiles, r["profiles"]
for got, want in zip(r["profiles"], s["profiles"]):
    # unknown-state: a disabled profile reports 7, shown as not known rather than guessed
    assert got.get("profileState") == ("enabled" if want["state"] == "enabled" else None), (got, want)
assert r["eimConfigurations"][0]["counterValue"] == 1
assert sorted(n["seqNumber"] for n in r["notifications"]) == good_seqs'
for warning in "GetProfilesInfo: ProfileInfo: tagged 30 (SEQUENCE) instead of E3" \
               "GetProfilesInfo: ProfileInfo: profileState (9F70): INTEGER with redundant leading octets" \
               "GetProfilesInfo: ProfileInfo: field 5A repeated with the same value" \
               "GetProfilesInfo: ProfileInfo: profileState (9F70) outside the enumeration, read as unknown" \
               "GetEimConfigurationData: EimConfigurationData: counterValue (83): INTEGER with redundant leading octets" \
               "GetEimConfigurationData: EimConfigurationData: field 80 repeated with the same value" \
               "GetEID: GetEuiccDataResponse: length octets in a longer form than needed" \
               "RetrieveNotificationsList: RetrieveNotificationsListResponse: length octets in a longer form than needed"; do
  n=$(grep -c -F "$warning; accepted" "$work/deviations.err" || true)
  [ "$n" -eq 1 ] || { cat "$work/deviations.err" >&2; fail "deviations: \"$warning\" warned $n times in one probe, expected once"; }
done
echo "ok every unambiguous deviation read, each warned once"

# --- the lists without their A0 wrappers, and the empty notification list (nothing pending)
card_set notifications '[]'
card_set deviations '["unwrapped-lists", "empty-notification-list"]'
probe_json 0 unwrapped
check unwrapped '
assert "errors" not in r, r["errors"]
assert [p["iccid"] for p in r["profiles"]] == good_profiles, r["profiles"]
assert [e["eimId"] for e in r["eimConfigurations"]] == ["eim1"]
assert r["notifications"] == []'
grep -q -F "RetrieveNotificationsListResponse: empty, read as an empty notificationList; accepted" "$work/unwrapped.err" \
  && grep -q -F "profileInfoListOk without its A0 wrapper; accepted" "$work/unwrapped.err" \
  && grep -q -F "eimConfigurationDataList without its A0 wrapper; accepted" "$work/unwrapped.err" \
  || { cat "$work/unwrapped.err" >&2; fail "unwrapped: deviations not warned"; }
echo "ok the lists without their wrappers and BF2B00 read"

# --- one bad entry per list: the good entries shown, each bad one named, exit status 1
make_euicc "$state" --add-initial-eim eimId=eim1,fqdn=127.0.0.1:8443,counter=1
card_set deviations '["bad-profile", "bad-eim", "bad-notification"]'
probe_json 1 bad-items
check bad-items '
assert sorted(r["errors"]) == ["eimConfigurations", "notifications", "profiles"], r["errors"]
n = len(s["profiles"])
assert r["errors"]["profiles"] == ["left out entry %d (tag E3): ProfileInfo: iccid (5A): ICCID: 9 bytes, expected 10" % n], r["errors"]
assert r["errors"]["eimConfigurations"] == ["left out entry 1 (tag 30): EimConfigurationData: eimId (80) missing"], r["errors"]
assert r["errors"]["notifications"] == ["left out entry %d (tag 30): OtherSignedNotification: tbsOtherNotification (BF2F) missing" % len(s["notifications"])], r["errors"]
assert [p["iccid"] for p in r["profiles"]] == good_profiles, r["profiles"]
assert [e["eimId"] for e in r["eimConfigurations"]] == ["eim1"]
assert sorted(n["seqNumber"] for n in r["notifications"]) == good_seqs'
grep -q "^error: profiles: left out entry" "$work/bad-items.txt" || { cat "$work/bad-items.txt" >&2; fail "bad-items: text report"; }
echo "ok one bad entry in each list: the others shown, the bad ones named"

# SPDX-License-Identifier: Apache-2.0
# Shared by the card deviation tests: euiccd as a service on a private system-like bus (so it reads the profiles
# too, tests/dbus/dbus-lib.sh) against a software eUICC whose "deviations" (tests/peers/softeuicc/deviations.py)
# are switched on; PSMOs through the test eIM, checks of what reached the eIM, the bus and the log.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/dbus/dbus-lib.sh"

P1=89000123456789012358   # enabled, operational
P2=89000123456789000015   # disabled, fallback attribute
P3=89000123456789000023   # disabled, test profile

# card_set KEY JSON: sets a key of the card's state file (the software eUICC re-reads it on every command).
card_set() {
  "$PY" -c 'import json,os,sys; p=sys.argv[1]; s=json.load(open(p)); s[sys.argv[2]]=json.loads(sys.argv[3]); json.dump(s,open(p+".t","w")); os.rename(p+".t",p)' "$state" "$1" "$2"
}

# warned_once TEXT...: each TEXT appears in exactly one warning line of the daemon's log.
warned_once() {
  for _w in "$@"; do
    _n=$(grep -c -F "$_w; accepted" "$daemon_log" || true)
    [ "$_n" -eq 1 ] || { grep -F "accepted" "$daemon_log" >&2; fail "\"$_w\" warned $_n times over $polls polls, expected once"; }
  done
}

# no_warning_twice: no deviation warning of the daemon's log is repeated; prints how many there are.
no_warning_twice() {
  grep -F "; accepted (warned once per card)" "$daemon_log" | sed 's/^[^ ]* //' | sort >"$work/warnings"
  _twice=$(uniq -d "$work/warnings")
  [ -z "$_twice" ] || fail "warned more than once over $polls polls: $_twice"
  wc -l <"$work/warnings"
}

# profile_state ICCID: the State property of that profile's object on the bus.
profile_state() {
  for _p in $(bctl get-property "$SERVICE" "$MANAGER/Euicc/0" org.euiccd.Euiccd1.Euicc Profiles | tr -d '"' | cut -d' ' -f3-); do
    if [ "$(bctl get-property "$SERVICE" "$_p" org.euiccd.Euiccd1.Profile Iccid)" = "s \"$1\"" ]; then
      bctl get-property "$SERVICE" "$_p" org.euiccd.Euiccd1.Profile State
      return 0
    fi
  done
  echo "none"
}

# run_psmos WHAT: two PSMOs, each in its own poll, each applied and reported (polls counted in $polls).
run_psmos() {
  queue --psmo "enable:$P3"
  expect_daemon_poll_ok "$1: enable"
  polls=$((polls + 1))
  check_eim 'assert len(mine) == 1 and mine[0]["package_result"]["signature_valid"] is True, mine
assert codes(mine[0]) == [("enableResult", 0)], codes(mine[0])
assert p["'$P3'"]["state"] == "enabled" and p["'$P1'"]["state"] == "disabled"' "$1: enable"
  [ "$(profile_state "$P3")" = 's "enabled"' ] || fail "$1: the bus does not show $P3 enabled: $(profile_state "$P3")"
  queue --psmo "enable:$P1"
  expect_daemon_poll_ok "$1: enable back"
  polls=$((polls + 1))
  check_eim 'assert len(mine) == 1 and codes(mine[0]) == [("enableResult", 0)], mine
assert p["'$P1'"]["state"] == "enabled" and p["'$P3'"]["state"] == "disabled"' "$1: enable back"
  [ "$(profile_state "$P1")" = 's "enabled"' ] || fail "$1: the bus does not show $P1 enabled: $(profile_state "$P1")"
  # Nothing lost: the three notifications of the start went alone, each switch's enable and disable with its
  # result, and the card holds nothing more.
  check_eim 'assert len([x for x in r if x["function"] == "handleNotification"]) == 3, len(r)
assert sorted(len(x["acknowledged"]) for x in r if x["kind"] == "ePRAndNotifications") == [3, 3], r
assert s["notifications"] == [] and s.get("package_results", []) == [], (s["notifications"], s.get("package_results"))' "$1: notifications"
}


#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# The switches an admin asks for over D-Bus: euiccctl fallback execute|return and euiccctl emergency
# enable|disable run ExecuteFallbackMechanism, ReturnFromFallback and Enable/DisableEmergencyProfile on the
# software eUICC; the profiles change, the eUICC's refusals come back with their codes, an unprivileged caller is
# refused, and the next poll tells the eIM (notifyStateChange with stateChangeCause fallback or emergencyProfile)
# and delivers the switch's notifications. Then the fallback euiccd runs by itself: with the original profile
# without coverage, no eIM answers for [Connectivity] FallbackAfter and euiccd enables the fallback profile; after
# FallbackRetryInterval it tries the original profile again and, with still no coverage there, goes back to the
# fallback profile after AttachTimeout; once the original profile has coverage again the fallback is over.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/dbus/dbus-lib.sh"

P1=89000123456789012358   # enabled, operational
P2=89000123456789000015   # disabled, fallback attribute
P3=89000123456789000023   # disabled, marked as the emergency profile below
start_eim --binding both
setup_card
"$PY" - "$state" "$P3" <<'PYEOF' || fail "marking the emergency profile"
import json, sys
s = json.load(open(sys.argv[1]))
next(p for p in s["profiles"] if p["iccid"] == sys.argv[2])["emergency"] = True
json.dump(s, open(sys.argv[1], "w"))
PYEOF
start_modem
write_config "[Connectivity]" "FallbackAfter=2s" "FallbackRetryInterval=2s" "AttachTimeout=2s"
start_bus
start_service

enabled() {
  state_field "$state" '[p["iccid"] for p in s["profiles"] if p["state"] == "enabled"][0]'
}
# expect_refusal EXIT TEXT COMMAND...: euiccctl exits EXIT and says TEXT on stderr.
expect_refusal() {
  want=$1 text=$2
  shift 2
  status=0
  ctl "$@" >/dev/null 2>"$work/refused.txt" || status=$?
  [ "$status" -eq "$want" ] || { cat "$work/refused.txt" >&2; fail "euiccctl $* exited $status, expected $want"; }
  grep -q "$text" "$work/refused.txt" || { cat "$work/refused.txt" >&2; fail "euiccctl $*: no '$text'"; }
}
# poll_notified CAUSE: a poll over D-Bus; the eIM's last GetEimPackage carried notifyStateChange with CAUSE.
poll_notified() {
  ctl poll >"$work/poll.txt" || { cat "$work/poll.txt" >&2; tail -n 40 "$work/service.log" >&2; fail "poll after $1"; }
  check_py 'notified = [p for p in polls if p.get("notifyStateChange")]
assert notified and notified[-1]["stateChangeCauseName"] == "'$1'", polls[-3:]
assert s["notifications"] == [], s["notifications"]' "notifyStateChange $1"
}

ctl poll >/dev/null || fail "first poll"
# Not for everyone: the bus policy and the daemon refuse an unprivileged caller before the card is touched.
status=0
as_uid "$NOBODY_UID" "$NOBODY_GID" "$busdir/euiccctl" fallback execute >/dev/null 2>"$work/nobody.txt" || status=$?
[ "$status" -eq 3 ] || { cat "$work/nobody.txt" >&2; fail "fallback execute by nobody exited $status, expected 3"; }
[ "$(enabled)" = "$P1" ] || fail "a refused caller switched the profile"
expect_refusal 2 "expected execute or return" fallback sideways

ctl fallback execute >"$work/out.txt" || { tail -n 40 "$work/service.log" >&2; fail "fallback execute"; }
[ "$(enabled)" = "$P2" ] || fail "the fallback profile is not enabled after fallback execute: $(enabled)"
# The Profile objects show the switch (the daemon read the eUICC again).
ctl profiles >"$work/profiles.txt" && grep -q "^$P2 *enabled" "$work/profiles.txt" && grep -q "^$P1 *disabled" "$work/profiles.txt" ||
  { cat "$work/profiles.txt" >&2; fail "euiccctl profiles after fallback execute"; }
expect_refusal 1 "profileNotInDisabledState(2)" fallback execute
poll_notified fallback

ctl fallback return >/dev/null || { tail -n 40 "$work/service.log" >&2; fail "fallback return"; }
[ "$(enabled)" = "$P1" ] || fail "fallback return did not enable $P1 again: $(enabled)"
expect_refusal 1 "commandError(7)" fallback return
poll_notified fallback

expect_refusal 1 "profileNotInEnabledState(2)" emergency disable
ctl --json emergency enable >"$work/emergency.json" || { tail -n 40 "$work/service.log" >&2; fail "emergency enable"; }
grep -q '"EnableEmergencyProfile"' "$work/emergency.json" || { cat "$work/emergency.json" >&2; fail "emergency enable --json"; }
[ "$(enabled)" = "$P3" ] || fail "the emergency profile is not enabled: $(enabled)"
poll_notified emergencyProfile
ctl emergency disable >/dev/null || fail "emergency disable"
[ "$(enabled)" = "$P1" ] || fail "emergency disable did not enable $P1 again: $(enabled)"
poll_notified emergencyProfile

# poll_until ICCID WHAT: polls (over D-Bus, next to the daemon's own backoff polls) until ICCID is enabled.
poll_until() {
  for _ in $(seq 30); do
    [ "$(enabled)" = "$1" ] && return 0
    ctl poll >/dev/null 2>&1 || true
    sleep 0.5
  done
  tail -n 60 "$work/service.log" >&2
  fail "$2: $1 never enabled (now $(enabled))"
}
saved_fallback() {
  sed -n 's/^Active=//p' "$statedir/fallback"
}

# No coverage over the original profile: once no eIM has answered for FallbackAfter, the fallback profile.
eimctl coverage --card-state "$state" "$P1" >/dev/null
poll_until "$P2" "fallback after FallbackAfter without an eIM"
grep -q "asking the eUICC for its fallback profile" "$work/service.log" || fail "no fallback in the log"
[ "$(saved_fallback)" = true ] || fail "the fallback is not saved: $(cat "$statedir/fallback")"
poll_notified fallback
# After FallbackRetryInterval the original profile is tried; still without coverage, back to the fallback profile.
poll_until "$P1" "return to the original profile after FallbackRetryInterval"
poll_until "$P2" "fallback again when the original profile still reaches no eIM"
grep -q "over the original profile either" "$work/service.log" || fail "no second fallback in the log"
[ "$(saved_fallback)" = true ] || fail "the fallback is not saved after the second one"
# Coverage is back: the next try of the original profile reaches the eIM and the fallback is over.
eimctl coverage >/dev/null
poll_until "$P1" "return once the original profile has coverage again"
ctl poll >/dev/null || fail "poll over the original profile"
for _ in $(seq 20); do
  grep -q "the fallback is over" "$work/service.log" && break
  ctl poll >/dev/null 2>&1 || true
  sleep 0.5
done
grep -q "the fallback is over" "$work/service.log" || { tail -n 40 "$work/service.log" >&2; fail "the fallback did not end"; }
[ "$(saved_fallback)" = false ] || fail "the end of the fallback is not saved"
sleep 2.5
ctl poll >/dev/null || fail "poll after the fallback"
[ "$(enabled)" = "$P1" ] || fail "euiccd left the original profile after the fallback ended: $(enabled)"
stop_service
echo "fallback and emergency profile switched through the daemon, refusals named, eIM told; fallback by itself"

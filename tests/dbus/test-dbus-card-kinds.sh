#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Cards euiccd cannot manage, through the software eUICC's modes behind the fake QMI modem: a plain UICC (no
# ISD-R) and an SGP.02 M2M eUICC (an ISD-R without SGP.22/SGP.32 ES10) are reported on the bus with the reason
# (CardSupport, CardProblem, euiccctl status) while the daemon stays up and looks again at the poll interval,
# not in a storm; a Refresh after the card changed finds the eUICC. An eUICC whose IPAe is active is detected
# (SELECT response E1, EUICCInfo2 ipaMode), its eIMs are left to it, and SetIpaeActive (IpaeActivation)
# deactivates it, after which euiccd polls again; on an eUICC without an IPAe it fails with NotSupported. A consumer
# (SGP.22) eUICC is managed (CardSupport sgp22) with the eIM AddInitialEim stores with euiccd; a refusal of
# GetEimConfigurationData that is passing (6F00, EUICCInfo2 unreadable) or from an SGP.32 eUICC does not make one.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/dbus/dbus-lib.sh"

daemon_log=$work/service.log

# card KEY=JSON...: sets keys of the software eUICC's state (it re-reads the file at each command).
card() {
  "$PY" - "$state" "$@" <<'PYEOF'
import json, os, sys
s = json.load(open(sys.argv[1]))
for item in sys.argv[2:]:
    key, value = item.split("=", 1)
    if value == "null":
        s.pop(key, None)
    else:
        s[key] = json.loads(value)
with open(sys.argv[1] + ".new", "w") as f:
    json.dump(s, f)
os.rename(sys.argv[1] + ".new", sys.argv[1])
PYEOF
}

manager_property() {
  bctl get-property "$SERVICE" "$MANAGER" org.euiccd.Euiccd1 "$1"
}

# wait_support VALUE: until CardSupport is VALUE.
wait_support() {
  for _ in $(seq 200); do
    [ "$(manager_property CardSupport 2>/dev/null)" = "s \"$1\"" ] && return 0
    sleep 0.05
  done
  tail -n 30 "$daemon_log" >&2
  fail "CardSupport is $(manager_property CardSupport 2>&1), expected $1"
}

start_all
card 'card_kind="uicc"'
sed -i 's/^Interval=1h$/Interval=2s/; s/^BackoffMax=4s$/BackoffMax=1h/' "$conf"
grep -q '^Interval=2s$' "$conf" || fail "the configuration has no Interval= line to change"
printf '[Daemon]\nAdminGroup=%s\n' "$ADMIN_GROUP" >>"$conf"
start_bus
start_daemon --bus system
pid=$DAEMON_PID

# A plain UICC: reported, and looked at again at the 2 s interval while the daemon stays up.
wait_support uicc
manager_property CardProblem | grep -q "the card has no ISD-R (.*6A82.*): a UICC without eSIM" ||
  fail "CardProblem is $(manager_property CardProblem)"
ctl status >"$work/status.txt" || fail "euiccctl status"
grep -q "^Card: *uicc: the card has no ISD-R" "$work/status.txt" || { cat "$work/status.txt" >&2; fail "status"; }
sleep 5
failed=$(grep -c "Poll failed: .*the card has no ISD-R" "$daemon_log" || true)
[ "$failed" -ge 2 ] && [ "$failed" -le 4 ] ||
  { tail -n 30 "$daemon_log" >&2; fail "$failed polls of the UICC in about 5 s, expected 2 to 4 at a 2 s interval"; }
# The interval is the shortest delay; the backoff may make it longer, never shorter.
grep "Poll failed: .*the card has no ISD-R" "$daemon_log" | grep -q "next try in [01] s$" &&
  { grep "Poll failed: .*the card has no ISD-R" "$daemon_log" >&2; fail "a poll of the UICC was retried before the interval"; }
daemon_alive && [ "$DAEMON_PID" = "$pid" ] || fail "euiccd did not stay up with a UICC"
[ "$(grep -c "euiccd: The card cannot be managed by euiccd: the card has no ISD-R" "$daemon_log")" -eq 1 ] ||
  fail "the reason was not warned about exactly once"

# An SGP.02 M2M eUICC: the ISD-R is there but refuses ES10.
card 'card_kind="m2m"'
bctl call "$SERVICE" "$MANAGER" org.euiccd.Euiccd1 Refresh 2>/dev/null && fail "Refresh read an M2M card"
wait_support m2m
manager_property CardProblem | grep -q "the ISD-R answers no ES10 request (.*6982.*): an SGP.02 (M2M) eUICC" ||
  fail "CardProblem is $(manager_property CardProblem)"

# An SGP.32 eUICC with its IPAe active: found on Refresh (a card event); its eIMs are left to it.
card 'card_kind=null' 'ipae={"supported": true, "active": true}'
bctl call "$SERVICE" "$MANAGER" org.euiccd.Euiccd1 Refresh || fail "Refresh of the IPAe card"
wait_support ipae-active
[ "$(manager_property IpaeSupported)" = "b true" ] || fail "IpaeSupported is $(manager_property IpaeSupported)"
requests=$(eim_stat requests)
bctl --timeout=60 call "$SERVICE" "$MANAGER" org.euiccd.Euiccd1 Poll >"$work/poll-call.txt" || fail "Poll"
grep -q '"success" b true' "$work/poll-call.txt" || fail "the poll with the IPAe active failed"
grep -q "The eUICC's IPAe is active: its eIMs are not polled by euiccd" "$daemon_log" || fail "the IPAe eIMs were polled"
[ "$(eim_stat requests)" = "$requests" ] || fail "the eIM was polled with the IPAe active"

# Deactivated through euiccd: the card is managed again and polled.
ctl ipae off >"$work/ipae.txt" || { cat "$work/ipae.txt" >&2; fail "euiccctl ipae off"; }
wait_support supported
state_field "$state" 's["ipae"]["active"]' | grep -q False || fail "the card's IPAe is still active"
ctl poll >/dev/null || fail "euiccctl poll after the IPAe was deactivated"
[ "$(eim_stat requests)" != "$requests" ] || fail "the eIM was not polled after deactivation"

# An eUICC without an IPAe answers notSupported.
card 'ipae=null'
ctl ipae on 2>"$work/ipae.err" && fail "ipae on succeeded on an eUICC without an IPAe"
grep -q "notSupported" "$work/ipae.err" || { cat "$work/ipae.err" >&2; fail "the refusal does not say notSupported"; }
# Only a card that refuses GetEimConfigurationData as a function it does not know and whose EUICCInfo2 has no
# SGP.32 field is a consumer eUICC. refused_refresh WHY FAULT: a Refresh that fails with WHY and leaves CardSupport.
refused_refresh() {
  card "faults=[\"$2\"]"
  bctl call "$SERVICE" "$MANAGER" org.euiccd.Euiccd1 Refresh 2>"$work/refresh.err" && fail "Refresh with $2 succeeded"
  grep -q "$1" "$work/refresh.err" || { cat "$work/refresh.err" >&2; fail "the Refresh with $2 does not say $1"; }
  [ "$(manager_property CardSupport)" = "s \"$3\"" ] || fail "CardSupport is $(manager_property CardSupport) after $2"
}
# An SGP.32 eUICC whose GetEimConfigurationData fails (6F00), or refuses it while its EUICCInfo2 names SGP.32.
refused_refresh "6F00 (not the refusal of a function the card does not know" "sw:BF55:6F00" supported
refused_refresh "6A88, although the card's EUICCInfo2 has SGP.32's iotSpecificInfo" "sw:BF55:6A88" supported
# A consumer eUICC failing for a passing reason (6F00 to GetEimConfigurationData, to GetEUICCInfo2) stays what it
# was until the card answers as one.
card 'card_kind="sgp22"'
refused_refresh "GetEimConfigurationData.*6F00 (not the refusal" "sw:BF55:6F00" supported
refused_refresh "reading EUICCInfo2 to tell a consumer eUICC: .*6F00" "sw:BF22:6F00" supported
grep -q "A consumer (SGP.22) eUICC" "$daemon_log" && fail "a passing failure was taken for a consumer eUICC"
# Another status word of a card that does not know the function (6D00) is the same refusal as 6A88.
card 'faults=["sw:BF55:6D00"]'
bctl call "$SERVICE" "$MANAGER" org.euiccd.Euiccd1 Refresh || fail "Refresh of the consumer eUICC answering 6D00"
wait_support sgp22
grep -q "A consumer (SGP.22) eUICC: it refuses GetEimConfigurationData (.*6D00)" "$daemon_log" ||
  fail "the consumer eUICC was not logged"
card 'faults=null'

# A consumer (SGP.22) eUICC: managed, with no problem to report; it holds no eIM, so AddInitialEim stores the eIM
# with euiccd (state file sgp22-eims) and the eUICC object shows it.
bctl call "$SERVICE" "$MANAGER" org.euiccd.Euiccd1 Refresh || fail "Refresh of the consumer eUICC"
wait_support sgp22
[ "$(manager_property CardProblem)" = 's ""' ] || fail "CardProblem is $(manager_property CardProblem) for a consumer eUICC"
ctl add-initial-eim --eim-id eim-sgp22 --fqdn "$EIM_FQDN" --association-token --public-key "$eimdir/eim-pub.pem" \
  --json >"$work/added.json" || fail "euiccctl add-initial-eim on the consumer eUICC"
"$PY" -c 'import json,sys; r=json.load(open(sys.argv[1])); assert r["eimId"]=="eim-sgp22" and r["associationToken"]==1, r' \
  "$work/added.json" || fail "add-initial-eim answered $(cat "$work/added.json")"
[ -s "$statedir/sgp22-eims" ] || fail "the eIM was not stored in the state directory"
state_field "$state" 's.get("card_kind")' | grep -q sgp22 || fail "the card changed kind"
bctl call "$SERVICE" "$MANAGER" org.euiccd.Euiccd1 Refresh || fail "Refresh after AddInitialEim"
ctl eims >"$work/eims.txt" || fail "euiccctl eims"
grep -q "eim-sgp22" "$work/eims.txt" || { cat "$work/eims.txt" >&2; fail "the kept eIM is not shown"; }
ctl add-initial-eim --eim-id eim-second --fqdn "$EIM_FQDN" --public-key "$eimdir/eim-pub.pem" 2>"$work/second.err" &&
  fail "a second AddInitialEim was accepted"
grep -q "already keeps an eIM" "$work/second.err" || { cat "$work/second.err" >&2; fail "the refusal does not say why"; }
echo "PASS: UICC and M2M reported without a restart storm; IPAe detected, deactivated, polled again; consumer eUICC managed"

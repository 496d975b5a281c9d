#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# euiccd on a private system-like bus between the software eUICC (behind the fake QMI modem) and the test eIM:
# introspection, properties and Poll with busctl; euiccctl's commands in both output forms; the objects following
# the card after a PSMO from the eIM (PropertiesChanged and PackageFinished seen by dbus-monitor); who may read
# and call what; losing the name; a clean exit on SIGTERM.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/dbus/dbus-lib.sh"

P1=89000123456789012358   # enabled, operational
P3=89000123456789000023   # disabled, test profile
start_all
printf '[Daemon]\nAdminGroup=%s\n' "$ADMIN_GROUP" >>"$conf"
start_bus
start_service

# ---- busctl: introspection, properties, the object tree ----
bctl introspect "$SERVICE" "$MANAGER" >"$work/introspect.txt" || fail "busctl introspect failed"
for member in .Poll .GetHistory .AddInitialEim .Refresh .PackageFinished .State .Version .LastPoll .NextPoll \
              .LastError org.freedesktop.DBus.ObjectManager; do
  grep -q -- "$member" "$work/introspect.txt" || { cat "$work/introspect.txt" >&2; fail "introspection lacks $member"; }
done
[ "$(bctl get-property "$SERVICE" "$MANAGER" org.euiccd.Euiccd1 Version)" = "s \"$(sed -n 's/^AC_INIT(\[euiccd\], \[\([^]]*\)\].*/\1/p' "$srcdir/configure.ac")\"" ] ||
  fail "Version is not the package version: $(bctl get-property "$SERVICE" "$MANAGER" org.euiccd.Euiccd1 Version)"
bctl get-property "$SERVICE" "$MANAGER" org.euiccd.Euiccd1 State | grep -q '^u [0-9]$' || fail "State is not a u"
bctl tree "$SERVICE" >"$work/tree.txt"
for path in Euicc/0 Euicc/0/Profile/0 Euicc/0/Profile/1 Euicc/0/Profile/2; do
  grep -q "$MANAGER/$path\$" "$work/tree.txt" || { cat "$work/tree.txt" >&2; fail "no object $path"; }
done
[ "$(bctl get-property "$SERVICE" "$MANAGER/Euicc/0" org.euiccd.Euiccd1.Euicc Eid)" = "s \"$EID\"" ] || fail "Eid wrong"
[ "$(bctl get-property "$SERVICE" "$MANAGER/Euicc/0" org.euiccd.Euiccd1.Euicc Transport)" = 's "qmi"' ] || fail "Transport"
bctl get-property "$SERVICE" "$MANAGER/Euicc/0" org.euiccd.Euiccd1.Euicc EimConfigurations | grep -q '"eimId" s "eim-test"' ||
  fail "EimConfigurations lacks eim-test"
bctl get-property "$SERVICE" "$MANAGER/Euicc/0" org.euiccd.Euiccd1.Euicc Info | grep -q '"iotVersions" as 1 "1.2.0"' ||
  fail "Info lacks iotVersions"

# The profile object of an ICCID, by asking each.
profile_path() {
  for p in $(bctl get-property "$SERVICE" "$MANAGER/Euicc/0" org.euiccd.Euiccd1.Euicc Profiles | tr -d '"' | cut -d' ' -f3-); do
    if [ "$(bctl get-property "$SERVICE" "$p" org.euiccd.Euiccd1.Profile Iccid)" = "s \"$1\"" ]; then
      echo "$p"
      return 0
    fi
  done
  fail "no profile object for $1"
}
P3_PATH=$(profile_path "$P3")
[ "$(bctl get-property "$SERVICE" "$P3_PATH" org.euiccd.Euiccd1.Profile State)" = 's "disabled"' ] || fail "$P3 not disabled"
[ "$(bctl get-property "$SERVICE" "$P3_PATH" org.euiccd.Euiccd1.Profile Class)" = 's "test"' ] || fail "$P3 not a test profile"

# ---- euiccctl as root, human and JSON ----
ctl status >"$work/status.txt" || fail "euiccctl status"
grep -q "^State: *idle" "$work/status.txt" && grep -q "^EID: *$EID" "$work/status.txt" || { cat "$work/status.txt" >&2; fail "status output"; }
ctl status --json >"$work/status.json" || fail "euiccctl status --json"
"$PY" -c 'import json,sys; s=json.load(open(sys.argv[1])); assert s["state"]=="idle" and s["eid"]==sys.argv[2] and s["lastPoll"]>0 and s["nextPoll"]>s["lastPoll"], s' \
  "$work/status.json" "$EID" || fail "status --json"
ctl info >"$work/info.txt" && grep -q "^Transport: *qmi" "$work/info.txt" && grep -q "iotVersions *1.2.0" "$work/info.txt" ||
  { cat "$work/info.txt" >&2; fail "euiccctl info"; }
ctl info --json >"$work/info.json" || fail "euiccctl info --json"
"$PY" -c 'import json,sys; i=json.load(open(sys.argv[1])); assert i["eid"]==sys.argv[2] and i["svn"]=="2.3.0" and i["info"]["ipaMode"]=="ipad", i' \
  "$work/info.json" "$EID" || fail "info --json"
ctl profiles >"$work/profiles.txt" && grep -q "^$P1 *enabled *operational" "$work/profiles.txt" && grep -q "^$P3 *disabled *test" "$work/profiles.txt" ||
  { cat "$work/profiles.txt" >&2; fail "euiccctl profiles"; }
ctl profiles --json >"$work/profiles.json" || fail "euiccctl profiles --json"
"$PY" -c 'import json,sys; p={x["iccid"]: x for x in json.load(open(sys.argv[1]))}; assert len(p)==3 and p[sys.argv[2]]["state"]=="enabled" and sum(x["fallbackAttribute"] for x in p.values())==1, p' \
  "$work/profiles.json" "$P1" || fail "profiles --json"
ctl eims >"$work/eims.txt" && grep -q "^eIM eim-test" "$work/eims.txt" && grep -q "address *$EIM_FQDN" "$work/eims.txt" ||
  { cat "$work/eims.txt" >&2; fail "euiccctl eims"; }
ctl eims --json >"$work/eims.json" || fail "euiccctl eims --json"
"$PY" -c 'import json,sys; e=json.load(open(sys.argv[1])); assert [x["eimId"] for x in e]==["eim-test"] and e[0]["protocols"]==["eimRetrieveHttps"] and e[0]["counterValue"]>=1, e' \
  "$work/eims.json" || fail "eims --json"

# ---- a PSMO from the eIM: the objects follow the card, PropertiesChanged and PackageFinished go out ----
dbus-monitor --address "$BUS_ADDRESS" "type='signal',path_namespace='$MANAGER'" >"$work/monitor.txt" 2>&1 &
MONITOR_PID=$!
started_pids="$started_pids $MONITOR_PID"
sleep 0.5
queue --psmo "enable:$P3"
bctl --timeout=120 call "$SERVICE" "$MANAGER" org.euiccd.Euiccd1 Poll >"$work/poll-call.txt" || fail "busctl call Poll"
grep -q '"success" b true' "$work/poll-call.txt" && grep -q '"packages" u 1' "$work/poll-call.txt" ||
  { cat "$work/poll-call.txt" >&2; fail "Poll outcome"; }
check_result 'assert codes(res) == [("enableResult", 0)], codes(res)'
[ "$(bctl get-property "$SERVICE" "$P3_PATH" org.euiccd.Euiccd1.Profile State)" = 's "enabled"' ] ||
  fail "the Profile object of $P3 did not follow the enable"
[ "$(bctl get-property "$SERVICE" "$(profile_path "$P1")" org.euiccd.Euiccd1.Profile State)" = 's "disabled"' ] ||
  fail "the Profile object of $P1 did not follow the disable"
for _ in $(seq 50); do
  grep -q 'string "PackageFinished"' "$work/monitor.txt" && grep -q 'string "enabled"' "$work/monitor.txt" && break
  sleep 0.1
done
kill "$MONITOR_PID" 2>/dev/null || true
grep -A 12 "path=$P3_PATH; interface=org.freedesktop.DBus.Properties; member=PropertiesChanged" "$work/monitor.txt" |
  grep -q 'string "enabled"' || { cat "$work/monitor.txt" >&2; fail "no PropertiesChanged with State enabled for $P3_PATH"; }
grep -A 30 "member=PackageFinished" "$work/monitor.txt" | grep -q 'string "psmo:enable"' ||
  { cat "$work/monitor.txt" >&2; fail "no PackageFinished for the enable"; }
# The signal and the history carry no personal data.
if grep -A 30 "member=PackageFinished" "$work/monitor.txt" | grep -q -e "$P3" -e "$EID"; then
  fail "PackageFinished carries an ICCID or the EID"
fi
ctl history >"$work/history.txt" && grep -q "eim-test *psmo:enable *ok" "$work/history.txt" ||
  { cat "$work/history.txt" >&2; fail "euiccctl history"; }
ctl history 1 --json >"$work/history.json" || fail "euiccctl history --json"
"$PY" -c 'import json,sys; h=json.load(open(sys.argv[1])); assert len(h)==1 and h[0]["operation"]=="psmo:enable" and h[0]["result"]=="ok" and h[0]["transactionId"]==sys.argv[2], h' \
  "$work/history.json" "$TXID" || fail "history --json"

# An idle poll through euiccctl: nothing queued, no APDU (the profiles are not read again).
ctl poll >"$work/poll.txt" && grep -q "^Poll finished: 0 eIM package(s) handled" "$work/poll.txt" || { cat "$work/poll.txt" >&2; fail "euiccctl poll"; }
tail -n 30 "$work/service.log" | grep "poll cost:" | tail -n 1 | grep -q "apdus=0 " || fail "an idle poll read the card"
ctl poll --json >"$work/poll.json" || fail "euiccctl poll --json"
"$PY" -c 'import json,sys; o=json.load(open(sys.argv[1])); assert o["success"] is True and o["packages"]==0 and o["nextPoll"]>0, o' \
  "$work/poll.json" || fail "poll --json"
bctl call "$SERVICE" "$MANAGER" org.euiccd.Euiccd1 Refresh || fail "Refresh"

# ---- access control: an unprivileged uid ----
nobody() {
  as_uid "$NOBODY_UID" "$NOBODY_GID" "$@"
}
[ "$(nobody busctl --address="$BUS_ADDRESS" get-property "$SERVICE" "$MANAGER" org.euiccd.Euiccd1 State)" = "u 0" ] ||
  fail "nobody cannot read State"
nobody busctl --address="$BUS_ADDRESS" get-property "$SERVICE" "$MANAGER" org.euiccd.Euiccd1 Version >/dev/null ||
  fail "nobody cannot read Version"
nobody busctl --address="$BUS_ADDRESS" get-property "$SERVICE" "$MANAGER/Euicc/0" org.euiccd.Euiccd1.Euicc Transport >/dev/null ||
  fail "nobody cannot read Transport"
if nobody busctl --address="$BUS_ADDRESS" get-property "$SERVICE" "$MANAGER/Euicc/0" org.euiccd.Euiccd1.Euicc Eid >"$work/denied.txt" 2>&1; then
  fail "nobody read the EID"
fi
grep -q "Reading Eid needs root or membership of group '$ADMIN_GROUP'" "$work/denied.txt" || { cat "$work/denied.txt" >&2; fail "unclear refusal of Eid"; }
if nobody busctl --address="$BUS_ADDRESS" get-property "$SERVICE" "$P3_PATH" org.euiccd.Euiccd1.Profile Iccid >"$work/denied.txt" 2>&1; then
  fail "nobody read an ICCID"
fi
grep -q "Reading Iccid needs root" "$work/denied.txt" || { cat "$work/denied.txt" >&2; fail "unclear refusal of Iccid"; }
# GetAll leaves the EID out rather than failing, so busctl introspect works for everyone.
nobody busctl --address="$BUS_ADDRESS" introspect "$SERVICE" "$MANAGER/Euicc/0" >"$work/nobody-introspect.txt" || fail "nobody cannot introspect"
if grep -q "$EID" "$work/nobody-introspect.txt"; then fail "introspection showed nobody the EID"; fi
grep -q '^\.Transport *property *s *"qmi"' "$work/nobody-introspect.txt" || fail "nobody's introspection lacks the values"
if nobody busctl --address="$BUS_ADDRESS" call "$SERVICE" "$MANAGER" org.euiccd.Euiccd1 Poll >"$work/denied.txt" 2>&1; then
  fail "nobody could poll"
fi
grep -qi "access denied" "$work/denied.txt" || { cat "$work/denied.txt" >&2; fail "Poll by nobody: no AccessDenied"; }
# The managed objects carry no personal property for anyone (test-dbus-access.sh checks every path).
nobody busctl --address="$BUS_ADDRESS" call "$SERVICE" "$MANAGER" org.freedesktop.DBus.ObjectManager GetManagedObjects \
  >"$work/nobody-objects.txt" || fail "nobody cannot list the managed objects"
grep -q '"State" s' "$work/nobody-objects.txt" || fail "the managed objects lack the profiles' State"
if grep -q -e "$P3" -e "$EID" -e '"Iccid"' -e '"Eid"' "$work/nobody-objects.txt"; then
  fail "the managed objects showed nobody an ICCID or the EID"
fi
nobody "$busdir/euiccctl" status >"$work/nobody-status.txt" || fail "euiccctl status as nobody"
grep -q "^EID: *(needs root or the admin group)" "$work/nobody-status.txt" || { cat "$work/nobody-status.txt" >&2; fail "status as nobody"; }
nobody "$busdir/euiccctl" profiles >"$work/nobody-profiles.txt" || fail "euiccctl profiles as nobody"
if grep -q "$P3" "$work/nobody-profiles.txt"; then fail "profiles showed nobody an ICCID"; fi
status=0
nobody "$busdir/euiccctl" poll >/dev/null 2>"$work/denied.txt" || status=$?
[ "$status" -eq 3 ] || fail "euiccctl poll as nobody exited $status, expected 3"
grep -q "access denied" "$work/denied.txt" || { cat "$work/denied.txt" >&2; fail "euiccctl poll as nobody: unclear"; }
status=0
nobody "$busdir/euiccctl" history >/dev/null 2>&1 || status=$?
[ "$status" -eq 3 ] || fail "euiccctl history as nobody exited $status, expected 3"

# ---- a member of the admin group ----
admin() {
  as_uid "$ADMIN_UID" "$ADMIN_GID" "$@"
}
[ "$(admin busctl --address="$BUS_ADDRESS" get-property "$SERVICE" "$MANAGER/Euicc/0" org.euiccd.Euiccd1.Euicc Eid)" = "s \"$EID\"" ] ||
  fail "the admin group cannot read the EID"
admin "$busdir/euiccctl" poll >/dev/null || fail "the admin group cannot poll"
admin "$busdir/euiccctl" history 1 >/dev/null || fail "the admin group cannot read the history"

# ---- the name: a second daemon cannot have it and says so ----
status=0
timeout 30 "$euiccd" --config "$conf" --config-dir "$work/conf.d" --state-dir "$work/state2" --bus system >"$work/second.log" 2>&1 || status=$?
[ "$status" -ne 0 ] || fail "a second euiccd ran although the name was taken"
grep -q "org.euiccd.Euiccd1 could not be owned" "$work/second.log" || { cat "$work/second.log" >&2; fail "unclear message when the name is taken"; }

stop_service

# ---- the daemon checks methods itself: with AdminGroup empty only root may call, whatever the bus policy says ----
sed -i 's/^AdminGroup=.*/AdminGroup=/' "$conf"
start_service
if admin busctl --address="$BUS_ADDRESS" call "$SERVICE" "$MANAGER" org.euiccd.Euiccd1 GetHistory u 1 >"$work/denied.txt" 2>&1; then
  fail "the daemon let a non-root caller in without AdminGroup"
fi
grep -q "Calling GetHistory needs root; the caller is uid $ADMIN_UID" "$work/denied.txt" || { cat "$work/denied.txt" >&2; fail "unclear refusal of GetHistory"; }
stop_service

# ---- no daemon ----
status=0
ctl status >/dev/null 2>"$work/nodaemon.txt" || status=$?
[ "$status" -eq 4 ] || fail "euiccctl status without the daemon exited $status, expected 4"
grep -q "euiccd is not running" "$work/nodaemon.txt" || { cat "$work/nodaemon.txt" >&2; fail "unclear message without the daemon"; }
echo "euiccd served the bus: busctl, euiccctl, objects following the card, access control"

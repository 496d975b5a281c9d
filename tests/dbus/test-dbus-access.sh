#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# No path gives the EID or an ICCID to a caller euiccd does not admit: Properties.Get, GetAll,
# ObjectManager.GetManagedObjects, and the InterfacesAdded and PropertiesChanged signals as listeners see them,
# each tried as uid nobody, as a member of the bus policy's group that [Daemon] AdminGroup does not name, and as
# an admin, with the exact answer checked (error name, which properties are there). A root monitor sees every
# signal the daemon sends and finds no personal value in any of them.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/dbus/dbus-lib.sh"

EUICC_IFACE=org.euiccd.Euiccd1.Euicc
PROFILE_IFACE=org.euiccd.Euiccd1.Profile
# A group that exists and that neither test account is in: the daemon's admin group when the policy's is not.
OTHER_GROUP=sys
getent group "$OTHER_GROUP" >/dev/null 2>&1 || skip "no group $OTHER_GROUP"
id -nG daemon | tr ' ' '\n' | grep -qx "$OTHER_GROUP" && skip "daemon is in group $OTHER_GROUP"

start_all
ICCIDS=$(state_field "$state" '" ".join(p["iccid"] for p in s["profiles"])')
P3=89000123456789000023   # disabled, test profile; enabled below for PropertiesChanged
echo " $ICCIDS " | grep -q " $P3 " || fail "the software eUICC lacks profile $P3: $ICCIDS"
start_bus

nobody() { as_uid "$NOBODY_UID" "$NOBODY_GID" "$@"; }
member() { as_uid "$ADMIN_UID" "$ADMIN_GID" "$@"; }
as_root() { "$@"; }

# ---- listeners of each kind, up before the daemon so they see its InterfacesAdded ----
# dbus-monitor as root becomes a bus monitor and sees every signal; as another uid it falls back to an
# ordinary match rule and gets what the bus would deliver to that uid.
listen() {
  name=$1
  shift
  "$@" dbus-monitor --address "$BUS_ADDRESS" "type='signal',path_namespace='$MANAGER'" >"$work/listen-$name.txt" 2>&1 &
  started_pids="$started_pids $!"
}
listen root as_root
listen nobody nobody
listen member member
# Ready when the root monitor has left the name list (NameLost) and the others have their match rule in place
# (their NameAcquired is printed once the rule is).
for who in root nobody member; do
  [ "$who" = root ] && ready=NameLost || ready=NameAcquired
  for _ in $(seq 100); do
    grep -q "member=$ready" "$work/listen-$who.txt" && break
    sleep 0.05
  done
  grep -q "member=$ready" "$work/listen-$who.txt" || { cat "$work/listen-$who.txt" >&2; fail "the $who listener did not start"; }
done

# get_property AS PATH IFACE NAME: the Get answer as gdbus prints it, or the D-Bus error name.
get_property() {
  who=$1
  shift
  out=$("$who" gdbus call --address "$BUS_ADDRESS" --dest "$SERVICE" --object-path "$1" \
        --method org.freedesktop.DBus.Properties.Get "$2" "$3" 2>&1) && { echo "$out"; return 0; }
  echo "$out" | sed -n 's/.*GDBus\.Error:\([^:]*\):.*/\1/p'
}
# property_names AS PATH IFACE: the names GetAll gives, sorted, one line.
property_names() {
  "$1" busctl --address="$BUS_ADDRESS" --json=short call "$SERVICE" "$2" org.freedesktop.DBus.Properties GetAll s "$3" |
    "$PY" -c 'import json,sys; print(" ".join(sorted(json.load(sys.stdin)["data"][0])))'
}
# managed_objects AS: every object, interface and property name GetManagedObjects gives, one line each.
managed_objects() {
  "$1" busctl --address="$BUS_ADDRESS" --json=short call "$SERVICE" "$MANAGER" org.freedesktop.DBus.ObjectManager \
    GetManagedObjects | "$PY" -c '
import json, sys
for path, ifaces in sorted(json.load(sys.stdin)["data"][0].items()):
    for iface, props in sorted(ifaces.items()):
        if iface.startswith("org.euiccd."):
            print(path, iface, " ".join(sorted(props)))'
}

EUICC_PUBLIC="Device EimConfigurations Info Profiles Slot Svn Transport"
PROFILE_PUBLIC="Class FallbackAttribute Name Nickname ServiceProviderName State"

# check_caller WHO ADMITTED: every path, the exact answer.
check_caller() {
  who=$1
  admitted=$2
  euicc=$MANAGER/Euicc/0
  answer=$(get_property "$who" "$euicc" "$EUICC_IFACE" Eid)
  if [ "$admitted" = yes ]; then
    [ "$answer" = "(<'$EID'>,)" ] || fail "$who: Get Eid gave $answer"
    [ "$(property_names "$who" "$euicc" "$EUICC_IFACE")" = "Device Eid EimConfigurations Info Profiles Slot Svn Transport" ] ||
      fail "$who: GetAll of the eUICC gave $(property_names "$who" "$euicc" "$EUICC_IFACE")"
  else
    [ "$answer" = org.euiccd.Euiccd1.Error.AccessDenied ] || fail "$who: Get Eid gave $answer"
    [ "$(property_names "$who" "$euicc" "$EUICC_IFACE")" = "$EUICC_PUBLIC" ] ||
      fail "$who: GetAll of the eUICC gave $(property_names "$who" "$euicc" "$EUICC_IFACE")"
  fi
  n=0
  for path in $(bctl tree --list "$SERVICE" | grep "^$euicc/Profile/"); do
    n=$((n + 1))
    answer=$(get_property "$who" "$path" "$PROFILE_IFACE" Iccid)
    if [ "$admitted" = yes ]; then
      echo "$answer" | grep -q "^(<'89[0-9]*'>,)\$" || fail "$who: Get Iccid of $path gave $answer"
      [ "$(property_names "$who" "$path" "$PROFILE_IFACE")" = "Class FallbackAttribute Iccid Name Nickname ServiceProviderName State" ] ||
        fail "$who: GetAll of $path gave $(property_names "$who" "$path" "$PROFILE_IFACE")"
    else
      [ "$answer" = org.euiccd.Euiccd1.Error.AccessDenied ] || fail "$who: Get Iccid of $path gave $answer"
      [ "$(property_names "$who" "$path" "$PROFILE_IFACE")" = "$PROFILE_PUBLIC" ] ||
        fail "$who: GetAll of $path gave $(property_names "$who" "$path" "$PROFILE_IFACE")"
    fi
  done
  [ "$n" -eq 3 ] || fail "$who: $n profile objects, expected 3"
  # GetManagedObjects is the same for everyone: what GetAll gives anyone, the personal properties for no one.
  managed_objects "$who" >"$work/objects-$who.txt" || fail "$who: GetManagedObjects failed"
  {
    echo "$euicc $EUICC_IFACE $EUICC_PUBLIC"
    for i in 0 1 2; do echo "$euicc/Profile/$i $PROFILE_IFACE $PROFILE_PUBLIC"; done
  } >"$work/objects-expected.txt"
  diff -u "$work/objects-expected.txt" "$work/objects-$who.txt" >&2 || fail "$who: GetManagedObjects is not as expected"
  # A method: the bus refuses nobody; the daemon refuses a member of the policy group it does not admit.
  out=$("$who" gdbus call --address "$BUS_ADDRESS" --dest "$SERVICE" --object-path "$MANAGER" \
        --method org.euiccd.Euiccd1.GetHistory 1 2>&1) && answer=ok ||
    answer=$(echo "$out" | sed -n 's/.*GDBus\.Error:\([^:]*\):.*/\1/p')
  echo "$answer" >"$work/method-$who.txt"
}
method_answer() { cat "$work/method-$1.txt"; }

# ---- 1. AdminGroup names the policy's group: root and its member are admitted, nobody is not ----
printf '[Daemon]\nAdminGroup=%s\n' "$ADMIN_GROUP" >>"$conf"
start_service
check_caller as_root yes
[ "$(method_answer as_root)" = ok ] || fail "root cannot call GetHistory: $(method_answer as_root)"
check_caller member yes
[ "$(method_answer member)" = ok ] || fail "the admin group cannot call GetHistory: $(method_answer member)"
check_caller nobody no
[ "$(method_answer nobody)" = org.freedesktop.DBus.Error.AccessDenied ] ||
  fail "nobody was not refused GetHistory by the bus: $(method_answer nobody)"
echo "ok - Get, GetAll, GetManagedObjects and a method as root, an admin and nobody"

# PropertiesChanged: the eIM enables $P3, every listener sees its State change.
queue --psmo "enable:$P3"
bctl --timeout=120 call "$SERVICE" "$MANAGER" org.euiccd.Euiccd1 Poll >"$work/poll-call.txt" || fail "Poll"
grep -q '"packages" u 1' "$work/poll-call.txt" || { cat "$work/poll-call.txt" >&2; fail "Poll outcome"; }
for who in root nobody member; do
  for _ in $(seq 50); do
    grep -q 'string "enabled"' "$work/listen-$who.txt" && break
    sleep 0.1
  done
done
stop_service

# ---- 2. AdminGroup names another group: the policy's member gets through the bus and is refused by the daemon ----
sed -i "s/^AdminGroup=.*/AdminGroup=$OTHER_GROUP/" "$conf"
start_service
check_caller member no
[ "$(method_answer member)" = org.euiccd.Euiccd1.Error.AccessDenied ] ||
  fail "the daemon let in a member of the policy group it does not admit: $(method_answer member)"
check_caller as_root yes
[ "$(method_answer as_root)" = ok ] || fail "root cannot call GetHistory: $(method_answer as_root)"
echo "ok - Get, GetAll, GetManagedObjects and a method as a member of the policy group AdminGroup does not name"
for who in root nobody member; do
  for _ in $(seq 50); do
    [ "$(grep -c "member=InterfacesAdded" "$work/listen-$who.txt")" -ge 8 ] && break
    sleep 0.1
  done
done
stop_service

# ---- the signals, as each listener saw them ----
for who in root nobody member; do
  f=$work/listen-$who.txt
  # Both daemons added the eUICC and its three profiles, each with its public properties.
  [ "$(grep -c "path=$MANAGER; interface=org.freedesktop.DBus.ObjectManager; member=InterfacesAdded" "$f")" -eq 8 ] ||
    { cat "$f" >&2; fail "$who: not 8 InterfacesAdded"; }
  for name in $EUICC_PUBLIC $PROFILE_PUBLIC; do
    grep -q "string \"$name\"" "$f" || fail "$who: no signal carried $name"
  done
  grep -A 12 "interface=org.freedesktop.DBus.Properties; member=PropertiesChanged" "$f" | grep -q 'string "enabled"' ||
    { cat "$f" >&2; fail "$who: no PropertiesChanged with a State"; }
  # ... and nothing personal, by name or by value.
  for personal in '"Eid"' '"Iccid"' "$EID" $ICCIDS; do
    if grep -q -- "$personal" "$f"; then
      fail "$who: a signal carried $personal"
    fi
  done
done
echo "ok - InterfacesAdded and PropertiesChanged carry no EID and no ICCID, to root, an admin, a member or nobody"
echo "D-Bus access: every path checked for every kind of caller"

# SPDX-License-Identifier: Apache-2.0
# Shared by the D-Bus tests: a private bus set up like the system bus (the repository's own policy file in it,
# EXTERNAL authentication, a unix socket in a temporary directory), and euiccd serving on it between the
# software eUICC behind the fake QMI modem and the test eIM (tests/e2e/e2e-lib.sh).
#
# Access control is shown with two existing accounts rather than new ones, so nothing has to be created or
# cleaned up: uid 65534 (nobody, group nogroup) stands for any unprivileged user, and uid 1 (daemon), whose
# primary group "daemon" is made the admin group, for an operator in that group. Both come with Debian's
# base-passwd.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/e2e/e2e-lib.sh"

[ "$(id -u)" -eq 0 ] || skip "needs root: the bus policy and the access checks are tested with other uids"
command -v dbus-daemon >/dev/null 2>&1 || skip "dbus-daemon is not installed (Debian: dbus)"
command -v busctl >/dev/null 2>&1 || skip "busctl is not installed (Debian: systemd)"
command -v dbus-monitor >/dev/null 2>&1 || skip "dbus-monitor is not installed (Debian: dbus-bin)"
command -v gdbus >/dev/null 2>&1 || skip "gdbus is not installed (Debian: libglib2.0-bin)"
command -v setpriv >/dev/null 2>&1 || skip "setpriv is not installed (Debian: util-linux)"
getent passwd daemon >/dev/null 2>&1 && getent passwd nobody >/dev/null 2>&1 || skip "no daemon or nobody account"

ADMIN_GROUP=daemon
ADMIN_UID=$(id -u daemon)
ADMIN_GID=$(id -g daemon)
NOBODY_UID=$(id -u nobody)
NOBODY_GID=$(id -g nobody)
SERVICE=org.euiccd.Euiccd1
MANAGER=/org/euiccd/Euiccd1

# The bus and the client binary live where the other uids can reach them (the test's own $work is 0700).
busdir=$(mktemp -d /tmp/euiccd-bus.XXXXXX)
chmod 755 "$busdir"

cleanup_bus() {
  [ -n "${DAEMON_PID:-}" ] && kill "$DAEMON_PID" 2>/dev/null || true
  [ -n "${BUS_PID:-}" ] && kill "$BUS_PID" 2>/dev/null || true
  cleanup_started
  rm -rf "$busdir"
}
trap cleanup_bus EXIT

# start_bus: dbus-daemon with a system-like configuration; sets BUS_ADDRESS and DBUS_SYSTEM_BUS_ADDRESS. A test
# that needs other services on the bus (a fake ModemManager) writes their policy to $busdir/extra-policy.conf.
start_bus() {
  sed -e "s|group=\"euiccd\"|group=\"$ADMIN_GROUP\"|" "$srcdir/dbus/org.euiccd.Euiccd1.conf" >"$busdir/euiccd-policy.conf"
  grep -q "group=\"$ADMIN_GROUP\"" "$busdir/euiccd-policy.conf" || fail "the policy file names no group=\"euiccd\""
  cat >"$busdir/bus.conf" <<CONF
<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-BUS Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>system</type>
  <listen>unix:path=$busdir/system_bus_socket</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow user="*"/>
    <deny own="*"/>
    <deny send_type="method_call"/>
    <allow send_type="signal"/>
    <allow send_requested_reply="true" send_type="method_return"/>
    <allow send_requested_reply="true" send_type="error"/>
    <allow receive_type="method_call"/>
    <allow receive_type="method_return"/>
    <allow receive_type="error"/>
    <allow receive_type="signal"/>
    <allow send_destination="org.freedesktop.DBus" send_interface="org.freedesktop.DBus"/>
    <allow send_destination="org.freedesktop.DBus" send_interface="org.freedesktop.DBus.Introspectable"/>
    <allow send_destination="org.freedesktop.DBus" send_interface="org.freedesktop.DBus.Properties"/>
    <deny send_destination="org.freedesktop.DBus" send_interface="org.freedesktop.DBus" send_member="UpdateActivationEnvironment"/>
    <deny send_destination="org.freedesktop.DBus" send_interface="org.freedesktop.DBus.Debug.Stats"/>
  </policy>
  <policy user="root">
    <allow send_destination="org.freedesktop.DBus" send_interface="org.freedesktop.DBus.Monitoring"/>
  </policy>
  <include>$busdir/euiccd-policy.conf</include>
  <include ignore_missing="yes">$busdir/extra-policy.conf</include>
</busconfig>
CONF
  dbus-daemon --config-file="$busdir/bus.conf" --nofork --print-address=3 3>"$busdir/address" >"$work/bus.log" 2>&1 &
  BUS_PID=$!
  for _ in $(seq 100); do
    [ -s "$busdir/address" ] && break
    kill -0 "$BUS_PID" 2>/dev/null || break
    sleep 0.05
  done
  [ -s "$busdir/address" ] || { cat "$work/bus.log" >&2; fail "dbus-daemon did not start"; }
  BUS_ADDRESS=$(head -n 1 "$busdir/address")
  DBUS_SYSTEM_BUS_ADDRESS=$BUS_ADDRESS
  export DBUS_SYSTEM_BUS_ADDRESS
  chmod 666 "$busdir/system_bus_socket"
  cp "$euiccctl" "$busdir/euiccctl"
  chmod 755 "$busdir/euiccctl"
}

# start_service [euiccd options]: euiccd on the private bus; waits until it owns the name and has read the card.
start_service() {
  "$euiccd" --config "$conf" --config-dir "$work/conf.d" --bus system "$@" >>"$work/service.log" 2>&1 &
  DAEMON_PID=$!
  for _ in $(seq 200); do
    if busctl --address="$BUS_ADDRESS" status "$SERVICE" >/dev/null 2>&1 &&
       busctl --address="$BUS_ADDRESS" tree "$SERVICE" 2>/dev/null | grep -q "Euicc/0"; then
      return 0
    fi
    kill -0 "$DAEMON_PID" 2>/dev/null || break
    sleep 0.1
  done
  tail -n 60 "$work/service.log" >&2
  fail "euiccd did not come up on the bus"
}

# stop_service: SIGTERM, and the daemon must exit 0.
stop_service() {
  kill -TERM "$DAEMON_PID"
  status=0
  wait "$DAEMON_PID" || status=$?
  DAEMON_PID=""
  [ "$status" -eq 0 ] || { tail -n 60 "$work/service.log" >&2; fail "euiccd exited with $status on SIGTERM"; }
}

bctl() {
  busctl --address="$BUS_ADDRESS" "$@"
}

# as_uid UID GID COMMAND...: runs a command as another user with no supplementary groups.
as_uid() {
  uid=$1
  gid=$2
  shift 2
  setpriv --reuid="$uid" --regid="$gid" --clear-groups -- "$@"
}

ctl() {
  "$busdir/euiccctl" "$@"
}

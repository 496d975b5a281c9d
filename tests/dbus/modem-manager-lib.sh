# SPDX-License-Identifier: Apache-2.0
# Shared by the ModemManager tests: the fake ModemManager (tests/peers/fake-modem-manager.py) on the private
# system bus of dbus-lib.sh, and a directory standing in for /dev (EUICCD_TEST_DEV_DIR, test-only) where the
# fake modems' ptys appear under the names ModemManager gives them (cdc-wdm0, ...).
. "${top_srcdir:-$(dirname "$0")/../..}/tests/dbus/dbus-lib.sh"

"$PY" -c 'import dbus, dbus.service, dbus.mainloop.glib; from gi.repository import GLib' 2>/dev/null ||
  skip "python3-dbus or python3-gi is not installed"
have_transport QMI || skip "QMI transport not built"
have_transport MBIM || skip "MBIM transport not built"

devdir=$work/dev
mkdir -p "$devdir"
EUICCD_TEST_DEV_DIR=$devdir
export EUICCD_TEST_DEV_DIR
daemon_log=$work/service.log
MM_EVENTS=$work/mm-events.log
MM_IFACE=org.euiccd.Test.FakeModemManager
MM_PATH=/org/freedesktop/ModemManager1

cat >"$busdir/extra-policy.conf" <<'CONF'
<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-BUS Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <policy user="root">
    <allow own="org.freedesktop.ModemManager1"/>
    <allow send_destination="org.freedesktop.ModemManager1"/>
  </policy>
</busconfig>
CONF

# start_mm [fake-modem-manager options]: the fake ModemManager; sets MM_PID once it owns its name.
start_mm() {
  "$PY" "$peers/fake-modem-manager.py" --card-state "$state" --events "$MM_EVENTS" "$@" \
    >"$work/mm.out" 2>>"$work/mm.err" &
  MM_PID=$!
  started_pids="$started_pids $MM_PID"
  for _ in $(seq 100); do
    grep -q ready "$work/mm.out" 2>/dev/null && return 0
    kill -0 "$MM_PID" 2>/dev/null || break
    sleep 0.05
  done
  cat "$work/mm.err" >&2
  fail "the fake ModemManager did not start"
}

stop_mm() {
  kill "$MM_PID"
  wait "$MM_PID" 2>/dev/null || true
}

mmctl() {
  bctl call org.freedesktop.ModemManager1 "$MM_PATH" "$MM_IFACE" "$@" >/dev/null || fail "fake ModemManager: $*"
}

# euicc_property NAME: a property of the eUICC object, as busctl prints it.
euicc_property() {
  bctl get-property "$SERVICE" "$MANAGER/Euicc/0" org.euiccd.Euiccd1.Euicc "$1"
}

# wait_device URI: until the eUICC object shows the card at URI.
wait_device() {
  for _ in $(seq 100); do
    [ "$(euicc_property Device 2>/dev/null)" = "s \"$1\"" ] && return 0
    sleep 0.05
  done
  tail -n 30 "$daemon_log" >&2
  fail "the eUICC object shows Device $(euicc_property Device 2>&1), expected $1"
}

# use_proxies: the configuration opens the modems through qmi-proxy / mbim-proxy, as beside a real
# ModemManager.
use_proxies() {
  sed -i 's/^Exclusive=true$/Exclusive=false/' "$conf"
  grep -q '^Exclusive=false$' "$conf" || fail "the configuration has no Exclusive= line to change"
}

#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Device=auto and a module renumbered by USB re-enumeration: after an enable the fake QMI modem leaves the bus and
# comes back 1.5 s later as another port (cdc-wdm0 back as cdc-wdm1, no stable symlink), with sysfs (a stand-in
# through EUICCD_TEST_SYSFS_DIR) showing both ports on the same USB device. The running daemon finds it there while
# it reconnects, checks the same eUICC answers, delivers the enable's result in that poll and is never restarted:
#  1. without ModemManager: the /dev/cdc-wdm* scan, made again at each attempt, finds the new port;
#  2. beside ModemManager, which euiccd inhibits during the switch and which therefore still names the old port:
#     the port is looked for under the modem's USB device (ModemManager's Device uid) in sysfs; once the
#     inhibition is lifted ModemManager drops the modem and adds it again with the new port, and euiccd follows.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/dbus/modem-manager-lib.sh"

P1=89000123456789012358   # enabled at first
P3=89000123456789000023   # disabled at first
UID1=/sys/devices/usb1/1-1
sysdir=$work/sys
EUICCD_TEST_SYSFS_DIR=$sysdir
export EUICCD_TEST_SYSFS_DIR

# port NAME INTERFACE: what the kernel shows for cdc-wdm port NAME on USB interface INTERFACE of the modem UID1,
# bound to qmi_wwan (both ports are there from the start: only the device node comes and goes).
port() {
  mkdir -p "$sysdir/bus/usb/drivers/qmi_wwan" "$sysdir/devices/usb1/1-1/$2" "$sysdir/class/usbmisc/$1"
  ln -sfn "$sysdir/bus/usb/drivers/qmi_wwan" "$sysdir/devices/usb1/1-1/$2/driver"
  ln -sfn "$sysdir/devices/usb1/1-1/$2" "$sysdir/class/usbmisc/$1/device"
}

# renumbering_modem: the fake QMI modem at cdc-wdm0 that comes back at cdc-wdm1 after the enable's REFRESH.
renumbering_modem() {
  start_fake fake-qmi-modem.py --state "$state" --link "$devdir/cdc-wdm0" --relink "$devdir/cdc-wdm1" \
    --fault vanish-on-refresh:1500
  MODEM_PID=$FAKE_PID
  MODEM_OUT=$out
}

# delivered_after_renumbering ICCID: the poll just made enabled ICCID across the renumbering, delivered the result
# in that poll, and went on at cdc-wdm1.
delivered_after_renumbering() {
  [ "$NEXT_S" -ge 3590 ] || fail "the poll after the renumbering scheduled the next in $NEXT_S s, not the interval"
  check_result 'assert codes(res) == [("enableResult", 0)], codes(res)'
  check_result 'assert p["'"$1"'"]["state"] == "enabled"; assert s["package_results"] == [], s["package_results"]'
  check_result 'mine = [x for x in r if x.get("eimTransactionId") == txid]; assert len(mine) == 1, mine'
  [ -e "$devdir/cdc-wdm1" ] && [ ! -e "$devdir/cdc-wdm0" ] || fail "the fake did not come back as cdc-wdm1"
  [ -n "$(sed -n 2p "$MODEM_OUT")" ] || fail "the fake did not leave the bus"
  # Reconnected means the same EID answered at the new port (another eUICC is refused there).
  grep -q "Reconnected to the modem at qmi:$devdir/cdc-wdm1" "$work/poll.log" ||
    { cat "$work/poll.log" >&2; fail "no reconnect at the new port"; }
  [ "$(grep -c "euiccd: euiccd .* started (" "$daemon_log")" -eq 1 ] || fail "euiccd was restarted"
  daemon_alive || fail "euiccd is gone"
}

port cdc-wdm0 1-1:1.4
port cdc-wdm1 1-1:1.5
start_eim --binding both
setup_card

# 1. No ModemManager: the scan.
renumbering_modem
DEVICE=auto
write_config "[Card]" "ReconnectTimeout=10s" "[Eim]" "Binding=$binding"
start_daemon
wait_poll_end "the start-up poll" || { cat "$work/poll.log" >&2; fail "the start-up poll failed"; }
grep -q "Device=auto: $devdir/cdc-wdm0 is driven by qmi_wwan: qmi" "$work/poll.log" || fail "the scan did not find cdc-wdm0"
queue --psmo "enable:$P3"
expect_daemon_poll_ok "the enable across the renumbering (scan)"
grep -q "Device=auto: $devdir/cdc-wdm1 is driven by qmi_wwan: qmi" "$work/poll.log" ||
  { cat "$work/poll.log" >&2; fail "the scan did not find cdc-wdm1"; }
delivered_after_renumbering "$P3"
echo "scan: $(grep -c "Reconnecting to the modem, attempt" "$work/poll.log" || true) failed reconnect attempts"
stop_daemon
kill "$MODEM_PID"; wait "$MODEM_PID" 2>/dev/null || true

# 2. ModemManager names the port, and is inhibited while the module renumbers.
renumbering_modem
write_config "[Card]" "ReconnectTimeout=10s" "[Eim]" "Binding=$binding"
printf '[Daemon]\nAdminGroup=%s\n[Poll]\nPollOnStart=no\n' "$ADMIN_GROUP" >>"$conf"
: >"$daemon_log"
start_bus
start_mm --modem "cdc-wdm0,qmi,$UID1,1"
start_daemon --bus system
wait_device "qmi:$devdir/cdc-wdm0"
queue --psmo "enable:$P1"
expect_daemon_poll_ok "the enable across the renumbering (ModemManager)"
grep -q "Device=auto: qmi:$devdir/cdc-wdm0 is gone; modem $UID1 is now at qmi:$devdir/cdc-wdm1" "$work/poll.log" ||
  { cat "$work/poll.log" >&2; fail "the new port was not found under the modem's USB device"; }
delivered_after_renumbering "$P1"
grep -q "^inhibit $UID1 " "$MM_EVENTS" && grep -q "^uninhibit $UID1 $P1" "$MM_EVENTS" ||
  { cat "$MM_EVENTS" >&2; fail "ModemManager was not inhibited around the switch"; }
# ModemManager probes the modem again and finds it at its new port.
mmctl RemoveModem s "$UID1"
mmctl AddModem sssu cdc-wdm1 qmi "$UID1" 1
wait_device "qmi:$devdir/cdc-wdm1"
expect_daemon_poll_ok "the poll at the new port"
daemon_alive || fail "euiccd is gone"
[ "$(grep -c "euiccd: euiccd .* started (" "$daemon_log")" -eq 1 ] || fail "euiccd was restarted"
echo "PASS: a module renumbered mid-poll is found again by the scan and beside ModemManager; nothing lost"

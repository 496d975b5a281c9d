#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Device=auto without ModemManager: the /dev/cdc-wdm* scan takes the protocol from the driver sysfs names for
# each port (qmi_wwan: QMI, cdc_mbim: MBIM; other drivers are passed over), with a stand-in for /sys
# (EUICCD_TEST_SYSFS_DIR, test-only). A ModemManager that answers oddly (an error, properties of the wrong
# types) gets the same fallback, and polling goes on.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/dbus/modem-manager-lib.sh"

sysdir=$work/sys
EUICCD_TEST_SYSFS_DIR=$sysdir
export EUICCD_TEST_SYSFS_DIR

# bind PORT DRIVER: what the kernel shows for a cdc-wdm port bound to DRIVER.
bind() {
  mkdir -p "$sysdir/bus/usb/drivers/$2" "$sysdir/class/usbmisc/$1/device"
  ln -sfn "../../../../bus/usb/drivers/$2" "$sysdir/class/usbmisc/$1/device/driver"
}

start_eim --binding both
setup_card
start_fake fake-qmi-modem.py --state "$state" --link "$devdir/cdc-wdm1"
start_fake fake-mbim-modem.py --state "$state" --link "$devdir/cdc-wdm2"
# cdc-wdm0 sorts first but is no modem control port euiccd speaks to.
ln -s /dev/null "$devdir/cdc-wdm0"
bind cdc-wdm0 usb-storage
bind cdc-wdm1 cdc_mbim_not
bind cdc-wdm2 cdc_mbim
DEVICE=auto
write_config "[Eim]" "Binding=$binding"
use_proxies
printf '[Daemon]\nAdminGroup=%s\n[Poll]\nPollOnStart=no\n' "$ADMIN_GROUP" >>"$conf"
start_bus
start_daemon --bus system
wait_for_log "Device=auto: ModemManager is not on the bus: scanning $devdir/cdc-wdm\*" 10 "the fallback to the scan"
wait_for_log "Device=auto: $devdir/cdc-wdm2 is driven by cdc_mbim: mbim" 10 "the scan to pick the MBIM port"
wait_device "mbim:$devdir/cdc-wdm2"

# The QMI driver on cdc-wdm1: that port sorts first now.
bind cdc-wdm1 qmi_wwan
bctl call "$SERVICE" "$MANAGER" org.euiccd.Euiccd1 Refresh || fail "Refresh"
wait_device "qmi:$devdir/cdc-wdm1"

# A ModemManager that answers GetManagedObjects with an error: logged, the scan decides, polls go on.
start_mm --odd error --modem "cdc-wdm2,mbim,/sys/devices/usb1/1-1,1"
wait_for_log "ModemManager answered GetManagedObjects with an error .*: Device=auto scans /dev/cdc-wdm\* instead" 10 \
  "the odd answer to be noticed"
queue --psmo "enable:89000123456789000023"
bctl --timeout=60 call "$SERVICE" "$MANAGER" org.euiccd.Euiccd1 Poll >"$work/poll-call.txt" || fail "Poll"
grep -q '"success" b true' "$work/poll-call.txt" || { cat "$work/poll-call.txt" >&2; fail "the poll failed"; }
wait_device "qmi:$devdir/cdc-wdm1"
! grep -q "inhibit" "$MM_EVENTS" 2>/dev/null || fail "an odd ModemManager was asked to inhibit"

# One whose modem properties have the wrong types: no port taken from it, the scan decides.
stop_mm
start_mm --odd types --modem "cdc-wdm2,mbim,/sys/devices/usb1/1-1,1"
wait_for_log "ModemManager names no modem with a QMI or MBIM port \(.*/Modem/0: no Ports property of type a\(su\)\): Device=auto scans" 10 \
  "the odd types to be refused"
bctl call "$SERVICE" "$MANAGER" org.euiccd.Euiccd1 Refresh || fail "Refresh beside the odd ModemManager"
wait_device "qmi:$devdir/cdc-wdm1"
daemon_alive || fail "euiccd died of odd types"

# Without the ModemManager client's module (a device image that left it out): the scan decides, with the
# missing file named once, and ModemManager on the bus is not asked.
stop_daemon
module_dir=$EUICCD_MODULE_DIR
mkdir -p "$work/no-modules"
restart_mark=$(wc -l <"$daemon_log")
EUICCD_MODULE_DIR="$work/no-modules" start_daemon --bus system
LOG_MARK=$restart_mark  # the module is looked for before the "started" line
wait_for_log "The ModemManager client is not installed: no module $work/no-modules/modem-manager.so .*; Device=auto finds the modem's port by scanning /dev/cdc-wdm\\*" 10 \
  "the missing module named"
bctl call "$SERVICE" "$MANAGER" org.euiccd.Euiccd1 Refresh || fail "Refresh without the ModemManager module"
wait_device "qmi:$devdir/cdc-wdm1"
# The odd ModemManager started above is still on the bus: with the client it would be named in the log.
! tail -n "+$((restart_mark + 1))" "$daemon_log" | grep -q "ModemManager names\|ModemManager answered" ||
  fail "ModemManager was asked although its module is missing"
EUICCD_MODULE_DIR=$module_dir
echo "PASS: the sysfs driver decides QMI or MBIM; an odd ModemManager, or no ModemManager module, falls back to the scan"

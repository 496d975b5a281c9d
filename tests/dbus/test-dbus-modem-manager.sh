#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Device=auto beside ModemManager (the fake one on the private system bus, the real libqmi/libmbim proxies,
# the fake modems on ptys): euiccd takes the QMI port and SIM slot ModemManager names; keeps ModemManager off the modem
# (InhibitDevice) while an enable PSMO switches profiles and lets go after it, which makes ModemManager probe
# the modem and read the new SIM; follows the modem when ModemManager drops it and finds it again at another
# port, over MBIM; and an inhibition it held when killed ends when it leaves the bus.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/dbus/modem-manager-lib.sh"

P3=89000123456789000023   # disabled test profile
UID1=/sys/devices/pci0000:00/usb1/1-1
UID2=/sys/devices/pci0000:00/usb1/1-2

start_eim --binding both
setup_card
P1=$(state_field "$state" '[p["iccid"] for p in s["profiles"] if p["state"] == "enabled"][0]')
# The card sits in slot 2 of the QMI modem: only ModemManager's PrimarySimSlot says so.
start_fake fake-qmi-modem.py --state "$state" --link "$devdir/cdc-wdm0" --slot 2
start_fake fake-mbim-modem.py --state "$state" --link "$devdir/cdc-wdm1"
DEVICE=auto
write_config "[Eim]" "Binding=$binding"
use_proxies
printf '[Daemon]\nAdminGroup=%s\n[Poll]\nPollOnStart=no\n' "$ADMIN_GROUP" >>"$conf"
start_bus
start_mm --modem "cdc-wdm0,qmi,$UID1,2"
start_daemon --bus system
wait_for_log "ModemManager: modem .*/Modem/0, port qmi:$devdir/cdc-wdm0, SIM slot 2" 10 "the port ModemManager names"
wait_device "qmi:$devdir/cdc-wdm0"
[ "$(euicc_property Slot)" = "u 2" ] || fail "Slot is $(euicc_property Slot), expected ModemManager's 2"
[ "$(euicc_property Transport)" = 's "qmi"' ] || fail "Transport is $(euicc_property Transport)"

# An enable PSMO: ModemManager is kept off the modem while the old profile goes and the new one comes, and
# released (so it probes the modem and reads the SIM again) once the port is closed.
queue --psmo "enable:$P3"
bctl --timeout=60 call "$SERVICE" "$MANAGER" org.euiccd.Euiccd1 Poll >"$work/poll-call.txt" || fail "Poll"
grep -q '"success" b true' "$work/poll-call.txt" || { cat "$work/poll-call.txt" >&2; fail "the PSMO poll failed"; }
check_result 'assert codes(res) == [("enableResult", 0)], res; assert p["'"$P3"'"]["state"] == "enabled"'
printf 'inhibit %s %s\nuninhibit %s %s\nreprobe %s\n' "$UID1" "$P1" "$UID1" "$P3" "$UID1" >"$work/mm-expected.log"
cmp -s "$MM_EVENTS" "$work/mm-expected.log" ||
  { diff "$work/mm-expected.log" "$MM_EVENTS" >&2; fail "ModemManager was not inhibited around the switch"; }
wait_for_log "ModemManager released on modem $UID1: it probes the modem again and reads the new profile" 10 \
  "the release after the switch"
# A poll with nothing to apply leaves ModemManager alone.
bctl --timeout=60 call "$SERVICE" "$MANAGER" org.euiccd.Euiccd1 Poll >/dev/null || fail "Poll"
[ "$(wc -l <"$MM_EVENTS")" -eq 3 ] || { cat "$MM_EVENTS" >&2; fail "an idle poll called InhibitDevice"; }

# The modem leaves ModemManager and comes back at another port, speaking MBIM: euiccd reads the card there.
mmctl RemoveModem s "$UID1"
mmctl AddModem sssu cdc-wdm1 mbim "$UID2" 1
wait_for_log "ModemManager names another modem port, mbim:$devdir/cdc-wdm1: reading the eUICC there" 10 \
  "euiccd to follow the modem"
wait_device "mbim:$devdir/cdc-wdm1"
[ "$(euicc_property Transport)" = 's "mbim"' ] || fail "Transport is $(euicc_property Transport)"
[ "$(euicc_property Slot)" = "u 1" ] || fail "Slot is $(euicc_property Slot) after the move, expected 1"

# Killed while it inhibits: ModemManager takes the modem back when euiccd's connection leaves the bus.
stop_daemon
: >"$MM_EVENTS"
queue --psmo "enable:$P1"
EUICCD_TEST_KILL_AT=after-load start_daemon --bus system
kill -USR1 "$DAEMON_PID"
for _ in $(seq 200); do
  grep -q "^released $UID2" "$MM_EVENTS" && break
  sleep 0.05
done
grep -q "^inhibit $UID2 $P3" "$MM_EVENTS" && grep -q "^released $UID2" "$MM_EVENTS" ||
  { cat "$MM_EVENTS" >&2; tail -n 20 "$daemon_log" >&2; fail "the inhibition outlived the killed euiccd"; }
grep -q "EUICCD_TEST_KILL_AT: stopping hard at after-load" "$daemon_log" || fail "euiccd was not killed at after-load"
echo "PASS: port from ModemManager, inhibit/release around the switch, modem followed to MBIM, released on death"

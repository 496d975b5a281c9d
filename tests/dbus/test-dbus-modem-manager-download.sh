#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Profile downloads beside ModemManager (the fake one on the private system bus, Device=auto): euiccd keeps
# ModemManager off the modem (InhibitDevice) from just before the eUICC loads the Bound Profile Package, through
# ImmediateEnable, until the port is closed, and lets go after it (ModemManager then probes the modem and reads
# the new profile): for a download asked for over D-Bus that installs and enables the profile, and for one an
# eIM triggers that the eUICC refuses halfway through the package (released all the same). A download that
# fails before the package reaches the eUICC leaves ModemManager alone.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/dbus/modem-manager-lib.sh"
. "$top_srcdir/tests/e2e/e2e-download-lib.sh"

UID1=/sys/devices/pci0000:00/usb1/1-1

start_rsp smdp
start_eim --binding both --smdp-ca "$smdpdir/ci.pem"
setup_card --pki "$smdpdir/euicc-pki.json" --smdp "$SMDP_ADDRESS"
P1=$(state_field "$state" '[p["iccid"] for p in s["profiles"] if p["state"] == "enabled"][0]')
# The eUICC enables a profile it has just installed when asked (ImmediateEnable), as configured at the factory.
"$PY" - "$state" <<'PYEOF' || fail "configuring the software eUICC for ImmediateEnable"
import json, sys
s = json.load(open(sys.argv[1]))
s["immediate_enable"] = {"flag": True}
json.dump(s, open(sys.argv[1], "w"))
PYEOF
start_fake fake-qmi-modem.py --state "$state" --link "$devdir/cdc-wdm0"
DEVICE=auto
write_config "[Eim]" "Binding=$binding" "[Download]" "CiCertificates=$work/no-ci-certificates"
use_proxies
printf '[Daemon]\nAdminGroup=%s\n[Poll]\nPollOnStart=no\n' "$ADMIN_GROUP" >>"$conf"
start_bus
start_mm --modem "cdc-wdm0,qmi,$UID1,1"
start_daemon --bus system
wait_for_log "ModemManager: modem .*/Modem/0, port qmi:$devdir/cdc-wdm0" 10 "the port ModemManager names"
wait_device "qmi:$devdir/cdc-wdm0"

# line_of ERE: the number of the first line of the daemon log after the mark that matches (0: none).
line_of() {
  _n=$(tail -n "+$((mark + 1))" "$daemon_log" | grep -n -m 1 -E -e "$1" | cut -d: -f1)
  echo "${_n:-0}"
}

# --- Over D-Bus: the new profile is installed and, the eUICC being configured for it, enabled at once.
N1=8944000000000000136
smdpctl profile "matchingId=MM-1,iccid=$N1" >/dev/null
mark=$(wc -l <"$daemon_log")
: >"$MM_EVENTS"
ctl download "1\$$SMDP_ADDRESS\$MM-1" >"$work/dl.out" 2>"$work/dl.err" || { cat "$work/dl.err" >&2; fail "euiccctl download"; }
grep -q "^Profile $N1 installed" "$work/dl.out" || { cat "$work/dl.out" >&2; fail "no outcome line"; }
state_field "$state" '[p["iccid"] for p in s["profiles"] if p["state"] == "enabled"] == ["'$N1'"]' | grep -q True ||
  { grep -E "ImmediateEnable|BF5A|ModemManager" "$daemon_log" >&2; fail "ImmediateEnable did not enable the new profile"; }
wait_for_log "ModemManager released on modem $UID1: it probes the modem again and reads the new profile" 10 \
  "the release after the download"
# Inhibited with the old profile enabled, released with the new one: the inhibition spanned the switch.
printf 'inhibit %s %s\nuninhibit %s %s\nreprobe %s\n' "$UID1" "$P1" "$UID1" "$N1" "$UID1" >"$work/mm-expected.log"
cmp -s "$MM_EVENTS" "$work/mm-expected.log" ||
  { diff "$work/mm-expected.log" "$MM_EVENTS" >&2; fail "ModemManager was not inhibited around the download"; }
# In the daemon's log: inhibited before the package's first command to the card (the BoundProfilePackage's
# BF36 header with InitialiseSecureChannel), ImmediateEnable (BF5A) after it, released after that.
inhibited=$(line_of "ModemManager inhibited on modem $UID1")
bpp=$(line_of "> [0-9A-F]{8} [0-9A-F]{2} BF36")
immediate=$(line_of "> [0-9A-F]{8} [0-9A-F]{2} BF5A")
released=$(line_of "ModemManager released on modem $UID1")
[ "$inhibited" -gt 0 ] && [ "$inhibited" -lt "$bpp" ] && [ "$bpp" -lt "$immediate" ] && [ "$immediate" -lt "$released" ] ||
  { tail -n "+$((mark + 1))" "$daemon_log" | grep -E "ModemManager|BF36|BF5A" >&2
    fail "out of order: inhibit at line $inhibited, package at $bpp, ImmediateEnable at $immediate, release at $released"; }
echo "download over D-Bus: ModemManager inhibited before the package, released after ImmediateEnable"

# --- An eIM's download trigger whose package the eUICC refuses halfway: released all the same.
N2=8944000000000000144
smdpctl profile "matchingId=MM-2,iccid=$N2" >/dev/null
smdpctl faults kind=corrupt-bpp,segment=86,index=1 >/dev/null
queue_download "{\"activationCode\": \"1\$$SMDP_ADDRESS\$MM-2\"}"
: >"$MM_EVENTS"
bctl --timeout=60 call "$SERVICE" "$MANAGER" org.euiccd.Euiccd1 Poll >"$work/poll-call.txt" || fail "Poll"
smdpctl faults >/dev/null
check_download 'assert res["download"]["result"] == "profileInstallationResult", res
assert "'$N2'" not in p, p.keys()
assert not session_left'
printf 'inhibit %s %s\nuninhibit %s %s\nreprobe %s\n' "$UID1" "$N1" "$UID1" "$N1" "$UID1" >"$work/mm-expected.log"
cmp -s "$MM_EVENTS" "$work/mm-expected.log" ||
  { diff "$work/mm-expected.log" "$MM_EVENTS" >&2; fail "ModemManager was not released after the refused package"; }
echo "download trigger refused by the eUICC mid-package: ModemManager inhibited and released"

# --- Over D-Bus, failing at the SM-DP+ before any package: ModemManager is left alone.
N3=8944000000000000151
smdpctl profile "matchingId=MM-3,iccid=$N3" >/dev/null
smdpctl faults kind=http-status,status=500,function=getBoundProfilePackage >/dev/null
: >"$MM_EVENTS"
status=0
ctl download "1\$$SMDP_ADDRESS\$MM-3" >/dev/null 2>"$work/fail.err" || status=$?
smdpctl faults >/dev/null
[ "$status" -eq 1 ] || { cat "$work/fail.err" >&2; fail "the download failing at the SM-DP+ exited $status"; }
[ ! -s "$MM_EVENTS" ] || { cat "$MM_EVENTS" >&2; fail "ModemManager was inhibited for a download that never reached the package"; }
stop_daemon
echo "PASS: ModemManager inhibited around the package load and ImmediateEnable, released on success and failure"

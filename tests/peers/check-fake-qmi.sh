#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# The fake QMI modem against the real client: qmicli (direct and through qmi-proxy),
# plus the UIM channel messages Debian's qmicli lacks, driven by modemlib/qmi_probe.py.

srcdir="${top_srcdir:-$(dirname "$0")/../..}"
peers="$srcdir/tests/peers"
PY="${PYTHON3:-/usr/bin/python3}"

if ! command -v qmicli >/dev/null 2>&1; then
  echo "SKIP: qmicli not installed (Debian package libqmi-utils)"
  exit 77
fi

. "$peers/modemlib/check-common.sh"
enter_private_namespace "$0" "$@"

tmp=$(mktemp -d)
cleanup() {
  stop_fake
  rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

ISDR=A0000005591010FFFFFFFF8900000100
GET_EID=80E2910006BF3E035C015A00

# Not the initialiser's default EID, so a match proves the state file is what answers.
EID=89049032000000000000000004242167
make_state "$tmp/card.json" "$EID"

start_fake fake-qmi-modem.py --state "$tmp/card.json" --link "$tmp/cdc-wdm0"
dev="$fake_dev"

# qmicli talks to the pty directly; --device-open-qmi because a pty has no driver to
# detect the mode from. Every run is a new open/close of the device.
for round in 1 2 3; do
  qmicli -d "$dev" --device-open-qmi --uim-get-card-status >"$tmp/out" 2>&1
  expect "card status, run $round: card present" "Card state: 'present'" "$tmp/out"
done
expect "card status: USIM application" "Application type:  'usim (2)'" "$tmp/out"
expect "card status: application ready" "Application state: 'ready'" "$tmp/out"
expect "card status: slot 1 primary" "Primary GW:   slot '1', application '1'" "$tmp/out"

qmicli -d "$dev" --device-open-qmi --get-service-version-info >"$tmp/out" 2>&1
expect "version info: CTL" "ctl (1.5)" "$tmp/out"
expect "version info: UIM" "uim (1.46)" "$tmp/out"

qmicli -d "$dev" --device-open-qmi --uim-get-slot-status >"$tmp/out" 2>&1
expect "slot status: card present" "Card status: present" "$tmp/out"
expect "slot status: eUICC" "Is eUICC: yes" "$tmp/out"

qmicli -d "$tmp/cdc-wdm0" --device-open-qmi --uim-get-card-status >"$tmp/out" 2>&1
expect "through the --link symlink" "Card state: 'present'" "$tmp/out"

qmicli -d "$dev" --device-open-qmi --dms-get-ids >"$tmp/out" 2>&1
expect "unsupported service refused" "InvalidServiceType" "$tmp/out"

# Logical channels and APDUs (libqmi 1.32 has no typed calls for these).
"$PY" "$peers/modemlib/qmi_probe.py" "$dev" "open:$ISDR" "apdu:$GET_EID" "apdu-auto:$GET_EID" \
  close close open:A0000005591010FFFFFFFF89000001FF unknown malformed slot:2 "open:$ISDR" \
  >"$tmp/out" 2>&1
expect "open ISD-R channel" "open error=0 channel=1 sw=9000 data=6f" "$tmp/out"
expect "STORE DATA raw: card asks for GET RESPONSE" "apdu error=0 sw=61" "$tmp/out"
expect "STORE DATA with modem GET RESPONSE: EID" "apdu-auto error=0 sw=9000 data=bf3e125a10$EID" "$tmp/out"
expect "close channel" "close error=0 sw=9000" "$tmp/out"
expect "close of a closed channel: InvalidArgument" "close error=48" "$tmp/out"
expect "open of an unknown AID: SimFileNotFound" "open error=80 sw=6a82" "$tmp/out"
expect "unknown UIM message: InvalidQmiCommand" "unknown error=71" "$tmp/out"
expect "overrunning TLV: MalformedMessage" "malformed error=1" "$tmp/out"
expect "wrong slot: InvalidArgument" "open error=48" "$tmp/out"

# Through qmi-proxy, which libqmi spawns. Last on this pty: while the proxy has the
# device open it reads whatever the modem sends, answers to other direct users included.
if [ "$(id -u)" = 0 ]; then
  for round in 1 2; do
    qmicli -d "$dev" -p --device-open-qmi --uim-get-card-status >"$tmp/out" 2>&1
    expect "card status via qmi-proxy, run $round" "Card state: 'present'" "$tmp/out"
  done
  qmicli -d "$dev" -p --device-open-qmi --get-service-version-info >"$tmp/out" 2>&1
  expect "version info via qmi-proxy" "uim (1.46)" "$tmp/out"
else
  echo "note: not root, qmi-proxy part skipped"
fi

stop_fake
if [ -e "$tmp/cdc-wdm0" ] || [ -L "$tmp/cdc-wdm0" ]; then
  fail "symlink left behind after SIGTERM"
else
  pass "SIGTERM: clean exit, symlink removed"
fi

# Modem-level and card faults.
start_fake fake-qmi-modem.py --state "$tmp/card.json" --fault qmi-open-denied
"$PY" "$peers/modemlib/qmi_probe.py" "$fake_dev" "open:$ISDR" >"$tmp/out" 2>&1
expect "qmi-open-denied: AccessDenied" "open error=82" "$tmp/out"
stop_fake

start_fake fake-qmi-modem.py --state "$tmp/card.json" --fault nochannel
"$PY" "$peers/modemlib/qmi_probe.py" "$fake_dev" "open:$ISDR" >"$tmp/out" 2>&1
expect "card without free channel: InsufficientResources" "open error=68 sw=6a81" "$tmp/out"
stop_fake

start_fake fake-qmi-modem.py --state "$tmp/card.json" --fault qmi-slow:400 --slot 2
start=$("$PY" -c 'import time; print(time.monotonic())')
qmicli -d "$fake_dev" --device-open-qmi --uim-get-card-status >"$tmp/out" 2>&1
elapsed=$("$PY" -c 'import sys, time; print(int((time.monotonic() - float(sys.argv[1])) * 1000))' "$start")
expect "slot 2: card status names slot 2" "Primary GW:   slot '2', application '1'" "$tmp/out"
if [ "$elapsed" -ge 400 ]; then
  pass "qmi-slow:400 delays the answer (${elapsed} ms)"
else
  fail "qmi-slow:400 answered after ${elapsed} ms"
fi
"$PY" "$peers/modemlib/qmi_probe.py" "$fake_dev" "open:$ISDR" slot:2 "open:$ISDR" >"$tmp/out" 2>&1
expect "slot 2: slot 1 refused" "open error=48" "$tmp/out"
expect "slot 2: slot 2 served" "open error=0 channel=1" "$tmp/out"
stop_fake

# Modem loss: the module leaves the bus in the middle of a command and comes back on another pty; qmicli finds it
# again through the symlink, with the card reset (channel 1 free again).
start_fake fake-qmi-modem.py --state "$tmp/card.json" --link "$tmp/cdc-wdm0" --fault vanish-on:BF3E:1000
check_vanish qmi "$tmp/cdc-wdm0" "$PY" "$peers/modemlib/qmi_probe.py" "$tmp/cdc-wdm0" "open:$ISDR" "apdu:$GET_EID"
qmicli -d "$tmp/cdc-wdm0" --device-open-qmi --uim-get-card-status >"$tmp/out" 2>&1
expect "after vanish-on: qmicli through the symlink" "Card state: 'present'" "$tmp/out"
"$PY" "$peers/modemlib/qmi_probe.py" "$tmp/cdc-wdm0" "open:$ISDR" "apdu-auto:$GET_EID" >"$tmp/out" 2>&1
expect "after vanish-on: card reset, channel 1 free again" "open error=0 channel=1 sw=9000" "$tmp/out"
expect "after vanish-on: GetEID answered (once only)" "apdu-auto error=0 sw=9000 data=bf3e125a10$EID" "$tmp/out"
stop_fake

# A UIM reset of the module's own (silent-reset-after): GetEID is answered in full, then the channel is gone
# without a 91xx, the next APDU on it answers InvalidArgument (48); qmicli still reads the card, and a new
# channel works.
start_fake fake-qmi-modem.py --state "$tmp/card.json" --fault silent-reset-after:BF3E
"$PY" "$peers/modemlib/qmi_probe.py" "$fake_dev" "open:$ISDR" "apdu-auto:$GET_EID" "apdu-auto:$GET_EID" >"$tmp/out" 2>&1
expect "silent-reset-after: GetEID answered, no 91xx" "apdu-auto error=0 sw=9000 data=bf3e125a10$EID" "$tmp/out"
expect "silent-reset-after: the next APDU on the old channel refused" "apdu-auto error=48" "$tmp/out"
qmicli -d "$fake_dev" --device-open-qmi --uim-get-card-status >"$tmp/out" 2>&1
expect "silent-reset-after: qmicli reads the card" "Card state: 'present'" "$tmp/out"
"$PY" "$peers/modemlib/qmi_probe.py" "$fake_dev" "open:$ISDR" "apdu-auto:$GET_EID" >"$tmp/out" 2>&1
expect "silent-reset-after: a new channel, GetEID answered" "apdu-auto error=0 sw=9000 data=bf3e125a10$EID" "$tmp/out"
stop_fake

# Hostile input, in-process against the same modem code: random and mangled messages.
make_state "$tmp/hostile.json" "$EID"
"$PY" "$peers/modemlib/hostile_input.py" qmi "$tmp/hostile.json" 2000 >"$tmp/out" 2>&1
expect "2000 random and mangled QMI messages: all answered, no exception" "none crashed" "$tmp/out"

if [ "$failures" -ne 0 ]; then
  echo "$failures check(s) failed; fake modem log:"
  sed 's/^/    /' "$tmp/fake.err"
  exit 1
fi
echo "all fake QMI modem checks passed"
exit 0

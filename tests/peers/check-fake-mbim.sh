#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# The fake MBIM modem against the real client: mbimcli (direct and through mbim-proxy)
# with the Microsoft UICC low-level access commands, plus fragmentation and error
# paths driven at the message level by modemlib/mbim_probe.py.

srcdir="${top_srcdir:-$(dirname "$0")/../..}"
peers="$srcdir/tests/peers"
PY="${PYTHON3:-/usr/bin/python3}"

if ! command -v mbimcli >/dev/null 2>&1; then
  echo "SKIP: mbimcli not installed (Debian package libmbim-utils)"
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

colons() {
  "$PY" -c 'import sys; h = sys.argv[1].upper(); print(":".join(h[i:i + 2] for i in range(0, len(h), 2)))' "$1"
}

make_state "$tmp/card.json" "$EID"
atr=$("$PY" -c 'import sys; sys.path.insert(0, sys.argv[1]); from softeuicc import SoftEuicc
print(bytes(SoftEuicc(sys.argv[2]).atr).hex())' "$peers" "$tmp/card.json")

start_fake fake-mbim-modem.py --state "$tmp/card.json" --link "$tmp/cdc-wdm0"
dev="$fake_dev"

# channel_from FILE: the channel number mbimcli printed for an open channel.
channel_from() {
  sed -n 's/^[[:space:]]*channel: \([0-9][0-9]*\)$/\1/p' "$1" | head -n 1
}

# One mbimcli run per step: each is its own OPEN ... CLOSE of the device, and the
# channel opened in one run stays open in the modem for the next.
run_uicc_sequence() {
  label="$1"
  shift
  mbimcli -d "$dev" "$@" --ms-query-uicc-atr >"$tmp/out" 2>&1
  expect "$label: ATR" "response: $(colons "$atr")" "$tmp/out"

  mbimcli -d "$dev" "$@" --ms-set-uicc-open-channel="application-id=$ISDR" >"$tmp/out" 2>&1
  expect "$label: open channel, SW 90 00 as u32" "status: 144" "$tmp/out"
  expect "$label: open channel, ISD-R FCI" "response: 6F:" "$tmp/out"
  channel=$(channel_from "$tmp/out")
  if [ -z "$channel" ] || [ "$channel" -lt 1 ]; then
    fail "$label: no channel number in open channel output"
    channel=1
  fi

  mbimcli -d "$dev" "$@" \
    --ms-set-uicc-apdu="channel=$channel,secure-message=none,classbyte-type=inter-industry,command=$GET_EID" \
    >"$tmp/out" 2>&1
  expect "$label: GetEID through GET RESPONSE, SW 90 00" "status: 144" "$tmp/out"
  expect "$label: GetEID returns the state file's EID" "response: $(colons "BF3E125A10$EID")" "$tmp/out"

  mbimcli -d "$dev" "$@" --ms-set-uicc-close-channel="channel=$channel" >"$tmp/out" 2>&1
  expect "$label: close channel" "status: 144" "$tmp/out"

  mbimcli -d "$dev" "$@" \
    --ms-set-uicc-apdu="channel=$channel,secure-message=none,classbyte-type=inter-industry,command=$GET_EID" \
    >"$tmp/out" 2>&1
  expect "$label: APDU on the closed channel refused" "0x87430003" "$tmp/out"
}

run_uicc_sequence "direct"
run_uicc_sequence "direct, again"

mbimcli -d "$tmp/cdc-wdm0" --query-device-caps >"$tmp/out" 2>&1
expect "device caps through the --link symlink" "Firmware info: 'fake-mbim-modem'" "$tmp/out"
mbimcli -d "$dev" --query-device-services >"$tmp/out" 2>&1
expect "device services list the UICC service" "ms-uicc-low-level-access" "$tmp/out"
mbimcli -d "$dev" --ms-query-uicc-application-list >"$tmp/out" 2>&1
expect "application list: ISD-R" "$(colons "$ISDR")" "$tmp/out"
mbimcli -d "$dev" --ms-set-uicc-open-channel="application-id=A0000005591010FFFFFFFF89000001FF" >"$tmp/out" 2>&1
expect "open of an unknown AID: MS select failed" "0x87430002" "$tmp/out"
mbimcli -d "$dev" --query-radio-state >"$tmp/out" 2>&1
expect "unsupported CID: NoDeviceSupport" "NoDeviceSupport" "$tmp/out"

# Message level: a 64-byte MaxControlTransfer forces fragments both ways.
"$PY" "$peers/modemlib/mbim_probe.py" "$dev" --max-transfer 64 atr mbim-open atr "open:$ISDR" \
  "apdu:$GET_EID" unknown-cid unknown-service close close mbim-close atr >"$tmp/out" 2>&1
expect "COMMAND before OPEN: NotOpened" "atr function-error=5" "$tmp/out"
expect "OPEN done" "mbim-open type=0x80000001 status=0" "$tmp/out"
expect "ATR in fragments" "atr status=0x00000000 fragments=2 data=$atr" "$tmp/out"
expect "open in fragments" "open status=0x00000000 fragments=2 sw=0090 channel=" "$tmp/out"
expect "APDU answer in fragments" "apdu status=0x00000000 fragments=2 sw=0090 data=bf3e125a10$EID" "$tmp/out"
expect "unknown CID: NoDeviceSupport" "unknown-cid status=0x00000009" "$tmp/out"
expect "unknown service: NoDeviceSupport" "unknown-service status=0x00000009" "$tmp/out"
expect "close, then close again: invalid channel" "close status=0x87430003" "$tmp/out"
expect "CLOSE done" "mbim-close type=0x80000002 status=0" "$tmp/out"

# A long command arrives in fragments and is reassembled (255-byte STORE DATA block).
block=$("$PY" -c 'print("80E29100FF" + "BF2D" + "00" * 253)')
"$PY" "$peers/modemlib/mbim_probe.py" "$dev" --max-transfer 64 mbim-open "open:$ISDR" "apdu:$block" close \
  >"$tmp/out" 2>&1
if grep -q '^apdu status=0x00000000 fragments=1 sw=' "$tmp/out"; then
  pass "fragmented 260-byte command reassembled and answered"
else
  fail "fragmented command:"
  sed 's/^/    /' "$tmp/out"
fi

# Last on this pty: mbim-proxy keeps the device open once it has served a client, and
# would read what the modem sends to any other direct user.
if [ "$(id -u)" = 0 ]; then
  run_uicc_sequence "mbim-proxy" -p
else
  echo "note: not root, mbim-proxy part skipped"
fi

stop_fake
if [ -e "$tmp/cdc-wdm0" ] || [ -L "$tmp/cdc-wdm0" ]; then
  fail "symlink left behind after SIGTERM"
else
  pass "SIGTERM: clean exit, symlink removed"
fi

start_fake fake-mbim-modem.py --state "$tmp/card.json" --fault mbim-no-channels
mbimcli -d "$fake_dev" --ms-set-uicc-open-channel="application-id=$ISDR" >"$tmp/out" 2>&1
expect "mbim-no-channels: MS no logical channels" "0x87430001" "$tmp/out"
stop_fake

start_fake fake-mbim-modem.py --state "$tmp/card.json" --fault mbim-slow:400
start=$("$PY" -c 'import time; print(time.monotonic())')
mbimcli -d "$fake_dev" --ms-query-uicc-atr >"$tmp/out" 2>&1
elapsed=$("$PY" -c 'import sys, time; print(int((time.monotonic() - float(sys.argv[1])) * 1000))' "$start")
expect "mbim-slow: ATR still answered" "response: $(colons "$atr")" "$tmp/out"
if [ "$elapsed" -ge 400 ]; then
  pass "mbim-slow:400 delays the answer (${elapsed} ms)"
else
  fail "mbim-slow:400 answered after ${elapsed} ms"
fi
stop_fake

# Modem loss: the module leaves the bus in the middle of a command and comes back on another pty; mbimcli finds it
# again through the symlink, with the card reset.
start_fake fake-mbim-modem.py --state "$tmp/card.json" --link "$tmp/cdc-wdm0" --fault vanish-on:BF3E:1000
check_vanish mbim "$tmp/cdc-wdm0" "$PY" "$peers/modemlib/mbim_probe.py" "$tmp/cdc-wdm0" mbim-open "open:$ISDR" \
  "apdu:$GET_EID"
mbimcli -d "$tmp/cdc-wdm0" --ms-query-uicc-atr >"$tmp/out" 2>&1
expect "after vanish-on: mbimcli through the symlink" "response: $(colons "$atr")" "$tmp/out"
"$PY" "$peers/modemlib/mbim_probe.py" "$tmp/cdc-wdm0" mbim-open "open:$ISDR" "apdu:$GET_EID" close >"$tmp/out" 2>&1
expect "after vanish-on: GetEID answered" "apdu status=0x00000000 fragments=1 sw=0090 data=bf3e125a10$EID" "$tmp/out"
stop_fake

# A UICC reset of the module's own (silent-reset-after): GetEID is answered in full, then the channel is gone
# without a 91xx and the next APDU on it answers MsInvalidLogicalChannel; mbimcli still reads the ATR, and a new
# channel works.
start_fake fake-mbim-modem.py --state "$tmp/card.json" --fault silent-reset-after:BF3E
"$PY" "$peers/modemlib/mbim_probe.py" "$fake_dev" mbim-open "open:$ISDR" "apdu:$GET_EID" "apdu:$GET_EID" >"$tmp/out" 2>&1
expect "silent-reset-after: GetEID answered, no 91xx" "apdu status=0x00000000 fragments=1 sw=0090 data=bf3e125a10$EID" "$tmp/out"
expect "silent-reset-after: the next APDU on the old channel refused" "apdu status=0x87430003" "$tmp/out"
mbimcli -d "$fake_dev" --ms-query-uicc-atr >"$tmp/out" 2>&1
expect "silent-reset-after: mbimcli reads the ATR" "response: $(colons "$atr")" "$tmp/out"
"$PY" "$peers/modemlib/mbim_probe.py" "$fake_dev" mbim-open "open:$ISDR" "apdu:$GET_EID" close >"$tmp/out" 2>&1
expect "silent-reset-after: a new channel, GetEID answered" "apdu status=0x00000000 fragments=1 sw=0090 data=bf3e125a10$EID" "$tmp/out"
stop_fake

# Hostile input, in-process against the same modem code: random and mangled messages.
make_state "$tmp/hostile.json" "$EID"
"$PY" "$peers/modemlib/hostile_input.py" mbim "$tmp/hostile.json" 2000 >"$tmp/out" 2>&1
expect "2000 random and mangled MBIM messages: all answered, no exception" "none crashed" "$tmp/out"

if [ "$failures" -ne 0 ]; then
  echo "$failures check(s) failed; fake modem log:"
  sed 's/^/    /' "$tmp/fake.err"
  exit 1
fi
echo "all fake MBIM modem checks passed"
exit 0

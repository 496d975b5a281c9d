#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# euiccctl probe over every transport against the same software eUICC: each run succeeds, shows what the
# card holds, and prints exactly the same report (the device line aside).
. "$(dirname "$0")/common.sh"

[ -x "$euiccctl" ] || skip "euiccctl not built"
state=$work/euicc.json
make_euicc "$state" --add-initial-eim eimId=eim1,fqdn=127.0.0.1:8443,counter=1

eid=$(state_field "$state" 's["eid"]')
reference=""
runs=0

# probe NAME DEVICE [OPTIONS]: runs the text and JSON probes and checks them.
probe() {
  name=$1
  device=$2
  shift 2
  timeout 60 "$euiccctl" probe --device "$device" "$@" >"$work/$name.txt" 2>"$work/$name.err" \
    || { cat "$work/$name.err" >&2; fail "$name: probe exited $?"; }
  timeout 60 "$euiccctl" probe --device "$device" "$@" --json >"$work/$name.json" 2>>"$work/$name.err" \
    || { cat "$work/$name.err" >&2; fail "$name: probe --json failed"; }

  grep -q "^EID: *$eid\$" "$work/$name.txt" || { cat "$work/$name.txt"; fail "$name: EID $eid not shown"; }
  "$PY" - "$state" "$work/$name.json" <<'PYEOF' || fail "$name: JSON report does not match the card"
import json, sys
state = json.load(open(sys.argv[1]))
report = json.load(open(sys.argv[2]))
assert report["eid"] == state["eid"], report["eid"]
assert [p["iccid"] for p in report["profiles"]] == [p["iccid"] for p in state["profiles"]], report["profiles"]
for got, want in zip(report["profiles"], state["profiles"]):
    assert got["profileState"] == want["state"], (got, want)
    assert got["profileName"] == want["name"], (got, want)
    assert got["profileClass"] == want["class"], (got, want)
assert [e["eimId"] for e in report["eimConfigurations"]] == ["eim1"], report["eimConfigurations"]
assert report["eimConfigurations"][0]["counterValue"] == 1
want_seq = sorted(n["seq"] for n in state["notifications"])
got_seq = sorted(n["seqNumber"] for n in report["notifications"])
assert got_seq == want_seq, (got_seq, want_seq)
assert report["euiccInfo2"]["svn"] == state["euicc_info"]["svn"], report["euiccInfo2"]
assert "errors" not in report, report["errors"]
PYEOF

  grep -v '^Device:' "$work/$name.txt" >"$work/$name.body"
  if [ -z "$reference" ]; then
    reference=$name
  elif ! cmp -s "$work/$reference.body" "$work/$name.body"; then
    diff -u "$work/$reference.body" "$work/$name.body" >&2 || true
    fail "$name prints a different report than $reference"
  fi
  runs=$((runs + 1))
  echo "ok $name"
}

if have_transport QMI; then
  start_fake fake-qmi-modem.py --state "$state"
  probe qmi-exclusive "qmi:$FAKE_PTY" --exclusive
  [ "$(id -u)" -eq 0 ] && probe qmi-proxy "qmi:$FAKE_PTY"
fi

if have_transport MBIM; then
  start_fake fake-mbim-modem.py --state "$state"
  probe mbim-exclusive "mbim:$FAKE_PTY" --exclusive
  [ "$(id -u)" -eq 0 ] && probe mbim-proxy "mbim:$FAKE_PTY"
fi

start_fake fake-at-modem.py --state "$state" --urc-noise
probe at "at:$FAKE_PTY"

if have_transport PCSC; then
  status=0
  sh "$peers/pcsc-harness.sh" check >/dev/null 2>&1 || status=$?
  if [ "$status" -eq 0 ]; then
    export euiccctl
    sh "$peers/pcsc-harness.sh" run --state "$state" -- sh -c \
      'timeout 60 "$euiccctl" probe --device "pcsc:$PCSC_HARNESS_READER" --block-size 250 >"$1/pcsc.txt" &&
       timeout 60 "$euiccctl" probe --device "pcsc:$PCSC_HARNESS_READER" --block-size 250 --json >"$1/pcsc.json"' \
      sh "$work" || fail "pcsc: probe failed"
    # The harness ran the probes; check their output like the others.
    grep -q "^EID: *$eid\$" "$work/pcsc.txt" || fail "pcsc: EID not shown"
    grep -v '^Device:' "$work/pcsc.txt" >"$work/pcsc.body"
    cmp -s "$work/$reference.body" "$work/pcsc.body" || { diff -u "$work/$reference.body" "$work/pcsc.body" >&2; fail "pcsc prints a different report"; }
    runs=$((runs + 1))
    echo "ok pcsc"
  else
    echo "pcsc: harness cannot run here (status $status), PC/SC probe skipped"
  fi
fi

[ "$runs" -ge 2 ] || fail "fewer than two transports could be probed"
echo "probe gave the same report over $runs transports"
cat "$work/$reference.txt"

#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Card-layer benchmarks: a probe over each transport (APDUs, bytes, wall time) and the STORE DATA block count
# for ES10 requests of several sizes. Run with `make bench`; figures go to docs/benchmarks.md.
. "$(dirname "$0")/../tests/integration/common.sh"

runs=${BENCH_RUNS:-5}
state=$work/euicc.json
make_euicc "$state" --add-initial-eim eimId=eim1,fqdn=127.0.0.1:8443,counter=1

# bench_probe NAME DEVICE [OPTIONS]: median wall time of $runs probes and the counters of one.
bench_probe() {
  name=$1
  device=$2
  shift 2
  : >"$work/times"
  for _ in $(seq "$runs"); do
    "$euiccctl" probe --device "$device" --stats "$@" 2>"$work/stats" >/dev/null || { cat "$work/stats"; fail "$name probe failed"; }
    sed -n 's/.*seconds=\([0-9.]*\).*/\1/p' "$work/stats" >>"$work/times"
  done
  median=$(sort -n "$work/times" | sed -n "$(( (runs + 1) / 2 ))p")
  counters=$(sed -n 's/^stats: \(apdus=[0-9]* bytes_out=[0-9]* bytes_in=[0-9]*\).*\(store_data=[0-9]* get_response=[0-9]*\).*/\1 \2/p' "$work/stats")
  printf '| %-15s | %s | %s s |\n' "$name" "$counters" "$median"
}

echo "## probe (median of $runs runs)"
echo "| transport | counters | wall time |"
echo "|---|---|---|"
if have_transport QMI; then
  start_fake fake-qmi-modem.py --state "$state"
  qmi=$FAKE_PTY
  bench_probe qmi-exclusive "qmi:$qmi" --exclusive
  [ "$(id -u)" -eq 0 ] && bench_probe qmi-proxy "qmi:$qmi"
fi
if have_transport MBIM; then
  start_fake fake-mbim-modem.py --state "$state"
  bench_probe mbim-exclusive "mbim:$FAKE_PTY" --exclusive
  [ "$(id -u)" -eq 0 ] && bench_probe mbim-proxy "mbim:$FAKE_PTY"
fi
start_fake fake-at-modem.py --state "$state"
bench_probe at "at:$FAKE_PTY"
if have_transport PCSC && sh "$peers/pcsc-harness.sh" check >/dev/null 2>&1; then
  export euiccctl runs
  sh "$peers/pcsc-harness.sh" run --state "$state" -- sh -c '
    for i in $(seq "$runs"); do
      "$euiccctl" probe --device "pcsc:$PCSC_HARNESS_READER" --block-size 250 --stats 2>>"$1/pcsc.stats" >/dev/null || exit 1
    done' sh "$work" || fail "pcsc probe failed"
  median=$(sed -n 's/.*seconds=\([0-9.]*\).*/\1/p' "$work/pcsc.stats" | sort -n | sed -n "$(( (runs + 1) / 2 ))p")
  counters=$(tail -n 1 "$work/pcsc.stats" | sed -n 's/^stats: \(apdus=[0-9]* bytes_out=[0-9]* bytes_in=[0-9]*\).*\(store_data=[0-9]* get_response=[0-9]*\).*/\1 \2/p')
  printf '| %-15s | %s | %s s |\n' "pcsc (250 B)" "$counters" "$median"
fi

if have_transport QMI; then
  echo
  echo "## STORE DATA blocks per ES10 request (QMI, 255-byte blocks)"
  "$builddir/bench/bench-store-data" --exclusive "qmi:$qmi" 100 255 256 1020 4000
  echo
  echo "## the same with 120-byte blocks, for comparison"
  "$builddir/bench/bench-store-data" --exclusive --block-size 120 "qmi:$qmi" 100 255 256 1020 4000 || true
fi

#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Benchmarks: a probe over each transport (APDUs, bytes, wall time), the STORE DATA block count for ES10
# requests of several sizes, and the eIM loop (bench-eim-poll.sh). Run with `make bench`; the figures are
# recorded in docs/benchmarks.md. BENCH_RUNS sets the runs per figure.
. "$(dirname "$0")/../tests/integration/common.sh"

sh "$srcdir/bench/size-report.sh"
echo

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
  have_pcsc=yes
  export euiccctl runs builddir
  # 255-byte blocks (the default) and 250, the size the PC/SC figures were first taken with; vpcd takes both.
  sh "$peers/pcsc-harness.sh" run --state "$state" -- sh -c '
    for block in 255 250; do
      for i in $(seq "$runs"); do
        "$euiccctl" probe --device "pcsc:$PCSC_HARNESS_READER" --block-size $block --stats \
          2>>"$1/pcsc-$block.stats" >/dev/null || exit 1
      done
    done
    echo "STORE DATA 255" >"$1/pcsc-store-data"
    "$builddir/bench/bench-store-data" "pcsc:$PCSC_HARNESS_READER" 100 255 256 1020 4000 >>"$1/pcsc-store-data" &&
    echo "STORE DATA 250" >>"$1/pcsc-store-data" &&
    "$builddir/bench/bench-store-data" --block-size 250 "pcsc:$PCSC_HARNESS_READER" 100 255 256 1020 4000 \
      >>"$1/pcsc-store-data"' sh "$work" >/dev/null 2>"$work/pcsc.err" || { cat "$work/pcsc.err" >&2; fail "pcsc probe failed"; }
  for block in 255 250; do
    median=$(sed -n 's/.*seconds=\([0-9.]*\).*/\1/p' "$work/pcsc-$block.stats" | sort -n | sed -n "$(( (runs + 1) / 2 ))p")
    counters=$(tail -n 1 "$work/pcsc-$block.stats" | sed -n 's/^stats: \(apdus=[0-9]* bytes_out=[0-9]* bytes_in=[0-9]*\).*\(store_data=[0-9]* get_response=[0-9]*\).*/\1 \2/p')
    printf '| %-15s | %s | %s s |\n' "pcsc ($block B)" "$counters" "$median"
  done
fi

# bench-store-data without the libqmi warnings about a pty that is not a USB port.
store_data() {
  status=0
  "$builddir/bench/bench-store-data" "$@" 2>"$work/store-data.err" || status=$?
  grep -v -e 'Qmi-WARNING' -e '^$' "$work/store-data.err" >&2 || true
  return "$status"
}

sizes="100 255 256 1020 4000"
if have_transport QMI; then
  echo
  echo "## STORE DATA blocks per ES10 request (QMI, 255-byte blocks; blocks must equal ceil(N/255))"
  store_data --exclusive "qmi:$qmi" $sizes
  echo
  echo "## the same with 120-byte blocks, for comparison"
  store_data --exclusive --block-size 120 "qmi:$qmi" $sizes
fi
if [ "${have_pcsc:-no}" = yes ]; then
  echo
  echo "## STORE DATA blocks per ES10 request over PC/SC (vpcd), 255- and 250-byte blocks"
  sed 's/^STORE DATA \(.*\)/\1-byte blocks:/' "$work/pcsc-store-data"
fi

# The eIM loop: idle polls and a one-PSMO exchange of the long-running daemon, in both bindings.
for binding in asn1 json; do
  echo
  status=0
  BENCH_BINDING=$binding BENCH_MASSIF=$([ "$binding" = asn1 ] && echo "${BENCH_MASSIF:-auto}" || echo no) \
    sh "$srcdir/bench/bench-eim-poll.sh" || status=$?
  [ "$status" -eq 0 ] || [ "$status" -eq 77 ] || fail "bench-eim-poll.sh ($binding) failed"
done

# Polls that deliver pending items with two eIMs: what they ask the card.
echo
echo "## polls that deliver, two eIMs (ASN.1 binding)"
status=0
sh "$srcdir/bench/bench-eim-deliver.sh" || status=$?
[ "$status" -eq 0 ] || [ "$status" -eq 77 ] || fail "bench-eim-deliver.sh failed"

# A profile download through the eIM, 20 ms per APDU at the modem, 50 ms per round trip to the eIM.
for binding in asn1 json; do
  echo
  echo "## profile download, 30 KB profile ($binding binding)"
  status=0
  E2E_BINDING=$binding sh "$srcdir/bench/bench-download.sh" || status=$?
  [ "$status" -eq 0 ] || [ "$status" -eq 77 ] || fail "bench-download.sh ($binding) failed"
done
echo
echo "## profile download, 30 KB profile, direct over ES9+"
status=0
BENCH_DIRECT=1 sh "$srcdir/bench/bench-download.sh" || status=$?
[ "$status" -eq 0 ] || [ "$status" -eq 77 ] || fail "bench-download.sh (direct) failed"

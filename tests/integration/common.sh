# SPDX-License-Identifier: Apache-2.0
# Shared by the integration tests: locating the tree, making a software eUICC, starting the pty fakes, and
# cleaning up whatever a test started. Source it; it sets `set -eu` and an EXIT trap.

set -eu

srcdir=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
builddir=${top_builddir:-$(pwd)}
PY=${PYTHON3:-/usr/bin/python3}
peers=$srcdir/tests/peers
euiccctl=$builddir/src/cli/euiccctl
# The programs load their transports from the build tree (make check sets this too; scripts run by hand).
EUICCD_TRANSPORT_DIR=${EUICCD_TRANSPORT_DIR:-$builddir/src/card/transports}
export EUICCD_TRANSPORT_DIR
work=$(mktemp -d)
started_pids=""

cleanup_started() {
  for pid in $started_pids; do
    kill "$pid" 2>/dev/null || true
  done
  for pid in $started_pids; do
    wait "$pid" 2>/dev/null || true
  done
  rm -rf "$work"
}
trap cleanup_started EXIT
# A test stopped by a signal still stops what it started (the EXIT trap runs on exit 1).
trap 'exit 1' INT TERM HUP PIPE

skip() {
  echo "SKIP: $*"
  exit 77
}

fail() {
  echo "FAIL: $*" >&2
  exit 1
}

# make_euicc FILE [init.py options...]: a fresh software eUICC state.
make_euicc() {
  state=$1
  shift
  "$PY" "$peers/softeuicc/init.py" --state "$state" "$@" || fail "softeuicc init failed"
}

# start_fake NAME ARGS...: starts tests/peers/NAME (a pty fake printing its pty path first) and sets
# FAKE_PTY and FAKE_PID.
start_fake() {
  name=$1
  shift
  [ -f "$peers/$name" ] || skip "$name is not there"
  out=$work/$name.$$.$(date +%s%N).out
  "$PY" "$peers/$name" "$@" >"$out" 2>"$out.err" &
  FAKE_PID=$!
  started_pids="$started_pids $FAKE_PID"
  FAKE_PTY=""
  for _ in $(seq 100); do
    FAKE_PTY=$(head -n 1 "$out" 2>/dev/null || true)
    [ -n "$FAKE_PTY" ] && return 0
    kill -0 "$FAKE_PID" 2>/dev/null || break
    sleep 0.1
  done
  cat "$out.err" >&2 || true
  fail "$name did not start"
}

# state_field STATE PYTHON-EXPRESSION: reads the software eUICC state ("s" is the parsed JSON).
state_field() {
  "$PY" -c 'import json,sys; s=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$1" "$2"
}

have_transport() {
  grep -q "define WITH_$1 1" "$builddir/config.h"
}

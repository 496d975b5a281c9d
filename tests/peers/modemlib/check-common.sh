# SPDX-License-Identifier: Apache-2.0
# Shell helpers shared by check-fake-qmi.sh and check-fake-mbim.sh (sourced, not run).
#
# The caller sets: peers (tests/peers directory), PY (python3), tmp (scratch directory).

failures=0
fake_pid=""
fake_dev=""

fail() {
  echo "FAIL: $*"
  failures=$((failures + 1))
}

pass() {
  echo "ok: $*"
}

# make_state FILE EID: the card's state file, written by the software eUICC's own initialiser.
make_state() {
  "$PY" "$peers/softeuicc/init.py" --state "$1" --eid "$2" >"$tmp/init.log" 2>&1 || {
    cat "$tmp/init.log"
    echo "FAIL: softeuicc/init.py could not create $1"
    exit 1
  }
}

# start_fake SCRIPT ARGS...: start a fake modem, wait for the pty path it prints.
start_fake() {
  script="$1"
  shift
  : >"$tmp/fake.out"
  "$PY" "$peers/$script" "$@" >"$tmp/fake.out" 2>>"$tmp/fake.err" &
  fake_pid=$!
  fake_dev=""
  i=0
  while [ $i -lt 100 ]; do
    fake_dev=$(head -n 1 "$tmp/fake.out" 2>/dev/null)
    [ -n "$fake_dev" ] && return 0
    kill -0 "$fake_pid" 2>/dev/null || break
    sleep 0.1
    i=$((i + 1))
  done
  cat "$tmp/fake.err"
  echo "FAIL: $script did not announce its pty"
  exit 1
}

# Processes holding our pty open (the fake, a proxy that opened it); never ourselves.
holders_of() {
  dev="$1"
  for fd in /proc/[0-9]*/fd/*; do
    if [ "$(readlink "$fd" 2>/dev/null)" = "$dev" ]; then
      pid=${fd#/proc/}
      pid=${pid%%/*}
      [ "$pid" != "$$" ] && echo "$pid"
    fi
  done | sort -u
}

# stop_fake: SIGTERM the fake, expect a clean exit; then stop whatever still holds its pty.
stop_fake() {
  [ -n "$fake_pid" ] || return 0
  dev="$fake_dev"
  kill -TERM "$fake_pid" 2>/dev/null
  status=0
  wait "$fake_pid" || status=$?
  if [ "$status" -ne 0 ]; then
    fail "fake modem exited with status $status on SIGTERM"
  fi
  fake_pid=""
  if [ -n "$dev" ]; then
    for pid in $(holders_of "$dev"); do
      kill -TERM "$pid" 2>/dev/null
    done
  fi
}

# expect NAME PATTERN FILE: FILE contains the fixed string PATTERN.
expect() {
  if grep -F -q -- "$2" "$3"; then
    pass "$1"
  else
    fail "$1: '$2' not found in:"
    sed 's/^/    /' "$3"
  fi
}

# Run under a private PID and network namespace when we can (root): the abstract
# socket of qmi-proxy/mbim-proxy is then ours alone, and every process started
# here, a proxy included, ends with the namespace.
enter_private_namespace() {
  if [ -z "${EUICCD_PEERS_NS:-}" ] && [ "$(id -u)" = 0 ] && command -v unshare >/dev/null 2>&1 \
     && unshare --pid --fork --net --mount-proc true 2>/dev/null; then
    EUICCD_PEERS_NS=1 exec unshare --pid --fork --net --mount-proc /bin/sh "$@"
  fi
}

# check_vanish NAME LINK PROBE-COMMAND... : the fake was started with --link LINK and --fault vanish-on:BF3E:1000;
# the probe command opens the ISD-R through LINK and sends GetEID (BF3E), which the module never answers: it
# leaves the bus (the client reads EIO, the symlink goes) and comes back on another pty behind LINK.
check_vanish() {
  name=$1
  link=$2
  shift 2
  "$@" >"$tmp/out" 2>&1 || true
  expect "$name vanish-on: the command before was answered" "open" "$tmp/out"
  if grep -q "^apdu .*sw=" "$tmp/out"; then
    fail "$name vanish-on: GetEID was answered"
  else
    pass "$name vanish-on: GetEID unanswered, the port went away"
  fi
  if [ -e "$link" ] || [ -L "$link" ]; then
    fail "$name vanish-on: the symlink stayed while the module was away"
  else
    pass "$name vanish-on: the symlink is gone while the module is away"
  fi
  i=0
  while [ $i -lt 50 ] && [ -z "$(sed -n 2p "$tmp/fake.out")" ]; do
    sleep 0.1
    i=$((i + 1))
  done
  back=$(sed -n 2p "$tmp/fake.out")
  if [ -n "$back" ] && [ "$back" != "$fake_dev" ] && [ "$(readlink "$link")" = "$back" ]; then
    pass "$name vanish-on: back on another pty ($fake_dev -> $back) behind the symlink"
  else
    fail "$name vanish-on: not back on another pty behind the symlink ('$fake_dev', '$back', $(readlink "$link"))"
  fi
  fake_dev=$back
}

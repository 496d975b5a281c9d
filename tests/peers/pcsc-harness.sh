#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
#
# Run a command against a private PC/SC stack: pcscd with the vsmartcard vpcd
# driver, and the software eUICC (vpcd-card.py) as the card in its reader.
#
#   pcsc-harness.sh run [--state FILE] [--fault F]... [--timeout SECS] [--verbose]
#                       -- COMMAND [ARGS...]
#   pcsc-harness.sh check        exit 0 if the harness can run here, 77 if not
#
# "run" creates private network, mount and PID namespaces:
#  - network, because vpcd listens on 0.0.0.0:35963 (only loopback exists inside);
#  - mount, because pcscd's socket path /run/pcscd/pcscd.comm is compiled in
#    (Debian's pcscd 1.9.9 ignores PCSCLITE_CSOCK_NAME; only the client library
#    reads it), so a private directory is bound over /run/pcscd, and the USB
#    reader drivers are hidden so a real reader stays with the system pcscd;
#  - PID, so that however the namespace side dies (even by SIGKILL to it or to
#    unshare), the kernel ends every process it started.
# It then starts pcscd in the foreground with its own reader.conf.d, starts the
# card, waits until a reader reports the card present, prints the reader name,
# and runs COMMAND in the same namespaces with:
#   PCSCLITE_CSOCK_NAME    the private pcscd socket
#   PCSC_HARNESS_READER    the reader holding the card ("Virtual PCD 00 00")
#   PCSC_HARNESS_STATE     the software eUICC state file
#   PCSC_HARNESS_CARD_PID  the card process (SIGSTOP/SIGCONT freeze it, SIGTERM
#                          pulls the card for good)
#   PCSC_HARNESS_DIR       a scratch directory removed afterwards (pcscd.log and
#                          card.log live here)
# Everything is stopped and removed on any exit (TERM/INT/HUP are passed on so
# COMMAND and the peers stop in order); the exit status is COMMAND's.
# Without --state a fresh state is made with softeuicc/init.py.
# Exit 77 (skip) when pcscd, the vpcd driver, unshare, ip, python3 or
# libpcsclite are missing or namespaces are not permitted; 99 when the stack
# does not come up.

set -u

here=$(cd "$(dirname "$0")" && pwd)
srcdir=${top_srcdir:-$here/../..}
peers=$srcdir/tests/peers
PY=${PYTHON3:-/usr/bin/python3}
VPCD_PORT=35963
DRIVER_DIR=/usr/lib/pcsc/drivers

say () { echo "pcsc-harness: $*" >&2; }
skip () { say "SKIP: $*"; exit 77; }
fail () { say "ERROR: $*"; exit 99; }

usage () {
  sed -n '7,9p' "$0" | sed 's/^# \{0,1\}//' >&2
  exit 2
}

# The vpcd driver library, as Debian's reader.conf.d entry names it.
find_vpcd_driver () {
  lib=
  if [ -r /etc/reader.conf.d/vpcd ]; then
    lib=$(sed -n 's/^[[:space:]]*LIBPATH[[:space:]]\{1,\}//p' /etc/reader.conf.d/vpcd | head -n 1)
  fi
  for cand in "$lib" $DRIVER_DIR/serial/libifdvpcd.so /usr/lib/pcsc/drivers/serial/libifdvpcd.so; do
    if [ -n "$cand" ] && [ -r "$cand" ]; then
      echo "$cand"
      return 0
    fi
  done
  return 1
}

unshare_flags () {
  # PID 1 of the new PID namespace is the inner harness shell: when it goes,
  # the kernel kills pcscd, the card and COMMAND.  --kill-child does the same
  # when unshare itself is killed.
  if [ "$(id -u)" -eq 0 ]; then
    echo "-m -n -p --fork --kill-child --mount-proc"
  else
    # Unprivileged: a user namespace makes us root over our own mounts.
    echo "-r -m -n -p --fork --kill-child --mount-proc"
  fi
}

# Skips (exit 77) with the reason when the harness cannot work here.
check_prerequisites () {
  command -v pcscd > /dev/null 2>&1 || [ -x /usr/sbin/pcscd ] || skip "pcscd not installed (Debian package pcscd)"
  find_vpcd_driver > /dev/null || skip "vpcd driver not installed (Debian package vsmartcard-vpcd)"
  command -v unshare > /dev/null 2>&1 || skip "unshare not installed (util-linux)"
  command -v ip > /dev/null 2>&1 || [ -x /usr/sbin/ip ] || [ -x /sbin/ip ] || skip "ip not installed (iproute2)"
  [ -x "$PY" ] || skip "python3 not found at $PY"
  "$PY" -c 'import ctypes.util, sys; sys.exit(0 if ctypes.util.find_library("pcsclite") else 1)' 2> /dev/null ||
    skip "libpcsclite not found (Debian package libpcsclite1)"
  [ -r "$peers/vpcd-card.py" ] || skip "vpcd-card.py not found under $peers"
  # shellcheck disable=SC2046
  unshare $(unshare_flags) true 2> /dev/null || skip "private namespaces not permitted (unshare $(unshare_flags) failed)"
}

# Waits until a reader of the private pcscd reports a card; prints
# "<reader>\t<ATR hex>".  Uses libpcsclite through ctypes so that no extra
# tool is needed just to wait.
wait_for_card () {
  "$PY" - "$1" << 'EOF'
import ctypes, ctypes.util, sys, time

deadline = time.monotonic() + float(sys.argv[1])
lib = ctypes.CDLL(ctypes.util.find_library("pcsclite"))
DWORD = ctypes.c_ulong  # pcsc-lite on Linux: DWORD is unsigned long
LONG = ctypes.c_long
SCARD_SCOPE_SYSTEM = 2
SCARD_STATE_PRESENT = 0x20
MAX_ATR = 33


class ReaderState(ctypes.Structure):
    _fields_ = [("szReader", ctypes.c_char_p), ("pvUserData", ctypes.c_void_p),
                ("dwCurrentState", DWORD), ("dwEventState", DWORD),
                ("cbAtr", DWORD), ("rgbAtr", ctypes.c_ubyte * MAX_ATR)]


for f in ("SCardEstablishContext", "SCardReleaseContext", "SCardListReaders", "SCardGetStatusChange"):
    getattr(lib, f).restype = LONG

last = "pcscd not reachable"
while time.monotonic() < deadline:
    ctx = LONG()
    rv = lib.SCardEstablishContext(DWORD(SCARD_SCOPE_SYSTEM), None, None, ctypes.byref(ctx))
    if rv != 0:
        last = "SCardEstablishContext: 0x%08X" % (rv & 0xFFFFFFFF)
        time.sleep(0.1)
        continue
    size = DWORD(0)
    rv = lib.SCardListReaders(ctx, None, None, ctypes.byref(size))
    names = []
    if rv == 0 and size.value > 0:
        buf = ctypes.create_string_buffer(size.value)
        rv = lib.SCardListReaders(ctx, None, buf, ctypes.byref(size))
        if rv == 0:
            names = [n for n in buf.raw[:size.value].split(b"\0") if n]
    if not names:
        last = "no reader (SCardListReaders: 0x%08X)" % (rv & 0xFFFFFFFF)
    else:
        states = (ReaderState * len(names))()
        for i, n in enumerate(names):
            states[i].szReader = n
        rv = lib.SCardGetStatusChange(ctx, DWORD(0), states, DWORD(len(names)))
        if rv == 0:
            for s in states:
                if s.dwEventState & SCARD_STATE_PRESENT:
                    atr = bytes(s.rgbAtr[:min(s.cbAtr, MAX_ATR)]).hex().upper()
                    print("%s\t%s" % (s.szReader.decode(), atr))
                    lib.SCardReleaseContext(ctx)
                    sys.exit(0)
            last = "readers %s, none with a card" % ", ".join(n.decode() for n in names)
        else:
            last = "SCardGetStatusChange: 0x%08X" % (rv & 0xFFFFFFFF)
    lib.SCardReleaseContext(ctx)
    time.sleep(0.1)
print(last, file=sys.stderr)
sys.exit(1)
EOF
}

# ---- inside the namespaces ------------------------------------------------

inside () {
  state=
  faults=
  timeout=20
  verbose=
  tmp=
  while [ $# -gt 0 ]; do
    case $1 in
      --dir) [ $# -ge 2 ] || usage; tmp=$2; shift 2 ;;
      --state) [ $# -ge 2 ] || usage; state=$2; shift 2 ;;
      --fault) [ $# -ge 2 ] || usage; faults="$faults --fault=$2"; shift 2 ;;
      --timeout) [ $# -ge 2 ] || usage; timeout=$2; shift 2 ;;
      --verbose) verbose=--verbose; shift ;;
      --) shift; break ;;
      *) usage ;;
    esac
  done
  [ $# -ge 1 ] || usage

  [ -n "$tmp" ] && [ -d "$tmp" ] || fail "internal: no scratch directory"
  pcscd_pid=
  card_pid=
  cmd_pid=
  mounted=
  trap 'cleanup; exit 143' TERM
  trap 'cleanup; exit 130' INT
  trap 'cleanup; exit 129' HUP
  trap 'cleanup; exit 141' PIPE
  trap 'cleanup' EXIT

  PATH=$PATH:/usr/sbin:/sbin
  ip link set lo up || fail "cannot bring up loopback in the private network namespace"

  # Private pcscd socket directory over the compiled-in /run/pcscd.
  mkdir -p "$tmp/run"
  if [ ! -d /run/pcscd ] && ! mkdir -p /run/pcscd 2> /dev/null; then
    # Cannot create it (unprivileged): a private /run for this namespace.
    mount -t tmpfs -o mode=0755 pcsc-harness /run || fail "cannot mount a private /run"
    mkdir -p /run/pcscd
  fi
  mount --bind "$tmp/run" /run/pcscd || fail "cannot bind $tmp/run over /run/pcscd"
  mounted="/run/pcscd"

  # Our own copy of the vpcd driver, so the driver directory can be hidden:
  # pcscd would otherwise claim every USB reader on the machine.
  driver=$(find_vpcd_driver) || fail "vpcd driver vanished"
  mkdir -p "$tmp/drivers" "$tmp/empty" "$tmp/reader.conf.d"
  cp -L "$driver" "$tmp/drivers/libifdvpcd.so" || fail "cannot copy $driver"
  if [ -d "$DRIVER_DIR" ] && mount --bind "$tmp/empty" "$DRIVER_DIR" 2> /dev/null; then
    mounted="$DRIVER_DIR $mounted"
  else
    say "note: could not hide $DRIVER_DIR; USB readers may show up too"
  fi
  # DEVICENAME's number is vpcd's TCP port (0x8C7B = 35963).
  cat > "$tmp/reader.conf.d/vpcd" << EOF
FRIENDLYNAME "Virtual PCD"
DEVICENAME   /dev/null:$(printf '0x%X' "$VPCD_PORT")
LIBPATH      $tmp/drivers/libifdvpcd.so
CHANNELID    $(printf '0x%X' "$VPCD_PORT")
EOF

  if [ -z "$state" ]; then
    state=$tmp/euicc-state
    "$PY" "$peers/softeuicc/init.py" --state "$state" > "$tmp/init.log" 2>&1 ||
      { cat "$tmp/init.log" >&2; fail "softeuicc/init.py failed"; }
  fi
  [ -r "$state" ] || fail "state file $state not readable"

  pcscd -f -c "$tmp/reader.conf.d" > "$tmp/pcscd.log" 2>&1 &
  pcscd_pid=$!
  # shellcheck disable=SC2086
  "$PY" "$peers/vpcd-card.py" --state "$state" --port "$VPCD_PORT" $faults $verbose > "$tmp/card.log" 2>&1 &
  card_pid=$!

  if ! found=$(wait_for_card "$timeout" 2> "$tmp/wait.log"); then
    alive "$pcscd_pid" || say "pcscd exited"
    alive "$card_pid" || say "vpcd-card.py exited"
    dump_logs
    fail "no card in any vpcd reader after ${timeout}s: $(cat "$tmp/wait.log")"
  fi
  reader=$(printf '%s\n' "$found" | cut -f 1)
  atr=$(printf '%s\n' "$found" | cut -f 2)
  say "reader \"$reader\" has the card, ATR $atr"

  PCSCLITE_CSOCK_NAME=$tmp/run/pcscd.comm
  PCSC_HARNESS_READER=$reader
  PCSC_HARNESS_STATE=$state
  PCSC_HARNESS_CARD_PID=$card_pid
  PCSC_HARNESS_DIR=$tmp
  export PCSCLITE_CSOCK_NAME PCSC_HARNESS_READER PCSC_HARNESS_STATE PCSC_HARNESS_CARD_PID PCSC_HARNESS_DIR

  # In the background so that a TERM to the harness is handled at once.
  "$@" &
  cmd_pid=$!
  wait "$cmd_pid"
  rc=$?
  cmd_pid=
  if [ "$rc" -ne 0 ] && [ "$rc" -ne 77 ]; then
    say "command exited with status $rc"
    dump_logs
  fi
  exit "$rc"
}

dump_logs () {
  for f in "$tmp/pcscd.log" "$tmp/card.log"; do
    if [ -s "$f" ]; then
      say "---- last lines of $(basename "$f")"
      tail -n 30 "$f" >&2
    fi
  done
}

# True while the process runs (a zombie waiting to be reaped does not count).
alive () {
  kill -0 "$1" 2> /dev/null || return 1
  ! grep -q '^State:[[:space:]]*Z' "/proc/$1/status" 2> /dev/null
}

stop_pid () {
  [ -n "$1" ] || return 0
  kill "$1" 2> /dev/null || return 0
  n=0
  while alive "$1" && [ $n -lt 50 ]; do
    sleep 0.1
    n=$((n + 1))
  done
  kill -9 "$1" 2> /dev/null
  wait "$1" 2> /dev/null
  return 0
}

cleanup () {
  trap - EXIT TERM INT HUP PIPE
  stop_pid "$cmd_pid"
  stop_pid "$card_pid"
  stop_pid "$pcscd_pid"
  cmd_pid= card_pid= pcscd_pid=
  for m in $mounted; do
    umount "$m" 2> /dev/null
  done
  mounted=
  # The scratch directory belongs to the outer side, which removes it.
}

# ---- outside: create the namespaces, pass signals on, remove the scratch dir

outside () {
  tmp=$(mktemp -d "${TMPDIR:-/tmp}/pcsc-harness.XXXXXX") || fail "mktemp failed"
  ns_pid=
  trap 'outer_stop; exit 143' TERM
  trap 'outer_stop; exit 130' INT
  trap 'outer_stop; exit 129' HUP
  trap 'outer_stop; exit 141' PIPE
  trap 'outer_stop' EXIT
  # shellcheck disable=SC2046
  unshare $(unshare_flags) /bin/sh "$here/pcsc-harness.sh" __inside --dir "$tmp" "$@" &
  ns_pid=$!
  wait "$ns_pid"
  rc=$?
  ns_pid=
  exit "$rc"
}

# unshare ignores TERM and INT while it waits for its child, so the signal is
# handed to the inner shell (unshare's only child) directly; if that does not
# end things within 5 s, killing unshare brings the whole namespace down.
outer_stop () {
  trap - EXIT TERM INT HUP PIPE
  if [ -n "$ns_pid" ]; then
    inner=$(cat "/proc/$ns_pid/task/$ns_pid/children" 2> /dev/null)
    [ -n "$inner" ] && kill -TERM $inner 2> /dev/null
    n=0
    while alive "$ns_pid" && [ $n -lt 50 ]; do
      sleep 0.1
      n=$((n + 1))
    done
    kill -KILL "$ns_pid" 2> /dev/null
    wait "$ns_pid" 2> /dev/null
    ns_pid=
  fi
  [ -n "$tmp" ] && rm -rf "$tmp"
  tmp=
}

# ---- entry ------------------------------------------------------------------

case ${1:-} in
  check)
    check_prerequisites
    exit 0
    ;;
  run)
    shift
    check_prerequisites
    outside "$@"
    ;;
  __inside)
    shift
    inside "$@"
    ;;
  *)
    usage
    ;;
esac

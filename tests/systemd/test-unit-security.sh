#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# The unit exactly as `make install` copies it (systemd/euiccd.service, made from the .in with the configured
# paths): systemd-analyze must rate its exposure 2.5 or lower, accept it with `verify`, and the settings the daemon
# relies on (Type=notify, the watchdog, the state and configuration directories) must be there.
# Skips (77) without systemd-analyze (Debian package systemd).
set -eu

: "${top_builddir:?}"
unit="$top_builddir/systemd/euiccd.service"
daemon="$top_builddir/src/daemon/euiccd"
max_exposure=2.5

analyze=$(command -v systemd-analyze || true)
if [ -z "$analyze" ]; then
  echo "SKIP: systemd-analyze not found (apt-get install systemd)"
  exit 77
fi
if [ ! -f "$unit" ]; then
  echo "FAIL: $unit was not built"
  exit 1
fi

fail=0
problem() {
  echo "FAIL: $*"
  fail=1
}

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM

# systemd-analyze takes the unit name from the file name.
cp "$unit" "$tmp/euiccd.service"

# --- hardening score -----------------------------------------------------------------------------------------
if ! "$analyze" security --offline=yes --no-pager "$tmp/euiccd.service" >"$tmp/security.out" 2>&1; then
  cat "$tmp/security.out"
  problem "systemd-analyze security failed"
fi
exposure=$(sed -n 's/.*Overall exposure level for euiccd\.service: *\([0-9][0-9]*\.[0-9]*\).*/\1/p' "$tmp/security.out")
if [ -z "$exposure" ]; then
  cat "$tmp/security.out"
  problem "no 'Overall exposure level' line from systemd-analyze security"
elif awk -v e="$exposure" -v m="$max_exposure" 'BEGIN { exit !(e > m) }'; then
  grep '✗' "$tmp/security.out" || true
  problem "exposure $exposure is above $max_exposure"
else
  echo "ok: exposure $exposure (at most $max_exposure)"
fi

# --- the settings the daemon depends on ----------------------------------------------------------------------
# One value per key, as systemd would read it (the last assignment wins for these single-valued settings).
setting() {
  sed -n "s/^$1=//p" "$tmp/euiccd.service" | tail -n 1
}
expect() {
  got=$(setting "$1")
  if [ "$got" != "$2" ]; then
    problem "$1=$got, expected $1=$2"
  fi
}
expect Type notify
expect NotifyAccess main
expect Restart on-failure
expect StateDirectory euiccd
expect ConfigurationDirectory euiccd
expect ProtectSystem strict
expect NoNewPrivileges yes

exec_start=$(setting ExecStart)
case "$exec_start" in
  /*/euiccd) echo "ok: ExecStart=$exec_start" ;;
  *) problem "ExecStart=$exec_start is not an absolute path to euiccd" ;;
esac
if grep -n '@[a-z_]*@' "$tmp/euiccd.service"; then
  problem "placeholders left unsubstituted"
fi

watchdog=$(setting WatchdogSec)
case "$watchdog" in
  "" | 0 | infinity) problem "WatchdogSec=$watchdog: the daemon's pings would go unchecked" ;;
  *) echo "ok: WatchdogSec=$watchdog" ;;
esac

# --- systemd's own checks ------------------------------------------------------------------------------------
# verify insists that ExecStart exists; the configured sbindir is not installed during `make check`, so point the
# copy at the daemon just built. Everything else stays as installed. Man pages are not installed either.
if [ -x "$daemon" ]; then
  mkdir -p "$tmp/verify"
  sed "s|^ExecStart=.*|ExecStart=$daemon|" "$unit" >"$tmp/verify/euiccd.service"
  if ! (cd "$tmp/verify" && SYSTEMD_LOG_LEVEL=notice "$analyze" verify --man=no ./euiccd.service) >"$tmp/verify.out" 2>&1; then
    cat "$tmp/verify.out"
    problem "systemd-analyze verify rejected the unit"
  elif [ -s "$tmp/verify.out" ]; then
    # verify reports unknown or misspelled settings as warnings yet still exits 0.
    cat "$tmp/verify.out"
    problem "systemd-analyze verify warned about the unit"
  else
    echo "ok: systemd-analyze verify"
  fi
else
  problem "$daemon was not built"
fi

exit $fail

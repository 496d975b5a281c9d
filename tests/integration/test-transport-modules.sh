#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
#
# Transports are modules, loaded when a device URI names them: the programs link no modem library; a probe
# over AT maps neither libqmi, libmbim nor pcsc-lite, one over QMI maps libqmi (and libmbim only when libqmi
# itself needs it), one over MBIM only libmbim (seen through the dynamic loader's own trace, LD_DEBUG=files). A missing module, a module of
# another scheme and a shared object that is no module are refused with errors naming what was wrong.

. "${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/integration/common.sh"

modules=${EUICCD_TRANSPORT_DIR:-$builddir/src/card/transports}
[ -x "$euiccctl" ] || skip "$euiccctl not built"
[ -f "$modules/at.so" ] || skip "no transport modules in $modules"
command -v readelf >/dev/null 2>&1 || skip "readelf (binutils) not found"

modem_libraries="libqmi-glib libmbim-glib libpcsclite"

# The programs themselves need none of the modem libraries.
for program in "$builddir/src/daemon/euiccd" "$euiccctl"; do
  needed=$(readelf -d "$program" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p')
  for library in $modem_libraries; do
    if printf '%s\n' "$needed" | grep -q "^$library"; then
      fail "$(basename "$program") links $library: $(echo $needed)"
    fi
  done
done
echo "ok: euiccd and euiccctl link none of: $modem_libraries"

# probe_maps SCHEME DEVICE [OPTIONS]: a probe that must succeed; the shared objects it loaded in $work/loaded.
probe_maps() {
  scheme=$1
  device=$2
  shift 2
  LD_DEBUG=files LD_DEBUG_OUTPUT="$work/ld" "$euiccctl" probe --device "$scheme:$device" "$@" \
    >"$work/probe.out" 2>"$work/probe.err" || { cat "$work/probe.err" >&2; fail "$scheme probe failed"; }
  cat "$work/ld".* | sed -n 's/.*file=\([^ ]*\) \[0\];  generating link map.*/\1/p' | sort -u >"$work/loaded"
  rm -f "$work/ld".*
  grep -q "/$scheme.so\$" "$work/loaded" || { cat "$work/loaded" >&2; fail "$scheme probe did not load $scheme.so"; }
}

# expect_libraries SCHEME WANTED...: of the modem libraries, exactly WANTED were loaded.
expect_libraries() {
  scheme=$1
  shift
  for library in $modem_libraries; do
    loaded=no
    grep -q "$library\.so" "$work/loaded" && loaded=yes
    wanted=no
    for w in "$@"; do
      [ "$w" = "$library" ] && wanted=yes
    done
    [ "$loaded" = "$wanted" ] || { cat "$work/loaded" >&2; fail "$scheme probe: $library loaded=$loaded, expected $wanted"; }
  done
  echo "ok: a probe over $scheme loads $scheme.so and, of the modem libraries, only: ${*:-none}"
}

make_euicc "$work/state"
start_fake fake-at-modem.py --state "$work/state"
probe_maps at "$FAKE_PTY"
expect_libraries at
if have_transport QMI; then
  start_fake fake-qmi-modem.py --state "$work/state"
  probe_maps qmi "$FAKE_PTY" --exclusive
  # A libqmi built with QMI-over-MBIM support (Debian's) needs libmbim itself.
  libqmi=$(sed -n '/libqmi-glib\.so/p' "$work/loaded" | head -n 1)
  libqmi_path=$(ldd "$modules/qmi.so" | sed -n "s|.*$libqmi => \([^ ]*\).*|\1|p")
  if readelf -d "$libqmi_path" | grep -q 'NEEDED.*libmbim-glib'; then
    expect_libraries qmi libqmi-glib libmbim-glib
  else
    expect_libraries qmi libqmi-glib
  fi
fi
if have_transport MBIM; then
  start_fake fake-mbim-modem.py --state "$work/state"
  probe_maps mbim "$FAKE_PTY" --exclusive
  expect_libraries mbim libmbim-glib
fi

# expect_refusal DIR URI TEXT: the probe fails and its error says TEXT.
expect_refusal() {
  rc=0
  EUICCD_TRANSPORT_DIR=$1 "$euiccctl" probe --device "$2" >/dev/null 2>"$work/err" || rc=$?
  [ "$rc" -ne 0 ] || fail "probe of $2 with modules from $1 succeeded"
  grep -qF "$3" "$work/err" || { cat "$work/err" >&2; fail "probe of $2: the error does not say '$3'"; }
  echo "ok: $2 with modules from $(basename "$1"): $(head -n 1 "$work/err")"
}

mkdir "$work/empty" "$work/wrong"
expect_refusal "$work/empty" at:/dev/null "Transport 'at' is built but not installed: no module $work/empty/at.so"
# A module of another scheme under this scheme's name, and a shared object that is no module at all.
cp "$modules/at.so" "$work/wrong/qmi.so"
cp "$modules/at.so" "$work/wrong/mbim.so"
cjson=$(ldd "$euiccctl" | sed -n 's/.*libcjson[^ ]* => \([^ ]*\).*/\1/p')
[ -n "$cjson" ] || fail "cannot find the libcjson euiccctl links"
cp "$cjson" "$work/wrong/at.so"
if have_transport QMI; then
  expect_refusal "$work/wrong" qmi:/dev/null "was built for another euiccd"
elif have_transport MBIM; then
  expect_refusal "$work/wrong" mbim:/dev/null "was built for another euiccd"
fi
expect_refusal "$work/wrong" at:/dev/null "is not a euiccd transport module"

#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Every function of euiccd's own layers that a module takes from the program loading it is exported by that program
# (the --dynamic-list files in src/), so each module loads: the daemon's modules (src/daemon/modules/*.so) from
# euiccd, the transports (src/card/transports/*.so) from euiccd and euiccctl (which probes cards itself). Each
# module exports its descriptor alone. A module that would fail to load shows here with the missing names, not at
# the first download.
set -eu

builddir=${top_builddir:-$(pwd)}
NM=${NM:-nm}
daemon="$builddir/src/daemon/euiccd"
cli="$builddir/src/cli/euiccctl"
command -v "$NM" >/dev/null 2>&1 || { echo "ERROR: $NM is not installed (Debian: binutils)" >&2; exit 99; }
for program in "$daemon" "$cli"; do
  [ -x "$program" ] || { echo "ERROR: $program is not built" >&2; exit 99; }
done

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$NM" -D --defined-only "$daemon" | awk '{ print $NF }' | sort -u >"$work/euiccd"
"$NM" -D --defined-only "$cli" | awk '{ print $NF }' | sort -u >"$work/euiccctl"

failures=0
checked=0
for module in "$builddir"/src/daemon/modules/*.so "$builddir"/src/card/transports/*.so; do
  [ -f "$module" ] || continue
  checked=$((checked + 1))
  # The names of euiccd's layers (src/der ... src/ipa and src/euiccd-*): libraries' names never start so.
  "$NM" -D --undefined-only "$module" | awk '{ print $NF }' |
    grep -E '^(der|card|es10|isdr|esipa|gsma|https|smdp|rsp|es9plus|es11|ipa|daemon|euiccd)_' | sort -u >"$work/needed" || true
  case $module in
    */transports/*) programs="euiccd euiccctl" ;;
    *) programs="euiccd" ;;
  esac
  for program in $programs; do
    missing=$(comm -23 "$work/needed" "$work/$program" | tr '\n' ' ')
    if [ -n "$missing" ]; then
      echo "FAIL: ${module#"$builddir"/} needs what $program does not export: $missing" >&2
      failures=$((failures + 1))
    fi
  done
  exports=$("$NM" -D --defined-only "$module" | awk '$2 ~ /^[TDR]$/ { print $NF }' | tr '\n' ' ')
  case $exports in
    card_transport_module\ | ipa_download_module\ | esipa_json_module\ | ipa_sgp22_module\ | daemon_modem_manager_module\ ) ;;
    *)
      echo "FAIL: ${module#"$builddir"/} exports more than its descriptor: $exports" >&2
      failures=$((failures + 1))
      ;;
  esac
done
[ "$checked" -ge 4 ] || { echo "FAIL: only $checked modules under $builddir/src" >&2; exit 1; }
[ "$failures" -eq 0 ] || exit 1
echo "ok: $checked modules find what they take from euiccd, and export their descriptor alone"

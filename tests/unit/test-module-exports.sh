#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Every function of euiccd's own layers that a module (src/daemon/modules/*.so, src/card/transports/*.so) takes from
# the daemon is exported by it (the --dynamic-list files in src/), so each module loads; and each module exports its
# descriptor alone. A module that would fail to load shows here with the missing names, not at the first download.
set -eu

builddir=${top_builddir:-$(pwd)}
NM=${NM:-nm}
daemon="$builddir/src/daemon/euiccd"
command -v "$NM" >/dev/null 2>&1 || { echo "ERROR: $NM is not installed (Debian: binutils)" >&2; exit 99; }
[ -x "$daemon" ] || { echo "ERROR: $daemon is not built" >&2; exit 99; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$NM" -D --defined-only "$daemon" | awk '{ print $NF }' | sort -u >"$work/exported"

failures=0
checked=0
for module in "$builddir"/src/daemon/modules/*.so "$builddir"/src/card/transports/*.so; do
  [ -f "$module" ] || continue
  checked=$((checked + 1))
  # The names of euiccd's layers (src/der ... src/ipa and src/euiccd-*): libraries' names never start so.
  "$NM" -D --undefined-only "$module" | awk '{ print $NF }' |
    grep -E '^(der|card|es10|isdr|esipa|gsma|https|smdp|rsp|es9plus|es11|ipa|euiccd)_' | sort -u >"$work/needed" || true
  missing=$(comm -23 "$work/needed" "$work/exported" | tr '\n' ' ')
  if [ -n "$missing" ]; then
    echo "FAIL: ${module#"$builddir"/} needs what euiccd does not export: $missing" >&2
    failures=$((failures + 1))
  fi
  exports=$("$NM" -D --defined-only "$module" | awk '$2 ~ /^[TDR]$/ { print $NF }' | tr '\n' ' ')
  case $exports in
    card_transport_module\ | ipa_download_module\ | esipa_json_module\ | ipa_sgp22_module\ ) ;;
    *)
      echo "FAIL: ${module#"$builddir"/} exports more than its descriptor: $exports" >&2
      failures=$((failures + 1))
      ;;
  esac
done
[ "$checked" -ge 4 ] || { echo "FAIL: only $checked modules under $builddir/src" >&2; exit 1; }
[ "$failures" -eq 0 ] || exit 1
echo "ok: $checked modules find what they take from euiccd, and export their descriptor alone"

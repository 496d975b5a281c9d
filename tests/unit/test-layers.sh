#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# The layers of docs/architecture.md hold: der -> rsp -> card -> net -> ipa -> daemon -> cli, each using only the
# ones before it, and euiccctl never the daemon (it reaches the daemon over the bus only). Two looks, so neither
# an #include nor a bare extern declaration slips through:
#   1. the sources: no file of src/<layer>/ includes a header of a later layer, and the files directly in src/
#      (shared by every layer) use der alone, and not those der uses;
#   2. the built objects: no object of a layer calls a function defined by a later layer's object; and inside
#      src/ipa calls go one way: the exchange loop (ipa-exchange.c) -> the procedures -> what they share
#      (ipa-context.c) -> the pure helpers, so nothing calls back into the loop or up from the context.
# Every violation is reported with the file and what it includes or calls.
set -eu

srcdir=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
builddir=${top_builddir:-$(pwd)}
NM=${NM:-nm}
layers="der rsp card net ipa daemon cli"
# What each layer may use besides itself; the bus interface (dbus/, generated) belongs to the daemon and its client.
allowed_for() {
  case $1 in
    der) echo "" ;;
    rsp) echo "der" ;;
    card | net) echo "der rsp" ;;
    ipa) echo "der rsp card net" ;;
    daemon | cli) echo "der rsp card net ipa dbus" ;;
  esac
}
# src/ipa: the loop, the context and the pure helpers below it; every other file is a procedure.
ipa_loop="ipa-exchange"
ipa_context="ipa-context"
ipa_helpers="ipa-ownership ipa-result-record ipa-rollback-record ipa-activation-code ipa-sgp22-result ipa-sgp22-verify"

failures=0
fail() {
  echo "FAIL: $*" >&2
  failures=$((failures + 1))
}

contains() {
  case " $1 " in *" $2 "*) return 0 ;; esac
  return 1
}

# ---- 1. Includes ----
checked=0
for dir in "$srcdir"/src/*/; do
  layer=$(basename "$dir")
  contains "$layers" "$layer" || fail "src/$layer/ is no layer this test knows: give it its place in $layers" \
    "(tests/unit/test-layers.sh) and in docs/architecture.md"
done
for layer in $layers; do
  [ -d "$srcdir/src/$layer" ] || fail "src/$layer/ is missing"
  allowed=$(allowed_for "$layer")
  for file in "$srcdir/src/$layer"/*.c "$srcdir/src/$layer"/*.h; do
    [ -f "$file" ] || continue
    checked=$((checked + 1))
    # shellcheck disable=SC2013 # header paths have no spaces
    for used in $(sed -n 's|^[[:space:]]*#[[:space:]]*include[[:space:]]*["<]\([a-z]*\)/.*|\1|p' "$file" | sort -u); do
      [ "$used" = "$layer" ] && continue
      contains "$layers dbus" "$used" || continue
      if ! contains "$allowed" "$used"; then
        header=$(sed -n "s|^[[:space:]]*#[[:space:]]*include[[:space:]]*[\"<]\\($used/[^\">]*\\).*|\\1|p" "$file" | head -n 1)
        fail "src/$layer/$(basename "$file") includes $header: $layer may use only: ${allowed:-nothing but src/euiccd-*}"
      fi
    done
  done
done
# The files directly in src/ (euiccd-*) serve every layer: they may use der alone, and der only those of them that
# use nothing, so no circle runs through them.
layer_headers() {
  sed -n 's,^[[:space:]]*#[[:space:]]*include[[:space:]]*["<]\(\(der\|rsp\|card\|net\|ipa\|daemon\|cli\|dbus\)/[^">]*\).*,\1,p' "$1"
}
for file in "$srcdir"/src/*.c "$srcdir"/src/*.h; do
  [ -f "$file" ] || continue
  checked=$((checked + 1))
  for header in $(layer_headers "$file"); do
    [ "${header%%/*}" = der ] || fail "src/$(basename "$file") includes $header: the files directly in src/ serve every" \
      "layer and may use der alone"
  done
done
for file in "$srcdir"/src/der/*.c "$srcdir"/src/der/*.h; do
  # shellcheck disable=SC2013
  for shared in $(sed -n 's,^[[:space:]]*#[[:space:]]*include[[:space:]]*"\(euiccd-[^"/]*\)\.h".*,\1,p' "$file"); do
    for part in "$srcdir/src/$shared.c" "$srcdir/src/$shared.h"; do
      [ -f "$part" ] || continue
      [ -z "$(layer_headers "$part")" ] || fail "src/der/$(basename "$file") includes $shared.h, and" \
        "src/$(basename "$part") includes $(layer_headers "$part" | head -n 1): a circle through der"
    done
  done
done
[ "$checked" -gt 50 ] || fail "only $checked source files found under $srcdir/src"

# ---- 2. Calls, from the built objects ----
command -v "$NM" >/dev/null 2>&1 || { echo "ERROR: $NM is not installed (Debian: binutils)" >&2; exit 99; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

objects=$(find "$builddir/src" -mindepth 2 -name '*.o' | sort)
[ -n "$objects" ] || { echo "ERROR: no objects under $builddir/src: build first" >&2; exit 99; }
# shellcheck disable=SC2086 # one word per object
"$NM" -A -g --defined-only $objects >"$work/defined"
# shellcheck disable=SC2086
"$NM" -A -u $objects >"$work/undefined"
[ -s "$work/defined" ] || { echo "ERROR: $NM found no symbols in the objects under $builddir/src" >&2; exit 99; }

# nm -A lines: "<object>:<address> <type> <symbol>" and "<object>:  U <symbol>".
rules=
for layer in $layers; do
  rules="$rules $layer=$(allowed_for "$layer" | tr ' ' ',')"
done
source_list=$(cd "$srcdir/src" && echo */*.c | sed 's/\.c\( \|$\)/\1/g')
broken=$(awk -v layers="$layers" -v allowed="$rules" -v source_list="$source_list" -v loop="$ipa_loop" -v context="$ipa_context" -v helpers="$ipa_helpers" '
  function place(object,    n, parts, name) {
    n = split(object, parts, "/")
    layer = parts[n - 1]
    name = parts[n]
    sub(/\.o$/, "", name)
    # automake names objects <target>-<source>.o
    while (!((layer "/" name) in sources) && index(name, "-") > 0)
      sub(/^[^-]*-/, "", name)
    source = (layer "/" name) in sources ? name : ""
  }
  function ipa_rank(name) {
    if (name == loop) return 3
    if (name == context) return 1
    if ((" " helpers " ") ~ (" " name " ")) return 0
    return 2
  }
  BEGIN {
    n = split(layers, list, " ")
    for (i = 1; i <= n; i++) known[list[i]] = 1
    n = split(source_list, list, " ")
    for (i = 1; i <= n; i++) sources[list[i]] = 1
    n = split(allowed, rules, " ")
    for (i = 1; i <= n; i++) {
      split(rules[i], kv, "=")
      may[kv[1]] = kv[2]
    }
  }
  FNR == 1 { file++ }
  {
    colon = index($0, ":")
    place(substr($0, 1, colon - 1))
    # An object left from a source since removed says nothing about the sources.
    if (!(layer in known) || source == "") next
    symbol = $NF
    if (file == 1) {
      if ($(NF - 1) ~ /^[TDBRVWG]$/) {
        defined_layer[symbol] = layer
        defined_source[symbol] = source
      }
      next
    }
    if (!(symbol in defined_layer)) next
    to_layer = defined_layer[symbol]
    to_source = defined_source[symbol]
    if (to_layer != layer && ("," may[layer] ",") !~ ("," to_layer ",")) {
      uses = may[layer]
      gsub(/,/, " ", uses)
      printf "src/%s/%s.c calls %s of src/%s/%s.c: %s may use only: %s\n", layer, source, symbol, to_layer,
             to_source, layer, uses == "" ? "nothing but src/euiccd-*" : uses
    } else if (layer == "ipa" && to_layer == "ipa" && to_source != source && ipa_rank(to_source) > ipa_rank(source)) {
      printf "src/ipa/%s.c calls %s of src/ipa/%s.c: calls in src/ipa go one way, the loop (%s.c) -> the " \
             "procedures -> %s.c -> the pure helpers (%s)\n", source, symbol, to_source, loop, context, helpers
    }
  }' "$work/defined" "$work/undefined" | sort -u)
if [ -n "$broken" ]; then
  echo "$broken" | while read -r line; do echo "FAIL: $line" >&2; done
  failures=$((failures + $(echo "$broken" | wc -l)))
fi

if [ "$failures" -gt 0 ]; then
  echo "$failures layer rule(s) broken (docs/architecture.md, Layers)" >&2
  exit 1
fi
echo "layers hold: $checked source files, $(echo "$objects" | wc -l) objects"

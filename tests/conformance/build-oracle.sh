#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
#
# Builds the ASN.1 conformance oracle: asn1c-generated SGP.22/SGP.32 codecs plus
# asn1c-roundtrip.c, linked into one program in the build tree.  Prints the
# program's path on standard output.
#
# The ASN.1 modules are not part of this repository.  They are taken from the
# protocol reference at $EUICCD_SHARED_REFERENCE, or else at
# $top_srcdir/../shared/reference (its asn1/ folder).
#
# The build happens at test time and is cached: it is redone only when the
# program is missing or its inputs (modules, driver, this script, asn1c
# version) changed.  Tests running in parallel serialise on a lock, and the
# result is built in a temporary folder and renamed into place, so nobody ever
# sees half a build.
#
#   build-oracle.sh                      build if needed, print the program
#   build-oracle.sh --print-reference    print the reference folder only
#
# Exit status: 0 oracle ready; 77 the reference or asn1c is missing (the
# caller's test is skipped); 99 the oracle failed to build.

set -u

here=$(cd "$(dirname "$0")" && pwd)
top_srcdir=${top_srcdir:-$(cd "$here/../.." && pwd)}
top_builddir=${top_builddir:-$(pwd)}

if [ -n "${EUICCD_SHARED_REFERENCE:-}" ]; then
  reference=$EUICCD_SHARED_REFERENCE
else
  reference=$top_srcdir/../shared/reference
fi

# Order matters to asn1c only in that every import must be among them.
modules="PKIX1Explicit88.asn PKIX1Implicit88.asn PEDefinitions.asn RSPDefinitions-v2.5.asn SGP32Definitions-v1.2.asn"

# --print-reference: only say where the reference is (for tests that read
# other files of it), with the same skip when it is missing.
print_reference=no
if [ "${1:-}" = "--print-reference" ]; then
  print_reference=yes
fi

for m in $modules; do
  if [ ! -r "$reference/asn1/$m" ]; then
    echo "ASN.1 reference not found at $reference (no asn1/$m; set EUICCD_SHARED_REFERENCE): conformance skipped" >&2
    exit 77
  fi
done

if [ "$print_reference" = yes ]; then
  echo "$reference"
  exit 0
fi

if ! command -v asn1c >/dev/null 2>&1; then
  echo "asn1c not installed (Debian package asn1c): conformance skipped" >&2
  exit 77
fi

cc=${CC:-cc}
driver=$here/asn1c-roundtrip.c
confdir=$top_builddir/tests/conformance
out=$confdir/asn1c-oracle
program=$out/asn1c-roundtrip

mkdir -p "$confdir" || exit 99

inputs_digest () {
  {
    asn1c -v 2>&1 | head -n 1
    for m in $modules; do
      cat "$reference/asn1/$m"
    done
    cat "$driver" "$here/build-oracle.sh"
  } | sha256sum | cut -d ' ' -f 1
}

is_current () {
  [ -x "$program" ] && [ -r "$out/stamp" ] && [ "$(cat "$out/stamp")" = "$digest" ]
}

digest=$(inputs_digest)
if is_current; then
  echo "$program"
  exit 0
fi

# One build at a time; whoever waited finds the finished program and reuses it.
exec 9>"$confdir/asn1c-oracle.lock" || exit 99
if command -v flock >/dev/null 2>&1; then
  flock 9 || exit 99
fi
if is_current; then
  echo "$program"
  exit 0
fi

work=$(mktemp -d "$confdir/asn1c-oracle.tmp.XXXXXX") || exit 99
trap 'rm -rf "$work"' EXIT
# An interrupted build must still remove its temporary folder.
trap 'exit 130' INT TERM HUP
started=$(date +%s)
mkdir "$work/asn1" "$work/gen" || exit 99

# asn1c 0.9.28 needs two edits to accept the modules: the provenance header
# lines go, and CertificateSerialNumber's range (wider than 64 bits) becomes a
# plain INTEGER.
for m in $modules; do
  sed -e '/^-- SOURCE:/d' -e '/^-- LICENSE:/d' \
      -e 's/^\(CertificateSerialNumber[[:space:]]*::=[[:space:]]*INTEGER\)[[:space:]]*([^)]*)/\1/' \
      "$reference/asn1/$m" > "$work/asn1/$m" || exit 99
done
if grep -q '^CertificateSerialNumber[[:space:]]*::=.*INTEGER[[:space:]]*(' "$work/asn1/PKIX1Explicit88.asn"; then
  echo "build-oracle: could not remove the CertificateSerialNumber range in PKIX1Explicit88.asn" >&2
  exit 99
fi

module_paths=
for m in $modules; do
  module_paths="$module_paths ../asn1/$m"
done
# -fwide-types: without it asn1c maps a plain INTEGER to a C long, and the
# edited CertificateSerialNumber could not hold the 9 to 20 byte serial numbers
# of real certificates (the SGP.26 test CI's is 9 bytes), so every message
# carrying a certificate would fail to decode.  Encodings are unaffected.
# shellcheck disable=SC2086 # the module list is ours and has no spaces
if ! (cd "$work/gen" && asn1c -fcompound-names -fwide-types -pdu=all $module_paths) > "$work/asn1c.log" 2>&1; then
  echo "build-oracle: asn1c failed on the reference modules; its last words:" >&2
  tail -n 20 "$work/asn1c.log" >&2
  exit 99
fi
# The generated sample programs have their own main().
rm -f "$work/gen/converter-sample.c" "$work/gen/converter-example.c"

jobs=$(getconf _NPROCESSORS_ONLN 2>/dev/null || echo 2)
# Generated code is not ours: no warnings, no -Werror.  No optimisation: the
# oracle runs for a fraction of a second, so it would buy nothing.
# Compiled inside gen/ with bare file names so that asn1c's constraint messages
# name "Octet16.c", not a temporary path.
if ! (cd "$work/gen" && printf '%s\n' *.c | xargs -P "$jobs" -n 40 "$cc" -w -O0 -I. -c) > "$work/cc.log" 2>&1; then
  echo "build-oracle: compiling the asn1c-generated code failed:" >&2
  tail -n 20 "$work/cc.log" >&2
  exit 99
fi
if ! (cd "$work/gen" && "$cc" -std=gnu11 -Wall -Wextra -O1 -I. -c "$driver" -o ../asn1c-roundtrip.o \
      && "$cc" -o ../asn1c-roundtrip ./*.o ../asn1c-roundtrip.o) >> "$work/cc.log" 2>&1; then
  echo "build-oracle: building asn1c-roundtrip failed:" >&2
  tail -n 20 "$work/cc.log" >&2
  exit 99
fi
rm -f "$work"/gen/*.o "$work/asn1c-roundtrip.o"
echo "$digest" > "$work/stamp" || exit 99

rm -rf "$out"
mv "$work" "$out" || exit 99
trap - EXIT INT TERM HUP
n_sources=$(find "$out/gen" -name '*.c' | wc -l)
echo "build-oracle: asn1c oracle built in $(( $(date +%s) - started )) s ($n_sources generated C files, $jobs jobs)" >&2
echo "$program"

#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
#
# Feeds "<ASN1TypeName> <HEX>" lines to the ASN.1 conformance oracle and fails
# unless every one of them round-trips.
#
#   run-oracle.sh PROGRAM [ARG...]   run a dump program from the build tree and
#                                    check everything it prints
#   run-oracle.sh -f FILE            check the lines of a data file
#
# A dump program that is not built yet, a missing reference or a missing asn1c
# skip the test (exit 77) with a message saying which.  A dump program that
# fails or prints nothing is an error: an empty run must not pass.

set -u

here=$(cd "$(dirname "$0")" && pwd)

if [ $# -lt 1 ] || { [ "$1" = "-f" ] && [ $# -ne 2 ]; }; then
  echo "usage: run-oracle.sh PROGRAM [ARG...] | run-oracle.sh -f FILE" >&2
  exit 99
fi

vectors=$(mktemp "${TMPDIR:-/tmp}/euiccd-conformance.XXXXXX") || exit 99
trap 'rm -f "$vectors" "$vectors.out"' EXIT

if [ "$1" = "-f" ]; then
  source_name=$2
  if [ ! -r "$2" ]; then
    echo "run-oracle: cannot read $2" >&2
    exit 99
  fi
  cp "$2" "$vectors" || exit 99
else
  source_name=$1
  if [ ! -x "$1" ]; then
    echo "$1 is not built: conformance check of its output skipped" >&2
    exit 77
  fi
  "$@" > "$vectors"
  status=$?
  if [ $status -ne 0 ]; then
    echo "run-oracle: $* failed (exit status $status)" >&2
    exit 1
  fi
fi

expected=$(grep -c -v -e '^[[:space:]]*$' -e '^[[:space:]]*#' "$vectors")
if [ "$expected" -eq 0 ]; then
  echo "run-oracle: $source_name gave no \"<ASN1TypeName> <HEX>\" lines to check" >&2
  exit 1
fi

oracle=$(sh "$here/build-oracle.sh") || exit $?

"$oracle" "$vectors" > "$vectors.out"
status=$?
cat "$vectors.out"
if [ $status -ne 0 ]; then
  echo "run-oracle: $source_name: encodings that are not the DER of their ASN.1 type (see FAIL lines above)" >&2
  exit 1
fi

# The oracle must have judged every line, not just exited 0.
if ! grep -q -x "$expected passed, 0 failed" "$vectors.out"; then
  echo "run-oracle: $source_name: expected \"$expected passed, 0 failed\" from the oracle" >&2
  exit 1
fi
echo "run-oracle: $source_name: all $expected encodings round-trip through asn1c"
exit 0

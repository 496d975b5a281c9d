#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# The oracle must not pass vacuously: every known-bad line of negative-vectors.txt
# (wrong lengths, wrong tags, BER that is not DER, constraint violations, unknown
# types) must FAIL, for the reason its "# expect:" comment names.
set -u
here=$(cd "$(dirname "$0")" && pwd)
data=$here/negative-vectors.txt

oracle=$(sh "$here/build-oracle.sh") || exit $?

work=$(mktemp -d "${TMPDIR:-/tmp}/euiccd-conformance.XXXXXX") || exit 99
trap 'rm -rf "$work"' EXIT

# One expected reason per vector line, in order.
awk '/^# expect: / { sub(/^# expect: /, ""); reason = $0; next }
     /^[[:space:]]*(#|$)/ { next }
     { if (reason == "") { print "vector without an expect comment: " $0 > "/dev/stderr"; exit 1 }
       print reason; reason = "" }' "$data" > "$work/expected" || exit 99
count=$(wc -l < "$work/expected")
if [ "$count" -eq 0 ]; then
  echo "test-oracle-rejects: no vectors in $data" >&2
  exit 99
fi

"$oracle" "$data" > "$work/out"
status=$?
cat "$work/out"
if [ $status -ne 1 ]; then
  echo "test-oracle-rejects: the oracle exited $status on known-bad input, expected 1" >&2
  exit 1
fi
if ! grep -q -x "0 passed, $count failed" "$work/out"; then
  echo "test-oracle-rejects: expected \"0 passed, $count failed\"" >&2
  exit 1
fi

head -n "$count" "$work/out" > "$work/verdicts"
bad=$(paste -d '\n' "$work/expected" "$work/verdicts" |
      awk 'NR % 2 == 1 { want = $0; next }
           index($0, "FAIL ") != 1 || index($0, want) == 0 { printf "  wanted \"%s\", got: %s\n", want, $0 }')
if [ -n "$bad" ]; then
  echo "test-oracle-rejects: lines that did not fail for the expected reason:" >&2
  echo "$bad" >&2
  exit 1
fi
echo "test-oracle-rejects: all $count known-bad lines rejected for the expected reason"

#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# A short libFuzzer run of one target (builds configured with --enable-fuzzing): a few seconds of fuzzing from
# its seed corpus, in a scratch corpus directory so the seeds stay as they are. Any crash, sanitizer report,
# leak or failed property fails the test; libFuzzer's last lines are printed either way.
#   fuzz-short-run.sh TARGET [SECONDS] [CORPUS-NAME]
set -eu
target=$1
seconds=${2:-${FUZZ_SHORT_RUN_SECONDS:-3}}
corpus=${3:-$target}
: "${top_srcdir:=.}"
: "${top_builddir:=.}"
scratch=$(mktemp -d "${TMPDIR:-/tmp}/fuzz-$target.XXXXXX")
trap 'rm -rf "$scratch"' EXIT
status=0
"$top_builddir/fuzz/fuzz-$target" -max_total_time="$seconds" -max_len=8192 -rss_limit_mb=1024 \
  -print_final_stats=1 -artifact_prefix="$scratch/" "$scratch" "$top_srcdir/fuzz/corpus-$corpus" \
  >"$scratch/log" 2>&1 || status=$?
tail -n 25 "$scratch/log"
if [ "$status" -ne 0 ]; then
  for crash in "$scratch"/crash-* "$scratch"/leak-* "$scratch"/timeout-* "$scratch"/oom-*; do
    [ -e "$crash" ] && od -A x -t x1z "$crash" | head -n 20
  done
  echo "fuzz-$target: libFuzzer exited with status $status"
  exit 1
fi

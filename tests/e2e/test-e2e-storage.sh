#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# No result is lost when the state directory cannot be written: a result that must be stored before it is sent
# (the eUICC's unsigned refusal, which it does not keep) is sent all the same, and the storage problem is
# logged, first on a read-only state directory, then on a tiny tmpfs filled to the last byte. Each poll runs in
# a private mount namespace (unshare -m), so root, which ignores file modes, really cannot write; without root
# the test is skipped.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/e2e/e2e-lib.sh"

[ "$(id -u)" -eq 0 ] || skip "needs root: a read-only and a full state directory are made with mounts in a private namespace"
command -v unshare >/dev/null 2>&1 || skip "unshare is not installed (util-linux)"
unshare -m true 2>/dev/null || skip "private mount namespaces are not permitted here"

P3=89000123456789000023   # disabled test profile
start_all
expect_poll_ok "the first poll, on a writable state directory"

# poll_in_namespace 'SETUP': one euiccd --once in a private mount namespace after the shell commands SETUP
# (which see $statedir); output in $work/poll.log, status returned.
poll_in_namespace() {
  status=0
  STATEDIR=$statedir timeout 120 unshare -m sh -c "set -e; $1
exec \"\$0\" --config \"\$1\" --config-dir \"\$2\" --once --stats" "$euiccd" "$conf" "$work/conf.d" \
    >"$work/poll.log" 2>&1 || status=$?
  cat "$work/poll.log" >>"$work/all-polls.log"
  return "$status"
}

# check_sent_unstored WHAT ERRNO-TEXT: the refusal of $TXID could not be stored (the log names the key and the
# system's reason, and says it is sent all the same), the eIM has it once, the poll succeeded, nothing is left
# in the outbox or the state directory's temporary files.
check_sent_unstored() {
  grep -q "Storing result tx-$TXID before sending it: .*$2.*; sending it all the same, it is lost if that fails" \
    "$work/poll.log" || { cat "$work/poll.log" >&2; fail "$1: the storage problem is not reported"; }
  grep -q "eIM eim-test package $TXID: psmo:enable: rejected" "$work/poll.log" ||
    { cat "$work/poll.log" >&2; fail "$1: the refusal was not reported as sent"; }
  check_result 'assert res is not None and res["package_result"]["type"] == "euiccPackageErrorUnsigned", res
assert len(mine) == 1 and mine[0]["duplicate"] is False, mine'
  [ -z "$(outbox_files)" ] || fail "$1: the outbox holds $(outbox_files)"
  ! ls -a "$statedir" "$statedir/outbox" | grep -q '^\.tmp-' || fail "$1: a temporary file was left behind"
}

# ---- a read-only state directory (a read-only bind mount over it) ----
queue --psmo "enable:$P3" --break signature
poll_in_namespace 'mount --bind "$STATEDIR" "$STATEDIR"; mount -o remount,bind,ro "$STATEDIR"' ||
  { cat "$work/poll.log" >&2; fail "the poll on a read-only state directory failed (status $status)"; }
check_sent_unstored "read-only state directory" "Read-only file system"
grep -q "Recording psmo:enable in the history: .*Read-only file system" "$work/poll.log" ||
  { cat "$work/poll.log" >&2; fail "the failed history write is not reported"; }
echo "read-only state directory: the result was sent, the storage problem logged"

# ---- a full state directory (a 256 KiB tmpfs filled up) ----
queue --psmo "enable:$P3" --break signature
poll_in_namespace 'mount -t tmpfs -o size=256k,mode=0700 euiccd-full "$STATEDIR"
mkdir -m 0700 "$STATEDIR/outbox"
dd if=/dev/zero of="$STATEDIR/filler" bs=4096 2>/dev/null || true' ||
  { cat "$work/poll.log" >&2; fail "the poll on a full state directory failed (status $status)"; }
check_sent_unstored "full state directory" "No space left on device"
echo "full state directory: the result was sent, the storage problem logged"

# Back on the real directory, nothing was lost or left half-written, and the next poll is clean.
expect_poll_ok "the poll after the storage problems"
if grep -q "sending it all the same" "$work/poll.log"; then fail "a storage problem on the writable directory"; fi

#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Durability of the answers euiccd makes itself (IpaEuiccData, unusable packages), which live only in its
# outbox until the eIM took them: SIGKILL at every step, then a restart, and the eIM holds each answer once or
# again flagged duplicate by its eimTransactionId. Then a power cut during outbox writes: a leftover
# temporary file and truncated entries are reported by name, moved to corrupt/, and euiccd keeps running.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/e2e/e2e-lib.sh"

start_all
expect_poll_ok "first poll"

# Neither kind goes to LoadEuiccPackage or leaves anything on the eUICC to remove.
kills() {
  case $1 in
    before-provide|after-provide) echo yes ;;
    *) echo no ;;
  esac
}
repeats() {
  case $1 in
    after-provide) echo 1 ;;
    *) echo 0 ;;
  esac
}

for step in before-load after-load before-provide after-provide before-remove; do
  crash_and_recover "$step" "$(kills "$step")" '{"ipaEuiccData": {"tags": "81A8"}}'
  check_recovered "
assert res['kind'] == 'ipaEuiccDataResponse', res['kind']
d = res['ipaEuiccData']
assert d['eimTransactionId'] == txid and d['defaultSmdpAddress'] == s['default_smdp'], d
assert d['ipaCapabilities']['ipaSupportedProtocols'] == [0], d
assert len(dups) == $(repeats "$step") and all(x['ipaEuiccData'] == d for x in dups), [x['id'] for x in dups]
" "IpaEuiccData, SIGKILL at $step"

  crash_and_recover "$step" "$(kills "$step")" '{"broken": "truncated"}'
  check_recovered "
assert res['kind'] == 'eimPackageResultResponseError' and res['error']['code_name'] == 'invalidPackageFormat', res
assert len(dups) == $(repeats "$step") and all(x['error'] == res['error'] for x in dups), [x['id'] for x in dups]
" "unusable package, SIGKILL at $step"
done

# --- power cut: a stored answer, a write that never reached its rename, and two entries cut short
queue_package '{"ipaEuiccData": {"tags": "81"}}'
poll_killed_at before-provide
kept=$statedir/outbox/eim-test.tx-$TXID.msg
[ -f "$kept" ] || { outbox_files >&2; fail "no outbox entry $kept for the answer not yet sent"; }
size=$(wc -c <"$kept")
head -c "$((size / 2))" "$kept" >"$statedir/outbox/eim-test.tx-0BAD01.msg"
head -c 10 "$kept" >"$statedir/outbox/eim-test.tx-0BAD02.msg"
head -c "$((size - 1))" "$kept" >"$statedir/outbox/.tmp-eim-test.tx-0BAD03.msg-Xy12Zq"

write_config "[Eim]" "Binding=$binding" "[Poll]" "PollOnStart=true"
start_daemon --bus none
wait_poll_end "the poll on start" || { cat "$work/poll.log" >&2; fail "the poll on start failed"; }
for name in eim-test.tx-0BAD01.msg eim-test.tx-0BAD02.msg; do
  grep -q "outbox: $statedir/outbox/$name: .*; moved to $statedir/corrupt/" "$work/poll.log" "$daemon_log" \
    || { cat "$daemon_log" >&2; fail "the damaged $name was not reported by name"; }
  ls "$statedir/corrupt/" | grep -q "$name" || fail "$name is not in corrupt/"
done
grep -q "eim-test.tx-0BAD01.msg: checksum mismatch" "$daemon_log" || fail "the half entry should fail its checksum"
grep -q "eim-test.tx-0BAD02.msg: truncated: 10 bytes" "$daemon_log" || fail "the 10-byte entry should be called truncated"
[ ! -e "$statedir/outbox/.tmp-eim-test.tx-0BAD03.msg-Xy12Zq" ] || fail "the unfinished write was left in the outbox"
grep -q "removed $statedir/outbox/.tmp-eim-test.tx-0BAD03.msg-Xy12Zq, a write interrupted" "$daemon_log" \
  || { cat "$daemon_log" >&2; fail "the removal of the unfinished write was not logged"; }
daemon_alive || fail "euiccd stopped over damaged outbox files"
# The intact entry went out; nothing of the damaged ones reached the eIM.
check_recovered "
assert res['kind'] == 'ipaEuiccDataResponse' and res['function'] == 'handleNotification' and dups == [], res
assert not [x for x in r if (x.get('eimTransactionId') or '').startswith('0BAD')]
" "damaged outbox files"

# It goes on working: the next package is answered.
queue_package '{"ipaEuiccData": {"tags": "81"}}'
expect_daemon_poll_ok "poll after the damaged outbox"
check_recovered "assert res['kind'] == 'ipaEuiccDataResponse' and dups == []" "poll after the damaged outbox"
stop_daemon
echo "euiccd's own answers survive SIGKILL at every step and damaged outbox files over the $binding binding"

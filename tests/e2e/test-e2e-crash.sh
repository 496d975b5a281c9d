#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Durability of results the eUICC keeps (signed eUICC package results, SGP.32 3.3.1): euiccd is stopped with
# SIGKILL at every step of a package exchange, restarted, and the eIM ends up with every result exactly once,
# except for repeats it can recognise by eimTransactionId / seqNumber; the eUICC ran each package once and its
# list ends empty. Also: the card's answer to LoadEuiccPackage lost (fault noresult:BF51), the result found
# again in its list.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/e2e/e2e-lib.sh"

P1=89000123456789012358   # enabled, operational
P3=89000123456789000023   # disabled, test profile
steps="before-load after-load before-provide after-provide before-remove"
LIST='{"psmo": [{"listProfileInfo": {}}]}'
enable() {
  echo "{\"psmo\": [{\"enable\": {\"iccid\": \"$1\"}}]}"
}

start_all
expect_poll_ok "first poll"

# repeats STEP: how many times the eIM sees a result again after a kill at STEP: once when it had already
# taken it (the eUICC still holds it and cannot know), never otherwise.
repeats() {
  case $1 in
    after-provide|before-remove) echo 1 ;;
    *) echo 0 ;;
  esac
}

# --- enable: a profile switch, its result and two notifications kept by the eUICC
target=$P3
other=$P1
for step in $steps; do
  crash_and_recover "$step" yes "$(enable "$target")"
  # The switch made two notifications just before the result: the eIM took both, whichever way they came.
  check_recovered "
assert codes(res) == [('enableResult', 0)], codes(res)
assert res['package_result']['signature_valid'] is True
assert counter == queued['counter'] == res['package_result']['counterValue'], (counter, res['package_result'])
assert p['$target']['state'] == 'enabled' and p['$other']['state'] == 'disabled', (p['$target'], p['$other'])
assert len(dups) == $(repeats "$step"), [d['id'] for d in dups]
q = res['package_result']['seqNumber']
made = sorted((n['operation'], n['iccid']) for k, n in notes.items() if q - 3 < k < q)
assert made == [('disable', '$other'), ('enable', '$target')], made
" "enable, SIGKILL at $step"
  t=$target
  target=$other
  other=$t
done

# --- listProfileInfo: no state change, the result alone
for step in $steps; do
  crash_and_recover "$step" yes "$LIST"
  check_recovered "
lst = res['package_result']['results'][0]
assert lst['name'] == 'listProfileInfoResult' and lst['code'] == 0, lst
assert sorted(x['iccid'] for x in lst['profiles']) == sorted(p), lst
assert len(dups) == $(repeats "$step"), [d['id'] for d in dups]
assert counter == queued['counter'] == res['package_result']['counterValue'], (counter, res['package_result'])
" "listProfileInfo, SIGKILL at $step"
done

# --- two packages in one poll, killed at the second one's after-load: the first went through completely
queue_package '{"psmo": [{"getRAT": {}}]}'
TX1=$TXID
queue_package "$(enable "$target")"
poll_killed_at after-load:2
expect_poll_ok "restart after SIGKILL at the second package"
check_recovered "
assert counter == queued['counter'], counter
assert p['$target']['state'] == 'enabled', p['$target']
assert dups == []
first = [x for x in r if x.get('eimTransactionId') == '$TX1']
assert len(first) == 1 and first[0]['function'] == 'provideEimPackageResult', first
" "two packages, SIGKILL at after-load:2"
t=$target
target=$other
other=$t

# --- the eUICC executes but its answer is lost: the result is found in its list and delivered
"$PY" - "$state" <<'PYEOF'
import json, os, sys
s = json.load(open(sys.argv[1]))
s["faults"] = ["noresult:BF51"]
with open(sys.argv[1] + ".new", "w") as f:
    json.dump(s, f)
os.rename(sys.argv[1] + ".new", sys.argv[1])
PYEOF
queue_package "$(enable "$target")"
expect_poll_ok "LoadEuiccPackage without an answer"
grep -q "looking for the result the eUICC kept" "$work/poll.log" || { cat "$work/poll.log" >&2; fail "the lost answer went unnoticed"; }
check_recovered "
assert res['function'] == 'provideEimPackageResult' and codes(res) == [('enableResult', 0)], res
assert res['package_result']['signature_valid'] is True and dups == []
assert p['$target']['state'] == 'enabled' and p['$other']['state'] == 'disabled'
" "lost LoadEuiccPackage answer"
# The same with a SIGKILL right after the recovery: the kept result still gets there, once.
queue_package "$LIST"
poll_killed_at after-load
expect_poll_ok "restart after a lost answer and SIGKILL at after-load"
check_recovered "assert res['package_result']['results'][0]['name'] == 'listProfileInfoResult' and dups == []" \
  "lost answer, then SIGKILL at after-load"

echo "results the eUICC keeps survive SIGKILL at every step over the $binding binding"

#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Enable with rollback cut short: euiccd is stopped with SIGKILL at each step the rollback adds (the enable run
# but its result not delivered, the wait for the module to attach, just before and just after ProfileRollback,
# after a delivery but before its removal) while the new profile has no coverage, then started again. The
# restart finds its record (state directory `rollback`) and the eUICC's list and goes on from there: the
# rollback runs exactly once, the eIM takes the package's result and the rollback's once each (a repeat only
# after a kill between its acknowledgement and the removal, flagged as such), each of the six items leaves the
# eUICC with exactly one RemoveNotificationFromList, nothing is left anywhere, and the restart needs no other.
# Then: coverage back before the restart (the result goes over the new profile, no rollback) and a damaged
# record (named, removed, the poll goes on).
. "${top_srcdir:-$(dirname "$0")/../..}/tests/e2e/e2e-lib.sh"

P1=89000123456789012358   # enabled, operational
P3=89000123456789000023   # disabled, test profile
ENABLE_P3='{"psmo": [{"enable": {"iccid": "'$P3'", "rollback": true}}]}'
# Every command the card receives (tests/peers/README.md): the removals and rollbacks are counted there.
SOFTEUICC_APDU_LOG=$work/card-apdus.log
export SOFTEUICC_APDU_LOG
start_eim --binding both
setup_card
start_modem
write_config "[Eim]" "Binding=$binding" "[Connectivity]" "AttachTimeout=1s" "AttachRetryInterval=1s"
expect_poll_ok "first poll"
eim_admin_post /admin/coverage "{\"card_state\": \"$state\", \"no_coverage\": [\"$P3\"]}" >/dev/null

# check_rolled_back STEP DUPS: after the kill at STEP and the restart, for transaction $TXID: the card is back on P1 and holds nothing; the eIM took both signed results
# and the four notifications of the two switches once each, with DUPS repeats in all, each flagged duplicate;
# one ProfileRollback and one removal per item as the card saw them; one rolled-back outcome; no record left.
check_rolled_back() {
  [ ! -e "$statedir/rollback" ] || { cat "$statedir/rollback" >&2; fail "SIGKILL at $1: the rollback record is left"; }
  [ -z "$(outbox_files)" ] || fail "SIGKILL at $1: the outbox holds $(outbox_files)"
  eim_results >"$work/results.json"
  "$PY" - "$work/results.json" "$state" "$TXID" "$n0" "$2" "$SOFTEUICC_APDU_LOG" "$statedir/history" <<'PYEOF' \
    || { tail -n 60 "$work/all-polls.log" >&2; fail "SIGKILL at $1: the rollback did not end as it should"; }
import json, sys
r, s = json.load(open(sys.argv[1])), json.load(open(sys.argv[2]))
txid, n0, want_dups = sys.argv[3], int(sys.argv[4]), int(sys.argv[5])
# STORE DATA (INS E2) commands of one block: RemoveNotificationFromList BF30 { 80 seqNumber }, ProfileRollback BF58.
removed, rollbacks = [], 0
for line in open(sys.argv[6]):
    if not line.startswith("APDU "):
        continue
    a = bytes.fromhex(line.split()[1])
    if len(a) < 7 or a[1] != 0xE2 or a[2] != 0x91:
        continue
    data = a[5:5 + a[4]]
    if data[:2] == b"\xbf\x30" and data[3] == 0x80:
        removed.append(int.from_bytes(data[5:5 + data[4]], "big"))
    elif data[:2] == b"\xbf\x58":
        rollbacks += 1
history = [json.loads(line) for line in open(sys.argv[7]) if line.strip()]
p = {x["iccid"]: x for x in s["profiles"]}
try:
    assert p["89000123456789012358"]["state"] == "enabled", p
    assert p["89000123456789000023"]["state"] == "disabled", p
    assert s["notifications"] == [] and s["package_results"] == [], (s["notifications"], s["package_results"])
    assert "rollback" not in s, s.get("rollback")
    assert rollbacks == 1, "%d ProfileRollback" % rollbacks
    new = [x for x in r if x["id"] >= n0]
    items = {}   # seqNumber -> what the eIM took, in order
    for x in new:
        if x.get("package_result") and x.get("eimTransactionId") == txid:
            pr = x["package_result"]
            assert pr["signature_valid"] is True, pr
            items.setdefault(pr["seqNumber"], []).append(
                (tuple((y["name"], y["code"]) for y in pr["results"]), pr["duplicate"]))
        for n in x.get("notifications", []) + ([x["notification"]] if x.get("notification") else []):
            items.setdefault(n["seqNumber"], []).append(((n["operation"], n["iccid"]), n["duplicate"]))
    firsts = sorted(str(v[0][0]) for v in items.values())
    want = sorted(str(x) for x in [(("enableResult", 0),), (("rollbackResult", 0),),
                                   ("enable", "89000123456789000023"), ("disable", "89000123456789012358"),
                                   ("enable", "89000123456789012358"), ("disable", "89000123456789000023")])
    assert firsts == want, (firsts, want)
    for seq, seen in items.items():
        assert seen[0][1] is False, "item %d: its first delivery is flagged duplicate" % seq
        assert all(d for _, d in seen[1:]), "item %d: a repeat not flagged duplicate: %s" % (seq, seen)
    dups = sum(len(v) - 1 for v in items.values())
    assert dups == want_dups, "%d repeats, expected %d: %s" % (dups, want_dups, items)
    assert sorted(removed) == sorted(items), "removals %s, items %s" % (removed, sorted(items))
    outcomes = [h["result"] for h in history if h.get("transactionId") == txid]
    assert outcomes == ["rolled-back"], outcomes
except AssertionError as e:
    print("assertion failed:", str(e)[:3000], file=sys.stderr)
    sys.exit(1)
PYEOF
}

# scenario STEP DUPS: the enable of P3 with rollback, SIGKILL at STEP, one restart.
scenario() {
  : >"$work/all-polls.log"
  : >"$SOFTEUICC_APDU_LOG"
  n0=$(eim_results | "$PY" -c 'import json, sys; r = json.load(sys.stdin); print(max([x["id"] for x in r] + [0]) + 1)')
  queue_package "$ENABLE_P3"
  poll_killed_at "$1"
  case $1 in
    before-remove*) ;;
    *) [ -s "$statedir/rollback" ] || fail "SIGKILL at $1: no rollback record in the state directory" ;;
  esac
  expect_poll_ok "restart after SIGKILL at $1"
  check_rolled_back "$1" "$2"
  echo "SIGKILL at $1: rolled back once, both results and four notifications taken and removed once"
}

scenario after-load 0
scenario attach-wait 0
scenario before-rollback 0
scenario after-rollback 0
# The first item delivered after the rollback (the package's result), then the first notification: taken by the
# eIM, not yet removed; the restart offers it once more.
scenario before-remove 1
scenario before-remove:3 1

# Killed during the wait, but the coverage is back by the restart: the result goes over the new profile, and
# the new profile stays.
: >"$SOFTEUICC_APDU_LOG"
queue_package "$ENABLE_P3"
poll_killed_at attach-wait
eim_admin_post /admin/coverage '{"card_state": null, "no_coverage": []}' >/dev/null
expect_poll_ok "restart with coverage"
if grep -q '^APDU ..E291....BF58' "$SOFTEUICC_APDU_LOG"; then fail "rolled back although the eIM was reachable at the restart"; fi
[ ! -e "$statedir/rollback" ] || fail "the rollback record is left after the result was delivered"
check_result 'prs = [x["package_result"] for x in r if x.get("eimTransactionId") == txid and x.get("package_result")]
assert [[(y["name"], y["code"]) for y in pr["results"]] for pr in prs] == [[("enableResult", 0)]], prs
assert p["'$P3'"]["state"] == "enabled" and p["'$P1'"]["state"] == "disabled", p
assert s["package_results"] == [] and s["notifications"] == [], (s["package_results"], s["notifications"])'

# A damaged record: named, removed, and the poll delivers and polls as usual.
printf '[Rollback]\nEimId=eim-test\nCounterValue=many\n' >"$statedir/rollback"
expect_poll_ok "poll with a damaged rollback record"
grep -q 'Rollback record: \[Rollback\] CounterValue is not a number; the record is removed' "$work/poll.log" \
  || { cat "$work/poll.log" >&2; fail "the damaged rollback record was not named"; }
[ ! -e "$statedir/rollback" ] || fail "the damaged rollback record is still there"
echo "enable with rollback: every kill resumed to one rollback and one delivery of each item ($binding)"

#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# One bad item never blocks the rest, over the JSON binding with euiccd --once:
#  - a stored result whose delivery fails for a reason that may pass (503, 429) stays in the outbox, and
#    the GetEimPackage of the same exchange still runs: the PSMO waiting at the eIM is carried out and its result
#    delivered; the poll counts as failed (so the retry comes at the backoff); once the eIM takes it, it goes;
#  - a stored result the eIM refuses with functionExecutionStatus Failed goes to dead-letter/, named by eIM,
#    transaction and reason, without a word of the eIM's answer, and is not offered again;
#  - RemoveNotificationFromList refused by the eUICC ends nothing: the poll succeeds, and the next poll's read
#    of the list finds what is still there and delivers it again (the eIM flags the copies) until it is gone.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/e2e/e2e-lib.sh"

P3=89000123456789000023   # disabled test profile
start_all
write_config "[Eim]" "Binding=json"
expect_poll_ok "the first poll"

# set_card_faults FAULT...: the software eUICC's fault list (none: cleared).
set_card_faults() {
  "$PY" - "$state" "$@" <<'PYEOF'
import json, os, sys
s = json.load(open(sys.argv[1]))
s["faults"] = sys.argv[2:]
with open(sys.argv[1] + ".new", "w") as f:
    json.dump(s, f)
os.rename(sys.argv[1] + ".new", sys.argv[1])
PYEOF
}

# stored_refusal: a result only euiccd keeps (the eUICC's unsigned refusal), left in the outbox by a 500 on its
# ProvideEimPackageResult; sets STORED to its transaction.
stored_refusal() {
  eim_faults '{"kind": "http-status", "status": 500, "function": "provideEimPackageResult"}'
  queue --psmo "enable:$P3" --break signature
  STORED=$TXID
  expect_poll_fails "ProvideEimPackageResult with a 500"
  [ "$(outbox_files)" = "eim-test.tx-$STORED.msg" ] || fail "the refusal is not in the outbox: $(outbox_files)"
}

dead_letter_count() {
  ls "$statedir/dead-letter" 2>/dev/null | grep -c '\.json$' || true
}

# next_op: the PSMO that changes P3 now (enable when disabled and back), in OP; P3 starts disabled.
p3=disabled
next_op() {
  if [ "$p3" = disabled ]; then OP=enable; p3=enabled; else OP=disable; p3=disabled; fi
}

# ---- passing failures: the item stays, GetEimPackage runs all the same ----
for code in 503 429; do
  stored_refusal
  eim_faults '{"kind": "http-status", "status": '$code', "function": "handleNotification"}'
  next_op
  queue --psmo "$OP:$P3"
  expect_poll_fails "the delivery answered $code"
  grep -q "Delivering stored result tx-$STORED: ESipa handleNotification at https://$EIM_FQDN: HTTP $code.*; asking for packages all the same" \
    "$work/poll.log" || { cat "$work/poll.log" >&2; fail "HTTP $code on delivery: not reported, or GetEimPackage not asked"; }
  check_result 'assert res is not None and codes(res) == [("'$OP'Result", 0)], res
assert p["'$P3'"]["state"] == "'$p3'", p["'$P3'"]["state"]'
  [ "$(outbox_files)" = "eim-test.tx-$STORED.msg" ] || fail "after HTTP $code the outbox holds '$(outbox_files)'"
  [ "$(dead_letter_count)" = 0 ] || fail "HTTP $code made a dead letter"
  expect_poll_ok "the next poll after HTTP $code"
  [ -z "$(outbox_files)" ] || fail "the stored result was not delivered after HTTP $code: $(outbox_files)"
  check_eim 'mine = [x for x in r if x.get("eimTransactionId") == "'"$STORED"'"]
assert [x["function"] for x in mine] == ["handleNotification"], [x["function"] for x in mine]' "the stored result, once"
  echo "HTTP $code on delivery: kept, the PSMO of the same exchange ran, delivered at the next poll"
done

# ---- refused for good: JSON Failed ----
stored_refusal
eim_faults '{"kind": "failed-status", "function": "handleNotification"}'
expect_poll_ok "the delivery refused with Failed"
[ -z "$(outbox_files)" ] || fail "the refused result is still in the outbox: $(outbox_files)"
[ "$(dead_letter_count)" = 1 ] || fail "$(dead_letter_count) dead letters, expected 1"
"$PY" - "$statedir/dead-letter" "$STORED" <<'PYEOF' || fail "the dead letter"
import base64, json, os, sys
d = sys.argv[1]
(name,) = [n for n in os.listdir(d) if n.endswith(".json")]
x = json.load(open(os.path.join(d, name)))
assert x["eimId"] == "eim-test" and x["transactionId"] == sys.argv[2], x
assert x["kind"] == "packageResult" and x["reason"] == "the eIM answered Failed", x
assert base64.b64decode(x["content"]), x
text = open(os.path.join(d, name)).read()
assert "injected" not in text and "8.1" not in text, "the eIM's answer is quoted: " + text
PYEOF
grep -q "eIM eim-test refused packageResult $STORED for good (the eIM answered Failed): moved to the dead letters" \
  "$work/poll.log" || { cat "$work/poll.log" >&2; fail "the refusal is not logged"; }
expect_poll_ok "the poll after the refusal"
if grep -q "stored result" "$work/poll.log"; then fail "the dead letter was offered again"; fi
echo "JSON Failed on delivery: a dead letter, not offered again"

# ---- RemoveNotificationFromList refused: nothing ends, the next read tells ----
eim_faults
set_card_faults "sw:BF30:6985"
next_op
queue --psmo "$OP:$P3"
expect_poll_ok "a poll whose RemoveNotificationFromList is refused"
grep -q "RemoveNotificationFromList [0-9]*: .*6985.*; the next read of the list tells what the eUICC still holds" \
  "$work/poll.log" || { cat "$work/poll.log" >&2; fail "the failed removal is not reported"; }
check_result 'assert codes(res) == [("'$OP'Result", 0)], res
kept = [x["seq"] for x in s["package_results"] if x.get("kind") == "result"]
assert kept and s["notifications"], (kept, s["notifications"])'
set_card_faults
expect_poll_ok "the poll after the refused removal"
grep -q "eIM eim-test accepted eUICC package result [0-9]*\$" "$work/poll.log" ||
  { cat "$work/poll.log" >&2; fail "the kept result was not delivered again"; }
check_result 'kept = [x["seq"] for x in s["package_results"] if x.get("kind") == "result"]
assert kept == [] and s["notifications"] == [], (kept, s["notifications"])
assert len(mine) == 1 and mine[0]["duplicate"] is False, mine'
echo "a refused RemoveNotificationFromList: the poll went on, the next one delivered again and removed"

# ---- a result the eUICC keeps, refused for good: it stays on the eUICC, then a copy goes to the dead letters
# and it leaves the eUICC, with the notifications that came with it ----
eim_faults '{"kind": "package-error", "code": 2, "function": "provideEimPackageResult"}'
next_op
queue --psmo "$OP:$P3"
KEPT=$TXID
expect_poll_ok "a kept result answered with provideEimPackageResultError"
grep -q "eIM eim-test refused the result of $KEPT (provideEimPackageResultError .*); the eUICC keeps it for the next delivery" \
  "$work/poll.log" || { cat "$work/poll.log" >&2; fail "the refused kept result is not reported"; }
before=$(dead_letter_count)
check_result 'kept = [x["seq"] for x in s["package_results"] if x.get("kind") == "result"]
assert kept and s["notifications"], (kept, s["notifications"])'
eim_faults '{"kind": "failed-status", "function": "handleNotification", "count": 10}'
expect_poll_ok "the kept result and its notifications refused with Failed"
eim_faults
"$PY" - "$statedir/dead-letter" "$KEPT" "$before" <<'PYEOF' || fail "the dead letters of the kept items"
import json, os, sys
d, txid, before = sys.argv[1], sys.argv[2], int(sys.argv[3])
letters = [json.load(open(os.path.join(d, n))) for n in sorted(os.listdir(d)) if n.endswith(".json")]
new = letters[before:]
kinds = sorted(x["kind"] for x in new)
assert "packageResult" in kinds and "notification" in kinds, kinds
assert [x for x in new if x["kind"] == "packageResult"][0]["transactionId"] == txid, new
assert all(x["reason"] == "the eIM answered Failed" for x in new), new
PYEOF
check_result 'kept = [x["seq"] for x in s["package_results"] if x.get("kind") == "result"]
assert kept == [] and s["notifications"] == [], (kept, s["notifications"])'
expect_poll_ok "the poll after"
if grep -q "accepted\|refused" "$work/poll.log"; then fail "the dead letters were offered again"; fi
echo "a kept result and its notifications refused for good: dead letters, removed from the eUICC"

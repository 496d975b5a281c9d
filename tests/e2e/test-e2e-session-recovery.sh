#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# A package the eUICC executed but whose answer was lost, and whose kept result cannot be read either: euiccd
# must not answer it with a made-up undefinedError. The card executes LoadEuiccPackage, answers 6F00 and then
# nothing more (fault mute-after): the reopened session cannot read the kept result either, the poll fails, the
# eIM has no answer for the transaction, and the next poll (the card back) delivers the result the eUICC kept.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/e2e/e2e-lib.sh"

# set_card_faults FAULT...: the software eUICC re-reads its state's fault list on every command.
set_card_faults() {
  "$PY" - "$state" "$@" <<'PYEOF'
import json, os, sys
path = sys.argv[1]
s = json.load(open(path))
s["faults"] = sys.argv[2:]
json.dump(s, open(path + ".new", "w"))
os.replace(path + ".new", path)
PYEOF
}

start_all
expect_poll_ok "first poll"

queue --psmo list
set_card_faults mute-after:BF51
expect_poll_fails "the poll whose result cannot be read"
grep -q "LoadEuiccPackage: .*6F00; its result cannot be read now (it is delivered at the next poll)" "$work/poll.log" ||
  { cat "$work/poll.log" >&2; fail "the lost result was not named"; }
# Nothing at all reached the eIM for the transaction (neither a result nor a delivery of the kept one).
check_result 'assert not [x for x in r if x.get("eimTransactionId") == txid], [x for x in r if x.get("eimTransactionId") == txid]'
check_py 'assert any(e["der"] and "'"$TXID"'".lower() in e["der"].lower() for e in s["package_results"]), "the card kept no result"' \
  "the card executed the package"

set_card_faults
expect_poll_ok "the poll after the card is readable again"
# Delivered the way kept results are (HandleNotification), once, with the card's real outcome.
check_result 'mine = [x for x in r if x.get("eimTransactionId") == txid]
assert len(mine) == 1, mine
res = mine[0]
assert res["package_result"]["results"][0]["name"] == "listProfileInfoResult", res["package_result"]
assert res["package_result"]["results"][0]["code"] == 0, res["package_result"]'
grep -q "eIM eim-test accepted eUICC package result" "$work/poll.log" || fail "the kept result was not delivered"
echo "a result the card kept but could not give is delivered at the next poll, never made up"

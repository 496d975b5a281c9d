#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# What an eIM refuses for good becomes a dead letter, and the exchange goes on; euiccd on a private system-like
# bus between the software eUICC (behind the fake QMI modem) and the test eIM:
#  - a stored result whose delivery the eIM answers 403: set aside, and the GetEimPackage of the same exchange
#    still runs and its PSMO is carried out and reported;
#  - a result the eIM answers with provideEimPackageResultError: set aside, the exchange goes on;
#  - an answer to LoadEuiccPackage the IPA cannot decode (a CHOICE alternative no one knows): the card's own
#    bytes go to the eIM, not an undefinedError; the eIM cannot read them either (400) and they are set aside;
#  - DeadLetters over D-Bus and euiccctl dead-letters (text and JSON) show eIM, transaction, kind and reason,
#    nothing of the eIM's answer; the history records each; anyone may list them, only root and the admin
#    group may drop one (nobody gets exit 3 and the letter stays), an unknown id is NotFound.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/dbus/dbus-lib.sh"

P3=89000123456789000023   # disabled test profile
start_all
printf '[Daemon]\nAdminGroup=%s\n[Poll]\nPollOnStart=no\n' "$ADMIN_GROUP" >>"$conf"
start_bus
start_service

# poll_bus: Poll() as root; the outcome in $work/poll-call.txt; returns 0 when it says success.
poll_bus() {
  bctl --timeout=120 call "$SERVICE" "$MANAGER" org.euiccd.Euiccd1 Poll >"$work/poll-call.txt" || fail "busctl call Poll"
  grep -q '"success" b true' "$work/poll-call.txt"
}

# dead_letters: the DeadLetters property as JSON (a list of objects), in $work/dead.json.
dead_letters() {
  bctl --json=short get-property "$SERVICE" "$MANAGER" org.euiccd.Euiccd1 DeadLetters >"$work/dead-raw.json" ||
    fail "reading DeadLetters"
  "$PY" -c 'import json, sys
d = json.load(open(sys.argv[1]))["data"]
json.dump([{k: v["data"] for k, v in e.items()} for e in d], open(sys.argv[2], "w"))' "$work/dead-raw.json" "$work/dead.json"
}

# check_dead 'PYTHON': asserts over d (the dead letters, oldest first), log (the eIM's request log), h (the
# history as euiccctl history --json shows it), files (the dead-letter/ folder).
check_dead() {
  dead_letters
  eim_get /admin/log >"$work/eim-log.json"
  ctl history 0 --json >"$work/history.json" || fail "euiccctl history --json"
  ls "$statedir/dead-letter" >"$work/dead-files.txt" 2>/dev/null || true
  "$PY" - "$work/dead.json" "$work/eim-log.json" "$work/history.json" "$work/dead-files.txt" "$1" <<'PYEOF' ||
import json, sys
d, log, h = (json.load(open(f)) for f in sys.argv[1:4])
files = open(sys.argv[4]).read().split()
try:
    exec(sys.argv[5])
except AssertionError as e:
    print("assertion failed:", str(e)[:2000], file=sys.stderr)
    print(json.dumps(d, indent=1)[:3000], file=sys.stderr)
    sys.exit(1)
PYEOF
    { tail -n 40 "$work/service.log" >&2; fail "${2:-dead letters}"; }
}

# ---- 1. a stored result refused with 403 on delivery; the same exchange still gets and runs a PSMO ----
eim_faults '{"kind": "http-status", "status": 500, "function": "provideEimPackageResult"}'
queue --psmo "enable:$P3" --break signature
TX_REFUSED=$TXID
if poll_bus; then cat "$work/poll-call.txt" >&2; fail "the poll succeeded although ProvideEimPackageResult got a 500"; fi
[ "$(outbox_files)" = "eim-test.tx-$TX_REFUSED.msg" ] || fail "the refusal is not in the outbox: $(outbox_files)"

eim_faults '{"kind": "http-status", "status": 403, "function": "handleNotification"}'
queue --psmo "enable:$P3"
poll_bus || { cat "$work/poll-call.txt" >&2; tail -n 40 "$work/service.log" >&2; fail "the poll after a 403 on delivery failed"; }
grep -q '"packages" u 1' "$work/poll-call.txt" || { cat "$work/poll-call.txt" >&2; fail "the PSMO was not handled in that poll"; }
[ -z "$(outbox_files)" ] || fail "the refused result is still in the outbox: $(outbox_files)"
check_result 'assert res is not None and codes(res) == [("enableResult", 0)], res
assert p["'$P3'"]["state"] == "enabled", p["'$P3'"]["state"]'
check_dead 'import os
assert len(d) == 1 and len(files) == 1 and files[0] == d[0]["id"] + ".json", (d, files)
x = d[0]
assert x["eimId"] == "eim-test" and x["transactionId"] == "'"$TX_REFUSED"'", x
assert x["kind"] == "packageResult" and x["reason"] == "HTTP 403" and x["size"] > 0 and x["time"] > 0, x
# The delivery was refused first, then GetEimPackage ran, in the same exchange (one connection).
refused = [i for i, e in enumerate(log) if e["function"] == "handleNotification" and e["status"] == 403]
gets = [i for i, e in enumerate(log) if e["function"] == "getEimPackage"]
assert len(refused) == 1, refused
after = [i for i in gets if i > refused[0]]
assert after and log[after[0]]["connection"] == log[refused[0]]["connection"], (refused, gets)
assert any(e["operation"] == "deadLetter:packageResult" and e["result"] == "refused"
           and e.get("transactionId") == "'"$TX_REFUSED"'" and x["id"] in e.get("detail", "") for e in h), h
assert not any("injected fault" in json.dumps(v) for v in (d, h)), "the eIM answer is quoted"' \
  "a 403 on delivery: dead letter, GetEimPackage ran"
echo "a stored result refused with 403: a dead letter, and the PSMO of the same exchange ran"

# ---- 2. provideEimPackageResultError: set aside, the exchange goes on ----
eim_faults '{"kind": "package-error", "code": 2, "function": "provideEimPackageResult"}'
queue --psmo "disable:$P3" --break signature
TX_ERROR=$TXID
poll_bus || { cat "$work/poll-call.txt" >&2; fail "the poll failed on a provideEimPackageResultError"; }
[ -z "$(outbox_files)" ] || fail "the refused result is still in the outbox: $(outbox_files)"
check_dead 'x = d[-1]
assert len(d) == 2 and x["transactionId"] == "'"$TX_ERROR"'" and x["kind"] == "packageResult", d
assert x["reason"].startswith("provideEimPackageResultError ") and "(2)" in x["reason"], x' \
  "provideEimPackageResultError: dead letter"
echo "provideEimPackageResultError: a dead letter, the exchange went on"

# ---- 3. an answer to LoadEuiccPackage that cannot be decoded goes to the eIM as the card's bytes ----
eim_faults
"$PY" - "$state" <<'PYEOF'
import json, os, sys
s = json.load(open(sys.argv[1]))
s["faults"] = ["unknownalt:BF51"]
with open(sys.argv[1] + ".new", "w") as f:
    json.dump(s, f)
os.rename(sys.argv[1] + ".new", sys.argv[1])
PYEOF
queue --psmo "disable:$P3"
TX_RAW=$TXID
poll_bus || { cat "$work/poll-call.txt" >&2; tail -n 40 "$work/service.log" >&2; fail "the poll failed on an undecodable answer"; }
grep -q "the eUICC's answer to LoadEuiccPackage cannot be decoded (.*); passing its [0-9]* bytes to the eIM as they are" \
  "$work/service.log" || { tail -n 40 "$work/service.log" >&2; fail "the undecodable answer was not reported"; }
[ "$(state_field "$state" '[x for x in s["profiles"] if x["iccid"] == "'$P3'"][0]["state"]')" = disabled ] ||
  fail "the card did not run the package"
export DL_DIR="$statedir/dead-letter"
check_dead 'import base64, os
x = d[-1]
assert len(d) == 3 and x["transactionId"] == "'"$TX_RAW"'" and x["reason"] == "HTTP 400", d
# What the eIM got was the card answer with its unknown alternative, not an undefinedError made up by the IPA.
bad = [e for e in log if e["function"] == "provideEimPackageResult" and e["status"] == 400]
assert bad and "unknown alternative A5" in (bad[-1]["error"] or ""), bad
kept = base64.b64decode(json.load(open(os.path.join(os.environ["DL_DIR"], x["id"] + ".json")))["content"])
i = kept.index(bytes.fromhex("BF51"))
first = kept[i + 2]
j = i + 3 + (first & 0x7F if first & 0x80 else 0)
assert kept[j] == 0xA5, kept.hex()
assert any(e["operation"].startswith("psmo:disable") and e["result"] == "undecodable"
           and e.get("transactionId") == "'"$TX_RAW"'" for e in h), h' "an undecodable card answer"
"$PY" - "$state" <<'PYEOF'
import json, os, sys
s = json.load(open(sys.argv[1]))
s["faults"] = []
with open(sys.argv[1] + ".new", "w") as f:
    json.dump(s, f)
os.rename(sys.argv[1] + ".new", sys.argv[1])
PYEOF
echo "an undecodable LoadEuiccPackage answer: the card's bytes went to the eIM; refused by it, a dead letter"

# ---- 4. euiccctl; who may drop ----
ctl dead-letters >"$work/dead.txt" || fail "euiccctl dead-letters"
FIRST=$("$PY" -c 'import json,sys; print(json.load(open(sys.argv[1]))[0]["id"])' "$work/dead.json")
grep -q "^$FIRST .* eim-test *packageResult *HTTP 403  tx $TX_REFUSED\$" "$work/dead.txt" ||
  { cat "$work/dead.txt" >&2; fail "euiccctl dead-letters does not show the first one"; }
[ "$(wc -l <"$work/dead.txt")" -eq 3 ] || { cat "$work/dead.txt" >&2; fail "euiccctl dead-letters: not 3 lines"; }
ctl dead-letters --json >"$work/dead-ctl.json" || fail "euiccctl dead-letters --json"
"$PY" -c 'import json,sys; a=json.load(open(sys.argv[1])); b=json.load(open(sys.argv[2])); assert a == b, (a, b)' \
  "$work/dead-ctl.json" "$work/dead.json" || fail "euiccctl dead-letters --json differs from the property"
ctl status >"$work/status.txt" && grep -q "^Dead letters: 3 " "$work/status.txt" ||
  { cat "$work/status.txt" >&2; fail "euiccctl status does not count the dead letters"; }

nobody() {
  as_uid "$NOBODY_UID" "$NOBODY_GID" "$@"
}
admin() {
  as_uid "$ADMIN_UID" "$ADMIN_GID" "$@"
}
nobody "$busdir/euiccctl" dead-letters >"$work/nobody-dead.txt" || fail "nobody cannot list the dead letters"
cmp -s "$work/nobody-dead.txt" "$work/dead.txt" || fail "nobody sees other dead letters"
status=0
nobody "$busdir/euiccctl" drop-dead-letter "$FIRST" >/dev/null 2>"$work/denied.txt" || status=$?
[ "$status" -eq 3 ] || fail "euiccctl drop-dead-letter as nobody exited $status, expected 3"
grep -q "access denied" "$work/denied.txt" || { cat "$work/denied.txt" >&2; fail "drop as nobody: unclear refusal"; }
if nobody busctl --address="$BUS_ADDRESS" call "$SERVICE" "$MANAGER" org.euiccd.Euiccd1 DropDeadLetter s "$FIRST" \
  >/dev/null 2>&1; then
  fail "nobody dropped a dead letter with busctl"
fi
[ -f "$statedir/dead-letter/$FIRST.json" ] || fail "the dead letter is gone after nobody's attempt"

admin "$busdir/euiccctl" drop-dead-letter "$FIRST" >"$work/drop.txt" || fail "the admin group cannot drop a dead letter"
grep -q "^Dead letter $FIRST dropped.\$" "$work/drop.txt" || { cat "$work/drop.txt" >&2; fail "drop output"; }
[ ! -e "$statedir/dead-letter/$FIRST.json" ] || fail "the dropped dead letter is still on disk"
check_dead 'assert len(d) == 2 and "'"$FIRST"'" not in [x["id"] for x in d], d
assert any(e["operation"] == "dropDeadLetter" and "'"$FIRST"'" in e.get("detail", "") for e in h), h' "after the drop"
status=0
ctl drop-dead-letter "$FIRST" >/dev/null 2>"$work/again.txt" || status=$?
[ "$status" -eq 1 ] && grep -q "no dead letter '$FIRST'" "$work/again.txt" ||
  { cat "$work/again.txt" >&2; fail "dropping it again: exit $status"; }
status=0
ctl drop-dead-letter "../schedule" >/dev/null 2>"$work/bad-id.txt" || status=$?
[ "$status" -eq 1 ] && grep -q "is not a dead letter id" "$work/bad-id.txt" ||
  { cat "$work/bad-id.txt" >&2; fail "a malformed id: exit $status"; }
[ -f "$statedir/schedule" ] || fail "a malformed id reached another file"

SECOND=$("$PY" -c 'import json,sys; print(json.load(open(sys.argv[1]))[0]["id"])' "$work/dead.json")
admin "$busdir/euiccctl" drop-dead-letter "$SECOND" --json >"$work/drop.json" || fail "drop-dead-letter --json"
"$PY" -c 'import json,sys; assert json.load(open(sys.argv[1])) == {"dropped": sys.argv[2]}' "$work/drop.json" "$SECOND" ||
  { cat "$work/drop.json" >&2; fail "drop-dead-letter --json output"; }
check_dead 'assert len(d) == 1, d' "after the second drop"

# ---- 5. they survive a restart ----
stop_service
start_service
dead_letters
"$PY" -c 'import json,sys; assert len(json.load(open(sys.argv[1]))) == 1' "$work/dead.json" || fail "the dead letter did not survive a restart"
stop_service
echo "euiccctl dead-letters and drop-dead-letter: anyone lists, only the admin group drops; kept across a restart"

# ---- 6. StorageProblem: the state directory turned read-only (a bind mount in a private namespace) ----
if command -v unshare >/dev/null 2>&1 && unshare -m true 2>/dev/null; then
  STATEDIR=$statedir unshare -m sh -c 'set -e; mount --bind "$STATEDIR" "$STATEDIR"; mount -o remount,bind,ro "$STATEDIR"
exec "$0" --config "$1" --config-dir "$2" --bus system' "$euiccd" "$conf" "$work/conf.d" >>"$work/service.log" 2>&1 &
  DAEMON_PID=$!
  for _ in $(seq 200); do
    bctl status "$SERVICE" >/dev/null 2>&1 && break
    sleep 0.1
  done
  queue --psmo "enable:$P3" --break signature
  poll_bus || { cat "$work/poll-call.txt" >&2; tail -n 40 "$work/service.log" >&2; fail "the poll on a read-only state directory failed"; }
  check_result 'assert res is not None and res["package_result"]["type"] == "euiccPackageErrorUnsigned", res'
  bctl get-property "$SERVICE" "$MANAGER" org.euiccd.Euiccd1 StorageProblem >"$work/storage.txt"
  grep -q "Read-only file system" "$work/storage.txt" || { cat "$work/storage.txt" >&2; fail "StorageProblem is not set"; }
  ctl status >"$work/status.txt" && grep -q "^Storage: .*Read-only file system" "$work/status.txt" ||
    { cat "$work/status.txt" >&2; fail "euiccctl status does not show the storage problem"; }
  stop_service
  # Writable again: the first poll that writes everything clears it.
  start_service
  poll_bus || fail "the poll on the writable state directory failed"
  [ "$(bctl get-property "$SERVICE" "$MANAGER" org.euiccd.Euiccd1 StorageProblem)" = 's ""' ] ||
    fail "StorageProblem not cleared by a poll that wrote everything"
  stop_service
  echo "a read-only state directory: the result was sent, StorageProblem says why it was not stored, until a good poll"
fi

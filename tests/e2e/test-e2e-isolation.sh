#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Three eIMs on one eUICC, isolated from each other:
#  - A (eim-test) and B (eim-b) speak retrieval over HTTPS; C's eimId is "../c/é" (a path, non-ASCII) and its
#    eimSupportedProtocol names only a bit no version defines: it is polled over HTTPS with a warning.
#  - Profile notifications go to the eIM their notificationAddress names (P1's to A, P3's to B); the card's
#    first three name the SM-DP+ and stay on the eUICC.
#  - IpaEuiccData to A, with results of A and B on the card, lists A's only; A acknowledging B's result and an
#    SM-DP+ notification removes neither; B then gets its result and its notification.
#  - The three use the same eimTransactionId while none can take its result: three outbox entries, each
#    delivered to its eIM (A's under the name an earlier version gave it); C's escaped in the file name; its
#    notifyStateChange flag too.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/e2e/e2e-lib.sh"

P1=89000123456789012358   # enabled at the start
P3=89000123456789000023   # disabled at the start
EIM_C='../c/é'
EIM_C_FILE=_2E_2E_2Fc_2F_C3_A9   # how the state directory names it

start_eim --binding both
FQDN_A=$EIM_FQDN
FQDN_B=$(start_other_eim b eim-b)
FQDN_C=$(start_other_eim c "$EIM_C")
out_a=$work/eim.out
out_b=$work/eim-b.out
out_c=$work/eim-c.out

# The card's own three notifications name the SM-DP+ (init.py's default); P1's name A, P3's name B.
make_euicc "$state" \
  --add-initial-eim "eimId=eim-test,fqdn=$FQDN_A,counter=1,token=1,pubkey=$eimdir/eim-pub.pem,tls=$eimdir/server.pem" \
  --add-initial-eim "eimId=eim-b,fqdn=$FQDN_B,counter=1,token=1,pubkey=$work/eim-b/eim-pub.pem,tls=$work/eim-b/server.pem" \
  --add-initial-eim "eimId=$EIM_C,fqdn=$FQDN_C,counter=1,token=1,pubkey=$work/eim-c/eim-pub.pem,tls=$work/eim-c/server.pem,protocol=bit7"
"$PY" - "$state" "$P1" "$FQDN_A" "$P3" "$FQDN_B" <<'PYEOF'
import json, sys
path, p1, a, p3, b = sys.argv[1:]
s = json.load(open(path))
for p in s["profiles"]:
    p["notification_address"] = {p1: a, p3: b}.get(p["iccid"], p.get("notification_address"))
json.dump(s, open(path, "w"))
PYEOF
EID=$(state_field "$state" 's["eid"]')
state_field "$state" 's["pki"]["euicc_cert"]' >"$work/euicc-cert.pem"
i=0
for dir in "$eimdir" "$work/eim-b" "$work/eim-c"; do
  token=$(state_field "$state" "s['eims'][$i]['associationToken']")
  "$PY" "$peers/eim/eimctl.py" --dir "$dir" euicc --eid "$EID" --counter 1 --token "$token" \
    --cert "$work/euicc-cert.pem" >/dev/null
  i=$((i + 1))
done
start_modem

cat >"$conf" <<CONF
[Card]
Device=$DEVICE
Exclusive=true
ApduTimeout=10s
[Eim]
Binding=$binding
ConnectTimeout=5s
Timeout=10s
[Poll]
Interval=1h
Jitter=0
[Daemon]
StateDirectory=$statedir
LogLevel=debug
CONF

# post_at EIM-OUT PATH JSON: POST to that eIM's admin API, the answer on stdout.
post_at() {
  curl -sSf --max-time 30 -H 'Content-Type: application/json' --data "$3" "$(eim_admin_url "$1")$2" ||
    fail "POST $2 $3 to the eIM of $1"
}
# queue_at EIM-OUT PACKAGE-JSON [TXID]: queues a package at that eIM; its transaction id in QUEUED_TXID.
queue_at() {
  _tx=null
  [ -z "${3:-}" ] || _tx="\"$3\""
  post_at "$1" /admin/queue "{\"eid\": \"$EID\", \"package\": $2, \"transaction_id\": $_tx}" >"$work/queued.json"
  QUEUED_TXID=$(sed -n 's/^ *"transaction_id": "\([0-9A-F]*\)".*/\1/p' "$work/queued.json")
  [ -n "$QUEUED_TXID" ] || { cat "$work/queued.json" >&2; fail "queueing $2"; }
}
faults_at() {
  post_at "$1" /admin/faults "{\"faults\": [$2]}" >/dev/null
}
# check_all 'PYTHON': asserts over ra, rb, rc (each eIM's records), pc (C's polls), s (the card), outbox.
check_all() {
  eim_get "/admin/results?eid=$EID" "$out_a" >"$work/ra.json"
  eim_get "/admin/results?eid=$EID" "$out_b" >"$work/rb.json"
  eim_get "/admin/results?eid=$EID" "$out_c" >"$work/rc.json"
  eim_get "/admin/polls?eid=$EID" "$out_c" >"$work/pc.json"
  "$PY" - "$work" "$state" "$(outbox_files | tr '\n' ' ')" "$1" <<'PYEOF' || { tail -n 40 "$work/poll.log" >&2; fail "${2:-check}: $1"; }
import json, sys
w, statefile, outbox = sys.argv[1], sys.argv[2], sys.argv[3].split()
ra, rb, rc, pc = (json.load(open("%s/%s.json" % (w, n))) for n in ("ra", "rb", "rc", "pc"))
s = json.load(open(statefile))
try:
    exec(sys.argv[4])
except Exception as e:
    print("assertion failed: %s: %s" % (type(e).__name__, str(e)[:3000]), file=sys.stderr)
    sys.exit(1)
PYEOF
}

# --- first poll: all three polled, C with a warning; the SM-DP+'s notifications stay on the eUICC
expect_poll_ok "the first poll"
for fqdn in "$FQDN_A" "$FQDN_B" "$FQDN_C"; do
  grep -q "exchange with https://$fqdn ends" "$work/poll.log" || fail "the eIM at $fqdn was not polled"
done
grep -q "eIM ../c/é names no protocol euiccd speaks in eimSupportedProtocol (none known, bits 0x80): polled over HTTPS" \
  "$work/poll.log" || { cat "$work/poll.log" >&2; fail "C was not polled with a warning"; }
check_all 'assert len(s["notifications"]) == 3 and {n["address"] for n in s["notifications"]} == {"smdp.example.com"}, s["notifications"]
assert ra == [] and rb == [] and rc == [], (ra, rb, rc)' "the SM-DP+'s notifications"
smdp_seq=$(state_field "$state" 's["notifications"][0]["seq"]')

# --- B runs a package and does not acknowledge its result: it stays on the eUICC, B's
queue_at "$out_b" '{"psmo": [{"listProfileInfo": {}}]}'
faults_at "$out_b" '{"kind": "no-ack", "count": 1}'
expect_poll_ok "B's package, not acknowledged"
b_seq=$(state_field "$state" '[x["seq"] for x in s["package_results"] if x["eimId"] == "eim-b"][0]')

# --- A: a package it does not acknowledge, an enable whose acknowledgement also names B's result and an
# SM-DP+ notification, then IpaEuiccData; C cannot be reached, so its notifyStateChange waits in eim-flags.
queue_at "$out_a" '{"psmo": [{"listProfileInfo": {}}]}'
queue_at "$out_a" "{\"psmo\": [{\"enable\": {\"iccid\": \"$P3\"}}]}"
enable_txid=$QUEUED_TXID
queue_at "$out_a" '{"ipaEuiccData": {"tags": "A0A2"}}'
data_txid=$QUEUED_TXID
faults_at "$out_a" "{\"kind\": \"no-ack\", \"count\": 1}, {\"kind\": \"ack-extra\", \"seq\": [$b_seq, $smdp_seq], \"count\": 1}"
faults_at "$out_c" '{"kind": "http-status", "status": 503, "function": "getEimPackage", "count": 1}'
expect_poll_fails "A's packages while C is down"
grep -q "eIM eim-test acknowledged seqNumber $b_seq, held for another eIM or an SM-DP+: left on the eUICC" "$work/poll.log" &&
  grep -q "eIM eim-test acknowledged seqNumber $smdp_seq, held for another eIM or an SM-DP+: left on the eUICC" "$work/poll.log" ||
  { cat "$work/poll.log" >&2; fail "the acknowledgements of items A does not own were not refused"; }
check_all '
a_res = [x for x in ra if x["function"] == "provideEimPackageResult"]
enable = [x for x in a_res if x["eimTransactionId"] == "'$enable_txid'"][0]
assert enable["kind"] == "ePRAndNotifications", enable["kind"]
# Only the notification naming A (P1 disabled) goes with the result; P3 enabled names B.
assert [(n["operation"], n["iccid"]) for n in enable["notifications"]] == [("disable", "'$P1'")], enable["notifications"]
data = [x for x in a_res if x["eimTransactionId"] == "'$data_txid'"][0]["ipaEuiccData"]
results = data["euiccPackageResultList"]
assert len(results) == 1 and results[0]["eimId"] == "eim-test", results
assert data["notificationsList"] == [], data["notificationsList"]
# B got its result, still on the eUICC although A acknowledged it, and the notification naming it.
b_results = [x for x in rb if x["function"] == "handleNotification" and x.get("package_result")]
assert [x["package_result"]["seqNumber"] for x in b_results] == ['$b_seq'], b_results
b_notes = [x["notification"] for x in rb if x["kind"] == "pendingNotification"]
assert [(n["operation"], n["iccid"]) for n in b_notes] == [("enable", "'$P3'")], b_notes
assert not any(x["kind"] == "pendingNotification" for x in ra), "A was sent a notification on its own"
# What is left on the eUICC: the SM-DP+s notifications, acknowledged by A or not.
assert sorted(n["seq"] for n in s["notifications"]) == sorted(n["seq"] for n in s["notifications"] if n["address"] == "smdp.example.com"), s["notifications"]
assert len(s["notifications"]) == 3 and '$smdp_seq' in [n["seq"] for n in s["notifications"]], s["notifications"]
assert [x for x in s["package_results"] if x.get("kind") == "result"] == [], s["package_results"]
assert rc == [], rc
' "isolation of A's and B's items"
grep -q "^\[$EIM_C_FILE\]\$" "$statedir/eim-flags" && grep -A 2 "^\[$EIM_C_FILE\]\$" "$statedir/eim-flags" | grep -q '^NotifyStateChange=true' ||
  { cat "$statedir/eim-flags" "$work/poll.log" >&2; fail "eim-flags does not hold C's notifyStateChange under its escaped id"; }

# --- the same eimTransactionId at all three, while none takes its result: nothing overwrites anything
TX=0123456789ABCDEF
for out in "$out_a" "$out_b" "$out_c"; do
  queue_at "$out" '{"ipaEuiccData": {"tags": "81"}}' "$TX"
  faults_at "$out" '{"kind": "http-status", "status": 500, "function": "provideEimPackageResult", "count": 1}'
done
expect_poll_fails "three results nobody takes"
[ "$(outbox_files | sort | tr '\n' ' ')" = "$EIM_C_FILE.tx-$TX.msg eim-b.tx-$TX.msg eim-test.tx-$TX.msg " ] ||
  { outbox_files >&2; fail "the outbox does not hold one entry per eIM for transaction $TX"; }
[ "$(ls "$statedir" | tr '\n' ' ')" = "eim-flags history outbox " ] ||
  { ls -la "$statedir" >&2; fail "something was written outside the outbox"; }
# A's entry as a version that keyed the outbox by transaction alone named it: renamed at start, delivered.
mv "$statedir/outbox/eim-test.tx-$TX.msg" "$statedir/outbox/tx-$TX.msg"
expect_poll_ok "the three results delivered"
grep -q "outbox: 1 entry of an earlier version renamed by eIM and key" "$work/poll.log" ||
  { cat "$work/poll.log" >&2; fail "the outbox entry of an earlier version was not renamed"; }
check_all '
for name, r in (("A", ra), ("B", rb), ("C", rc)):
    got = [x for x in r if x["eimTransactionId"] == "'$TX'"]
    assert len(got) == 1 and got[0]["function"] == "handleNotification" and got[0]["kind"] == "ipaEuiccDataResponse", (name, got)
assert outbox == [], outbox
# C heard of the change A made, once, after it was reachable again.
assert [p["stateChangeCauseName"] for p in pc if p["notifyStateChange"]] == ["otherEim"], pc
' "one result per eIM for the same transaction id"
! grep -q "^\[$EIM_C_FILE\]" "$statedir/eim-flags" || fail "C's notifyStateChange was not cleared"

echo "three eIMs isolated over the $binding binding: results, acknowledgements, outbox entries and notifications each their eIM's"

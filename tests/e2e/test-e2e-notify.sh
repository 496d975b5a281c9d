#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Two eIMs on one eUICC (AddInitialEim of both), each a test eIM server of its own, both trusted only through
# the eUICC's eIM configuration (trustedPublicKeyDataTls = the eIM's server certificate): no CaFile anywhere.
#  - TLS: both eIMs are reached; a server certificate from another CA is rejected with a TLS error.
#  - notifyStateChange: a package from eIM A enables a profile; eIM B's next GetEimPackage carries
#    notifyStateChange with stateChangeCause otherEim(0), and only that one. While B fails, the flag waits
#    in the state directory (eim-flags), across a restart, for the first GetEimPackage that reaches B.
#  - Notifications go to the eIM their notificationAddress names: P3's names B, so the enable of P3 that A
#    ordered reaches B (delivered before B's failing GetEimPackage), and A's result carries only P1's disable.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/e2e/e2e-lib.sh"

P3=89000123456789000023
eimdir_b=$work/eim-b

start_eim --binding both
# eIM B: a second server with its own keys, certificates and eimId.
mkdir -p "$eimdir_b"
"$PY" "$peers/eim/server.py" --dir "$eimdir_b" --port 0 --admin-port 0 --binding both --eim-id eim-b \
  >"$work/eim-b.out" 2>"$work/eim-b.err" &
started_pids="$started_pids $!"
for _ in $(seq 200); do
  grep -q '^ready ' "$work/eim-b.out" 2>/dev/null && break
  sleep 0.05
done
grep -q '^ready ' "$work/eim-b.out" || { cat "$work/eim-b.err" >&2; fail "eIM B did not start"; }
FQDN_B=$(sed -n 's|^ready https://\([^ ]*\) admin .*|\1|p' "$work/eim-b.out")
eimctl_b() {
  "$PY" "$peers/eim/eimctl.py" --dir "$eimdir_b" "$@"
}

make_euicc "$state" --notification-address "$EIM_FQDN" \
  --add-initial-eim "eimId=eim-test,fqdn=$EIM_FQDN,counter=1,token=1,pubkey=$eimdir/eim-pub.pem,tls=$eimdir/server.pem" \
  --add-initial-eim "eimId=eim-b,fqdn=$FQDN_B,counter=1,token=1,pubkey=$eimdir_b/eim-pub.pem,tls=$eimdir_b/server.pem"
# P3's notifications name eIM B; every other notification names A.
"$PY" - "$state" "$P3" "$FQDN_B" <<'PYEOF'
import json, sys
path, p3, b = sys.argv[1:]
s = json.load(open(path))
[p for p in s["profiles"] if p["iccid"] == p3][0]["notification_address"] = b
json.dump(s, open(path, "w"))
PYEOF
EID=$(state_field "$state" 's["eid"]')
state_field "$state" 's["pki"]["euicc_cert"]' >"$work/euicc-cert.pem"
tokens=$(state_field "$state" '" ".join(str(e["associationToken"]) for e in s["eims"])')
eimctl euicc --eid "$EID" --counter 1 --token "${tokens% *}" --cert "$work/euicc-cert.pem" >/dev/null
eimctl_b euicc --eid "$EID" --counter 1 --token "${tokens#* }" --cert "$work/euicc-cert.pem" >/dev/null
start_modem

# No CaFile: the only trust anchors are the eUICC's (and the system's, which know neither test CA).
cat >"$conf" <<CONF
[Card]
Device=$DEVICE
ApduTimeout=10s
[Eim]
Binding=$binding
ConnectTimeout=5s
Timeout=10s
[Poll]
Interval=1h
Jitter=0
BackoffInitial=1s
BackoffMax=4s
[Daemon]
StateDirectory=$statedir
LogLevel=debug
CONF

# check_polls EIM-OUT 'PYTHON': asserts over one eIM's GetEimPackage records ("polls").
check_polls() {
  eim_get "/admin/polls?eid=$EID" "$1" >"$work/polls.json"
  "$PY" - "$work/polls.json" "$2" <<'PYEOF' || { cat "$work/polls.json" >&2; fail "${3:-polls}: $2"; }
import json, sys
polls = json.load(open(sys.argv[1]))
notified = [p for p in polls if p["notifyStateChange"]]
exec(sys.argv[2])
PYEOF
}

start_daemon
wait_poll_end "the poll on start" || { cat "$work/poll.log" >&2; fail "the poll on start failed"; }
grep -q "exchange with https://$EIM_FQDN ends" "$work/poll.log" && grep -q "exchange with https://$FQDN_B ends" "$work/poll.log" ||
  fail "not both eIMs were polled"
check_polls "$work/eim.out" 'assert len(polls) == 1 and not notified, polls' "eIM A, first poll"
check_polls "$work/eim-b.out" 'assert len(polls) == 1 and not notified, polls' "eIM B, first poll"

# The other CA's certificate on eIM A's next new connection: rejected, named as a TLS problem.
eim_faults '{"kind": "wrong-cert", "count": 1}'
expect_daemon_poll_fails "eIM A with a certificate from another CA"
printf '%s\n' "$LOG_LINE" | grep -q "Poll failed: eIM eim-test: ESipa getEimPackage at https://$EIM_FQDN: .*TLS: the server certificate is not trusted" ||
  fail "the wrong certificate is not named a TLS failure: $LOG_LINE"
wait_poll_end "the poll after the wrong certificate" || { cat "$work/poll.log" >&2; fail "no recovery after the wrong certificate"; }
check_eim 'assert stats["handshake_failures"] == '$REJECTED_FAILURES' and stats["per_connection"][-2]["cert"] == "wrong", stats["per_connection"][-2:]
assert stats["per_connection"][-2]["tls"] == "'$REJECTED_TLS'" and stats["per_connection"][-2]["requests"] == 0, stats["per_connection"][-2]' \
  "eIM A's view of the wrong certificate"

# A enables a profile while B answers 503 (Retry-After 4 s: time to stop the daemon before it tries again).
eimctl_b faults kind=http-status,status=503,retry_after=4,function=getEimPackage >/dev/null
queue --psmo "enable:$P3"
expect_daemon_poll_fails "the poll with B down"
printf '%s\n' "$LOG_LINE" | grep -q "Poll failed: eIM eim-b: ESipa getEimPackage at https://$FQDN_B: HTTP 503" ||
  fail "the failure does not name eIM B: $LOG_LINE"
check_result 'assert codes(res) == [("enableResult", 0)], codes(res); assert p["'$P3'"]["state"] == "enabled"
assert [(n["operation"], n["iccid"]) for n in res["notifications"]] == [("disable", "89000123456789012358")], res["notifications"]
assert s["notifications"] == [], s["notifications"]'
"$PY" "$peers/eim/eimctl.py" --dir "$eimdir_b" results --eid "$EID" >"$work/results-b.json"
"$PY" - "$work/results-b.json" "$P3" <<'PYEOF' || fail "eIM B did not get the notification naming it"
import json, sys
r, p3 = json.load(open(sys.argv[1])), sys.argv[2]
notes = [(x["notification"]["operation"], x["notification"]["iccid"]) for x in r if x["kind"] == "pendingNotification"]
assert notes == [("enable", p3)], notes
PYEOF
stop_daemon
grep -A 2 '^\[eim-b\]' "$statedir/eim-flags" | grep -q '^NotifyStateChange=true' &&
  grep -A 2 '^\[eim-b\]' "$statedir/eim-flags" | grep -q '^StateChangeCause=0' ||
  { cat "$statedir/eim-flags" >&2; fail "eim-flags does not hold the pending notification for eIM B"; }
! grep -q '^\[eim-test\]' "$statedir/eim-flags" || fail "eim-flags holds a notification for eIM A, which made the change"

# Restarted, the first GetEimPackage that reaches B carries it, cause otherEim(0).
start_daemon
wait_poll_end "the poll after the restart" || { cat "$work/poll.log" >&2; fail "the poll after the restart failed"; }
check_polls "$work/eim-b.out" 'assert len(notified) == 1 and notified[0] is polls[-1], polls
assert notified[0]["stateChangeCause"] == 0 and notified[0]["stateChangeCauseName"] == "otherEim", notified' "eIM B notified"
check_polls "$work/eim.out" 'assert not notified, notified' "eIM A never notified"
! grep -q '^\[eim-b\]' "$statedir/eim-flags" || fail "eim-flags still holds the notification B received"

# Only that first one.
expect_daemon_poll_ok "the next poll"
check_polls "$work/eim-b.out" 'assert len(notified) == 1 and not polls[-1]["notifyStateChange"], polls' "eIM B notified once"
stop_daemon
echo "two eIMs trusted through the eUICC over the $binding binding; eIM B told once of eIM A's change"

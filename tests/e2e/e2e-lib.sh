# SPDX-License-Identifier: Apache-2.0
# Shared by the end-to-end tests: the software eUICC behind the fake QMI modem, the test eIM over HTTPS on
# 127.0.0.1, and euiccd between them, each a real process. Source it after setting nothing; it sources
# tests/integration/common.sh (set -eu, $work, cleanup of what was started).
#
# E2E_TRANSPORT=mbim|at|pcsc puts the card behind the fake MBIM modem, the fake AT modem, or a private
# pcscd with the vpcd virtual reader instead (qmi by default). For pcsc the whole test runs again inside
# tests/peers/pcsc-harness.sh's namespaces (vpcd and the eIM then share the private loopback).
e2e_transport=${E2E_TRANSPORT:-qmi}
if [ "$e2e_transport" = pcsc ] && [ -z "${PCSC_HARNESS_READER:-}" ]; then
  _harness=${top_srcdir:-$(dirname "$0")/../..}/tests/peers/pcsc-harness.sh
  grep -q "define WITH_PCSC 1" "${top_builddir:-.}/config.h" 2>/dev/null || { echo "SKIP: built without PC/SC"; exit 77; }
  _rc=0
  sh "$_harness" check || _rc=$?
  [ "$_rc" -eq 0 ] || { [ "$_rc" -eq 77 ] && exit 77; echo "FAIL: pcsc-harness.sh check failed" >&2; exit 1; }
  _placeholder=$(mktemp -d)
  # The card starts from a placeholder state; the test replaces it with its own (the card re-reads it).
  "${PYTHON3:-/usr/bin/python3}" "${top_srcdir:-$(dirname "$0")/../..}/tests/peers/softeuicc/init.py" \
    --state "$_placeholder/euicc.json" || { rm -rf "$_placeholder"; echo "FAIL: softeuicc init failed" >&2; exit 1; }
  # What the card receives, for tests that check it (tests/peers/README.md).
  SOFTEUICC_APDU_LOG=$_placeholder/card-apdus.log
  export SOFTEUICC_APDU_LOG
  _rc=0
  sh "$_harness" run --state "$_placeholder/euicc.json" --timeout 30 -- sh "$0" "$@" || _rc=$?
  rm -rf "$_placeholder"
  exit "$_rc"
fi

. "${top_srcdir:-$(dirname "$0")/../..}/tests/integration/common.sh"

euiccd=$builddir/src/daemon/euiccd
# What the eIM sees of a connection the daemon refuses for its certificate depends on libcurl's TLS backend:
# OpenSSL fails the handshake; the mbedTLS backend completes it, checks the certificate after and closes
# before any request. REJECTED_TLS is the eIM's record of such a connection, REJECTED_FAILURES its count of
# failed handshakes for one.
case $("$builddir/tests/integration/https-request" --tls-backend 2>/dev/null) in
  mbedTLS/*) REJECTED_TLS=full REJECTED_FAILURES=0 ;;
  *) REJECTED_TLS=failed REJECTED_FAILURES=1 ;;
esac
[ -x "$euiccd" ] || skip "euiccd not built"
case $e2e_transport in
  qmi) have_transport QMI || skip "QMI transport not built" ;;
  mbim) have_transport MBIM || skip "MBIM transport not built" ;;
  at) have_transport AT || skip "AT transport not built" ;;
  pcsc) ;;
  *) fail "E2E_TRANSPORT=$e2e_transport: expected qmi, mbim, at or pcsc" ;;
esac
[ -f "$peers/eim/server.py" ] || skip "test eIM not there"

state=$work/euicc.json
# Inside the PC/SC harness the card serves the harness's state file.
[ "$e2e_transport" = pcsc ] && state=$PCSC_HARNESS_STATE
eimdir=$work/eim
conf=$work/euiccd.conf
statedir=$work/state

eimctl() {
  "$PY" "$peers/eim/eimctl.py" --dir "$eimdir" "$@"
}

# start_eim [server options]: the test eIM; sets EIM_FQDN (127.0.0.1:PORT) and EIM_PID.
start_eim() {
  mkdir -p "$eimdir"
  "$PY" "$peers/eim/server.py" --dir "$eimdir" --port 0 --admin-port 0 "$@" >"$work/eim.out" 2>"$work/eim.err" &
  EIM_PID=$!
  started_pids="$started_pids $EIM_PID"
  for _ in $(seq 200); do
    grep -q '^ready ' "$work/eim.out" 2>/dev/null && break
    kill -0 "$EIM_PID" 2>/dev/null || break
    sleep 0.05
  done
  grep -q '^ready ' "$work/eim.out" || { cat "$work/eim.err" >&2; fail "test eIM did not start"; }
  EIM_FQDN=$(sed -n 's|^ready https://\([^ ]*\) admin .*|\1|p' "$work/eim.out")
}

# start_other_eim NAME EIMID: one more test eIM server with its own keys, certificates and eimId, in
# $work/eim-NAME (its "ready" line in $work/eim-NAME.out); prints its address (127.0.0.1:PORT).
start_other_eim() {
  mkdir -p "$work/eim-$1"
  "$PY" "$peers/eim/server.py" --dir "$work/eim-$1" --port 0 --admin-port 0 --binding both --eim-id "$2" \
    >"$work/eim-$1.out" 2>"$work/eim-$1.err" &
  started_pids="$started_pids $!"
  for _ in $(seq 200); do
    grep -q '^ready ' "$work/eim-$1.out" 2>/dev/null && break
    sleep 0.05
  done
  grep -q '^ready ' "$work/eim-$1.out" || { cat "$work/eim-$1.err" >&2; fail "eIM $1 did not start"; }
  sed -n 's|^ready https://\([^ ]*\) admin .*|\1|p' "$work/eim-$1.out"
}

# setup_card [init.py options]: a software eUICC with the test eIM as its first eIM (association token
# requested) and as the notificationAddress of its profiles' notifications, known to the eIM with its
# certificate; sets EID.
setup_card() {
  make_euicc "$state" --notification-address "$EIM_FQDN" \
    --add-initial-eim "eimId=eim-test,fqdn=$EIM_FQDN,counter=1,token=1,pubkey=$eimdir/eim-pub.pem" "$@"
  EID=$(state_field "$state" 's["eid"]')
  token=$(state_field "$state" 's["eims"][0]["associationToken"]')
  state_field "$state" 's["pki"]["euicc_cert"]' >"$work/euicc-cert.pem"
  eimctl euicc --eid "$EID" --counter 1 --token "$token" --cert "$work/euicc-cert.pem" >/dev/null
}

# start_modem [fake options]: the fake modem of E2E_TRANSPORT serving the card (for pcsc, the harness's card is
# already there and options are ignored); sets DEVICE.
start_modem() {
  case $e2e_transport in
    pcsc)
      MODEM_PID=$PCSC_HARNESS_CARD_PID
      DEVICE="pcsc:$PCSC_HARNESS_READER"
      return 0
      ;;
  esac
  start_fake "fake-$e2e_transport-modem.py" --state "$state" "$@"
  MODEM_PID=$FAKE_PID
  DEVICE="$e2e_transport:$FAKE_PTY"
}

# write_config [extra lines...]: euiccd's configuration for this test.
write_config() {
  cat >"$conf" <<CONF
[Card]
Device=$DEVICE
$( [ "$e2e_transport" = pcsc ] && echo "Exclusive=false" || echo "Exclusive=true" )
ApduTimeout=10s
$( [ "$e2e_transport" = pcsc ] && echo "StoreDataBlockSize=250" )
[Eim]
CaFile=$eimdir/ca.pem
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
  for line in "$@"; do
    echo "$line" >>"$conf"
  done
}

# poll_once: one poll with euiccd --once; output in $work/poll.log, status returned.
poll_once() {
  status=0
  timeout 120 "$euiccd" --config "$conf" --config-dir "$work/conf.d" --once --stats >"$work/poll.log" 2>&1 || status=$?
  cat "$work/poll.log" >>"$work/all-polls.log"
  return "$status"
}

# expect_poll_ok / expect_poll_fails: with the log shown on surprise.
expect_poll_ok() {
  poll_once || { cat "$work/poll.log" >&2; fail "${1:-poll} failed"; }
}
expect_poll_fails() {
  if poll_once; then
    cat "$work/poll.log" >&2
    fail "${1:-poll} succeeded but should have failed"
  fi
}

# results_json: what the eIM received for this EID, as a JSON file path.
results_json() {
  eimctl results --eid "$EID" >"$work/results.json"
  echo "$work/results.json"
}

# check_py 'python code using r (eIM results), s (card state), polls': asserts in Python.
check_py() {
  eimctl results --eid "$EID" >"$work/results.json"
  eimctl polls --eid "$EID" >"$work/polls.json"
  "$PY" - "$work/results.json" "$state" "$work/polls.json" "$1" <<'PYEOF' || { cat "$work/results.json" >&2; fail "${2:-check} failed"; }
import json, sys
r = json.load(open(sys.argv[1]))
s = json.load(open(sys.argv[2]))
polls = json.load(open(sys.argv[3]))
exec(sys.argv[4])
PYEOF
}

stat_field() {
  sed -n "s/.*$1=\([0-9]*\).*/\1/p" "$work/poll.log" | tail -n 1
}

# The binding the test runs with: E2E_BINDING=json runs the same scenario over the JSON binding.
binding=${E2E_BINDING:-asn1}
TXID=""

# start_all: eIM, card and modem, and a configuration for the binding under test.
start_all() {
  start_eim --binding both
  setup_card
  start_modem
  write_config "[Eim]" "Binding=$binding"
}

# queue ARGS...: queues a package at the eIM (eimctl queue syntax); sets TXID.
queue() {
  eimctl queue --eid "$EID" "$@" >"$work/queued.json" || fail "eimctl queue $*"
  TXID=$("$PY" -c 'import json,sys; print(json.load(open(sys.argv[1])).get("transaction_id") or "")' "$work/queued.json")
}

# check_result 'PYTHON': asserts about the eIM's record of transaction $TXID ("res"), every record ("r"), the
# card ("s", the software eUICC state) and the profiles by ICCID ("p").
check_result() {
  eimctl results >"$work/results.json"
  "$PY" - "$work/results.json" "$state" "$TXID" "$1" <<'PYEOF' || { cat "$work/poll.log" >&2; fail "check failed: $1"; }
import json, sys
r = json.load(open(sys.argv[1]))
s = json.load(open(sys.argv[2]))
txid = sys.argv[3]
mine = [x for x in r if x.get("eimTransactionId") == txid and x.get("function") == "provideEimPackageResult"]
res = mine[-1] if mine else None
p = {x["iccid"]: x for x in s["profiles"]}
def codes(res):
    return [(x["name"], x["code"]) for x in res["package_result"]["results"]]
try:
    exec(sys.argv[4])
except Exception as e:
    print("assertion failed:", sys.argv[4], str(e)[:2000], file=sys.stderr)
    print(json.dumps(res, indent=1)[:3000] if res else "no result for " + txid, file=sys.stderr)
    sys.exit(1)
PYEOF
}

# ---- crash tests: the daemon stopped hard at a named step (EUICCD_TEST_KILL_AT), then restarted ----

# poll_killed_at STEP[:N]: one euiccd --once that must die by SIGKILL at STEP (exit status 137 from the shell).
poll_killed_at() {
  status=0
  EUICCD_TEST_KILL_AT=$1 timeout 120 "$euiccd" --config "$conf" --config-dir "$work/conf.d" --once --stats \
    >"$work/poll.log" 2>&1 || status=$?
  cat "$work/poll.log" >>"$work/all-polls.log"
  if [ "$status" -ne 137 ] || ! grep -q "EUICCD_TEST_KILL_AT: stopping hard at ${1%%:*}\$" "$work/poll.log"; then
    cat "$work/poll.log" >&2
    fail "euiccd with EUICCD_TEST_KILL_AT=$1 ended with status $status, expected SIGKILL (137) at that step"
  fi
}

# poll_not_killed_at STEP: the step never comes for this kind of package: the hook must not fire, the poll
# must succeed.
poll_not_killed_at() {
  status=0
  EUICCD_TEST_KILL_AT=$1 timeout 120 "$euiccd" --config "$conf" --config-dir "$work/conf.d" --once --stats \
    >"$work/poll.log" 2>&1 || status=$?
  cat "$work/poll.log" >>"$work/all-polls.log"
  if [ "$status" -ne 0 ] || grep -q "EUICCD_TEST_KILL_AT" "$work/poll.log"; then
    cat "$work/poll.log" >&2
    fail "euiccd with EUICCD_TEST_KILL_AT=$1 (a step this package does not have) ended with status $status"
  fi
}

# eim_admin_post PATH JSON: POST to the test eIM's admin API, the answer on stdout (curl when there: the crash
# tests queue a package at every step, and a Python start-up each time adds up).
eim_admin_post() {
  _admin=$(sed -n 's|^ready https://[^ ]* admin \(http://[^ ]*\).*|\1|p' "$work/eim.out")
  if command -v curl >/dev/null 2>&1; then
    curl -sS --max-time 30 -H 'Content-Type: application/json' --data "$2" "$_admin$1" || fail "POST $_admin$1 $2"
  else
    "$PY" -c 'import sys, urllib.request as u
sys.stdout.write(u.urlopen(u.Request(sys.argv[1], data=sys.argv[2].encode(),
                                     headers={"Content-Type": "application/json"}), timeout=30).read().decode())' \
      "$_admin$1" "$2" || fail "POST $_admin$1 $2"
  fi
}

# queue_package 'PACKAGE-JSON' [BREAK]: what queue does, straight through the admin API: the package as the
# admin API takes it, e.g. '{"psmo": [{"enable": {"iccid": "8900..."}}]}', '{"ipaEuiccData": {"tags": "81"}}',
# '{"broken": "truncated"}'; BREAK as eimctl's --break. Sets TXID; the eIM's answer (transaction_id, counter,
# der) is in $work/queued.json.
queue_package() {
  _brk=null
  [ -z "${2:-}" ] || _brk="\"$2\""
  eim_admin_post /admin/queue "{\"eid\": \"$EID\", \"package\": $1, \"break\": $_brk}" >"$work/queued.json"
  grep -q '"der"' "$work/queued.json" || { cat "$work/queued.json" >&2; fail "queueing $1"; }
  TXID=$(sed -n 's/^ *"transaction_id": "\([0-9A-F]*\)".*/\1/p' "$work/queued.json")
}

# requeue_same: queues again the exact package last queued (same signature, counter and eimTransactionId),
# as an eIM does when a package it handed out never got a result.
requeue_same() {
  _der=$("$PY" -c 'import json,sys; print(json.load(open(sys.argv[1]))["der"])' "$work/queued.json" || true)
  [ -n "$_der" ] || fail "no package to queue again in $work/queued.json"
  eim_admin_post /admin/queue "{\"eid\": \"$EID\", \"package\": {\"raw\": \"$_der\"}}" | grep -q '"der"' \
    || fail "re-queueing the package of $TXID"
}

# crash_and_recover STEP yes|no 'PACKAGE-JSON' [BREAK]: queues a package (queue_package) and runs euiccd with
# the hook at STEP. With "yes" the step exists for this package: euiccd must die there, and is run again
# without the hook; a package lost before LoadEuiccPackage (nothing ran, the eIM has no result) is first
# queued again unchanged, as an eIM does when a package it handed out never got its result. With "no" the
# step never comes for this kind of package and the one poll must simply succeed.
crash_and_recover() {
  _step=$1
  _kills=$2
  queue_package "$3" "${4:-}"
  if [ "$_kills" = no ]; then
    poll_not_killed_at "$_step"
    return 0
  fi
  _counter=""
  [ "$_step" != before-load ] || _counter=$(card_counter)
  poll_killed_at "$_step"
  if [ "$_step" = before-load ]; then
    [ "$(card_counter)" = "$_counter" ] || fail "killed before LoadEuiccPackage, yet the eUICC counter moved"
    eim_results >"$work/results.json"
    if grep -q "\"$TXID\"" "$work/results.json"; then
      fail "killed before LoadEuiccPackage, yet the eIM has a result for $TXID"
    fi
    requeue_same
  fi
  expect_poll_ok "restart after SIGKILL at $_step"
}

# outbox_files: the outbox entries (temporary files excluded), one a line.
outbox_files() {
  ls "$statedir/outbox" 2>/dev/null || true
}

# eim_results: the eIM's records for this EID as JSON (straight from the admin API when curl is there: the
# crash tests read them after every step).
eim_results() {
  admin=$(sed -n 's|^ready https://[^ ]* admin \(http://[^ ]*\).*|\1|p' "$work/eim.out")
  if command -v curl >/dev/null 2>&1 && [ -n "$admin" ]; then
    curl -sSf --max-time 30 "$admin/admin/results?eid=$EID" || fail "reading the eIM's results from $admin"
  else
    eimctl results --eid "$EID"
  fi
}

# check_recovered 'PYTHON': after a crash and the restart, for transaction $TXID: the eIM holds a result; every
# copy after the first is flagged duplicate and carries the same eimTransactionId and, for a signed result, the
# same seqNumber (the eUICC ran the package once); across all records, each result and notification was taken
# once and any repeat is flagged; the card's list and the outbox are empty. Then the given assertions with
# res (the first record for $TXID), dups (the others), r (every record), s (card state), p (profiles by ICCID),
# notes (every notification the eIM took, by seqNumber), counter (the card's counter for eim-test), queued
# (what the eIM answered when the package was queued: counter, transaction_id).
check_recovered() {
  eim_results >"$work/results.json"
  outbox=$(outbox_files | tr '\n' ' ')
  "$PY" - "$work/results.json" "$state" "$TXID" "$outbox" "$1" "$work/queued.json" <<'PYEOF' || { cat "$work/poll.log" >&2; fail "after the crash (${2:-recovery}): $1"; }
import json, sys
r = json.load(open(sys.argv[1]))
s = json.load(open(sys.argv[2]))
txid, outbox = sys.argv[3], sys.argv[4].split()
try:
    queued = json.load(open(sys.argv[6]))
except (OSError, ValueError):
    queued = {}
p = {x["iccid"]: x for x in s["profiles"]}

def seq_of(x):
    pr = x.get("package_result")
    return pr.get("seqNumber") if pr else None

def codes(x):
    return [(y["name"], y["code"]) for y in x["package_result"]["results"]]

try:
    mine = [x for x in r if x.get("eimTransactionId") == txid]
    assert mine, "the eIM holds no result for " + txid
    res, dups = mine[0], mine[1:]
    assert res["duplicate"] is False, "the first result for %s is flagged duplicate" % txid
    for d in dups:
        assert d["duplicate"] is True, "result %d repeats %s without being flagged duplicate" % (d["id"], txid)
        assert seq_of(d) == seq_of(res), "result %d for %s has seqNumber %s, the first %s: the eUICC ran it twice" % (
            d["id"], txid, seq_of(d), seq_of(res))
    # Over the whole record: a result is taken once per eimTransactionId, a notification once per seqNumber.
    seen_tx, seen_seq, notes = set(), set(), {}
    for x in r:
        t = x.get("eimTransactionId")
        if t is not None:
            assert x["duplicate"] == (t in seen_tx), "result %d (%s): duplicate=%s" % (x["id"], t, x["duplicate"])
            seen_tx.add(t)
        carried = x.get("notifications") or ([x["notification"]] if x.get("notification") else [])
        for n in carried:
            assert n["duplicate"] == (n["seqNumber"] in seen_seq), "notification %s in record %d: duplicate=%s" % (
                n["seqNumber"], x["id"], n["duplicate"])
            seen_seq.add(n["seqNumber"])
            notes.setdefault(n["seqNumber"], n)
        if x.get("signature_valid") is False:
            raise AssertionError("record %d has an invalid eUICC signature" % x["id"])
    assert s["notifications"] == [], "the eUICC still holds notifications %s" % [n["seq"] for n in s["notifications"]]
    kept = [x["seq"] for x in s.get("package_results", []) if x.get("kind") == "result"]
    assert kept == [], "the eUICC still holds package results %s" % kept
    assert outbox == [], "the outbox still holds %s" % outbox
    counter = [e for e in s["eims"] if e["eimId"] == "eim-test"][0].get("counterValue")
    exec(sys.argv[5])
except AssertionError as e:
    print("assertion failed:", str(e)[:2000], file=sys.stderr)
    for x in r[-6:]:
        print(json.dumps({k: x.get(k) for k in ("id", "function", "kind", "eimTransactionId", "seqNumber",
                                                   "duplicate")}), file=sys.stderr)
    sys.exit(1)
PYEOF
}

# ---- euiccd as a long-running service (no --once): started, signalled, watched through its log ----

daemon_log=$work/daemon.log
LOG_MARK=0
LOG_LINE=""
DAEMON_PID=""

# start_daemon [euiccd options]: euiccd in the background, its log appended to $daemon_log (across restarts);
# returns once its signal handlers are in place (the "started" line). Sets DAEMON_PID; the log cursor moves
# to that line, so the waits that follow see only what came after.
start_daemon() {
  touch "$daemon_log"
  LOG_MARK=$(wc -l <"$daemon_log")
  # Without D-Bus unless the test brings its own bus (a later --bus wins).
  "$euiccd" --config "$conf" --config-dir "$work/conf.d" --bus none "$@" >>"$daemon_log" 2>&1 &
  DAEMON_PID=$!
  started_pids="$started_pids $DAEMON_PID"
  wait_for_log 'euiccd: euiccd .* started \(' 20 "euiccd to start"
}

# daemon_alive: whether DAEMON_PID runs (a zombie, exited but not yet reaped, does not count).
daemon_alive() {
  [ -n "$DAEMON_PID" ] && [ -r "/proc/$DAEMON_PID/stat" ] || return 1
  case $(sed 's/^.*) \([A-Za-z]\).*/\1/' "/proc/$DAEMON_PID/stat" 2>/dev/null) in
    Z | X | "") return 1 ;;
  esac
  return 0
}

# wait_for_log ERE [TIMEOUT_S] [WHAT]: waits for the next line of the daemon log after the cursor that matches;
# sets LOG_LINE to it and moves the cursor to it. Fails naming WHAT on time-out or when euiccd died.
wait_for_log() {
  _pattern=$1
  _ticks=$(( ${2:-20} * 20 ))
  _what=${3:-"a log line matching $1"}
  while :; do
    _hit=$(tail -n "+$((LOG_MARK + 1))" "$daemon_log" | grep -n -E -m 1 -e "$_pattern" || true)
    if [ -n "$_hit" ]; then
      LOG_MARK=$((LOG_MARK + ${_hit%%:*}))
      LOG_LINE=${_hit#*:}
      return 0
    fi
    if ! daemon_alive; then
      tail -n 40 "$daemon_log" >&2
      fail "euiccd (pid $DAEMON_PID) is gone while waiting for $_what"
    fi
    _ticks=$((_ticks - 1))
    if [ "$_ticks" -le 0 ]; then
      tail -n 40 "$daemon_log" >&2
      fail "timed out after ${2:-20} s waiting for $_what"
    fi
    sleep 0.05
  done
}

# wait_poll_end [WHAT] [TIMEOUT_S]: waits for the end of the next poll ("Poll finished" or "Poll failed"); the
# poll's lines go to $work/poll.log (so stat_field reads its cost), NEXT_S is the delay the daemon announced.
# Returns 0 when it finished, 1 when it failed.
POLL_END='euiccd: (Poll finished; next in -?[0-9]+ s|Poll failed: .*; next try in -?[0-9]+ s)$'
wait_poll_end() {
  _from=$LOG_MARK
  wait_for_log "$POLL_END" "${2:-30}" "the end of ${1:-a poll}"
  sed -n "$((_from + 1)),${LOG_MARK}p" "$daemon_log" >"$work/poll.log"
  cat "$work/poll.log" >>"$work/all-polls.log"
  NEXT_S=$(printf '%s\n' "$LOG_LINE" | sed -n 's/.*next \(try \)\{0,1\}in \(-\{0,1\}[0-9]*\) s$/\2/p')
  case $LOG_LINE in
    *"Poll finished; "*) return 0 ;;
  esac
  return 1
}

# poll_daemon [WHAT]: SIGUSR1 (poll now) to the idle daemon, then wait_poll_end.
poll_daemon() {
  kill -USR1 "$DAEMON_PID"
  wait_for_log 'SIGUSR1: polling now$' 20 "euiccd to take SIGUSR1"
  wait_poll_end "${1:-the SIGUSR1 poll}"
}

# expect_daemon_poll_ok / expect_daemon_poll_fails [WHAT]: poll_daemon with the poll's log shown on surprise.
expect_daemon_poll_ok() {
  poll_daemon "${1:-poll}" || { cat "$work/poll.log" >&2; fail "${1:-poll} failed"; }
}
expect_daemon_poll_fails() {
  if poll_daemon "${1:-poll}"; then
    cat "$work/poll.log" >&2
    fail "${1:-poll} succeeded but should have failed"
  fi
}

# stop_daemon: SIGTERM; euiccd must leave within 20 s with status 0.
stop_daemon() {
  kill -TERM "$DAEMON_PID"
  _ticks=400
  while daemon_alive; do
    _ticks=$((_ticks - 1))
    [ "$_ticks" -gt 0 ] || { tail -n 20 "$daemon_log" >&2; fail "euiccd did not stop within 20 s of SIGTERM"; }
    sleep 0.05
  done
  _status=0
  wait "$DAEMON_PID" || _status=$?
  [ "$_status" -eq 0 ] || { tail -n 20 "$daemon_log" >&2; fail "euiccd exited with status $_status on SIGTERM"; }
  # Reaped: its number may now belong to someone else, so the clean-up must not signal it.
  started_pids=$(printf ' %s ' $started_pids | sed "s/ $DAEMON_PID / /")
  DAEMON_PID=""
}

# cpu_ticks PID: user + system CPU time of the process (all its threads) in clock ticks.
cpu_ticks() {
  sed 's/^.*) //' "/proc/$1/stat" | awk '{ print $12 + $13 }'
}

# schedule_field KEY: a value of the daemon's persisted schedule ([Schedule] KEY=) in the state directory.
schedule_field() {
  sed -n "s/^$1=//p" "$statedir/schedule"
}

# eim_stat KEY: a number from the eIM's /admin/stats.
eim_stat() {
  eimctl stats | "$PY" -c 'import json,sys; print(json.load(sys.stdin)[sys.argv[1]])' "$1"
}

# card_counter [EIMID]: the eUICC's counterValue for an eIM (eim-test by default).
card_counter() {
  state_field "$state" '[e for e in s["eims"] if e["eimId"] == "'"${1:-eim-test}"'"][0]["counterValue"]'
}

# queued_counter: the counter of the package last queued (queue writes $work/queued.json).
queued_counter() {
  "$PY" -c 'import json,sys; print(json.load(open(sys.argv[1]))["counter"])' "$work/queued.json"
}

# eim_admin_url: the test eIM's admin base URL (from its "ready" line).
eim_admin_url() {
  sed -n 's|^ready https://[^ ]* admin \(http://[^ ]*\).*|\1|p' "${1:-$work/eim.out}"
}

# eim_get PATH [EIM_OUT]: GET from the admin API of the test eIM (or of the one whose "ready" line is in
# EIM_OUT); curl when there (a fraction of a Python start-up), else Python.
eim_get() {
  _url=$(eim_admin_url "${2:-}")$1
  if command -v curl >/dev/null 2>&1; then
    curl -sSf --max-time 30 "$_url" || fail "GET $_url"
  else
    "$PY" -c 'import sys, urllib.request as u; sys.stdout.write(u.urlopen(sys.argv[1], timeout=30).read().decode())' \
      "$_url" || fail "GET $_url"
  fi
}

# eim_faults [JSON-OBJECT...]: replaces the test eIM's fault switches (none: clears them).
eim_faults() {
  _list=$(printf '%s,' "$@")
  _body="{\"faults\": [${_list%,}]}"
  _url=$(eim_admin_url)/admin/faults
  if command -v curl >/dev/null 2>&1; then
    curl -sSf --max-time 30 -H 'Content-Type: application/json' --data "$_body" "$_url" >/dev/null ||
      fail "POST $_url $_body"
  else
    "$PY" -c 'import sys, urllib.request as u
u.urlopen(u.Request(sys.argv[1], data=sys.argv[2].encode(), headers={"Content-Type": "application/json"}), timeout=30)' \
      "$_url" "$_body" || fail "POST $_url $_body"
  fi
}

# check_eim 'PYTHON' [WHAT]: one Python run over the eIM's records and the card: r (every result record),
# polls, stats (/admin/stats), s (card state), p (profiles by ICCID), txid ($TXID), mine (the records naming
# txid, oldest first), codes(record).
check_eim() {
  eim_get /admin/results >"$work/results.json"
  eim_get "/admin/polls?eid=$EID" >"$work/polls.json"
  eim_get /admin/stats >"$work/stats.json"
  "$PY" - "$work/results.json" "$work/polls.json" "$work/stats.json" "$state" "$TXID" "$1" <<'PYEOF' ||
import json, sys
r, polls, stats, s = (json.load(open(f)) for f in sys.argv[1:5])
txid = sys.argv[5]
p = {x["iccid"]: x for x in s["profiles"]}
mine = [x for x in r if txid and x.get("eimTransactionId") == txid]
def codes(x):
    return [(y["name"], y["code"]) for y in x["package_result"]["results"]]
try:
    exec(sys.argv[6])
except Exception as e:
    print("assertion failed: %s: %s" % (type(e).__name__, str(e)[:2000]), file=sys.stderr)
    for x in r[-8:]:
        print(json.dumps({k: x.get(k) for k in ("id", "function", "kind", "eimTransactionId", "seqNumber", "duplicate",
                                                   "error", "acknowledged")}), file=sys.stderr)
    sys.exit(1)
PYEOF
    { tail -n 30 "$work/poll.log" >&2; fail "${2:-check}: $1"; }
}

# log_time LINE: the time stamp a daemon log line starts with, as Unix seconds with a fraction.
log_time() {
  date -d "${1%% *}" +%s.%N
}

# seconds_between T1 T2 MIN MAX: whether T2 - T1 (seconds, fractions allowed) lies within MIN .. MAX.
seconds_between() {
  awk -v a="$1" -v b="$2" -v lo="$3" -v hi="$4" 'BEGIN { d = b - a; exit !(d >= lo && d <= hi) }'
}

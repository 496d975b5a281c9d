# SPDX-License-Identifier: Apache-2.0
# Shared by the end-to-end tests: the software eUICC behind the fake QMI modem, the test eIM over HTTPS on
# 127.0.0.1, and euiccd between them, each a real process. Source it after setting nothing; it sources
# tests/integration/common.sh (set -eu, $work, cleanup of what was started).
. "${top_srcdir:-$(dirname "$0")/../..}/tests/integration/common.sh"

euiccd=$builddir/src/daemon/euiccd
[ -x "$euiccd" ] || skip "euiccd not built"
have_transport QMI || skip "QMI transport not built"
[ -f "$peers/eim/server.py" ] || skip "test eIM not there"

state=$work/euicc.json
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

# setup_card [init.py options]: a software eUICC with the test eIM as its first eIM (association token
# requested), known to the eIM with its certificate; sets EID.
setup_card() {
  make_euicc "$state" --add-initial-eim "eimId=eim-test,fqdn=$EIM_FQDN,counter=1,token=1,pubkey=$eimdir/eim-pub.pem" "$@"
  EID=$(state_field "$state" 's["eid"]')
  token=$(state_field "$state" 's["eims"][0]["associationToken"]')
  state_field "$state" 's["pki"]["euicc_cert"]' >"$work/euicc-cert.pem"
  eimctl euicc --eid "$EID" --counter 1 --token "$token" --cert "$work/euicc-cert.pem" >/dev/null
}

# start_modem [fake options]: the fake QMI modem serving the card; sets DEVICE.
start_modem() {
  start_fake fake-qmi-modem.py --state "$state" "$@"
  MODEM_PID=$FAKE_PID
  DEVICE="qmi:$FAKE_PTY"
}

# write_config [extra lines...]: euiccd's configuration for this test.
write_config() {
  cat >"$conf" <<CONF
[Card]
Device=$DEVICE
Exclusive=true
ApduTimeout=10s
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

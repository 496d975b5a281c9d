# SPDX-License-Identifier: Apache-2.0
# Shared by the profile download tests: the test SM-DP+ and SM-DS (tests/peers/smdp) next to the test eIM,
# which relays the ESipa download functions to them, and a software eUICC of their test PKI whose default
# SM-DP+ and root SM-DS are those servers. Source after e2e-lib.sh.
[ -f "$peers/smdp/server.py" ] || skip "test SM-DP+ not there"
smdpdir=$work/smdp

smdpctl() {
  "$PY" "$peers/smdp/smdpctl.py" --dir "$smdpdir" "$@"
}

# start_rsp ROLE: the test SM-DP+ (smdp) or SM-DS (smds) on $smdpdir; sets SMDP_ADDRESS or SMDS_ADDRESS.
start_rsp() {
  mkdir -p "$smdpdir"
  "$PY" "$peers/smdp/server.py" --dir "$smdpdir" --role "$1" --port 0 --admin-port 0 \
    >"$work/$1.out" 2>"$work/$1.err" &
  started_pids="$started_pids $!"
  for _ in $(seq 200); do
    grep -q '^ready ' "$work/$1.out" 2>/dev/null && break
    sleep 0.05
  done
  grep -q '^ready ' "$work/$1.out" || { cat "$work/$1.err" >&2; fail "test $1 did not start"; }
  _address=$(sed -n 's|^ready https://\([^ ]*\) admin .*|\1|p' "$work/$1.out")
  if [ "$1" = smdp ]; then SMDP_ADDRESS=$_address; else SMDS_ADDRESS=$_address; fi
}

# Direct download needs a libcurl whose TLS reads GSMA certificates: Debian's mbedTLS 2.28 refuses their
# critical certificatePolicies extension, so euiccd refuses direct download there up front (test-rsp-client.sh
# checks that refusal; an embedded image needs mbedTLS built with MBEDTLS_X509_ALLOW_UNSUPPORTED_CRITICAL_EXTENSION).
if [ "${DOWNLOAD_DIRECT:-0}" = 1 ]; then
  case $("$builddir/tests/integration/https-request" --tls-backend 2>/dev/null) in
    mbedTLS/*) skip "direct download on libcurl's mbedTLS backend: GSMA certificates are refused by this mbedTLS" ;;
  esac
fi

# start_download_peers: SM-DP+, SM-DS, the relaying eIM, the card and its modem, euiccd's configuration. With
# DOWNLOAD_DIRECT=1 euiccd gets the test PKI's CI certificate and downloads directly (ES9+, ES11); else it has
# none and downloads through the eIM.
start_download_peers() {
  start_rsp smdp
  start_rsp smds
  start_eim --binding both --smdp-ca "$smdpdir/ci.pem" --smds-address "$SMDS_ADDRESS"
  setup_card --pki "$smdpdir/euicc-pki.json" --smdp "$SMDP_ADDRESS" --smds "$SMDS_ADDRESS"
  start_modem
  if [ "${DOWNLOAD_DIRECT:-0}" = 1 ]; then
    write_config "[Eim]" "Binding=$binding" "[Download]" "CiCertificates=$smdpdir/ci.pem"
  else
    write_config "[Eim]" "Binding=$binding" "[Download]" "CiCertificates=$work/no-ci-certificates"
  fi
  expect_poll_ok "first poll"
}

# queue_download 'DOWNLOAD-JSON': a profileDownloadTriggerRequest, e.g. '{"activationCode": "1$..$MID"}'.
queue_download() {
  queue_package "{\"download\": $1}"
}

# check_download 'PYTHON': asserts with res (the eIM's record of the trigger result $TXID), s (card), p (profiles by
# ICCID), smdp (the SM-DP+ admin state), relay (the eIM's relay log), notes (the notifications the eIM took).
check_download() {
  eim_results >"$work/results.json"
  smdpctl state >"$work/smdp-state.json"
  eim_get /admin/relay >"$work/relay.json"
  "$PY" - "$work/results.json" "$state" "$TXID" "$work/smdp-state.json" "$work/relay.json" "$1" "$statedir" <<'PYEOF' || { cat "$work/poll.log" >&2; fail "check failed: $1"; }
import json, os, sys
r = json.load(open(sys.argv[1]))
s = json.load(open(sys.argv[2]))
txid = sys.argv[3]
smdp = json.load(open(sys.argv[4]))
relay = json.load(open(sys.argv[5]))
mine = [x for x in r if x.get("eimTransactionId") == txid and x.get("kind") == "profileDownloadTriggerResult"]
res = mine[-1] if mine else None
p = {x["iccid"]: x for x in s["profiles"]}
notes = [x for x in r if x.get("function") == "handleNotification"]
session_left = os.path.exists(os.path.join(sys.argv[7], "download-session"))
try:
    exec(sys.argv[6])
except Exception as e:
    print("assertion failed:", sys.argv[6], repr(e)[:2000], file=sys.stderr)
    print(json.dumps(res, indent=1)[:3000] if res else "no result for " + txid, file=sys.stderr)
    print(json.dumps({k: smdp.get(k) for k in ("cancelled", "notifications")}, indent=1)[:3000], file=sys.stderr)
    sys.exit(1)
PYEOF
}

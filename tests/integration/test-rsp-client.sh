#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# The ES9+ and ES11 clients (src/net/rsp-client.c, es9plus-*.c, es11-*.c) and the SM-DP+ TLS trust
# (smdp-trust.c) against the test SM-DP+ and SM-DS (tests/peers/smdp, their own test PKI made here), driven
# by tests/integration/rsp-request with the software eUICC answering the ES10b steps. Checks: a whole
# download over one connection with the binding's headers; the trust chosen by the card's CI PKIds and
# nothing else (a PKId no configured CI has, a CI that is not the server's, an expired or foreign TLS
# certificate: all refused); Failed answers as errors with their codes; cancelSession; ES11 events; HTTP
# failures.
set -u

PY=${PYTHON3:-/usr/bin/python3}
srcdir=${top_srcdir:-.}
builddir=${top_builddir:-.}
DRIVER="$builddir/tests/integration/rsp-request"
SERVER="$srcdir/tests/peers/smdp/server.py"
INIT="$srcdir/tests/peers/softeuicc/init.py"
EID=89049032123451234512345678901235

skip () { echo "SKIP: $*"; exit 77; }
fail () {
  echo "FAIL: $*"
  [ -s "$work/out" ] && { echo "--- rsp-request:"; cat "$work/out"; }
  for f in "$work"/*.err; do [ -s "$f" ] && { echo "--- $f:"; tail -n 20 "$f"; }; done
  exit 1
}
pass () { echo "ok - $*"; }

[ -x "$DRIVER" ] || skip "rsp-request not built"
[ -f "$SERVER" ] || skip "the test SM-DP+ (tests/peers/smdp) is not there"
command -v openssl >/dev/null 2>&1 || skip "openssl(1) is needed for the key identifiers"
"$PY" -c 'import cryptography' 2>/dev/null || skip "python3-cryptography is needed by the test SM-DP+"

unset http_proxy https_proxy HTTP_PROXY HTTPS_PROXY all_proxy ALL_PROXY no_proxy NO_PROXY SSL_CERT_DIR SSL_CERT_FILE
unset CURL_CA_BUNDLE
export top_srcdir="$srcdir" PYTHON3="$PY" PYTHONDONTWRITEBYTECODE=1

work=$(mktemp -d) || exit 1
pids=
trap 'for p in $pids; do kill "$p" 2>/dev/null; done; for p in $pids; do wait "$p" 2>/dev/null; done; rm -rf "$work"' EXIT
trap 'exit 1' INT TERM

wait_ready () {
  i=0
  while [ $i -lt 150 ]; do
    line=$(head -n 1 "$1" 2>/dev/null)
    [ -n "$line" ] && { echo "$line"; return 0; }
    kill -0 "$2" 2>/dev/null || return 1
    sleep 0.1
    i=$((i + 1))
  done
  return 1
}

# start ROLE [ARGS...]: sets url_ROLE (host:port) and admin_ROLE
start () {
  role=$1
  shift
  "$PY" "$SERVER" --role "$role" --dir "$work/rsp" "$@" >"$work/$role.out" 2>"$work/$role.err" &
  pid=$!
  pids="$pids $pid"
  ready=$(wait_ready "$work/$role.out" $pid) || fail "the test $role did not start"
  eval "url_$role=\$(echo \"\$ready\" | cut -d' ' -f2 | sed 's|https://||')"
  eval "admin_$role=\$(echo \"\$ready\" | cut -d' ' -f4)"
}

# admin ROLE METHOD PATH [JSON]
admin () {
  eval "base=\$admin_$1"
  shift
  "$PY" - "$base" "$@" <<'EOF'
import sys, urllib.request
base, method, path = sys.argv[1:4]
data = sys.argv[4].encode() if len(sys.argv) > 4 else None
req = urllib.request.Request(base + path, data=data, method=method, headers={"Content-Type": "application/json"})
print(urllib.request.urlopen(req, timeout=10).read().decode())
EOF
}

# log_field ROLE EXPR: a Python expression over `log` (the server's request log)
log_query () {
  admin "$1" GET /admin/log | "$PY" -c "import json, sys; log = json.load(sys.stdin); print($2)"
}

run () {
  "$DRIVER" "$@" >"$work/out" 2>"$work/stderr"
  rc=$?
  cat "$work/stderr" >>"$work/out"
  return $rc
}

expect_line () {
  grep -q -- "$1" "$work/out" || fail "$2: no line matching \"$1\""
}

ski_hex () {
  openssl x509 -in "$1" -noout -ext subjectKeyIdentifier | sed -n '2s/[ :]//gp'
}

start smdp --profile matchingId=MID1,iccid=89440000000000000017
start smds --event "eid=$EID,eventId=EV-1,address=smdp.example.com:8443" \
  --event "eid=$EID,eventId=EV-2,address=not a host name" \
  --event "eid=89049032123451234512345678900000,eventId=EV-OTHER,address=smdp.example.com"
"$PY" "$INIT" --state "$work/card.json" --pki "$work/rsp/euicc-pki.json" 2>"$work/init.err" || fail "software eUICC init"
ci="$work/rsp/ci.pem"
mkdir "$work/ci-dir" "$work/other-dir"
cp "$ci" "$work/ci-dir/gsma-ci.pem"
cp "$work/rsp/other-ci.pem" "$work/ci-dir/another-ci.pem"
cp "$work/rsp/other-ci.pem" "$work/other-dir/other.pem"
echo "not a certificate" >"$work/ci-dir/README.pem"
ci_ski=$(ski_hex "$ci")
other_ski=$(ski_hex "$work/rsp/other-ci.pem")
[ -n "$ci_ski" ] && [ -n "$other_ski" ] || fail "cannot read the CI key identifiers"
backend=$("$builddir/tests/integration/https-request" --tls-backend 2>/dev/null || echo unknown)
echo "# libcurl TLS backend: $backend"

case $backend in
  mbedTLS/*)
    # Stock mbedTLS refuses a certificate whose certificatePolicies extension is critical and names a policy
    # other than anyPolicy, which every GSMA CI and SM-DP+ certificate does: the client says so up front.
    if run --address "$url_smdp" --ci "$ci" --card "$work/card.json" --matching-id MID1; then
      grep -q '^ok function=handleNotification' "$work/out" || fail "mbedTLS: neither refused nor downloaded"
      pass "mbedTLS built to read GSMA certificates: whole download"
    else
      expect_line "^error step=begin code=NOT_SUPPORTED .*certificatePolicies" "mbedTLS without GSMA certificates"
      [ "$(log_query smdp 'len(log)')" = 0 ] || fail "mbedTLS: a request reached the SM-DP+"
      pass "mbedTLS that cannot read GSMA certificates: refused before any connection, with the reason"
    fi
    exit 0 ;;
esac

# 1. A whole download: the trust is the CI whose key identifier the card names, one connection for all.
run --address "$url_smdp" --ci "$work/ci-dir" --card "$work/card.json" --matching-id MID1 || fail "download"
expect_line "^trust GSMA CI $ci_ski as the only anchors" "download: trust"
for f in initiateAuthentication authenticateClient getBoundProfilePackage load handleNotification; do
  expect_line "^ok function=$f" "download: $f"
done
expect_line "result=success" "download: installed"
expect_line "^stats connections=1 requests=4 failures=0" "download: one connection"
[ "$(log_query smdp 'len(set(e["client_port"] for e in log))')" = 1 ] || fail "download: more than one connection"
[ "$(log_query smdp '[e["status"] for e in log]')" = "[200, 200, 200, 204]" ] || fail "download: statuses"
headers=$(log_query smdp 'sorted(set(json.dumps(e["headers"], sort_keys=True) for e in log))')
echo "$headers" | grep -q '"Accept": null' || fail "download: an Accept header was sent: $headers"
echo "$headers" | grep -q '"Content-Type": "application/json;charset=UTF-8"' || fail "download: Content-Type: $headers"
echo "$headers" | grep -q '"X-Admin-Protocol": "gsma/rsp/v2.2.0"' || fail "download: X-Admin-Protocol: $headers"
echo "$headers" | grep -q '"User-Agent": "gsma-rsp-lpad"' || fail "download: User-Agent: $headers"
[ "$(admin smdp GET /admin/state | "$PY" -c 'import json,sys; s=json.load(sys.stdin); print(s["notifications"][0]["signature_ok"], s["notifications"][0]["result"])')" = "True success" ] \
  || fail "download: the SM-DP+ did not get a verified install notification"
pass "whole download over one connection: initiateAuthentication .. handleNotification (204), headers of the binding"

# 2. The trust follows the card's PKIds: one no configured CI has is refused before anything is sent.
before=$(log_query smdp 'len(log)')
run --address "$url_smdp" --ci "$work/ci-dir" --card "$work/card.json" --pkid 00112233445566778899AABBCCDDEEFF00112233 \
  && fail "unknown PKId: accepted"
expect_line "^error step=trust code=NOT_FOUND .*wants CI PKId 00112233445566778899AABBCCDDEEFF00112233; configured: " \
  "unknown PKId"
[ "$(log_query smdp 'len(log)')" = "$before" ] || fail "unknown PKId: a request was sent"
pass "a CI PKId no configured certificate has: refused, naming the PKId wanted and those configured"

# 3. A CI that is not the server's (another CI the card names): the TLS handshake fails.
run --address "$url_smdp" --ci "$work/other-dir" --card "$work/card.json" --pkid "$other_ski" --until initiate \
  && fail "foreign CI: accepted"
expect_line "^error step=initiateAuthentication code=NETWORK .*not trusted" "foreign CI"
[ "$(log_query smdp 'len(log)')" = "$before" ] || fail "foreign CI: a request got through"
pass "anchors are only the chosen CI: the SM-DP+ certificate from another CI is not trusted"

# 4. An expired TLS certificate, and one from an unrelated CI, under the right trust.
for fault in expired-cert other-ci; do
  admin smdp POST /admin/faults "{\"faults\": [\"$fault\"]}" >/dev/null
  run --address "$url_smdp" --ci "$ci" --card "$work/card.json" --until initiate && fail "$fault: accepted"
  expect_line "^error step=initiateAuthentication code=NETWORK .*not trusted" "$fault"
  pass "TLS refused: $fault"
done
admin smdp POST /admin/faults '{"faults": []}' >/dev/null

# 5. Failed answers: the error names the function, the codes and their meaning, never the server's text.
run --address "$url_smdp" --ci "$ci" --card "$work/card.json" --matching-id NOPE && fail "unknown matching ID: accepted"
expect_line "^error step=authenticateClient code=PROTOCOL status=Failed subject=8.2.6 reason=3.8 " "Failed"
expect_line "ES9+ authenticateClient at https://$url_smdp: authenticateClient: the SM-DP+ answered Failed, subjectCode 8.2.6 (matching ID), reasonCode 3.8 (refused)" "Failed message"
grep -q "matching ID refused" "$work/out" && fail "Failed: the server's free text reached the error"
run --address "$url_smdp" --address-sent "smdp.example.com" --ci "$ci" --card "$work/card.json" --until initiate \
  && fail "wrong address: accepted"
expect_line "^error step=initiateAuthentication code=PROTOCOL status=Failed subject=8.8.1 reason=3.8 " "wrong address"
pass "Failed status: GError with subjectCode and reasonCode (8.2.6/3.8, 8.8.1/3.8), no free text"

# 6. cancelSession after authenticateClient: the card's signed answer reaches the SM-DP+.
run --address "$url_smdp" --ci "$ci" --card "$work/card.json" --matching-id MID1 --until authenticate --cancel \
  || fail "cancel"
expect_line "^ok function=cancelSession" "cancel"
[ "$(admin smdp GET /admin/state | "$PY" -c 'import json,sys; c=json.load(sys.stdin)["cancelled"]; print(len(c), c[-1].get("signature_ok"))')" = "1 True" ] \
  || fail "cancel: the SM-DP+ did not record a verified cancellation"
pass "cancelSession with the eUICC's signed CancelSessionResponse"

# 7. HTTP failures: a 500 is a network error, a 404 a protocol one; the body's text stays out.
admin smdp POST /admin/faults '{"faults": [{"kind": "http-status", "status": 500, "count": 1}]}' >/dev/null
run --address "$url_smdp" --ci "$ci" --card "$work/card.json" --until initiate && fail "HTTP 500: accepted"
expect_line "^error step=initiateAuthentication code=NETWORK status=none .*HTTP 500" "HTTP 500"
grep -q "injected fault" "$work/out" && fail "HTTP 500: the body's text reached the error"
admin smdp POST /admin/faults '{"faults": [{"kind": "truncate", "count": 1}]}' >/dev/null
run --address "$url_smdp" --ci "$ci" --card "$work/card.json" --until initiate && fail "truncated: accepted"
expect_line "^error step=initiateAuthentication code=" "truncated"
admin smdp POST /admin/faults '{"faults": []}' >/dev/null
pass "HTTP 500 and a truncated answer: errors, the server's text kept out"

# 8. ES11: the SM-DS's events for this eUICC, the unusable one left out.
run --role smds --address "$url_smds" --ci "$ci" --card "$work/card.json" || fail "ES11"
expect_line "^ok function=authenticateClient events=1 skipped=1" "ES11 events"
expect_line "^event index=0 id=EV-1 address=smdp.example.com:8443" "ES11 event"
grep -q "EV-OTHER" "$work/out" && fail "ES11: another eUICC's event"
expect_line "event entry 1 left out: rspServerAddress" "ES11 warning"
expect_line "^stats connections=1 requests=2 failures=0" "ES11: one connection"
[ "$(log_query smds '[e["path"] for e in log]')" = "['/gsma/rsp2/es11/initiateAuthentication', '/gsma/rsp2/es11/authenticateClient']" ] \
  || fail "ES11 paths"
pass "ES11 initiateAuthentication + authenticateClient: eventEntries decoded, a bad entry skipped"

exit 0

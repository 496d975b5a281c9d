#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# The HTTPS client (src/net/https-client.c, tls-trust.c) against the test eIM (tests/peers/eim) on
# 127.0.0.1, driven by tests/integration/https-request. Checks, each against what the server counted
# where it can: trust through a CA file, the system store directory and the eUICC's trust data; pins;
# one connection per exchange; TLS session resumption on the next exchange; proxies; timeouts; the body
# cap; Retry-After; faults the eIM injects.
set -u

PY=${PYTHON3:-/usr/bin/python3}
srcdir=${top_srcdir:-.}
builddir=${top_builddir:-.}
DRIVER="$builddir/tests/integration/https-request"
EIM="$srcdir/tests/peers/eim/server.py"
PROXY="$srcdir/tests/integration/connect-proxy.py"
PROTO="--header=X-Admin-Protocol: gsma/rsp/v2.1.0"
# GetEimPackageRequest { eidValue 89049032123451234512345678901234 }
GET_PACKAGE=BF4F125A1089049032123451234512345678901234

skip () { echo "SKIP: $*"; exit 77; }
fail () {
  echo "FAIL: $*"
  [ -s "$work/out" ] && { echo "--- https-request:"; cat "$work/out"; }
  [ -s "$work/eim.err" ] && { echo "--- test eIM:"; tail -n 20 "$work/eim.err"; }
  exit 1
}
pass () { echo "ok - $*"; }

[ -x "$DRIVER" ] || skip "https-request not built"
[ -f "$EIM" ] || skip "the test eIM (tests/peers/eim) is not there"
command -v openssl >/dev/null 2>&1 || skip "openssl(1) is needed for the pins"
"$PY" -c 'import cryptography' 2>/dev/null || skip "python3-cryptography is needed by the test eIM"

# Nothing from the caller's environment may route or trust for us.
unset http_proxy https_proxy HTTP_PROXY HTTPS_PROXY all_proxy ALL_PROXY no_proxy NO_PROXY SSL_CERT_DIR SSL_CERT_FILE
unset CURL_CA_BUNDLE

work=$(mktemp -d) || exit 1
pids=
trap 'for p in $pids; do kill "$p" 2>/dev/null; done; for p in $pids; do wait "$p" 2>/dev/null; done; rm -rf "$work"' EXIT
trap 'exit 1' INT TERM

# wait_ready FILE PID: waits for the first line of FILE and prints it.
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

"$PY" "$EIM" --dir "$work/eim" >"$work/eim.out" 2>"$work/eim.err" &
eim_pid=$!
pids="$pids $eim_pid"
ready=$(wait_ready "$work/eim.out" $eim_pid) || fail "the test eIM did not start"
url=$(echo "$ready" | cut -d' ' -f2)
admin_url=$(echo "$ready" | cut -d' ' -f4)
port=${url##*:}
case "$url" in https://127.0.0.1:*) ;; *) fail "unexpected ready line: $ready" ;; esac
ca="$work/eim/ca.pem"
wrong_ca="$work/eim/wrong-ca.pem"

openssl pkey -in "$work/eim/server.key" -pubout -outform der -out "$work/server-spki.der" || fail "openssl pkey"
openssl pkey -in "$work/eim/wrong-server.key" -pubout -outform der -out "$work/wrong-spki.der" || fail "openssl pkey"
openssl x509 -in "$ca" -outform der -out "$work/ca.der" || fail "openssl x509"

# admin METHOD PATH [JSON]: talks to the eIM's admin interface, prints the JSON answer.
admin () {
  "$PY" - "$admin_url" "$@" <<'EOF'
import sys, urllib.request
base, method, path = sys.argv[1:4]
data = sys.argv[4].encode() if len(sys.argv) > 4 else None
req = urllib.request.Request(base + path, data=data, method=method,
                             headers={"Content-Type": "application/json"})
print(urllib.request.urlopen(req, timeout=10).read().decode())
EOF
}
# stat EXPR: a value from /admin/stats, EXPR evaluated over its keys.
stat () {
  admin GET /admin/stats | "$PY" -c 'import json, sys; print(eval(sys.argv[1], {}, json.load(sys.stdin)))' "$1"
}
faults () { admin POST /admin/faults "{\"faults\": $1}" >/dev/null || fail "cannot set faults $1"; }
reset () { admin POST /admin/reset >/dev/null || fail "cannot reset the eIM"; }

# run [driver options...]: runs the driver against the eIM into $work/out; $rc is its exit status.
run () {
  "$DRIVER" "$@" >"$work/out" 2>"$work/err"
  rc=$?
  [ $rc -le 1 ] || { cat "$work/err"; fail "https-request usage error ($rc)"; }
}
expect_ok () {
  [ $rc -eq 0 ] || fail "$1: expected success"
  grep -q "^response exchange=1 request=1 status=200 content-type=application/x-gsma-rsp-asn1 .*body-hex=BF4F" \
    "$work/out" || fail "$1: no GetEimPackageResponse"
  pass "$1"
}
# expect_error CODE TEXT WHAT
expect_error () {
  [ $rc -eq 1 ] || fail "$3: expected an error"
  grep "^error " "$work/out" | head -n 1 | grep -q "code=$1 .*$2" || fail "$3: expected code $1 and \"$2\""
  pass "$3"
}
field () { grep "^$1" "$work/out" | head -n 1 | tr ' ' '\n' | sed -n "s/^$2=//p"; }

# ---- trust ----
reset
run --ca-file "$ca" "$PROTO" --body-hex $GET_PACKAGE "$url"
expect_ok "trusted through the CA file"
grep -q "message=.*$url/gsma/rsp2/asn1" "$work/out" && fail "success printed an error"

run "$PROTO" --body-hex $GET_PACKAGE "$url"
expect_error NETWORK "TLS: the server certificate is not trusted (curl 60" "untrusted without the CA"
grep -q "message=POST $url/gsma/rsp2/asn1: " "$work/out" || fail "the error does not name the URL"

run --no-system-ca "$PROTO" --body-hex $GET_PACKAGE "$url"
expect_error NETWORK "not trusted" "untrusted with no CA at all"

run --ca-file "$wrong_ca" "$PROTO" --body-hex $GET_PACKAGE "$url"
expect_error NETWORK "not trusted" "untrusted with an unrelated CA file"

run --ca-file "$ca" --trust "$work/server-spki.der" "$PROTO" --body-hex $GET_PACKAGE "$url"
expect_ok "pinned server key (SubjectPublicKeyInfo)"

run --ca-file "$ca" --trust "$work/wrong-spki.der" "$PROTO" --body-hex $GET_PACKAGE "$url"
expect_error NETWORK "TLS: pinned key mismatch" "wrong pinned key"

# A pin narrows trust, it never replaces chain verification.
run --trust "$work/server-spki.der" "$PROTO" --body-hex $GET_PACKAGE "$url"
expect_error NETWORK "not trusted" "a matching pin alone does not make an untrusted chain trusted"

run --trust "$work/ca.der" "$PROTO" --body-hex $GET_PACKAGE "$url"
expect_ok "CA certificate from the eUICC as the trust anchor (DER)"
run --no-system-ca --trust "$ca" "$PROTO" --body-hex $GET_PACKAGE "$url"
expect_ok "CA certificate from the eUICC as the only anchor (PEM)"

run --trust "$wrong_ca" "$PROTO" --body-hex $GET_PACKAGE "$url"
expect_error NETWORK "not trusted" "an unrelated CA from the eUICC"

run --no-system-ca --trust "$work/eim/server.pem" "$PROTO" --body-hex $GET_PACKAGE "$url"
expect_ok "server certificate from the eUICC: anchored and pinned"

run --ca-file "$ca" --trust "$work/eim/wrong-server.pem" "$PROTO" --body-hex $GET_PACKAGE "$url"
# OpenSSL finds the chain good (the CA file) and the pin wrong; with the mbedTLS backend the anchor check
# comes first (https-mbedtls.c). Refused either way.
case $("$DRIVER" --tls-backend) in
  mbedTLS/*) expect_error NETWORK "not trusted" "another server's certificate from the eUICC" ;;
  *) expect_error NETWORK "pinned key mismatch" "another server's certificate from the eUICC" ;;
esac

printf 'not a key' >"$work/garbage.der"
run --ca-file "$ca" --trust "$work/garbage.der" "$PROTO" --body-hex $GET_PACKAGE "$url"
expect_error INVALID_DATA "garbage.der" "garbage trust data"

# The eIM presents a certificate from its second CA. The CA file alone does not trust it; the system
# store directory (SSL_CERT_DIR standing in for /etc/ssl/certs) holding that CA does, next to the
# CA file. Next to a CA from the eUICC it does not: that CA is the eIM's only anchor.
mkdir "$work/certdir" && cp "$wrong_ca" "$work/certdir/" && openssl rehash "$work/certdir" 2>/dev/null \
  || c_rehash "$work/certdir" >/dev/null 2>&1 || fail "cannot hash the test CA directory"
faults '[{"kind": "wrong-cert", "count": 1}]'
run --ca-file "$ca" "$PROTO" --body-hex $GET_PACKAGE "$url"
expect_error NETWORK "not trusted" "wrong certificate, CA file only"
faults '[{"kind": "wrong-cert", "count": 1}]'
SSL_CERT_DIR="$work/certdir" run --ca-file "$ca" "$PROTO" --body-hex $GET_PACKAGE "$url"
expect_ok "wrong certificate trusted through the system directory next to the CA file"
faults '[{"kind": "wrong-cert", "count": 1}]'
SSL_CERT_DIR="$work/certdir" run --trust "$ca" "$PROTO" --body-hex $GET_PACKAGE "$url"
expect_error NETWORK "not trusted" "the system directory does not widen the CA the eUICC names"
faults '[{"kind": "wrong-cert", "count": 1}]'
run --ca-file "$wrong_ca" --trust "$work/ca.der" "$PROTO" --body-hex $GET_PACKAGE "$url"
expect_error NETWORK "not trusted" "the CA file does not widen the CA the eUICC names"
grep -q "WidenEuiccTrust" "$work/err" && fail "a refused widening logged the lab warning"
faults '[{"kind": "wrong-cert", "count": 1}]'
run --ca-file "$wrong_ca" --widen-trust --trust "$work/ca.der" "$PROTO" --body-hex $GET_PACKAGE "$url"
expect_ok "the lab setting widens the eUICC's CA with the CA file"
grep -q "WARNING.*TLS: $url: the eUICC names a CA as the eIM's only anchor, but WidenEuiccTrust=yes also trusts the CA file and the system CAs" \
  "$work/err" || { cat "$work/err"; fail "the widening was not logged as a warning"; }
pass "the widening is logged as a warning"
faults '[{"kind": "wrong-cert", "count": 1}]'
SSL_CERT_DIR="$work/certdir" run --widen-trust --trust "$ca" "$PROTO" --body-hex $GET_PACKAGE "$url"
expect_ok "the lab setting widens the eUICC's CA with the system directory"
SSL_CERT_DIR="$work/certdir" run --trust "$ca" "$PROTO" --body-hex $GET_PACKAGE "$url"
expect_ok "normal certificate trusted through the eUICC's anchor alone"
run --widen-trust --trust "$work/server-spki.der" "$PROTO" --body-hex $GET_PACKAGE "$url"
expect_error NETWORK "not trusted" "the lab setting does not make a bare pinned key an anchor"
faults '[{"kind": "wrong-cert", "count": 1}]'
SSL_CERT_DIR="$work/certdir" run --no-system-ca --ca-file "$ca" "$PROTO" --body-hex $GET_PACKAGE "$url"
expect_error NETWORK "not trusted" "no system store means none"
faults '[]'

# ---- the headers on the wire, as the server saw them ----
# Exactly HTTP/1.1's own (Host, Content-Length), the User-Agent SGP.32 v1.2 section 6.1 fixes, the content
# type and the caller's extra header: no Accept, no Expect (not even for a body past libcurl's 1 KB
# threshold for "Expect: 100-continue").
# headers_seen N: the headers of the server's Nth logged request from the end, as "Name: value" lines.
headers_seen () {
  admin GET /admin/log | "$PY" -c 'import json, sys
for name, value in json.load(sys.stdin)[-int(sys.argv[1])]["headers"]:
    print("%s: %s" % (name, value))' "$1"
}
reset
run --ca-file "$ca" "$PROTO" --body-hex $GET_PACKAGE "$url"
expect_ok "a request for the header check"
big=BF4F8207D5$(head -c 2005 /dev/zero | od -An -v -tx1 | tr -d ' \n')
run --ca-file "$ca" "$PROTO" --body-hex "$big" "$url"
[ $rc -eq 0 ] || fail "a 2010-byte request"
headers_seen 2 >"$work/headers-small" || fail "no request log at the eIM"
headers_seen 1 >"$work/headers-big" || fail "no request log at the eIM"
printf '%s\n' "Host: 127.0.0.1:$port" "User-Agent: gsma-rsp-ipad" "Content-Type: application/x-gsma-rsp-asn1" \
  "X-Admin-Protocol: gsma/rsp/v2.1.0" "Content-Length: 21" >"$work/headers-expected"
diff "$work/headers-expected" "$work/headers-small" || fail "the headers of a small request differ (above)"
sed 's/^Content-Length: 21$/Content-Length: 2010/' "$work/headers-expected" >"$work/headers-expected-big"
diff "$work/headers-expected-big" "$work/headers-big" || fail "the headers of a 2010-byte request differ (above)"
pass "headers sent: exactly Host, User-Agent: gsma-rsp-ipad, Content-Type, X-Admin-Protocol, Content-Length"

# ---- one connection per exchange, resumption across exchanges ----
reset
run --ca-file "$ca" "$PROTO" --body-hex $GET_PACKAGE --requests 3 --exchanges 2 "$url"
[ $rc -eq 0 ] || fail "two exchanges of three requests"
[ "$(grep -c '^response .* status=200 ' "$work/out")" -eq 6 ] || fail "not six answers"
[ "$(field 'stats exchange=1' connections)" = 1 ] || fail "exchange 1 used more than one connection"
[ "$(field 'stats exchange=2' connections)" = 1 ] || fail "exchange 2 used more than one connection"
[ "$(stat 'requests_per_connection')" = "[3, 3]" ] || fail "server saw $(stat 'requests_per_connection')"
pass "one TCP/TLS connection per exchange (client and server agree)"
[ "$(stat 'handshakes_full')" = 1 ] && [ "$(stat 'handshakes_resumed')" = 1 ] \
  || fail "server saw $(stat 'handshakes_full') full and $(stat 'handshakes_resumed') resumed handshakes"
pass "the second exchange resumed the TLS session (server side)"
if [ "$(field 'stats client' tls-known)" = 1 ]; then
  [ "$(field 'stats exchange=1' tls-resumed)" = 0 ] && [ "$(field 'stats exchange=2' tls-resumed)" = 1 ] \
    || fail "client side resumption counts disagree with the server"
  pass "client side sees the same resumption"
else
  echo "# TLS resumption not observable on the client with this libcurl TLS backend"
fi
[ "$(field 'stats client' sent)" = "$(stat 'http_bytes_in')" ] || fail "bytes sent: client $(field 'stats client' sent), server $(stat 'http_bytes_in')"
[ "$(field 'stats client' received)" = "$(stat 'http_bytes_out')" ] || fail "bytes received: client $(field 'stats client' received), server $(stat 'http_bytes_out')"
pass "byte counts match the server's ($(field 'stats client' sent) sent, $(field 'stats client' received) received)"

# ---- HTTP status, Retry-After, body cap ----
run --ca-file "$ca" --body-hex $GET_PACKAGE "$url"
[ $rc -eq 0 ] || fail "a 400 is an answer, not a transport error"
grep -q "^response .* status=400 content-type=text/plain" "$work/out" || fail "missing X-Admin-Protocol: no 400"
pass "non-2xx status returned to the caller"
run --ca-file "$ca" --max-size 16 --body-hex $GET_PACKAGE "$url"
expect_error INVALID_DATA "larger than the 16 bytes allowed" "response body cap"

faults '[{"kind": "http-status", "status": 503, "retry_after": 42}]'
run --ca-file "$ca" "$PROTO" --body-hex $GET_PACKAGE "$url"
grep -q "^response .* status=503 .* retry-after=42 " "$work/out" || fail "Retry-After delta-seconds"
pass "Retry-After in seconds"
when=$(LC_ALL=C date -u -d "@$(( $(date +%s) + 120 ))" '+%a, %d %b %Y %H:%M:%S GMT')
faults "[{\"kind\": \"http-status\", \"status\": 503, \"retry_after\": \"$when\"}]"
run --ca-file "$ca" "$PROTO" --body-hex $GET_PACKAGE "$url"
ra=$(field 'response' retry-after)
[ -n "$ra" ] && [ "$ra" -ge 110 ] && [ "$ra" -le 120 ] || fail "Retry-After HTTP-date gave \"$ra\""
pass "Retry-After as an HTTP-date ($ra s)"
faults '[]'
run --ca-file "$ca" "$PROTO" --body-hex $GET_PACKAGE "$url"
[ "$(field 'response' retry-after)" = -1 ] || fail "Retry-After without the header"

faults '[{"kind": "drop"}]'
run --ca-file "$ca" "$PROTO" --body-hex $GET_PACKAGE "$url"
expect_error NETWORK "connection lost" "connection dropped by the eIM"

# ---- timeouts ----
faults '[{"kind": "delay", "ms": 4000}]'
run --ca-file "$ca" --timeout 1000 "$PROTO" --body-hex $GET_PACKAGE "$url"
expect_error TIMEOUT "timed out" "an eIM slower than the total timeout"
ms=$(field 'error' elapsed-ms)
[ "$ms" -ge 900 ] && [ "$ms" -lt 2500 ] || fail "total timeout of 1000 ms took $ms ms"
faults '[]'

"$PY" "$PROXY" --mode silent --log "$work/silent.log" >"$work/silent.out" 2>&1 &
silent_pid=$!
pids="$pids $silent_pid"
sport=$(wait_ready "$work/silent.out" $silent_pid | cut -d' ' -f2) || fail "silent server did not start"
run --ca-file "$ca" --connect-timeout 700 "$PROTO" --body-hex $GET_PACKAGE "https://127.0.0.1:$sport"
expect_error TIMEOUT "timed out" "a server that never answers the TLS handshake (connect timeout)"
ms=$(field 'error' elapsed-ms)
[ "$ms" -ge 600 ] && [ "$ms" -lt 2000 ] || fail "connect timeout of 700 ms took $ms ms"
run --ca-file "$ca" --timeout 1000 "$PROTO" --body-hex $GET_PACKAGE "https://127.0.0.1:$sport"
expect_error TIMEOUT "timed out" "a server that never answers (total timeout)"
ms=$(field 'error' elapsed-ms)
[ "$ms" -ge 900 ] && [ "$ms" -lt 2500 ] || fail "total timeout of 1000 ms took $ms ms"
grep -q accepted "$work/silent.log" || fail "the silent server saw no connection"

# ---- proxy ----
"$PY" "$PROXY" --log "$work/proxy.log" >"$work/proxy.out" 2>&1 &
proxy_pid=$!
pids="$pids $proxy_pid"
pport=$(wait_ready "$work/proxy.out" $proxy_pid | cut -d' ' -f2) || fail "proxy did not start"
: >"$work/proxy.log"
run --ca-file "$ca" --proxy "http://127.0.0.1:$pport" "$PROTO" --body-hex $GET_PACKAGE --requests 2 "$url"
expect_ok "through the CONNECT proxy option"
[ "$(grep -c "^CONNECT 127.0.0.1:$port\$" "$work/proxy.log")" -eq 1 ] || fail "proxy log: $(cat "$work/proxy.log")"
pass "one tunnel for the exchange"

: >"$work/proxy.log"
https_proxy="http://127.0.0.1:$pport" run --ca-file "$ca" "$PROTO" --body-hex $GET_PACKAGE "$url"
expect_ok "proxy from the environment when none is configured"
grep -q "^CONNECT 127.0.0.1:$port\$" "$work/proxy.log" || fail "https_proxy was not used"

: >"$work/proxy.log"
https_proxy="http://127.0.0.1:$sport" run --ca-file "$ca" --proxy= "$PROTO" --body-hex $GET_PACKAGE "$url"
expect_ok "empty proxy option: no proxy even though the environment names one"
[ -s "$work/proxy.log" ] && fail "the proxy was used"

kill $proxy_pid 2>/dev/null
wait $proxy_pid 2>/dev/null
run --ca-file "$ca" --proxy "http://127.0.0.1:$pport" --connect-timeout 2000 "$PROTO" --body-hex $GET_PACKAGE "$url"
expect_error NETWORK "" "a proxy that is gone"

echo "all HTTPS client checks passed"
exit 0

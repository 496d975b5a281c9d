#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# What an indirect profile download of a 30 KB profile costs: the test eIM relays to the test SM-DP+, the
# software eUICC sits behind the fake QMI modem answering every APDU 20 ms late, and euiccd reaches the eIM
# through tcp-meter.py adding 50 ms to every round trip. Printed: APDUs and STORE DATA blocks against the
# fewest the segmentation allows, HTTP requests, TCP connections, TLS handshakes (full and resumed), bytes on
# the wire, peak RSS, and the wall time against a lower bound.
#
#   top_srcdir=... top_builddir=... sh bench/bench-download.sh
#   BENCH_CONF="[Device] IpaFeatures=indirectRspServerCommunication;minimizeEsipaBytes"   (lines added to the
#                                                 configuration, e.g. for the compact forms of the download)
#
# Lower bound: the time the peers themselves take (each APDU's answer time at the modem and each HTTP
# exchange's time as euiccd's debug log measures them, the 20 ms and 50 ms included) plus the one connection
# setup; what euiccd adds on top of that is its own cost.
. "${top_srcdir:-$(dirname "$0")/..}/tests/e2e/e2e-lib.sh"
. "$top_srcdir/tests/e2e/e2e-download-lib.sh"

APDU_MS=${BENCH_APDU_MS:-20}
RTT_MS=${BENCH_RTT_MS:-50}
SIZE=${BENCH_PROFILE_SIZE:-30720}

start_rsp smdp
start_rsp smds
start_eim --binding both --smdp-ca "$smdpdir/ci.pem" --smds-address "$SMDS_ADDRESS"
setup_card --pki "$smdpdir/euicc-pki.json" --smdp "$SMDP_ADDRESS" --smds "$SMDS_ADDRESS"
SOFTEUICC_APDU_LOG=$work/apdus.log
export SOFTEUICC_APDU_LOG
start_modem --fault "qmi-slow:$APDU_MS"
"$PY" "$peers/tcp-meter.py" --listen 127.0.0.1:0 --to "$EIM_FQDN" --stats "$work/meter.json" --rtt-ms "$RTT_MS" \
  >"$work/meter.out" 2>"$work/meter.err" &
started_pids="$started_pids $!"
for _ in $(seq 100); do grep -q '^ready ' "$work/meter.out" 2>/dev/null && break; sleep 0.05; done
METER_PORT=$(sed -n 's/^ready //p' "$work/meter.out")
[ -n "$METER_PORT" ] || fail "tcp-meter did not start"
# BENCH_DIRECT=1: euiccd speaks ES9+ to the SM-DP+ itself (not through the meter: the SM-DP+ checks that it is
# addressed by its own address), the eIM only triggers and takes the result.
# shellcheck disable=SC2086 # BENCH_CONF is a list of lines
if [ "${BENCH_DIRECT:-0}" = 1 ]; then
  write_config "[Eim]" "Binding=${E2E_BINDING:-asn1}" "Address=127.0.0.1:$METER_PORT" "[Download]" \
    "CiCertificates=$smdpdir/ci.pem" ${BENCH_CONF:-}
else
  write_config "[Eim]" "Binding=${E2E_BINDING:-asn1}" "Address=127.0.0.1:$METER_PORT" "[Download]" \
    "CiCertificates=$work/no-ci-certificates" ${BENCH_CONF:-}
fi
# The card's own notifications first, so that the measured poll is the download alone; the eIM asks for the
# eUICC's IpaEuiccData (EUICCInfo1/2, certificates) there, which minimizeEsipaBytes lets the download leave out.
queue --ipa-euicc-data BF20BF22A5A6
expect_poll_ok "first poll"

smdpctl profile "matchingId=BENCH,iccid=8944000000000000144,size=$SIZE" >/dev/null
queue_download "{\"activationCode\": \"1\$$SMDP_ADDRESS\$BENCH\"}"
: >"$SOFTEUICC_APDU_LOG"
"$PY" -c 'import json,sys; s=json.load(open(sys.argv[1])); json.dump(s, open(sys.argv[2], "w"))' \
  "$work/meter.json" "$work/meter-before.json"
start=$(date +%s%N)
status=0
/usr/bin/time -f "rss_kb=%M" -o "$work/time.out" timeout 300 "$euiccd" --config "$conf" --config-dir "$work/conf.d" \
  --once --stats >"$work/poll.log" 2>&1 || status=$?
end=$(date +%s%N)
[ "$status" -eq 0 ] || { tail -n 40 "$work/poll.log" >&2; fail "the download poll failed"; }
check_download 'assert res["download"]["result"] == "profileInstallationResult", res; assert "8944000000000000144" in p'
sleep 0.3

"$PY" - "$work/poll.log" "$work/apdus.log" "$work/meter-before.json" "$work/meter.json" "$work/time.out" \
  "$start" "$end" "$APDU_MS" "$RTT_MS" "$SIZE" "$(smdpctl state)" <<'PYEOF'
import json, re, sys
from datetime import datetime
log, apdus, before, after, timef, start, end, apdu_ms, rtt_ms, size, smdp = sys.argv[1:]
lines = open(log).read().splitlines()
cost = [l for l in lines if "poll cost:" in l][-1]
c = dict(kv.split("=") for kv in cost.split("poll cost: ")[1].split())
rss = open(timef).read().strip().split("=")[1]

# STORE DATA blocks per ES10 command, from what the card received.
cmds, cur, blocks = [], 0, 0
for l in open(apdus):
    if not l.startswith("APDU "):
        continue
    a = bytes.fromhex(l.split()[1])
    if len(a) >= 5 and a[1] == 0xE2:
        cur += a[4]
        blocks += 1
        if a[2] & 0x80:
            cmds.append(cur)
            cur = 0
min_blocks = sum((n + 254) // 255 for n in cmds)

def t(line):
    return datetime.strptime(line[:23], "%Y-%m-%dT%H:%M:%S.%f").timestamp()

# The time the peers take: each APDU's round trip at the modem, each HTTP exchange.
card_s, sent = 0.0, None
for l in lines:
    if re.search(r"euiccd-card: qmi: ch\d+ > ", l):
        sent = t(l)
    elif sent is not None and re.search(r"euiccd-card: qmi: ch\d+ < ", l):
        card_s += t(l) - sent
        sent = None
http_ms = [float(m.group(1)) for m in (re.search(r"-> HTTP \d+, .*?, ([0-9.]+) ms", l) for l in lines) if m]
http_s = sum(http_ms) / 1000
wall = (int(end) - int(start)) / 1e9
m0, m1 = json.load(open(before)), json.load(open(after))
conns = m1["connections"] - m0["connections"]
wire = (m1["bytes_up"] - m0["bytes_up"]) + (m1["bytes_down"] - m0["bytes_down"])
bpps = json.loads(smdp).get("bpps")
bound = card_s + http_s
print("| figure | value |")
print("|---|---|")
print("| Bound Profile Package | %d bytes (profile package %d bytes) |" % (bpps[-1]["size"], bpps[-1]["upp_size"]))
print("| APDUs | %s (channel opens %s) |" % (c["apdus"], c["channel_opens"]))
print("| STORE DATA blocks | %d, fewest the segmentation allows %d (%d ES10 commands) |" % (blocks, min_blocks, len(cmds)))
print("| HTTP requests | %s |" % c["http_requests"])
print("| TCP connections | %s (to the eIM: %d) |" % (c["connections"], conns))
print("| TLS handshakes | %s full, %s resumed |" % (int(c["connections"]) - int(c["tls_resumed"]), c["tls_resumed"]))
print("| bytes on the wire (TLS included) | %d (HTTP bodies and headers: %s sent, %s received) |" % (wire, c["bytes_sent"], c["bytes_received"]))
print("| peak RSS | %s KiB |" % rss)
print("| wall time | %.2f s |" % wall)
print("| lower bound: peers' own time | %.2f s (card %.2f s over %s APDUs at +%s ms, servers %.2f s over %d requests, +%s ms a round trip to the eIM) |" % (
    bound, card_s, c["apdus"], apdu_ms, http_s, len(http_ms), rtt_ms))
print("| euiccd's own share | %.2f s (%.1f %% over the bound) |" % (wall - bound, 100 * (wall - bound) / bound))
PYEOF

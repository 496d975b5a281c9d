#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# What polls that deliver pending items cost on the card: two eIMs (A, B) on one software eUICC, the long-running
# daemon polled with SIGUSR1. Per poll: APDUs and channel opens (the daemon's `poll cost:` line), the ES10
# RetrieveNotificationsList and RemoveNotificationFromList commands among them (STORE DATA blocks carrying
# BF2B / BF30), and the HTTP requests.
#
#   top_srcdir=... top_builddir=... sh bench/bench-eim-deliver.sh
#
# Polls: the first after the start (the card's three notifications, naming A, are delivered), an idle poll,
# A enabling P3 (whose notification names B: B gets it in the same poll), an idle poll, A enabling P1 again
# (the disable of P3 names B, the enable of P1 names A), an idle poll.
. "${top_srcdir:-$(dirname "$0")/..}/tests/e2e/e2e-lib.sh"

P1=89000123456789012358   # enabled at the start, notifications to A
P3=89000123456789000023   # disabled at the start, notifications to B

start_eim --binding both
FQDN_A=$EIM_FQDN
FQDN_B=$(start_other_eim b eim-b)
make_euicc "$state" --notification-address "$FQDN_A" \
  --add-initial-eim "eimId=eim-test,fqdn=$FQDN_A,counter=1,token=1,pubkey=$eimdir/eim-pub.pem,tls=$eimdir/server.pem" \
  --add-initial-eim "eimId=eim-b,fqdn=$FQDN_B,counter=1,token=1,pubkey=$work/eim-b/eim-pub.pem,tls=$work/eim-b/server.pem"
"$PY" - "$state" "$P3" "$FQDN_B" <<'PYEOF'
import json, sys
path, p3, b = sys.argv[1:]
s = json.load(open(path))
for p in s["profiles"]:
    if p["iccid"] == p3:
        p["notification_address"] = b
json.dump(s, open(path, "w"))
PYEOF
EID=$(state_field "$state" 's["eid"]')
state_field "$state" 's["pki"]["euicc_cert"]' >"$work/euicc-cert.pem"
i=0
for dir in "$eimdir" "$work/eim-b"; do
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
[Poll]
Interval=1h
Jitter=0
[Daemon]
StateDirectory=$statedir
LogLevel=debug
CONF

echo "| poll | APDUs | channel opens | RetrieveNotificationsList | RemoveNotificationFromList | HTTP requests |"
echo "|---|---|---|---|---|---|"
# row LABEL: the figures of the poll in $work/poll.log.
row() {
  retrieve=$(grep -c -E 'ch[0-9]+ > [0-9A-F]{2}E291[0-9A-F]{2} [0-9A-F]+ BF2B' "$work/poll.log" || true)
  remove=$(grep -c -E 'ch[0-9]+ > [0-9A-F]{2}E291[0-9A-F]{2} [0-9A-F]+ BF30' "$work/poll.log" || true)
  printf '| %s | %s | %s | %s | %s | %s |\n' "$1" "$(stat_field apdus)" "$(stat_field channel_opens)" "$retrieve" \
    "$remove" "$(stat_field http_requests)"
}

start_daemon
wait_poll_end "the poll on start" || { cat "$work/poll.log" >&2; fail "the poll on start failed"; }
row "start: the card's 3 notifications to A"
expect_daemon_poll_ok "idle"
row "idle"
queue --psmo "enable:$P3"
expect_daemon_poll_ok "enable P3"
row "A enables P3 (its notification names B)"
expect_daemon_poll_ok "idle"
row "idle"
queue --psmo "enable:$P1"
expect_daemon_poll_ok "enable P1"
row "A enables P1 (P3's disable names B)"
expect_daemon_poll_ok "idle"
row "idle"
stop_daemon

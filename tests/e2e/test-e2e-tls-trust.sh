#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# A CA the eUICC names for an eIM (trustedPublicKeyDataTls) is that eIM's only anchor, in the real daemon: with
# [Eim] CaFile= holding the eIM's other CA, a server certificate from that other CA is refused; the lab setting
# [Eim] WidenEuiccTrust=yes lets it through and says so in a warning.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/e2e/e2e-lib.sh"

start_eim --binding both
make_euicc "$state" --add-initial-eim "eimId=eim-test,fqdn=$EIM_FQDN,counter=1,token=1,pubkey=$eimdir/eim-pub.pem,tls=$eimdir/ca.pem"
EID=$(state_field "$state" 's["eid"]')
token=$(state_field "$state" 's["eims"][0]["associationToken"]')
state_field "$state" 's["pki"]["euicc_cert"]' >"$work/euicc-cert.pem"
eimctl euicc --eid "$EID" --counter 1 --token "$token" --cert "$work/euicc-cert.pem" >/dev/null
start_modem
# The CA file holds the CA of the eIM's other certificate (the wrong-cert fault), not the one the eUICC names.
write_config "[Eim]" "Binding=$binding" "CaFile=$eimdir/wrong-ca.pem"

expect_poll_ok "a certificate from the CA the eUICC names"
if grep -q "WidenEuiccTrust" "$work/poll.log"; then fail "the lab warning without the lab setting"; fi

eim_faults '{"kind": "wrong-cert", "count": 1}'
expect_poll_fails "a certificate from the CA file's CA"
grep -q "Poll failed: eIM eim-test: ESipa getEimPackage at https://$EIM_FQDN: .*TLS: the server certificate is not trusted" \
  "$work/poll.log" || { cat "$work/poll.log" >&2; fail "the refusal is not named a TLS failure"; }
check_eim 'assert stats["handshake_failures"] == '"$REJECTED_FAILURES"', stats["handshake_failures"]' "the refused handshake"

write_config "[Eim]" "Binding=$binding" "CaFile=$eimdir/wrong-ca.pem" "WidenEuiccTrust=yes"
eim_faults '{"kind": "wrong-cert", "count": 1}'
expect_poll_ok "the CA file's CA with WidenEuiccTrust=yes"
grep -q "<warning> euiccd-net: TLS: https://$EIM_FQDN: the eUICC names a CA as the eIM's only anchor, but WidenEuiccTrust=yes also trusts the CA file and the system CAs for it (lab use only)" \
  "$work/poll.log" || { cat "$work/poll.log" >&2; fail "no warning for the widened trust"; }
check_eim 'assert stats["per_connection"][-1]["cert"] == "wrong", stats["per_connection"][-1]' "the widened handshake"
echo "the eUICC's CA is the only anchor; WidenEuiccTrust=yes widens it, with a warning"

#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Factory provisioning through the daemon: a fresh software eUICC with no eIM, euiccctl add-initial-eim writes the
# test eIM onto it (key and TLS trust from PEM files, an association token asked for), the eUICC object shows the
# new configuration, and the first poll of that eIM works. A second AddInitialEim is refused with the eUICC's
# code, malformed arguments with the key at fault.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/dbus/dbus-lib.sh"

start_eim --binding both
make_euicc "$state"
EID=$(state_field "$state" 's["eid"]')
state_field "$state" 's["pki"]["euicc_cert"]' >"$work/euicc-cert.pem"
start_modem
write_config
start_bus
start_service

ctl eims >"$work/eims.txt" || fail "euiccctl eims on a fresh card"
grep -q "^No eIM is configured" "$work/eims.txt" || { cat "$work/eims.txt" >&2; fail "a fresh card shows eIMs"; }

# Malformed arguments name what is wrong, and nothing reaches the card.
if bctl call "$SERVICE" "$MANAGER" org.euiccd.Euiccd1 AddInitialEim 'a{sv}' 2 eimId s x colour s blue >"$work/bad.txt" 2>&1; then
  fail "an unknown key was accepted"
fi
grep -q "unknown key 'colour'" "$work/bad.txt" || { cat "$work/bad.txt" >&2; fail "unclear refusal of an unknown key"; }
if bctl call "$SERVICE" "$MANAGER" org.euiccd.Euiccd1 AddInitialEim 'a{sv}' 2 eimId s x eimPublicKey ay 3 1 2 3 >"$work/bad.txt" 2>&1; then
  fail "a key that is not DER was accepted"
fi
grep -q "eimPublicKey is not one DER SEQUENCE" "$work/bad.txt" || { cat "$work/bad.txt" >&2; fail "unclear refusal of a bad key"; }
if bctl call "$SERVICE" "$MANAGER" org.euiccd.Euiccd1 AddInitialEim 'a{sv}' 1 eimFqdn s x >"$work/bad.txt" 2>&1; then
  fail "an eIM without eimId was accepted"
fi
grep -q "eimId is required" "$work/bad.txt" || { cat "$work/bad.txt" >&2; fail "unclear refusal without eimId"; }
status=0
ctl add-initial-eim --fqdn x >/dev/null 2>&1 || status=$?
[ "$status" -eq 2 ] || fail "add-initial-eim without --eim-id exited $status, expected 2"

ctl add-initial-eim --eim-id eim-test --fqdn "$EIM_FQDN" --id-type fqdn --counter 1 --association-token \
  --public-key "$eimdir/eim-pub.pem" --tls-trust "$eimdir/ca.pem" --protocol eimRetrieveHttps --json >"$work/added.json" ||
  fail "euiccctl add-initial-eim"
TOKEN=$("$PY" -c 'import json,sys; r=json.load(open(sys.argv[1])); assert r["eimId"]=="eim-test", r; print(r["associationToken"])' "$work/added.json") ||
  fail "no association token in $(cat "$work/added.json")"
[ "$TOKEN" = "$(state_field "$state" 's["eims"][0]["associationToken"]')" ] || fail "the token is not the card's"

# The eUICC object shows the new eIM at once.
ctl eims --json >"$work/eims.json" || fail "euiccctl eims --json"
"$PY" -c 'import json,sys; e=json.load(open(sys.argv[1])); assert len(e)==1 and e[0]["eimId"]=="eim-test" and e[0]["eimFqdn"]==sys.argv[2] and e[0]["counterValue"]==1 and e[0]["hasTlsTrust"] is True and e[0]["protocols"]==["eimRetrieveHttps"], e' \
  "$work/eims.json" "$EIM_FQDN" || fail "eims after AddInitialEim"

# A second one is refused by the eUICC, with its code, as org.euiccd.Euiccd1.Error.Card.
status=0
ctl add-initial-eim --eim-id eim-other --fqdn "$EIM_FQDN" --counter 1 >/dev/null 2>"$work/again.txt" || status=$?
[ "$status" -eq 1 ] || fail "a second add-initial-eim exited $status, expected 1"
grep -q "associatedEimAlreadyExists(2)" "$work/again.txt" || { cat "$work/again.txt" >&2; fail "the refusal does not name the code"; }
if bctl call "$SERVICE" "$MANAGER" org.euiccd.Euiccd1 AddInitialEim 'a{sv}' 1 eimId s eim-other >"$work/again.txt" 2>&1; then
  fail "busctl: a second AddInitialEim succeeded"
fi
grep -q "associatedEimAlreadyExists" "$work/again.txt" || { cat "$work/again.txt" >&2; fail "busctl: unclear refusal"; }
# busctl prints only the message; the error's name is checked through GDBus.
gdbus call --system --dest "$SERVICE" --object-path "$MANAGER" --method org.euiccd.Euiccd1.AddInitialEim \
  "{'eimId': <'eim-other'>}" >"$work/again.txt" 2>&1 && fail "gdbus: a second AddInitialEim succeeded"
grep -q "org.euiccd.Euiccd1.Error.Card" "$work/again.txt" || { cat "$work/again.txt" >&2; fail "the error is not org.euiccd.Euiccd1.Error.Card"; }

# The eIM knows the eUICC by the token the daemon reported; the first poll reaches it.
eimctl euicc --eid "$EID" --counter 1 --token "$TOKEN" --cert "$work/euicc-cert.pem" >/dev/null
ctl poll >"$work/poll.txt" || { cat "$work/poll.txt" >&2; tail -n 40 "$work/service.log" >&2; fail "the first poll of the new eIM"; }
[ "$("$PY" "$peers/eim/eimctl.py" --dir "$eimdir" polls --eid "$EID" | "$PY" -c 'import json,sys; print(len(json.load(sys.stdin)))')" -ge 1 ] ||
  fail "the eIM saw no poll"
stop_service
echo "the first eIM was written through the daemon and polled"

#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Personal data in the debug log: a poll with --debug that carries a PSMO enable, a listProfileInfo package
# and a download trigger, over both ESipa bindings. With LogPersonalData=false (the default) the EID, the
# card's ICCIDs and the activation code appear nowhere in the output, in any form (digits, swapped-nibble
# hex, hex of the text, inside base64), while the APDU and ESipa debug lines are there in their masked form;
# with LogPersonalData=true the same run shows them, and the modem library's traces come on too.
# E2E_TRANSPORT=mbim|at|pcsc runs it over that transport (test-e2e-logs-{mbim,at,pcsc}.sh): every transport's
# APDU lines, channel management and SELECT included, go through the same policy.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/e2e/e2e-lib.sh"

P1=89000123456789012358
P3=89000123456789000023
AC='1$smdp.example.com$LOGTEST-7Q2X-9K4M'

start_all
# The card's record of what it received (PC/SC) starts with euiccd: setting the card up went through it too.
[ -n "${SOFTEUICC_APDU_LOG:-}" ] && : >"$SOFTEUICC_APDU_LOG"
expect_poll_ok "first poll"
ICCIDS=$(state_field "$state" '" ".join(p["iccid"] for p in s["profiles"])')
[ -n "$ICCIDS" ] || fail "the card has no profiles"

# check_log LOG yes|no: whether every personal value shows in LOG (yes) or none does (no).
check_log() {
  "$PY" - "$1" "$2" "$EID" "$AC" $ICCIDS <<'PYEOF' || { fail "$1: personal data check ($2) failed"; }
import base64, binascii, re, sys

log_path, expect, eid, ac = sys.argv[1:5]
iccids = sys.argv[5:]
text = open(log_path, encoding="utf-8", errors="replace").read()

def swapped(digits):
    digits = digits + "F" * (len(digits) % 2)
    return "".join(digits[i + 1] + digits[i] for i in range(0, len(digits), 2))

# Everything the log holds, also what base64 tokens and colon-separated hex dumps decode to, as upper-case
# hex, so a value hidden in an encoding is still found.
haystack_text = text.upper()
decoded = []
for token in re.findall(r"[A-Za-z0-9+/]{16,}={0,2}", text):
    try:
        decoded.append(binascii.hexlify(base64.b64decode(token + "=" * (-len(token) % 4))).decode().upper())
    except (binascii.Error, ValueError):
        pass
colon_hex = "".join(re.findall(r"(?:[0-9A-F]{2}:)+[0-9A-F]{2}", text)).replace(":", "")
haystack = haystack_text + "\n" + "\n".join(decoded) + "\n" + colon_hex

# Each secret in every form it can take in a log line.
secrets = {"EID": [eid.upper()]}
for iccid in iccids:
    secrets["ICCID " + iccid] = [iccid.upper(), swapped(iccid).upper()]
secrets["activation code"] = [ac.upper(), ac.encode().hex().upper(), "LOGTEST-7Q2X-9K4M",
                              b"LOGTEST-7Q2X-9K4M".hex().upper()]

def windows(form, size):
    if len(form) <= size:
        return [form]
    return [form[i:i + size] for i in range(len(form) - size + 1)]

problems = []
for name, forms in secrets.items():
    if expect == "no":
        # Not even a part: any 12 characters of a form in a row count as a leak.
        for form in forms:
            for piece in windows(form, 12):
                if piece in haystack:
                    problems.append("%s leaked: %s (as part of %s)" % (name, piece, form))
                    break
    elif not any(form in haystack for form in forms):
        problems.append("%s missing in every form %s" % (name, forms))
for p in problems:
    print(p, file=sys.stderr)
sys.exit(1 if problems else 0)
PYEOF
}

round=0
for binding in asn1 json; do
  for personal in false true; do
    round=$((round + 1))
    write_config "[Eim]" "Binding=$binding"
    mkdir -p "$work/conf.d"
    # The level comes from --debug: the configuration says info.
    printf '[Daemon]\nLogLevel=info\nLogPersonalData=%s\n' "$personal" >"$work/conf.d/50-logs.conf"
    if [ $((round % 2)) -eq 1 ]; then target=$P3; else target=$P1; fi
    queue --psmo "enable:$target"
    queue --psmo list
    queue --download "$AC"
    log=$work/debug-$binding-$personal.log
    timeout 120 "$euiccd" --config "$conf" --config-dir "$work/conf.d" --once --debug >"$log" 2>&1 ||
      { cat "$log" >&2; fail "poll with --debug ($binding, LogPersonalData=$personal) failed"; }
    check_result 'assert res["kind"] == "profileDownloadTriggerResult", res["kind"]'
    grep -q "listProfileInfo" "$log" || fail "$log: the listProfileInfo package did not run"
    grep -q "psmo:enable" "$log" || fail "$log: the enable package did not run"

    # The debug lines are there either way: APDUs with header and status word, ESipa messages.
    t=$e2e_transport
    grep -q "<debug> euiccd-card: $t: ch[0-9]* > 8[0-3]E29100 " "$log" || fail "$log: no STORE DATA debug line"
    grep -q "<debug> euiccd-card: $t: ch[0-9]* < .*9000\$" "$log" || fail "$log: no APDU response debug line"
    # Channel management and the SELECT are logged on every transport (by the modem, or sent by euiccd).
    grep -q "<debug> euiccd-card: $t: ch0 > 00700000 01" "$log" || fail "$log: no MANAGE CHANNEL open line"
    grep -q "<debug> euiccd-card: $t: ch[1-9][0-9]* > 0[0-3]A40404 10 A0000005591010FFFFFFFF8900000100" "$log" ||
      grep -q "<debug> euiccd-card: $t: ch[1-9][0-9]* > 0[0-3]A40400 10 A0000005591010FFFFFFFF8900000100 (sent by the modem)" "$log" ||
      fail "$log: no SELECT line"
    grep -q "<debug> euiccd-card: $t: ch0 > 00708[0-9A-F]* " "$log" || { grep -i "pcsc\|channel" "$log" | tail -n 12 >&2; fail "$log: no MANAGE CHANNEL close line"; }
    if [ "$t" = pcsc ]; then
      # euiccd is the terminal: TERMINAL CAPABILITY before the first MANAGE CHANNEL, no GET RESPONSE for the FCI.
      first=$(grep -n -m 1 "euiccd-card: pcsc: ch0 > 00700000" "$log" | cut -d: -f1)
      tc=$(grep -n -m 1 "euiccd-card: pcsc: ch0 > 80AA0000 05 " "$log" | cut -d: -f1)
      [ -n "$tc" ] && [ "$tc" -lt "$first" ] || fail "$log: no TERMINAL CAPABILITY before MANAGE CHANNEL"
      if grep -A 1 "euiccd-card: pcsc: ch[0-9]* > 0[0-3]A40404" "$log" | grep -A 1 " < 61" | grep -q "> 0[0-3]C00000"; then
        fail "$log: the SELECT's FCI was fetched"
      fi
    fi
    grep -q '<debug> euiccd-net: ESipa getEimPackage -> ' "$log" || fail "$log: no ESipa request debug line"
    grep -q '<debug> euiccd-net: ESipa provideEimPackageResult -> ' "$log" || fail "$log: no ESipa result debug line"

    if [ "$personal" = false ]; then
      check_log "$log" no
      # Masked, yet telling: the ES10 tag of the request, the ESipa message outline.
      grep -q "$t: ch[0-9]* > 8[0-3]E2[19]100 [0-9A-F]* BF51[0-9A-F]* <[0-9]* bytes>\$" "$log" || fail "$log: LoadEuiccPackage not named"
      if [ "$binding" = asn1 ]; then
        grep -q 'ESipa getEimPackage -> .*: BF4F\[18\]{5A\[16\]}$' "$log" || fail "$log: no GetEimPackageRequest outline"
      else
        grep -q 'ESipa getEimPackage -> .*: {"eidValue":"<32 chars>"}$' "$log" || fail "$log: no JSON outline"
      fi
      if grep -q 'Qmi: .*sent generic request\|Mbim: .*[Ss]ent message' "$log"; then
        fail "$log: libqmi/libmbim traces (with APDU bytes) are on without LogPersonalData"
      fi
    else
      check_log "$log" yes
      if [ "$t" = qmi ]; then
        grep -q 'Qmi: .*sent generic request' "$log" || fail "$log: libqmi traces are off with --debug and LogPersonalData"
      fi
    fi
  done
done

# Over PC/SC the card itself recorded what it received (flows.md 0): TERMINAL CAPABILITY first, MANAGE CHANNEL,
# SELECT ISD-R with P2 04 and no Le, and no GET RESPONSE for its FCI; every SELECT the same way.
if [ "$e2e_transport" = pcsc ]; then
  card_log=${SOFTEUICC_APDU_LOG:-}
  [ -n "$card_log" ] && [ -s "$card_log" ] || fail "the card recorded no APDU"
  [ "$(sed -n 1p "$card_log")" = "APDU 80AA000005A903830107" ] || { head -n 12 "$card_log" >&2; fail "first APDU to the card: $(sed -n 1p "$card_log")"; }
  [ "$(sed -n 2p "$card_log")" = "APDU 0070000001" ] || fail "second APDU to the card: $(sed -n 2p "$card_log")"
  sed -n 3p "$card_log" | grep -Eq '^APDU 0[1-3]A4040410A0000005591010FFFFFFFF8900000100$' ||
    fail "third APDU to the card is not SELECT ISD-R with P2 04 and no Le: $(sed -n 3p "$card_log")"
  if sed -n 4p "$card_log" | grep -Eq '^APDU 0[0-3]C0'; then
    fail "the SELECT's FCI was fetched: $(sed -n 4p "$card_log")"
  fi
  if grep -E '^APDU [0-9A-F]{2}A4' "$card_log" | grep -Evq '^APDU [0-9A-F]{2}A4040410A0000005591010FFFFFFFF8900000100$'; then
    fail "a SELECT with another P2 or an Le: $(grep -E '^APDU [0-9A-F]{2}A4' "$card_log" | sort -u | head -n 3)"
  fi
fi

# Without --debug and at the default level, no debug line is written at all.
rm -f "$work/conf.d/50-logs.conf"
write_config "[Eim]" "Binding=asn1"
sed -i 's/^LogLevel=debug$/LogLevel=info/' "$conf"
queue --psmo list
expect_poll_ok "poll at info level"
if grep -q '<debug>' "$work/poll.log"; then
  fail "debug lines at LogLevel=info"
fi
check_log "$work/poll.log" no
echo "personal data stays out of the debug log unless LogPersonalData is on, over both bindings"

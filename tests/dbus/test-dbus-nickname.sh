#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# SetProfileNickname / euiccctl nickname, an administrator's ES10c SetNickname through the daemon's worker: on a
# consumer (SGP.22) eUICC the nickname reaches the card and shows in the Profile object's Nickname and in
# euiccctl profiles; an ICCID the card does not hold is iccidNotFound; a nickname over 64 bytes, one that is not
# UTF-8 and a malformed ICCID are refused before any APDU; an unprivileged caller is refused; an SGP.32 IoT eUICC,
# which has no SetNickname (6A88, or 6D00), gives NotSupported naming the status word; each card answer is in the
# history without the ICCID or the nickname, which stay out of the log; and the daemon polls on throughout.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/dbus/dbus-lib.sh"

P1=89000123456789012358   # enabled
P2=89000123456789000015   # disabled
UNKNOWN=89000123456789000999
NICK="Üñî field 7"
SOFTEUICC_APDU_LOG=$work/card-apdus.log
export SOFTEUICC_APDU_LOG
start_eim --binding both
setup_card
start_modem
write_config "[Daemon]" "AdminGroup=$ADMIN_GROUP"
start_bus
start_service

# card KEY=JSON: sets a key of the software eUICC's state (null removes it); the card reads it at each command.
card() {
  "$PY" - "$state" "$1" <<'PYEOF' || fail "card $1"
import json, os, sys
s = json.load(open(sys.argv[1]))
key, value = sys.argv[2].split("=", 1)
if value == "null":
    s.pop(key, None)
else:
    s[key] = json.loads(value)
json.dump(s, open(sys.argv[1] + ".new", "w"))
os.rename(sys.argv[1] + ".new", sys.argv[1])
PYEOF
}
card_nickname() {
  state_field "$state" '[p.get("nickname") for p in s["profiles"] if p["iccid"] == "'"$1"'"][0]'
}
# refused EXIT TEXT ARGS...: euiccctl nickname ARGS exits EXIT and says TEXT.
refused() {
  want=$1 text=$2
  shift 2
  status=0
  ctl nickname "$@" >/dev/null 2>"$work/refused.txt" || status=$?
  [ "$status" -eq "$want" ] || { cat "$work/refused.txt" >&2; fail "euiccctl nickname $*: exit $status, expected $want"; }
  grep -q "$text" "$work/refused.txt" || { cat "$work/refused.txt" >&2; fail "euiccctl nickname $*: no '$text'"; }
}
# dbus_error NAME ICCID NICKNAME: the method itself fails with org.euiccd.Euiccd1.Error.NAME.
dbus_error() {
  gdbus call --system --dest "$SERVICE" --object-path "$MANAGER" --method "$SERVICE.SetProfileNickname" "$2" "$3" \
    >/dev/null 2>"$work/gdbus.err" && fail "SetProfileNickname $2 succeeded, expected $1"
  grep -q "$SERVICE.Error.$1" "$work/gdbus.err" || { cat "$work/gdbus.err" >&2; fail "SetProfileNickname: not $1"; }
}
apdus() {
  wc -l <"$SOFTEUICC_APDU_LOG"
}

ctl poll >/dev/null || fail "first poll"

# An SGP.32 IoT eUICC does not know SetNickname: NotSupported, with the status word, and nothing changed.
refused 1 "does not offer ES10c SetNickname (status word 6A88); an SGP.32 IoT eUICC has no ES10c" "$P2" "$NICK"
dbus_error NotSupported "$P2" "$NICK"
card 'faults=["sw:BF29:6D00"]'
refused 1 "status word 6D00" "$P2" "$NICK"
card 'faults=null'
[ "$(card_nickname "$P2")" = backup ] || fail "the nickname changed on a refusal"
ctl poll >/dev/null || fail "poll after the refusals"

# A consumer eUICC offers it.
card 'card_kind="sgp22"'
bctl call "$SERVICE" "$MANAGER" "$SERVICE" Refresh || fail "Refresh of the consumer eUICC"

# Malformed arguments never reach the card.
before=$(apdus)
[ "$before" -gt 0 ] || fail "the card's APDU log is empty"
long=$(printf '%065d' 0)
refused 1 "the nickname must be UTF-8 of at most 64 bytes" "$P2" "$long"
refused 1 "the nickname must be UTF-8 of at most 64 bytes" "$P2" "$(printf 'ü%.0s' $(seq 33))"   # 66 bytes
dbus_error InvalidArgs "$P2" "$long"
refused 1 "ICCID: 7 digits, expected 18 to 20" 8900012 "$NICK"
refused 1 "ICCID: character 4 is not a digit" 8900X123456789000015 "$NICK"
refused 2 "not UTF-8" "$P2" "$(printf 'bad\377')"
refused 2 "expected the profile's ICCID and the nickname" "$P2"
# Not for everyone: the bus policy refuses an unprivileged caller.
status=0
as_uid "$NOBODY_UID" "$NOBODY_GID" "$busdir/euiccctl" nickname "$P2" "$NICK" >/dev/null 2>"$work/nobody.txt" || status=$?
[ "$status" -eq 3 ] || { cat "$work/nobody.txt" >&2; fail "nickname by nobody exited $status, expected 3"; }
[ "$(apdus)" = "$before" ] || fail "a refused call reached the card: $(tail -n +"$((before + 1))" "$SOFTEUICC_APDU_LOG")"
[ "$(card_nickname "$P2")" = backup ] || fail "a refused call changed the nickname"

# Set, by a member of the admin group; the Profile object and euiccctl profiles show it.
as_uid "$ADMIN_UID" "$ADMIN_GID" "$busdir/euiccctl" --json nickname "$P2" "$NICK" >"$work/set.json" ||
  { tail -n 40 "$work/service.log" >&2; fail "euiccctl nickname by the admin group"; }
"$PY" -c 'import json,sys; r=json.load(open(sys.argv[1])); assert r == {"iccid": sys.argv[2], "nickname": sys.argv[3]}, r' \
  "$work/set.json" "$P2" "$NICK" || fail "nickname --json said $(cat "$work/set.json")"
[ "$(card_nickname "$P2")" = "$NICK" ] || fail "the card holds nickname '$(card_nickname "$P2")'"
for path in $(bctl tree --list "$SERVICE" | grep "/Profile/"); do
  bctl --json=short get-property "$SERVICE" "$path" "$SERVICE.Profile" Nickname >>"$work/nicknames.txt"
done
grep -qxF "{\"type\":\"s\",\"data\":\"$NICK\"}" "$work/nicknames.txt" ||
  { cat "$work/nicknames.txt" >&2; fail "no Profile object shows the nickname"; }
ctl profiles >"$work/profiles.txt" && grep -q "^$P2 .* \"$NICK\"$" "$work/profiles.txt" ||
  { cat "$work/profiles.txt" >&2; fail "euiccctl profiles does not show the nickname"; }
ctl --json profiles >"$work/profiles.json" || fail "euiccctl --json profiles"
"$PY" -c 'import json,sys; p={x["iccid"]: x["nickname"] for x in json.load(open(sys.argv[1]))}; assert p[sys.argv[2]] == sys.argv[3], p' \
  "$work/profiles.json" "$P2" "$NICK" || fail "euiccctl --json profiles does not show the nickname"

# The card's refusal of an ICCID it does not hold.
refused 1 "SetNickname: the eUICC answered iccidNotFound(1): it holds no profile with this ICCID" "$UNKNOWN" "$NICK"
dbus_error Card "$UNKNOWN" "$NICK"

# In the queue with a poll, never beside it: both asked at once, both done.
ctl poll >"$work/poll-beside.txt" 2>&1 &
poll_pid=$!
ctl nickname "$P1" "" >/dev/null || fail "clearing a nickname while a poll was asked for"
wait "$poll_pid" || { cat "$work/poll-beside.txt" >&2; fail "the poll asked for beside the nickname"; }
[ "$(card_nickname "$P1")" = "" ] || fail "the nickname of $P1 was not cleared"

# The history has each card answer, without the ICCID or the nickname; the log has neither.
ctl --json history >"$work/history.json" || fail "euiccctl history"
"$PY" - "$work/history.json" <<'PYEOF' || { cat "$work/history.json" >&2; fail "the history"; }
import json, sys
h = [(e["operation"], e["result"]) for e in json.load(open(sys.argv[1])) if e["operation"] == "setNickname"]
assert h == [("setNickname", r) for r in ("notSupported",) * 3 + ("ok", "iccidNotFound", "iccidNotFound", "ok")], h
PYEOF
for secret in "$P2" "$UNKNOWN" "$NICK"; do
  grep -q "$secret" "$statedir/history" && fail "the history file holds '$secret'"
  grep -q "$secret" "$work/service.log" &&
    { grep "$secret" "$work/service.log" | head -n 3 >&2; fail "the log holds '$secret'"; }
done
grep -q "SetNickname: the nickname of profile 8900…0015 is set" "$work/service.log" || fail "the change was not logged"

# Back to the SGP.32 eUICC: the daemon polls on.
card 'card_kind=null'
bctl call "$SERVICE" "$MANAGER" "$SERVICE" Refresh || fail "Refresh of the SGP.32 eUICC"
ctl poll >/dev/null || { tail -n 40 "$work/service.log" >&2; fail "poll after the nicknames"; }
stop_service
echo "PASS: nickname set on a consumer eUICC and shown; refusals named, malformed input kept from the card"

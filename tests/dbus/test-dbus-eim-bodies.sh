#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# An eIM's words never reach LastError, the history, PackageFinished, Poll()'s outcome or a log line above
# debug: the test eIM answers with bodies that carry a marker (a plain-text 500, a JSON 400, a 200 of the wrong
# content type, a JSON functionExecutionStatus Failed whose statusCodeData message and codes carry it, on
# getEimPackage and on provideEimPackageResult), and the marker is looked for everywhere euiccd reports. Without
# LogPersonalData it is in no log line at all; with it, only in debug lines.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/dbus/dbus-lib.sh"

MARK=EimBodyMarker7Q
start_all
# The JSON binding, where the eIM's status can carry a message; no automatic retry between two checks.
write_config "[Eim]" "Binding=json" "Timeout=3s" "[Poll]" "BackoffInitial=1h" "BackoffMax=1h" "PollOnStart=no"
start_bus

dbus-monitor --address "$BUS_ADDRESS" "type='signal',path_namespace='$MANAGER'" >"$work/signals.txt" 2>&1 &
started_pids="$started_pids $!"

# fault NAME FAULT-JSON OUTCOME-ERE: one poll into the fault; its outcome must match OUTCOME-ERE (on success,
# errorMessage or "ok"), and the marker must be nowhere but in debug lines.
fault() {
  if [ "$2" = "[]" ]; then eim_faults; else eim_faults "$2"; fi
  bctl --json=short --timeout=60 call "$SERVICE" "$MANAGER" org.euiccd.Euiccd1 Poll >"$work/outcome.json" ||
    fail "$1: Poll failed as a method"
  shown=$("$PY" -c 'import json,sys; o=json.load(open(sys.argv[1]))["data"][0]; print(o["errorMessage"]["data"] if "errorMessage" in o else "ok")' \
          "$work/outcome.json")
  printf '%s\n' "$shown" | grep -E -q -e "$3" || fail "$1: the outcome says \"$shown\", expected /$3/"
  bctl get-property "$SERVICE" "$MANAGER" org.euiccd.Euiccd1 LastError >"$work/last-error.txt"
  bctl call "$SERVICE" "$MANAGER" org.euiccd.Euiccd1 GetHistory u 50 >"$work/history.txt"
  for f in outcome.json last-error.txt history.txt signals.txt; do
    if grep -q "$MARK" "$work/$f"; then
      cat "$work/$f" >&2
      fail "$1: $f quotes the eIM's body"
    fi
  done
  if grep "$MARK" "$work/service.log" | grep -v -q '<debug>'; then
    grep "$MARK" "$work/service.log" | grep -v '<debug>' >&2
    fail "$1: a log line above debug quotes the eIM's body"
  fi
  echo "ok - $1: $shown"
}

run_faults() {
  # A fresh state directory has no poll behind it, so one is due at start: let it end before the first fault,
  # or that fault's Poll() could share the poll that had begun without it.
  eim_faults
  bctl --timeout=60 call "$SERVICE" "$MANAGER" org.euiccd.Euiccd1 Poll >/dev/null || fail "the first Poll failed"
  fault "a plain-text HTTP 500" \
    "{\"kind\": \"http-status\", \"status\": 500, \"body\": \"Internal error $MARK\", \"function\": \"getEimPackage\"}" \
    "getEimPackage at https://$EIM_FQDN: HTTP 500 with [0-9]+ bytes of text/plain; charset=utf-8\$"
  fault "a JSON HTTP 400" \
    "{\"kind\": \"http-status\", \"status\": 400, \"body\": \"{\\\"message\\\": \\\"$MARK\\\"}\", \"content_type\": \"application/json\", \"function\": \"getEimPackage\"}" \
    "getEimPackage at https://$EIM_FQDN: HTTP 400 with [0-9]+ bytes of application/json\$"
  fault "a text/html HTTP 200" \
    "{\"kind\": \"http-status\", \"status\": 200, \"body\": \"<html>$MARK</html>\", \"content_type\": \"text/html\", \"function\": \"getEimPackage\"}" \
    "HTTP 200 with [0-9]+ bytes of Content-Type text/html, expected application/json\$"
  # A refusal of getEimPackage is read as an eimPackageError, named by its code.
  fault "a Failed status with a message on getEimPackage" \
    "{\"kind\": \"failed-status\", \"subject\": \"8.1 $MARK\", \"reason\": \"$MARK\", \"message\": \"$MARK\", \"function\": \"getEimPackage\"}" \
    "answered GetEimPackage with undefinedError \\(127\\)\$"
  # A package runs and its result is refused by the eIM: the poll goes on (the eUICC keeps the signed result
  # for the next delivery), and the refusal is named by the code, not by the eIM's words.
  queue --psmo "enable:89000123456789000023"
  fault "a Failed status with a message on provideEimPackageResult" \
    "{\"kind\": \"failed-status\", \"message\": \"$MARK\", \"function\": \"provideEimPackageResult\"}" \
    '^ok$'
  grep -q "refused the result of [0-9A-F]* (provideEimPackageResultError undefinedError (127)); the eUICC keeps it" \
    "$work/service.log" || fail "the refused result is not reported by its code"
  # The result goes through on the next poll; a package without a fault then leaves a history entry, which
  # the marker checks cover too.
  fault "the poll after the faults" '[]' '^ok$'
  queue --psmo "disable:89000123456789000023"
  fault "a package without a fault" '[]' '^ok$'
  grep -q '"psmo:disable"' "$work/history.txt" || { cat "$work/history.txt" >&2; fail "the package is not in the history"; }
}

start_service
run_faults
if grep -q "$MARK" "$work/service.log"; then
  grep "$MARK" "$work/service.log" >&2
  fail "without LogPersonalData a log line quotes the eIM's body"
fi
grep -q "<debug> euiccd-net: ESipa getEimPackage at https://$EIM_FQDN: HTTP 500 body: <[0-9]* bytes" "$work/service.log" ||
  fail "the refused body is not outlined at debug level"
echo "ok - without LogPersonalData the marker is in no log line"
stop_service

# With personal data logging on, the bodies show, at debug level only.
: >"$work/service.log"
write_config "[Eim]" "Binding=json" "Timeout=3s" "[Poll]" "BackoffInitial=1h" "BackoffMax=1h" "PollOnStart=no" \
  "[Daemon]" "LogPersonalData=yes"
start_service
run_faults
grep -q "<debug> euiccd-net: ESipa getEimPackage at https://$EIM_FQDN: HTTP 500 body: Internal error $MARK" "$work/service.log" ||
  fail "with LogPersonalData the refused body is not shown at debug level"
grep -q "<debug> .*statusCodeData message \"$MARK\"" "$work/service.log" ||
  fail "with LogPersonalData the statusCodeData message is not shown at debug level"
echo "ok - with LogPersonalData the marker is in debug lines only"
stop_service
echo "an eIM's bodies reach debug lines only"

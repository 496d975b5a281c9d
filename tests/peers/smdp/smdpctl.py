#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""Command-line client of the test SM-DP+ / SM-DS admin API, for shell tests.

    smdpctl.py --dir DIR [--role smdp|smds] info | state | log | reset
    smdpctl.py --dir DIR profile SPEC...      (matchingId=..,iccid=..,cc=..; see README.md)
    smdpctl.py --dir DIR --role smds event eid=..,eventId=..,address=..
    smdpctl.py --dir DIR faults [KIND | key=value,...]...   (no argument clears them)
    smdpctl.py --dir DIR wait notification [--iccid ICCID] [--timeout 10]
    smdpctl.py --dir DIR wait cancelled [--timeout 10]

Prints the JSON answer; exit status 1 with the admin API's error on stderr, 2 when a
wait times out."""

import argparse
import http.client
import json
import os
import sys
import time


def _admin(info, method, path, body=None):
    conn = http.client.HTTPConnection("127.0.0.1", info["admin_port"], timeout=10)
    data = json.dumps(body).encode() if body is not None else None
    conn.request(method, path, data, {"Content-Type": "application/json"} if data else {})
    resp = conn.getresponse()
    out = json.loads(resp.read().decode())
    conn.close()
    if resp.status != 200:
        raise RuntimeError(out.get("error", "HTTP %d" % resp.status))
    return out


def _kv(text):
    out = {}
    for part in text.split(","):
        if part:
            k, _, v = part.partition("=")
            out[k] = v
    return out


def _fault(text):
    if "=" not in text:
        return {"kind": text}
    f = _kv(text)
    for key in ("status", "ms", "count", "index"):
        if key in f:
            f[key] = int(f[key])
    return f


def main(argv=None):
    ap = argparse.ArgumentParser(description="admin client of the test SM-DP+ / SM-DS")
    ap.add_argument("--dir", required=True)
    ap.add_argument("--role", choices=("smdp", "smds"), default="smdp")
    ap.add_argument("command", choices=("info", "state", "log", "reset", "profile", "event",
                                        "faults", "wait"))
    ap.add_argument("args", nargs="*")
    ap.add_argument("--iccid", default=None)
    ap.add_argument("--timeout", type=float, default=10.0)
    a = ap.parse_args(argv)
    with open(os.path.join(a.dir, a.role + ".json")) as f:
        info = json.load(f)
    try:
        if a.command == "info":
            out = _admin(info, "GET", "/admin/info")
        elif a.command == "state":
            out = _admin(info, "GET", "/admin/state")
        elif a.command == "log":
            out = _admin(info, "GET", "/admin/log")
        elif a.command == "reset":
            out = _admin(info, "POST", "/admin/reset", {})
        elif a.command == "profile":
            out = _admin(info, "POST", "/admin/profiles", {"profiles": [_kv(s) for s in a.args]})
        elif a.command == "event":
            out = _admin(info, "POST", "/admin/events", {"events": [_kv(s) for s in a.args]})
        elif a.command == "faults":
            out = _admin(info, "POST", "/admin/faults", {"faults": [_fault(s) for s in a.args]})
        else:
            what = a.args[0] if a.args else "notification"
            key = {"notification": "notifications", "cancelled": "cancelled"}.get(what)
            if key is None:
                ap.error("wait: notification or cancelled")
            end = time.monotonic() + a.timeout
            while True:
                items = _admin(info, "GET", "/admin/state")[key]
                if a.iccid is not None:
                    items = [n for n in items if n.get("iccid") == a.iccid]
                if items:
                    out = items
                    break
                if time.monotonic() > end:
                    print("smdpctl: no %s within %.0f s" % (what, a.timeout), file=sys.stderr)
                    return 2
                time.sleep(0.1)
    except (OSError, RuntimeError, ValueError) as exc:
        print("smdpctl: %s" % exc, file=sys.stderr)
        return 1
    print(json.dumps(out, indent=1, sort_keys=True))
    return 0


if __name__ == "__main__":
    sys.exit(main())

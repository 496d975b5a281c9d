#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""Command-line client of the test eIM's admin API (prints its JSON answers).

    eimctl.py --admin http://127.0.0.1:PORT COMMAND ...   (or --dir DIR: read eim.json)

    info
    euicc   --eid E [--counter N] [--token T] [--cert PEM_FILE] [--consumer]
    queue   --eid E (--psmo SPEC... | --eco SPEC... | --ipa-euicc-data TAGS
                     | --download AC [--cc CODE] | --download-default | --download-smds [ADDR]
                     | --raw HEX | --broken garbage|truncated|unknown-alternative
                     | --json PACKAGE_JSON)
            [--break signature|counter|eid|eimid] [--txid HEX]
    results [--eid E]    polls [--eid E]    queued [--eid E]    stats    log
    faults  [FAULT ...]  (replaces the switches; none = clear)   reset
    coverage [--card-state FILE ICCID...]  (no ICCID: coverage everywhere again)   coverage --show
    wait    results|polls --eid E [--count N] [--timeout S]

PSMO SPEC: enable:ICCID[:rollback]  disable:ICCID  delete:ICCID  setFallback:ICCID
  unsetFallback  getRAT  setDefaultDp:ADDRESS
  list[:iccid=ICCID|aid=HEX|class=test|provisioning|operational][:tags=HEX]
  immediateEnable[:on][:address=FQDN][:oid=OID]
eCO SPEC:  listEim  deleteEim:EIMID  addEim:K=V,...  updateEim:K=V,...
  keys: eimId fqdn idtype(oid|fqdn|proprietary) counter token(=1 asks for one)
        pubkey(own|own-cert|PEM file) tls(PEM file) protocol(retrieveHttps+injectHttps...)
        cipkid(hex) indirect(=1)
FAULT: a JSON object, or kind=KIND,key=value,... e.g.
  kind=http-status,status=503,retry_after=2   kind=delay,ms=3000   kind=drop
  kind=truncate  kind=garbage  kind=content-type,value=text/html  kind=wrong-cert
  kind=http-status,status=500,body=TEXT,content_type=text/plain  kind=failed-status,message=TEXT
  kind=package-error,code=2  kind=no-ack     (plus count=N, function=getEimPackage...)
  ack-extra needs a list: {"kind": "ack-extra", "seq": [4, 7]} acknowledges those seqNumbers too"""

import argparse
import json
import os
import sys
import time
import urllib.error
import urllib.request

sys.dont_write_bytecode = True


class CtlError(Exception):
    pass


def call(admin, method, path, body=None):
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(admin.rstrip("/") + path, data=data, method=method,
                                 headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            return json.loads(r.read().decode())
    except urllib.error.HTTPError as exc:
        try:
            msg = json.loads(exc.read().decode()).get("error")
        except ValueError:
            msg = exc.reason
        raise CtlError("%s %s: HTTP %d: %s" % (method, path, exc.code, msg))
    except (urllib.error.URLError, OSError) as exc:
        raise CtlError("%s %s: %s" % (method, path, exc))


def _read(path):
    with open(path) as f:
        return f.read()


def parse_psmo(spec):
    parts = spec.split(":")
    name, args = parts[0], parts[1:]
    if name in ("enable", "disable", "delete", "setFallback"):
        if not args:
            raise CtlError("psmo %s: ICCID required (%s:ICCID)" % (name, name))
        if name == "enable":
            return {"enable": {"iccid": args[0], "rollback": "rollback" in args[1:]}}
        if name == "setFallback":
            return {"setFallbackAttribute": {"iccid": args[0]}}
        return {name: {"iccid": args[0]}}
    if name == "unsetFallback":
        return {"unsetFallbackAttribute": {}}
    if name == "getRAT":
        return {"getRAT": {}}
    if name == "setDefaultDp":
        if not args:
            raise CtlError("psmo setDefaultDp: address required")
        return {"setDefaultDpAddress": {"address": ":".join(args)}}
    if name in ("list", "listProfileInfo"):
        out = {}
        keys = {"iccid": "iccid", "aid": "isdpAid", "class": "profileClass", "tags": "tags"}
        for a in args:
            k, _, v = a.partition("=")
            if k not in keys:
                raise CtlError("psmo list: unknown option %r" % a)
            out[keys[k]] = v
        return {"listProfileInfo": out}
    if name == "immediateEnable":
        out = {}
        for a in args:
            k, _, v = a.partition("=")
            if k == "on":
                out["immediateEnable"] = True
            elif k == "address":
                out["defaultSmdpAddress"] = v
            elif k == "oid":
                out["defaultSmdpOid"] = v
            else:
                raise CtlError("psmo immediateEnable: unknown option %r" % a)
        return {"configureImmediateEnable": out}
    raise CtlError("unknown PSMO %r" % name)


def parse_eim_config(text):
    out = {}
    for item in filter(None, text.split(",")):
        k, _, v = item.partition("=")
        if k == "eimId":
            out["eimId"] = v
        elif k == "fqdn":
            out["eimFqdn"] = v
        elif k == "idtype":
            out["eimIdType"] = int(v) if v.isdigit() else v
        elif k == "counter":
            out["counterValue"] = int(v)
        elif k == "token":
            out["associationToken"] = True if v in ("1", "yes", "true") else int(v)
        elif k == "pubkey":
            out["eimPublicKey"] = v if v in ("own", "own-cert") else _read(v)
        elif k == "tls":
            out["trustedTls"] = _read(v)
        elif k == "protocol":
            out["eimSupportedProtocol"] = [p for p in v.split("+") if p]
        elif k == "cipkid":
            out["euiccCiPKId"] = v
        elif k == "indirect":
            out["indirectProfileDownload"] = v in ("1", "yes", "true")
        else:
            raise CtlError("eIM configuration: unknown key %r" % k)
    return out


def parse_eco(spec):
    name, _, rest = spec.partition(":")
    if name == "listEim":
        return {"listEim": {}}
    if name == "deleteEim":
        if not rest:
            raise CtlError("eco deleteEim: eimId required")
        return {"deleteEim": {"eimId": rest}}
    if name in ("addEim", "updateEim"):
        return {name: parse_eim_config(rest)}
    raise CtlError("unknown eCO %r" % name)


def parse_fault(text):
    if text.startswith("{"):
        return json.loads(text)
    out = {}
    for item in filter(None, text.split(",")):
        k, _, v = item.partition("=")
        out[k] = int(v) if v.lstrip("-").isdigit() else v
    if "kind" not in out:
        raise CtlError("fault %r: kind=... required" % text)
    return out


def package_from_args(a):
    chosen = [x for x in (a.psmo, a.eco, a.ipa_euicc_data, a.download, a.download_default,
                          a.download_smds, a.raw, a.broken, a.json) if x]
    if len(chosen) != 1:
        raise CtlError("queue: give exactly one kind of package")
    if a.psmo:
        return {"psmo": [parse_psmo(s) for s in a.psmo]}
    if a.eco:
        return {"eco": [parse_eco(s) for s in a.eco]}
    if a.ipa_euicc_data:
        return {"ipaEuiccData": {"tags": a.ipa_euicc_data}}
    if a.download:
        dl = {"activationCode": a.download}
        if a.cc is not None:
            dl["confirmationCode"] = a.cc
        return {"download": dl}
    if a.download_default:
        return {"download": {"contactDefaultSmdp": True}}
    if a.download_smds:
        addr = a.download_smds if a.download_smds != "-" else None
        return {"download": {"contactSmds": {"address": addr} if addr else {}}}
    if a.raw:
        return {"raw": a.raw}
    if a.broken:
        return {"broken": a.broken}
    return json.loads(a.json)


def main(argv=None):
    ap = argparse.ArgumentParser(description="admin client of the test eIM",
                                 formatter_class=argparse.RawDescriptionHelpFormatter,
                                 epilog=__doc__.split("\n\n", 1)[1])
    ap.add_argument("--admin", help="admin URL, http://127.0.0.1:PORT")
    ap.add_argument("--dir", help="the eIM directory (its eim.json names the admin URL)")
    sub = ap.add_subparsers(dest="cmd", required=True)
    sub.add_parser("info")
    p = sub.add_parser("euicc")
    p.add_argument("--eid", required=True)
    p.add_argument("--counter", type=int)
    p.add_argument("--token", type=int)
    p.add_argument("--cert", help="eUICC certificate, PEM file")
    p.add_argument("--consumer", action="store_true",
                   help="a consumer (SGP.22) eUICC whose IPA checks the packages: results with an empty "
                        "eUICC signature are accepted (docs/sgp22.md)")
    p = sub.add_parser("queue")
    p.add_argument("--eid", required=True)
    p.add_argument("--psmo", action="append")
    p.add_argument("--eco", action="append")
    p.add_argument("--ipa-euicc-data", metavar="TAGS")
    p.add_argument("--download", metavar="ACTIVATION_CODE")
    p.add_argument("--cc", metavar="CODE", help="confirmation code the eIM keeps for hashCc")
    p.add_argument("--download-default", action="store_true")
    p.add_argument("--download-smds", nargs="?", const="-", metavar="ADDRESS")
    p.add_argument("--raw", metavar="HEX")
    p.add_argument("--broken", choices=("garbage", "truncated", "unknown-alternative"))
    p.add_argument("--json", metavar="PACKAGE_JSON")
    p.add_argument("--break", dest="brk", choices=("signature", "counter", "eid", "eimid"))
    p.add_argument("--txid")
    for name in ("results", "polls", "queued"):
        sub.add_parser(name).add_argument("--eid")
    sub.add_parser("stats")
    sub.add_parser("log")
    sub.add_parser("reset")
    sub.add_parser("faults").add_argument("fault", nargs="*")
    p_cov = sub.add_parser("coverage")
    p_cov.add_argument("--card-state", default=None)
    p_cov.add_argument("iccid", nargs="*")
    p_cov.add_argument("--show", action="store_true")
    p = sub.add_parser("wait")
    p.add_argument("what", choices=("results", "polls"))
    p.add_argument("--eid", required=True)
    p.add_argument("--count", type=int, default=1)
    p.add_argument("--timeout", type=float, default=30.0)
    a = ap.parse_args(argv)

    try:
        admin = a.admin
        if admin is None and a.dir:
            with open(os.path.join(a.dir, "eim.json")) as f:
                admin = json.load(f)["admin_url"]
        if admin is None:
            raise CtlError("--admin URL or --dir DIR required")
        if a.cmd == "info":
            out = call(admin, "GET", "/admin/info")
        elif a.cmd == "euicc":
            out = call(admin, "POST", "/admin/euicc", {
                "eid": a.eid, "counter": a.counter, "association_token": a.token,
                "euicc_cert_pem": _read(a.cert) if a.cert else None, "consumer": a.consumer})
        elif a.cmd == "queue":
            out = call(admin, "POST", "/admin/queue", {
                "eid": a.eid, "package": package_from_args(a), "break": a.brk,
                "transaction_id": a.txid})
        elif a.cmd in ("results", "polls", "queued"):
            path = "/admin/" + ("queue" if a.cmd == "queued" else a.cmd)
            out = call(admin, "GET", path + ("?eid=" + a.eid if a.eid else ""))
        elif a.cmd in ("stats", "log"):
            out = call(admin, "GET", "/admin/" + a.cmd)
        elif a.cmd == "reset":
            out = call(admin, "POST", "/admin/reset", {})
        elif a.cmd == "coverage" and a.show:
            out = call(admin, "GET", "/admin/coverage")
        elif a.cmd == "coverage":
            out = call(admin, "POST", "/admin/coverage",
                       {"card_state": a.card_state, "no_coverage": a.iccid})
        elif a.cmd == "faults":
            out = call(admin, "POST", "/admin/faults",
                       {"faults": [parse_fault(f) for f in a.fault]})
        else:
            deadline = time.monotonic() + a.timeout
            while True:
                out = call(admin, "GET", "/admin/%s?eid=%s" % (a.what, a.eid))
                if len(out) >= a.count:
                    break
                if time.monotonic() > deadline:
                    raise CtlError("wait: %d %s for %s after %.0f s, %d wanted"
                                   % (len(out), a.what, a.eid, a.timeout, a.count))
                time.sleep(0.1)
    except (CtlError, OSError, ValueError) as exc:
        print("eimctl: %s" % exc, file=sys.stderr)
        return 1
    json.dump(out, sys.stdout, indent=1, sort_keys=True)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())

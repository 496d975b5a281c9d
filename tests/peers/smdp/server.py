#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""Test SM-DP+ (ES9+) or SM-DS (ES11), SGP.22 JSON binding over HTTPS on 127.0.0.1.

    /usr/bin/python3 tests/peers/smdp/server.py --dir DIR [--role smdp|smds]
        [--port 0] [--admin-port 0] [--pki-from SGP26DIR] [--eid EID]
        [--profile SPEC]... [--event eid=...,eventId=...,address=...]... [--verbose]

At first start it makes the test PKI in DIR (smdp/pki.py; shared by an SM-DP+ and an
SM-DS started on the same DIR), then writes DIR/<role>.json (address, ports, file
paths) and prints `ready https://127.0.0.1:<port> admin http://127.0.0.1:<admin-port>`.
SIGTERM / SIGINT stop it (exit status 0).  See tests/peers/README.md."""

import argparse
import http.server
import json
import os
import signal
import socket
import socketserver
import ssl
import sys
import threading
import time
import traceback
import urllib.parse

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from smdp import core, pki  # noqa: E402

ES9_PREFIX = "/gsma/rsp2/es9plus/"
ES11_PREFIX = "/gsma/rsp2/es11/"
ES9_FUNCTIONS = ("initiateAuthentication", "authenticateClient", "getBoundProfilePackage",
                 "handleNotification", "cancelSession")
ES11_FUNCTIONS = ("initiateAuthentication", "authenticateClient")
JSON_TYPE = "application/json;charset=UTF-8"
MAX_BODY = 1 << 20


def _proto_ok(value):
    return value is not None and value.strip().startswith("gsma/rsp/v2.")


class Es9Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "euiccd-test-rsp/1.0"
    sys_version = ""
    timeout = 30

    def setup(self):
        self.request.settimeout(15)
        self.tls_failed = False
        try:
            self.request.do_handshake()
        except (ssl.SSLError, OSError):
            self.tls_failed = True
        super().setup()

    def handle(self):
        if self.tls_failed:
            return
        try:
            super().handle()
        except (ssl.SSLError, OSError):
            pass

    def log_message(self, fmt, *args):
        if self.server.verbose:
            super().log_message(fmt, *args)

    def _send(self, status, body=b"", ctype=None, truncate=False):
        self.send_response(status)
        if ctype and status != 204:
            self.send_header("Content-Type", ctype)
        self.send_header("X-Admin-Protocol", "gsma/rsp/v2.2.0")
        if status != 204:
            self.send_header("Content-Length", str(len(body)))
        if truncate:
            self.send_header("Connection", "close")
            self.close_connection = True
            body = body[:len(body) // 2]
        self._headers_buffer.append(b"\r\n" + (body if status != 204 else b""))
        self.flush_headers()

    def _text(self, status, text):
        self._send(status, (text + "\n").encode(), "text/plain; charset=utf-8")

    def do_GET(self):
        self._text(405, "ES9+ / ES11 functions are POST only")

    def do_POST(self):
        rsp = self.server.rsp
        path = self.path.split("?", 1)[0]
        prefix, functions = ((ES9_PREFIX, ES9_FUNCTIONS) if rsp.role == "smdp"
                             else (ES11_PREFIX, ES11_FUNCTIONS))
        length = self.headers.get("Content-Length")
        if length is None or not length.strip().isdigit() or int(length) > MAX_BODY:
            self.close_connection = True
            self._text(411, "Content-Length (at most %d) required" % MAX_BODY)
            return
        body = self.rfile.read(int(length))
        function = path[len(prefix):] if path.startswith(prefix) else None
        entry = {"function": function, "path": path, "time": time.time(),
                 "client_port": self.client_address[1],
                 "headers": {k: self.headers.get(k) for k in
                             ("User-Agent", "Accept", "Content-Type", "X-Admin-Protocol")}}
        if function not in functions:
            entry["status"] = 404
            self._log(entry)
            self._text(404, "no %s function at %s" % (rsp.role, path))
            return
        if not _proto_ok(self.headers.get("X-Admin-Protocol")):
            entry["status"] = 400
            self._log(entry)
            self._text(400, "X-Admin-Protocol gsma/rsp/v2.x required")
            return
        ctype = (self.headers.get("Content-Type") or "").split(";")[0].strip().lower()
        if ctype != "application/json":
            entry["status"] = 400
            self._log(entry)
            self._text(400, "Content-Type must be application/json")
            return
        for f in rsp.take_faults(function, ("delay",)):
            time.sleep(f["ms"] / 1000.0)
        pre = rsp.take_faults(function, ("http-status", "drop"))
        if pre:
            entry["fault"] = pre[0]["kind"]
            self._log(entry)
            if pre[0]["kind"] == "drop":
                self.close_connection = True
                try:
                    self.request.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
                return
            self._text(pre[0]["status"], "injected fault: HTTP %d" % pre[0]["status"])
            return
        try:
            req = json.loads(body.decode("utf-8"))
            if not isinstance(req, dict):
                raise ValueError("JSON object expected")
        except (UnicodeDecodeError, ValueError) as exc:
            entry["status"] = 400
            self._log(entry)
            self._text(400, "body is not a JSON object: %s" % exc)
            return
        fn = {"initiateAuthentication": rsp.initiate_authentication,
              "authenticateClient": rsp.authenticate_client,
              "getBoundProfilePackage": rsp.get_bound_profile_package,
              "handleNotification": rsp.handle_notification,
              "cancelSession": rsp.cancel_session}[function]
        try:
            status, out = fn(req)
            entry["result"] = "Executed-Success"
        except core.Failed as exc:
            status, out = 200, core.header(failed=exc)
            entry.update({"result": "Failed", "subjectCode": exc.subject,
                          "reasonCode": exc.reason, "message": exc.message})
        except Exception as exc:                     # noqa: BLE001 - a bug of the peer
            traceback.print_exc(file=sys.stderr)
            self.close_connection = True
            entry["status"] = 500
            self._log(entry)
            self._text(500, "test %s internal error: %r" % (rsp.role, exc))
            return
        truncate = bool(rsp.take_faults(function, ("truncate",)))
        if truncate:
            entry["fault"] = "truncate"
        entry["status"] = status
        self._log(entry)
        if out is None:
            self._send(status)
        else:
            self._send(status, json.dumps(out).encode(), JSON_TYPE, truncate=truncate)

    def _log(self, entry):
        with self.server.rsp.lock:
            self.server.rsp.log.append(entry)


class Es9Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address, rsp, contexts, verbose):
        self.rsp = rsp
        self.contexts = contexts
        self.verbose = verbose
        super().__init__(address, Es9Handler)

    def server_bind(self):
        socketserver.TCPServer.server_bind(self)
        self.server_name, self.server_port = self.server_address[:2]

    def get_request(self):
        sock, addr = self.socket.accept()
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        tls_set = self.rsp.cert_set()[0]
        ssock = self.contexts[tls_set].wrap_socket(sock, server_side=True,
                                                   do_handshake_on_connect=False)
        return ssock, addr

    def handle_error(self, request, client_address):
        if self.verbose:
            super().handle_error(request, client_address)


class AdminHandler(http.server.BaseHTTPRequestHandler):
    """GET /admin/info, /admin/state; POST /admin/profiles {"profiles": [...]},
    /admin/events {"events": [...]}, /admin/faults {"faults": [...]}, /admin/reset."""
    protocol_version = "HTTP/1.1"
    sys_version = ""

    def log_message(self, fmt, *args):
        if self.server.verbose:
            super().log_message(fmt, *args)

    def _reply(self, status, obj):
        body = (json.dumps(obj, indent=1, sort_keys=True, default=str) + "\n").encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        rsp = self.server.rsp
        path = urllib.parse.urlsplit(self.path).path
        if path == "/admin/info":
            self._reply(200, self.server.info)
        elif path == "/admin/state":
            self._reply(200, rsp.view())
        elif path == "/admin/log":
            with rsp.lock:
                self._reply(200, list(rsp.log))
        else:
            self._reply(404, {"error": "no admin resource %s" % path})

    def do_POST(self):
        rsp = self.server.rsp
        path = urllib.parse.urlsplit(self.path).path
        n = int(self.headers.get("Content-Length") or 0)
        try:
            body = json.loads((self.rfile.read(n) if n else b"{}").decode("utf-8"))
            if not isinstance(body, dict):
                raise ValueError("JSON object expected")
            if path == "/admin/profiles":
                out = rsp.add_profiles(body.get("profiles"))
            elif path == "/admin/events":
                out = rsp.add_events(body.get("events"))
            elif path == "/admin/faults":
                out = rsp.set_faults(body.get("faults"))
            elif path == "/admin/reset":
                rsp.reset()
                out = {"reset": True}
            else:
                self._reply(404, {"error": "no admin action %s" % path})
                return
        except (ValueError, TypeError, KeyError) as exc:
            self._reply(400, {"error": "%s: %s" % (path, exc)})
            return
        self._reply(200, out)


class AdminServer(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address, rsp, verbose):
        self.rsp = rsp
        self.verbose = verbose
        self.info = {}
        super().__init__(address, AdminHandler)

    def server_bind(self):
        socketserver.TCPServer.server_bind(self)
        self.server_name, self.server_port = self.server_address[:2]


def tls_context(cert_key):
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.minimum_version = ssl.TLSVersion.TLSv1_2
    ctx.load_cert_chain(cert_key[0], cert_key[1])
    return ctx


def main(argv=None):
    ap = argparse.ArgumentParser(description="test SM-DP+ (ES9+) / SM-DS (ES11)")
    ap.add_argument("--dir", required=True, help="test PKI and <role>.json")
    ap.add_argument("--role", choices=("smdp", "smds"), default="smdp")
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--admin-port", type=int, default=0)
    ap.add_argument("--pki-from", default=None,
                    help="directory with an SGP.26 certificate set to build the PKI on")
    ap.add_argument("--eid", default=None, help="EID of the eUICC certificate to make")
    ap.add_argument("--profile", action="append", default=[],
                    help="matchingId=..,iccid=..,cc=..,name=..,spn=..,size=..,class=..,"
                         "eid=..,rsk=1,address=..")
    ap.add_argument("--event", action="append", default=[],
                    help="eid=..,eventId=..,address=.. (SM-DS)")
    ap.add_argument("--verbose", action="store_true")
    args = ap.parse_args(argv)
    try:
        paths = pki.ensure(os.path.abspath(args.dir), args.eid, args.pki_from)
        rsp = core.RspServer(args.role, paths)
        rsp.add_profiles([core.parse_profile_spec(s) for s in args.profile])
        evs = []
        for s in args.event:
            e = dict(p.partition("=")[::2] for p in s.split(",") if p)
            evs.append(e)
        rsp.add_events(evs)
        auth = "dp" if args.role == "smdp" else "ds"
        contexts = {"genuine": tls_context(paths[auth + "-tls"]),
                    "expired": tls_context(paths["expired-dp-tls"]),
                    "other": tls_context(paths["other-dp-tls"])}
        srv = Es9Server(("127.0.0.1", args.port), rsp, contexts, args.verbose)
        adm = AdminServer(("127.0.0.1", args.admin_port), rsp, args.verbose)
    except (OSError, ValueError) as exc:
        print("%s server: %s" % (args.role, exc), file=sys.stderr)
        return 1
    port, admin_port = srv.server_address[1], adm.server_address[1]
    rsp.address = "127.0.0.1:%d" % port
    info = {"role": args.role, "address": rsp.address, "url": "https://" + rsp.address,
            "port": port, "admin_url": "http://127.0.0.1:%d" % admin_port,
            "admin_port": admin_port, "pid": os.getpid(), "ci": paths["ci"],
            "other_ci": paths["other_ci"], "euicc_pki": paths["euicc_pki"],
            "smdp_oid": pki.SMDP_OID}
    adm.info = info
    tmp = os.path.join(args.dir, "%s.json.tmp" % args.role)
    with open(tmp, "w") as f:
        json.dump(info, f, indent=1, sort_keys=True)
    os.replace(tmp, os.path.join(args.dir, "%s.json" % args.role))
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    for s in (srv, adm):
        threading.Thread(target=s.serve_forever, kwargs={"poll_interval": 0.2},
                         daemon=True).start()
    print("ready https://%s admin http://127.0.0.1:%d" % (rsp.address, admin_port), flush=True)
    while not stop.wait(1.0):
        pass
    for s in (srv, adm):
        s.shutdown()
        s.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())

# SPDX-License-Identifier: Apache-2.0
"""Admin API of the test eIM: plain HTTP on 127.0.0.1, JSON in and out.

  GET  /admin/info                 eim.json (eimId, URLs, ports, file paths)
  POST /admin/euicc                {"eid", "counter", "association_token", "euicc_cert_pem", "consumer"}
  POST /admin/queue                {"eid", "package": {...}, "break": ..., "transaction_id": ...}
                                   -> {"transaction_id", "counter", "kind", "der"}
  GET  /admin/queue[?eid=]         packages not yet fetched
  GET  /admin/results[?eid=]       ProvideEimPackageResult / HandleNotification records
  GET  /admin/polls[?eid=]         GetEimPackage records
  GET  /admin/stats                connections, TLS handshakes, requests, bytes
  GET  /admin/log                  every ESipa request: function, status, fault, connection,
                                   the request headers in the order received
  GET  /admin/faults               fault switches with what is left of their counts
  GET  /admin/relay                ES9+ calls relayed to SM-DP+s, transactionId -> SM-DP+
  POST /admin/faults               {"faults": [...]} replaces the switches ([] clears them)
  POST /admin/coverage             {"card_state": PATH, "no_coverage": [ICCID...]}: every ESipa
                                   connection is closed unanswered while the software eUICC whose
                                   state file is PATH has one of those profiles enabled ([] clears)
  GET  /admin/coverage             the switch, with the count of connections it refused
  POST /admin/reset                clears queues, results, polls, faults, statistics, log

Errors: 400 (or 404) with {"error": "<what was wrong>"}."""

import http.server
import json
import socketserver
import urllib.parse

from . import packages
from .store import jsonable


class AdminHandler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "euiccd-test-eim-admin/1.0"
    sys_version = ""
    timeout = 60

    def log_message(self, fmt, *args):
        if self.server.app.verbose:
            super().log_message(fmt, *args)

    def _reply(self, status, obj):
        body = (json.dumps(jsonable(obj), indent=1, sort_keys=True) + "\n").encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _body(self):
        n = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(n) if n > 0 else b"{}"
        try:
            obj = json.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, ValueError) as exc:
            raise ValueError("body is not JSON: %s" % exc)
        if not isinstance(obj, dict):
            raise ValueError("body must be a JSON object")
        return obj

    def do_GET(self):
        url = urllib.parse.urlsplit(self.path)
        q = dict(urllib.parse.parse_qsl(url.query))
        store = self.server.app.store
        eid = q.get("eid")
        routes = {
            "/admin/info": lambda: self.server.app.info,
            "/admin/queue": lambda: store.queue_view(eid),
            "/admin/results": lambda: store.results(eid),
            "/admin/polls": lambda: store.polls(eid),
            "/admin/stats": store.stats,
            "/admin/log": lambda: list(store.log),
            "/admin/faults": lambda: list(store.faults),
            "/admin/coverage": store.coverage_view,
            "/admin/relay": lambda: {"log": list(self.server.app.relay.log),
                                     "received": list(self.server.app.relay.received),
                                     "sessions": dict(self.server.app.relay.sessions)},
        }
        fn = routes.get(url.path)
        if fn is None:
            self._reply(404, {"error": "no admin resource %s" % url.path})
            return
        with store.lock:
            out = fn()
        self._reply(200, out)

    def _keep_confirmation_code(self, package, out):
        """A download trigger's confirmationCode stays with the eIM (for hashCc), keyed by
        the eimTransactionId the trigger carries."""
        dl = package.get("download") if isinstance(package, dict) else None
        if isinstance(dl, dict) and dl.get("confirmationCode") is not None \
                and out.get("transaction_id") is not None:
            relay = self.server.app.relay
            with relay.lock:
                relay.codes[out["transaction_id"].upper()] = str(dl["confirmationCode"])

    def do_POST(self):
        store = self.server.app.store
        path = urllib.parse.urlsplit(self.path).path
        try:
            body = self._body()
            if path == "/admin/euicc":
                token = body.get("association_token")
                if token is not None and not isinstance(token, int):
                    raise ValueError("association_token: integer or null expected")
                out = store.set_euicc(body.get("eid"), body.get("counter"), token,
                                      body.get("euicc_cert_pem"), bool(body.get("consumer")))
            elif path == "/admin/queue":
                out = store.enqueue(body.get("eid"), body.get("package"), body.get("break"),
                                    body.get("transaction_id"))
                self._keep_confirmation_code(body.get("package"), out)
            elif path == "/admin/coverage":
                out = store.set_coverage(body.get("card_state"), body.get("no_coverage"))
            elif path == "/admin/faults":
                out = store.set_faults(body.get("faults"))
            elif path == "/admin/reset":
                store.reset()
                out = {"reset": True}
            else:
                self._reply(404, {"error": "no admin action %s" % path})
                return
        except (ValueError, TypeError, AttributeError, packages.PackageError) as exc:
            self._reply(400, {"error": "%s: %s" % (path, exc)})
            return
        self._reply(200, out)


class AdminServer(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address, app):
        self.app = app
        super().__init__(address, AdminHandler)

    def server_bind(self):
        socketserver.TCPServer.server_bind(self)
        self.server_name, self.server_port = self.server_address[:2]

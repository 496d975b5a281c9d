# SPDX-License-Identifier: Apache-2.0
"""The ESipa HTTPS server of the test eIM: both bindings, one thread per connection,
HTTP/1.1 keep-alive, TLS session resumption (tickets and session cache of one
SSLContext), faults, and byte counts per connection.

ASN.1 binding (SGP.32 v1.2): POST /gsma/rsp2/asn1, Content-Type
application/x-gsma-rsp-asn1 and X-Admin-Protocol gsma/rsp/v2.x.y required (else 400,
plain text), body = DER EsipaMessageFromIpaToEim; answer 200 with DER
EsipaMessageFromEimToIpa (same content type, X-Admin-Protocol echoed) or 204 for
HandleNotificationEsipa.  A body that is not one DER TLV of a known alternative: 400
with the reason in plain text.

JSON binding (esipa-json-binding-facts.md): POST /gsma/rsp2/esipa/<function>,
Content-Type application/json (charset optional), the same X-Admin-Protocol rule.
Requests and answers:
  getEimPackage            {"eidValue": hex, "notifyStateChange": true, "stateChangeCause": n,
                            "rPlmn": b64}
                           -> header + one of "euiccPackageRequest" / "ipaEuiccDataRequest" /
                              "profileDownloadTriggerRequest" (b64 of the BF51/BF52/BF54 TLV) or
                              "eimPackageError": n (1 = noEimPackageAvailable, Executed-Success)
  provideEimPackageResult  {"eidValue": hex?, "eimPackageResult": b64 of the chosen
                            EimPackageResult alternative (BF51 / 30 ePRAndNotifications /
                            BF52 / BF54 / A0 error)}
                           -> header + "eimAcknowledgements": b64 BF53 (absent = emptyResponse)
  handleNotification       {"pendingNotification": b64} | {"provideEimPackageResult": b64 BF50}
                           -> 204
  Choices where the facts file is silent: a missing eidValue answers status Failed with
  statusCodeData 8.1.1 / 2.2, a malformed one 8.1.1 / 2.1 (the codes the IPA maps to
  missingEid / invalidEid); a body that is not JSON, or base64 / DER that does not decode,
  is a 400 with a plain-text reason as in the ASN.1 binding; the indirect-download
  functions answer Failed 8.8 / 3.1 (not supported by this eIM)
  unless the eIM was started with --smdp-ca: then they, and the ProfileInstallationResult of
  a HandleNotification, are relayed to the SM-DP+ over ES9+ (eim/relay.py).  A queued raw package
  that is not a BF4F with a known alternative goes out base64 as "euiccPackageRequest"
  (garbage / truncated inner TLV) or under "tag<HEX>" (an unknown alternative).

Results: every ProvideEimPackageResult / HandleNotificationEsipa is recorded for its
EID (eidValue, else the EID that polled on the same connection, else the owner of the
eimTransactionId, else the serialNumber of the eUICC certificate in a notification).
eUICC signatures are checked (flows.md 8) with the certificate the admin gave or the
last one seen in IpaEuiccData / an OtherSignedNotification; the association token is
appended when the result's eimId is this eIM and a token is known.  Acknowledged are
the seqNumbers of euiccPackageResultSigned results and of notifications (in
ePRAndNotifications, IpaEuiccData, HandleNotification is answered 204 only) whose
signature is valid or could not be checked; an invalid signature is not acknowledged,
so the IPA keeps the item.  Duplicates are acknowledged again and flagged.

Faults (admin /admin/faults): http-status (optional "body" text and "content_type"),
drop, garbage and failed-status (a JSON functionExecutionStatus Failed whose
statusCodeData carries the fault's "subject", "reason" and "message") answer before the
request is processed (nothing is popped or recorded); delay sleeps first; package-error answers
eimPackageError / provideEimPackageResultError with the given code; no-ack sends
emptyResponse; ack-extra (with "seq": [N...]) acknowledges those seqNumbers too, as an eIM that
names items it was never sent; truncate (Content-Length of the whole body, half of it sent, connection
closed) and content-type change the real answer; wrong-cert presents wrong-server.pem
to new TLS connections."""

import base64
import binascii
import json
import re
import socket
import socketserver
import ssl
import http.server
import sys
import time
import traceback

import pyder

from . import codec
from .store import b64

ASN1_PATH = "/gsma/rsp2/asn1"
JSON_PREFIX = "/gsma/rsp2/esipa/"
ASN1_TYPE = "application/x-gsma-rsp-asn1"
JSON_TYPE = "application/json;charset=UTF-8"
ADMIN_PROTOCOL_RE = re.compile(r"^gsma/rsp/v2\.\d+\.\d+$")
JSON_FUNCTIONS = ("getEimPackage", "provideEimPackageResult", "handleNotification",
                  "initiateAuthentication", "authenticateClient", "getBoundProfilePackage",
                  "cancelSession", "transferEimPackage")
MAX_BODY = 1 << 20
# Faults that answer before the request is processed.
PRE_KINDS = ("http-status", "drop", "garbage", "package-error", "failed-status")
PACKAGE_KEYS = {0xBF51: "euiccPackageRequest", 0xBF52: "ipaEuiccDataRequest",
                0xBF54: "profileDownloadTriggerRequest"}


class BadRequest(Exception):
    """A request the eIM answers with 400 and this text."""


class _Counting:
    """File wrapper counting the bytes that pass through it into conn[key]."""

    def __init__(self, f, conn, key):
        self._f = f
        self._conn = conn
        self._key = key

    def read(self, *a):
        data = self._f.read(*a)
        self._conn[self._key] += len(data)
        return data

    def readline(self, *a):
        data = self._f.readline(*a)
        self._conn[self._key] += len(data)
        return data

    def write(self, data):
        n = self._f.write(data)
        self._conn[self._key] += len(data)
        return n

    def __getattr__(self, name):
        return getattr(self._f, name)


def _header_ok(value):
    return value is not None and ADMIN_PROTOCOL_RE.match(value.strip()) is not None


def _status(status="Executed-Success", subject=None, reason=None, message=None):
    fes = {"status": status}
    if subject is not None:
        fes["statusCodeData"] = {"subjectCode": subject, "reasonCode": reason,
                                 "message": message or ""}
    return {"header": {"functionExecutionStatus": fes}}


def _json_for_package(der):
    """Body of a JSON getEimPackage answer for a queued GetEimPackageResponse."""
    body = _status()
    try:
        outer = pyder.decode(der, expect=0xBF4F)
    except pyder.DerError:
        body["euiccPackageRequest"] = b64(der)
        return body
    try:
        kids = outer.children()
    except pyder.DerError:
        body["euiccPackageRequest"] = b64(outer.value)
        return body
    if len(kids) == 1 and kids[0].tag in PACKAGE_KEYS:
        body[PACKAGE_KEYS[kids[0].tag]] = b64(kids[0].raw)
    elif len(kids) == 1 and kids[0].tag == 0x02:
        body["eimPackageError"] = kids[0].int()
    else:
        body["tag%X" % kids[0].tag if kids else "euiccPackageRequest"] = b64(outer.value)
    return body


def _b64field(body, key):
    value = body.get(key)
    if not isinstance(value, str):
        raise BadRequest("%s: base64 string required" % key)
    try:
        return base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise BadRequest("%s: not base64 (%s)" % (key, exc))


class EsipaHandler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "euiccd-test-eim/1.0"
    sys_version = ""
    timeout = 60                       # idle keep-alive connections are closed after this

    # ------------------------------------------------------------ connection

    def setup(self):
        app = self.server.app
        self.conn = app.store.open_connection(self.client_address, self.server.wrong_cert_for(
            self.request))
        self.tls_failed = False
        self.conn_eid = None
        self.request.settimeout(15)
        try:
            self.request.do_handshake()
            with app.store.lock:
                self.conn["tls"] = "resumed" if self.request.session_reused else "full"
                self.conn["tls_version"] = self.request.version()
        except (ssl.SSLError, OSError) as exc:
            self.tls_failed = True
            with app.store.lock:
                self.conn["tls"] = "failed"
                self.conn["error"] = "TLS handshake: %s" % exc
        super().setup()
        self.rfile = _Counting(self.rfile, self.conn, "http_in")
        self.wfile = _Counting(self.wfile, self.conn, "http_out")

    def handle(self):
        if self.tls_failed:
            return
        try:
            super().handle()
        except (ssl.SSLError, OSError) as exc:
            with self.server.app.store.lock:
                self.conn["error"] = str(exc)

    def finish(self):
        try:
            super().finish()
        except (ssl.SSLError, OSError):
            pass
        # Close TLS with a close_notify, as web servers do: OpenSSL forgets the session of a connection that
        # ends without one (on either side), and a client that resumes by session ID (libcurl on mbedTLS,
        # TLS 1.2, no tickets, no close_notify of its own) could then never resume.
        if not self.tls_failed:
            try:
                self.request.settimeout(2)
                self.request.unwrap()
            except (ssl.SSLError, OSError, ValueError):
                pass
        with self.server.app.store.lock:
            self.conn["closed"] = time.time()

    def log_message(self, fmt, *args):
        if self.server.app.verbose:
            super().log_message(fmt, *args)

    # ------------------------------------------------------------ sending

    def _send(self, status, body=b"", ctype=None, extra=None, truncate=False):
        self.send_response(status)
        if ctype is not None and (body or status != 204):
            self.send_header("Content-Type", ctype)
        proto = self.headers.get("X-Admin-Protocol")
        if proto is not None:
            self.send_header("X-Admin-Protocol", proto.strip())
        for k, v in (extra or {}).items():
            self.send_header(k, v)
        if status != 204:
            self.send_header("Content-Length", str(len(body)))
        if truncate:
            self.send_header("Connection", "close")
        out = b""
        if status != 204:
            out = body[:len(body) // 2] if truncate else body
        # Head and body in one write: one TLS record, and no Nagle / delayed-ACK stall.
        self._headers_buffer.append(b"\r\n" + out)
        self.flush_headers()
        with self.server.app.store.lock:
            self.conn["body_out"] += len(out)
        if truncate:
            self.close_connection = True
        return status

    def _text(self, status, text, extra=None):
        return self._send(status, (text + "\n").encode(), "text/plain; charset=utf-8", extra)

    # ------------------------------------------------------------ requests

    def do_GET(self):
        self._read_body_or_none()
        self._text(405, "ESipa functions are POST only")

    def _read_body_or_none(self):
        length = self.headers.get("Content-Length")
        if length is None or not length.strip().isdigit():
            return None
        n = int(length)
        if n > MAX_BODY:
            return None
        data = self.rfile.read(n)
        with self.server.app.store.lock:
            self.conn["body_in"] += len(data)
        return data

    def do_POST(self):
        if self.server.app.store.refuse_for_coverage():
            # A connection made before the switch dies with the old profile's bearer: no answer.
            self.close_connection = True
            return
        try:
            self._post()
        except (ssl.SSLError, OSError):
            raise
        except Exception as exc:
            # A bug in the eIM, not a fault of the client: say so on stderr and in a 500.
            traceback.print_exc(file=sys.stderr)
            self.close_connection = True
            self._log(None, None, self._text(500, "test eIM internal error: %r" % exc),
                      error=repr(exc))

    def _post(self):
        app = self.server.app
        with app.store.lock:
            self.conn["requests"] += 1
        if self.headers.get("Transfer-Encoding"):
            self.close_connection = True
            self._text(411, "chunked request bodies are not supported: send Content-Length")
            return
        length = self.headers.get("Content-Length")
        if length is None or not length.strip().isdigit():
            self.close_connection = True
            self._text(411, "Content-Length required")
            return
        if int(length) > MAX_BODY:
            self.close_connection = True
            self._text(413, "request body of %s bytes is larger than %d" % (length, MAX_BODY))
            return
        body = self._read_body_or_none() or b""
        path = self.path.split("?", 1)[0]
        if path == ASN1_PATH and app.binding in ("asn1", "both"):
            binding = "asn1"
        elif path.startswith(JSON_PREFIX) and app.binding in ("json", "both"):
            binding = "json"
        else:
            self._log(None, None, self._text(404, "no ESipa function at %s (binding %s)"
                                             % (path, app.binding)))
            return
        function = None
        try:
            if not _header_ok(self.headers.get("X-Admin-Protocol")):
                raise BadRequest("X-Admin-Protocol header missing or not gsma/rsp/v2.x.y: %r"
                                 % self.headers.get("X-Admin-Protocol"))
            ctype = (self.headers.get("Content-Type") or "").split(";")[0].strip().lower()
            if binding == "asn1":
                if ctype != ASN1_TYPE:
                    raise BadRequest("Content-Type must be %s, got %r"
                                     % (ASN1_TYPE, self.headers.get("Content-Type")))
                try:
                    msg = pyder.decode(body)
                except pyder.DerError as exc:
                    raise BadRequest("body is not one DER TLV: %s" % exc)
                function = codec.FUNCTIONS.get(msg.tag)
                if function is None:
                    raise BadRequest("tag %X is not an EsipaMessageFromIpaToEim alternative"
                                     % msg.tag)
                request = msg
            else:
                if ctype != "application/json":
                    raise BadRequest("Content-Type must be application/json, got %r"
                                     % self.headers.get("Content-Type"))
                function = path[len(JSON_PREFIX):]
                if function not in JSON_FUNCTIONS:
                    self._log(binding, function, self._text(
                        404, "unknown ESipa function %r" % function))
                    return
                try:
                    request = json.loads(body.decode("utf-8"))
                except (UnicodeDecodeError, ValueError) as exc:
                    raise BadRequest("body is not JSON: %s" % exc)
                if not isinstance(request, dict):
                    raise BadRequest("JSON body must be an object")
        except BadRequest as exc:
            self._log(binding, function, self._text(400, str(exc)), error=str(exc))
            return

        faults = app.store.take_faults(function, ("delay",) + PRE_KINDS)
        for f in faults:
            if f["kind"] == "delay":
                time.sleep(f["ms"] / 1000.0)
        pre = next((f for f in faults if f["kind"] in PRE_KINDS), None)
        if pre is not None and pre["kind"] != "package-error":
            self._log(binding, function, self._apply_pre_fault(pre, binding), fault=pre["kind"])
            return
        post = app.store.take_faults(function, ("truncate", "content-type", "no-ack", "ack-extra"))
        post = post[0] if post else None
        try:
            if binding == "asn1":
                status, out, ctype = self._asn1(function, request, pre, post)
            else:
                status, out, ctype = self._json(function, request, pre, post)
        except BadRequest as exc:
            self._log(binding, function, self._text(400, str(exc)), error=str(exc))
            return
        fault = (pre or post or {}).get("kind")
        if post is not None and post["kind"] == "content-type":
            ctype = post["value"]
        truncate = post is not None and post["kind"] == "truncate"
        self._log(binding, function, self._send(status, out, ctype, truncate=truncate),
                  fault=fault)

    def _apply_pre_fault(self, f, binding):
        kind = f["kind"]
        if kind == "http-status":
            extra = {}
            if f.get("retry_after") is not None:
                extra["Retry-After"] = str(f["retry_after"])
            if f.get("body") is not None:
                return self._send(f["status"], f["body"].encode(),
                                  f.get("content_type", "text/plain; charset=utf-8"), extra)
            return self._text(f["status"], "injected fault: HTTP %d" % f["status"], extra)
        if kind == "failed-status":
            status = {"status": "Failed", "statusCodeData": {
                "subjectCode": f.get("subject", "8.1"), "reasonCode": f.get("reason", "6.1"),
                "message": f.get("message", "")}}
            return self._send(200, json.dumps({"header": {"functionExecutionStatus": status}}).encode(),
                              JSON_TYPE)
        if kind == "drop":
            self.close_connection = True
            try:
                self.request.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            return None
        # garbage: a 200 with the binding's content type and a body that does not decode.
        if binding == "asn1":
            return self._send(200, bytes.fromhex("BF4FFF") + b"\x00garbage\xff", ASN1_TYPE)
        return self._send(200, b"}{ not json \xff", JSON_TYPE)

    def _log(self, binding, function, status, fault=None, error=None):
        self.server.app.store.add_log({"connection": self.conn["id"], "binding": binding,
                                       "function": function, "path": self.path,
                                       "status": status, "fault": fault, "error": error,
                                       "eid": self.conn_eid,
                                       "headers": [[k, v] for k, v in self.headers.items()]})

    # ------------------------------------------------------------ ASN.1 binding

    def _asn1(self, function, msg, pre, post):
        store = self.server.app.store
        no_ack = post is not None and post["kind"] == "no-ack"
        extra = post.get("seq") if post is not None and post["kind"] == "ack-extra" else None
        try:
            if function == "getEimPackage":
                info = codec.decode_get_eim_package(msg)
                if info["eid_error"] is not None:
                    return 200, codec.no_package(info["eid_error"]), ASN1_TYPE
                self.conn_eid = info["eid"]
                if pre is not None:
                    der = codec.no_package(pre["code"])
                    entry = None
                else:
                    entry = store.pop(info["eid"])
                    der = entry["der"] if entry is not None else codec.no_package(1)
                self._poll(info, "asn1", entry, pre)
                return 200, der, ASN1_TYPE
            if function == "provideEimPackageResult":
                decoded = codec.decode_provide_eim_package_result(msg)
                if pre is not None:
                    return 200, codec.provide_result_error(pre["code"]), ASN1_TYPE
                entry, acks = store.add_result(decoded, msg.raw, "asn1", function,
                                               self.conn_eid, no_ack, extra)
                if entry is None:
                    return 200, codec.provide_result_error(4), ASN1_TYPE
                return 200, codec.acknowledgements(acks), ASN1_TYPE
            if function == "handleNotification":
                self._notification(*codec.decode_handle_notification(msg), raw=msg.raw,
                                   binding="asn1")
                return 204, b"", None
        except pyder.DerError as exc:
            raise BadRequest("%s: %s" % (function, exc))
        if function == "transferEimPackage":
            raise BadRequest("transferEimPackage is eIM-initiated; it is not accepted here")
        relay = self.server.app.relay
        if relay is not None and relay.enabled:
            try:
                return 200, relay.asn1(msg, self.server.app.store.held(self.conn_eid)), ASN1_TYPE
            except pyder.DerError as exc:
                raise BadRequest("%s: %s" % (function, exc))
        return 200, codec.UNSUPPORTED_ANSWERS[msg.tag], ASN1_TYPE

    def _poll(self, info, binding, entry, pre):
        if pre is not None:
            answer = "eimPackageError(%d)" % pre["code"]
        elif entry is None:
            answer = "noEimPackageAvailable"
        else:
            answer = entry["kind"]
        self.server.app.store.add_poll(info["eid"], {
            "binding": binding, "connection": self.conn["id"],
            "notifyStateChange": info["notifyStateChange"],
            "stateChangeCause": info["stateChangeCause"],
            "stateChangeCauseName": info["stateChangeCauseName"],
            "rPLMN": info["rPLMN"], "plmn": info["plmn"], "answer": answer,
            "transaction_id": entry["transaction_id"] if entry is not None else None,
            "counter": entry["counter"] if entry is not None else None})

    def _notification(self, kind, decoded, raw, binding):
        store = self.server.app.store
        if kind == "pendingNotification":
            store.add_notification(decoded, raw, binding, self.conn_eid)
            self._relay_install_result(raw)
        else:
            store.add_result(decoded, raw, binding, "handleNotification", self.conn_eid)

    def _relay_install_result(self, raw):
        """A ProfileInstallationResult goes on to the SM-DP+ (indirect download)."""
        relay = self.server.app.relay
        if relay is None or not relay.enabled:
            return
        try:
            inner = pyder.decode(raw, expect=0xBF3D).req(0xA0).children()
            if len(inner) == 1 and inner[0].tag in (0xBF37, 0xA0):
                # compactProfileInstallationResult (A0) is put back together first.
                relay.notification(relay.pending_notification(inner[0].raw))
        except Exception as exc:                        # noqa: BLE001 - recorded, not fatal
            with relay.lock:
                relay.log.append({"function": "handleNotification", "error": str(exc)})

    # ------------------------------------------------------------ JSON binding

    def _json_out(self, body):
        return 200, json.dumps(body).encode(), JSON_TYPE

    def _json(self, function, req, pre, post):
        store = self.server.app.store
        no_ack = post is not None and post["kind"] == "no-ack"
        extra = post.get("seq") if post is not None and post["kind"] == "ack-extra" else None
        if function == "getEimPackage":
            eid = req.get("eidValue")
            if eid is None:
                return self._json_out(_status("Failed", "8.1.1", "2.2", "eidValue missing"))
            if not isinstance(eid, str) or not re.fullmatch(r"[0-9A-Fa-f]{32}", eid):
                return self._json_out(_status("Failed", "8.1.1", "2.1",
                                              "eidValue must be 32 hex digits"))
            plmn = None
            if req.get("rPlmn") is not None:
                plmn = _b64field(req, "rPlmn")
                if len(plmn) != 3:
                    raise BadRequest("rPlmn: 3 bytes expected, got %d" % len(plmn))
            cause = req.get("stateChangeCause")
            if cause is not None and not isinstance(cause, int):
                raise BadRequest("stateChangeCause: integer expected")
            info = {"eid": eid.upper(), "notifyStateChange": bool(req.get("notifyStateChange")),
                    "stateChangeCause": cause,
                    "stateChangeCauseName": codec.STATE_CHANGE_CAUSES.get(cause),
                    "rPLMN": plmn.hex().upper() if plmn else None,
                    "plmn": codec.plmn_text(plmn) if plmn else None}
            self.conn_eid = info["eid"]
            if pre is not None:
                self._poll(info, "json", None, pre)
                return self._json_out(dict(_status(), eimPackageError=pre["code"]))
            entry = store.pop(info["eid"])
            self._poll(info, "json", entry, None)
            if entry is None:
                return self._json_out(dict(_status(), eimPackageError=1))
            return self._json_out(_json_for_package(entry["der"]))
        if function == "provideEimPackageResult":
            eid = req.get("eidValue")
            if eid is not None and (not isinstance(eid, str) or
                                    not re.fullmatch(r"[0-9A-Fa-f]{32}", eid)):
                return self._json_out(_status("Failed", "8.1.1", "2.1",
                                              "eidValue must be 32 hex digits"))
            der = _b64field(req, "eimPackageResult")
            try:
                alt = pyder.decode(der)
                decoded = codec.decode_eim_package_result(alt)
            except pyder.DerError as exc:
                raise BadRequest("eimPackageResult: %s" % exc)
            decoded["eid"] = eid.upper() if eid else None
            if pre is not None:
                reason = {2: "3.9", 3: "2.1", 4: "2.2"}.get(pre["code"], "3.7")
                return self._json_out(_status("Failed", "8.1.1", reason,
                                              "injected provideEimPackageResultError %d"
                                              % pre["code"]))
            parts = [pyder.tlv(0x5A, bytes.fromhex(eid))] if eid else []
            raw = pyder.tlv(0xBF50, parts + [der])
            entry, acks = store.add_result(decoded, raw, "json", function, self.conn_eid, no_ack,
                                           extra)
            if entry is None:
                return self._json_out(_status("Failed", "8.1.1", "2.2",
                                              "no eidValue and no EID known on this connection"))
            body = _status()
            if acks:
                body["eimAcknowledgements"] = b64(_ack_tlv(acks))
            return self._json_out(body)
        if function == "handleNotification":
            try:
                if "pendingNotification" in req:
                    der = _b64field(req, "pendingNotification")
                    n = codec.decode_pending_notification(pyder.decode(der))
                    self._notification("pendingNotification", n,
                                       raw=pyder.tlv(0xBF3D, pyder.tlv(0xA0, der)), binding="json")
                elif "provideEimPackageResult" in req:
                    der = _b64field(req, "provideEimPackageResult")
                    d = codec.decode_provide_eim_package_result(pyder.decode(der, expect=0xBF50))
                    self._notification("provideEimPackageResult", d,
                                       raw=pyder.tlv(0xBF3D, der), binding="json")
                else:
                    raise BadRequest("handleNotification: pendingNotification or "
                                     "provideEimPackageResult required")
            except pyder.DerError as exc:
                raise BadRequest("handleNotification: %s" % exc)
            return 204, b"", None
        if function == "transferEimPackage":
            raise BadRequest("transferEimPackage is eIM-initiated; it is not accepted here")
        relay = self.server.app.relay
        if relay is not None and relay.enabled:
            return self._json_out(relay.json(function, req,
                                             self.server.app.store.held(self.conn_eid)))
        return self._json_out(_status("Failed", "8.8", "3.1",
                                      "%s: indirect profile download is not supported by this "
                                      "test eIM (no --smdp-ca)" % function))


def _ack_tlv(acks):
    """The BF53 EimAcknowledgements TLV alone (the JSON binding carries it without BF50)."""
    return pyder.tlv(0xBF53, [pyder.enc_integer(s, tag=0x80) for s in acks])



class EsipaServer(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 64

    def __init__(self, address, app):
        self.app = app
        self._wrong = {}
        super().__init__(address, EsipaHandler)

    def server_bind(self):
        # No reverse DNS lookup of the address (HTTPServer.server_bind does one).
        socketserver.TCPServer.server_bind(self)
        self.server_name, self.server_port = self.server_address[:2]

    def get_request(self):
        sock, addr = self.socket.accept()
        if self.app.store.refuse_for_coverage():
            # No coverage: the device's connection never gets through (closed before TLS).
            sock.close()
            raise OSError("no coverage for the enabled profile")
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        wrong = self.app.store.wrong_cert_now()
        ctx = self.app.wrong_tls if wrong else self.app.tls
        # The handshake runs in the connection's thread (EsipaHandler.setup).
        ssock = ctx.wrap_socket(sock, server_side=True, do_handshake_on_connect=False)
        self._wrong[id(ssock)] = wrong
        return ssock, addr

    def wrong_cert_for(self, ssock):
        return self._wrong.pop(id(ssock), False)

    def handle_error(self, request, client_address):
        if self.app.verbose:
            super().handle_error(request, client_address)


def tls_context(cert, key):
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.minimum_version = ssl.TLSVersion.TLSv1_2
    ctx.load_cert_chain(cert, key)
    # Resumption: TLS 1.3 tickets (num_tickets) and TLS 1.2 tickets / session cache are
    # per SSLContext, so every connection shares this one.
    ctx.num_tickets = 2
    return ctx

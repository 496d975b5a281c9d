#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""Self-test of the test eIM (tests/peers/eim) and the byte-counting relay
(tests/peers/tcp-meter.py): the server is started in a temporary directory and
driven over real HTTPS by a client written here (http.client + ssl trusting its
ca.pem), by curl and by openssl s_client.  ESipa bodies come from test-vectors.md
section B; signatures are checked with the eIM's public key and with an eUICC key
made here.  Run by `make check`; exit status 0 = all passed."""

import base64
import http.client
import json
import os
import random
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import tempfile
import time
import unittest
import urllib.request

sys.dont_write_bytecode = True
HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "lib"))

import pyder  # noqa: E402
from pyder import tlv, enc_integer, enc_utf8  # noqa: E402

import datetime  # noqa: E402
from cryptography import x509  # noqa: E402
from cryptography.exceptions import InvalidSignature  # noqa: E402
from cryptography.hazmat.primitives import hashes, serialization  # noqa: E402
from cryptography.hazmat.primitives.asymmetric import ec  # noqa: E402
from cryptography.hazmat.primitives.asymmetric.utils import (  # noqa: E402
    decode_dss_signature, encode_dss_signature)
from cryptography.x509.oid import NameOID  # noqa: E402

PYTHON = os.environ.get("PYTHON3") or sys.executable
SERVER = os.path.join(HERE, "eim", "server.py")
EIMCTL = os.path.join(HERE, "eim", "eimctl.py")
METER = os.path.join(HERE, "tcp-meter.py")
ENV = dict(os.environ, PYTHONDONTWRITEBYTECODE="1")

EID = "89049032123451234512345678901235"
ICCID = "89000123456789012358"
ICCID_EF = "98001032547698103285"
TXID = "0102030405060708"

# test-vectors.md section B
GET_EIM_PACKAGE = "BF4F125A10" + EID
GET_EIM_PACKAGE_STATE = "BF4F1C5A10" + EID + "8000810100820362F210"
NO_PACKAGE = "BF4F03020101"
EMPTY_RESPONSE = "BF50023000"
ACK_123 = "BF500CBF5309800101800102800103"
DOWNLOAD_AC = ("BF4F31BF542EA02280203124736D64702E6578616D706C652E636F6D244D41544348494E472D49442D"
               "3182080102030405060708")
IPA_DATA_REQ = "BF4F12BF520F5C0D81BF20BF228384A5A6A8A9A0A2"
IPA_DATA_REQ_SEARCH = "BF521E5C0D81BF20BF228384A5A6A8A9A0A2A10380010383080102030405060708"
PROVIDE_IPA_DATA = ("BF503A5A10" + EID + "BF5225A0238110736D64702E6578616D706C652E636F6D830F6C70"
                    "612E64732E67736D612E636F6D")
PROVIDE_UNKNOWN_PACKAGE = "BF50175A10" + EID + "A003020102"
PROVIDE_DOWNLOAD_ERROR = "BF50245A10" + EID + "BF540F82080102030405060708300380017F"
HANDLE_NOTIFICATION_PROVIDE = "BF3D27" + PROVIDE_DOWNLOAD_ERROR
INIT_AUTH = ("BF395C811000112233445566778899AABBCCDDEEFF8310736D64702E6578616D706C652E636F6DBF2035"
             "8203020300A9160414F54172BDF98A95D65CBEB88A38A1C11D800A85C3AA160414F54172BDF98A95D65C"
             "BEB88A38A1C11D800A85C3")
# test-vectors.md section C: EuiccPackageSigned of the two LoadEuiccPackage vectors (eimId eim1)
VEC_PSMO_SIGNED = ("303A800465696D315A10" + EID + "81010182080102030405060708A013A30E5A0A"
                   + ICCID_EF + "0500BF2D00")
VEC_ECO_SIGNED = ("3043800465696D315A10" + EID + "810102A126A822800465696D32811065696D322E657861"
                  "6D706C652E636F6D82010283010187020780AB00")

TMP = tempfile.mkdtemp(prefix="eim-test-")
SRV = {}
EUICC = {}
_eid_counter = [0]


def h(s):
    return bytes.fromhex(s)


def fresh_eid():
    """A distinct EID per test, so tests do not see each other's queues and results."""
    _eid_counter[0] += 1
    return "8904903212345123451234%010d" % _eid_counter[0]


# ---------------------------------------------------------------- processes

def start_server(directory, *args):
    """Start an eIM; its stderr goes to DIR.stderr (it must stay empty: the eIM reports
    its own bugs there)."""
    err = open(directory + ".stderr", "w")
    p = subprocess.Popen([PYTHON, SERVER, "--dir", directory] + list(args),
                         stdout=subprocess.PIPE, stderr=err, text=True, env=ENV)
    err.close()
    p.stderr_path = directory + ".stderr"
    line = p.stdout.readline().split()
    if len(line) != 4 or line[0] != "ready" or line[2] != "admin":
        p.kill()
        p.wait()
        with open(p.stderr_path) as f:
            raise RuntimeError("eIM did not start: %r %s" % (line, f.read()))
    return p, line[1], line[3]


def stop(p):
    """SIGTERM; returns the exit status, or -1000 when the eIM wrote to stderr."""
    p.send_signal(signal.SIGTERM)
    try:
        rc = p.wait(timeout=10)
    finally:
        if p.poll() is None:
            p.kill()
            p.wait()
        p.stdout.close()
    with open(p.stderr_path) as f:
        err = f.read()
    if err:
        sys.stderr.write("eIM stderr:\n" + err)
        return -1000
    return rc


def setUpModule():
    d = os.path.join(TMP, "eim")
    p, url, admin = start_server(d)
    SRV.update(proc=p, url=url, admin=admin, dir=d, port=int(url.rsplit(":", 1)[1]))
    # An eUICC key and certificate whose subject serialNumber is the EID (SGP.26 shape).
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.SERIAL_NUMBER, EID),
                      x509.NameAttribute(NameOID.COMMON_NAME, "Test eUICC")])
    now = datetime.datetime.utcnow()
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(days=1))
            .not_valid_after(now + datetime.timedelta(days=30))
            .sign(key, hashes.SHA256()))
    EUICC.update(key=key, cert=cert, der=cert.public_bytes(serialization.Encoding.DER),
                 pem=cert.public_bytes(serialization.Encoding.PEM).decode())


def tearDownModule():
    if "proc" in SRV:
        rc = stop(SRV["proc"])
        if rc != 0:
            raise RuntimeError("eIM exit status %d on SIGTERM (-1000: it wrote to stderr)" % rc)
    shutil.rmtree(TMP, ignore_errors=True)


# ---------------------------------------------------------------- clients

def admin(method, path, body=None, base=None):
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request((base or SRV["admin"]) + path, data=data, method=method)
    try:
        with urllib.request.urlopen(req, timeout=20) as r:
            return json.loads(r.read().decode())
    except urllib.error.HTTPError as exc:
        raise AssertionError("admin %s %s: %d %s" % (method, path, exc.code, exc.read()))


def client_context(ca="ca.pem", directory=None):
    ctx = ssl.create_default_context(cafile=os.path.join(directory or SRV["dir"], ca))
    return ctx


def connect(ctx=None, port=None, session=None):
    """An http.client connection over a TLS socket made here (so the session can be
    given and read back)."""
    ctx = ctx or client_context()
    raw = socket.create_connection(("127.0.0.1", port or SRV["port"]), timeout=20)
    raw.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)     # as http.client does
    ssock = ctx.wrap_socket(raw, server_hostname="127.0.0.1", session=session)
    conn = http.client.HTTPSConnection("127.0.0.1", port or SRV["port"], timeout=20)
    conn.sock = ssock
    return conn


ASN1_HEADERS = {"Content-Type": "application/x-gsma-rsp-asn1",
                "X-Admin-Protocol": "gsma/rsp/v2.1.0", "User-Agent": "eim-selftest/1"}
JSON_HEADERS = {"Content-Type": "application/json;charset=UTF-8",
                "X-Admin-Protocol": "gsma/rsp/v2.1.0"}


def post(conn, body, headers=None, path="/gsma/rsp2/asn1"):
    conn.request("POST", path, body=body, headers=headers if headers is not None
                 else ASN1_HEADERS)
    r = conn.getresponse()
    return r.status, r, r.read()


def esipa(body_hex, headers=None):
    conn = connect()
    try:
        return post(conn, h(body_hex) if isinstance(body_hex, str) else body_hex, headers)
    finally:
        conn.close()


def esipa_json(function, obj, headers=None, conn=None):
    """One JSON-binding request, on conn when given (the IPA keeps one connection per
    exchange) or on a connection of its own."""
    own = conn is None
    conn = conn or connect()
    try:
        status, r, body = post(conn, json.dumps(obj).encode(), headers or JSON_HEADERS,
                               "/gsma/rsp2/esipa/" + function)
        return status, r, body
    finally:
        if own:
            conn.close()


def get_package(eid):
    status, r, body = esipa("BF4F125A10" + eid)
    assert status == 200, (status, body)
    return body


def queue(eid, package, **kw):
    return admin("POST", "/admin/queue", dict({"eid": eid, "package": package}, **kw))


# ---------------------------------------------------------------- signatures

def eim_public_key():
    with open(os.path.join(SRV["dir"], "eim-pub.pem"), "rb") as f:
        return serialization.load_pem_public_key(f.read())


def verify_rs(pub, data, sig):
    if len(sig) != 64:
        return False
    der = encode_dss_signature(int.from_bytes(sig[:32], "big"), int.from_bytes(sig[32:], "big"))
    try:
        pub.verify(der, data, ec.ECDSA(hashes.SHA256()))
        return True
    except InvalidSignature:
        return False


def sign_rs(key, data):
    r, s = decode_dss_signature(key.sign(data, ec.ECDSA(hashes.SHA256())))
    return r.to_bytes(32, "big") + s.to_bytes(32, "big")


def epr_signed(eim_id, counter, txid, seq, results, key=None, token=None):
    """BF51 euiccPackageResultSigned as an eUICC makes it (flows.md 8)."""
    parts = [enc_utf8(eim_id, tag=0x80), enc_integer(counter, tag=0x81)]
    if txid is not None:
        parts.append(tlv(0x82, h(txid)))
    data = tlv(0x30, parts + [enc_integer(seq, tag=0x83), tlv(0x30, results)])
    extra = enc_integer(token, tag=0x84) if token is not None else b""
    sig = sign_rs(key or EUICC["key"], data + extra)
    return tlv(0xBF51, tlv(0xA0, [data, tlv(0x5F37, sig)]))


def epe_signed(eim_id, counter, txid, code):
    data = tlv(0x30, [enc_utf8(eim_id, tag=0x80), enc_integer(counter, tag=0x81),
                      tlv(0x82, h(txid)), enc_integer(code)])
    return tlv(0xBF51, tlv(0xA1, [data, tlv(0x5F37, sign_rs(EUICC["key"], data))]))


def other_signed_notification(seq, op_bit, key=None):
    meta = tlv(0xBF2F, [enc_integer(seq, tag=0x80), pyder.enc_named_bits([op_bit], tag=0x81),
                        enc_utf8("127.0.0.1"), tlv(0x5A, h(ICCID_EF))])
    sig = sign_rs(key or EUICC["key"], meta)
    return tlv(0x30, [meta, tlv(0x5F37, sig), EUICC["der"], EUICC["der"]])


def compact_other_signed_notification(seq, op_bit, eid=None, key=None):
    """CompactOtherSignedNotification (minimizeEsipaBytes): [eidValue], the metadata, its signature."""
    meta = tlv(0xBF2F, [enc_integer(seq, tag=0x80), pyder.enc_named_bits([op_bit], tag=0x81),
                        enc_utf8("127.0.0.1"), tlv(0x5A, h(ICCID_EF))])
    sig = sign_rs(key or EUICC["key"], meta)
    return tlv(0xA1, ([tlv(0x5A, h(eid))] if eid else []) + [meta, tlv(0x5F37, sig)])


def provide(eid, alternative):
    return tlv(0xBF50, [tlv(0x5A, h(eid)), alternative])


def codec_ack(seqs):
    """ProvideEimPackageResultResponse.eimAcknowledgements as hex (test-vectors.md B shape)."""
    return tlv(0xBF50, tlv(0xBF53, [enc_integer(x, tag=0x80) for x in seqs])).hex().upper()


def decode_package(body):
    """GetEimPackageResponse with a BF51 -> (EuiccPackageSigned TLV, signature)."""
    outer = pyder.decode(body, expect=0xBF4F)
    bf51 = outer.req(0xBF51)
    signed = bf51.req(0x30)
    return signed, bf51.req(0x5F37).value


# ================================================================ tests

class Bindings(unittest.TestCase):
    def test_idle_answer_is_no_package_available(self):
        status, r, body = esipa(GET_EIM_PACKAGE)
        self.assertEqual(status, 200)
        self.assertEqual(body.hex().upper(), NO_PACKAGE)
        self.assertEqual(r.getheader("Content-Type"), "application/x-gsma-rsp-asn1")
        self.assertEqual(r.getheader("X-Admin-Protocol"), "gsma/rsp/v2.1.0")

    def test_state_change_poll_is_recorded(self):
        status, _, body = esipa(GET_EIM_PACKAGE_STATE)
        self.assertEqual((status, body.hex().upper()), (200, NO_PACKAGE))
        polls = [p for p in admin("GET", "/admin/polls?eid=" + EID) if p["notifyStateChange"]]
        self.assertTrue(polls, "GetEimPackage with notifyStateChange not recorded")
        self.assertEqual(polls[-1]["stateChangeCause"], 0)
        self.assertEqual(polls[-1]["stateChangeCauseName"], "otherEim")
        self.assertEqual(polls[-1]["rPLMN"], "62F210")
        self.assertEqual(polls[-1]["plmn"], "262-01")

    def test_missing_and_short_eid(self):
        self.assertEqual(esipa("BF4F00")[2].hex().upper(), "BF4F03020104")       # missingEid
        self.assertEqual(esipa("BF4F045A020102")[2].hex().upper(), "BF4F03020103")  # invalidEid

    def test_header_and_body_checks(self):
        no_proto = {"Content-Type": "application/x-gsma-rsp-asn1"}
        status, r, body = esipa(GET_EIM_PACKAGE, no_proto)
        self.assertEqual(status, 400)
        self.assertIn("X-Admin-Protocol", body.decode())
        self.assertTrue(r.getheader("Content-Type").startswith("text/plain"))
        status, _, body = esipa(GET_EIM_PACKAGE, dict(ASN1_HEADERS, **{
            "Content-Type": "application/octet-stream"}))
        self.assertEqual(status, 400)
        self.assertIn("Content-Type", body.decode())
        status, _, body = esipa("BF4F12FF")
        self.assertEqual(status, 400)
        self.assertIn("DER", body.decode())
        status, _, body = esipa("BF5F00")
        self.assertEqual(status, 400)
        self.assertIn("BF5F", body.decode())
        status, _, body = esipa("BF50035A0101")
        self.assertEqual(status, 400)
        self.assertIn("eidValue", body.decode())
        conn = connect()
        conn.request("POST", "/elsewhere", body=b"", headers=ASN1_HEADERS)
        self.assertEqual(conn.getresponse().status, 404)
        conn.close()

    def test_indirect_download_functions_answer_undefined_error(self):
        status, _, body = esipa(INIT_AUTH)
        self.assertEqual((status, body.hex().upper()), (200, "BF390381017F"))
        status, _, body = esipa("BF411780100102030405060708090A0B0C0D0E0F10A103810105")
        self.assertEqual((status, body.hex().upper()), (200, "BF4102A000"))

    def test_json_binding(self):
        eid = fresh_eid()
        status, r, body = esipa_json("getEimPackage", {"eidValue": eid})
        self.assertEqual(status, 200)
        self.assertTrue(r.getheader("Content-Type").startswith("application/json"))
        out = json.loads(body)
        self.assertEqual(out["header"]["functionExecutionStatus"]["status"], "Executed-Success")
        self.assertEqual(out["eimPackageError"], 1)
        q = queue(eid, {"psmo": [{"getRAT": {}}]})
        exchange = connect()
        self.addCleanup(exchange.close)
        status, _, body = esipa_json("getEimPackage", {
            "eidValue": eid, "notifyStateChange": True, "stateChangeCause": 4,
            "rPlmn": base64.b64encode(h("62F210")).decode()}, conn=exchange)
        out = json.loads(body)
        bf51 = pyder.decode(base64.b64decode(out["euiccPackageRequest"]), expect=0xBF51)
        signed = bf51.req(0x30)
        self.assertEqual(signed.req(0x82).value.hex().upper(), q["transaction_id"])
        self.assertTrue(verify_rs(eim_public_key(), signed.raw, bf51.req(0x5F37).value))
        poll = admin("GET", "/admin/polls?eid=" + eid)[-1]
        self.assertEqual((poll["binding"], poll["stateChangeCauseName"], poll["plmn"]),
                         ("json", "reset", "262-01"))
        # Missing / malformed eidValue: Failed with the EID subject code.
        out = json.loads(esipa_json("getEimPackage", {})[2])
        scd = out["header"]["functionExecutionStatus"]["statusCodeData"]
        self.assertEqual((out["header"]["functionExecutionStatus"]["status"],
                          scd["subjectCode"], scd["reasonCode"]), ("Failed", "8.1.1", "2.2"))
        out = json.loads(esipa_json("getEimPackage", {"eidValue": "89"})[2])
        self.assertEqual(out["header"]["functionExecutionStatus"]["statusCodeData"]
                         ["reasonCode"], "2.1")
        # ProvideEimPackageResult: the eimPackageResult alternative, acknowledged.
        admin("POST", "/admin/euicc", {"eid": eid, "euicc_cert_pem": EUICC["pem"]})
        res = epr_signed("eim-test", q["counter"], q["transaction_id"], 41,
                         [tlv(0xA6, b"")])
        status, _, body = esipa_json("provideEimPackageResult", {
            "eidValue": eid, "eimPackageResult": base64.b64encode(res).decode()}, conn=exchange)
        out = json.loads(body)
        self.assertEqual(base64.b64decode(out["eimAcknowledgements"]).hex().upper(),
                         "BF5303800129")
        # HandleNotification: 204, recorded for the EID that polled on this connection.
        n = other_signed_notification(42, 1)
        status, _, body = esipa_json("handleNotification", {
            "pendingNotification": base64.b64encode(n).decode()}, conn=exchange)
        self.assertEqual((status, body), (204, b""))
        results = admin("GET", "/admin/results?eid=" + eid)
        self.assertEqual([r["kind"] for r in results], ["euiccPackageResult",
                                                        "pendingNotification"])
        self.assertEqual(results[0]["results"][0]["name"], "getRATResult")
        self.assertTrue(results[0]["signature_valid"])
        self.assertEqual(results[1]["notification"]["operation"], "enable")
        self.assertTrue(results[1]["signature_valid"])
        # Protocol checks as in the ASN.1 binding.
        self.assertEqual(esipa_json("getEimPackage", {"eidValue": eid}, {
            "Content-Type": "application/json"})[0], 400)
        self.assertEqual(esipa_json("noSuchFunction", {})[0], 404)
        conn = connect()
        status, _, body = post(conn, b"{not json", JSON_HEADERS, "/gsma/rsp2/esipa/getEimPackage")
        conn.close()
        self.assertEqual(status, 400)
        self.assertIn("JSON", body.decode())


class Packages(unittest.TestCase):
    def test_psmo_signed_counter_increments(self):
        eid = fresh_eid()
        admin("POST", "/admin/euicc", {"eid": eid, "counter": 5, "association_token": None})
        q1 = queue(eid, {"psmo": [{"enable": {"iccid": ICCID, "rollback": True}},
                                  {"listProfileInfo": {}}]})
        q2 = queue(eid, {"psmo": [{"disable": {"iccid": ICCID}}]})
        self.assertEqual((q1["counter"], q2["counter"]), (6, 7))
        pub = eim_public_key()
        for q in (q1, q2):
            signed, sig = decode_package(get_package(eid))
            self.assertTrue(verify_rs(pub, signed.raw, sig), "eIM signature does not verify")
            self.assertEqual(signed.req(0x80).str(), "eim-test")
            self.assertEqual(signed.req(0x5A).value.hex().upper(), eid)
            self.assertEqual(signed.req(0x81).int(), q["counter"])
            self.assertEqual(signed.req(0x82).value.hex().upper(), q["transaction_id"])
            self.assertEqual(len(signed.req(0x82).value), 8)
        self.assertEqual(get_package(eid).hex().upper(), NO_PACKAGE)

    def test_association_token_is_signed_over(self):
        eid = fresh_eid()
        admin("POST", "/admin/euicc", {"eid": eid, "counter": 0, "association_token": 3})
        queue(eid, {"psmo": [{"getRAT": {}}]})
        signed, sig = decode_package(get_package(eid))
        pub = eim_public_key()
        self.assertTrue(verify_rs(pub, signed.raw + h("840103"), sig))
        self.assertFalse(verify_rs(pub, signed.raw, sig))

    def test_encodings_match_reference_vectors(self):
        d = os.path.join(TMP, "eim1")
        p, url, adm = start_server(d, "--eim-id", "eim1", "--binding", "asn1")
        try:
            def q(package, txid):
                return admin("POST", "/admin/queue", {"eid": EID, "package": package,
                                                      "transaction_id": txid}, base=adm)
            a = q({"psmo": [{"enable": {"iccid": ICCID, "rollback": True}},
                            {"listProfileInfo": {}}]}, TXID)
            b = q({"eco": [{"addEim": {"eimId": "eim2", "eimFqdn": "eim2.example.com",
                                       "eimIdType": "fqdn", "counterValue": 1,
                                       "eimSupportedProtocol": ["retrieveHttps"]}},
                           {"listEim": {}}]}, "")
            c = q({"download": {"activationCode": "1$smdp.example.com$MATCHING-ID-1"}}, TXID)
            d1 = q({"ipaEuiccData": {"tags": "81BF20BF228384A5A6A8A9A0A2"}}, "")
            d2 = q({"ipaEuiccData": {"tags": "81BF20BF228384A5A6A8A9A0A2",
                                     "notificationSeq": 3}}, TXID)
            self.assertEqual((a["counter"], b["counter"], b["transaction_id"]), (1, 2, None))
            with open(os.path.join(d, "eim-pub.pem"), "rb") as f:
                pub = serialization.load_pem_public_key(f.read())
            for item, vec in ((a, VEC_PSMO_SIGNED), (b, VEC_ECO_SIGNED)):
                signed, sig = decode_package(h(item["der"]))
                self.assertEqual(signed.raw.hex().upper(), vec)
                self.assertTrue(verify_rs(pub, signed.raw, sig))
            self.assertEqual(c["der"], DOWNLOAD_AC)
            self.assertEqual(d1["der"], IPA_DATA_REQ)
            self.assertEqual(pyder.decode(h(d2["der"])).req(0xBF52).raw.hex().upper(),
                             IPA_DATA_REQ_SEARCH)
            # --binding asn1: the JSON paths are not served.
            ctx = client_context(directory=d)
            conn = connect(ctx, port=int(url.rsplit(":", 1)[1]))
            status = post(conn, b"{}", JSON_HEADERS, "/gsma/rsp2/esipa/getEimPackage")[0]
            conn.close()
            self.assertEqual(status, 404)
            with open(os.path.join(d, "eim.json")) as f:
                info = json.load(f)
            self.assertEqual((info["eim_id"], info["url"], info["admin_url"]), ("eim1", url, adm))
        finally:
            self.assertEqual(stop(p), 0, "eIM did not exit 0 on SIGTERM")
        # A restart in the same directory keeps the key material.
        with open(os.path.join(d, "ca.pem")) as f:
            ca_before = f.read()
        p, url, adm = start_server(d, "--eim-id", "eim1")
        try:
            with open(os.path.join(d, "ca.pem")) as f:
                self.assertEqual(f.read(), ca_before)
        finally:
            self.assertEqual(stop(p), 0)

    def test_every_psmo_and_eco(self):
        eid = fresh_eid()
        psmos = [
            ({"enable": {"iccid": ICCID}}, "A30C5A0A" + ICCID_EF),
            ({"disable": {"iccid": ICCID}}, "A40C5A0A" + ICCID_EF),
            ({"delete": {"iccid": ICCID}}, "A50C5A0A" + ICCID_EF),
            ({"listProfileInfo": {"iccid": ICCID, "tags": "5A9F70"}},
             "BF2D13A00C5A0A" + ICCID_EF + "5C035A9F70"),
            ({"listProfileInfo": {"profileClass": "operational"}}, "BF2D05A003950102"),
            ({"getRAT": {}}, "A600"),
            ({"configureImmediateEnable": {"immediateEnable": True,
                                           "defaultSmdpAddress": "smdp.example.com"}},
             "A71480008210736D64702E6578616D706C652E636F6D"),
            ({"setFallbackAttribute": {"iccid": ICCID}}, "A80C5A0A" + ICCID_EF),
            ({"unsetFallbackAttribute": {}}, "A900"),
            ({"setDefaultDpAddress": {"address": "smdp.example.com"}},
             "BF65128010736D64702E6578616D706C652E636F6D"),
        ]
        queue(eid, {"psmo": [p for p, _ in psmos]})
        signed, _ = decode_package(get_package(eid))
        got = [k.raw.hex().upper() for k in signed.req(0xA0).children()]
        self.assertEqual(got, [v for _, v in psmos])
        ecos = [
            ({"addEim": {"eimId": "eim9", "eimPublicKey": "own", "associationToken": True}},
             None),
            ({"deleteEim": {"eimId": "eim9"}}, "A906800465696D39"),
            ({"updateEim": {"eimId": "eim9", "eimFqdn": "a.b"}}, "AA0B800465696D398103612E62"),
            ({"listEim": {}}, "AB00"),
        ]
        queue(eid, {"eco": [e for e, _ in ecos]})
        signed, _ = decode_package(get_package(eid))
        kids = signed.req(0xA1).children()
        self.assertEqual([k.raw.hex().upper() for k in kids[1:]], [v for _, v in ecos[1:]])
        add = kids[0]
        self.assertEqual(add.tag, 0xA8)
        self.assertEqual(add.req(0x84).int(), 0)
        spki = add.req(0xA5).req(0xA0)
        with open(os.path.join(SRV["dir"], "eim-pub.pem"), "rb") as f:
            want = serialization.load_pem_public_key(f.read()).public_bytes(
                serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
        self.assertEqual(tlv(0x30, spki.value), want)
        # Admin input that is not a package names what was wrong.
        req = urllib.request.Request(SRV["admin"] + "/admin/queue", method="POST",
                                     data=json.dumps({"eid": eid, "package": {
                                         "psmo": [{"enable": {}}]}}).encode())
        with self.assertRaises(urllib.error.HTTPError) as cm:
            urllib.request.urlopen(req, timeout=10)
        self.assertEqual(cm.exception.code, 400)
        self.assertIn("iccid", json.loads(cm.exception.read())["error"])

    def test_broken_packages(self):
        eid = fresh_eid()
        admin("POST", "/admin/euicc", {"eid": eid, "counter": 10})
        pub = eim_public_key()
        good = queue(eid, {"psmo": [{"getRAT": {}}]})
        bad_sig = queue(eid, {"psmo": [{"getRAT": {}}]}, **{"break": "signature"})
        stale = queue(eid, {"psmo": [{"getRAT": {}}]}, **{"break": "counter"})
        wrong_eid = queue(eid, {"psmo": [{"getRAT": {}}]}, **{"break": "eid"})
        wrong_eim = queue(eid, {"psmo": [{"getRAT": {}}]}, **{"break": "eimid"})
        self.assertEqual((good["counter"], bad_sig["counter"], stale["counter"]), (11, 12, 12))
        signed, sig = decode_package(get_package(eid))
        self.assertTrue(verify_rs(pub, signed.raw, sig))
        signed, sig = decode_package(get_package(eid))
        self.assertFalse(verify_rs(pub, signed.raw, sig))
        signed, sig = decode_package(get_package(eid))
        self.assertEqual(signed.req(0x81).int(), 12)
        self.assertTrue(verify_rs(pub, signed.raw, sig))
        signed, sig = decode_package(get_package(eid))
        self.assertNotEqual(signed.req(0x5A).value.hex().upper(), eid)
        self.assertTrue(verify_rs(pub, signed.raw, sig))
        signed, sig = decode_package(get_package(eid))
        self.assertEqual(signed.req(0x80).str(), "eim-test-unknown")
        self.assertEqual(wrong_eid["counter"], 13)
        self.assertEqual(wrong_eim["counter"], 14)
        # Raw bytes go out unchanged; the broken kinds are what they claim to be.
        queue(eid, {"raw": "BF4F0302017F"})
        self.assertEqual(get_package(eid).hex().upper(), "BF4F0302017F")
        queue(eid, {"broken": "garbage"})
        with self.assertRaises(pyder.DerError):
            pyder.decode(get_package(eid))
        queue(eid, {"broken": "truncated"})
        outer = pyder.decode(get_package(eid), expect=0xBF4F)
        self.assertEqual(outer.value[:2], b"\xbf\x51")
        with self.assertRaises(pyder.DerError):
            outer.children()
        queue(eid, {"broken": "unknown-alternative"})
        outer = pyder.decode(get_package(eid), expect=0xBF4F)
        self.assertEqual([k.tag for k in outer.children()], [0xBF7F])


class Results(unittest.TestCase):
    def test_signed_result_acknowledged_and_duplicate(self):
        eid = fresh_eid()
        admin("POST", "/admin/euicc", {"eid": eid, "counter": 0, "euicc_cert_pem": EUICC["pem"]})
        q = queue(eid, {"psmo": [{"enable": {"iccid": ICCID}}, {"listProfileInfo": {}}]})
        get_package(eid)
        res = epr_signed("eim-test", q["counter"], q["transaction_id"], 7,
                         [enc_integer(0, tag=0x83),
                          tlv(0xBF2D, tlv(0xA0, tlv(0xE3, [tlv(0x5A, h(ICCID_EF)),
                                                           enc_integer(1, tag=0x9F70)])))])
        status, _, body = esipa(provide(eid, res))
        self.assertEqual((status, body.hex().upper()), (200, "BF5006BF5303800107"))
        status, _, body = esipa(provide(eid, res))
        self.assertEqual(body.hex().upper(), "BF5006BF5303800107")   # acknowledged again
        results = admin("GET", "/admin/results?eid=" + eid)
        self.assertEqual(len(results), 2)
        first, second = results
        self.assertEqual((first["kind"], first["seqNumber"], first["eimTransactionId"]),
                         ("euiccPackageResult", 7, q["transaction_id"]))
        self.assertTrue(first["signature_valid"])
        self.assertTrue(first["known_transaction"])
        self.assertEqual((first["duplicate"], second["duplicate"]), (False, True))
        self.assertEqual([(r["name"], r["code_name"]) for r in first["results"]],
                         [("enableResult", "ok"), ("listProfileInfoResult", "ok")])
        self.assertEqual(first["results"][1]["profiles"],
                         [{"iccid": ICCID, "profileState": "enabled"}])
        self.assertEqual(first["raw"], provide(eid, res).hex().upper())

    def test_unsigned_result_only_from_consumer_euicc(self):
        def unsigned(seq):
            data = tlv(0x30, [enc_utf8("eim-test", tag=0x80), enc_integer(1, tag=0x81), tlv(0x82, h(TXID)),
                              enc_integer(seq, tag=0x83), tlv(0x30, [enc_integer(0, tag=0x83)])])
            return tlv(0xBF51, tlv(0xA0, [data, tlv(0x5F37, b"")]))

        # An SGP.32 eUICC's result must be signed: an empty signature is invalid, not acknowledged.
        eid = fresh_eid()
        admin("POST", "/admin/euicc", {"eid": eid, "counter": 0, "euicc_cert_pem": EUICC["pem"]})
        self.assertEqual(esipa(provide(eid, unsigned(4)))[2].hex().upper(), EMPTY_RESPONSE)
        self.assertIs(admin("GET", "/admin/results?eid=" + eid)[-1]["signature_valid"], False)
        # A consumer eUICC's IPA cannot sign for it (docs/sgp22.md): taken unsigned and acknowledged.
        eid = fresh_eid()
        admin("POST", "/admin/euicc", {"eid": eid, "counter": 0, "euicc_cert_pem": EUICC["pem"],
                                       "consumer": True})
        self.assertEqual(esipa(provide(eid, unsigned(5)))[2].hex().upper(), "BF5006BF5303800105")
        self.assertIsNone(admin("GET", "/admin/results?eid=" + eid)[-1]["signature_valid"])

    def test_bad_signature_and_token(self):
        eid = fresh_eid()
        admin("POST", "/admin/euicc", {"eid": eid, "counter": 0, "euicc_cert_pem": EUICC["pem"],
                                       "association_token": 9})
        other = ec.generate_private_key(ec.SECP256R1())
        res = epr_signed("eim-test", 1, TXID, 8, [enc_integer(0, tag=0x84)], key=other, token=9)
        self.assertEqual(esipa(provide(eid, res))[2].hex().upper(), EMPTY_RESPONSE)
        res = epr_signed("eim-test", 1, TXID, 9, [enc_integer(0, tag=0x84)])   # token missing
        self.assertEqual(esipa(provide(eid, res))[2].hex().upper(), EMPTY_RESPONSE)
        res = epr_signed("eim-test", 1, TXID, 10, [enc_integer(0, tag=0x84)], token=9)
        self.assertEqual(esipa(provide(eid, res))[2].hex().upper(), "BF5006BF530380010A")
        self.assertEqual([r["signature_valid"] for r in admin("GET", "/admin/results?eid=" + eid)],
                         [False, False, True])
        # euiccPackageErrorSigned: verified, no seqNumber to acknowledge.
        res = epe_signed("eim-test", 2, TXID, 6)
        self.assertEqual(esipa(provide(eid, res))[2].hex().upper(), EMPTY_RESPONSE)
        last = admin("GET", "/admin/results?eid=" + eid)[-1]
        self.assertEqual((last["package_result"]["errorName"], last["signature_valid"]),
                         ("counterValueOutOfRange", False))   # token not appended: invalid

    def test_epr_and_notifications(self):
        eid = fresh_eid()
        admin("POST", "/admin/euicc", {"eid": eid, "euicc_cert_pem": EUICC["pem"]})
        res = epr_signed("eim-test", 1, TXID, 20, [enc_integer(0, tag=0x83)])
        alt = tlv(0x30, [res, tlv(0xA0, [other_signed_notification(21, 2),
                                         other_signed_notification(22, 3)])])
        status, _, body = esipa(provide(eid, alt))
        self.assertEqual(body.hex().upper(), "BF500CBF5309800114800115800116")
        entry = admin("GET", "/admin/results?eid=" + eid)[-1]
        self.assertEqual(entry["kind"], "ePRAndNotifications")
        self.assertEqual([(n["seqNumber"], n["operation"], n["signature_valid"])
                          for n in entry["notifications"]],
                         [(21, "disable", True), (22, "delete", True)])
        self.assertEqual(entry["acknowledged"], [20, 21, 22])

    def test_compact_notifications(self):
        """minimizeEsipaBytes: no certificates; the one the eIM holds checks the signature; the EID of a
        HandleNotification comes from eidValue."""
        eid = fresh_eid()
        admin("POST", "/admin/euicc", {"eid": eid, "euicc_cert_pem": EUICC["pem"]})
        status, _, body = esipa(tlv(0xBF3D, tlv(0xA0, compact_other_signed_notification(40, 2, eid))))
        self.assertEqual((status, body), (204, b""))
        entry = admin("GET", "/admin/results?eid=" + eid)[-1]
        self.assertEqual((entry["notification"]["type"], entry["seqNumber"], entry["signature_valid"]),
                         ("compactOtherSignedNotification", 40, True))
        other = ec.generate_private_key(ec.SECP256R1())
        res = epr_signed("eim-test", 1, TXID, 41, [enc_integer(0, tag=0x83)])
        alt = tlv(0x30, [res, tlv(0xA0, [compact_other_signed_notification(42, 2),
                                         compact_other_signed_notification(43, 3, key=other)])])
        status, _, body = esipa(provide(eid, alt))
        self.assertEqual(body.hex().upper(), codec_ack([41, 42]))   # the forged one is not acknowledged
        entry = admin("GET", "/admin/results?eid=" + eid)[-1]
        self.assertEqual([(n["seqNumber"], n["signature_valid"]) for n in entry["notifications"]],
                         [(42, True), (43, False)])
        # Members out of order, or an EID of the wrong size: refused.
        meta = [k.raw for k in pyder.decode(compact_other_signed_notification(44, 2)).children()]
        for bad in (tlv(0xA1, [meta[1], meta[0]]), tlv(0xA1, [tlv(0x5A, b"\x89" * 8)] + meta)):
            status, _, body = esipa(tlv(0xBF3D, tlv(0xA0, bad)))
            self.assertEqual(status, 400, body)

    def test_reference_results_and_notifications(self):
        status, _, body = esipa(PROVIDE_IPA_DATA)
        self.assertEqual(body.hex().upper(), EMPTY_RESPONSE)
        status, _, body = esipa(PROVIDE_UNKNOWN_PACKAGE)
        self.assertEqual(body.hex().upper(), EMPTY_RESPONSE)
        status, _, body = esipa(PROVIDE_DOWNLOAD_ERROR)
        self.assertEqual(body.hex().upper(), EMPTY_RESPONSE)
        status, r, body = esipa(HANDLE_NOTIFICATION_PROVIDE)
        self.assertEqual((status, body), (204, b""))
        entries = admin("GET", "/admin/results?eid=" + EID)[-4:]
        self.assertEqual([e["kind"] for e in entries],
                         ["ipaEuiccDataResponse", "eimPackageResultResponseError",
                          "profileDownloadTriggerResult", "profileDownloadTriggerResult"])
        self.assertEqual(entries[0]["ipaEuiccData"], {"defaultSmdpAddress": "smdp.example.com",
                                                      "rootSmdsAddress": "lpa.ds.gsma.com"})
        self.assertEqual(entries[1]["error"]["code_name"], "unknownPackage")
        self.assertEqual(entries[2]["download"]["code_name"], "undefinedError")
        self.assertEqual(entries[2]["eimTransactionId"], TXID)
        self.assertEqual((entries[3]["function"], entries[3]["duplicate"]),
                         ("handleNotification", True))

    def test_certificate_learned_from_ipa_euicc_data(self):
        eid = fresh_eid()
        data = tlv(0xA0, [tlv(0xA6, pyder.decode(EUICC["der"]).value), enc_integer(5, tag=0x84),
                          tlv(0x87, h(TXID))])
        esipa(provide(eid, tlv(0xBF52, data)))
        entry = admin("GET", "/admin/results?eid=" + eid)[-1]
        self.assertEqual(entry["ipaEuiccData"]["euiccCertificate"], EUICC["der"].hex().upper())
        self.assertEqual(entry["eimTransactionId"], TXID)
        res = epr_signed("eim-test", 1, None, 30, [enc_integer(0, tag=0x83)], token=5)
        self.assertEqual(esipa(provide(eid, res))[2].hex().upper(), "BF5006BF530380011E")
        self.assertTrue(admin("GET", "/admin/results?eid=" + eid)[-1]["signature_valid"])

    def test_pending_notification_and_result_without_eid(self):
        n = other_signed_notification(50, 0)
        status, _, body = esipa(tlv(0xBF3D, tlv(0xA0, n)))
        self.assertEqual((status, body), (204, b""))
        # The EID comes from the eUICC certificate's serialNumber.
        entry = admin("GET", "/admin/results?eid=" + EID)[-1]
        self.assertEqual((entry["kind"], entry["seqNumber"], entry["signature_valid"]),
                         ("pendingNotification", 50, True))
        self.assertEqual(entry["notification"]["iccid"], ICCID)
        # ProvideEimPackageResult without eidValue on the connection that polled.
        eid = fresh_eid()
        conn = connect()
        post(conn, h("BF4F125A10" + eid))
        alt = tlv(0xA0, [tlv(0x80, h(TXID)), enc_integer(1)])
        status, _, body = post(conn, tlv(0xBF50, alt))
        conn.close()
        self.assertEqual(body.hex().upper(), EMPTY_RESPONSE)
        entry = admin("GET", "/admin/results?eid=" + eid)[-1]
        self.assertEqual((entry["eid_in_message"], entry["error"]["code_name"]),
                         (False, "invalidPackageFormat"))
        # ... and on a fresh connection nobody knows the EID: missingEid.
        self.assertEqual(esipa(tlv(0xBF50, alt))[2].hex().upper(), "BF5003020104")


class Faults(unittest.TestCase):
    def tearDown(self):
        admin("POST", "/admin/faults", {"faults": []})

    def faults(self, *fs):
        admin("POST", "/admin/faults", {"faults": list(fs)})

    def test_http_status_with_retry_after(self):
        self.faults({"kind": "http-status", "status": 503, "retry_after": 2, "count": 1})
        status, r, body = esipa(GET_EIM_PACKAGE)
        self.assertEqual((status, r.getheader("Retry-After")), (503, "2"))
        self.assertEqual(esipa(GET_EIM_PACKAGE)[0], 200)

    def test_delay(self):
        self.faults({"kind": "delay", "ms": 700})
        t0 = time.monotonic()
        status, _, body = esipa(GET_EIM_PACKAGE)
        self.assertGreaterEqual(time.monotonic() - t0, 0.7)
        self.assertEqual(body.hex().upper(), NO_PACKAGE)

    def test_drop_does_not_consume_the_package(self):
        eid = fresh_eid()
        q = queue(eid, {"psmo": [{"getRAT": {}}]})
        self.faults({"kind": "drop"})
        conn = connect()
        with self.assertRaises((http.client.RemoteDisconnected, ConnectionError, ssl.SSLError)):
            post(conn, h("BF4F125A10" + eid))
        conn.close()
        signed, _ = decode_package(get_package(eid))
        self.assertEqual(signed.req(0x82).value.hex().upper(), q["transaction_id"])

    def test_truncate(self):
        self.faults({"kind": "truncate"})
        conn = connect()
        conn.request("POST", "/gsma/rsp2/asn1", body=h(GET_EIM_PACKAGE), headers=ASN1_HEADERS)
        r = conn.getresponse()
        self.assertEqual(r.getheader("Content-Length"), "6")
        with self.assertRaises(http.client.IncompleteRead):
            r.read()
        conn.close()

    def test_garbage_and_content_type(self):
        self.faults({"kind": "garbage", "function": "getEimPackage"})
        status, _, body = esipa(GET_EIM_PACKAGE)
        self.assertEqual(status, 200)
        with self.assertRaises(pyder.DerError):
            pyder.decode(body)
        self.faults({"kind": "content-type", "value": "text/html"})
        status, r, body = esipa(GET_EIM_PACKAGE)
        self.assertEqual((r.getheader("Content-Type"), body.hex().upper()),
                         ("text/html", NO_PACKAGE))

    def test_function_filter_package_error_and_no_ack(self):
        eid = fresh_eid()
        admin("POST", "/admin/euicc", {"eid": eid, "euicc_cert_pem": EUICC["pem"]})
        self.faults({"kind": "http-status", "status": 500, "function": "provideEimPackageResult"},
                    {"kind": "package-error", "code": 2, "function": "getEimPackage"})
        self.assertEqual(get_package(eid).hex().upper(), "BF4F03020102")
        self.assertEqual(get_package(eid).hex().upper(), NO_PACKAGE)
        res = epr_signed("eim-test", 1, TXID, 3, [enc_integer(0, tag=0x83)])
        self.assertEqual(esipa(provide(eid, res))[0], 500)
        self.assertEqual(admin("GET", "/admin/results?eid=" + eid), [])
        self.faults({"kind": "no-ack"})
        self.assertEqual(esipa(provide(eid, res))[2].hex().upper(), EMPTY_RESPONSE)
        self.assertEqual(esipa(provide(eid, res))[2].hex().upper(), "BF5006BF5303800103")
        # ack-extra: seqNumbers the result did not carry are acknowledged too, once.
        self.faults({"kind": "ack-extra", "seq": [9, 3, 11]})
        self.assertEqual(esipa(provide(eid, res))[2].hex().upper(), "BF500CBF530980010380010980010B")
        self.assertEqual(esipa(provide(eid, res))[2].hex().upper(), "BF5006BF5303800103")
        log = admin("GET", "/admin/log")
        self.assertIn("package-error", [e["fault"] for e in log])

    def test_wrong_certificate_until_cleared(self):
        self.faults({"kind": "wrong-cert"})
        for _ in range(2):
            with self.assertRaises(ssl.SSLCertVerificationError):
                connect()
        conn = connect(client_context("wrong-ca.pem"))
        self.assertEqual(post(conn, h(GET_EIM_PACKAGE))[2].hex().upper(), NO_PACKAGE)
        conn.close()
        self.faults()
        self.assertEqual(esipa(GET_EIM_PACKAGE)[2].hex().upper(), NO_PACKAGE)
        stats = admin("GET", "/admin/stats")
        self.assertGreaterEqual(stats["handshake_failures"], 2)


class Connections(unittest.TestCase):
    def test_keep_alive_two_requests_on_one_connection(self):
        before = admin("GET", "/admin/stats")["connections"]
        conn = connect()
        for _ in range(2):
            self.assertEqual(post(conn, h(GET_EIM_PACKAGE))[2].hex().upper(), NO_PACKAGE)
        conn.close()
        stats = admin("GET", "/admin/stats")
        self.assertEqual(stats["connections"], before + 1)
        last = stats["per_connection"][-1]
        self.assertEqual(last["requests"], 2)
        self.assertEqual(last["body_in"], 2 * 21)
        self.assertEqual(last["body_out"], 2 * 6)
        self.assertGreater(last["http_in"], last["body_in"])

    def test_session_resumption(self):
        ctx = client_context()
        conn = connect(ctx)
        post(conn, h(GET_EIM_PACKAGE))           # reading an answer also reads the tickets
        session = conn.sock.session
        conn.close()
        before = admin("GET", "/admin/stats")["handshakes_resumed"]
        conn = connect(ctx, session=session)
        self.assertTrue(conn.sock.session_reused)
        post(conn, h(GET_EIM_PACKAGE))
        conn.close()
        stats = admin("GET", "/admin/stats")
        self.assertEqual(stats["handshakes_resumed"], before + 1)
        self.assertEqual(stats["per_connection"][-1]["tls"], "resumed")

    @unittest.skipUnless(shutil.which("curl"), "curl not installed")
    def test_curl(self):
        body = os.path.join(TMP, "get.der")
        with open(body, "wb") as f:
            f.write(h(GET_EIM_PACKAGE))
        out = os.path.join(TMP, "curl-out")
        url = SRV["url"] + "/gsma/rsp2/asn1"
        r = subprocess.run(["curl", "-sS", "--cacert", os.path.join(SRV["dir"], "ca.pem"),
                            "--data-binary", "@" + body,
                            "-H", "Content-Type: application/x-gsma-rsp-asn1",
                            "-H", "X-Admin-Protocol: gsma/rsp/v2.1.0",
                            url, "-o", out + "1", url, "-o", out + "2",
                            "-w", "%{http_code} %{num_connects}\\n"],
                           capture_output=True, text=True, timeout=60)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(r.stdout.split("\n")[:2], ["200 1", "200 0"])   # one connection
        for i in "12":
            with open(out + i, "rb") as f:
                self.assertEqual(f.read().hex().upper(), NO_PACKAGE)
        r = subprocess.run(["curl", "-sS", "--cacert", os.path.join(SRV["dir"], "ca.pem"),
                            "--data-binary", "@" + body, "-H", "Content-Type: text/plain",
                            url, "-w", "\\n%{http_code}"], capture_output=True, text=True,
                           timeout=60)
        self.assertTrue(r.stdout.endswith("\n400"), r.stdout)

    @unittest.skipUnless(shutil.which("openssl"), "openssl not installed")
    def test_openssl_s_client_resumption(self):
        ca = os.path.join(SRV["dir"], "ca.pem")
        before = admin("GET", "/admin/stats")["handshakes_resumed"]
        # -reconnect reuses the session five times; TLS 1.2 because s_client reconnects
        # before a TLS 1.3 ticket (sent after the handshake) has been read.
        r = subprocess.run(["openssl", "s_client", "-connect", "127.0.0.1:%d" % SRV["port"],
                            "-CAfile", ca, "-reconnect", "-tls1_2"], input="",
                           capture_output=True, text=True, timeout=60)
        self.assertIn("Verify return code: 0 (ok)", r.stdout)
        self.assertGreaterEqual(r.stdout.count("\nReused, TLSv1.2"), 4, r.stdout[-2000:])
        # TLS 1.3: keep the session of a first connection that read an answer, offer it again.
        sess = os.path.join(TMP, "s_client.sess")
        req = "GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
        r = subprocess.run(["openssl", "s_client", "-connect", "127.0.0.1:%d" % SRV["port"],
                            "-CAfile", ca, "-tls1_3", "-sess_out", sess, "-ign_eof"],
                           input=req, capture_output=True, text=True, timeout=60)
        self.assertIn("405", r.stdout)
        r = subprocess.run(["openssl", "s_client", "-connect", "127.0.0.1:%d" % SRV["port"],
                            "-CAfile", ca, "-tls1_3", "-sess_in", sess, "-ign_eof"],
                           input=req, capture_output=True, text=True, timeout=60)
        self.assertIn("Reused, TLSv1.3", r.stdout)
        stats = admin("GET", "/admin/stats")
        self.assertGreaterEqual(stats["handshakes_resumed"], before + 5)

    def test_hostile_bodies_never_break_the_server(self):
        rng = random.Random(1234)
        seeds = [h(x) for x in (GET_EIM_PACKAGE_STATE, PROVIDE_IPA_DATA, PROVIDE_DOWNLOAD_ERROR,
                                HANDLE_NOTIFICATION_PROVIDE, INIT_AUTH)]
        seeds.append(provide(EID, tlv(0x30, [epr_signed("eim-test", 1, TXID, 99, [
            enc_integer(0, tag=0x83)]), tlv(0xA0, other_signed_notification(98, 1))])))
        conn = connect()
        for i in range(300):
            data = bytearray(rng.choice(seeds))
            op = i % 4
            if op == 0:
                data = data[:rng.randrange(len(data))]
            elif op == 1:
                for _ in range(rng.randrange(1, 4)):
                    data[rng.randrange(len(data))] = rng.randrange(256)
            elif op == 2:
                data = bytes(rng.randrange(256) for _ in range(rng.randrange(1, 64)))
            else:
                pos = rng.randrange(len(data))
                data = data[:pos] + bytes([rng.randrange(256)]) + data[pos:]
            status, _, body = post(conn, bytes(data))
            self.assertIn(status, (200, 204, 400), "body %s" % bytes(data).hex())
        conn.close()
        self.assertEqual(esipa(GET_EIM_PACKAGE)[2].hex().upper(), NO_PACKAGE)


class Tools(unittest.TestCase):
    def test_eimctl(self):
        eid = fresh_eid()

        def ctl(*args):
            r = subprocess.run([PYTHON, EIMCTL, "--dir", SRV["dir"]] + list(args),
                               capture_output=True, text=True, env=ENV, timeout=60)
            return r.returncode, r.stdout, r.stderr
        rc, out, err = ctl("euicc", "--eid", eid, "--counter", "41")
        self.assertEqual(rc, 0, err)
        rc, out, err = ctl("queue", "--eid", eid, "--psmo", "enable:%s:rollback" % ICCID,
                           "--psmo", "list:class=operational:tags=5A", "--txid", TXID)
        self.assertEqual(rc, 0, err)
        self.assertEqual((json.loads(out)["counter"], json.loads(out)["transaction_id"]),
                         (42, TXID))
        signed, _ = decode_package(get_package(eid))
        self.assertEqual(signed.req(0xA0).children()[0].raw.hex().upper(),
                         "A30E5A0A" + ICCID_EF + "0500")
        rc, out, err = ctl("queue", "--eid", eid, "--eco", "addEim:eimId=e2,fqdn=x.y,counter=3,"
                           "protocol=retrieveHttps+injectHttps,pubkey=own-cert")
        self.assertEqual(rc, 0, err)
        add = pyder.decode(h(json.loads(out)["der"])).req(0xBF51).req(0x30).req(0xA1).req(0xA8)
        self.assertEqual(add.req(0x87).value.hex().upper(), "05A0")
        self.assertEqual(add.req(0xA5).children()[0].tag, 0xA1)      # certificate alternative
        rc, out, err = ctl("queue", "--eid", eid, "--psmo", "bogus")
        self.assertEqual(rc, 1)
        self.assertIn("bogus", err)
        rc, out, err = ctl("faults", "kind=http-status,status=429,retry_after=1")
        self.assertEqual((rc, json.loads(out)[0]["status"]), (0, 429), err)
        self.assertEqual(esipa(GET_EIM_PACKAGE)[0], 429)
        rc, out, err = ctl("wait", "polls", "--eid", eid, "--count", "1", "--timeout", "5")
        self.assertEqual(rc, 0, err)
        rc, out, err = ctl("wait", "results", "--eid", eid, "--timeout", "0.3")
        self.assertEqual(rc, 1)
        self.assertIn("0 results", err)

    def test_tcp_meter(self):
        stats_path = os.path.join(TMP, "meter.json")
        p = subprocess.Popen([PYTHON, METER, "--listen", "127.0.0.1:0",
                              "--to", "127.0.0.1:%d" % SRV["port"], "--stats", stats_path],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=ENV)
        try:
            line = p.stdout.readline().split()
            self.assertEqual(line[0], "ready")
            port = int(line[1])
            conn = connect(port=port)
            for _ in range(2):
                self.assertEqual(post(conn, h(GET_EIM_PACKAGE))[2].hex().upper(), NO_PACKAGE)
            conn.close()
            server_conn = admin("GET", "/admin/stats")["per_connection"][-1]
            deadline = time.monotonic() + 10
            while True:
                with open(stats_path) as f:
                    st = json.load(f)
                if st["active"] == 0 and st["connections"] == 1 or time.monotonic() > deadline:
                    break
                time.sleep(0.05)
            self.assertEqual((st["connections"], st["active"]), (1, 0))
            c = st["per_connection"][0]
            # TLS adds records, handshake and certificates around the HTTP bytes.
            self.assertGreater(c["up"], server_conn["http_in"])
            self.assertGreater(c["down"], server_conn["http_out"])
            self.assertEqual((st["bytes_up"], st["bytes_down"]), (c["up"], c["down"]))
        finally:
            p.send_signal(signal.SIGTERM)
            rc = p.wait(timeout=10)
            p.stdout.close()
            p.stderr.close()
        self.assertEqual(rc, 0)


class SoftEuiccInterop(unittest.TestCase):
    """The eIM's packages run on the software eUICC (tests/peers/softeuicc), and the
    card's signed answers verify at the eIM: the two peers agree on the v1.2 encoding
    and on what is signed (flows.md 8), association token included."""

    def test_packages_run_on_the_software_euicc(self):
        sys.path.insert(0, HERE)
        from softeuicc import SoftEuicc, client
        state = os.path.join(TMP, "card.json")
        r = subprocess.run([PYTHON, os.path.join(HERE, "softeuicc", "init.py"), "--state", state,
                            "--add-initial-eim", "eimId=eim-test,fqdn=%s,counter=0,token=1,"
                            "pubkey=%s" % (SRV["url"][len("https://"):],
                                           os.path.join(SRV["dir"], "eim-pub.pem"))],
                           capture_output=True, text=True, env=ENV, timeout=60)
        self.assertEqual(r.returncode, 0, r.stderr)
        with open(state) as f:
            st = json.load(f)
        eid = st["eid"].upper()
        token = st["eims"][0]["associationToken"]
        self.assertIsInstance(token, int)
        disabled = [p["iccid"] for p in st["profiles"] if p["state"] == "disabled"][0]
        admin("POST", "/admin/euicc", {"eid": eid, "counter": 0, "association_token": token,
                                       "euicc_cert_pem": st["pki"]["euicc_cert"]})
        admin("POST", "/admin/reset", {})
        card = SoftEuicc(state)
        ch = client.open_isdr(card)
        self.addCleanup(client.close, card, ch)

        def run_one():
            """GetEimPackage, LoadEuiccPackage on the card, ProvideEimPackageResult."""
            conn = connect()
            try:
                status, _, body = post(conn, h("BF4F125A10" + eid))
                bf51 = pyder.decode(body, expect=0xBF4F).req(0xBF51).raw
                result = client.es10(card, ch, bf51)
                status, _, ack = post(conn, provide(eid, result))
                self.assertEqual(status, 200)
            finally:
                conn.close()
            return admin("GET", "/admin/results?eid=" + eid)[-1], ack

        queue(eid, {"psmo": [{"listProfileInfo": {"iccid": disabled}}, {"getRAT": {}}]})
        entry, ack = run_one()
        pr = entry["package_result"]
        self.assertEqual(pr["type"], "euiccPackageResultSigned")
        self.assertTrue(entry["signature_valid"], entry)
        self.assertEqual([x["name"] for x in entry["results"]],
                         ["listProfileInfoResult", "getRATResult"])
        self.assertEqual(entry["results"][0]["profiles"][0]["iccid"], disabled)
        self.assertEqual(ack.hex().upper(), codec_ack([entry["seqNumber"]]))
        # A stale counter (the one just used): replayError, signed by the card.
        queue(eid, {"psmo": [{"getRAT": {}}]}, **{"break": "counter"})
        entry, ack = run_one()
        self.assertEqual((entry["package_result"]["type"], entry["package_result"]["errorName"],
                          entry["signature_valid"]),
                         ("euiccPackageErrorSigned", "replayError", True))
        self.assertEqual(ack.hex().upper(), EMPTY_RESPONSE)
        # A bad eIM signature: the card cannot tell who sent it, so the error is unsigned.
        queue(eid, {"psmo": [{"getRAT": {}}]}, **{"break": "signature"})
        entry, _ = run_one()
        self.assertEqual(entry["package_result"]["type"], "euiccPackageErrorUnsigned")
        self.assertIsNone(entry["signature_valid"])
        queue(eid, {"psmo": [{"getRAT": {}}]}, **{"break": "eid"})
        entry, _ = run_one()
        self.assertEqual(entry["package_result"]["errorName"], "invalidEid")
        self.assertTrue(entry["signature_valid"])
        # The eIM's counter moved past the card's: a good package runs again.
        queue(eid, {"eco": [{"listEim": {}}]})
        entry, _ = run_one()
        self.assertEqual(entry["results"][0]["eims"], [{"eimId": "eim-test", "eimIdType": 2}])
        self.assertTrue(entry["signature_valid"])


class Reset(unittest.TestCase):
    def test_reset_keeps_counters(self):
        eid = fresh_eid()
        admin("POST", "/admin/euicc", {"eid": eid, "counter": 100})
        queue(eid, {"psmo": [{"getRAT": {}}]})
        admin("POST", "/admin/reset", {})
        self.assertEqual(get_package(eid).hex().upper(), NO_PACKAGE)
        self.assertEqual(admin("GET", "/admin/results?eid=" + eid), [])
        self.assertEqual(admin("GET", "/admin/stats")["connections"], 1)
        self.assertEqual(queue(eid, {"psmo": [{"getRAT": {}}]})["counter"], 102)


if __name__ == "__main__":
    prog = unittest.main(exit=False, verbosity=2)
    sys.exit(0 if prog.result.wasSuccessful() else 1)

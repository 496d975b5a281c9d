#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""Self-test of the profile download world: the test SM-DP+ and SM-DS
(tests/peers/smdp, started as processes serving HTTPS on 127.0.0.1) and the software
eUICC's download functions, driven by the small IPA in smdp/ipa.py over real TLS
(verified against the CI the eUICC trusts).  Checks the installed profile, the signed
install notification, enabling it by a PSMO, every fault switch, refusal of a BPP with
one flipped byte, the confirmation code hash, the BPP segmentation of test-vectors.md
section G and the SGP.26 certificate set (skipped when ../shared is absent).
Run by `make check`; exit status 0 = all passed."""

import base64
import hashlib
import http.client
import json
import os
import shutil
import signal
import ssl
import subprocess
import sys
import tempfile
import time
import unittest

sys.dont_write_bytecode = True
HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "lib"))
sys.path.insert(0, HERE)

import pyder  # noqa: E402
import rspcrypto  # noqa: E402
from pyder import tlv, enc_integer, enc_utf8  # noqa: E402
from cryptography import x509  # noqa: E402
from cryptography.hazmat.primitives import serialization  # noqa: E402
from cryptography.hazmat.primitives.asymmetric import ec  # noqa: E402

from softeuicc import SoftEuicc, client, ids  # noqa: E402
from softeuicc import init as card_init  # noqa: E402
from smdp import package  # noqa: E402
from smdp.ipa import Ipa, IndirectIpa, bpp_segments  # noqa: E402

PYTHON = os.environ.get("PYTHON3") or sys.executable
SERVER = os.path.join(HERE, "smdp", "server.py")
EIM_SERVER = os.path.join(HERE, "eim", "server.py")
TOP = os.environ.get("top_srcdir") or os.path.join(HERE, "..", "..")
SGP26 = os.path.join(TOP, "..", "shared", "reference", "sgp26")
ENV = dict(os.environ, PYTHONDONTWRITEBYTECODE="1")
TMP = tempfile.mkdtemp(prefix="smdp-test-")
SRV = {}
_n = [0]

# SGP.22 error codes the card reports
SCP03T_SECURITY_ERROR = 8
INVALID_SIGNATURE = 2


def start(role, directory, *args):
    err_path = os.path.join(TMP, "%s-%d.stderr" % (role, len(SRV)))
    err = open(err_path, "w")
    p = subprocess.Popen([PYTHON, SERVER, "--role", role, "--dir", directory] + list(args),
                         stdout=subprocess.PIPE, stderr=err, text=True, env=ENV)
    err.close()
    p.err_path = err_path
    line = p.stdout.readline().split()
    if len(line) != 4 or line[0] != "ready":
        p.kill()
        p.wait()
        with open(err_path) as f:
            raise RuntimeError("%s did not start: %r %s" % (role, line, f.read()))
    with open(os.path.join(directory, role + ".json")) as f:
        info = json.load(f)
    return p, info


def stop(p):
    p.send_signal(signal.SIGTERM)
    try:
        rc = p.wait(timeout=10)
    finally:
        if p.poll() is None:
            p.kill()
            p.wait()
        p.stdout.close()
    with open(p.err_path) as f:
        err = f.read()
    if err:
        sys.stderr.write("server stderr:\n" + err)
        return -1000
    return rc


def setUpModule():
    d = os.path.join(TMP, "pki")
    SRV["dir"] = d
    SRV["smdp"], SRV["info"] = start("smdp", d)
    SRV["smds"], SRV["ds_info"] = start("smds", d)


def tearDownModule():
    rcs = [stop(SRV[k]) for k in ("smdp", "smds")]
    shutil.rmtree(TMP, ignore_errors=True)
    if any(rc != 0 for rc in rcs):
        raise RuntimeError("a server exited with %r (or wrote to stderr)" % rcs)


def admin(method, path, body=None, info=None):
    info = info or SRV["info"]
    conn = http.client.HTTPConnection("127.0.0.1", info["admin_port"], timeout=10)
    data = json.dumps(body).encode() if body is not None else None
    conn.request(method, path, data, {"Content-Type": "application/json"} if data else {})
    resp = conn.getresponse()
    out = json.loads(resp.read().decode())
    conn.close()
    if resp.status != 200:
        raise AssertionError("admin %s %s: %d %r" % (method, path, resp.status, out))
    return out


def faults(*fs, info=None):
    admin("POST", "/admin/faults", {"faults": list(fs)}, info)


def new_iccid():
    _n[0] += 1
    body = "894400000000%07d" % _n[0]
    return body + ids.luhn_digit(body)


def new_card(pki_json=None, extra=()):
    _n[0] += 1
    path = os.path.join(TMP, "card-%d.json" % _n[0])
    # init.py in-process: a card per test without a Python start-up each.
    card_init.main(["--state", path, "--pki", pki_json or SRV["info"]["euicc_pki"]] + list(extra))
    return SoftEuicc(path), path


def add_profile(info=None, **kw):
    mid = kw.pop("matching_id", "MID-%d" % (_n[0] + 1))
    p = dict({"matchingId": mid, "iccid": new_iccid(), "size": 32768}, **kw)
    admin("POST", "/admin/profiles", {"profiles": [p]}, info)
    return p


def es10(card, request):
    ch = client.open_isdr(card)
    try:
        return client.es10(card, ch, request)
    finally:
        client.close(card, ch)


def profiles(card):
    out = {}
    for e in pyder.decode(es10(card, tlv(0xBF2D)), expect=0xBF2D).req(0xA0).children():
        out[ids.iccid_from_ef(e.req(0x5A).value)] = e
    return out


def state():
    return admin("GET", "/admin/state")


def pir_final(pir):
    return pyder.decode(pir, expect=0xBF37).req(0xBF27).req(0xA2).children()[0]


class Download(unittest.TestCase):
    def tearDown(self):
        faults()

    def test_complete_download_install_notify_enable(self):
        eim_key = ec.generate_private_key(ec.SECP256R1())
        pub = os.path.join(TMP, "eim-pub.pem")
        with open(pub, "wb") as f:
            f.write(eim_key.public_key().public_bytes(
                serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo))
        card, path = new_card(extra=["--add-initial-eim",
                                     "eimId=eim1,fqdn=127.0.0.1:1,counter=0,pubkey=" + pub])
        p = add_profile(spn="Peer Operator", name="Peer Profile", owner_mccmnc="13F001",
                        size=40000)
        ipa = Ipa(card, SRV["info"]["ci"])
        res = ipa.download(SRV["info"]["address"], p["matchingId"], deliver=False)
        self.assertTrue(res["ok"], res.get("error"))
        self.assertGreaterEqual(len(res["bpp"]), 30 * 1024)
        self.assertEqual([c for c, _ in ipa.calls],
                         ["initiateAuthentication", "authenticateClient", "getBoundProfilePackage"])
        # The profile is there, disabled, with the metadata the SM-DP+ sent.
        e = profiles(card)[p["iccid"]]
        self.assertEqual(e.req(0x91).str(), "Peer Operator")
        self.assertEqual(e.req(0x92).str(), "Peer Profile")
        self.assertEqual(e.req(0x9F70).int(), 0)
        self.assertEqual(e.req(0xB7).req(0x80).value.hex().upper(), "13F001")
        self.assertEqual(e.req(0x4F).value.hex().upper(), res["isdp_aid"])
        # The install notification is pending (ListNotification and RetrieveNotificationsList),
        # its eUICC signature verifies and it names the SM-DP+.
        lst = pyder.decode(es10(card, tlv(0xBF28)), expect=0xBF28).req(0xA0).children()
        installs = [m for m in lst if m.req(0x81).bits() == {0}
                    and m.find(0x5A) is not None
                    and ids.iccid_from_ef(m.req(0x5A).value) == p["iccid"]]
        self.assertEqual(len(installs), 1)
        self.assertEqual(installs[0].req(0x0C).str(), SRV["info"]["address"])
        seq = installs[0].req(0x80).int()
        got = pyder.decode(es10(card, tlv(0xBF2B, tlv(0xA0, enc_integer(seq, tag=0x80)))),
                           expect=0xBF2B).req(0xA0).children()
        self.assertEqual(got[0].raw, res["pir"])
        with open(path) as f:
            euicc_cert = x509.load_pem_x509_certificate(json.load(f)["pki"]["euicc_cert"].encode())
        pir = pyder.decode(res["pir"])
        self.assertTrue(rspcrypto.verify(euicc_cert.public_key(), pir.req(0xBF27).raw,
                                         pir.req(0x5F37).value))
        self.assertEqual(pir.req(0xBF27).req(0x80).value.hex().upper(), res["txid"])
        # Delivered to handleNotification: the SM-DP+ verified the signature; then removed.
        ch = client.open_isdr(card)
        ipa.address = SRV["info"]["address"]
        ipa.deliver_install_notification(ch, res["pir"])
        client.close(card, ch)
        ipa.close()
        rec = [n for n in state()["notifications"] if n.get("txid") == res["txid"]]
        self.assertEqual(len(rec), 1)
        self.assertEqual((rec[0]["result"], rec[0]["signature_ok"], rec[0]["seq"]),
                         ("success", True, seq))
        self.assertNotIn(seq, [m.req(0x80).int() for m in pyder.decode(
            es10(card, tlv(0xBF28))).req(0xA0).children()])
        # Other notifications (OtherSignedNotification) are checked with their own certificate.
        other = [n for n in pyder.decode(es10(card, tlv(0xBF2B))).req(0xA0).children()
                 if n.tag == 0x30][0]
        ipa.address = SRV["info"]["address"]
        ipa.es9("handleNotification", {"pendingNotification": base64.b64encode(other.raw).decode()})
        ipa.close()
        rec = [n for n in state()["notifications"] if n["der"] == other.raw.hex().upper()]
        self.assertEqual((rec[0]["kind"], rec[0]["signature_ok"]), ("other", True))
        # A PSMO enables it (eUICC package signed by the eIM the card knows).
        with open(path) as f:
            eid = json.load(f)["eid"]
        signed = tlv(0x30, [enc_utf8("eim1", tag=0x80), tlv(0x5A, bytes.fromhex(eid)),
                            enc_integer(1, tag=0x81),
            tlv(0x82, b"\x01\x02\x03\x04"),
            tlv(0xA0, tlv(0xA3, tlv(0x5A, ids.iccid_to_ef(p["iccid"]))))])
        pkg = tlv(0xBF51, [signed, tlv(0x5F37, rspcrypto.sign(eim_key, signed))])
        ch = client.open_isdr(card)
        resp, _sw = client.es10_sw(card, ch, pkg)
        client.close(card, ch)
        result = pyder.decode(resp, expect=0xBF51).req(0xA0).req(0x30).req(0x30)
        self.assertEqual(result.req(0x83).int(), 0)                     # enableResult ok
        self.assertEqual(profiles(card)[p["iccid"]].req(0x9F70).int(), 1)

    def test_segments_follow_section_g(self):
        card, _ = new_card()
        p = add_profile(rsk="1")
        res = Ipa(card, SRV["info"]["ci"]).download(SRV["info"]["address"], p["matchingId"])
        self.assertTrue(res["ok"], res.get("error"))
        segs = bpp_segments(res["bpp"])
        self.assertEqual(segs, package.segments(res["bpp"]))
        self.assertEqual(b"".join(segs), res["bpp"])
        self.assertEqual(res["segments"], len(segs))
        tags = [pyder.read_tag(s, 0)[0] for s in segs]
        # BF36 head + the whole BF23; A0 head + its 87; A1 head alone; 88s; A2 head + 87;
        # A3 head alone; 86s.
        self.assertEqual(tags[:3], [0xBF36, 0xA0, 0xA1])
        first = segs[0]
        _, pos = pyder.read_length(first, 2)
        self.assertEqual(pyder.decode(first[pos:]).tag, 0xBF23)
        a0 = pyder.read_tlv(segs[1])[0]
        self.assertEqual([k.tag for k in a0.children()], [0x87])
        self.assertEqual(pyder.read_length(segs[2], 1)[1], len(segs[2]))
        i = 3
        while tags[i] == 0x88:
            pyder.decode(segs[i])
            i += 1
        self.assertGreater(i, 3)
        self.assertEqual(tags[i], 0xA2)
        self.assertEqual([k.tag for k in pyder.read_tlv(segs[i])[0].children()], [0x87])
        self.assertEqual(tags[i + 1], 0xA3)
        self.assertEqual(pyder.read_length(segs[i + 1], 1)[1], len(segs[i + 1]))
        self.assertTrue(all(t == 0x86 for t in tags[i + 2:]))
        self.assertGreater(len(tags) - i - 2, 30)
        self.assertIn(p["iccid"], profiles(card))

    def test_flipped_byte_is_refused(self):
        def flip(kind, index=0):
            def tamper(segs):
                out = list(segs)
                hits = [n for n, s in enumerate(out) if pyder.read_tag(s, 0)[0] == kind]
                n = hits[index]
                s = bytearray(out[n])
                s[len(s) // 2 + 1] ^= 0x40
                out[n] = bytes(s)
                return out
            return tamper
        for kind, index in ((0x86, 5), (0x86, 0), (0x88, 0), (0xA0, 0)):
            card, _ = new_card()
            p = add_profile()
            res = Ipa(card, SRV["info"]["ci"]).download(SRV["info"]["address"], p["matchingId"],
                                                        tamper=flip(kind, index))
            self.assertFalse(res["ok"], "flip in %X accepted" % kind)
            final = pir_final(res["pir"])
            self.assertEqual(final.tag, 0xA1)
            self.assertEqual(final.req(0x81).int(), SCP03T_SECURITY_ERROR, "flip in %X" % kind)
            self.assertNotIn(p["iccid"], profiles(card))
            rec = [n for n in state()["notifications"] if n.get("txid") == res["txid"]]
            self.assertEqual((rec[0]["result"], rec[0]["signature_ok"]), ("error", True))
        # The same, flipped by the SM-DP+ itself (fault switch), and in the signed BF23.
        for seg, reason in (("86", SCP03T_SECURITY_ERROR), ("87", SCP03T_SECURITY_ERROR),
                            ("88", SCP03T_SECURITY_ERROR), ("bf23", INVALID_SIGNATURE)):
            faults({"kind": "corrupt-bpp", "segment": seg, "index": 0})
            card, _ = new_card()
            p = add_profile()
            res = Ipa(card, SRV["info"]["ci"]).download(SRV["info"]["address"], p["matchingId"])
            self.assertFalse(res["ok"])
            self.assertEqual(pir_final(res["pir"]).req(0x81).int(), reason, seg)
            self.assertNotIn(p["iccid"], profiles(card))

    def test_card_failing_a_segment(self):
        """A card fault on the 86 segments (no answer data, SW 6A80): the IPA stops, the card's
        session is cancelled (signed) and the SM-DP+ accepts the cancellation."""
        _, path = new_card()
        card = SoftEuicc(path, faults=["sw:86:6A80"])
        p = add_profile()
        res = Ipa(card, SRV["info"]["ci"]).download(SRV["info"]["address"], p["matchingId"])
        self.assertFalse(res["ok"])
        self.assertIn("6A80", res["error"])
        self.assertTrue(res["step"].startswith("LoadBoundProfilePackage segment"))
        self.assertTrue(res["cancelled"], res)
        rec = [c for c in state()["cancelled"] if c["txid"] == res["txid"]]
        self.assertEqual(rec[0]["signature_ok"], True)
        self.assertNotIn(p["iccid"], profiles(SoftEuicc(path)))

    def test_bpp_in_small_store_data_blocks(self):
        card, _ = new_card()
        p = add_profile()
        ipa = Ipa(card, SRV["info"]["ci"], block=100)
        res = ipa.download(SRV["info"]["address"], p["matchingId"])
        self.assertTrue(res["ok"], res.get("error"))
        # A block above 255 bytes is not a short APDU: the client refuses to build it.
        self.assertIn(p["iccid"], profiles(card))


class CardErrors(unittest.TestCase):
    """The card's own refusals, driven step by step against the running SM-DP+."""

    def _initiate(self, card, ch, ipa):
        info1 = client.es10(card, ch, tlv(0xBF20))
        chal = pyder.decode(client.es10(card, ch, tlv(0xBF2E))).req(0x80).value
        ipa.address = SRV["info"]["address"]
        return ipa.es9("initiateAuthentication", {
            "euiccChallenge": base64.b64encode(chal).decode(),
            "euiccInfo1": base64.b64encode(info1).decode(), "smdpAddress": ipa.address})

    def _auth_request(self, ia, mid, **change):
        f = {k: base64.b64decode(ia[k]) for k in ("serverSigned1", "serverSignature1",
                                                   "euiccCiPKIdToBeUsed", "serverCertificate")}
        f.update(change)
        return tlv(0xBF38, [f["serverSigned1"], f["serverSignature1"], f["euiccCiPKIdToBeUsed"],
                            f["serverCertificate"],
                            tlv(0xA0, [enc_utf8(mid, tag=0x80), tlv(0xA1, [
                                tlv(0x80, bytes(4)), tlv(0xA1)])])])

    def _auth_error(self, resp):
        return pyder.decode(resp, expect=0xBF38).req(0xA1).req(0x02).int()

    def test_authenticate_server_refusals(self):
        card, _ = new_card()
        ch = client.open_isdr(card)
        ipa = Ipa(card, SRV["info"]["ci"])
        ia = self._initiate(card, ch, ipa)
        sig = bytearray(base64.b64decode(ia["serverSignature1"]))
        sig[10] ^= 1
        self.assertEqual(self._auth_error(client.es10(card, ch, self._auth_request(
            ia, "X", serverSignature1=bytes(sig)))), INVALID_SIGNATURE)
        self.assertEqual(self._auth_error(client.es10(card, ch, self._auth_request(
            ia, "X", euiccCiPKIdToBeUsed=tlv(0x04, bytes(20))))), 7)       # ciPKUnknown
        # A new challenge: the server's serverSigned1 carries the old one.
        client.es10(card, ch, tlv(0xBF2E))
        self.assertEqual(self._auth_error(client.es10(card, ch, self._auth_request(ia, "X"))),
                         6)                                                # euiccChallengeMismatch
        ipa.close()
        client.close(card, ch)

    def test_prepare_download_and_session_refusals(self):
        p = add_profile()
        card, _ = new_card()
        ch = client.open_isdr(card)
        ipa = Ipa(card, SRV["info"]["ci"])
        # No session at all: PrepareDownload noSessionContext(4), a BPP segment 6985,
        # CancelSession invalidTransactionId(5).
        dummy = tlv(0xBF21, [tlv(0x30, [tlv(0x80, bytes(16)), pyder.enc_bool(False)]),
                             tlv(0x5F37, bytes(64)), tlv(0x30)])
        r = pyder.decode(client.es10(card, ch, dummy)).req(0xA1)
        self.assertEqual(r.req(0x02).int(), 4)
        seg = tlv(0xA1, b"")
        _, sw = client.split_sw(card.transmit(
            bytes([client.cla_for(ch, True), 0xE2, 0x91, 0, len(seg)]) + seg))
        self.assertEqual(sw, 0x6985)
        cs = client.es10(card, ch, tlv(0xBF41, [tlv(0x80, bytes(16)), enc_integer(1, tag=0x81)]))
        self.assertEqual(cs.hex().upper(), "BF4103810105")
        ipa.address = SRV["info"]["address"]
        _, ac = ipa._authenticate(ch, SRV["info"]["address"], p["matchingId"], "es9")
        b = {k: base64.b64decode(ac[k]) for k in ("smdpSigned2", "smdpSignature2",
                                                  "smdpCertificate")}
        bad = bytearray(b["smdpSignature2"])
        bad[5] ^= 1
        r = pyder.decode(client.es10(card, ch, tlv(0xBF21, [
            b["smdpSigned2"], bytes(bad), b["smdpCertificate"]]))).req(0xA1)
        self.assertEqual(r.req(0x02).int(), INVALID_SIGNATURE)
        other_tx = tlv(0x30, [tlv(0x80, bytes(16)), pyder.enc_bool(False)])
        r = pyder.decode(client.es10(card, ch, tlv(0xBF21, [
            other_tx, b["smdpSignature2"], b["smdpCertificate"]]))).req(0xA1)
        self.assertEqual(r.req(0x02).int(), 5)
        # A power cycle ends the session.
        card.reset()
        ch = client.open_isdr(card)
        r = pyder.decode(client.es10(card, ch, tlv(0xBF21, [
            b["smdpSigned2"], b["smdpSignature2"], b["smdpCertificate"]]))).req(0xA1)
        self.assertEqual(r.req(0x02).int(), 4)
        ipa.close()
        client.close(card, ch)

    def test_iccid_already_installed(self):
        p = add_profile()
        card, _ = new_card()
        res = Ipa(card, SRV["info"]["ci"]).download(SRV["info"]["address"], p["matchingId"])
        self.assertTrue(res["ok"], res.get("error"))
        res = Ipa(card, SRV["info"]["ci"]).download(SRV["info"]["address"], p["matchingId"])
        final = pir_final(res["pir"])
        # storeMetadata(2), installFailedDueToIccidAlreadyExistsOnEuicc(9)
        self.assertEqual((final.req(0x80).int(), final.req(0x81).int()), (2, 9))
        self.assertEqual(list(profiles(card)).count(p["iccid"]), 1)


class ConfirmationCode(unittest.TestCase):
    def tearDown(self):
        faults()

    def test_hash_cc(self):
        txid = bytes.fromhex("0123456789ABCDEF0123456789ABCDEF")
        want = hashlib.sha256(hashlib.sha256(b"1234").digest() + txid).digest()
        self.assertEqual(rspcrypto.hash_cc("1234", txid), want)
        self.assertEqual(want.hex().upper()[:16], hashlib.sha256(
            bytes.fromhex("03AC674216F3E15C761EE1A5E255F067953623C8B388B4459E13F978D7C846F4")
            + txid).hexdigest().upper()[:16])

    def test_right_wrong_missing_code(self):
        p = add_profile(cc="4711")
        card, _ = new_card()
        res = Ipa(card, SRV["info"]["ci"]).download(SRV["info"]["address"], p["matchingId"],
                                                    confirmation_code="4711")
        self.assertTrue(res["ok"], res.get("error"))
        self.assertTrue(res["cc_required"])
        card, _ = new_card()
        res = Ipa(card, SRV["info"]["ci"]).download(SRV["info"]["address"], p["matchingId"],
                                                    confirmation_code="4712")
        self.assertEqual(res["step"], "getBoundProfilePackage")
        self.assertIn("8.2.7/3.8", res["error"])
        self.assertTrue(res.get("cancelled"))
        self.assertNotIn(p["iccid"], profiles(card))
        # The fault switch refuses the right code.
        faults({"kind": "refuse-cc"})
        card, _ = new_card()
        res = Ipa(card, SRV["info"]["ci"]).download(SRV["info"]["address"], p["matchingId"],
                                                    confirmation_code="4711")
        self.assertIn("8.2.7/3.8", res["error"])

    def test_missing_code_and_retries(self):
        p = add_profile(cc="1")
        card, _ = new_card()
        ipa = Ipa(card, SRV["info"]["ci"])
        res = ipa.download(SRV["info"]["address"], p["matchingId"], confirmation_code="1",
                           cancel_after="prepare")
        self.assertEqual(res["step"], "cancel")
        # PrepareDownload without hashCc, then the SM-DP+ is asked for the BPP.
        card, _ = new_card()
        ch = client.open_isdr(card)
        ipa = Ipa(card, SRV["info"]["ci"])
        ipa.address = SRV["info"]["address"]
        txid, ac = ipa._authenticate(ch, ipa.address, p["matchingId"], "es9")
        b = {k: base64.b64decode(ac[k]) for k in ("smdpSigned2", "smdpSignature2",
                                                  "smdpCertificate")}
        codes = []
        for cc in (None, "2", "3", "4"):
            parts = [b["smdpSigned2"], b["smdpSignature2"]]
            if cc is not None:
                parts.append(tlv(0x04, rspcrypto.hash_cc(cc, bytes.fromhex(txid))))
            prep = client.es10(card, ch, tlv(0xBF21, parts + [b["smdpCertificate"]]))
            try:
                ipa.es9("getBoundProfilePackage", {
                    "transactionId": txid,
                    "prepareDownloadResponse": base64.b64encode(prep).decode()})
                codes.append("ok")
            except Exception as exc:                 # noqa: BLE001
                codes.append(str(exc).split()[2])
            # A fresh PrepareDownload needs a fresh authenticated session on the card.
            card.download_session["stage"] = "authenticated"
        client.close(card, ch)
        ipa.close()
        self.assertEqual(codes, ["8.2.7/2.2", "8.2.7/3.8", "8.2.7/3.8", "8.2.7/6.4"])


class Faults(unittest.TestCase):
    def tearDown(self):
        faults()

    def _run(self, mid=None, **kw):
        card, _ = new_card()
        p = add_profile(**kw)
        t = time.monotonic()
        res = Ipa(card, SRV["info"]["ci"], timeout=5).download(
            SRV["info"]["address"], p["matchingId"] if mid is None else mid)
        res["elapsed"] = time.monotonic() - t
        res["card"] = card
        res["profile"] = p
        return res

    def test_wrong_matching_id(self):
        res = self._run(mid="NO-SUCH-ID")
        self.assertEqual(res["step"], "authenticateClient")
        self.assertIn("8.2.6/3.8", res["error"])
        # The IPA cancelled on the card (signed) and at the SM-DP+, which verified it.
        self.assertTrue(res["cancelled"])
        rec = [c for c in state()["cancelled"] if c["txid"] == res["txid"]]
        self.assertEqual((rec[0]["signature_ok"], rec[0]["reason"]), (True, 1))
        faults({"kind": "refuse-matching-id"})
        res = self._run()
        self.assertIn("8.2.6/3.8", res["error"])

    def test_profile_bound_to_another_eid(self):
        res = self._run(eid="89049032123451234512345678901234")
        self.assertIn("8.1.1/3.8", res["error"])

    def test_expired_certificate(self):
        faults("expired-cert")
        res = self._run()
        self.assertEqual(res["step"], "initiateAuthentication")
        self.assertIn("certificate has expired", res["error"])

    def test_certificate_from_another_ci(self):
        faults("other-ci")
        res = self._run()
        self.assertEqual(res["step"], "initiateAuthentication")
        self.assertIn("certificate verify failed", res["error"])
        # TLS passes, but the eUICC refuses CERT.DPauth: invalidCertificate(1).
        faults("other-ci-auth")
        res = self._run()
        self.assertEqual(res["step"], "AuthenticateServer")
        self.assertIn("authenticateErrorCode 1", res["error"])

    def test_failing_mid_download(self):
        for f, want in (({"kind": "http-status", "status": 500,
                          "function": "getBoundProfilePackage"}, "HTTP 500"),
                        ({"kind": "drop", "function": "getBoundProfilePackage"}, "transport"),
                        ({"kind": "truncate", "function": "getBoundProfilePackage"},
                         "transport")):
            faults(f)
            res = self._run()
            self.assertEqual(res["step"], "getBoundProfilePackage", f)
            self.assertIn(want, res["error"])
            self.assertNotIn(res["profile"]["iccid"], profiles(res["card"]))
            self.assertTrue(res["cancelled"], res)

    def test_get_bpp_retried_after_a_drop(self):
        """getBoundProfilePackage may be asked again after a lost answer (same
        PrepareDownload response): the second BPP installs."""
        p = add_profile()
        card, _ = new_card()
        ch = client.open_isdr(card)
        ipa = Ipa(card, SRV["info"]["ci"], timeout=5)
        ipa.address = SRV["info"]["address"]
        txid, ac = ipa._authenticate(ch, ipa.address, p["matchingId"], "es9")
        prep = client.es10(card, ch, tlv(0xBF21, [base64.b64decode(ac[k]) for k in (
            "smdpSigned2", "smdpSignature2", "smdpCertificate")]))
        body = {"transactionId": txid, "prepareDownloadResponse": base64.b64encode(prep).decode()}
        faults({"kind": "drop", "function": "getBoundProfilePackage", "count": 1})
        with self.assertRaises(Exception) as ctx:
            ipa.es9("getBoundProfilePackage", body)
        self.assertIn("transport", str(ctx.exception))
        bpp = base64.b64decode(ipa.es9("getBoundProfilePackage", body)["boundProfilePackage"])
        answers = [client.es10(card, ch, seg) for seg in bpp_segments(bpp)]
        self.assertEqual([a for a in answers[:-1] if a], [])
        self.assertEqual(pir_final(answers[-1]).tag, 0xA0)
        ipa.close()
        client.close(card, ch)
        self.assertIn(p["iccid"], profiles(card))

    def test_slow_answers_and_counts(self):
        faults({"kind": "delay", "ms": 400, "function": "authenticateClient"},
               {"kind": "http-status", "status": 503, "count": 1})
        res = self._run()
        self.assertIn("HTTP 503", res["error"])
        res = self._run()
        self.assertTrue(res["ok"], res.get("error"))
        self.assertGreaterEqual(res["elapsed"], 0.4)

    def test_smdpctl(self):
        ctl = [PYTHON, os.path.join(HERE, "smdp", "smdpctl.py"), "--dir", SRV["dir"]]
        iccid = new_iccid()
        out = subprocess.run(ctl + ["profile", "matchingId=CTL-1,iccid=%s,cc=99,size=1000"
                                    % iccid], capture_output=True, text=True, env=ENV)
        self.assertEqual(out.returncode, 0, out.stderr)
        self.assertEqual(json.loads(out.stdout)[0]["confirmation_code"], "99")
        out = subprocess.run(ctl + ["faults", "kind=http-status,status=502,count=1", "drop"],
                             capture_output=True, text=True, env=ENV)
        self.assertEqual([f["kind"] for f in json.loads(out.stdout)], ["http-status", "drop"])
        out = subprocess.run(ctl + ["faults", "nonsense"], capture_output=True, text=True,
                             env=ENV)
        self.assertEqual(out.returncode, 1)
        self.assertIn("kind must be one of", out.stderr)
        subprocess.run(ctl + ["faults"], check=True, capture_output=True, env=ENV)
        self.assertEqual(state()["faults"], [])
        out = subprocess.run(ctl + ["wait", "notification", "--iccid", iccid, "--timeout", "0.3"],
                             capture_output=True, text=True, env=ENV)
        self.assertEqual(out.returncode, 2)
        card, _ = new_card()
        res = Ipa(card, SRV["info"]["ci"]).download(SRV["info"]["address"], "CTL-1",
                                                    confirmation_code="99")
        self.assertTrue(res["ok"], res.get("error"))
        out = subprocess.run(ctl + ["wait", "notification", "--iccid", iccid], capture_output=True,
                             text=True, env=ENV)
        self.assertEqual(json.loads(out.stdout)[0]["result"], "success")

    def test_bad_requests(self):
        ctx = ssl.create_default_context(cafile=SRV["info"]["ci"])
        conn = http.client.HTTPSConnection("127.0.0.1", SRV["info"]["port"], context=ctx)
        for headers, path, body, status in (
                ({}, "initiateAuthentication", b"{}", 400),
                ({"X-Admin-Protocol": "gsma/rsp/v2.2.0"}, "nosuch", b"{}", 404),
                ({"X-Admin-Protocol": "gsma/rsp/v2.2.0"}, "initiateAuthentication", b"[", 400)):
            h = dict({"Content-Type": "application/json"}, **headers)
            conn.request("POST", "/gsma/rsp2/es9plus/" + path, body, h)
            r = conn.getresponse()
            r.read()
            self.assertEqual(r.status, status, path)
        conn.request("POST", "/gsma/rsp2/es9plus/initiateAuthentication",
                     json.dumps({"euiccChallenge": base64.b64encode(bytes(16)).decode(),
                                 "euiccInfo1": base64.b64encode(bytes.fromhex("BF2000")).decode(),
                                 "smdpAddress": "elsewhere.example.com"}),
                     {"Content-Type": "application/json", "X-Admin-Protocol": "gsma/rsp/v2.2.0"})
        out = json.loads(conn.getresponse().read())
        fes = out["header"]["functionExecutionStatus"]
        self.assertEqual((fes["status"], fes["statusCodeData"]["subjectCode"],
                          fes["statusCodeData"]["reasonCode"]), ("Failed", "8.8.1", "3.8"))
        conn.close()


class Smds(unittest.TestCase):
    def test_es11_event_retrieval(self):
        card, path = new_card()
        with open(path) as f:
            eid = json.load(f)["eid"]
        info = SRV["ds_info"]
        admin("POST", "/admin/reset", {}, info)
        admin("POST", "/admin/events", {"events": [
            {"eid": eid, "eventId": "EVT-1", "rspServerAddress": SRV["info"]["address"]},
            {"eid": "89049032123451234512345678901234", "eventId": "OTHER",
             "rspServerAddress": "x"}]}, info)
        ipa = Ipa(card, info["ci"])
        events = ipa.discover(info["address"])
        self.assertEqual(events, [{"eventId": "EVT-1", "rspServerAddress": SRV["info"]["address"]}])
        ipa.address = info["address"]
        ia = ipa.es11("initiateAuthentication", {
            "euiccChallenge": base64.b64encode(bytes(16)).decode(),
            "euiccInfo1": base64.b64encode(es10(card, tlv(0xBF20))).decode(),
            "smdsAddress": info["address"]})
        self.assertEqual(len(bytes.fromhex(ia["transactionId"])), 16)
        ipa.close()
        # The event leads to a download with the eventId as matching ID.
        add_profile(matching_id="EVT-1")
        res = Ipa(card, SRV["info"]["ci"]).download(events[0]["rspServerAddress"], "EVT-1")
        self.assertTrue(res["ok"], res.get("error"))


class Indirect(unittest.TestCase):
    """The eIM queues a profileDownloadTriggerRequest and relays the ESipa download
    functions to the SM-DP+ over ES9+, in both ESipa bindings."""

    @classmethod
    def setUpClass(cls):
        d = os.path.join(TMP, "eim")
        err_path = os.path.join(TMP, "eim.stderr")
        with open(err_path, "w") as err:
            p = subprocess.Popen([PYTHON, EIM_SERVER, "--dir", d, "--smdp-ca", SRV["info"]["ci"],
                                  "--smds-address", SRV["ds_info"]["address"]],
                                 stdout=subprocess.PIPE, stderr=err, text=True, env=ENV)
        p.err_path = err_path
        line = p.stdout.readline().split()
        if len(line) != 4 or line[0] != "ready":
            p.kill()
            p.wait()
            raise RuntimeError("eIM did not start: %r" % line)
        cls.eim = p
        cls.url = line[1]
        cls.admin_port = int(line[3].rsplit(":", 1)[1])
        cls.ca = os.path.join(d, "ca.pem")

    @classmethod
    def tearDownClass(cls):
        if stop(cls.eim) != 0:
            raise RuntimeError("the eIM failed or wrote to stderr")

    def eim_admin(self, method, path, body=None):
        return admin(method, path, body, {"admin_port": self.admin_port})

    def _trigger(self, card, eid, ac, cc=None, with_txid=False):
        """Queue a download trigger at the eIM, fetch it as the IPA does; return the
        activation code the eUICC package carries (and its eimTransactionId)."""
        dl = {"activationCode": ac}
        if cc is not None:
            dl["confirmationCode"] = cc
        self.eim_admin("POST", "/admin/queue", {"eid": eid, "package": {"download": dl}})
        ctx = ssl.create_default_context(cafile=self.ca)
        conn = http.client.HTTPSConnection("127.0.0.1", int(self.url.rsplit(":", 1)[1]),
                                           context=ctx)
        conn.request("POST", "/gsma/rsp2/asn1", tlv(0xBF4F, tlv(0x5A, bytes.fromhex(eid))),
                     {"Content-Type": "application/x-gsma-rsp-asn1",
                      "X-Admin-Protocol": "gsma/rsp/v2.1.0"})
        body = conn.getresponse().read()
        conn.close()
        trig = pyder.decode(body, expect=0xBF4F).req(0xBF54)
        if with_txid:
            return trig.req(0xA0).req(0x80).str(), trig.req(0x82).value.hex().upper()
        return trig.req(0xA0).req(0x80).str()

    def test_confirmation_code_given_to_the_eim(self):
        """The eIM holds the code of its trigger and answers AuthenticateClient with hashCc;
        the SM-DP+ checks it against SHA256(SHA256(cc) || transactionId)."""
        for binding in ("asn1", "json"):
            card, path = new_card()
            with open(path) as f:
                eid = json.load(f)["eid"]
            p = add_profile(cc="8642")
            ac = "1$%s$%s" % (SRV["info"]["address"], p["matchingId"])
            _, etx = self._trigger(card, eid, ac, cc="8642", with_txid=True)
            ipa = IndirectIpa(card, self.ca, self.url.split("//")[1], binding, eim_txid=etx)
            res = ipa.download(SRV["info"]["address"], p["matchingId"])
            self.assertTrue(res["ok"], "%s: %s" % (binding, res.get("error")))
            self.assertTrue(res.get("hash_cc_from_eim"))
            # A wrong code at the eIM: the SM-DP+ refuses (confirmationCodeRefused(3) in ASN.1).
            card, _ = new_card()
            _, etx = self._trigger(card, eid, ac, cc="0000", with_txid=True)
            ipa = IndirectIpa(card, self.ca, self.url.split("//")[1], binding, eim_txid=etx)
            res = ipa.download(SRV["info"]["address"], p["matchingId"])
            self.assertEqual(res["step"], "getBoundProfilePackage")
            self.assertIn("Esipa error 3" if binding == "asn1" else "8.2.7/3.8", res["error"])

    def test_download_through_the_eim(self):
        for binding in ("asn1", "json"):
            card, path = new_card()
            with open(path) as f:
                eid = json.load(f)["eid"]
            p = add_profile()
            ac = "1$%s$%s" % (SRV["info"]["address"], p["matchingId"])
            got = self._trigger(card, eid, ac)
            self.assertEqual(got, ac)
            _, address, mid = got.split("$")[:3]
            ipa = IndirectIpa(card, self.ca, self.url.split("//")[1], binding)
            res = ipa.download(address, mid)
            self.assertTrue(res["ok"], "%s: %s" % (binding, res.get("error")))
            self.assertIn(p["iccid"], profiles(card))
            self.assertEqual([c for c, _ in ipa.calls],
                             ["initiateAuthentication", "authenticateClient",
                              "getBoundProfilePackage", "handleNotification"])
            # The install result reached the SM-DP+ through the eIM, signature checked.
            rec = [n for n in state()["notifications"] if n.get("txid") == res["txid"]]
            self.assertEqual((len(rec), rec[0]["signature_ok"]), (1, True), binding)
            relayed = self.eim_admin("GET", "/admin/relay")
            self.assertEqual(relayed["sessions"][res["txid"]], SRV["info"]["address"])

    def test_smds_event_through_the_eim(self):
        """contactSmds in the indirect mode: the eIM speaks ES11 to the SM-DS and answers
        authenticateClientOkDSEsipa with a profileDownloadTrigger naming the event."""
        for binding in ("asn1", "json"):
            card, path = new_card()
            with open(path) as f:
                eid = json.load(f)["eid"]
            p = add_profile()
            admin("POST", "/admin/reset", {}, SRV["ds_info"])
            eim = self.url.split("//")[1]
            # No event for this eUICC: no trigger.
            self.assertIsNone(IndirectIpa(card, self.ca, eim, binding).discover(
                SRV["ds_info"]["address"]))
            admin("POST", "/admin/events", {"events": [
                {"eid": eid, "eventId": p["matchingId"],
                 "rspServerAddress": SRV["info"]["address"]}]}, SRV["ds_info"])
            ac = IndirectIpa(card, self.ca, eim, binding).discover(SRV["ds_info"]["address"])
            self.assertEqual(ac, "1$%s$%s" % (SRV["info"]["address"], p["matchingId"]), binding)
            res = IndirectIpa(card, self.ca, eim, binding).download(SRV["info"]["address"],
                                                                    ac.split("$")[2])
            self.assertTrue(res["ok"], "%s: %s" % (binding, res.get("error")))

    def test_failures_through_the_eim(self):
        for binding, want in (("asn1", "Esipa error 6"), ("json", "8.2.6/3.8")):
            card, _ = new_card()
            ipa = IndirectIpa(card, self.ca, self.url.split("//")[1], binding)
            res = ipa.download(SRV["info"]["address"], "NO-SUCH-MATCHING-ID")
            self.assertEqual(res["step"], "authenticateClient")
            self.assertIn(want, res["error"])
            # The card's signed CancelSession went to the SM-DP+ through the eIM.
            self.assertTrue(res.get("cancelled"), res)
            rec = [c for c in state()["cancelled"] if c["txid"] == res["txid"]]
            self.assertEqual(rec[0]["signature_ok"], True)


class Sgp26(unittest.TestCase):
    def test_given_certificate_set(self):
        if not os.path.isdir(SGP26):
            self.skipTest("SGP.26 test certificates not found at %s" % SGP26)
        d = os.path.join(TMP, "sgp26")
        p, info = start("smdp", d, "--pki-from", SGP26)
        try:
            with open(info["euicc_pki"]) as f:
                chain = json.load(f)
            self.assertEqual(chain["eid"], "89049032123451234512345678901235")
            card, _ = new_card(pki_json=info["euicc_pki"])
            info1 = pyder.decode(es10(card, tlv(0xBF20)))
            self.assertEqual(info1.req(0xA9).children()[0].value.hex().upper(),
                             "F54172BDF98A95D65CBEB88A38A1C11D800A85C3")
            prof = add_profile(info=info)
            res = Ipa(card, info["ci"]).download(info["address"], prof["matchingId"])
            self.assertTrue(res["ok"], res.get("error"))
            self.assertIn(prof["iccid"], profiles(card))
        finally:
            self.assertEqual(stop(p), 0)


if __name__ == "__main__":
    prog = unittest.main(exit=False, verbosity=2)
    sys.exit(0 if prog.result.wasSuccessful() else 1)

# SPDX-License-Identifier: Apache-2.0
"""The protocol logic of the test SM-DP+ (ES9+) and SM-DS (ES11), without HTTP.

Each function takes the decoded JSON request and returns (HTTP status, JSON body or
None).  Failures are SGP.22 functionExecutionStatus "Failed" with statusCodeData
(subjectCode / reasonCode as in esipa-json-binding-facts.md)."""

import base64
import binascii
import datetime
import os
import re
import threading
import time

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from . import package, pki
import pyder
import rspcrypto
from pyder import tlv, enc_utf8, enc_bool

TXID_RE = re.compile(r"^[0-9A-Fa-f]{2,32}$")
CC_RETRIES = 3
# Fault kinds (see README.md): per-request ones apply to the functions they name (all
# when none is named) and optionally only `count` times; the others switch state.
REQUEST_KINDS = ("http-status", "drop", "delay", "truncate", "refuse-matching-id",
                 "refuse-cc", "corrupt-bpp")
STATE_KINDS = ("expired-cert", "other-ci", "other-ci-auth")


class Failed(Exception):
    """Answer the function with status Failed and this statusCodeData."""

    def __init__(self, subject, reason, message):
        super().__init__("%s/%s %s" % (subject, reason, message))
        self.subject = subject
        self.reason = reason
        self.message = message


def header(status="Executed-Success", failed=None):
    fes = {"status": status}
    if failed is not None:
        fes["status"] = "Failed"
        fes["statusCodeData"] = {"subjectCode": failed.subject, "reasonCode": failed.reason,
                                 "message": failed.message}
    return {"header": {"functionExecutionStatus": fes}}


def b64(b):
    return base64.b64encode(b).decode()


def unb64(req, key, subject="8.1", reason="2.2"):
    v = req.get(key)
    if v is None:
        raise Failed(subject, reason, "%s missing" % key)
    if not isinstance(v, str):
        raise Failed(subject, "2.1", "%s: base64 string expected" % key)
    try:
        return base64.b64decode(v, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise Failed(subject, "2.1", "%s: not base64 (%s)" % (key, exc))


def der(req, key, expect, subject="8.1"):
    raw = unb64(req, key, subject)
    try:
        return pyder.decode(raw, expect=expect)
    except pyder.DerError as exc:
        raise Failed(subject, "2.1", "%s: %s" % (key, exc))


def _utcnow():
    return datetime.datetime.now(datetime.timezone.utc).replace(tzinfo=None)


def _not_after(cert):
    v = getattr(cert, "not_valid_after_utc", None) or cert.not_valid_after
    return v.replace(tzinfo=None) if v.tzinfo else v


def _signed_by(cert, issuer):
    try:
        issuer.public_key().verify(cert.signature, cert.tbs_certificate_bytes,
                                   ec.ECDSA(cert.signature_hash_algorithm))
        return True
    except (InvalidSignature, TypeError, ValueError):
        return False


def parse_profile_spec(text):
    """'matchingId=MID1,iccid=...,cc=1234,name=...,spn=...,size=40000,class=test,eid=...,
    rsk=1,address=...' -> profile dict (the admin API takes the same keys as JSON)."""
    out = {}
    for part in text.split(","):
        if not part:
            continue
        k, sep, v = part.partition("=")
        if not sep:
            raise ValueError("profile spec %r: key=value expected" % part)
        out[k.strip()] = v
    return normalize_profile(out)


def normalize_profile(p):
    if not isinstance(p, dict):
        raise ValueError("profile: object expected")
    alias = {"matchingId": "matching_id", "cc": "confirmation_code", "spn": "service_provider",
             "rsk": "replace_session_keys", "address": "notification_address"}
    q = {alias.get(k, k): v for k, v in p.items()}
    iccid = q.get("iccid")
    if not isinstance(iccid, str) or not re.fullmatch(r"\d{19,20}", iccid):
        raise ValueError("profile: iccid of 19 or 20 digits required")
    q.setdefault("matching_id", "")
    q.setdefault("service_provider", "Test Operator")
    q.setdefault("name", "Test Profile %s" % iccid[-4:])
    q["size"] = int(q.get("size", 32768))
    if q["size"] < 1:
        raise ValueError("profile: size must be positive")
    if q.get("class", "operational") not in package.CLASSES:
        raise ValueError("profile: class must be test, provisioning or operational")
    q["replace_session_keys"] = str(q.get("replace_session_keys", "0")).lower() in (
        "1", "true", "yes")
    if q.get("confirmation_code") in ("", None):
        q.pop("confirmation_code", None)
    if q.get("eid") in ("", None):
        q.pop("eid", None)
    if "ppr" in q and isinstance(q["ppr"], str):
        q["ppr"] = [int(x) for x in q["ppr"].split("+") if x]
    return q


class RspServer:
    """State shared by the HTTP handlers of one SM-DP+ or SM-DS."""

    def __init__(self, role, pki_paths, address=None):
        self.role = role                       # "smdp" or "smds"
        self.lock = threading.RLock()
        self.paths = pki_paths
        self.ci = pki.load_cert(pki_paths["ci"])
        self.ci_ski = pki.ski(self.ci)
        self.address = address                 # set by the server once bound
        self.sets = {}
        prefix = "dp" if role == "smdp" else "ds"
        for name, auth, pb, tls in (
                ("genuine", prefix + "-auth", "dp-pb", prefix + "-tls"),
                ("expired", "expired-dp-auth", "expired-dp-pb", "expired-dp-tls"),
                ("other", "other-dp-auth", "other-dp-pb", "other-dp-tls")):
            self.sets[name] = {
                "auth": (pki.load_cert(pki_paths[auth][0]), pki.load_key(pki_paths[auth][1])),
                "pb": (pki.load_cert(pki_paths[pb][0]), pki.load_key(pki_paths[pb][1])),
                "tls": pki_paths[tls]}
        self.reset()

    def reset(self):
        with self.lock:
            self.profiles = []
            self.events = []
            self.sessions = {}
            self.notifications = []
            self.cancelled = []
            self.faults = []
            self.log = []
            self.bpps = []

    # ------------------------------------------------------------ faults

    def set_faults(self, faults):
        if not isinstance(faults, list):
            raise ValueError("faults: list expected")
        out = []
        for f in faults:
            if isinstance(f, str):
                f = {"kind": f}
            if not isinstance(f, dict) or f.get("kind") not in REQUEST_KINDS + STATE_KINDS:
                raise ValueError("fault %r: kind must be one of %s"
                                 % (f, ", ".join(REQUEST_KINDS + STATE_KINDS)))
            f = dict(f)
            if f["kind"] == "http-status":
                f["status"] = int(f.get("status", 500))
            if f["kind"] == "delay":
                f["ms"] = int(f.get("ms", 1000))
            out.append(f)
        with self.lock:
            self.faults = out
        return out

    def take_faults(self, function, kinds):
        """The request faults of those kinds that apply to function (counts consumed)."""
        got = []
        with self.lock:
            for f in self.faults:
                if f["kind"] not in kinds:
                    continue
                if f.get("function") not in (None, function):
                    continue
                if f.get("count") is not None:
                    if f["count"] <= 0:
                        continue
                    f["count"] -= 1
                got.append(dict(f))
        return got

    def cert_set(self):
        with self.lock:
            kinds = {f["kind"] for f in self.faults}
        # (TLS, DPauth / DSauth, DPpb) certificate sets
        if "expired-cert" in kinds:
            return "expired", "expired", "expired"
        if "other-ci" in kinds:
            return "other", "other", "other"
        if "other-ci-auth" in kinds:
            return "genuine", "other", "other"
        return "genuine", "genuine", "genuine"

    # ------------------------------------------------------------ admin

    def add_profiles(self, profiles):
        if not isinstance(profiles, list):
            raise ValueError("profiles: list expected")
        new = [normalize_profile(p) for p in profiles]
        with self.lock:
            for p in new:
                p["downloads"] = 0
                self.profiles.append(p)
        return new

    def add_events(self, events):
        if not isinstance(events, list):
            raise ValueError("events: list expected")
        out = []
        for e in events:
            if not isinstance(e, dict) or not e.get("eid") or not e.get("eventId"):
                raise ValueError("event: eid and eventId required")
            out.append({"eid": e["eid"].upper(), "eventId": e["eventId"],
                        "rspServerAddress": e.get("rspServerAddress") or e.get("address", "")})
        with self.lock:
            self.events.extend(out)
        return out

    def view(self):
        with self.lock:
            sessions = {k: {kk: vv for kk, vv in v.items()
                            if isinstance(vv, (str, int, bool, type(None)))}
                        for k, v in self.sessions.items()}
            return {"role": self.role, "address": self.address, "profiles": self.profiles,
                    "events": self.events, "sessions": sessions,
                    "notifications": self.notifications, "cancelled": self.cancelled,
                    "faults": self.faults, "bpps": self.bpps}

    # ------------------------------------------------------------ ES9+ / ES11

    def initiate_authentication(self, req):
        challenge = unb64(req, "euiccChallenge", "8.1")
        if len(challenge) != 16:
            raise Failed("8.1", "2.1", "euiccChallenge must be 16 bytes")
        info1 = der(req, "euiccInfo1", 0xBF20)
        address = req.get("smdpAddress")
        if self.role == "smds" and address is None:
            address = req.get("smdsAddress")            # the SM-DS takes either key
        if not isinstance(address, str) or not address:
            raise Failed("8.8.1" if self.role == "smdp" else "8.9.1", "2.2", "address missing")
        if address != self.address:
            raise Failed("8.8.1" if self.role == "smdp" else "8.9.1", "3.8",
                         "address %r is not this server's (%s)" % (address, self.address))
        try:
            verify_ids = [k.value for k in info1.req(0xA9).children()]
            info1.req(0x82)
        except pyder.DerError as exc:
            raise Failed("8.1", "2.1", "euiccInfo1: %s" % exc)
        if self.ci_ski not in verify_ids:
            raise Failed("8.8.2" if self.role == "smdp" else "8.9.2", "3.1",
                         "none of the eUICC's CI keys is this server's CI")
        _, auth_set, _ = self.cert_set()
        cert, key = self.sets[auth_set]["auth"]
        txid = os.urandom(16)
        server_challenge = os.urandom(16)
        signed1 = tlv(0x30, [tlv(0x80, txid), tlv(0x81, challenge),
                             enc_utf8(self.address, tag=0x83), tlv(0x84, server_challenge)])
        sig1 = rspcrypto.sign(key, signed1)
        with self.lock:
            self.sessions[txid.hex().upper()] = {
                "txid": txid.hex().upper(), "stage": "initiated", "server_challenge":
                server_challenge.hex(), "euicc_challenge": challenge.hex(), "started": time.time(),
                "cert_set": auth_set}
        return 200, dict(header(), transactionId=txid.hex().upper(), serverSigned1=b64(signed1),
                         serverSignature1=b64(tlv(0x5F37, sig1)),
                         euiccCiPKIdToBeUsed=b64(tlv(0x04, self.ci_ski)),
                         serverCertificate=b64(pki.cert_der(cert)))

    def _session(self, req, stage):
        txid = req.get("transactionId")
        if not isinstance(txid, str) or not TXID_RE.match(txid):
            raise Failed("8.10.1", "2.1", "transactionId: hex string expected")
        with self.lock:
            sess = self.sessions.get(txid.upper())
        if sess is None:
            raise Failed("8.10.1", "3.9", "unknown transactionId")
        if stage is not None and sess["stage"] != stage:
            raise Failed("8.10.1", "3.9", "transaction in stage %s, not %s"
                         % (sess["stage"], stage))
        return sess

    def _check_euicc(self, sess, resp):
        """Verify an AuthenticateServerResponse; return (EID, matchingId, eUICC cert)."""
        kids = resp.children()
        if len(kids) != 1:
            raise Failed("8.1", "2.1", "authenticateServerResponse: one alternative expected")
        if kids[0].tag == 0xA1:
            try:
                code = kids[0].req(0x02).int()
            except pyder.DerError:
                code = None
            raise Failed("8.1", "3.8", "the eUICC refused the server: authenticateErrorCode %s"
                         % code)
        ok = kids[0]
        try:
            parts = ok.children()
            if [p.tag for p in parts] != [0x30, 0x5F37, 0x30, 0x30]:
                raise pyder.DerError("euiccSigned1, euiccSignature1, two certificates expected")
            signed1, sig1, euicc_der, eum_der = parts
            txid = signed1.req(0x80).value
            address = signed1.req(0x83).str()
            server_challenge = signed1.req(0x84).value
            ctx = signed1.req(0xA0)
            mid_tlv = ctx.find(0x80)
            matching_id = mid_tlv.str() if mid_tlv is not None else None
            ctx.req(0xA1)
        except pyder.DerError as exc:
            raise Failed("8.1", "2.1", "authenticateServerResponse: %s" % exc)
        try:
            eum = x509.load_der_x509_certificate(eum_der.raw)
            euicc = x509.load_der_x509_certificate(euicc_der.raw)
        except ValueError as exc:
            raise Failed("8.1.3", "2.1", "certificates: %s" % exc)
        if not _signed_by(eum, self.ci):
            raise Failed("8.1.2", "6.1", "EUM certificate not signed by this CI")
        if _not_after(eum) < _utcnow():
            raise Failed("8.1.2", "6.3", "EUM certificate expired")
        if not _signed_by(euicc, eum):
            raise Failed("8.1.3", "6.1", "eUICC certificate not signed by the EUM")
        if _not_after(euicc) < _utcnow():
            raise Failed("8.1.3", "6.3", "eUICC certificate expired")
        if not rspcrypto.verify(euicc.public_key(), signed1.raw, sig1.value):
            raise Failed("8.1", "6.1", "euiccSignature1 does not verify")
        if txid.hex().upper() != sess["txid"]:
            raise Failed("8.10.1", "3.9", "euiccSigned1 carries another transactionId")
        if server_challenge.hex() != sess["server_challenge"]:
            raise Failed("8.1", "6.1", "euiccSigned1 carries another serverChallenge")
        if address != self.address:
            raise Failed("8.8.1", "3.8", "euiccSigned1 names another server address")
        try:
            eid = euicc.subject.get_attributes_for_oid(NameOID.SERIAL_NUMBER)[0].value
        except IndexError:
            raise Failed("8.1.3", "2.1", "eUICC certificate without an EID serialNumber")
        return eid.upper(), matching_id, euicc, sig1

    def authenticate_client(self, req):
        sess = self._session(req, "initiated")
        resp = der(req, "authenticateServerResponse", 0xBF38)
        eid, matching_id, euicc, sig1 = self._check_euicc(sess, resp)
        with self.lock:
            sess.update({"eid": eid, "matching_id": matching_id, "euicc_cert": euicc,
                         "euicc_sig1": sig1.value})
        if self.role == "smds":
            return self._es11_events(sess, eid)
        if self.take_faults("authenticateClient", ("refuse-matching-id",)):
            raise Failed("8.2.6", "3.8", "matching ID refused (fault switch)")
        profile = self._find_profile(eid, matching_id or "")
        _, _, pb_set = self.cert_set()
        pb_cert, pb_key = self.sets[pb_set]["pb"]
        txid = bytes.fromhex(sess["txid"])
        cc_required = "confirmation_code" in profile
        signed2 = tlv(0x30, [tlv(0x80, txid), enc_bool(cc_required)])
        sig2 = rspcrypto.sign(pb_key, signed2 + tlv(0x5F37, sig1.value))
        metadata = package.store_metadata(profile, self.address)
        with self.lock:
            sess.update({"stage": "authenticated", "profile": profile, "cc_tries": 0,
                         "smdp_sig2": sig2.hex(), "pb_set": pb_set,
                         "iccid": profile["iccid"]})
        return 200, dict(header(), transactionId=sess["txid"], profileMetadata=b64(metadata),
                         smdpSigned2=b64(signed2), smdpSignature2=b64(tlv(0x5F37, sig2)),
                         smdpCertificate=b64(pki.cert_der(pb_cert)))

    def _find_profile(self, eid, matching_id):
        with self.lock:
            cands = [p for p in self.profiles if p["matching_id"] == matching_id]
        if not cands:
            if matching_id == "":
                raise Failed("8.2.6", "3.9", "no profile pending for this eUICC")
            raise Failed("8.2.6", "3.8", "matching ID refused")
        for p in cands:
            if p.get("eid") in (None, eid):
                return p
        raise Failed("8.1.1", "3.8", "the profile is bound to another EID")

    def _es11_events(self, sess, eid):
        with self.lock:
            events = [{"eventId": e["eventId"], "rspServerAddress": e["rspServerAddress"]}
                      for e in self.events if e["eid"] == eid]
            sess["stage"] = "done"
        return 200, dict(header(), transactionId=sess["txid"], eventEntries=events)

    def get_bound_profile_package(self, req):
        sess = self._session(req, None)
        if sess["stage"] not in ("authenticated", "bpp"):
            raise Failed("8.10.1", "3.9", "transaction in stage %s" % sess["stage"])
        resp = der(req, "prepareDownloadResponse", 0xBF21)
        try:
            alt = resp.children()
            if len(alt) != 1:
                raise pyder.DerError("one alternative expected")
            if alt[0].tag == 0xA1:
                code = alt[0].req(0x02).int()
                raise Failed("8.1", "3.8", "the eUICC refused PrepareDownload: downloadErrorCode "
                             "%d" % code)
            signed2 = alt[0].req(0x30)
            sig2 = alt[0].req(0x5F37)
            txid = signed2.req(0x80).value
            otpk = signed2.req(0x5F49).value
            hcc = signed2.find(0x04)
        except pyder.DerError as exc:
            raise Failed("8.1", "2.1", "prepareDownloadResponse: %s" % exc)
        if not rspcrypto.verify(sess["euicc_cert"].public_key(),
                                signed2.raw + tlv(0x5F37, bytes.fromhex(sess["smdp_sig2"])),
                                sig2.value):
            raise Failed("8.1", "6.1", "euiccSignature2 does not verify")
        if txid.hex().upper() != sess["txid"]:
            raise Failed("8.10.1", "3.9", "euiccSigned2 carries another transactionId")
        profile = sess["profile"]
        if "confirmation_code" in profile:
            if hcc is None:
                raise Failed("8.2.7", "2.2", "confirmation code required")
            refused = self.take_faults("getBoundProfilePackage", ("refuse-cc",))
            want = rspcrypto.hash_cc(profile["confirmation_code"], txid)
            if refused or hcc.value != want:
                with self.lock:
                    sess["cc_tries"] += 1
                    tries = sess["cc_tries"]
                if tries >= CC_RETRIES:
                    with self.lock:
                        sess["stage"] = "failed"
                    raise Failed("8.2.7", "6.4", "confirmation code refused %d times" % tries)
                raise Failed("8.2.7", "3.8", "confirmation code refused")
        _, pb_key = self.sets[sess["pb_set"]]["pb"]
        upp = package.build_upp(profile["iccid"], profile["size"])
        metadata = package.store_metadata(profile, self.address)
        bpp = package.build_bpp(txid, sess["eid"], otpk, pb_key, metadata, upp, pki.SMDP_OID,
                                profile.get("replace_session_keys", False))
        for f in self.take_faults("getBoundProfilePackage", ("corrupt-bpp",)):
            bpp = corrupt(bpp, f.get("segment", "86"), int(f.get("index", 0)))
        with self.lock:
            sess["stage"] = "bpp"
            profile["downloads"] = profile.get("downloads", 0) + 1
            self.bpps.append({"txid": sess["txid"], "size": len(bpp), "upp_size": len(upp),
                              "segments": len(package.segments(bpp))})
        return 200, dict(header(), transactionId=sess["txid"], boundProfilePackage=b64(bpp))

    def handle_notification(self, req):
        raw = unb64(req, "pendingNotification", "8.1")
        try:
            n = pyder.decode(raw)
        except pyder.DerError as exc:
            raise Failed("8.1", "2.1", "pendingNotification: %s" % exc)
        rec = {"received": time.time(), "der": raw.hex().upper()}
        try:
            if n.tag == 0xBF37:
                data = n.req(0xBF27)
                sig = n.req(0x5F37).value
                txid = data.req(0x80).value.hex().upper()
                meta = data.req(0xBF2F)
                final = data.req(0xA2).children()[0]
                rec.update({"kind": "install", "txid": txid, "seq": meta.req(0x80).int(),
                            "result": "success" if final.tag == 0xA0 else "error"})
                if final.tag == 0xA1:
                    rec["bppCommandId"] = final.req(0x80).int()
                    rec["errorReason"] = final.req(0x81).int()
                with self.lock:
                    sess = self.sessions.get(txid)
                if sess is not None and sess.get("euicc_cert") is not None:
                    rec["signature_ok"] = rspcrypto.verify(sess["euicc_cert"].public_key(),
                                                           data.raw, sig)
                    rec["iccid"] = sess.get("iccid")
                    with self.lock:
                        sess["stage"] = "notified"
                else:
                    rec["signature_ok"] = None
            else:
                meta = n.req(0xBF2F)
                cert = x509.load_der_x509_certificate(n.find_all(0x30)[0].raw)
                rec.update({"kind": "other", "seq": meta.req(0x80).int(),
                            "signature_ok": rspcrypto.verify(cert.public_key(), meta.raw,
                                                             n.req(0x5F37).value)})
        except (pyder.DerError, IndexError, ValueError) as exc:
            raise Failed("8.1", "2.1", "pendingNotification: %s" % exc)
        with self.lock:
            self.notifications.append(rec)
        return 204, None

    def cancel_session(self, req):
        sess = self._session(req, None)
        resp = der(req, "cancelSessionResponse", 0xBF41)
        rec = {"txid": sess["txid"], "received": time.time()}
        try:
            alt = resp.children()[0]
            if alt.tag == 0xA0:
                signed = alt.req(0x30)
                sig = alt.req(0x5F37).value
                rec["reason"] = signed.req(0x82).int()
                cert = sess.get("euicc_cert")
                if cert is not None and not rspcrypto.verify(cert.public_key(), signed.raw, sig):
                    raise Failed("8.1", "6.1", "euiccCancelSessionSignature does not verify")
                if signed.req(0x80).value.hex().upper() != sess["txid"]:
                    raise Failed("8.10.1", "3.9", "cancelled another transaction")
                rec["signature_ok"] = cert is not None
            else:
                rec["error"] = alt.int()
        except (pyder.DerError, IndexError) as exc:
            raise Failed("8.1", "2.1", "cancelSessionResponse: %s" % exc)
        with self.lock:
            sess["stage"] = "cancelled"
            self.cancelled.append(rec)
        return 200, header()


def corrupt(bpp, which, index=0):
    """Flip one byte inside the protected body (not the tag or length) of the index-th
    TLV of kind which ("bf23", "87", "88", "86") of a BPP."""
    segs = package.segments(bpp)
    want = {"bf23": 0xBF23, "87": 0x87, "88": 0x88, "86": 0x86}[which.lower()]
    hits = []
    for s in segs:
        tag, pos = pyder.read_tag(s, 0)
        if tag in (0xBF36, 0xA0, 0xA2):
            _, pos = pyder.read_length(s, pos)
            tag, pos2 = pyder.read_tag(s, pos)
            base = pos
        else:
            base = 0
            pos2 = pos
        if tag == want:
            _, body = pyder.read_length(s, pos2)
            hits.append((s, base, body - base))
    seg, base, head = hits[index]
    start = bpp.index(seg)
    # The middle of the inner TLV's value: ciphertext, plaintext metadata or signature.
    inner = pyder.read_tlv(seg, base)[0]
    off = start + base + head + len(inner.value) // 2
    return bpp[:off] + bytes([bpp[off] ^ 0x01]) + bpp[off + 1:]

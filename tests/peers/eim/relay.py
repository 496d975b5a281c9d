# SPDX-License-Identifier: Apache-2.0
"""Indirect profile download: the test eIM relays the ESipa download functions to the
SM-DP+ over ES9+ (SGP.22 JSON binding, HTTPS verified against the CA file given with
--smdp-ca), in both ESipa bindings.

  ASN.1 binding                          ES9+ (JSON)
  BF39 InitiateAuthenticationRequestEsipa -> initiateAuthentication (to smdpAddress)
  BF3B AuthenticateClientRequestEsipa     -> authenticateClient
  BF3A GetBoundProfilePackageRequestEsipa -> getBoundProfilePackage
  BF41 CancelSessionRequestEsipa          -> cancelSession (A1 re-tagged to BF41)
  BF3D HandleNotificationEsipa (a BF37)   -> handleNotification (to its notificationAddress)

To an address given with --smds-address, BF39 and BF3B go over ES11 instead, and the
AuthenticateClient answer is authenticateClientOkDSEsipa carrying a
profileDownloadTrigger (BF54) with the activation code of the SM-DS's first event.

The SM-DP+ of a transaction is the one its initiateAuthentication went to.  A confirmation
code given with the download trigger (admin queue "download": {..., "confirmationCode"})
is turned into hashCc for the AuthenticateClient answer of the transaction whose
InitiateAuthentication carried that eimTransactionId, when the SM-DP+ asks for one.  ES9+
failures become the Esipa error codes (ASN.1) or pass through as the SGP.22 header
(JSON); a transport failure is undefinedError(127) / Failed 8.8 3.7.  Every relayed
call is recorded (admin GET /admin/relay), and so is the form each eUICC answer came in
("received": compact or full, minimizeEsipaBytes): compact ones are put back into the SGP.22
forms first (eim/compact.py), from the session and from what `held` (the eUICC's last
IpaEuiccData: EUICCInfo1/2 and certificates) gives."""

import base64
import binascii
import hashlib
import http.client
import json
import ssl
import threading
import time

import pyder
from pyder import tlv, enc_integer

from . import compact

ES9_PREFIX = "/gsma/rsp2/es9plus/"
ES11_PREFIX = "/gsma/rsp2/es11/"
UNDEFINED = 127


class RelayFailed(Exception):
    def __init__(self, subject, reason, message):
        super().__init__("%s/%s %s" % (subject, reason, message))
        self.subject = subject
        self.reason = reason
        self.message = message


class Relay:
    def __init__(self, ca_file, timeout=30, smds=()):
        self.ctx = ssl.create_default_context(cafile=ca_file) if ca_file else None
        self.smds = set(smds)              # addresses spoken to over ES11, not ES9+
        self.timeout = timeout
        self.lock = threading.Lock()
        self.sessions = {}                 # transactionId (hex upper) -> SM-DP+ address
        self.codes = {}                    # eimTransactionId (hex upper) -> confirmation code
        self.session_codes = {}            # transactionId -> confirmation code
        self.state = {}                    # transactionId -> what compact forms are rebuilt from
        self.received = []                 # {"function", "form", "transactionId"}
        self.log = []

    @property
    def enabled(self):
        return self.ctx is not None

    # ------------------------------------------------------------ ES9+ client

    def call(self, address, function, body):
        """POST one ES9+ (or, to an SM-DS, ES11) function; return the JSON body (None
        for 204) or raise RelayFailed."""
        prefix = ES11_PREFIX if address in self.smds else ES9_PREFIX
        entry = {"address": address, "function": function, "time": time.time()}
        host, _, port = address.partition(":")
        try:
            conn = http.client.HTTPSConnection(host, int(port or 443), context=self.ctx,
                                               timeout=self.timeout)
            conn.request("POST", prefix + function, json.dumps(body).encode(),
                         {"Content-Type": "application/json",
                          "X-Admin-Protocol": "gsma/rsp/v2.2.0",
                          "User-Agent": "euiccd-test-eim-relay/1.0"})
            resp = conn.getresponse()
            raw = resp.read()
            conn.close()
        except (OSError, ValueError, http.client.HTTPException) as exc:
            entry["error"] = "transport: %s" % exc
            self._record(entry)
            raise RelayFailed("8.8", "3.7", "SM-DP+ %s unreachable: %s" % (address, exc))
        entry["status"] = resp.status
        self._record(entry)
        if resp.status == 204:
            return None
        if resp.status != 200:
            raise RelayFailed("8.8", "3.7", "SM-DP+ answered HTTP %d" % resp.status)
        try:
            out = json.loads(raw.decode())
            fes = out["header"]["functionExecutionStatus"]
        except (ValueError, KeyError, TypeError) as exc:
            raise RelayFailed("8.8", "3.7", "SM-DP+ answer is not ES9+ JSON: %s" % exc)
        if fes.get("status") not in ("Executed-Success", "Executed-WithWarning"):
            scd = fes.get("statusCodeData") or {}
            raise RelayFailed(scd.get("subjectCode"), scd.get("reasonCode"),
                              scd.get("message", ""))
        return out

    def _record(self, entry):
        with self.lock:
            self.log.append(entry)

    def address_of(self, txid_hex):
        with self.lock:
            addr = self.sessions.get(txid_hex.upper())
        if addr is None:
            raise RelayFailed("8.10.1", "3.9", "transactionId unknown to this eIM")
        return addr

    # ------------------------------------------------------------ the functions

    def _received(self, function, form, txid=None):
        with self.lock:
            self.received.append({"function": function, "form": form, "transactionId": txid})

    def session(self, txid):
        """What this eIM keeps of a download session, for the compact forms."""
        with self.lock:
            st = self.state.get(txid.hex().upper() if isinstance(txid, bytes) else txid.upper())
        if st is None:
            raise RelayFailed("8.10.1", "3.9", "transactionId unknown to this eIM")
        return st

    def initiate_authentication(self, challenge, info1, address, eim_txid=None, held=None):
        if not address:
            raise RelayFailed("8.8.1", "2.2", "smdpAddress missing")
        if info1:
            self._received("initiateAuthentication", "full")
        else:
            # minimizeEsipaBytes: euiccInfo1 left out, the eIM's own from IpaEuiccData goes.
            if not held or not held.get("euiccInfo1"):
                raise RelayFailed("8.1", "2.2", "euiccInfo1 left out and none held for this eUICC")
            info1 = bytes.fromhex(held["euiccInfo1"])
            self._received("initiateAuthentication", "compact")
        out = self.call(address, "initiateAuthentication", {
            "euiccChallenge": _b64(challenge), "euiccInfo1": _b64(info1),
            "smdpAddress": address})
        with self.lock:
            txid = out["transactionId"].upper()
            self.sessions[txid] = address
            try:
                auth_oid = compact.registered_oid(_unb64(out, "serverCertificate"))
            except (KeyError, ValueError, pyder.DerError):
                auth_oid = None
            self.state[txid] = {"transaction_id": bytes.fromhex(txid), "address": address,
                                "server_signed1": _unb64(out, "serverSigned1"),
                                "auth_oid": auth_oid, "held": held or {}}
            if eim_txid is not None and eim_txid.upper() in self.codes:
                self.session_codes[txid] = self.codes[eim_txid.upper()]
        return out

    def hash_cc(self, txid_hex, smdp_signed2):
        """hashCc for the AuthenticateClient answer when the SM-DP+ wants a confirmation
        code and this eIM was given it with the download trigger (SGP.32 3.2.3.2), else None."""
        with self.lock:
            cc = self.session_codes.get(txid_hex.upper())
        if cc is None or pyder.decode(smdp_signed2).req(0x01).value != b"\xff":
            return None
        inner = hashlib.sha256(cc.encode()).digest()
        return hashlib.sha256(inner + bytes.fromhex(txid_hex)).digest()

    def forward(self, function, txid_hex, body):
        return self.call(self.address_of(txid_hex), function, dict(body, transactionId=txid_hex))

    def learn_dp(self, txid_hex, out, hcc):
        """From an SM-DP+'s authenticateClient answer: its CERT.DPpb OID, the ICCID of the
        profile, the hashCc this eIM passes on."""
        st = self.session(txid_hex)
        with self.lock:
            st["hash_cc"] = hcc
            try:
                st["pb_oid"] = compact.registered_oid(_unb64(out, "smdpCertificate"))
                st["iccid"] = compact.iccid_of(_unb64(out, "profileMetadata"))
            except (KeyError, ValueError, pyder.DerError):
                pass

    def full_authenticate_server_response(self, txid_hex, bf38):
        full, form = compact.authenticate_server_response(bf38, self.session(txid_hex),
                                                          self.session(txid_hex)["held"])
        self._received("authenticateClient", form, txid_hex.upper())
        return full

    def full_prepare_download_response(self, txid_hex, bf21):
        full, form = compact.prepare_download_response(bf21, self.session(txid_hex))
        self._received("getBoundProfilePackage", form, txid_hex.upper())
        return full

    def full_cancel_session_response(self, txid_hex, bf41):
        full, form = compact.cancel_session_response(bf41, self.session(txid_hex))
        self._received("cancelSession", form, txid_hex.upper())
        return full

    def pending_notification(self, pending):
        """A PendingNotification that may be a compactProfileInstallationResult: the full
        BF37 (or the notification as it came)."""
        full, form = compact.profile_installation_result(pending, self.session)
        if full[:2] == b"\xBF\x37":
            txid = pyder.decode(full).req(0xBF27).req(0x80).value.hex().upper()
            self._received("handleNotification", form, txid)
        return full

    def notification(self, pir):
        """Deliver a ProfileInstallationResult to the SM-DP+ that the transaction ran on."""
        t = pyder.decode(pir, expect=0xBF37)
        txid = t.req(0xBF27).req(0x80).value.hex().upper()
        address = t.req(0xBF27).req(0xBF2F).req(0x0C).str()
        with self.lock:
            address = self.sessions.get(txid, address)
        return self.call(address, "handleNotification", {"pendingNotification": _b64(pir)})

    @staticmethod
    def ds_trigger(out):
        """AuthenticateClientOkDSEsipa.profileDownloadTrigger for the first event the SM-DS
        returned: a BF54 with the activation code 1$<rspServerAddress>$<eventId>; [] when
        there is none."""
        events = out.get("eventEntries") or []
        if not events:
            return []
        ac = "1$%s$%s" % (events[0]["rspServerAddress"], events[0]["eventId"])
        return [tlv(0xBF54, tlv(0xA0, pyder.enc_utf8(ac, tag=0x80)))]

    # ------------------------------------------------------------ ASN.1 binding

    def asn1(self, msg, held=None):
        """One BF39 / BF3B / BF3A / BF41 request TLV -> the DER answer; held: what this eIM
        holds of the eUICC (for minimizeEsipaBytes)."""
        tag = msg.tag
        try:
            if tag == 0xBF39:
                addr = msg.find(0x83)
                info1 = msg.find(0xBF20)
                etx = msg.find(0x82)
                out = self.initiate_authentication(msg.req(0x81).value,
                                                   info1.raw if info1 is not None else b"",
                                                   addr.str() if addr is not None else None,
                                                   etx.value.hex() if etx is not None else None,
                                                   held)
                return tlv(0xBF39, tlv(0xA0, [
                    tlv(0x80, bytes.fromhex(out["transactionId"])), _unb64(out, "serverSigned1"),
                    _unb64(out, "serverSignature1"), _unb64(out, "euiccCiPKIdToBeUsed"),
                    _unb64(out, "serverCertificate")]))
            txid = msg.req(0x80).value.hex().upper()
            if tag == 0xBF3B:
                bf38 = self.full_authenticate_server_response(txid, msg.req(0xBF38).raw)
                out = self.forward("authenticateClient", txid, {
                    "authenticateServerResponse": _b64(bf38)})
                if "smdpSigned2" not in out:
                    return tlv(0xBF3B, tlv(0xA1, [tlv(0x80, bytes.fromhex(out["transactionId"]))]
                                          + self.ds_trigger(out)))
                signed2 = _unb64(out, "smdpSigned2")
                hcc = self.hash_cc(txid, signed2)
                self.learn_dp(txid, out, hcc)
                return tlv(0xBF3B, tlv(0xA0, [
                    tlv(0x80, bytes.fromhex(out["transactionId"])), _unb64(out, "profileMetadata"),
                    signed2, _unb64(out, "smdpSignature2"), _unb64(out, "smdpCertificate")]
                    + ([tlv(0x04, hcc)] if hcc is not None else [])))
            if tag == 0xBF3A:
                bf21 = self.full_prepare_download_response(txid, msg.req(0xBF21).raw)
                out = self.forward("getBoundProfilePackage", txid, {
                    "prepareDownloadResponse": _b64(bf21)})
                return tlv(0xBF3A, tlv(0xA0, [tlv(0x80, bytes.fromhex(out["transactionId"])),
                                              _unb64(out, "boundProfilePackage")]))
            if tag == 0xBF41:
                # [A1] cancelSessionResponse is the eUICC's BF41 answer re-tagged.
                inner = msg.req(0xA1)
                bf41 = self.full_cancel_session_response(txid, tlv(0xBF41, inner.value))
                self.forward("cancelSession", txid, {"cancelSessionResponse": _b64(bf41)})
                return tlv(0xBF41, tlv(0xA0))
        except RelayFailed as exc:
            return tlv(tag, enc_integer(asn1_error(tag, exc), tag={0xBF3B: 0x82}.get(tag, 0x81)))
        except (KeyError, ValueError) as exc:
            self._record({"function": "%X" % tag, "error": "cannot relay: %r" % exc})
            return tlv(tag, enc_integer(UNDEFINED, tag={0xBF3B: 0x82}.get(tag, 0x81)))
        raise pyder.DerError("tag %X is not relayed" % tag)

    # ------------------------------------------------------------ JSON binding

    def json(self, function, req, held=None):
        """One ESipa JSON download function -> the JSON answer body."""
        try:
            if function == "initiateAuthentication":
                out = self.initiate_authentication(
                    _unb64(req, "euiccChallenge"),
                    _unb64(req, "euiccInfo1") if "euiccInfo1" in req else None,
                    req.get("smdpAddress"), req.get("eimTransactionId"), held)
                return {"header": out["header"], "transactionId": out["transactionId"],
                        "serverSigned1": out["serverSigned1"],
                        "serverSignature1": out["serverSignature1"],
                        "euiccCiPKIdentifierToBeUsed": out["euiccCiPKIdToBeUsed"],
                        "serverCertificate": out["serverCertificate"]}
            txid = req.get("transactionId")
            if not isinstance(txid, str):
                raise RelayFailed("8.10.1", "2.2", "transactionId missing")
            if function == "authenticateClient":
                bf38 = self.full_authenticate_server_response(
                    txid, _unb64(req, "authenticateServerResponse"))
                out = self.forward("authenticateClient", txid, {
                    "authenticateServerResponse": _b64(bf38)})
                if "smdpSigned2" not in out:
                    answer = {"header": out["header"], "transactionId": out["transactionId"]}
                    trigger = self.ds_trigger(out)
                    if trigger:
                        answer["profileDownloadTrigger"] = _b64(trigger[0])
                    return answer
                keys = ("transactionId", "profileMetadata", "smdpSigned2", "smdpSignature2",
                        "smdpCertificate")
                answer = dict({k: out[k] for k in keys}, header=out["header"])
                hcc = self.hash_cc(txid, _unb64(out, "smdpSigned2"))
                self.learn_dp(txid, out, hcc)
                if hcc is not None:
                    answer["hashCc"] = _b64(hcc)
                return answer
            if function == "getBoundProfilePackage":
                bf21 = self.full_prepare_download_response(
                    txid, _unb64(req, "prepareDownloadResponse"))
                out = self.forward("getBoundProfilePackage", txid, {
                    "prepareDownloadResponse": _b64(bf21)})
                return {"header": out["header"], "transactionId": out["transactionId"],
                        "boundProfilePackage": out["boundProfilePackage"]}
            if function == "cancelSession":
                bf41 = self.full_cancel_session_response(
                    txid, _unb64(req, "cancelSessionResponse"))
                out = self.forward("cancelSession", txid, {"cancelSessionResponse": _b64(bf41)})
                return {"header": out["header"]}
        except RelayFailed as exc:
            return {"header": {"functionExecutionStatus": {
                "status": "Failed", "statusCodeData": {
                    "subjectCode": exc.subject, "reasonCode": exc.reason,
                    "message": exc.message}}}}
        except (KeyError, ValueError, pyder.DerError) as exc:
            return {"header": {"functionExecutionStatus": {
                "status": "Failed", "statusCodeData": {
                    "subjectCode": "8.8", "reasonCode": "3.7",
                    "message": "bad SM-DP+ answer: %s" % exc}}}}
        raise ValueError("function %s is not relayed" % function)


def asn1_error(tag, exc):
    """The Esipa error INTEGER for an ES9+ failure of the function of tag."""
    code = (exc.subject, exc.reason)
    table = {
        0xBF39: {("8.8.1", "3.8"): 1, ("8.8.1", "2.2"): 1, ("8.8.3", "3.1"): 2,
                 ("8.8.2", "3.1"): 3, ("8.8.4", "3.7"): 3},
        0xBF3B: {("8.1.2", "6.1"): 1, ("8.1.2", "6.3"): 2, ("8.1.3", "6.1"): 3,
                 ("8.1.3", "6.3"): 4, ("8.1", "6.1"): 5, ("8.2.6", "3.8"): 6,
                 ("8.1.1", "3.8"): 7, ("8.2.6", "3.9"): 8, ("8.10.1", "3.9"): 10},
        0xBF3A: {("8.1", "6.1"): 1, ("8.2.7", "2.2"): 2, ("8.2.7", "3.8"): 3,
                 ("8.2.7", "6.4"): 4, ("8.10.1", "3.9"): 95},
        0xBF41: {("8.10.1", "3.9"): 1, ("8.1", "6.1"): 2},
    }
    return table.get(tag, {}).get(code, UNDEFINED)


def _b64(b):
    return base64.b64encode(b).decode()


def _unb64(obj, key):
    v = obj.get(key)
    if not isinstance(v, str):
        raise KeyError("%s missing" % key)
    try:
        return base64.b64decode(v, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise ValueError("%s: %s" % (key, exc))

# SPDX-License-Identifier: Apache-2.0
"""A small IPA for the peers' own tests: drives a software eUICC through a complete
SGP.22 profile download against the test SM-DP+ over HTTPS (ES9+ JSON binding), with
the SM-DP+ TLS certificate verified against the CI the eUICC trusts.

    ipa = Ipa(card, ca_file)
    result = ipa.download("127.0.0.1:PORT", matching_id="MID1", confirmation_code=None)

result: {"ok": bool, "step": where it stopped, "error": text, "pir": BF37 bytes,
"segments": number sent, ...}.  Every ES9+ call and card answer is checked; a
failure ends with ES10b.CancelSession on the card and ES9+ cancelSession when the
session had started, as an IPA does."""

import base64
import hashlib
import http.client
import json
import os
import ssl
import sys

_HERE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(_HERE, "lib"))
sys.path.insert(0, _HERE)

import pyder  # noqa: E402
from pyder import tlv, enc_utf8, enc_integer  # noqa: E402
from softeuicc import client  # noqa: E402

ADMIN_PROTOCOL = "gsma/rsp/v2.2.0"
# A DeviceInfo: TAC, deviceCapabilities (eutranEpcSupportedRelease 15.0.0), no IMEI.
DEVICE_INFO = tlv(0xA1, [tlv(0x80, bytes.fromhex("35290611")),
                         tlv(0xA1, tlv(0x85, bytes([15, 0, 0])))])


class StepError(Exception):
    def __init__(self, step, message):
        super().__init__("%s: %s" % (step, message))
        self.step = step
        self.message = message


def bpp_segments(bpp):
    """Split a BPP for ES10b.LoadBoundProfilePackage (test-vectors.md section G)."""
    t = pyder.decode(bpp, expect=0xBF36)
    out = []
    first = True
    for k in t.children():
        head = k.raw[:len(k.raw) - len(k.value)]
        if first:
            out.append(bpp[:len(bpp) - len(t.value)] + k.raw)      # BF36 head + BF23
            first = False
        elif k.tag in (0xA0, 0xA2):
            inner = k.children()
            out.append(head + inner[0].raw)
            out.extend(x.raw for x in inner[1:])
        else:                                                      # A1, A3
            out.append(head)
            out.extend(x.raw for x in k.children())
    return out


class Ipa:
    def __init__(self, card, ca_file, block=255, timeout=20):
        self.card = card
        self.block = block
        self.timeout = timeout
        self.ctx = ssl.create_default_context(cafile=ca_file)
        self.conn = None
        self.txid = None
        self.address = None
        self.calls = []

    # ------------------------------------------------------------ transport

    def _post(self, prefix, function, body):
        if self.conn is None:
            host, _, port = self.address.partition(":")
            self.conn = http.client.HTTPSConnection(host, int(port or 443), context=self.ctx,
                                                    timeout=self.timeout)
        data = json.dumps(body).encode()
        headers = {"Content-Type": "application/json", "X-Admin-Protocol": ADMIN_PROTOCOL,
                   "User-Agent": "euiccd-peer-ipa/1.0"}
        try:
            self.conn.request("POST", prefix + function, data, headers)
            resp = self.conn.getresponse()
            raw = resp.read()
        except (OSError, http.client.HTTPException, ssl.SSLError) as exc:
            self.close()
            raise StepError(function, "transport: %s" % exc)
        self.calls.append((function, resp.status))
        if resp.status == 204:
            return None
        if resp.status != 200:
            raise StepError(function, "HTTP %d: %s" % (resp.status, raw[:200]))
        try:
            out = json.loads(raw.decode())
            fes = out["header"]["functionExecutionStatus"]
        except (ValueError, KeyError, TypeError) as exc:
            raise StepError(function, "answer is not an ES9+ JSON body: %s" % exc)
        if fes.get("status") not in ("Executed-Success", "Executed-WithWarning"):
            scd = fes.get("statusCodeData", {})
            raise StepError(function, "%s %s/%s %s" % (fes.get("status"), scd.get("subjectCode"),
                                                       scd.get("reasonCode"), scd.get("message")))
        return out

    def es9(self, function, body):
        return self._post("/gsma/rsp2/es9plus/", function, body)

    def es11(self, function, body):
        return self._post("/gsma/rsp2/es11/", function, body)

    def close(self):
        if self.conn is not None:
            self.conn.close()
            self.conn = None

    # ------------------------------------------------------------ card

    def _es10(self, ch, request, what):
        try:
            return client.es10(self.card, ch, request, self.block)
        except client.CardError as exc:
            raise StepError(what, "card: %s" % exc)

    @staticmethod
    def _b64(obj, key, step):
        try:
            return base64.b64decode(obj[key], validate=True)
        except (KeyError, TypeError, ValueError) as exc:
            raise StepError(step, "field %s: %s" % (key, exc))

    def _authenticate(self, ch, address, matching_id, es):
        info1 = self._es10(ch, tlv(0xBF20), "GetEUICCInfo1")
        chal = pyder.decode(self._es10(ch, tlv(0xBF2E), "GetEUICCChallenge"),
                            expect=0xBF2E).req(0x80).value
        call = self.es9 if es == "es9" else self.es11
        ia = call("initiateAuthentication", {
            "euiccChallenge": base64.b64encode(chal).decode(),
            "euiccInfo1": base64.b64encode(info1).decode(), "smdpAddress": address})
        txid = ia["transactionId"]
        self.txid = txid
        ctx = [enc_utf8(matching_id, tag=0x80)] if matching_id is not None else []
        req = tlv(0xBF38, [self._b64(ia, "serverSigned1", "initiateAuthentication"),
                           self._b64(ia, "serverSignature1", "initiateAuthentication"),
                           self._b64(ia, "euiccCiPKIdToBeUsed", "initiateAuthentication"),
                           self._b64(ia, "serverCertificate", "initiateAuthentication"),
                           tlv(0xA0, ctx + [DEVICE_INFO])])
        resp = self._es10(ch, req, "AuthenticateServer")
        r = pyder.decode(resp, expect=0xBF38)
        if r.find(0xA0) is None:
            code = r.req(0xA1).req(0x02).int()
            raise StepError("AuthenticateServer", "card refused: authenticateErrorCode %d" % code)
        ac = call("authenticateClient", {"transactionId": txid,
                                         "authenticateServerResponse":
                                         base64.b64encode(resp).decode()})
        return txid, ac

    def discover(self, smds_address):
        """ES11 event retrieval: returns the list of {eventId, rspServerAddress}."""
        self.address = smds_address
        ch = client.open_isdr(self.card)
        try:
            _, ac = self._authenticate(ch, smds_address, None, "es11")
            return ac.get("eventEntries", [])
        finally:
            client.close(self.card, ch)
            self.close()

    def download(self, address, matching_id="", confirmation_code=None, tamper=None,
                 cancel_after=None, deliver=True):
        """tamper(segments) -> segments lets a test change what goes to the card;
        cancel_after="authenticate" / "prepare" ends the session early."""
        self.address = address
        res = {"ok": False, "step": None, "txid": None}
        ch = client.open_isdr(self.card)
        self.txid = None
        try:
            txid, ac = self._authenticate(ch, address, matching_id, "es9")
            res["txid"] = txid
            res["metadata"] = self._b64(ac, "profileMetadata", "authenticateClient")
            signed2 = self._b64(ac, "smdpSigned2", "authenticateClient")
            cc_required = pyder.decode(signed2).req(0x01).value == b"\xff"
            res["cc_required"] = cc_required
            if cancel_after == "authenticate":
                raise StepError("cancel", "cancelled by the caller")
            parts = [signed2, self._b64(ac, "smdpSignature2", "authenticateClient")]
            if cc_required and ac.get("hashCc"):
                # Indirect download: the eIM knew the code and computed the hash.
                parts.append(tlv(0x04, self._b64(ac, "hashCc", "authenticateClient")))
                res["hash_cc_from_eim"] = True
            elif cc_required:
                if confirmation_code is None:
                    raise StepError("PrepareDownload", "confirmation code required")
                inner = hashlib.sha256(confirmation_code.encode()).digest()
                parts.append(tlv(0x04, hashlib.sha256(inner + bytes.fromhex(txid)).digest()))
            parts.append(self._b64(ac, "smdpCertificate", "authenticateClient"))
            prep = self._es10(ch, tlv(0xBF21, parts), "PrepareDownload")
            p = pyder.decode(prep, expect=0xBF21)
            if p.find(0xA0) is None:
                raise StepError("PrepareDownload", "card refused: downloadErrorCode %d"
                                % p.req(0xA1).req(0x02).int())
            if cancel_after == "prepare":
                raise StepError("cancel", "cancelled by the caller")
            gb = self.es9("getBoundProfilePackage", {
                "transactionId": txid, "prepareDownloadResponse": base64.b64encode(prep).decode()})
            bpp = self._b64(gb, "boundProfilePackage", "getBoundProfilePackage")
            res["bpp"] = bpp
            segs = bpp_segments(bpp)
            if tamper is not None:
                segs = tamper(segs)
            res["segments"] = 0
            pir = None
            for i, seg in enumerate(segs):
                answer = self._es10(ch, seg, "LoadBoundProfilePackage segment %d" % i)
                res["segments"] += 1
                if answer:
                    pir = answer
                    break
            if pir is None:
                raise StepError("LoadBoundProfilePackage", "no ProfileInstallationResult")
            res["pir"] = pir
            # The result goes to the SM-DP+ whatever it says; then the card's copy is removed.
            if deliver:
                self.deliver_install_notification(ch, pir)
            final = pyder.decode(pir, expect=0xBF37).req(0xBF27).req(0xA2).children()[0]
            if final.tag != 0xA0:
                res["step"] = "LoadBoundProfilePackage"
                res["error"] = "errorResult bppCommandId %d errorReason %d" % (
                    final.req(0x80).int(), final.req(0x81).int())
                res["bppCommandId"] = final.req(0x80).int()
                res["errorReason"] = final.req(0x81).int()
                return res
            res["ok"] = True
            res["isdp_aid"] = final.req(0x4F).value.hex().upper()
            return res
        except StepError as exc:
            res["step"], res["error"] = exc.step, exc.message
            res["txid"] = self.txid
            if self.txid is not None and "pir" not in res:
                self._cancel(ch, self.txid, res)
            return res
        finally:
            client.close(self.card, ch)
            self.close()

    def deliver_install_notification(self, ch, pir):
        seq = pyder.decode(pir).req(0xBF27).req(0xBF2F).req(0x80).int()
        self.es9("handleNotification", {"pendingNotification": base64.b64encode(pir).decode()})
        self._es10(ch, tlv(0xBF30, enc_integer(seq, tag=0x80)), "RemoveNotificationFromList")

    def _cancel(self, ch, txid, res):
        try:
            resp = self._es10(ch, tlv(0xBF41, [tlv(0x80, bytes.fromhex(txid)),
                                               enc_integer(1, tag=0x81)]), "CancelSession")
            res["card_cancel"] = resp
            self.es9("cancelSession", {"transactionId": txid,
                                       "cancelSessionResponse": base64.b64encode(resp).decode()})
            res["cancelled"] = True
        except StepError as exc:
            res["cancel_error"] = str(exc)


class IndirectIpa(Ipa):
    """The same download through the test eIM (SGP.32 3.2.3.2): the ESipa download
    functions in the ASN.1 binding (POST /gsma/rsp2/asn1) or the JSON binding
    (/gsma/rsp2/esipa/<function>), which the eIM relays to the SM-DP+."""

    def __init__(self, card, eim_ca, eim_address, binding="asn1", eim_txid=None, **kw):
        super().__init__(card, eim_ca, **kw)
        self.eim_address = eim_address
        self.binding = binding
        self.eim_txid = eim_txid          # the eimTransactionId of the download trigger

    def _esipa_raw(self, function, body, ctype):
        self.address = self.eim_address
        if self.conn is None:
            host, _, port = self.eim_address.partition(":")
            self.conn = http.client.HTTPSConnection(host, int(port), context=self.ctx,
                                                    timeout=self.timeout)
        path = "/gsma/rsp2/asn1" if self.binding == "asn1" else "/gsma/rsp2/esipa/" + function
        try:
            self.conn.request("POST", path, body, {"Content-Type": ctype,
                                                   "X-Admin-Protocol": "gsma/rsp/v2.1.0"})
            resp = self.conn.getresponse()
            raw = resp.read()
        except (OSError, http.client.HTTPException, ssl.SSLError) as exc:
            self.close()
            raise StepError(function, "transport: %s" % exc)
        self.calls.append((function, resp.status))
        if resp.status == 204:
            return None
        if resp.status != 200:
            raise StepError(function, "HTTP %d: %s" % (resp.status, raw[:200]))
        return raw

    def esipa(self, function, der_request, json_request):
        """One ESipa function; returns the ES9+-shaped JSON dict the base class expects."""
        if self.binding == "json":
            raw = self._esipa_raw(function, json.dumps(json_request).encode(),
                                  "application/json;charset=UTF-8")
            out = json.loads(raw.decode())
            fes = out["header"]["functionExecutionStatus"]
            if fes.get("status") != "Executed-Success":
                scd = fes.get("statusCodeData", {})
                raise StepError(function, "Failed %s/%s %s" % (
                    scd.get("subjectCode"), scd.get("reasonCode"), scd.get("message")))
            if "euiccCiPKIdentifierToBeUsed" in out:
                out["euiccCiPKIdToBeUsed"] = out["euiccCiPKIdentifierToBeUsed"]
            return out
        raw = self._esipa_raw(function, der_request, "application/x-gsma-rsp-asn1")
        t = pyder.decode(raw)
        kids = t.children()
        if len(kids) == 1 and t.tag == 0xBF3B and kids[0].tag == 0xA1:
            return {"_ds": kids[0].children()}              # authenticateClientOkDSEsipa
        if len(kids) != 1 or kids[0].tag != 0xA0:
            raise StepError(function, "Esipa error %s" % (kids[0].int() if kids else "?"))
        return {"_tlvs": kids[0].children()}

    def discover(self, smds_address):
        """Event retrieval through the eIM (it speaks ES11 to the SM-DS): returns the
        activation code of the profileDownloadTrigger, or None."""
        ch = client.open_isdr(self.card)
        try:
            _, ac = self._authenticate(ch, smds_address, None, "es9")
        finally:
            client.close(self.card, ch)
            self.close()
        trig = ac.get("profileDownloadTrigger")
        if not trig:
            return None
        t = pyder.decode(base64.b64decode(trig), expect=0xBF54)
        return t.req(0xA0).req(0x80).str()

    def es9(self, function, body):
        b64 = base64.b64encode
        dec = base64.b64decode
        if function == "initiateAuthentication":
            fields = [tlv(0x81, dec(body["euiccChallenge"])),
                      enc_utf8(body["smdpAddress"], tag=0x83), dec(body["euiccInfo1"])]
            if self.eim_txid is not None:
                fields.append(tlv(0x82, bytes.fromhex(self.eim_txid)))
                body = dict(body, eimTransactionId=self.eim_txid)
            der = tlv(0xBF39, fields)
            out = self.esipa(function, der, body)
            if "_tlvs" in out:
                k = out["_tlvs"]
                out = {"transactionId": k[0].value.hex().upper(), "serverSigned1": b64(k[1].raw),
                       "serverSignature1": b64(k[2].raw), "euiccCiPKIdToBeUsed": b64(k[3].raw),
                       "serverCertificate": b64(k[4].raw)}
            return out
        if function == "handleNotification":
            pir = dec(body["pendingNotification"])
            if self.binding == "json":
                self._esipa_raw(function, json.dumps(body).encode(),
                                "application/json;charset=UTF-8")
            else:
                self._esipa_raw(function, tlv(0xBF3D, tlv(0xA0, pir)),
                                "application/x-gsma-rsp-asn1")
            return None
        txid = bytes.fromhex(body["transactionId"])
        if function == "authenticateClient":
            der = tlv(0xBF3B, [tlv(0x80, txid), dec(body["authenticateServerResponse"])])
            out = self.esipa(function, der, body)
            if "_ds" in out:
                k = {t.tag: t for t in out["_ds"]}
                out = {"transactionId": k[0x80].value.hex().upper()}
                if 0xBF54 in k:
                    out["profileDownloadTrigger"] = b64(k[0xBF54].raw)
            elif "_tlvs" in out:
                k = {t.tag: t for t in out["_tlvs"]}
                sig = [t for t in out["_tlvs"] if t.tag == 0x30]
                out = {"transactionId": k[0x80].value.hex().upper(),
                       "profileMetadata": b64(k[0xBF25].raw), "smdpSigned2": b64(sig[0].raw),
                       "smdpSignature2": b64(k[0x5F37].raw), "smdpCertificate": b64(sig[1].raw)}
                if 0x04 in k:
                    out["hashCc"] = b64(k[0x04].value)
            return out
        if function == "getBoundProfilePackage":
            der = tlv(0xBF3A, [tlv(0x80, txid), dec(body["prepareDownloadResponse"])])
            out = self.esipa(function, der, body)
            if "_tlvs" in out:
                k = {t.tag: t for t in out["_tlvs"]}
                out = {"transactionId": k[0x80].value.hex().upper(),
                       "boundProfilePackage": b64(k[0xBF36].raw)}
            return out
        if function == "cancelSession":
            card_resp = pyder.decode(dec(body["cancelSessionResponse"]), expect=0xBF41)
            der = tlv(0xBF41, [tlv(0x80, txid), tlv(0xA1, card_resp.value)])
            return self.esipa(function, der, body)
        raise StepError(function, "not an ESipa function")

# SPDX-License-Identifier: Apache-2.0
"""ESipa messages from the IPA, decoded into plain dicts (SGP.32 v1.2 ASN.1, DER,
AUTOMATIC TAGS as the module declares them), plus the few encoders of eIM answers.

Every decoder raises pyder.DerError naming the field that is missing or malformed;
nothing here trusts a length it has not checked (pyder does the checking)."""

import pyder
from pyder import tlv, enc_integer

# EsipaMessageFromIpaToEim alternatives, by outer tag.
FUNCTIONS = {
    0xBF4F: "getEimPackage",
    0xBF50: "provideEimPackageResult",
    0xBF3D: "handleNotification",
    0xBF39: "initiateAuthentication",
    0xBF3B: "authenticateClient",
    0xBF3A: "getBoundProfilePackage",
    0xBF41: "cancelSession",
    0xBF4E: "transferEimPackage",
}

STATE_CHANGE_CAUSES = {0: "otherEim", 1: "fallback", 2: "emergencyProfile", 3: "local",
                       4: "reset", 5: "immediateEnableProfile", 6: "deviceChange",
                       127: "undefined"}

EIM_PACKAGE_ERRORS = {1: "noEimPackageAvailable", 2: "eidNotFound", 3: "invalidEid",
                      4: "missingEid", 127: "undefinedError"}
EIM_PACKAGE_RESULT_ERRORS = {1: "invalidPackageFormat", 2: "unknownPackage", 127: "undefinedError"}
EUICC_PACKAGE_ERRORS = {3: "invalidEid", 4: "replayError", 6: "counterValueOutOfRange",
                        15: "sizeOverflow", 104: "ecallActive", 127: "undefinedError"}
IPA_EUICC_DATA_ERRORS = {1: "incorrectTagList", 5: "euiccCiPKIdNotFound", 104: "ecallActive",
                         127: "undefinedError"}
NOTIFICATION_EVENTS = {0: "install", 1: "enable", 2: "disable", 3: "delete"}

_ENABLE = {0: "ok", 1: "iccidOrAidNotFound", 2: "profileNotInDisabledState",
           3: "disallowedByPolicy", 5: "catBusy", 20: "rollbackNotAvailable", 127: "undefinedError"}
_DISABLE = {0: "ok", 1: "iccidOrAidNotFound", 2: "profileNotInEnabledState",
            3: "disallowedByPolicy", 5: "catBusy", 127: "undefinedError"}
_DELETE = {0: "ok", 1: "iccidOrAidNotFound", 2: "profileNotInDisabledState",
           3: "disallowedByPolicy", 20: "rollbackNotAvailable", 21: "returnFallbackProfile",
           127: "undefinedError"}
_CIE = {0: "ok", 1: "insufficientMemory", 7: "commandError", 127: "undefinedError"}
_ADD_EIM = {0: "ok", 1: "insufficientMemory", 2: "associatedEimAlreadyExists", 3: "ciPKUnknown",
            5: "invalidAssociationToken", 6: "counterValueOutOfRange", 7: "commandError",
            127: "undefinedError"}
_DELETE_EIM = {0: "ok", 1: "eimNotFound", 2: "lastEimDeleted", 7: "commandError",
               127: "undefinedError"}
_UPDATE_EIM = {0: "ok", 1: "eimNotFound", 3: "ciPKUnknown", 6: "counterValueOutOfRange",
               7: "commandError", 127: "undefinedError"}
_ROLLBACK = {0: "ok", 127: "undefinedError"}
_SET_FALLBACK = {0: "ok", 1: "iccidOrAidNotFound", 2: "fallbackNotAllowed",
                 3: "fallbackProfileEnabled", 127: "undefinedError"}
_UNSET_FALLBACK = {0: "ok", 2: "noFallbackAttribute", 3: "fallbackProfileEnabled",
                   7: "commandError", 127: "undefinedError"}
_TERMINATED = {1: "resultSizeOverflow", 2: "unknownOrDamagedCommand", 3: "interruption",
               127: "undefinedError"}
_PROFILE_INFO_ERR = {1: "incorrectInputValues", 11: "profileChangeOngoing", 127: "undefinedError"}

# EuiccResultData: tag -> (name, code names) for the INTEGER results.
_INT_RESULTS = {
    0x83: ("enableResult", _ENABLE),
    0x84: ("disableResult", _DISABLE),
    0x85: ("deleteResult", _DELETE),
    0x87: ("configureImmediateEnableResult", _CIE),
    0x89: ("deleteEimResult", _DELETE_EIM),
    0x8A: ("updateEimResult", _UPDATE_EIM),
    0x8C: ("rollbackResult", _ROLLBACK),
    0x8D: ("setFallbackAttributeResult", _SET_FALLBACK),
    0x8E: ("unsetFallbackAttributeResult", _UNSET_FALLBACK),
    0x02: ("processingTerminated", _TERMINATED),
}


# ---------------------------------------------------------------- identifiers

def iccid_to_ef(iccid):
    """ICCID digits -> 10 bytes, nibble-swapped, padded with F (EFiccid coding)."""
    digits = iccid.upper()
    if not digits or len(digits) > 20 or any(c not in "0123456789F" for c in digits):
        raise ValueError("ICCID %r: 1..20 decimal digits expected" % iccid)
    digits = digits.ljust(20, "F")
    return bytes(int(digits[i + 1] + digits[i], 16) for i in range(0, 20, 2))


def iccid_from_ef(raw):
    out = ""
    for b in raw:
        out += "%X%X" % (b & 0x0F, b >> 4)
    return out.rstrip("F")


def plmn_text(raw):
    """3GPP TS 24.008 PLMN (3 bytes) -> 'MCC-MNC'."""
    if len(raw) != 3:
        return None
    d = ["%X" % (raw[0] & 0xF), "%X" % (raw[0] >> 4), "%X" % (raw[1] & 0xF),
         "%X" % (raw[2] & 0xF), "%X" % (raw[2] >> 4), "%X" % (raw[1] >> 4)]
    mcc = "".join(d[0:3])
    mnc = "".join(d[3:6]).rstrip("F")
    return "%s-%s" % (mcc, mnc)


def _named(code, names):
    return names.get(code, "unknown(%d)" % code)


def _hex(b):
    return bytes(b).hex().upper()


def cert_from_implicit(node):
    """A Certificate carried with an implicit context tag (A5/A6): back to DER (30 ...)."""
    return pyder.tlv(0x30, node.value)


# ---------------------------------------------------------------- GetEimPackageRequest

def decode_get_eim_package(t):
    """BF4F GetEimPackageRequest -> dict; missing / malformed EID is reported in
    'eid_error' (missingEid(4) / invalidEid(3)) rather than raised, so the eIM can
    answer it with the matching eimPackageError."""
    out = {"eid": None, "eid_error": None, "notifyStateChange": False,
           "stateChangeCause": None, "stateChangeCauseName": None, "rPLMN": None, "plmn": None}
    kids = t.children()
    eid = t.find(0x5A)
    if eid is None:
        out["eid_error"] = 4
    elif len(eid.value) != 16:
        out["eid_error"] = 3
        out["eid"] = _hex(eid.value)
    else:
        out["eid"] = _hex(eid.value)
    for k in kids:
        if k.tag == 0x80:
            if k.value:
                raise pyder.DerError("GetEimPackageRequest.notifyStateChange: NULL with content")
            out["notifyStateChange"] = True
        elif k.tag == 0x81:
            out["stateChangeCause"] = k.int()
            out["stateChangeCauseName"] = STATE_CHANGE_CAUSES.get(out["stateChangeCause"])
        elif k.tag == 0x82:
            if len(k.value) != 3:
                raise pyder.DerError("GetEimPackageRequest.rPLMN: %d bytes, 3 expected"
                                     % len(k.value))
            out["rPLMN"] = _hex(k.value)
            out["plmn"] = plmn_text(k.value)
    return out


# ---------------------------------------------------------------- eUICC package results

def _decode_profile_info(e3):
    p = {}
    for k in e3.children():
        if k.tag == 0x5A:
            p["iccid"] = iccid_from_ef(k.value)
        elif k.tag == 0x4F:
            p["isdpAid"] = _hex(k.value)
        elif k.tag == 0x9F70:
            p["profileState"] = {0: "disabled", 1: "enabled"}.get(k.int(), k.int())
        elif k.tag == 0x90:
            p["profileNickname"] = k.str()
        elif k.tag == 0x91:
            p["serviceProviderName"] = k.str()
        elif k.tag == 0x92:
            p["profileName"] = k.str()
        elif k.tag == 0x95:
            p["profileClass"] = {0: "test", 1: "provisioning", 2: "operational"}.get(k.int(),
                                                                                     k.int())
        elif k.tag == 0x9F26:
            p["fallbackAttribute"] = pyder.dec_bool(k.value, "fallbackAttribute")
        elif k.tag == 0x9F67:
            p["fallbackAllowed"] = pyder.dec_bool(k.value, "fallbackAllowed")
    return p


def decode_result_data(k):
    """One EuiccResultData alternative -> {'name', 'code', 'code_name', ...}."""
    if k.tag in _INT_RESULTS:
        name, names = _INT_RESULTS[k.tag]
        code = k.int()
        return {"name": name, "code": code, "code_name": _named(code, names)}
    if k.tag == 0xBF2D:
        inner = k.children()
        if len(inner) != 1:
            raise pyder.DerError("listProfileInfoResult: one alternative expected, got %d"
                                 % len(inner))
        alt = inner[0]
        if alt.tag == 0xA0:
            profiles = [_decode_profile_info(e) for e in alt.children()]
            return {"name": "listProfileInfoResult", "code": 0, "code_name": "ok",
                    "profiles": profiles}
        if alt.tag == 0x81:
            code = alt.int()
            return {"name": "listProfileInfoResult", "code": code,
                    "code_name": _named(code, _PROFILE_INFO_ERR)}
        raise pyder.DerError("listProfileInfoResult: unknown alternative %X" % alt.tag)
    if k.tag == 0xA6:
        return {"name": "getRATResult", "code": 0, "code_name": "ok",
                "rules": len(k.children()), "hex": _hex(k.value)}
    if k.tag == 0xA8:
        inner = k.children()
        if len(inner) != 1:
            raise pyder.DerError("addEimResult: one alternative expected, got %d" % len(inner))
        if inner[0].tag == 0x84:
            return {"name": "addEimResult", "code": 0, "code_name": "ok",
                    "associationToken": inner[0].int()}
        if inner[0].tag == 0x02:
            code = inner[0].int()
            return {"name": "addEimResult", "code": code, "code_name": _named(code, _ADD_EIM)}
        raise pyder.DerError("addEimResult: unknown alternative %X" % inner[0].tag)
    if k.tag == 0xAB:
        inner = k.children()
        if len(inner) != 1:
            raise pyder.DerError("listEimResult: one alternative expected, got %d" % len(inner))
        if inner[0].tag == 0xA0:
            eims = []
            for e in inner[0].children():
                item = {"eimId": e.req(0x80).str()}
                if e.find(0x82) is not None:
                    item["eimIdType"] = e.find(0x82).int()
                eims.append(item)
            return {"name": "listEimResult", "code": 0, "code_name": "ok", "eims": eims}
        if inner[0].tag == 0x81:
            code = inner[0].int()
            return {"name": "listEimResult", "code": code,
                    "code_name": _named(code, {127: "undefinedError"})}
        raise pyder.DerError("listEimResult: unknown alternative %X" % inner[0].tag)
    if k.tag == 0xBF65:
        code = k.req(0x80).int()
        return {"name": "setDefaultDpAddressResult", "code": code,
                "code_name": _named(code, {0: "ok", 127: "undefinedError"})}
    raise pyder.DerError("EuiccResultData: unknown tag %X" % k.tag)


def decode_euicc_package_result(t):
    """BF51 EuiccPackageResult -> dict with 'signed_data' (bytes over which the
    eUICC signed, before the association token) and 'signature' when signed."""
    if t.tag != 0xBF51:
        raise pyder.DerError("EuiccPackageResult: tag %X, BF51 expected" % t.tag)
    kids = t.children()
    if len(kids) != 1:
        raise pyder.DerError("EuiccPackageResult: one alternative expected, got %d" % len(kids))
    alt = kids[0]
    out = {"type": None, "eimId": None, "counterValue": None, "eimTransactionId": None,
           "seqNumber": None, "results": [], "errorCode": None, "errorName": None,
           "associationToken": None, "signed_data": None, "signature": None, "raw": _hex(t.raw)}
    if alt.tag in (0xA0, 0xA1):
        parts = alt.children()
        if len(parts) != 2 or parts[0].tag != 0x30 or parts[1].tag != 0x5F37:
            raise pyder.DerError("EuiccPackageResult: signed alternative %X needs 30 and 5F37"
                                 % alt.tag)
        data = parts[0]
        out["signed_data"] = data.raw
        out["signature"] = parts[1].value
        out["eimId"] = data.req(0x80).str()
        out["counterValue"] = data.req(0x81).int()
        if data.find(0x82) is not None:
            out["eimTransactionId"] = _hex(data.find(0x82).value)
        if alt.tag == 0xA0:
            out["type"] = "euiccPackageResultSigned"
            out["seqNumber"] = data.req(0x83).int()
            out["results"] = [decode_result_data(k) for k in data.req(0x30).children()]
        else:
            out["type"] = "euiccPackageErrorSigned"
            out["errorCode"] = data.req(0x02).int()
            out["errorName"] = _named(out["errorCode"], EUICC_PACKAGE_ERRORS)
    elif alt.tag == 0xA2:
        out["type"] = "euiccPackageErrorUnsigned"
        out["eimId"] = alt.req(0x80).str()
        if alt.find(0x82) is not None:
            out["eimTransactionId"] = _hex(alt.find(0x82).value)
        if alt.find(0x84) is not None:
            out["associationToken"] = alt.find(0x84).int()
    else:
        raise pyder.DerError("EuiccPackageResult: unknown alternative %X" % alt.tag)
    return out


# ---------------------------------------------------------------- notifications

def _decode_metadata(m):
    ops = sorted(pyder.dec_named_bits(m.req(0x81).value, "profileManagementOperation"))
    out = {"seqNumber": m.req(0x80).int(),
           "operation": NOTIFICATION_EVENTS.get(ops[0], str(ops[0])) if len(ops) == 1 else ops,
           "notificationAddress": m.req(0x0C).str(), "iccid": None}
    if m.find(0x5A) is not None:
        out["iccid"] = iccid_from_ef(m.find(0x5A).value)
    return out


def decode_pending_notification(n):
    """One SGP32-PendingNotification -> dict.  'signed_data' / 'signature' / 'cert'
    let the caller check the eUICC signature (cert = the eUICC certificate carried in
    an OtherSignedNotification, DER; eid = the eidValue of a compact one)."""
    out = {"type": None, "seqNumber": None, "operation": None, "notificationAddress": None,
           "iccid": None, "transactionId": None, "success": None,
           "signed_data": None, "signature": None, "cert": None, "eid": None, "raw": _hex(n.raw)}
    if n.tag == 0xBF37:
        data = n.req(0xBF27)
        out["type"] = "profileInstallationResult"
        out.update(_decode_metadata(data.req(0xBF2F)))
        out["transactionId"] = _hex(data.req(0x80).value)
        final = data.req(0xA2).children()
        if len(final) != 1 or final[0].tag not in (0xA0, 0xA1):
            raise pyder.DerError("ProfileInstallationResultData.finalResult: bad alternative")
        out["success"] = final[0].tag == 0xA0
        out["signed_data"] = data.raw
        out["signature"] = n.req(0x5F37).value
    elif n.tag == 0x30:
        kids = n.children()
        if len(kids) != 4 or kids[0].tag != 0xBF2F or kids[1].tag != 0x5F37:
            raise pyder.DerError("OtherSignedNotification: BF2F, 5F37 and two certificates "
                                 "expected")
        out["type"] = "otherSignedNotification"
        out.update(_decode_metadata(kids[0]))
        out["signed_data"] = kids[0].raw
        out["signature"] = kids[1].value
        out["cert"] = kids[2].raw
    elif n.tag == 0xA0:
        data = n.req(0xA0)
        out["type"] = "compactProfileInstallationResult"
        out["seqNumber"] = data.req(0x02).int()
        out["transactionId"] = _hex(data.req(0x80).value)
        out["operation"] = "install"
    elif n.tag == 0xA1:
        # CompactOtherSignedNotification (minimizeEsipaBytes): [eidValue 5A], the metadata and the eUICC's
        # signature over it; the certificates are the ones this eIM already holds.
        kids = n.children()
        tags = [k.tag for k in kids]
        if tags not in ([0x5A, 0xBF2F, 0x5F37], [0xBF2F, 0x5F37]):
            raise pyder.DerError("CompactOtherSignedNotification: [5A] BF2F 5F37 expected, got %s"
                                 % " ".join("%X" % t for t in tags))
        if tags[0] == 0x5A:
            if len(kids[0].value) != 16:
                raise pyder.DerError("CompactOtherSignedNotification.eidValue: 16 bytes expected")
            out["eid"] = _hex(kids[0].value)
            kids = kids[1:]
        out["type"] = "compactOtherSignedNotification"
        out.update(_decode_metadata(kids[0]))
        out["signed_data"] = kids[0].raw
        out["signature"] = kids[1].value
    else:
        raise pyder.DerError("PendingNotification: unknown alternative %X" % n.tag)
    return out


# ---------------------------------------------------------------- IpaEuiccData

def _decode_ipa_euicc_data(d):
    out = {}
    for k in d.children():
        if k.tag == 0xA0:
            out["notificationsList"] = [decode_pending_notification(n) for n in k.children()]
        elif k.tag == 0x81:
            out["defaultSmdpAddress"] = k.str()
        elif k.tag == 0xA2:
            out["euiccPackageResultList"] = [decode_euicc_package_result(r)
                                             for r in k.children()]
        elif k.tag == 0xBF20:
            out["euiccInfo1"] = _hex(k.raw)
        elif k.tag == 0xBF22:
            out["euiccInfo2"] = _hex(k.raw)
        elif k.tag == 0x83:
            out["rootSmdsAddress"] = k.str()
        elif k.tag == 0x84:
            out["associationToken"] = k.int()
        elif k.tag == 0xA5:
            out["eumCertificate"] = _hex(cert_from_implicit(k))
        elif k.tag == 0xA6:
            out["euiccCertificate"] = _hex(cert_from_implicit(k))
        elif k.tag == 0x87:
            out["eimTransactionId"] = _hex(k.value)
        elif k.tag == 0xA8:
            caps = {}
            for c in k.children():
                if c.tag == 0x80:
                    caps["ipaFeatures"] = sorted(c.bits())
                elif c.tag == 0x81:
                    caps["ipaSupportedProtocols"] = sorted(c.bits())
            out["ipaCapabilities"] = caps
        elif k.tag == 0xA9:
            out["deviceInfo"] = _hex(k.value)
        else:
            out.setdefault("unknown", []).append(_hex(k.raw))
    return out


# ---------------------------------------------------------------- ProvideEimPackageResult

def decode_eim_package_result(alt):
    """One EimPackageResult alternative -> dict with 'kind'."""
    out = {"kind": None, "eimTransactionId": None, "seqNumber": None, "results": [],
           "package_result": None, "notifications": [], "ipaEuiccData": None, "error": None,
           "download": None}
    if alt.tag == 0xBF51:
        out["kind"] = "euiccPackageResult"
        out["package_result"] = decode_euicc_package_result(alt)
    elif alt.tag == 0x30:
        out["kind"] = "ePRAndNotifications"
        out["package_result"] = decode_euicc_package_result(alt.req(0xBF51))
        out["notifications"] = [decode_pending_notification(n)
                                for n in alt.req(0xA0).children()]
    elif alt.tag == 0xBF52:
        out["kind"] = "ipaEuiccDataResponse"
        inner = alt.children()
        if len(inner) != 1:
            raise pyder.DerError("IpaEuiccDataResponse: one alternative expected, got %d"
                                 % len(inner))
        if inner[0].tag == 0xA0:
            out["ipaEuiccData"] = _decode_ipa_euicc_data(inner[0])
            out["eimTransactionId"] = out["ipaEuiccData"].get("eimTransactionId")
        elif inner[0].tag == 0xA1:
            code = inner[0].req(0x02).int()
            out["error"] = {"code": code, "code_name": _named(code, IPA_EUICC_DATA_ERRORS)}
            if inner[0].find(0x80) is not None:
                out["eimTransactionId"] = _hex(inner[0].find(0x80).value)
        else:
            raise pyder.DerError("IpaEuiccDataResponse: unknown alternative %X" % inner[0].tag)
    elif alt.tag == 0xBF54:
        out["kind"] = "profileDownloadTriggerResult"
        if alt.find(0x82) is not None:
            out["eimTransactionId"] = _hex(alt.find(0x82).value)
        pir = alt.find(0xBF37)
        err = alt.find(0x30)
        if pir is not None:
            out["download"] = {"result": "profileInstallationResult",
                               "installation": decode_pending_notification(pir)}
        elif err is not None:
            code = err.req(0x80).int()
            d = {"result": "profileDownloadError", "code": code,
                 "code_name": _named(code, {104: "ecallActive", 127: "undefinedError"})}
            if err.find(0x04) is not None:
                d["errorResponse"] = _hex(err.find(0x04).value)
            out["download"] = d
        else:
            raise pyder.DerError("ProfileDownloadTriggerResult: no result data")
    elif alt.tag == 0xA0:
        out["kind"] = "eimPackageResultResponseError"
        code = alt.req(0x02).int()
        out["error"] = {"code": code, "code_name": _named(code, EIM_PACKAGE_RESULT_ERRORS)}
        if alt.find(0x80) is not None:
            out["eimTransactionId"] = _hex(alt.find(0x80).value)
    else:
        raise pyder.DerError("EimPackageResult: unknown alternative %X" % alt.tag)
    pr = out["package_result"]
    if pr is not None:
        out["eimTransactionId"] = pr["eimTransactionId"]
        out["seqNumber"] = pr["seqNumber"]
        out["results"] = pr["results"]
    return out


def decode_provide_eim_package_result(t):
    """BF50 ProvideEimPackageResult -> dict (eid may be None: it is OPTIONAL)."""
    eid = None
    alts = []
    for k in t.children():
        if k.tag == 0x5A:
            if len(k.value) != 16:
                raise pyder.DerError("ProvideEimPackageResult.eidValue: %d bytes, 16 expected"
                                     % len(k.value))
            eid = _hex(k.value)
        else:
            alts.append(k)
    if len(alts) != 1:
        raise pyder.DerError("ProvideEimPackageResult: one eimPackageResult expected, got %d"
                             % len(alts))
    out = decode_eim_package_result(alts[0])
    out["eid"] = eid
    return out


def decode_handle_notification(t):
    """BF3D HandleNotificationEsipa -> ('pendingNotification', dict) or
    ('provideEimPackageResult', dict)."""
    kids = t.children()
    if len(kids) != 1:
        raise pyder.DerError("HandleNotificationEsipa: one alternative expected, got %d"
                             % len(kids))
    if kids[0].tag == 0xA0:
        inner = kids[0].children()
        if len(inner) != 1:
            raise pyder.DerError("HandleNotificationEsipa.pendingNotification: one "
                                 "notification expected, got %d" % len(inner))
        return "pendingNotification", decode_pending_notification(inner[0])
    if kids[0].tag == 0xBF50:
        return "provideEimPackageResult", decode_provide_eim_package_result(kids[0])
    raise pyder.DerError("HandleNotificationEsipa: unknown alternative %X" % kids[0].tag)


# ---------------------------------------------------------------- eIM -> IPA

def no_package(code=1):
    """GetEimPackageResponse.eimPackageError (1 = noEimPackageAvailable: BF4F03020101)."""
    return tlv(0xBF4F, enc_integer(code))


def acknowledgements(seqs):
    """ProvideEimPackageResultResponse: eimAcknowledgements, or emptyResponse (BF50023000)."""
    if not seqs:
        return tlv(0xBF50, tlv(0x30))
    return tlv(0xBF50, tlv(0xBF53, [enc_integer(s, tag=0x80) for s in seqs]))


def provide_result_error(code):
    return tlv(0xBF50, enc_integer(code))


# Answers to the indirect-download functions, which this eIM does not relay to an SM-DP+:
# each function's undefinedError(127) alternative.
UNSUPPORTED_ANSWERS = {
    0xBF39: tlv(0xBF39, enc_integer(127, tag=0x81)),
    0xBF3B: tlv(0xBF3B, enc_integer(127, tag=0x82)),
    0xBF3A: tlv(0xBF3A, enc_integer(127, tag=0x81)),
    0xBF41: tlv(0xBF41, tlv(0xA0)),                     # cancelSessionOk: nothing to cancel
}

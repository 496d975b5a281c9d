# SPDX-License-Identifier: Apache-2.0
"""eIM packages built from the admin API's JSON (SGP.32 v1.2 encoding).

  {"psmo": [{"enable": {"iccid": "8900...", "rollback": true}}, {"disable": {"iccid"}},
            {"delete": {"iccid"}}, {"listProfileInfo": {"iccid"|"isdpAid"|"profileClass", "tags"}},
            {"getRAT": {}}, {"configureImmediateEnable": {"immediateEnable": true,
            "defaultSmdpOid": "1.2.3", "defaultSmdpAddress": "smdp.example.com"}},
            {"setFallbackAttribute": {"iccid"}}, {"unsetFallbackAttribute": {}},
            {"setDefaultDpAddress": {"address": "smdp.example.com"}}]}
  {"eco": [{"addEim": CONFIG}, {"deleteEim": {"eimId"}}, {"updateEim": CONFIG}, {"listEim": {}}]}
      CONFIG = {"eimId", "eimFqdn", "eimIdType": 1..3 | "oid" | "fqdn" | "proprietary",
                "counterValue", "associationToken": int | true (= request one, sent as 0),
                "eimPublicKey": PEM (key or certificate) | "own" | "own-cert",
                "trustedTls": PEM (key or certificate), "eimSupportedProtocol": [names or bits],
                "euiccCiPKId": hex, "indirectProfileDownload": bool}
  {"ipaEuiccData": {"tags": "81BF20...", "euiccCiPKId": hex, "notificationSeq": n |
                    "notificationOps": ["install", ...], "resultSeq": n}}
  {"download": {"activationCode": "..."} | {"contactDefaultSmdp": true} |
               {"contactSmds": {"address": "..."}} | {}}
      (plus "confirmationCode": kept by the eIM for hashCc, not sent: see eim/relay.py)
  {"raw": "<hex of the whole GetEimPackageResponse>"}
  {"broken": "garbage" | "truncated" | "unknown-alternative"}

euiccPackageRequest signatures follow flows.md 8: ECDSA-SHA256 (r || s) over
DER(EuiccPackageSigned) || DER(84 associationToken) when the eUICC holds a token for
this eIM.  Every package carries an eimTransactionId (8 random bytes unless given; an empty
string leaves it out, as the field is OPTIONAL)."""

import os

import pyder
from pyder import tlv, enc_integer, enc_utf8, enc_named_bits, enc_oid

from . import codec, pki

PROTOCOL_BITS = {"retrieveHttps": 0, "retrieveCoaps": 1, "injectHttps": 2, "injectCoaps": 3,
                 "proprietary": 4}
EIM_ID_TYPES = {"oid": 1, "fqdn": 2, "proprietary": 3}
NOTIFICATION_OPS = {"install": 0, "enable": 1, "disable": 2, "delete": 3}
PROFILE_CLASSES = {"test": 0, "provisioning": 1, "operational": 2}

# An EID with valid check digits that is not the usual test EID, for the "eid" break
# (test-vectors.md F).
OTHER_EIDS = ("89086030202200000022000023022943", "89044045116727494800000004479366")


class PackageError(ValueError):
    """The admin JSON does not describe a package."""


def _iccid(spec, what):
    if not isinstance(spec, dict) or not isinstance(spec.get("iccid"), str):
        raise PackageError("%s: 'iccid' (string of digits) required" % what)
    try:
        return tlv(0x5A, codec.iccid_to_ef(spec["iccid"]))
    except ValueError as exc:
        raise PackageError("%s: %s" % (what, exc))


def _hexbytes(value, what):
    try:
        return bytes.fromhex(value)
    except (TypeError, ValueError):
        raise PackageError("%s: hex string expected, got %r" % (what, value))


def _one(item, what):
    if not isinstance(item, dict) or len(item) != 1:
        raise PackageError("%s: each entry is an object with exactly one key" % what)
    return next(iter(item.items()))


def _profile_search(spec):
    parts = []
    crit = [k for k in ("isdpAid", "iccid", "profileClass") if k in spec]
    if len(crit) > 1:
        raise PackageError("listProfileInfo: at most one of isdpAid, iccid, profileClass")
    if crit:
        k = crit[0]
        if k == "isdpAid":
            inner = tlv(0x4F, _hexbytes(spec[k], "listProfileInfo.isdpAid"))
        elif k == "iccid":
            inner = _iccid(spec, "listProfileInfo")
        else:
            cls = spec[k]
            cls = PROFILE_CLASSES.get(cls, cls)
            if not isinstance(cls, int):
                raise PackageError("listProfileInfo.profileClass: %r unknown" % spec[k])
            inner = enc_integer(cls, tag=0x95)
        parts.append(tlv(0xA0, inner))
    if spec.get("tags") is not None:
        parts.append(tlv(0x5C, _hexbytes(spec["tags"], "listProfileInfo.tags")))
    return tlv(0xBF2D, parts)


def encode_psmo(item):
    name, spec = _one(item, "psmo")
    spec = spec if spec is not None else {}
    if not isinstance(spec, dict):
        raise PackageError("psmo %s: object expected" % name)
    if name == "enable":
        parts = [_iccid(spec, "enable")]
        if spec.get("rollback"):
            parts.append(tlv(0x05))
        return tlv(0xA3, parts)
    if name == "disable":
        return tlv(0xA4, _iccid(spec, "disable"))
    if name == "delete":
        return tlv(0xA5, _iccid(spec, "delete"))
    if name == "listProfileInfo":
        return _profile_search(spec)
    if name == "getRAT":
        return tlv(0xA6)
    if name == "configureImmediateEnable":
        parts = []
        if spec.get("immediateEnable"):
            parts.append(tlv(0x80))
        if spec.get("defaultSmdpOid"):
            try:
                parts.append(enc_oid(spec["defaultSmdpOid"], tag=0x81))
            except (ValueError, pyder.DerError) as exc:
                raise PackageError("configureImmediateEnable.defaultSmdpOid: %s" % exc)
        if spec.get("defaultSmdpAddress") is not None:
            parts.append(enc_utf8(spec["defaultSmdpAddress"], tag=0x82))
        return tlv(0xA7, parts)
    if name == "setFallbackAttribute":
        return tlv(0xA8, _iccid(spec, "setFallbackAttribute"))
    if name == "unsetFallbackAttribute":
        return tlv(0xA9)
    if name == "setDefaultDpAddress":
        if not isinstance(spec.get("address"), str):
            raise PackageError("setDefaultDpAddress: 'address' required")
        return tlv(0xBF65, enc_utf8(spec["address"], tag=0x80))
    raise PackageError("unknown PSMO %r" % name)


def _key_choice(value, own_key_pem, own_cert_pem, what):
    """[5]/[6] key CHOICE: A0 SubjectPublicKeyInfo or A1 Certificate (implicit tags)."""
    if value == "own":
        value = own_key_pem
    elif value == "own-cert":
        value = own_cert_pem
    if not isinstance(value, str):
        raise PackageError("%s: PEM text, 'own' or 'own-cert' expected" % what)
    try:
        kind, der = pki.spki_or_cert_der(value)
    except ValueError as exc:
        raise PackageError("%s: %s" % (what, exc))
    inner = pyder.decode(der)
    return tlv(0xA0 if kind == "key" else 0xA1, inner.value)


def encode_eim_config(spec, ctx, what):
    """EimConfigurationData contents (no outer tag) from CONFIG JSON."""
    if not isinstance(spec, dict) or not isinstance(spec.get("eimId"), str):
        raise PackageError("%s: 'eimId' required" % what)
    parts = [enc_utf8(spec["eimId"], tag=0x80)]
    if spec.get("eimFqdn") is not None:
        parts.append(enc_utf8(spec["eimFqdn"], tag=0x81))
    if spec.get("eimIdType") is not None:
        t = EIM_ID_TYPES.get(spec["eimIdType"], spec["eimIdType"])
        if not isinstance(t, int):
            raise PackageError("%s.eimIdType: %r unknown" % (what, spec["eimIdType"]))
        parts.append(enc_integer(t, tag=0x82))
    if spec.get("counterValue") is not None:
        parts.append(enc_integer(int(spec["counterValue"]), tag=0x83))
    tok = spec.get("associationToken")
    if tok is not None and tok is not False:
        parts.append(enc_integer(0 if tok is True else int(tok), tag=0x84))
    if spec.get("eimPublicKey") is not None:
        parts.append(tlv(0xA5, _key_choice(spec["eimPublicKey"], ctx["eim_pub_pem"],
                                           ctx["eim_cert_pem"], what + ".eimPublicKey")))
    if spec.get("trustedTls") is not None:
        parts.append(tlv(0xA6, _key_choice(spec["trustedTls"], ctx["eim_pub_pem"],
                                           ctx["eim_cert_pem"], what + ".trustedTls")))
    if spec.get("eimSupportedProtocol") is not None:
        bits = []
        for p in spec["eimSupportedProtocol"]:
            b = PROTOCOL_BITS.get(p, p)
            if not isinstance(b, int):
                raise PackageError("%s.eimSupportedProtocol: %r unknown" % (what, p))
            bits.append(b)
        parts.append(enc_named_bits(bits, tag=0x87))
    if spec.get("euiccCiPKId") is not None:
        parts.append(tlv(0x88, _hexbytes(spec["euiccCiPKId"], what + ".euiccCiPKId")))
    if spec.get("indirectProfileDownload"):
        parts.append(tlv(0x89))
    return parts


def encode_eco(item, ctx):
    name, spec = _one(item, "eco")
    spec = spec if spec is not None else {}
    if name == "addEim":
        return tlv(0xA8, encode_eim_config(spec, ctx, "addEim"))
    if name == "deleteEim":
        if not isinstance(spec, dict) or not isinstance(spec.get("eimId"), str):
            raise PackageError("deleteEim: 'eimId' required")
        return tlv(0xA9, enc_utf8(spec["eimId"], tag=0x80))
    if name == "updateEim":
        return tlv(0xAA, encode_eim_config(spec, ctx, "updateEim"))
    if name == "listEim":
        return tlv(0xAB)
    raise PackageError("unknown eCO %r" % name)


def association_token_tlv(token):
    return enc_integer(token, tag=0x84) if token is not None else b""


def build_euicc_package_request(ctx, eid, counter, txid, package_list, token, brk=None):
    """Signed EuiccPackageRequest (BF51).  brk: None, 'signature', 'eid', 'eimid'
    ('counter' is the caller's business: it picks the stale value)."""
    eim_id = ctx["eim_id"]
    if brk == "eimid":
        eim_id = eim_id + "-unknown"
    eid_value = bytes.fromhex(eid)
    if brk == "eid":
        other = OTHER_EIDS[0] if eid.upper() != OTHER_EIDS[0] else OTHER_EIDS[1]
        eid_value = bytes.fromhex(other)
    parts = [enc_utf8(eim_id, tag=0x80), tlv(0x5A, eid_value), enc_integer(counter, tag=0x81)]
    if txid is not None:
        parts.append(tlv(0x82, txid))
    signed = tlv(0x30, parts + [package_list])
    sig = pki.sign_raw(ctx["eim_key"], signed + association_token_tlv(token))
    if brk == "signature":
        sig = bytes([sig[0] ^ 0x01]) + sig[1:]
    return tlv(0xBF51, [signed, tlv(0x5F37, sig)])


def build_ipa_euicc_data_request(spec, txid):
    if not isinstance(spec, dict) or not isinstance(spec.get("tags"), str):
        raise PackageError("ipaEuiccData: 'tags' (hex tag list) required")
    parts = [tlv(0x5C, _hexbytes(spec["tags"], "ipaEuiccData.tags"))]
    if spec.get("euiccCiPKId") is not None:
        parts.append(tlv(0x04, _hexbytes(spec["euiccCiPKId"], "ipaEuiccData.euiccCiPKId")))
    if spec.get("notificationSeq") is not None and spec.get("notificationOps") is not None:
        raise PackageError("ipaEuiccData: notificationSeq and notificationOps exclude each other")
    if spec.get("notificationSeq") is not None:
        parts.append(tlv(0xA1, enc_integer(int(spec["notificationSeq"]), tag=0x80)))
    if spec.get("notificationOps") is not None:
        bits = []
        for op in spec["notificationOps"]:
            if op not in NOTIFICATION_OPS:
                raise PackageError("ipaEuiccData.notificationOps: %r unknown" % op)
            bits.append(NOTIFICATION_OPS[op])
        parts.append(tlv(0xA1, enc_named_bits(bits, tag=0x81)))
    if spec.get("resultSeq") is not None:
        parts.append(tlv(0xA2, enc_integer(int(spec["resultSeq"]), tag=0x80)))
    if txid is not None:
        parts.append(tlv(0x83, txid))
    return tlv(0xBF52, parts)


def build_download_trigger(spec, txid):
    if not isinstance(spec, dict):
        raise PackageError("download: object expected")
    keys = [k for k in ("activationCode", "contactDefaultSmdp", "contactSmds") if k in spec]
    if len(keys) > 1:
        raise PackageError("download: at most one of activationCode, contactDefaultSmdp, "
                           "contactSmds")
    parts = []
    if keys == ["activationCode"]:
        parts.append(tlv(0xA0, enc_utf8(spec["activationCode"], tag=0x80)))
    elif keys == ["contactDefaultSmdp"]:
        parts.append(tlv(0xA0, tlv(0x81)))
    elif keys == ["contactSmds"]:
        smds = spec["contactSmds"]
        addr = smds.get("address") if isinstance(smds, dict) else (
            smds if isinstance(smds, str) else None)
        parts.append(tlv(0xA0, tlv(0xA2, enc_utf8(addr, tag=0x80) if addr else b"")))
    if txid is not None:
        parts.append(tlv(0x82, txid))
    return tlv(0xBF54, parts)


def build(ctx, rec, package, brk=None, txid_hex=None):
    """One queue entry from admin JSON for the per-EID record rec (which holds the
    counter and association token).  Returns a dict with 'der' (the whole
    GetEimPackageResponse), 'kind', 'transaction_id', 'counter'.  Advances
    rec['counter'] for signed packages (not for the 'counter' break, which reuses
    the last value so the eUICC sees a stale counter)."""
    if brk not in (None, "signature", "counter", "eid", "eimid"):
        raise PackageError("break %r unknown (signature, counter, eid, eimid)" % brk)
    if not isinstance(package, dict) or len(package) != 1:
        raise PackageError("package: an object with exactly one key expected")
    kind, spec = next(iter(package.items()))
    if txid_hex == "":
        txid = None                 # no eimTransactionId at all (it is OPTIONAL)
    elif txid_hex is not None:
        txid = _hexbytes(txid_hex, "transaction_id")
        if not 1 <= len(txid) <= 16:
            raise PackageError("transaction_id: 1..16 bytes expected, got %d" % len(txid))
    else:
        txid = os.urandom(8)
    out = {"kind": kind, "transaction_id": txid.hex().upper() if txid is not None else None,
           "counter": None, "break": brk}
    if kind in ("psmo", "eco"):
        if not isinstance(spec, list) or not spec:
            raise PackageError("%s: non-empty list expected" % kind)
        if kind == "psmo":
            body = tlv(0xA0, [encode_psmo(p) for p in spec])
        else:
            body = tlv(0xA1, [encode_eco(e, ctx) for e in spec])
        if brk == "counter":
            counter = rec["counter"]
        else:
            counter = rec["counter"] + 1
            rec["counter"] = counter
        out["counter"] = counter
        inner = build_euicc_package_request(ctx, rec["eid"], counter, txid, body,
                                            rec.get("association_token"), brk)
    elif brk is not None:
        raise PackageError("break applies to psmo / eco packages only")
    elif kind == "ipaEuiccData":
        inner = build_ipa_euicc_data_request(spec, txid)
    elif kind == "download":
        inner = build_download_trigger(spec, txid)
    elif kind == "raw":
        out["der"] = _hexbytes(spec, "raw")
        out["transaction_id"] = None
        return out
    elif kind == "broken":
        out["der"] = build_broken(ctx, rec, spec, txid if txid is not None else os.urandom(8))
        return out
    else:
        raise PackageError("package kind %r unknown (psmo, eco, ipaEuiccData, download, raw, "
                           "broken)" % kind)
    out["der"] = tlv(0xBF4F, inner)
    return out


def build_broken(ctx, rec, what, txid):
    """Deliberately malformed GetEimPackageResponses for the IPA's error paths."""
    if what == "garbage":
        # BF4F then the reserved length byte FF: not DER at all.
        return bytes.fromhex("BF4FFF") + os.urandom(13)
    if what == "truncated":
        # A correctly signed BF51 cut in half, inside a BF4F whose length fits what follows:
        # the outer TLV decodes, the package inside does not.
        body = tlv(0xA0, [encode_psmo({"getRAT": {}})])
        bf51 = build_euicc_package_request(ctx, rec["eid"], rec["counter"] + 1, txid, body,
                                           rec.get("association_token"))
        return tlv(0xBF4F, bf51[:len(bf51) // 2])
    if what == "unknown-alternative":
        # A well-formed BF4F whose only alternative (BF7F) is not in GetEimPackageResponse.
        return tlv(0xBF4F, tlv(0xBF7F, tlv(0x82, txid)))
    raise PackageError("broken: %r unknown (garbage, truncated, unknown-alternative)" % what)

# SPDX-License-Identifier: Apache-2.0
"""ES10b profile download (SGP.22 v2.5 3.1.3, 5.7.13-5.7.14, 2.5.5):
AuthenticateServer (BF38), PrepareDownload (BF21), LoadBoundProfilePackage (the BPP
segments: BF36+BF23, A0+87, A1, 88, A2+87, A3, 86) and CancelSession (BF41).

The session lives in memory (card.download_session), as on a real card: a power cycle
or a new AuthenticateServer ends it.  Every check a real eUICC makes is made here:
the server certificates chain to the CI the card trusts (with the right role), every
signature verifies, the transaction ids match, the BPP's C-MACs verify and its
ciphertext decrypts with the keys from ECKA + KDF.  A failure during the BPP ends the
session with a signed ProfileInstallationResult carrying the errorResult, which is
kept as a pending notification as the success result is."""

import pyder
import rspcrypto
from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric import ec
from pyder import tlv, enc_integer, enc_oid, enc_named_bits, enc_utf8

from . import ids, pki
from .es10 import handles, handles_raw, Es10Status
from .es10_info import encode_euicc_info2, ci_skis
from .es10_notifications import SIMA_OK
from .es10_profiles import CLASSES, EVENTS

INVALID_TRANSACTION_ID = 5
UNDEFINED = 127

# AuthenticateErrorCode / DownloadErrorCode
INVALID_CERTIFICATE = 1
INVALID_SIGNATURE = 2
UNSUPPORTED_CURVE = 3
NO_SESSION_CONTEXT = 4
CHALLENGE_MISMATCH = 6
CI_PK_UNKNOWN = 7

# BppCommandId
CMD_INIT_SC, CMD_CONFIGURE, CMD_METADATA, CMD_METADATA2, CMD_REPLACE_KEYS, CMD_LOAD = range(6)
# ErrorReason
ERR_INPUT = 1
ERR_SIGNATURE = 2
ERR_TXID = 3
ERR_CRT = 4
ERR_REMOTE_OP = 5
ERR_STRUCTURE = 7
ERR_SECURITY = 8
ERR_ICCID_EXISTS = 9
ERR_PE_PROCESSING = 12
ERR_DATA_MISMATCH = 13

POLICY_DP_AUTH = "2.23.146.1.2.1.4"
POLICY_DP_PB = "2.23.146.1.2.1.5"
POLICY_DS_AUTH = "2.23.146.1.2.1.7"
DEFAULT_SMDP_OID = "2.999.10"


class BppFailure(Exception):
    def __init__(self, command, reason, why):
        super().__init__(why)
        self.command = command
        self.reason = reason


# ---------------------------------------------------------------- certificates

def _ci_cert(card):
    return pki.load_cert(card.state["pki"]["ci_cert"])


def _server_cert(card, der, policies):
    """The certificate in der if the card's CI signed it and it carries one of the
    policies; else None."""
    try:
        cert = x509.load_der_x509_certificate(der)
        _ci_cert(card).public_key().verify(cert.signature, cert.tbs_certificate_bytes,
                                           ec.ECDSA(cert.signature_hash_algorithm))
        pols = cert.extensions.get_extension_for_class(x509.CertificatePolicies).value
    except (ValueError, InvalidSignature, x509.ExtensionNotFound, TypeError):
        return None
    if not any(p.policy_identifier.dotted_string in policies for p in pols):
        return None
    if not isinstance(cert.public_key(), ec.EllipticCurvePublicKey):
        return None
    return cert


def _cert_oid(cert):
    try:
        san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
        oids = san.get_values_for_type(x509.RegisteredID)
        if oids:
            return oids[0].dotted_string
    except x509.ExtensionNotFound:
        pass
    return DEFAULT_SMDP_OID


# ---------------------------------------------------------------- AuthenticateServer

def _auth_error(txid, code):
    return tlv(0xBF38, tlv(0xA1, [tlv(0x80, txid), enc_integer(code)]))


@handles(0xBF38)
def authenticate_server(card, req):
    kids = req.children()
    if len(kids) != 5 or [k.tag for k in kids] != [0x30, 0x5F37, 0x04, 0x30, 0xA0]:
        raise pyder.DerError("AuthenticateServer: serverSigned1, serverSignature1, "
                             "euiccCiPKIdToBeUsed, serverCertificate, ctxParams1 expected")
    signed1, sig1, ci_id, cert_der, ctx = kids
    txid = signed1.req(0x80).value
    challenge = signed1.req(0x81).value
    address = signed1.req(0x83).str()
    server_challenge = signed1.req(0x84).value
    card.download_session = None
    cert = _server_cert(card, cert_der.raw, (POLICY_DP_AUTH, POLICY_DS_AUTH))
    if cert is None:
        return _auth_error(txid, INVALID_CERTIFICATE)
    if ci_id.value not in ci_skis(card.state):
        return _auth_error(txid, CI_PK_UNKNOWN)
    if not isinstance(cert.public_key().curve, ec.SECP256R1):
        return _auth_error(txid, UNSUPPORTED_CURVE)
    if not rspcrypto.verify(cert.public_key(), signed1.raw, sig1.value):
        return _auth_error(txid, INVALID_SIGNATURE)
    if card.challenge is None or challenge != card.challenge:
        return _auth_error(txid, CHALLENGE_MISMATCH)
    card.challenge = None
    signed = tlv(0x30, [tlv(0x80, txid), enc_utf8(address, tag=0x83),
                        tlv(0x84, server_challenge), encode_euicc_info2(card.state), ctx.raw])
    key = pki.load_key(card.state["pki"]["euicc_key"])
    sig = rspcrypto.sign(key, signed)
    card.download_session = {"txid": txid, "address": address, "sig1": sig,
                             "stage": "authenticated", "smdp_oid": _cert_oid(cert)}
    p = card.state["pki"]
    return tlv(0xBF38, tlv(0xA0, [signed, tlv(0x5F37, sig), pki.cert_der(p["euicc_cert"]),
                                  pki.cert_der(p["eum_cert"])]))


# ---------------------------------------------------------------- PrepareDownload

def _prepare_error(txid, code):
    return tlv(0xBF21, tlv(0xA1, [tlv(0x80, txid), enc_integer(code)]))


@handles(0xBF21)
def prepare_download(card, req):
    signed2 = req.req(0x30)
    sig2 = req.req(0x5F37)
    certs = req.find_all(0x30)
    hash_cc = req.find(0x04)
    if len(certs) != 2:
        raise pyder.DerError("PrepareDownload: smdpSigned2 and smdpCertificate expected")
    txid = signed2.req(0x80).value
    sess = card.download_session
    if sess is None or sess["stage"] != "authenticated":
        return _prepare_error(txid, NO_SESSION_CONTEXT)
    cert = _server_cert(card, certs[1].raw, (POLICY_DP_PB,))
    if cert is None:
        return _prepare_error(txid, INVALID_CERTIFICATE)
    if txid != sess["txid"]:
        return _prepare_error(txid, INVALID_TRANSACTION_ID)
    if not rspcrypto.verify(cert.public_key(), signed2.raw + tlv(0x5F37, sess["sig1"]),
                            sig2.value):
        return _prepare_error(txid, INVALID_SIGNATURE)
    otsk, otpk = rspcrypto.new_otk(cert.public_key().curve)
    parts = [tlv(0x80, txid), tlv(0x5F49, otpk)]
    if hash_cc is not None:
        parts.append(hash_cc.raw)
    signed = tlv(0x30, parts)
    key = pki.load_key(card.state["pki"]["euicc_key"])
    sig = rspcrypto.sign(key, signed + sig2.raw)
    sess.update({"stage": "prepared", "otsk": otsk, "otpk": otpk, "dp_pb": cert.public_key(),
                 "smdp_oid": _cert_oid(cert)})
    return tlv(0xBF21, tlv(0xA0, [signed, tlv(0x5F37, sig)]))


# ---------------------------------------------------------------- LoadBoundProfilePackage

def _head(raw):
    """(tag, declared length, header bytes, rest) of a segment that may be only a head."""
    tag, pos = pyder.read_tag(raw, 0)
    length, pos = pyder.read_length(raw, pos)
    return tag, length, raw[:pos], raw[pos:]


def _install_result(card, sess, final, iccid=None):
    """Sign a ProfileInstallationResult, keep it as a pending notification, return it."""
    st = card.state
    seq = st.next_seq()
    address = sess.get("notify_address") or sess["address"]
    meta = [enc_integer(seq, tag=0x80), enc_named_bits([EVENTS["install"]], tag=0x81),
            enc_utf8(address)]
    if iccid:
        meta.append(tlv(0x5A, ids.iccid_to_ef(iccid)))
    data = tlv(0xBF27, [tlv(0x80, sess["txid"]), tlv(0xBF2F, meta),
                        enc_oid(sess["smdp_oid"]), tlv(0xA2, final)])
    sig = rspcrypto.sign(pki.load_key(st["pki"]["euicc_key"]), data)
    der = tlv(0xBF37, [data, tlv(0x5F37, sig)])
    st["notifications"].append({"seq": seq, "op": "install", "address": address,
                                "iccid": iccid, "der": der.hex()})
    st.save()
    return der


def _fail(card, sess, exc):
    card.download_session = None
    final = tlv(0xA1, [enc_integer(exc.command, tag=0x80), enc_integer(exc.reason, tag=0x81)])
    return _install_result(card, sess, final, sess.get("iccid"))


def _unwrap(sess, raw, command, encrypt=True):
    try:
        return sess["bsp"].unwrap(raw, encrypt)
    except rspcrypto.BspError as exc:
        raise BppFailure(command, ERR_SECURITY, str(exc))


def _parse_metadata(card, sess):
    try:
        md = pyder.decode(sess["metadata"], expect=0xBF25)
        iccid = ids.iccid_from_ef(md.req(0x5A).value)
        p = {"iccid": iccid, "state": "disabled",
             "service_provider": md.req(0x91).str(), "name": md.req(0x92).str(),
             "class": "operational"}
        if md.find(0x95) is not None:
            p["class"] = {v: k for k, v in CLASSES.items()}[md.find(0x95).int()]
        if md.find(0x93) is not None and md.find(0x94) is not None:
            p["icon_type"] = md.find(0x93).int()
            p["icon"] = md.find(0x94).value.hex()
        nci = md.find(0xB6)
        if nci is not None:
            for entry in nci.children():
                addr = entry.req(0x81).str()
                p["notification_address"] = addr
                if EVENTS["install"] in entry.req(0x80).bits():
                    sess["notify_address"] = addr
        if md.find(0xB7) is not None:
            p["owner_mccmnc"] = md.find(0xB7).req(0x80).value.hex().upper()
        if md.find(0x99) is not None:
            p["ppr"] = sorted(md.find(0x99).bits())
    except (pyder.DerError, KeyError) as exc:
        raise BppFailure(CMD_METADATA, ERR_INPUT, "StoreMetadata: %s" % exc)
    sess["iccid"] = iccid
    if any(x["iccid"] == iccid for x in card.state["profiles"]):
        raise BppFailure(CMD_METADATA, ERR_ICCID_EXISTS, "ICCID %s already installed" % iccid)
    sess["profile"] = p


def _new_isdp_aid(state):
    used = {p["isdp_aid"].upper() for p in state["profiles"]}
    n = 0x10
    while True:
        aid = "A0000005591010FFFFFFFF890000%02X00" % (n & 0xFF)
        if aid not in used:
            return aid
        n += 1


def _finish(card, sess):
    try:
        pes = pyder.decode_all(bytes(sess["upp"]))
    except pyder.DerError as exc:
        raise BppFailure(CMD_LOAD, ERR_PE_PROCESSING, "profile package: %s" % exc)
    if not pes or pes[0].tag != 0xA0 or pes[-1].tag != 0xAA:
        raise BppFailure(CMD_LOAD, ERR_PE_PROCESSING,
                         "profile package must run from ProfileHeader to PE-End")
    try:
        iccid = ids.iccid_from_ef(pes[0].req(0x83).value)
    except pyder.DerError as exc:
        raise BppFailure(CMD_LOAD, ERR_PE_PROCESSING, "ProfileHeader: %s" % exc)
    if iccid != sess["iccid"]:
        raise BppFailure(CMD_LOAD, ERR_DATA_MISMATCH, "ProfileHeader ICCID differs from metadata")
    p = sess["profile"]
    p["isdp_aid"] = _new_isdp_aid(card.state)
    p["package_size"] = len(sess["upp"])
    card.state["profiles"].append(p)
    # What ImmediateEnable (es10_fallback.py) may enable next.
    card.state["last_installed"] = p["iccid"]
    card.download_session = None
    final = tlv(0xA0, [tlv(0x4F, bytes.fromhex(p["isdp_aid"])), tlv(0x04, SIMA_OK)])
    return _install_result(card, sess, final, iccid)


def _segment(card, sess, raw):
    tag, length, head, rest = _head(raw)
    stage = sess["stage"]
    if tag == 0xBF36:
        if stage != "prepared":
            raise BppFailure(CMD_INIT_SC, ERR_STRUCTURE, "BF36 outside a prepared session")
        isc = pyder.decode(rest, expect=0xBF23)
        kids = isc.children()
        if [k.tag for k in kids] != [0x82, 0x80, 0xA6, 0x5F49, 0x5F37]:
            raise BppFailure(CMD_INIT_SC, ERR_INPUT, "InitialiseSecureChannel fields")
        if kids[0].int() != 1:
            raise BppFailure(CMD_INIT_SC, ERR_REMOTE_OP, "remoteOpId %d" % kids[0].int())
        if kids[1].value != sess["txid"]:
            raise BppFailure(CMD_INIT_SC, ERR_TXID, "transactionId differs")
        crt = kids[2]
        if (crt.req(0x80).value != bytes([rspcrypto.KEY_TYPE_AES]) or
                crt.req(0x81).value != bytes([rspcrypto.KEY_LEN])):
            raise BppFailure(CMD_INIT_SC, ERR_CRT, "CRT key type / length")
        signed = b"".join(k.raw for k in kids[:4]) + tlv(0x5F49, sess["otpk"])
        if not rspcrypto.verify(sess["dp_pb"], signed, kids[4].value):
            raise BppFailure(CMD_INIT_SC, ERR_SIGNATURE, "smdpSign does not verify")
        try:
            secret = rspcrypto.shared_secret(sess["otsk"], kids[3].value)
        except ValueError as exc:
            raise BppFailure(CMD_INIT_SC, ERR_INPUT, "smdpOtpk: %s" % exc)
        mcv, s_enc, s_mac = rspcrypto.session_keys(secret, rspcrypto.KEY_TYPE_AES,
                                                   rspcrypto.KEY_LEN, crt.req(0x84).value,
                                                   bytes.fromhex(card.state["eid"]))
        sess.update({"bsp": rspcrypto.Bsp(s_enc, s_mac, mcv), "stage": "secure", "otsk": None})
        return b""
    if tag == 0xA0 and stage == "secure":
        plain = _unwrap(sess, rest, CMD_CONFIGURE)
        try:
            pyder.decode(plain, expect=0xBF24)
        except pyder.DerError as exc:
            raise BppFailure(CMD_CONFIGURE, ERR_STRUCTURE, "ConfigureISDP: %s" % exc)
        sess["stage"] = "configured"
        return b""
    if tag == 0xA1 and stage == "configured" and not rest:
        sess.update({"stage": "metadata", "left": length, "metadata": b""})
        return b""
    if tag == 0x88 and stage == "metadata":
        sess["left"] -= len(raw)
        sess["metadata"] += _unwrap(sess, raw, CMD_METADATA, encrypt=False)
        if sess["left"] < 0:
            raise BppFailure(CMD_METADATA, ERR_STRUCTURE, "88 beyond the A1 length")
        if sess["left"] == 0:
            _parse_metadata(card, sess)
            sess["stage"] = "metadata-done"
        return b""
    if tag == 0xA2 and stage == "metadata-done":
        plain = _unwrap(sess, rest, CMD_REPLACE_KEYS)
        try:
            rsk = pyder.decode(plain, expect=0xBF26)
            sess["bsp"] = rspcrypto.Bsp(rsk.req(0x81).value, rsk.req(0x82).value,
                                        rsk.req(0x80).value)
        except (pyder.DerError, ValueError) as exc:
            raise BppFailure(CMD_REPLACE_KEYS, ERR_STRUCTURE, "ReplaceSessionKeys: %s" % exc)
        sess["stage"] = "keys-replaced"
        return b""
    if tag == 0xA3 and stage in ("metadata-done", "keys-replaced") and not rest:
        sess.update({"stage": "loading", "left": length, "upp": bytearray()})
        return b""
    if tag == 0x86 and stage == "loading":
        sess["left"] -= len(raw)
        sess["upp"] += _unwrap(sess, raw, CMD_LOAD)
        if sess["left"] < 0:
            raise BppFailure(CMD_LOAD, ERR_STRUCTURE, "86 beyond the A3 length")
        if sess["left"] == 0:
            return _finish(card, sess)
        return b""
    command = {"secure": CMD_CONFIGURE, "configured": CMD_METADATA, "metadata": CMD_METADATA,
               "metadata-done": CMD_REPLACE_KEYS, "keys-replaced": CMD_LOAD}.get(stage, CMD_LOAD)
    raise BppFailure(command, ERR_STRUCTURE, "segment %X not expected in stage %s" % (tag, stage))


@handles_raw(0xBF36, 0xA0, 0xA1, 0xA2, 0xA3, 0x86, 0x88)
def load_bpp_segment(card, raw):
    sess = card.download_session
    if sess is None or sess["stage"] in ("authenticated",):
        # No download session: nothing to report a result for.
        raise Es10Status(0x6985, "no profile download session")
    try:
        return _segment(card, sess, raw)
    except pyder.DerError as exc:
        return _fail(card, sess, BppFailure(CMD_LOAD if sess["stage"] == "loading"
                                            else CMD_INIT_SC, ERR_STRUCTURE, str(exc)))
    except BppFailure as exc:
        return _fail(card, sess, exc)


# ---------------------------------------------------------------- CancelSession

@handles(0xBF41)
def cancel_session(card, req):
    kids = req.children()
    if len(kids) < 2 or kids[0].tag != 0x80 or kids[1].tag != 0x81:
        raise pyder.DerError("CancelSession needs transactionId (80) and reason (81)")
    txid, reason = kids[0].value, kids[1].int()
    sess = card.download_session
    if sess is None or sess["txid"] != txid:
        return tlv(0xBF41, enc_integer(INVALID_TRANSACTION_ID, tag=0x81))
    card.download_session = None
    signed = tlv(0x30, [tlv(0x80, txid), enc_oid(sess["smdp_oid"], tag=0x81),
                        enc_integer(reason, tag=0x82)])
    sig = rspcrypto.sign(pki.load_key(card.state["pki"]["euicc_key"]), signed)
    return tlv(0xBF41, tlv(0xA0, [signed, tlv(0x5F37, sig)]))

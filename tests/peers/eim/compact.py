# SPDX-License-Identifier: Apache-2.0
"""minimizeEsipaBytes, the eIM side: the compact forms SGP.32 v1.2 lets the IPA send in the
indirect profile download, put back into the SGP.22 forms the SM-DP+ takes (and whose
eUICC signatures it checks), from what this eIM holds:

  BF39 without euiccInfo1            <- EUICCInfo1 from the eUICC's last IpaEuiccData
  BF38 compactAuthenticateResponseOk <- euiccSigned1 {transactionId, serverAddress,
      (A2)                              serverChallenge of the serverSigned1 relayed,
                                        EUICCInfo2 from IpaEuiccData with extCardResource
                                        replaced, ctxParams1 given or the one this eIM sent},
                                        the certificates from IpaEuiccData
  BF21 compactDownloadResponseOk (A2) <- euiccSigned2 {transactionId, euiccOtpk, hashCc given
                                        or the one this eIM sent}
  BF41 compactCancelSessionResponseOk <- {transactionId, smdpOid of CERT.DPauth, reason}
  A0 compactProfileInstallationResult <- BF37 {BF27 {transactionId, BF2F {seqNumber, install,
                                        the SM-DP+ address, ICCID of the profile metadata
                                        unless iccidPresent is FALSE}, smdpOid of CERT.DPpb,
                                        finalResult with the ISD-P AID A0000005591010FFFFFFFF89
                                        00 || compactAid || 00 and simaResponse 3007A00530038001
                                        00 when left out}, euiccSignPIR}

Each function raises pyder.DerError (or KeyError for something not held) when it cannot."""

from cryptography import x509

import pyder
from pyder import tlv

ISDP_AID_PREFIX = bytes.fromhex("A0000005591010FFFFFFFF8900")
SIMA_OK = bytes.fromhex("3007A0053003800100")
INSTALL = tlv(0x81, bytes.fromhex("0780"))


def registered_oid(cert_der):
    """The SM-DP+ OID: the registeredID in the subjectAltName of its certificate, as DER contents."""
    cert = x509.load_der_x509_certificate(cert_der)
    san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    oids = san.get_values_for_type(x509.RegisteredID)
    if not oids:
        raise pyder.DerError("certificate has no registeredID")
    return pyder.decode(pyder.enc_oid(oids[0].dotted_string)).value


def _implicit_cert(der):
    """A Certificate this eIM holds as DER (30 ...)."""
    return pyder.decode(bytes.fromhex(der) if isinstance(der, str) else der, expect=0x30)


def authenticate_server_response(bf38, session, held):
    """BF38 -> (the full BF38, "compact" / "full")."""
    outer = pyder.decode(bf38, expect=0xBF38)
    choice = outer.children()
    if len(choice) != 1 or choice[0].tag != 0xA2:
        return bf38, "full"
    parts = choice[0].children()
    if len(parts) < 2 or parts[1].tag != 0x5F37:
        raise pyder.DerError("CompactAuthenticateResponseOk: signedData then 5F37 expected")
    signed = parts[0]
    if signed.tag == 0x30:
        euicc_signed1 = signed.raw
    elif signed.tag == 0xA0:
        ext = signed.req(0x84)
        ctx = signed.find(0xA2)
        if ctx is not None:
            ctx_params1 = ctx.children()[0].raw
        elif session.get("ctx_params1") is not None:
            ctx_params1 = session["ctx_params1"]
        else:
            raise KeyError("ctxParams1 left out, and this eIM sent none")
        server = pyder.decode(session["server_signed1"], expect=0x30)
        info2 = pyder.decode(bytes.fromhex(held["euiccInfo2"]), expect=0xBF22)
        fields = [k.raw if k.tag != 0x84 else tlv(0x84, ext.value) for k in info2.children()]
        if info2.find(0x84) is None:
            raise KeyError("the EUICCInfo2 this eIM holds has no extCardResource")
        euicc_signed1 = tlv(0x30, [server.req(0x80).raw, server.req(0x83).raw, server.req(0x84).raw,
                                   tlv(0xBF22, fields), ctx_params1])
    else:
        raise pyder.DerError("signedData: 30 or A0 expected, got %X" % signed.tag)
    certs = {k.tag: tlv(0x30, k.value) for k in parts[2:]}
    euicc_cert = certs.get(0xA1) or _implicit_cert(held["euiccCertificate"]).raw
    eum_cert = certs.get(0xA2) or _implicit_cert(held["eumCertificate"]).raw
    return tlv(0xBF38, tlv(0xA0, [euicc_signed1, parts[1].raw, euicc_cert, eum_cert])), "compact"


def prepare_download_response(bf21, session):
    """BF21 -> (the full BF21, form)."""
    choice = pyder.decode(bf21, expect=0xBF21).children()
    if len(choice) != 1 or choice[0].tag != 0xA2:
        return bf21, "full"
    signed, signature = choice[0].children()
    if signed.tag != 0x30 or signature.tag != 0x5F37:
        raise pyder.DerError("CompactPrepareDownloadResponseOk: 30 then 5F37 expected")
    fields = [tlv(0x80, session["transaction_id"])]
    otpk = signed.find(0x5F49)
    if otpk is not None:
        fields.append(otpk.raw)
    hcc = signed.find(0x04)
    if hcc is not None:
        fields.append(hcc.raw)
    elif session.get("hash_cc") is not None:
        fields.append(tlv(0x04, session["hash_cc"]))
    return tlv(0xBF21, tlv(0xA0, [tlv(0x30, fields), signature.raw])), "compact"


def cancel_session_response(bf41, session):
    """BF41 (the eUICC's answer, as SGP.22 carries it) -> (the full BF41, form)."""
    choice = pyder.decode(bf41, expect=0xBF41).children()
    if len(choice) != 1 or choice[0].tag != 0xA2:
        return bf41, "full"
    signed, signature = choice[0].children()
    reason = signed.find(0x80)
    if reason is None:
        raise KeyError("compactEuiccCancelSessionSigned without its reason")
    full = tlv(0x30, [tlv(0x80, session["transaction_id"]), tlv(0x81, session["auth_oid"]),
                      tlv(0x82, reason.value)])
    return tlv(0xBF41, tlv(0xA0, [full, signature.raw])), "compact"


def profile_installation_result(pending, session_for):
    """One SGP32-PendingNotification -> (a BF37 or the notification itself, form);
    session_for(transactionId bytes) gives the session it belongs to."""
    n = pyder.decode(pending)
    if n.tag != 0xA0:
        return pending, "full"
    data, sign = n.children()
    if data.tag != 0xA0 or sign.tag != 0x5F37:
        raise pyder.DerError("CompactProfileInstallationResult: A0 then 5F37 expected")
    txid = data.req(0x80).value
    session = session_for(txid)
    iccid_present = data.find(0x01)
    metadata = [pyder.enc_integer(data.req(0x02).int(), tag=0x80), INSTALL,
                pyder.enc_utf8(session["address"])]
    if iccid_present is None or iccid_present.value != b"\x00":
        metadata.append(tlv(0x5A, session["iccid"]))
    final = data.req(0xA2).children()
    if len(final) != 1:
        raise pyder.DerError("compactFinalResult: one alternative expected")
    if final[0].tag == 0xA0:
        aid = final[0].req(0x4F).value
        if len(aid) != 2:
            raise pyder.DerError("compactAid: 2 bytes expected")
        sima = final[0].find(0x04)
        result = tlv(0xA0, [tlv(0x4F, ISDP_AID_PREFIX + aid + b"\x00"),
                            sima.raw if sima is not None else tlv(0x04, SIMA_OK)])
    elif final[0].tag == 0xA1:
        result = final[0].raw
    else:
        raise pyder.DerError("compactFinalResult: A0 or A1 expected")
    body = tlv(0xBF27, [tlv(0x80, txid), tlv(0xBF2F, metadata), tlv(0x06, session["pb_oid"]),
                        tlv(0xA2, result)])
    return tlv(0xBF37, [body, sign.raw]), "compact"


def iccid_of(metadata_bf25):
    """The ICCID (EF format bytes) of a StoreMetadataRequest."""
    return pyder.decode(metadata_bf25, expect=0xBF25).req(0x5A).value

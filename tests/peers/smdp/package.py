# SPDX-License-Identifier: Apache-2.0
"""Profile packages and Bound Profile Packages of the test SM-DP+.

The unprotected profile package (UPP) is a series of TCA ProfileElement TLVs:
ProfileHeader [A0] (version 2.3, the ICCID, usim + milenage as mandatory services),
GenericFileManagement [A1] elements filling files with deterministic content until
the package reaches the wanted size, and PE-End [AA].

The BPP (SGP.22 2.5.4) is BF36 { BF23 InitialiseSecureChannel, A0 {87 ConfigureISDP},
A1 {88 StoreMetadata...}, [A2 {87 ReplaceSessionKeys}], A3 {86 ...} }: 87 encrypted and
MACed with the session keys, 88 MACed only, 86 encrypted and MACed with the session
keys or, with ReplaceSessionKeys, with the profile protection keys it carries."""

import hashlib
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                                "lib"))
import pyder  # noqa: E402
import rspcrypto  # noqa: E402
from pyder import tlv, enc_integer, enc_utf8, enc_named_bits, enc_oid  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from softeuicc.ids import iccid_to_ef  # noqa: E402

CLASSES = {"test": 0, "provisioning": 1, "operational": 2}
EVENTS = {"install": 0, "enable": 1, "disable": 2, "delete": 3}
# Plaintext bytes per 86 segment: 1008 after padding, 1016 with the C-MAC, so each
# segment TLV stays below the 1024 bytes an eUICC must accept.
SEGMENT_PLAIN = 1000


def _pe_header(ident):
    return tlv(0xA0, enc_integer(ident, tag=0x81))


def build_upp(iccid, size):
    """A profile package of at least size bytes for iccid (deterministic content)."""
    header = tlv(0xA0, [
        enc_integer(2, tag=0x80), enc_integer(3, tag=0x81),
        enc_utf8("euiccd test profile", tag=0x82),
        tlv(0x83, iccid_to_ef(iccid)),
        tlv(0xA5, [tlv(0x81), tlv(0x84)]),                 # usim, milenage
        tlv(0xA6),
    ])
    parts = [header]
    total = len(header)
    ident = 1
    seed = hashlib.sha256(iccid.encode()).digest()
    while total < size:
        content = b""
        block = seed + ident.to_bytes(4, "big")
        while len(content) < 960:
            block = hashlib.sha256(block).digest()
            content += block
        fid = (0x6F00 + ident % 0xFF).to_bytes(2, "big")
        pe = tlv(0xA1, [_pe_header(ident), tlv(0xA1, tlv(0x30, [
            tlv(0x80, b"\x3f\x00\x7f\xff" + fid), tlv(0x81, content[:960])]))])
        parts.append(pe)
        total += len(pe)
        ident += 1
    parts.append(tlv(0xAA, tlv(0xA0, enc_integer(ident, tag=0x81))))
    return b"".join(parts)


def store_metadata(profile, default_address):
    """StoreMetadataRequest (BF25) for a profile spec."""
    parts = [tlv(0x5A, iccid_to_ef(profile["iccid"])),
             enc_utf8(profile.get("service_provider", "Test Operator"), tag=0x91),
             enc_utf8(profile.get("name", "Test Profile"), tag=0x92)]
    if profile.get("icon"):
        parts.append(enc_integer(profile.get("icon_type", 1), tag=0x93))
        parts.append(tlv(0x94, bytes.fromhex(profile["icon"])))
    cls = profile.get("class", "operational")
    if cls != "operational":                         # DEFAULT operational: DER omits it
        parts.append(enc_integer(CLASSES[cls], tag=0x95))
    address = profile.get("notification_address", default_address)
    if address:
        parts.append(tlv(0xB6, [tlv(0x30, [enc_named_bits([EVENTS[e]], tag=0x80),
                                           enc_utf8(address, tag=0x81)])
                                for e in ("install", "enable", "disable", "delete")]))
    if profile.get("owner_mccmnc"):
        parts.append(tlv(0xB7, tlv(0x80, bytes.fromhex(profile["owner_mccmnc"]))))
    if profile.get("ppr"):
        parts.append(enc_named_bits(profile["ppr"], tag=0x99))
    return tlv(0xBF25, parts)


def init_secure_channel(txid, host_id, smdp_otpk, euicc_otpk, dp_pb_key):
    """InitialiseSecureChannelRequest (BF23), signed by the SM-DP+'s DPpb key over
    remoteOpId || transactionId || CRT || smdpOtpk || euiccOtpk (5F49)."""
    signed = (enc_integer(1, tag=0x82) + tlv(0x80, txid) +
              tlv(0xA6, [tlv(0x80, bytes([rspcrypto.KEY_TYPE_AES])),
                         tlv(0x81, bytes([rspcrypto.KEY_LEN])), tlv(0x84, host_id)]) +
              tlv(0x5F49, smdp_otpk))
    sig = rspcrypto.sign(dp_pb_key, signed + tlv(0x5F49, euicc_otpk))
    return tlv(0xBF23, signed + tlv(0x5F37, sig))


def build_bpp(txid, eid, euicc_otpk, dp_pb_key, metadata, upp, smdp_oid,
              replace_keys=False):
    """The BoundProfilePackage (BF36) bytes for one session."""
    otsk, otpk = rspcrypto.new_otk(dp_pb_key.curve)
    secret = rspcrypto.shared_secret(otsk, euicc_otpk)
    host_id = os.urandom(16)
    mcv, s_enc, s_mac = rspcrypto.session_keys(secret, rspcrypto.KEY_TYPE_AES,
                                               rspcrypto.KEY_LEN, host_id, bytes.fromhex(eid))
    bsp = rspcrypto.Bsp(s_enc, s_mac, mcv)
    isc = init_secure_channel(txid, host_id, otpk, euicc_otpk, dp_pb_key)
    configure = tlv(0xBF24, tlv(0xB8, enc_oid(smdp_oid)))
    parts = [isc, tlv(0xA0, bsp.wrap(0x87, configure)),
             tlv(0xA1, bsp.wrap(0x88, metadata, encrypt=False))]
    if replace_keys:
        ppk_mcv, ppk_enc, ppk_mac = os.urandom(16), os.urandom(16), os.urandom(16)
        rsk = tlv(0xBF26, [tlv(0x80, ppk_mcv), tlv(0x81, ppk_enc), tlv(0x82, ppk_mac)])
        parts.append(tlv(0xA2, bsp.wrap(0x87, rsk)))
        bsp = rspcrypto.Bsp(ppk_enc, ppk_mac, ppk_mcv)
    segs = [bsp.wrap(0x86, upp[i:i + SEGMENT_PLAIN]) for i in range(0, len(upp), SEGMENT_PLAIN)]
    parts.append(tlv(0xA3, segs))
    return tlv(0xBF36, parts)


def segments(bpp):
    """The ES8+ segments of a BPP in the order test-vectors.md section G gives:
    BF36 head + BF23; A0 head + its 87; A1 head; each 88; A2 head + its first 87;
    A3 head; each 86."""
    outer = pyder.decode(bpp, expect=0xBF36)
    head = bpp[:len(bpp) - len(outer.value)]
    kids = outer.children()
    out = []
    if not kids or kids[0].tag != 0xBF23:
        raise pyder.DerError("BPP does not start with BF23")
    out.append(head + kids[0].raw)
    for k in kids[1:]:
        khead = k.raw[:len(k.raw) - len(k.value)]
        inner = k.children()
        if k.tag in (0xA0, 0xA2):
            if not inner:
                raise pyder.DerError("BPP %X is empty" % k.tag)
            out.append(khead + inner[0].raw)
            out.extend(i.raw for i in inner[1:])
        elif k.tag in (0xA1, 0xA3):
            out.append(khead)
            out.extend(i.raw for i in inner)
        else:
            raise pyder.DerError("BPP: unexpected tag %X" % k.tag)
    return out

# SPDX-License-Identifier: Apache-2.0
"""ES10 card information: GetEID, EUICCInfo1/2, configured addresses, challenge,
certificates and the Rules Authorisation Table."""

import os

import pyder
from pyder import tlv, enc_integer, enc_named_bits, enc_utf8, enc_octets

from . import pki
from .es10 import handles, Es10Status, SW_WRONG_DATA


def version_bytes(text):
    """'2.3.0' -> b'\\x02\\x03\\x00' (VersionType)."""
    parts = [int(x) for x in text.split(".")]
    parts += [0] * (3 - len(parts))
    return bytes(parts[:3])


def ci_skis(state):
    return [pki.subject_key_id(state["pki"]["ci_cert"])]


def encode_euicc_info1(svn, verify_skis, sign_skis):
    return tlv(0xBF20, [
        tlv(0x82, svn),
        tlv(0xA9, [enc_octets(k) for k in verify_skis]),
        tlv(0xAA, [enc_octets(k) for k in sign_skis]),
    ])


def encode_euicc_info2(state):
    info = state.get("euicc_info", {})
    ipae_active = bool((state.get("ipae") or {}).get("active", False))
    skis = ci_skis(state)
    iot = [tlv(0xA0, [enc_octets(version_bytes(v)) for v in info.get("iot_versions", ["1.2.0"])])]
    if info.get("ecall_supported", False):
        iot.append(tlv(0x81))
    if info.get("fallback_supported", True):
        iot.append(tlv(0x82))
    return tlv(0xBF22, [
        tlv(0x81, version_bytes(info.get("profile_version", "2.3.1"))),
        tlv(0x82, version_bytes(info.get("svn", "2.3.0"))),
        tlv(0x83, version_bytes(info.get("firmware", "1.0.0"))),
        # ETSI TS 102 226 extended card resource: installed apps, free NVM, free RAM.
        tlv(0x84, tlv(0x81, b"\x02") + tlv(0x82, b"\x01\x80\x00") + tlv(0x83, b"\x20\x00")),
        # usim, isim, milenage, tuak128, tuak256, gbaAuthenUsim, gbaAuthenISim
        enc_named_bits([1, 2, 4, 6, 7, 10, 11], tag=0x85),
        tlv(0x86, version_bytes("9.2.0")),
        tlv(0x87, version_bytes("2.3.0")),
        # additionalProfile, testProfileSupport
        enc_named_bits([0, 3], tag=0x88),
        tlv(0xA9, [enc_octets(k) for k in skis]),
        tlv(0xAA, [enc_octets(k) for k in skis]),
        enc_integer(info.get("category", 1), tag=0x8B),
        enc_octets(version_bytes("1.0.0")),                        # ppVersion
        enc_utf8(info.get("sas", "TEST-SAS-0001")),                # sasAcreditationNumber
        tlv(0xAC, [enc_utf8("euiccd-soft-euicc", tag=0x80),
                   enc_utf8("https://dloa.example.com/", tag=0x81)]),
    ] + ([] if state.get("card_kind") == "sgp22" else [
        # SGP.32's own fields, which a consumer (SGP.22) eUICC does not have.
        enc_integer(1 if ipae_active else 0, tag=0x90),            # ipaMode ipad(0) / ipae(1)
        tlv(0xB4, iot),
    ]))


@handles(0xBF3E)
def get_euicc_data(card, req):
    tags = req.req(0x5C).value
    if 0x5A not in tags:
        raise Es10Status(SW_WRONG_DATA, "GetEuiccData tagList without 5A")
    return tlv(0xBF3E, tlv(0x5A, bytes.fromhex(card.state["eid"])))


@handles(0xBF20)
def get_euicc_info1(card, req):
    skis = ci_skis(card.state)
    return encode_euicc_info1(version_bytes(card.state.get("euicc_info", {}).get("svn", "2.3.0")),
                              skis, skis)


@handles(0xBF22)
def get_euicc_info2(card, req):
    return encode_euicc_info2(card.state)


@handles(0xBF42)
def ipae_activation(card, req):
    """IpaeActivation (SGP.32 v1.2): ipaeOption [0] BIT STRING, activateIpae(0) set activates the IPAe, clear
    deactivates it; ipaeActivationResult ok(0) or notSupported(1) for an eUICC without one."""
    option = req.find(0x80)
    if option is None:
        raise Es10Status(SW_WRONG_DATA, "IpaeActivation without ipaeOption")
    activate = 0 in option.bits()
    supported, _ = card.ipae()
    if not supported:
        return tlv(0xBF42, enc_integer(1, tag=0x80))
    card.state.data.setdefault("ipae", {})["active"] = activate
    card.state.save()
    return tlv(0xBF42, enc_integer(0, tag=0x80))


@handles(0xBF3C)
def get_configured_addresses(card, req):
    parts = []
    if card.state.get("default_smdp"):
        parts.append(enc_utf8(card.state["default_smdp"], tag=0x80))
    parts.append(enc_utf8(card.state.get("root_smds", "lpa.ds.gsma.com"), tag=0x81))
    return tlv(0xBF3C, parts)


@handles(0xBF2E)
def get_euicc_challenge(card, req):
    card.challenge = os.urandom(16)
    return tlv(0xBF2E, tlv(0x80, card.challenge))


@handles(0xBF56)
def get_certs(card, req):
    p = card.state["pki"]
    wanted = req.find(0x80)
    if wanted is not None:
        # The identifier may be truncated (SGP.32): accept a prefix of a known CI SKI.
        if len(wanted.value) == 0 or not any(k.startswith(wanted.value) for k in ci_skis(card.state)):
            return tlv(0xBF56, enc_integer(1, tag=0x81))            # invalidCiPKId
    eum = pyder.decode(pki.cert_der(p["eum_cert"]))
    euicc = pyder.decode(pki.cert_der(p["euicc_cert"]))
    return tlv(0xBF56, tlv(0xA0, [tlv(0xA5, eum.value), tlv(0xA6, euicc.value)]))


def encode_rat(rules):
    out = []
    for rule in rules:
        ops = []
        for op in rule.get("operators", []):
            fields = [tlv(0x80, bytes.fromhex(op["mccmnc"]))]
            if op.get("gid1"):
                fields.append(tlv(0x81, bytes.fromhex(op["gid1"])))
            if op.get("gid2"):
                fields.append(tlv(0x82, bytes.fromhex(op["gid2"])))
            ops.append(tlv(0x30, fields))
        out.append(tlv(0x30, [enc_named_bits(rule.get("ppr_ids", []), tag=0x80),
                              tlv(0xA1, ops),
                              enc_named_bits(rule.get("flags", []), tag=0x82)]))
    return out


@handles(0xBF43)
def get_rat(card, req):
    return tlv(0xBF43, tlv(0xA0, encode_rat(card.state.get("rat", []))))

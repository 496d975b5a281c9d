# SPDX-License-Identifier: Apache-2.0
"""ES10b eIM configuration: GetEimConfigurationData (BF55) and AddInitialEim (BF57).

An eIM configuration is kept in the state as a dict; the key material
(eimPublicKeyData, trustedPublicKeyDataTls) is kept as the hex of the encoded
CHOICE inside the [5]/[6] wrapper (A0 = public key, A1 = certificate), so it is
returned byte for byte as it was given."""

import pyder
from pyder import tlv, enc_integer, enc_utf8, enc_named_bits

from . import pki
from .es10 import handles

# AddInitialEimResponse.addInitialEimError values
ASSOCIATED_EIM_ALREADY_EXISTS = 2
CI_PK_UNKNOWN = 3
COUNTER_OUT_OF_RANGE = 6
COMMAND_ERROR = 7


class EimConfigError(Exception):
    def __init__(self, code, why):
        super().__init__(why)
        self.code = code


def encode_config(e):
    """EimConfigurationData (SEQUENCE, tag 30) from a state dict."""
    parts = [enc_utf8(e["eimId"], tag=0x80)]
    if e.get("eimFqdn") is not None:
        parts.append(enc_utf8(e["eimFqdn"], tag=0x81))
    if e.get("eimIdType") is not None:
        parts.append(enc_integer(e["eimIdType"], tag=0x82))
    if e.get("counterValue") is not None:
        parts.append(enc_integer(e["counterValue"], tag=0x83))
    if e.get("associationToken") is not None:
        parts.append(enc_integer(e["associationToken"], tag=0x84))
    if e.get("eimPublicKeyData"):
        parts.append(tlv(0xA5, bytes.fromhex(e["eimPublicKeyData"])))
    if e.get("trustedPublicKeyDataTls"):
        parts.append(tlv(0xA6, bytes.fromhex(e["trustedPublicKeyDataTls"])))
    if e.get("eimSupportedProtocol") is not None:
        parts.append(enc_named_bits(e["eimSupportedProtocol"], tag=0x87))
    if e.get("euiccCiPKId"):
        parts.append(tlv(0x88, bytes.fromhex(e["euiccCiPKId"])))
    if e.get("indirectProfileDownload"):
        parts.append(tlv(0x89))
    return tlv(0x30, parts)


def _key_choice(node, what):
    """Check the [5]/[6] CHOICE: A0 SubjectPublicKeyInfo or A1 Certificate."""
    kids = node.children()
    if len(kids) != 1 or kids[0].tag not in (0xA0, 0xA1):
        raise EimConfigError(COMMAND_ERROR, "%s must hold A0 (public key) or A1 (certificate)"
                             % what)
    pyder.validate(kids[0].raw)
    return kids[0].raw.hex()


def decode_config(node, ci_skis):
    """EimConfigurationData TLV -> state dict; EimConfigError on bad content."""
    if node.tag != 0x30:
        raise EimConfigError(COMMAND_ERROR, "EimConfigurationData has tag %X, not 30" % node.tag)
    e = {}
    eim_id = node.find(0x80)
    if eim_id is None:
        raise EimConfigError(COMMAND_ERROR, "eimId missing")
    e["eimId"] = eim_id.str()
    if not 1 <= len(e["eimId"]) <= 128:
        raise EimConfigError(COMMAND_ERROR, "eimId length %d not in 1..128" % len(e["eimId"]))
    for tag, key in ((0x81, "eimFqdn"),):
        n = node.find(tag)
        if n is not None:
            e[key] = n.str()
    for tag, key in ((0x82, "eimIdType"), (0x83, "counterValue")):
        n = node.find(tag)
        if n is not None:
            e[key] = n.int()
    if e.get("counterValue", 0) < 0:
        raise EimConfigError(COUNTER_OUT_OF_RANGE, "counterValue %d is negative" % e["counterValue"])
    if node.find(0x84) is not None:
        e["associationToken"] = True        # requested: the card assigns the value
    n = node.find(0xA5)
    if n is not None:
        e["eimPublicKeyData"] = _key_choice(n, "eimPublicKeyData")
    n = node.find(0xA6)
    if n is not None:
        e["trustedPublicKeyDataTls"] = _key_choice(n, "trustedPublicKeyDataTls")
    n = node.find(0x87)
    if n is not None:
        e["eimSupportedProtocol"] = sorted(n.bits())
    n = node.find(0x88)
    if n is not None:
        if n.value not in ci_skis:
            raise EimConfigError(CI_PK_UNKNOWN, "euiccCiPKId %s unknown" % n.value.hex())
        e["euiccCiPKId"] = n.value.hex()
    if node.find(0x89) is not None:
        e["indirectProfileDownload"] = True
    return e


@handles(0xBF55)
def get_eim_configuration_data(card, req):
    sc = req.find(0xA0)
    wanted = sc.req(0x80).str() if sc is not None else None
    return tlv(0xBF55, tlv(0xA0, [encode_config(e) for e in card.state["eims"]
                                  if wanted is None or e["eimId"] == wanted]))


def add_initial_eim_error(code):
    return tlv(0xBF57, enc_integer(code, tag=0x81))


@handles(0xBF57)
def add_initial_eim(card, req):
    # Only a card without any eIM takes an initial one; afterwards only signed eCOs change it.
    if card.state["eims"]:
        return add_initial_eim_error(ASSOCIATED_EIM_ALREADY_EXISTS)
    lst = req.find(0xA0)
    try:
        if lst is None or not lst.children():
            raise EimConfigError(COMMAND_ERROR, "eimConfigurationDataList empty or missing")
        skis = [pki.subject_key_id(card.state["pki"]["ci_cert"])]
        new = [decode_config(n, skis) for n in lst.children()]
    except pyder.DerError:
        return add_initial_eim_error(COMMAND_ERROR)
    except EimConfigError as exc:
        return add_initial_eim_error(exc.code)
    names = [e["eimId"] for e in new]
    if len(set(names)) != len(names):
        return add_initial_eim_error(ASSOCIATED_EIM_ALREADY_EXISTS)
    results = []
    for e in new:
        if e.get("associationToken"):
            token = int(card.state.get("next_association_token", 1))
            card.state["next_association_token"] = token + 1
            e["associationToken"] = token
            results.append(enc_integer(token, tag=0x84))
        else:
            e.pop("associationToken", None)
            results.append(tlv(0x05))                               # addOk
        e.setdefault("counterValue", 0)
    card.state["eims"] = new
    card.state.save()
    return tlv(0xBF57, tlv(0xA0, results))

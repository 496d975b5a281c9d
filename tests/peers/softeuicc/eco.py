# SPDX-License-Identifier: Apache-2.0
"""eIM Configuration Operations (SGP.32 v1.2 Eco) carried in an eUICC package.

  addEim [A8] EimConfigurationData    -> addEimResult [A8] {84 token | 02 code}
  deleteEim [A9] {80 eimId}           -> deleteEimResult [89]
  updateEim [AA] EimConfigurationData -> updateEimResult [8A]
  listEim [AB]                        -> listEimResult [AB] {A0 {30 {80 eimId, 82 type?}...}}

AddEimResult and ListEimResult are untagged CHOICEs, so their [8]/[11] tags are
explicit (a constructed wrapper around the chosen alternative).

updateEim replaces the whole configuration of that eIM with the one given; the
eimId and the association token stay, and so does the counter unless a new
counterValue is given."""

import pyder
from pyder import tlv, enc_integer, enc_utf8

from . import pki
from .es10_eim import decode_config, EimConfigError
from .psmo import Terminated, TERMINATED_UNKNOWN_OR_DAMAGED

MAX_EIMS = 8
MAX_COUNTER = 0x7FFFFFFF

OK = 0
INSUFFICIENT_MEMORY = 1
ASSOCIATED_EIM_ALREADY_EXISTS = 2
CI_PK_UNKNOWN = 3
COUNTER_OUT_OF_RANGE = 6
COMMAND_ERROR = 7
EIM_NOT_FOUND = 1
LAST_EIM_DELETED = 2


def _ci_skis(state):
    return [pki.subject_key_id(state["pki"]["ci_cert"])]


def _decode(card, item):
    """EimConfigurationData under an implicit [8]/[10] tag -> state dict."""
    cfg = decode_config(pyder.decode(tlv(0x30, item.value)), _ci_skis(card.state))
    if cfg.get("counterValue", 0) > MAX_COUNTER:
        raise EimConfigError(COUNTER_OUT_OF_RANGE,
                             "counterValue %d too large" % cfg["counterValue"])
    return cfg


def _find(state, eim_id):
    for e in state["eims"]:
        if e["eimId"] == eim_id:
            return e
    return None


def eco_add(card, item, ctx):
    st = card.state
    try:
        cfg = _decode(card, item)
    except pyder.DerError:
        return tlv(0xA8, enc_integer(COMMAND_ERROR))
    except EimConfigError as exc:
        return tlv(0xA8, enc_integer(exc.code))
    if _find(st, cfg["eimId"]) is not None:
        return tlv(0xA8, enc_integer(ASSOCIATED_EIM_ALREADY_EXISTS))
    if len(st["eims"]) >= MAX_EIMS:
        return tlv(0xA8, enc_integer(INSUFFICIENT_MEMORY))
    cfg.setdefault("counterValue", 0)
    if cfg.get("associationToken"):
        token = int(st.get("next_association_token", 1))
        st["next_association_token"] = token + 1
        cfg["associationToken"] = token
        st["eims"].append(cfg)
        return tlv(0xA8, enc_integer(token, tag=0x84))
    cfg.pop("associationToken", None)
    st["eims"].append(cfg)
    return tlv(0xA8, enc_integer(OK))


def eco_delete(card, item, ctx):
    st = card.state
    try:
        eim_id = item.req(0x80).str()
    except pyder.DerError:
        return enc_integer(COMMAND_ERROR, tag=0x89)
    e = _find(st, eim_id)
    if e is None:
        return enc_integer(EIM_NOT_FOUND, tag=0x89)
    st["eims"] = [x for x in st["eims"] if x is not e]
    # The deletion is done either way; the code tells the eIM that none is left.
    return enc_integer(LAST_EIM_DELETED if not st["eims"] else OK, tag=0x89)


def eco_update(card, item, ctx):
    st = card.state
    try:
        cfg = _decode(card, item)
    except pyder.DerError:
        return enc_integer(COMMAND_ERROR, tag=0x8A)
    except EimConfigError as exc:
        return enc_integer(exc.code, tag=0x8A)
    e = _find(st, cfg["eimId"])
    if e is None:
        return enc_integer(EIM_NOT_FOUND, tag=0x8A)
    cfg.pop("associationToken", None)
    if e.get("associationToken") is not None:
        cfg["associationToken"] = e["associationToken"]
    cfg.setdefault("counterValue", e.get("counterValue", 0))
    e.clear()
    e.update(cfg)
    return enc_integer(OK, tag=0x8A)


def eco_list(card, item, ctx):
    # listEim is an empty SEQUENCE; EXTENSIBILITY IMPLIED lets unknown additions pass.
    out = []
    for e in card.state["eims"]:
        parts = [enc_utf8(e["eimId"], tag=0x80)]
        # EimIdInfo.eimIdType is present for the OID and FQDN types only.
        if e.get("eimIdType") in (1, 2):
            parts.append(enc_integer(e["eimIdType"], tag=0x82))
        out.append(tlv(0x30, parts))
    return tlv(0xAB, tlv(0xA0, out))


ECOS = {0xA8: eco_add, 0xA9: eco_delete, 0xAA: eco_update, 0xAB: eco_list}


def execute(card, item, ctx):
    """Run one eCO TLV; return its EuiccResultData TLV or raise Terminated."""
    fn = ECOS.get(item.tag)
    if fn is None:
        raise Terminated(TERMINATED_UNKNOWN_OR_DAMAGED, "unknown eCO tag %X" % item.tag)
    try:
        pyder.validate(item.raw)
    except pyder.DerError as exc:
        raise Terminated(TERMINATED_UNKNOWN_OR_DAMAGED, "eCO %X: %s" % (item.tag, exc))
    return fn(card, item, ctx)

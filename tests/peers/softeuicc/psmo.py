# SPDX-License-Identifier: Apache-2.0
"""Profile State Management Operations (SGP.32 v1.2 Psmo) carried in an eUICC
package, each turned into its EuiccResultData.

  enable [A3] {5A iccid, 05 rollbackFlag?}   -> enableResult [83]
  disable [A4] {5A}                          -> disableResult [84]
  delete [A5] {5A}                           -> deleteResult [85]
  listProfileInfo [BF2D]                     -> listProfileInfoResult [BF2D]
  getRAT [A6]                                -> getRATResult [A6] (RulesAuthorisationTable)
  configureImmediateEnable [A7] {80?,81?,82?} -> configureImmediateEnableResult [87]
  setFallbackAttribute [A8] {5A}             -> setFallbackAttributeResult [8D]
  unsetFallbackAttribute [A9]                -> unsetFallbackAttributeResult [8E]
  setDefaultDpAddress [BF65] {80 address}    -> setDefaultDpAddressResult [BF65] {80}

A command the card cannot understand raises Terminated; the package stops there
with processingTerminated.
"""

import pyder
from pyder import tlv, enc_integer

from . import profile_ops as ops
from .es10_info import encode_rat
from .es10_profiles import get_profiles_info

# EuiccResultData.processingTerminated values
TERMINATED_UNKNOWN_OR_DAMAGED = 2
TERMINATED_UNDEFINED = 127

# EnableProfileResult / DisableProfileResult / DeleteProfileResult values
OK = 0
ICCID_NOT_FOUND = 1
NOT_IN_DISABLED_STATE = 2
NOT_IN_ENABLED_STATE = 2
DISALLOWED_BY_POLICY = 3
ROLLBACK_NOT_AVAILABLE = 20
RETURN_FALLBACK_PROFILE = 21
UNDEFINED_ERROR = 127

# SetFallbackAttributeResult / UnsetFallbackAttributeResult
FALLBACK_NOT_ALLOWED = 2
NO_FALLBACK_ATTRIBUTE = 2
FALLBACK_PROFILE_ENABLED = 3
COMMAND_ERROR = 7


class Terminated(Exception):
    """Stop the package: processingTerminated with this code."""

    def __init__(self, code, why):
        super().__init__(why)
        self.code = code


class Context:
    """What a PSMO may need to know about the package it came in."""

    def __init__(self, eim_id, counter, txid):
        self.eim_id = eim_id
        self.counter = counter
        self.txid = txid
        self.results = []           # EuiccResultData TLVs produced so far


def processing_terminated(code):
    return enc_integer(code)        # untagged INTEGER alternative of EuiccResultData


def _iccid_of(item, what):
    """The 10-byte EF-ICCID coding inside a PSMO, or Terminated."""
    try:
        node = item.req(0x5A)
    except pyder.DerError as exc:
        raise Terminated(TERMINATED_UNKNOWN_OR_DAMAGED, "%s: %s" % (what, exc))
    if len(node.value) != 10:
        raise Terminated(TERMINATED_UNKNOWN_OR_DAMAGED,
                         "%s: ICCID is %d bytes, not 10" % (what, len(node.value)))
    return node.value


def psmo_enable(card, item, ctx):
    ef = _iccid_of(item, "enable")
    rollback = item.find(0x05) is not None
    st = card.state
    p = ops.find_by_ef(st, ef)
    if p is None:
        code = ICCID_NOT_FOUND
    elif p.get("state") == "enabled":
        code = NOT_IN_DISABLED_STATE
    elif rollback and ops.enabled_profile(st) is None:
        # Nothing to roll back to.
        code = ROLLBACK_NOT_AVAILABLE
    else:
        before = list(ctx.results)
        previous = ops.enable(card, p)
        st.pop("fallback", None)            # an explicit enable ends a fallback
        if rollback:
            # Remember enough to undo the switch and report it (ES10b.ProfileRollback).
            st["rollback"] = {"previous": previous["iccid"], "enabled": p["iccid"],
                              "eimId": ctx.eim_id, "counterValue": ctx.counter,
                              "eimTransactionId": ctx.txid.hex() if ctx.txid else None,
                              "results": [r.hex() for r in before]}
        code = OK
    return enc_integer(code, tag=0x83)


def psmo_disable(card, item, ctx):
    ef = _iccid_of(item, "disable")
    p = ops.find_by_ef(card.state, ef)
    if p is None:
        code = ICCID_NOT_FOUND
    elif p.get("state") != "enabled":
        code = NOT_IN_ENABLED_STATE
    elif ops.PPR1_NO_DISABLE in p.get("ppr", []):
        code = DISALLOWED_BY_POLICY
    else:
        ops.disable(card, p)
        card.state.pop("fallback", None)
        code = OK
    return enc_integer(code, tag=0x84)


def psmo_delete(card, item, ctx):
    ef = _iccid_of(item, "delete")
    st = card.state
    p = ops.find_by_ef(st, ef)
    rb = st.get("rollback")
    fb = st.get("fallback")
    if p is None:
        code = ICCID_NOT_FOUND
    elif p.get("state") == "enabled":
        code = NOT_IN_DISABLED_STATE
    elif ops.PPR2_NO_DELETE in p.get("ppr", []):
        code = DISALLOWED_BY_POLICY
    elif rb is not None and rb.get("previous") == p["iccid"]:
        # Deleting the profile a pending rollback returns to would strand the device.
        code = ROLLBACK_NOT_AVAILABLE
    elif fb is not None and fb.get("from") == p["iccid"]:
        # Likewise the profile ReturnFromFallback goes back to.
        code = RETURN_FALLBACK_PROFILE
    elif p.get("fallback_attribute", False):
        # The fallback profile stays until the attribute is moved to another profile.
        code = DISALLOWED_BY_POLICY
    else:
        ops.delete(card, p)
        code = OK
    return enc_integer(code, tag=0x85)


def psmo_list_profile_info(card, item, ctx):
    # Same semantics as ES10c.GetProfilesInfo; the response TLV (BF2D) is the result.
    return get_profiles_info(card, item)


def psmo_get_rat(card, item, ctx):
    return tlv(0xA6, encode_rat(card.state.get("rat", [])))


def psmo_configure_immediate_enable(card, item, ctx):
    conf = {"flag": False}
    try:
        for c in item.children():
            if c.tag == 0x80:
                conf["flag"] = True
            elif c.tag == 0x81:
                conf["smdp_oid"] = pyder.dec_oid(c.value, "defaultSmdpOid")
            elif c.tag == 0x82:
                conf["smdp_address"] = c.str()
            else:
                raise pyder.DerError("configureImmediateEnable: unknown field %X" % c.tag)
    except pyder.DerError:
        return enc_integer(COMMAND_ERROR, tag=0x87)
    card.state["immediate_enable"] = conf
    return enc_integer(OK, tag=0x87)


def psmo_set_fallback(card, item, ctx):
    ef = _iccid_of(item, "setFallbackAttribute")
    st = card.state
    p = ops.find_by_ef(st, ef)
    current = ops.fallback_profile(st)
    if p is None:
        code = ICCID_NOT_FOUND
    elif p.get("fallback_allowed") is False:
        code = FALLBACK_NOT_ALLOWED
    elif current is not None and current is not p and current.get("state") == "enabled":
        # Moving the attribute away from the profile in use is refused.
        code = FALLBACK_PROFILE_ENABLED
    else:
        for x in st["profiles"]:
            x.pop("fallback_attribute", None)
        p["fallback_attribute"] = True
        code = OK
    return enc_integer(code, tag=0x8D)


def psmo_unset_fallback(card, item, ctx):
    current = ops.fallback_profile(card.state)
    if current is None:
        code = NO_FALLBACK_ATTRIBUTE
    elif current.get("state") == "enabled":
        code = FALLBACK_PROFILE_ENABLED
    else:
        current.pop("fallback_attribute", None)
        code = OK
    return enc_integer(code, tag=0x8E)


def psmo_set_default_dp(card, item, ctx):
    try:
        addr = item.req(0x80).str()
    except pyder.DerError:
        return tlv(0xBF65, enc_integer(UNDEFINED_ERROR, tag=0x80))
    card.state["default_smdp"] = addr
    return tlv(0xBF65, enc_integer(OK, tag=0x80))


PSMOS = {
    0xA3: psmo_enable,
    0xA4: psmo_disable,
    0xA5: psmo_delete,
    0xBF2D: psmo_list_profile_info,
    0xA6: psmo_get_rat,
    0xA7: psmo_configure_immediate_enable,
    0xA8: psmo_set_fallback,
    0xA9: psmo_unset_fallback,
    0xBF65: psmo_set_default_dp,
}


def execute(card, item, ctx):
    """Run one PSMO TLV; return its EuiccResultData TLV or raise Terminated."""
    fn = PSMOS.get(item.tag)
    if fn is None:
        raise Terminated(TERMINATED_UNKNOWN_OR_DAMAGED, "unknown PSMO tag %X" % item.tag)
    try:
        pyder.validate(item.raw)
    except pyder.DerError as exc:
        raise Terminated(TERMINATED_UNKNOWN_OR_DAMAGED, "PSMO %X: %s" % (item.tag, exc))
    return fn(card, item, ctx)

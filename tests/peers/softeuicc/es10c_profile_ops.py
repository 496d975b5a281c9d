# SPDX-License-Identifier: Apache-2.0
"""ES10c profile operations of SGP.22: EnableProfile (BF31), DisableProfile (BF32) and
DeleteProfile (BF33), as a consumer eUICC offers them to its LPA (and, in the
"sgp22" card kind, to an IPA that checked the eIM's package itself).

  BF31/BF32 { A0 { 4F isdpAid | 5A iccid }, 81 refreshFlag }  ->  BF31/BF32 { 80 result }
  BF33 { 4F isdpAid | 5A iccid }                               ->  BF33 { 80 result }

result: ok(0), iccidOrAidNotFound(1), profileNotIn{Disabled,Enabled}State(2),
disallowedByPolicy(3); refreshFlag FALSE switches without asking for a REFRESH."""

import pyder
from pyder import tlv, enc_integer

from . import profile_ops as ops
from .es10 import handles

OK = 0
NOT_FOUND = 1
WRONG_STATE = 2
DISALLOWED_BY_POLICY = 3


def _find(card, ident):
    if ident.tag == 0x5A:
        return ops.find_by_ef(card.state, ident.value)
    if ident.tag == 0x4F:
        for p in card.state["profiles"]:
            if bytes.fromhex(p["isdp_aid"]) == ident.value:
                return p
        return None
    raise pyder.DerError("profileIdentifier must be 4F isdpAid or 5A iccid, not %X" % ident.tag)


def _switch_request(req):
    kids = req.req(0xA0).children()
    if len(kids) != 1:
        raise pyder.DerError("profileIdentifier must hold exactly one choice")
    flag = req.find(0x81)
    return kids[0], flag is None or flag.value != b"\x00"


@handles(0xBF31)
def enable_profile(card, req):
    ident, refresh = _switch_request(req)
    p = _find(card, ident)
    if p is None:
        code = NOT_FOUND
    elif p.get("state") == "enabled":
        code = WRONG_STATE
    else:
        ops.enable(card, p, refresh=refresh)
        code = OK
    card.state.save()
    return tlv(0xBF31, enc_integer(code, tag=0x80))


@handles(0xBF32)
def disable_profile(card, req):
    ident, refresh = _switch_request(req)
    p = _find(card, ident)
    if p is None:
        code = NOT_FOUND
    elif p.get("state") != "enabled":
        code = WRONG_STATE
    elif ops.PPR1_NO_DISABLE in p.get("ppr", []):
        code = DISALLOWED_BY_POLICY
    else:
        ops.disable(card, p, refresh=refresh)
        code = OK
    card.state.save()
    return tlv(0xBF32, enc_integer(code, tag=0x80))


@handles(0xBF33)
def delete_profile(card, req):
    kids = req.children()
    if len(kids) != 1:
        raise pyder.DerError("DeleteProfileRequest must hold exactly one choice")
    p = _find(card, kids[0])
    if p is None:
        code = NOT_FOUND
    elif p.get("state") == "enabled":
        code = WRONG_STATE
    elif ops.PPR2_NO_DELETE in p.get("ppr", []):
        code = DISALLOWED_BY_POLICY
    else:
        ops.delete(card, p)
        code = OK
    card.state.save()
    return tlv(0xBF33, enc_integer(code, tag=0x80))

# SPDX-License-Identifier: Apache-2.0
"""ES10c profile information: GetProfilesInfo (BF2D) and SetNickname (BF29)."""

import pyder
from pyder import tlv, enc_integer, enc_named_bits, enc_utf8, enc_bool

from . import ids
from .es10 import handles

CLASSES = {"test": 0, "provisioning": 1, "operational": 2}
EVENTS = {"install": 0, "enable": 1, "disable": 2, "delete": 3}

# What GetProfilesInfo returns when no tagList is given (SGP.22 5.7.15: all but the icon's
# conditional rules and the proprietary data).
DEFAULT_TAGS = (0x5A, 0x4F, 0x9F70, 0x90, 0x91, 0x92, 0x93, 0x94, 0x95, 0xB6, 0xB7, 0x99,
                0x9F26, 0x9F67)


def profile_fields(p):
    """Every ProfileInfo field the profile has, keyed by tag, in ASN.1 order."""
    f = {}
    f[0x5A] = tlv(0x5A, ids.iccid_to_ef(p["iccid"]))
    f[0x4F] = tlv(0x4F, bytes.fromhex(p["isdp_aid"]))
    f[0x9F70] = enc_integer(1 if p.get("state") == "enabled" else 0, tag=0x9F70)
    if "nickname" in p:
        f[0x90] = enc_utf8(p["nickname"], tag=0x90)
    f[0x91] = enc_utf8(p.get("service_provider", ""), tag=0x91)
    f[0x92] = enc_utf8(p.get("name", ""), tag=0x92)
    if "icon" in p:
        f[0x93] = enc_integer(p.get("icon_type", 1), tag=0x93)
        f[0x94] = tlv(0x94, bytes.fromhex(p["icon"]))
    f[0x95] = enc_integer(CLASSES[p.get("class", "operational")], tag=0x95)
    if p.get("notification_address"):
        f[0xB6] = tlv(0xB6, [tlv(0x30, [enc_named_bits([EVENTS[e]], tag=0x80),
                                        enc_utf8(p["notification_address"], tag=0x81)])
                             for e in ("install", "enable", "disable", "delete")])
    if p.get("owner_mccmnc"):
        f[0xB7] = tlv(0xB7, tlv(0x80, bytes.fromhex(p["owner_mccmnc"])))
    if "ppr" in p:
        f[0x99] = enc_named_bits(p["ppr"], tag=0x99)
    if p.get("fallback_attribute", False):         # DEFAULT FALSE: DER omits the default
        f[0x9F26] = enc_bool(True, tag=0x9F26)
    if "fallback_allowed" in p:
        f[0x9F67] = enc_bool(p["fallback_allowed"], tag=0x9F67)
    return f


def parse_tag_list(raw):
    tags = []
    pos = 0
    while pos < len(raw):
        tag, pos = pyder.read_tag(raw, pos)
        tags.append(tag)
    return tags


def matches(p, crit):
    if crit is None:
        return True
    if crit.tag == 0x4F:
        return bytes.fromhex(p["isdp_aid"]) == crit.value
    if crit.tag == 0x5A:
        return ids.iccid_to_ef(p["iccid"]) == crit.value
    if crit.tag == 0x95:
        return CLASSES[p.get("class", "operational")] == crit.int()
    raise pyder.DerError("unknown searchCriteria tag %X" % crit.tag)


def encode_profile_info_list(profiles, crit=None, tag_list=None):
    """SGP32-ProfileInfoListResponse (BF2D) for the given state profiles."""
    wanted = DEFAULT_TAGS if tag_list is None else tag_list
    out = []
    for p in profiles:
        if not matches(p, crit):
            continue
        f = profile_fields(p)
        out.append(tlv(0xE3, [f[t] for t in f if t in wanted]))
    return tlv(0xBF2D, tlv(0xA0, out))


@handles(0xBF2D)
def get_profiles_info(card, req):
    try:
        sc = req.find(0xA0)
        crit = None
        if sc is not None:
            kids = sc.children()
            if len(kids) != 1:
                raise pyder.DerError("searchCriteria must hold exactly one choice")
            crit = kids[0]
        tl = req.find(0x5C)
        tag_list = parse_tag_list(tl.value) if tl is not None else None
        return encode_profile_info_list(card.state["profiles"], crit, tag_list)
    except pyder.DerError:
        return tlv(0xBF2D, enc_integer(1, tag=0x81))               # incorrectInputValues


@handles(0xBF29)
def set_nickname(card, req):
    raw = req.req(0x5A).value
    nick = req.req(0x90).str()
    for p in card.state["profiles"]:
        if ids.iccid_to_ef(p["iccid"]) == raw:
            p["nickname"] = nick
            card.state.save()
            return tlv(0xBF29, enc_integer(0, tag=0x80))
    return tlv(0xBF29, enc_integer(1, tag=0x80))                   # iccidNotFound

# SPDX-License-Identifier: Apache-2.0
"""ES10b notifications: ListNotification (BF28), RetrieveNotificationsList (BF2B),
RemoveNotificationFromList (BF30), plus the builders that create signed
notifications and eUICC package results in the card state.

Every EuiccPackageResult the card answers is kept, with a seqNumber from the same
counter as the notifications: euiccPackageResultSigned (which carries that seqNumber),
euiccPackageErrorSigned and euiccPackageErrorUnsigned (which do not carry it, but
EuiccPackageResultList may hold them, so a terminal that lost the answer can still
read it).  RetrieveNotificationsList {euiccPackageResults} returns them all in seq
order, {seqNumber n} the one with that number; RemoveNotificationFromList {n}
removes it.  Only the latest MAX_UNSIGNED_ERRORS unsigned errors are kept."""

import os

import pyder
from pyder import tlv, enc_integer, enc_named_bits, enc_utf8, enc_oid

from . import ids, pki
from .es10 import handles
from .es10_profiles import EVENTS

# The simaResponse that means "every profile element installed" (SGP.32 CompactSuccessResult).
SIMA_OK = bytes.fromhex("3007A00530038001" "00")


def encode_metadata(seq, op, address, iccid=None):
    """NotificationMetadata (BF2F)."""
    parts = [enc_integer(seq, tag=0x80), enc_named_bits([EVENTS[op]], tag=0x81),
             enc_utf8(address)]
    if iccid:
        parts.append(tlv(0x5A, ids.iccid_to_ef(iccid)))
    return tlv(0xBF2F, parts)


def _certs(state):
    p = state["pki"]
    return pki.cert_der(p["euicc_cert"]), pki.cert_der(p["eum_cert"])


def make_other_signed(state, seq, op, address, iccid):
    """OtherSignedNotification: metadata, eUICC signature over it, both certificates."""
    meta = encode_metadata(seq, op, address, iccid)
    sig = pki.sign_raw(state["pki"]["euicc_key"], meta)
    euicc, eum = _certs(state)
    return tlv(0x30, [meta, tlv(0x5F37, sig), euicc, eum])


def make_install_result(state, seq, address, iccid, isdp_aid, transaction_id=None,
                        smdp_oid="2.999.10"):
    """ProfileInstallationResult (BF37) reporting a successful installation."""
    txid = transaction_id if transaction_id is not None else os.urandom(16)
    data = tlv(0xBF27, [
        tlv(0x80, txid),
        encode_metadata(seq, "install", address, iccid),
        enc_oid(smdp_oid),
        tlv(0xA2, tlv(0xA0, [tlv(0x4F, isdp_aid), tlv(0x04, SIMA_OK)])),
    ])
    sig = pki.sign_raw(state["pki"]["euicc_key"], data)
    return tlv(0xBF37, [data, tlv(0x5F37, sig)])


def add_notification(state, op, address, iccid, isdp_aid=None):
    """Append a pending notification of kind op to the state; return its seqNumber."""
    seq = state.next_seq()
    if op == "install":
        der = make_install_result(state, seq, address, iccid, bytes.fromhex(isdp_aid))
    else:
        der = make_other_signed(state, seq, op, address, iccid)
    state["notifications"].append({"seq": seq, "op": op, "address": address,
                                   "iccid": iccid, "der": der.hex()})
    return seq


def encode_epr_signed(eim_id, counter, seq, results, txid, sign):
    """EuiccPackageResult.euiccPackageResultSigned (BF51 A0 ...).

    results: list of encoded EuiccResultData TLVs; sign(data) -> 64-byte r||s over
    data = DER(EuiccPackageResultDataSigned) || association token TLV (SGP.32 2.11)."""
    parts = [enc_utf8(eim_id, tag=0x80), enc_integer(counter, tag=0x81)]
    if txid is not None:
        parts.append(tlv(0x82, txid))
    parts += [enc_integer(seq, tag=0x83), tlv(0x30, results)]
    data = tlv(0x30, parts)
    return tlv(0xBF51, tlv(0xA0, [data, tlv(0x5F37, sign(data))]))


def association_token_tlv(state, eim_id):
    for e in state["eims"]:
        if e["eimId"] == eim_id and e.get("associationToken") is not None:
            return enc_integer(int(e["associationToken"]), tag=0x84)
    return b""


def encode_epe_signed(eim_id, counter, txid, code, sign):
    """EuiccPackageResult.euiccPackageErrorSigned (BF51 A1 ...); sign as for results."""
    parts = [enc_utf8(eim_id, tag=0x80), enc_integer(counter, tag=0x81)]
    if txid is not None:
        parts.append(tlv(0x82, txid))
    parts.append(enc_integer(code))          # euiccPackageErrorCode: untagged INTEGER
    data = tlv(0x30, parts)
    return tlv(0xBF51, tlv(0xA1, [data, tlv(0x5F37, sign(data))]))


def encode_epe_unsigned(eim_id, txid=None, token=None):
    """EuiccPackageResult.euiccPackageErrorUnsigned (BF51 A2 ...)."""
    parts = [enc_utf8(eim_id, tag=0x80)]
    if txid is not None:
        parts.append(tlv(0x82, txid))
    if token is not None:
        parts.append(enc_integer(token, tag=0x84))
    return tlv(0xBF51, tlv(0xA2, parts))


# Unsigned errors answer packages nobody authenticated; keep only the latest few so a
# stream of junk cannot fill the card.
MAX_UNSIGNED_ERRORS = 8


def store_package_result(state, seq, eim_id, der, kind):
    """Keep an EuiccPackageResult (kind "result", "error-signed" or "error-unsigned")
    in the notification list until RemoveNotificationFromList names its seq."""
    lst = state.setdefault("package_results", [])
    lst.append({"seq": seq, "eimId": eim_id, "der": der.hex(), "kind": kind})
    if kind == "error-unsigned":
        unsigned = [e for e in lst if e.get("kind") == "error-unsigned"]
        drop = {id(e) for e in unsigned[:-MAX_UNSIGNED_ERRORS]}
        state["package_results"] = [e for e in lst if id(e) not in drop]


def make_package_result(state, eim_id, counter, results, txid=None, token=None):
    """Sign and store a euiccPackageResultSigned; return (seq, DER).

    token: the association token TLV to sign over (default: the one stored for eim_id)."""
    seq = state.next_seq()
    if token is None:
        token = association_token_tlv(state, eim_id)
    der = encode_epr_signed(eim_id, counter, seq, results, txid,
                            lambda d: pki.sign_raw(state["pki"]["euicc_key"], d + token))
    store_package_result(state, seq, eim_id, der, "result")
    return seq, der


def add_package_result(state, eim_id, counter, results, txid=None):
    """Store a signed EuiccPackageResult for eim_id; return its seqNumber."""
    return make_package_result(state, eim_id, counter, results, txid)[0]


@handles(0xBF28)
def list_notification(card, req):
    ops = req.find(0x81)
    wanted = ops.bits() if ops is not None else None
    out = []
    for n in card.state["notifications"]:
        if wanted is None or EVENTS[n["op"]] in wanted:
            out.append(encode_metadata(n["seq"], n["op"], n["address"], n.get("iccid")))
    return tlv(0xBF28, tlv(0xA0, out))


@handles(0xBF2B)
def retrieve_notifications_list(card, req):
    notifs = card.state["notifications"]
    eprs = card.state.get("package_results", [])
    sc = req.find(0xA0)
    crit = None
    if sc is not None:
        kids = sc.children()
        if len(kids) != 1:
            raise pyder.DerError("RetrieveNotificationsList: searchCriteria must hold one choice")
        crit = kids[0]
    if crit is None:
        return tlv(0xBF2B, tlv(0xA0, [bytes.fromhex(n["der"]) for n in notifs]))
    if crit.tag == 0x80:
        seq = crit.int()
        hit = [bytes.fromhex(e["der"]) for e in eprs if e["seq"] == seq]
        if hit:
            return tlv(0xBF2B, tlv(0xA2, hit))
        return tlv(0xBF2B, tlv(0xA0, [bytes.fromhex(n["der"]) for n in notifs
                                      if n["seq"] == seq]))
    if crit.tag == 0x81:
        wanted = crit.bits()
        return tlv(0xBF2B, tlv(0xA0, [bytes.fromhex(n["der"]) for n in notifs
                                      if EVENTS[n["op"]] in wanted]))
    if crit.tag == 0x82:
        return tlv(0xBF2B, tlv(0xA2, [bytes.fromhex(e["der"]) for e in eprs]))
    return tlv(0xBF2B, enc_integer(127, tag=0x81))               # undefinedError


@handles(0xBF30)
def remove_notification(card, req):
    seq = req.req(0x80).int()
    for key in ("notifications", "package_results"):
        items = card.state.get(key, [])
        keep = [n for n in items if n["seq"] != seq]
        if len(keep) != len(items):
            card.state[key] = keep
            card.state.save()
            return tlv(0xBF30, enc_integer(0, tag=0x80))
    return tlv(0xBF30, enc_integer(1, tag=0x80))                   # nothingToDelete

# SPDX-License-Identifier: Apache-2.0
"""ES10b.LoadEuiccPackage (BF51): check an eIM-signed eUICC package, run its PSMOs
or eCOs in order and answer a signed EuiccPackageResult.

Checks, in this order (SGP.32 2.11; the first failing one decides the answer):
  1. eimId configured                -> euiccPackageErrorUnsigned {eimId, txid?}
  2. eimSignature verifies with that eIM's eimPublicKeyData over
     DER(EuiccPackageSigned) || 84 association token (when one is stored)
                                     -> euiccPackageErrorUnsigned {eimId, txid?, token?}
  3. eidValue is this card's EID     -> euiccPackageErrorSigned invalidEid(3)
  4. counterValue within range       -> euiccPackageErrorSigned counterValueOutOfRange(6)
  5. counterValue > stored counter   -> euiccPackageErrorSigned replayError(4)
Then the counter is stored and each PSMO/eCO executed.  Every answer, errors
included, is also kept in the notification list under a seqNumber until
RemoveNotificationFromList removes it (see es10_notifications.store_package_result),
and the state file is rewritten once, atomically, after the package.

A request that is not an EuiccPackageRequest at all (fields missing, not DER)
answers 6A80 like any undecodable ES10 command."""

import copy

import pyder
from cryptography import x509
from cryptography.hazmat.primitives import serialization

from . import eco, pki, psmo
from .es10 import handles
from .es10_notifications import (association_token_tlv, encode_epe_signed, encode_epe_unsigned,
                                 make_package_result, store_package_result)

INVALID_EID = 3
REPLAY_ERROR = 4
COUNTER_OUT_OF_RANGE = 6
UNDEFINED_ERROR = 127
MAX_COUNTER = 0x7FFFFFFF


class PackageRequest:
    """The fields of an EuiccPackageRequest, every length checked."""

    def __init__(self, req):
        kids = req.children()
        if len(kids) != 2 or kids[0].tag != 0x30 or kids[1].tag != 0x5F37:
            raise pyder.DerError("EuiccPackageRequest must be 30 EuiccPackageSigned, "
                                 "5F37 eimSignature")
        self.signed, sig = kids
        self.signature = sig.value
        s = self.signed
        self.eim_id = s.req(0x80).str()
        if not 1 <= len(self.eim_id) <= 128:
            raise pyder.DerError("eimId length %d not in 1..128" % len(self.eim_id))
        self.eid = s.req(0x5A).value
        self.counter = s.req(0x81).int()
        tx = s.find(0x82)
        self.txid = tx.value if tx is not None else None
        if self.txid is not None and not 1 <= len(self.txid) <= 16:
            raise pyder.DerError("eimTransactionId length %d not in 1..16" % len(self.txid))
        body = [c for c in s.children() if c.tag in (0xA0, 0xA1)]
        if len(body) != 1:
            raise pyder.DerError("euiccPackage must be one psmoList (A0) or ecoList (A1)")
        self.kind = "psmo" if body[0].tag == 0xA0 else "eco"
        self.items = body[0].children()


def eim_public_key(eim):
    """The eIM's signature key from eimPublicKeyData (SubjectPublicKeyInfo or the key of
    a Certificate), or None when there is none usable."""
    raw = eim.get("eimPublicKeyData")
    if not raw:
        return None
    try:
        choice = pyder.decode(bytes.fromhex(raw))
        der = pyder.tlv(0x30, choice.value)
        if choice.tag == 0xA0:
            return serialization.load_der_public_key(der)
        if choice.tag == 0xA1:
            return x509.load_der_x509_certificate(der).public_key()
    except (ValueError, pyder.DerError):
        return None
    return None


def signature_ok(eim, pkg, token):
    key = eim_public_key(eim)
    if key is None:
        return False
    try:
        pki.verify_raw(key, pkg.signed.raw + token, pkg.signature)
    except Exception:                               # noqa: BLE001 - any failure is "bad"
        return False
    return True


def _find_eim(state, eim_id):
    for e in state["eims"]:
        if e["eimId"] == eim_id:
            return e
    return None


def _unsigned_error(card, pkg, eim):
    token = eim.get("associationToken") if eim is not None else None
    der = encode_epe_unsigned(pkg.eim_id, pkg.txid, token)
    store_package_result(card.state, card.state.next_seq(), pkg.eim_id, der, "error-unsigned")
    return der


def _signed_error(card, pkg, code, token):
    st = card.state
    der = encode_epe_signed(pkg.eim_id, pkg.counter, pkg.txid, code,
                            lambda d: pki.sign_raw(st["pki"]["euicc_key"], d + token))
    store_package_result(st, st.next_seq(), pkg.eim_id, der, "error-signed")
    return der


def _run(card, pkg, eim, token):
    st = card.state
    eim["counterValue"] = pkg.counter
    # A package that verified proves the IPA reached the eIM: no rollback is pending any more.
    st.pop("rollback", None)
    ctx = psmo.Context(pkg.eim_id, pkg.counter, pkg.txid)
    runner = psmo.execute if pkg.kind == "psmo" else eco.execute
    for item in pkg.items:
        try:
            ctx.results.append(runner(card, item, ctx))
        except psmo.Terminated as exc:
            ctx.results.append(psmo.processing_terminated(exc.code))
            break
    _, der = make_package_result(st, pkg.eim_id, pkg.counter, ctx.results, pkg.txid, token)
    return der


def load_package(card, req):
    pkg = PackageRequest(req)
    st = card.state
    eim = _find_eim(st, pkg.eim_id)
    if eim is None:
        der = _unsigned_error(card, pkg, None)
    else:
        token = association_token_tlv(st, pkg.eim_id)
        if not signature_ok(eim, pkg, token):
            der = _unsigned_error(card, pkg, eim)
        elif pkg.eid != bytes.fromhex(st["eid"]):
            der = _signed_error(card, pkg, INVALID_EID, token)
        elif pkg.counter > MAX_COUNTER:
            der = _signed_error(card, pkg, COUNTER_OUT_OF_RANGE, token)
        elif pkg.counter <= int(eim.get("counterValue", 0)):
            der = _signed_error(card, pkg, REPLAY_ERROR, token)
        else:
            der = _run(card, pkg, eim, token)
    st.save()
    return der


@handles(0xBF51)
def load_euicc_package(card, req):
    # Nothing of a half-run package may stay in memory if something unexpected breaks.
    saved = copy.deepcopy(card.state.data)
    try:
        return load_package(card, req)
    except Exception:
        card.state.data = saved
        raise

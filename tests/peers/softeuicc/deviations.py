# SPDX-License-Identifier: Apache-2.0
"""Deviations on request: ES10 answers that stray from the schema the way real eUICCs
have been seen to, each with a meaning that stays unambiguous, and list entries that
cannot be decoded at all.  The state file's "deviations" list names the active ones:

  empty-notification-list  RetrieveNotificationsList with nothing to list answered
                           BF2B00 instead of BF2B 02 A0 00 (or A2 00)
  profileinfo-sequence     ProfileInfo entries tagged 30 (SEQUENCE) instead of E3
  long-lengths             every length in GetEID, GetProfilesInfo and
                           GetEimConfigurationData answers, and the outer lengths of
                           RetrieveNotificationsList, in a longer form than needed
                           (81 xx for a short one, 82 00 xx for a one-octet one)
  padded-integers          INTEGERs with a redundant leading 00: profileState,
                           profileClass, iconType, and eimIdType, counterValue,
                           associationToken of the eIM configurations
  unwrapped-lists          the list of GetProfilesInfo, GetEimConfigurationData and
                           RetrieveNotificationsList (notificationList) without its
                           A0 wrapper, the entries straight under the outer tag
  extra-fields             a field of a later version (DF7F 01 00) added to
                           GetEuiccDataResponse, every ProfileInfo, every
                           EimConfigurationData and GetEimConfigurationDataResponse
  repeated-fields          the ICCID of every ProfileInfo and the eimId of every
                           EimConfigurationData sent twice, with the same value
  unknown-state            disabled profiles report profileState 7 (not in the
                           enumeration)
  bad-notification         an OtherSignedNotification without its metadata (BF2F)
                           added to every notificationList answer
  bad-package-result       an EuiccPackageResult without its eimId added to every
                           euiccPackageResultList answer (A2)
  bad-profile              a ProfileInfo whose ICCID has 9 octets added to every
                           profile list answer
  bad-eim                  an EimConfigurationData without eimId added to every eIM
                           configuration answer

Signed data (notifications, package results) is never re-encoded: the signatures
still verify at their recipients.  The peer keeps its own DER code (pyder); nothing
here comes from euiccd.
"""

import pyder
from pyder import tlv, tag_bytes

NAMES = ("empty-notification-list", "profileinfo-sequence", "long-lengths", "padded-integers",
         "unwrapped-lists", "extra-fields", "repeated-fields", "unknown-state",
         "bad-notification", "bad-package-result", "bad-profile", "bad-eim")

EXTRA_FIELD = bytes.fromhex("DF7F0100")
PROFILE_INTEGERS = (0x9F70, 0x95, 0x93)
EIM_INTEGERS = (0x82, 0x83, 0x84)
UNKNOWN_STATE = 7

BAD_NOTIFICATION = tlv(0x30, tlv(0x5F37, bytes(64)))
BAD_PACKAGE_RESULT = tlv(0xBF51, tlv(0xA0, [tlv(0x30, [pyder.enc_integer(1, tag=0x81),
                                                       pyder.enc_integer(1, tag=0x83),
                                                       tlv(0x30, b"")]),
                                            tlv(0x5F37, bytes(64))]))
BAD_PROFILE = tlv(0xE3, [tlv(0x5A, bytes.fromhex("980010325476981032")),
                         pyder.enc_integer(0, tag=0x9F70)])
BAD_EIM = tlv(0x30, pyder.enc_utf8("eim.invalid", tag=0x81))


def check(names):
    """ValueError naming the first unknown deviation."""
    for name in names:
        if name not in NAMES:
            raise ValueError("unknown deviation %r (known: %s)" % (name, ", ".join(NAMES)))


def _long_tlv(tag, value):
    """A TLV whose length takes one octet more than DER allows."""
    n = len(value)
    if n < 0x80:
        length = bytes([0x81, n])
    elif n < 0x100:
        length = bytes([0x82, 0x00, n])
    else:
        length = bytes([0x83, 0x00]) + n.to_bytes(2, "big")
    return tag_bytes(tag) + length + value


def _long_all(t):
    """Re-encode a tree with every length in the longer form."""
    if t.constructed:
        return _long_tlv(t.tag, b"".join(_long_all(c) for c in t.children()))
    return _long_tlv(t.tag, t.value)


def _rebuild(tag, children):
    return tlv(tag, [c if isinstance(c, bytes) else c.raw for c in children])


def _profile(entry, active):
    fields = []
    for f in entry.children():
        value = f.value
        if f.tag == 0x9F70 and "unknown-state" in active and f.int() == 0:
            value = bytes([UNKNOWN_STATE])
        if f.tag in PROFILE_INTEGERS and "padded-integers" in active:
            value = b"\x00" + value
        fields.append(tlv(f.tag, value))
        if f.tag == 0x5A and "repeated-fields" in active:
            fields.append(f.raw)
    if "extra-fields" in active:
        fields.append(EXTRA_FIELD)
    return tlv(0x30 if "profileinfo-sequence" in active else 0xE3, fields)


def _profiles(resp, active):
    outer = pyder.decode(resp)
    choice = outer.children()[0] if outer.children() else None
    if choice is None or choice.tag != 0xA0:
        return resp                                   # an error answer stays as it is
    entries = [_profile(e, active) for e in choice.children()]
    if "bad-profile" in active:
        entries.append(BAD_PROFILE)
    if "unwrapped-lists" in active:
        return tlv(0xBF2D, entries)
    return tlv(0xBF2D, tlv(0xA0, entries))


def _eim(entry, active):
    fields = []
    for f in entry.children():
        value = f.value
        if f.tag in EIM_INTEGERS and "padded-integers" in active:
            value = b"\x00" + value
        fields.append(tlv(f.tag, value))
        if f.tag == 0x80 and "repeated-fields" in active:
            fields.append(f.raw)
    if "extra-fields" in active:
        fields.append(EXTRA_FIELD)
    return tlv(0x30, fields)


def _eims(resp, active):
    outer = pyder.decode(resp)
    lst = outer.find(0xA0)
    if lst is None:
        return resp
    entries = [_eim(e, active) for e in lst.children()]
    if "bad-eim" in active:
        entries.append(BAD_EIM)
    rest = [c.raw for c in outer.children() if c.tag != 0xA0]
    if "extra-fields" in active:
        rest.append(EXTRA_FIELD)
    if "unwrapped-lists" in active:
        return tlv(0xBF55, entries + rest)
    return tlv(0xBF55, [tlv(0xA0, entries)] + rest)


def _eid(resp, active):
    outer = pyder.decode(resp)
    if "extra-fields" in active:
        return tlv(0xBF3E, [c.raw for c in outer.children()] + [EXTRA_FIELD])
    return resp


def _notifications(resp, active):
    outer = pyder.decode(resp)
    kids = outer.children()
    if len(kids) != 1 or kids[0].tag not in (0xA0, 0xA2):
        return resp                                   # an error answer stays as it is
    lst = kids[0]
    entries = [e.raw for e in lst.children()]         # signed: forwarded byte for byte
    if lst.tag == 0xA0 and "bad-notification" in active:
        entries.append(BAD_NOTIFICATION)
    if lst.tag == 0xA2 and "bad-package-result" in active:
        entries.append(BAD_PACKAGE_RESULT)
    if not entries and "empty-notification-list" in active:
        return tlv(0xBF2B, b"")
    if lst.tag == 0xA0 and entries and "unwrapped-lists" in active:
        inner = b"".join(entries)
    elif "long-lengths" in active:
        inner = _long_tlv(lst.tag, b"".join(entries))
    else:
        inner = tlv(lst.tag, entries)
    return _long_tlv(0xBF2B, inner) if "long-lengths" in active else tlv(0xBF2B, inner)


HANDLERS = {0xBF2D: _profiles, 0xBF55: _eims, 0xBF3E: _eid, 0xBF2B: _notifications}
FULLY_LONG = (0xBF2D, 0xBF55, 0xBF3E)


def apply(names, tag, resp):
    """The answer to request `tag` as the active deviations `names` make it."""
    active = set(names or ())
    fn = HANDLERS.get(tag)
    if not active or fn is None or not resp:
        return resp
    out = fn(resp, active)
    if tag in FULLY_LONG and "long-lengths" in active:
        out = _long_all(pyder.decode(out))
    return out

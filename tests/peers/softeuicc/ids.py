# SPDX-License-Identifier: Apache-2.0
"""Identifier arithmetic: EID check digits, ICCID Luhn digit and EF-ICCID coding."""


def eid_check_digits(first30):
    """The two ISO 7064 mod 97-10 check digits that complete a 30-digit EID prefix."""
    if len(first30) != 30 or not first30.isdigit():
        raise ValueError("EID prefix must be 30 digits: %r" % first30)
    return "%02d" % (98 - int(first30 + "00") % 97)


def eid_is_valid(eid):
    return len(eid) == 32 and eid.isdigit() and int(eid) % 97 == 1


def luhn_digit(digits):
    """Luhn check digit for a string of digits."""
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch)
        if i % 2 == 0:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return str((10 - total % 10) % 10)


def iccid_is_valid(iccid):
    return (len(iccid) in (19, 20) and iccid.isdigit()
            and luhn_digit(iccid[:-1]) == iccid[-1])


def iccid_to_ef(iccid):
    """ICCID digits -> the 10 bytes of EF-ICCID (swapped nibbles, F padded)."""
    s = iccid + "F" * (20 - len(iccid))
    if len(s) != 20:
        raise ValueError("ICCID longer than 20 digits: %r" % iccid)
    return bytes(int(s[i + 1] + s[i], 16) for i in range(0, 20, 2))


def iccid_from_ef(raw):
    """10 bytes of EF-ICCID -> ICCID digits (padding removed)."""
    s = "".join("%X%X" % (b & 0x0F, b >> 4) for b in raw)
    return s.rstrip("F")

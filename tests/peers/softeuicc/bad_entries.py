# SPDX-License-Identifier: Apache-2.0
"""Answers a correct card would never give, for testing what the IPA does with what it cannot read.

  unknownalt:<TAG>   execute the command (state changes persist) and answer its TLV with the first element
                     inside retagged A5: a CHOICE alternative no decoder knows (for BF51, an
                     EuiccPackageResult that is neither A0, A1 nor A2), well-formed DER all the same
"""

import pyder

KINDS = ("unknownalt",)


def mangle(kind, resp):
    if kind != "unknownalt":
        return resp
    outer = pyder.decode(resp)
    kids = outer.children()
    if not kids:
        return resp
    first = kids[0]
    inner = pyder.tag_bytes(0xA5) + pyder.encode_length(len(first.value)) + first.value
    rest = b"".join(k.raw for k in kids[1:])
    body = inner + rest
    return pyder.tag_bytes(outer.tag) + pyder.encode_length(len(body)) + body

# SPDX-License-Identifier: Apache-2.0
"""ES10b profile download session.  No download session exists yet in this card,
so CancelSession (BF41) answers what a card without that session answers."""

import pyder
from pyder import tlv, enc_integer

from .es10 import handles

INVALID_TRANSACTION_ID = 5


@handles(0xBF41)
def cancel_session(card, req):
    kids = req.children()
    if len(kids) < 2 or kids[0].tag != 0x80 or kids[1].tag != 0x81:
        raise pyder.DerError("CancelSession needs transactionId (80) and reason (81)")
    return tlv(0xBF41, enc_integer(INVALID_TRANSACTION_ID, tag=0x81))

# SPDX-License-Identifier: Apache-2.0
"""What a modem does around the card: GET RESPONSE on 61xx and the Le retry on 6Cxx."""

from .card import cla_for_channel


def _transmit_le_retry(card, apdu):
    """One command; a 6Cxx answer (wrong Le) is repeated once with Le = xx."""
    response = bytes(card.transmit(bytes(apdu)))
    if len(response) == 2 and response[0] == 0x6C and len(apdu) == 5:
        response = bytes(card.transmit(bytes(apdu[:4]) + bytes([response[1]])))
    return response


def transmit_collect(card, apdu, channel, max_rounds=256):
    """Send apdu and gather the whole response the way a T=0 terminal does.

    Returns data + final SW. A 6Cxx answer is retried with Le = xx; a 61xx
    answer is followed by GET RESPONSE (CLA for the same channel, INS C0) until
    the card stops asking. max_rounds bounds a card that never stops.
    """
    response = _transmit_le_retry(card, apdu)
    data = bytearray()
    rounds = 0
    while len(response) >= 2 and response[-2] == 0x61 and rounds < max_rounds:
        data.extend(response[:-2])
        get_response = bytes([cla_for_channel(0x00, channel), 0xC0, 0x00, 0x00, response[-1]])
        response = _transmit_le_retry(card, get_response)
        rounds += 1
    data.extend(response)
    return bytes(data)

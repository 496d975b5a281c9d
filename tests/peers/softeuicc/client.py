# SPDX-License-Identifier: Apache-2.0
"""The terminal side of an ES10 exchange (MANAGE CHANNEL, SELECT, STORE DATA
blocks, GET RESPONSE), for init.py and the self-test to talk to a card the way an
IPA does."""

from .card import ISDR_AID


class CardError(Exception):
    """A command answered with an unexpected status word."""

    def __init__(self, what, sw):
        super().__init__("%s: status word %04X" % (what, sw))
        self.sw = sw


def split_sw(resp):
    if len(resp) < 2:
        raise CardError("response shorter than a status word", 0)
    return resp[:-2], (resp[-2] << 8) | resp[-1]


def cla_for(channel, proprietary):
    base = 0x80 if proprietary else 0x00
    if channel <= 3:
        return base | channel
    return base | 0x40 | (channel - 4)


def fetch(card, channel, first_sw, what):
    """Collect the data announced by 61 xx with GET RESPONSE (repeating on 6C xx)."""
    return fetch_sw(card, channel, first_sw, what)[0]


def fetch_sw(card, channel, first_sw, what):
    """Like fetch(); returns (data, final status word), which is 9000 or 91xx (the
    command succeeded and the card has a proactive command such as REFRESH pending)."""
    out = b""
    sw = first_sw
    while (sw >> 8) == 0x61:
        le = sw & 0xFF
        data, sw = split_sw(card.transmit(bytes([cla_for(channel, False), 0xC0, 0, 0, le])))
        if (sw >> 8) == 0x6C:
            data, sw = split_sw(card.transmit(bytes([cla_for(channel, False), 0xC0, 0, 0,
                                                     sw & 0xFF])))
        out += data
    if sw != 0x9000 and (sw >> 8) != 0x91:
        raise CardError(what, sw)
    return out, sw


def open_isdr(card, aid=ISDR_AID):
    """MANAGE CHANNEL open + SELECT ISD-R; return the channel number."""
    data, sw = split_sw(card.transmit(bytes.fromhex("0070000001")))
    if sw != 0x9000 or len(data) != 1:
        raise CardError("MANAGE CHANNEL open", sw)
    ch = data[0]
    _, sw = split_sw(card.transmit(bytes([cla_for(ch, False), 0xA4, 0x04, 0x00, len(aid)]) + aid))
    fetch(card, ch, sw, "SELECT ISD-R")
    return ch


def close(card, channel):
    _, sw = split_sw(card.transmit(bytes([0x00, 0x70, 0x80, channel, 0x00])))
    if sw != 0x9000:
        raise CardError("MANAGE CHANNEL close", sw)


def es10(card, channel, request, block=255):
    """Send one ES10 request in STORE DATA blocks; return the response bytes."""
    return es10_sw(card, channel, request, block)[0]


def es10_sw(card, channel, request, block=255):
    """Like es10(); returns (response bytes, final status word 9000 or 91xx)."""
    chunks = [request[i:i + block] for i in range(0, len(request), block)] or [b""]
    for n, chunk in enumerate(chunks):
        last = n == len(chunks) - 1
        apdu = bytes([cla_for(channel, True), 0xE2, 0x91 if last else 0x11, n, len(chunk)]) + chunk
        _, sw = split_sw(card.transmit(apdu))
        if not last and sw != 0x9000:
            raise CardError("STORE DATA block %d" % n, sw)
    return fetch_sw(card, channel, sw, "STORE DATA tag %s" % request[:2].hex().upper())

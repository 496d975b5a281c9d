# SPDX-License-Identifier: Apache-2.0
"""Loading the software eUICC behind a fake modem, and the APDU rules a modem applies."""

import importlib.util
import os
import sys

PEERS_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def load_card(state_path, faults, card_module=None):
    """Create the card. faults are the switches meant for the card itself.

    card_module names a Python file defining SoftEuicc with the same API; it exists
    so a fake can be pointed at another card implementation while debugging.
    """
    if card_module is not None:
        spec = importlib.util.spec_from_file_location("fake_modem_card", card_module)
        if spec is None or spec.loader is None:
            raise RuntimeError("cannot load card module %s" % card_module)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        card_class = module.SoftEuicc
    else:
        if PEERS_DIR not in sys.path:
            sys.path.insert(0, PEERS_DIR)
        from softeuicc import SoftEuicc as card_class
    return card_class(state_path, faults=faults if len(faults) > 0 else None)


def split_faults(faults, modem_prefixes):
    """Separate modem-level fault switches from the ones passed to the card."""
    modem = []
    card = []
    for fault in faults:
        name = fault.split(":", 1)[0]
        if any(name == prefix for prefix in modem_prefixes):
            modem.append(fault)
        else:
            card.append(fault)
    return modem, card


def fault_value(faults, name):
    """The argument of 'name:value', True for a bare 'name', None when absent."""
    for fault in faults:
        head, sep, value = fault.partition(":")
        if head == name:
            return value if sep != "" else True
    return None


def sw_is_success(sw):
    """Normal processing (90 00, 91 xx proactive, 61 xx more data) or a warning (62/63)."""
    if len(sw) != 2:
        return False
    return sw[0] in (0x90, 0x91, 0x61, 0x62, 0x63)


def cla_for_channel(cla, channel):
    """Rewrite the class byte for a logical channel as a modem does (ETSI TS 102 221 10.1.1).

    Channels 0-3 use the first interindustry coding (b1-b2), 4-19 the further
    interindustry coding (0x40 | channel - 4). Proprietary (b8 set, e.g. 0x80 for
    STORE DATA) keeps its upper bits. Secure messaging bits are preserved in the
    first coding only.
    """
    if cla == 0xFF:
        return cla
    proprietary = cla & 0x80
    if channel <= 3:
        if cla & 0x40:
            base = 0x00
        else:
            base = cla & 0x3C
        return proprietary | base | channel
    return proprietary | 0x40 | (cla & 0x20) | (channel - 4)


def channel_of_cla(cla):
    if cla & 0x40:
        return 4 + (cla & 0x0F)
    return cla & 0x03

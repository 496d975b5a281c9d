#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# The MBIM card transport (src/card/card-mbim.c) against the fake MBIM modem holding the software eUICC:
# GetEID on the ISD-R through MS UICC low-level access, directly and through mbim-proxy; a slot the modem
# cannot map (the fake has one slot and no slot mappings, as many single-SIM modems), an Open Channel the modem
# refuses, and a modem that dies mid-exchange must give errors that say so.
SCHEME=mbim
MODEM=MBIM
WRONG_SLOT_ERROR="slot 2 cannot be selected.*Slot Mappings.*MBIM status NoDeviceSupport"
UNKNOWN_AID_ERROR="Open Channel.*MsSelectFailed (0x87430002)"
OPEN_REFUSED_FAULT=mbim-no-channels
OPEN_REFUSED_ERROR="Open Channel.*MBIM status MsNoLogicalChannels (0x87430001)"
. "${top_srcdir:-.}/tests/integration/transport-modem-lib.sh"

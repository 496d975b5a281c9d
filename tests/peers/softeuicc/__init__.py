# SPDX-License-Identifier: Apache-2.0
"""A software eUICC (SGP.32 v1.2 ISD-R) for tests: see tests/peers/README.md.

    from softeuicc import SoftEuicc
    card = SoftEuicc("/tmp/card.json")
    card.transmit(bytes.fromhex("0070000001"))
"""

import os
import sys

_LIB = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "lib")
if _LIB not in sys.path:
    sys.path.insert(0, _LIB)

from .card import SoftEuicc, ISDR_AID  # noqa: E402

__all__ = ["SoftEuicc", "ISDR_AID"]

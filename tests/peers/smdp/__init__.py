# SPDX-License-Identifier: Apache-2.0
"""The test SM-DP+ (ES9+) and SM-DS (ES11) for euiccd's tests: see tests/peers/README.md.

    /usr/bin/python3 tests/peers/smdp/server.py --dir /tmp/rsp [--role smdp|smds]

Modules: pki (the test PKI, or one built on a given SGP.26 set), package (profile
packages, BPP building and segmentation), core (the ES9+ / ES11 functions, faults),
server (HTTPS and the admin API), ipa (a small IPA driving a download for the tests)."""

import os
import sys

_LIB = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "lib")
if _LIB not in sys.path:
    sys.path.insert(0, _LIB)

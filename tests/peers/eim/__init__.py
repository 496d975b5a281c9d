# SPDX-License-Identifier: Apache-2.0
"""A test eIM (SGP.32 v1.2 ESipa server) for euiccd's tests: see tests/peers/README.md.

    /usr/bin/python3 tests/peers/eim/server.py --dir /tmp/eim --port 0 --admin-port 0

Modules: pki (TLS and package-signing keys), codec (ESipa DER and its JSON view),
packages (signed eIM packages built from admin JSON), store (per-EID state, faults,
statistics), esipa (the HTTPS handler for both bindings), admin (the admin API),
server (the command line), eimctl (a client of the admin API)."""

import os
import sys

_LIB = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "lib")
if _LIB not in sys.path:
    sys.path.insert(0, _LIB)

#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Every DER structure of a profile download as the test peers build it (SM-DP+,
# software eUICC, the eIM relay; printed by dump-download-der.py) must be the DER of
# the ASN.1 type it claims to be, by the asn1c oracle of tests/conformance.
here=$(cd "$(dirname "$0")" && pwd)
exec sh "$here/../conformance/run-oracle.sh" "${PYTHON3:-/usr/bin/python3}" \
  "$here/dump-download-der.py"

#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Validates the oracle itself: every byte string of the reference test vectors
# (test-vectors.md sections B and C, transcribed in reference-vectors.txt) must
# decode as its ASN.1 type and re-encode to the same DER.
here=$(cd "$(dirname "$0")" && pwd)
exec sh "$here/run-oracle.sh" -f "$here/reference-vectors.txt"

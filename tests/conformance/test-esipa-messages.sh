#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Every ESipa message euiccd encodes, as printed by tests/unit/dump-esipa-messages,
# must be the DER of the ASN.1 type it claims to be.
here=$(cd "$(dirname "$0")" && pwd)
exec sh "$here/run-oracle.sh" "${top_builddir:-.}/tests/unit/dump-esipa-messages"

#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# The SGP.26 test certificates of the protocol reference (CI, EUM, eUICC; NIST
# and brainpool) must round-trip as PKIX Certificate.  Messages euiccd sends
# carry such certificates (eIM certificates, eUICC and EUM certificates in
# AuthenticateClient), so the oracle has to read them, long serial numbers
# included.
set -u
here=$(cd "$(dirname "$0")" && pwd)

reference=$(sh "$here/build-oracle.sh" --print-reference) || exit $?
work=$(mktemp -d "${TMPDIR:-/tmp}/euiccd-conformance.XXXXXX") || exit 99
trap 'rm -rf "$work"' EXIT

found=0
for pem in "$reference"/sgp26/CERT_*.pem; do
  [ -r "$pem" ] || continue
  # The files carry comment lines before the PEM block: keep only the block.
  hex=$(sed -n '/^-----BEGIN CERTIFICATE-----$/,/^-----END CERTIFICATE-----$/{/^-----/d;p;}' "$pem" |
        base64 -d | od -An -v -tx1 | tr -d ' \n') || exit 99
  if [ -z "$hex" ]; then
    echo "test-pki-certificates: $pem holds no certificate" >&2
    exit 1
  fi
  printf '# %s\nCertificate %s\n' "$(basename "$pem")" "$hex" >> "$work/certificates.txt"
  found=$((found + 1))
done
if [ "$found" -eq 0 ]; then
  echo "no SGP.26 certificates in $reference/sgp26: conformance check of certificates skipped" >&2
  exit 77
fi
exec sh "$here/run-oracle.sh" -f "$work/certificates.txt"

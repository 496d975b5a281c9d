# SPDX-License-Identifier: Apache-2.0
"""Test PKI of the SM-DP+ and SM-DS, made at test time in a directory.

    ensure(dir, eid=None, source=None) -> dict of file paths

Without source: a fresh CI -> EUM -> eUICC chain (NIST P-256) for the EID.  With
source (a directory holding GSMA SGP.26 files CERT_CI_ECDSA_NIST.pem,
SK_CI_ECDSA_NIST.pem, CERT_EUM_ECDSA_NIST.pem, SK_EUM_ECDSA_NIST.pem,
CERT_EUICC_ECDSA_NIST.pem, SK_EUICC_ECDSA_NIST.pem): that chain, the EID being the
serialNumber of its eUICC certificate.  Under that CI the SM-DP+ gets CERT.DPauth,
CERT.DPpb and its TLS certificate (127.0.0.1 / localhost), the SM-DS CERT.DSauth and
its TLS certificate; for the fault switches also expired DPauth / DPpb / TLS
certificates and a second, unrelated CI with its own DPauth / DPpb / TLS set.

Files: ci.pem, euicc-pki.json (what the software eUICC loads: init.py --pki), and
<role>.pem / <role>.key for dp-auth, dp-pb, dp-tls, ds-auth, ds-tls, expired-dp-auth,
expired-dp-pb, expired-dp-tls, other-ci (pem only), other-dp-auth, other-dp-pb,
other-dp-tls."""

import datetime
import json
import os
import re
import sys

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID, ObjectIdentifier

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from softeuicc import pki as card_pki  # noqa: E402

# id-rspRole (SGP.22 RSPDefinitions): 2.23.146.1.2.1.<n>
ROLE = {"dp-tls": "2.23.146.1.2.1.3", "dp-auth": "2.23.146.1.2.1.4",
        "dp-pb": "2.23.146.1.2.1.5", "ds-tls": "2.23.146.1.2.1.6",
        "ds-auth": "2.23.146.1.2.1.7"}
# The SM-DP+ / SM-DS OID carried as registeredID in their certificates (2.999 = example arc).
SMDP_OID = "2.999.10"
SMDS_OID = "2.999.20"
DEFAULT_EID = "89049032123451234512345678901235"

SGP26_FILES = {"ci_cert": "CERT_CI_ECDSA_NIST.pem", "ci_key": "SK_CI_ECDSA_NIST.pem",
               "eum_cert": "CERT_EUM_ECDSA_NIST.pem", "eum_key": "SK_EUM_ECDSA_NIST.pem",
               "euicc_cert": "CERT_EUICC_ECDSA_NIST.pem", "euicc_key": "SK_EUICC_ECDSA_NIST.pem"}


def _pem_block(text, kinds):
    """The first PEM block of one of kinds (SGP.26 files carry comment lines and an
    EC PARAMETERS block before the key)."""
    for kind in kinds:
        m = re.search(r"-----BEGIN %s-----.*?-----END %s-----" % (kind, kind), text, re.S)
        if m:
            return m.group(0) + "\n"
    raise ValueError("no %s PEM block" % " / ".join(kinds))


def load_sgp26(src):
    """The SGP.26 chain in src as the PEM dict the software eUICC keeps, plus "eid"."""
    out = {}
    for key, name in SGP26_FILES.items():
        with open(os.path.join(src, name)) as f:
            text = f.read()
        if key.endswith("_cert"):
            out[key] = _pem_block(text, ("CERTIFICATE",))
        else:
            block = _pem_block(text, ("EC PRIVATE KEY", "PRIVATE KEY"))
            k = serialization.load_pem_private_key(block.encode(), password=None)
            out[key] = k.private_bytes(serialization.Encoding.PEM,
                                       serialization.PrivateFormat.PKCS8,
                                       serialization.NoEncryption()).decode()
    cert = x509.load_pem_x509_certificate(out["euicc_cert"].encode())
    out["eid"] = cert.subject.get_attributes_for_oid(NameOID.SERIAL_NUMBER)[0].value
    return out


def _name(cn, org="RSP Test SM-DP+"):
    return x509.Name([x509.NameAttribute(NameOID.COUNTRY_NAME, "IT"),
                      x509.NameAttribute(NameOID.ORGANIZATION_NAME, org),
                      x509.NameAttribute(NameOID.COMMON_NAME, cn)])


def _new_ci(cn):
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn),
                      x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, "TESTCERT"),
                      x509.NameAttribute(NameOID.ORGANIZATION_NAME, "RSPTEST"),
                      x509.NameAttribute(NameOID.COUNTRY_NAME, "IT")])
    now = datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(days=1))
            .not_valid_after(datetime.datetime(9999, 12, 31, 23, 59, 59))
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), False)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), True)
            .add_extension(x509.KeyUsage(False, False, False, False, False, True, True,
                                         False, False), True)
            .sign(key, hashes.SHA256()))
    return key, cert


def issue(ci_key, ci_cert, role, cn, oid, expired=False):
    """A certificate of role (dp-auth, dp-pb, dp-tls, ds-auth, ds-tls) under the CI."""
    key = ec.generate_private_key(ec.SECP256R1())
    now = datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0)
    if expired:
        start, end = now - datetime.timedelta(days=30), now - datetime.timedelta(days=1)
    else:
        start, end = now - datetime.timedelta(days=1), now + datetime.timedelta(days=3650)
    b = (x509.CertificateBuilder().subject_name(_name(cn)).issuer_name(ci_cert.subject)
         .public_key(key.public_key()).serial_number(x509.random_serial_number())
         .not_valid_before(start).not_valid_after(end)
         .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), False)
         .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ci_key.public_key()),
                        False)
         .add_extension(x509.CertificatePolicies([x509.PolicyInformation(
             ObjectIdentifier(ROLE[role]), None)]), True))
    if role.endswith("-tls"):
        b = (b.add_extension(x509.KeyUsage(True, False, False, False, False, False, False,
                                           False, False), True)
             .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), False)
             .add_extension(x509.SubjectAlternativeName([
                 x509.DNSName("localhost"),
                 x509.IPAddress(__import__("ipaddress").ip_address("127.0.0.1")),
                 x509.RegisteredID(ObjectIdentifier(oid))]), False))
    else:
        b = (b.add_extension(x509.KeyUsage(True, False, False, False, False, False, False,
                                           False, False), True)
             .add_extension(x509.SubjectAlternativeName([
                 x509.RegisteredID(ObjectIdentifier(oid))]), False))
    return key, b.sign(ci_key, hashes.SHA256())


def _write(path, data):
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        f.write(data)
    os.replace(tmp, path)


def _pem_cert(c):
    return c.public_bytes(serialization.Encoding.PEM).decode()


def _pem_key(k):
    return k.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                           serialization.NoEncryption()).decode()


def paths(d):
    roles = ("dp-auth", "dp-pb", "dp-tls", "ds-auth", "ds-tls", "expired-dp-auth",
             "expired-dp-pb", "expired-dp-tls", "other-dp-auth", "other-dp-pb", "other-dp-tls")
    out = {"dir": d, "ci": os.path.join(d, "ci.pem"), "other_ci": os.path.join(d, "other-ci.pem"),
           "euicc_pki": os.path.join(d, "euicc-pki.json")}
    for r in roles:
        out[r] = (os.path.join(d, r + ".pem"), os.path.join(d, r + ".key"))
    return out


def ensure(d, eid=None, source=None):
    """Create the PKI in d unless it is there; return paths(d)."""
    os.makedirs(d, exist_ok=True)
    p = paths(d)
    if os.path.exists(p["euicc_pki"]):
        return p
    if source is not None:
        chain = load_sgp26(source)
    else:
        chain = card_pki.make_chain(eid or DEFAULT_EID)
        chain["eid"] = eid or DEFAULT_EID
    ci_key = serialization.load_pem_private_key(chain["ci_key"].encode(), password=None)
    ci_cert = x509.load_pem_x509_certificate(chain["ci_cert"].encode())
    other_key, other_cert = _new_ci("Other Test CI")
    plan = [("dp-auth", ci_key, ci_cert, "dp-auth", False, SMDP_OID),
            ("dp-pb", ci_key, ci_cert, "dp-pb", False, SMDP_OID),
            ("dp-tls", ci_key, ci_cert, "dp-tls", False, SMDP_OID),
            ("ds-auth", ci_key, ci_cert, "ds-auth", False, SMDS_OID),
            ("ds-tls", ci_key, ci_cert, "ds-tls", False, SMDS_OID),
            ("expired-dp-auth", ci_key, ci_cert, "dp-auth", True, SMDP_OID),
            ("expired-dp-pb", ci_key, ci_cert, "dp-pb", True, SMDP_OID),
            ("expired-dp-tls", ci_key, ci_cert, "dp-tls", True, SMDP_OID),
            ("other-dp-auth", other_key, other_cert, "dp-auth", False, SMDP_OID),
            ("other-dp-pb", other_key, other_cert, "dp-pb", False, SMDP_OID),
            ("other-dp-tls", other_key, other_cert, "dp-tls", False, SMDP_OID)]
    for name, k, c, role, expired, oid in plan:
        key, cert = issue(k, c, role, "Test %s" % name, oid, expired)
        _write(p[name][1], _pem_key(key))
        _write(p[name][0], _pem_cert(cert))
    _write(p["ci"], chain["ci_cert"])
    _write(p["other_ci"], _pem_cert(other_cert))
    # Last: its presence says the directory is complete.
    _write(p["euicc_pki"], json.dumps(chain, indent=1, sort_keys=True) + "\n")
    return p


def load_key(path):
    with open(path, "rb") as f:
        return serialization.load_pem_private_key(f.read(), password=None)


def load_cert(path):
    with open(path, "rb") as f:
        return x509.load_pem_x509_certificate(f.read())


def cert_der(cert):
    return cert.public_bytes(serialization.Encoding.DER)


def ski(cert):
    return cert.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value.digest


def main(argv=None):
    import argparse
    ap = argparse.ArgumentParser(description="make the SM-DP+ / SM-DS test PKI")
    ap.add_argument("--dir", required=True)
    ap.add_argument("--eid", default=None)
    ap.add_argument("--from", dest="source", default=None,
                    help="directory with an SGP.26 certificate set to build on")
    args = ap.parse_args(argv)
    p = ensure(args.dir, args.eid, args.source)
    print(json.dumps(p, indent=1, sort_keys=True))
    return 0


if __name__ == "__main__":
    sys.exit(main())

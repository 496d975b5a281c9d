# SPDX-License-Identifier: Apache-2.0
"""The test PKI of the software eUICC: a CI -> EUM -> eUICC chain on NIST P-256,
generated when a state file is created, and the plain r||s signatures that
SGP.22/SGP.32 use (BSI TR-03111 format, not DER)."""

import datetime
import functools
import os

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import (
    decode_dss_signature, encode_dss_signature)
from cryptography.x509.oid import NameOID, ObjectIdentifier

# GSMA certificate policies for the three roles (SGP.22 4.5.2 / SGP.26 shape).
POLICY_CI = "2.23.146.1.2.1.0"
POLICY_EUICC = "2.23.146.1.2.1.1"
POLICY_EUM = "2.23.146.1.2.1.2"


def _name(*pairs):
    return x509.Name([x509.NameAttribute(oid, value) for oid, value in pairs])


def _policies(oid):
    return x509.CertificatePolicies([x509.PolicyInformation(ObjectIdentifier(oid), None)])


def _builder(subject, issuer, pub, not_after):
    now = datetime.datetime.utcnow().replace(microsecond=0)
    return (x509.CertificateBuilder()
            .subject_name(subject).issuer_name(issuer).public_key(pub)
            .not_valid_before(now - datetime.timedelta(days=1))
            .not_valid_after(not_after)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(pub), critical=False))


def _aki(issuer_key):
    return x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer_key.public_key())


def make_chain(eid):
    """Generate CI, EUM and eUICC keys and certificates; return a dict of PEM strings."""
    far = datetime.datetime(9999, 12, 31, 23, 59, 59)
    ci_key = ec.generate_private_key(ec.SECP256R1())
    eum_key = ec.generate_private_key(ec.SECP256R1())
    euicc_key = ec.generate_private_key(ec.SECP256R1())

    ci_name = _name((NameOID.COMMON_NAME, "euiccd Test CI"),
                    (NameOID.ORGANIZATIONAL_UNIT_NAME, "TESTCERT"),
                    (NameOID.ORGANIZATION_NAME, "RSPTEST"),
                    (NameOID.COUNTRY_NAME, "IT"))
    ci_cert = (_builder(ci_name, ci_name, ci_key.public_key(), far)
               .serial_number(x509.random_serial_number())
               .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
               .add_extension(_policies(POLICY_CI), critical=True)
               .add_extension(x509.KeyUsage(False, False, False, False, False, True, True,
                                            False, False), critical=True)
               .sign(ci_key, hashes.SHA256()))

    eum_name = _name((NameOID.COUNTRY_NAME, "ES"),
                     (NameOID.ORGANIZATION_NAME, "RSP Test EUM"),
                     (NameOID.COMMON_NAME, "EUM Test"))
    # The EUM may only issue eUICC certificates for its own EID range (IIN = first 8 digits).
    eum_cert = (_builder(eum_name, ci_name, eum_key.public_key(), far)
                .serial_number(int.from_bytes(os.urandom(4), "big") | 0x10000000)
                .add_extension(_aki(ci_key), critical=False)
                .add_extension(x509.KeyUsage(False, False, False, False, False, True, False,
                                             False, False), critical=True)
                .add_extension(_policies(POLICY_EUM), critical=True)
                .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
                .add_extension(x509.NameConstraints(
                    permitted_subtrees=[x509.DirectoryName(_name(
                        (NameOID.ORGANIZATION_NAME, "RSP Test EUM"),
                        (NameOID.SERIAL_NUMBER, eid[:8])))],
                    excluded_subtrees=None), critical=True)
                .sign(ci_key, hashes.SHA256()))

    euicc_name = _name((NameOID.COUNTRY_NAME, "ES"),
                       (NameOID.ORGANIZATION_NAME, "RSP Test EUM"),
                       (NameOID.SERIAL_NUMBER, eid),
                       (NameOID.COMMON_NAME, "Test eUICC"))
    # SGP.26 eUICC certificates carry a 9-byte serial starting with 02.
    serial = int.from_bytes(b"\x02" + os.urandom(8), "big")
    euicc_cert = (_builder(euicc_name, eum_name, euicc_key.public_key(), far)
                  .serial_number(serial)
                  .add_extension(_aki(eum_key), critical=False)
                  .add_extension(x509.KeyUsage(True, False, False, False, False, False, False,
                                               False, False), critical=True)
                  .add_extension(_policies(POLICY_EUICC), critical=True)
                  .sign(eum_key, hashes.SHA256()))

    def pem_key(k):
        return k.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                               serialization.NoEncryption()).decode()

    def pem_cert(c):
        return c.public_bytes(serialization.Encoding.PEM).decode()

    return {
        "ci_cert": pem_cert(ci_cert), "ci_key": pem_key(ci_key),
        "eum_cert": pem_cert(eum_cert), "eum_key": pem_key(eum_key),
        "euicc_cert": pem_cert(euicc_cert), "euicc_key": pem_key(euicc_key),
    }


@functools.lru_cache(maxsize=32)
def load_cert(pem):
    return x509.load_pem_x509_certificate(pem.encode())


@functools.lru_cache(maxsize=32)
def load_key(pem):
    return serialization.load_pem_private_key(pem.encode(), password=None)


def cert_der(pem):
    return load_cert(pem).public_bytes(serialization.Encoding.DER)


def subject_key_id(pem):
    return load_cert(pem).extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value.digest


def sign_raw(key_pem, data):
    """ECDSA-SHA256 signature as the 64-byte r || s the GSMA specifications use."""
    der = load_key(key_pem).sign(data, ec.ECDSA(hashes.SHA256()))
    r, s = decode_dss_signature(der)
    return r.to_bytes(32, "big") + s.to_bytes(32, "big")


def verify_raw(public_key, data, sig):
    """Check a 64-byte r || s signature; raises cryptography's InvalidSignature."""
    if len(sig) != 64:
        raise ValueError("signature must be 64 bytes r||s, got %d" % len(sig))
    der = encode_dss_signature(int.from_bytes(sig[:32], "big"), int.from_bytes(sig[32:], "big"))
    public_key.verify(der, data, ec.ECDSA(hashes.SHA256()))

# SPDX-License-Identifier: Apache-2.0
"""Key material of the test eIM, made with python3-cryptography at first start in
its directory and reused afterwards:

  ca.pem / ca.key                 test TLS CA
  server.pem / server.key         TLS server certificate for 127.0.0.1 and localhost (by ca.pem)
  wrong-ca.pem / wrong-ca.key     a second, unrelated CA
  wrong-server.pem / .key         a server certificate for the same names by wrong-ca.pem
  eim-key.pem / eim-pub.pem       the eIM's package-signing key pair (NIST P-256)
  eim-cert.pem                    an eIM certificate for that key (by ca.pem)

Package signatures are the plain 64-byte r || s (SGP.32 2.11), not DER."""

import datetime
import ipaddress
import os

from cryptography import x509
from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import (
    decode_dss_signature, encode_dss_signature)
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

FILES = ("ca.pem", "ca.key", "server.pem", "server.key", "wrong-ca.pem", "wrong-ca.key",
         "wrong-server.pem", "wrong-server.key", "eim-key.pem", "eim-pub.pem", "eim-cert.pem")


def _name(cn):
    return x509.Name([x509.NameAttribute(NameOID.ORGANIZATION_NAME, "euiccd tests"),
                      x509.NameAttribute(NameOID.COMMON_NAME, cn)])


def _write(path, data):
    tmp = path + ".tmp"
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(data)
    os.replace(tmp, path)


def _key_pem(key):
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption())


def _cert_pem(cert):
    return cert.public_bytes(serialization.Encoding.PEM)


def _cert(subject, issuer, pub, issuer_key, ca, sans=None, eku=None):
    now = datetime.datetime.utcnow().replace(microsecond=0)
    b = (x509.CertificateBuilder()
         .subject_name(subject).issuer_name(issuer).public_key(pub)
         .serial_number(x509.random_serial_number())
         .not_valid_before(now - datetime.timedelta(days=1))
         .not_valid_after(now + datetime.timedelta(days=3650))
         .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
         .add_extension(x509.SubjectKeyIdentifier.from_public_key(pub), critical=False))
    if ca:
        b = b.add_extension(x509.KeyUsage(False, False, False, False, False, True, True,
                                          False, False), critical=True)
    else:
        b = b.add_extension(x509.KeyUsage(True, False, False, False, False, False, False,
                                          False, False), critical=True)
        b = b.add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(
            issuer_key.public_key()), critical=False)
    if sans:
        b = b.add_extension(x509.SubjectAlternativeName(sans), critical=False)
    if eku:
        b = b.add_extension(x509.ExtendedKeyUsage(eku), critical=False)
    return b.sign(issuer_key, hashes.SHA256())


def _ca_and_server(ca_cn):
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_cert = _cert(_name(ca_cn), _name(ca_cn), ca_key.public_key(), ca_key, True)
    srv_key = ec.generate_private_key(ec.SECP256R1())
    # The address also as a dNSName: mbedTLS 2.28 (libcurl's mbedTLS backend on embedded images) matches a
    # host against dNSName entries only, while OpenSSL matches an IP host against iPAddress entries only.
    sans = [x509.DNSName("localhost"), x509.DNSName("127.0.0.1"),
            x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
    srv_cert = _cert(_name("127.0.0.1"), _name(ca_cn), srv_key.public_key(), ca_key, False,
                     sans=sans, eku=[ExtendedKeyUsageOID.SERVER_AUTH])
    return ca_key, ca_cert, srv_key, srv_cert


def ensure(directory):
    """Create the key material in directory unless all of it is there already."""
    if all(os.path.exists(os.path.join(directory, f)) for f in FILES):
        return
    os.makedirs(directory, exist_ok=True)
    ca_key, ca_cert, srv_key, srv_cert = _ca_and_server("euiccd test eIM TLS CA")
    wca_key, wca_cert, wsrv_key, wsrv_cert = _ca_and_server("unrelated test CA")
    eim_key = ec.generate_private_key(ec.SECP256R1())
    eim_cert = _cert(_name("test eIM package signing"), _name("euiccd test eIM TLS CA"),
                     eim_key.public_key(), ca_key, False)
    out = {
        "ca.pem": _cert_pem(ca_cert), "ca.key": _key_pem(ca_key),
        "server.pem": _cert_pem(srv_cert), "server.key": _key_pem(srv_key),
        "wrong-ca.pem": _cert_pem(wca_cert), "wrong-ca.key": _key_pem(wca_key),
        "wrong-server.pem": _cert_pem(wsrv_cert), "wrong-server.key": _key_pem(wsrv_key),
        "eim-key.pem": _key_pem(eim_key),
        "eim-pub.pem": eim_key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo),
        "eim-cert.pem": _cert_pem(eim_cert),
    }
    for name, data in out.items():
        _write(os.path.join(directory, name), data)


def load_private_key(path):
    with open(path, "rb") as f:
        return serialization.load_pem_private_key(f.read(), password=None)


def sign_raw(key, data):
    """ECDSA-SHA256 over data as the 64-byte r || s."""
    r, s = decode_dss_signature(key.sign(data, ec.ECDSA(hashes.SHA256())))
    return r.to_bytes(32, "big") + s.to_bytes(32, "big")


def verify_raw(public_key, data, sig):
    """True when sig (64-byte r || s) is a valid ECDSA-SHA256 signature over data.
    A key that is not an EC key (a certificate from the wire may hold anything) is
    simply not valid for it."""
    if len(sig) != 64 or not isinstance(public_key, ec.EllipticCurvePublicKey):
        return False
    der = encode_dss_signature(int.from_bytes(sig[:32], "big"), int.from_bytes(sig[32:], "big"))
    try:
        public_key.verify(der, data, ec.ECDSA(hashes.SHA256()))
    except (InvalidSignature, ValueError):
        return False
    return True


def verify_with_cert(cert, data, sig):
    """verify_raw with the key of an x509 certificate; False when the key cannot be used."""
    try:
        key = cert.public_key()
    except (ValueError, UnsupportedAlgorithm):
        return False
    return verify_raw(key, data, sig)


def cert_from_pem_or_der(data):
    """An x509 certificate from PEM text/bytes or DER bytes; ValueError otherwise."""
    if isinstance(data, str):
        data = data.encode()
    if b"-----BEGIN" in data:
        return x509.load_pem_x509_certificate(data)
    return x509.load_der_x509_certificate(data)


def spki_or_cert_der(pem):
    """('key', SubjectPublicKeyInfo DER) or ('cert', Certificate DER) from PEM text."""
    data = pem.encode() if isinstance(pem, str) else pem
    if b"CERTIFICATE" in data:
        return "cert", x509.load_pem_x509_certificate(data).public_bytes(
            serialization.Encoding.DER)
    if b"PRIVATE KEY" in data:
        key = serialization.load_pem_private_key(data, password=None).public_key()
    else:
        key = serialization.load_pem_public_key(data)
    return "key", key.public_bytes(serialization.Encoding.DER,
                                   serialization.PublicFormat.SubjectPublicKeyInfo)

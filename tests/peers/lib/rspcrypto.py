# SPDX-License-Identifier: Apache-2.0
"""The cryptography of SGP.22 profile download, for the test peers (the SM-DP+ and
the software eUICC):

- ECDSA-SHA256 signatures as the plain 64-byte r || s (not DER);
- ECKA: ephemeral ECDH on the curve of the eUICC key, shared secret = the x coordinate;
- the session key derivation: ANSI X9.63 KDF with SHA-256 over the shared secret and
  SharedInfo = keyType || keyLength || LV(hostId) || LV(EID), 48 bytes cut into the
  initial MAC chaining value, S-ENC and S-MAC (16 bytes each, in that order);
- the BSP (the SCP03t-style protection of each BPP command TLV): AES-CBC with S-ENC,
  ICV = AES(S-ENC, block counter as 16 bytes), counter from 1, incremented for every
  segment (also MAC-only ones), padding 80 00..; C-MAC = the first 8 bytes of
  AES-CMAC(S-MAC, chaining value || tag || final length || data), the full CMAC
  becoming the next chaining value."""

import hashlib

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import cmac, hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import (
    decode_dss_signature, encode_dss_signature)
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.kdf.x963kdf import X963KDF

import pyder

MAC_LEN = 8
KEY_TYPE_AES = 0x88
KEY_LEN = 16


class BspError(Exception):
    """A BSP-protected TLV whose MAC, padding or structure is wrong."""


# ---------------------------------------------------------------- signatures

def sign(private_key, data):
    """ECDSA-SHA256 as 64 bytes r || s."""
    r, s = decode_dss_signature(private_key.sign(data, ec.ECDSA(hashes.SHA256())))
    n = (private_key.curve.key_size + 7) // 8
    return r.to_bytes(n, "big") + s.to_bytes(n, "big")


def verify(public_key, data, sig):
    """True when sig (r || s) is a valid signature of data by public_key."""
    n = (public_key.curve.key_size + 7) // 8
    if len(sig) != 2 * n:
        return False
    der = encode_dss_signature(int.from_bytes(sig[:n], "big"), int.from_bytes(sig[n:], "big"))
    try:
        public_key.verify(der, data, ec.ECDSA(hashes.SHA256()))
        return True
    except InvalidSignature:
        return False


def sig_tlv(sig):
    """The 5F37 TLV that carries a signature (and that the next signature covers)."""
    return pyder.tlv(0x5F37, sig)


# ---------------------------------------------------------------- ECKA and KDF

def new_otk(curve):
    """A one-time key pair; returns (private key, 65-byte uncompressed public point)."""
    key = ec.generate_private_key(curve)
    return key, public_point(key.public_key())


def public_point(pub):
    return pub.public_bytes(serialization.Encoding.X962,
                            serialization.PublicFormat.UncompressedPoint)


def shared_secret(own_private, peer_point):
    """ECKA-EG shared secret (x coordinate) with the peer's encoded public point.
    Raises ValueError when the point is not on the curve."""
    peer = ec.EllipticCurvePublicKey.from_encoded_point(own_private.curve, peer_point)
    return own_private.exchange(ec.ECDH(), peer)


def _lv(b):
    return pyder.encode_length(len(b)) + b


def session_keys(secret, key_type, key_len, host_id, eid):
    """(initial MAC chaining value, S-ENC, S-MAC) from the ECKA shared secret."""
    info = bytes([key_type, key_len]) + _lv(host_id) + _lv(eid)
    out = X963KDF(algorithm=hashes.SHA256(), length=3 * key_len, sharedinfo=info).derive(secret)
    return out[:key_len], out[key_len:2 * key_len], out[2 * key_len:]


def hash_cc(confirmation_code, transaction_id):
    """hashCc = SHA-256(SHA-256(confirmation code) || transactionId)."""
    if isinstance(confirmation_code, str):
        confirmation_code = confirmation_code.encode()
    inner = hashlib.sha256(confirmation_code).digest()
    return hashlib.sha256(inner + transaction_id).digest()


# ---------------------------------------------------------------- BSP

def _aes_cbc(key, iv, data, encrypt):
    c = Cipher(algorithms.AES(key), modes.CBC(iv))
    op = c.encryptor() if encrypt else c.decryptor()
    return op.update(data) + op.finalize()


def _cmac(key, data):
    m = cmac.CMAC(algorithms.AES(key))
    m.update(data)
    return m.finalize()


class Bsp:
    """One direction of a BSP session: protect (SM-DP+) or unprotect (eUICC) TLVs
    in order.  Both sides must process the same TLVs in the same order."""

    def __init__(self, s_enc, s_mac, mcv):
        self.s_enc = s_enc
        self.s_mac = s_mac
        self.mcv = mcv
        self.block = 1

    def _icv(self):
        icv = _aes_cbc(self.s_enc, bytes(16), self.block.to_bytes(16, "big"), True)
        self.block += 1
        return icv

    def _mac(self, tag, body):
        head = bytes([tag]) + pyder.encode_length(len(body) + MAC_LEN)
        full = _cmac(self.s_mac, self.mcv + head + body)
        self.mcv = full
        return head + body + full[:MAC_LEN]

    def wrap(self, tag, plain, encrypt=True):
        """Protected TLV (tag, length, [ciphertext | plaintext], C-MAC)."""
        if encrypt:
            padded = plain + b"\x80" + bytes((15 - len(plain)) % 16)
            body = _aes_cbc(self.s_enc, self._icv(), padded, True)
        else:
            self.block += 1
            body = plain
        return self._mac(tag, body)

    def unwrap(self, raw, encrypt=True):
        """Check the C-MAC of one protected TLV and return its plaintext."""
        try:
            t = pyder.decode(raw)
        except pyder.DerError as exc:
            raise BspError("protected TLV is not DER: %s" % exc)
        if len(t.value) < MAC_LEN:
            raise BspError("tag %X: shorter than its MAC" % t.tag)
        body, mac = t.value[:-MAC_LEN], t.value[-MAC_LEN:]
        head = raw[:len(raw) - len(t.value)]
        full = _cmac(self.s_mac, self.mcv + head + body)
        if full[:MAC_LEN] != mac:
            raise BspError("tag %X: C-MAC does not verify" % t.tag)
        self.mcv = full
        if not encrypt:
            self.block += 1
            return body
        if len(body) == 0 or len(body) % 16:
            raise BspError("tag %X: ciphertext is not a multiple of 16 bytes" % t.tag)
        padded = _aes_cbc(self.s_enc, self._icv(), body, False)
        stripped = padded.rstrip(b"\x00")
        if not stripped or stripped[-1] != 0x80 or len(padded) - len(stripped) > 15:
            raise BspError("tag %X: bad padding after decryption" % t.tag)
        return stripped[:-1]

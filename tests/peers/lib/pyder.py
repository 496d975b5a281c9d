# SPDX-License-Identifier: Apache-2.0
"""A small, strict DER/BER-TLV codec for the test peers.

Tags are handled as integers of their raw bytes (0x5A, 0x9F70, 0xBF2D), which is
how the GSMA specifications and the fault strings of the peers name them.
Decoding is strict DER: definite minimal lengths, minimal tag encodings, every
length checked against the data before it is read.  Errors raise DerError with
the offset and what was wrong, never an IndexError.
"""

MAX_DEPTH = 32


class DerError(ValueError):
    """Input that is not valid DER, or a field that is missing or malformed."""


# ---------------------------------------------------------------- tags

def tag_bytes(tag):
    """Raw bytes of a tag given as an integer (0xBF2D -> b'\\xbf\\x2d')."""
    if tag < 0:
        raise DerError("negative tag")
    if tag == 0:
        return b"\x00"
    return tag.to_bytes((tag.bit_length() + 7) // 8, "big")


def tag_is_constructed(tag):
    return bool(tag_bytes(tag)[0] & 0x20)


def tag_class(tag):
    """0 universal, 1 application, 2 context, 3 private."""
    return tag_bytes(tag)[0] >> 6


def tag_number(tag):
    raw = tag_bytes(tag)
    if raw[0] & 0x1F != 0x1F:
        return raw[0] & 0x1F
    num = 0
    for b in raw[1:]:
        num = (num << 7) | (b & 0x7F)
    return num


def make_tag(cls, constructed, number):
    """Build the integer tag for class (0..3), constructed flag and tag number."""
    first = (cls << 6) | (0x20 if constructed else 0)
    if number < 31:
        return first | number
    parts = [number & 0x7F]
    number >>= 7
    while number:
        parts.append(0x80 | (number & 0x7F))
        number >>= 7
    raw = bytes([first | 0x1F]) + bytes(reversed(parts))
    return int.from_bytes(raw, "big")


def ctx(number, constructed=False):
    """Context-specific tag [number] (implicit primitive, or constructed)."""
    return make_tag(2, constructed, number)


def app(number, constructed=False):
    return make_tag(1, constructed, number)


# ---------------------------------------------------------------- lengths

def encode_length(n):
    if n < 0:
        raise DerError("negative length")
    if n < 0x80:
        return bytes([n])
    body = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return bytes([0x80 | len(body)]) + body


def tlv(tag, value=b""):
    """Encode one TLV; value is bytes or a list/tuple of encoded TLVs."""
    if isinstance(value, (list, tuple)):
        value = b"".join(value)
    value = bytes(value)
    return tag_bytes(tag) + encode_length(len(value)) + value


# ---------------------------------------------------------------- primitives

def enc_integer(v, tag=0x02):
    if v == 0:
        body = b"\x00"
    else:
        n = (v.bit_length() + 8) // 8 if v > 0 else ((-v - 1).bit_length() + 8) // 8
        body = v.to_bytes(n, "big", signed=True)
    return tlv(tag, body)


def dec_integer(value, what="INTEGER"):
    if len(value) == 0:
        raise DerError("%s: empty integer" % what)
    if len(value) > 1 and ((value[0] == 0x00 and value[1] < 0x80) or
                           (value[0] == 0xFF and value[1] >= 0x80)):
        raise DerError("%s: integer not minimally encoded" % what)
    return int.from_bytes(value, "big", signed=True)


def enc_bool(v, tag=0x01):
    return tlv(tag, b"\xff" if v else b"\x00")


def dec_bool(value, what="BOOLEAN"):
    if len(value) != 1 or value[0] not in (0x00, 0xFF):
        raise DerError("%s: boolean must be one byte 00 or FF" % what)
    return value[0] == 0xFF


def enc_null(tag=0x05):
    return tlv(tag, b"")


def enc_utf8(s, tag=0x0C):
    return tlv(tag, s.encode("utf-8"))


def dec_utf8(value, what="UTF8String"):
    try:
        return bytes(value).decode("utf-8")
    except UnicodeDecodeError as exc:
        raise DerError("%s: invalid UTF-8 (%s)" % (what, exc))


def enc_octets(b, tag=0x04):
    return tlv(tag, bytes(b))


def enc_named_bits(bits, tag=0x03):
    """BIT STRING with named bits (bit 0 = most significant bit of the first byte).

    DER drops trailing zero bits, so an empty set encodes as 03 01 00.
    """
    bits = sorted(set(bits))
    if not bits:
        return tlv(tag, b"\x00")
    nbits = bits[-1] + 1
    nbytes = (nbits + 7) // 8
    data = bytearray(nbytes)
    for b in bits:
        data[b // 8] |= 0x80 >> (b % 8)
    return tlv(tag, bytes([nbytes * 8 - nbits]) + bytes(data))


def enc_bit_string(data, unused=0, tag=0x03):
    return tlv(tag, bytes([unused]) + bytes(data))


def dec_bit_string(value, what="BIT STRING"):
    """Return (data bytes, unused bit count)."""
    if len(value) == 0:
        raise DerError("%s: empty bit string" % what)
    unused = value[0]
    if unused > 7 or (len(value) == 1 and unused != 0):
        raise DerError("%s: bad unused-bits count %d" % (what, unused))
    data = bytes(value[1:])
    if unused and data[-1] & ((1 << unused) - 1):
        raise DerError("%s: unused bits not zero" % what)
    return data, unused


def dec_named_bits(value, what="BIT STRING"):
    """Set of the bit numbers that are set."""
    data, unused = dec_bit_string(value, what)
    out = set()
    for i in range(len(data) * 8 - unused):
        if data[i // 8] & (0x80 >> (i % 8)):
            out.add(i)
    return out


def enc_oid(dotted, tag=0x06):
    arcs = [int(x) for x in dotted.split(".")]
    if len(arcs) < 2:
        raise DerError("OID needs at least two arcs")
    first = arcs[0] * 40 + arcs[1]
    out = bytearray()
    for arc in [first] + arcs[2:]:
        chunk = [arc & 0x7F]
        arc >>= 7
        while arc:
            chunk.append(0x80 | (arc & 0x7F))
            arc >>= 7
        out += bytes(reversed(chunk))
    return tlv(tag, bytes(out))


def dec_oid(value, what="OBJECT IDENTIFIER"):
    if not value or value[-1] & 0x80:
        raise DerError("%s: truncated object identifier" % what)
    arcs = []
    cur = 0
    start = True
    for b in value:
        if start and b == 0x80:
            raise DerError("%s: arc not minimally encoded" % what)
        start = False
        cur = (cur << 7) | (b & 0x7F)
        if not b & 0x80:
            arcs.append(cur)
            cur = 0
            start = True
    first = arcs[0]
    head = [min(first // 40, 2), first - 40 * min(first // 40, 2)]
    return ".".join(str(a) for a in head + arcs[1:])


# ---------------------------------------------------------------- decoding

class Tlv:
    """One decoded TLV.  value is the content bytes, raw the whole encoding."""

    __slots__ = ("tag", "value", "raw", "offset", "_children")

    def __init__(self, tag, value, raw, offset=0):
        self.tag = tag
        self.value = value
        self.raw = raw
        self.offset = offset
        self._children = None

    @property
    def constructed(self):
        return tag_is_constructed(self.tag)

    def children(self):
        """The TLVs inside a constructed TLV (decoded on first use)."""
        if self._children is None:
            if not self.constructed:
                raise DerError("tag %X is primitive, it has no inner TLVs" % self.tag)
            self._children = decode_all(self.value)
        return self._children

    def find(self, tag):
        for c in self.children():
            if c.tag == tag:
                return c
        return None

    def find_all(self, tag):
        return [c for c in self.children() if c.tag == tag]

    def req(self, tag):
        """The first inner TLV with that tag, or DerError naming the missing tag."""
        c = self.find(tag)
        if c is None:
            raise DerError("tag %X: required field %X missing" % (self.tag, tag))
        return c

    def int(self):
        return dec_integer(self.value, "tag %X" % self.tag)

    def str(self):
        return dec_utf8(self.value, "tag %X" % self.tag)

    def bits(self):
        return dec_named_bits(self.value, "tag %X" % self.tag)

    def __repr__(self):
        return "Tlv(%X, %s)" % (self.tag, self.value.hex())


def read_tag(data, pos):
    """Return (tag, next position)."""
    if pos >= len(data):
        raise DerError("offset %d: tag expected, end of data" % pos)
    first = data[pos]
    pos += 1
    if first & 0x1F != 0x1F:
        return first, pos
    tag = first
    nbytes = 0
    while True:
        if pos >= len(data):
            raise DerError("offset %d: multi-byte tag truncated" % pos)
        b = data[pos]
        if nbytes == 0 and b == 0x80:
            raise DerError("offset %d: tag number not minimally encoded" % pos)
        tag = (tag << 8) | b
        pos += 1
        nbytes += 1
        if nbytes > 4:
            raise DerError("offset %d: tag longer than 5 bytes" % pos)
        if not b & 0x80:
            break
    if nbytes == 1 and (tag & 0x7F) < 31:
        raise DerError("offset %d: low tag number in multi-byte form" % pos)
    return tag, pos


def read_length(data, pos):
    """Return (length, next position); DER: definite, minimal."""
    if pos >= len(data):
        raise DerError("offset %d: length expected, end of data" % pos)
    first = data[pos]
    pos += 1
    if first < 0x80:
        return first, pos
    if first == 0x80:
        raise DerError("offset %d: indefinite length is not DER" % (pos - 1))
    if first == 0xFF:
        raise DerError("offset %d: reserved length byte FF" % (pos - 1))
    n = first & 0x7F
    if n > 4:
        raise DerError("offset %d: length of %d bytes is too large" % (pos - 1, n))
    if pos + n > len(data):
        raise DerError("offset %d: length bytes truncated" % pos)
    length = int.from_bytes(data[pos:pos + n], "big")
    if data[pos] == 0 or length < 0x80:
        raise DerError("offset %d: length not minimally encoded" % pos)
    return length, pos + n


def read_tlv(data, pos=0):
    """Decode the TLV at pos; return (Tlv, position after it)."""
    data = bytes(data)
    start = pos
    tag, pos = read_tag(data, pos)
    length, pos = read_length(data, pos)
    if length > len(data) - pos:
        raise DerError("offset %d: tag %X claims %d bytes, only %d present"
                       % (start, tag, length, len(data) - pos))
    value = data[pos:pos + length]
    return Tlv(tag, value, data[start:pos + length], start), pos + length


def decode_all(data):
    """All TLVs of a byte string that must be nothing but TLVs."""
    out = []
    pos = 0
    data = bytes(data)
    while pos < len(data):
        t, pos = read_tlv(data, pos)
        out.append(t)
    return out


def decode(data, expect=None):
    """Exactly one TLV, no trailing bytes; optionally check its tag."""
    t, end = read_tlv(data, 0)
    if end != len(data):
        raise DerError("%d trailing bytes after tag %X" % (len(data) - end, t.tag))
    if expect is not None and t.tag != expect:
        raise DerError("expected tag %X, got %X" % (expect, t.tag))
    return t


def validate(data, depth=0):
    """Check that data is one or more well-formed TLVs all the way down
    (constructed tags recursively).  Raises DerError on the first problem."""
    if depth > MAX_DEPTH:
        raise DerError("nesting deeper than %d" % MAX_DEPTH)
    for t in decode_all(data):
        if t.constructed:
            validate(t.value, depth + 1)


def dump(data, indent=0, depth=0):
    """Human-readable tree of DER bytes, for test failure messages."""
    lines = []
    for t in decode_all(data):
        pad = "  " * indent
        if t.constructed and depth < MAX_DEPTH:
            lines.append("%s%X (%d)" % (pad, t.tag, len(t.value)))
            lines.append(dump(t.value, indent + 1, depth + 1))
        else:
            lines.append("%s%X %s" % (pad, t.tag, t.value.hex().upper()))
    return "\n".join(line for line in lines if line)

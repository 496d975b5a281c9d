# SPDX-License-Identifier: Apache-2.0
"""MBIM control messages (USB MBIM 1.0 section 9), as a function sends and receives them.

Every message starts with MessageType, MessageLength, TransactionId (u32 LE).
COMMAND and COMMAND_DONE add a fragment header (TotalFragments,
CurrentFragment); the first fragment then holds the 16-byte service UUID (in
the byte order of its text form), the CID, CommandType (0 query, 1 set) or the
Status, the InformationBuffer length and the buffer. Later fragments carry only
the continuation of that payload. A message longer than the host's
MaxControlTransfer (announced in OPEN) is split into fragments.
"""

import struct
import uuid

OPEN_MSG = 0x00000001
CLOSE_MSG = 0x00000002
COMMAND_MSG = 0x00000003
HOST_ERROR_MSG = 0x00000004
OPEN_DONE = 0x80000001
CLOSE_DONE = 0x80000002
COMMAND_DONE = 0x80000003
FUNCTION_ERROR_MSG = 0x80000004
INDICATE_STATUS_MSG = 0x80000007

HEADER_LEN = 12
FRAGMENT_HEADER_LEN = 8
COMMAND_FIXED_LEN = 16 + 4 + 4 + 4  # service, cid, type/status, buffer length

COMMAND_TYPE_QUERY = 0
COMMAND_TYPE_SET = 1

# MBIM status codes.
STATUS_SUCCESS = 0
STATUS_FAILURE = 2
STATUS_NO_DEVICE_SUPPORT = 9
STATUS_NOT_INITIALIZED = 14
STATUS_INVALID_PARAMETERS = 21
STATUS_MS_NO_LOGICAL_CHANNELS = 0x87430001
STATUS_MS_SELECT_FAILED = 0x87430002
STATUS_MS_INVALID_LOGICAL_CHANNEL = 0x87430003

# MBIM protocol error codes (FUNCTION_ERROR_MSG).
ERROR_TIMEOUT_FRAGMENT = 1
ERROR_FRAGMENT_OUT_OF_SEQUENCE = 2
ERROR_LENGTH_MISMATCH = 3
ERROR_NOT_OPENED = 5
ERROR_UNKNOWN = 6
ERROR_MAX_TRANSFER = 8

UUID_BASIC_CONNECT = uuid.UUID("a289cc33-bcbb-8b4f-b6b0-133ec2aae6df").bytes
UUID_MS_UICC_LOW_LEVEL_ACCESS = uuid.UUID("c2f6588e-f037-4bc9-8665-f4d44bd09367").bytes

# Smallest MaxControlTransfer we accept; MBIM requires at least 64.
MIN_CONTROL_TRANSFER = 64


class MbimStreamParser:
    """Splits the byte stream from the pty into whole MBIM messages."""

    MAX_MESSAGE = 1 << 16

    def __init__(self):
        self.buffer = bytearray()
        self.garbage = 0

    def feed(self, data):
        self.buffer.extend(data)

    def messages(self):
        out = []
        while len(self.buffer) >= HEADER_LEN:
            msg_type, length, _ = struct.unpack_from("<III", self.buffer, 0)
            if length < HEADER_LEN or length > self.MAX_MESSAGE or not plausible_type(msg_type):
                # Not a header we understand: drop a byte and look again.
                self.garbage += 1
                del self.buffer[:1]
                continue
            if len(self.buffer) < length:
                break
            out.append(bytes(self.buffer[:length]))
            del self.buffer[:length]
        return out


def plausible_type(msg_type):
    """Small type numbers, host or function direction; anything else is line noise."""
    return 0 < (msg_type & 0x7FFFFFFF) < 0x100


def header(msg_type, length, transaction):
    return struct.pack("<III", msg_type, length, transaction)


def open_done(transaction, status):
    return header(OPEN_DONE, HEADER_LEN + 4, transaction) + struct.pack("<I", status)


def close_done(transaction, status):
    return header(CLOSE_DONE, HEADER_LEN + 4, transaction) + struct.pack("<I", status)


def function_error(transaction, error):
    return header(FUNCTION_ERROR_MSG, HEADER_LEN + 4, transaction) + struct.pack("<I", error)


def fragment(msg_type, transaction, payload, max_transfer):
    """The fragments of one COMMAND/COMMAND_DONE/INDICATE_STATUS payload."""
    room = max(max_transfer, MIN_CONTROL_TRANSFER) - HEADER_LEN - FRAGMENT_HEADER_LEN
    pieces = [payload[i:i + room] for i in range(0, len(payload), room)] or [b""]
    out = []
    for index, piece in enumerate(pieces):
        length = HEADER_LEN + FRAGMENT_HEADER_LEN + len(piece)
        out.append(header(msg_type, length, transaction)
                   + struct.pack("<II", len(pieces), index) + piece)
    return out


def command_done(transaction, service, cid, status, info, max_transfer):
    payload = bytes(service) + struct.pack("<III", cid, status, len(info)) + bytes(info)
    return fragment(COMMAND_DONE, transaction, payload, max_transfer)


def command(transaction, service, cid, command_type, info, max_transfer=4096):
    """A host COMMAND_MSG (used by the self-tests)."""
    payload = bytes(service) + struct.pack("<III", cid, command_type, len(info)) + bytes(info)
    return fragment(COMMAND_MSG, transaction, payload, max_transfer)


class Command:
    def __init__(self, transaction, service, cid, command_type, info):
        self.transaction = transaction
        self.service = service
        self.cid = cid
        self.command_type = command_type
        self.info = info


class FragmentError(Exception):
    def __init__(self, transaction, error, reason):
        super().__init__(reason)
        self.transaction = transaction
        self.error = error


class CommandAssembler:
    """Reassembles fragmented COMMAND_MSGs (one transaction at a time, in order)."""

    def __init__(self):
        self.pending = None  # (transaction, total, next index, bytearray)

    def reset(self):
        self.pending = None

    def add(self, message):
        """A Command when complete, None while waiting; raises FragmentError."""
        _, length, transaction = struct.unpack_from("<III", message, 0)
        if len(message) < HEADER_LEN + FRAGMENT_HEADER_LEN:
            raise FragmentError(transaction, ERROR_LENGTH_MISMATCH, "command shorter than its headers")
        total, current = struct.unpack_from("<II", message, HEADER_LEN)
        piece = message[HEADER_LEN + FRAGMENT_HEADER_LEN:]
        if total == 0 or current >= total:
            self.pending = None
            raise FragmentError(transaction, ERROR_FRAGMENT_OUT_OF_SEQUENCE,
                                "fragment %d of %d" % (current, total))
        if current == 0:
            self.pending = (transaction, total, 1, bytearray(piece))
        else:
            if (self.pending is None or self.pending[0] != transaction
                    or self.pending[1] != total or self.pending[2] != current):
                self.pending = None
                raise FragmentError(transaction, ERROR_FRAGMENT_OUT_OF_SEQUENCE,
                                    "unexpected fragment %d of %d" % (current, total))
            self.pending[3].extend(piece)
            self.pending = (transaction, total, current + 1, self.pending[3])
        if self.pending[2] < total:
            return None
        payload = bytes(self.pending[3])
        self.pending = None
        if len(payload) < COMMAND_FIXED_LEN:
            raise FragmentError(transaction, ERROR_LENGTH_MISMATCH, "command payload of %d bytes" % len(payload))
        service = payload[:16]
        cid, command_type, info_len = struct.unpack_from("<III", payload, 16)
        info = payload[COMMAND_FIXED_LEN:]
        if info_len != len(info):
            raise FragmentError(transaction, ERROR_LENGTH_MISMATCH,
                                "InformationBufferLength %d but %d bytes follow" % (info_len, len(info)))
        return Command(transaction, service, cid, command_type, info)


def pad4(data):
    return bytes(data) + b"\x00" * ((4 - len(data) % 4) % 4)


class InfoBuilder:
    """Builds an information buffer: fixed fields first, variable data after them.

    Offsets are relative to the start of the buffer. ref() writes the usual
    (offset, length) pair; uicc_ref() writes (length, offset), the order the
    Microsoft UICC low-level access structures use.
    """

    def __init__(self):
        self.fixed = []  # items: bytes, or (kind, data)

    def u32(self, value):
        self.fixed.append(struct.pack("<I", value))
        return self

    def raw(self, data):
        self.fixed.append(bytes(data))
        return self

    def ref(self, data):
        self.fixed.append(("ol", bytes(data)))
        return self

    def uicc_ref(self, data):
        self.fixed.append(("lo", bytes(data)))
        return self

    def string(self, text):
        return self.ref(text.encode("utf-16-le"))

    def build(self):
        fixed_len = sum(8 if isinstance(item, tuple) else len(item) for item in self.fixed)
        head = bytearray()
        tail = bytearray()
        for item in self.fixed:
            if not isinstance(item, tuple):
                head.extend(item)
                continue
            kind, data = item
            offset = fixed_len + len(tail) if len(data) > 0 else 0
            if kind == "ol":
                head.extend(struct.pack("<II", offset, len(data)))
            else:
                head.extend(struct.pack("<II", len(data), offset))
            tail.extend(pad4(data))
        return bytes(head + tail)


class InfoError(Exception):
    pass


def read_u32(info, offset, name):
    if offset + 4 > len(info):
        raise InfoError("%s at offset %d beyond a %d-byte buffer" % (name, offset, len(info)))
    return struct.unpack_from("<I", info, offset)[0]


def read_ref(info, offset, name, length_first=False):
    """The bytes an (offset, length) or (length, offset) pair at offset points to."""
    first = read_u32(info, offset, name)
    second = read_u32(info, offset + 4, name)
    data_offset, data_len = (second, first) if length_first else (first, second)
    if data_len == 0:
        return b""
    if data_offset + data_len > len(info):
        raise InfoError("%s: %d bytes at offset %d overrun a %d-byte buffer"
                        % (name, data_len, data_offset, len(info)))
    return bytes(info[data_offset:data_offset + data_len])

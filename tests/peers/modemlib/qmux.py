# SPDX-License-Identifier: Apache-2.0
"""QMUX framing and QMI TLVs, as spoken on a Qualcomm modem's control port.

Frame: 0x01 marker, u16 length (everything after the marker), u8 control flags
(0x00 from the host, 0x80 from the modem), u8 service, u8 client id, then the
QMI message. QMI_CTL (service 0) messages have a 6-byte header: u8 flags
(0 request, 1 response, 2 indication), u8 transaction, u16 message id, u16 TLV
length. Every other service has a 7-byte header with a u16 transaction and the
flags 0 request, 2 response, 4 indication. All integers are little endian.
TLVs: u8 type, u16 length, value. Responses carry the result TLV 0x02:
u16 status (0 success, 1 failure) and u16 QMI protocol error code.
"""

import struct

QMUX_MARKER = 0x01
QMUX_FLAG_SERVICE = 0x80
QMUX_HEADER_LEN = 6  # marker, length, flags, service, client

CTL_FLAG_RESPONSE = 0x01
SERVICE_FLAG_RESPONSE = 0x02

SERVICE_CTL = 0x00
SERVICE_UIM = 0x0B

# QMI protocol error codes (libqmi QmiProtocolError).
ERR_NONE = 0
ERR_MALFORMED_MESSAGE = 1
ERR_INTERNAL = 3
ERR_CLIENT_IDS_EXHAUSTED = 5
ERR_INVALID_CLIENT_ID = 7
ERR_MISSING_ARGUMENT = 17
ERR_ARGUMENT_TOO_LONG = 19
ERR_INVALID_SERVICE_TYPE = 31
ERR_INVALID_ARGUMENT = 48
ERR_DEVICE_NOT_READY = 52
ERR_INSUFFICIENT_RESOURCES = 68
ERR_INVALID_QMI_COMMAND = 71
ERR_SIM_FILE_NOT_FOUND = 80
ERR_ACCESS_DENIED = 82


class MalformedTlv(Exception):
    pass


class QmiMessage:
    def __init__(self, service, client, flags, transaction, message_id, tlvs):
        self.service = service
        self.client = client
        self.flags = flags
        self.transaction = transaction
        self.message_id = message_id
        self.tlvs = tlvs  # dict type -> bytes (value), or None when malformed

    def is_request(self):
        return self.flags == 0


class QmuxParser:
    """Splits a byte stream into QMUX frames; resynchronises on the marker byte."""

    def __init__(self):
        self.buffer = bytearray()
        self.garbage = 0

    def feed(self, data):
        self.buffer.extend(data)

    def frames(self):
        out = []
        while True:
            start = self.buffer.find(bytes([QMUX_MARKER]))
            if start < 0:
                self.garbage += len(self.buffer)
                self.buffer.clear()
                return out
            if start > 0:
                self.garbage += start
                del self.buffer[:start]
            if len(self.buffer) < 3:
                return out
            length = struct.unpack_from("<H", self.buffer, 1)[0]
            if length < QMUX_HEADER_LEN - 1:
                # Cannot be a frame: drop the marker and look for the next one.
                self.garbage += 1
                del self.buffer[:1]
                continue
            if len(self.buffer) < 1 + length:
                return out
            frame = bytes(self.buffer[:1 + length])
            del self.buffer[:1 + length]
            out.append(frame)


def parse_tlvs(data):
    """dict of TLV type -> value; raises MalformedTlv when a length overruns."""
    tlvs = {}
    offset = 0
    while offset < len(data):
        if len(data) - offset < 3:
            raise MalformedTlv("truncated TLV header at offset %d" % offset)
        tlv_type = data[offset]
        tlv_len = struct.unpack_from("<H", data, offset + 1)[0]
        offset += 3
        if len(data) - offset < tlv_len:
            raise MalformedTlv("TLV 0x%02x length %d overruns message" % (tlv_type, tlv_len))
        tlvs[tlv_type] = bytes(data[offset:offset + tlv_len])
        offset += tlv_len
    return tlvs


def parse_frame(frame):
    """QmiMessage from one QMUX frame, or None if the header itself is short.

    A message whose TLV area is inconsistent gets tlvs=None so the caller can
    still answer it with MalformedMessage.
    """
    if len(frame) < QMUX_HEADER_LEN:
        return None
    _, length, qflags, service, client = struct.unpack_from("<BHBBB", frame, 0)
    sdu = frame[QMUX_HEADER_LEN:]
    if service == SERVICE_CTL:
        if len(sdu) < 6:
            return None
        flags, transaction, message_id, tlv_len = struct.unpack_from("<BBHH", sdu, 0)
        body = sdu[6:]
    else:
        if len(sdu) < 7:
            return None
        flags, transaction, message_id, tlv_len = struct.unpack_from("<BHHH", sdu, 0)
        body = sdu[7:]
    tlvs = None
    if tlv_len <= len(body):
        try:
            tlvs = parse_tlvs(body[:tlv_len])
        except MalformedTlv:
            tlvs = None
    msg = QmiMessage(service, client, flags, transaction, message_id, tlvs)
    msg.qmux_flags = qflags
    return msg


def tlv(tlv_type, value):
    return struct.pack("<BH", tlv_type, len(value)) + bytes(value)


def result_tlv(error):
    return tlv(0x02, struct.pack("<HH", 0 if error == ERR_NONE else 1, error))


def build_response(request, error, tlvs=b""):
    """The response frame to request: result TLV first, then tlvs (already encoded)."""
    body = result_tlv(error) + tlvs
    if request.service == SERVICE_CTL:
        sdu = struct.pack("<BBHH", CTL_FLAG_RESPONSE, request.transaction & 0xFF,
                          request.message_id, len(body)) + body
    else:
        sdu = struct.pack("<BHHH", SERVICE_FLAG_RESPONSE, request.transaction & 0xFFFF,
                          request.message_id, len(body)) + body
    length = QMUX_HEADER_LEN - 1 + len(sdu)
    return struct.pack("<BHBBB", QMUX_MARKER, length, QMUX_FLAG_SERVICE,
                       request.service, request.client) + sdu


def build_request(service, client, transaction, message_id, tlvs=b""):
    """A host-side request frame (used by the self-tests)."""
    if service == SERVICE_CTL:
        sdu = struct.pack("<BBHH", 0, transaction & 0xFF, message_id, len(tlvs)) + tlvs
    else:
        sdu = struct.pack("<BHHH", 0, transaction & 0xFFFF, message_id, len(tlvs)) + tlvs
    length = QMUX_HEADER_LEN - 1 + len(sdu)
    return struct.pack("<BHBBB", QMUX_MARKER, length, 0, service, client) + sdu

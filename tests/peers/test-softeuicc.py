#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""Self-test of the software eUICC: APDU mechanics, every ES10 answer decoded and
checked against the SGP.32 v1.2 / SGP.22 v2.5 ASN.1, the certificate chain, the
EID check digits, and each fault.  Run by `make check`; exit status 0 = all passed."""

import datetime
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import unittest

sys.dont_write_bytecode = True
HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

from softeuicc import SoftEuicc, ISDR_AID, client, deviations, ids, pki, es10_package  # noqa: E402
from softeuicc.es10_info import encode_euicc_info1  # noqa: E402
from softeuicc.es10_notifications import encode_epr_signed, add_package_result  # noqa: E402
import pyder  # noqa: E402
from pyder import tlv  # noqa: E402

from cryptography import x509  # noqa: E402
from cryptography.exceptions import InvalidSignature  # noqa: E402
from cryptography.hazmat.primitives import hashes, serialization  # noqa: E402
from cryptography.hazmat.primitives.asymmetric import ec  # noqa: E402
from cryptography.hazmat.primitives.asymmetric.utils import (  # noqa: E402
    decode_dss_signature, encode_dss_signature)

INIT = os.path.join(HERE, "softeuicc", "init.py")
PYTHON = os.environ.get("PYTHON3") or sys.executable
EID = "89049032123451234512345678901235"
SGP26_CI_SKI = bytes.fromhex("F54172BDF98A95D65CBEB88A38A1C11D800A85C3")

# test-vectors.md section C
VEC_EUICC_INFO1 = ("BF20358203020300A9160414F54172BDF98A95D65CBEB88A38A1C11D800A85C3AA160414F54172"
                   "BDF98A95D65CBEB88A38A1C11D800A85C3")
VEC_EPR = ("BF5167A0653020800465696D31810101820801020304050607088301073008830100BF2D02A0005F3740"
           + "AA" * 64)
VEC_ADD_INITIAL_EIM = ("BF5725A0233021800465696D31810F65696D2E6578616D706C652E636F6D8201028301018702"
                       "0780")
VEC_LOAD_PSMO = ("BF517F303A800465696D315A10890490321234512345123456789012358101018208010203040506"
                 "0708A013A30E5A0A980010325476981032850500BF2D005F3740" + "AA" * 64)
VEC_LOAD_ECO = ("BF5181883043800465696D315A1089049032123451234512345678901235810102A126A822800465"
                "696D32811065696D322E6578616D706C652E636F6D82010283010187020780AB005F3740"
                + "AA" * 64)
VEC_EPE_UNSIGNED = "BF5112A210800465696D3182080102030405060708"
VEC_CONFIGURE_IE = "BF591480008210736D64702E6578616D706C652E636F6D"

TMP = tempfile.mkdtemp(prefix="softeuicc-test-")
TEMPLATE = os.path.join(TMP, "template.json")
TEMPLATE_EIM = os.path.join(TMP, "template-eim.json")
TEMPLATE_PKG = os.path.join(TMP, "template-pkg.json")
# The eIM key that signs the test packages (its public key goes into the card).
EIM_KEY = ec.generate_private_key(ec.SECP256R1())


def run_init(*args):
    env = dict(os.environ, PYTHONDONTWRITEBYTECODE="1")
    return subprocess.run([PYTHON, INIT] + list(args), capture_output=True, text=True, env=env)


def setUpModule():
    pem = os.path.join(TMP, "eim1-pub.pem")
    with open(pem, "wb") as f:
        f.write(EIM_KEY.public_key().public_bytes(serialization.Encoding.PEM,
                                                  serialization.PublicFormat.SubjectPublicKeyInfo))
    for path, extra in ((TEMPLATE, []),
                        (TEMPLATE_EIM, ["--add-initial-eim",
                                        "eimId=eim1,fqdn=127.0.0.1:8443,counter=1,token=1"]),
                        (TEMPLATE_PKG, ["--add-initial-eim", "eimId=eim1,fqdn=eim.example.com,"
                                        "counter=0,pubkey=" + pem])):
        r = run_init("--state", path, *extra)
        if r.returncode != 0 or r.stdout or r.stderr:
            raise RuntimeError("init.py failed (%d): %s %s" % (r.returncode, r.stdout, r.stderr))


def tearDownModule():
    shutil.rmtree(TMP, ignore_errors=True)


def hx(s):
    return bytes.fromhex(s.replace(" ", ""))


def cert_from_tagged(node):
    """A certificate carried under an implicit tag (A5/A6) -> x509 object."""
    return x509.load_der_x509_certificate(tlv(0x30, node.value))


class CardTest(unittest.TestCase):
    template = TEMPLATE

    def setUp(self):
        self.path = os.path.join(TMP, "%s.json" % self.id().rsplit(".", 1)[-1])
        shutil.copy(self.template, self.path)
        self.card = SoftEuicc(self.path)

    def tx(self, h):
        r = self.card.transmit(hx(h) if isinstance(h, str) else h)
        self.assertGreaterEqual(len(r), 2)
        return r[:-2], r[-2:].hex().upper()

    def es10(self, req, ch=None, block=255):
        opened = ch is None
        if opened:
            ch = client.open_isdr(self.card)
        resp = client.es10(self.card, ch, hx(req) if isinstance(req, str) else req, block)
        if opened:
            client.close(self.card, ch)
        pyder.validate(resp)
        return pyder.decode(resp)

    def state(self):
        with open(self.path) as f:
            return json.load(f)

    def write_faults(self, faults):
        self.set_state_key("faults", faults)

    def set_state_key(self, key, value):
        d = self.state()
        d[key] = value
        with open(self.path + ".new", "w") as f:
            json.dump(d, f)
        os.replace(self.path + ".new", self.path)


class SectionA(CardTest):
    """The start-up sequence of test-vectors.md section A, byte for byte."""
    template = TEMPLATE_EIM

    def test_startup_sequence(self):
        self.assertEqual(self.tx("80 AA 00 00 05 A9 03 83 01 07"), (b"", "9000"))
        self.assertEqual(self.tx("00 70 00 00 01"), (b"\x01", "9000"))
        data, sw = self.tx("01 A4 04 04 10 A0000005591010FFFFFFFF8900000100")
        self.assertEqual((data, sw[:2]), (b"", "61"))
        fci, sw2 = self.tx("01 C0 00 00 " + sw[2:])
        self.assertEqual(sw2, "9000")
        self.assertEqual(len(fci), int(sw[2:], 16))
        t = pyder.decode(fci, expect=0x6F)
        self.assertEqual(t.req(0x84).value, ISDR_AID)
        self.assertEqual(t.req(0xE1).req(0x80).bits(), {1})      # enabledProfile; [0] (automatic tags)
        data, sw = self.tx("81 E2 91 00 06 BF3E035C015A")
        self.assertEqual((data, sw), (b"", "6115"))
        data, sw = self.tx("01 C0 00 00 15")
        self.assertEqual(sw, "9000")
        self.assertEqual(data, hx("BF3E125A10" + EID))
        data, sw = self.tx("81 E2 91 00 03 BF5500")
        self.assertEqual(sw[:2], "61")
        data, sw = self.tx("01 C0 00 00 " + sw[2:])
        self.assertEqual(sw, "9000")
        conf = pyder.decode(data, expect=0xBF55).req(0xA0).children()
        self.assertEqual([c.req(0x80).str() for c in conf], ["eim1"])
        data, sw = self.tx("81 E2 91 00 03 BF2B00")
        self.assertEqual(sw, "6100")                           # 256 or more bytes waiting
        out = b""
        while sw[:2] == "61":
            data, sw = self.tx("01 C0 00 00 " + sw[2:])
            self.assertLessEqual(len(data), 256)
            out += data
        self.assertEqual(sw, "9000")
        self.assertEqual(len(pyder.decode(out, expect=0xBF2B).req(0xA0).children()), 3)
        self.assertEqual(self.tx("00 70 80 01 00"), (b"", "9000"))
        self.assertEqual(self.tx("81 E2 91 00 03 BF5500"), (b"", "6881"))


class Mechanics(CardTest):
    def test_store_data_multi_block_and_order(self):
        ch = client.open_isdr(self.card)
        # Block 00 (more), then a block numbered 02: the card refuses the order.
        self.assertEqual(self.tx("81 E2 11 00 02 BF2D"), (b"", "9000"))
        self.assertEqual(self.tx("81 E2 91 02 01 00"), (b"", "6A86"))
        # A fresh command starting at 00 works after that, in two blocks.
        self.assertEqual(self.tx("81 E2 11 00 02 BF2D"), (b"", "9000"))
        _, sw = self.tx("81 E2 91 01 01 00")
        self.assertEqual(sw, "6100")
        out = client.fetch(self.card, ch, 0x6100, "GetProfilesInfo")
        self.assertEqual(len(pyder.decode(out, expect=0xBF2D).req(0xA0).children()), 3)
        # Starting with block 01 is refused too; a bad P1 as well.
        self.assertEqual(self.tx("81 E2 91 01 03 BF2D00"), (b"", "6A86"))
        self.assertEqual(self.tx("81 E2 81 00 03 BF2D00"), (b"", "6A86"))
        # No data at all: wrong length.
        self.assertEqual(self.tx("81 E2 91 00"), (b"", "6700"))

    def test_large_request_in_small_blocks(self):
        cert = pki.cert_der(self.card.state["pki"]["eum_cert"])
        spki = pki.load_cert(self.card.state["pki"]["eum_cert"]).public_key().public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
        conf = tlv(0x30, [pyder.enc_utf8("big", tag=0x80), pyder.enc_integer(5, tag=0x83),
                          tlv(0xA5, tlv(0xA0, pyder.decode(spki).value)),
                          tlv(0xA6, tlv(0xA1, pyder.decode(cert).value))])
        req = tlv(0xBF57, tlv(0xA0, conf))
        self.assertGreater(len(req), 3 * 120)
        r = self.es10(req, block=120)
        self.assertEqual(r.raw, hx("BF5704A0020500"))
        got = self.es10("BF5500").req(0xA0).children()[0]
        self.assertEqual(got.req(0xA5).children()[0].tag, 0xA0)
        self.assertEqual(tlv(0x30, got.req(0xA5).children()[0].value), spki)
        self.assertEqual(tlv(0x30, got.req(0xA6).children()[0].value), cert)

    def test_max_block_255(self):
        ch = client.open_isdr(self.card)
        # GetProfilesInfo with a 250-byte tagList (every tag known) is one full block.
        taglist = b"\x5A" * 248
        req = tlv(0xBF2D, tlv(0x5C, taglist))
        self.assertEqual(len(req), 255)
        _, sw = self.tx(bytes([0x80 | ch, 0xE2, 0x91, 0x00, 0xFF]) + req)
        self.assertEqual(sw[:2], "61")
        # Extended length is not offered.
        self.assertEqual(self.tx("81 E2 91 00 00 00 03 BF2D00"), (b"", "6700"))

    def test_get_response_pieces_and_6c(self):
        ch = client.open_isdr(self.card)
        _, sw = self.tx("81 E2 91 00 03 BF2000")
        total = int(sw[2:], 16)
        self.assertEqual(sw[:2], "61")
        data, sw = self.tx("01 C0 00 00 10")                 # less than available
        self.assertEqual(len(data), 0x10)
        self.assertEqual(sw, "61%02X" % (total - 0x10))
        self.assertEqual(self.tx("01 C0 00 00 FF"), (b"", "6C%02X" % (total - 0x10)))
        rest, sw = self.tx("01 C0 00 00 %02X" % (total - 0x10))
        self.assertEqual(sw, "9000")
        pyder.decode(data + rest, expect=0xBF20)
        self.assertEqual(self.tx("01 C0 00 00 10"), (b"", "6985"))   # nothing pending
        # Another command discards unread response data.
        self.tx("81 E2 91 00 03 BF2000")
        self.tx("01 A4 04 0C 10" + ISDR_AID.hex())
        self.assertEqual(self.tx("01 C0 00 00 00"), (b"", "6985"))
        self.assertEqual(ch, 1)

    def test_class_and_instruction_errors(self):
        self.assertEqual(self.tx("A0 A4 00 00 02 3F00"), (b"", "6E00"))   # GSM class
        self.assertEqual(self.tx("FF A4 00 00 00"), (b"", "6E00"))
        self.assertEqual(self.tx("82 E2 91 00 03 BF2000"), (b"", "6881"))  # channel 2 closed
        self.assertEqual(self.tx("C3 E2 91 00 03 BF2000"), (b"", "6881"))  # channel 7 closed
        self.assertEqual(self.tx("80 E2 91 00 03 BF2000"), (b"", "6985"))  # no ISD-R on ch 0
        self.assertEqual(self.tx("00 E2 91 00 03 BF2000"), (b"", "6E00"))  # STORE DATA needs 80
        self.assertEqual(self.tx("80 CA 00 5A 00"), (b"", "6D00"))
        self.assertEqual(self.tx("8C E2 91 00 03 BF2000"), (b"", "6882"))  # secure messaging
        self.assertEqual(self.tx("80 E2"), (b"", "6700"))
        self.assertEqual(self.tx("80 AA 00 00 02 A9 05"), (b"", "6A80"))    # bad TLV
        self.assertEqual(self.tx("00 A4 04 00 05 A000000087"), (b"", "6A82"))

    def test_channel_limit_and_stale_channels(self):
        # Three channels besides the basic one by default; a fourth is refused with 6881 until one closes.
        opened = [self.tx("00 70 00 00 01")[0][0] for _ in range(3)]
        self.assertEqual(opened, [1, 2, 3])
        self.assertEqual(self.tx("00 70 00 00 01"), (b"", "6881"))
        self.assertEqual(self.card.open_channel(ISDR_AID), (0, b"", b"\x68\x81"))
        # A new SoftEuicc object on the same state is a new card session; the old one keeps its channels.
        self.assertEqual(self.tx("00 70 80 02 00"), (b"", "9000"))
        self.assertEqual(self.tx("00 70 00 00 01"), (b"\x02", "9000"))
        self.card.reset()
        self.assertEqual(self.tx("00 70 00 00 01"), (b"\x01", "9000"))

    def test_select_p2_and_terminal_capability_order(self):
        self.assertEqual(self.tx("80 AA 00 00 05 A903830107"), (b"", "9000"))
        self.assertEqual(self.tx("00 70 00 00 01"), (b"\x01", "9000"))
        self.assertTrue(self.card.terminal_capability_first)
        _, sw = self.tx("01 A4 04 04 10" + ISDR_AID.hex())
        self.assertEqual(sw[:2], "61")
        self.assertEqual(self.tx("01 A4 04 08 10" + ISDR_AID.hex()), (b"", "6A86"))
        self.assertEqual(self.card.selects, [(0x04, None), (0x08, None)])
        self.card.reset()
        self.assertEqual(self.tx("00 70 00 00 01"), (b"\x01", "9000"))
        self.assertFalse(self.card.terminal_capability_first)

    def test_many_channels_and_further_class(self):
        self.set_state_key("logical_channels", 19)
        opened = []
        for _ in range(19):
            data, sw = self.tx("00 70 00 00 01")
            self.assertEqual(sw, "9000")
            opened.append(data[0])
        self.assertEqual(opened, list(range(1, 20)))
        self.assertEqual(self.tx("00 70 00 00 01"), (b"", "6881"))
        # Channel 9: SELECT with class 45, STORE DATA with C5, GET RESPONSE with 45.
        _, sw = self.tx("45 A4 04 0C 10" + ISDR_AID.hex())
        self.assertEqual(sw, "9000")
        _, sw = self.tx("C5 E2 91 00 06 BF3E035C015A")
        self.assertEqual(sw, "6115")
        self.assertEqual(self.tx("45 C0 00 00 15"), (hx("BF3E125A10" + EID), "9000"))
        self.assertEqual(self.tx("00 70 80 09 00"), (b"", "9000"))
        self.assertEqual(self.tx("00 70 80 09 00"), (b"", "6881"))
        self.assertEqual(self.tx("00 70 80 00 00"), (b"", "6A86"))

    def test_open_channel_api_and_reset(self):
        ch, fci, sw = self.card.open_channel(ISDR_AID)
        self.assertEqual((ch, sw), (1, b"\x90\x00"))
        self.assertEqual(pyder.decode(fci, expect=0x6F).req(0x84).value, ISDR_AID)
        self.assertEqual(self.card.open_channel(hx("A0000000871002FF")), (0, b"", b"\x6a\x82"))
        self.set_state_key("card_kind", "sgp22")   # SetNickname is a consumer eUICC's
        r = self.es10("BF29125A0A98001032547698103285900473696D31", ch=ch)   # SetNickname
        self.assertEqual(r.raw, hx("BF2903800100"))
        self.assertEqual(self.card.close_channel(ch), b"\x90\x00")
        self.assertEqual(self.card.close_channel(ch), b"\x68\x81")
        ch, _, _ = self.card.open_channel(ISDR_AID)
        self.assertEqual(self.card.reset(), self.card.atr)
        self.assertEqual(self.tx("81 E2 91 00 03 BF2000"), (b"", "6881"))
        # Persistent state survives reset and a new card object.
        card2 = SoftEuicc(self.path)
        self.card = card2
        info = self.es10("BF2D085C065A909F709192").req(0xA0).children()
        self.assertEqual(info[0].req(0x90).str(), "sim1")
        self.assertEqual(info[0].req(0x9F70).int(), 1)
        self.assertIsNone(info[0].find(0x4F))                # not in the tagList

    def test_atr(self):
        atr = self.card.atr
        self.assertEqual(atr[0], 0x3B)
        tck = 0
        for b in atr[1:]:
            tck ^= b
        self.assertEqual(tck, 0)                             # T=15 present: TCK checks
        self.assertEqual(len(atr) - 2 - 4 - 1, atr[1] & 0x0F)  # 4 interface bytes, history, TCK


class Es10Answers(CardTest):
    template = TEMPLATE_EIM

    def test_get_eid_and_addresses(self):
        self.assertEqual(self.es10("BF3E035C015A").raw, hx("BF3E125A10" + EID))
        a = self.es10("BF3C00")
        self.assertEqual(a.tag, 0xBF3C)
        self.assertEqual(a.req(0x80).str(), "smdp.example.com")
        self.assertEqual(a.req(0x81).str(), "lpa.ds.gsma.com")

    def test_euicc_info1(self):
        r = self.es10("BF2000")
        self.assertEqual(r.req(0x82).value, b"\x02\x03\x00")
        ski = pki.subject_key_id(self.card.state["pki"]["ci_cert"])
        for t in (0xA9, 0xAA):
            self.assertEqual([c.value for c in r.req(t).children()], [ski])
            self.assertEqual(r.req(t).children()[0].tag, 0x04)
        # The encoder reproduces the reference vector exactly.
        self.assertEqual(encode_euicc_info1(b"\x02\x03\x00", [SGP26_CI_SKI], [SGP26_CI_SKI]),
                         hx(VEC_EUICC_INFO1))

    def test_euicc_info2(self):
        r = self.es10("BF2200")
        self.assertEqual(r.tag, 0xBF22)
        tags = [c.tag for c in r.children()]
        # Mandatory SGP32-EUICCInfo2 fields, in ASN.1 order.
        required = [0x81, 0x82, 0x83, 0x84, 0x85, 0x88, 0xA9, 0xAA, 0x04, 0x0C]
        self.assertEqual([t for t in tags if t in required], required)
        order = [0x81, 0x82, 0x83, 0x84, 0x85, 0x86, 0x87, 0x88, 0xA9, 0xAA, 0x8B, 0x99, 0x04,
                 0x0C, 0xAC, 0x8D, 0x8E, 0xAF, 0x90, 0xB1, 0x92, 0x93, 0xB4]
        self.assertEqual(tags, [t for t in order if t in tags])
        for t in (0x81, 0x82, 0x83, 0x86, 0x87, 0x04):
            self.assertEqual(len(r.req(t).value), 3, "VersionType %X" % t)
        self.assertIn(1, r.req(0x85).bits())                 # usimSupport
        self.assertEqual(r.req(0x90).int(), 0)               # ipaMode ipad
        iot = r.req(0xB4)
        self.assertEqual([v.value for v in iot.req(0xA0).children()], [b"\x01\x02\x00"])
        cdo = r.req(0xAC)
        self.assertEqual([c.tag for c in cdo.children()], [0x80, 0x81])
        pyder.validate(r.req(0x84).value)                    # TS 102 226 TLVs

    def test_challenge(self):
        a = self.es10("BF2E00")
        b = self.es10("BF2E00")
        self.assertEqual(len(a.req(0x80).value), 16)
        self.assertEqual(len(a.children()), 1)
        self.assertNotEqual(a.req(0x80).value, b.req(0x80).value)
        self.assertEqual(self.card.challenge, b.req(0x80).value)

    def test_profiles_info(self):
        lst = self.es10("BF2D00").req(0xA0).children()
        self.assertGreaterEqual(len(lst), 2)
        states = []
        for e in lst:
            self.assertEqual(e.tag, 0xE3)
            iccid = ids.iccid_from_ef(e.req(0x5A).value)
            self.assertTrue(ids.iccid_is_valid(iccid), iccid)
            states.append(e.req(0x9F70).int())
            self.assertIn(e.req(0x95).int(), (0, 1, 2))
            for t in (0x90, 0x91, 0x92):
                e.req(t).str()
            self.assertEqual(len(e.req(0x4F).value), 16)
        self.assertEqual(sorted(states), [0] * (len(lst) - 1) + [1])
        self.assertEqual({e.req(0x95).int() for e in lst}, {0, 2})
        # search by ICCID (the reference ICCID of the enabled profile)
        one = self.es10("BF2D0EA00C5A0A98001032547698103285").req(0xA0).children()
        self.assertEqual([ids.iccid_from_ef(e.req(0x5A).value) for e in one],
                         ["89000123456789012358"])
        # search by class test(0), tagList 5A 95
        tst = self.es10("BF2D0AA003950100" "5C035A9F70").req(0xA0).children()
        self.assertEqual(len(tst), 1)
        self.assertEqual([c.tag for c in tst[0].children()], [0x5A, 0x9F70])
        self.assertEqual(self.es10("BF2D0EA00C5A0A00000000000000000000").req(0xA0).children(), [])
        # malformed search criteria -> profileInfoListError incorrectInputValues
        self.assertEqual(self.es10("BF2D06A0048002FFFF").raw, hx("BF2D03810101"))

    def test_rat(self):
        rules = self.es10("BF4300").req(0xA0).children()
        self.assertEqual(len(rules), 1)
        r = rules[0]
        self.assertEqual(r.tag, 0x30)
        self.assertEqual(r.req(0x80).bits(), {1})
        self.assertEqual(r.req(0xA1).children()[0].req(0x80).value, hx("EEEEEE"))
        self.assertEqual(r.req(0x82).bits(), {0})

    def test_unknown_and_malformed(self):
        ch = client.open_isdr(self.card)
        for req, sw in (("BF7E00", 0x6A88), ("BF7F00", 0x6A88), ("BF2D05", 0x6A80),
                        ("BF2000FF", 0x6A80), ("30820000", 0x6A80)):
            with self.assertRaises(client.CardError) as cm:
                client.es10(self.card, ch, hx(req))
            self.assertEqual(cm.exception.sw, sw, req)
        self.assertEqual(client.es10(self.card, ch, hx("BF411580100102030405060708090A0B0C0D0E"
                                                       "0F10810101")), hx("BF4103810105"))


class CardKinds(CardTest):
    """The modes that stand for cards euiccd cannot manage, and the IPAe."""
    template = TEMPLATE_EIM

    def test_plain_uicc_has_no_isdr(self):
        self.set_state_key("card_kind", "uicc")
        self.assertEqual(self.card.open_channel(ISDR_AID), (0, b"", b"\x6a\x82"))
        ch, sw = self.tx("0070000001")
        self.assertEqual(sw, "9000")
        _, sw = self.tx("%02XA4040410" % ch[0] + ISDR_AID.hex())
        self.assertEqual(sw, "6A82")

    def test_m2m_isdr_refuses_es10(self):
        self.set_state_key("card_kind", "m2m")
        ch, fci, sw = self.card.open_channel(ISDR_AID)
        self.assertEqual(sw, b"\x90\x00")
        self.assertEqual([c.tag for c in pyder.decode(fci).children()], [0x84, 0xA5])
        _, sw = self.tx(bytes([0x80 | ch]) + hx("E29100" "06" "BF3E035C015A"))
        self.assertEqual(sw, "6982")

    def test_sgp22_consumer_euicc(self):
        # An IoT eUICC does not know SetNickname (SGP.22 ES10c only).
        ch, _, _ = self.card.open_channel(ISDR_AID)
        with self.assertRaises(client.CardError) as cm:
            client.es10(self.card, ch, hx("BF29125A0A98001032547698103285900473696D31"))
        self.assertEqual(cm.exception.sw, 0x6A88)
        client.close(self.card, ch)
        self.set_state_key("card_kind", "sgp22")
        ch, fci, sw = self.card.open_channel(ISDR_AID)
        self.assertEqual(sw, b"\x90\x00")
        # An SGP.22 ISD-R: E0 template, no SGP.32 E1.
        self.assertEqual([c.tag for c in pyder.decode(fci).children()], [0x84, 0xA5, 0xE0])
        for req in ("BF5500", "BF5700", "BF510330" "0100", "BF5800"):
            with self.assertRaises(client.CardError) as cm:
                client.es10(self.card, ch, hx(req))
            self.assertEqual(cm.exception.sw, 0x6A88, req)
        client.close(self.card, ch)
        self.assertTrue(self.es10("BF3C00").children())   # the SGP.22 functions still answer
        # SetNickname, which only a consumer eUICC has: by ICCID, then an ICCID it does not hold.
        nickname = "BF29125A0A%s900473696D31" % ids.iccid_to_ef(self.state()["profiles"][1]["iccid"]).hex()
        self.assertEqual(self.es10(nickname).raw, hx("BF2903800100"))
        self.assertEqual(self.state()["profiles"][1]["nickname"], "sim1")
        self.assertEqual(self.es10("BF29125A0A98001032547698000000900473696D31").raw, hx("BF2903800101"))
        self.assertTrue(self.es10("BF4300").req(0xA0).children())
        # An SGP.22 EUICCInfo2: no ipaMode (90), no iotSpecificInfo (B4).
        tags = [c.tag for c in self.es10("BF2200").children()]
        self.assertIn(0xAA, tags)
        self.assertNotIn(0x90, tags)
        self.assertNotIn(0xB4, tags)
        # GetCerts only with the switch; a status word fault comes before the consumer card's refusal.
        ch, _, _ = self.card.open_channel(ISDR_AID)
        with self.assertRaises(client.CardError) as cm:
            client.es10(self.card, ch, hx("BF5600"))
        self.assertEqual(cm.exception.sw, 0x6A88)
        client.close(self.card, ch)
        self.set_state_key("sgp22_get_certs", True)
        self.assertEqual([c.tag for c in self.es10("BF5600").req(0xA0).children()], [0xA5, 0xA6])
        self.set_state_key("faults", ["sw:BF55:6D00"])
        ch, _, _ = self.card.open_channel(ISDR_AID)
        with self.assertRaises(client.CardError) as cm:
            client.es10(self.card, ch, hx("BF5500"))
        self.assertEqual(cm.exception.sw, 0x6D00)
        client.close(self.card, ch)

    def test_es10c_profile_operations(self):
        enabled, disabled = self.state()["profiles"][0], self.state()["profiles"][2]
        ef = {p["iccid"]: ids.iccid_to_ef(p["iccid"]).hex() for p in (enabled, disabled)}
        iccid = lambda p: "5A0A" + ef[p["iccid"]]                          # noqa: E731
        # Enable the disabled one by ICCID (refreshFlag FALSE: no REFRESH), then again: wrong state.
        self.assertEqual(self.es10("BF3111A00C" + iccid(disabled) + "810100").req(0x80).int(), 0)
        states = {p["iccid"]: p["state"] for p in self.state()["profiles"]}
        self.assertEqual((states[disabled["iccid"]], states[enabled["iccid"]]), ("enabled", "disabled"))
        self.assertEqual(self.es10("BF3111A00C" + iccid(disabled) + "810100").req(0x80).int(), 2)
        # By ISD-P AID; an unknown ICCID is not found.
        aid = "4F10" + enabled["isdp_aid"]
        self.assertEqual(self.es10("BF3117A012" + aid + "810100").req(0x80).int(), 0)
        self.assertEqual(self.es10("BF3111A00C5A0A98001032547698000099810100").req(0x80).int(), 1)
        # Disable the enabled one, delete it; an enabled profile is not deleted.
        self.assertEqual(self.es10("BF3217A012" + aid + "810100").req(0x80).int(), 0)
        self.assertEqual(self.es10("BF3217A012" + aid + "810100").req(0x80).int(), 2)
        self.assertEqual(self.es10("BF330C" + iccid(disabled)).req(0x80).int(), 0)
        self.assertNotIn(disabled["iccid"], [p["iccid"] for p in self.state()["profiles"]])
        self.assertEqual(self.es10("BF330C" + iccid(disabled)).req(0x80).int(), 1)

    def test_ipae_detected_and_switched(self):
        _, fci, _ = self.card.open_channel(ISDR_AID)
        self.assertNotIn(0, pyder.decode(fci).req(0xE1).req(0x80).bits())
        self.assertEqual(self.es10("BF420480020780").req(0x80).int(), 1)   # notSupported
        self.set_state_key("ipae", {"supported": True, "active": False})
        _, fci, _ = self.card.open_channel(ISDR_AID)
        self.assertIn(0, pyder.decode(fci).req(0xE1).req(0x80).bits())
        self.assertEqual(self.es10("BF2200").req(0x90).int(), 0)
        self.assertEqual(self.es10("BF420480020780").req(0x80).int(), 0)   # activate: ok
        self.assertEqual(self.es10("BF2200").req(0x90).int(), 1)           # ipaMode ipae
        self.assertEqual(self.es10("BF4203800100").req(0x80).int(), 0)     # deactivate
        self.assertFalse(self.state()["ipae"]["active"])


class Notifications(CardTest):
    def test_list_and_retrieve(self):
        meta = self.es10("BF2800").req(0xA0).children()
        self.assertEqual([m.req(0x80).int() for m in meta], [1, 2, 3])
        self.assertEqual([m.req(0x81).bits() for m in meta], [{0}, {1}, {3}])
        for m in meta:
            self.assertEqual(m.tag, 0xBF2F)
            m.req(0x0C).str()
            self.assertTrue(ids.iccid_is_valid(ids.iccid_from_ef(m.req(0x5A).value)))
        only_enable = self.es10("BF280481020560").req(0xA0).children()   # enable|disable
        self.assertEqual([m.req(0x80).int() for m in only_enable], [2])
        allp = self.es10("BF2B00").req(0xA0).children()
        self.assertEqual([n.tag for n in allp], [0xBF37, 0x30, 0x30])
        pub = pki.load_cert(self.card.state["pki"]["euicc_cert"]).public_key()
        # install result: BF27 data signed with the eUICC key
        pir = allp[0]
        data = pir.req(0xBF27)
        self.assertEqual(data.req(0xBF2F).req(0x80).int(), 1)
        data.req(0x80)
        data.req(0x06)
        self.assertEqual(data.req(0xA2).children()[0].tag, 0xA0)
        pki.verify_raw(pub, data.raw, pir.req(0x5F37).value)
        for n in allp[1:]:
            kids = n.children()
            self.assertEqual([k.tag for k in kids], [0xBF2F, 0x5F37, 0x30, 0x30])
            pki.verify_raw(pub, kids[0].raw, kids[1].value)
            x509.load_der_x509_certificate(kids[2].raw)
        by_seq = self.es10("BF2B05A003800102").req(0xA0).children()
        self.assertEqual(len(by_seq), 1)
        self.assertEqual(by_seq[0].req(0xBF2F).req(0x80).int(), 2)
        self.assertEqual(self.es10("BF2B05A003800105").raw, hx("BF2B02A000"))
        self.assertEqual(self.es10("BF2B04A0028200").raw, hx("BF2B02A200"))
        by_op = self.es10("BF2B06A00481020780").req(0xA0).children()    # install
        self.assertEqual([n.tag for n in by_op], [0xBF37])

    def test_remove(self):
        self.assertEqual(self.es10("BF3003800105").raw, hx("BF3003800101"))
        self.assertEqual(self.es10("BF3003800102").raw, hx("BF3003800100"))
        self.assertEqual([n["seq"] for n in self.state()["notifications"]], [1, 3])
        self.assertEqual(self.es10("BF3003800102").raw, hx("BF3003800101"))
        left = self.es10("BF2B00").req(0xA0).children()
        self.assertEqual(len(left), 2)

    def test_package_results(self):
        d = self.state()
        d["eims"] = [{"eimId": "eim1", "counterValue": 1, "associationToken": 7}]
        with open(self.path, "w") as f:
            json.dump(d, f)
        self.card = SoftEuicc(self.path)
        seq = add_package_result(self.card.state, "eim1", 2,
                                 [pyder.enc_integer(0, tag=0x83)], txid=hx("0102030405060708"))
        self.card.state.save()
        self.assertEqual(seq, 4)
        eprs = self.es10("BF2B04A0028200").req(0xA2).children()
        self.assertEqual(len(eprs), 1)
        signed = eprs[0].req(0xA0)
        data, sig = signed.children()
        self.assertEqual(data.req(0x83).int(), 4)
        pub = pki.load_cert(self.card.state["pki"]["euicc_cert"]).public_key()
        pki.verify_raw(pub, data.raw + hx("840107"), sig.value)
        self.assertEqual(self.es10("BF2B05A003800104").req(0xA2).children()[0].raw, eprs[0].raw)
        self.assertEqual(self.es10("BF3003800104").raw, hx("BF3003800100"))
        self.assertEqual(self.es10("BF2B04A0028200").raw, hx("BF2B02A200"))

    def test_epr_encoder_vector(self):
        got = encode_epr_signed("eim1", 1, 7, [pyder.enc_integer(0, tag=0x83),
                                               tlv(0xBF2D, tlv(0xA0))],
                                hx("0102030405060708"), lambda d: b"\xaa" * 64)
        self.assertEqual(got, hx(VEC_EPR))


class EimConfig(CardTest):
    def test_add_initial_eim_vector(self):
        self.assertEqual(self.es10("BF5500").raw, hx("BF5502A000"))
        self.assertEqual(self.es10(VEC_ADD_INITIAL_EIM).raw, hx("BF5704A0020500"))
        conf = self.es10("BF5500").req(0xA0).children()
        self.assertEqual(len(conf), 1)
        # What was given comes back, in the same encoding.
        self.assertEqual(conf[0].raw, hx(VEC_ADD_INITIAL_EIM)[5:])
        self.assertEqual(self.es10("BF5508A006800465696D31").raw, self.es10("BF5500").raw)
        self.assertEqual(self.es10("BF5508A006800465696D32").raw, hx("BF5502A000"))
        # A second AddInitialEim is refused: associatedEimAlreadyExists(2).
        self.assertEqual(self.es10(VEC_ADD_INITIAL_EIM).raw, hx("BF5703810102"))
        self.assertEqual(self.state()["eims"][0]["eimFqdn"], "eim.example.com")

    def test_add_initial_eim_checks(self):
        # empty list, missing eimId, unknown CI key id, negative counter
        u8 = pyder.enc_utf8
        cases = ((tlv(0xBF57, tlv(0xA0)), 7),
                 (tlv(0xBF57, tlv(0xA0, tlv(0x30, u8("a", tag=0x81)))), 7),
                 (tlv(0xBF57, tlv(0xA0, tlv(0x30, [u8("a", tag=0x80), tlv(0x88, b"\0" * 20)]))), 3),
                 (tlv(0xBF57, tlv(0xA0, tlv(0x30, [u8("a", tag=0x80),
                                                   pyder.enc_integer(-1, tag=0x83)]))), 6),
                 (tlv(0xBF57, tlv(0xA0, [tlv(0x30, u8("a", tag=0x80)),
                                         tlv(0x30, u8("a", tag=0x80))])), 2))
        for req, code in cases:
            self.assertEqual(self.es10(req).raw, tlv(0xBF57, pyder.enc_integer(code, tag=0x81)),
                             req.hex())
        self.assertEqual(self.state()["eims"], [])

    def test_init_with_keys_and_token(self):
        key = ec.generate_private_key(ec.SECP256R1())
        pem = os.path.join(TMP, "eim-pub.pem")
        with open(pem, "wb") as f:
            f.write(key.public_key().public_bytes(serialization.Encoding.PEM,
                                                  serialization.PublicFormat.SubjectPublicKeyInfo))
        tls = os.path.join(TMP, "tls.pem")
        with open(tls, "w") as f:
            f.write(self.card.state["pki"]["ci_cert"])
        path = os.path.join(TMP, "keys.json")
        r = run_init("--state", path, "--eid", "89086030202200000022000023022943",
                     "--add-initial-eim",
                     "eimId=eimA,fqdn=127.0.0.1:8443,counter=3,token=1,pubkey=%s,tls=%s,"
                     "protocol=retrieve-https+inject-https,indirect=1" % (pem, tls),
                     "--add-initial-eim", "eimId=eimB,counter=0")
        self.assertEqual((r.returncode, r.stdout, r.stderr), (0, "", ""))
        self.card = SoftEuicc(path)
        self.assertEqual(self.es10("BF3E035C015A").req(0x5A).value.hex(),
                         "89086030202200000022000023022943")
        a, b = self.es10("BF5500").req(0xA0).children()
        self.assertEqual(a.req(0x80).str(), "eimA")
        self.assertEqual(a.req(0x83).int(), 3)
        self.assertEqual(a.req(0x84).int(), 1)
        self.assertEqual(a.req(0x87).bits(), {0, 2})
        a.req(0x89)
        spki = key.public_key().public_bytes(serialization.Encoding.DER,
                                             serialization.PublicFormat.SubjectPublicKeyInfo)
        self.assertEqual(tlv(0x30, a.req(0xA5).req(0xA0).value), spki)
        with open(tls) as f:
            self.assertEqual(tlv(0x30, a.req(0xA6).req(0xA1).value), pki.cert_der(f.read()))
        self.assertEqual(b.req(0x80).str(), "eimB")
        self.assertIsNone(b.find(0x84))


class CertsAndIds(CardTest):
    def test_chain_verifies(self):
        r = self.es10("BF5600")
        certs = r.req(0xA0)
        eum = cert_from_tagged(certs.req(0xA5))
        euicc = cert_from_tagged(certs.req(0xA6))
        ci = pki.load_cert(self.card.state["pki"]["ci_cert"])
        for child, parent in ((ci, ci), (eum, ci), (euicc, eum)):
            parent.public_key().verify(child.signature, child.tbs_certificate_bytes,
                                       ec.ECDSA(child.signature_hash_algorithm))
            self.assertEqual(child.issuer, parent.subject)
        ski = x509.SubjectKeyIdentifier
        aki = x509.AuthorityKeyIdentifier
        self.assertEqual(euicc.extensions.get_extension_for_class(aki).value.key_identifier,
                         eum.extensions.get_extension_for_class(ski).value.digest)
        self.assertEqual(eum.extensions.get_extension_for_class(aki).value.key_identifier,
                         ci.extensions.get_extension_for_class(ski).value.digest)
        self.assertIsInstance(euicc.public_key().curve, ec.SECP256R1)
        sn = euicc.subject.get_attributes_for_oid(x509.oid.NameOID.SERIAL_NUMBER)[0].value
        self.assertEqual(sn, EID)
        self.assertEqual(euicc.serial_number >> 64, 0x02)
        # the eUICC key in the state signs what the certificate's key verifies
        sig = pki.sign_raw(self.card.state["pki"]["euicc_key"], b"abc")
        pki.verify_raw(euicc.public_key(), b"abc", sig)
        # by CI key id (full and truncated) and an unknown one
        ci_ski = pki.subject_key_id(self.card.state["pki"]["ci_cert"])
        self.assertEqual(self.es10(tlv(0xBF56, tlv(0x80, ci_ski))).raw, r.raw)
        self.assertEqual(self.es10(tlv(0xBF56, tlv(0x80, ci_ski[:8]))).raw, r.raw)
        self.assertEqual(self.es10(tlv(0xBF56, tlv(0x80, b"\x01" * 20))).raw, hx("BF5603810101"))

    def test_eid_check_digits(self):
        for good in (EID, "89086030202200000022000023022943", "89044045116727494800000004479366"):
            self.assertTrue(ids.eid_is_valid(good), good)
        self.assertFalse(ids.eid_is_valid("89049032123451234512345678901234"))
        self.assertEqual(ids.eid_check_digits("890490321234512345123456789012"), "35")
        self.assertTrue(ids.eid_is_valid(self.card.state["eid"]))
        r = run_init("--state", os.path.join(TMP, "bad.json"),
                     "--eid", "89049032123451234512345678901234")
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("check digits", r.stderr)
        self.assertFalse(os.path.exists(os.path.join(TMP, "bad.json")))

    def test_iccid(self):
        self.assertEqual(ids.iccid_to_ef("89000123456789012358"), hx("98001032547698103285"))
        self.assertEqual(ids.iccid_from_ef(hx("98001032547698103285")), "89000123456789012358")
        self.assertTrue(ids.iccid_is_valid("89000123456789012358"))
        self.assertFalse(ids.iccid_is_valid("89000123456789012357"))
        for p in self.card.state["profiles"]:
            self.assertTrue(ids.iccid_is_valid(p["iccid"]), p["iccid"])

    def test_state_written_atomically(self):
        before = os.stat(self.path).st_ino
        self.es10("BF3003800101")
        self.assertNotEqual(os.stat(self.path).st_ino, before)      # replaced, not rewritten
        self.assertEqual([n["seq"] for n in self.state()["notifications"]], [2, 3])
        self.assertEqual([f for f in os.listdir(TMP) if ".tmp." in f], [])


class Faults(CardTest):
    def es10_sw(self, req, card=None):
        card = card or self.card
        ch = client.open_isdr(card)
        r = card.transmit(bytes([0x80 | ch, 0xE2, 0x91, 0x00, len(hx(req))]) + hx(req))
        return r

    def test_sw(self):
        self.card = SoftEuicc(self.path, faults=["sw:BF2D:6A88"])
        self.assertEqual(self.es10_sw("BF2D00"), hx("6A88"))
        self.assertEqual(self.es10_sw("BF2000")[:1], b"\x61")
        self.card = SoftEuicc(self.path, faults=["sw:*:6F00"])
        self.assertEqual(self.es10_sw("BF2000"), hx("6F00"))

    def test_garbage_badlen_truncate(self):
        good = self.es10("BF3E035C015A").raw
        for fault, check in (("garbage:BF3E", None), ("badlen:bf3e", "claims"),
                             ("truncate:BF3E", None)):
            self.card = SoftEuicc(self.path, faults=[fault])
            ch = client.open_isdr(self.card)
            resp = client.es10(self.card, ch, hx("BF3E035C015A"))
            with self.assertRaises(pyder.DerError) as cm:
                pyder.validate(resp)
            if check:
                self.assertIn(check, str(cm.exception))
            if fault.startswith("truncate"):
                self.assertEqual(resp, good[:len(good) // 2])
            if fault.startswith("badlen"):
                self.assertEqual(resp[:2], good[:2])
            # Other commands are untouched.
            pyder.validate(client.es10(self.card, ch, hx("BF2000")))

    def test_slow(self):
        self.card = SoftEuicc(self.path, faults=["slow:BF3E:300"])
        ch = client.open_isdr(self.card)
        t0 = time.monotonic()
        client.es10(self.card, ch, hx("BF3E035C015A"))
        self.assertGreaterEqual(time.monotonic() - t0, 0.3)
        t0 = time.monotonic()
        client.es10(self.card, ch, hx("BF2000"))
        self.assertLess(time.monotonic() - t0, 0.3)

    def test_mute_after(self):
        ch = client.open_isdr(self.card)
        self.write_faults(["mute-after:BF3E"])
        with self.assertRaises(client.CardError) as cm:
            client.es10(self.card, ch, hx("BF3E035C015A"))
        self.assertEqual(cm.exception.sw, 0x6F00)
        self.assertEqual(self.tx("00 70 00 00 01"), (b"", "6F00"))
        self.assertEqual(self.card.open_channel(ISDR_AID)[0], 0)
        self.write_faults([])
        self.assertEqual(client.es10(self.card, ch, hx("BF3E035C015A"))[:2], hx("BF3E"))

    def test_nochannel(self):
        self.card = SoftEuicc(self.path, faults=["nochannel"])
        self.assertEqual(self.tx("00 70 00 00 01"), (b"", "6A81"))
        self.assertEqual(self.card.open_channel(ISDR_AID), (0, b"", b"\x6a\x81"))

    def test_getresponse_6c(self):
        self.card = SoftEuicc(self.path, faults=["getresponse-6cxx"])
        ch = client.open_isdr(self.card)
        _, sw = self.tx("81 E2 91 00 06 BF3E035C015A")
        self.assertEqual(sw, "6115")
        self.assertEqual(self.tx("01 C0 00 00 14"), (b"", "6C15"))
        self.assertEqual(self.tx("01 C0 00 00 15"), (hx("BF3E125A10" + EID), "9000"))
        self.assertEqual(client.es10(self.card, ch, hx("BF3E035C015A")), hx("BF3E125A10" + EID))

    def test_faults_from_state_file_at_run_time(self):
        ch = client.open_isdr(self.card)
        self.assertEqual(client.es10(self.card, ch, hx("BF3E035C015A"))[:2], hx("BF3E"))
        self.write_faults(["sw:BF3E:6985"])
        with self.assertRaises(client.CardError) as cm:
            client.es10(self.card, ch, hx("BF3E035C015A"))
        self.assertEqual(cm.exception.sw, 0x6985)
        self.write_faults(["nonsense:1", "nochannel"])      # a bad entry is skipped
        self.assertEqual(self.tx("00 70 00 00 01"), (b"", "6A81"))
        self.write_faults([])
        self.assertEqual(client.es10(self.card, ch, hx("BF3E035C015A"))[:2], hx("BF3E"))

    def test_bad_fault_strings(self):
        for bad in ("sw:BF2D", "sw:BF2D:6A8", "slow:BF2D:x", "garbage:XYZ", "frobnicate"):
            with self.assertRaises(ValueError, msg=bad):
                SoftEuicc(self.path, faults=[bad])


class Hostile(CardTest):
    """Random and mutated input never raises out of transmit() and always gets a SW."""
    template = TEMPLATE_EIM

    def test_random_apdus(self):
        import random
        rnd = random.Random(1234)
        seeds = [hx(x) for x in ("BF3E035C015A", "BF2D0EA00C5A0A98001032547698103285",
                                 "BF2B05A003800102", "BF3003800102", VEC_ADD_INITIAL_EIM,
                                 "BF5508A006800465696D31", "BF28048102 0560", "BF5600",
                                 "BF29125A0A98001032547698103285900473696D31")]
        for i in range(3000):
            if i % 3 == 0:
                apdu = bytes(rnd.randrange(256) for _ in range(rnd.randrange(12)))
            else:
                req = bytearray(rnd.choice(seeds))
                for _ in range(rnd.randrange(1, 4)):
                    pos = rnd.randrange(len(req))
                    req[pos] = rnd.randrange(256)
                if i % 50 == 1 and self.card.apdu.free_channel() is None:
                    self.card.reset()
                ch = client.open_isdr(self.card) if i % 50 == 1 else 1
                apdu = bytes([0x80 | ch, 0xE2, 0x91, 0, len(req)]) + bytes(req)
            r = self.card.transmit(apdu)
            self.assertGreaterEqual(len(r), 2, apdu.hex())
            if len(self.card.apdu.channels) > self.card.logical_channels():
                self.card.reset()
        # The card still works and its state file is still valid.
        self.assertEqual(self.es10("BF3E035C015A").raw, hx("BF3E125A10" + EID))


# ---------------------------------------------------------------- eUICC packages

TXID = hx("0102030405060708")
ICCID_EF = [ids.iccid_to_ef(x) for x in ("89000123456789012358", "89000123456789000015",
                                         "89000123456789000023")]


def raw_sign(key, data):
    """ECDSA-SHA256 as r || s, computed here independently of the card's pki module."""
    r, s = decode_dss_signature(key.sign(data, ec.ECDSA(hashes.SHA256())))
    return r.to_bytes(32, "big") + s.to_bytes(32, "big")


def raw_verify(pub, data, sig):
    if len(sig) != 64:
        raise InvalidSignature()
    der = encode_dss_signature(int.from_bytes(sig[:32], "big"), int.from_bytes(sig[32:], "big"))
    pub.verify(der, data, ec.ECDSA(hashes.SHA256()))


def package(key, items, counter, eim_id="eim1", eid=EID, txid=TXID, token=None, eco=False):
    """An EuiccPackageRequest (BF51) signed with key over DER(signed) || 84 token."""
    parts = [pyder.enc_utf8(eim_id, tag=0x80), tlv(0x5A, hx(eid)),
             pyder.enc_integer(counter, tag=0x81)]
    if txid is not None:
        parts.append(tlv(0x82, txid))
    parts.append(tlv(0xA1 if eco else 0xA0, items))
    signed = tlv(0x30, parts)
    tok = pyder.enc_integer(token, tag=0x84) if token is not None else b""
    return tlv(0xBF51, [signed, tlv(0x5F37, raw_sign(key, signed + tok))])


def enable(ef, rollback=False):
    return tlv(0xA3, [tlv(0x5A, ef)] + ([tlv(0x05)] if rollback else []))


def iccid_psmo(tag, ef):
    return tlv(tag, tlv(0x5A, ef))


def spki_choice(pub):
    der = pub.public_bytes(serialization.Encoding.DER,
                           serialization.PublicFormat.SubjectPublicKeyInfo)
    return tlv(0xA0, pyder.decode(der).value)


def self_signed_cert(key, cn):
    name = x509.Name([x509.NameAttribute(x509.oid.NameOID.COMMON_NAME, cn)])
    now = datetime.datetime.utcnow()
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(key.public_key()).serial_number(1000)
            .not_valid_before(now - datetime.timedelta(days=1))
            .not_valid_after(now + datetime.timedelta(days=30))
            .sign(key, hashes.SHA256()))
    return cert.public_bytes(serialization.Encoding.DER)


class PackageTest(CardTest):
    template = TEMPLATE_PKG

    def setUp(self):
        super().setUp()
        self.key = EIM_KEY

    def load(self, pkg, expect_sw=None):
        """LoadEuiccPackage; return (decoded BF51 answer, final SW)."""
        ch = client.open_isdr(self.card)
        resp, sw = client.es10_sw(self.card, ch, pkg)
        client.close(self.card, ch)
        pyder.validate(resp)
        if expect_sw is not None:
            self.assertEqual("%04X" % sw, expect_sw)
        return pyder.decode(resp, expect=0xBF51), sw

    def euicc_pub(self):
        certs = self.es10("BF5600").req(0xA0)
        return cert_from_tagged(certs.req(0xA6)).public_key()

    def signed_result(self, r, token=b""):
        """Check a euiccPackageResultSigned against the eUICC certificate; return its data."""
        self.assertEqual([c.tag for c in r.children()], [0xA0])
        data, sig = r.req(0xA0).children()
        self.assertEqual((data.tag, sig.tag), (0x30, 0x5F37))
        raw_verify(self.euicc_pub(), data.raw + token, sig.value)
        self.assertEqual([c.tag for c in data.children() if c.tag != 0x82],
                         [0x80, 0x81, 0x83, 0x30])
        return data

    def results(self, data):
        return data.req(0x30).children()

    def profiles(self):
        return {ids.iccid_from_ef(e.req(0x5A).value): e.req(0x9F70).int()
                for e in self.es10("BF2D00").req(0xA0).children()}

    def counter(self, eim_id="eim1"):
        for e in self.es10("BF5500").req(0xA0).children():
            if e.req(0x80).str() == eim_id:
                return e.req(0x83).int()
        return None

    def stored_results(self):
        return self.es10("BF2B04A0028200").req(0xA2).children()


class PackageVectors(PackageTest):
    def test_section_c_requests_parse_and_are_rejected(self):
        # Both reference requests decode; their dummy 64 x AA signatures must not verify.
        r, sw = self.load(hx(VEC_LOAD_PSMO), "9000")
        self.assertEqual(r.raw, hx(VEC_EPE_UNSIGNED))
        req = es10_package.PackageRequest(pyder.decode(hx(VEC_LOAD_PSMO)))
        self.assertEqual((req.eim_id, req.counter, req.txid, req.kind),
                         ("eim1", 1, TXID, "psmo"))
        self.assertEqual([i.tag for i in req.items], [0xA3, 0xBF2D])
        self.assertEqual(req.items[0].req(0x5A).value, ICCID_EF[0])
        self.assertIsNotNone(req.items[0].find(0x05))
        r, _ = self.load(hx(VEC_LOAD_ECO), "9000")
        self.assertEqual(r.raw, hx("BF5108A206800465696D31"))      # no eimTransactionId in it
        req = es10_package.PackageRequest(pyder.decode(hx(VEC_LOAD_ECO)))
        self.assertEqual((req.kind, [i.tag for i in req.items]), ("eco", [0xA8, 0xAB]))
        # Nothing ran: counter, profiles and eIMs unchanged; both errors are kept.
        self.assertEqual(self.counter(), 0)
        self.assertEqual(self.profiles()["89000123456789012358"], 1)
        self.assertEqual([e.req(0x80).str() for e in self.es10("BF5500").req(0xA0).children()],
                         ["eim1"])
        self.assertEqual([e.raw for e in self.stored_results()],
                         [hx(VEC_EPE_UNSIGNED), hx("BF5108A206800465696D31")])

    def test_result_shape_matches_vector(self):
        d = self.state()
        d["next_seq"] = 5          # the switch's two notifications take 5 and 6, the result 7
        with open(self.path, "w") as f:
            json.dump(d, f)
        nothing = tlv(0xBF2D, tlv(0xA0, tlv(0x5A, b"\x00" * 10)))
        r, sw = self.load(package(self.key, [enable(ICCID_EF[1]), nothing], 1), "910B")
        data = self.signed_result(r)
        got = tlv(0xBF51, tlv(0xA0, [data.raw, tlv(0x5F37, b"\xaa" * 64)]))
        self.assertEqual(got, hx(VEC_EPR))
        self.assertEqual([n["seq"] for n in self.state()["notifications"]][-2:], [5, 6])

    def test_malformed_requests(self):
        ch = client.open_isdr(self.card)
        good = package(self.key, [tlv(0xA6)], 1)
        for bad in (tlv(0xBF51, tlv(0x30)), good[:-1], tlv(0xBF51, pyder.decode(good).value[:-66]),
                    tlv(0xBF51, [pyder.decode(good).children()[0].raw, tlv(0x04, b"x")])):
            with self.assertRaises(client.CardError) as cm:
                client.es10(self.card, ch, bad)
            self.assertEqual(cm.exception.sw, 0x6A80, bad.hex())
        self.assertEqual(self.counter(), 0)


class PackagePsmo(PackageTest):
    def test_enable_switches_with_refresh_and_notifications(self):
        before = {n["seq"] for n in self.state()["notifications"]}
        r, sw = self.load(package(self.key, [enable(ICCID_EF[1])], 5), "910B")
        data = self.signed_result(r)
        self.assertEqual(data.req(0x80).str(), "eim1")
        self.assertEqual(data.req(0x81).int(), 5)
        self.assertEqual(data.req(0x82).value, TXID)
        self.assertEqual([x.raw for x in self.results(data)], [hx("830100")])
        self.assertEqual(self.counter(), 5)
        self.assertEqual(self.profiles(), {"89000123456789012358": 0, "89000123456789000015": 1,
                                           "89000123456789000023": 0})
        # FETCH hands out the REFRESH the 91 0B announced; TERMINAL RESPONSE ends it.
        self.assertEqual(self.tx("80 12 00 00 05"), (b"", "6C0B"))
        cmd, sw = self.tx("80 12 00 00 0B")
        self.assertEqual(sw, "9000")
        # D0 is the proactive command template (its inner TLVs are COMPREHENSION-TLVs).
        inner = pyder.decode_all(pyder.decode(cmd, expect=0xD0).value)
        self.assertEqual([x.tag for x in inner], [0x81, 0x82])
        self.assertEqual(inner[0].value[1], 0x01)                     # type: REFRESH
        self.assertEqual(inner[1].value, hx("8182"))                  # UICC -> terminal
        self.assertEqual(self.tx("80 14 00 00 0C 810301010102028281030100"), (b"", "9000"))
        self.assertEqual(self.tx("80 12 00 00 0B"), (b"", "6985"))
        # Two signed notifications: disable of the old profile, enable of the new one.
        new = [n for n in self.es10("BF2B00").req(0xA0).children()
               if n.tag == 0x30 and n.req(0xBF2F).req(0x80).int() not in before]
        pub = self.euicc_pub()
        got = []
        for n in new:
            meta = n.req(0xBF2F)
            raw_verify(pub, meta.raw, n.req(0x5F37).value)
            got.append((meta.req(0x81).bits(), ids.iccid_from_ef(meta.req(0x5A).value),
                        meta.req(0x0C).str()))
        self.assertEqual(got, [({2}, "89000123456789012358", "smdp.example.com"),
                               ({1}, "89000123456789000015", "smdp.example.com")])
        seqs = [n.req(0xBF2F).req(0x80).int() for n in new]
        self.assertEqual(data.req(0x83).int(), max(seqs) + 1)
        # Enabling it again: profileNotInDisabledState(2); no switch, so 9000.
        r, sw = self.load(package(self.key, [enable(ICCID_EF[1])], 6), "9000")
        self.assertEqual([x.raw for x in self.results(self.signed_result(r))], [hx("830102")])

    def test_refresh_sw_flag_off(self):
        d = self.state()
        d["refresh_sw"] = False
        with open(self.path, "w") as f:
            json.dump(d, f)
        r, _ = self.load(package(self.key, [enable(ICCID_EF[1])], 1), "9000")
        self.assertEqual([x.raw for x in self.results(self.signed_result(r))], [hx("830100")])
        self.assertEqual(self.tx("80 12 00 00 0B"), (b"", "6985"))

    def test_disable_delete_and_policy(self):
        d = self.state()
        d["profiles"][2]["ppr"] = [2]                   # ppr2: deletion not allowed
        with open(self.path, "w") as f:
            json.dump(d, f)
        unknown = ids.iccid_to_ef("8900012345678900037")
        items = [iccid_psmo(0xA5, ICCID_EF[0]),      # enabled: profileNotInDisabledState
                 iccid_psmo(0xA4, ICCID_EF[1]),      # disabled: profileNotInEnabledState
                 iccid_psmo(0xA4, unknown),          # iccidOrAidNotFound
                 iccid_psmo(0xA4, ICCID_EF[0]),      # ok
                 iccid_psmo(0xA5, ICCID_EF[2]),      # ppr2: disallowedByPolicy
                 iccid_psmo(0xA5, ICCID_EF[1]),      # fallback profile: disallowedByPolicy
                 iccid_psmo(0xA5, ICCID_EF[0])]      # now disabled: ok
        r, sw = self.load(package(self.key, items, 1), "910B")
        res = [x.raw for x in self.results(self.signed_result(r))]
        self.assertEqual(res, [hx(x) for x in ("850102", "840102", "840101", "840100", "850103",
                                               "850103", "850100")])
        self.assertEqual(self.profiles(), {"89000123456789000015": 0, "89000123456789000023": 0})
        ops = [(n["op"], n["iccid"]) for n in self.state()["notifications"]][-2:]
        self.assertEqual(ops, [("disable", "89000123456789012358"),
                               ("delete", "89000123456789012358")])
        # ppr1 forbids disabling (profiles[0] is now the backup profile, ICCID_EF[1]).
        d = self.state()
        d["profiles"][0]["state"] = "enabled"
        d["profiles"][0]["ppr"] = [1]
        with open(self.path, "w") as f:
            json.dump(d, f)
        r, _ = self.load(package(self.key, [iccid_psmo(0xA4, ICCID_EF[1])], 2), "9000")
        self.assertEqual([x.raw for x in self.results(self.signed_result(r))], [hx("840103")])

    def test_list_rat_immediate_fallback_dp_and_termination(self):
        items = [tlv(0xBF2D, [tlv(0xA0, tlv(0x5A, ICCID_EF[0])), tlv(0x5C, hx("5A9F70"))]),
                 tlv(0xA6),
                 tlv(0xA7, [tlv(0x80), pyder.enc_oid("2.999.10", tag=0x81),
                            pyder.enc_utf8("dp.example.org", tag=0x82)]),
                 iccid_psmo(0xA8, ICCID_EF[2]),
                 tlv(0xA9),
                 tlv(0xA9),
                 tlv(0xBF65, pyder.enc_utf8("newdp.example.org", tag=0x80)),
                 tlv(0xAF),                              # not a PSMO: processing stops
                 tlv(0xA6)]
        r, sw = self.load(package(self.key, items, 1), "9000")
        res = self.results(self.signed_result(r))
        self.assertEqual(res[0].raw, tlv(0xBF2D, tlv(0xA0, tlv(0xE3, [tlv(0x5A, ICCID_EF[0]),
                                                                      hx("9F700101")]))))
        self.assertEqual(res[1].tag, 0xA6)
        self.assertEqual(res[1].children()[0].req(0x80).bits(), {1})
        self.assertEqual([x.raw for x in res[2:]],
                         [hx(x) for x in ("870100", "8D0100", "8E0100", "8E0102", "BF6503800100",
                                          "020102")])
        st = self.state()
        self.assertEqual(st["immediate_enable"], {"flag": True, "smdp_oid": "2.999.10",
                                                  "smdp_address": "dp.example.org"})
        self.assertFalse(any(p.get("fallback_attribute") for p in st["profiles"]))
        self.assertEqual(self.es10("BF3C00").req(0x80).str(), "newdp.example.org")

    def test_fallback_attribute_rules(self):
        d = self.state()
        d["profiles"][2]["fallback_allowed"] = False
        with open(self.path, "w") as f:
            json.dump(d, f)
        unknown = ids.iccid_to_ef("8900012345678900037")
        r, _ = self.load(package(self.key, [iccid_psmo(0xA8, ICCID_EF[2]),
                                            iccid_psmo(0xA8, unknown),
                                            iccid_psmo(0xA8, ICCID_EF[0])], 1))
        self.assertEqual([x.raw for x in self.results(self.signed_result(r))],
                         [hx("8D0102"), hx("8D0101"), hx("8D0100")])
        # The fallback profile is now the enabled one: neither moving nor unsetting.
        r, _ = self.load(package(self.key, [iccid_psmo(0xA8, ICCID_EF[1]), tlv(0xA9)], 2))
        self.assertEqual([x.raw for x in self.results(self.signed_result(r))],
                         [hx("8D0103"), hx("8E0103")])


class PackageChecks(PackageTest):
    def test_rejections_in_order(self):
        other = ec.generate_private_key(ec.SECP256R1())
        pub = self.euicc_pub()
        # unknown eimId: unsigned, even with a valid signature by some key
        r, _ = self.load(package(self.key, [tlv(0xA6)], 1, eim_id="nobody"))
        self.assertEqual(r.raw, hx("BF5114A21280066E6F626F647982080102030405060708"))
        # bad signature (other key), even with a wrong EID: unsigned
        r, _ = self.load(package(other, [tlv(0xA6)], 1, eid="89086030202200000022000023022943"))
        self.assertEqual(r.raw, hx(VEC_EPE_UNSIGNED))
        # right key over the wrong bytes (a token appended that the card does not hold)
        r, _ = self.load(package(self.key, [tlv(0xA6)], 1, token=1))
        self.assertEqual(r.raw, hx(VEC_EPE_UNSIGNED))
        # signed by the eIM but for another EID: invalidEid(3), signed by the eUICC
        codes = []
        for kw, code in (({"eid": "89086030202200000022000023022943", "counter": 1}, 3),
                         ({"counter": 0}, 4), ({"counter": -5}, 4),
                         ({"counter": 2 ** 31}, 6), ({"counter": 2 ** 64}, 6)):
            counter = kw.pop("counter")
            r, _ = self.load(package(self.key, [tlv(0xA6)], counter, txid=None, **kw))
            self.assertEqual([c.tag for c in r.children()], [0xA1])
            data, sig = r.req(0xA1).children()
            raw_verify(pub, data.raw, sig.value)
            self.assertEqual([c.tag for c in data.children()], [0x80, 0x81, 0x02])
            self.assertEqual(data.req(0x81).int(), counter)
            codes.append(data.req(0x02).int())
        self.assertEqual(codes, [3, 4, 4, 6, 6])
        self.assertEqual(self.counter(), 0)
        # Accepted at last; the stale counter is then refused.
        self.signed_result(self.load(package(self.key, [tlv(0xA6)], 7))[0])
        self.assertEqual(self.counter(), 7)
        r, _ = self.load(package(self.key, [tlv(0xA6)], 7))
        self.assertEqual(r.req(0xA1).children()[0].req(0x02).int(), 4)
        self.signed_result(self.load(package(self.key, [tlv(0xA6)], 8))[0])
        # Every answer is kept, in order, with a seqNumber for RemoveNotificationFromList.
        kept = self.state()["package_results"]
        self.assertEqual([k["kind"] for k in kept],
                         ["error-unsigned"] * 3 + ["error-signed"] * 5 +
                         ["result", "error-signed", "result"])
        self.assertEqual([e.raw.hex() for e in self.stored_results()], [k["der"] for k in kept])
        seqs = [k["seq"] for k in kept]
        self.assertEqual(seqs, sorted(seqs))
        for s in seqs:
            one = self.es10(tlv(0xBF2B, tlv(0xA0, pyder.enc_integer(s, tag=0x80))))
            self.assertEqual(len(one.req(0xA2).children()), 1)
            self.assertEqual(self.es10(tlv(0xBF30, pyder.enc_integer(s, tag=0x80))).raw,
                             hx("BF3003800100"))
        self.assertEqual(self.es10("BF2B04A0028200").raw, hx("BF2B02A200"))

    def test_unsigned_errors_are_bounded(self):
        for i in range(12):
            self.load(package(self.key, [tlv(0xA6)], 1, eim_id="x%d" % i))
        kept = [e.req(0xA2).req(0x80).str() for e in self.stored_results()]
        self.assertEqual(kept, ["x%d" % i for i in range(4, 12)])

    def test_noresult_fault_result_recovered_from_list(self):
        self.write_faults(["noresult:BF51"])
        ch = client.open_isdr(self.card)
        pkg = package(self.key, [enable(ICCID_EF[1])], 3)
        with self.assertRaises(client.CardError) as cm:
            client.es10(self.card, ch, pkg)
        self.assertEqual(cm.exception.sw, 0x6F00)
        self.write_faults([])
        # It ran and was persisted: a new card object on the file sees the effects.
        self.card = SoftEuicc(self.path)
        self.assertEqual(self.profiles()["89000123456789000015"], 1)
        self.assertEqual(self.counter(), 3)
        (lost,) = self.stored_results()
        data = self.signed_result(lost)
        self.assertEqual([x.raw for x in self.results(data)], [hx("830100")])
        # Sending the package again cannot replay it.
        r, _ = self.load(pkg)
        self.assertEqual(r.req(0xA1).children()[0].req(0x02).int(), 4)
        self.assertEqual(self.es10(tlv(0xBF30, pyder.enc_integer(data.req(0x83).int(),
                                                                  tag=0x80))).raw,
                         hx("BF3003800100"))

    def test_state_persisted_atomically_per_package(self):
        ino = os.stat(self.path).st_ino
        self.load(package(self.key, [enable(ICCID_EF[2])], 2))
        self.assertNotEqual(os.stat(self.path).st_ino, ino)
        self.assertEqual([f for f in os.listdir(TMP) if ".tmp." in f], [])
        st = self.state()
        self.assertEqual(st["eims"][0]["counterValue"], 2)
        self.assertEqual([p["state"] for p in st["profiles"]], ["disabled", "disabled", "enabled"])
        self.card = SoftEuicc(self.path)
        self.assertEqual(self.counter(), 2)
        self.assertEqual(len(self.stored_results()), 1)

    def test_hostile_packages(self):
        import random
        rnd = random.Random(99)
        good = bytearray(package(self.key, [enable(ICCID_EF[1]), tlv(0xA6)], 50))
        for _ in range(400):
            req = bytearray(good)
            for pos in rnd.sample(range(len(req)), rnd.randrange(1, 4)):
                req[pos] ^= rnd.randrange(1, 256)              # always a real change
            ch = client.open_isdr(self.card)
            try:
                resp, sw = client.es10_sw(self.card, ch, bytes(req))
                pyder.validate(resp)
            except client.CardError as exc:
                self.assertIn(exc.sw, (0x6A80, 0x6A88), req.hex())
            client.close(self.card, ch)
        # Nothing but the intact package can have been accepted.
        self.assertEqual(self.counter(), 0)
        self.signed_result(self.load(package(self.key, [tlv(0xA6)], 1))[0])


class PackageEco(PackageTest):
    def test_add_list_update_delete_with_token(self):
        key2 = ec.generate_private_key(ec.SECP256R1())
        cert2 = self_signed_cert(key2, "eim2")
        add = tlv(0xA8, [pyder.enc_utf8("eim2", tag=0x80), pyder.enc_utf8("eim2.example", tag=0x81),
                         pyder.enc_integer(2, tag=0x82), pyder.enc_integer(10, tag=0x83),
                         pyder.enc_integer(0, tag=0x84),
                         tlv(0xA5, tlv(0xA1, pyder.decode(cert2).value)),
                         pyder.enc_named_bits([0], tag=0x87)])
        dup = tlv(0xA8, pyder.enc_utf8("eim1", tag=0x80))
        bad_ci = tlv(0xA8, [pyder.enc_utf8("eim3", tag=0x80), tlv(0x88, b"\x01" * 20)])
        r, sw = self.load(package(self.key, [add, dup, bad_ci, tlv(0xAB)], 1, eco=True), "9000")
        res = self.results(self.signed_result(r))
        token = res[0].req(0x84).int()
        self.assertEqual(res[0].tag, 0xA8)
        self.assertEqual([x.raw for x in res[1:3]], [hx("A803020102"), hx("A803020103")])
        self.assertEqual(res[3].raw, tlv(0xAB, tlv(0xA0, [
            tlv(0x30, pyder.enc_utf8("eim1", tag=0x80) + hx("820102")),
            tlv(0x30, pyder.enc_utf8("eim2", tag=0x80) + hx("820102"))])))
        conf = [e for e in self.es10("BF5500").req(0xA0).children()
                if e.req(0x80).str() == "eim2"][0]
        self.assertEqual((conf.req(0x83).int(), conf.req(0x84).int()), (10, token))
        self.assertEqual(tlv(0x30, conf.req(0xA5).req(0xA1).value), cert2)
        # eim2 signs over its token; the eUICC signs its result over data || 84 token.
        # Signed without the token: a bad signature; the unsigned error names the token.
        r, _ = self.load(package(key2, [tlv(0xAB)], 11, eim_id="eim2", eco=True))
        self.assertEqual(r.raw, tlv(0xBF51, tlv(0xA2, [pyder.enc_utf8("eim2", tag=0x80),
                                                       tlv(0x82, TXID),
                                                       pyder.enc_integer(token, tag=0x84)])))
        r, _ = self.load(package(key2, [tlv(0xAB)], 11, eim_id="eim2", token=token, eco=True))
        tok = pyder.enc_integer(token, tag=0x84)
        data = self.signed_result(r, tok)
        with self.assertRaises(InvalidSignature):
            raw_verify(self.euicc_pub(), data.raw, r.req(0xA0).children()[1].value)
        self.assertEqual(self.counter("eim2"), 11)
        # updateEim: new address and counter, token kept; unknown eIM; negative counter.
        upd = tlv(0xAA, [pyder.enc_utf8("eim2", tag=0x80), pyder.enc_utf8("new.example", tag=0x81),
                         pyder.enc_integer(20, tag=0x83),
                         tlv(0xA5, tlv(0xA1, pyder.decode(cert2).value))])
        r, _ = self.load(package(key2, [upd, tlv(0xAA, pyder.enc_utf8("zz", tag=0x80)),
                                        tlv(0xAA, [pyder.enc_utf8("eim2", tag=0x80),
                                                   pyder.enc_integer(-1, tag=0x83)])],
                                 12, eim_id="eim2", token=token, eco=True))
        self.assertEqual([x.raw for x in self.results(self.signed_result(r, tok))],
                         [hx("8A0100"), hx("8A0101"), hx("8A0106")])
        conf = [e for e in self.es10("BF5500").req(0xA0).children()
                if e.req(0x80).str() == "eim2"][0]
        self.assertEqual((conf.req(0x81).str(), conf.req(0x83).int(), conf.req(0x84).int()),
                         ("new.example", 20, token))
        self.assertIsNone(conf.find(0x87))
        # deleteEim: unknown, then eim2 itself, then the last one.
        r, _ = self.load(package(key2, [tlv(0xA9, pyder.enc_utf8("zz", tag=0x80)),
                                        tlv(0xA9, pyder.enc_utf8("eim2", tag=0x80))],
                                 21, eim_id="eim2", token=token, eco=True))
        self.assertEqual([x.raw for x in self.results(self.signed_result(r, tok))],
                         [hx("890101"), hx("890100")])
        r, _ = self.load(package(self.key, [tlv(0xA9, pyder.enc_utf8("eim1", tag=0x80))], 2,
                                 eco=True))
        self.assertEqual([x.raw for x in self.results(self.signed_result(r))], [hx("890102")])
        self.assertEqual(self.es10("BF5500").raw, hx("BF5502A000"))
        # With no eIM left, AddInitialEim is possible again.
        self.assertEqual(self.es10(VEC_ADD_INITIAL_EIM).raw, hx("BF5704A0020500"))


class SwitchFunctions(PackageTest):
    def test_rollback(self):
        self.assertEqual(self.es10("BF5803800100").raw, hx("BF5803020101"))   # nothing to undo
        first = tlv(0xBF65, pyder.enc_utf8("dp2.example", tag=0x80))
        r, _ = self.load(package(self.key, [first, enable(ICCID_EF[2], rollback=True)], 4),
                         "910B")
        res = self.results(self.signed_result(r))
        self.assertEqual([x.raw for x in res], [hx("BF6503800100"), hx("830100")])
        self.assertEqual(self.profiles()["89000123456789000023"], 1)
        ch = client.open_isdr(self.card)
        resp, sw = client.es10_sw(self.card, ch, hx("BF58038001FF"))   # refreshFlag TRUE
        self.assertEqual(sw, 0x910B)
        t = pyder.decode(resp, expect=0xBF58)
        self.assertEqual([c.tag for c in t.children()], [0x02, 0xBF51])
        self.assertEqual(t.req(0x02).int(), 0)
        data = self.signed_result(t.req(0xBF51))
        self.assertEqual((data.req(0x80).str(), data.req(0x81).int(), data.req(0x82).value),
                         ("eim1", 4, TXID))
        self.assertEqual([x.raw for x in self.results(data)], [hx("BF6503800100"), hx("8C0100")])
        self.assertEqual(self.profiles(), {"89000123456789012358": 1, "89000123456789000015": 0,
                                           "89000123456789000023": 0})
        kept = self.stored_results()
        self.assertEqual(len(kept), 2)
        self.assertEqual(kept[1].raw, t.req(0xBF51).raw)
        self.assertEqual(self.es10("BF5803800100").raw, hx("BF5803020101"))
        # refreshFlag FALSE: no 91xx.  A later verified package ends the rollback window.
        self.load(package(self.key, [enable(ICCID_EF[2], rollback=True)], 5))
        _, sw = client.es10_sw(self.card, client.open_isdr(self.card), hx("BF5803800100"))
        self.assertEqual(sw, 0x9000)
        self.load(package(self.key, [enable(ICCID_EF[1], rollback=True)], 6))
        self.load(package(self.key, [tlv(0xA6)], 7))
        self.assertEqual(self.es10("BF5803800100").raw, hx("BF5803020101"))
        self.assertEqual(self.profiles()["89000123456789000015"], 1)

    def test_rollback_target_cannot_be_deleted(self):
        self.load(package(self.key, [enable(ICCID_EF[2], rollback=True),
                                     iccid_psmo(0xA5, ICCID_EF[0])], 1))
        res = self.results(self.signed_result(self.stored_results()[0]))
        self.assertEqual([x.raw for x in res], [hx("830100"), hx("850114")])

    def test_fallback(self):
        self.assertEqual(self.es10("BF5E03800100").raw, hx("BF5E03800107"))  # not in fallback
        ch = client.open_isdr(self.card)
        resp, sw = client.es10_sw(self.card, ch, hx("BF5D038001FF"))
        self.assertEqual((resp, sw), (hx("BF5D03800100"), 0x910B))
        self.assertEqual(self.profiles()["89000123456789000015"], 1)
        self.assertEqual(self.es10("BF5D03800100").raw, hx("BF5D03800102"))
        # The profile to return to cannot be deleted meanwhile.
        r, _ = self.load(package(self.key, [iccid_psmo(0xA5, ICCID_EF[0])], 1))
        self.assertEqual([x.raw for x in self.results(self.signed_result(r))], [hx("850115")])
        resp, sw = client.es10_sw(self.card, ch, hx("BF5E03800100"))
        self.assertEqual((resp, sw), (hx("BF5E03800100"), 0x9000))
        self.assertEqual(self.profiles()["89000123456789012358"], 1)
        ops = [n["op"] for n in self.state()["notifications"]][-4:]
        self.assertEqual(ops, ["disable", "enable", "disable", "enable"])
        d = self.state()
        for p in d["profiles"]:
            p.pop("fallback_attribute", None)
        with open(self.path, "w") as f:
            json.dump(d, f)
        self.assertEqual(self.es10("BF5D03800100").raw, hx("BF5D03800106"))
        self.assertEqual(self.es10("BF5E03800100").raw, hx("BF5E03800106"))

    def test_immediate_enable_and_configuration(self):
        self.assertEqual(self.es10("BF5A03800100").raw, hx("BF5A03800101"))
        # With an eIM associated, only its PSMO configures immediate enable.
        self.assertEqual(self.es10(VEC_CONFIGURE_IE).raw, hx("BF5903800102"))
        self.card = SoftEuicc(self.path_without_eim())
        self.assertEqual(self.es10(VEC_CONFIGURE_IE).raw, hx("BF5903800100"))
        self.assertEqual(self.card.state["immediate_enable"],
                         {"flag": True, "smdp_address": "smdp.example.com"})
        self.assertEqual(self.es10("BF5A03800100").raw, hx("BF5A03800104"))   # nothing installed
        d = self.card.state.data
        d["last_installed"] = "89000123456789000023"
        self.card.state.save()
        ch = client.open_isdr(self.card)
        resp, sw = client.es10_sw(self.card, ch, hx("BF5A038001FF"))
        self.assertEqual((resp, sw), (hx("BF5A03800100"), 0x910B))
        self.assertEqual(self.profiles()["89000123456789000023"], 1)
        self.assertEqual(self.es10("BF5A03800100").raw, hx("BF5A03800104"))

    def path_without_eim(self):
        path = self.path + ".noeim.json"
        shutil.copy(TEMPLATE, path)
        return path

    def test_emergency_profile(self):
        d = self.state()
        d["profiles"][2]["emergency"] = True
        emergency = d["profiles"][2]["iccid"]
        enabled = [p["iccid"] for p in d["profiles"] if p["state"] == "enabled"][0]
        with open(self.path, "w") as f:
            json.dump(d, f)
        self.assertEqual(self.es10("BF5C03800100").raw, hx("BF5C03800102"))   # not enabled
        self.assertEqual(self.es10("BF5B03800100").raw, hx("BF5B03800100"))
        self.assertEqual(self.profiles()[emergency], 1)
        self.assertEqual(self.profiles()[enabled], 0)
        self.assertEqual(self.es10("BF5B03800100").raw, hx("BF5B03800102"))   # already enabled
        self.assertEqual(self.es10("BF5C03800100").raw, hx("BF5C03800100"))
        self.assertEqual(self.profiles()[enabled], 1)
        self.assertEqual(self.profiles()[emergency], 0)

    def test_emergency_connectivity_default_dp(self):
        self.assertEqual(self.es10("BF5B03800100").raw, hx("BF5B03800108"))
        self.assertEqual(self.es10("BF5C03800100").raw, hx("BF5C03800102"))
        self.assertEqual(self.es10("BF5F00").raw, hx("BF5F03810101"))
        d = self.state()
        d["profiles"][0]["connectivity_params"] = "0102AABB"
        with open(self.path, "w") as f:
            json.dump(d, f)
        self.assertEqual(self.es10("BF5F00").raw, hx("BF5F08A00681040102AABB"))
        self.assertEqual(self.es10(tlv(0xBF65, pyder.enc_utf8("x.example", tag=0x80))).raw,
                         hx("BF6503800100"))
        self.assertEqual(self.es10("BF3C00").req(0x80).str(), "x.example")
        ch = client.open_isdr(self.card)
        for bad in ("BF5800", "BF5A0380020000", "BF6500"):
            with self.assertRaises(client.CardError) as cm:
                client.es10(self.card, ch, hx(bad))
            self.assertEqual(cm.exception.sw, 0x6A80, bad)


class Deviations(CardTest):
    """Each deviation switch changes the answers as deviations.py documents, and only them."""
    template = TEMPLATE_EIM

    def raw(self, req):
        ch = client.open_isdr(self.card)
        resp = client.es10(self.card, ch, hx(req))
        client.close(self.card, ch)
        return resp

    def deviate(self, *names):
        d = self.state()
        d["deviations"] = list(names)
        with open(self.path + ".new", "w") as f:
            json.dump(d, f)
        os.replace(self.path + ".new", self.path)

    REQUESTS = {"profiles": "BF2D00", "eims": "BF5500", "eid": "BF3E035C015A",
                "notifications": "BF2B00", "results": "BF2B04A0028200", "none": "BF2B06A004800203E7"}

    def answers(self):
        return {k: self.raw(v) for k, v in self.REQUESTS.items()}

    def test_every_switch_changes_what_it_names(self):
        normal = self.answers()
        for k in ("profiles", "eims", "eid", "notifications", "results"):
            pyder.validate(normal[k])
        self.assertEqual(normal["none"], hx("BF2B02A000"))
        changed = {}
        for name in deviations.NAMES:
            self.deviate(name)
            now = self.answers()
            changed[name] = sorted(k for k in now if now[k] != normal[k])
        self.deviate()
        self.assertEqual(self.answers(), normal)
        self.assertEqual(changed["empty-notification-list"], ["none", "results"])
        self.assertEqual(changed["profileinfo-sequence"], ["profiles"])
        self.assertEqual(changed["long-lengths"], ["eid", "eims", "none", "notifications", "profiles", "results"])
        self.assertEqual(changed["padded-integers"], ["eims", "profiles"])
        self.assertEqual(changed["unwrapped-lists"], ["eims", "notifications", "profiles"])
        self.assertEqual(changed["extra-fields"], ["eid", "eims", "profiles"])
        self.assertEqual(changed["repeated-fields"], ["eims", "profiles"])
        self.assertEqual(changed["unknown-state"], ["profiles"])
        self.assertEqual(changed["bad-notification"], ["none", "notifications"])
        self.assertEqual(changed["bad-package-result"], ["results"])
        self.assertEqual(changed["bad-profile"], ["profiles"])
        self.assertEqual(changed["bad-eim"], ["eims"])

    def test_shapes(self):
        self.deviate("profileinfo-sequence", "unwrapped-lists", "bad-profile", "empty-notification-list")
        a = self.answers()
        profiles = pyder.decode(a["profiles"]).children()
        self.assertEqual({p.tag for p in profiles[:-1]}, {0x30})
        self.assertEqual(len(profiles[-1].req(0x5A).value), 9)
        self.assertEqual(a["none"], hx("BF2B00"))
        notifications = pyder.decode(a["notifications"]).children()
        self.assertNotIn(0xA0, {n.tag for n in notifications})
        self.deviate("long-lengths")
        self.assertEqual(self.raw(self.REQUESTS["eid"])[:4], hx("BF3E8113"))
        with self.assertRaises(pyder.DerError):
            pyder.decode(self.raw(self.REQUESTS["eid"]))
        self.deviate("padded-integers")
        for p in pyder.decode(self.raw("BF2D00")).children()[0].children():
            self.assertEqual(p.req(0x9F70).value[:1], b"\x00")
            self.assertEqual(len(p.req(0x9F70).value), 2)
        self.deviate("no-such-deviation")               # ignored, named on stderr
        self.assertEqual(self.answers()["eid"][:3], hx("BF3E12"))

    def test_signed_entries_stay_as_signed(self):
        normal = self.raw(self.REQUESTS["notifications"])
        entries = pyder.decode(normal).children()[0].children()
        self.deviate("long-lengths", "unwrapped-lists", "bad-notification")
        now = self.raw(self.REQUESTS["notifications"])
        for e in entries:
            self.assertIn(e.raw, now)


class Der(unittest.TestCase):
    def test_strict_decoding(self):
        for bad, why in (("3080", "indefinite"), ("30810100", "minimal"), ("3004020101", "claims"),
                         ("04FF00", "reserved"), ("1F", "truncated"), ("BF", "truncated"),
                         ("5A02AABB00", "trailing"), ("1F1E00", "multi-byte")):
            with self.assertRaises(pyder.DerError) as cm:
                pyder.decode(hx(bad))
            self.assertIn(why, str(cm.exception), bad)

    def test_round_trip(self):
        for v, enc in ((0, "020100"), (127, "02017F"), (128, "02020080"), (-1, "0201FF"),
                       (256, "02020100"), (-129, "0202FF7F")):
            self.assertEqual(pyder.enc_integer(v), hx(enc))
            self.assertEqual(pyder.decode(hx(enc)).int(), v)
        with self.assertRaises(pyder.DerError):
            pyder.dec_integer(hx("0001"))
        self.assertEqual(pyder.enc_named_bits([0], tag=0x87), hx("87020780"))
        self.assertEqual(pyder.enc_named_bits([], tag=0x03), hx("030100"))
        self.assertEqual(pyder.decode(hx("87020780")).bits(), {0})
        self.assertEqual(pyder.tlv(0x04, b"x" * 200)[:4], hx("0481C878"))
        self.assertEqual(pyder.tlv(0x04, b"x" * 300)[:5], hx("0482012C78"))
        self.assertEqual(pyder.make_tag(2, True, 45), 0xBF2D)
        self.assertEqual(pyder.make_tag(1, False, 55), 0x5F37)
        self.assertEqual(pyder.make_tag(2, False, 112), 0x9F70)
        self.assertEqual(pyder.dec_oid(pyder.decode(pyder.enc_oid("2.999.10")).value), "2.999.10")
        self.assertEqual(pyder.enc_oid("1.2.840.10045.2.1"), hx("06072A8648CE3D0201"))
        t = pyder.decode(hx("BF4F125A1089049032123451234512345678901235"), expect=0xBF4F)
        self.assertEqual(t.req(0x5A).value.hex(), EID)
        with self.assertRaises(pyder.DerError):
            t.req(0x80)


class Summary(unittest.TextTestResult):
    pass


def main():
    suite = unittest.defaultTestLoader.loadTestsFromModule(sys.modules[__name__])
    result = unittest.TextTestRunner(verbosity=2, resultclass=Summary).run(suite)
    failed = len(result.failures) + len(result.errors)
    print("%d passed, %d failed" % (result.testsRun - failed, failed))
    return 0 if result.wasSuccessful() else 1


if __name__ == "__main__":
    sys.exit(main())

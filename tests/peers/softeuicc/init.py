#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""Create a software eUICC state file (fresh keys and certificates each time, or the
chain of --pki: the euicc-pki.json of an SM-DP+ test PKI, tests/peers/smdp/pki.py).

  init.py --state FILE [--eid EID] [--pki FILE] [--smdp ADDR] [--smds ADDR] [--notification-address ADDR]
          [--add-initial-eim eimId=eim1,fqdn=127.0.0.1:8443,counter=1[,token=1]
                             [,pubkey=PEM][,tls=PEM][,idtype=2][,protocol=retrieve-https+inject-https+bit7]
                             [,indirect=1]]
          [--fault FAULT]... [--card-kind euicc|sgp22|uicc|m2m]

--add-initial-eim may be repeated; all are installed by one ES10b.AddInitialEim sent
through the card.  --notification-address is the notificationAddress of the three
notifications the card starts with and of those its profiles cause later (default: the
SM-DP+ address; a profile's own "notification_address" in the state file wins).  Prints nothing unless something fails (exit status 1).
"""

import argparse
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from softeuicc import SoftEuicc, client, ids, pki, state as statelib  # noqa: E402
from softeuicc.es10_notifications import add_notification  # noqa: E402
import pyder  # noqa: E402
from pyder import tlv, enc_utf8, enc_integer, enc_named_bits  # noqa: E402

DEFAULT_EID = "89049032123451234512345678901235"
PROTOCOLS = {"retrieve-https": 0, "retrieve-coaps": 1, "inject-https": 2, "inject-coaps": 3,
             "proprietary": 4}
ID_TYPES = {"oid": 1, "fqdn": 2, "proprietary": 3}


def default_profiles():
    def iccid(prefix):
        return prefix + ids.luhn_digit(prefix)
    return [
        {"iccid": "89000123456789012358", "isdp_aid": "A0000005591010FFFFFFFF8900001000",
         "state": "enabled", "class": "operational", "nickname": "primary",
         "service_provider": "Test Operator", "name": "Test Operational Profile",
         "owner_mccmnc": "62F210", "fallback_allowed": True},
        {"iccid": iccid("8900012345678900001"), "isdp_aid": "A0000005591010FFFFFFFF8900001100",
         "state": "disabled", "class": "operational", "nickname": "backup",
         "service_provider": "Other Operator", "name": "Backup Profile",
         "owner_mccmnc": "13F001", "fallback_attribute": True, "fallback_allowed": True},
        {"iccid": iccid("8900012345678900002"), "isdp_aid": "A0000005591010FFFFFFFF8900001200",
         "state": "disabled", "class": "test", "nickname": "test",
         "service_provider": "Test Lab", "name": "Test Profile"},
    ]


def new_state(eid, smdp, smds, chain=None):
    return {
        "version": 1,
        "eid": eid,
        "isdr_aid": "A0000005591010FFFFFFFF8900000100",
        "default_smdp": smdp,
        "root_smds": smds,
        "euicc_info": {"svn": "2.3.0", "firmware": "1.0.0", "profile_version": "2.3.1",
                       "iot_versions": ["1.2.0"], "fallback_supported": True},
        "pki": chain if chain is not None else pki.make_chain(eid),
        "profiles": default_profiles(),
        "notifications": [],
        "package_results": [],
        "eims": [],
        "next_seq": 1,
        "next_association_token": 1,
        # One rule: PPR1 may be set by any operator, with end-user consent.
        "rat": [{"ppr_ids": [1], "operators": [{"mccmnc": "EEEEEE"}], "flags": [0]}],
        # A profile switch ends its command with SW 91xx (REFRESH pending), as real cards do.
        "refresh_sw": True,
        "faults": [],
    }


def key_choice(path):
    """A PEM public key -> A0 (eimPublicKey), a PEM certificate -> A1 (certificate)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import serialization
    with open(path, "rb") as f:
        pem = f.read()
    if b"CERTIFICATE" in pem:
        der = x509.load_pem_x509_certificate(pem).public_bytes(serialization.Encoding.DER)
        return tlv(0xA1, pyder.decode(der).value)
    key = serialization.load_pem_public_key(pem)
    der = key.public_bytes(serialization.Encoding.DER,
                           serialization.PublicFormat.SubjectPublicKeyInfo)
    return tlv(0xA0, pyder.decode(der).value)


def eim_config(spec):
    kv = {}
    for item in spec.split(","):
        if "=" not in item:
            raise ValueError("--add-initial-eim: %r is not key=value" % item)
        k, v = item.split("=", 1)
        kv[k.strip()] = v.strip()
    if not kv.get("eimId"):
        raise ValueError("--add-initial-eim: eimId missing")
    parts = [enc_utf8(kv["eimId"], tag=0x80)]
    if "fqdn" in kv:
        parts.append(enc_utf8(kv["fqdn"], tag=0x81))
    idtype = kv.get("idtype", "fqdn" if "fqdn" in kv else None)
    if idtype is not None:
        parts.append(enc_integer(ID_TYPES.get(idtype) or int(idtype), tag=0x82))
    parts.append(enc_integer(int(kv.get("counter", "0")), tag=0x83))
    if "token" in kv:
        parts.append(enc_integer(0, tag=0x84))
    if "pubkey" in kv:
        parts.append(tlv(0xA5, key_choice(kv["pubkey"])))
    if "tls" in kv:
        parts.append(tlv(0xA6, key_choice(kv["tls"])))
    # A name, or a bit number (bit7: a bit no version defines yet).
    protos = kv.get("protocol", "retrieve-https").split("+")
    try:
        bits = [int(p[3:]) if p.startswith("bit") else PROTOCOLS[p] for p in protos]
        parts.append(enc_named_bits(bits, tag=0x87))
    except (KeyError, ValueError) as exc:
        raise ValueError("--add-initial-eim: unknown protocol %s" % exc)
    if kv.get("indirect"):
        parts.append(tlv(0x89))
    return tlv(0x30, parts)


def main(argv):
    ap = argparse.ArgumentParser(description="create a software eUICC state file")
    ap.add_argument("--state", required=True)
    ap.add_argument("--eid", default=None)
    ap.add_argument("--pki", default=None,
                    help="JSON file with the PEM chain to use (e.g. an SM-DP+ test PKI's "
                         "euicc-pki.json); its \"eid\" is the default EID")
    ap.add_argument("--smdp", default="smdp.example.com")
    ap.add_argument("--smds", default="lpa.ds.gsma.com")
    ap.add_argument("--notification-address")
    ap.add_argument("--add-initial-eim", action="append", default=[])
    ap.add_argument("--fault", action="append", default=[])
    ap.add_argument("--card-kind", choices=("euicc", "sgp22", "uicc", "m2m"), default="euicc",
                    help="sgp22: a consumer eUICC without the SGP.32 functions (card.py SoftEuicc.kind)")
    args = ap.parse_args(argv)

    chain = None
    if args.pki is not None:
        with open(args.pki) as f:
            given = json.load(f)
        keys = ("ci_cert", "ci_key", "eum_cert", "eum_key", "euicc_cert", "euicc_key")
        chain = {k: given.get(k, "") for k in keys}
        if args.eid is None:
            args.eid = given.get("eid")
        elif given.get("eid") not in (None, args.eid):
            raise ValueError("--eid %s differs from the EID %s of the --pki chain"
                             % (args.eid, given["eid"]))
    if args.eid is None:
        args.eid = DEFAULT_EID
    if not ids.eid_is_valid(args.eid):
        raise ValueError("EID %s: not 32 digits with valid mod 97-10 check digits" % args.eid)
    data = new_state(args.eid, args.smdp, args.smds, chain)
    data["faults"] = list(args.fault)
    if args.card_kind != "euicc":
        data["card_kind"] = args.card_kind
    if args.notification_address:
        data["notification_address"] = args.notification_address
    statelib.write_atomic(args.state, data)

    # Pending notifications as a card that has lived a little would hold them.
    st = statelib.State(args.state)
    p = st["profiles"]
    address = args.notification_address or args.smdp
    add_notification(st, "install", address, p[1]["iccid"], p[1]["isdp_aid"])
    add_notification(st, "enable", address, p[0]["iccid"])
    gone = "8900012345678900003"                   # a profile deleted earlier
    add_notification(st, "delete", address, gone + ids.luhn_digit(gone))
    st.save()

    if args.add_initial_eim:
        configs = [eim_config(s) for s in args.add_initial_eim]
        card = SoftEuicc(args.state)
        ch = client.open_isdr(card)
        resp = client.es10(card, ch, tlv(0xBF57, tlv(0xA0, configs)))
        client.close(card, ch)
        r = pyder.decode(resp, expect=0xBF57)
        if r.find(0xA0) is None:
            err = r.find(0x81)
            raise ValueError("AddInitialEim refused by the card: error %s"
                             % (err.int() if err is not None else resp.hex()))
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv[1:]))
    except (ValueError, OSError, statelib.StateError, client.CardError, pyder.DerError) as exc:
        print("init.py: %s" % exc, file=sys.stderr)
        sys.exit(1)

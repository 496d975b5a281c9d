#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""Prints "<ASN1TypeName> <HEX>" for every DER structure of a profile download as the
peers build them (SM-DP+, software eUICC, the eIM relay), for the asn1c conformance
oracle (tests/conformance/run-oracle.sh).  The download runs in-process: the SM-DP+
functions are called directly instead of over HTTPS, a successful one, then one
cancelled after PrepareDownload, both also through the eIM relay's ASN.1 binding."""

import base64
import os
import shutil
import subprocess
import sys
import tempfile

sys.dont_write_bytecode = True
HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "lib"))
sys.path.insert(0, HERE)

import pyder  # noqa: E402
from pyder import tlv  # noqa: E402
from softeuicc import SoftEuicc, client  # noqa: E402
from smdp import core, package, pki  # noqa: E402
from smdp.ipa import Ipa, IndirectIpa, StepError  # noqa: E402
from eim import relay as relaylib  # noqa: E402

OUT = []
# asn1c 0.9.28 generates the [7] / [8] / [6] tags of the BoundProfilePackage SEQUENCE OF
# members as EXPLICIT, so it cannot read a BPP (86/87/88 TLVs, SGP.22 2.5.4): the BPP is
# checked here by its InitialiseSecureChannelRequest and, in test-smdp.py, by its
# segmentation (test-vectors.md section G) and by the card decrypting it.
BPP_NOTE = "# a BoundProfilePackage (not checkable with asn1c 0.9.28) left out"


def emit(name, der):
    OUT.append("%s %s" % (name, der.hex().upper()))


def call(rsp, function, body):
    fn = {"initiateAuthentication": rsp.initiate_authentication,
          "authenticateClient": rsp.authenticate_client,
          "getBoundProfilePackage": rsp.get_bound_profile_package,
          "handleNotification": rsp.handle_notification,
          "cancelSession": rsp.cancel_session}[function]
    try:
        return fn(body)[1]
    except core.Failed as exc:
        raise StepError(function, "Failed %s/%s %s" % (exc.subject, exc.reason, exc.message))


class LocalIpa(Ipa):
    """The IPA with the SM-DP+ called in-process; records what it sends and gets."""

    def __init__(self, card, rsp):
        super().__init__(card, None)
        self.rsp = rsp

    def _post(self, prefix, function, body):
        out = call(self.rsp, function, body)
        for key, name in (("serverSigned1", "ServerSigned1"), ("smdpSigned2", "SmdpSigned2"),
                          ("profileMetadata", "StoreMetadataRequest")):
            if out and key in out:
                emit(name, base64.b64decode(out[key]))
        return out

    def _es10(self, ch, request, what):
        resp = super()._es10(ch, request, what)
        tag = pyder.read_tag(request, 0)[0]
        names = {0xBF38: ("AuthenticateServerRequest", "SGP32-AuthenticateServerResponse"),
                 0xBF21: ("PrepareDownloadRequest", "SGP32-PrepareDownloadResponse"),
                 0xBF41: ("CancelSessionRequest", "SGP32-CancelSessionResponse")}
        if tag in names:
            emit(names[tag][0], request)
            emit(names[tag][1], resp)
        if resp[:2] == b"\xbf\x37":
            emit("SGP32-ProfileInstallationResult", resp)
        return resp


class LocalRelay(relaylib.Relay):
    def __init__(self, rsp, smds=None):
        super().__init__(None, smds=[smds.address] if smds is not None else [])
        self.rsp = rsp
        self.ds = smds

    @property
    def enabled(self):
        return True

    def call(self, address, function, body):
        target = self.ds if self.ds is not None and address == self.ds.address else self.rsp
        try:
            return call(target, function, body)
        except StepError as exc:
            sub, _, rest = exc.message.partition(" ")[2].partition(" ")
            subject, _, reason = sub.partition("/")
            raise relaylib.RelayFailed(subject, reason, rest)


class LocalIndirectIpa(IndirectIpa):
    """The IPA talking ESipa (ASN.1 binding) to the relay in-process."""

    def __init__(self, card, relay):
        super().__init__(card, None, "eim.invalid:1", "asn1")
        self.relay = relay

    def _esipa_raw(self, function, body, ctype):
        emit("EsipaMessageFromIpaToEim", body)
        msg = pyder.decode(body)
        if msg.tag == 0xBF3D:
            self.relay.notification(msg.req(0xA0).children()[0].raw)
            return None
        out = self.relay.asn1(msg)
        ok = pyder.decode(out).children()[0]
        if ok.constructed and ok.find(0xBF36) is not None:
            OUT.append(BPP_NOTE)
        else:
            emit("EsipaMessageFromEimToIpa", out)
        return out


def main():
    tmp = tempfile.mkdtemp(prefix="dump-download-")
    try:
        return dump(tmp)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def dump(tmp):
    paths = pki.ensure(os.path.join(tmp, "pki"))
    rsp = core.RspServer("smdp", paths, "127.0.0.1:1")
    rsp.add_profiles([{"matchingId": "M1", "iccid": "8944000000000000013", "size": 4000,
                       "class": "test", "ppr": [1], "owner_mccmnc": "13F001"},
                      {"matchingId": "M2", "iccid": "8944000000000000021", "size": 3000,
                       "rsk": "1", "cc": "12"}])
    for pe in pyder.decode_all(package.build_upp("8944000000000000013", 4000)):
        emit("ProfileElement", pe.raw)
    for n, (mid, cc) in enumerate((("M1", None), ("M2", "12"))):
        state = os.path.join(tmp, "card%d.json" % n)
        subprocess.run([sys.executable, os.path.join(HERE, "softeuicc", "init.py"), "--state",
                        state, "--pki", paths["euicc_pki"]], check=True)
        card = SoftEuicc(state)
        res = LocalIpa(card, rsp).download("127.0.0.1:1", mid, confirmation_code=cc)
        if not res["ok"]:
            raise SystemExit("direct download %s failed: %s" % (mid, res.get("error")))
        isc = pyder.decode(res["bpp"]).children()[0]
        emit("InitialiseSecureChannelRequest", isc.raw)
        res = LocalIpa(card, rsp).download("127.0.0.1:1", mid, confirmation_code=cc,
                                           cancel_after="prepare")
        if not res.get("cancelled"):
            raise SystemExit("cancel %s failed: %s" % (mid, res))
        card2 = SoftEuicc(state)
        card2.state["profiles"] = [p for p in card2.state["profiles"]
                                   if p["iccid"] != rsp.profiles[n]["iccid"]]
        card2.state.save()
        relay = LocalRelay(rsp)
        ipa = LocalIndirectIpa(card2, relay)
        if cc is not None:
            # The eIM knows the code: eimTransactionId in BF39, hashCc in the BF3B answer.
            ipa.eim_txid = "0102030405060708"
            relay.codes[ipa.eim_txid] = cc
        res = ipa.download("127.0.0.1:1", mid, confirmation_code=cc)
        if not res["ok"] or (cc is not None and not res.get("hash_cc_from_eim")):
            raise SystemExit("indirect download %s failed: %s" % (mid, res.get("error")))
        ipa.download("127.0.0.1:1", mid, confirmation_code=cc, cancel_after="prepare")
        ipa.download("127.0.0.1:1", "NO-SUCH-ID")
    # contactSmds through the eIM: ES11 to the SM-DS, authenticateClientOkDSEsipa with a BF54.
    ds = core.RspServer("smds", paths, "127.0.0.1:2")
    ds.add_events([{"eid": card.state["eid"], "eventId": "M1", "rspServerAddress": "127.0.0.1:1"}])
    ac = LocalIndirectIpa(card, LocalRelay(rsp, ds)).discover("127.0.0.1:2")
    if ac != "1$127.0.0.1:1$M1":
        raise SystemExit("SM-DS event through the relay: got %r" % ac)
    ch = client.open_isdr(card)
    emit("RetrieveNotificationsListResponse", client.es10(card, ch, tlv(0xBF2B)))
    client.close(card, ch)
    print("\n".join(OUT))
    return 0


if __name__ == "__main__":
    sys.exit(main())

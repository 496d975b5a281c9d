# SPDX-License-Identifier: Apache-2.0
"""State of the test eIM, shared by the ESipa and admin threads under one lock:
a record per EID (counter, association token, eUICC certificate, package queue,
polls, results), the fault switches, connection statistics and a request log."""

import base64
import collections
import json
import threading
import time

from cryptography.x509.oid import NameOID

from . import packages, pki

# Fault kinds and the functions they can apply to (None = every function).
FAULT_KINDS = {
    "http-status": None, "delay": None, "drop": None, "truncate": None, "garbage": None,
    "content-type": None, "wrong-cert": None, "failed-status": None,
    "package-error": ("getEimPackage", "provideEimPackageResult"),
    "no-ack": ("provideEimPackageResult",),
    "ack-extra": ("provideEimPackageResult",),
}


def jsonable(value):
    """Bytes -> upper-case hex, recursively, so records can go out as JSON."""
    if isinstance(value, (bytes, bytearray)):
        return bytes(value).hex().upper()
    if isinstance(value, dict):
        return {k: jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [jsonable(v) for v in value]
    return value


class Store:
    def __init__(self, ctx):
        self.ctx = ctx                      # eim_id, eim_key, eim_pub_pem, eim_cert_pem
        self.lock = threading.RLock()
        self.euiccs = {}
        self.txid_owner = {}                # eimTransactionId hex -> EID, for results without EID
        self.faults = []
        self.coverage = {"card_state": None, "no_coverage": [], "refused": 0}
        self._reset_stats()

    # ------------------------------------------------------------ records

    def _reset_stats(self):
        self.connections = []
        self.log = []
        self.unattributed = []
        self.next_result_id = 1

    def record(self, eid):
        """The record of an EID (hex, upper case), created on first use."""
        eid = eid.upper()
        rec = self.euiccs.get(eid)
        if rec is None:
            rec = {"eid": eid, "counter": 0, "initial_counter": 0, "association_token": None,
                   "euicc_cert": None, "cert_source": None, "queue": collections.deque(),
                   "results": [], "polls": [], "seen_txids": set(), "seen_seqs": set(),
                   "sent": [], "held": {}}
            self.euiccs[eid] = rec
        return rec

    def set_euicc(self, eid, counter=None, token=None, cert_pem=None, consumer=False):
        if not isinstance(eid, str) or len(eid) != 32:
            raise ValueError("eid: 32 hex digits expected")
        bytes.fromhex(eid)
        with self.lock:
            rec = self.record(eid)
            if counter is not None:
                if not isinstance(counter, int) or counter < 0:
                    raise ValueError("counter: non-negative integer expected")
                rec["counter"] = counter
                rec["initial_counter"] = counter
            rec["association_token"] = token
            if cert_pem is not None:
                rec["euicc_cert"] = pki.cert_from_pem_or_der(cert_pem)
                rec["cert_source"] = "admin"
            # A consumer (SGP.22) eUICC: its IPA checks the packages and cannot sign for the eUICC.
            rec["consumer"] = bool(consumer)
            return self.describe(rec)

    def describe(self, rec):
        return {"eid": rec["eid"], "counter": rec["counter"],
                "initial_counter": rec["initial_counter"],
                "association_token": rec["association_token"],
                "euicc_cert": rec["cert_source"], "queued": len(rec["queue"])}

    def enqueue(self, eid, package, brk=None, txid=None):
        if not isinstance(eid, str) or len(eid) != 32:
            raise packages.PackageError("eid: 32 hex digits expected")
        try:
            bytes.fromhex(eid)
        except ValueError:
            raise packages.PackageError("eid: 32 hex digits expected")
        with self.lock:
            rec = self.record(eid)
            saved = rec["counter"]
            try:
                entry = packages.build(self.ctx, rec, package, brk, txid)
            except Exception:
                rec["counter"] = saved
                raise
            rec["queue"].append(entry)
            if entry["transaction_id"] is not None:
                self.txid_owner[entry["transaction_id"]] = rec["eid"]
            return {"transaction_id": entry["transaction_id"], "counter": entry["counter"],
                    "kind": entry["kind"], "der": entry["der"].hex().upper()}

    def pop(self, eid):
        with self.lock:
            rec = self.record(eid)
            if not rec["queue"]:
                return None
            entry = rec["queue"].popleft()
            rec["sent"].append(entry)
            return entry

    def add_poll(self, eid, info):
        with self.lock:
            rec = self.record(eid)
            info = dict(info, time=time.time())
            rec["polls"].append(info)
            return info

    # ------------------------------------------------------------ signatures

    def _cert_for(self, rec):
        return rec["euicc_cert"]

    def _learn_cert(self, rec, der, source):
        """Keep an eUICC certificate seen on the wire unless the admin gave one."""
        if rec is None or rec["cert_source"] == "admin":
            return
        try:
            rec["euicc_cert"] = pki.cert_from_pem_or_der(der)
            rec["cert_source"] = source
        except ValueError:
            pass

    def _verify_epr(self, rec, pr):
        """signature_valid of a decoded EuiccPackageResult: True/False, None when it is
        unsigned or no eUICC certificate is known."""
        if pr["signature"] is None:
            return None
        if pr["signature"] == b"" and rec is not None and rec.get("consumer"):
            # What an eIM accepts from the IPA of a consumer eUICC (docs/sgp22.md): the result unsigned.
            return None
        cert = self._cert_for(rec) if rec is not None else None
        if cert is None:
            return None
        data = pr["signed_data"]
        if pr["eimId"] == self.ctx["eim_id"] and rec["association_token"] is not None:
            data += packages.association_token_tlv(rec["association_token"])
        return pki.verify_with_cert(cert, data, pr["signature"])

    def _verify_notification(self, rec, n):
        if n["signature"] is None:
            return None
        if n["cert"] is not None:
            try:
                cert = pki.cert_from_pem_or_der(n["cert"])
            except ValueError:
                return False
        else:
            cert = self._cert_for(rec) if rec is not None else None
            if cert is None:
                return None
        return pki.verify_with_cert(cert, n["signed_data"], n["signature"])

    # ------------------------------------------------------------ results

    def eid_for(self, eid, txid, conn_eid, cert_der=None):
        """Which EID a message without (or with) eidValue belongs to."""
        if eid is not None:
            return eid
        if conn_eid is not None:            # the IPA polled on this connection
            return conn_eid
        if txid is not None and txid in self.txid_owner:
            return self.txid_owner[txid]
        if cert_der is not None:
            # SGP.26 eUICC certificates carry the EID as the subject serialNumber.
            try:
                cert = pki.cert_from_pem_or_der(cert_der)
                attrs = cert.subject.get_attributes_for_oid(NameOID.SERIAL_NUMBER)
                if attrs and len(attrs[0].value) == 32:
                    return attrs[0].value.upper()
            except (ValueError, AttributeError):
                pass
        return None

    def _notification_entry(self, rec, n, acks):
        valid = self._verify_notification(rec, n)
        seq = n["seqNumber"]
        dup = seq is not None and seq in rec["seen_seqs"]
        if seq is not None and valid is not False:
            rec["seen_seqs"].add(seq)
            acks.append(seq)
        out = {k: v for k, v in n.items() if k not in ("signed_data", "cert")}
        out["signature_valid"] = valid
        out["duplicate"] = dup
        return out

    def _package_result_entry(self, rec, pr, acks):
        valid = self._verify_epr(rec, pr)
        seq = pr["seqNumber"]
        txid = pr["eimTransactionId"]
        # The signed result of a ProfileRollback carries the transaction id of the package it
        # undid: a second result for that id, not a repeat of the first.
        rollback = any(x.get("name") == "rollbackResult" for x in pr.get("results") or [])
        dup = (seq is not None and seq in rec["seen_seqs"]) or (
            txid is not None and txid in rec["seen_txids"] and not rollback)
        if seq is not None and valid is not False:
            rec["seen_seqs"].add(seq)
            acks.append(seq)
        out = {k: v for k, v in pr.items() if k != "signed_data"}
        out["signature_valid"] = valid
        out["duplicate"] = dup
        return out, valid, dup

    def add_result(self, decoded, raw, binding, function, conn_eid, no_ack=False, extra_acks=None):
        """Record a decoded ProvideEimPackageResult (also when it came inside
        HandleNotificationEsipa).  Returns (entry, acknowledged seqNumbers); entry is
        None when no EID can be attributed."""
        with self.lock:
            eid = self.eid_for(decoded["eid"], decoded["eimTransactionId"], conn_eid)
            if eid is None:
                entry = jsonable({"id": self.next_result_id, "time": time.time(),
                                  "function": function, "binding": binding,
                                  "kind": decoded["kind"], "eid": None,
                                  "error": "no eidValue and no EID known for this connection",
                                  "raw": raw.hex().upper()})
                self.next_result_id += 1
                self.unattributed.append(entry)
                return None, []
            rec = self.record(eid)
            acks = []
            entry = {"id": self.next_result_id, "time": time.time(), "function": function,
                     "binding": binding, "kind": decoded["kind"], "eid": eid,
                     "eid_in_message": decoded["eid"] is not None,
                     "eimTransactionId": decoded["eimTransactionId"],
                     "seqNumber": decoded["seqNumber"], "results": decoded["results"],
                     "signature_valid": None, "duplicate": False, "error": decoded["error"],
                     "download": decoded["download"], "package_result": None,
                     "notifications": [], "ipaEuiccData": None, "raw": raw.hex().upper()}
            self.next_result_id += 1
            txid = decoded["eimTransactionId"]
            entry["known_transaction"] = txid is not None and any(
                s["transaction_id"] == txid for s in rec["sent"])
            if decoded["package_result"] is not None:
                pr, valid, dup = self._package_result_entry(rec, decoded["package_result"], acks)
                entry["package_result"] = pr
                entry["signature_valid"] = valid
                entry["duplicate"] = dup
            else:
                entry["duplicate"] = txid is not None and txid in rec["seen_txids"]
            data = decoded["ipaEuiccData"]
            if data is not None:
                # What minimizeEsipaBytes lets the IPA leave out of the download (eim/compact.py).
                for key in ("euiccInfo1", "euiccInfo2", "euiccCertificate", "eumCertificate"):
                    if data.get(key):
                        rec["held"][key] = data[key]
                if data.get("euiccCertificate"):
                    self._learn_cert(rec, bytes.fromhex(data["euiccCertificate"]), "ipaEuiccData")
                if data.get("associationToken") is not None and rec["association_token"] is None:
                    rec["association_token"] = data["associationToken"]
                view = dict(data)
                if "notificationsList" in data:
                    view["notificationsList"] = [self._notification_entry(rec, n, acks)
                                                 for n in data["notificationsList"]]
                if "euiccPackageResultList" in data:
                    view["euiccPackageResultList"] = [
                        self._package_result_entry(rec, pr, acks)[0]
                        for pr in data["euiccPackageResultList"]]
                entry["ipaEuiccData"] = view
            entry["notifications"] = [self._notification_entry(rec, n, acks)
                                      for n in decoded["notifications"]]
            if txid is not None:
                rec["seen_txids"].add(txid)
            if no_ack:
                acks = []
            acks = acks + [n for n in (extra_acks or []) if n not in acks]
            entry["acknowledged"] = acks
            entry = jsonable(entry)
            rec["results"].append(entry)
            return entry, acks

    def held(self, eid):
        """What the eUICC's IpaEuiccData gave this eIM (hex DER by name), {} when nothing."""
        with self.lock:
            rec = self.euiccs.get(eid.upper()) if eid else None
            return dict(rec["held"]) if rec is not None else {}

    def add_notification(self, n, raw, binding, conn_eid):
        """Record a HandleNotificationEsipa.pendingNotification."""
        with self.lock:
            eid = self.eid_for(n.get("eid"), None, conn_eid, n["cert"])
            rec = self.record(eid) if eid is not None else None
            if rec is not None and n["cert"] is not None:
                self._learn_cert(rec, n["cert"], "notification")
            acks = []
            if rec is not None:
                view = self._notification_entry(rec, n, acks)
            else:
                view = {k: v for k, v in n.items() if k not in ("signed_data", "cert")}
                view["signature_valid"] = None
                view["duplicate"] = False
            entry = {"id": self.next_result_id, "time": time.time(),
                     "function": "handleNotification", "binding": binding,
                     "kind": "pendingNotification", "eid": eid, "eimTransactionId": None,
                     "seqNumber": n["seqNumber"], "results": [],
                     "signature_valid": view["signature_valid"], "duplicate": view["duplicate"],
                     "notification": view, "raw": raw.hex().upper()}
            self.next_result_id += 1
            entry = jsonable(entry)
            if rec is not None:
                rec["results"].append(entry)
            else:
                self.unattributed.append(entry)
            return entry

    # ------------------------------------------------------------ coverage

    def set_coverage(self, card_state, no_coverage):
        """Profiles of the software eUICC (its state file) that have no coverage: while one
        of them is enabled, the eIM cannot be reached."""
        if not isinstance(no_coverage, list) or not all(isinstance(i, str) for i in no_coverage):
            raise ValueError("no_coverage: list of ICCIDs expected")
        if no_coverage and not isinstance(card_state, str):
            raise ValueError("card_state: the software eUICC's state file expected")
        with self.lock:
            self.coverage = {"card_state": card_state, "no_coverage": list(no_coverage),
                             "refused": 0}
            return dict(self.coverage)

    def coverage_view(self):
        return dict(self.coverage)

    def _enabled_iccid(self, path):
        # The card replaces its state file atomically: one retry covers a read during os.replace.
        for _ in range(2):
            try:
                with open(path) as f:
                    state = json.load(f)
                return next((p["iccid"] for p in state.get("profiles", [])
                             if p.get("state") == "enabled"), None)
            except (OSError, ValueError):
                continue
        return None

    def refuse_for_coverage(self):
        """Whether a new connection finds no coverage (and is counted as refused)."""
        with self.lock:
            cov = dict(self.coverage)
        if not cov["no_coverage"]:
            return False
        if self._enabled_iccid(cov["card_state"]) not in cov["no_coverage"]:
            return False
        with self.lock:
            self.coverage["refused"] += 1
        return True

    # ------------------------------------------------------------ faults

    def set_faults(self, faults):
        """Replace the fault switches (an empty list clears them)."""
        if not isinstance(faults, list):
            raise ValueError("faults: list expected")
        out = []
        for f in faults:
            if not isinstance(f, dict) or f.get("kind") not in FAULT_KINDS:
                raise ValueError("fault %r: kind must be one of %s"
                                 % (f, ", ".join(sorted(FAULT_KINDS))))
            f = dict(f)
            if f["kind"] == "http-status" and not isinstance(f.get("status"), int):
                raise ValueError("http-status fault needs an integer 'status'")
            if f["kind"] == "delay" and not isinstance(f.get("ms"), (int, float)):
                raise ValueError("delay fault needs 'ms'")
            if f["kind"] == "http-status" and not isinstance(f.get("body", ""), str):
                raise ValueError("http-status fault: 'body' must be a string")
            if f["kind"] == "content-type" and not isinstance(f.get("value"), str):
                raise ValueError("content-type fault needs a string 'value'")
            if f["kind"] == "package-error" and not isinstance(f.get("code"), int):
                raise ValueError("package-error fault needs an integer 'code'")
            if f["kind"] == "ack-extra" and not (isinstance(f.get("seq"), list) and all(
                    isinstance(n, int) for n in f["seq"])):
                raise ValueError("ack-extra fault needs 'seq', a list of integers")
            default = -1 if f["kind"] == "wrong-cert" else 1
            f["count"] = int(f.get("count", default))
            f["used"] = 0
            out.append(f)
        with self.lock:
            self.faults = out
            return list(self.faults)

    def take_faults(self, function, kinds):
        """Consume and return the matching faults of the given kinds: every delay, and
        at most one of the others."""
        taken = []
        with self.lock:
            for f in self.faults:
                if f["kind"] not in kinds or f["count"] == 0:
                    continue
                if f.get("function") is not None and f["function"] != function:
                    continue
                applies = FAULT_KINDS[f["kind"]]
                if applies is not None and function not in applies:
                    continue
                if f["kind"] != "delay" and any(t["kind"] != "delay" for t in taken):
                    continue
                if f["count"] > 0:
                    f["count"] -= 1
                f["used"] += 1
                taken.append(dict(f))
        return taken

    def wrong_cert_now(self):
        """Whether the next TLS connection gets the unrelated certificate."""
        return bool(self.take_faults(None, ("wrong-cert",)))

    # ------------------------------------------------------------ statistics

    def open_connection(self, peer, wrong_cert):
        with self.lock:
            c = {"id": len(self.connections) + 1, "peer": "%s:%d" % peer[:2],
                 "opened": time.time(), "closed": None, "tls": None, "tls_version": None,
                 "cert": "wrong" if wrong_cert else "normal", "requests": 0,
                 "http_in": 0, "http_out": 0, "body_in": 0, "body_out": 0, "error": None}
            self.connections.append(c)
            return c

    def add_log(self, item):
        with self.lock:
            item = dict(item, time=time.time())
            self.log.append(item)

    def stats(self):
        with self.lock:
            conns = [dict(c) for c in self.connections]
            return {
                "connections": len(conns),
                "handshakes_full": sum(1 for c in conns if c["tls"] == "full"),
                "handshakes_resumed": sum(1 for c in conns if c["tls"] == "resumed"),
                "handshake_failures": sum(1 for c in conns if c["tls"] == "failed"),
                "requests": sum(c["requests"] for c in conns),
                "requests_per_connection": [c["requests"] for c in conns],
                "http_bytes_in": sum(c["http_in"] for c in conns),
                "http_bytes_out": sum(c["http_out"] for c in conns),
                "body_bytes_in": sum(c["body_in"] for c in conns),
                "body_bytes_out": sum(c["body_out"] for c in conns),
                "per_connection": conns,
            }

    def reset(self):
        """Clear queues, polls, results, faults, statistics and the log.  Counters,
        association tokens and certificates stay: the eUICC keeps its counter too."""
        with self.lock:
            for rec in self.euiccs.values():
                rec["queue"].clear()
                rec["results"] = []
                rec["polls"] = []
                rec["sent"] = []
                rec["seen_txids"] = set()
                rec["seen_seqs"] = set()
            self.txid_owner = {}
            self.faults = []
            self.coverage = {"card_state": None, "no_coverage": [], "refused": 0}
            self._reset_stats()

    # ------------------------------------------------------------ views

    def results(self, eid=None):
        with self.lock:
            recs = [self.euiccs[eid.upper()]] if eid and eid.upper() in self.euiccs else (
                [] if eid else list(self.euiccs.values()))
            out = [r for rec in recs for r in rec["results"]]
            if not eid:
                out += self.unattributed
            return sorted(out, key=lambda r: r["id"])

    def polls(self, eid=None):
        with self.lock:
            recs = [self.euiccs[eid.upper()]] if eid and eid.upper() in self.euiccs else (
                [] if eid else list(self.euiccs.values()))
            return [dict(p, eid=rec["eid"]) for rec in recs for p in rec["polls"]]

    def queue_view(self, eid=None):
        with self.lock:
            recs = [self.euiccs[eid.upper()]] if eid and eid.upper() in self.euiccs else (
                [] if eid else list(self.euiccs.values()))
            return [{"eid": rec["eid"], "counter": rec["counter"],
                     "pending": [{"kind": e["kind"], "transaction_id": e["transaction_id"],
                                  "counter": e["counter"], "break": e["break"],
                                  "der": e["der"].hex().upper()} for e in rec["queue"]]}
                    for rec in recs]


def b64(data):
    return base64.b64encode(data).decode("ascii")


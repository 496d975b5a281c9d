#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""Test eIM (SGP.32 v1.2 ESipa over HTTPS) for euiccd's tests.

    /usr/bin/python3 tests/peers/eim/server.py --dir DIR [--port 0] [--admin-port 0]
        [--binding asn1|json|both] [--eim-id eim-test] [--smdp-ca CI.pem]
        [--smds-address HOST:PORT]... [--verbose]

At first start in DIR it creates the TLS CA, server certificates and the eIM signing
key (see eim/pki.py), then writes DIR/eim.json and prints one line
`ready https://127.0.0.1:<port> admin http://127.0.0.1:<admin-port>` once both servers
listen.  SIGTERM or SIGINT: both servers stop and the process exits with status 0."""

import argparse
import json
import os
import signal
import sys
import threading

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from eim import admin, esipa, pki, relay  # noqa: E402
from eim.store import Store  # noqa: E402

from cryptography.hazmat.primitives import serialization  # noqa: E402


class App:
    """What the two servers share."""

    def __init__(self, directory, eim_id, binding, verbose, smdp_ca=None, smds=()):
        self.dir = os.path.abspath(directory)
        pki.ensure(self.dir)
        path = self.path
        key = pki.load_private_key(path("eim-key.pem"))
        with open(path("eim-cert.pem")) as f:
            cert_pem = f.read()
        pub_pem = key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo).decode()
        self.store = Store({"eim_id": eim_id, "eim_key": key, "eim_pub_pem": pub_pem,
                            "eim_cert_pem": cert_pem})
        self.eim_id = eim_id
        self.binding = binding
        self.verbose = verbose
        self.tls = esipa.tls_context(path("server.pem"), path("server.key"))
        self.wrong_tls = esipa.tls_context(path("wrong-server.pem"), path("wrong-server.key"))
        self.info = {}
        # ESipa download functions go on to the SM-DP+ over ES9+ when its CA is given.
        self.relay = relay.Relay(smdp_ca, smds=smds)

    def path(self, name):
        return os.path.join(self.dir, name)


def write_info(app, port, admin_port):
    app.info = {
        "eim_id": app.eim_id,
        "binding": app.binding,
        "url": "https://127.0.0.1:%d" % port,
        "fqdn": "127.0.0.1:%d" % port,
        "port": port,
        "admin_url": "http://127.0.0.1:%d" % admin_port,
        "admin_port": admin_port,
        "pid": os.getpid(),
        "ca": app.path("ca.pem"),
        "server_cert": app.path("server.pem"),
        "server_key": app.path("server.key"),
        "wrong_ca": app.path("wrong-ca.pem"),
        "wrong_server_cert": app.path("wrong-server.pem"),
        "wrong_server_key": app.path("wrong-server.key"),
        "eim_key": app.path("eim-key.pem"),
        "eim_pub": app.path("eim-pub.pem"),
        "eim_cert": app.path("eim-cert.pem"),
    }
    tmp = app.path("eim.json.tmp")
    with open(tmp, "w") as f:
        json.dump(app.info, f, indent=1, sort_keys=True)
        f.write("\n")
    os.replace(tmp, app.path("eim.json"))


def main(argv=None):
    ap = argparse.ArgumentParser(description="test eIM (SGP.32 v1.2 ESipa server)")
    ap.add_argument("--dir", required=True, help="key material, eim.json")
    ap.add_argument("--port", type=int, default=0, help="HTTPS port (0 = any free port)")
    ap.add_argument("--admin-port", type=int, default=0, help="admin HTTP port (0 = any)")
    ap.add_argument("--binding", choices=("asn1", "json", "both"), default="both")
    ap.add_argument("--eim-id", default="eim-test")
    ap.add_argument("--verbose", action="store_true", help="log every request on stderr")
    ap.add_argument("--smdp-ca", default=None,
                    help="CA (the SM-DP+'s CI) to verify SM-DP+ TLS with: relays the ESipa "
                         "download functions to the SM-DP+ over ES9+")
    ap.add_argument("--smds-address", action="append", default=[],
                    help="an SM-DS (host:port) that the relay speaks ES11 to (repeatable)")
    args = ap.parse_args(argv)

    if not 1 <= len(args.eim_id.encode()) <= 128:
        ap.error("--eim-id: 1..128 bytes")
    try:
        app = App(args.dir, args.eim_id, args.binding, args.verbose, args.smdp_ca,
                  args.smds_address)
        srv = esipa.EsipaServer(("127.0.0.1", args.port), app)
        adm = admin.AdminServer(("127.0.0.1", args.admin_port), app)
    except (OSError, ValueError) as exc:
        print("eim server: %s" % exc, file=sys.stderr)
        return 1

    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    threads = [threading.Thread(target=s.serve_forever, kwargs={"poll_interval": 0.2},
                                daemon=True) for s in (srv, adm)]
    for t in threads:
        t.start()
    port, admin_port = srv.server_address[1], adm.server_address[1]
    write_info(app, port, admin_port)
    print("ready https://127.0.0.1:%d admin http://127.0.0.1:%d" % (port, admin_port),
          flush=True)
    while not stop.wait(1.0):
        pass
    for s in (srv, adm):
        s.shutdown()
        s.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())

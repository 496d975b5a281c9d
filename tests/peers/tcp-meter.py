#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""Byte-counting TCP relay: what a client really puts on the wire (TLS records,
HTTP headers and all) per connection, for the benchmarks.

    /usr/bin/python3 tests/peers/tcp-meter.py --listen 127.0.0.1:0 --to 127.0.0.1:PORT \
        [--stats FILE]

Prints `ready <port>` (flushed) once listening.  Every accepted connection is relayed
to --to; bytes are counted both ways ("up" = client to server, "down" = server to
client).  With --stats the JSON statistics are rewritten (temporary file + rename) on
every change:

    {"connections": n, "active": n, "bytes_up": n, "bytes_down": n, "failed": n,
     "per_connection": [{"id", "peer", "opened", "closed", "up", "down", "error"}]}

SIGTERM or SIGINT: stop accepting, close every relayed connection, write the final
statistics, exit 0."""

import argparse
import json
import os
import selectors
import signal
import socket
import sys
import threading
import time

CHUNK = 65536


class Meter:
    def __init__(self, target, stats_path):
        self.target = target
        self.stats_path = stats_path
        self.lock = threading.Lock()
        self.conns = []
        self.failed = 0
        self.sockets = set()

    def snapshot(self):
        with self.lock:
            per = [dict(c) for c in self.conns]
            return {"connections": len(per),
                    "active": sum(1 for c in per if c["closed"] is None),
                    "bytes_up": sum(c["up"] for c in per),
                    "bytes_down": sum(c["down"] for c in per),
                    "failed": self.failed,
                    "per_connection": per}

    def write(self):
        if self.stats_path is None:
            return
        snap = self.snapshot()
        with self.lock:
            tmp = "%s.%d.tmp" % (self.stats_path, threading.get_ident())
            with open(tmp, "w") as f:
                json.dump(snap, f, indent=1, sort_keys=True)
                f.write("\n")
            os.replace(tmp, self.stats_path)

    def relay(self, client, peer):
        with self.lock:
            rec = {"id": len(self.conns) + 1, "peer": "%s:%d" % peer[:2],
                   "opened": time.time(), "closed": None, "up": 0, "down": 0, "error": None}
            self.conns.append(rec)
            self.sockets.add(client)
        try:
            upstream = socket.create_connection(self.target, timeout=10)
        except OSError as exc:
            with self.lock:
                rec["error"] = "connect to %s:%d: %s" % (self.target + (exc,))
                rec["closed"] = time.time()
                self.failed += 1
                self.sockets.discard(client)
            client.close()
            self.write()
            return
        upstream.settimeout(None)
        with self.lock:
            self.sockets.add(upstream)
        self.write()
        sel = selectors.DefaultSelector()
        sel.register(client, selectors.EVENT_READ, (upstream, "up"))
        sel.register(upstream, selectors.EVENT_READ, (client, "down"))
        open_dirs = 2
        try:
            while open_dirs:
                for key, _ in sel.select():
                    src = key.fileobj
                    dst, direction = key.data
                    try:
                        data = src.recv(CHUNK)
                    except OSError as exc:
                        data = b""
                        with self.lock:
                            rec["error"] = "%s: %s" % (direction, exc)
                    if not data:
                        # Half-close: pass the EOF on, keep the other direction running.
                        sel.unregister(src)
                        open_dirs -= 1
                        try:
                            dst.shutdown(socket.SHUT_WR)
                        except OSError:
                            pass
                        continue
                    try:
                        dst.sendall(data)
                    except OSError as exc:
                        with self.lock:
                            rec["error"] = "%s: %s" % (direction, exc)
                        open_dirs = 0
                        break
                    with self.lock:
                        rec[direction] += len(data)
                    self.write()
        finally:
            sel.close()
            for s in (client, upstream):
                with self.lock:
                    self.sockets.discard(s)
                s.close()
            with self.lock:
                rec["closed"] = time.time()
            self.write()

    def close_all(self):
        with self.lock:
            socks = list(self.sockets)
        for s in socks:
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass


def hostport(text):
    host, sep, port = text.rpartition(":")
    if not sep or not port.isdigit():
        raise argparse.ArgumentTypeError("HOST:PORT expected, got %r" % text)
    return host, int(port)


def main(argv=None):
    ap = argparse.ArgumentParser(description="byte-counting TCP relay")
    ap.add_argument("--listen", type=hostport, default=("127.0.0.1", 0))
    ap.add_argument("--to", type=hostport, required=True)
    ap.add_argument("--stats", help="JSON statistics file, rewritten on every change")
    a = ap.parse_args(argv)

    try:
        lsock = socket.create_server(a.listen, reuse_port=False)
    except OSError as exc:
        print("tcp-meter: listen on %s:%d: %s" % (a.listen + (exc,)), file=sys.stderr)
        return 1
    lsock.settimeout(0.2)
    meter = Meter(a.to, a.stats)
    meter.write()
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    print("ready %d" % lsock.getsockname()[1], flush=True)
    threads = []
    while not stop.is_set():
        try:
            client, peer = lsock.accept()
        except socket.timeout:
            continue
        except OSError as exc:
            print("tcp-meter: accept: %s" % exc, file=sys.stderr)
            continue
        client.settimeout(None)
        t = threading.Thread(target=meter.relay, args=(client, peer), daemon=True)
        t.start()
        threads = [x for x in threads if x.is_alive()] + [t]
    lsock.close()
    meter.close_all()
    for t in threads:
        t.join(timeout=2)
    meter.write()
    return 0


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""Byte-counting TCP relay: what a client really puts on the wire (TLS records,
HTTP headers and all) per connection, for the benchmarks.

    /usr/bin/python3 tests/peers/tcp-meter.py --listen 127.0.0.1:0 --to 127.0.0.1:PORT \
        [--stats FILE] [--frames] [--rtt-ms MS]

Prints `ready <port>` (flushed) once listening.  Every accepted connection is relayed
to --to; bytes are counted both ways ("up" = client to server, "down" = server to
client).  --rtt-ms delays every byte by half of MS in each direction (the connection
setup included: the upstream connection opens half of MS after the accept), so one
round trip through the relay costs MS, as on a mobile link.  With --stats the JSON statistics are rewritten (temporary file + rename) on
every change:

    {"connections": n, "active": n, "bytes_up": n, "bytes_down": n, "failed": n,
     "per_connection": [{"id", "peer", "opened", "closed", "up", "down", "error"}],
     "frames": null | {"up": n, "down": n, "frame_bytes_up": n, "frame_bytes_down": n,
                       "payload_up": n, "payload_down": n, "drops": n, "last": time}}

--frames also captures the packets of the relayed client connections (those to the listening port) on
the loopback interface with an AF_PACKET socket (needs CAP_NET_RAW; without it "frames" stays null and
the reason goes to stderr): every TCP segment both ways, SYN, FIN and bare ACKs included, counted once
(as received; lo shows each packet twice).  frame_bytes are whole frames as the interface carries them
(14-byte link header, IP and TCP headers with their options, payload); payload_* are the TCP payload
bytes of the same segments: bytes_up / bytes_down plus whatever TCP retransmitted.  lo's MTU is 64 KB: a segment
larger than an Ethernet link's MSS would be several frames there (none is, in an idle poll).
SIGTERM or SIGINT: stop accepting, close every relayed connection, write the final
statistics, exit 0."""

import argparse
import json
import os
import selectors
import signal
import socket
import struct
import sys
import threading
import time

CHUNK = 65536


class Delayed:
    """One direction of a connection with a fixed one-way delay: data is sent when it
    is due, in order; None passes the EOF on."""

    def __init__(self, dst, delay):
        self.dst = dst
        self.delay = delay
        self.items = []
        self.cond = threading.Condition()
        self.error = None
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def put(self, data):
        with self.cond:
            self.items.append((time.monotonic() + self.delay, data))
            self.cond.notify()

    def _run(self):
        while True:
            with self.cond:
                while not self.items:
                    self.cond.wait()
                due, data = self.items.pop(0)
            wait = due - time.monotonic()
            if wait > 0:
                time.sleep(wait)
            try:
                if data is None:
                    self.dst.shutdown(socket.SHUT_WR)
                    return
                self.dst.sendall(data)
            except OSError as exc:
                self.error = exc
                return


class Meter:
    def __init__(self, target, stats_path, delay=0.0):
        self.delay = delay
        self.target = target
        self.stats_path = stats_path
        self.lock = threading.Lock()
        self.conns = []
        self.failed = 0
        self.sockets = set()

        self.frames = None

    def capture(self, port):
        """Counts the frames of connections to `port` on lo (AF_PACKET); None when not allowed."""
        try:
            raw = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(0x0800))
            raw.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)
            raw.bind(("lo", 0))
        except OSError as exc:
            print("tcp-meter: no frame capture on lo: %s" % exc, file=sys.stderr)
            return None
        self.frames = {"up": 0, "down": 0, "frame_bytes_up": 0, "frame_bytes_down": 0,
                       "payload_up": 0, "payload_down": 0, "drops": 0, "last": 0.0}
        t = threading.Thread(target=self._capture_loop, args=(raw, port), daemon=True)
        t.start()
        return t

    def _capture_loop(self, raw, port):
        packet_outgoing = 4      # linux/if_packet.h: the sending copy of a loopback packet
        packet_statistics = 6    # SOL_PACKET option: struct tpacket_stats {packets, drops}
        while True:
            frame, addr = raw.recvfrom(1 << 18)
            if addr[2] == packet_outgoing or len(frame) < 14 + 20:
                continue
            ip = frame[14:]
            ihl = (ip[0] & 0x0F) * 4
            if ip[0] >> 4 != 4 or ip[9] != 6 or len(ip) < ihl + 20:
                continue
            total = struct.unpack("!H", ip[2:4])[0]
            sport, dport = struct.unpack("!HH", ip[ihl:ihl + 4])
            if dport == port:
                direction = "up"
            elif sport == port:
                direction = "down"
            else:
                continue
            payload = total - ihl - (ip[ihl + 12] >> 4) * 4
            drops = struct.unpack("II", raw.getsockopt(263, packet_statistics, 8))[1]
            with self.lock:
                f = self.frames
                f[direction] += 1
                f["frame_bytes_" + direction] += len(frame)
                f["payload_" + direction] += payload
                f["drops"] += drops
                f["last"] = time.time()
            self.write()

    def snapshot(self):
        with self.lock:
            per = [dict(c) for c in self.conns]
            return {"connections": len(per),
                    "frames": dict(self.frames) if self.frames is not None else None,
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
        if self.delay:
            time.sleep(self.delay)
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
        delayed = {}
        if self.delay:
            delayed = {"up": Delayed(upstream, self.delay), "down": Delayed(client, self.delay)}
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
                        if direction in delayed:
                            delayed[direction].put(None)
                            continue
                        try:
                            dst.shutdown(socket.SHUT_WR)
                        except OSError:
                            pass
                        continue
                    try:
                        if direction in delayed:
                            delayed[direction].put(data)
                        else:
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
            for d in delayed.values():
                d.put(None)
                d.thread.join(timeout=self.delay + 5)
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
    ap.add_argument("--frames", action="store_true",
                    help="also count the client connections' frames on lo (needs CAP_NET_RAW)")
    ap.add_argument("--rtt-ms", type=float, default=0.0, help="round-trip time to add, half each way")
    a = ap.parse_args(argv)

    try:
        lsock = socket.create_server(a.listen, reuse_port=False)
    except OSError as exc:
        print("tcp-meter: listen on %s:%d: %s" % (a.listen + (exc,)), file=sys.stderr)
        return 1
    lsock.settimeout(0.2)
    meter = Meter(a.to, a.stats, a.rtt_ms / 2000.0)
    if a.frames:
        meter.capture(lsock.getsockname()[1])
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

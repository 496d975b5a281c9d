#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""A tiny HTTP CONNECT proxy for the HTTPS client test, loopback only.

    connect-proxy.py --log FILE [--mode proxy|silent]

Prints "ready <port>" once it listens on 127.0.0.1. In proxy mode it answers CONNECT to
127.0.0.1/localhost with 200 and relays bytes both ways, appending "CONNECT host:port" to
FILE for each tunnel; anything else gets 403. In silent mode it accepts connections and
never sends a byte (a server that never answers), appending "accepted" to FILE.
SIGTERM stops it."""

import argparse
import select
import signal
import socket
import sys
import threading

sys.dont_write_bytecode = True


def log(path, line):
    with open(path, "a") as f:
        f.write(line + "\n")


def relay(a, b):
    socks = [a, b]
    try:
        while True:
            ready, _, _ = select.select(socks, [], [], 60)
            if not ready:
                return
            for s in ready:
                data = s.recv(65536)
                if not data:
                    return
                (b if s is a else a).sendall(data)
    except OSError:
        return
    finally:
        for s in socks:
            try:
                s.close()
            except OSError:
                pass


def read_head(conn):
    head = b""
    while b"\r\n\r\n" not in head:
        chunk = conn.recv(4096)
        if not chunk or len(head) > 16384:
            return None
        head += chunk
    return head.split(b"\r\n\r\n", 1)[0].decode("latin-1")


def handle_proxy(conn, logfile):
    try:
        head = read_head(conn)
        if head is None:
            conn.close()
            return
        parts = head.split("\r\n", 1)[0].split()
        if len(parts) != 3 or parts[0] != "CONNECT":
            conn.sendall(b"HTTP/1.1 405 Method Not Allowed\r\nContent-Length: 0\r\n\r\n")
            conn.close()
            return
        host, _, port = parts[1].rpartition(":")
        if host not in ("127.0.0.1", "localhost") or not port.isdigit():
            conn.sendall(b"HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n")
            conn.close()
            return
        upstream = socket.create_connection(("127.0.0.1", int(port)), timeout=10)
        upstream.settimeout(None)
        log(logfile, "CONNECT %s" % parts[1])
        conn.sendall(b"HTTP/1.1 200 Connection established\r\n\r\n")
        relay(conn, upstream)
    except OSError:
        conn.close()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--log", required=True)
    ap.add_argument("--mode", choices=("proxy", "silent"), default="proxy")
    args = ap.parse_args()

    srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind(("127.0.0.1", 0))
    srv.listen(16)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    print("ready %d" % srv.getsockname()[1], flush=True)
    held = []
    while True:
        conn, _ = srv.accept()
        if args.mode == "silent":
            held.append(conn)      # kept open, never answered
            log(args.log, "accepted")
            continue
        threading.Thread(target=handle_proxy, args=(conn, args.log), daemon=True).start()


if __name__ == "__main__":
    main()

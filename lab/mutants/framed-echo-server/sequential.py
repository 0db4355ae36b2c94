#!/usr/bin/env python3
# MUTANT of lab/solutions/framed-echo-server/framed-echo-server.py: serves clients one after another.
"""framed-echo-server: echo length-prefixed frames, one thread per client.

Lesson 10 (framing). Run: python3 framed-echo-server.py PORT
A frame is a 4-byte unsigned length in network byte order (big endian),
then that many payload bytes.
"""
import os
import signal
import socket
import struct
import sys
import threading

MAX_FRAME = 16 * 1024 * 1024  # refuse larger lengths before allocating anything


def recv_exact(conn, n):
    """Exactly n bytes, or None if the client closes first.

    recv(n) returns *up to* n bytes: even a 4-byte header can arrive one
    byte at a time, so we loop until we have them all.
    """
    parts = []
    while n > 0:
        chunk = conn.recv(min(n, 65536))
        if not chunk:
            return None
        parts.append(chunk)
        n -= len(chunk)
    return b"".join(parts)


def handle(conn, addr):
    with conn:
        try:
            while True:
                header = recv_exact(conn, 4)
                if header is None:
                    return  # the client closed
                # "!I": network byte order, unsigned 32 bits. Plain "I" would
                # use this machine's order (little endian on x86) and get
                # every length wrong.
                (length,) = struct.unpack("!I", header)
                if length > MAX_FRAME:
                    print(f"framed-echo-server: {addr}: length {length} is too big, closing",
                          file=sys.stderr)
                    return
                payload = recv_exact(conn, length)
                if payload is None:
                    return
                conn.sendall(header + payload)  # one call: no pause between header and payload
        except OSError as e:
            print(f"framed-echo-server: {addr}: {e}", file=sys.stderr)


def main():
    host = os.environ.get("SOCKLAB_HOST", "127.0.0.1")
    port = int(sys.argv[-1])
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as server:
        server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        server.bind((host, port))
        server.listen(128)
        while True:
            conn, addr = server.accept()
            handle(conn, addr)  # MISTAKE: one client at a time


if __name__ == "__main__":
    main()

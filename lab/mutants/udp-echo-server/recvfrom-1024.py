#!/usr/bin/env python3
# MUTANT of lab/solutions/udp-echo-server/udp-echo-server.py: recvfrom(1024) truncates big datagrams.
"""udp-echo-server: send every datagram back to whoever sent it.

Lesson 11 (UDP). Run: python3 udp-echo-server.py PORT
No accept() and no threads: one socket serves everyone, because each
recvfrom() returns one whole datagram together with its sender's address.
"""
import os
import signal
import socket
import sys


def main():
    host = os.environ.get("SOCKLAB_HOST", "127.0.0.1")
    port = int(sys.argv[-1])
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.bind((host, port))
        while True:
            # 65535 bytes hold any UDP datagram. A smaller buffer (the
            # tutorials' 1024) silently cuts big datagrams short.
            data, addr = sock.recvfrom(1024)  # MISTAKE: longer datagrams are cut short
            try:
                sock.sendto(data, addr)  # an empty datagram goes back empty
            except OSError as e:
                print(f"udp-echo-server: {addr}: {e}", file=sys.stderr)


if __name__ == "__main__":
    main()

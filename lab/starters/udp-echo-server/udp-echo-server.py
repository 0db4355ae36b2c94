#!/usr/bin/env python3
"""udp-echo-server starter. The exercise: lab/EXERCISES.md "udp-echo-server".

Read first: lessons/11-udp.
"""
import os
import socket
import sys


def main():
    host = os.environ.get("SOCKLAB_HOST", "127.0.0.1")
    port = int(sys.argv[-1])
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.bind((host, port))
        while True:
            # TODO(lesson 11): 1024 cuts big datagrams short; use 65535.
            data, addr = sock.recvfrom(1024)
            # TODO(lesson 11): sock.sendto(data, addr)
            print(f"udp-echo-server: TODO: echo {len(data)} bytes to {addr}", file=sys.stderr)


if __name__ == "__main__":
    main()

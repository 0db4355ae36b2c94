#!/usr/bin/env python3
"""udp-client starter. The exercise: lab/EXERCISES.md "udp-client".

Read first: lessons/11-udp.
"""
import os
import socket
import sys


def main():
    host = os.environ.get("SOCKLAB_HOST", "127.0.0.1")
    port = int(sys.argv[-1])
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        for n in (1, 2, 3):
            sock.sendto(f"ping {n}".encode(), (host, port))
            # TODO(lesson 11): sock.settimeout(1.0) and recvfrom; on
            #   socket.timeout send the same ping again (at most 10 datagrams
            #   in all).
            # TODO(lesson 11): skip replies other than b"pong <n>", then
            #   print the pong.
    return 0


if __name__ == "__main__":
    sys.exit(main())

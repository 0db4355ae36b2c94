#!/usr/bin/env python3
"""framed-echo-server starter. The exercise: lab/EXERCISES.md "framed-echo-server".

Read first: lessons/10-framing.
"""
import os
import socket
import struct
import sys
import threading


def handle(conn, addr):
    with conn:
        while True:
            header = conn.recv(4)
            if not header:
                return
            # TODO(lesson 10): recv(4) may return fewer than 4 bytes: write a
            #   recv_exact(conn, n) that loops, and use it for the payload too.
            # TODO(lesson 10): struct.unpack("!I", header): "!" is network
            #   byte order (big endian). Refuse lengths over 16 MiB.
            # TODO(lesson 10): read the payload and sendall(header + payload).
            print(f"framed-echo-server: TODO: header {header!r}", file=sys.stderr)


def main():
    host = os.environ.get("SOCKLAB_HOST", "127.0.0.1")
    port = int(sys.argv[-1])
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as server:
        server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        server.bind((host, port))
        server.listen(128)
        while True:
            conn, addr = server.accept()
            threading.Thread(target=handle, args=(conn, addr), daemon=True).start()


if __name__ == "__main__":
    main()

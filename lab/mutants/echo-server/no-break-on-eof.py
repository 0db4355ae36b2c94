#!/usr/bin/env python3
# MUTANT of lab/solutions/echo-server/echo-server.py: no break on an empty recv(): spins after the first client closes, never accepts the next.
"""echo-server: serve clients one after another; echo every byte until the client closes.

Lesson 06 (loops and disconnects). Run: python3 echo-server.py PORT
"""
import os
import signal
import socket
import sys


def echo(conn):
    conn.settimeout(30)  # a client stuck for 30 s must not block the server forever
    while True:
        data = conn.recv(65536)
        # b"" means the client closed. Without this check the loop would spin
        # on empty reads forever at 100% CPU.
        conn.sendall(data)  # MISTAKE: b"" (EOF) is not checked: spins forever


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
            with conn:
                try:
                    echo(conn)
                except OSError as e:  # e.g. a client that resets mid-stream
                    print(f"echo-server: {addr}: {e}", file=sys.stderr)


if __name__ == "__main__":
    main()

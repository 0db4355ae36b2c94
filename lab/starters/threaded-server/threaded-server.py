#!/usr/bin/env python3
"""threaded-server starter. The exercise: lab/EXERCISES.md "threaded-server".

Read first: lessons/07-threads.
"""
import os
import socket
import sys


def handle(conn, addr):
    with conn:
        conn.sendall(b"Welcome!\n")
        # TODO(lesson 07): read lines (conn.makefile("rb").readline() collects
        #   a line however TCP split it); strip b"\n" or b"\r\n"; b"exit"
        #   closes this client, any other line L gets b"Hello, L!\n".
        # TODO(lesson 06): a ConnectionResetError must only end this client.


def main():
    host = os.environ.get("SOCKLAB_HOST", "127.0.0.1")
    port = int(sys.argv[-1])
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as server:
        server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        server.bind((host, port))
        server.listen(128)
        while True:
            conn, addr = server.accept()
            # TODO(lesson 07): calling handle() here serves one client at a
            #   time. Run it in a threading.Thread(..., daemon=True) instead.
            handle(conn, addr)


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""echo-server starter. The exercise: lab/EXERCISES.md "echo-server".

Read first: lessons/06-loops-and-disconnects.
"""
import os
import socket
import sys


def main():
    host = os.environ.get("SOCKLAB_HOST", "127.0.0.1")
    port = int(sys.argv[-1])
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as server:
        server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        server.bind((host, port))
        server.listen(128)
        while True:
            conn, addr = server.accept()
            with conn:
                data = conn.recv(65536)
                # TODO(lesson 06): loop: conn.sendall(data), then recv again,
                #   until recv returns b"" (the client closed). Stop there, or
                #   the loop spins at 100% CPU.
                # TODO(lesson 06): a ConnectionResetError must not stop the server.
                print(f"echo-server: TODO: echo {len(data)} bytes", file=sys.stderr)


if __name__ == "__main__":
    main()

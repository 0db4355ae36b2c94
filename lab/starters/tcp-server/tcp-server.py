#!/usr/bin/env python3
"""tcp-server starter. The exercise: lab/EXERCISES.md "tcp-server".

Read first: lessons/05-first-server, then lessons/06-loops-and-disconnects.
"""
import os
import socket
import sys


def main():
    host = os.environ.get("SOCKLAB_HOST", "127.0.0.1")
    port = int(sys.argv[-1])
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as server:
        # TODO(lesson 05): set SO_REUSEADDR before bind(), or a restarted
        #   server fails with "Address already in use".
        server.bind((host, port))
        server.listen(128)
        while True:
            conn, addr = server.accept()
            with conn:
                # TODO(lesson 05): read one line (loop on recv until b"\n"),
                #   reply b"server got: " + line + b"\n".
                # TODO(lesson 06): a client may close (recv returns b"") or
                #   reset (ConnectionResetError) first: keep serving others.
                pass


if __name__ == "__main__":
    main()

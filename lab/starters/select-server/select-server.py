#!/usr/bin/env python3
"""select-server starter. The exercise: lab/EXERCISES.md "select-server".

Read first: lessons/12-blocking-and-select.
One thread serves every client: selectors tells us which sockets are ready.
"""
import os
import selectors
import socket
import sys

sel = selectors.DefaultSelector()


def main():
    host = os.environ.get("SOCKLAB_HOST", "127.0.0.1")
    port = int(sys.argv[-1])
    server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    server.bind((host, port))
    server.listen(128)
    sel.register(server, selectors.EVENT_READ)
    while True:
        for key, mask in sel.select():
            if key.fileobj is server:
                conn, addr = server.accept()
                # TODO(lesson 12): conn.setblocking(False) and
                #   sel.register(conn, selectors.EVENT_READ) so we hear from it.
                conn.close()
            else:
                # TODO(lesson 12): recv() from key.fileobj; on b"" unregister
                #   and close it; otherwise send back data.upper() (bytes.upper
                #   only changes a-z).
                pass


if __name__ == "__main__":
    main()

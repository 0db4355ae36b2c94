#!/usr/bin/env python3
# MUTANT of lab/solutions/threaded-server/threaded-server.py: serves clients one after another.
"""threaded-server: one thread per client, so an idle client never delays the others.

Lesson 07 (threads). Run: python3 threaded-server.py PORT
On connect the server says b"Welcome!\\n"; each line L is answered with
b"Hello, L!\\n", and the line "exit" closes that client's connection.
"""
import os
import signal
import socket
import sys
import threading

MAX_LINE = 64 * 1024  # a longer line closes the connection instead of eating memory


def handle(conn, addr):
    with conn:
        try:
            conn.sendall(b"Welcome!\n")
            # makefile() gives a buffered reader: readline() collects a line
            # however TCP split it, and keeps the bytes after it for next time
            # (several lines may arrive in one segment).
            reader = conn.makefile("rb")
            while True:
                line = reader.readline(MAX_LINE + 1)
                if not line:
                    return  # the client closed
                if not line.endswith(b"\n"):
                    if len(line) > MAX_LINE:
                        print(f"threaded-server: {addr}: line too long, closing", file=sys.stderr)
                    return  # too long, or the client closed mid-line
                line = line.rstrip(b"\n").rstrip(b"\r")  # "\r\n" is accepted too
                if line == b"exit":
                    return
                conn.sendall(b"Hello, " + line + b"!\n")
        except OSError as e:  # a reset affects this client only
            print(f"threaded-server: {addr}: {e}", file=sys.stderr)


def main():
    host = os.environ.get("SOCKLAB_HOST", "127.0.0.1")
    port = int(sys.argv[-1])
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as server:
        server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        server.bind((host, port))
        # The kernel queues this many finished handshakes for accept(); a
        # burst of connects beyond it is dropped and retried a second later.
        server.listen(128)
        while True:
            conn, addr = server.accept()
            # daemon=True: the threads must not keep the process alive after SIGTERM.
            handle(conn, addr)  # MISTAKE: no thread: one client at a time


if __name__ == "__main__":
    main()

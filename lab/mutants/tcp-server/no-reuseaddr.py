#!/usr/bin/env python3
# MUTANT of lab/solutions/tcp-server/tcp-server.py: no SO_REUSEADDR: a restart right after a close fails with EADDRINUSE.
"""tcp-server: serve clients one after another; read one line, answer, close.

Lessons 05 (first server) and 06 (loops and disconnects).
Run: python3 tcp-server.py PORT
"""
import os
import signal
import socket
import sys

MAX_LINE = 64 * 1024  # a longer "line" is an attack, not a request


def serve(conn):
    # A sequential server helps nobody else while it waits: drop a client
    # that stalls for 30 s so the next one gets its turn.
    conn.settimeout(30)
    data = b""
    while b"\n" not in data:  # a line may come in many pieces, even byte by byte
        chunk = conn.recv(4096)
        if not chunk:
            return  # closed before a full line (or sent nothing): nothing to answer
        data += chunk
        if len(data) > MAX_LINE:
            return
    line = data[: data.index(b"\n")]
    conn.sendall(b"server got: " + line + b"\n")


def main():
    host = os.environ.get("SOCKLAB_HOST", "127.0.0.1")
    port = int(sys.argv[-1])
    # SIGTERM is how the checker stops us: exit normally, closing the socket.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as server:
        # Connections we closed linger in TIME_WAIT for 60 s; without
        # SO_REUSEADDR a restarted server would fail with "Address already in use".
        # MISTAKE: no SO_REUSEADDR
        server.bind((host, port))
        server.listen(128)
        while True:
            conn, addr = server.accept()
            with conn:  # closes the connection however serve() ends
                try:
                    serve(conn)
                except OSError as e:  # a reset or a timeout ends this client, not the server
                    print(f"tcp-server: {addr}: {e}", file=sys.stderr)


if __name__ == "__main__":
    main()

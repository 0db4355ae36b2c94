#!/usr/bin/env python3
# MUTANT of lab/solutions/tcp-client/tcp-client.py: sends the request line without its \n.
"""tcp-client: send one line to the server and print the line it sends back.

Lesson 04 (first TCP client). Run: python3 tcp-client.py PORT
The host comes from SOCKLAB_HOST (default 127.0.0.1).
"""
import os
import socket
import sys


def recv_line(sock):
    """Read up to and including the first b"\\n".

    TCP is a byte stream, not a message service: one line may arrive in
    several pieces, so we keep calling recv() until the newline is there.
    """
    data = b""
    while not data.endswith(b"\n"):
        chunk = sock.recv(4096)
        if not chunk:  # b"" means the server closed the connection
            raise ConnectionError("the server closed before sending a full line")
        data += chunk
    return data


def main():
    host = os.environ.get("SOCKLAB_HOST", "127.0.0.1")
    port = int(sys.argv[-1])
    try:
        # create_connection gives up after the timeout instead of hanging,
        # and the timeout then also applies to every recv().
        with socket.create_connection((host, port), timeout=10) as sock:
            sock.sendall(b"hello, server!")  # MISTAKE: no newline, the server waits for the end of the line  # sendall loops until every byte is out
            reply = recv_line(sock)
        # Leaving the "with" block closes the socket: a FIN, since we read everything.
    except OSError as e:
        print(f"tcp-client: {host}:{port}: {e}", file=sys.stderr)
        return 1
    sys.stdout.buffer.write(reply)  # the bytes exactly as received
    return 0


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
# MUTANT of lab/solutions/framed-client/framed-client.py: stops reading after a 200 ms pause instead of waiting for the close.
"""framed-client: send a "get" frame, then print every frame's payload as a line.

Lesson 10 (framing). Run: python3 framed-client.py PORT
"""
import os
import socket
import struct
import sys

MAX_FRAME = 16 * 1024 * 1024


def recv_exact(sock, n):
    """Exactly n bytes; returns fewer only if the server closed first."""
    data = b""
    while len(data) < n:
        chunk = sock.recv(min(n - len(data), 65536))
        if not chunk:
            break
        data += chunk
    return data


def main():
    host = os.environ.get("SOCKLAB_HOST", "127.0.0.1")
    port = int(sys.argv[-1])
    out = sys.stdout.buffer
    try:
        with socket.create_connection((host, port), timeout=10) as sock:
            request = b"get"
            # Header and payload in one sendall: "!I" is network byte order.
            sock.sendall(struct.pack("!I", len(request)) + request)
            sock.settimeout(0.2)  # MISTAKE: a pause is taken as "no more frames"
            while True:
                try:
                    header = recv_exact(sock, 4)
                except socket.timeout:
                    break
                if not header:
                    break  # the server closed between frames: all done
                if len(header) < 4:
                    raise ConnectionError("the server closed in the middle of a frame header")
                (length,) = struct.unpack("!I", header)
                if length > MAX_FRAME:
                    raise ConnectionError(f"frame length {length} is too big")
                payload = recv_exact(sock, length)
                if len(payload) < length:
                    raise ConnectionError("the server closed in the middle of a frame")
                out.write(payload + b"\n")
    except OSError as e:
        print(f"framed-client: {host}:{port}: {e}", file=sys.stderr)
        return 1
    out.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
# MUTANT of lab/solutions/http-get-client/http-get-client.py: writes the headers along with the body.
"""http-get-client: GET /index.html over a plain socket; write only the body to stdout.

Lesson 13 (HTTP by hand). Run: python3 http-get-client.py PORT

We ask with "Connection: close", so the server closes the connection after
the response: we read everything until EOF, then cut at the first blank
line (b"\\r\\n\\r\\n"). That boundary can fall anywhere inside a recv(), and
the body may be binary, so we work on bytes and never decode the body.
"""
import os
import socket
import sys


def main():
    host = os.environ.get("SOCKLAB_HOST", "127.0.0.1")
    port = int(sys.argv[-1])
    request = (
        "GET /index.html HTTP/1.1\r\n"
        f"Host: {host}:{port}\r\n"
        "Connection: close\r\n"
        "\r\n"
    ).encode("ascii")
    try:
        with socket.create_connection((host, port), timeout=10) as sock:
            sock.sendall(request)
            chunks = []
            while True:
                chunk = sock.recv(65536)
                if not chunk:  # the server closed: the response is complete
                    break
                chunks.append(chunk)
    except OSError as e:
        print(f"http-get-client: {host}:{port}: {e}", file=sys.stderr)
        return 1
    response = b"".join(chunks)

    head, sep, body = response.partition(b"\r\n\r\n")
    if not sep:
        print("http-get-client: no blank line after the headers", file=sys.stderr)
        return 1
    lines = head.split(b"\r\n")
    status = lines[0].split(b" ", 2)  # [b"HTTP/1.1", b"200", b"OK"]
    if len(status) < 2 or not status[1].isdigit() or not 200 <= int(status[1]) < 300:
        print(f"http-get-client: the server answered {lines[0].decode(errors='replace')}",
              file=sys.stderr)
        return 1
    # With Content-Length, the body is exactly that long (ignore anything after it).
    for line in lines[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value.strip())
            if len(body) < length:
                print("http-get-client: the connection closed before the whole body arrived",
                      file=sys.stderr)
                return 1
            body = body[:length]
    sys.stdout.buffer.write(response)  # MISTAKE: the headers too
    return 0


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
"""http-get-client starter. The exercise: lab/EXERCISES.md "http-get-client".

Read first: lessons/13-http-by-hand.
"""
import os
import socket
import sys


def main():
    host = os.environ.get("SOCKLAB_HOST", "127.0.0.1")
    port = int(sys.argv[-1])
    with socket.create_connection((host, port), timeout=10) as sock:
        # TODO(lesson 13): send b"GET /index.html HTTP/1.1\r\n" plus the
        #   headers "Host: host:port" and "Connection: close", each ending in
        #   b"\r\n", then a blank line b"\r\n".
        # TODO(lesson 13): recv until b"" (the server closes), split the
        #   response at the first b"\r\n\r\n", write only the body to
        #   sys.stdout.buffer (it may be binary: don't decode it).
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
"""framed-client starter. The exercise: lab/EXERCISES.md "framed-client".

Read first: lessons/10-framing.
"""
import os
import socket
import struct
import sys


def main():
    host = os.environ.get("SOCKLAB_HOST", "127.0.0.1")
    port = int(sys.argv[-1])
    with socket.create_connection((host, port), timeout=10) as sock:
        # TODO(lesson 10): send struct.pack("!I", 3) + b"get" in one sendall.
        # TODO(lesson 10): until the server closes: read exactly 4 bytes (loop
        #   on recv), length = struct.unpack("!I", header)[0], read exactly
        #   length bytes, write payload + b"\n" to sys.stdout.buffer.
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())

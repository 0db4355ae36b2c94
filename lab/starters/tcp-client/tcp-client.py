#!/usr/bin/env python3
"""tcp-client starter. The exercise: lab/EXERCISES.md "tcp-client".

Read first: lessons/04-first-tcp-client. Check your work with
    socklab check tcp-client -- python3 tcp-client.py
"""
import os
import socket
import sys


def main():
    host = os.environ.get("SOCKLAB_HOST", "127.0.0.1")
    port = int(sys.argv[-1])  # the checker adds the port as the last argument
    with socket.create_connection((host, port), timeout=10) as sock:
        # TODO(lesson 04): send b"hello, server!\n" with sock.sendall().
        # TODO(lesson 04): read the reply up to and including b"\n". It may
        #   come in several pieces: call sock.recv() in a loop.
        # TODO(lesson 04): print the reply exactly (sys.stdout.buffer.write).
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())

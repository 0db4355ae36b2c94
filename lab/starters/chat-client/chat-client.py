#!/usr/bin/env python3
"""chat-client starter. The exercise: lab/EXERCISES.md "chat-client".

Read first: lessons/14-full-duplex-chat.
"""
import os
import socket
import sys


def main():
    host = os.environ.get("SOCKLAB_HOST", "127.0.0.1")
    port = int(sys.argv[-1])
    with socket.create_connection((host, port)) as sock:
        # This loop waits for stdin first: while nothing is typed, lines from
        # the server are not printed.
        # TODO(lesson 14): run this stdin loop in a thread (or use selectors
        #   on stdin and the socket) and print sock.recv() data as it arrives.
        for line in sys.stdin.buffer:
            sock.sendall(line)
        # TODO(lesson 14): sock.shutdown(socket.SHUT_WR) (the server sees
        #   EOF), then keep printing until recv returns b"".
    return 0


if __name__ == "__main__":
    sys.exit(main())

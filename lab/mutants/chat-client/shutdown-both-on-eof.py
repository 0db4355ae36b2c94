#!/usr/bin/env python3
# MUTANT of lab/solutions/chat-client/chat-client.py: shutdown(SHUT_RDWR) instead of SHUT_WR on stdin EOF: stops reading too.
"""chat-client: send what is typed on stdin, print what the server says, both at once.

Lesson 14 (full-duplex chat). Run: python3 chat-client.py PORT

A thread copies stdin to the socket while the main thread prints what
arrives. If one loop did both, it would sit in stdin.readline() and a line
from the server would wait, unprinted, until the user typed something.

On stdin EOF we call shutdown(SHUT_WR): the server sees EOF, but our
receiving side stays open, so we keep printing until the server closes.
"""
import os
import socket
import sys
import threading


def send_stdin(sock):
    try:
        for line in sys.stdin.buffer:  # one line at a time, as soon as it is typed
            sock.sendall(line)
        sock.shutdown(socket.SHUT_RDWR)  # MISTAKE: also stops reading: the server's last line is lost
    except OSError:
        pass  # the server went away; the main thread notices and reports


def main():
    host = os.environ.get("SOCKLAB_HOST", "127.0.0.1")
    port = int(sys.argv[-1])
    try:
        sock = socket.create_connection((host, port), timeout=5)
        sock.settimeout(None)  # from now on wait as long as the chat lasts
    except OSError as e:
        print(f"chat-client: {host}:{port}: {e}", file=sys.stderr)
        return 1
    with sock:
        # daemon=True: if the server closes first, we exit even while the
        # sender still waits for input.
        threading.Thread(target=send_stdin, args=(sock,), daemon=True).start()
        try:
            while True:
                data = sock.recv(65536)
                if not data:  # the server closed: the chat is over
                    break
                sys.stdout.buffer.write(data)
                sys.stdout.buffer.flush()  # print now, not when a buffer fills
        except OSError as e:
            print(f"chat-client: {e}", file=sys.stderr)
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())

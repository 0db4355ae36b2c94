#!/usr/bin/env python3
# MUTANT of lab/solutions/select-server/select-server.py: a client's RST raises and kills the event loop.
"""select-server: one thread serves every client; echoes bytes with a-z upper-cased.

Lesson 12 (blocking and select). Run: python3 select-server.py PORT

The selectors module picks the best mechanism the system has (epoll on
Linux). Plain select.select() only handles descriptors below 1024.

Sockets are non-blocking. What a client cannot take yet waits in its own
buffer, and while that buffer is over MAX_PENDING we stop reading from that
client, so one client that sends a lot and reads nothing cannot stall the
others or make the server's memory grow without limit.
"""
import os
import selectors
import signal
import socket
import sys

MAX_PENDING = 256 * 1024
UPPER = bytes.maketrans(b"abcdefghijklmnopqrstuvwxyz", b"ABCDEFGHIJKLMNOPQRSTUVWXYZ")

sel = selectors.DefaultSelector()


class Client:
    def __init__(self, conn):
        self.conn = conn
        self.pending = bytearray()  # upper-cased bytes the socket did not take yet
        self.peer_closed = False    # we saw the client's EOF: close once pending is sent

    def wanted_events(self):
        events = 0
        if not self.peer_closed and len(self.pending) < MAX_PENDING:
            events |= selectors.EVENT_READ
        if self.pending:
            events |= selectors.EVENT_WRITE
        return events


def accept(server):
    conn, _ = server.accept()
    conn.setblocking(False)
    sel.register(conn, selectors.EVENT_READ, Client(conn))


def close(client):
    sel.unregister(client.conn)
    client.conn.close()


def service(client, mask):
    try:
        if mask & selectors.EVENT_READ:
            data = client.conn.recv(65536)
            if data:
                client.pending += data.translate(UPPER)
            else:
                client.peer_closed = True
        if client.pending:
            sent = client.conn.send(client.pending)  # sends what fits, never blocks
            del client.pending[:sent]
    except BlockingIOError:
        pass  # the socket was not ready after all; we will be called again
    # MISTAKE: no "except OSError": a reset kills the server
    if client.peer_closed and not client.pending:
        close(client)  # everything echoed: we are done with this client
    else:
        sel.modify(client.conn, client.wanted_events(), client)


def main():
    host = os.environ.get("SOCKLAB_HOST", "127.0.0.1")
    port = int(sys.argv[-1])
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    server.bind((host, port))
    server.listen(128)
    server.setblocking(False)
    sel.register(server, selectors.EVENT_READ, None)
    while True:
        for key, mask in sel.select():
            if key.data is None:
                try:
                    accept(key.fileobj)
                except OSError:  # the client gave up before we accepted it
                    pass
            else:
                service(key.data, mask)


if __name__ == "__main__":
    main()

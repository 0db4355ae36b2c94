#!/usr/bin/env python3
# MUTANT of lab/solutions/udp-client/udp-client.py: resends in a tight loop without waiting for the reply, flooding the server.
"""udp-client: ping 1, 2, 3, each until its own pong comes back.

Lesson 11 (UDP). Run: python3 udp-client.py PORT
UDP may lose, duplicate or delay a datagram. So we wait at most 1 s for
an answer and then send the same ping again, and we ignore any reply that
is not the pong for the ping we are waiting on (a duplicate or a late one).
"""
import os
import socket
import sys
import time

TIMEOUT = 1.0   # seconds to wait for a pong before sending the ping again
MAX_SENDS = 10  # datagrams in all, for the three pings together


def main():
    host = os.environ.get("SOCKLAB_HOST", "127.0.0.1")
    port = int(sys.argv[-1])
    # Replies carry the numeric address, so compare against that, not "localhost".
    server = (socket.gethostbyname(host), port)
    sends = 0
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        for n in (1, 2, 3):
            ping, pong = f"ping {n}".encode(), f"pong {n}".encode()
            answered = False
            while not answered:
                # MISTAKE (with the loop below): no limit on resends
                sock.sendto(ping, server)
                sends += 1
                sock.setblocking(False)  # MISTAKE: no waiting: ping again at once if no pong is there
                while not answered:
                    try:
                        data, addr = sock.recvfrom(65535)
                    except BlockingIOError:
                        break
                    except ConnectionRefusedError:
                        continue  # an ICMP "port unreachable": keep waiting, then retry
                    answered = data == pong and addr == server
            print(pong.decode(), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())

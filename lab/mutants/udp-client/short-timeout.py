#!/usr/bin/env python3
# MUTANT of lab/solutions/udp-client/udp-client.py: waits only 50 ms before resending: a slow server gets a flood of pings.
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

TIMEOUT = 0.05  # MISTAKE: resends before a slow answer can arrive
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
                if sends == MAX_SENDS:
                    print(f"udp-client: no answer from {host}:{port} after {sends} datagrams",
                          file=sys.stderr)
                    return 1
                sock.sendto(ping, server)
                sends += 1
                deadline = time.monotonic() + TIMEOUT
                while not answered:
                    left = deadline - time.monotonic()
                    if left <= 0:
                        break  # no pong in time: send the ping again
                    sock.settimeout(left)
                    try:
                        data, addr = sock.recvfrom(65535)
                    except socket.timeout:
                        break
                    except ConnectionRefusedError:
                        continue  # an ICMP "port unreachable": keep waiting, then retry
                    answered = data == pong and addr == server
            print(pong.decode(), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())

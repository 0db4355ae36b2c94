# Hostile client: connects and resets (RST) 200 times, then exits 0.
import socket
import struct
import sys

port = int(sys.argv[-1])
for _ in range(200):
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    try:
        s.connect(("127.0.0.1", port))
    except OSError:
        pass
    s.close()

# A correct tcp-server that closes its stdout and stderr first: the checker
# must not mistake that for the program ending.
import os
import socket
import sys

os.close(1)
os.close(2)
port = int(sys.argv[-1])
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", port))
s.listen()
while True:
    c, _ = s.accept()
    buf = b""
    while not buf.endswith(b"\n"):
        d = c.recv(1024)
        if not d:
            break
        buf += d
    if buf.endswith(b"\n"):
        c.sendall(b"server got: " + buf)
    c.close()

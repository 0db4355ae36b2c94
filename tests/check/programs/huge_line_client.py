# Hostile client: sends a 10 MB "line" without a newline, then waits.
import socket
import sys
import time

s = socket.create_connection(("127.0.0.1", int(sys.argv[-1])))
s.settimeout(10)
try:
    s.sendall(b"x" * (10 * 1000 * 1000))
except OSError:
    pass
time.sleep(30)

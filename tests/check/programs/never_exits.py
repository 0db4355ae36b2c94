# Hostile program: a tcp-client that does its job and then never exits
# (and ignores SIGTERM, so the checker has to use SIGKILL).
import signal
import socket
import sys
import time

signal.signal(signal.SIGTERM, signal.SIG_IGN)
s = socket.create_connection(("127.0.0.1", int(sys.argv[-1])))
s.sendall(b"hello, server!\n")
buf = b""
while not buf.endswith(b"\n"):
    d = s.recv(1024)
    if not d:
        break
    buf += d
sys.stdout.buffer.write(buf)
sys.stdout.flush()
time.sleep(120)

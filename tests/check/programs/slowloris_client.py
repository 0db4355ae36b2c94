# Hostile client: opens 1000 connections to the checker's server and sends
# nothing on any of them (slowloris), then waits.
import socket
import sys
import time

port = int(sys.argv[-1])
socks = []
for _ in range(1000):
    s = socket.socket()
    s.setblocking(False)
    try:
        s.connect(("127.0.0.1", port))
    except BlockingIOError:
        pass
    except OSError:
        break
    socks.append(s)
time.sleep(30)

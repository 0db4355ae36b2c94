# Hostile client for framed-client's server: announces a 4 GiB frame
# (length ff ff ff ff) instead of the request frame "get", then waits.
import socket
import sys
import time

s = socket.create_connection(("127.0.0.1", int(sys.argv[-1])))
s.sendall(b"\xff\xff\xff\xff")
time.sleep(30)

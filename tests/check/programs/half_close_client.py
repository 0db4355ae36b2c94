# Hostile client: half-closes (shutdown(SHUT_WR)) at once without sending a
# request, then prints whatever comes back.
import socket
import sys

s = socket.create_connection(("127.0.0.1", int(sys.argv[-1])))
s.shutdown(socket.SHUT_WR)
reply = b""
while True:
    d = s.recv(1024)
    if not d:
        break
    reply += d
sys.stdout.buffer.write(reply)

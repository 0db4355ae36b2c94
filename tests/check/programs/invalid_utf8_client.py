# Hostile client: a request that is not UTF-8, then it prints the reply.
import socket
import sys

s = socket.create_connection(("127.0.0.1", int(sys.argv[-1])))
s.sendall(b"\xff\xfehello\x80\xc3\n")
reply = b""
while not reply.endswith(b"\n"):
    d = s.recv(1024)
    if not d:
        break
    reply += d
sys.stdout.buffer.write(reply)

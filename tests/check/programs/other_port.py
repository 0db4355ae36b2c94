# Hostile program: a server that ignores the port it is given and listens on
# another one (a port of its own choosing).
import socket
import time

s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", 0))
s.listen()
time.sleep(30)

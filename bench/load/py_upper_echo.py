#!/usr/bin/env python3
"""An upper-case echo server the way a student writes it from the socketserver docs.

Run: python3 py_upper_echo.py PORT    (the comparison point of bench/load/run.sh)
"""
import socketserver
import sys


class UpperHandler(socketserver.BaseRequestHandler):
    def handle(self):
        while True:
            data = self.request.recv(1024)
            if not data:
                break
            self.request.sendall(data.upper())


if __name__ == "__main__":
    socketserver.ThreadingTCPServer.allow_reuse_address = True
    socketserver.ThreadingTCPServer.daemon_threads = True
    with socketserver.ThreadingTCPServer(("127.0.0.1", int(sys.argv[-1])), UpperHandler) as server:
        server.serve_forever()

#!/usr/bin/env python3
"""The raw loopback baseline: serves the files of one folder over HTTP/1.1 keep-alive with
nothing but a status line, a Content-Length and sendfile(2) of the bytes, one connection at
a time. Usage: raw_server.py <folder> <port>"""
import os
import socket
import sys

folder, port = sys.argv[1], int(sys.argv[2])
listener = socket.socket()
listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
listener.bind(("127.0.0.1", port))
listener.listen(16)
while True:
    conn, _ = listener.accept()
    with conn:
        buffered = b""
        while True:
            while b"\r\n\r\n" not in buffered:
                chunk = conn.recv(65536)
                if not chunk:
                    break
                buffered += chunk
            if b"\r\n\r\n" not in buffered:
                break
            head, buffered = buffered.split(b"\r\n\r\n", 1)
            path = head.split(b" ")[1].decode().lstrip("/")
            name = os.path.join(folder, os.path.basename(path))
            if not path or not os.path.isfile(name):
                conn.sendall(b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n")
                continue
            with open(name, "rb") as f:
                size = os.fstat(f.fileno()).st_size
                conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n" % size)
                conn.sendfile(f)

#!/usr/bin/env python3
"""client_hellos.py PORT N MODE — open N TLS connections to 127.0.0.1:PORT and send only
a ClientHello on each. MODE silent: then stay silent until the server closes them (at most
20 s) and print "closed=K of=N last_s=SECONDS"; MODE bare: the same with TCP connects that
send nothing (a baseline); MODE close: wait for the server's first flight, then hang up (the
same server work without the wait)."""
import select
import socket
import ssl
import sys
import time


def hello(port):
    ctx = ssl.create_default_context()
    inc, out = ssl.MemoryBIO(), ssl.MemoryBIO()
    obj = ctx.wrap_bio(inc, out, server_hostname="localhost")
    try:
        obj.do_handshake()
    except ssl.SSLWantReadError:
        pass
    s = socket.create_connection(("127.0.0.1", port), timeout=10)
    s.sendall(out.read())  # the ClientHello
    return s


def main():
    port, n, mode = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
    if mode == "bare":
        socks = [socket.create_connection(("127.0.0.1", port), timeout=10) for _ in range(n)]
    else:
        socks = [hello(port) for _ in range(n)]
    if mode == "close":
        for s in socks:
            s.recv(65536)
            s.close()
        time.sleep(0.3)
        return 0
    start, open_, closed_at = time.time(), set(socks), []
    while open_ and time.time() - start < 20:
        r, _, _ = select.select(list(open_), [], [], 0.5)
        for s in r:
            try:
                data = s.recv(65536)
            except OSError:
                data = b""
            if not data:  # closed by the server
                open_.discard(s)
                closed_at.append(time.time() - start)
    print("closed=%d of=%d last_s=%.2f" % (len(closed_at), n, max(closed_at) if closed_at else -1))
    return 0


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
"""http_framing.py --port P [--tls --ca CHAIN [--cert C --key K]] --method M --path PATH
   [--header 'Name: value']... [--body FILE] CASE

Send one request whose framing is CASE over a fresh connection (TLS with an optional client
certificate, or plain TCP) and print one line:
  status=NNN closed=0|1 framing=0|1
closed=1: the server closed the connection after its answer (EOF within --wait seconds);
framing=1: the answer says "malformed request framing" (our refusal, common/httpd_framing.c).
CASE: good (Content-Length), good_chunked, cl_te, cl_twice, cl_twice_equal, obs_fold,
chunk_overflow (chunk size ffffffffffffffffff)."""
import argparse
import socket
import ssl
import sys
import time


def request(args, body):
    head = "%s %s HTTP/1.1\r\nHost: localhost\r\n" % (args.method, args.path)
    for h in args.header:
        head += h + "\r\n"
    n = len(body)
    chunked = b"%x\r\n%s\r\n0\r\n\r\n" % (n, body) if n else b"0\r\n\r\n"
    c = args.case
    if c == "good":
        return (head + "Content-Length: %d\r\n\r\n" % n).encode() + body
    if c == "good_chunked":
        return (head + "Transfer-Encoding: chunked\r\n\r\n").encode() + chunked
    if c == "cl_te":
        return (head + "Content-Length: %d\r\nTransfer-Encoding: chunked\r\n\r\n" % n).encode() + chunked
    if c == "cl_twice":
        return (head + "Content-Length: %d\r\nContent-Length: %d\r\n\r\n" % (n, n + 1)).encode() + body + b" "
    if c == "cl_twice_equal":
        return (head + "Content-Length: %d\r\nContent-Length: %d\r\n\r\n" % (n, n)).encode() + body
    if c == "obs_fold":
        return (head + "X-Forwarded-Note: first\r\n second\r\nContent-Length: %d\r\n\r\n" % n).encode() + body
    if c == "chunk_overflow":
        return (head + "Transfer-Encoding: chunked\r\n\r\n").encode() + b"ffffffffffffffffff\r\n" + body + b"\r\n0\r\n\r\n"
    sys.exit("unknown case " + c)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--tls", action="store_true")
    p.add_argument("--ca")
    p.add_argument("--cert")
    p.add_argument("--key")
    p.add_argument("--method", default="POST")
    p.add_argument("--path", default="/")
    p.add_argument("--header", action="append", default=[])
    p.add_argument("--body")
    p.add_argument("--wait", type=float, default=3.0)
    p.add_argument("case")
    args = p.parse_args()
    body = open(args.body, "rb").read() if args.body else b""
    s = socket.create_connection(("127.0.0.1", args.port), timeout=10)
    if args.tls:
        ctx = ssl.create_default_context(cafile=args.ca)
        ctx.check_hostname = False
        if args.cert:
            ctx.load_cert_chain(args.cert, args.key)
        s = ctx.wrap_socket(s, server_hostname="localhost")
    s.sendall(request(args, body))
    data, closed = b"", False
    deadline = time.time() + args.wait
    while time.time() < deadline:
        s.settimeout(max(0.05, deadline - time.time()))
        try:
            d = s.recv(65536)
        except socket.timeout:
            break
        except (ssl.SSLError, OSError):  # a reset or TLS alert after the answer: closed as well
            closed = True
            break
        if not d:
            closed = True
            break
        data += d
    status = 0
    line = data.split(b"\r\n", 1)[0].split()
    if len(line) >= 2 and line[1].isdigit():
        status = int(line[1])
    print("status=%d closed=%d framing=%d" % (status, closed, b"malformed request framing" in data))


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""tests/integration/tools/cr_listener.py — a CPE's connection-request listener for tests:
HTTP GET with Digest auth (MD5, qop=auth). Prints "port N" once listening; every request is
appended to --log as "ok" (authenticated) or "refused". usage: cr_listener.py --user U
--password-file F --log FILE [--busy N] (answer 503 to the first N authenticated requests)
[--bind ADDR] (a loopback address other than 127.0.0.1) [--every] (log "get" for every request,
before anything else) [--redirect URL] (answer every request 302 to URL)."""
import argparse
import hashlib
import http.server
import os
import re
import sys

REALM = "cpe"


def md5(s):
    return hashlib.md5(s.encode()).hexdigest()


def parse_auth(h):
    if not h or not h.startswith("Digest "):
        return None
    return dict(re.findall(r'(\w+)="?([^",]*)"?', h[7:]))


class Handler(http.server.BaseHTTPRequestHandler):
    def log_message(self, *a):
        pass

    def record(self, what):
        with open(self.server.args.log, "a") as f:
            f.write(what + "\n")

    def do_GET(self):
        if self.server.args.every:
            self.record("get")
        if self.server.args.redirect:
            self.send_response(302)
            self.send_header("Location", self.server.args.redirect)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        a = parse_auth(self.headers.get("Authorization"))
        ok = False
        if a and a.get("username") == self.server.args.user and a.get("realm") == REALM:
            ha1 = md5(f"{a['username']}:{REALM}:{self.server.password}")
            ha2 = md5(f"GET:{a.get('uri', '')}")
            if a.get("qop"):
                want = md5(f"{ha1}:{a.get('nonce')}:{a.get('nc')}:{a.get('cnonce')}:{a['qop']}:{ha2}")
            else:
                want = md5(f"{ha1}:{a.get('nonce')}:{ha2}")
            ok = want == a.get("response") and a.get("nonce") == self.server.nonce
        if not ok:
            if a:
                self.record("refused")
            self.send_response(401)
            self.send_header("WWW-Authenticate",
                             f'Digest realm="{REALM}", qop="auth", nonce="{self.server.nonce}", algorithm=MD5')
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        if self.server.busy > 0:
            self.server.busy -= 1
            self.record("busy")
            self.send_response(503)
        else:
            self.record("ok")
            self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--user", required=True)
    p.add_argument("--password-file", required=True)
    p.add_argument("--log", required=True)
    p.add_argument("--busy", type=int, default=0)
    p.add_argument("--bind", default="127.0.0.1")
    p.add_argument("--every", action="store_true")
    p.add_argument("--redirect")
    args = p.parse_args()
    srv = http.server.HTTPServer((args.bind, 0), Handler)
    srv.args = args
    with open(args.password_file) as f:
        srv.password = f.read().strip()
    srv.nonce = os.urandom(16).hex()
    srv.busy = args.busy
    print(f"port {srv.server_address[1]}", flush=True)
    srv.serve_forever()


if __name__ == "__main__":
    sys.exit(main())

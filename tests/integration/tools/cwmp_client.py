#!/usr/bin/env python3
"""tests/integration/tools/cwmp_client.py — a tiny CWMP test client (stdlib only).

One TLS keep-alive connection, the ACS session cookie kept and sent back, steps run in order:
  @FILE       POST the file's bytes (text/xml)
  -           POST an empty body with no Content-Length (chunked terminator only is not used:
              an empty body is sent with Content-Length absent and the connection's framing
              given by "Content-Length: 0" omitted - http.client sends no body)
  =           POST an empty body with "Content-Length: 0"
  sleep:SECS  wait
  run:CMD     run a shell command (e.g. revoke a certificate mid-session); must exit 0
  reconnect   close the connection and open a new one (cookie kept)
--auth basic|digest with --user and --password-file: HTTP Basic on every request, or HTTP
Digest (MD5, qop=auth): a 401 challenge is answered once (the retry is not counted as a step)
and later requests reuse the nonce with the next nc, as legacy CPEs do.
An answer to the ACS (a body whose RPC element ends in "Response", or a SOAP Fault) is sent
with the cwmp:ID of the ACS's last request, as a CPE does (TR-069 3.5); @=FILE sends FILE
exactly as it is (e.g. to answer with another ID).
For each HTTP exchange prints "N STATUS" and writes OUT/N.body and OUT/N.hdr.
Exit 0 when every exchange got an answer, 3 when the server closed the connection early
(the line then says "N closed"), 2 on usage errors.
"""
import argparse
import base64
import re
import hashlib
import http.client
import os
import socket
import ssl
import subprocess
import sys
import time


def connect(a):
    ctx = ssl.create_default_context(cafile=a.ca)
    ctx.check_hostname = False if a.insecure_host else True
    if a.cert:
        ctx.load_cert_chain(a.cert, a.key)
    c = http.client.HTTPSConnection(a.host, a.port, context=ctx, timeout=a.timeout)
    c.connect()
    return c


class Auth:
    def __init__(self, a):
        self.kind, self.user = a.auth, a.user
        self.password = open(a.password_file).read().rstrip("\r\n") if a.password_file else ""
        self.chal, self.nc = None, 0

    def header(self):
        if self.kind == "basic":
            tok = base64.b64encode(("%s:%s" % (self.user, self.password)).encode()).decode()
            return "Basic " + tok
        if self.kind != "digest" or not self.chal:
            return None
        self.nc += 1
        md5 = lambda x: hashlib.md5(x.encode()).hexdigest()
        c = self.chal
        cnonce = os.urandom(8).hex()
        ha1 = md5("%s:%s:%s" % (self.user, c["realm"], self.password))
        ha2 = md5("POST:/")
        nc = "%08x" % self.nc
        resp = md5("%s:%s:%s:%s:auth:%s" % (ha1, c["nonce"], nc, cnonce, ha2))
        h = ('Digest username="%s", realm="%s", nonce="%s", uri="/", qop=auth, nc=%s, cnonce="%s", '
             'response="%s", algorithm=MD5' % (self.user, c["realm"], c["nonce"], nc, cnonce, resp))
        if "opaque" in c:
            h += ', opaque="%s"' % c["opaque"]
        return h

    def challenged(self, r):
        """A 401 with a Digest challenge: remember it; True when a retry makes sense."""
        if self.kind != "digest" or r.status != 401:
            return False
        for k, v in r.getheaders():
            if k.lower() == "www-authenticate" and v.lower().startswith("digest "):
                parts = {}
                for item in v[7:].split(","):
                    if "=" in item:
                        name, val = item.strip().split("=", 1)
                        parts[name.strip().lower()] = val.strip().strip('"')
                fresh = not self.chal or parts.get("stale", "").lower() == "true"
                self.chal, self.nc = parts, 0
                return fresh
        return False


def post(c, body, cookie, explicit_zero, auth=None):
    headers = {"Content-Type": 'text/xml; charset="utf-8"', "SOAPAction": ""}
    if cookie:
        headers["Cookie"] = cookie
    h = auth.header() if auth else None
    if h:
        headers["Authorization"] = h
    if body is None:
        c.putrequest("POST", "/")
        for k, v in headers.items():
            c.putheader(k, v)
        if explicit_zero:
            c.putheader("Content-Length", "0")
        c.endheaders()
    else:
        headers["Content-Length"] = str(len(body))
        c.request("POST", "/", body=body, headers=headers)
    return c.getresponse()


ID_RE = re.compile(rb"(<(?:[A-Za-z_][\w.-]*:)?ID\b[^>]*>)([^<]*)(</(?:[A-Za-z_][\w.-]*:)?ID>)")
ANSWER_RE = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?Body[^>]*>\s*<(?:[A-Za-z_][\w.-]*:)?(\w+Response|Fault)\b")


def echo_id(body, acs_id):
    """body with its cwmp:ID replaced by acs_id when it answers the ACS."""
    if acs_id is None or not ANSWER_RE.search(body):
        return body
    return ID_RE.sub(lambda m: m.group(1) + acs_id + m.group(3), body, count=1)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--host", default="localhost")
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--ca", required=True)
    p.add_argument("--cert")
    p.add_argument("--key")
    p.add_argument("--out", required=True)
    p.add_argument("--timeout", type=float, default=20)
    p.add_argument("--no-cookie", action="store_true")
    p.add_argument("--insecure-host", action="store_true")
    p.add_argument("--auth", choices=("basic", "digest"))
    p.add_argument("--user", default="")
    p.add_argument("--password-file")
    p.add_argument("steps", nargs="+")
    a = p.parse_args()
    os.makedirs(a.out, exist_ok=True)
    try:
        c = connect(a)
    except (OSError, ssl.SSLError) as e:
        print("0 closed %s" % e.__class__.__name__)
        return 3
    cookie = None
    acs_id = None  # the cwmp:ID of the ACS's last request
    auth = Auth(a) if a.auth else None
    n = 0
    for step in a.steps:
        if step.startswith("sleep:"):
            time.sleep(float(step[6:]))
            continue
        if step.startswith("run:"):
            if subprocess.run(step[4:], shell=True).returncode != 0:
                print("run failed: %s" % step[4:], file=sys.stderr)
                return 2
            continue
        if step == "reconnect":
            c.close()
            c = connect(a)
            continue
        n += 1
        body = None
        if step.startswith("@="):
            with open(step[2:], "rb") as f:
                body = f.read()
        elif step.startswith("@"):
            with open(step[1:], "rb") as f:
                body = echo_id(f.read(), acs_id)
        elif step not in ("-", "="):
            print("unknown step %s" % step, file=sys.stderr)
            return 2
        try:
            r = post(c, body, None if a.no_cookie else cookie, step == "=", auth)
            data = r.read()
            if auth and auth.challenged(r):
                r = post(c, body, None if a.no_cookie else cookie, step == "=", auth)
                data = r.read()
        except (OSError, ssl.SSLError, http.client.HTTPException) as e:
            print("%d closed %s" % (n, e.__class__.__name__))
            sys.stdout.flush()
            return 3
        with open(os.path.join(a.out, "%d.body" % n), "wb") as f:
            f.write(data)
        found = ID_RE.search(data) if r.status == 200 else None
        acs_id = found.group(2) if found else None
        with open(os.path.join(a.out, "%d.hdr" % n), "w") as f:
            for k, v in r.getheaders():
                f.write("%s: %s\n" % (k, v))
        for k, v in r.getheaders():
            if k.lower() == "set-cookie" and v.startswith("acs_session="):
                cookie = v.split(";", 1)[0]
        print("%d %d" % (n, r.status))
        sys.stdout.flush()
        if r.getheader("Connection", "").lower() == "close":
            c.close()
            c = connect(a)
    return 0


if __name__ == "__main__":
    sys.exit(main())

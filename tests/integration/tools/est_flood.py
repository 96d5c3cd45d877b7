#!/usr/bin/env python3
"""est_flood.py --port P --ca CHAIN --n N [--device ID] [--csr FILE] [--path PATH]

Send N unauthenticated EST simpleenroll requests to 127.0.0.1:P over TLS (no client
certificate): alternately without credentials and with a wrong one-time token for --device.
Keep-alive where the server allows it, a new connection where it closes. Print one line:
  total=N 401=A 429=B 503=C other=D retry_after_max=S
"""
import argparse
import base64
import http.client
import os
import ssl


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--ca", required=True)
    p.add_argument("--n", type=int, required=True)
    p.add_argument("--device", default="00D09E-FLOOD-0001")
    p.add_argument("--csr")
    p.add_argument("--path", default="/.well-known/est/simpleenroll")
    a = p.parse_args()
    ctx = ssl.create_default_context(cafile=a.ca)
    ctx.check_hostname = False
    body = open(a.csr, "rb").read() if a.csr else b"QUJDREVGR0g=\n"
    counts = {}
    retry_max = 0
    conn = None
    for i in range(a.n):
        hdr = {"Content-Type": "application/pkcs10"}
        if i % 2:
            bad = base64.urlsafe_b64encode(os.urandom(32)).decode().rstrip("=")
            hdr["Authorization"] = "Basic " + base64.b64encode(("%s:%s" % (a.device, bad)).encode()).decode()
        for attempt in range(2):
            try:
                if conn is None:
                    conn = http.client.HTTPSConnection("127.0.0.1", a.port, context=ctx, timeout=20)
                conn.request("POST", a.path, body=body, headers=hdr)
                r = conn.getresponse()
                r.read()
                break
            except (ConnectionError, http.client.HTTPException, ssl.SSLError, OSError):
                conn = None  # closed by the server between two requests: once more, on a new one
                if attempt:
                    raise
        counts[r.status] = counts.get(r.status, 0) + 1
        ra = r.getheader("Retry-After")
        if ra and ra.isdigit():
            retry_max = max(retry_max, int(ra))
        if (r.getheader("Connection") or "").lower() == "close":
            conn.close()
            conn = None
    other = sum(v for k, v in counts.items() if k not in (401, 429, 503))
    print("total=%d 401=%d 429=%d 503=%d other=%d retry_after_max=%d" % (
        a.n, counts.get(401, 0), counts.get(429, 0), counts.get(503, 0), other, retry_max))


if __name__ == "__main__":
    main()

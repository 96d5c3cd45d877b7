#!/usr/bin/env python3
"""tests/integration/cwmp_stub_acs.py — a tiny HTTPS ACS stub for cpe-sim tests until acsd
lands: mutual TLS (client certificates verified against --ca, the certificate CN must equal
the Inform's DeviceId), keep-alive, a session cookie, and a fixed script per session:
Inform -> InformResponse; empty POST -> [SetParameterValues of the connection-request
credentials, with --cr-user] -> GetParameterValues -> 204.
Every body received is saved in --out for the shared validator; sessions.log gets a line
per finished session: "<device-id> <events> ok|fault"."""
import argparse
import http.server
import os
import re
import socket
import ssl
import sys
import threading

NS = "urn:dslforum-org:cwmp-1-2"
ENV = ('<?xml version="1.0" encoding="UTF-8"?>\n'
       '<soap-env:Envelope xmlns:soap-env="http://schemas.xmlsoap.org/soap/envelope/" '
       'xmlns:soap-enc="http://schemas.xmlsoap.org/soap/encoding/" '
       'xmlns:xsd="http://www.w3.org/2001/XMLSchema" '
       'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:cwmp="' + NS + '">'
       '<soap-env:Header><cwmp:ID soap-env:mustUnderstand="1">{id}</cwmp:ID></soap-env:Header>'
       '<soap-env:Body>{body}</soap-env:Body></soap-env:Envelope>')

lock = threading.Lock()
counter = [0]


def xml_escape(s):
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def spv_cr(user, password):
    items = "".join(
        '<ParameterValueStruct><Name>%s</Name><Value xsi:type="xsd:string">%s</Value></ParameterValueStruct>'
        % (n, xml_escape(v)) for n, v in (
            ("Device.ManagementServer.ConnectionRequestUsername", user),
            ("Device.ManagementServer.ConnectionRequestPassword", password)))
    return ('<cwmp:SetParameterValues><ParameterList soap-enc:arrayType="cwmp:ParameterValueStruct[2]">'
            + items + '</ParameterList><ParameterKey>stub-cr</ParameterKey></cwmp:SetParameterValues>')


GPV = ('<cwmp:GetParameterValues><ParameterNames soap-enc:arrayType="xsd:string[3]">'
       '<string>Device.DeviceInfo.SerialNumber</string>'
       '<string>Device.ManagementServer.ConnectionRequestURL</string>'
       '<string>Device.ManagementServer.ParameterKey</string>'
       '</ParameterNames></cwmp:GetParameterValues>')


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def setup(self):
        super().setup()
        self.device = None
        self.events = ""
        self.queue = []
        self.cookie = None
        self.fault = False
        self.cn = None

    def log_message(self, fmt, *args):
        if self.server.args.verbose:
            sys.stderr.write("stub: " + fmt % args + "\n")

    def save(self, body, kind):
        with lock:
            counter[0] += 1
            n = counter[0]
        name = "%05d-%s-%s.xml" % (n, self.device or "unknown", kind)
        with open(os.path.join(self.server.args.out, name), "wb") as f:
            f.write(body)

    def reply(self, status, body=b"", extra=None):
        self.send_response(status)
        for k, v in (extra or {}).items():
            self.send_header(k, v)
        if body:
            self.send_header("Content-Type", 'text/xml; charset="utf-8"')
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if body:
            self.wfile.write(body)

    def do_POST(self):
        if self.cn is None:
            cert = self.connection.getpeercert()
            self.cn = dict(x[0] for x in cert.get("subject", ())).get("commonName", "")
        n = int(self.headers.get("Content-Length", "0"))
        body = self.rfile.read(n) if n else b""
        text = body.decode("utf-8", "replace")
        m = re.search(r"<(?:\w+:)?ID[^>]*>([^<]*)<", text)
        cid = m.group(1) if m else "0"
        if re.search(r"<(\w+:)?Inform>", text):
            oui = re.search(r"<OUI>([^<]*)<", text).group(1)
            pc = re.search(r"<ProductClass>([^<]*)<", text).group(1)
            sn = re.search(r"<SerialNumber>([^<]*)<", text).group(1)
            self.device = "%s-%s-%s" % (oui, pc, sn)
            self.events = ",".join(re.findall(r"<EventCode>([^<]*)<", text))
            self.save(body, "inform")
            if self.device != self.cn:
                sys.stderr.write("stub: identity mismatch cert=%s inform=%s\n" % (self.cn, self.device))
                self.reply(403)
                return
            self.queue = []
            args = self.server.args
            if args.cr_user:
                self.queue.append(spv_cr(args.cr_user, args.cr_pass))
            self.queue.append(GPV)
            self.fault = False
            with lock:
                counter[0] += 1
                self.cookie = "stub%d" % counter[0]
            self.reply(200, ENV.format(id=cid, body="<cwmp:InformResponse><MaxEnvelopes>1</MaxEnvelopes>"
                                       "</cwmp:InformResponse>").encode(),
                       {"Set-Cookie": "acs_session=%s; Path=/; HttpOnly" % self.cookie})
            return
        if self.device is None:
            self.reply(400)
            return
        if self.cookie and ("acs_session=%s" % self.cookie) not in self.headers.get("Cookie", ""):
            sys.stderr.write("stub: missing session cookie from %s\n" % self.device)
            self.reply(400)
            return
        if body:
            kind = "fault" if "Fault>" in text else re.search(r"<(?:\w+:)(\w+)", text.split("Body>", 1)[1]).group(1)
            self.save(body, kind.lower())
            self.fault = self.fault or kind == "fault"
        if self.queue:
            with lock:
                counter[0] += 1
                rid = "stub-%d" % counter[0]
            self.reply(200, ENV.format(id=rid, body=self.queue.pop(0)).encode())
            return
        with lock, open(os.path.join(self.server.args.out, "sessions.log"), "a") as f:
            f.write("%s %s %s\n" % (self.device, self.events.replace(" ", "_"), "fault" if self.fault else "ok"))
        self.device = None
        self.reply(204)


class Server(http.server.ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 256

    def get_request(self):
        sock, addr = self.socket.accept()
        return self.ctx.wrap_socket(sock, server_side=True, do_handshake_on_connect=False), addr

    def finish_request(self, request, client_address):
        try:
            request.settimeout(10)
            request.do_handshake()
        except (ssl.SSLError, OSError) as e:
            if self.args.verbose:
                sys.stderr.write("stub: handshake failed: %s\n" % e)
            return
        super().finish_request(request, client_address)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--cert", required=True)
    ap.add_argument("--key", required=True)
    ap.add_argument("--ca", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--port-file", required=True)
    ap.add_argument("--cr-user", default="")
    ap.add_argument("--cr-pass", default="")
    ap.add_argument("--verbose", action="store_true")
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(args.cert, args.key)
    ctx.load_verify_locations(args.ca)
    ctx.verify_mode = ssl.CERT_REQUIRED
    srv = Server(("127.0.0.1", 0), Handler)
    srv.ctx = ctx
    srv.args = args
    tmp = args.port_file + ".tmp"
    with open(tmp, "w") as f:
        f.write("%d\n" % srv.server_address[1])
    os.rename(tmp, args.port_file)
    srv.serve_forever()


if __name__ == "__main__":
    main()

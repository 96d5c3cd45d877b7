#!/usr/bin/env python3
"""unauth_flood.py PORT PID N BODY_BYTES ROUNDS [PATH] — N concurrent TLS connections to
127.0.0.1:PORT without a client certificate, each POSTing a body of BODY_BYTES (as fast as
the server takes it), ROUNDS times. Meanwhile samples the resident memory of process PID
every 10 ms. Prints "conns=K statuses=S:n,... rss_base_kb=A rss_peak_kb=B seconds=T".
Loopback only; every connection is bounded by a 20 s timeout."""
import socket
import ssl
import sys
import threading
import time


def rss_kb(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


CTX = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)  # one context: loading CAs per connection costs ~40 ms
CTX.check_hostname = False
CTX.verify_mode = ssl.CERT_NONE


def one(port, body, path, statuses, lock):
    status = "error"
    try:
        raw = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        # a small send buffer: the client encrypts only what the server may read (its own CPU
        # would otherwise be most of what the flood costs this 2-core machine)
        raw.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 65536)
        raw.settimeout(20)
        raw.connect(("127.0.0.1", port))
        s = CTX.wrap_socket(raw, server_hostname="localhost")
        s.sendall(b"POST %s HTTP/1.1\r\nHost: localhost\r\nContent-Type: text/xml\r\n"
                  b"Content-Length: %d\r\n\r\n" % (path.encode(), len(body)))
        try:
            s.sendall(body)
        except (OSError, ssl.SSLError):
            pass  # the server answered and closed: what it should do
        data = b""
        try:
            while b"\r\n" not in data:
                got = s.recv(4096)
                if not got:
                    break
                data += got
        except (OSError, ssl.SSLError):
            pass
        if data.startswith(b"HTTP/1."):
            status = data.split(b" ", 2)[1].decode()
        s.close()
    except (OSError, ssl.SSLError):
        pass
    with lock:
        statuses[status] = statuses.get(status, 0) + 1


def main():
    port, pid, n, body_bytes, rounds = (int(a) for a in sys.argv[1:6])
    path = sys.argv[6] if len(sys.argv) > 6 else "/"
    statuses, lock, peak = {}, threading.Lock(), [0]
    base = rss_kb(pid)
    done = threading.Event()

    def sample():
        while not done.is_set():
            peak[0] = max(peak[0], rss_kb(pid))
            time.sleep(0.01)

    sampler = threading.Thread(target=sample)
    sampler.start()
    start = time.time()
    body = b"<" * body_bytes
    for _ in range(rounds):
        ts = [threading.Thread(target=one, args=(port, body, path, statuses, lock)) for _ in range(n)]
        for t in ts:
            t.start()
        for t in ts:
            t.join(30)
    done.set()
    sampler.join()
    print("conns=%d statuses=%s rss_base_kb=%d rss_peak_kb=%d seconds=%.1f" % (
        sum(statuses.values()), ",".join("%s:%d" % kv for kv in sorted(statuses.items())), base, peak[0],
        time.time() - start))
    return 0


if __name__ == "__main__":
    sys.exit(main())

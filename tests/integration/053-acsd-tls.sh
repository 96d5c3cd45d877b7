#!/bin/bash
# tests/integration/053-acsd-tls.sh — acsd's TLS layer under the traps of FACTS.md and with
# session tickets: ten clients silent after their ClientHello are closed by the handshake deadline
# in both event loops and cost acsd no more than ten bare TCP connects; a TLS session ticket resumes a
# session (still verified: the session works as the certificate's device), and a revoked device
# cannot get in with its ticket. (The throughput-with-3,000-idle-connections test is in
# `make bench-acs`: it needs thousands of handshakes and a quiet machine.)
. "$(dirname "$0")/lib.sh"
t_init acsd_tls
. "$(dirname "$0")/acsd_lib.sh"

THREADS=2
DEADLINE_MS=1000
acsd_ca
DEV=00D09E-ATA2FXS-T0001
check "device certificate for $DEV" mkdev dev "$DEV" || t_done
inform inform-periodic-1-2.xml "$WORK/inform.xml" 00D09E ATA2FXS T0001

# ---- ten silent post-ClientHello connections, in each of acsd's event loops ----------------------
# TLS runs in acsd's own edge-triggered loop (common/tls_front.c): a client stalled in its
# handshake costs nothing until the deadline closes it. The baseline is ten bare TCP connects
# held open the same way (closed by the same deadline): the ClientHellos may cost no more than
# that plus their handshake work, 0.2 CPU-s in all (libmicrohttpd's own TLS spun a thread
# per stalled handshake: 1 CPU-s per second of waiting).
ticks() { awk '{ print $14 + $15 }' "/proc/$ACSD_PID/stat"; }
hellos() { # hellos MODE: ten connections (client_hellos.py: bare = TCP only, silent = a ClientHello)
    python3 "$TOP/tests/integration/tools/client_hellos.py" "$ACSD_PORT" 10 "$1"
}
cpu_s() { awk -v a="$1" -v b="$2" -v h="$(getconf CLK_TCK)" 'BEGIN { printf "%.2f", (b - a) / h }'; }
for loop in epoll poll; do
    stop_bg acsd
    acsd_start "threads = $THREADS" "handshake_timeout_ms = $DEADLINE_MS" "event_loop = $loop"
    sleep 0.5
    t0=$(ticks)
    hellos bare >"$WORK/bare.out" 2>&1
    t1=$(ticks)
    hellos silent >"$WORK/silent.out" 2>&1
    t2=$(ticks)
    base=$(cpu_s "$t0" "$t1")
    total=$(cpu_s "$t1" "$t2")
    echo "# $loop: hellos $(cat "$WORK/silent.out") acsd_cpu_s=$total; bare connects $(cat "$WORK/bare.out") acsd_cpu_s=$base"
    check_output "$loop: ten bare TCP connects are closed by the handshake deadline" '^closed=10 of=10' \
        cat "$WORK/bare.out"
    check_output "$loop: ten clients silent after their ClientHello are all closed" '^closed=10 of=10' \
        cat "$WORK/silent.out"
    last=$(sed 's/.*last_s=//' "$WORK/silent.out")
    check "$loop: ... by the handshake deadline (${DEADLINE_MS} ms): $last s" \
        awk -v t="$last" 'BEGIN { exit !(t >= 0.8 && t < 3) }'
    check "$loop: ... costing acsd within 0.2 CPU-s of the bare connects: $total vs $base CPU-s" \
        awk -v a="$base" -v b="$total" 'BEGIN { exit !(b - a <= 0.2) }'
    check_output "$loop: the timeouts are logged with the client's address" \
        'event=tls_handshake_timeout remote=127\.0\.0\.1' cat "$WORK/acsd.log"
    check_fail "$loop: bare connects log no warning" grep -E 'level=(warning|error).*closed_before_tls' \
        "$WORK/acsd.log"
    # a load balancer's health check: connect and close at once
    python3 -c 'import socket, sys
for _ in range(5): socket.create_connection(("127.0.0.1", int(sys.argv[1]))).close()' "$ACSD_PORT"
    sleep 0.3
    check_fail "$loop: a TCP connect-and-close logs nothing at info or above" \
        grep -E 'level=(info|warning|error).*(tls_handshake_failed|closed_before_tls|http_error)' "$WORK/acsd.log"
    cwmp after-$loop dev "@$WORK/inform.xml" -
    check_statuses "$loop: sessions work afterwards" "200 204" after-$loop
done

# ---- out of descriptors: no spin on the listener, service resumes -------------------------------
# acsd with a 200-descriptor limit and 300 TCP connects held open: accept fails with EMFILE; each
# TLS thread then leaves the listener alone for 100 ms instead of spinning on it.
stop_bg acsd
ACSD_WRAP="prlimit --nofile=200:200" acsd_start "threads = $THREADS" "handshake_timeout_ms = 3000"
python3 - "$ACSD_PORT" "$ACSD_PID" >"$WORK/emfile.out" 2>&1 <<'PY'
import socket, sys, time
port, pid = int(sys.argv[1]), int(sys.argv[2])
def ticks():
    with open("/proc/%d/stat" % pid) as f:
        v = f.read().rsplit(")", 1)[1].split()
    return int(v[11]) + int(v[12])
socks = []
for _ in range(300):
    s = socket.socket()
    s.settimeout(2)
    try:
        s.connect(("127.0.0.1", port))  # the backlog takes what acsd cannot accept
        socks.append(s)
    except OSError:
        s.close()
t0 = ticks()
time.sleep(2)
print("held=%d cpu_ticks_in_2s=%d" % (len(socks), ticks() - t0))
for s in socks:
    s.close()
PY
echo "# $(cat "$WORK/emfile.out")"
check "out of descriptors, acsd does not spin: $(cat "$WORK/emfile.out")" \
    awk -v h="$(getconf CLK_TCK)" '{ split($2, a, "="); exit !(a[2] / h <= 0.3) }' "$WORK/emfile.out"
check_output "... and says so (throttled)" 'event=refused reason=out_of_descriptors' cat "$WORK/acsd.log"
sleep 3.5 # the held connections' handshake deadline
cwmp after-emfile dev "@$WORK/inform.xml" -
check_statuses "... and serves sessions again once they are gone" "200 204" after-emfile
# ---- per-source cap at accept, before any TLS work -------------------------------------------------
stop_bg acsd
acsd_start "threads = $THREADS" "handshake_timeout_ms = 3000" "per_ip_connections = 5"
python3 - "$ACSD_PORT" >"$WORK/perip.out" 2>&1 <<'PY'
import socket, sys, time
port = int(sys.argv[1])
def conn(src):
    s = socket.socket()
    s.bind((src, 0))
    s.connect(("127.0.0.1", port))
    s.settimeout(0.05)
    return s
socks = [conn("127.0.0.1") for _ in range(8)]
other = conn("127.0.0.2")
time.sleep(0.5)
def closed(s):
    try:
        return s.recv(1) == b""
    except socket.timeout:
        return False
    except OSError:
        return True
print("closed=%d of=8 other_closed=%d" % (sum(closed(s) for s in socks), closed(other)))
PY
echo "# per-source cap 5: $(cat "$WORK/perip.out")"
check_output "per_ip_connections = 5: of 8 connects from one address 3 are closed at accept" \
    '^closed=3 of=8 other_closed=0$' cat "$WORK/perip.out"
check_output "... logged once a second at most" 'event=refused reason=per_ip_connections remote=127\.0\.0\.1' \
    cat "$WORK/acsd.log"
stop_bg acsd
acsd_start "threads = $THREADS" "handshake_timeout_ms = $DEADLINE_MS"

# ---- TLS session tickets ------------------------------------------------------------------------
# One python process (an SSLSession cannot be saved to a file): a full handshake whose answer
# brings a ticket, a second connection resuming with it, then $WORK/revoke.cmd runs (the device's
# certificate is revoked) and a third connection resumes with the newest ticket. Each line:
# "reused=BOOL status=N".
SERIAL=$(openssl x509 -in "$WORK/dev.crt" -noout -serial | sed 's/^serial=//' | tr 'A-F' 'a-f')
# the verifier learns revocations through LISTEN/NOTIFY: give it a moment
echo "'$ACS_CA' revoke --serial $SERIAL --reason keyCompromise >/dev/null 2>&1; sleep 1.5" >"$WORK/revoke.cmd"
python3 - "$ACSD_PORT" "$WORK" "$WORK/inform.xml" >"$WORK/resume.out" 2>"$WORK/resume.err" <<'PY'
import os, socket, ssl, sys
port, work, inform = int(sys.argv[1]), sys.argv[2], open(sys.argv[3], "rb").read()
ctx = ssl.create_default_context(cafile=work + "/chain.pem")
ctx.check_hostname = False
ctx.load_cert_chain(work + "/dev.crt", work + "/dev.key")
def connect(sess):
    s = ctx.wrap_socket(socket.create_connection(("127.0.0.1", port), timeout=10), server_hostname="localhost",
                        session=sess)
    hdr = b"POST / HTTP/1.1\r\nHost: localhost\r\nContent-Type: text/xml\r\nContent-Length: %d\r\n\r\n"
    data = b""
    try:
        s.sendall(hdr % len(inform) + inform)
        while b"\r\n\r\n" not in data:
            chunk = s.recv(65536)
            if not chunk:
                break
            data += chunk
    except (OSError, ssl.SSLError):
        pass
    status = int(data.split(b" ", 2)[1]) if data else 0
    print("reused=%s status=%d ticket=%s" % (s.session_reused, status, s.session.has_ticket), flush=True)
    sess = s.session  # the TLS 1.3 ticket arrived with the answer
    s.close()
    return sess
sess = connect(connect(connect(None)))
os.system(open(work + "/revoke.cmd").read())
connect(sess)
PY
sed 's/^/# /' "$WORK/resume.out"
check_output "a full handshake issues a session ticket" '^reused=False status=200 ticket=True' \
    sed -n 1p "$WORK/resume.out"
check_output "a new connection resumes with it and is served as the device" '^reused=True status=200' \
    sed -n 2p "$WORK/resume.out"
check_output "... again with the ticket of the resumed session" '^reused=True status=200' sed -n 3p "$WORK/resume.out"
check "after revocation, the device's ticket still resumes TLS but the device is refused (403)" \
    grep -q '^reused=True status=403' <(sed -n 4p "$WORK/resume.out")
check_output "the refusal is logged as revoked" "event=refused reason=revoked .*cert_serial=$SERIAL" cat "$WORK/acsd.log"
t_done

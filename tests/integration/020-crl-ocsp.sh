#!/bin/bash
# CRL and OCSP: acs-ca crl (PEM/DER, numbering, reasons, signature, openssl verify
# -crl_check) and acs-ca ocsp-serve (POST and GET OCSP with openssl ocsp, error statuses,
# HTTP limits, the CRL distribution point and its cache, clean stop on SIGTERM).
. "$(dirname "$0")/lib.sh"
t_init crl-ocsp
command -v openssl >/dev/null || t_skip "no openssl"
command -v curl >/dev/null || t_skip "no curl"
cd "$WORK" || exit 1

OUI=00D09E
# new_device NAME: EC P-256 key + CSR with CN=OUI-Product-Serial, issued as NAME.crt.
new_device() {
    openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$1.key" \
        -subj "/CN=$OUI-HGW-$1" -out "$1.csr" 2>/dev/null &&
        "$ACS_CA" issue --csr "$1.csr" --device "$OUI-HGW-$1" --out "$1.crt"
}
# serial_of FILE: lowercase hex serial of a certificate.
serial_of() { openssl x509 -in "$1" -noout -serial | cut -d= -f2 | tr 'A-F' 'a-f'; }
# http_code OUT CURL-ARGS...: print the HTTP status (body to OUT).
http_code() { local out=$1; shift; curl -s -o "$out" -w '%{http_code}' "$@"; }
# crl_number FILE [FORM]: the CRL's number in decimal.
crl_number() {
    local n
    n=$(openssl crl -in "$1" -inform "${2:-PEM}" -noout -crlnumber | cut -d= -f2) || return 1
    echo $((n))
}
# first_bytes FILE: hex of the first 5 bytes (an OCSP error response is exactly 30 03 0a 01 NN).
first_bytes() { od -An -tx1 -N5 "$1" | tr -d ' \n'; }
# b64url FILE: URL-encoded base64 of FILE (RFC 6960 A.1 GET form).
b64url() { base64 -w0 "$1" | python3 -c 'import sys, urllib.parse; print(urllib.parse.quote(sys.stdin.read().strip(), safe=""))'; }

# ---- CA, two devices, one revoked ------------------------------------------------
check "acs-ca init" "$ACS_CA" init || t_done
check "issuer create devices" "$ACS_CA" issuer create devices || t_done
check "issue good device certificate" new_device GOOD || t_done
check "issue device certificate to revoke" new_device BAD || t_done
GOOD_SERIAL=$(serial_of GOOD.crt)
BAD_SERIAL=$(serial_of BAD.crt)
check "revoke with reason keyCompromise" "$ACS_CA" revoke --serial "$BAD_SERIAL" --reason keyCompromise
check "cacerts writes chain.pem" "$ACS_CA" cacerts --out chain.pem || t_done
# split the chain; issuer.pem = the devices issuing CA, root.pem = the root
awk '/-----BEGIN/{n++} {print > ("chain-" n ".pem")}' chain.pem
for f in chain-*.pem; do
    case $(openssl x509 -in "$f" -noout -subject) in
    *"Issuing CA devices"*) cp "$f" issuer.pem ;;
    *"Root CA"*) cp "$f" root.pem ;;
    esac
done
check "chain has the devices issuer and the root" test -s issuer.pem -a -s root.pem || t_done

# ---- CRL from the command line ------------------------------------------------------
BAD_UPPER=$(echo "$BAD_SERIAL" | tr 'a-f' 'A-F')
GOOD_UPPER=$(echo "$GOOD_SERIAL" | tr 'a-f' 'A-F')
check "acs-ca crl --out crl.pem" "$ACS_CA" crl --out crl.pem
check_output "CRL lists the revoked serial" "Serial Number: $BAD_UPPER" openssl crl -in crl.pem -noout -text
check_fail "CRL does not list the good serial" grep -q "$GOOD_UPPER" <(openssl crl -in crl.pem -noout -text)
check_output "CRL entry has reason keyCompromise" "Key Compromise" openssl crl -in crl.pem -noout -text
check_output "CRL entry has a revocation date" "Revocation Date: [A-Z][a-z]{2} " openssl crl -in crl.pem -noout -text
check_output "CRL is version 2 with a CRL number" "CRL Number" openssl crl -in crl.pem -noout -text
check_output "CRL has an authority key identifier" "Authority Key Identifier" openssl crl -in crl.pem -noout -text
check_output "CRL has nextUpdate" "^nextUpdate=[A-Z]" openssl crl -in crl.pem -noout -nextupdate
check_output "CRL signature verifies against the chain" "verify OK" openssl crl -in crl.pem -CAfile chain.pem -noout
N1=$(crl_number crl.pem)
check "acs-ca crl --der (second build)" "$ACS_CA" crl --der --out crl2.der
N2=$(crl_number crl2.der DER)
check "second CRL has a higher CRL number ($N1 -> $N2)" test "${N2:-0}" -gt "${N1:-0}"
check_fail_output "openssl verify -crl_check: revoked certificate refused" "certificate revoked" \
    openssl verify -crl_check -CRLfile crl.pem -CAfile chain.pem BAD.crt
check "openssl verify -crl_check: good certificate accepted" \
    openssl verify -crl_check -CRLfile crl.pem -CAfile chain.pem GOOD.crt
check_output "crl.build is audited with number and count" "crl\.build.*crl_number=$N2 count=1" "$ACS_CA" audit list
check "audit chain still intact" "$ACS_CA" audit verify
check "root CRL builds" "$ACS_CA" crl --issuer root --out root-crl.pem
check_output "root CRL is signed by the root" "verify OK" openssl crl -in root-crl.pem -CAfile root.pem -noout
check_fail "crl for an unknown issuer fails" "$ACS_CA" crl --issuer nosuch --out nosuch.pem

# ---- OCSP responder ---------------------------------------------------------------------
PORT=$(free_port)
start_bg ocsp "$ACS_CA" ocsp-serve --port "$PORT"
OCSP_PID=$BG_PID
check "ocsp-serve accepts connections" wait_port "$PORT" 10 || { sed 's/^/# /' ocsp.log; t_done; }
check_output "ocsp-serve prints its address" "listening on 127\.0\.0\.1:$PORT" cat ocsp.log
URL=http://127.0.0.1:$PORT/ocsp

ocsp() { openssl ocsp -url "$URL" -CAfile chain.pem -resp_text "$@"; }
check_output "OCSP POST: good certificate is good" "GOOD\.crt: good" ocsp -issuer issuer.pem -cert GOOD.crt
check_output "OCSP POST: response signature verifies" "Response verify OK" ocsp -issuer issuer.pem -cert GOOD.crt
check_output "OCSP response has nextUpdate" "Next Update: " ocsp -issuer issuer.pem -cert GOOD.crt
check_output "OCSP response echoes the nonce" "OCSP Nonce" ocsp -issuer issuer.pem -cert GOOD.crt
check_output "OCSP POST: revoked certificate is revoked" "BAD\.crt: revoked" ocsp -issuer issuer.pem -cert BAD.crt
check_output "OCSP revoked: reason keyCompromise" "Reason: keyCompromise" ocsp -issuer issuer.pem -cert BAD.crt
check_output "OCSP revoked: revocation time" "Revocation Time: [A-Z][a-z]{2} " ocsp -issuer issuer.pem -cert BAD.crt
check_output "OCSP revoked: response verifies" "Response verify OK" ocsp -issuer issuer.pem -cert BAD.crt
check_output "OCSP with a SHA-256 CertID" "BAD\.crt: revoked" ocsp -sha256 -issuer issuer.pem -cert BAD.crt
check_output "OCSP with two CertIDs of one issuer" "GOOD\.crt: good.*BAD\.crt: revoked" \
    sh -c "openssl ocsp -url '$URL' -CAfile chain.pem -issuer issuer.pem -cert GOOD.crt -cert BAD.crt 2>&1 | tr '\n' ' '"

# a certificate signed with the issuer's key but never recorded: unknown
check "make an unrecorded certificate with the issuer key" \
    openssl x509 -req -in GOOD.csr -CA issuer.pem -CAkey "$WORK/keys/devices.key.pem" \
    -passin "file:$WORK/passphrase" -set_serial 0x0123456789abcdef -days 1 -out ghost.crt
check_output "OCSP: serial never issued is unknown" "ghost\.crt: unknown" ocsp -issuer issuer.pem -cert ghost.crt

# a certificate of a foreign CA: unauthorized (and mixed issuers too)
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout other.key -subj "/CN=Other CA" \
    -days 1 -out other.pem 2>/dev/null
openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout alien.key -subj "/CN=alien" \
    -out alien.csr 2>/dev/null
openssl x509 -req -in alien.csr -CA other.pem -CAkey other.key -set_serial 77 -days 1 -out alien.crt 2>/dev/null
openssl ocsp -issuer other.pem -cert alien.crt -reqout alien.req >/dev/null 2>&1
check "OCSP: foreign issuer is answered with HTTP 200" test "$(http_code alien.resp \
    -H 'Content-Type: application/ocsp-request' --data-binary @alien.req "$URL")" = 200
check "OCSP: foreign issuer gets unauthorized (30 03 0a 01 06)" test "$(first_bytes alien.resp)" = 30030a0106
openssl ocsp -issuer issuer.pem -cert GOOD.crt -issuer other.pem -cert alien.crt -reqout mixed.req >/dev/null 2>&1
http_code mixed.resp -H 'Content-Type: application/ocsp-request' --data-binary @mixed.req "$URL" >/dev/null
check "OCSP: ours and a foreign CertID get unauthorized" test "$(first_bytes mixed.resp)" = 30030a0106

# certificates issued by the root itself are answered with the root's key
check "server certificate issued by the root" "$ACS_CA" server-cert --cn ocsp.test --issuer root \
    --out-cert rootleaf.crt --out-key rootleaf.key
check_output "OCSP for a root-issued certificate: good, verified" "Response verify OK" \
    openssl ocsp -url "$URL" -CAfile root.pem -issuer root.pem -cert rootleaf.crt
check_output "OCSP for a root-issued certificate says good" "rootleaf\.crt: good" \
    openssl ocsp -url "$URL" -CAfile root.pem -issuer root.pem -cert rootleaf.crt
# one response is signed by one authority: CertIDs of two of our authorities are refused
openssl ocsp -issuer issuer.pem -cert GOOD.crt -issuer root.pem -cert rootleaf.crt -reqout two.req >/dev/null 2>&1
check "two-issuer request file made" test -s two.req
http_code two.resp -H 'Content-Type: application/ocsp-request' --data-binary @two.req "$URL" >/dev/null
check "OCSP: CertIDs of the devices CA and the root get unauthorized" test "$(first_bytes two.resp)" = 30030a0106

# GET form (RFC 6960 A.1): base64 of the DER request, URL-encoded, after /ocsp/
openssl ocsp -issuer issuer.pem -cert BAD.crt -no_nonce -reqout get-bad.req >/dev/null 2>&1
openssl ocsp -issuer issuer.pem -cert GOOD.crt -no_nonce -reqout get-good.req >/dev/null 2>&1
check "GET request files made" test -s get-bad.req -a -s get-good.req
check "OCSP GET answers 200" test "$(http_code get-bad.resp "$URL/$(b64url get-bad.req)")" = 200
check_output "OCSP GET content type is application/ocsp-response" "^application/ocsp-response$" \
    curl -s -o /dev/null -w '%{content_type}\n' "$URL/$(b64url get-bad.req)"
check_output "OCSP GET: revoked with reason" "Reason: keyCompromise" \
    openssl ocsp -respin get-bad.resp -issuer issuer.pem -cert BAD.crt -CAfile chain.pem
check_output "OCSP GET: response verifies" "Response verify OK" \
    openssl ocsp -respin get-bad.resp -issuer issuer.pem -cert BAD.crt -CAfile chain.pem
check "OCSP GET (good) answers 200" test "$(http_code get-good.resp "$URL/$(b64url get-good.req)")" = 200
check_output "OCSP GET: good certificate is good" "GOOD\.crt: good" \
    openssl ocsp -respin get-good.resp -issuer issuer.pem -cert GOOD.crt -CAfile chain.pem
check "OCSP GET with broken base64 is answered" test "$(http_code get-junk.resp "$URL/%21%21notbase64")" = 200
check "OCSP GET with broken base64: malformedRequest" test "$(first_bytes get-junk.resp)" = 30030a0101

# malformed input, limits, methods, paths
check "garbage POST is answered with HTTP 200" test "$(http_code garbage.resp \
    -H 'Content-Type: application/ocsp-request' --data-binary 'this is not DER' "$URL")" = 200
check "garbage POST: OCSP malformedRequest (30 03 0a 01 01)" test "$(first_bytes garbage.resp)" = 30030a0101
check_output "openssl shows malformedrequest" "malformedrequest" sh -c 'openssl ocsp -respin garbage.resp -resp_text 2>&1; true'
check "ocsp-serve still running after garbage" kill -0 "$OCSP_PID"
check_output "and still answers after garbage" "GOOD\.crt: good" ocsp -issuer issuer.pem -cert GOOD.crt
head -c 20000 /dev/urandom >big.bin
check "body over 16 KiB gets 413" test "$(http_code /dev/null -H 'Content-Type: application/ocsp-request' \
    --data-binary @big.bin "$URL")" = 413
check "chunked body over 16 KiB gets 413" test "$(http_code /dev/null -H 'Content-Type: application/ocsp-request' \
    -H 'Transfer-Encoding: chunked' --data-binary @big.bin "$URL")" = 413
check "POST without the OCSP content type gets 415" test "$(http_code /dev/null --data-binary @get-good.req "$URL")" = 415
check "PUT /ocsp gets 405" test "$(http_code /dev/null -X PUT --data-binary @get-good.req "$URL")" = 405
check "unknown path gets 404" test "$(http_code /dev/null "http://127.0.0.1:$PORT/nothing/here")" = 404
check "ocsp-serve still running after the error cases" kill -0 "$OCSP_PID"

# ---- CRL over HTTP ---------------------------------------------------------------------------
CRL_URL=http://127.0.0.1:$PORT/crl/devices.crl
check "GET /crl/devices.crl answers 200" test "$(http_code http1.crl "$CRL_URL")" = 200
check_output "CRL content type is application/pkix-crl" "^application/pkix-crl$" \
    curl -s -o /dev/null -w '%{content_type}\n' "$CRL_URL"
check_output "HTTP CRL is DER and lists the revoked serial" "Serial Number: $BAD_UPPER" \
    openssl crl -inform DER -in http1.crl -noout -text
check_output "HTTP CRL signature verifies" "verify OK" openssl crl -inform DER -in http1.crl -CAfile chain.pem -noout
H1=$(crl_number http1.crl DER)
check "HTTP CRL is newer than the command-line ones ($N2 -> $H1)" test "${H1:-0}" -gt "${N2:-0}"
http_code http2.crl "$CRL_URL" >/dev/null
H2=$(crl_number http2.crl DER)
check "a second GET is served from the cache (number $H1 unchanged)" test "${H2:-x}" = "${H1:-y}"
check "GET /crl/nosuch.crl gets 404" test "$(http_code /dev/null "http://127.0.0.1:$PORT/crl/nosuch.crl")" = 404
check "POST /crl/devices.crl gets 405" test "$(http_code /dev/null -X POST -d x "$CRL_URL")" = 405
check "revoke the good certificate (superseded)" "$ACS_CA" revoke --serial "$GOOD_SERIAL" --reason superseded
http_code http3.crl "$CRL_URL" >/dev/null
H3=$(crl_number http3.crl DER)
check "a revocation makes the next GET rebuild ($H2 -> $H3)" test "${H3:-0}" -gt "${H2:-0}"
check_output "rebuilt CRL lists the newly revoked serial" "Serial Number: $GOOD_UPPER" \
    openssl crl -inform DER -in http3.crl -noout -text
check_output "OCSP sees the new revocation at once" "Reason: superseded" ocsp -issuer issuer.pem -cert GOOD.crt
check_output "requests are logged one line each, key=value" \
    "event=request method=POST path=/ocsp status=200 .*cert_status=revoked reason=keyCompromise serial=$BAD_SERIAL" \
    cat ocsp.log

# ---- the response cache (single CertID, no nonce: what CPEs send) --------------------------
check "issue a device certificate for the cache" new_device CACHED || t_done
CACHED_SERIAL=$(serial_of CACHED.crt)
nn() { openssl ocsp -url "$URL" -CAfile chain.pem -no_nonce -resp_text -issuer issuer.pem "$@"; }
check_output "no nonce: good" "CACHED\.crt: good" nn -cert CACHED.crt
check_output "no nonce, again: good, the response verifies" "Response verify OK" nn -cert CACHED.crt
check_output "the second answer came from the cache" \
    "cert_status=good serial=$CACHED_SERIAL .*nonce=no cached=yes" cat ocsp.log
check_output "no nonce: a serial never issued is unknown" "ghost\.crt: unknown" nn -cert ghost.crt
check_output "no nonce, again: still unknown" "ghost\.crt: unknown" nn -cert ghost.crt
check_output "a nonce request is signed anew, never cached" "cert_status=good serial=$CACHED_SERIAL .*nonce=yes cached=no" \
    sh -c "openssl ocsp -url '$URL' -CAfile chain.pem -issuer issuer.pem -cert CACHED.crt >/dev/null 2>&1; tail -n 1 ocsp.log"
check "revoke the cached certificate" "$ACS_CA" revoke --serial "$CACHED_SERIAL" --reason keyCompromise
# the verifier's LISTEN sees it at once; allow one second, no more
t0=$(date +%s%N)
seen=no
while [ $(( ($(date +%s%N) - t0) / 1000000 )) -lt 1000 ]; do
    if nn -cert CACHED.crt 2>/dev/null | grep -q "CACHED\.crt: revoked"; then seen=yes; break; fi
    sleep 0.05
done
check "a cached good answer turns revoked within 1 s of the revocation" test "$seen" = yes
check_output "the revoked answer carries the reason and verifies" "Reason: keyCompromise" nn -cert CACHED.crt
check_output "the revoked answer verifies against the chain" "Response verify OK" nn -cert CACHED.crt

# ---- clean stop -----------------------------------------------------------------------------
kill -TERM "$OCSP_PID"
rc=0
for _ in $(seq 50); do kill -0 "$OCSP_PID" 2>/dev/null || break; sleep 0.1; done
wait "$OCSP_PID" || rc=$?
check "ocsp-serve exits 0 on SIGTERM" test "$rc" -eq 0
check_output "ocsp-serve logs its stop" "event=stop signal=TERM" cat ocsp.log

# --port 0 picks a free port and says which
start_bg ocsp0 "$ACS_CA" ocsp-serve --port 0
for _ in $(seq 50); do grep -q "listening on" ocsp0.log && break; sleep 0.1; done
P0=$(sed -n 's/.*ocsp-serve listening on 127\.0\.0\.1:\([0-9]*\)$/\1/p' ocsp0.log)
check "--port 0 prints the chosen port" test -n "$P0" -a "${P0:-0}" -gt 0
check_output "the printed port answers OCSP" "GOOD\.crt: revoked" \
    openssl ocsp -url "http://127.0.0.1:${P0:-1}/ocsp" -CAfile chain.pem -issuer issuer.pem -cert GOOD.crt
stop_bg ocsp0
check "ocsp-serve's logs are key=value pairs throughout" python3 "$TOP/tests/integration/tools/logfmt_check.py" "$WORK"/ocsp*.log
t_done

#!/bin/bash
# tests/integration/031-est-signer.sh — EST on acsd's :7547 through the signer (acs-ca sign-serve
# on a unix socket): acsd runs with neither passphrase, no key directory and a role that may not
# record a certificate, and still enrolls and re-enrolls devices; the signer never opens the
# root key; a missing signer is a 503, hostile frames on its socket leave it serving; an issuer
# revoked while the signer runs issues nothing more.
. "$(dirname "$0")/lib.sh"
t_init est_signer
. "$(dirname "$0")/acsd_lib.sh"
for tool in curl base64; do command -v "$tool" >/dev/null || t_skip "$tool not installed"; done

DEV=00D09E-Box-SIG001
acsd_ca
awk -v dir="$WORK" '/BEGIN CERT/ {n++} {print > (dir "/ca" n ".pem")}' "$WORK/chain.pem"

mkcsr() { # mkcsr NAME CN: key NAME.key, base64 DER CSR NAME.b64
    openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$WORK/$1.key" -subj "/CN=$2" \
        -outform DER -out "$WORK/$1.der" 2>"$WORK/$1.openssl.log" && base64 -w 64 "$WORK/$1.der" >"$WORK/$1.b64"
}
est() { # est NAME OP [curl args]: prints the HTTP status; body NAME.body, headers NAME.hdr
    local name=$1 op=$2; shift 2
    curl -sS --max-time 20 --cacert "$WORK/chain.pem" -o "$WORK/$name.body" -D "$WORK/$name.hdr" \
        -w '%{http_code}' "$@" "https://localhost:$ACSD_PORT/.well-known/est/$op" 2>"$WORK/$name.curl"
}
CT=(-H 'Content-Type: application/pkcs10')

# ---- acsd without any key material ----------------------------------------------
acsd_start '[ca]' "key_dir = $WORK/no-such-dir"
check "the signer's socket is rw for its user and group only" test "$(stat -c %a "$WORK/signer.sock")" = 660
check_fail "acsd's configuration names no passphrase" grep -qi passphrase "$WORK/acsd.ini"
check_fail "acsd's environment holds no passphrase" sh -c "tr '\\0' '\\n' </proc/$ACSD_PID/environ | grep -q PASSPHRASE"
check_fail "acsd's key directory does not exist" test -e "$WORK/no-such-dir"

TOKEN=$("$ACS_CA" token create --device "$DEV" 2>"$WORK/token.err")
mkcsr dev "$DEV" || { not_ok "openssl req"; t_done; }
check_output "cacerts through acsd" '^200$' est cacerts cacerts
got=$(est enroll simpleenroll -u "$DEV:$TOKEN" "${CT[@]}" --data-binary "@$WORK/dev.b64")
check_output "token enrollment through acsd and the signer" '^200$' echo "$got"
base64 -d "$WORK/enroll.body" | openssl pkcs7 -inform DER -print_certs -out "$WORK/enroll.pem" 2>/dev/null
check_output "the certificate chains to our root" ': OK$' \
    openssl verify -CAfile "$WORK/ca2.pem" -untrusted "$WORK/ca1.pem" "$WORK/enroll.pem"
SERIAL=$(openssl x509 -in "$WORK/enroll.pem" -noout -serial | sed 's/^serial=//' | tr 'A-F' 'a-f')
check_sql "recorded by the CA's role, via est-enroll" "est-enroll" \
    "SELECT issued_via FROM certificates WHERE serial = '$SERIAL'"
check_sql "the token is spent" "1" "SELECT count(*) FROM enrollment_tokens WHERE used_serial = '$SERIAL'"
check_output "a spent token is refused (401)" '^401$' \
    est again simpleenroll -u "$DEV:$TOKEN" "${CT[@]}" --data-binary "@$WORK/dev.b64"

# re-enrollment: the client certificate is verified by acsd, checked again by the signer
mkcsr re "$DEV"
got=$(est reenroll simplereenroll --cert "$WORK/enroll.pem" --key "$WORK/dev.key" "${CT[@]}" \
    --data-binary "@$WORK/re.b64")
check_output "re-enrollment through acsd (acsd's role cannot write certificates)" '^200$' echo "$got"
check_sql "the old certificate is revoked as superseded" "4" \
    "SELECT reason FROM revocations WHERE serial = '$SERIAL'"
check_output "re-enrollment without a certificate: 401" '^401$' \
    est renocert simplereenroll "${CT[@]}" --data-binary "@$WORK/re.b64"

# unauthenticated refusals: counted by acsd's pre-authentication tally, no audit row each
for i in 1 2 3; do
    est bad$i simpleenroll -u "$DEV:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA" "${CT[@]}" \
        --data-binary "@$WORK/dev.b64" >"$WORK/bad$i.status"
done
check_output "three unknown tokens: 401 each" '^401401401$' cat "$WORK/bad1.status" "$WORK/bad2.status" "$WORK/bad3.status"
check_sql "no audit row per unauthenticated refusal" "0" \
    "SELECT count(*) FROM audit_log WHERE action = 'est.enroll' AND result = 'refused'"

# ---- hostile frames on the signer's socket ----------------------------------------------
cat >"$WORK/hostile.py" <<'EOF'
import socket, struct, sys, time
path, kind = sys.argv[1], sys.argv[2]
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.connect(path)
s.settimeout(10)
if kind == "huge":
    s.sendall(struct.pack(">I", 0x7fffffff))
elif kind == "garbage":
    body = b"\xff" * 64
    s.sendall(struct.pack(">I", len(body)) + body)
elif kind == "truncated":
    s.sendall(struct.pack(">I", 100) + b"M\x00\x00\x00\x04GET\x00")
    s.shutdown(socket.SHUT_WR)
elif kind == "overlong":  # a field claims more bytes than its frame has
    body = b"M\x00\x00\x10\x00GET\x00"
    s.sendall(struct.pack(">I", len(body)) + body)
elif kind == "nomethod":
    body = b"P\x00\x00\x00\x08cacerts\x00"
    s.sendall(struct.pack(">I", len(body)) + body)
try:
    got = s.recv(16)
except socket.timeout:
    print("timeout"); sys.exit(1)
print("closed" if not got else "answered")
EOF
for kind in huge garbage truncated overlong nomethod; do
    check_output "signer: a $kind frame is dropped without an answer" '^closed$' \
        python3 "$WORK/hostile.py" "$WORK/signer.sock" "$kind"
done
check "the signer still runs" kill -0 "$SIGNER_PID"
check_output "and still serves acsd" '^200$' est cacerts2 cacerts
check_output "the signer logged the malformed frames" 'event=signer_refused reason=malformed' cat "$WORK/signer.log"

# ---- the root key never opens in the signer -------------------------------------------
{ cat "$WORK/acs.ini"; printf '[ca]\ndefault_issuer = root\n'; } >"$WORK/rootsigner.ini"
check_fail_output "a signer set to issue from the root refuses to start, even with the root passphrase" \
    'root CA key is offline' timeout 10 "$ACS_CA" -c "$WORK/rootsigner.ini" sign-serve --socket "$WORK/root.sock"
check_fail "and leaves no socket" test -e "$WORK/root.sock"

# ---- no signer: 503, then back --------------------------------------------------
stop_bg signer
check_output "without the signer acsd answers 503" '^503$' est nosigner cacerts
check_output "with Retry-After" '^retry-after: 30' sh -c "tr 'A-Z\\r' 'a-z\\n' <'$WORK/nosigner.hdr'"
check "acsd survives it" kill -0 "$ACSD_PID"
check "acsd logs the missing signer" acsd_log_has 'event=signer_unavailable'
SIGNER_PID=
signer_start
check_output "with the signer back, enrollment works again" '^200$' est back cacerts

# ---- an issuer revoked while the signer runs ----------------------------------------
DEV2=00D09E-Box-SIG002
TOKEN2=$("$ACS_CA" token create --device "$DEV2" 2>>"$WORK/token.err")
mkcsr dev2 "$DEV2"
check "revoke the devices issuer (root passphrase, offline)" "$ACS_CA" issuer revoke devices
got=$(est revoked simpleenroll -u "$DEV2:$TOKEN2" "${CT[@]}" --data-binary "@$WORK/dev2.b64")
check_output "the running signer issues nothing from a revoked issuer" '^(400|403)$' echo "$got"
check_sql "no certificate for the device" "0" "SELECT count(*) FROM certificates WHERE device_id = '$DEV2'"
check_output "the signer names the cause" 'is revoked' cat "$WORK/signer.log" "$WORK/revoked.body"
check "the audit chain is intact" "$ACS_CA" audit verify
t_done

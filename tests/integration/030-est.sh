#!/bin/bash
# tests/integration/030-est.sh — EST (RFC 7030) over HTTPS with acs-ca est-serve:
# token enrollment (Basic and Bearer), every refusal (401/403/400/413/415; audited one by one
# once the token vouches for the request, before that summed into one est.refused row per source),
# cacerts, re-enrollment by client certificate, revocation seen by the verifier,
# database loss (503) and recovery, audit chain intact at the end.
. "$(dirname "$0")/lib.sh"
t_init est

for tool in curl openssl base64 psql; do
    command -v "$tool" >/dev/null || t_skip "$tool not installed"
done

DEV=00D09E-Box-EST001

# mkcsr NAME SUBJECT [openssl req key options]: key $WORK/NAME.key, DER CSR base64 in NAME.b64
mkcsr() {
    local name=$1 subj=$2; shift 2
    [ $# -gt 0 ] || set -- -newkey ec -pkeyopt ec_paramgen_curve:P-256
    openssl req -new "$@" -nodes -keyout "$WORK/$name.key" -subj "$subj" -outform DER \
        -out "$WORK/$name.der" 2>"$WORK/$name.openssl.log" && base64 -w 64 "$WORK/$name.der" >"$WORK/$name.b64"
}

# est NAME OP [curl args]: request https://localhost:$PORT/.well-known/est/OP; body in
# $WORK/NAME.body, headers in NAME.hdr; prints the HTTP status.
est() {
    local name=$1 op=$2; shift 2
    curl -sS --max-time 20 --cacert "$WORK/chain.pem" -o "$WORK/$name.body" -D "$WORK/$name.hdr" \
        -w '%{http_code}' "$@" "https://localhost:$PORT/.well-known/est/$op" 2>"$WORK/$name.curl"
}

# check_status DESC EXPECTED_RE NAME OP [curl args]: the status must match EXPECTED_RE.
check_status() {
    local desc=$1 want=$2 name=$3 op=$4; shift 4
    local got
    got=$(est "$name" "$op" "$@")
    if [[ $got =~ ^($want)$ ]]; then
        ok "$desc (HTTP $got)"
        return 0
    fi
    not_ok "$desc"
    echo "# expected HTTP $want, got ${got:-nothing}"
    head -c 400 "$WORK/$name.body" 2>/dev/null | sed 's/^/# body: /'
    sed 's/^/# curl: /' "$WORK/$name.curl" 2>/dev/null
    return 1
}

# p7_certs NAME: PEM certificates of the base64 PKCS#7 in $WORK/NAME.body -> NAME.pem
p7_certs() {
    base64 -d "$WORK/$1.body" | openssl pkcs7 -inform DER -print_certs -out "$WORK/$1.pem"
}

hdr() { # hdr NAME: response headers of request NAME, lowercased, one per line
    tr 'A-Z\r' 'a-z\n' <"$WORK/$1.hdr"
}

same_pubkey() { # same_pubkey CERT KEY
    [ "$(openssl x509 -in "$1" -noout -pubkey)" = "$(openssl pkey -in "$2" -pubout)" ]
}

audit_has() { # audit_has REGEX: the audit log has a matching row
    "$ACS_CA" audit list --limit 1000 | grep -Eq -- "$1"
}

# ---- CA, server certificate, server -----------------------------------------
check "root CA" "$ACS_CA" init || t_done
check "issuing CA devices" "$ACS_CA" issuer create devices || t_done
check "server certificate for localhost" "$ACS_CA" server-cert --cn localhost --dns localhost --ip 127.0.0.1 \
    --out-cert "$WORK/server.crt" --out-key "$WORK/server.key" || t_done
check "CA chain for clients" "$ACS_CA" cacerts --out "$WORK/chain.pem" || t_done
# the last certificate of the chain is the root, the others are issuing CAs
awk -v dir="$WORK" '/BEGIN CERT/ {n++} {print > (dir "/ca" n ".pem")}' "$WORK/chain.pem"
ROOT=$(ls "$WORK"/ca[0-9].pem | sort | tail -n 1)
cat $(ls "$WORK"/ca[0-9].pem | sort | grep -v "^$ROOT\$") >"$WORK/issuers.pem"

# est_start NAME [acs-ca options]: est-serve on a free port, logging to $WORK/NAME.log; sets PORT
est_start() {
    local name=$1; shift
    start_bg "$name" "$ACS_CA" "$@" est-serve --port 0 --cert "$WORK/server.crt" --key "$WORK/server.key"
    PORT=
    for _ in $(seq 100); do
        PORT=$(sed -n 's/^acs-ca: est-serve listening on 127\.0\.0\.1:\([0-9][0-9]*\)$/\1/p' "$WORK/$name.log")
        [ -n "$PORT" ] && break
        kill -0 "$BG_PID" 2>/dev/null || break
        sleep 0.1
    done
}

est_start est
if [ -n "$PORT" ] && [ "$PORT" != 0 ]; then
    ok "est-serve --port 0 listens on a free port ($PORT)"
else
    not_ok "est-serve --port 0 listens on a free port"
    sed 's/^/# /' "$WORK/est.log"
    t_done
fi
check "est-serve accepts connections" wait_port "$PORT" 10 || t_done

# ---- cacerts, routing -----------------------------------------------------------
if check_status "GET cacerts" 200 cacerts cacerts; then
    check_output "cacerts is application/pkcs7-mime, base64" \
        '^content-transfer-encoding: base64' hdr cacerts
    check "cacerts decodes as PKCS#7" p7_certs cacerts
    check_output "cacerts holds 2 certificates" '^2$' grep -c '^subject=' "$WORK/cacerts.pem"
    check "cacerts holds the root" grep -qF "$(sed -n 2p "$ROOT")" "$WORK/cacerts.pem"
fi
check_status "unknown EST operation is 404" 404 csrattrs csrattrs
check_status "GET simpleenroll is 405" 405 get405 simpleenroll
check_output "405 names the allowed method" '^allow: post' hdr get405

# ---- enrollment refusals (the token must survive refusals of its CSR) -----------
TOKEN=$("$ACS_CA" token create --device "$DEV" 2>>"$WORK/token.err")
check_output "token for $DEV" '^[A-Za-z0-9_-]{43}$' echo "$TOKEN" || t_done
mkcsr good "/CN=$DEV" || { not_ok "openssl req"; t_done; }
mkcsr weak "/CN=$DEV" -newkey rsa:1024
mkcsr wrongcn "/CN=00D09E-Box-OTHER"
printf 'this is not base64 at all!\n' >"$WORK/garbage.b64"
printf 'QUJDREVGR0g=\n' >"$WORK/notcsr.b64" # valid base64, not a CSR

check_status "no credentials: 401" 401 nocred simpleenroll -H 'Content-Type: application/pkcs10' \
    --data-binary "@$WORK/good.b64"
check_output "401 carries WWW-Authenticate: Basic" '^www-authenticate: basic realm="est"' \
    hdr nocred
CT=(-H 'Content-Type: application/pkcs10')
check_status "unknown token: 401" 401 badtoken simpleenroll -u "$DEV:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA" \
    "${CT[@]}" --data-binary "@$WORK/good.b64"
check_status "malformed Authorization: 401" 401 badauth simpleenroll -H 'Authorization: Basic !!!' \
    "${CT[@]}" --data-binary "@$WORK/good.b64"
check_status "wrong Content-Type: 415" 415 ctype simpleenroll -u "$DEV:$TOKEN" \
    -H 'Content-Type: application/json' --data-binary "@$WORK/good.b64"
head -c 20000 /dev/zero | tr '\0' 'A' >"$WORK/big.b64"
check_status "body over 16 KiB: 413" 413 big simpleenroll -u "$DEV:$TOKEN" "${CT[@]}" \
    --data-binary "@$WORK/big.b64"
check_status "garbage base64 CSR: 400" 400 garbage simpleenroll -u "$DEV:$TOKEN" "${CT[@]}" \
    --data-binary "@$WORK/garbage.b64"
check_status "base64 that is no CSR: 400" 400 notcsr simpleenroll -u "$DEV:$TOKEN" "${CT[@]}" \
    --data-binary "@$WORK/notcsr.b64"
check_status "CSR with an RSA-1024 key: 400" 400 weak simpleenroll -u "$DEV:$TOKEN" "${CT[@]}" \
    --data-binary "@$WORK/weak.b64"
check_output "RSA-1024 refusal names the key" 'RSA|key' cat "$WORK/weak.body"
check_status "CSR for another CN: 400" 400 wrongcn simpleenroll -u "$DEV:$TOKEN" "${CT[@]}" \
    --data-binary "@$WORK/wrongcn.b64"
check_output "wrong-CN refusal names the identity" 'identity' cat "$WORK/wrongcn.body"
check_output "refusal body is one line of text" '^1 ' wc -l "$WORK/wrongcn.body"
check "RSA-1024 refusal is audited (persisted despite the rollback)" \
    audit_has 'action=est.enroll subject=00D09E-Box-EST001 result=refused details=.*status=400.*(RSA|key)'
check "wrong-CN refusal is audited" audit_has 'action=est.enroll .*result=refused details=.*identity'
check_sql_est() { psql -d "$DBNAME" -qAtX -c "$1"; }
check_output "unauthenticated refusals (no credentials, bad token, 413, 415) have no row of their own" '^0$' \
    check_sql_est "SELECT count(*) FROM audit_log WHERE action = 'est.enroll' AND result = 'refused'
                    AND details ~ '^status=(401|413|415) '"

TOKEN_B=$("$ACS_CA" token create --device 00D09E-Box-EST002 2>>"$WORK/token.err")
check_status "token made for another device: 403" 403 otherdev simpleenroll -u "$DEV:$TOKEN_B" "${CT[@]}" \
    --data-binary "@$WORK/good.b64"

# ---- enrollment --------------------------------------------------------------
if check_status "simpleenroll with device id + token (after the refusals)" 200 enroll simpleenroll \
    -u "$DEV:$TOKEN" "${CT[@]}" --data-binary "@$WORK/good.b64"; then
    check_output "answer is application/pkcs7-mime; smime-type=certs-only" \
        '^content-type: application/pkcs7-mime; *smime-type=certs-only' hdr enroll
    check "answer decodes as PKCS#7" p7_certs enroll
    check_output "exactly one certificate" '^1$' grep -c '^subject=' "$WORK/enroll.pem"
    check_output "certificate chain verifies (root trusted, issuer untrusted)" ': OK$' \
        openssl verify -CAfile "$ROOT" -untrusted "$WORK/issuers.pem" -purpose sslclient "$WORK/enroll.pem"
    check_output "CN is the device" "CN ?= ?$DEV" openssl x509 -in "$WORK/enroll.pem" -noout -subject
    check "certificate is for the CSR's key" same_pubkey "$WORK/enroll.pem" "$WORK/good.key"
fi
SERIAL=$(openssl x509 -in "$WORK/enroll.pem" -noout -serial 2>/dev/null | sed 's/^serial=//' | tr 'A-F' 'a-f')
check_output "issued serial is recorded via est-enroll" 'est-enroll' "$ACS_CA" list --device "$DEV"
check_output "token records the serial it produced" '^1$' psql -d "$DBNAME" -tAc \
    "SELECT count(*) FROM enrollment_tokens WHERE device_id = '$DEV' AND used_at IS NOT NULL
       AND ltrim(used_serial, '0') = ltrim('$SERIAL', '0')"

check "the token's use is audited with the serial" audit_has "action=token.use subject=$DEV result=ok details=\"?serial=$SERIAL"

check_status "token reuse: refused" '401|403' reuse simpleenroll -u "$DEV:$TOKEN" "${CT[@]}" \
    --data-binary "@$WORK/good.b64"
check_output "reuse refusal says so" 'already used' cat "$WORK/reuse.body"

TOKEN_E=$("$ACS_CA" token create --device 00D09E-Box-EST003 --ttl 60 2>>"$WORK/token.err")
check "make the token expire" psql -d "$DBNAME" -qc \
    "UPDATE enrollment_tokens SET expires_at = now() - interval '1 second' WHERE device_id = '00D09E-Box-EST003'"
mkcsr exp "/CN=00D09E-Box-EST003"
check_status "expired token: 401" 401 expired simpleenroll -u "00D09E-Box-EST003:$TOKEN_E" "${CT[@]}" \
    --data-binary "@$WORK/exp.b64"
check_output "expired refusal says so" 'expired' cat "$WORK/expired.body"

# Bearer: the device is the CSR's CN; the body may be one long base64 line.
TOKEN_C=$("$ACS_CA" token create --device 00D09E-Box-EST004 2>>"$WORK/token.err")
mkcsr bearer "/CN=00D09E-Box-EST004"
base64 -w 0 "$WORK/bearer.der" >"$WORK/bearer.line"
check_status "Bearer token, unwrapped base64: 200" 200 bearer simpleenroll -H "Authorization: Bearer $TOKEN_C" \
    "${CT[@]}" --data-binary "@$WORK/bearer.line" &&
    check_output "Bearer enrollment certifies the CN" "CN ?= ?00D09E-Box-EST004" \
        sh -c "base64 -d '$WORK/bearer.body' | openssl pkcs7 -inform DER -print_certs | openssl x509 -noout -subject"
# PEM as a convenience
TOKEN_D=$("$ACS_CA" token create --device 00D09E-Box-EST005 2>>"$WORK/token.err")
openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$WORK/pem.key" \
    -subj /CN=00D09E-Box-EST005 -out "$WORK/pem.csr" 2>/dev/null
check_status "PEM CSR: 200" 200 pem simpleenroll -u "00D09E-Box-EST005:$TOKEN_D" "${CT[@]}" \
    --data-binary "@$WORK/pem.csr"

# A lowercase OUI (as real CPEs write it) in the token, the Basic user and the CSR's CN:
# the certificate and the records name the uppercase identity.
TOKEN_L=$("$ACS_CA" token create --device 00a859-Box-EST006 2>>"$WORK/token.err")
check_output "a token for a lowercase OUI is bound to the uppercase identity" '^00A859-Box-EST006$' \
    psql -d "$DBNAME" -tAc "SELECT device_id FROM enrollment_tokens WHERE device_id ILIKE '00a859-box-est006'"
mkcsr lc "/CN=00a859-Box-EST006"
check_status "Basic with a lowercase OUI and a lowercase CSR CN: 200" 200 lc simpleenroll \
    -u "00a859-Box-EST006:$TOKEN_L" "${CT[@]}" --data-binary "@$WORK/lc.b64" &&
    check_output "it certifies the uppercase identity" "CN ?= ?00A859-Box-EST006$" \
        sh -c "base64 -d '$WORK/lc.body' | openssl pkcs7 -inform DER -print_certs | openssl x509 -noout -subject"
check_output "recorded under the uppercase identity" '^est-enroll$' psql -d "$DBNAME" -tAc \
    "SELECT issued_via FROM certificates WHERE device_id = '00A859-Box-EST006'"
TOKEN_M=$("$ACS_CA" token create --device 00A859-Box-EST007 2>>"$WORK/token.err")
mkcsr lcb "/CN=00a859-Box-EST007"
check_status "Bearer, the device taken from a lowercase CSR CN: 200" 200 lcb simpleenroll \
    -H "Authorization: Bearer $TOKEN_M" "${CT[@]}" --data-binary "@$WORK/lcb.b64" &&
    check_output "it certifies the uppercase identity" "CN ?= ?00A859-Box-EST007$" \
        sh -c "base64 -d '$WORK/lcb.body' | openssl pkcs7 -inform DER -print_certs | openssl x509 -noout -subject"
TOKEN_N=$("$ACS_CA" token create --device 00a859-Box-EST008 2>>"$WORK/token.err")
mkcsr lcpc "/CN=00a859-box-EST008"
check_status "the ProductClass stays case-sensitive: 403" 403 lcpc simpleenroll \
    -u "00a859-box-EST008:$TOKEN_N" "${CT[@]}" --data-binary "@$WORK/lcpc.b64"

# ---- re-enrollment by client certificate -------------------------------------
mkcsr re "/CN=$DEV"
mkcsr reother "/CN=00D09E-Box-EST002"
check_status "simplereenroll without a client certificate: 401" 401 renocert simplereenroll "${CT[@]}" \
    --data-binary "@$WORK/re.b64"
check_status "simplereenroll with a token instead of a certificate: 401" 401 retoken simplereenroll \
    -u "00D09E-Box-EST002:$TOKEN_B" "${CT[@]}" --data-binary "@$WORK/re.b64"
check_status "simplereenroll for another identity: 400" 400 reother simplereenroll \
    --cert "$WORK/enroll.pem" --key "$WORK/good.key" "${CT[@]}" --data-binary "@$WORK/reother.b64"
if check_status "simplereenroll with the enrolled certificate: 200" 200 reenroll simplereenroll \
    --cert "$WORK/enroll.pem" --key "$WORK/good.key" "${CT[@]}" --data-binary "@$WORK/re.b64"; then
    check "re-enrollment answer decodes" p7_certs reenroll
    check_output "new certificate has the same CN" "CN ?= ?$DEV" \
        openssl x509 -in "$WORK/reenroll.pem" -noout -subject
    NEWSERIAL=$(openssl x509 -in "$WORK/reenroll.pem" -noout -serial | sed 's/^serial=//' | tr 'A-F' 'a-f')
    check "new certificate has a new serial" test -n "$NEWSERIAL" -a "$NEWSERIAL" != "$SERIAL"
    check_output "new certificate verifies" ': OK$' \
        openssl verify -CAfile "$ROOT" -untrusted "$WORK/issuers.pem" "$WORK/reenroll.pem"
    check_output "re-enrollment recorded via est-reenroll" 'est-reenroll' "$ACS_CA" list --device "$DEV"
    # [est] revoke_on_reenroll (default on): the certificate that authenticated it is superseded
    check_output "the new certificate is accepted" '^ok: device' "$ACS_CA" verify --cert "$WORK/reenroll.pem"
    check_fail_output "the old one is refused: revoked by the re-enrollment" 'revoked' \
        "$ACS_CA" verify --cert "$WORK/enroll.pem"
    check_output "revoked as superseded" 'superseded' "$ACS_CA" show --serial "$SERIAL"
    check_output "audited with its successor" \
        "action=cert.revoke subject=$SERIAL result=ok details=\"reason=superseded by=$NEWSERIAL\"" \
        "$ACS_CA" audit list --limit 1000
    check_output "in the transaction of the issuance: revocation and new row together" '^1$' psql -d "$DBNAME" -qAtX -c \
        "SELECT count(*) FROM revocations r, certificates c WHERE r.serial = '$SERIAL' AND c.serial = '$NEWSERIAL'
            AND r.revoked_at = c.created_at"
fi

# ---- revocation ------------------------------------------------------------------
# the enrolled certificate is revoked (superseded) by now: the verifier learns it by NOTIFY
status=
for _ in $(seq 50); do
    status=$(est revoked simplereenroll --cert "$WORK/enroll.pem" --key "$WORK/good.key" "${CT[@]}" \
        --data-binary "@$WORK/re.b64")
    [ "$status" = 401 ] || [ "$status" = 403 ] && break
    sleep 0.1
done
if [ "$status" = 401 ] || [ "$status" = 403 ]; then
    ok "re-enrollment with the revoked certificate refused within 5 s (HTTP $status)"
else
    not_ok "re-enrollment with the revoked certificate refused within 5 s (last HTTP $status)"
fi
check_output "refusal names the revocation" 'revoked' cat "$WORK/revoked.body"
seen=0
for _ in $(seq 50); do
    grep -q "event=revocation_seen serial=$SERIAL" "$WORK/est.log" && { seen=1; break; }
    sleep 0.1
done
if [ "$seen" = 1 ]; then
    ok "the verifier learned the revocation by NOTIFY within 5 s"
else
    not_ok "the verifier learned the revocation by NOTIFY within 5 s"
fi
check_status "a new connection with the revoked certificate is refused by the verifier" '401|403' revoked2 \
    simplereenroll --cert "$WORK/enroll.pem" --key "$WORK/good.key" "${CT[@]}" --data-binary "@$WORK/re.b64"
check_output "... as revoked" 'revoked' cat "$WORK/revoked2.body"

# ---- database loss: 503, then recovery ---------------------------------------------
TOKEN_F=$("$ACS_CA" token create --device 00D09E-Box-EST006 2>>"$WORK/token.err")
mkcsr dbdown "/CN=00D09E-Box-EST006"
check "cut the server's database connections" psql -d "$DBNAME" -qAtc \
    "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity
      WHERE datname = current_database() AND pid <> pg_backend_pid()"
check_status "database connection lost: 503" 503 down simpleenroll -u "00D09E-Box-EST006:$TOKEN_F" "${CT[@]}" \
    --data-binary "@$WORK/dbdown.b64"
check_output "503 carries Retry-After" '^retry-after: [0-9]+' hdr down
check_status "next request reconnects: 200 with the same token" 200 up simpleenroll \
    -u "00D09E-Box-EST006:$TOKEN_F" "${CT[@]}" --data-binary "@$WORK/dbdown.b64"

# ---- logs and audit chain ----------------------------------------------------------
leaked=0
for t in "$TOKEN" "$TOKEN_B" "$TOKEN_C" "$TOKEN_D" "$TOKEN_E" "$TOKEN_F"; do
    grep -qF -- "$t" "$WORK/est.log" && leaked=1
done
check "no token appears in the server log" test "$leaked" = 0
stop_bg est
check_output "est-serve stops cleanly on SIGTERM" 'event=est_stop' cat "$WORK/est.log"
# the unauthenticated refusals above (no credentials, unknown/malformed/reused/expired token, 413,
# 415, another device's token, re-enrollment without or with a revoked certificate, the database
# down) were counted in memory: one row for this source, written at shutdown (one window)
check_output "they are one est.refused row for the source, written at shutdown" '^1$' \
    check_sql_est "SELECT count(*) FROM audit_log WHERE action = 'est.refused'"
check_output "... naming the source, the count and the statuses" \
    'subject=127\.0\.0\.1 result=refused details="?source=127\.0\.0\.1 count=(1[2-9]|[2-9][0-9]) window_s=300 .*reasons=.*status_401:[0-9]+' \
    "$ACS_CA" audit list --limit 1000
for st in 403 413 415 503; do
    check "... with status $st among them" bash -c "'$ACS_CA' audit list --limit 1000 | grep 'est.refused' | grep -q 'status_$st:'"
done
check_output "the summary is logged once as key=value" '^1$' grep -c 'event=est_refusals source=127\.0\.0\.1 count=' \
    "$WORK/est.log"
check_output "audit log intact" 'audit log intact' "$ACS_CA" audit verify
check "est-serve's log is key=value pairs throughout" python3 "$TOP/tests/integration/tools/logfmt_check.py" "$WORK/est.log"

# ---- [est] revoke_on_reenroll = false: both certificates stay valid ----------------------
{ cat "$WORK/acs.ini"; printf '\n[est]\nrevoke_on_reenroll = false\n'; } >"$WORK/keep.ini"
est_start est2 -c "$WORK/keep.ini"
check "est-serve with revoke_on_reenroll = false" wait_port "$PORT" 10 || t_done
mkcsr re2 "/CN=$DEV"
if check_status "simplereenroll with the re-enrolled certificate: 200" 200 reenroll2 simplereenroll \
    --cert "$WORK/reenroll.pem" --key "$WORK/re.key" "${CT[@]}" --data-binary "@$WORK/re2.b64"; then
    p7_certs reenroll2
    check_output "the newest certificate is accepted" '^ok: device' "$ACS_CA" verify --cert "$WORK/reenroll2.pem"
    check_output "and the one it re-enrolled with is kept" '^ok: device' "$ACS_CA" verify --cert "$WORK/reenroll.pem"
fi
stop_bg est2
t_done

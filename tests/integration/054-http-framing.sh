#!/bin/bash
# tests/integration/054-http-framing.sh — HTTP/1.1 framing (RFC 9112 §5.2, §6.1, §6.3) on every
# listener: acsd's CWMP at / and EST under /.well-known/est/ (mutual TLS), acsd's NBI (TLS), acs-ca
# est-serve (TLS) and ocsp-serve (plain HTTP). Content-Length with Transfer-Encoding, Content-Length
# twice (different and equal) and an obsolete line folding: 400 from common/httpd_framing.c and the
# connection closed (EOF after the answer). A chunk size over 64 bits: on acsd's listeners (TLS
# in common/tls_front) 400 from its framing guard (common/http_guard.c) and closed, before
# libmicrohttpd sees it; on acs-ca's servers (libmicrohttpd's own TLS) libmicrohttpd's 413 and
# closed. The same request well-formed (Content-Length, chunked) gets through.
# The refused EST requests carry a valid token: it is still unused afterwards.
. "$(dirname "$0")/lib.sh"
t_init http_framing
. "$(dirname "$0")/acsd_lib.sh"
TOOL=$TOP/tests/integration/tools/http_framing.py
ACSCTL=$BUILD/bin/acsctl
BAD_CASES="cl_te cl_twice cl_twice_equal obs_fold"

acsd_ca
DEV=00D09E-ATA2FXS-F0001
check "device certificate for $DEV" mkdev dev "$DEV" || t_done
inform inform-periodic-1-2.xml "$WORK/inform.xml" 00D09E ATA2FXS F0001
mkcsr() { # mkcsr NAME CN: base64 DER CSR in $WORK/NAME.b64
    openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$WORK/$1.key" -subj "/CN=$2" \
        -outform DER -out "$WORK/$1.der" 2>"$WORK/$1.openssl.log" && base64 -w 64 "$WORK/$1.der" >"$WORK/$1.b64"
}
"$ACSCTL" token create --name noc --role admin >"$WORK/noc.token" 2>"$WORK/noc.err" || not_ok "NBI token"
acsd_start
NBI_PORT=$ACSD_NBI_PORT
[ -n "$NBI_PORT" ] || { not_ok "the NBI listens"; t_done; }

# framing DESC EXPECTED CASE TOOL-ARGS...: the tool's "status=N closed=C framing=F" must equal EXPECTED
framing() {
    local desc=$1 want=$2 case=$3 got; shift 3
    local wait=3
    case $case in good*) wait=1 ;; esac
    got=$(python3 "$TOOL" --wait "$wait" "$@" "$case" 2>"$WORK/tool.err")
    if [ "$got" = "$want" ]; then
        ok "$desc: $case ($got)"
        return 0
    fi
    not_ok "$desc: $case"
    echo "# expected: $want"
    echo "# got: $got"
    sed 's/^/# tool: /' "$WORK/tool.err" | head -n 5
    return 1
}
# all_cases DESC GOOD_STATUS OVERFLOW TOOL-ARGS...: the refusals, then the well-formed request;
# OVERFLOW: what the chunk-size overflow gets
all_cases() {
    local desc=$1 good=$2 overflow=$3 c; shift 3
    for c in $BAD_CASES; do
        framing "$desc" "status=400 closed=1 framing=1" "$c" "$@"
    done
    framing "$desc" "$overflow" chunk_overflow "$@"
    framing "$desc" "status=$good closed=0 framing=0" good "$@"
}

# ---- acsd :7547, CWMP at / (client certificate) -----------------------------------------------------
MTLS=(--port "$ACSD_PORT" --tls --ca "$WORK/chain.pem" --cert "$WORK/dev.crt" --key "$WORK/dev.key")
all_cases "acsd CWMP" 200 "status=400 closed=1 framing=1" "${MTLS[@]}" --path / --header "Content-Type: text/xml" --body "$WORK/inform.xml"
framing "acsd CWMP" "status=200 closed=0 framing=0" good_chunked "${MTLS[@]}" --path / \
    --header "Content-Type: text/xml" --body "$WORK/inform.xml"
check_output "the refusal is logged with its reason and the client address" \
    'event=refused reason=bad_framing detail=content_length_and_transfer_encoding remote=127\.0\.0\.1' \
    cat "$WORK/acsd.log"
check_output "and for the obsolete line folding" 'reason=bad_framing detail=obsolete_line_folding' cat "$WORK/acsd.log"
check_output "and for the chunk size over 64 bits, by the TLS front's guard" \
    'component=http event=refused reason=bad_framing detail=chunk_size_overflow remote=127\.0\.0\.1' cat "$WORK/acsd.log"
check_sql "only the well-formed Informs made sessions" 2 \
    "SELECT count(*) FROM sessions s JOIN devices d ON d.id = s.device_pk WHERE d.device_id = '$DEV'"

# ---- acsd :7547, EST (one-time token, no client certificate) ------------------------------------------
EST_DEV=00D09E-ATA2FXS-F0002
check "CSR for $EST_DEV" mkcsr est "$EST_DEV" || t_done
TOKEN=$("$ACS_CA" token create --device "$EST_DEV" 2>"$WORK/token.err")
BASIC=$(printf '%s:%s' "$EST_DEV" "$TOKEN" | base64 -w 0)
all_cases "acsd EST" 200 "status=400 closed=1 framing=1" --port "$ACSD_PORT" --tls --ca "$WORK/chain.pem" --path /.well-known/est/simpleenroll \
    --header "Content-Type: application/pkcs10" --header "Authorization: Basic $BASIC" --body "$WORK/est.b64"
check_sql "the token was used once, by the well-formed request" 1 \
    "SELECT count(*) FROM certificates WHERE device_id = '$EST_DEV'"

# ---- acsd's NBI (bearer token) ----------------------------------------------------------------------
printf '{}' >"$WORK/empty.json"
all_cases "NBI" 200 "status=400 closed=1 framing=1" --port "$NBI_PORT" --tls --ca "$WORK/chain.pem" --method GET --path /api/v1/devices \
    --header "Authorization: Bearer $(cat "$WORK/noc.token")" --body "$WORK/empty.json"
check_output "the NBI logs the refusal" 'component=nbi event=refused reason=bad_framing' \
    cat "$WORK/acsd.log"
check_output "acsd survived them all" '^alive$' bash -c "kill -0 $ACSD_PID && echo alive"
stop_bg acsd

# ---- acs-ca est-serve -------------------------------------------------------------------------------
start_bg est "$ACS_CA" est-serve --port 0 --cert "$WORK/server.crt" --key "$WORK/server.key"
EST_PORT=
for _ in $(seq 100); do
    EST_PORT=$(sed -n 's/^acs-ca: est-serve listening on 127\.0\.0\.1:\([0-9][0-9]*\)$/\1/p' "$WORK/est.log")
    [ -n "$EST_PORT" ] && break
    sleep 0.1
done
[ -n "$EST_PORT" ] || { not_ok "est-serve listens"; sed 's/^/# /' "$WORK/est.log"; t_done; }
EST_DEV2=00D09E-ATA2FXS-F0003
check "CSR for $EST_DEV2" mkcsr est2 "$EST_DEV2" || t_done
TOKEN2=$("$ACS_CA" token create --device "$EST_DEV2" 2>"$WORK/token.err")
BASIC2=$(printf '%s:%s' "$EST_DEV2" "$TOKEN2" | base64 -w 0)
all_cases "est-serve" 200 "status=413 closed=1 framing=0" --port "$EST_PORT" --tls --ca "$WORK/chain.pem" --path /.well-known/est/simpleenroll \
    --header "Content-Type: application/pkcs10" --header "Authorization: Basic $BASIC2" --body "$WORK/est2.b64"
check_sql "est-serve: the token was used once" 1 "SELECT count(*) FROM certificates WHERE device_id = '$EST_DEV2'"
check_output "est-serve logs the refusal" 'reason=bad_framing detail=content_length_repeated' cat "$WORK/est.log"
stop_bg est

# ---- acs-ca ocsp-serve (plain HTTP) -----------------------------------------------------------------
awk -v dir="$WORK" '/BEGIN CERT/ {n++} n == 1 {print > (dir "/issuer.pem")}' "$WORK/chain.pem"
check "OCSP request for the device certificate" openssl ocsp -issuer "$WORK/issuer.pem" -cert "$WORK/dev.crt" \
    -no_nonce -reqout "$WORK/ocsp.der"
OCSP_PORT=$(free_port)
start_bg ocsp "$ACS_CA" ocsp-serve --port "$OCSP_PORT"
check "ocsp-serve accepts connections" wait_port "$OCSP_PORT" 10 || t_done
all_cases "ocsp-serve" 200 "status=413 closed=1 framing=0" --port "$OCSP_PORT" --path /ocsp --header "Content-Type: application/ocsp-request" \
    --body "$WORK/ocsp.der"
check_output "ocsp-serve logs the refusal" 'status=400 .*reason=bad_framing detail=obsolete_line_folding' \
    cat "$WORK/ocsp.log"
stop_bg ocsp

t_done

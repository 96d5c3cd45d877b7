#!/bin/bash
# tests/integration/058-preauth-flood.sh — acsd's pre-authentication paths under a flood: 300
# unauthenticated EST enrollments (no credentials, wrong tokens) on :7547 get 401 within the
# source's budget and 429 + Retry-After beyond it, and add no audit row while they last; at
# shutdown they are exactly one est.refused row (one source, one window) whose count is every
# refusal, the metric counts them, the audit chain verifies, and a valid enrollment after the flood
# works once the budget allows. Then with a 2 s window the summary is written while acsd runs, the
# global budget answers 503, and the pre-authentication body cap refuses (413) what a certificate
# client may send. Last, acs-ca est-serve: the same budget (429) and one summary row at shutdown.
. "$(dirname "$0")/lib.sh"
t_init preauth_flood
. "$(dirname "$0")/acsd_lib.sh"
ACSCTL=$BUILD/bin/acsctl
FLOOD=$TOP/tests/integration/tools/est_flood.py
command -v curl >/dev/null || t_skip "curl not installed"

acsd_ca
DEV=00D09E-ATA2FXS-P0001
check "device certificate for $DEV" mkdev dev "$DEV" || t_done
"$ACSCTL" token create --name noc --role admin >"$WORK/noc.token" 2>"$WORK/noc.err" || not_ok "NBI token"
EDEV=00D09E-ATA2FXS-P0002
openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$WORK/e.key" -subj "/CN=$EDEV" \
    -outform DER -out "$WORK/e.der" 2>/dev/null && base64 -w 64 "$WORK/e.der" >"$WORK/e.b64"

# field NAME LINE: the value of NAME=... in a flood result line
field() { sed -n "s/.* $1=\([0-9]*\).*/\1/p; s/^$1=\([0-9]*\).*/\1/p" <<<"$2" | head -n 1; }
# metric NAME: a sample of acsd's /metrics (NBI, admin token)
metric() {
    curl -sS --cacert "$WORK/chain.pem" -H "Authorization: Bearer $(cat "$WORK/noc.token")" \
        "https://localhost:$NBI_PORT/metrics" | awk -v m="$1" '$1 == m {print $2}'
}
enroll() { # enroll NAME: one valid enrollment of $EDEV with $TOKEN; prints the status, headers in NAME.hdr
    curl -sS --cacert "$WORK/chain.pem" -u "$EDEV:$TOKEN" -H 'Content-Type: application/pkcs10' \
        --data-binary "@$WORK/e.b64" -D "$WORK/$1.hdr" -o "$WORK/$1.body" -w '%{http_code}' \
        "https://localhost:$ACSD_PORT/.well-known/est/simpleenroll"
}

# ---- the flood: one source, one window ------------------------------------------------------------
acsd_start "[preauth]" "source_burst = 40" "source_rate = 300" "audit_window = 120"
NBI_PORT=$ACSD_NBI_PORT
ROWS0=$(sql "SELECT count(*) FROM audit_log")
R=$(python3 "$FLOOD" --port "$ACSD_PORT" --ca "$WORK/chain.pem" --n 300 --csr "$WORK/e.b64" 2>"$WORK/flood.err")
echo "# flood: $R"
N401=$(field 401 "$R") N429=$(field 429 "$R")
check "300 unauthenticated enrollments: 401 or 429, nothing else ($R)" \
    test "$(field total "$R")" = 300 -a "$((N401 + N429))" = 300 -a "$(field other "$R")" = 0
check "the source's burst (40) was answered 401, then mostly 429" test "$N401" -ge 40 -a "$N429" -ge 150
check "429 carries Retry-After" test "$(field retry_after_max "$R")" -ge 1
check_sql "no audit row while the flood lasts (its window is open)" "$ROWS0" "SELECT count(*) FROM audit_log"
check_output "the metric counts the 401s" "^$N401\$" metric 'acs_preauth_total{what="est_refused"}'
check_output "... and the 429s" "^$N429\$" metric 'acs_preauth_total{what="over_source_budget"}'
check_fail "no refusal is logged one by one at the default level" grep -q 'event=est_refused' "$WORK/acsd.log"

# a valid enrollment after the flood, once the budget allows
TOKEN=$("$ACS_CA" token create --device "$EDEV" 2>"$WORK/token.err")
extra=0 st=
for _ in 1 2 3 4; do
    st=$(enroll valid)
    [ "$st" = 429 ] || break
    extra=$((extra + 1))
    ra=$(sed -n 's/^[Rr]etry-[Aa]fter: *\([0-9]*\).*/\1/p' "$WORK/valid.hdr")
    sleep "${ra:-1}"
done
check "a valid enrollment after the flood: 200 once the budget allows ($extra x 429 first)" test "$st" = 200
check_sql "... with its own audit row" 1 \
    "SELECT count(*) FROM audit_log WHERE action = 'token.use' AND subject = '$EDEV' AND result = 'ok'"
stop_bg acsd
TOTAL=$((N401 + N429 + extra))
check_sql "at shutdown the flood is exactly one est.refused row" 1 \
    "SELECT count(*) FROM audit_log WHERE action = 'est.refused'"
check_sql "... for the source, counting every refusal ($TOTAL)" "127.0.0.1|refused|$TOTAL" \
    "SELECT subject, result, substring(details from 'count=([0-9]+)') FROM audit_log WHERE action = 'est.refused'"
check_sql "... by reason" "status_401:$N401|over_source_budget:$((N429 + extra))" \
    "SELECT substring(details from 'status_401:[0-9]+') || '|' || substring(details from 'over_source_budget:[0-9]+')
       FROM audit_log WHERE action = 'est.refused'"
check_sql "the flood added no other row (only the valid enrollment's)" 0 \
    "SELECT count(*) FROM audit_log WHERE id > $ROWS0 AND action NOT IN ('est.refused', 'token.create', 'token.use',
       'cert.issue') "
check_output "the summary is logged once" '^1$' grep -c 'event=est_refusals source=127\.0\.0\.1 ' "$WORK/acsd.log"
check_output "the audit chain verifies" 'audit log intact' "$ACS_CA" audit verify

# ---- a short window: written while acsd runs; the global budget; the body cap ----------------------
acsd_start "legacy_mode = true" "[preauth]" "source_burst = 1000" "global_burst = 20" "global_rate = 2" \
    "audit_window = 2" "max_body_bytes = 4096"
R=$(python3 "$FLOOD" --port "$ACSD_PORT" --ca "$WORK/chain.pem" --n 40 2>"$WORK/flood2.err")
echo "# flood: $R"
N401=$(field 401 "$R") N503=$(field 503 "$R")
check "over the global budget: 503 ($R)" test "$N503" -ge 10 -a "$((N401 + N503))" = 40
rows=0
for _ in $(seq 60); do
    rows=$(sql "SELECT count(*) FROM audit_log WHERE action = 'est.refused'")
    [ "$rows" = 2 ] && break
    sleep 0.1
done
check "the 2 s window is written while acsd runs (one more row)" test "$rows" = 2
check_sql "... counting the 40 refusals" "40" \
    "SELECT substring(details from 'count=([0-9]+)') FROM audit_log WHERE action = 'est.refused' ORDER BY id DESC LIMIT 1"
inform inform-periodic-1-2.xml "$WORK/inform.xml" 00D09E ATA2FXS P0001
{ cat "$WORK/inform.xml"; head -c 6000 /dev/zero | tr '\0' ' '; } >"$WORK/big.xml"
sleep 10 # the global budget back (2/s)
st=$(curl -sS --cacert "$WORK/chain.pem" -H 'Content-Type: text/xml' --data-binary "@$WORK/big.xml" -o /dev/null \
    -w '%{http_code}' "https://localhost:$ACSD_PORT/")
check "legacy mode, no certificate and no credentials: challenged (401) before its 6 KB body is read" \
    test "$st" = 401
cwmp big dev "@$WORK/big.xml" -
check_statuses "the same body from a certificate client is read" "200 204" big
st=$(curl -sS --cacert "$WORK/chain.pem" -H 'Content-Type: application/pkcs10' --data-binary "@$WORK/big.xml" \
    -o /dev/null -w '%{http_code}' "https://localhost:$ACSD_PORT/.well-known/est/simpleenroll")
check "EST: a 6 KB body is over the pre-authentication cap: 413" test "$st" = 413
stop_bg acsd

# ---- acs-ca est-serve: the same budget and summary ---------------------------------------------------
{ cat "$WORK/acs.ini"; printf '\n[preauth]\nsource_burst = 5\nsource_rate = 1\n'; } >"$WORK/est.ini"
ROWS0=$(sql "SELECT count(*) FROM audit_log WHERE action = 'est.refused'")
ACS_CONFIG=$WORK/est.ini start_bg est "$ACS_CA" est-serve --port 0 --cert "$WORK/server.crt" --key "$WORK/server.key"
EST_PORT=
for _ in $(seq 100); do
    EST_PORT=$(sed -n 's/^acs-ca: est-serve listening on 127\.0\.0\.1:\([0-9][0-9]*\)$/\1/p' "$WORK/est.log")
    [ -n "$EST_PORT" ] && break
    sleep 0.1
done
[ -n "$EST_PORT" ] || { not_ok "est-serve listens"; sed 's/^/# /' "$WORK/est.log"; t_done; }
R=$(python3 "$FLOOD" --port "$EST_PORT" --ca "$WORK/chain.pem" --n 20 2>"$WORK/flood3.err")
check "est-serve: the burst (5) answered 401, the rest 429 ($R)" \
    test "$(field 401 "$R")" -ge 5 -a "$(field 401 "$R")" -le 7 -a "$(( $(field 401 "$R") + $(field 429 "$R") ))" = 20
check_sql "est-serve: no row while running" "$ROWS0" "SELECT count(*) FROM audit_log WHERE action = 'est.refused'"
stop_bg est
check_sql "est-serve: one est.refused row at shutdown, counting all 20" "acs-ca:est-serve|127.0.0.1|20" \
    "SELECT actor, subject, substring(details from 'count=([0-9]+)') FROM audit_log WHERE action = 'est.refused'
      ORDER BY id DESC LIMIT 1"
check_output "the audit chain still verifies" 'audit log intact' "$ACS_CA" audit verify
t_done

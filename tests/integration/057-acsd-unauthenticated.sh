#!/bin/bash
# tests/integration/057-acsd-unauthenticated.sh — what a peer costs before it is authenticated.
# N TLS connections without a client certificate, each POSTing almost max_body_bytes, are
# answered (401) in the first request callback, before any body is read: acsd's resident memory
# grows by less than a small bound (it was ~1 MB per connection when bodies were buffered before
# the certificate verdict was looked at). The same with legacy password mode on (401 Digest
# challenge). Certificate-authenticated sessions running meanwhile keep >= 80 % of their rate.
. "$(dirname "$0")/lib.sh"
t_init acsd_unauth
. "$(dirname "$0")/acsd_lib.sh"
SIM=$BUILD/bin/cpe-sim
[ -x "$SIM" ] || t_skip "$SIM not built"
FLOOD=$TOP/tests/integration/tools/unauth_flood.py
N=200
BODY=1040000 # max_body_bytes is 1048576
BOUND_KB=40000 # 200 KB per connection would be 40 MB: a body buffer each would be 200 MB
N_DEV=2000 # rounds long enough (~3 s) that the 200-connection flood sits well inside them

# Under ASan freed memory sits in its quarantine (up to 256 MB) and counts as resident: without
# it the RSS figure means what it means in a normal build.
export ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}quarantine_size_mb=0:thread_local_quarantine_size_kb=0
acsd_ca
check "batch of $N_DEV device identities" "$ACS_CA" -q batch --count $N_DEV --oui 00D09E --product-class FloodBox \
    --out "$WORK/fleet" || t_done
acsd_start "max_body_bytes = 1048576" "per_ip_connections = 0" "threads = 2"
sim() { # sim NAME ARGS...: a bounded cpe-sim round, report in $WORK/NAME.rep
    local name=$1
    shift
    "$SIM" --acs "https://127.0.0.1:$ACSD_PORT/" --ca "$WORK/chain.pem" --identities "$WORK/fleet/identities.pem" \
        --no-cr --concurrency 16 --duration 60 --log-level error --report "$WORK/$name.rep" "$@" \
        >/dev/null 2>"$WORK/$name.err"
}
val() { sed -n "s/^$1=\([^ ]*\).*/\1/p" "$2" | head -n 1; }
check "registration round: $N_DEV BOOTSTRAP sessions" sim boot --devices $N_DEV
check_output "... all of them ok" "^sessions_ok=$N_DEV\$" cat "$WORK/boot.rep"

# ---- the relay carries a large authenticated body intact (back-pressure through the socketpair)
check "device certificate" mkdev dev 00D09E-FloodBox-BIG1 || t_done
inform inform-periodic-1-2.xml "$WORK/inform.xml" 00D09E FloodBox BIG1
{ cat "$WORK/inform.xml"; head -c 1000000 /dev/zero | tr '\0' ' '; } >"$WORK/big.xml"
cwmp big dev "@$WORK/big.xml" -
check_statuses "an Inform padded to 1 MB (under max_body_bytes) passes the TLS relay: 200 then 204" "200 204" big

# ---- memory: the flood alone -------------------------------------------------------------------
AUDIT0=$(sql "SELECT count(*) FROM audit_log")
SESS0=$(sql "SELECT count(*) FROM sessions")
python3 "$FLOOD" "$ACSD_PORT" "$ACSD_PID" $N $BODY 1 >"$WORK/flood1.out" 2>&1
echo "# certificate-less flood: $(cat "$WORK/flood1.out")"
check_output "$N connections without a certificate are all answered 401" "statuses=401:$N " cat "$WORK/flood1.out"
grow=$(awk '{ for (i = 1; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] } } END { print v["rss_peak_kb"] - v["rss_base_kb"] }' "$WORK/flood1.out")
check "... and acsd's RSS grows by ${grow} KB (< $BOUND_KB KB; $((grow * 1000 / N / 1024)) KB per connection)" \
    test "$grow" -lt $BOUND_KB
check_fail "no body is buffered for them (no 413, no body-size refusal)" grep -q 'reason=body_too_big' "$WORK/acsd.log"
check_sql "no session row written for them" "$SESS0" "SELECT count(*) FROM sessions"
check_sql "no audit row written for them" "$AUDIT0" "SELECT count(*) FROM audit_log"

# ---- throughput of authenticated sessions during the flood ---------------------------------------
# Two rounds alone and two with the flood inside them, alternated; the best of each is compared
# (other processes on this 2-core machine shift single rounds by more than the flood does).
for i in 1 2; do
    check "round $i alone: $N_DEV sessions" sim base$i --devices $N_DEV --no-bootstrap
    sim during$i --devices $N_DEV --no-bootstrap &
    SPID=$!
    sleep 0.3 # the flood inside the round; niced: its own TLS client work is not acsd's cost
    nice -n 19 python3 "$FLOOD" "$ACSD_PORT" "$ACSD_PID" $N $BODY 1 >"$WORK/flood2.out" 2>&1
    check "round $i during the flood: $N_DEV sessions" wait "$SPID"
    check_output "... every session of it ok" "^sessions_ok=$N_DEV\$" cat "$WORK/during$i.rep"
    echo "# round $i: sessions/s alone $(val sessions_per_s "$WORK/base$i.rep"), during the flood" \
        "$(val sessions_per_s "$WORK/during$i.rep"); flood: $(cat "$WORK/flood2.out")"
done
best() { for i in 1 2; do val sessions_per_s "$WORK/$1$i.rep"; done | sort -n | tail -n 1; }
B=$(best base); D=$(best during)
check "... the best round during the flood at >= 80 % of the best alone: $D vs $B sessions/s" \
    awk -v b="$B" -v d="$D" 'BEGIN { exit !(b > 0 && d >= 0.8 * b) }'

# ---- legacy password mode: the challenge comes before the body too -------------------------------
stop_bg acsd
acsd_start "max_body_bytes = 1048576" "per_ip_connections = 0" "threads = 2" "legacy_mode = true"
python3 "$FLOOD" "$ACSD_PORT" "$ACSD_PID" $N $BODY 1 >"$WORK/flood3.out" 2>&1
echo "# legacy mode: $(cat "$WORK/flood3.out")"
# each is challenged (401) or, past the pre-authentication budget of the source, refused (429)
check "legacy mode: $N connections without credentials are all answered 401 or 429" \
    awk -v n=$N '{ split($2, a, "[=,:]"); t = 0; bad = 0; for (i = 2; i < length(a); i += 2) {
        if (a[i] != "401" && a[i] != "429") bad = 1; t += a[i + 1] } } END { exit !(t == n && !bad) }' \
    "$WORK/flood3.out"
grow=$(awk '{ for (i = 1; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] } } END { print v["rss_peak_kb"] - v["rss_base_kb"] }' "$WORK/flood3.out")
check "... and acsd's RSS grows by ${grow} KB (< $BOUND_KB KB)" test "$grow" -lt $BOUND_KB
check_fail "a challenge logs no certificate refusal" grep -Eq 'event=refused reason="?no.cert' "$WORK/acsd.log"
t_done

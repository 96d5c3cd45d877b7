#!/bin/bash
# cpe-sim end to end against a small python HTTPS ACS stub (tests/integration/
# cwmp_stub_acs.py; the real acsd test comes when acsd lands): 5 devices from an
# `acs-ca batch` bundle do BOOTSTRAP sessions over mutual TLS (TLS 1.3 and --tls12),
# answer SetParameterValues and GetParameterValues, keep the session cookie, end on 204;
# every message they send is valid CWMP; connection requests with HTTP Digest start
# "6 CONNECTION REQUEST" sessions, wrong credentials get 401; non-loopback ACS refused.
. "$(dirname "$0")/lib.sh"
t_init cpe-sim-loopback

SHARED=$TOP/../shared/cwmp
SIM=$BUILD/bin/cpe-sim
[ -x "$SIM" ] || t_skip "$SIM not built"
for tool in python3 curl xmllint; do
    command -v "$tool" >/dev/null || t_skip "$tool not installed"
done
export CPE_DATAMODEL=$SHARED/datamodel/key-params.tsv
N=5
CR_USER=cr-user
CR_PASS='cr pass 7'

check "root CA" "$ACS_CA" init || t_done
check "issuing CA" "$ACS_CA" issuer create devices || t_done
check "ACS server certificate for 127.0.0.1" "$ACS_CA" server-cert --cn localhost --dns localhost \
    --ip 127.0.0.1 --out-cert "$WORK/server.crt" --out-key "$WORK/server.key" || t_done
check "CA chain" "$ACS_CA" cacerts --out "$WORK/chain.pem" || t_done
check "batch of $N device identities" "$ACS_CA" batch --count $N --oui 00D09E --product-class SimBox \
    --out "$WORK/fleet" || t_done

# start_stub NAME: an ACS stub writing into $WORK/NAME; sets STUB_PORT
start_stub() {
    local name=$1 i
    rm -f "$WORK/$name.port" # the stub writes it (by rename) once it listens
    start_bg "$name" python3 "$TOP/tests/integration/cwmp_stub_acs.py" --cert "$WORK/server.crt" \
        --key "$WORK/server.key" --ca "$WORK/chain.pem" --out "$WORK/$name" --port-file "$WORK/$name.port" \
        --cr-user "$CR_USER" --cr-pass "$CR_PASS"
    for i in $(seq 100); do
        [ -s "$WORK/$name.port" ] && break
        sleep 0.1
    done
    STUB_PORT=$(cat "$WORK/$name.port" 2>/dev/null)
    [ -n "$STUB_PORT" ]
}

sim() { # sim ARGS...: cpe-sim against the stub at $STUB_PORT
    "$SIM" --acs "https://127.0.0.1:$STUB_PORT/" --ca "$WORK/chain.pem" \
        --identities "$WORK/fleet/identities.pem" --devices $N "$@"
}

# ---- boot sessions, TLS 1.3 ---------------------------------------------------
check "ACS stub (TLS 1.3)" start_stub acs1 || t_done
check_output "cpe-sim: $N BOOTSTRAP sessions complete" "^sessions_ok=$N\$" \
    sim --duration 60 --report "$WORK/report1.txt"
check_output "no failed sessions" '^sessions_failed=0$' cat "$WORK/report1.txt"
check_output "each session answered the stub's SPV and GPV" "^acs_rpcs_answered=$((2 * N))\$" cat "$WORK/report1.txt"
check_output "latency percentiles reported" '^latency_ms_p99=[0-9.]+$' cat "$WORK/report1.txt"
check_output "the stub saw $N sessions with 0 BOOTSTRAP + 1 BOOT, cookie kept" "^$N\$" \
    sh -c "grep -c '0_BOOTSTRAP,1_BOOT ok' '$WORK/acs1/sessions.log'"
check_output "Informs, SPV and GPV responses received" "^$((3 * N))\$" sh -c "ls '$WORK/acs1'/*.xml | wc -l"
check "every message cpe-sim sent is valid CWMP" python3 "$SHARED/tools/cwmp_validate.py" -q "$WORK/acs1"/*.xml
check_output "GPV answered with the device's serial" '<Value xsi:type="xsd:string">SIM[0-9]{8}</Value>' \
    sh -c "cat '$WORK/acs1'/*getparametervaluesresponse.xml"

# ---- TLS 1.2 / P-256 mode --------------------------------------------------------
check_output "--tls12: $N sessions complete" "^sessions_ok=$N\$" sim --tls12 --duration 60 --no-bootstrap
check_output "--tls12: sessions are 1 BOOT only" "^$N\$" sh -c "grep -c ' 1_BOOT ok' '$WORK/acs1/sessions.log'"

# ---- connection requests --------------------------------------------------------
CRPORT=$(free_port)
start_bg sim-cr "$SIM" --acs "https://127.0.0.1:$STUB_PORT/" --ca "$WORK/chain.pem" \
    --identities "$WORK/fleet/identities.pem" --devices $N --cr-port "$CRPORT" \
    --sessions-per-device 2 --duration 60 --report "$WORK/report-cr.txt"
check "CR listener up" wait_port "$CRPORT"
ids=$(awk '/^# /{print $2}' "$WORK/fleet/identities.pem")
booted() { [ "$(grep -c '0_BOOTSTRAP,1_BOOT ok' "$WORK/acs1/sessions.log")" -ge $((2 * N)) ]; }
for i in $(seq 100); do booted && break; sleep 0.1; done
check "boot sessions done (CR credentials set by the stub)" booted
first=$(echo "$ids" | head -n 1)
cr() { # cr ID USER PASS: HTTP status of a digest connection request
    curl -s -o /dev/null -w '%{http_code}' --max-time 5 --digest -u "$2:$3" "http://127.0.0.1:$CRPORT/cr/$1"
}
check_output "no credentials: 401 with a Digest challenge" 'WWW-Authenticate: Digest realm="cpe".*qop="auth"' \
    curl -s -i --max-time 5 "http://127.0.0.1:$CRPORT/cr/$first"
check_output "wrong password: 401" '^401$' cr "$first" "$CR_USER" wrong
check_output "unknown device: 401 as well" '^401$' cr 00D09E-SimBox-NOPE "$CR_USER" "$CR_PASS"
check_output "bad path: 404" '^404$' curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$CRPORT/other"
for id in $ids; do
    check_output "connection request for $id: 200" '^200$' cr "$id" "$CR_USER" "$CR_PASS"
done
for i in $(seq 100); do
    [ "$(grep -c '6_CONNECTION_REQUEST ok' "$WORK/acs1/sessions.log")" -ge $N ] && break
    sleep 0.1
done
check_output "$N sessions with 6 CONNECTION REQUEST" "^$N\$" \
    sh -c "grep -c ' 6_CONNECTION_REQUEST ok' '$WORK/acs1/sessions.log'"
for i in $(seq 100); do [ -s "$WORK/report-cr.txt" ] && break; sleep 0.1; done
check_output "cpe-sim ends once every device had its 2 sessions" "^sessions_ok=$((2 * N))\$" cat "$WORK/report-cr.txt"
check_output "CR counters in the report" "^cr_ok=$N\$" cat "$WORK/report-cr.txt"
check "all messages still valid" python3 "$SHARED/tools/cwmp_validate.py" -q "$WORK/acs1"/*.xml

# ---- refusals ------------------------------------------------------------------
check_fail_output "a non-loopback ACS is refused" 'not a loopback address' \
    "$SIM" --acs https://192.0.2.1:7547/ --ca "$WORK/chain.pem" --identities "$WORK/fleet/identities.pem"
check_fail_output "plain http is refused" 'must be an https' \
    "$SIM" --acs http://127.0.0.1:7547/ --ca "$WORK/chain.pem" --identities "$WORK/fleet/identities.pem"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj /CN=rogue -days 1 \
    -keyout "$WORK/rogue.key" -out "$WORK/rogue.pem" 2>/dev/null
check_fail_output "an ACS certificate from another CA fails the TLS check" 'reason=tls' \
    sim --ca "$WORK/rogue.pem" --duration 20 --report "$WORK/report-rogue.txt"
check_output "the report counts TLS errors" "^errors_tls=$N\$" cat "$WORK/report-rogue.txt"
t_done

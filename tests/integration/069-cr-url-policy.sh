#!/bin/bash
# tests/integration/069-cr-url-policy.sh — where acsd sends connection requests ([cr] policy): with
# allow_ranges = 127.0.0.1/32 a CPE's URL on 127.0.0.1 is served, one on 127.0.0.2 (a listener is
# there) is refused and the listener gets nothing, as are ::1, ::ffff:127.0.0.2, link-local, a
# deny_ranges address, acsd's own address and a non-HTTP scheme; a 302 to an allowed address is
# not followed. Each refusal: the NBI's answer (outcome "blocked"/"not_sent" with a reason), a
# log line event=cr_refused, acs_cr_refused_total{reason}. A bad range stops acsd's start.
. "$(dirname "$0")/lib.sh"
t_init cr_url_policy
. "$(dirname "$0")/acsd_lib.sh"
nbi_test_setup
DEVS="OK LO2 MAPPED V6LO REDIR LL DENY SCHEME SELF"
values=
for d in $DEVS; do values="$values${values:+, }('00D09E-Box-$d', '00D09E', 'Box', '$d')"; done
sql "INSERT INTO devices (device_id, oui, product_class, serial_number) VALUES $values" >/dev/null
"$ACSCTL" token create --name view --role viewer >"$WORK/view.token" 2>/dev/null &&
    "$ACSCTL" token create --name op --role operator >"$WORK/op.token" 2>/dev/null || { not_ok "tokens"; t_done; }
VIEW=$(cat "$WORK/view.token") OP=$(cat "$WORK/op.token")
# acsd_start allow-lists 127.0.0.1/32 for every test; this one adds a management range
acsd_start "secret_key_file = $WORK/secret.key" "[cr]" "deny_ranges = 198.51.100.0/24, 2001:db8:dead::/48" \
    "[nbi]" "cr_timeout_ms = 2000" "cr_attempts = 1"
BASE=https://localhost:$ACSD_NBI_PORT
export ACS_NBI_URL=$BASE ACS_CACERT=$WORK/chain.pem

# ---- a bad range is a configuration error ---------------------------------------------------------
{ cat "$WORK/acsd.ini"; printf '[cr]\ndeny_ranges = 10.0.0.0/8 10.0.0.1/8\n'; } >"$WORK/bad.ini"
check_exit "acsd --check-config with a range whose host bits are set: exit 3" 3 \
    "$BUILD/bin/acsd" -c "$WORK/bad.ini" --check-config
cp "$WORK/last.out" "$WORK/bad.out"
check_output "and it names the key and the entry" 'deny_ranges: "10\.0\.0\.1/8"' cat "$WORK/bad.out"

# ---- listeners: the CPE (127.0.0.1), another loopback address, a redirector ----------------------
CR_USER=cr-user-69 CR_PASS=cr-pass-$RANDOM$RANDOM
printf '%s\n' "$CR_PASS" >"$WORK/cr.pass"
# listener NAME [ARGS]: start cr_listener.py, its port in ${PORT[NAME]}
declare -A PORT
listener() {
    local name=$1 p=; shift
    : >"$WORK/$name.hits"
    start_bg "$name" python3 "$TOP/tests/integration/tools/cr_listener.py" --user "$CR_USER" \
        --password-file "$WORK/cr.pass" --log "$WORK/$name.hits" "$@"
    for _ in $(seq 50); do
        p=$(sed -n 's/^port \([0-9][0-9]*\)$/\1/p' "$WORK/$name.log")
        [ -n "$p" ] && break
        sleep 0.1
    done
    [ -n "$p" ] || { not_ok "listener $name starts"; sed 's/^/# /' "$WORK/$name.log"; t_done; }
    PORT[$name]=$p
}
listener cpe
listener lo2 --bind 127.0.0.2 --every
listener redir --every --redirect "http://127.0.0.1:${PORT[cpe]}/cr/after-redirect"
check_output "the 127.0.0.2 listener answers when asked directly (so silence below means acsd refused)" '^401$' \
    curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.2:${PORT[lo2]}/probe"
: >"$WORK/lo2.hits"

# cr DEVICE URL: the device's connection-request URL and sealed credentials
cr() {
    local sealed
    sealed=$(printf '%s' "$CR_PASS" | "$SEAL" "$WORK/secret.key" "00D09E-Box-$1") || return 1
    sql "UPDATE devices SET connection_request_url = '$2', cr_username = '$CR_USER',
            cr_password_enc = decode('$sealed', 'hex'), cr_credentials_set = true
          WHERE device_id = '00D09E-Box-$1'" >/dev/null
}
# wake NAME DEVICE: a task with connectionRequest, the answer in $WORK/NAME.body
wake() {
    nbi_want "$2: task with a connection request" 201 "$1" POST "/api/v1/devices/00D09E-Box-$2/tasks" "$OP" \
        -d '{"kind":"reboot","connectionRequest":true}'
}
# blocked NAME DEVICE URL REASON: the connection request is refused with REASON, nothing sent
blocked() {
    cr "$2" "$3" || { not_ok "$2: URL set"; return 1; }
    wake "$1" "$2" || return 1
    nbi_json_ok "$2 ($3): blocked, reason $4" "$1" \
        "j['connectionRequest']['outcome'] == 'blocked' and j['connectionRequest']['reason'] == '$4' and
         'refused ($4)' in j['connectionRequest']['detail'] and not j['connectionRequest']['retrying']"
}

# ---- allowed: 127.0.0.1 (allow_ranges) ------------------------------------------------------------
cr OK "http://127.0.0.1:${PORT[cpe]}/cr"
wake ok OK && nbi_json_ok "127.0.0.1: sent" ok "j['connectionRequest']['outcome'] == 'sent' and
    j['connectionRequest']['httpStatus'] == 200"
check_output "and the CPE got it, once" '^ok$' cat "$WORK/cpe.hits"
check_sql "one request" 1 "SELECT $(wc -l <"$WORK/cpe.hits")"

# ---- refused: other loopback addresses, whatever their spelling -----------------------------------
blocked lo2 LO2 "http://127.0.0.2:${PORT[lo2]}/cr" loopback
nbi_json_ok "the refused address is named" lo2 "'127.0.0.2' in j['connectionRequest']['detail']"
blocked mapped MAPPED "http://[::ffff:127.0.0.2]:${PORT[lo2]}/cr" loopback
blocked v6lo V6LO "http://[::1]:${PORT[cpe]}/cr" loopback
check_sql "the 127.0.0.2 listener received nothing" 0 "SELECT $(wc -l <"$WORK/lo2.hits")"
check_output "acsctl task create --cr says blocked, and why" \
    '^acsctl: connection request: blocked: address 127\.0\.0\.2 is refused \(loopback\)$' \
    env ACS_TOKEN="$OP" "$ACSCTL" task create 00D09E-Box-LO2 reboot --cr
check_sql "still nothing at 127.0.0.2" 0 "SELECT $(wc -l <"$WORK/lo2.hits")"

# ---- a redirect to an allowed address is not followed ---------------------------------------------
cr REDIR "http://127.0.0.1:${PORT[redir]}/cr"
wake redir REDIR && nbi_json_ok "302: the answer, not followed" redir \
    "j['connectionRequest']['httpStatus'] == 302 and 'not followed' in j['connectionRequest']['detail']"
check_output "the redirector was asked once" '^get$' cat "$WORK/redir.hits"
check_sql "exactly once" 1 "SELECT $(wc -l <"$WORK/redir.hits")"
check_sql "the redirect's target got nothing more (still the one request above)" 1 \
    "SELECT $(wc -l <"$WORK/cpe.hits")"

# ---- link-local, a deny_ranges address, acsd's own address, a bad scheme --------------------------
blocked ll LL "http://169.254.169.254/latest/meta-data/" link_local
blocked deny DENY "http://198.51.100.7:7547/cr" deny_range
OWN=$( (ip -o addr show scope global 2>/dev/null || true) | awk '{sub("/.*", "", $4); print $4; exit}')
[ -n "$OWN" ] || OWN=$(hostname -I 2>/dev/null | awk '{print $1}')
POLICY_REFUSED=6 # loopback 4, link-local, deny range
if [ -n "$OWN" ]; then
    POLICY_REFUSED=7
    case $OWN in *:*) OWN_URL="http://[$OWN]:${PORT[cpe]}/cr" ;; *) OWN_URL="http://$OWN:${PORT[cpe]}/cr" ;; esac
    blocked self SELF "$OWN_URL" self
else
    ok "# SKIP acsd's own address: this host has no global address"
fi
cr SCHEME "ftp://127.0.0.1:${PORT[cpe]}/cr"
wake scheme SCHEME && nbi_json_ok "ftp: not sent, bad_url" scheme \
    "j['connectionRequest']['outcome'] == 'not_sent' and j['connectionRequest']['reason'] == 'bad_url'"
check_sql "the CPE got nothing more" 1 "SELECT $(wc -l <"$WORK/cpe.hits")"

# ---- recorded: log lines and metrics ---------------------------------------------------------------
check_output "event=cr_refused for 127.0.0.2, with device, reason and address" \
    'event=cr_refused device=00D09E-Box-LO2 reason=loopback address=127\.0\.0\.2 ' cat "$WORK/acsd.log"
check_output "event=cr_refused for the deny range" 'event=cr_refused device=00D09E-Box-DENY reason=deny_range ' \
    cat "$WORK/acsd.log"
check_output "event=cr_refused for the bad scheme" 'event=cr_refused device=00D09E-Box-SCHEME reason=bad_url ' \
    cat "$WORK/acsd.log"
check_fail "no event=cr_refused for the allowed device" grep -q 'event=cr_refused device=00D09E-Box-OK ' \
    "$WORK/acsd.log"
nbi_want "/metrics" 200 met GET /metrics "$VIEW"
check "loopback refusals counted (127.0.0.2 twice, ::ffff:127.0.0.2, ::1)" \
    grep -q '^acs_cr_refused_total{reason="loopback"} 4$' "$WORK/met.body"
check "link-local counted" grep -q '^acs_cr_refused_total{reason="link_local"} 1$' "$WORK/met.body"
check "deny_range counted" grep -q '^acs_cr_refused_total{reason="deny_range"} 1$' "$WORK/met.body"
check "bad_url counted" grep -q '^acs_cr_refused_total{reason="bad_url"} 1$' "$WORK/met.body"
check "connection requests by result: policy_refused" \
    grep -q "^acs_connection_requests_total{result=\"policy_refused\"} $POLICY_REFUSED\$" "$WORK/met.body"
check "and the one sent" grep -q '^acs_connection_requests_total{result="ok"} 1$' "$WORK/met.body"
t_done

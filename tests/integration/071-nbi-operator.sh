#!/bin/bash
# tests/integration/071-nbi-operator.sh — what a NOC operator meets on the NBI and in acsctl:
# device ids typed as printed on the box ("00040E-FRITZ!Box-123") or percent-encoded, with a
# lowercase OUI, ambiguous ones refused with a hint; `task create --cr` says what the connection
# request did (sent, unreachable, refused with the HTTP status); a SetParameterValues task shows its
# ParameterKey as parameterKey, not as commandKey.
. "$(dirname "$0")/lib.sh"
t_init nbi_operator
. "$(dirname "$0")/acsd_lib.sh"
nbi_test_setup
FRITZ='00040E-FRITZ%21Box-123'   # as stored: RFC 9039 percent-encoding of "FRITZ!Box"
ATA='00D09E-ATA%2D2FXS-T0020'    # ProductClass "ATA-2FXS"
sql "INSERT INTO devices (device_id, oui, product_class, serial_number, software_version) VALUES
        ('$FRITZ', '00040E', 'FRITZ!Box', '123', '7.57'), ('$ATA', '00D09E', 'ATA-2FXS', 'T0020', '2.0'),
        ('00D09E-A%2DB-C', '00D09E', 'A-B', 'C', '1'), ('00D09E-A-B%2DC', '00D09E', 'A', 'B-C', '1')" >/dev/null
"$ACSCTL" token create --name view --role viewer >"$WORK/view.token" 2>/dev/null &&
    "$ACSCTL" token create --name op --role operator >"$WORK/op.token" 2>/dev/null || { not_ok "tokens"; t_done; }
VIEW=$(cat "$WORK/view.token") OP=$(cat "$WORK/op.token")
acsd_start "secret_key_file = $WORK/secret.key" "[nbi]" "cr_timeout_ms = 2000" "cr_attempts = 2"
BASE=https://localhost:$ACSD_NBI_PORT
export ACS_NBI_URL=$BASE ACS_CACERT=$WORK/chain.pem

# get NAME PATH: the NBI's status for a GET as the viewer (curl sends PATH as written)
# check_get DESC STATUS NAME PATH [JSON_PY_EXPR]: GET as the viewer; the status, and the body's JSON (as j)
check_get() {
    nbi_want "$1" "$2" "$3" GET "$4" "$VIEW" || return 1
    [ -z "${5:-}" ] || nbi_json_ok "$1: the answer" "$3" "$5"
}

# ---- device ids as printed on the box, and percent-encoded ----------------------------------------
check_get "the id as printed on the box" 200 p1 "/api/v1/devices/00040E-FRITZ!Box-123" "j['deviceId'] == '$FRITZ'"
check_get "percent-encoded in the URL (%21)" 200 p2 "/api/v1/devices/00040E-FRITZ%21Box-123" \
    "j['deviceId'] == '$FRITZ'"
check_get "the stored form percent-encoded once more (%2521)" 200 p3 "/api/v1/devices/00040E-FRITZ%2521Box-123" \
    "j['deviceId'] == '$FRITZ'"
check_get "with a lowercase OUI and lowercase hex" 200 p4 "/api/v1/devices/00040e-FRITZ%2521Box-123" \
    "j['deviceId'] == '$FRITZ'"
check_get "ProductClass and SerialNumber stay case-sensitive" 404 p5 "/api/v1/devices/00040E-fritz!box-123" \
    "j['error'] == 'unknown device'"
check_get "a '-' inside the ProductClass, as printed" 200 p6 "/api/v1/devices/00D09E-ATA-2FXS-T0020" \
    "j['deviceId'] == '$ATA'"
check_get "the same percent-encoded (%2D)" 200 p7 "/api/v1/devices/00D09E-ATA%252D2FXS-T0020" \
    "j['deviceId'] == '$ATA'"
check_get "the device's tasks by the printed id" 200 p8 "/api/v1/devices/00040E-FRITZ!Box-123/tasks" \
    "j['tasks'] == []"
check_get "an id two devices could have: 400 with a hint" 400 p9 "/api/v1/devices/00D09E-A-B-C" \
    "'ambiguous' in j['error'] and '%2D' in j['error']"
check_get "a malformed id: unknown device" 404 p10 "/api/v1/devices/NOPE-X-1" "j['error'] == 'unknown device'"

check_output "acsctl device, the id as printed" "\"deviceId\": \"$FRITZ\"" env ACS_TOKEN="$VIEW" \
    "$ACSCTL" device '00040E-FRITZ!Box-123'
check_output "acsctl device, the id percent-encoded" "\"deviceId\": \"$FRITZ\"" env ACS_TOKEN="$VIEW" \
    "$ACSCTL" device "$FRITZ"
check_output "acsctl task create with the printed id" '^[0-9]+$' env ACS_TOKEN="$OP" "$ACSCTL" task create \
    '00040e-FRITZ!Box-123' reboot
check_sql "the task is the FRITZ!Box's" "$FRITZ" \
    "SELECT d.device_id FROM tasks t JOIN devices d ON d.id = t.device_pk WHERE t.id = $(head -n 1 "$WORK/last.out")"
check_output "acsctl tasks with the printed id" 'reboot' env ACS_TOKEN="$VIEW" "$ACSCTL" tasks '00040E-FRITZ!Box-123'
check "acsctl device set-auth (database) with the printed id" "$ACSCTL" device set-auth '00D09E-ATA-2FXS-T0020' legacy
check_sql "it changed the ATA" 'legacy' "SELECT auth_mode FROM devices WHERE device_id = '$ATA'"
check_fail_output "acsctl device set-auth with an ambiguous id says how to write it" '%2D' \
    "$ACSCTL" device set-auth 00D09E-A-B-C legacy

# ---- task create --cr: the connection request's outcome --------------------------------------------
CR_USER=cr-user-71 CR_PASS=cr-pass-$RANDOM$RANDOM
printf '%s\n' "$CR_PASS" >"$WORK/cr.pass"
start_bg crl python3 "$TOP/tests/integration/tools/cr_listener.py" --user "$CR_USER" \
    --password-file "$WORK/cr.pass" --log "$WORK/cr.hits"
CR_PORT=
for _ in $(seq 50); do
    CR_PORT=$(sed -n 's/^port \([0-9][0-9]*\)$/\1/p' "$WORK/crl.log")
    [ -n "$CR_PORT" ] && break
    sleep 0.1
done
[ -n "$CR_PORT" ] || { not_ok "the CPE's connection-request listener starts"; t_done; }
DEAD_PORT=$(free_port) # nothing listens there
# cr DEVICE URL PASSWORD: the device's connection-request URL and sealed credentials
cr() {
    local sealed
    sealed=$(printf '%s' "$3" | "$SEAL" "$WORK/secret.key" "$1") || return 1
    sql "UPDATE devices SET connection_request_url = '$2', cr_username = '$CR_USER',
            cr_password_enc = decode('$sealed', 'hex'), cr_credentials_set = true WHERE device_id = '$1'" >/dev/null
}
check "a reachable device" cr "$FRITZ" "http://127.0.0.1:$CR_PORT/cr" "$CR_PASS"
check "a device whose connection-request URL is dead" cr "$ATA" "http://127.0.0.1:$DEAD_PORT/cr" "$CR_PASS"
check "a device whose credentials the CPE refuses" cr 00D09E-A-B%2DC "http://127.0.0.1:$CR_PORT/cr" wrong-pass

check_output "acsctl task create --cr, reachable: sent (HTTP 200)" \
    '^acsctl: connection request: sent \(HTTP 200\)$' env ACS_TOKEN="$OP" "$ACSCTL" task create "$FRITZ" reboot --cr
check_output "and the CPE got it" '^ok$' cat "$WORK/cr.hits"
check_output "acsctl task create --cr, dead URL: unreachable, with the error" \
    "^acsctl: connection request: unreachable: .*onnect" env ACS_TOKEN="$OP" "$ACSCTL" task create "$ATA" reboot --cr
check_output "acsctl task create --cr, wrong credentials: refused (HTTP 401)" \
    '^acsctl: connection request: refused \(HTTP 401\)$' env ACS_TOKEN="$OP" "$ACSCTL" task create \
    00D09E-A-B%2DC reboot --cr
cp "$WORK/last.out" "$WORK/refused.out"
check_output "the task is created all the same" '^[0-9]+$' cat "$WORK/refused.out"
check_output "acsctl --json task create --cr: the NBI's answer" '"outcome": "refused"' \
    env ACS_TOKEN="$OP" "$ACSCTL" --json task create 00D09E-A-B%2DC reboot --cr
check_output "acsctl task create for a device without connection-request data: not_sent, why" \
    '^acsctl: connection request: not_sent: the device has no ConnectionRequestURL$' \
    env ACS_TOKEN="$OP" "$ACSCTL" task create 00D09E-A%2DB-C reboot --cr
check_output "without --cr: the task id, and nothing said of a connection request" '^[0-9]+ none$' \
    sh -c "ACS_TOKEN='$OP' '$ACSCTL' task create '$FRITZ' reboot >'$WORK/nocr.out' 2>&1 &&
           echo \$(head -n 1 '$WORK/nocr.out') \$(grep -c 'connection request' '$WORK/nocr.out' | sed 's/^0\$/none/')"
# the NBI's answer itself
post() { # post NAME DEVICE BODY: status of POST /api/v1/devices/DEVICE/tasks as the operator
    nbi_call "$1" POST "/api/v1/devices/$2/tasks" "$OP" -d "$3"
}
check_output "POST with connectionRequest, reachable" '^201$' post t1 "$FRITZ" '{"kind":"reboot","connectionRequest":true}'
nbi_json_ok "answer: sent, HTTP 200, not retrying" t1 \
    "j['connectionRequest'] == {'outcome': 'sent', 'httpStatus': 200, 'detail': 'HTTP 200', 'retrying': False}"
check_output "POST with connectionRequest, dead URL" '^201$' post t2 "$ATA" '{"kind":"reboot","connectionRequest":true}'
nbi_json_ok "answer: unreachable, no HTTP status, the error" t2 \
    "j['connectionRequest']['outcome'] == 'unreachable' and 'httpStatus' not in j['connectionRequest'] and \
     j['connectionRequest']['detail'] != '' and not j['connectionRequest']['retrying']"
check_output "acsd logs the outcome, the detail quoted" \
    "event=connection_request device=$ATA result=unreachable http=0 attempts=1 detail=\"" cat "$WORK/acsd.log"
check_fail "no connection-request password in acsd's log" grep -qF -- "$CR_PASS" "$WORK/acsd.log"

# ---- a SetParameterValues task shows its ParameterKey as parameterKey ------------------------------
check_output "SetParameterValues task" '^201$' post spv "$FRITZ" \
    '{"kind":"setParameterValues","args":{"values":[{"name":"Device.X.Y","value":"1"}],"parameterKey":"pk-71"}}'
SPV=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["id"])' "$WORK/spv.body")
check_get "its task" 200 spv-get "/api/v1/tasks/$SPV" \
    "j['parameterKey'] == 'pk-71' and 'commandKey' not in j and j['args']['parameterKey'] == 'pk-71'"
check_output "AddObject task" '^201$' post add "$FRITZ" '{"kind":"addObject","args":{"path":"Device.X.","parameterKey":"pk-add"}}'
ADD=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["id"])' "$WORK/add.body")
check_get "its task: parameterKey too" 200 add-get "/api/v1/tasks/$ADD" "j['parameterKey'] == 'pk-add' and 'commandKey' not in j"
check_output "Reboot task" '^201$' post rb "$FRITZ" '{"kind":"reboot","args":{"commandKey":"ck-71"}}'
RB=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["id"])' "$WORK/rb.body")
check_get "a Reboot keeps its commandKey" 200 rb-get "/api/v1/tasks/$RB" "j['commandKey'] == 'ck-71' and 'parameterKey' not in j"
check_output "acsctl task show prints parameterKey" '"parameterKey": "pk-71"' env ACS_TOKEN="$VIEW" \
    "$ACSCTL" task show "$SPV"

check "acsd's log is key=value pairs throughout (values with spaces quoted)" python3 "$TOP/tests/integration/tools/logfmt_check.py" "$WORK/acsd.log"
t_done

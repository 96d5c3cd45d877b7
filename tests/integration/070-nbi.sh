#!/bin/bash
# tests/integration/070-nbi.sh — the NBI on :7557 (run by acsd) and acsctl: devices, parameters
# (secrets as ***), tasks (create, show, list), faults, sessions, tokens; every refusal (401 without,
# with a bad, expired or revoked token; 403 by role; 400 bad JSON; 404; 405; 413); secrets never in
# answers or in acsd's log; /metrics in the Prometheus text format; a connection request with
# Digest auth to a local listener. Rows are written with psql: no CWMP session is needed.
. "$(dirname "$0")/lib.sh"
t_init nbi
. "$(dirname "$0")/acsd_lib.sh"
nbi_test_setup
DEV1=00D09E-Box-NBI001
DEV2=00D09E-Box-NBI002
OTHER=A1B2C3-Phone-X9
SECRET_PARAM=hunter2-sip-secret
CR_PASS=cr-pass-$RANDOM$RANDOM

# ---- devices, parameters, tasks, faults, sessions (as acsd would have written them) -----------
sql "INSERT INTO devices (device_id, oui, product_class, serial_number, software_version, last_inform,
        periodic_interval) VALUES ('$DEV1', '00D09E', 'Box', 'NBI001', '1.0.1', now(), 300),
        ('$DEV2', '00D09E', 'Box', 'NBI002', '1.0.2', now() - interval '3 days', 300),
        ('$OTHER', 'A1B2C3', 'Phone', 'X9', '7.1', NULL, NULL)" >/dev/null
sql "INSERT INTO device_params (device_pk, name, value) SELECT id, n, v FROM devices, (VALUES
        ('Device.DeviceInfo.SerialNumber', 'NBI001'), ('Device.DeviceInfo.SoftwareVersion', '1.0.1'),
        ('Device.Services.VoiceService.1.SIP.Client.1.AuthPassword', '$SECRET_PARAM'),
        ('Device.ManagementServer.ConnectionRequestPassword', '$CR_PASS')) AS p(n, v)
        WHERE device_id = '$DEV1'" >/dev/null
sql "INSERT INTO tasks (device_pk, kind, args, state, result, fault_code, fault_string, finished_at)
        SELECT id, 'setParameterValues', '{\"values\":[{\"name\":\"Device.X.Password\",\"value\":\"$SECRET_PARAM\",
        \"type\":\"xsd:string\"}],\"parameterKey\":\"\"}', 'fault', '{\"faultCode\":9008}', 9008,
        'not writable', now() FROM devices WHERE device_id = '$DEV1'" >/dev/null
sql "INSERT INTO faults (device_pk, task_id, code, string, detail) SELECT d.id, t.id, 9008, 'not writable',
        '[{\"name\":\"Device.X.Password\",\"code\":9008,\"string\":\"read-only\"}]' FROM devices d
        JOIN tasks t ON t.device_pk = d.id WHERE d.device_id = '$DEV1'" >/dev/null
sql "INSERT INTO sessions (device_pk, claimed_id, auth, remote_addr, events, ended_at, rpcs, result)
        SELECT id, device_id, 'cert', '127.0.0.1', '{\"0 BOOTSTRAP\",\"1 BOOT\"}', now(), 2, 'ok' FROM devices
        WHERE device_id = '$DEV1'" >/dev/null

# ---- tokens (acsctl, straight in the database) -------------------------------------------------
mktoken() { # mktoken NAME ROLE [--ttl S]: the token in $WORK/NAME.token
    "$ACSCTL" token create --name "$1" --role "$2" "${@:3}" >"$WORK/$1.token" 2>"$WORK/$1.token.err"
}
check "acsctl token create admin" mktoken adm admin || t_done
check "acsctl token create operator" mktoken op operator
check "acsctl token create viewer" mktoken view viewer
check "acsctl token create expiring" mktoken old viewer --ttl 3600
check "acsctl token create to revoke" mktoken gone operator
check_output "the token is printed once, prefixed" '^acs_[A-Za-z0-9_-]{43}$' cat "$WORK/adm.token"
check_exit "token create with a bad role: usage" 2 "$ACSCTL" token create --name x --role root
check_exit "token create without a name: usage" 2 "$ACSCTL" token create --role viewer
check_sql "only SHA-256 hashes are stored" "5" \
    "SELECT count(*) FROM api_tokens WHERE length(token_hash) = 32 AND role IN ('admin','operator','viewer')"
sql "UPDATE api_tokens SET expires_at = now() - interval '1 second' WHERE name = 'old'" >/dev/null
GONE_ID=$(sql "SELECT id FROM api_tokens WHERE name = 'gone'")
check "acsctl token revoke" "$ACSCTL" token revoke "$GONE_ID"
check_output "acsctl token list shows states" "^$GONE_ID +gone +operator +revoked" "$ACSCTL" token list
check_fail "token list never shows a token" sh -c "'$ACSCTL' token list | grep -qF acs_"
ADM=$(cat "$WORK/adm.token") OP=$(cat "$WORK/op.token") VIEW=$(cat "$WORK/view.token")
OLD=$(cat "$WORK/old.token") GONE=$(cat "$WORK/gone.token")

# ---- acsd with the NBI --------------------------------------------------------------------------
acsd_start "secret_key_file = $WORK/secret.key" "[nbi]" "max_body_bytes = 4096" "cr_timeout_ms = 2000"
NBI_PORT=$ACSD_NBI_PORT
[ -n "$NBI_PORT" ] || { not_ok "the NBI listens"; t_done; }
ok "the NBI listens on port $NBI_PORT"
BASE=https://localhost:$NBI_PORT

hdr_has() { tr 'A-Z\r' 'a-z\n' <"$WORK/$1.hdr" | grep -Eq -- "$2"; }

# ---- reading ------------------------------------------------------------------------------------
nbi_want "viewer lists devices" 200 devs GET /api/v1/devices "$VIEW"
nbi_json_ok "three devices, ordered, with their fields" devs \
    "[d['deviceId'] for d in j['devices']] == sorted(['$DEV1','$DEV2','$OTHER']) and \
     all(k in j['devices'][0] for k in ('oui','productClass','serial','lastInform','softwareVersion','authMode','online'))"
nbi_json_ok "online: informed within two periodic intervals" devs \
    "{d['deviceId']: d['online'] for d in j['devices']} == {'$DEV1': True, '$DEV2': False, '$OTHER': False}"
check "JSON content type" hdr_has devs '^content-type: application/json'
nbi_want "devices?prefix=" 200 devpfx GET "/api/v1/devices?prefix=00D09E-&limit=1&offset=1" "$VIEW"
nbi_json_ok "prefix, limit and offset" devpfx "[d['deviceId'] for d in j['devices']] == ['$DEV2'] and j['limit'] == 1"
nbi_want "a bad limit is 400" 400 badlim GET "/api/v1/devices?limit=0" "$VIEW"
nbi_json_ok "errors are {\"error\": ...}" badlim "isinstance(j.get('error'), str) and len(j) == 1"
nbi_want "one device with its parameters" 200 dev1 GET "/api/v1/devices/$DEV1" "$VIEW"
nbi_json_ok "four parameters, secret ones as ***" dev1 \
    "len(j['parameters']) == 4 and {p['name'].rsplit('.',1)[1]: p['value'] for p in j['parameters']} == \
     {'SerialNumber':'NBI001','SoftwareVersion':'1.0.1','AuthPassword':'***','ConnectionRequestPassword':'***'}"
nbi_want "?params= filters by prefix" 200 dev1p GET "/api/v1/devices/$DEV1?params=Device.DeviceInfo." "$VIEW"
nbi_json_ok "only Device.DeviceInfo." dev1p "len(j['parameters']) == 2"
nbi_want "an unknown device is 404" 404 nodev GET "/api/v1/devices/00D09E-Box-NOPE" "$VIEW"
nbi_want "an unknown endpoint is 404" 404 noep GET /api/v1/nothing "$VIEW"
nbi_want "a wrong method is 405" 405 badm DELETE /api/v1/devices "$VIEW"
check "405 names the allowed methods" hdr_has badm '^allow: get'
nbi_want "device faults" 200 faults GET "/api/v1/devices/$DEV1/faults" "$VIEW"
nbi_json_ok "the 9008 fault with its detail" faults \
    "j['faults'][0]['code'] == 9008 and j['faults'][0]['detail'][0]['name'] == 'Device.X.Password'"
nbi_want "device sessions" 200 sess GET "/api/v1/devices/$DEV1/sessions" "$VIEW"
nbi_json_ok "the session row" sess "j['sessions'][0]['auth'] == 'cert' and j['sessions'][0]['events'] == ['0 BOOTSTRAP','1 BOOT']"
nbi_want "device tasks ?state=fault" 200 tfault GET "/api/v1/devices/$DEV1/tasks?state=fault" "$VIEW"
nbi_json_ok "the fault task, its password value as ***" tfault \
    "len(j['tasks']) == 1 and j['tasks'][0]['args']['values'][0]['value'] == '***' and j['tasks'][0]['faultCode'] == 9008"
nbi_want "a bad state is 400" 400 tbad GET "/api/v1/devices/$DEV1/tasks?state=weird" "$VIEW"

# ---- authentication and roles -------------------------------------------------------------------
nbi_want "no token: 401" 401 a1 GET /api/v1/devices ""
check "401 carries WWW-Authenticate: Bearer" hdr_has a1 '^www-authenticate: bearer'
nbi_want "unknown token: 401" 401 a2 GET /api/v1/devices "acs_notarealtoken0000000000000000000000000000000"
nbi_want "malformed Authorization: 401" 401 a3 GET /api/v1/devices "" -H "Authorization: Basic dXNlcjpwYXNz"
nbi_want "expired token: 401" 401 a4 GET /api/v1/devices "$OLD"
nbi_json_ok "the error says expired" a4 "'expired' in j['error']"
nbi_want "revoked token: 401" 401 a5 GET /api/v1/devices "$GONE"
nbi_want "viewer may not create a task: 403" 403 r1 POST "/api/v1/devices/$DEV1/tasks" "$VIEW" \
    -d '{"kind":"reboot"}'
nbi_want "operator may not list tokens: 403" 403 r2 GET /api/v1/tokens "$OP"
nbi_want "operator may not create tokens: 403" 403 r3 POST /api/v1/tokens "$OP" -d '{"name":"x","role":"admin"}'
nbi_want "/metrics needs a token by default" 401 m0 GET /metrics ""

# ---- tasks --------------------------------------------------------------------------------------
nbi_want "operator creates a task" 201 t1 POST "/api/v1/devices/$DEV2/tasks" "$OP" \
    -d '{"kind":"getParameterValues","args":{"names":["Device.DeviceInfo."]},"maxAttempts":2,"expiresIn":600}'
TASK=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["id"])' "$WORK/t1.body")
check "201 carries Location" hdr_has t1 "^location: /api/v1/tasks/$TASK\$"
nbi_want "GET the task" 200 t1g GET "/api/v1/tasks/$TASK" "$VIEW"
nbi_json_ok "pending, with its options and creator" t1g \
    "j['state'] == 'pending' and j['maxAttempts'] == 2 and j['createdBy'] == 'nbi:op' and j['deviceId'] == '$DEV2'"
nbi_want "an unknown task is 404" 404 t404 GET /api/v1/tasks/999999 "$VIEW"
nbi_want "a task for an unknown device is 404" 404 t2 POST /api/v1/devices/00D09E-Box-NOPE/tasks "$OP" \
    -d '{"kind":"reboot"}'
nbi_want "malformed JSON is 400" 400 t3 POST "/api/v1/devices/$DEV2/tasks" "$OP" -d '{"kind": '
nbi_want "an unknown member is 400" 400 t4 POST "/api/v1/devices/$DEV2/tasks" "$OP" -d '{"kind":"reboot","x":1}'
nbi_want "an unknown kind is 400" 400 t5 POST "/api/v1/devices/$DEV2/tasks" "$OP" -d '{"kind":"format"}'
nbi_want "args the RPC refuses are 400" 400 t6 POST "/api/v1/devices/$DEV2/tasks" "$OP" \
    -d '{"kind":"getParameterValues","args":{"names":[]}}'
nbi_want "an empty body is 400" 400 t7 POST "/api/v1/devices/$DEV2/tasks" "$OP"
nbi_want "maxAttempts out of range is 400" 400 t8 POST "/api/v1/devices/$DEV2/tasks" "$OP" \
    -d '{"kind":"reboot","maxAttempts":0}'
head -c 5000 /dev/zero | tr '\0' ' ' >"$WORK/big.json"
nbi_want "a body over max_body_bytes is 413" 413 t9 POST "/api/v1/devices/$DEV2/tasks" "$OP" \
    --data-binary "@$WORK/big.json"
nbi_want "a chunked body over the cap is 413" 413 t10 POST "/api/v1/devices/$DEV2/tasks" "$OP" \
    -H "Transfer-Encoding: chunked" --data-binary "@$WORK/big.json"
nbi_want "a task with a password in its args" 201 t11 POST "/api/v1/devices/$DEV2/tasks" "$OP" \
    -d "{\"kind\":\"setParameterValues\",\"args\":{\"values\":[{\"name\":\"Device.Services.VoiceService.1.SIP.Client.1.AuthPassword\",\"value\":\"$SECRET_PARAM\"}]}}"
T11=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["id"])' "$WORK/t11.body")
nbi_want "GET it back" 200 t11g GET "/api/v1/tasks/$T11" "$VIEW"
nbi_json_ok "its value is ***" t11g "j['args']['values'][0]['value'] == '***'"

# ---- tokens over the NBI ------------------------------------------------------------------------
nbi_want "admin lists tokens" 200 tl GET /api/v1/tokens "$ADM"
nbi_json_ok "token list without hashes or tokens" tl \
    "len(j['tokens']) == 5 and all(set(t) >= {'id','name','role','state'} and 'token' not in t and 'token_hash' not in t for t in j['tokens'])"
nbi_want "admin creates a token" 201 tc POST /api/v1/tokens "$ADM" -d '{"name":"nbi-made","role":"viewer","ttl":600}'
NEWTOK=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["token"])' "$WORK/tc.body")
NEWID=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["id"])' "$WORK/tc.body")
nbi_want "the new token works" 200 tn GET /api/v1/devices "$NEWTOK"
nbi_want "a bad role is 400" 400 tbr POST /api/v1/tokens "$ADM" -d '{"name":"x","role":"root"}'
nbi_want "admin revokes it" 200 tr DELETE "/api/v1/tokens/$NEWID" "$ADM"
nbi_want "the revoked token is refused at once" 401 tn2 GET /api/v1/devices "$NEWTOK"
nbi_want "revoking an unknown token is 404" 404 tr2 DELETE /api/v1/tokens/999999 "$ADM"
check_sql "the token's creator is recorded" "nbi:adm" "SELECT created_by FROM api_tokens WHERE id = $NEWID"

# ---- acsctl over the NBI ------------------------------------------------------------------------
export ACS_NBI_URL=$BASE ACS_CACERT=$WORK/chain.pem
check_exit "acsctl without a token: configuration error" 3 env -u ACS_TOKEN "$ACSCTL" devices
check_output "acsctl devices" "^$DEV1 +1\.0\.1 " env ACS_TOKEN="$VIEW" "$ACSCTL" devices
check_output "acsctl devices --prefix" "^$OTHER " env ACS_TOKEN="$VIEW" "$ACSCTL" devices --prefix A1B2C3
check_output "acsctl device --params (token from a file)" '"value": "\*\*\*"' \
    "$ACSCTL" --token-file "$WORK/view.token" device "$DEV1" --params Device.Services.
check_exit "acsctl task create as viewer: refused (1)" 1 env ACS_TOKEN="$VIEW" "$ACSCTL" task create "$DEV1" reboot
check_output "acsctl task create with --arg k[]=v" '^[0-9]+$' env ACS_TOKEN="$OP" "$ACSCTL" task create "$DEV1" \
    getParameterValues --arg 'names[]=Device.DeviceInfo.' --arg 'names[]=Device.ManagementServer.'
CTL_TASK=$(head -n 1 "$WORK/last.out")
check_sql "acsctl's task args" '{"names": ["Device.DeviceInfo.", "Device.ManagementServer."]}' \
    "SELECT args FROM tasks WHERE id = $CTL_TASK"
echo '{"delaySeconds": 5, "commandKey": "ck-1"}' >"$WORK/args.json"
check_output "acsctl task create --json FILE" '^[0-9]+$' env ACS_TOKEN="$OP" "$ACSCTL" task create "$DEV1" \
    scheduleInform --json "$WORK/args.json"
check_output "acsctl task show" '"state": "pending"' env ACS_TOKEN="$VIEW" "$ACSCTL" task show "$CTL_TASK"
sql "UPDATE tasks SET state = 'done', result = '{}', finished_at = now() WHERE id = $CTL_TASK" >/dev/null
check_output "acsctl task show --wait on a finished task" '"state": "done"' env ACS_TOKEN="$VIEW" \
    "$ACSCTL" task show "$CTL_TASK" --wait 5
check_exit "acsctl task show --wait times out (1)" 1 env ACS_TOKEN="$VIEW" "$ACSCTL" task show "$TASK" --wait 1
check_output "acsctl faults" '9008 +[0-9]+ +not writable' env ACS_TOKEN="$VIEW" "$ACSCTL" faults "$DEV1"
check_fail_output "acsctl on an unknown device" 'unknown device' env ACS_TOKEN="$VIEW" "$ACSCTL" faults NOPE-X-1
check_exit "acsctl usage error" 2 env ACS_TOKEN="$VIEW" "$ACSCTL" task create "$DEV1"
check_exit "acsctl with the NBI down: unreachable (4)" 4 env ACS_TOKEN="$VIEW" ACS_NBI_URL=https://127.0.0.1:1 \
    "$ACSCTL" devices

# ---- connection request -------------------------------------------------------------------------
CR_USER=cr-user-1
printf '%s\n' "$CR_PASS" >"$WORK/cr.pass"
start_bg crl python3 "$TOP/tests/integration/tools/cr_listener.py" --user "$CR_USER" \
    --password-file "$WORK/cr.pass" --log "$WORK/cr.hits" --busy 1
CR_PORT=
for _ in $(seq 50); do
    CR_PORT=$(sed -n 's/^port \([0-9][0-9]*\)$/\1/p' "$WORK/crl.log")
    [ -n "$CR_PORT" ] && break
    sleep 0.1
done
SEALED=$(printf '%s' "$CR_PASS" | "$SEAL" "$WORK/secret.key" "$DEV1")
check "CR password sealed" test -n "$SEALED"
sql "UPDATE devices SET connection_request_url = 'http://127.0.0.1:$CR_PORT/cr', cr_username = '$CR_USER',
        cr_password_enc = decode('$SEALED', 'hex'), cr_credentials_set = true WHERE device_id = '$DEV1'" >/dev/null
nbi_want "task with connectionRequest" 201 cr1 POST "/api/v1/devices/$DEV1/tasks" "$OP" \
    -d '{"kind":"reboot","connectionRequest":true}'
nbi_json_ok "the answer has the first attempt's outcome: busy (503), retrying" cr1 \
    "j['connectionRequest'] == {'outcome': 'busy', 'httpStatus': 503, 'detail': 'HTTP 503', 'retrying': True}"
for _ in $(seq 50); do grep -q '^ok$' "$WORK/cr.hits" 2>/dev/null && break; sleep 0.1; done
check_output "the CPE got a Digest-authenticated request (after one 503, retried)" '^busy,ok$' \
    sh -c "paste -sd, '$WORK/cr.hits'"
nbi_want "acsctl-style task with --cr for a device without CR data" 201 cr2 POST "/api/v1/devices/$DEV2/tasks" "$OP" \
    -d '{"kind":"reboot","connectionRequest":true}'
nbi_json_ok "the answer says why no request was sent" cr2 \
    "j['connectionRequest']['outcome'] == 'not_sent' and 'ConnectionRequestURL' in j['connectionRequest']['detail']"
sql "UPDATE devices SET cr_password_enc = decode('$SEALED', 'hex'), cr_username = 'u',
        connection_request_url = 'http://127.0.0.1:$CR_PORT/cr' WHERE device_id = '$DEV2'" >/dev/null
nbi_want "a password sealed for another device does not open" 201 cr3 POST "/api/v1/devices/$DEV2/tasks" "$OP" \
    -d '{"kind":"reboot","connectionRequest":true}'
nbi_json_ok "refused: credentials do not open" cr3 "'do not open' in j['connectionRequest']['detail']"

# ---- a real CWMP session: the device in the NBI, an NBI task run, the session metrics ------------
CDEV=00D09E-ATA2FXS-T0070
check "device certificate for $CDEV" mkdev cdev "$CDEV"
inform inform-bootstrap-boot-1-2.xml "$WORK/boot.xml" 00D09E ATA2FXS T0070
# the first session sets the device's connection-request credentials (SetParameterValues)
cwmp boot cdev "@$WORK/boot.xml" - "@$SAMPLES/valid/setparametervaluesresponse-1-2.xml"
check_statuses "BOOTSTRAP session (with the connection-request credentials)" "200 200 204" boot
check_output "the session's first RPC sets ConnectionRequestUsername/Password" \
    'Device\.ManagementServer\.ConnectionRequestPassword' cat "$WORK/boot/2.body"
check_sql "credentials stored, password sealed" "t|32|t" \
    "SELECT cr_credentials_set, length(cr_username), cr_password_enc IS NOT NULL FROM devices WHERE device_id = '$CDEV'"
nbi_want "the device is in the NBI after its Inform" 200 cdev GET "/api/v1/devices/$CDEV" "$VIEW"
nbi_json_ok "with its Inform parameters" cdev "len(j['parameters']) > 0 and j['lastInform'] is not None"
nbi_want "an NBI task for it" 201 ctask POST "/api/v1/devices/$CDEV/tasks" "$OP" \
    -d '{"kind":"getParameterValues","args":{"names":["Device.ManagementServer.PeriodicInformInterval"]}}'
CTASK=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["id"])' "$WORK/ctask.body")
inform inform-periodic-1-2.xml "$WORK/periodic.xml" 00D09E ATA2FXS T0070
cwmp per cdev "@$WORK/periodic.xml" = "@$SAMPLES/valid/getparametervaluesresponse-1-2.xml"
check_statuses "periodic session runs the task" "200 200 204" per
check_output "acsctl task show --wait: done" '"state": "done"' env ACS_TOKEN="$VIEW" "$ACSCTL" task show "$CTASK" \
    --wait 5
cwmp nocert - "@$WORK/periodic.xml"
nbi_want "sessions of the device over the NBI" 200 csess GET "/api/v1/devices/$CDEV/sessions" "$VIEW"
nbi_json_ok "two sessions, ok" csess "[x['result'] for x in j['sessions']] == ['ok', 'ok']"

# ---- metrics --------------------------------------------------------------------------------------
nbi_want "/metrics with a viewer token" 200 met GET /metrics "$VIEW"
check "metrics content type" hdr_has met '^content-type: text/plain; version=0\.0\.4'
RE='^(# HELP [a-z_:][a-z0-9_:]* .+|# TYPE [a-z_:][a-z0-9_:]* (counter|gauge|histogram)|[a-z_:][a-z0-9_:]*(\{[a-z_][a-z0-9_]*="[^"\\]*"(,[a-z_][a-z0-9_]*="[^"\\]*")*\})? -?[0-9]+(\.[0-9]+)?)$'
check_fail "every metrics line is valid exposition text" grep -Evq "$RE" "$WORK/met.body"
check "the exposition is not empty" test -s "$WORK/met.body"
for fam in acs_cwmp_sessions_total acs_cwmp_faults_total acs_auth_refusals_total acs_http_503_total \
    acs_http_413_total acs_cwmp_rpcs_total acs_connection_requests_total acs_cwmp_session_duration_seconds \
    acs_cwmp_sessions_open; do
    check "metrics family $fam" grep -q "^# TYPE $fam " "$WORK/met.body"
done
check "NBI 413s are counted" grep -Eq '^acs_http_413_total\{listener="nbi"\} [1-9]' "$WORK/met.body"
check "token refusals are counted" grep -Eq '^acs_auth_refusals_total\{reason="nbi_token"\} [1-9]' "$WORK/met.body"
check "role refusals are counted" grep -Eq '^acs_auth_refusals_total\{reason="nbi_role"\} [1-9]' "$WORK/met.body"
check "connection requests are counted" grep -Eq '^acs_connection_requests_total\{result="ok"\} 1$' "$WORK/met.body"
check "CWMP sessions are counted" grep -Eq '^acs_cwmp_sessions_total\{result="ok"\} 2$' "$WORK/met.body"
check "RPCs are counted (Inform, GetParameterValues)" sh -c "grep -Eq '^acs_cwmp_rpcs_total\\{method=\"Inform\"\\} 2\$' '$WORK/met.body' &&
    grep -Eq '^acs_cwmp_rpcs_total\\{method=\"GetParameterValues\"\\} 1\$' '$WORK/met.body'"
check "session latencies are observed" grep -Eq '^acs_cwmp_session_duration_seconds_count 2$' "$WORK/met.body"
check "no session is open" grep -Eq '^acs_cwmp_sessions_open 0$' "$WORK/met.body"
check "certificate refusals are counted" grep -Eq '^acs_auth_refusals_total\{reason="no_cert"\} [1-9]' "$WORK/met.body"
check "histogram +Inf equals _count" python3 -c "
import re,sys
t=open(sys.argv[1]).read()
inf=re.search(r'^acs_cwmp_session_duration_seconds_bucket\{le=\"\+Inf\"\} (\d+)$',t,re.M).group(1)
cnt=re.search(r'^acs_cwmp_session_duration_seconds_count (\d+)$',t,re.M).group(1)
sys.exit(0 if inf==cnt else 1)" "$WORK/met.body"

# ---- no secret anywhere ---------------------------------------------------------------------------
stop_bg acsd
for s in "$SECRET_PARAM" "$CR_PASS" "$ADM" "$OP" "$VIEW" "$NEWTOK" "$OLD" "$GONE"; do
    check_fail "a secret (${s:0:6}...) is not in acsd's log" grep -qF -- "$s" "$WORK/acsd.log"
done
for s in "$SECRET_PARAM" "$CR_PASS"; do
    check_fail "a secret (${s:0:6}...) is in no NBI answer" sh -c "cat '$WORK'/*.body | grep -qF -- '$s'"
done

# ---- [nbi] metrics_public: /metrics without a token, the API still closed --------------------
acsd_start "secret_key_file = $WORK/secret.key" "[nbi]" "metrics_public = true"
NBI_PORT=$ACSD_NBI_PORT
BASE=https://localhost:$NBI_PORT
nbi_want "metrics_public: /metrics without a token" 200 mp GET /metrics ""
nbi_want "metrics_public: the API still needs a token" 401 mp2 GET /api/v1/devices ""
t_done

#!/bin/bash
# tests/integration/080-e2e-fleet.sh — the acceptance test of issue 4, everything real on loopback:
# Postgres + acs-ca (root, issuer, server certificate, `batch --count 10`) + acsd (with the NBI)
# + cpe-sim --devices 10 with its connection-request listener. All 10 BOOTSTRAP sessions happen
# and each sets the device's connection-request credentials (sealed in the DB, the password
# nowhere else); the devices are in the NBI with parameters; for every RPC kind an NBI task with
# "connectionRequest": true is done (with a result) within 2 s of its creation (finished_at -
# created_at, measured by the DB); SetParameterValues on a read-only parameter ends with 9008
# and its SetParameterValuesFault in a faults row, visible in the NBI; a factoryReset device
# comes back with BOOTSTRAP and gets new credentials; every envelope acsd sent ([acs] dump_dir)
# passes the shared validator.
. "$(dirname "$0")/lib.sh"
t_init e2e-fleet
. "$(dirname "$0")/acsd_lib.sh"
SIM=$BUILD/bin/cpe-sim
ACSCTL=$BUILD/bin/acsctl
OPEN=$BUILD/tests/tools/secret_open
for b in "$SIM" "$ACSCTL" "$OPEN"; do [ -x "$b" ] || t_skip "$b not built"; done
command -v curl >/dev/null || t_skip "curl not installed"
export CPE_DATAMODEL=$TOP/../shared/cwmp/datamodel/key-params.tsv
N=10
LIMIT_MS=2000

# ---- PKI, acsd, tokens, fleet ---------------------------------------------------------------------
acsd_ca
check "batch of $N device identities" "$ACS_CA" batch --count $N --oui 00D09E --product-class SimBox \
    --out "$WORK/fleet" || t_done
mapfile -t IDS < <(awk '/^# /{print $2}' "$WORK/fleet/identities.pem")
[ "${#IDS[@]}" -eq $N ] && ok "$N identities in the bundle" || { not_ok "$N identities in the bundle"; t_done; }
(umask 077 && head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$WORK/secret.key")
mkdir -p "$WORK/dump"
acsd_start "secret_key_file = $WORK/secret.key" "dump_dir = $WORK/dump" "session_idle_timeout = 10" \
    "[nbi]" "cr_timeout_ms = 1000" "cr_attempts = 3"
NBI_PORT=$ACSD_NBI_PORT
[ -n "$NBI_PORT" ] || { not_ok "the NBI listens"; t_done; }
ok "the NBI listens on port $NBI_PORT"
check "operator token" sh -c "'$ACSCTL' token create --name op --role operator >'$WORK/op.token'" || t_done
OP=$(cat "$WORK/op.token")

CRPORT=$(free_port)
start_bg sim "$SIM" --acs "https://127.0.0.1:$ACSD_PORT/" --ca "$WORK/chain.pem" \
    --identities "$WORK/fleet/identities.pem" --devices $N --cr-port "$CRPORT" --sessions-per-device 0 \
    --duration 120 --report "$WORK/sim-report.txt"
check "cpe-sim's connection-request listener is up" wait_port "$CRPORT" || t_done

# ---- BOOTSTRAP sessions -----------------------------------------------------------------------------
all_booted() {
    [ "$(sql "SELECT count(*) FROM devices WHERE cr_credentials_set")" = $N ] &&
        [ "$(sql "SELECT count(*) FROM sessions WHERE result = 'ok' AND '0 BOOTSTRAP' = ANY(events)")" -ge $N ]
}
for _ in $(seq 150); do all_booted && break; sleep 0.1; done
check_sql "$N BOOTSTRAP sessions, cert auth, ok" "$N" \
    "SELECT count(DISTINCT device_pk) FROM sessions WHERE result = 'ok' AND auth = 'cert' AND '0 BOOTSTRAP' = ANY(events)"
check_sql "every device got connection-request credentials (user, sealed password, set)" "$N" \
    "SELECT count(*) FROM devices WHERE cr_credentials_set AND length(cr_username) = 32 AND
            length(cr_password_enc) > 32 AND connection_request_url LIKE 'http://127.0.0.1:$CRPORT/cr/%'"
check_sql "all usernames differ" "$N" "SELECT count(DISTINCT cr_username) FROM devices"

# ---- the NBI ------------------------------------------------------------------------------------------
BASE=https://localhost:$NBI_PORT
api() { # api NAME METHOD PATH [curl args]: body in $WORK/NAME.body; prints the status
    local name=$1 method=$2 path=$3; shift 3
    curl -sS --max-time 10 --cacert "$WORK/chain.pem" -X "$method" -H "Authorization: Bearer $OP" \
        -o "$WORK/$name.body" -w '%{http_code}' "$@" "$BASE$path" 2>"$WORK/$name.curl"
}
jq_ok() { # jq_ok DESC NAME PYTHON_EXPR (on j)
    check "$1" python3 -c "import json,sys; j=json.load(open(sys.argv[1])); sys.exit(0 if ($3) else 1)" \
        "$WORK/$2.body"
}
check_output "GET /api/v1/devices" '^200$' api devs GET "/api/v1/devices?prefix=00D09E-SimBox-"
jq_ok "the $N devices are listed" devs "sorted(d['deviceId'] for d in j['devices']) == sorted('''${IDS[*]}'''.split())"
check_output "GET one device" '^200$' api dev0 GET "/api/v1/devices/${IDS[0]}"
jq_ok "with its parameters from the Inform (ConnectionRequestURL among them)" dev0 \
    "len(j['parameters']) >= 5 and any(p['name'] == 'Device.ManagementServer.ConnectionRequestURL' for p in j['parameters'])"
jq_ok "connection-request credentials flagged, no password in the answer" dev0 \
    "j.get('connectionRequestCredentialsSet') is True and 'password' not in json.dumps(j).lower().replace('connectionrequestpassword','')"

# ---- every RPC kind through a connection request --------------------------------------------------
# task DEV KIND ARGS: POST with connectionRequest true; TASK = its id
task() {
    local body
    body=$(printf '{"kind":"%s","args":%s,"connectionRequest":true}' "$2" "$3")
    TASK=
    local st
    st=$(api "task-$2" POST "/api/v1/devices/$1/tasks" -d "$body")
    [ "$st" = 201 ] || { echo "# POST $2: HTTP $st $(head -c 200 "$WORK/task-$2.body")"; return 1; }
    python3 -c 'import json,sys; sys.exit(json.load(open(sys.argv[1]))["connectionRequest"]["outcome"] not in
        ("sent", "busy"))' "$WORK/task-$2.body" || { echo "# $(cat "$WORK/task-$2.body")"; return 1; }
    TASK=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["id"])' "$WORK/task-$2.body")
}
# finished ID [SECONDS]: wait until the task is done or fault; prints state|ms|has-result
finished() {
    local i st
    for ((i = 0; i < ${2:-5} * 20; i++)); do
        st=$(sql "SELECT state FROM tasks WHERE id = $1")
        case $st in done | fault | expired) break ;; esac
        sleep 0.05
    done
    sql "SELECT state, round(extract(epoch FROM finished_at - created_at) * 1000), result IS NOT NULL
           FROM tasks WHERE id = $1"
}
# run_kind DEV KIND ARGS: the task must be done, with a result, within LIMIT_MS of creation
run_kind() {
    local dev=$1 kind=$2 args=$3 got ms
    if ! task "$dev" "$kind" "$args"; then
        not_ok "$kind: task created with a connection request"
        return 1
    fi
    got=$(finished "$TASK")
    ms=$(echo "$got" | cut -d'|' -f2)
    TIMES+=("$kind=${ms}ms")
    if [ "$(echo "$got" | cut -d'|' -f1,3)" = "done|t" ] && [ -n "$ms" ] && [ "$ms" -le $LIMIT_MS ]; then
        ok "$kind via connection request: done with a result in ${ms} ms"
        return 0
    fi
    not_ok "$kind via connection request: done with a result within $LIMIT_MS ms"
    echo "# got state|ms|result: $got"
    sql "SELECT result, fault_string FROM tasks WHERE id = $TASK" | head -c 300 | sed 's/^/# /'
    grep -E 'connection_request|cr_' "$WORK/acsd.log" | tail -n 3 | sed 's/^/# acsd: /'
    return 1
}
TIMES=()
D=("${IDS[@]}")
SIPC=Device.Services.VoiceService.1.SIP.Client.
run_kind "${D[0]}" getParameterValues '{"names":["Device.DeviceInfo.","Device.ManagementServer.PeriodicInformInterval"]}'
check_sql "the GPV result is in the parameter cache" "t" \
    "SELECT count(*) > 0 FROM device_params p JOIN devices d ON d.id = p.device_pk
      WHERE d.device_id = '${D[0]}' AND p.name = 'Device.DeviceInfo.SerialNumber' AND p.value <> ''"
run_kind "${D[1]}" setParameterValues \
    '{"values":[{"name":"Device.DeviceInfo.ProvisioningCode","value":"E2E-1","type":"xsd:string"}],"parameterKey":"e2e-spv"}'
run_kind "${D[2]}" getParameterNames '{"path":"Device.ManagementServer.","nextLevel":true}'
run_kind "${D[3]}" getParameterAttributes '{"names":["Device.ManagementServer.PeriodicInformInterval"]}'
run_kind "${D[4]}" setParameterAttributes \
    '{"attributes":[{"name":"Device.DeviceInfo.ProvisioningCode","notification":2}]}'
run_kind "${D[5]}" addObject "{\"path\":\"$SIPC\",\"parameterKey\":\"e2e-add\"}"
INST=$(sql "SELECT result->>'instanceNumber' FROM tasks WHERE id = ${TASK:-0}")
check_output "addObject returned an instance number" '^[0-9]+$' echo "$INST"
run_kind "${D[5]}" deleteObject "{\"path\":\"$SIPC${INST:-1}.\",\"parameterKey\":\"e2e-del\"}"
# a download an hour away: Status 1, in_progress until its TransferComplete; the cancelTransfer
# (of the operator's key: acsd sends the transfer's own) cancels it
if task "${D[6]}" download \
    '{"fileType":"1 Firmware Upgrade Image","url":"http://127.0.0.1:9/fw.bin","delaySeconds":3600,"commandKey":"e2e-dl"}'; then
    DL=$TASK
    for _ in $(seq 100); do [ "$(sql "SELECT state FROM tasks WHERE id = $DL")" = in_progress ] && break; sleep 0.05; done
    check_sql "download via connection request: in_progress (Status 1) with a result" "in_progress|1" \
        "SELECT state, result->>'status' FROM tasks WHERE id = $DL"
else
    not_ok "download: task created with a connection request"
fi
run_kind "${D[6]}" cancelTransfer '{"commandKey":"e2e-dl"}'
check_sql "the cancelled download is cancelled" "cancelled|t" \
    "SELECT state, finished_at IS NOT NULL FROM tasks WHERE id = ${DL:-0}"
run_kind "${D[7]}" upload '{"fileType":"1 Vendor Configuration File","url":"http://127.0.0.1:9/up","commandKey":"e2e-ul"}'
run_kind "${D[8]}" scheduleInform '{"delaySeconds":30,"commandKey":"e2e-si"}'
run_kind "${D[2]}" getRPCMethods '{}'
run_kind "${D[3]}" reboot '{"commandKey":"e2e-reboot"}'
CR_BEFORE=$(sql "SELECT encode(cr_password_enc, 'hex') FROM devices WHERE device_id = '${D[9]}'")
run_kind "${D[9]}" factoryReset '{}'
echo "# times from creation to done: ${TIMES[*]}"

# ---- factory reset: BOOTSTRAP again, new credentials, and they work --------------------------------
rebootstrapped() {
    [ "$(sql "SELECT count(*) FROM sessions s JOIN devices d ON d.id = s.device_pk WHERE d.device_id = '${D[9]}'
               AND s.result = 'ok' AND '0 BOOTSTRAP' = ANY(s.events)")" -ge 2 ] &&
        [ "$(sql "SELECT cr_credentials_set FROM devices WHERE device_id = '${D[9]}'")" = t ]
}
for _ in $(seq 100); do rebootstrapped && break; sleep 0.1; done
check "after factoryReset: a second BOOTSTRAP session that set the credentials again" rebootstrapped
check_fail "the credentials changed" test "$CR_BEFORE" = \
    "$(sql "SELECT encode(cr_password_enc, 'hex') FROM devices WHERE device_id = '${D[9]}'")"
run_kind "${D[9]}" getRPCMethods '{}'
check_sql "after reboot: an 'M Reboot' session" "t" \
    "SELECT count(*) > 0 FROM sessions s JOIN devices d ON d.id = s.device_pk WHERE d.device_id = '${D[3]}'
      AND 'M Reboot' = ANY(s.events)"

# ---- SetParameterValues on a read-only parameter --------------------------------------------------
if task "${D[0]}" setParameterValues \
    '{"values":[{"name":"Device.DeviceInfo.SerialNumber","value":"EVIL","type":"xsd:string"}],"parameterKey":"e2e-ro"}'; then
    ok "read-only SPV task created with a connection request"
    got=$(finished "$TASK")
    ms=$(echo "$got" | cut -d'|' -f2)
    check "it ends as a fault within $LIMIT_MS ms ($got)" test "${got%%|*}" = fault -a "${ms:-99999}" -le $LIMIT_MS
    check_sql "fault code 9008 with its SetParameterValuesFault in the result" \
        "9008|Device.DeviceInfo.SerialNumber|9008" \
        "SELECT fault_code, result->'setParameterValuesFault'->0->>'name', result->'setParameterValuesFault'->0->>'code'
           FROM tasks WHERE id = $TASK"
    check_sql "a faults row with the details" "9008|Device.DeviceInfo.SerialNumber|9008" \
        "SELECT code, detail->0->>'name', detail->0->>'code' FROM faults WHERE task_id = $TASK"
    check_output "the fault in the NBI" '^200$' api faults GET "/api/v1/devices/${D[0]}/faults"
    jq_ok "with its detail" faults \
        "any(f['code'] == 9008 and f['detail'][0]['name'] == 'Device.DeviceInfo.SerialNumber' for f in j['faults'])"
    check_output "the task in the NBI" '^200$' api rotask GET "/api/v1/tasks/$TASK"
    jq_ok "state fault, faultCode 9008" rotask "j['state'] == 'fault' and j['faultCode'] == 9008"
else
    not_ok "read-only SPV task created with a connection request"
fi

# ---- every message acsd sent is valid CWMP ----------------------------------------------------------
NDUMP=$(ls "$WORK/dump" | wc -l)
check_output "acsd wrote its envelopes ($NDUMP)" '^[1-9][0-9]+$' echo "$NDUMP"
check "every envelope acsd sent passes the shared validator" python3 "$VALIDATOR" -q "$WORK/dump"/*.xml
check_output "the credentials SPV is among them, password masked" 'ConnectionRequestPassword</Name><Value xsi:type="xsd:string">\*{32}<' \
    sh -c "cat '$WORK/dump'/*.xml"

# ---- the generated passwords appear nowhere ---------------------------------------------------------
stop_bg sim
check_output "cpe-sim: no failed sessions" '^sessions_failed=0$' cat "$WORK/sim-report.txt"
check_output "cpe-sim: connection requests answered" '^cr_ok=[1-9][0-9]*$' cat "$WORK/sim-report.txt"
stop_bg acsd
sql "SELECT * FROM sessions" >"$WORK/sessions.txt"
sql "SELECT id, result, fault_string FROM tasks" >"$WORK/tasks.txt"
sql "SELECT * FROM faults" >"$WORK/faults.txt"
leaks=0
for id in "${IDS[@]}"; do
    pw=$(sql "SELECT encode(cr_password_enc, 'hex') FROM devices WHERE device_id = '$id'" | "$OPEN" "$WORK/secret.key" "$id")
    [ ${#pw} -eq 32 ] || { leaks=$((leaks + 1)); echo "# $id: the sealed password does not open"; continue; }
    if grep -qF -- "$pw" "$WORK/acsd.log" "$WORK"/*.body "$WORK/sessions.txt" "$WORK/tasks.txt" "$WORK/faults.txt" \
        "$WORK/dump"/*.xml; then
        leaks=$((leaks + 1))
        echo "# $id: password found in $(grep -lF -- "$pw" "$WORK/acsd.log" "$WORK"/*.body "$WORK"/*.txt "$WORK/dump"/*.xml | head -n 3)"
    fi
done
check_output "each password opens (AAD = device id) and is in no log, NBI answer, table or dump" '^0$' echo "$leaks"
check "acsd's and cpe-sim's logs are key=value pairs throughout" python3 "$TOP/tests/integration/tools/logfmt_check.py" "$WORK/acsd.log" "$WORK/sim.log"
t_done

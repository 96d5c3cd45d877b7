#!/bin/bash
# tests/integration/081-cpe-sim-voice.sh — cpe-sim's voice service against a real acsd (issue 15,
# "libcpe and cpe-sim"): a mixed fleet (--model mixed: a TR-181 device and a TR-098 one). acsd tells
# the models apart by the Inform's root (devices.root_object). Through NBI tasks with connection
# requests, the full TLS SIP configuration (TR-104 v2 names on the first, v1 names on the second)
# is set; a getParameterValues then reads Status = Up and AuthPassword = "" (secured), and the
# password is nowhere in the NBI answers or the parameter cache. A UDP registrar makes it
# Error_Misconfigured (v2) / Error (v1).
. "$(dirname "$0")/lib.sh"
t_init cpe-sim-voice
. "$(dirname "$0")/acsd_lib.sh"
SIM=$BUILD/bin/cpe-sim
ACSCTL=$BUILD/bin/acsctl
for b in "$SIM" "$ACSCTL"; do [ -x "$b" ] || t_skip "$b not built"; done
command -v curl >/dev/null || t_skip "curl not installed"
export CPE_DATAMODEL=$TOP/../shared/cwmp/datamodel/key-params.tsv
export CPE_DATAMODEL_TR098=$TOP/cpe-sim/datamodel/tr-098-voice.tsv
PW="voice-Pw-$(head -c 8 /dev/urandom | od -An -tx1 | tr -d ' \n')"

acsd_ca
check "batch of 2 device identities" "$ACS_CA" batch --count 2 --oui 00D09E --product-class SimBox \
    --out "$WORK/fleet" || t_done
mapfile -t IDS < <(awk '/^# /{print $2}' "$WORK/fleet/identities.pem" | sort)
(umask 077 && head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$WORK/secret.key")
acsd_start "secret_key_file = $WORK/secret.key" "session_idle_timeout = 10" "[nbi]" "cr_timeout_ms = 1000" \
    "cr_attempts = 3"
[ -n "$ACSD_NBI_PORT" ] || { not_ok "the NBI listens"; t_done; }
check "operator token" sh -c "'$ACSCTL' token create --name op --role operator >'$WORK/op.token'" || t_done
OP=$(cat "$WORK/op.token")
CRPORT=$(free_port)
start_bg sim "$SIM" --acs "https://127.0.0.1:$ACSD_PORT/" --ca "$WORK/chain.pem" --model mixed \
    --identities "$WORK/fleet/identities.pem" --devices 2 --cr-port "$CRPORT" --sessions-per-device 0 \
    --duration 60
check "cpe-sim's connection-request listener is up" wait_port "$CRPORT" || t_done
for _ in $(seq 150); do
    [ "$(sql "SELECT count(*) FROM devices WHERE cr_credentials_set")" = 2 ] && break
    sleep 0.1
done
check_sql "both devices bootstrapped with connection-request credentials" 2 \
    "SELECT count(*) FROM devices WHERE cr_credentials_set"
check_sql "the first is a TR-181 device" "Device." "SELECT root_object FROM devices WHERE device_id = '${IDS[0]}'"
check_sql "the second a TR-098 one" "InternetGatewayDevice." \
    "SELECT root_object FROM devices WHERE device_id = '${IDS[1]}'"

BASE=https://localhost:$ACSD_NBI_PORT
NBI_BODIES=()
api() { # api NAME METHOD PATH [curl args]: body in $WORK/NAME.body; prints the status
    local name=$1 method=$2 path=$3; shift 3
    NBI_BODIES+=("$WORK/$name.body")
    curl -sS --max-time 10 --cacert "$WORK/chain.pem" -X "$method" -H "Authorization: Bearer $OP" \
        -o "$WORK/$name.body" -w '%{http_code}' "$@" "$BASE$path" 2>"$WORK/$name.curl"
}
# run NAME DEV KIND ARGS: a task with a connection request, done within 5 s (prints nothing)
run() {
    local name=$1 st
    st=$(api "$name" POST "/api/v1/devices/$2/tasks" -d "{\"kind\":\"$3\",\"args\":$4,\"connectionRequest\":true}")
    [ "$st" = 201 ] || { echo "# $name: HTTP $st $(head -c 300 "$WORK/$name.body")"; return 1; }
    TASK=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["id"])' "$WORK/$name.body")
    for _ in $(seq 100); do
        case $(sql "SELECT state FROM tasks WHERE id = $TASK") in done | fault | expired) break ;; esac
        sleep 0.05
    done
    local got
    got=$(sql "SELECT state FROM tasks WHERE id = $TASK")
    [ "$got" = done ] || { echo "# $name: $got $(sql "SELECT fault_code, fault_string FROM tasks WHERE id = $TASK")"; return 1; }
}
# cached DEV NAME: the value acsd's parameter cache holds
cached() {
    sql "SELECT p.value FROM device_params p JOIN devices d ON d.id = p.device_pk
          WHERE d.device_id = '$1' AND p.name = '$2'"
}
pv() { printf '{"name":"%s","value":"%s","type":"%s"}' "$1" "$2" "${3:-xsd:string}"; }

# ---- TR-181 / TR-104 v2 ---------------------------------------------------------------------------
N=Device.Services.VoiceService.1.SIP.Network.1.
C=Device.Services.VoiceService.1.SIP.Client.1.
V2="[$(pv ${N}ProxyServer sip.example.net),$(pv ${N}ProxyServerPort 5061 xsd:unsignedInt),$(pv ${N}ProxyServerTransport TLS),
$(pv ${N}RegistrarServer sip.example.net),$(pv ${N}RegistrarServerPort 5061 xsd:unsignedInt),$(pv ${N}RegistrarServerTransport TLS),
$(pv ${N}OutboundProxy edge.example.net),$(pv ${N}OutboundProxyPort 5061 xsd:unsignedInt),$(pv ${N}RegisterExpires 600 xsd:unsignedInt),
$(pv ${N}Realm example.net),$(pv ${C}AuthUserName u4930123456),$(pv ${C}AuthPassword "$PW"),
$(pv ${C}RegisterURI sip:+4930123456@example.net),$(pv ${C}MaxSessions 2 xsd:unsignedInt),$(pv ${C}Enable true xsd:boolean),
$(pv Device.Services.VoiceService.1.VoIPProfile.1.RTP.SRTP.Enable true xsd:boolean)]"
check "v2: setParameterValues of the full SIP configuration" run spv2 "${IDS[0]}" setParameterValues \
    "{\"values\":$V2,\"parameterKey\":\"voice-v2\"}"
check "v2: getParameterValues of Status, AuthPassword, AuthUserName" run gpv2 "${IDS[0]}" getParameterValues \
    "{\"names\":[\"${C}Status\",\"${C}AuthPassword\",\"${C}AuthUserName\",\"Device.Services.VoiceService.1.SIP.Client.2.Status\"]}"
check_output "v2: Status = Up" '^Up$' cached "${IDS[0]}" "${C}Status"
check_output "v2: AuthPassword reads back empty" '^$' cached "${IDS[0]}" "${C}AuthPassword"
check_sql "v2: ... and is in the cache (read, not missing)" 1 \
    "SELECT count(*) FROM device_params p JOIN devices d ON d.id = p.device_pk
      WHERE d.device_id = '${IDS[0]}' AND p.name = '${C}AuthPassword'"
check_output "v2: AuthUserName read back" '^u4930123456$' cached "${IDS[0]}" "${C}AuthUserName"
check_output "v2: the second client is Disabled" '^Disabled$' cached "${IDS[0]}" \
    "Device.Services.VoiceService.1.SIP.Client.2.Status"
check "v2: a UDP registrar" run spv2udp "${IDS[0]}" setParameterValues \
    "{\"values\":[$(pv ${N}RegistrarServerTransport UDP)],\"parameterKey\":\"voice-v2-udp\"}"
check "v2: read Status again" run gpv2b "${IDS[0]}" getParameterValues "{\"names\":[\"${C}Status\"]}"
check_output "v2: Status = Error_Misconfigured" '^Error_Misconfigured$' cached "${IDS[0]}" "${C}Status"

# ---- TR-098 / TR-104 v1 ---------------------------------------------------------------------------
P=InternetGatewayDevice.Services.VoiceService.1.VoiceProfile.1.
L=${P}Line.1.
V1="[$(pv ${P}SIP.ProxyServer sip.example.net),$(pv ${P}SIP.ProxyServerPort 5061 xsd:unsignedInt),$(pv ${P}SIP.ProxyServerTransport TLS),
$(pv ${P}SIP.RegistrarServer sip.example.net),$(pv ${P}SIP.RegistrarServerPort 5061 xsd:unsignedInt),$(pv ${P}SIP.RegistrarServerTransport TLS),
$(pv ${P}SIP.OutboundProxy edge.example.net),$(pv ${P}SIP.OutboundProxyPort 5061 xsd:unsignedInt),$(pv ${P}SIP.RegisterExpires 600 xsd:unsignedInt),
$(pv ${P}MaxSessions 2 xsd:unsignedInt),$(pv ${P}RTP.SRTP.Enable true xsd:boolean),$(pv ${P}Enable Enabled),
$(pv ${L}Enable Enabled),$(pv ${L}DirectoryNumber +4930123456),$(pv ${L}SIP.AuthUserName u4930123456),
$(pv ${L}SIP.AuthPassword "$PW"),$(pv ${L}SIP.URI sip:+4930123456@example.net)]"
check "v1: setParameterValues of the full SIP configuration" run spv1 "${IDS[1]}" setParameterValues \
    "{\"values\":$V1,\"parameterKey\":\"voice-v1\"}"
check "v1: getParameterValues of Status and AuthPassword" run gpv1 "${IDS[1]}" getParameterValues \
    "{\"names\":[\"${L}Status\",\"${L}SIP.AuthPassword\",\"${P}Line.2.Status\"]}"
check_output "v1: Line.1.Status = Up" '^Up$' cached "${IDS[1]}" "${L}Status"
check_output "v1: AuthPassword reads back empty" '^$' cached "${IDS[1]}" "${L}SIP.AuthPassword"
check_output "v1: Line.2 is Disabled" '^Disabled$' cached "${IDS[1]}" "${P}Line.2.Status"
check "v1: a UDP registrar" run spv1udp "${IDS[1]}" setParameterValues \
    "{\"values\":[$(pv ${P}SIP.RegistrarServerTransport UDP)],\"parameterKey\":\"voice-v1-udp\"}"
check "v1: read Status again" run gpv1b "${IDS[1]}" getParameterValues "{\"names\":[\"${L}Status\"]}"
check_output "v1: Line.1.Status = Error" '^Error$' cached "${IDS[1]}" "${L}Status"
check_sql "v1: no device_params row of the TR-098 device under Device." 0 \
    "SELECT count(*) FROM device_params p JOIN devices d ON d.id = p.device_pk
      WHERE d.device_id = '${IDS[1]}' AND p.name LIKE 'Device.%'"

# ---- the password is not read back anywhere -------------------------------------------------------
check_output "the password is in no NBI answer" '^0$' sh -c "cat ${NBI_BODIES[*]} | grep -c -F -- '$PW' || true"
check_sql "nor in the parameter cache" 0 "SELECT count(*) FROM device_params WHERE value LIKE '%$PW%'"
t_done

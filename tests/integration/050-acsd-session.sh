#!/bin/bash
# tests/integration/050-acsd-session.sh — acsd end to end with real CWMP sessions over mutual
# TLS: BOOTSTRAP Inform (device, parameters, events, session row, cookie), InformResponse valid
# per the shared validator, tasks queued with psql sent after the empty POST one at a time
# (GetParameterValues → cache, SetParameterValues answered with 9008 + SetParameterValuesFault →
# task fault + faults row), CPE requests (GetRPCMethods, TransferComplete), empty POST with and
# without Content-Length, 204 at the end, CWMP 1.0 namespace, EST mounted on the same port,
# clean shutdown on SIGTERM.
. "$(dirname "$0")/lib.sh"
t_init acsd_session
. "$(dirname "$0")/acsd_lib.sh"

# ---- configuration --------------------------------------------------------------------------
check_output "acsd --config-doc is docs/config.md" '^same$' bash -c \
    "'$BUILD/bin/acsd' --config-doc | cmp -s - '$TOP/docs/config.md' && echo same"
check_output "acs-ca documents the same schema list" '^same$' bash -c \
    "'$BUILD/bin/acs-ca' config-doc | cmp -s - <('$BUILD/bin/acsd' --config-doc) && echo same"
check_output "acsd --config-sample is etc/acs.ini.sample" '^same$' bash -c \
    "'$BUILD/bin/acsd' --config-sample | cmp -s - '$TOP/etc/acs.ini.sample' && echo same"
check_output "acsd --check-config accepts the sample" 'configuration ok' \
    env -u ACS_CONFIG "$BUILD/bin/acsd" -c "$TOP/etc/acs.ini.sample" --check-config
printf '[acs]\nmax_sessions = 0\n' >"$WORK/bad.ini"
check_exit "an out-of-range [acs] value exits 3" 3 "$BUILD/bin/acsd" -c "$WORK/bad.ini" --check-config
printf '[acs]\nevent_loop = select\n' >"$WORK/bad2.ini"
check_fail_output "an unknown event_loop is refused" 'event_loop must be epoll or poll' \
    "$BUILD/bin/acsd" -c "$WORK/bad2.ini" --check-config

acsd_ca
DEV=00D09E-ATA2FXS-T0001
check "device certificate for $DEV" mkdev dev "$DEV" || t_done
acsd_start "shutdown_grace = 1"
check_output "the ports file names the CWMP port acsd announces" "^acsd: listening on 127\.0\.0\.1:$ACSD_PORT\$" \
    cat "$WORK/acsd.log"
check_output "and the NBI port" "^acsd: nbi listening on 127\.0\.0\.1:$ACSD_NBI_PORT\$" cat "$WORK/acsd.log"
check_output "and the pid of this acsd" "^pid=$ACSD_PID\$" cat "$WORK/acsd.ports"

inform inform-bootstrap-boot-1-2.xml "$WORK/boot.xml" 00D09E ATA2FXS T0001

# ---- BOOTSTRAP session, no tasks ------------------------------------------------------------
cwmp boot dev "@$WORK/boot.xml" -
check_statuses "BOOTSTRAP Inform, then empty POST ends with 204" "200 204" boot
check_output "InformResponse is text/xml" '^Content-Type: text/xml' cat "$WORK/boot/1.hdr"
check_output "session cookie is HttpOnly and Secure" '^Set-Cookie: acs_session=[0-9a-f]{32}; Path=/; Secure; HttpOnly' \
    cat "$WORK/boot/1.hdr"
check_output "InformResponse passes the shared validator" '^VALID' python3 "$VALIDATOR" "$WORK/boot/1.body"
check_output "InformResponse has MaxEnvelopes 1" '<MaxEnvelopes>1</MaxEnvelopes>' cat "$WORK/boot/1.body"
check_output "InformResponse echoes the Inform's cwmp:ID" '<cwmp:ID[^>]*>1001</cwmp:ID>' cat "$WORK/boot/1.body"
check_output "InformResponse answers in the CPE's namespace" 'urn:dslforum-org:cwmp-1-2' cat "$WORK/boot/1.body"
check_sql "device row with its identity" "00D09E|ATA2FXS|T0001|ExampleVoIP|1.2.3|HW-1.0|Device." \
    "SELECT oui, product_class, serial_number, manufacturer, software_version, hardware_version, root_object
       FROM devices WHERE device_id = '$DEV'"
check_sql "connection request URL stored" "http://192.0.2.10:7547/cr/EX0123456789" \
    "SELECT connection_request_url FROM devices WHERE device_id = '$DEV'"
check_sql "six parameters cached" 6 \
    "SELECT count(*) FROM device_params p JOIN devices d ON d.id = p.device_pk WHERE d.device_id = '$DEV'"
check_sql "events recorded on the device" '{"0 BOOTSTRAP","1 BOOT"}' \
    "SELECT last_events FROM devices WHERE device_id = '$DEV'"
check_sql "session row: cert auth, serial, events, ok, lease released" \
    'cert|t|{"0 BOOTSTRAP","1 BOOT"}|ok|1.2|t' \
    "SELECT s.auth, s.cert_serial IS NOT NULL, s.events, s.result, s.cwmp_version, d.session_row IS NULL
       FROM sessions s JOIN devices d ON d.id = s.device_pk WHERE d.device_id = '$DEV'"
check_output "log lines carry session_id" 'event=session_start session_id=[0-9a-f]{32} device=00D09E-ATA2FXS-T0001' \
    cat "$WORK/acsd.log"
check_output "session end is logged with its result" 'event=session_end session_id=[0-9a-f]{32} .*result=ok' \
    cat "$WORK/acsd.log"

# ---- tasks: queued with psql, sent one at a time after the empty POST ------------------------
PK=$(sql "SELECT id FROM devices WHERE device_id = '$DEV'")
sql "INSERT INTO tasks (device_pk, kind, args) VALUES
     ($PK, 'getParameterValues', '{\"names\": [\"Device.ManagementServer.PeriodicInformInterval\", \"Device.Services.\"]}'),
     ($PK, 'setParameterValues', '{\"values\": [{\"name\": \"Device.Services.VoiceService.1.SIP.Client.1.Status\",
        \"value\": \"Up\", \"type\": \"xsd:string\"}], \"parameterKey\": \"pk-1\"}')" >/dev/null
inform inform-periodic-1-2.xml "$WORK/periodic.xml" 00D09E ATA2FXS T0001
# SetParameterValues on a read-only parameter: 9008 with its SetParameterValuesFault
sed '0,/<FaultString>Attempt to set a non-writable parameter<\/FaultString>/s##&<SetParameterValuesFault><ParameterName>Device.Services.VoiceService.1.SIP.Client.1.Status</ParameterName><FaultCode>9008</FaultCode><FaultString>Attempt to set a non-writable parameter</FaultString></SetParameterValuesFault>#' \
    "$SAMPLES/valid/fault-9008-1-2.xml" >"$WORK/fault9008.xml"
check_output "the 9008 fault envelope is valid" '^VALID' python3 "$VALIDATOR" "$WORK/fault9008.xml"
cwmp tasks dev "@$WORK/periodic.xml" "@$SAMPLES/valid/getrpcmethods-1-2.xml" = \
    "@$SAMPLES/valid/getparametervaluesresponse-1-2.xml" "@$WORK/fault9008.xml"
check_statuses "Inform, GetRPCMethods, empty POST (Content-Length: 0), GPV answer, SPV fault" \
    "200 200 200 200 204" tasks
check_output "GetRPCMethodsResponse lists the ACS methods" '<string>TransferComplete</string>' cat "$WORK/tasks/2.body"
check_output "the task after the empty POST is GetParameterValues" '<cwmp:GetParameterValues>' cat "$WORK/tasks/3.body"
check_output "then SetParameterValues with its ParameterKey" '<ParameterKey>pk-1</ParameterKey>' cat "$WORK/tasks/4.body"
for i in 1 2 3 4; do
    check_output "message $i acsd sent passes the shared validator" '^VALID' python3 "$VALIDATOR" "$WORK/tasks/$i.body"
done
check_sql "GetParameterValues task done, result stored" 'done|3600' \
    "SELECT state, result->'values'->0->>'value' FROM tasks WHERE device_pk = $PK AND kind = 'getParameterValues'"
check_sql "GetParameterValuesResponse updated the parameter cache" '3600|Up' \
    "SELECT string_agg(value, '|' ORDER BY name) FROM device_params WHERE device_pk = $PK AND name IN
       ('Device.Services.VoiceService.1.SIP.Client.1.Status', 'Device.ManagementServer.PeriodicInformInterval')"
check_sql "SetParameterValues on a read-only parameter: task fault 9008" 'fault|9008|1' \
    "SELECT state, fault_code, attempts FROM tasks WHERE device_pk = $PK AND kind = 'setParameterValues'"
check_sql "faults row with the SetParameterValuesFault details" \
    '9008|Device.Services.VoiceService.1.SIP.Client.1.Status|9008|1' \
    "SELECT f.code, f.detail->0->>'name', f.detail->0->>'code', jsonb_array_length(f.detail)
       FROM faults f JOIN tasks t ON t.id = f.task_id WHERE t.kind = 'setParameterValues'"
check_sql "session row counts the RPCs (Inform, GetRPCMethods, GPV, SPV)" 'ok|4' \
    "SELECT result, rpcs FROM sessions WHERE device_pk = $PK ORDER BY id DESC LIMIT 1"

# ---- an answer must carry the cwmp:ID of the request it answers -------------------------------------
sql "INSERT INTO tasks (device_pk, kind, args) VALUES
     ($PK, 'getParameterValues', '{\"names\": [\"Device.ManagementServer.PeriodicInformInterval\"]}')" >/dev/null
sed 's#<Value xsi:type="xsd:unsignedInt">3600</Value>#<Value xsi:type="xsd:unsignedInt">7</Value>#' \
    "$SAMPLES/valid/getparametervaluesresponse-1-2.xml" >"$WORK/gpv-other.xml"
cwmp wrongid dev "@$WORK/periodic.xml" - "@=$WORK/gpv-other.xml" -
check_statuses "a GetParameterValuesResponse with another cwmp:ID: a CWMP fault, then the session ends" \
    "200 200 200 204" wrongid
check_output "... fault 8003 (invalid arguments)" '<FaultCode>8003</FaultCode>' cat "$WORK/wrongid/3.body"
check_sql "... which completes nothing: the task is still sent, the cache unchanged" 'sent|3600' \
    "SELECT t.state, p.value FROM tasks t JOIN device_params p ON p.device_pk = t.device_pk
       AND p.name = 'Device.ManagementServer.PeriodicInformInterval' WHERE t.id = (SELECT max(id) FROM tasks)"
check_output "... and is logged with both IDs" 'event=refused reason=cwmp_id_mismatch .*got=acs-0001 want=task-' \
    cat "$WORK/acsd.log"
cwmp rightid dev "@$WORK/periodic.xml" - "@$WORK/gpv-other.xml"
check_statuses "the next session: the same task again, answered with its cwmp:ID" "200 200 204" rightid
check_sql "... completes it" 'done|7' \
    "SELECT t.state, p.value FROM tasks t JOIN device_params p ON p.device_pk = t.device_pk
       AND p.name = 'Device.ManagementServer.PeriodicInformInterval' WHERE t.id = (SELECT max(id) FROM tasks)"

# ---- Download, then TransferComplete in a later session ---------------------------------------
sql "INSERT INTO tasks (device_pk, kind, args, command_key) VALUES ($PK, 'download',
     '{\"fileType\": \"1 Firmware Upgrade Image\", \"url\": \"https://files.example.net/fw.bin\",
       \"username\": \"fw\", \"password\": \"s3cr3t-pw-xyz\", \"commandKey\": \"fw-2024-05\"}', 'fw-2024-05')" >/dev/null
cwmp download dev "@$WORK/periodic.xml" - "@$SAMPLES/valid/downloadresponse-1-2.xml"
check_statuses "empty POST without Content-Length gets the Download" "200 200 204" download
check_output "Download carries the URL" '<URL>https://files.example.net/fw.bin</URL>' cat "$WORK/download/2.body"
check_output "Download passes the shared validator" '^VALID' python3 "$VALIDATOR" "$WORK/download/2.body"
check_sql "DownloadResponse status 1 stored, the transfer in progress" 'in_progress|1' \
    "SELECT state, result->>'status' FROM tasks WHERE device_pk = $PK AND kind = 'download'"
# the CPE names the transfer by the CommandKey acsd sent (its own: 067-transfer-complete)
DLKEY=$(sed -n 's#.*<CommandKey>\([^<]*\)</CommandKey>.*#\1#p' "$WORK/download/2.body")
check_output "Download carries acsd's CommandKey, not the operator's" '^acs-[0-9]+-[0-9a-f]+$' echo "$DLKEY"
inform inform-transfer-complete-m-download-1-2.xml "$WORK/tc-inform.xml" 00D09E ATA2FXS T0001
sed "s#<CommandKey>fw-2024-05</CommandKey>#<CommandKey>$DLKEY</CommandKey>#" \
    "$SAMPLES/valid/transfercomplete-success-1-2.xml" >"$WORK/tc.xml"
cwmp tc dev "@$WORK/tc-inform.xml" "@$WORK/tc.xml" -
check_statuses "TransferComplete session" "200 200 204" tc
check_output "TransferCompleteResponse passes the shared validator" '^VALID' python3 "$VALIDATOR" "$WORK/tc/2.body"
check_sql "TransferComplete attached to the download task" 'done|0|2024-05-01T11:59:30Z' \
    "SELECT state, result->'transferComplete'->>'faultCode', result->'transferComplete'->>'completeTime'
       FROM tasks WHERE device_pk = $PK AND kind = 'download'"
check "the download password is not in the log" bash -c "! grep -q s3cr3t-pw-xyz '$WORK/acsd.log'"

# ---- CWMP 1.0 device: answered in the cwmp-1-0 namespace -------------------------------------
DEV10=00D09E-OLDBOX-T0010
check "device certificate for $DEV10" mkdev old "$DEV10" || t_done
inform inform-bootstrap-boot-1-0.xml "$WORK/boot10.xml" 00D09E OLDBOX T0010
cwmp v10 old "@$WORK/boot10.xml" -
check_statuses "CWMP 1.0 session" "200 204" v10
check_output "InformResponse in the cwmp-1-0 namespace" 'xmlns:cwmp="urn:dslforum-org:cwmp-1-0"' cat "$WORK/v10/1.body"
check_output "CWMP 1.0 InformResponse passes the shared validator" '^VALID' python3 "$VALIDATOR" "$WORK/v10/1.body"
check_sql "device stored with CWMP 1.0" '1.0' "SELECT cwmp_version FROM devices WHERE device_id = '$DEV10'"

# ---- a ProductClass with '-' is percent-encoded in the identity (RFC 9039) --------------------
DEVPC=00D09E-ATA%2D2FXS-T0020
check "device certificate for $DEVPC" mkdev pc "$DEVPC" || t_done
inform inform-bootstrap-boot-1-2.xml "$WORK/bootpc.xml" 00D09E ATA-2FXS T0020
cwmp pc pc "@$WORK/bootpc.xml" -
check_statuses "ProductClass ATA-2FXS matches the certificate identity $DEVPC" "200 204" pc

# ---- a lowercase OUI (real CPEs send "00a859"): bound and stored as the uppercase identity ------
DEVLC=00A859-Prod-SN
check "device certificate for $DEVLC" mkdev lc "$DEVLC" || t_done
inform inform-bootstrap-boot-1-2.xml "$WORK/bootlc.xml" 00a859 Prod SN
cwmp lc lc "@$WORK/bootlc.xml" -
check_statuses "Inform with OUI 00a859 from the device enrolled as $DEVLC completes" "200 204" lc
check_sql "stored under the uppercase identity, OUI uppercased" "00A859-Prod-SN|00A859|Prod|SN|ok" \
    "SELECT d.device_id, d.oui, d.product_class, d.serial_number, s.result
       FROM devices d JOIN sessions s ON s.device_pk = d.id WHERE lower(d.device_id) = lower('$DEVLC')"
check_output "the session is logged under the uppercase identity" 'event=session_start session_id=[0-9a-f]{32} device=00A859-Prod-SN ' \
    cat "$WORK/acsd.log"
check_sql "counted as a leniency on the session and the device" "{oui_lowercase}|1|{oui_lowercase}" \
    "SELECT s.lenient, d.lenient_messages, d.lenient_kinds FROM devices d JOIN sessions s ON s.device_pk = d.id
      WHERE d.device_id = '$DEVLC'"
check_output "one lenient line for the session" 'event=lenient session_id=[0-9a-f]{32} device=00A859-Prod-SN kinds=oui_lowercase messages=1' \
    cat "$WORK/acsd.log"
# enrolled with the lowercase spelling (acs-ca issues the uppercase identity)
check "device certificate requested as 00a859-Prod-SN2" mkdev lc2 00a859-Prod-SN2 || t_done
check_output "it names the uppercase identity" 'CN ?= ?00A859-Prod-SN2$' openssl x509 -in "$WORK/lc2.crt" -noout -subject
inform inform-bootstrap-boot-1-2.xml "$WORK/bootlc2.xml" 00a859 Prod SN2
cwmp lc2 lc2 "@$WORK/bootlc2.xml" -
check_statuses "its Inform with OUI 00a859 completes" "200 204" lc2
inform inform-bootstrap-boot-1-2.xml "$WORK/bootlc3.xml" 00a859 prod SN
cwmp lc3 lc "@$WORK/bootlc3.xml"
check_statuses "the ProductClass stays case-sensitive: prod is not Prod" "403" lc3
check_sql "one device row per identity" "00A859-Prod-SN,00A859-Prod-SN2" \
    "SELECT string_agg(device_id, ',' ORDER BY device_id) FROM devices WHERE oui ILIKE '00a859'"

# ---- EST on the same port ---------------------------------------------------------------------
check_output "EST cacerts on the CWMP port" '^200$' curl -sS --cacert "$WORK/chain.pem" -o /dev/null \
    -w '%{http_code}' "https://localhost:$ACSD_PORT/.well-known/est/cacerts"

# ---- a ports file that cannot be written: acsd says so and exits 1 -----------------------------
check_fail_output "an unwritable --ports-file: acsd fails naming it" \
    'acsd: error: cannot write .*no-such-dir/acsd\.ports' timeout 20 "$BUILD/bin/acsd" -c "$WORK/acsd.ini" \
    --ports-file "$WORK/no-such-dir/acsd.ports"
check "with exit code 1" test "$T_RC" = 1

# ---- shutdown: an open session is closed after the grace period, exit 0 ----------------------
cwmp open dev "@$WORK/periodic.xml"
check_statuses "a session left open" "200" open
kill -TERM "$ACSD_PID"
rc=0
wait "$ACSD_PID" || rc=$?
check "acsd exits 0 on SIGTERM" test "$rc" = 0
check_fail "its ports file is removed at exit" test -e "$WORK/acsd.ports"
check_output "shutdown is logged" 'event=stopped sessions_aborted=1' cat "$WORK/acsd.log"
check_sql "the open session is closed as aborted:shutdown" 'aborted:shutdown|t' \
    "SELECT result, ended_at IS NOT NULL FROM sessions WHERE device_pk = $PK ORDER BY id DESC LIMIT 1"
check_sql "and the device lease is released" 't' "SELECT session_row IS NULL FROM devices WHERE id = $PK"

t_done

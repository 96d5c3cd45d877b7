#!/bin/bash
# tests/integration/067-transfer-complete.sh — TransferComplete over real CWMP sessions (acsd as
# acs_cwmp, mutual TLS, tasks created through the NBI): every Download/Upload carries acsd's own
# CommandKey (per task, not the operator's, which the task keeps); Status 1 leaves the task
# in_progress until its TransferComplete, Status 0 finishes it at once; a TransferComplete
# finishes its task once (a repeat is acknowledged and changes nothing), one naming another
# device's task completes nothing; when it cannot be stored acsd answers fault 8002 and the
# CPE's resend is stored.
. "$(dirname "$0")/lib.sh"
t_init transfer_complete
. "$(dirname "$0")/acsd_lib.sh"
command -v curl >/dev/null || t_skip "curl not installed"
ACSCTL=$BUILD/bin/acsctl
[ -x "$ACSCTL" ] || t_skip "acsctl not built"

acsd_ca
DEV=00D09E-ATA2FXS-TC0001
OTH=00D09E-ATA2FXS-TC0002
check "device certificate for $DEV" mkdev dev "$DEV" || t_done
check "device certificate for $OTH" mkdev oth "$OTH" || t_done
acsd_start
BASE=https://localhost:$ACSD_NBI_PORT
check "acsctl token create operator" sh -c "'$ACSCTL' token create --name op --role operator >'$WORK/op.token'" ||
    t_done
OP=$(cat "$WORK/op.token")

inform inform-bootstrap-boot-1-2.xml "$WORK/boot.xml" 00D09E ATA2FXS TC0001
inform inform-bootstrap-boot-1-2.xml "$WORK/boot-oth.xml" 00D09E ATA2FXS TC0002
inform inform-periodic-1-2.xml "$WORK/periodic.xml" 00D09E ATA2FXS TC0001
inform inform-transfer-complete-m-download-1-2.xml "$WORK/tc-inform.xml" 00D09E ATA2FXS TC0001
inform inform-transfer-complete-m-download-1-2.xml "$WORK/tc-inform-oth.xml" 00D09E ATA2FXS TC0002
cwmp boot dev "@$WORK/boot.xml" -
check_statuses "$DEV: BOOTSTRAP session" "200 204" boot
cwmp boot-oth oth "@$WORK/boot-oth.xml" -
check_statuses "$OTH: BOOTSTRAP session" "200 204" boot-oth
PK=$(sql "SELECT id FROM devices WHERE device_id = '$DEV'")

# task NAME KIND ARGS: created through the NBI as the operator; prints its id
task() {
    [ "$(nbi_call "$1" POST "/api/v1/devices/$DEV/tasks" "$OP" -d "{\"kind\":\"$2\",\"args\":$3}")" = 201 ] &&
        python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["id"])' "$WORK/$1.body"
}
# key FILE: the CommandKey of an envelope
key() {
    sed -n 's#.*<CommandKey>\([^<]*\)</CommandKey>.*#\1#p' "$1"
}
# tc OUT SAMPLE KEY: a TransferComplete sample with another CommandKey
tc() {
    sed "s#<CommandKey>[^<]*</CommandKey>#<CommandKey>$3</CommandKey>#" "$SAMPLES/valid/$2" >"$1"
}
row() { # the task's row, every column
    sql "SELECT t::text FROM tasks t WHERE id = $1"
}
faults() { # every faults row of the two devices
    sql "SELECT string_agg(f::text, ' ' ORDER BY id) FROM faults f"
}

# ---- (1) Download answered with Status 1: in_progress until its TransferComplete ---------------
FW='{"fileType":"1 Firmware Upgrade Image","url":"https://files.example.net/fw.bin","commandKey":"fw-op-1"}'
T1=$(task t1 download "$FW")
check_output "operator creates a download task through the NBI" '^[0-9]+$' echo "$T1"
T2=$(task t2 download "$FW")
check_output "and a second one with the same operator CommandKey" '^[0-9]+$' echo "$T2"
T1=${T1:-0} T2=${T2:-0}
cwmp dl dev "@$WORK/periodic.xml" - "@$SAMPLES/valid/downloadresponse-1-2.xml" \
    "@$SAMPLES/valid/downloadresponse-1-2.xml"
check_statuses "Inform, empty POST, two DownloadResponses with Status 1" "200 200 200 204" dl
check_output "the first Download passes the shared validator" '^VALID' python3 "$VALIDATOR" "$WORK/dl/2.body"
check_output "the second Download passes the shared validator" '^VALID' python3 "$VALIDATOR" "$WORK/dl/3.body"
K1=$(key "$WORK/dl/2.body") K2=$(key "$WORK/dl/3.body")
# ---- (5) the CommandKey acsd sends: its own, per task ---------------------------------------------
check_output "the first Download's CommandKey is acsd's: acs-<task id>-<hex>, at most 32 characters" \
    "^acs-$T1-[0-9a-f]{8,}\$" echo "$K1"
check "... at most 32 characters (${#K1})" test "${#K1}" -ge 1 -a "${#K1}" -le 32
check_output "the second Download's CommandKey is acsd's too" "^acs-$T2-[0-9a-f]{8,}\$" echo "$K2"
check "the two tasks' CommandKeys differ" test -n "$K1" -a "$K1" != "$K2"
check_fail "the operator's CommandKey is not sent" grep -q 'fw-op-1' "$WORK/dl/2.body" "$WORK/dl/3.body"
check_sql "the task rows hold acsd's keys and the operator's" "$K1|fw-op-1 $K2|fw-op-1" \
    "SELECT string_agg(command_key || '|' || operator_command_key, ' ' ORDER BY id) FROM tasks
      WHERE id IN ($T1, $T2)"
check_sql "Status 1: both tasks in_progress, not finished, the status in the result" \
    "in_progress|1|1 in_progress|1|1" \
    "SELECT string_agg(state || '|' || (finished_at IS NULL)::int || '|' || (result->>'status'), ' ' ORDER BY id)
       FROM tasks WHERE id IN ($T1, $T2)"
check_output "the NBI shows acsd's key and the operator's" '^200$' nbi_call v1 GET "/api/v1/tasks/$T1" "$OP"
nbi_json_ok "... commandKey $K1, operatorCommandKey fw-op-1, state in_progress" v1 \
    "j['commandKey'] == '$K1' and j['operatorCommandKey'] == 'fw-op-1' and j['state'] == 'in_progress'"
check_output "the NBI lists in_progress tasks" '^200$' \
    nbi_call l1 GET "/api/v1/devices/$DEV/tasks?state=in_progress" "$OP"
nbi_json_ok "... both, with both keys" l1 \
    "sorted((t['commandKey'], t['operatorCommandKey']) for t in j['tasks']) == sorted([('$K1', 'fw-op-1'), ('$K2', 'fw-op-1')])"

cwmp again dev "@$WORK/periodic.xml" -
check_statuses "an in_progress transfer is not sent again" "200 204" again

tc "$WORK/tc1.xml" transfercomplete-success-1-2.xml "$K1"
cwmp tc1 dev "@$WORK/tc-inform.xml" "@$WORK/tc1.xml" -
check_statuses "TransferComplete with acsd's CommandKey" "200 200 204" tc1
check_output "... answered with TransferCompleteResponse" '<cwmp:TransferCompleteResponse' cat "$WORK/tc1/2.body"
check_output "... which passes the shared validator" '^VALID' python3 "$VALIDATOR" "$WORK/tc1/2.body"
check_sql "the task is done, finished, the TransferComplete in its result, the operator's key kept" \
    "done|t|0|2024-05-01T11:59:30Z|$K1|fw-op-1|fw-op-1" \
    "SELECT state, finished_at IS NOT NULL, result->'transferComplete'->>'faultCode',
            result->'transferComplete'->>'completeTime', command_key, operator_command_key, args->>'commandKey'
       FROM tasks WHERE id = $T1"
check_sql "the other task is still in_progress" 'in_progress' "SELECT state FROM tasks WHERE id = $T2"
check_output "the NBI shows it done, with the operator's key" '^200$' nbi_call v2 GET "/api/v1/tasks/$T1" "$OP"
nbi_json_ok "... state done, operatorCommandKey fw-op-1" v2 \
    "j['state'] == 'done' and j['operatorCommandKey'] == 'fw-op-1' and j['result']['transferComplete']['faultCode'] == 0"

# ---- (2) the same TransferComplete again, in a new session: acknowledged, nothing changes ---------
ROW1=$(row "$T1") F1=$(faults)
cwmp tc1b dev "@$WORK/tc-inform.xml" "@$WORK/tc1.xml" -
check_statuses "the same TransferComplete in a new session" "200 200 204" tc1b
check_output "... answered with TransferCompleteResponse" '<cwmp:TransferCompleteResponse' cat "$WORK/tc1b/2.body"
check "... the task row is unchanged, column for column" test "$(row "$T1")" = "$ROW1"
check "... the faults are unchanged" test "$(faults)" = "$F1"
check "... logged as a duplicate" acsd_log_has "event=transfer_complete_duplicate session_id=[0-9a-f]{32} task_id=$T1\$"

# ---- (3) a TransferComplete that cannot be stored: fault 8002, stored when the CPE resends it -----
sql "CREATE FUNCTION test_refuse_update() RETURNS trigger LANGUAGE plpgsql AS \$\$
     BEGIN RAISE EXCEPTION 'test: the store of task % fails', OLD.id; END \$\$;
     CREATE TRIGGER test_refuse_update BEFORE UPDATE ON tasks FOR EACH ROW WHEN (OLD.id = $T2)
     EXECUTE FUNCTION test_refuse_update()" >/dev/null
check_sql "a trigger makes every update of task $T2 fail" 1 \
    "SELECT count(*) FROM pg_trigger WHERE tgname = 'test_refuse_update'"
ROW2=$(row "$T2") F2=$(faults)
tc "$WORK/tc2.xml" transfercomplete-failure-9010-1-2.xml "$K2"
check_output "the failed-transfer TransferComplete is valid" '^VALID' python3 "$VALIDATOR" "$WORK/tc2.xml"
cwmp tc2 dev "@$WORK/tc-inform.xml" "@$WORK/tc2.xml" -
check_statuses "TransferComplete while the store fails: the session goes on" "200 200 204" tc2
check_output "... answered with a SOAP Fault" '<soap-env:Fault>|<SOAP-ENV:Fault>' cat "$WORK/tc2/2.body"
check_output "... whose CWMP fault is 8002 (internal error)" '<FaultCode>8002</FaultCode>' cat "$WORK/tc2/2.body"
check_fail "... and no TransferCompleteResponse" grep -q 'TransferCompleteResponse' "$WORK/tc2/2.body"
check_output "... the fault passes the shared validator" '^VALID' python3 "$VALIDATOR" "$WORK/tc2/2.body"
check_output "... it answers the TransferComplete's cwmp:ID" '<cwmp:ID[^>]*>cpe-44</cwmp:ID>' cat "$WORK/tc2/2.body"
check "... the task row is unchanged" test "$(row "$T2")" = "$ROW2"
check "... no faults row" test "$(faults)" = "$F2"
check "... the database error is logged" acsd_log_has "event=db_error session_id=[0-9a-f]{32} what=transfer_complete msg=.*the store of task $T2 fails"
sql "DROP TRIGGER test_refuse_update ON tasks; DROP FUNCTION test_refuse_update()" >/dev/null
cwmp tc2b dev "@$WORK/tc-inform.xml" "@$WORK/tc2.xml" -
check_statuses "the CPE sends it again once the store works" "200 200 204" tc2b
check_output "... answered with TransferCompleteResponse" '<cwmp:TransferCompleteResponse' cat "$WORK/tc2b/2.body"
check_sql "... stored: the task is a fault 9010, finished" "fault|9010|t|9010" \
    "SELECT state, fault_code, finished_at IS NOT NULL, result->'transferComplete'->>'faultCode' FROM tasks
      WHERE id = $T2"
check_sql "... with one faults row" "1|9010" "SELECT count(*), max(code) FROM faults WHERE task_id = $T2"
ROW2=$(row "$T2") F2=$(faults)
cwmp tc2c dev "@$WORK/tc-inform.xml" "@$WORK/tc2.xml" -
check_statuses "the failed transfer's TransferComplete once more" "200 200 204" tc2c
check_output "... acknowledged" '<cwmp:TransferCompleteResponse' cat "$WORK/tc2c/2.body"
check "... no second fault row, the task row unchanged" test "$(faults)" = "$F2" -a "$(row "$T2")" = "$ROW2"

# ---- (4) a TransferComplete naming another device's task completes nothing -------------------------
T3=$(task t3 download '{"fileType":"1 Firmware Upgrade Image","url":"https://files.example.net/fw2.bin"}')
T3=${T3:-0}
cwmp dl3 dev "@$WORK/periodic.xml" - "@$SAMPLES/valid/downloadresponse-1-2.xml"
check_statuses "a third download, answered with Status 1" "200 200 204" dl3
K3=$(key "$WORK/dl3/2.body")
check_output "... its own key (the operator gave none)" "^acs-$T3-[0-9a-f]{8,}\$" echo "$K3"
check_sql "... the operator's key is empty" "in_progress||$K3" \
    "SELECT state, operator_command_key, command_key FROM tasks WHERE id = $T3"
ROW3=$(row "$T3")
tc "$WORK/tc3.xml" transfercomplete-failure-9010-1-2.xml "$K3"
cwmp tc3-oth oth "@$WORK/tc-inform-oth.xml" "@$WORK/tc3.xml" -
check_statuses "$OTH sends a TransferComplete with $DEV's key" "200 200 204" tc3-oth
check_output "... acknowledged" '<cwmp:TransferCompleteResponse' cat "$WORK/tc3-oth/2.body"
check "... $DEV's task is unchanged" test "$(row "$T3")" = "$ROW3"
check_sql "... recorded as an unmatched failed transfer of $OTH" "1|9010|t" \
    "SELECT count(*), max(f.code), bool_and(f.task_id IS NULL) FROM faults f JOIN devices d ON d.id = f.device_pk
      WHERE d.device_id = '$OTH'"
check "... logged as unknown" acsd_log_has "event=transfer_complete_unknown session_id=[0-9a-f]{32} fault_code=9010\$"
tc "$WORK/tc3ok.xml" transfercomplete-success-1-2.xml "$K3"
cwmp tc3 dev "@$WORK/tc-inform.xml" "@$WORK/tc3ok.xml" -
check_statuses "$DEV's own TransferComplete for it" "200 200 204" tc3
check_sql "... completes it" "done|0" \
    "SELECT state, result->'transferComplete'->>'faultCode' FROM tasks WHERE id = $T3"

# ---- a transfer whose DownloadResponse never came: its TransferComplete completes it ------------------
T7=$(task t7 download '{"fileType":"1 Firmware Upgrade Image","url":"https://files.example.net/fw7.bin"}')
T7=${T7:-0}
cwmp dl7 dev "@$WORK/periodic.xml" - -
check_statuses "a Download answered with an empty POST" "200 200 204" dl7
K7=$(key "$WORK/dl7/2.body")
check_sql "... the task stays sent, without a result" "sent|t|$K7" \
    "SELECT state, result IS NULL, command_key FROM tasks WHERE id = $T7"
tc "$WORK/tc7.xml" transfercomplete-success-1-2.xml "$K7"
cwmp tc7 dev "@$WORK/tc-inform.xml" "@$WORK/tc7.xml" -
check_statuses "its TransferComplete" "200 200 204" tc7
check_sql "... completes it" "done|0|t" \
    "SELECT state, result->'transferComplete'->>'faultCode', finished_at IS NOT NULL FROM tasks WHERE id = $T7"

# ---- Status 0: done at once ---------------------------------------------------------------------------
T4=$(task t4 upload '{"fileType":"1 Vendor Configuration File","url":"https://files.example.net/up","commandKey":"ul-op"}')
T4=${T4:-0}
cwmp ul dev "@$WORK/periodic.xml" - "@$SAMPLES/valid/uploadresponse-1-2.xml"
check_statuses "an Upload answered with Status 0" "200 200 204" ul
check_output "the Upload passes the shared validator" '^VALID' python3 "$VALIDATOR" "$WORK/ul/2.body"
check_output "... with acsd's key" "<CommandKey>acs-$T4-[0-9a-f]{8,}</CommandKey>" cat "$WORK/ul/2.body"
check_sql "... the task is done at once, finished, the operator's key kept" "done|t|0|ul-op" \
    "SELECT state, finished_at IS NOT NULL, result->>'status', operator_command_key FROM tasks WHERE id = $T4"

# ---- cancelTransfer names the transfer by the key acsd sent ---------------------------------------------
T5=$(task t5 download '{"fileType":"1 Firmware Upgrade Image","url":"https://files.example.net/fw5.bin","commandKey":"fw-op-5"}')
T6=$(task t6 cancelTransfer '{"commandKey":"fw-op-5"}')
T5=${T5:-0} T6=${T6:-0}
check_sql "a cancelTransfer of the operator's key carries the transfer's acsd key" \
    "$(sql "SELECT command_key FROM tasks WHERE id = $T5")|fw-op-5" \
    "SELECT command_key, operator_command_key FROM tasks WHERE id = $T6"

# ---- metrics and roles ----------------------------------------------------------------------------------
check_output "/metrics counts TransferCompletes by outcome" '^200$' nbi_call m GET /metrics "$OP"
for o in 'completed"} 4' 'duplicate"} 2' 'unknown"} 1' 'db_error"} 1'; do
    check_output "... outcome=$o" "^acs_cwmp_transfer_complete_total\\{outcome=\"$o\$" cat "$WORK/m.body"
done
check_output "acs_readonly reads the operator's key" '^fw-op-1$' \
    psql -d "$DBNAME" -U acs_readonly -qAtX -c "SELECT operator_command_key FROM tasks WHERE id = $T1"
check_fail "acs_readonly still reads no task args" \
    psql -d "$DBNAME" -U acs_readonly -qAtX -c "SELECT args FROM tasks WHERE id = $T1"


t_done

#!/bin/bash
# tests/integration/064-transfer-timeout.sh — the transfer deadline ([acs] transfer_timeout = 2,
# acsd as acs_cwmp, real CWMP sessions, tasks through the NBI): a Download answered with Status 1
# whose TransferComplete does not come within the timeout becomes a fault (no CWMP code, a faults
# row with code 0, logged event=transfer_timeout, counted outcome="timeout"); one with a long
# delaySeconds, or one still sent (no DownloadResponse), is left alone; a TransferComplete that
# comes later is acknowledged and finishes the task with its real outcome (event=
# transfer_complete_late, outcome="late"); its repeat changes nothing; transfer_timeout = 0 waits
# forever.
. "$(dirname "$0")/lib.sh"
t_init transfer_timeout
. "$(dirname "$0")/acsd_lib.sh"
command -v curl >/dev/null || t_skip "curl not installed"
ACSCTL=$BUILD/bin/acsctl
[ -x "$ACSCTL" ] || t_skip "acsctl not built"

acsd_ca
DEV=00D09E-ATA2FXS-TT0001
check "device certificate for $DEV" mkdev dev "$DEV" || t_done
# the check of a 2 s deadline runs every second (a tenth of it, at least 1 s)
acsd_start "transfer_timeout = 2"
BASE=https://localhost:$ACSD_NBI_PORT
check "acsctl token create operator" sh -c "'$ACSCTL' token create --name op --role operator >'$WORK/op.token'" ||
    t_done
OP=$(cat "$WORK/op.token")

inform inform-bootstrap-boot-1-2.xml "$WORK/boot.xml" 00D09E ATA2FXS TT0001
inform inform-periodic-1-2.xml "$WORK/periodic.xml" 00D09E ATA2FXS TT0001
inform inform-transfer-complete-m-download-1-2.xml "$WORK/tc-inform.xml" 00D09E ATA2FXS TT0001
cwmp boot dev "@$WORK/boot.xml" -
check_statuses "$DEV: BOOTSTRAP session" "200 204" boot

task() { # NAME KIND ARGS: created through the NBI as the operator; prints its id
    [ "$(nbi_call "$1" POST "/api/v1/devices/$DEV/tasks" "$OP" -d "{\"kind\":\"$2\",\"args\":$3}")" = 201 ] &&
        python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["id"])' "$WORK/$1.body"
}
key() { sed -n 's#.*<CommandKey>\([^<]*\)</CommandKey>.*#\1#p' "$1"; }
tc() { sed "s#<CommandKey>[^<]*</CommandKey>#<CommandKey>$3</CommandKey>#" "$SAMPLES/valid/$2" >"$1"; }
row() { sql "SELECT t::text FROM tasks t WHERE id = $1"; }
faults_of() { sql "SELECT string_agg(code || '|' || string, ' ' ORDER BY id) FROM faults WHERE task_id = $1"; }

# ---- three downloads answered with Status 1 (one told to wait an hour), a fourth never answered ----
FW='"fileType":"1 Firmware Upgrade Image","url":"https://files.example.net/fw.bin"'
T1=$(task t1 download "{$FW,\"commandKey\":\"op-1\"}")
T2=$(task t2 download "{$FW}")
T3=$(task t3 download "{$FW,\"delaySeconds\":3600}")
T1=${T1:-0} T2=${T2:-0} T3=${T3:-0}
check_output "three download tasks through the NBI" '^[0-9]+ [0-9]+ [0-9]+$' echo "$T1 $T2 $T3"
DR="@$SAMPLES/valid/downloadresponse-1-2.xml"
cwmp dl dev "@$WORK/periodic.xml" - "$DR" "$DR" "$DR"
check_statuses "Inform, empty POST, three DownloadResponses with Status 1" "200 200 200 200 204" dl
K1=$(key "$WORK/dl/2.body") K2=$(key "$WORK/dl/3.body")
check_output "acsd's keys for the first two" "^acs-$T1-[0-9a-f]+ acs-$T2-[0-9a-f]+\$" echo "$K1 $K2"
check_sql "all three in_progress" "in_progress in_progress in_progress" \
    "SELECT string_agg(state, ' ' ORDER BY id) FROM tasks WHERE id IN ($T1, $T2, $T3)"
T4=$(task t4 download "{$FW}")
T4=${T4:-0}
cwmp dl4 dev "@$WORK/periodic.xml" - -
check_statuses "a fourth Download answered with an empty POST" "200 200 204" dl4
check_sql "... it stays sent" sent "SELECT state FROM tasks WHERE id = $T4"

# ---- past the deadline: the first two become faults ---------------------------------------------------
check "the first transfer's timeout is logged" \
    acsd_log_has "event=transfer_timeout task_id=$T1 device=$DEV kind=download timeout_s=2\$" 15
check "... and the second's" acsd_log_has "event=transfer_timeout task_id=$T2 device=$DEV kind=download timeout_s=2\$" 5
check_sql "both are faults without a CWMP code, finished, the reason in fault_string" \
    "fault||no TransferComplete within 2 s|t|2|1 fault||no TransferComplete within 2 s|t|2|1" \
    "SELECT string_agg(concat_ws('|', state, coalesce(fault_code::text, ''), fault_string, finished_at IS NOT NULL,
            result->'transferTimeout'->>'timeoutSeconds', result->>'status'), ' ' ORDER BY id)
       FROM tasks WHERE id IN ($T1, $T2)"
check_sql "... the timeout came after the deadline" "1 1" \
    "SELECT string_agg((finished_at >= sent_at + interval '2 s')::int::text, ' ' ORDER BY id) FROM tasks WHERE id IN ($T1, $T2)"
check "... each with one faults row, code 0 (no CWMP code)" \
    test "$(faults_of "$T1")/$(faults_of "$T2")" = "0|no TransferComplete within 2 s/0|no TransferComplete within 2 s"
check_sql "the transfer told to wait an hour is still in_progress" in_progress "SELECT state FROM tasks WHERE id = $T3"
check_sql "the transfer never answered is still sent (max_attempts and expires_at govern it)" sent \
    "SELECT state FROM tasks WHERE id = $T4"
check_sql "no faults row for either" 0 "SELECT count(*) FROM faults WHERE task_id IN ($T3, $T4)"
# out of the way: the next sessions would send it again
sql "UPDATE tasks SET state = 'cancelled' WHERE id = $T4" >/dev/null
check_output "the NBI shows the first as a fault" '^200$' nbi_call v1 GET "/api/v1/tasks/$T1" "$OP"
nbi_json_ok "... state fault, faultCode null, faultString, operatorCommandKey op-1" v1 \
    "j['state'] == 'fault' and j['faultCode'] is None and j['faultString'] == 'no TransferComplete within 2 s' and j['operatorCommandKey'] == 'op-1'"
check_output "the NBI lists its faults row" '^200$' nbi_call f1 GET "/api/v1/devices/$DEV/faults" "$OP"
nbi_json_ok "... two rows, code 0, for tasks $T1 and $T2" f1 \
    "sorted((f['taskId'], f['code'], f['string']) for f in j['faults']) == [($T1, 0, 'no TransferComplete within 2 s'), ($T2, 0, 'no TransferComplete within 2 s')]"

# ---- the TransferComplete comes late: acknowledged, the task gets its real outcome -------------------
ROW2=$(row "$T2")
tc "$WORK/tc1.xml" transfercomplete-success-1-2.xml "$K1"
cwmp tc1 dev "@$WORK/tc-inform.xml" "@$WORK/tc1.xml" -
check_statuses "a late TransferComplete (success) for the first" "200 200 204" tc1
check_output "... answered with TransferCompleteResponse" '<cwmp:TransferCompleteResponse' cat "$WORK/tc1/2.body"
check_sql "... the task is done now, no fault, both the timeout and the TransferComplete in its result" \
    "done|||t|0|2" \
    "SELECT concat_ws('|', state, coalesce(fault_code::text, ''), coalesce(fault_string, ''), finished_at IS NOT NULL,
            result->'transferComplete'->>'faultCode', result->'transferTimeout'->>'timeoutSeconds')
       FROM tasks WHERE id = $T1"
check "... the timeout's faults row stays, no other" test "$(faults_of "$T1")" = "0|no TransferComplete within 2 s"
check "... logged as late" acsd_log_has "event=transfer_complete_late session_id=[0-9a-f]{32} task_id=$T1 fault_code=0\$"
check "... the second task is unchanged" test "$(row "$T2")" = "$ROW2"
ROW1=$(row "$T1")
cwmp tc1b dev "@$WORK/tc-inform.xml" "@$WORK/tc1.xml" -
check_statuses "the same TransferComplete again" "200 200 204" tc1b
check_output "... acknowledged" '<cwmp:TransferCompleteResponse' cat "$WORK/tc1b/2.body"
check "... a duplicate: the task row is unchanged" test "$(row "$T1")" = "$ROW1"
check "... logged as a duplicate" acsd_log_has "event=transfer_complete_duplicate session_id=[0-9a-f]{32} task_id=$T1\$"

tc "$WORK/tc2.xml" transfercomplete-failure-9010-1-2.xml "$K2"
cwmp tc2 dev "@$WORK/tc-inform.xml" "@$WORK/tc2.xml" -
check_statuses "a late TransferComplete (failure 9010) for the second" "200 200 204" tc2
check_sql "... the task is a fault 9010 now, the CPE's string" "fault|9010|t|9010" \
    "SELECT concat_ws('|', state, fault_code, fault_string = result->'transferComplete'->>'faultString',
            result->'transferComplete'->>'faultCode') FROM tasks WHERE id = $T2"
check_output "... its faults rows: the timeout's and the CPE's" '^0\|no TransferComplete within 2 s 9010\|' \
    faults_of "$T2"
check "... logged as late" acsd_log_has "event=transfer_complete_late session_id=[0-9a-f]{32} task_id=$T2 fault_code=9010\$"

check_output "/metrics" '^200$' nbi_call m GET /metrics "$OP"
for o in 'timeout"} 2' 'late"} 2' 'duplicate"} 1' 'completed"} 0'; do
    check_output "... acs_cwmp_transfer_complete_total outcome=$o" "^acs_cwmp_transfer_complete_total\\{outcome=\"$o\$" \
        cat "$WORK/m.body"
done

# ---- transfer_timeout = 0: an in_progress transfer waits forever ----------------------------------------
stop_bg acsd
sql "UPDATE tasks SET sent_at = now() - interval '400 days', args = args - 'delaySeconds' WHERE id = $T3" >/dev/null
acsd_start "transfer_timeout = 0"
sleep 3
check_sql "transfer_timeout = 0: a transfer sent 400 days ago is still in_progress" in_progress \
    "SELECT state FROM tasks WHERE id = $T3"
check_fail "... no timeout logged" grep -q "event=transfer_timeout" "$WORK/acsd.log"
stop_bg acsd
acsd_start "transfer_timeout = 1"
check "transfer_timeout = 1: the same transfer times out" \
    acsd_log_has "event=transfer_timeout task_id=$T3 device=$DEV kind=download timeout_s=1\$" 10
check_sql "... a fault" "fault|no TransferComplete within 1 s" "SELECT state, fault_string FROM tasks WHERE id = $T3"

t_done

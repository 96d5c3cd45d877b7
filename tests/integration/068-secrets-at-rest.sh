#!/bin/bash
# tests/integration/068-secrets-at-rest.sh — a task's secrets at rest: without [acs]
# secret_key_file the NBI refuses (409) a task carrying a secret and stores nothing; with one, a
# Download and an Upload password, a SetParameterValues of a parameter only the data model marks
# secured (TR-104 DECT PIN: no suffix rule catches "PIN"), of a SIP AuthPassword and of one
# matching a configured [acs] secret_param_patterns entry are stored sealed, the CPE gets the
# real values in its SOAP, and the secrets are nowhere else: not in pg_dump of the database,
# the tasks rows, the NBI's task views, acsd's log, or the envelopes of [acs] dump_dir (where
# the secret values read ***). A GetParameterValues answer with a secured value is stored as ***.
. "$(dirname "$0")/lib.sh"
t_init secrets_at_rest
. "$(dirname "$0")/acsd_lib.sh"
command -v curl >/dev/null || t_skip "curl not installed"
command -v pg_dump >/dev/null || t_skip "pg_dump not installed"
ACSCTL=$BUILD/bin/acsctl
[ -x "$ACSCTL" ] || t_skip "acsctl not built"

# ---- the data model's list is the one scripts/secured-params extracts --------------------------
DM=$TOP/../shared/cwmp/datamodel
if [ -f "$DM/tr-181-2-17-0-cwmp-full.xml" ]; then
    check_output "acs/tasks/secured-params.txt is what scripts/secured-params extracts from the XML" '^same$' \
        bash -c "'$TOP/scripts/secured-params' '$DM' | cmp -s - '$TOP/acs/tasks/secured-params.txt' && echo same"
fi
check_output "the TR-104 DECT PIN is in it (a name no suffix rule catches)" \
    '^Device\.Services\.VoiceService\.\{i\}\.DECT\.Base\.\{i\}\.PIN$' cat "$TOP/acs/tasks/secured-params.txt"

acsd_ca
(umask 077 && head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$WORK/secret.key")
DEV=00D09E-ATA2FXS-T0068
check "device certificate for $DEV" mkdev dev "$DEV" || t_done
"$ACSCTL" token create --name op --role operator >"$WORK/op.token" 2>/dev/null || { not_ok "token"; t_done; }
OP=$(cat "$WORK/op.token")
inform inform-bootstrap-boot-1-2.xml "$WORK/boot.xml" 00D09E ATA2FXS T0068
inform inform-periodic-1-2.xml "$WORK/periodic.xml" 00D09E ATA2FXS T0068

R=$RANDOM$RANDOM$RANDOM
DL_PW="dl-pw&<$R>"  # XML-escaped in the SOAP: the dump is masked by element, not by text
UL_PW="ul-pw-$R"
PIN="dect-pin-$R"   # Device.Services.VoiceService.1.DECT.Base.1.PIN: secured in TR-104 only
SIP="sip-pw-$R"     # ...SIP.Client.1.AuthPassword: data model and the suffix rule
TOK="vault-tok-$R"  # Device.X_ACME_Vault.1.Token: the configured pattern only
GPV_PIN="gpv-pin-$R" # what the CPE answers for the PIN in GetParameterValues
SECRETS=("$DL_PW" "$UL_PW" "$PIN" "$SIP" "$TOK" "$GPV_PIN" "dl-pw&amp;&lt;$R&gt;")
PIN_NAME=Device.Services.VoiceService.1.DECT.Base.1.PIN
SIP_NAME=Device.Services.VoiceService.1.SIP.Client.1.AuthPassword
TOK_NAME=Device.X_ACME_Vault.1.Token
DL='{"kind":"download","args":{"fileType":"1 Firmware Upgrade Image","url":"https://files.example.net/fw.bin",
     "username":"fw","password":"'"$DL_PW"'","commandKey":"fw-68"}}'
UL='{"kind":"upload","args":{"fileType":"1 Vendor Configuration File","url":"https://files.example.net/up",
     "username":"up","password":"'"$UL_PW"'","commandKey":"ul-68"}}'
SPV='{"kind":"setParameterValues","args":{"parameterKey":"pk-68","values":[
     {"name":"'$PIN_NAME'","value":"'"$PIN"'"},{"name":"'$SIP_NAME'","value":"'"$SIP"'"},
     {"name":"'$TOK_NAME'","value":"'"$TOK"'"},{"name":"Device.X_ACME_Vault.1.Name","value":"visible-'$R'"}]}}'
GPV='{"kind":"getParameterValues","args":{"names":["'$PIN_NAME'","Device.X_ACME_Vault.1.Name"]}}'
post() { nbi_call "$1" POST "/api/v1/devices/$DEV/tasks" "$OP" -d "$2"; }
found() { # found FILE...: which of SECRETS are in the files (file:first characters)
    local s f
    for f in "$@"; do
        for s in "${SECRETS[@]}"; do grep -qF -- "$s" "$f" && printf ' %s:%s' "${f##*/}" "${s:0:6}"; done
    done
    return 0
}
no_secret_in() { # no_secret_in DESC FILE...: none of SECRETS in the files
    local hit
    hit=$(found "${@:2}")
    if [ -z "$hit" ]; then ok "$1"; else not_ok "$1"; echo "# found:$hit"; fi
}

# ---- no secret key: a task with a secret is refused, one without is stored --------------------
acsd_start "dump_dir = $WORK/dump0" "[log]" "level = debug"
mkdir -p "$WORK/dump0"
BASE=https://localhost:$ACSD_NBI_PORT
cwmp boot dev "@$WORK/boot.xml" -
check_statuses "BOOTSTRAP session creates the device" "200 204" boot
check_output "no key: a SetParameterValues with a secured value is refused (409)" '^409$' post nk1 "$SPV"
check_output "... saying why" 'no \[acs\] secret_key_file to seal it' cat "$WORK/nk1.body"
check_output "no key: a Download with a password is refused (409)" '^409$' post nk2 "$DL"
check_output "no key: a task without secrets is stored (201)" '^201$' post nk3 "$GPV"
check_sql "only that one is in the tasks table" "1|getParameterValues" \
    "SELECT count(*), min(kind) FROM tasks t JOIN devices d ON d.id = t.device_pk WHERE d.device_id = '$DEV'"
stop_bg acsd
cp "$WORK/acsd.log" "$WORK/acsd-nokey.log"

# ---- with a key: sealed at rest, real values to the CPE ----------------------------------------
acsd_start "secret_key_file = $WORK/secret.key" "dump_dir = $WORK/dump" \
    "secret_param_patterns = *Password *Passwd *Passphrase *Secret *Key *PSK !*ParameterKey !*CommandKey, Device.X_ACME_Vault.{i}.Token" \
    "[log]" "level = debug"
mkdir -p "$WORK/dump"
BASE=https://localhost:$ACSD_NBI_PORT
check_output "Download with a password: 201" '^201$' post t1 "$DL"
check_output "SetParameterValues with three secret values: 201" '^201$' post t2 "$SPV"
check_output "Upload with a password: 201" '^201$' post t3 "$UL"
TASKS=$(sql "SELECT string_agg(t.id::text, ' ' ORDER BY t.id) FROM tasks t JOIN devices d ON d.id = t.device_pk
             WHERE d.device_id = '$DEV'")
read -r T_GPV T_DL T_SPV T_UL <<<"$TASKS"
check_sql "tasks.args hold the five secrets sealed, the visible name in clear" "5|t" \
    "SELECT sum((SELECT count(*) FROM regexp_matches(args::text, '\\\$acs-sealed\\\$[0-9a-f]{60,}', 'g'))),
            bool_or(args::text LIKE '%visible-$R%') FROM tasks WHERE id IN ($T_DL, $T_SPV, $T_UL)"
sql "SELECT id, kind, args, result, fault_string FROM tasks ORDER BY id" >"$WORK/tasks-before.txt"
no_secret_in "no secret in the tasks rows" "$WORK/tasks-before.txt"
nbi_want "the Download task on the NBI" 200 v1 GET "/api/v1/tasks/$T_DL" "$OP"
nbi_json_ok "... shows its password as ***" v1 "j['args']['password'] == '***' and j['args']['username'] == 'fw'"
nbi_want "the SetParameterValues task on the NBI" 200 v2 GET "/api/v1/tasks/$T_SPV" "$OP"
nbi_json_ok "... shows the three secrets as ***, the name as it is" v2 \
    "[v['value'] for v in j['args']['values']] == ['***', '***', '***', 'visible-$R']"

# one session: the connection-request credentials acsd sets first (it has a key now), then
# GetParameterValues, Download, SetParameterValues, Upload, each answered
sed -e 's#<ParameterList soap-enc:arrayType="cwmp:ParameterValueStruct\[4\]">#<ParameterList soap-enc:arrayType="cwmp:ParameterValueStruct[2]">#' \
    -e "s#Device.ManagementServer.PeriodicInformInterval#$PIN_NAME#" \
    -e "s#<Value xsi:type=\"xsd:unsignedInt\">3600</Value>#<Value xsi:type=\"xsd:string\">$GPV_PIN</Value>#" \
    -e "s#Device.Services.VoiceService.1.SIP.Client.1.Status#Device.X_ACME_Vault.1.Name#" \
    -e "s#<Value xsi:type=\"xsd:string\">Up</Value>#<Value xsi:type=\"xsd:string\">visible-$R</Value>#" \
    "$SAMPLES/valid/getparametervaluesresponse-1-2.xml" |
    python3 -c "import re,sys; s=sys.stdin.read(); print(re.sub(r'<ParameterValueStruct>\s*<Name>Device\.Services\.VoiceService\.1\.SIP\.Client\.1\.(AuthPassword|Enable)</Name>.*?</ParameterValueStruct>\s*', '', s, flags=re.S), end='')" \
    >"$WORK/gpv.xml"
cwmp s dev "@$WORK/periodic.xml" - "@$SAMPLES/valid/setparametervaluesresponse-1-2.xml" "@$WORK/gpv.xml" "@$SAMPLES/valid/downloadresponse-1-2.xml" \
    "@$SAMPLES/valid/setparametervaluesresponse-1-2.xml" "@$SAMPLES/valid/uploadresponse-1-2.xml"
check_statuses "the session: Inform, five RPCs answered, 204" "200 200 200 200 200 200 204" s
check_output "the CPE gets its connection-request credentials first" 'ConnectionRequestPassword' cat "$WORK/s/2.body"
check_output "then GetParameterValues" '<cwmp:GetParameterValues>' cat "$WORK/s/3.body"
check_output "the CPE gets the real Download password (XML-escaped)" \
    "<Password>dl-pw&amp;&lt;$R&gt;</Password>" cat "$WORK/s/4.body"
for v in "$PIN" "$SIP" "$TOK" "visible-$R"; do
    check_output "the CPE gets the real value ${v%%-$R}-..." ">$v</Value>" cat "$WORK/s/5.body"
done
check_output "the CPE gets the real Upload password" "<Password>$UL_PW</Password>" cat "$WORK/s/6.body"
count_found() { found "$@" | wc -w; }
check_output "the search finds the five sent in what the CPE got (it can fail)" '^5$' count_found "$WORK"/s/[4-6].body
check_sql "all four tasks answered (a transfer answered with Status 1 waits in_progress for its TransferComplete)" "4" \
    "SELECT count(*) FROM tasks WHERE id IN ($T_GPV, $T_DL, $T_SPV, $T_UL)
       AND (state = 'done' OR (state = 'in_progress' AND kind IN ('download', 'upload')))"
check_sql "the GetParameterValues result: the secured value as ***, the other as sent" "***|visible-$R" \
    "SELECT result->'values'->0->>'value', result->'values'->1->>'value' FROM tasks WHERE id = $T_GPV"
check_sql "... and so in the parameter cache" "***" \
    "SELECT p.value FROM device_params p JOIN devices d ON d.id = p.device_pk
       WHERE d.device_id = '$DEV' AND p.name = '$PIN_NAME'"
check_sql "tasks.args still sealed after the session" "5" \
    "SELECT sum((SELECT count(*) FROM regexp_matches(args::text, '\\\$acs-sealed\\\$', 'g')))
       FROM tasks WHERE id IN ($T_DL, $T_SPV, $T_UL)"

# ---- the secrets are nowhere else ----------------------------------------------------------------
sql "SELECT id, kind, args, result, fault_string FROM tasks ORDER BY id" >"$WORK/tasks-after.txt"
no_secret_in "no secret in the tasks rows after the session" "$WORK/tasks-after.txt"
check "pg_dump of the database" bash -c "pg_dump '$DBNAME' >'$WORK/db.sql'"
check_output "... holds the tasks (the dump is real)" "pk-68" cat "$WORK/db.sql"
no_secret_in "no secret in pg_dump of the database" "$WORK/db.sql"
nbi_want "the device's task list on the NBI" 200 v3 GET "/api/v1/devices/$DEV/tasks" "$OP"
nbi_want "the GetParameterValues task on the NBI" 200 v4 GET "/api/v1/tasks/$T_GPV" "$OP"
nbi_want "the device with its parameters on the NBI" 200 v5 GET "/api/v1/devices/$DEV" "$OP"
nbi_want "the Upload task on the NBI" 200 v6 GET "/api/v1/tasks/$T_UL" "$OP"
nbi_json_ok "... its password as ***" v6 "j['args']['password'] == '***'"
no_secret_in "no secret in the NBI's answers" "$WORK"/v[1-6].body "$WORK"/nk[1-3].body "$WORK"/t[1-3].body
stop_bg acsd
no_secret_in "no secret in acsd's logs (debug level)" "$WORK/acsd.log" "$WORK/acsd-nokey.log"
DUMPS=("$WORK"/dump/*.xml)
check_output "the dump directory has the session's six envelopes" '^6$' bash -c "ls '$WORK/dump' | wc -l"
no_secret_in "no secret in the dump directory" "${DUMPS[@]}"
dumped() { grep -l "<cwmp:$1>" "${DUMPS[@]}" | xargs -r cat; }
check_output "the dumped Download: its password as ***" '<Password>\*\*\*</Password>' dumped Download
check_output "the dumped Upload: its password as ***" '<Password>\*\*\*</Password>' dumped Upload
check_output "the dumped SetParameterValues: three values as ***, the name as sent" '^3 1$' bash -c \
    "f=\$(grep -l 'pk-68' $WORK/dump/*.xml); echo \$(grep -o '>\*\*\*</Value>' \$f | wc -l) \$(grep -c 'visible-$R' \$f)"
check_output "the dumped envelopes are otherwise those sent (the same cwmp:ID)" '^same$' bash -c \
    "f=\$(grep -l 'pk-68' $WORK/dump/*.xml); cmp -s <(sed 's#>[^<]*</Value>#>x</Value>#g' \$f) \
        <(sed 's#>[^<]*</Value>#>x</Value>#g' '$WORK/s/5.body') && echo same"

t_done

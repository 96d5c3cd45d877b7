#!/bin/bash
# tests/integration/100-prov-lines.sh — SIP providers and lines over the NBI (real acsd, HTTPS):
# a provider that would send SIP over UDP without saying so is refused (by the NBI and by the
# table's CHECK); a line is created with a sealed password, listed and shown without it; bad
# input (an invalid E.164 number, an unknown provider, a taken line index, an unknown device, a
# call limit above the provider's, a secret asked for or given) gets 400 naming the field; tenant
# B's operator gets 404 for A's line; a CSV import with one bad row applies nothing and names the
# row; the generated password (opened from its row with the key, so the greps below can fail) is
# in no log line, no NBI answer and not in pg_dump; rotate-password changes ciphertext and
# plaintext; remove marks the line 'removing'; acs_nbi cannot read a ciphertext; acsctl's provider
# and line commands do the same over the NBI.
. "$(dirname "$0")/lib.sh"
t_init prov_lines
. "$(dirname "$0")/acsd_lib.sh"
command -v curl >/dev/null || t_skip "curl not installed"
command -v pg_dump >/dev/null || t_skip "pg_dump not installed"
ACSCTL=$BUILD/bin/acsctl
OPEN=$BUILD/tests/tools/secret_open
for b in "$ACSCTL" "$OPEN"; do [ -x "$b" ] || t_skip "$b not built"; done

acsd_ca
(umask 077 && head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$WORK/secret.key")
sql "INSERT INTO tenants (name) VALUES ('provA'), ('provB')" >/dev/null
DEVA=00D09E-ATA2FXS-P0001 DEVA2=00D09E-ATA2FXS-P0002 DEVB=00D09E-ATA2FXS-P0003
sql "INSERT INTO devices (device_id, oui, product_class, serial_number, tenant_id)
     SELECT v.id, '00D09E', 'ATA2FXS', v.sn, t.id FROM (VALUES ('$DEVA', 'P0001', 'provA'),
     ('$DEVA2', 'P0002', 'provA'), ('$DEVB', 'P0003', 'provB')) v(id, sn, tn) JOIN tenants t ON t.name = v.tn" \
    >/dev/null
check "A's operator token" sh -c "'$ACSCTL' token create --name opa --role operator --tenant provA >'$WORK/opa.token'"
check "A's viewer token" sh -c "'$ACSCTL' token create --name va --role viewer --tenant provA >'$WORK/va.token'"
check "B's operator token" sh -c "'$ACSCTL' token create --name opb --role operator --tenant provB >'$WORK/opb.token'"
check "platform admin token" sh -c "'$ACSCTL' token create --name root --role admin >'$WORK/root.token'"
OPA=$(cat "$WORK/opa.token") VA=$(cat "$WORK/va.token") OPB=$(cat "$WORK/opb.token") ROOT=$(cat "$WORK/root.token")

ACSD_NO_SIGNER=1 acsd_start "secret_key_file = $WORK/secret.key" "[log]" "level = debug"
BASE=https://localhost:$ACSD_NBI_PORT
N=0
# want DESC STATUS TOKEN METHOD PATH [JSON_PY_EXPR] [curl args...]: every answer kept as a$N.body
want() {
    local desc=$1 status=$2 tok=$3 method=$4 path=$5 expr=${6:-}; shift 6 2>/dev/null || shift $#
    N=$((N + 1))
    W=a$N
    nbi_want "$desc" "$status" "$W" "$method" "$path" "$tok" "$@" || return 1
    [ -z "$expr" ] || nbi_json_ok "$desc: the answer" "$W" "$expr"
}
J=(-H 'Content-Type: application/json')

# ---- providers ----
want "UDP without allowInsecureTransport is refused" 400 "$OPA" POST /api/v1/providers \
    "j['field'] == 'transport' and 'allowInsecureTransport' in j['error']" "${J[@]}" \
    -d '{"name":"lab","sipDomain":"lab.example.net","registrarHost":"reg.lab.example.net","transport":"UDP"}'
check_sql "... and nothing is stored" 0 "SELECT count(*) FROM sip_providers"
check_fail "the table refuses it too (CHECK)" psql -d "$DBNAME" -qAtX -v ON_ERROR_STOP=1 -c \
    "INSERT INTO sip_providers (tenant_id, name, sip_domain, registrar_host, transport)
     SELECT id, 'x', 'x.example', 'x.example', 'UDP' FROM tenants WHERE name = 'provA'"
want "UDP with the flag is accepted" 201 "$OPA" POST /api/v1/providers \
    "j['transport'] == 'UDP' and j['allowInsecureTransport'] is True and j['tenant'] == 'provA'" "${J[@]}" \
    -d '{"name":"lab","sipDomain":"lab.example.net","registrarHost":"reg.lab.example.net","transport":"UDP","allowInsecureTransport":true,"registrarPort":5060}'
want "a TLS provider with the defaults" 201 "$OPA" POST /api/v1/providers \
    "j['transport'] == 'TLS' and j['srtp'] == 'mandatory' and j['maxSessionsPerLine'] == 2 and j['registrarPort'] == 5061" \
    "${J[@]}" -d '{"name":"telco","sipDomain":"sip.telco.example","registrarHost":"reg.telco.example"}'
want "the same name twice: 400 naming it" 400 "$OPA" POST /api/v1/providers "j['field'] == 'name'" "${J[@]}" \
    -d '{"name":"telco","sipDomain":"sip.telco.example","registrarHost":"reg.telco.example"}'
want "a bad srtp value: 400 naming it" 400 "$OPA" POST /api/v1/providers "j['field'] == 'srtp'" "${J[@]}" \
    -d '{"name":"t2","sipDomain":"sip.telco.example","registrarHost":"reg.telco.example","srtp":"maybe"}'
want "a provider body with a password is refused" 400 "$OPA" POST /api/v1/providers \
    "j['error'] == 'secret fields are never returned/accepted'" "${J[@]}" \
    -d '{"name":"t3","sipDomain":"sip.telco.example","registrarHost":"reg.telco.example","password":"x"}'
want "a viewer may not create a provider" 403 "$VA" POST /api/v1/providers "" "${J[@]}" \
    -d '{"name":"t4","sipDomain":"sip.telco.example","registrarHost":"reg.telco.example"}'
want "A's providers" 200 "$VA" GET /api/v1/providers "[p['name'] for p in j['providers']] == ['lab', 'telco']"
want "B sees none of them" 200 "$OPB" GET /api/v1/providers "j['providers'] == []"
want "B: A's provider is unknown" 404 "$OPB" GET /api/v1/providers/telco
want "B has its own telco" 201 "$OPB" POST /api/v1/providers "j['tenant'] == 'provB'" "${J[@]}" \
    -d '{"name":"telco","sipDomain":"sip.b.example","registrarHost":"reg.b.example","maxSessionsPerLine":4}'
want "the platform admin must name the tenant" 400 "$ROOT" POST /api/v1/providers "j['field'] == 'tenant'" "${J[@]}" \
    -d '{"name":"t5","sipDomain":"sip.telco.example","registrarHost":"reg.telco.example"}'

# ---- lines ----
want "a line" 201 "$OPA" POST /api/v1/lines \
    "j['e164'] == '+4930123456' and j['state'] == 'pending' and j['passwordSet'] is True and j['maxSessions'] == 2 and j['authUsername'] == '4930123456' and not [k for k in j if 'assword' in k and k not in ('passwordSet', 'passwordRotatedAt')]" \
    "${J[@]}" -d '{"e164":"+49 30 123456","device":"'$DEVA'","lineIndex":1,"provider":"telco","displayName":"Front desk"}'
want "an invalid E.164 number: 400 naming it" 400 "$OPA" POST /api/v1/lines "j['field'] == 'e164'" "${J[@]}" \
    -d '{"e164":"+0301","device":"'$DEVA'","lineIndex":2,"provider":"telco"}'
want "an unknown provider: 400 naming it" 400 "$OPA" POST /api/v1/lines \
    "j['field'] == 'provider' and 'nope' in j['error']" "${J[@]}" \
    -d '{"e164":"+4930123457","device":"'$DEVA'","lineIndex":2,"provider":"nope"}'
want "a line index taken: 400 naming it" 400 "$OPA" POST /api/v1/lines "j['field'] == 'lineIndex'" "${J[@]}" \
    -d '{"e164":"+4930123457","device":"'$DEVA'","lineIndex":1,"provider":"telco"}'
want "an unknown device: 400 naming it" 400 "$OPA" POST /api/v1/lines "j['field'] == 'device'" "${J[@]}" \
    -d '{"e164":"+4930123457","device":"00D09E-ATA2FXS-NOPE","lineIndex":1,"provider":"telco"}'
want "B's device is unknown to A" 400 "$OPA" POST /api/v1/lines "j['field'] == 'device'" "${J[@]}" \
    -d '{"e164":"+4930123457","device":"'$DEVB'","lineIndex":1,"provider":"telco"}'
want "a call limit above the provider's: 400 naming it" 400 "$OPA" POST /api/v1/lines "j['field'] == 'maxSessions'" \
    "${J[@]}" -d '{"e164":"+4930123457","device":"'$DEVA'","lineIndex":2,"provider":"telco","maxSessions":3}'
want "a number twice: 400 naming it" 400 "$OPA" POST /api/v1/lines "j['field'] == 'e164'" "${J[@]}" \
    -d '{"e164":"+4930123456","device":"'$DEVA'","lineIndex":2,"provider":"telco"}'
want "a line body with a password is refused" 400 "$OPA" POST /api/v1/lines \
    "j['error'] == 'secret fields are never returned/accepted'" "${J[@]}" \
    -d '{"e164":"+4930123457","device":"'$DEVA'","lineIndex":2,"provider":"telco","authPassword":"x"}'
check_sql "only the one line exists, with one credential" "1|1" \
    "SELECT (SELECT count(*) FROM sip_lines), (SELECT count(*) FROM sip_credentials)"
want "show the line (percent-encoded +)" 200 "$VA" GET /api/v1/lines/%2B4930123456 \
    "j['device'] == '$DEVA' and j['lineIndex'] == 1 and j['provider'] == 'telco' and j['displayName'] == 'Front desk'"
want "?fields=password is refused" 400 "$VA" GET "/api/v1/lines/%2B4930123456?fields=e164,password" \
    "j['error'] == 'secret fields are never returned/accepted'"
want "A lists its line" 200 "$VA" GET /api/v1/lines "[l['e164'] for l in j['lines']] == ['+4930123456']"
want "B: A's line is unknown" 404 "$OPB" GET /api/v1/lines/%2B4930123456 "j['error'] == 'no such line'"
want "B cannot remove it" 404 "$OPB" DELETE /api/v1/lines/%2B4930123456
want "B cannot rotate its password" 404 "$OPB" POST /api/v1/lines/%2B4930123456/rotate-password
want "B lists no line" 200 "$OPB" GET /api/v1/lines "j['lines'] == []"

# ---- CSV import ----
# a blank line (and CRLF) still counts: rows are the file's line numbers
printf 'e164,device,line_index,provider,display_name\r\n+4930200001,%s,1,telco,Office 1\r\n\r\n+49302000x2,%s,2,telco,Office 2\n+4930200003,%s,3,nope,Office 3\n' \
    "$DEVA2" "$DEVA2" "$DEVA2" >"$WORK/bad.csv"
want "an import with bad rows applies nothing, naming each row and field" 400 "$OPA" POST /api/v1/lines/import \
    "[(e['row'], e['field']) for e in j['errors']] == [(4, 'e164'), (5, 'provider')]" \
    -H 'Content-Type: text/csv' --data-binary "@$WORK/bad.csv"
check_sql "... nothing of it is stored (not even row 2)" 0 "SELECT count(*) FROM sip_lines WHERE e164 LIKE '+49302%'"
printf 'e164,device,line_index,provider,sip_password\n+4930200001,%s,1,telco,x\n' "$DEVA2" >"$WORK/secret.csv"
want "an import with a password column is refused" 400 "$OPA" POST /api/v1/lines/import \
    "j['error'] == 'secret fields are never returned/accepted'" --data-binary "@$WORK/secret.csv"
printf 'e164,device,line_index,provider\n+4930200001,%s,1,telco\n+4930200001,%s,2,telco\n' "$DEVA2" "$DEVA2" >"$WORK/dup.csv"
want "a number twice in one import: the second row named" 400 "$OPA" POST /api/v1/lines/import \
    "[(e['row'], e['field']) for e in j['errors']] == [(3, 'e164')]" --data-binary "@$WORK/dup.csv"
{ echo 'e164,device,line_index,provider'; for i in $(seq 1800); do echo "+49303$(printf %06d "$i"),$DEVA2,1,telco"; done; } \
    >"$WORK/big.csv" # just over [nbi] max_body_bytes (64 KiB)
# Expect: 100-continue: the 413 comes before the body is sent (no reset while curl still writes)
want "an import over the body cap: 413" 413 "$OPA" POST /api/v1/lines/import "" -H "Expect: 100-continue" \
    --data-binary "@$WORK/big.csv"
check_sql "... nothing stored" 0 "SELECT count(*) FROM sip_lines WHERE e164 LIKE '+49303%'"
printf 'e164,device,line_index,provider,display_name\n+4930200001,%s,1,telco,Office 1\n+4930200002,%s,2,telco,Office 2\n' \
    "$DEVA2" "$DEVA2" >"$WORK/good.csv"
want "a good import" 200 "$OPA" POST /api/v1/lines/import "j['created'] == 2" --data-binary "@$WORK/good.csv"
want "a line by its number with a literal +" 200 "$VA" GET /api/v1/lines/+4930200001 "j['displayName'] == 'Office 1'"
check_sql "its lines and credentials" "2|2" \
    "SELECT count(*), count(c.line_id) FROM sip_lines l LEFT JOIN sip_credentials c ON c.line_id = l.id
     WHERE e164 LIKE '+49302%'"

# ---- the password: sealed, bound to its row, nowhere in clear ----
LID=$(sql "SELECT id FROM sip_lines WHERE e164 = '+4930123456'")
ct() { sql "SELECT encode(ciphertext, 'hex') FROM sip_credentials WHERE line_id = $LID"; }
CT1=$(ct)
PW1=$(ct | "$OPEN" "$WORK/secret.key" "sip_line:$LID:+4930123456")
check_output "the sealed password opens with the key and its row's AAD: 24 base64url characters" \
    '^[A-Za-z0-9_-]{24}$' echo "$PW1"
check_fail "it does not open as another row's" sh -c "echo $CT1 | '$OPEN' '$WORK/secret.key' 'sip_line:$((LID + 1)):+4930123456'"
check_fail "acs_nbi cannot read a ciphertext" psql -d "$DBNAME" -U acs_nbi -qAtX -v ON_ERROR_STOP=1 \
    -c "SELECT ciphertext FROM sip_credentials"
check_fail "nor can acs_readonly" psql -d "$DBNAME" -U acs_readonly -qAtX -v ON_ERROR_STOP=1 \
    -c "SELECT ciphertext FROM sip_credentials"
check "acs_cwmp can (it pushes the line)" psql -d "$DBNAME" -U acs_cwmp -qAtX -v ON_ERROR_STOP=1 \
    -c "SELECT ciphertext FROM sip_credentials"

want "rotate-password" 200 "$OPA" POST /api/v1/lines/%2B4930123456/rotate-password "j['state'] == 'pending'"
CT2=$(ct)
PW2=$(ct | "$OPEN" "$WORK/secret.key" "sip_line:$LID:+4930123456")
check "rotation changed the ciphertext" test "$CT1" != "$CT2"
check_output "and the password (a new one that opens)" '^new$' \
    sh -c "[ '$PW1' != '$PW2' ] && echo '$PW2' | grep -Eq '^[A-Za-z0-9_-]{24}$' && echo new"

want "remove: the line is being deprovisioned" 200 "$OPA" DELETE /api/v1/lines/%2B4930123456 "j['state'] == 'removing'"
want "a provider with lines is not deleted" 409 "$OPA" DELETE /api/v1/providers/telco
want "one without is" 200 "$OPA" DELETE /api/v1/providers/lab
want "and is gone" 404 "$OPA" GET /api/v1/providers/lab

# ---- acsctl over the NBI ----
export ACS_NBI_URL=$BASE ACS_CACERT=$WORK/chain.pem
ctl() { env ACS_TOKEN="$OPA" "$ACSCTL" "$@" >>"$WORK/acsctl.out" 2>&1; }
ctl_out() { # the output kept for the greps below, the exit code acsctl's
    local out rc
    out=$(env ACS_TOKEN="$OPA" "$ACSCTL" "$@" 2>&1)
    rc=$?
    printf '%s\n' "$out" | tee -a "$WORK/acsctl.out"
    return $rc
}
check "acsctl provider add" ctl provider add voip --domain sip.voip.example --registrar reg.voip.example \
    --max-sessions 3 --srtp optional
check_fail_output "acsctl provider add UDP without the flag: refused naming the field" 'field transport' \
    ctl_out provider add voip2 --domain d.example --registrar r.example --transport UDP
check_output "acsctl provider list" '^voip +provA +reg\.voip\.example +TLS +optional +3$' ctl_out provider list
check "acsctl line add" ctl line add "+49 30 300001" --device "$DEVA" --index 3 --provider voip --display-name Lab
check_fail_output "acsctl line add, index taken: refused naming the field" 'field lineIndex' \
    ctl_out line add +4930300002 --device "$DEVA" --index 3 --provider voip
check_output "acsctl line show" '"state": "pending"' ctl_out line show +4930300001
check_output "acsctl line list --prefix" '^\+4930300001 +'"$DEVA"' +3 +voip +pending +Lab$' \
    ctl_out line list --prefix +4930300
L2=$(sql "SELECT id FROM sip_lines WHERE e164 = '+4930300001'")
CT3=$(sql "SELECT encode(ciphertext, 'hex') FROM sip_credentials WHERE line_id = $L2")
PW3=$(echo "$CT3" | "$OPEN" "$WORK/secret.key" "sip_line:$L2:+4930300001")
check "acsctl line rotate-password" ctl line rotate-password +4930300001
check "... a new ciphertext" test "$CT3" != "$(sql "SELECT encode(ciphertext, 'hex') FROM sip_credentials WHERE line_id = $L2")"
printf 'e164,device,line_index,provider\n+4930300003,%s,4,voip\n+4930300004,%s,4,voip\n' "$DEVA" "$DEVA" >"$WORK/ctl.csv"
check_fail_output "acsctl line import: the bad row named" 'row 3: lineIndex' ctl_out line import "$WORK/ctl.csv"
check_sql "... and nothing applied" 0 "SELECT count(*) FROM sip_lines WHERE e164 IN ('+4930300003', '+4930300004')"
check_output "acsctl line remove" '"state": "removing"' ctl_out line remove +4930300001

# ---- vault rotate-key: every row re-sealed under the new key, none left under the old ----
for k in secret2 secret3; do (umask 077 && head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$WORK/$k.key"); done
vault() { env ACS_DB_CONNINFO="dbname=$DBNAME user=acs_cwmp" "$ACSCTL" vault rotate-key "$@"; }
opens_all() { # opens_all KEY: every credential opens with KEY (its row's AAD); prints the count
    local id e n=0
    while IFS='|' read -r id e; do
        sql "SELECT encode(ciphertext, 'hex') FROM sip_credentials WHERE line_id = $id" |
            "$OPEN" "$1" "sip_line:$id:$e" >/dev/null 2>&1 || return 1
        n=$((n + 1))
    done < <(sql "SELECT l.id, l.e164 FROM sip_lines l JOIN sip_credentials c ON c.line_id = l.id ORDER BY l.id")
    echo "$n"
}
opens_any() { # opens_any KEY: some credential opens with KEY
    local id e
    while IFS='|' read -r id e; do
        sql "SELECT encode(ciphertext, 'hex') FROM sip_credentials WHERE line_id = $id" |
            "$OPEN" "$1" "sip_line:$id:$e" >/dev/null 2>&1 && return 0
    done < <(sql "SELECT l.id, l.e164 FROM sip_lines l JOIN sip_credentials c ON c.line_id = l.id ORDER BY l.id")
    return 1
}
NCRED=$(sql "SELECT count(*) FROM sip_credentials")
check "opens_any sees a row the old key opens (so the check below can fail)" opens_any "$WORK/secret.key"
check_output "before: all $NCRED credentials open with the old key" "^$NCRED\$" opens_all "$WORK/secret.key"
PWR=$(sql "SELECT encode(ciphertext, 'hex') FROM sip_credentials WHERE line_id = $LID" |
    "$OPEN" "$WORK/secret.key" "sip_line:$LID:+4930123456")
check_fail_output "rotate-key as acs_nbi (cannot read a ciphertext): refused" 'permission denied' \
    env ACS_DB_CONNINFO="dbname=$DBNAME user=acs_nbi" "$ACSCTL" vault rotate-key --old-key "$WORK/secret.key" \
    --new-key "$WORK/secret2.key"
check_fail_output "rotate-key with a wrong old key: refused, nothing changed" 'opens under neither key' \
    vault --old-key "$WORK/secret3.key" --new-key "$WORK/secret2.key"
check_output "... every row still opens with the old key" "^$NCRED\$" opens_all "$WORK/secret.key"
check_output "rotate-key" "$NCRED line credential" vault --old-key "$WORK/secret.key" --new-key "$WORK/secret2.key"
check_output "after: all $NCRED open with the new key" "^$NCRED\$" opens_all "$WORK/secret2.key"
check_fail "and none with the old (not even one)" opens_any "$WORK/secret.key"
check_sql "every row names the new key" 1 "SELECT count(DISTINCT key_id) FROM sip_credentials"
check_output "the password itself is unchanged" '^same$' sh -c "psql -d '$DBNAME' -qAtX -c \"SELECT encode(ciphertext, 'hex') FROM sip_credentials WHERE line_id = $LID\" | '$OPEN' '$WORK/secret2.key' 'sip_line:$LID:+4930123456' | grep -qxF -- '$PWR' && echo same"
check_output "a re-run is a no-op" "0 line credential" vault --old-key "$WORK/secret.key" --new-key "$WORK/secret2.key"

check "pg_dump of the database" bash -c "pg_dump '$DBNAME' >'$WORK/db.sql'"
check "the dump holds the ciphertext (the grep below sees the data)" grep -q \
    "$(sql "SELECT encode(ciphertext, 'hex') FROM sip_credentials WHERE line_id = $LID" | cut -c1-24)" "$WORK/db.sql"
for pw in "$PW1" "$PW2" "$PW3"; do
    [ ${#pw} = 24 ] || { not_ok "a password to look for"; continue; }
    hits=$(grep -lF -- "$pw" "$WORK/acsd.log" "$WORK/db.sql" "$WORK/acsctl.out" "$WORK"/a*.body 2>/dev/null)
    if [ -z "$hits" ]; then ok "password ${pw:0:3}... in no log, dump or NBI answer"; else not_ok "password found"; echo "# in: $hits"; fi
done
t_done

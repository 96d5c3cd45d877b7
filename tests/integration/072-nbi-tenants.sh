#!/bin/bash
# tests/integration/072-nbi-tenants.sh — two providers on one platform: tenants A and B, each with
# its issuing CA under the shared root; a device of each enrolls (a certificate of its tenant's
# issuer) and informs, which puts it in that tenant. Over real HTTPS to the NBI, A's operator
# gets 404 for B's device, its tasks, faults, sessions and a task by id, cannot create a task
# there, and lists only A's devices and tokens; a platform administrator's token sees both. A
# certificate of B's issuer for A's device is refused (403) and moves nothing. POST /tokens with
# "tenant": A's admin only for A (403 for B or a tenant that does not exist), the platform admin
# for any tenant (400 for one that does not exist).
. "$(dirname "$0")/lib.sh"
t_init nbi_tenants
. "$(dirname "$0")/acsd_lib.sh"
command -v curl >/dev/null || t_skip "curl not installed"
ACSCTL=$BUILD/bin/acsctl
[ -x "$ACSCTL" ] || t_skip "acsctl not built"

acsd_ca
check "tenant provA" "$ACS_CA" tenant create provA || t_done
check "tenant provB" "$ACS_CA" tenant create provB || t_done
check_fail_output "a tenant twice is refused" 'already exists' "$ACS_CA" tenant create provA
check_fail_output "a bad tenant name is refused" 'invalid tenant name' "$ACS_CA" tenant create 'a b'
check "issuer of A" "$ACS_CA" issuer create issa --tenant provA || t_done
check "issuer of B" "$ACS_CA" issuer create issb --tenant provB || t_done
check_fail_output "an issuer of an unknown tenant is refused" 'no tenant "nope"' \
    "$ACS_CA" issuer create issx --tenant nope
check_sql "issuers carry their tenant, the root none" "devices|default issa|provA issb|provB root|" \
    "SELECT string_agg(a.name || '|' || coalesce(t.name, ''), ' ' ORDER BY a.name) FROM ca_authorities a
     LEFT JOIN tenants t ON t.id = a.tenant_id"

# mkdev_by NAME DEVICE_ID ISSUER: a device certificate from that issuer
mkdev_by() {
    openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$WORK/$1.key" \
        -subj "/CN=$2" -out "$WORK/$1.csr" 2>/dev/null &&
        "$ACS_CA" issue --csr "$WORK/$1.csr" --device "$2" --issuer "$3" --out "$WORK/$1.crt" >/dev/null 2>&1
}
DEVA=00D09E-ATA2FXS-A0001 DEVB=00D09E-ATA2FXS-B0001
check "device certificate of A" mkdev_by deva "$DEVA" issa || t_done
check "device certificate of B" mkdev_by devb "$DEVB" issb || t_done
check "B's issuer certifying A's device id" mkdev_by evil "$DEVA" issb || t_done

check "platform admin token" sh -c "'$ACSCTL' token create --name root --role admin >'$WORK/root.token'"
check "A's operator token" sh -c "'$ACSCTL' token create --name opa --role operator --tenant provA >'$WORK/opa.token'"
check "A's admin token" sh -c "'$ACSCTL' token create --name adma --role admin --tenant provA >'$WORK/adma.token'"
check "B's operator token" sh -c "'$ACSCTL' token create --name opb --role operator --tenant provB >'$WORK/opb.token'"
check_fail_output "a token of an unknown tenant is refused" 'no tenant nope' \
    "$ACSCTL" token create --name x --role viewer --tenant nope
ROOT=$(cat "$WORK/root.token") OPA=$(cat "$WORK/opa.token") ADMA=$(cat "$WORK/adma.token") OPB=$(cat "$WORK/opb.token")

ACSD_NO_SIGNER=1 acsd_start # no EST here: only acsd's own connections below
check "without a signer acsd warns at start that EST will answer 503" acsd_log_has 'event=signer_absent'
inform inform-bootstrap-boot-1-2.xml "$WORK/ia.xml" 00D09E ATA2FXS A0001
inform inform-bootstrap-boot-1-2.xml "$WORK/ib.xml" 00D09E ATA2FXS B0001
cwmp sa deva "@$WORK/ia.xml" -
check_statuses "A's device informs" "200 204" sa
cwmp sb devb "@$WORK/ib.xml" -
check_statuses "B's device informs" "200 204" sb
check_sql "each device is in its issuer's tenant" "$DEVA|provA $DEVB|provB" \
    "SELECT string_agg(d.device_id || '|' || t.name, ' ' ORDER BY d.device_id) FROM devices d
     JOIN tenants t ON t.id = d.tenant_id"
cwmp evil evil "@$WORK/ia.xml"
check_statuses "a certificate of B's issuer for A's device: refused" "403" evil
check_sql "the device stays in A, the refusal is recorded" "provA|1" \
    "SELECT t.name, (SELECT count(*) FROM sessions WHERE result = 'refused:tenant') FROM devices d
     JOIN tenants t ON t.id = d.tenant_id WHERE d.device_id = '$DEVA'"
check "the refusal is logged" acsd_log_has 'event=refused reason=tenant_mismatch'

# rows hanging off B's device: a task and a fault
TASKB=$(sql "INSERT INTO tasks (device_pk, kind) SELECT id, 'reboot' FROM devices WHERE device_id = '$DEVB'
             RETURNING id" | head -n 1)
TASKA=$(sql "INSERT INTO tasks (device_pk, kind) SELECT id, 'reboot' FROM devices WHERE device_id = '$DEVA'
             RETURNING id" | head -n 1)
sql "INSERT INTO faults (device_pk, code, string) SELECT id, 9002, 'b' FROM devices WHERE device_id IN ('$DEVA', '$DEVB')" \
    >/dev/null

BASE=https://localhost:$ACSD_NBI_PORT
# want DESC STATUS TOKEN METHOD PATH [JSON_PY_EXPR] [curl args...]
want() {
    local desc=$1 status=$2 tok=$3 method=$4 path=$5 expr=${6:-}; shift 6 2>/dev/null || shift $#
    nbi_want "$desc" "$status" w "$method" "$path" "$tok" "$@" || return 1
    [ -z "$expr" ] || nbi_json_ok "$desc: the answer" w "$expr"
}

# ---- A's operator: A's rows yes, B's rows are unknown ----
want "A sees its device" 200 "$OPA" GET "/api/v1/devices/$DEVA" "j['deviceId'] == '$DEVA'"
want "A: B's device is unknown" 404 "$OPA" GET "/api/v1/devices/$DEVB" "j['error'] == 'unknown device'"
want "A sees its device's tasks" 200 "$OPA" GET "/api/v1/devices/$DEVA/tasks" "[t['id'] for t in j['tasks']] == [$TASKA]"
want "A: B's tasks are unknown" 404 "$OPA" GET "/api/v1/devices/$DEVB/tasks"
want "A sees its faults" 200 "$OPA" GET "/api/v1/devices/$DEVA/faults" "len(j['faults']) == 1"
want "A: B's faults are unknown" 404 "$OPA" GET "/api/v1/devices/$DEVB/faults"
want "A sees its sessions" 200 "$OPA" GET "/api/v1/devices/$DEVA/sessions" "len(j['sessions']) >= 1"
want "A: B's sessions are unknown" 404 "$OPA" GET "/api/v1/devices/$DEVB/sessions"
want "A sees its task by id" 200 "$OPA" GET "/api/v1/tasks/$TASKA" "j['id'] == $TASKA"
want "A: B's task by id is unknown" 404 "$OPA" GET "/api/v1/tasks/$TASKB" "j['error'] == 'no such task'"
want "A creates a task for its device" 201 "$OPA" POST "/api/v1/devices/$DEVA/tasks" "" \
    -H 'Content-Type: application/json' -d '{"kind": "reboot"}'
want "A cannot create a task for B's device" 404 "$OPA" POST "/api/v1/devices/$DEVB/tasks" "" \
    -H 'Content-Type: application/json' -d '{"kind": "reboot"}'
check_sql "no task was created for B's device but its own" "1" \
    "SELECT count(*) FROM tasks t JOIN devices d ON d.id = t.device_pk WHERE d.device_id = '$DEVB'"
want "A's device list has only A's device" 200 "$OPA" GET "/api/v1/devices" \
    "[d['deviceId'] for d in j['devices']] == ['$DEVA']"
want "A's prefix search finds nothing of B" 200 "$OPA" GET "/api/v1/devices?prefix=00D09E-ATA2FXS-B" \
    "j['devices'] == []"

# ---- B's operator, the mirror ----
want "B sees its device" 200 "$OPB" GET "/api/v1/devices/$DEVB" "j['deviceId'] == '$DEVB'"
want "B: A's device is unknown" 404 "$OPB" GET "/api/v1/devices/$DEVA"

# ---- tokens: A's admin sees and revokes only A's ----
want "A's admin lists only A's tokens" 200 "$ADMA" GET "/api/v1/tokens" \
    "sorted(t['name'] for t in j['tokens']) == ['adma', 'opa']"
OPB_ID=$(sql "SELECT id FROM api_tokens WHERE name = 'opb'")
want "A's admin cannot revoke B's token" 404 "$ADMA" DELETE "/api/v1/tokens/$OPB_ID"
want "a token A's admin creates belongs to A" 201 "$ADMA" POST "/api/v1/tokens" "" \
    -H 'Content-Type: application/json' -d '{"name": "opa2", "role": "viewer"}'
check_sql "the new token is A's" "provA" \
    "SELECT t.name FROM api_tokens a JOIN tenants t ON t.id = a.tenant_id WHERE a.name = 'opa2'"
PROVA_ID=$(sql "SELECT id FROM tenants WHERE name = 'provA'")
want "A's admin may name its own tenant" 201 "$ADMA" POST "/api/v1/tokens" "j['tenantId'] == $PROVA_ID" \
    -H 'Content-Type: application/json' -d '{"name": "opa3", "role": "viewer", "tenant": "provA"}'
want "A's admin cannot create a token of B" 403 "$ADMA" POST "/api/v1/tokens" \
    "j['error'] == \"a tenant's administrator creates tokens of its own tenant only\"" \
    -H 'Content-Type: application/json' -d '{"name": "sneak", "role": "admin", "tenant": "provB"}'
want "nor of a tenant that does not exist: the same answer (nothing learnt)" 403 "$ADMA" POST "/api/v1/tokens" \
    "'own tenant only' in j['error']" -H 'Content-Type: application/json' \
    -d '{"name": "sneak2", "role": "viewer", "tenant": "nope"}'
want "A's operator cannot create tokens at all (admin only)" 403 "$OPA" POST "/api/v1/tokens" "" \
    -H 'Content-Type: application/json' -d '{"name": "sneak3", "role": "viewer", "tenant": "provA"}'
check_sql "none of the refused tokens exists" 0 "SELECT count(*) FROM api_tokens WHERE name LIKE 'sneak%'"
want "the platform admin creates a token of B" 201 "$ROOT" POST "/api/v1/tokens" "j['tenantId'] is not None" \
    -H 'Content-Type: application/json' -d '{"name": "opb2", "role": "operator", "tenant": "provB"}'
OPB2=$(python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['token'])" "$WORK/w.body")
check_sql "it is B's" "provB|operator|nbi:root" \
    "SELECT t.name || '|' || a.role || '|' || a.created_by FROM api_tokens a JOIN tenants t ON t.id = a.tenant_id
     WHERE a.name = 'opb2'"
want "and it sees B's device only" 200 "$OPB2" GET "/api/v1/devices" "[d['deviceId'] for d in j['devices']] == ['$DEVB']"
want "the platform admin: a tenant that does not exist is a bad request" 400 "$ROOT" POST "/api/v1/tokens" \
    "j['error'] == 'no such tenant'" -H 'Content-Type: application/json' \
    -d '{"name": "x", "role": "viewer", "tenant": "nope"}'
want "without a tenant the platform admin's token is platform-wide" 201 "$ROOT" POST "/api/v1/tokens" \
    "j['tenantId'] is None" -H 'Content-Type: application/json' -d '{"name": "root2", "role": "viewer"}'

# ---- the platform administrator sees all ----
want "the platform admin lists both devices" 200 "$ROOT" GET "/api/v1/devices" \
    "[d['deviceId'] for d in j['devices']] == ['$DEVA', '$DEVB']"
want "the platform admin sees B's task" 200 "$ROOT" GET "/api/v1/tasks/$TASKB" "j['id'] == $TASKB"
want "the platform admin lists every token" 200 "$ROOT" GET "/api/v1/tokens" "len(j['tokens']) == 8"

# the harness runs acsd as acs_cwmp and its NBI as acs_nbi (db/0006_roles.sql), never the superuser
check_sql "acsd's connections: acs_cwmp (sessions, verifier) and acs_nbi (NBI) only" "acs_cwmp acs_nbi" \
    "SELECT string_agg(DISTINCT usename, ' ' ORDER BY usename) FROM pg_stat_activity
     WHERE datname = current_database() AND pid <> pg_backend_pid()"
t_done

#!/bin/bash
# tests/integration/071-nbi-operator.sh — what a NOC operator meets on the NBI and in acsctl:
# device ids typed as printed on the box ("00040E-FRITZ!Box-123") or percent-encoded, with a
# lowercase OUI, ambiguous ones refused with a hint.
. "$(dirname "$0")/lib.sh"
t_init nbi_operator
. "$(dirname "$0")/acsd_lib.sh"
command -v curl >/dev/null || t_skip "curl not installed"
ACSCTL=$BUILD/bin/acsctl
[ -x "$ACSCTL" ] || t_skip "acsctl not built"

acsd_ca
(umask 077 && head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$WORK/secret.key")
FRITZ='00040E-FRITZ%21Box-123'   # as stored: RFC 9039 percent-encoding of "FRITZ!Box"
ATA='00D09E-ATA%2D2FXS-T0020'    # ProductClass "ATA-2FXS"
sql "INSERT INTO devices (device_id, oui, product_class, serial_number, software_version) VALUES
        ('$FRITZ', '00040E', 'FRITZ!Box', '123', '7.57'), ('$ATA', '00D09E', 'ATA-2FXS', 'T0020', '2.0'),
        ('00D09E-A%2DB-C', '00D09E', 'A-B', 'C', '1'), ('00D09E-A-B%2DC', '00D09E', 'A', 'B-C', '1')" >/dev/null
"$ACSCTL" token create --name view --role viewer >"$WORK/view.token" 2>/dev/null &&
    "$ACSCTL" token create --name op --role operator >"$WORK/op.token" 2>/dev/null || { not_ok "tokens"; t_done; }
VIEW=$(cat "$WORK/view.token") OP=$(cat "$WORK/op.token")
acsd_start "secret_key_file = $WORK/secret.key"
BASE=https://localhost:$ACSD_NBI_PORT
export ACS_NBI_URL=$BASE ACS_CACERT=$WORK/chain.pem

# get NAME PATH: the NBI's status for a GET as the viewer (curl sends PATH as written)
get() {
    curl -sS --max-time 20 --cacert "$WORK/chain.pem" -H "Authorization: Bearer $VIEW" -o "$WORK/$1.body" \
        -w '%{http_code}' "$BASE$2" 2>"$WORK/$1.curl"
}
# check_get DESC STATUS NAME PATH [JSON_PY_EXPR]: status, and the body's JSON (as j) satisfies the expression
check_get() {
    local got
    got=$(get "$3" "$4")
    if [ "$got" != "$2" ]; then
        not_ok "$1"
        echo "# expected HTTP $2, got ${got:-nothing}"
        head -c 300 "$WORK/$3.body" | sed 's/^/# body: /'
        return 1
    fi
    [ -z "${5:-}" ] && { ok "$1 (HTTP $got)"; return 0; }
    check "$1 (HTTP $got)" python3 -c "import json,sys; j=json.load(open(sys.argv[1])); sys.exit(0 if ($5) else 1)" \
        "$WORK/$3.body"
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

t_done

#!/bin/bash
# tests/integration/059-acsd-sql.sh — what a session writes, and in how many statements: with
# log_statement=all on the test database, Inform + empty POST + 204 is 2 statements and a
# session with one GetParameterValues task 3 (one round trip each); BOOTSTRAP drops the cached
# parameters the Inform does not carry and resets the writable flag of those it does, a periodic
# Inform keeps both; open tasks past max_attempts or expires_at are expired in the statement
# that takes the next one; a device whose lease another session holds is refused (503) with
# nothing written, an expired lease is taken over.
. "$(dirname "$0")/lib.sh"
t_init acsd_sql
. "$(dirname "$0")/acsd_lib.sh"

acsd_ca
DEV=00D09E-SQLBOX-S0001
check "device certificate for $DEV" mkdev dev "$DEV" || t_done
COUNT=0
if [ -n "${PGLOG:-}" ] && [ -r "$PGLOG" ]; then
    sql "ALTER DATABASE $DBNAME SET log_statement = 'all'" >/dev/null && COUNT=1
fi
acsd_start
inform inform-bootstrap-boot-1-2.xml "$WORK/boot.xml" 00D09E SQLBOX S0001
inform inform-periodic-1-2.xml "$WORK/periodic.xml" 00D09E SQLBOX S0001

mark() { MARK=$(stat -c %s "$PGLOG" 2>/dev/null || echo 0); }
# statements DESC N: the server logged exactly N statements since the mark (no psql in between)
statements() {
    [ "$COUNT" = 1 ] || { echo "# statement counts skipped: no readable \$PGLOG"; return 0; }
    local got
    got=$(tail -c +"$((MARK + 1))" "$PGLOG" | grep -cE 'LOG:  (statement|execute [^:]*):')
    if [ "$got" = "$2" ]; then
        ok "$1: $got statements"
    else
        not_ok "$1: $2 statements"
        echo "# got $got:"
        tail -c +"$((MARK + 1))" "$PGLOG" | grep -E 'LOG:  (statement|execute [^:]*):' | cut -c1-160 | sed 's/^/# /'
    fi
}
params() {
    sql "SELECT p.name || '=' || p.value || '|' || coalesce(p.writable::text, 'null') FROM device_params p
         JOIN devices d ON d.id = p.device_pk WHERE d.device_id = '$DEV' ORDER BY p.name" | paste -sd' '
}

# ---- BOOTSTRAP, no task ------------------------------------------------------------------------
mark
cwmp boot dev "@$WORK/boot.xml" -
check_statuses "BOOTSTRAP Inform, empty POST, 204" "200 204" boot
statements "Inform + empty POST + 204" 2
check_sql "six parameters cached" 6 \
    "SELECT count(*) FROM device_params p JOIN devices d ON d.id = p.device_pk WHERE d.device_id = '$DEV'"
check_sql "sessions row closed ok, 1 RPC, lease released" "ok|1|t|t" \
    "SELECT s.result, s.rpcs, s.ended_at IS NOT NULL, d.session_row IS NULL AND d.session_lease_until IS NULL
       FROM sessions s JOIN devices d ON d.id = s.device_pk WHERE d.device_id = '$DEV'"
check_sql "the device row points at no session and was informed" "t|t|{\"0 BOOTSTRAP\",\"1 BOOT\"}" \
    "SELECT last_inform IS NOT NULL, last_boot IS NOT NULL, last_events FROM devices WHERE device_id = '$DEV'"
PK=$(sql "SELECT id FROM devices WHERE device_id = '$DEV'")

# ---- a periodic Inform keeps what it does not carry ----------------------------------------------
sql "INSERT INTO device_params (device_pk, name, value) VALUES ($PK, 'Device.Stale.Param', 'old');
     UPDATE device_params SET writable = true WHERE device_pk = $PK AND name = 'Device.DeviceInfo.ProvisioningCode'" \
    >/dev/null
cwmp periodic dev "@$WORK/periodic.xml" -
check_statuses "periodic session" "200 204" periodic
check_output "the stale parameter and the writable flag stay" "Device.Stale.Param=old\|null" params
check_output "... and so does the flag" "Device.DeviceInfo.ProvisioningCode=[^ ]*\|true" params

# ---- tasks: two to expire, one GetParameterValues ---------------------------------------------------
sql "INSERT INTO tasks (device_pk, kind, args, attempts, max_attempts) VALUES
       ($PK, 'reboot', '{}', 3, 3);
     INSERT INTO tasks (device_pk, kind, args, expires_at) VALUES
       ($PK, 'reboot', '{}', now() - interval '1 second');
     INSERT INTO tasks (device_pk, kind, args) VALUES
       ($PK, 'getParameterValues', '{\"names\": [\"Device.ManagementServer.PeriodicInformInterval\"]}')" >/dev/null
mark
cwmp gpv dev "@$WORK/periodic.xml" = "@$SAMPLES/valid/getparametervaluesresponse-1-2.xml"
check_statuses "Inform, empty POST -> GetParameterValues, its answer -> 204" "200 200 204" gpv
statements "a session with one GetParameterValues task" 3
check_output "the task sent is the GetParameterValues" '<cwmp:GetParameterValues>' cat "$WORK/gpv/2.body"
check_sql "the two stale tasks expired with their reasons, the GPV done" \
    "expired|no answer after 3 attempts expired|expired before it was answered done|" \
    "SELECT string_agg(state || '|' || coalesce(fault_string, ''), ' ' ORDER BY id) FROM tasks WHERE device_pk = $PK"
check_sql "... and the expired ones were not sent" "3 0 1" \
    "SELECT string_agg(attempts::text, ' ' ORDER BY id) FROM tasks WHERE device_pk = $PK"
check_sql "GPV values cached" "3600|xsd:unsignedInt" \
    "SELECT value || '|' || xsd_type FROM device_params WHERE device_pk = $PK
       AND name = 'Device.ManagementServer.PeriodicInformInterval'"
check_sql "the session row counts 2 RPCs and is closed, lease released" "ok|2|t" \
    "SELECT s.result, s.rpcs, d.session_row IS NULL FROM sessions s JOIN devices d ON d.id = s.device_pk
      WHERE s.device_pk = $PK ORDER BY s.id DESC LIMIT 1"

# ---- BOOTSTRAP again: the cache is what this Inform carries ------------------------------------------
cwmp boot2 dev "@$WORK/boot.xml" -
check_statuses "second BOOTSTRAP session" "200 204" boot2
check_sql "only the Inform's six parameters are left, none flagged writable" "6|0" \
    "SELECT count(*), count(writable) FROM device_params WHERE device_pk = $PK"

# ---- leases -----------------------------------------------------------------------------------------
sql "UPDATE devices SET session_row = 999999, session_lease_until = now() + interval '1 hour',
     last_inform = '2001-01-01' WHERE id = $PK" >/dev/null
NSESS=$(sql "SELECT count(*) FROM sessions WHERE device_pk = $PK")
BEFORE=$(params)
cwmp busy dev "@$WORK/periodic.xml"
check_statuses "a device held by another live session: 503" "503" busy
check_output "... saying so" 'another session of this device is open' cat "$WORK/busy/1.body"
check_sql "... and nothing was written (lease, device, sessions)" "999999|2001-01-01|$NSESS" \
    "SELECT d.session_row, d.last_inform::date, (SELECT count(*) FROM sessions WHERE device_pk = d.id)
       FROM devices d WHERE d.id = $PK"
check_output "... nor the parameters" "^same$" bash -c "[ \"\$(psql -d '$DBNAME' -qAtX -c \"SELECT p.name || '=' || p.value || '|' || coalesce(p.writable::text, 'null') FROM device_params p WHERE p.device_pk = $PK ORDER BY p.name\" | paste -sd' ')\" = '$BEFORE' ] && echo same"
sql "UPDATE devices SET session_lease_until = now() - interval '1 second' WHERE id = $PK" >/dev/null
cwmp takeover dev "@$WORK/periodic.xml" -
check_statuses "an expired lease is taken over" "200 204" takeover
check_sql "... and released at the end" "t|ok" \
    "SELECT d.session_row IS NULL, (SELECT result FROM sessions WHERE device_pk = d.id ORDER BY id DESC LIMIT 1)
       FROM devices d WHERE d.id = $PK"

t_done

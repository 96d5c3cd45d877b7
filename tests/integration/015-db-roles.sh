#!/bin/bash
# tests/integration/015-db-roles.sh — the roles of db/0006_roles.sql, connected to as each
# component is: acs_cwmp (acsd) refused the CA tables, the audit trail and every secret column;
# acs_nbi refused CA writes; acs_readonly refused every write and secret. Each role is also
# shown doing what it needs, so that no refusal passes only because the role cannot connect.
. "$(dirname "$0")/lib.sh"
t_init db-roles
command -v psql >/dev/null || t_skip "psql not installed"

check "root CA" "$ACS_CA" init || t_done
check "issuing CA" "$ACS_CA" issuer create devices || t_done
sql_su() { psql -d "$DBNAME" -qAtX -v ON_ERROR_STOP=1 -c "$1"; }
sql_su "INSERT INTO devices (device_id, oui, serial_number) VALUES ('00D09E-Box-1', '00D09E', '1');
        INSERT INTO tasks (device_pk, kind) SELECT id, 'reboot' FROM devices;
        INSERT INTO api_tokens (name, role, token_hash) VALUES ('t', 'admin', '\\x00');" >/dev/null ||
    { not_ok "rows set up"; t_done; }

# as ROLE SQL: run SQL as that role (psql as the role itself, not SET ROLE)
as() { psql -d "$DBNAME" -U "$1" -qAtX -v ON_ERROR_STOP=1 -c "$2"; }
allowed() { check "$1 may: $2" as "$1" "$2"; }
refused() { check_fail_output "$1 refused: $2" 'permission denied|must be owner' as "$1" "$2"; }

check_output "acs_cwmp is not a superuser, owns nothing" '^f\|0$' as acs_cwmp \
    "SELECT rolsuper, (SELECT count(*) FROM pg_tables WHERE tableowner = current_user) FROM pg_roles
     WHERE rolname = current_user"

# ---- acs_cwmp (acsd) ----
allowed acs_cwmp "UPDATE devices SET last_inform = now() WHERE device_id = '00D09E-Box-1'"
allowed acs_cwmp "UPDATE tasks SET attempts = attempts WHERE kind = 'reboot'"
allowed acs_cwmp "SELECT count(*) FROM ca_authorities WHERE cert_der IS NOT NULL"
allowed acs_cwmp "SELECT count(*) FROM revocations"
allowed acs_cwmp "WITH h AS (SELECT last_id FROM audit_head FOR UPDATE) SELECT count(*) FROM h"
allowed acs_cwmp "INSERT INTO audit_log VALUES (1000, now(), 'x', 'x', '', 'ok', '', '\\x00', '\\x00')"
refused acs_cwmp "INSERT INTO ca_authorities (name, kind, parent_id, subject, serial, key_type, key_file, cert_der,
                  not_before, not_after) SELECT 'evil', 'issuer', id, 's', 'ff', 'ec-p256', 'k', cert_der, now(),
                  now() FROM ca_authorities WHERE kind = 'root'"
refused acs_cwmp "UPDATE ca_authorities SET cert_der = '\\x00'"
refused acs_cwmp "INSERT INTO revocations (serial, reason, actor) SELECT serial, 1, 'x' FROM certificates LIMIT 1"
# EST is the signer's (acs_ca): acsd cannot record a certificate, spend a token or find a key file
allowed acs_cwmp "SELECT count(*) FROM certificates WHERE not_after > now() AND device_id IS NOT NULL"
refused acs_cwmp "INSERT INTO certificates (serial, issuer_id, subject, profile, not_before, not_after, cert_der, issued_via)
    SELECT 'ab12', id, 'CN=x', 'device', now(), now(), '\\x00', 'est' FROM ca_authorities LIMIT 1"
refused acs_cwmp "SELECT cert_der FROM certificates"
refused acs_cwmp "SELECT count(*) FROM enrollment_tokens"
refused acs_cwmp "UPDATE enrollment_tokens SET used_at = now()"
refused acs_cwmp "SELECT key_file FROM ca_authorities"
refused acs_cwmp "UPDATE audit_log SET details = 'rewritten'"
refused acs_cwmp "DELETE FROM audit_log"
refused acs_cwmp "ALTER TABLE audit_log DISABLE TRIGGER audit_log_no_change"
refused acs_cwmp "DROP TABLE audit_log"
refused acs_cwmp "TRUNCATE audit_log"
refused acs_cwmp "DROP TRIGGER audit_log_no_change ON audit_log"
refused acs_cwmp "SELECT token_hash FROM api_tokens"
refused acs_cwmp "INSERT INTO tasks (device_pk, kind) SELECT id, 'reboot' FROM devices"
refused acs_cwmp "CREATE TABLE x (a int)"
refused acs_cwmp "SELECT audit_log_append_only()"

# ---- acs_nbi (the NBI, acsctl) ----
allowed acs_nbi "INSERT INTO tasks (device_pk, kind) SELECT id, 'factoryReset' FROM devices"
allowed acs_nbi "SELECT count(*) FROM api_tokens WHERE token_hash = '\\x00'"
allowed acs_nbi "UPDATE api_tokens SET last_used_at = now()"
refused acs_nbi "UPDATE ca_authorities SET crl_number = 7"
refused acs_nbi "INSERT INTO revocations (serial, reason, actor) SELECT serial, 1, 'x' FROM certificates LIMIT 1"
refused acs_nbi "INSERT INTO enrollment_tokens (token_hash, device_id, issuer_id, expires_at, created_by)
                 VALUES ('\\x01', 'd', 1, now(), 'x')"
refused acs_nbi "SELECT * FROM audit_log"
refused acs_nbi "UPDATE devices SET cr_password_enc = NULL"
refused acs_nbi "DELETE FROM tasks"

# ---- acs_readonly (reports) ----
allowed acs_readonly "SELECT count(*) FROM devices d JOIN tasks t ON t.device_pk = d.id WHERE t.state = 'pending'"
allowed acs_readonly "SELECT count(*) FROM audit_log"
for q in "UPDATE devices SET manufacturer = 'x'" "INSERT INTO faults (device_pk, code) SELECT id, 1 FROM devices" \
    "DELETE FROM sessions" "UPDATE tasks SET state = 'cancelled'" "INSERT INTO audit_head VALUES (true, 0, '\\x00')"; do
    refused acs_readonly "$q"
done
for col in "cr_password_enc FROM devices" "legacy_ha1 FROM devices" "legacy_password_hash FROM devices" \
    "token_hash FROM api_tokens" "token_hash FROM enrollment_tokens" "key_file FROM ca_authorities" \
    "args FROM tasks"; do
    refused acs_readonly "SELECT $col"
done

# ---- acs_ca (acs-ca, the signer, OCSP) ----
allowed acs_ca "UPDATE ca_authorities SET crl_number = crl_number WHERE kind = 'issuer'"
refused acs_ca "SELECT * FROM devices"
refused acs_ca "ALTER TABLE audit_log DISABLE TRIGGER audit_log_no_change"
refused acs_ca "UPDATE audit_log SET details = 'x'"

# PUBLIC: another login role of the cluster reaches nothing of ours
sql_su "DO \$\$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'acs_test_stranger') THEN
        CREATE ROLE acs_test_stranger LOGIN; END IF; END \$\$" >/dev/null
refused acs_test_stranger "SELECT count(*) FROM public.devices"
refused acs_test_stranger "SELECT count(*) FROM public.ca_authorities"
t_done

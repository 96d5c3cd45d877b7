#!/usr/bin/env bash
# Retention: old ended sessions, old faults and old finished tasks are pruned in batches
# (acsd --prune-now, and acsd's housekeeper on its interval); open sessions, pending and sent
# tasks, recent rows and the audit log are kept; 0 days keeps a table forever.
. "$(dirname "$0")/lib.sh"
t_init retention
. "$(dirname "$0")/acsd_lib.sh"

# fill: one device; 35 old ended sessions, 2 recent ones, 1 old one still open; faults 200 days
# old (35) and 100 days old (3, inside the 180-day default); 35 old finished tasks of every end
# state, old pending and sent tasks, 2 recent done tasks
fill() {
    psql -v ON_ERROR_STOP=1 -qAtX -d "$DBNAME" <<'SQL'
SET client_min_messages = warning;
TRUNCATE faults, tasks, sessions, devices RESTART IDENTITY CASCADE;
INSERT INTO devices (device_id, oui, product_class, serial_number) VALUES ('00D09E-Ret-1', '00D09E', 'Ret', '1');
INSERT INTO sessions (device_pk, auth, started_at, ended_at, result)
  SELECT 1, 'cert', now() - interval '100 days', now() - interval '100 days', 'ok' FROM generate_series(1, 35);
INSERT INTO sessions (device_pk, auth, started_at, ended_at, result)
  SELECT 1, 'cert', now() - interval '10 days', now() - interval '10 days', 'ok' FROM generate_series(1, 2);
INSERT INTO sessions (device_pk, auth, started_at, result) VALUES (1, 'cert', now() - interval '100 days', 'open');
INSERT INTO faults (device_pk, code, at) SELECT 1, 9002, now() - interval '200 days' FROM generate_series(1, 35);
INSERT INTO faults (device_pk, code, at) SELECT 1, 9002, now() - interval '100 days' FROM generate_series(1, 3);
INSERT INTO tasks (device_pk, kind, state, created_at, finished_at)
  SELECT 1, 'reboot', (ARRAY['done', 'fault', 'expired', 'cancelled'])[1 + i % 4], now() - interval '101 days',
         now() - interval '100 days' FROM generate_series(1, 35) i;
INSERT INTO tasks (device_pk, kind, state, created_at) VALUES (1, 'reboot', 'pending', now() - interval '100 days'),
  (1, 'reboot', 'sent', now() - interval '100 days');
INSERT INTO tasks (device_pk, kind, state, created_at, finished_at)
  SELECT 1, 'reboot', 'done', now() - interval '5 days', now() - interval '5 days' FROM generate_series(1, 2);
SQL
}
counts() {
    sql "SELECT (SELECT count(*) FROM sessions) || ' ' || (SELECT count(*) FROM sessions WHERE result = 'open')
         || ' ' || (SELECT count(*) FROM faults) || ' ' || (SELECT count(*) FROM tasks) || ' '
         || (SELECT string_agg(state, ',' ORDER BY state) FROM tasks WHERE state IN ('pending', 'sent'))"
}

acsd_ca
AUDIT=$(sql "SELECT count(*) || ' ' || max(id) FROM audit_log")
check "the rows are in" fill
check_output "before: 38 sessions (1 open), 38 faults, 39 tasks" '^38 1 38 39 pending,sent$' counts

# --- once, by hand -------------------------------------------------------------------
P=$WORK/prune.ini
{ cat "$WORK/acs.ini"; printf '\n[db]\nconninfo = dbname=%s user=acs_cwmp\n[retention]\nbatch = 10\npause_ms = 0\n' "$DBNAME"; } >"$P" # acsd's own role
check_output "acsd --prune-now logs the counts of its run, 10 rows a statement" \
    'event=retention result=ok sessions=35 faults=35 tasks=35 statements=12 batch=10' \
    "$BUILD/bin/acsd" -c "$P" --prune-now
check_output "old ended sessions, old faults, old finished tasks gone; the rest kept" \
    '^3 1 3 4 pending,sent$' counts
check_sql "the open session is the old one" "1" \
    "SELECT count(*) FROM sessions WHERE result = 'open' AND started_at < now() - interval '99 days'"
check_sql "the recent faults (inside 180 days) are kept" "3" "SELECT count(*) FROM faults"
check_sql "the audit log is untouched" "$AUDIT" "SELECT count(*) || ' ' || max(id) FROM audit_log"
check "the audit chain still verifies" "$ACS_CA" audit verify
check_output "a second run has nothing left" 'sessions=0 faults=0 tasks=0 statements=3' \
    "$BUILD/bin/acsd" -c "$P" --prune-now

# --- 0 keeps forever ---------------------------------------------------------------------
fill
printf 'faults_days = 0\ntasks_days = 0\n' >>"$P"
check_output "with faults_days and tasks_days 0 only sessions go" 'sessions=35 faults=0 tasks=0' \
    "$BUILD/bin/acsd" -c "$P" --prune-now
check_output "faults and tasks all kept" '^3 1 38 39 pending,sent$' counts

# --- acsd's housekeeper ----------------------------------------------------------------
fill
acsd_start '[retention]' 'interval_s = 2' 'batch = 10'
check "acsd's housekeeper prunes on its interval, in batches" \
    acsd_log_has 'event=retention result=ok sessions=35 faults=35 tasks=35 statements=12 batch=10' 30
check_output "the same rows are kept" '^3 1 3 4 pending,sent$' counts
check_sql "the audit log is untouched" "$AUDIT" "SELECT count(*) || ' ' || max(id) FROM audit_log"
check "acsd's log is key=value pairs throughout" python3 "$TOP/tests/integration/tools/logfmt_check.py" "$WORK/acsd.log"
t_done

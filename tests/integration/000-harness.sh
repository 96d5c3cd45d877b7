#!/bin/bash
# Self-test of tests/integration/lib.sh: the per-test database is cloned from the
# migrated template, the config files exist, and checks really can fail; scripts/pg works
# from a directory the postgres user cannot enter.
. "$(dirname "$0")/lib.sh"
t_init harness

check_output "psql reaches the test database" '^1$' psql -d "$DBNAME" -tAc 'select 1'
check_output "template was migrated (schema_migrations has rows)" '^[1-9][0-9]*$' \
    psql -d "$DBNAME" -tAc 'select count(*) from schema_migrations'
check_output "acs.ini names the test database" "^conninfo = dbname=$DBNAME\$" cat "$ACS_CONFIG"
check_output "passphrase file is private" '^600$' stat -c %a "$WORK/passphrase"
check_fail "false fails" false
check_exit "exit codes are compared" 3 sh -c 'exit 3'
check_fail_output "failure output is matched" 'No such file' ls /nonexistent-acs-test
port=$(free_port)
start_bg listener python3 -c '
import socket, sys, time
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(sys.argv[1]))); s.listen(); time.sleep(300)' "$port"
check "background daemon accepts on a free port" wait_port "$port" 10
stop_bg listener
check_fail "stopped daemon no longer accepts" wait_port "$port" 1

# scripts/pg runs the PostgreSQL tools as the postgres user: from a directory that user cannot
# enter (a checkout in /root) they must not complain (a second, throwaway cluster)
if [ "$(id -u)" = 0 ] && id postgres >/dev/null 2>&1; then
    mkdir -m 0700 "$WORK/private"
    inst=harness$$
    check_output "scripts/pg start and stop from a directory postgres cannot enter" '^stopped$' \
        sh -c "cd '$WORK/private' && PG_INSTANCE=$inst '$TOP/scripts/pg' start && PG_INSTANCE=$inst '$TOP/scripts/pg' stop &&
               { PG_INSTANCE=$inst '$TOP/scripts/pg' status || true; }"
    cp "$WORK/last.out" "$WORK/pg-private.out"
    check_fail "without 'could not change directory'" grep -q 'could not change directory' "$WORK/pg-private.out"
fi
t_done

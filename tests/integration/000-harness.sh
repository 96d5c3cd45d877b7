#!/bin/bash
# Self-test of tests/integration/lib.sh: the per-test database is cloned from the
# migrated template, the config files exist, and checks really can fail.
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
t_done

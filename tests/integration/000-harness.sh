#!/bin/bash
# Self-test of tests/integration/lib.sh: the per-test database is cloned from the
# migrated template, the config files exist, and checks really can fail; scripts/pg works
# from a directory the postgres user cannot enter.
. "$(dirname "$0")/lib.sh"
t_init harness

check_output "psql reaches the test database" '^1$' psql -d "$DBNAME" -tAc 'select 1'
check_output "template was migrated (schema_migrations has rows)" '^[1-9][0-9]*$' \
    psql -d "$DBNAME" -tAc 'select count(*) from schema_migrations'
check_output "acs.ini names the test database" "^conninfo = dbname=$DBNAME user=acs_ca\$" cat "$ACS_CONFIG"
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
# the log-format checker the daemon tests use really refuses what a NOC could not parse
printf '%s\n' 'ts=2026-12-02T06:00:00Z level=info component=x event=e reason="no certificate" n=1' \
    'acsd: listening on 127.0.0.1:1' '<6>component=x event=e detail="a \"quoted\" word"' >"$WORK/good.log"
check_output "logfmt_check accepts quoted values and skips plain lines" '^2 lines checked, 0 not parseable$' \
    python3 "$TOP/tests/integration/tools/logfmt_check.py" "$WORK/good.log"
printf '%s\n' 'ts=x level=warning component=x event=refused reason=no certificate remote=1' >"$WORK/bad1.log"
check_fail "logfmt_check refuses an unquoted value with a space" \
    python3 "$TOP/tests/integration/tools/logfmt_check.py" "$WORK/bad1.log"
printf '%s\n' 'ts=x level=error component=x error="relation "t" does not exist"' >"$WORK/bad2.log"
check_fail "and a hand-quoted value with a quote inside" python3 "$TOP/tests/integration/tools/logfmt_check.py" "$WORK/bad2.log"
t_done

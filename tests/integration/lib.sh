# tests/integration/lib.sh — helpers sourced by tests/integration/NNN-name.sh.
# Each script: `. "$(dirname "$0")/lib.sh"; t_init name; check ...; t_done`.
# Prints TAP-like "ok - desc" / "not ok - desc" lines that tests/run-tests counts;
# exit 0 = all ok, 1 = something failed, 77 = skipped (t_skip).
# Checks return 0/1 (so `check ... || t_done` stops early); don't use `set -e`.
# CMD runs with stdin from /dev/null; wrap pipelines in `sh -c '...'`.
# Environment (set by tests/run-tests; defaults allow running a script by hand):
#   TOP (repo root), BUILD (build dir), TEMPLATE_DB (migrated template database),
#   PG* (from scripts/pg env), KEEP_WORK=1 keeps $WORK for inspection.
# Each component connects as its own role (db/0006_roles.sql): acs.ini says user=acs_ca in
# [db] (acs-ca) and user=acs_nbi in [nbi] (acsctl); acsd_start adds user=acs_cwmp for acsd.
# psql in the scripts (sql, check_sql) stays the superuser of scripts/pg: it sets up rows and
# inspects them.

TOP=${TOP:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
BUILD=${BUILD:-$TOP/build}
case $BUILD in /*) ;; *) BUILD=$TOP/$BUILD ;; esac
TEMPLATE_DB=${TEMPLATE_DB:-acs_template}
export TOP BUILD TEMPLATE_DB
if [ -z "${PGHOST:-}" ] && [ -x "$TOP/scripts/pg" ]; then
    eval "$("$TOP/scripts/pg" env 2>/dev/null)"
fi

T_OK=0
T_NOT_OK=0
T_NAME=
WORK=
DBNAME=
declare -a T_PIDS=()
declare -A T_PID_OF=()

t_cleanup() {
    local rc=$? pid
    trap - EXIT INT TERM
    for pid in "${T_PIDS[@]}"; do
        t_kill_pid "$pid"
    done
    if [ -n "$DBNAME" ]; then
        dropdb --if-exists "$DBNAME" >/dev/null 2>&1 ||
            echo "# warning: could not drop database $DBNAME" >&2
    fi
    if [ -n "$WORK" ] && [ -d "$WORK" ]; then
        if [ "${KEEP_WORK:-0}" = 1 ]; then
            echo "# KEEP_WORK=1: kept $WORK" >&2
        else
            rm -rf "$WORK"
        fi
    fi
    exit "$rc"
}

# Stop a daemon started by start_bg (its whole process group), TERM then KILL.
t_kill_pid() {
    local pid=$1 i
    kill -0 "$pid" 2>/dev/null || { wait "$pid" 2>/dev/null; return 0; }
    kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null
    for i in $(seq 50); do
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
    done
    kill -KILL -- "-$pid" 2>/dev/null || kill -KILL "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
    return 0
}

# t_init NAME: scratch dir, fresh database cloned from $TEMPLATE_DB, acs.ini.
t_init() {
    T_NAME=$1
    trap t_cleanup EXIT
    trap 'exit 130' INT
    trap 'exit 143' TERM
    WORK=$(mktemp -d /tmp/acs-test.XXXXXX) || { echo "not ok - $T_NAME: mktemp"; exit 1; }
    export WORK
    local safe
    safe=$(printf '%s' "$T_NAME" | tr -c 'a-zA-Z0-9_' '_' | tr 'A-Z' 'a-z' | cut -c1-40)
    if ! createdb -T "$TEMPLATE_DB" "t_${safe}_$$" >"$WORK/createdb.out" 2>&1; then
        echo "not ok - create database from template $TEMPLATE_DB"
        sed 's/^/# /' "$WORK/createdb.out"
        exit 1
    fi
    DBNAME=t_${safe}_$$
    export DBNAME
    unset ACS_DB_CONNINFO ACS_NBI_CONNINFO # the roles come from acs.ini, not a stray environment
    (umask 077 && head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$WORK/passphrase")
    chmod 0600 "$WORK/passphrase"
    # the root key has its own passphrase (offline ceremonies); acsd and the signer never get it
    (umask 077 && head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$WORK/root-passphrase")
    cat >"$WORK/acs.ini" <<EOF
[db]
conninfo = dbname=$DBNAME user=acs_ca

[nbi]
conninfo = dbname=$DBNAME user=acs_nbi

[ca]
key_dir = $WORK/keys
passphrase_file = $WORK/passphrase
root_passphrase_file = $WORK/root-passphrase
EOF
    ACS_CONFIG=$WORK/acs.ini
    ACS_CA="$BUILD/bin/acs-ca"
    export ACS_CONFIG ACS_CA
    echo "# $T_NAME: work=$WORK db=$DBNAME"
}

ok() {
    T_OK=$((T_OK + 1))
    echo "ok - $*"
}

not_ok() {
    T_NOT_OK=$((T_NOT_OK + 1))
    echo "not ok - $*"
}

# Run "$@" with stdout+stderr in $WORK/last.out; sets T_RC.
t_run() {
    T_RC=0
    "$@" >"$WORK/last.out" 2>&1 </dev/null || T_RC=$?
}

t_show_output() {
    echo "# command: $*"
    echo "# exit code: $T_RC"
    head -n 20 "$WORK/last.out" | sed 's/^/# /'
}

# check DESC CMD...: ok if CMD exits 0.
check() {
    local desc=$1; shift
    t_run "$@"
    if [ "$T_RC" -eq 0 ]; then ok "$desc"; return 0; fi
    not_ok "$desc"; t_show_output "$@"; return 1
}

# check_fail DESC CMD...: ok if CMD exits non-zero.
check_fail() {
    local desc=$1; shift
    t_run "$@"
    if [ "$T_RC" -ne 0 ]; then ok "$desc"; return 0; fi
    not_ok "$desc"; t_show_output "$@"; return 1
}

# check_exit DESC CODE CMD...: ok if CMD exits with CODE.
check_exit() {
    local desc=$1 code=$2; shift 2
    t_run "$@"
    if [ "$T_RC" -eq "$code" ]; then ok "$desc"; return 0; fi
    not_ok "$desc"; echo "# expected exit code $code"; t_show_output "$@"; return 1
}

# check_output DESC REGEX CMD...: ok if CMD exits 0 and its output matches REGEX (grep -E).
check_output() {
    local desc=$1 re=$2; shift 2
    t_run "$@"
    if [ "$T_RC" -eq 0 ] && grep -Eq -- "$re" "$WORK/last.out"; then ok "$desc"; return 0; fi
    not_ok "$desc"; echo "# expected output matching: $re"; t_show_output "$@"; return 1
}

# check_fail_output DESC REGEX CMD...: ok if CMD exits non-zero and its output matches REGEX.
check_fail_output() {
    local desc=$1 re=$2; shift 2
    t_run "$@"
    if [ "$T_RC" -ne 0 ] && grep -Eq -- "$re" "$WORK/last.out"; then ok "$desc"; return 0; fi
    not_ok "$desc"; echo "# expected failure with output matching: $re"; t_show_output "$@"; return 1
}

# free_port: print a TCP port that was free on 127.0.0.1 a moment ago.
free_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

# wait_port PORT [SECONDS]: wait until 127.0.0.1:PORT accepts connections (default 10 s).
wait_port() {
    local port=$1 secs=${2:-10} i
    for ((i = 0; i < secs * 10; i++)); do
        if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
            return 0
        fi
        sleep 0.1
    done
    echo "# wait_port: nothing listening on 127.0.0.1:$port after ${secs}s"
    return 1
}

# start_bg NAME CMD...: run a daemon in its own process group, output in $WORK/NAME.log;
# killed on exit (or by stop_bg NAME). Sets BG_PID. The log is emptied here, before the
# daemon starts: a `>` redirection of the background job would truncate it only in the
# child, maybe after the caller has already read the previous daemon's lines from it.
start_bg() {
    local name=$1; shift
    : >"$WORK/$name.log"
    setsid "$@" >>"$WORK/$name.log" 2>&1 </dev/null &
    BG_PID=$!
    T_PIDS+=("$BG_PID")
    T_PID_OF[$name]=$BG_PID
}

# stop_bg NAME: stop a daemon started by start_bg now.
stop_bg() {
    local pid=${T_PID_OF[$1]:-}
    [ -n "$pid" ] && t_kill_pid "$pid"
    return 0
}

# t_skip REASON: skip the whole script (exit 77).
t_skip() {
    echo "# SKIP $*"
    exit 77
}

# t_done: summary line; exit 1 if any check failed.
t_done() {
    echo "# $T_OK ok, $T_NOT_OK not ok"
    [ "$T_NOT_OK" -eq 0 ] && exit 0
    exit 1
}

# expired_cert CSR DEVICE_ID OUT [START END]: sign CSR with the real issuing CA "devices"
# ($WORK/keys, $WORK/passphrase) but with a validity that ended in 2021, or START..END
# (YYYYMMDDHHMMSSZ: a certificate expiring in seconds), which openssl ca can do and our CA
# cannot, by design. Needs $WORK/issuer.pem (the devices CA certificate).
expired_cert() {
    local csr=$1 dev=$2 out=$3 start=${4:-20200101000000Z} end=${5:-20210101000000Z} d=$WORK/oca
    mkdir -p "$d" && : >"$d/index.txt" && echo 01 >"$d/serial"
    cat >"$d/ca.cnf" <<CNF
[ca]
default_ca = x
[x]
database = $d/index.txt
new_certs_dir = $d
serial = $d/serial
default_md = sha256
policy = p
email_in_dn = no
unique_subject = no
copy_extensions = none
x509_extensions = e
[p]
commonName = supplied
[e]
extendedKeyUsage = clientAuth
subjectAltName = URI:urn:dev:ops:$dev
CNF
    openssl ca -batch -config "$d/ca.cnf" -in "$csr" -cert "$WORK/issuer.pem" \
        -keyfile "$WORK/keys/devices.key.pem" -passin "file:$WORK/passphrase" \
        -startdate "$start" -enddate "$end" -out "$out"
}

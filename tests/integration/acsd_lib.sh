# tests/integration/acsd_lib.sh — helpers for the 050-acsd-*.sh scripts (sourced after lib.sh and
# t_init): a CA with a server certificate, device certificates from openssl CSRs, acsd on a free
# port, Inform envelopes from the shared samples rewritten to a device identity, CWMP sessions
# through tools/cwmp_client.py, psql one-liners.

SAMPLES=${CWMP_SAMPLES:-$TOP/../shared/cwmp/samples}
VALIDATOR=$TOP/../shared/cwmp/tools/cwmp_validate.py
CLIENT=$TOP/tests/integration/tools/cwmp_client.py

for tool in openssl psql python3 xmllint; do
    command -v "$tool" >/dev/null || t_skip "$tool not installed"
done
[ -x "$BUILD/bin/acsd" ] || t_skip "acsd not built"
[ -d "$SAMPLES/valid" ] || t_skip "no CWMP samples at $SAMPLES"

# acsd_ca: root + issuing CA, server certificate for localhost, the chain clients trust.
acsd_ca() {
    check "root CA" "$ACS_CA" init || t_done
    check "issuing CA devices" "$ACS_CA" issuer create devices || t_done
    check "server certificate for localhost" "$ACS_CA" server-cert --cn localhost --dns localhost \
        --ip 127.0.0.1 --out-cert "$WORK/server.crt" --out-key "$WORK/server.key" || t_done
    check "CA chain for clients" "$ACS_CA" cacerts --out "$WORK/chain.pem" || t_done
}

# mkdev NAME DEVICE_ID: key + CSR made with openssl, certificate issued by the CA:
# $WORK/NAME.key, $WORK/NAME.crt
mkdev() {
    local name=$1 id=$2
    openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$WORK/$name.key" \
        -subj "/CN=$id" -out "$WORK/$name.csr" 2>"$WORK/$name.openssl.log" &&
        "$ACS_CA" issue --csr "$WORK/$name.csr" --device "$id" --out "$WORK/$name.crt" >"$WORK/$name.issue.log" 2>&1
}

# inform SAMPLE OUT OUI PRODUCTCLASS SERIAL: a sample Inform with another DeviceId.
inform() {
    sed -e "s#<OUI>[^<]*</OUI>#<OUI>$3</OUI>#" -e "s#<ProductClass>[^<]*</ProductClass>#<ProductClass>$4</ProductClass>#" \
        -e "s#<SerialNumber>[^<]*</SerialNumber>#<SerialNumber>$5</SerialNumber>#" "$SAMPLES/valid/$1" >"$2"
}

# nbi_test_setup: what the NBI tests share: curl, acsctl and secret_seal built (ACSCTL, SEAL), the
# CA (acsd_ca) and acsd's sealing key $WORK/secret.key (for [acs] secret_key_file).
nbi_test_setup() {
    command -v curl >/dev/null || t_skip "curl not installed"
    ACSCTL=$BUILD/bin/acsctl
    SEAL=$BUILD/tests/tools/secret_seal
    [ -x "$ACSCTL" ] && [ -x "$SEAL" ] || t_skip "acsctl or secret_seal not built"
    acsd_ca
    (umask 077 && head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$WORK/secret.key")
}

# signer_start: acs-ca sign-serve on $WORK/signer.sock (once; acsd_start calls it), as the CA's
# role with the issuers' passphrase and without the root's: acsd forwards EST enrollments there.
signer_start() {
    [ -n "${SIGNER_PID:-}" ] && kill -0 "$SIGNER_PID" 2>/dev/null && return 0
    sed '/^root_passphrase_file/d' "$WORK/acs.ini" >"$WORK/signer.ini"
    rm -f "$WORK/signer.sock"
    start_bg signer env -u ACS_CA_ROOT_PASSPHRASE "$ACS_CA" -c "$WORK/signer.ini" sign-serve --socket "$WORK/signer.sock"
    SIGNER_PID=$BG_PID
    local _
    for _ in $(seq 100); do
        [ -S "$WORK/signer.sock" ] && return 0
        kill -0 "$SIGNER_PID" 2>/dev/null || break
        sleep 0.1
    done
    not_ok "the signer starts"
    sed 's/^/# /' "$WORK/signer.log"
    t_done
}

# acsd_start [INI LINES...]: write the [acs] section and start acsd (under $ACSD_WRAP, a command
# line such as "prlimit --nofile=N", if set); sets ACSD_PORT and
# ACSD_NBI_PORT from the ports file the new acsd writes once it listens (removed first, so a
# previous acsd's ports are never read; the log is no place to learn them: see start_bg).
acsd_start() {
    [ -n "${ACSD_NO_SIGNER:-}" ] || signer_start
    {
        # acsd holds no CA key: neither passphrase reaches it
        sed '/^passphrase_file/d; /^root_passphrase_file/d' "$WORK/acs.ini"
        printf '\n[signer]\nsocket = %s\n' "$WORK/signer.sock"
        printf '\n[db]\nconninfo = dbname=%s user=acs_cwmp\n' "$DBNAME" # acsd's own role
        printf '\n[nbi]\nport = 0\n' # the NBI on a free port too: never clash with another acsd
        # the tests' CPEs listen for connection requests on 127.0.0.1, which acsd refuses unless
        # allow-listed: that one address only (069 checks that the rest of loopback stays refused)
        printf '\n[cr]\nallow_ranges = 127.0.0.1/32\n'
        printf '\n[acs]\nlisten_address = 127.0.0.1\nport = 0\ncert_file = %s\nkey_file = %s\nthreads = 2\n' \
            "$WORK/server.crt" "$WORK/server.key"
        local l
        for l in "$@"; do printf '%s\n' "$l"; done
    } >"$WORK/acsd.ini"
    rm -f "$WORK/acsd.ports"
    # shellcheck disable=SC2086 # ACSD_WRAP: a command line to run acsd under (e.g. prlimit ...)
    start_bg acsd ${ACSD_WRAP:-} env -u ACS_CA_PASSPHRASE -u ACS_CA_ROOT_PASSPHRASE "$BUILD/bin/acsd" -c "$WORK/acsd.ini" --ports-file "$WORK/acsd.ports"
    ACSD_PID=$BG_PID
    ACSD_PORT= ACSD_NBI_PORT=
    local _
    for _ in $(seq 100); do
        if [ -f "$WORK/acsd.ports" ]; then
            ACSD_PORT=$(sed -n 's/^cwmp=\([0-9][0-9]*\)$/\1/p' "$WORK/acsd.ports")
            ACSD_NBI_PORT=$(sed -n 's/^nbi=\([0-9][0-9]*\)$/\1/p' "$WORK/acsd.ports")
            break
        fi
        kill -0 "$ACSD_PID" 2>/dev/null || break
        sleep 0.1
    done
    if [ -z "$ACSD_PORT" ] || [ "$ACSD_PORT" = 0 ]; then
        not_ok "acsd starts"
        sed 's/^/# /' "$WORK/acsd.log"
        t_done
    fi
    ok "acsd listens on port $ACSD_PORT"
}

# cwmp NAME CERTNAME STEPS...: one CWMP connection as device CERTNAME ("-" for no certificate);
# exchanges in $WORK/NAME/, status lines in $WORK/NAME.out. Returns the client's exit code.
cwmp() {
    local name=$1 dev=$2; shift 2
    local auth=()
    [ "$dev" != - ] && auth=(--cert "$WORK/$dev.crt" --key "$WORK/$dev.key")
    rm -rf "${WORK:?}/$name"
    python3 "$CLIENT" --port "$ACSD_PORT" --ca "$WORK/chain.pem" "${auth[@]}" --out "$WORK/$name" "$@" \
        >"$WORK/$name.out" 2>"$WORK/$name.err"
}

# statuses NAME: the HTTP statuses of a cwmp run, space separated ("200 200 204").
statuses() {
    awk '{print $2}' "$WORK/$1.out" | paste -sd' '
}

# check_statuses DESC EXPECTED NAME: the run's statuses must equal EXPECTED.
check_statuses() {
    local got
    got=$(statuses "$3")
    if [ "$got" = "$2" ]; then
        ok "$1 ($got)"
        return 0
    fi
    not_ok "$1"
    echo "# expected statuses: $2, got: $got"
    sed 's/^/# client: /' "$WORK/$3.out" "$WORK/$3.err" 2>/dev/null | head -n 10
    tail -n 5 "$WORK/acsd.log" | sed 's/^/# acsd: /'
    return 1
}

# sql QUERY: one value (or rows) from the test database.
sql() {
    psql -d "$DBNAME" -qAtX -c "$1"
}

# check_sql DESC EXPECTED QUERY
check_sql() {
    local got
    got=$(sql "$3" 2>&1)
    if [ "$got" = "$2" ]; then
        ok "$1"
        return 0
    fi
    not_ok "$1"
    echo "# query: $3"
    echo "# expected: $2"
    echo "# got: $got" | head -n 5
    return 1
}

# acsd_log_has REGEX [SECONDS]: wait until the acsd log has a matching line.
acsd_log_has() {
    local re=$1 secs=${2:-5} i
    for ((i = 0; i < secs * 10; i++)); do
        grep -Eq -- "$re" "$WORK/acsd.log" && return 0
        sleep 0.1
    done
    return 1
}

# ---- the NBI over HTTPS (070, 071, 072) ----
# nbi_call NAME METHOD PATH TOKEN [curl args]: answer in $WORK/NAME.body, headers NAME.hdr; prints status.
# BASE: the NBI's https URL; $WORK/chain.pem: the CA chain its certificate verifies against.
nbi_call() {
    local name=$1 method=$2 path=$3 tok=$4; shift 4
    local auth=()
    [ -n "$tok" ] && auth=(-H "Authorization: Bearer $tok")
    curl -sS --max-time 20 --cacert "$WORK/chain.pem" -X "$method" "${auth[@]}" -o "$WORK/$name.body" \
        -D "$WORK/$name.hdr" -w '%{http_code}' "$@" "$BASE$path" 2>"$WORK/$name.curl"
}
# nbi_want DESC STATUS NAME METHOD PATH TOKEN [curl args]: status must match; body must be JSON
nbi_want() {
    local desc=$1 status=$2 name=$3; shift 3
    local got
    got=$(nbi_call "$name" "$@")
    if [ "$got" = "$status" ]; then
        ok "$desc (HTTP $got)"
        return 0
    fi
    not_ok "$desc"
    echo "# expected HTTP $status, got ${got:-nothing}"
    head -c 300 "$WORK/$name.body" 2>/dev/null | sed 's/^/# body: /'
    sed 's/^/# curl: /' "$WORK/$name.curl" 2>/dev/null
    return 1
}
# nbi_json_ok DESC NAME PYTHON_EXPR: the JSON body of NAME (as j) satisfies the expression
nbi_json_ok() {
    check "$1" python3 -c "import json,sys; j=json.load(open(sys.argv[1])); sys.exit(0 if ($3) else 1)" \
        "$WORK/$2.body"
}

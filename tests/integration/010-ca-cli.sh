#!/usr/bin/env bash
# acs-ca: root and issuer creation, issuance policy, revocation, verification,
# batch, audit chain, and every bad input with its exit code and one-line error.
. "$(dirname "$0")/lib.sh"
t_init ca-cli
A=$ACS_CA
DEV=00D09E-VoIPBox-SN0001

csr() { # csr FILE CN [openssl req key options...]
    local out=$1 cn=$2; shift 2
    openssl req -new -nodes -keyout "$out.key" -subj "/CN=$cn" -out "$out" "$@" 2>/dev/null
}

# --- passphrase handling -------------------------------------------------------
# the root key has its own passphrase ([ca] root_passphrase_file), the issuers theirs
mv "$WORK/root-passphrase" "$WORK/root-passphrase.saved"
check_fail_output "init without the root passphrase is refused and names the cause" \
    'cannot read CA passphrase file .*root-passphrase' "$A" init
check_fail_output "no partial state after a refused init" 'no CA yet' "$A" cacerts
printf 'short\n' >"$WORK/root-passphrase"; chmod 600 "$WORK/root-passphrase"
check_fail_output "a too short passphrase is refused" 'too short' "$A" init
cp "$WORK/passphrase" "$WORK/root-passphrase"
check_fail_output "the root passphrase may not be the issuers' one" 'must differ' "$A" init
mv "$WORK/root-passphrase.saved" "$WORK/root-passphrase"
check_fail_output "the passphrase is not taken from the command line" 'unrecognized option|usage' \
    "$A" init --passphrase secret123

# --- root and issuer ---------------------------------------------------------
check_output "init creates an EC P-256 root" 'root CA created \(ec-p256\)' "$A" init
check_fail_output "a second root is refused" 'a root CA already exists' "$A" init
mv "$WORK/passphrase" "$WORK/passphrase.saved"
check_fail_output "issuer create needs the issuers' passphrase too" 'cannot read CA passphrase file .*/passphrase' \
    "$A" issuer create devices
mv "$WORK/passphrase.saved" "$WORK/passphrase"
check_output "issuer create" 'issuing CA "devices" created' "$A" issuer create devices
check_fail_output "a duplicate issuer is refused" 'already exists' "$A" issuer create devices
check_output "an RSA-3072 issuer" 'rsa-3072' "$A" issuer create tenant-b --key-type rsa-3072
check_exit "a bad issuer name is a usage-level failure" 1 "$A" issuer create 'Bad Name'
check "CA keys are mode 0600" test "$(stat -c %a "$WORK/keys/root.key.pem")" = 600
check_output "CA keys are encrypted on disk" 'BEGIN ENCRYPTED PRIVATE KEY' cat "$WORK/keys/devices.key.pem"
check "the root key opens with the root passphrase" \
    openssl pkey -in "$WORK/keys/root.key.pem" -passin "file:$WORK/root-passphrase" -noout
check_fail "the root key does not open with the issuers' passphrase" \
    openssl pkey -in "$WORK/keys/root.key.pem" -passin "file:$WORK/passphrase" -noout
check "an issuer key opens with the issuers' passphrase" \
    openssl pkey -in "$WORK/keys/devices.key.pem" -passin "file:$WORK/passphrase" -noout
check "cacerts writes the chain" "$A" cacerts --out "$WORK/chain.pem"
check_output "root has CA:TRUE and no path limit; issuer pathlen 0" 'CA:TRUE, pathlen:0' \
    bash -c "openssl crl2pkcs7 -nocrl -certfile '$WORK/chain.pem' | openssl pkcs7 -print_certs -text -noout"
check "cacerts --issuer gives one issuer and the root" "$A" cacerts --issuer devices --out "$WORK/devchain.pem"
check_output "that chain has two certificates" '^2$' grep -c 'BEGIN CERTIFICATE' "$WORK/devchain.pem"
openssl x509 -in "$WORK/devchain.pem" -out "$WORK/issuer.pem"
awk '/BEGIN/{n++} n==2' "$WORK/devchain.pem" >"$WORK/root.pem"
check_output "issuer chains to the root" 'issuer.pem: OK' openssl verify -CAfile "$WORK/root.pem" "$WORK/issuer.pem"
check_output "root certificate is self-signed with keyCertSign" 'Certificate Sign' \
    openssl x509 -in "$WORK/root.pem" -noout -text

# --- issuance ----------------------------------------------------------------
csr "$WORK/dev.csr" "$DEV" -newkey ec -pkeyopt ec_paramgen_curve:P-256
check_output "issue from a P-256 CSR" 'issued serial [0-9a-f]{32}' \
    "$A" issue --csr "$WORK/dev.csr" --device "$DEV" --issuer devices --out "$WORK/dev.crt"
check_output "issued chain passes openssl verify" 'dev.crt: OK' \
    openssl verify -CAfile "$WORK/chain.pem" "$WORK/dev.crt"
openssl x509 -in "$WORK/dev.crt" -noout -text >"$WORK/dev.txt"
check_output "subject CN is the device identity" "CN ?= ?$DEV" openssl x509 -in "$WORK/dev.crt" -noout -subject
check_output "SAN URI carries the identity" "URI:urn:dev:ops:$DEV" cat "$WORK/dev.txt"
check_output "EKU is clientAuth only" 'TLS Web Client Authentication' cat "$WORK/dev.txt"
check_fail "no serverAuth EKU on device certs" grep -q 'TLS Web Server' "$WORK/dev.txt"
check_output "CRL distribution point and OCSP URL present" 'OCSP - URI' cat "$WORK/dev.txt"
SERIAL=$(openssl x509 -in "$WORK/dev.crt" -noout -serial | cut -d= -f2 | tr A-F a-f)
check "serial is 128 bits (32 hex digits)" test "${#SERIAL}" -eq 32
check_output "the certificate is recorded" "$SERIAL.*$DEV.*valid" "$A" list
check_output "show gives the details" "status: +valid" "$A" show --serial "$SERIAL"
check_output "an RSA-2048 CSR is accepted" 'issued serial' bash -c \
    "openssl req -new -nodes -newkey rsa:2048 -keyout '$WORK/r.key' -subj '/CN=00D09E-VoIPBox-RSA1' -out '$WORK/r.csr' 2>/dev/null && '$A' issue --csr '$WORK/r.csr' --device 00D09E-VoIPBox-RSA1 --out '$WORK/r.crt'"
check_output "a P-384 CSR is accepted" 'issued serial' bash -c \
    "openssl req -new -nodes -newkey ec -pkeyopt ec_paramgen_curve:P-384 -keyout '$WORK/p.key' -subj '/CN=00D09E-VoIPBox-P384' -out '$WORK/p.csr' 2>/dev/null && '$A' issue --csr '$WORK/p.csr' --device 00D09E-VoIPBox-P384 --out '$WORK/p.crt'"
check_output "a CSR without CN but with the right SAN is accepted" 'issued serial' bash -c \
    "openssl req -new -nodes -newkey ec -pkeyopt ec_paramgen_curve:P-256 -keyout '$WORK/s.key' -subj '/O=x' -addext 'subjectAltName=URI:urn:dev:ops:00D09E-VoIPBox-SAN1' -out '$WORK/s.csr' 2>/dev/null && '$A' issue --csr '$WORK/s.csr' --device 00D09E-VoIPBox-SAN1 --out '$WORK/s.crt'"

# --- a lowercase OUI, as real CPEs write it: issued for the uppercase identity ---------------
LC=00a859-Prod-SN1
csr "$WORK/lc.csr" "$LC" -newkey ec -pkeyopt ec_paramgen_curve:P-256 -addext "subjectAltName=URI:urn:dev:ops:$LC"
check_output "issue --device with a lowercase OUI (CSR CN and SAN lowercase too)" 'issued serial [0-9a-f]{32}' \
    "$A" issue --csr "$WORK/lc.csr" --device "$LC" --out "$WORK/lc.crt"
check_output "the certificate's CN has the OUI uppercased" 'CN ?= ?00A859-Prod-SN1$' \
    openssl x509 -in "$WORK/lc.crt" -noout -subject
check_output "its SAN URI too" 'URI:urn:dev:ops:00A859-Prod-SN1$' \
    bash -c "openssl x509 -in '$WORK/lc.crt' -noout -ext subjectAltName | sed 's/^ *//'"
check_output "verify names the uppercase identity" 'ok: device 00A859-Prod-SN1' "$A" verify --cert "$WORK/lc.crt"
check_output "the record is under the uppercase identity" '^00A859-Prod-SN1\|cli$' psql -d "$DBNAME" -tAc \
    "select device_id || '|' || issued_via from certificates where device_id ilike '00a859-prod-sn1'"
check_output "list --device finds it by the lowercase spelling" '00A859-Prod-SN1 ' "$A" list --device "$LC"
check_output "--device uppercase with the lowercase CSR: the same identity" 'issued serial' \
    "$A" issue --csr "$WORK/lc.csr" --device 00A859-Prod-SN1 --out "$WORK/lc2.crt"
check_fail_output "ProductClass stays case-sensitive" 'wrong identity: CSR subject CN "00a859-Prod-SN1"' \
    "$A" -q issue --csr "$WORK/lc.csr" --device 00a859-prod-SN1
check_fail_output "SerialNumber stays case-sensitive" 'wrong identity' \
    "$A" -q issue --csr "$WORK/lc.csr" --device 00a859-Prod-sn1
csr "$WORK/lcsan.csr" 00A859-Prod-SN2 -newkey ec -pkeyopt ec_paramgen_curve:P-256 \
    -addext "subjectAltName=URI:urn:dev:ops:00a859-Prod-SN3"
check_fail_output "a SAN naming another device is still refused" 'subjectAltName is not URI:urn:dev:ops:00A859-Prod-SN2' \
    "$A" -q issue --csr "$WORK/lcsan.csr" --device 00a859-Prod-SN2
openssl req -in "$WORK/dev.csr" -outform DER -out "$WORK/dev.der"
check_output "a DER CSR is accepted" 'issued serial' "$A" issue --csr "$WORK/dev.der" --device "$DEV" --out "$WORK/devder.crt"

# --- bad CSRs: one-line error, exit 1, audited, nothing recorded ---------------
count_certs() { psql -d "$DBNAME" -tAc 'select count(*) from certificates'; }
before=$(count_certs)
printf 'not a csr at all\n' >"$WORK/garbage.csr"
check_fail_output "malformed PEM/DER is refused" '^acs-ca: error: malformed CSR' \
    "$A" -q issue --csr "$WORK/garbage.csr" --device "$DEV"
head -c 200 "$WORK/dev.der" >"$WORK/trunc.der"
check_fail_output "truncated DER is refused" 'malformed CSR' "$A" -q issue --csr "$WORK/trunc.der" --device "$DEV"
# flip one byte inside the signature (the last bytes of the DER)
python3 - "$WORK/dev.der" "$WORK/badsig.der" <<'PY'
import sys
d = bytearray(open(sys.argv[1], 'rb').read()); d[-5] ^= 0x01; open(sys.argv[2], 'wb').write(d)
PY
check_fail_output "a CSR with a bad signature is refused" 'CSR signature is invalid|malformed CSR' \
    "$A" -q issue --csr "$WORK/badsig.der" --device "$DEV"
csr "$WORK/weak.csr" 00D09E-VoIPBox-WEAK -newkey rsa:1024
check_fail_output "an RSA-1024 key is refused as weak" 'weak key: RSA 1024' \
    "$A" -q issue --csr "$WORK/weak.csr" --device 00D09E-VoIPBox-WEAK
csr "$WORK/p521.csr" 00D09E-VoIPBox-P521 -newkey ec -pkeyopt ec_paramgen_curve:P-521
check_fail_output "an EC P-521 key is refused" 'secp521r1' \
    "$A" -q issue --csr "$WORK/p521.csr" --device 00D09E-VoIPBox-P521
openssl ecparam -name prime256v1 -param_enc explicit -genkey -noout -out "$WORK/explicit.key" 2>/dev/null
openssl req -new -key "$WORK/explicit.key" -subj "/CN=00D09E-VoIPBox-EXPL" -out "$WORK/explicit.csr" 2>/dev/null
check_fail_output "an EC key with explicit curve parameters is refused" 'explicit parameters' \
    "$A" -q issue --csr "$WORK/explicit.csr" --device 00D09E-VoIPBox-EXPL
check_fail_output "a CN that is not the device is refused" 'wrong identity' \
    "$A" -q issue --csr "$WORK/dev.csr" --device 00D09E-VoIPBox-OTHER
openssl req -new -nodes -newkey ec -pkeyopt ec_paramgen_curve:P-256 -keyout "$WORK/x.key" -subj "/CN=$DEV" \
    -addext "subjectAltName=URI:urn:dev:ops:00D09E-VoIPBox-EVIL" -out "$WORK/san.csr" 2>/dev/null
check_fail_output "a SAN for another identity is refused" 'subjectAltName is not' \
    "$A" -q issue --csr "$WORK/san.csr" --device "$DEV"
check_fail_output "a malformed device identity is refused" 'invalid device identity' \
    "$A" -q issue --csr "$WORK/dev.csr" --device 00d0x9-not-hex
check_fail_output "an OUI of five digits is refused" 'invalid device identity' \
    "$A" -q issue --csr "$WORK/dev.csr" --device 00D09-VoIPBox-SN0001
check_fail_output "the root does not issue device certs" 'root CA does not issue' \
    "$A" -q issue --csr "$WORK/dev.csr" --device "$DEV" --issuer root
head -c 70000 /dev/zero >"$WORK/huge.csr"
check_fail_output "an oversized CSR file is refused" 'too large' "$A" -q issue --csr "$WORK/huge.csr" --device "$DEV"
check "refusals wrote no certificate" test "$(count_certs)" = "$before"
check_output "refusals are audited" 'result=refused.*weak key' "$A" audit list --limit 50

# --- server certificates ------------------------------------------------------
check "server-cert" "$A" -q server-cert --cn localhost --dns localhost --ip 127.0.0.1 \
    --out-cert "$WORK/srv.crt" --out-key "$WORK/srv.key"
check_output "server cert verifies for serverAuth" ': OK' \
    openssl verify -purpose sslserver -CAfile "$WORK/chain.pem" "$WORK/srv.crt"
check "server key file is 0600" test "$(stat -c %a "$WORK/srv.key")" = 600

# --- output files are new files: never an existing one, never through a symlink ------
echo keep >"$WORK/exists.pem"
check_exit "cacerts --out onto an existing file: exit 1" 1 "$A" -q cacerts --out "$WORK/exists.pem"
check_fail_output "... and says so" 'error: .*/exists.pem already exists' "$A" -q cacerts --out "$WORK/exists.pem"
check_output "... and the file is untouched" '^keep$' cat "$WORK/exists.pem"
echo target >"$WORK/target.txt"
ln -s target.txt "$WORK/link.pem"
ln -s nothere.pem "$WORK/dangling.pem"
check_fail_output "--out onto a symlink is refused" 'link.pem already exists' "$A" -q cacerts --out "$WORK/link.pem"
check_output "... and its target is untouched" '^target$' cat "$WORK/target.txt"
check_fail_output "--out onto a dangling symlink is refused" 'already exists' "$A" -q crl --out "$WORK/dangling.pem"
check "... and nothing is created where it points" test ! -e "$WORK/nothere.pem"
before=$(count_certs)
check_fail_output "issue --out onto an existing file is refused" 'already exists' \
    "$A" -q issue --csr "$WORK/dev.csr" --device "$DEV" --out "$WORK/exists.pem"
check_fail_output "server-cert --out-key onto a symlink is refused" 'already exists' "$A" -q server-cert \
    --cn localhost --out-cert "$WORK/new.crt" --out-key "$WORK/link.pem"
check "... no certificate is recorded for either" test "$(count_certs)" = "$before"
check "... and no certificate file is left" test ! -e "$WORK/new.crt"
check "server-cert with umask 000" bash -c \
    "umask 000 && '$A' -q server-cert --cn localhost --out-cert '$WORK/u.crt' --out-key '$WORK/u.key'"
check "... the new key file is 0600" test "$(stat -c %a "$WORK/u.key")" = 600
check "... the certificate 0644" test "$(stat -c %a "$WORK/u.crt")" = 644

# --- peer verification (what every TLS listener uses) -----------------------
check_output "verify accepts a valid device cert and names the device" "ok: device $DEV" \
    "$A" verify --cert "$WORK/dev.crt"
openssl req -x509 -nodes -newkey ec -pkeyopt ec_paramgen_curve:P-256 -keyout "$WORK/ss.key" -subj "/CN=$DEV" \
    -days 30 -out "$WORK/ss.crt" 2>/dev/null
check_fail_output "verify refuses a self-signed cert" 'refused: unknown_ca' "$A" verify --cert "$WORK/ss.crt"
openssl req -x509 -nodes -newkey ec -pkeyopt ec_paramgen_curve:P-256 -keyout "$WORK/other.key" \
    -subj "/CN=Other CA" -days 30 -out "$WORK/other.crt" 2>/dev/null
openssl x509 -req -in "$WORK/dev.csr" -CA "$WORK/other.crt" -CAkey "$WORK/other.key" -CAcreateserial \
    -days 30 -out "$WORK/foreign.crt" 2>/dev/null
check_fail_output "verify refuses a cert from another CA" 'refused: unknown_ca' "$A" verify --cert "$WORK/foreign.crt"
check_fail_output "verify refuses a server cert as client" 'refused: not_client_auth' "$A" verify --cert "$WORK/srv.crt"
# an expired certificate signed by our real issuer key (openssl ca can backdate)
check "openssl ca backdates a certificate" expired_cert "$WORK/dev.csr" "$DEV" "$WORK/expired.crt"
check_fail_output "verify refuses an expired cert" 'refused: expired' "$A" verify --cert "$WORK/expired.crt"

# --- revocation -------------------------------------------------------------
check_output "revoke" 'revoked' "$A" revoke --serial "$SERIAL" --reason keyCompromise
check_fail_output "revoking twice is refused" 'already revoked' "$A" -q revoke --serial "$SERIAL" --reason 1
check_fail_output "revoking an unknown serial is refused" 'no certificate with serial' \
    "$A" -q revoke --serial 0123456789abcdef --reason 1
check_exit "an unknown reason is a usage error" 2 "$A" revoke --serial "$SERIAL" --reason nonsense
check_output "show reports the revocation with reason" 'reason: +keyCompromise' "$A" show --serial "$SERIAL"
check_output "list --revoked shows it" "$SERIAL" "$A" list --revoked
check_fail_output "verify refuses the revoked cert" 'refused: revoked' "$A" verify --cert "$WORK/dev.crt"
# revoke --device: every live certificate of one device, nobody else's
RD=00D09E-RevokeBox-RD0001
for i in 1 2; do
    csr "$WORK/rd$i.csr" "$RD" -newkey ec -pkeyopt ec_paramgen_curve:P-256
    check "certificate $i for $RD" "$A" -q issue --csr "$WORK/rd$i.csr" --device "$RD" --out "$WORK/rd$i.crt"
done
csr "$WORK/rdo.csr" "00D09E-RevokeBox-RD0002" -newkey ec -pkeyopt ec_paramgen_curve:P-256
check "a certificate of another device" "$A" -q issue --csr "$WORK/rdo.csr" --device 00D09E-RevokeBox-RD0002 \
    --out "$WORK/rdo.crt"
AUD0=$(psql -d "$DBNAME" -qAtX -c "SELECT count(*) FROM audit_log WHERE action = 'cert.revoke'")
check_output "revoke --device (lowercase OUI accepted) revokes both of its live certificates" \
    "revoked 2 live certificates of 00d09e-RevokeBox-RD0001 \(superseded\)" \
    "$A" revoke --device 00d09e-RevokeBox-RD0001 --reason superseded
for i in 1 2; do
    check_fail_output "... certificate $i is refused by verify" 'refused: revoked' "$A" verify --cert "$WORK/rd$i.crt"
done
check_output "... the other device's is not" 'ok: device 00D09E-RevokeBox-RD0002' "$A" verify --cert "$WORK/rdo.crt"
check_output "... one audit row each" "^$((AUD0 + 2))\$" \
    psql -d "$DBNAME" -qAtX -c "SELECT count(*) FROM audit_log WHERE action = 'cert.revoke'"
check_output "again: nothing live is left" 'revoked 0 live certificates' "$A" revoke --device "$RD"
check_exit "--serial and --device together are a usage error" 2 "$A" revoke --serial "$SERIAL" --device "$RD"
check_exit "an id that is no device id is refused" 1 "$A" revoke --device 'not a device'

# --- batch (factory mode) ----------------------------------------------------
check_output "batch issues 50 device identities" 'batch issued 50 of 50' "$A" batch --count 50 --oui 00D09E \
    --product-class SimBox --out "$WORK/fleet" --per-device-files
check "batch wrote 50 keys and certs" test "$(ls "$WORK/fleet"/*.crt.pem | wc -l)" = 50
check_output "a batch cert verifies" ': OK' openssl verify -CAfile "$WORK/chain.pem" \
    "$WORK/fleet/00D09E-SimBox-SIM00000049.crt.pem"
check_output "batch key matches its cert" 'match' bash -c \
    "[ \"\$(openssl pkey -in '$WORK/fleet/00D09E-SimBox-SIM00000007.key.pem' -pubout)\" = \"\$(openssl x509 -in '$WORK/fleet/00D09E-SimBox-SIM00000007.crt.pem' -noout -pubkey)\" ] && echo match"
check "batch keys are 0600" test "$(stat -c %a "$WORK/fleet/00D09E-SimBox-SIM00000001.key.pem")" = 600
check_output "batch certs are in the DB" '^50$' psql -d "$DBNAME" -tAc "select count(*) from certificates where issued_via='batch'"
check_output "batch in bundle form (the default)" 'batch issued 30 of 30' "$A" batch --count 30 --oui 00D09E \
    --product-class Bundle --out "$WORK/bundle"
check_output "the bundle holds 30 keys and 30 certs" '^60$' grep -c -- '-----BEGIN' "$WORK/bundle/identities.pem"
check "the bundle is 0600" test "$(stat -c %a "$WORK/bundle/identities.pem")" = 600
check_output "devices.tsv lists 30 identities with serials" '^30$' bash -c \
    "grep -cE '^00D09E-Bundle-SIM[0-9]{8}\s[0-9a-f]+$' '$WORK/bundle/devices.tsv'"
# the 17th identity of the bundle: its key matches its cert and the cert verifies
awk '/^# 00D09E-Bundle-SIM00000016 /{f=1; next} /^# /{f=0} f' "$WORK/bundle/identities.pem" >"$WORK/b16.pem"
check_output "a bundle identity verifies" ': OK' openssl verify -CAfile "$WORK/bundle/chain.pem" "$WORK/b16.pem"
check_output "its key matches its certificate" 'match' bash -c \
    "[ \"\$(openssl pkey -in '$WORK/b16.pem' -pubout)\" = \"\$(openssl x509 -in '$WORK/b16.pem' -noout -pubkey)\" ] && echo match"
# three threads share a group: the bundle stays in device order, one key + cert each
check_output "batch --jobs 3" 'batch issued 25 of 25' "$A" batch --count 25 --jobs 3 --oui 00D09E \
    --product-class Jobs --out "$WORK/jobs"
check_output "the threaded bundle lists the devices in order" '^ok$' bash -c \
    "diff <(grep '^# ' '$WORK/jobs/identities.pem' | cut -d' ' -f2) <(seq -f '00D09E-Jobs-SIM%08g' 0 24) >/dev/null && echo ok"
check_output "and devices.tsv in the same order" '^ok$' bash -c \
    "diff <(cut -f1 '$WORK/jobs/devices.tsv') <(seq -f '00D09E-Jobs-SIM%08g' 0 24) >/dev/null && echo ok"
awk '/^# 00D09E-Jobs-SIM00000023 /{f=1; next} /^# /{f=0} f' "$WORK/jobs/identities.pem" >"$WORK/j23.pem"
check_output "a threaded identity's key matches its certificate" 'match' bash -c \
    "[ \"\$(openssl pkey -in '$WORK/j23.pem' -pubout)\" = \"\$(openssl x509 -in '$WORK/j23.pem' -noout -pubkey)\" ] && echo match"
check_output "its certificate names it" 'CN *= *00D09E-Jobs-SIM00000023' openssl x509 -in "$WORK/j23.pem" -noout -subject
check_fail_output "batch --jobs 0 is a usage error" 'jobs' "$A" -q batch --count 2 --jobs 0 --oui 00D09E \
    --product-class X --out "$WORK/f3"
check_fail_output "batch with a bad OUI is refused" 'invalid' "$A" -q batch --count 2 --oui zz --product-class X --out "$WORK/f2"
check_output "batch with a lowercase OUI" 'batch issued 2 of 2' "$A" batch --count 2 --oui 00a859 \
    --product-class LcBox --out "$WORK/lcbatch"
check_output "its identities carry the OUI uppercased" '^2$' bash -c \
    "grep -cE '^00A859-LcBox-SIM[0-9]{8}\s' '$WORK/lcbatch/devices.tsv'"
check_output "and so do its certificates" '^2$' psql -d "$DBNAME" -tAc \
    "select count(*) from certificates where issued_via = 'batch' and device_id like '00A859-LcBox-%'"
check_exit "batch without --out is a usage error" 2 "$A" batch --count 2 --oui 00D09E --product-class X

# --- audit chain ---------------------------------------------------------------
check_output "audit log verifies" 'audit log intact' "$A" audit verify
check_fail_output "the audit log refuses UPDATE" 'append-only' psql -v ON_ERROR_STOP=1 -d "$DBNAME" \
    -c "update audit_log set details='x' where id=3"
psql -q -d "$DBNAME" -c "alter table audit_log disable trigger audit_log_no_change" \
    -c "update audit_log set details = details || ' (edited)' where id = 3"
check_fail_output "an edited row is detected and named" 'audit row 3: content does not match' "$A" audit verify
check_exit "audit verify exits 5 on tampering" 5 "$A" audit verify
psql -q -d "$DBNAME" -c "update audit_log set details = replace(details, ' (edited)', '') where id = 3"
check_output "restoring the row restores the chain" 'intact' "$A" audit verify
psql -q -d "$DBNAME" -c "delete from audit_log where id = 5"
check_fail_output "a deleted row is detected and named" 'audit row 5: missing' "$A" audit verify
psql -q -d "$DBNAME" -c "delete from audit_log where id > 4"
check_fail_output "deleting the tail is detected too" 'audit row 5: missing \(head says' "$A" audit verify

# --- configuration and database errors -------------------------------------------
printf '[ca]\nbogus = 1\n' >"$WORK/bad.ini"
check_exit "an unknown config key exits 3" 3 "$A" -c "$WORK/bad.ini" check-config
check_fail_output "and names file and line" 'bad.ini:2: unknown key "bogus"' "$A" -c "$WORK/bad.ini" check-config
printf '[ca]\ndevice_validity_days = 0\n' >"$WORK/bad2.ini"
check_fail_output "an out-of-range value is refused" 'out of range' "$A" -c "$WORK/bad2.ini" check-config
check_output "check-config hides the secret conninfo" 'conninfo = \*\*\*' "$A" check-config
check_exit "database down exits 4" 4 env ACS_DB_CONNINFO="host=127.0.0.1 port=1 dbname=x" "$A" list
check_fail_output "database down names the cause" 'database unreachable' \
    env ACS_DB_CONNINFO="host=127.0.0.1 port=1 dbname=x" "$A" list
check_output "docs/config.md is generated from the schema and current" '^same$' bash -c \
    "'$A' config-doc | cmp -s - '$TOP/docs/config.md' && echo same"
check_output "etc/acs.ini.sample is current" '^same$' bash -c \
    "'$A' config-sample | cmp -s - '$TOP/etc/acs.ini.sample' && echo same"
check "the sample config is accepted" env -u ACS_CONFIG "$A" -c "$TOP/etc/acs.ini.sample" check-config

t_done

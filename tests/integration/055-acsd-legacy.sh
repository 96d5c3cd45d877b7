#!/bin/bash
# tests/integration/055-acsd-legacy.sh — legacy password mode ([acs] legacy_mode): credentials set
# with `acsctl device set-legacy` (password on stdin; only an HA1 and a PBKDF2 hash stored), the
# device flipped with `acsctl device set-auth`; CWMP sessions without a client certificate over
# HTTP Digest and Basic (sessions.auth legacy-digest / legacy-basic); refusals exactly as before:
# a cert-only device, the wrong password (401, rate-limited; these refusals summed per source and
# window into one cwmp.legacy_refused audit row, written at shutdown here), credentials of another
# device than the Inform's DeviceId (403, audited), legacy_mode off; the migration path: the
# device enrolls over EST on the CWMP port, uses its certificate, the NOC flips it to cert-only.
. "$(dirname "$0")/lib.sh"
t_init acsd_legacy
. "$(dirname "$0")/acsd_lib.sh"
ACSCTL=$BUILD/bin/acsctl
[ -x "$ACSCTL" ] || t_skip "acsctl not built"
command -v curl >/dev/null || t_skip "curl not installed"

acsd_ca
LEG=00D09E-ATA2FXS-L0001   # Digest
LEGB=00D09E-ATA2FXS-L0002  # Basic
CERTONLY=00D09E-ATA2FXS-L0003
LIMITED=00D09E-ATA2FXS-L0004
PASS1='digest pass 1!'
PASS2=basic-pass-2
PASS4=limited-pass-4
printf '%s\n' "$PASS1" >"$WORK/p1"
printf '%s\n' "$PASS2" >"$WORK/p2"
printf '%s\n' "$PASS4" >"$WORK/p4"
printf 'wrong\n' >"$WORK/pw"
for i in 1 2 3 4; do inform inform-bootstrap-boot-1-2.xml "$WORK/boot$i.xml" 00D09E ATA2FXS L000$i; done

# ---- acsctl: credentials and auth mode ------------------------------------------------------
check "set-legacy (Digest/Basic user leg1, password on stdin)" \
    sh -c "'$ACSCTL' device set-legacy $LEG --user leg1 <'$WORK/p1'"
check "set-legacy leg2" sh -c "'$ACSCTL' device set-legacy $LEGB --user leg2 <'$WORK/p2'"
check "set-legacy on a device that stays cert-only" sh -c "'$ACSCTL' device set-legacy $CERTONLY --user leg3 <'$WORK/p1'"
check "set-legacy leg4" sh -c "'$ACSCTL' device set-legacy $LIMITED --user leg4 <'$WORK/p4'"
HA1=$(printf '%s' "leg1:acs:$PASS1" | md5sum | cut -d' ' -f1)
check_sql "the device row was created, HA1 = MD5(user:realm:password), a PBKDF2 hash" \
    "00D09E|ATA2FXS|L0001|leg1|$HA1|t|cert" \
    "SELECT oui, product_class, serial_number, legacy_username, legacy_ha1,
            legacy_password_hash LIKE 'pbkdf2-sha256\$100000\$%', auth_mode FROM devices WHERE device_id = '$LEG'"
check_sql "no password stored in clear" "0" \
    "SELECT count(*) FROM devices WHERE devices::text LIKE '%$PASS1%' OR devices::text LIKE '%$PASS2%'"
check_exit "set-legacy with a username of another device: refused (1)" 1 \
    sh -c "'$ACSCTL' device set-legacy $LEGB --user leg1 <'$WORK/p2'"
check_exit "set-legacy without a password on stdin: usage (2)" 2 \
    sh -c "'$ACSCTL' device set-legacy $LEGB --user leg2 </dev/null"
check_exit "set-auth with a bad mode: usage (2)" 2 "$ACSCTL" device set-auth "$LEG" password
check_exit "set-auth on an unknown device: refused (1)" 1 "$ACSCTL" device set-auth 00D09E-X-NOPE legacy
check "set-auth $LEG legacy" "$ACSCTL" device set-auth "$LEG" legacy
check "set-auth $LEGB legacy" "$ACSCTL" device set-auth "$LEGB" legacy
check "set-auth $LIMITED legacy" "$ACSCTL" device set-auth "$LIMITED" legacy

# legacy SESSION AUTH USER PASSFILE STEPS...: a CWMP connection without a client certificate
legacy() {
    local name=$1 auth=$2 user=$3 pf=$4; shift 4
    rm -rf "${WORK:?}/$name"
    python3 "$CLIENT" --port "$ACSD_PORT" --ca "$WORK/chain.pem" --auth "$auth" --user "$user" \
        --password-file "$pf" --out "$WORK/$name" "$@" >"$WORK/$name.out" 2>"$WORK/$name.err"
}
audits() { sql "SELECT count(*) FROM audit_log WHERE action = 'cwmp.refused' AND details LIKE '%$1%'"; }

# ---- legacy mode on ----------------------------------------------------------------------------
acsd_start "legacy_mode = true"
check "acsd warns that legacy mode is on" acsd_log_has 'event=legacy_mode_on'
cwmp nocred - "@$WORK/boot1.xml"
check_statuses "no certificate, no credentials: 401" "401" nocred
check_output "the 401 offers Digest" '^WWW-Authenticate: Digest realm="acs"' cat "$WORK/nocred/1.hdr"
check_output "... and Basic" '^WWW-Authenticate: Basic realm="acs"' cat "$WORK/nocred/1.hdr"

legacy dig digest leg1 "$WORK/p1" "@$WORK/boot1.xml" -
check_statuses "Digest session (Inform, empty POST)" "200 204" dig
check_sql "session row: legacy-digest, no certificate, ok" "legacy-digest||ok|$LEG" \
    "SELECT s.auth, s.cert_serial, s.result, d.device_id FROM sessions s JOIN devices d ON d.id = s.device_pk
      WHERE d.device_id = '$LEG' ORDER BY s.id DESC LIMIT 1"
check_sql "the device got its Inform data" "1.2.3" "SELECT software_version FROM devices WHERE device_id = '$LEG'"
inform inform-periodic-1-2.xml "$WORK/per1.xml" 00D09E ATA2FXS L0001
legacy dig2 digest leg1 "$WORK/p1" "@$WORK/per1.xml" "@$SAMPLES/valid/getrpcmethods-1-2.xml" =
check_statuses "Digest again, three requests on one connection (nonce reused, nc counting)" "200 200 204" dig2

legacy bas basic leg2 "$WORK/p2" "@$WORK/boot2.xml" -
check_statuses "Basic session" "200 204" bas
check_sql "session row: legacy-basic" "legacy-basic|ok" \
    "SELECT s.auth, s.result FROM sessions s JOIN devices d ON d.id = s.device_pk WHERE d.device_id = '$LEGB'"

# ---- refusals ----------------------------------------------------------------------------------
legacy mism digest leg1 "$WORK/p1" "@$WORK/boot2.xml"
check_statuses "leg1's credentials with $LEGB's DeviceId: 403" "403" mism
check_sql "refused session row (legacy-digest, refused:identity), nothing for $LEGB" "legacy-digest|refused:identity|" \
    "SELECT auth, result, device_pk FROM sessions WHERE claimed_id = '$LEGB' ORDER BY id DESC LIMIT 1"
check_output "identity mismatch audited" '^1$' audits "reason=identity_mismatch"

legacy co digest leg3 "$WORK/p1" "@$WORK/boot3.xml"
check_statuses "a cert-only device with correct legacy credentials: 401" "401" co
check_output "no audit row of its own (summed per source)" '^0$' audits "why=not_legacy"
check_sql "no session for the cert-only device" "0" \
    "SELECT count(*) FROM sessions s JOIN devices d ON d.id = s.device_pk WHERE d.device_id = '$CERTONLY'"

legacy wrong digest leg1 "$WORK/pw" "@$WORK/boot1.xml"
check_statuses "Digest, wrong password: 401" "401" wrong
legacy wrongb basic leg2 "$WORK/pw" "@$WORK/boot2.xml"
check_statuses "Basic, wrong password: 401" "401" wrongb
check_output "no audit row of their own" '^0$' audits "why=wrong_password"
legacy unk basic nobody "$WORK/pw" "@$WORK/boot2.xml"
check_statuses "unknown user: 401" "401" unk

for i in 1 2 3 4 5; do legacy lim$i basic leg4 "$WORK/pw" "@$WORK/boot4.xml"; done
check_output "five wrong passwords for leg4: 401 each" '^401 401 401 401 401$' \
    sh -c "for i in 1 2 3 4 5; do awk '{print \$2}' '$WORK/lim'\$i.out; done | paste -sd' '"
legacy limok basic leg4 "$WORK/p4" "@$WORK/boot4.xml"
check_statuses "then even the right password is refused for a while (rate limit)" "401" limok
check "the rate limit is logged" acsd_log_has 'event=refused reason=legacy_rate_limited'
check_output "refused attempts are not audited one by one" '^0$' \
    sh -c "psql -d '$DBNAME' -qAtX -c \"SELECT count(*) FROM audit_log WHERE action = 'cwmp.refused' AND subject = '$LIMITED'\""
legacy ok2 basic leg2 "$WORK/p2" "@$WORK/boot2.xml" -
check_statuses "another legacy device is not affected" "200 204" ok2
for s in "$PASS1" "$PASS2" "$PASS4"; do
    check_fail "a password (${s:0:4}...) is not in acsd's log" grep -qF -- "$s" "$WORK/acsd.log"
done

# ---- migration: EST enrollment on the CWMP port, then cert-only -------------------------------
openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$WORK/mig.key" -subj "/CN=$LEG" \
    -outform DER -out "$WORK/mig.der" 2>/dev/null && base64 -w 64 "$WORK/mig.der" >"$WORK/mig.b64"
TOKEN=$("$ACS_CA" token create --device "$LEG" 2>>"$WORK/token.err")
check_output "EST simpleenroll on acsd's port with a one-time token" '^200$' curl -sS --cacert "$WORK/chain.pem" \
    -u "$LEG:$TOKEN" -H 'Content-Type: application/pkcs10' --data-binary "@$WORK/mig.b64" -o "$WORK/mig.p7" \
    -w '%{http_code}' "https://localhost:$ACSD_PORT/.well-known/est/simpleenroll"
base64 -d "$WORK/mig.p7" | openssl pkcs7 -inform DER -print_certs -out "$WORK/mig.crt" 2>/dev/null
check_output "the certificate names the device" "CN ?= ?$LEG" openssl x509 -in "$WORK/mig.crt" -noout -subject
cwmp migc mig "@$WORK/per1.xml" -
check_statuses "the device now uses its certificate (still marked legacy)" "200 204" migc
check "acsctl device set-auth $LEG cert" "$ACSCTL" device set-auth "$LEG" cert
legacy migd digest leg1 "$WORK/p1" "@$WORK/per1.xml"
check_statuses "after the flip its password no longer works: 401" "401" migd
cwmp migc2 mig "@$WORK/per1.xml" -
check_statuses "its certificate does" "200 204" migc2
check_sql "its sessions: digest, digest, cert, cert (the refused one has no row)" \
    "legacy-digest,legacy-digest,cert,cert" \
    "SELECT string_agg(s.auth, ',' ORDER BY s.id) FROM sessions s JOIN devices d ON d.id = s.device_pk
      WHERE d.device_id = '$LEG'"

# ---- the refusals above, summed: one row for the source, written at shutdown -------------------
stop_bg acsd
check_sql "one cwmp.legacy_refused row for 127.0.0.1" "1" \
    "SELECT count(*) FROM audit_log WHERE action = 'cwmp.legacy_refused' AND subject = '127.0.0.1'"
check_sql "... counting every refused attempt by reason" \
    "count=11|not_legacy:2|wrong_password:7|unknown_user:1|failure_budget:1" \
    "SELECT substring(details from 'count=[0-9]+') || '|' || substring(details from 'not_legacy:[0-9]+') || '|' ||
            substring(details from 'wrong_password:[0-9]+') || '|' || substring(details from 'unknown_user:[0-9]+') ||
            '|' || substring(details from 'failure_budget:[0-9]+')
       FROM audit_log WHERE action = 'cwmp.legacy_refused'"
check "the summary is logged once" acsd_log_has 'event=legacy_refusals source=127\.0\.0\.1 count=11 '
check_output "the audit chain verifies" 'audit log intact' "$ACS_CA" audit verify

# ---- legacy mode off: everything as before ---------------------------------------------------
acsd_start
legacy off digest leg2 "$WORK/p2" "@$WORK/boot2.xml"
check_statuses "legacy_mode off: a legacy device with its password gets 401" "401" off
check_output "... with the certificate challenge only" '^WWW-Authenticate: Transport' cat "$WORK/off/1.hdr"
check_fail "... and no Digest challenge" grep -q 'Digest' "$WORK/off/1.hdr"
check "acsd's log is key=value pairs throughout (values with spaces quoted)" python3 "$TOP/tests/integration/tools/logfmt_check.py" "$WORK/acsd.log"
t_done

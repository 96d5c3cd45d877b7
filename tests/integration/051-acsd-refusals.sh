#!/bin/bash
# tests/integration/051-acsd-refusals.sh — acsd refuses every TLS peer that is not a valid,
# unrevoked device of our CA, and an Inform whose DeviceId is not the certificate's identity:
# no client certificate (401), self-signed, another CA, expired, revoked (403), revoked while
# online (its next session refused within 5 s), identity mismatch (403, audited, nothing written
# for the claimed device); each refusal logged once.
. "$(dirname "$0")/lib.sh"
t_init acsd_refusals
. "$(dirname "$0")/acsd_lib.sh"

acsd_ca
DEV=00D09E-ATA2FXS-R0001
OTHER=00D09E-ATA2FXS-R0002
check "device certificate for $DEV" mkdev dev "$DEV" || t_done
check "device certificate for $OTHER" mkdev other "$OTHER" || t_done
acsd_start
inform inform-bootstrap-boot-1-2.xml "$WORK/boot.xml" 00D09E ATA2FXS R0001
inform inform-bootstrap-boot-1-2.xml "$WORK/boot-other.xml" 00D09E ATA2FXS R0002

# ---- certificates -------------------------------------------------------------------------------
cwmp nocert - "@$WORK/boot.xml"
check_statuses "no client certificate: 401" "401" nocert
check_output "401 names the certificate transport" '^WWW-Authenticate: Transport' cat "$WORK/nocert/1.hdr"

openssl req -x509 -nodes -newkey ec -pkeyopt ec_paramgen_curve:P-256 -keyout "$WORK/selfsigned.key" \
    -subj "/CN=$DEV" -addext "subjectAltName=URI:urn:dev:ops:$DEV" -addext "extendedKeyUsage=clientAuth" \
    -days 30 -out "$WORK/selfsigned.crt" 2>/dev/null
cwmp selfsigned selfsigned "@$WORK/boot.xml"
check_statuses "self-signed certificate with the right identity: 403" "403" selfsigned
check_output "the refusal says unknown_ca" 'unknown_ca' cat "$WORK/selfsigned/1.body"

openssl req -x509 -nodes -newkey ec -pkeyopt ec_paramgen_curve:P-256 -keyout "$WORK/otherca.key" \
    -subj "/CN=Other CA" -days 30 -out "$WORK/otherca.crt" 2>/dev/null
cat >"$WORK/ext.cnf" <<CNF
subjectAltName = URI:urn:dev:ops:$DEV
extendedKeyUsage = clientAuth
CNF
cp "$WORK/dev.key" "$WORK/foreign.key"
openssl x509 -req -in "$WORK/dev.csr" -CA "$WORK/otherca.crt" -CAkey "$WORK/otherca.key" -CAcreateserial \
    -extfile "$WORK/ext.cnf" -days 30 -out "$WORK/foreign.crt" 2>/dev/null
cwmp foreign foreign "@$WORK/boot.xml"
check_statuses "certificate from another CA: 403" "403" foreign

# an expired certificate signed by our real issuing CA (openssl ca can backdate)
"$ACS_CA" cacerts --issuer devices --out "$WORK/devchain.pem"
openssl x509 -in "$WORK/devchain.pem" -out "$WORK/issuer.pem"
check "openssl ca backdates a certificate" expired_cert "$WORK/dev.csr" "$DEV" "$WORK/expired.crt"
cp "$WORK/dev.key" "$WORK/expired.key"
cwmp expired expired "@$WORK/boot.xml"
check_statuses "expired certificate: 403" "403" expired
check_output "the refusal says expired" 'expired' cat "$WORK/expired/1.body"
check_sql "no device was created by the refused connections" 0 "SELECT count(*) FROM devices"
check_output "a refused connection is logged once" '^1$' bash -c "grep -c 'event=refused reason=expired' '$WORK/acsd.log'"

# ---- identity mismatch: OTHER's certificate, DEV's Inform ----------------------------------------
cwmp ok dev "@$WORK/boot.xml" -
check_statuses "the real device gets in" "200 204" ok
BEFORE=$(sql "SELECT count(*) || '|' || max(p.updated_at) || '|' || d.last_inform FROM device_params p
              JOIN devices d ON d.id = p.device_pk WHERE d.device_id = '$DEV' GROUP BY d.last_inform")
cwmp mismatch other "@$WORK/boot.xml"
check_statuses "Inform claiming another device's identity: 403" "403" mismatch
check_output "the refusal names the mismatch" 'does not match the client certificate' cat "$WORK/mismatch/1.body"
check_sql "nothing changed for the claimed device" "$BEFORE" \
    "SELECT count(*) || '|' || max(p.updated_at) || '|' || d.last_inform FROM device_params p
       JOIN devices d ON d.id = p.device_pk WHERE d.device_id = '$DEV' GROUP BY d.last_inform"
check_sql "the certificate's own device was not created either" 0 \
    "SELECT count(*) FROM devices WHERE device_id = '$OTHER'"
check_output "the mismatch is audited as cwmp.refused" "action=cwmp.refused subject=$DEV result=refused .*cert_device=$OTHER" \
    "$ACS_CA" audit list --limit 100
check_sql "a refused sessions row records the claim" "$DEV|refused:identity|cert" \
    "SELECT claimed_id, result, auth FROM sessions WHERE device_pk IS NULL"
check_output "the mismatch is logged" "event=refused reason=identity_mismatch claimed=$DEV cert_device=$OTHER" \
    cat "$WORK/acsd.log"
check_output "audit log intact" 'audit log intact' "$ACS_CA" audit verify

# ---- revocation: refused at once, also while the device is online -------------------------------
SERIAL=$(openssl x509 -in "$WORK/other.crt" -noout -serial | sed 's/^serial=//' | tr 'A-F' 'a-f')
cwmp online other "@$WORK/boot-other.xml" - "run:'$ACS_CA' revoke --serial $SERIAL --reason keyCompromise >/dev/null" \
    sleep:0.2 "@$WORK/boot-other.xml" - "@$WORK/boot-other.xml"
# the third exchange may still be accepted if the NOTIFY was slow; the first after it must not be
check_output "revoked while online: a later session on the same connection is refused" ' 403$' \
    tail -n 1 "$WORK/online.out"
check_output "the first session went through" '^1 200$' head -n 1 "$WORK/online.out"
start=$(date +%s%N)
got=
for _ in $(seq 50); do
    cwmp revoked other "@$WORK/boot-other.xml"
    got=$(statuses revoked)
    [ "$got" = 403 ] && break
    sleep 0.1
done
ms=$((($(date +%s%N) - start) / 1000000))
if [ "$got" = 403 ]; then
    ok "a revoked certificate is refused on a new connection (within ${ms} ms)"
else
    not_ok "a revoked certificate is refused on a new connection (last: $got)"
fi
check_output "the refusal says revoked" 'revoked' cat "$WORK/revoked/1.body"
check_output "revocation refusal logged" "event=refused reason=revoked" cat "$WORK/acsd.log"
check_output "acsd is still alive" '^alive$' bash -c "kill -0 $ACSD_PID && echo alive"
check "acsd's log is key=value pairs throughout (values with spaces quoted)" python3 "$TOP/tests/integration/tools/logfmt_check.py" "$WORK/acsd.log"
t_done

#!/bin/bash
# tests/integration/066-acsd-ca-ends.sh — the open sessions that depend on a certificate end
# when it can no longer be trusted: an issuing CA revoked (acs-ca issuer revoke) ends its
# devices' sessions within seconds and refuses them afterwards, on the same keep-alive
# connection and on a new one, while another issuer's devices carry on; a certificate
# reaching its notAfter mid-session ends that session.
. "$(dirname "$0")/lib.sh"
t_init acsd_ca_ends
. "$(dirname "$0")/acsd_lib.sh"

acsd_ca
check "a second issuing CA, field" "$ACS_CA" issuer create field || t_done
FDEV=00D09E-ATA2FXS-F0001
DEV=00D09E-ATA2FXS-D0001
check "device certificate for $DEV (issuer devices)" mkdev dev "$DEV" || t_done
openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$WORK/fdev.key" \
    -subj "/CN=$FDEV" -out "$WORK/fdev.csr" 2>/dev/null
check "device certificate for $FDEV (issuer field)" "$ACS_CA" issue --csr "$WORK/fdev.csr" --device "$FDEV" \
    --issuer field --out "$WORK/fdev.crt" || t_done
rm -f "$WORK/chain.pem" # again, now with the field issuer (outputs are never overwritten)
"$ACS_CA" cacerts --out "$WORK/chain.pem"
acsd_start
inform inform-bootstrap-boot-1-2.xml "$WORK/boot-f.xml" 00D09E ATA2FXS F0001
inform inform-bootstrap-boot-1-2.xml "$WORK/boot-d.xml" 00D09E ATA2FXS D0001
cwmp warm fdev "@$WORK/boot-f.xml" -
check_statuses "the field device gets in" "200 204" warm

# ---- issuer revocation ------------------------------------------------------------------------
sed '/^root_passphrase_file/d' "$WORK/acs.ini" >"$WORK/nopass.ini"
check_fail_output "issuer revoke needs the root's own passphrase (the issuers' does not open it)" \
    'no root CA passphrase' env -u ACS_CA_ROOT_PASSPHRASE "$ACS_CA" -c "$WORK/nopass.ini" issuer revoke field
check_fail_output "the root cannot be revoked as an issuer" 'no live issuing CA' "$ACS_CA" issuer revoke root
# a session left open (Inform answered, the empty POST not sent yet) while the issuer is revoked
cwmp held fdev "@$WORK/boot-f.xml" "run:'$ACS_CA' issuer revoke field --reason cACompromise >/dev/null" sleep:4 -
check_output "the session's Inform went through" '^1 200$' head -n 1 "$WORK/held.out"
check_output "its next request on the same connection is refused" '^2 403$' tail -n 1 "$WORK/held.out"
check_output "refused as revoked" 'revoked' cat "$WORK/held/2.body"
check_sql "acsd ended the session as refused:revoked" "refused:revoked" \
    "SELECT result FROM sessions s JOIN devices d ON d.id = s.device_pk WHERE d.device_id = '$FDEV'
      ORDER BY s.id DESC LIMIT 1"
check_sql "within 3 s of the revocation" "t" \
    "SELECT s.ended_at - a.revoked_at < interval '3 seconds' FROM sessions s JOIN devices d ON d.id = s.device_pk,
            ca_authorities a WHERE d.device_id = '$FDEV' AND a.name = 'field' ORDER BY s.id DESC LIMIT 1"
ISERIAL=$(sql "SELECT serial FROM ca_authorities WHERE name = 'field'")
check_output "the end is logged with the issuer" \
    "event=refused reason=revoked session_id=[0-9a-f]+ device=$FDEV .*issuer_serial=$ISERIAL" cat "$WORK/acsd.log"
cwmp after fdev "@$WORK/boot-f.xml"
check_statuses "a new connection of the field device is refused" "403" after
cwmp other dev "@$WORK/boot-d.xml" -
check_statuses "a device of the other issuer carries on" "200 204" other
check_output "the revocation is audited" 'action=ca.issuer.revoke subject=field result=ok details="reason=cACompromise"' \
    "$ACS_CA" audit list
check_fail_output "acs-ca verify refuses the field certificate too" 'revoked' "$ACS_CA" verify --cert "$WORK/fdev.crt"
check_fail_output "a revoked issuer signs nothing more" 'issuing CA "field" is revoked' \
    "$ACS_CA" issue --csr "$WORK/fdev.csr" --device "$FDEV" --issuer field --out "$WORK/fdev2.crt"
check_fail_output "revoking it twice is refused" 'no live issuing CA' "$ACS_CA" issuer revoke field

# ---- expiry -------------------------------------------------------------------------------------
# a certificate of the devices issuer that expires 6 s from now (openssl ca sets any window)
"$ACS_CA" cacerts --issuer devices --out "$WORK/devchain.pem"
openssl x509 -in "$WORK/devchain.pem" -out "$WORK/issuer.pem"
cp "$WORK/dev.key" "$WORK/short.key"
check "a certificate valid for 6 more seconds" expired_cert "$WORK/dev.csr" "$DEV" "$WORK/short.crt" \
    "$(date -u -d '-1 hour' +%Y%m%d%H%M%SZ)" "$(date -u -d '+6 seconds' +%Y%m%d%H%M%SZ)"
cwmp short short "@$WORK/boot-d.xml" sleep:9 -
check_output "its session started" '^1 200$' head -n 1 "$WORK/short.out"
check_output "after its notAfter the same connection is refused" '^2 403$' tail -n 1 "$WORK/short.out"
check_output "refused as expired" 'expired' cat "$WORK/short/2.body"
check_sql "acsd ended the session at expiry" "refused:expired" \
    "SELECT result FROM sessions s JOIN devices d ON d.id = s.device_pk WHERE d.device_id = '$DEV'
      ORDER BY s.id DESC LIMIT 1"
check_output "the end is logged" "event=refused reason=expired session_id=[0-9a-f]+ device=$DEV" cat "$WORK/acsd.log"
check_output "acsd is still alive" '^alive$' bash -c "kill -0 $ACSD_PID && echo alive"
check "acsd's log is key=value pairs throughout" python3 "$TOP/tests/integration/tools/logfmt_check.py" "$WORK/acsd.log"
t_done

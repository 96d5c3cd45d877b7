#!/bin/bash
# tests/integration/101-directory.sh — the E.164 directory over the NBI (real acsd, HTTPS): the
# longest prefix wins (+49 and +4930: a +4930... number gets +4930's URI, a +4940... one +49's);
# a bad prefix, URI or ttl gets 400 naming the field (and the table's CHECKs refuse them too);
# tenant B neither sees, looks up nor deletes A's entries (404); a lookup miss is 404; a viewer
# reads but may not write; delete removes the entry and the lookup falls back to the shorter one.
. "$(dirname "$0")/lib.sh"
t_init directory
. "$(dirname "$0")/acsd_lib.sh"
command -v curl >/dev/null || t_skip "curl not installed"
ACSCTL=$BUILD/bin/acsctl
[ -x "$ACSCTL" ] || t_skip "$ACSCTL not built"

acsd_ca
sql "INSERT INTO tenants (name) VALUES ('dirA'), ('dirB')" >/dev/null
check "A's operator token" sh -c "'$ACSCTL' token create --name opa --role operator --tenant dirA >'$WORK/opa.token'"
check "A's viewer token" sh -c "'$ACSCTL' token create --name va --role viewer --tenant dirA >'$WORK/va.token'"
check "B's operator token" sh -c "'$ACSCTL' token create --name opb --role operator --tenant dirB >'$WORK/opb.token'"
check "platform admin token" sh -c "'$ACSCTL' token create --name root --role admin >'$WORK/root.token'"
OPA=$(cat "$WORK/opa.token") VA=$(cat "$WORK/va.token") OPB=$(cat "$WORK/opb.token") ROOT=$(cat "$WORK/root.token")

ACSD_NO_SIGNER=1 acsd_start
BASE=https://localhost:$ACSD_NBI_PORT
N=0
# want DESC STATUS TOKEN METHOD PATH [JSON_PY_EXPR] [curl args...]
want() {
    local desc=$1 status=$2 tok=$3 method=$4 path=$5 expr=${6:-}; shift 6 2>/dev/null || shift $#
    N=$((N + 1))
    W=a$N
    nbi_want "$desc" "$status" "$W" "$method" "$path" "$tok" "$@" || return 1
    [ -z "$expr" ] || nbi_json_ok "$desc: the answer" "$W" "$expr"
}
J=(-H 'Content-Type: application/json')

# ---- entries ----
want "+49" 201 "$OPA" POST /api/v1/directory \
    "j == {'prefix': '+49', 'sipUri': 'sips:de.example.net', 'ttl': 300, 'source': 'operator'}" "${J[@]}" \
    -d '{"prefix":"+49","sipUri":"sips:de.example.net"}'
check_output "... its Location" '^location: /api/v1/directory/[+]49$' sh -c "tr -d '\r' <'$WORK/$W.hdr' | tr A-Z a-z"
want "+4930 with a ttl" 201 "$OPA" POST /api/v1/directory "j['ttl'] == 60" "${J[@]}" \
    -d '{"prefix":"+4930","sipUri":"sip:berlin@sbc.example.net;transport=tls","ttl":60}'
want "the same prefix twice: 400 naming it" 400 "$OPA" POST /api/v1/directory "j['field'] == 'prefix'" "${J[@]}" \
    -d '{"prefix":"+49","sipUri":"sips:other.example.net"}'
want "a prefix without +: 400 naming it" 400 "$OPA" POST /api/v1/directory "j['field'] == 'prefix'" "${J[@]}" \
    -d '{"prefix":"4940","sipUri":"sips:x.example.net"}'
want "a prefix of 16 digits: 400 naming it" 400 "$OPA" POST /api/v1/directory "j['field'] == 'prefix'" "${J[@]}" \
    -d '{"prefix":"+1234567890123456","sipUri":"sips:x.example.net"}'
want "a tel: URI: 400 naming sipUri" 400 "$OPA" POST /api/v1/directory "j['field'] == 'sipUri'" "${J[@]}" \
    -d '{"prefix":"+4940","sipUri":"tel:+4940"}'
want "a URI with a space: 400 naming sipUri" 400 "$OPA" POST /api/v1/directory "j['field'] == 'sipUri'" "${J[@]}" \
    -d '{"prefix":"+4940","sipUri":"sip:a b"}'
want "a ttl of 0: 400 naming it" 400 "$OPA" POST /api/v1/directory "j['field'] == 'ttl'" "${J[@]}" \
    -d '{"prefix":"+4940","sipUri":"sip:x.example.net","ttl":0}'
want "a source member is not the caller's to set" 400 "$OPA" POST /api/v1/directory \
    "j['error'] == 'unknown member in the request object'" "${J[@]}" \
    -d '{"prefix":"+4940","sipUri":"sip:x.example.net","source":"line"}'
want "a viewer may not create an entry" 403 "$VA" POST /api/v1/directory "" "${J[@]}" \
    -d '{"prefix":"+4940","sipUri":"sip:x.example.net"}'
want "the platform admin must name the tenant" 400 "$ROOT" POST /api/v1/directory "j['field'] == 'tenant'" \
    "${J[@]}" -d '{"prefix":"+4940","sipUri":"sip:x.example.net"}'
check_sql "only A's two entries are stored" "+49|+4930" \
    "SELECT string_agg(prefix, '|' ORDER BY prefix) FROM e164_directory"
for bad in "'4930', 'sip:x'" "'+49', 'tel:x'" "'+49 30', 'sip:x'" "'+41', 'sip:x y'"; do
    check_fail "the table refuses ($bad) too (CHECK)" psql -d "$DBNAME" -qAtX -v ON_ERROR_STOP=1 -c \
        "INSERT INTO e164_directory (tenant_id, prefix, sip_uri) SELECT id, $bad FROM tenants WHERE name = 'dirB'"
done
check_fail "... and a ttl above a day" psql -d "$DBNAME" -qAtX -v ON_ERROR_STOP=1 -c \
    "INSERT INTO e164_directory (tenant_id, prefix, sip_uri, ttl_s) SELECT id, '+41', 'sip:x', 86401 FROM tenants WHERE name = 'dirB'"

# ---- lookup ----
want "a +4930 number gets +4930's URI" 200 "$VA" GET "/api/v1/directory/lookup?e164=%2B4930123456" \
    "j == {'e164': '+4930123456', 'prefix': '+4930', 'sipUri': 'sip:berlin@sbc.example.net;transport=tls', 'ttl': 60}"
want "a +4940 number gets +49's" 200 "$VA" GET "/api/v1/directory/lookup?e164=%2B4940123456" \
    "j == {'e164': '+4940123456', 'prefix': '+49', 'sipUri': 'sips:de.example.net', 'ttl': 300}"
want "an unescaped + (a space in a query) and separators are the same number" 200 "$VA" GET \
    "/api/v1/directory/lookup?e164=+49-30-123456" "j['e164'] == '+4930123456' and j['prefix'] == '+4930'"
want "a number under no prefix: 404" 404 "$VA" GET "/api/v1/directory/lookup?e164=%2B3312345678" \
    "j['error'] == 'no directory entry for the number'"
want "not a number: 400 naming e164" 400 "$VA" GET "/api/v1/directory/lookup?e164=%2B49" "j['field'] == 'e164'"
want "no number: 400 naming e164" 400 "$VA" GET "/api/v1/directory/lookup" "j['field'] == 'e164'"
want "A lists its entries" 200 "$VA" GET /api/v1/directory \
    "[(e['prefix'], e['tenant'], e['source']) for e in j['entries']] == [('+49', 'dirA', 'operator'), ('+4930', 'dirA', 'operator')]"

# ---- tenants ----
want "B lists none" 200 "$OPB" GET /api/v1/directory "j['entries'] == []"
want "B's lookup does not see A's entries" 404 "$OPB" GET "/api/v1/directory/lookup?e164=%2B4930123456"
want "B cannot delete A's entry" 404 "$OPB" DELETE /api/v1/directory/%2B4930 "j['error'] == 'no such directory entry'"
want "B may have its own +49" 201 "$OPB" POST /api/v1/directory "" "${J[@]}" \
    -d '{"prefix":"+49","sipUri":"sips:b.example.net"}'
want "... and B's lookup gets it, not A's +4930" 200 "$OPB" GET "/api/v1/directory/lookup?e164=%2B4930123456" \
    "j['prefix'] == '+49' and j['sipUri'] == 'sips:b.example.net'"
want "... while A still gets its own" 200 "$VA" GET "/api/v1/directory/lookup?e164=%2B4930123456" \
    "j['sipUri'] == 'sip:berlin@sbc.example.net;transport=tls'"

# ---- delete ----
want "a viewer may not delete" 403 "$VA" DELETE /api/v1/directory/%2B4930
want "A deletes +4930" 200 "$OPA" DELETE /api/v1/directory/%2B4930 "j == {'prefix': '+4930', 'deleted': True}"
want "... twice: 404" 404 "$OPA" DELETE /api/v1/directory/%2B4930
want "a path that is no prefix: 404" 404 "$OPA" DELETE /api/v1/directory/lookup
want "the +4930 number now falls back to +49" 200 "$VA" GET "/api/v1/directory/lookup?e164=%2B4930123456" \
    "j['prefix'] == '+49' and j['sipUri'] == 'sips:de.example.net'"
check_sql "B's +49 is untouched" "sips:b.example.net" \
    "SELECT d.sip_uri FROM e164_directory d JOIN tenants t ON t.id = d.tenant_id WHERE t.name = 'dirB'"
t_done

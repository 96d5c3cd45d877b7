#!/bin/bash
# tests/integration/056-acsd-lenient.sh — acsd is liberal with what CPEs send (common/cwmp/README.md,
# "Leniency") and strict with what it sends: an Inform and a GetParameterValuesResponse each with
# an arrayType count larger and smaller than their items (every parameter present stored in
# device_params, none invented); a CWMP 1.0 CPE with the InternetGatewayDevice root whose Inform
# carries NoMoreRequests with mustUnderstand="1" (was fault 8006; the ACS takes the floor); a
# legacy-mode CPE sending HTTP Basic credentials pre-emptively on every request; each session
# completes. Each leniency is counted: one log line per session naming the kinds, the kinds on
# the sessions row, a per-device count (also in the NBI device view), acs_cwmp_lenient_total{kind}.
# Every envelope acsd sent passes the shared validator.
. "$(dirname "$0")/lib.sh"
t_init acsd_lenient
. "$(dirname "$0")/acsd_lib.sh"
ACSCTL=$BUILD/bin/acsctl
[ -x "$ACSCTL" ] || t_skip "acsctl not built"
command -v curl >/dev/null || t_skip "curl not installed"

acsd_ca
LRG=00D09E-ATA2FXS-N0001 # counts larger than the items
SML=00D09E-ATA2FXS-N0002 # counts smaller than the items
OLD=00D09E-IGD-N0010     # CWMP 1.0, InternetGatewayDevice, NoMoreRequests
LEG=00D09E-IGD-N0020     # the same in legacy mode, HTTP Basic on every request
for d in lrg:$LRG sml:$SML old:$OLD; do
    check "device certificate for ${d#*:}" mkdev "${d%%:*}" "${d#*:}" || t_done
done

# gen.py KIND ...: envelopes with chosen arrayType counts (the items are what they are).
cat >"$WORK/gen.py" <<'EOF'
import sys
def env(ns, hdr, body):
    return ('<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" '
            'xmlns:soapenc="http://schemas.xmlsoap.org/soap/encoding/" '
            'xmlns:xsd="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
            'xmlns:cwmp="urn:dslforum-org:cwmp-%s">\n<soapenv:Header><cwmp:ID soapenv:mustUnderstand="1">%s</cwmp:ID>'
            '%s</soapenv:Header>\n<soapenv:Body>%s</soapenv:Body></soapenv:Envelope>\n' % (ns, "c-1", hdr, body))
def pvs(root, n, prefix):
    return "".join('<ParameterValueStruct><Name>%s%s%d</Name><Value xsi:type="xsd:string">v%d</Value>'
                   '</ParameterValueStruct>\n' % (root, prefix, i, i) for i in range(n))
kind = sys.argv[1]
if kind == "inform":  # inform NS ROOT OUI PC SERIAL PCOUNT NPARAMS ECOUNT NOMORE
    ns, root, oui, pc, sn, pcount, n, ecount, nomore = sys.argv[2:11]
    hdr = '<cwmp:NoMoreRequests soapenv:mustUnderstand="1">1</cwmp:NoMoreRequests>' if nomore == "1" else ""
    params = ('<ParameterValueStruct><Name>%sDeviceInfo.SoftwareVersion</Name><Value xsi:type="xsd:string">9.9</Value>'
              '</ParameterValueStruct>\n' % root) + pvs(root, int(n) - 1, "X_TEST_Lenient.P")
    body = ('<cwmp:Inform><DeviceId><Manufacturer>Lenient</Manufacturer><OUI>%s</OUI><ProductClass>%s</ProductClass>'
            '<SerialNumber>%s</SerialNumber></DeviceId>\n<Event soapenc:arrayType="cwmp:EventStruct[%s]">'
            '<EventStruct><EventCode>1 BOOT</EventCode><CommandKey></CommandKey></EventStruct>'
            '<EventStruct><EventCode>2 PERIODIC</EventCode><CommandKey></CommandKey></EventStruct></Event>\n'
            '<MaxEnvelopes>1</MaxEnvelopes><CurrentTime>2024-05-01T12:00:00Z</CurrentTime><RetryCount>0</RetryCount>\n'
            '<ParameterList soapenc:arrayType="cwmp:ParameterValueStruct[%s]">\n%s</ParameterList></cwmp:Inform>'
            % (oui, pc, sn, ecount, pcount, params))
    sys.stdout.write(env(ns, hdr, body))
elif kind == "gpvr":  # gpvr NS ROOT COUNT NITEMS
    ns, root, count, n = sys.argv[2:6]
    sys.stdout.write(env(ns, "", '<cwmp:GetParameterValuesResponse><ParameterList '
                         'soapenc:arrayType="cwmp:ParameterValueStruct[%s]">\n%s</ParameterList>'
                         '</cwmp:GetParameterValuesResponse>' % (count, pvs(root, int(n), "X_TEST_Gpv.P"))))
EOF
gen() { python3 "$WORK/gen.py" "$@"; }

# params DEVICE PREFIX: how many cached parameters of the device start with PREFIX, and whether
# they are exactly PREFIX0..PREFIX<n-1> with values v0..v<n-1> ("N|t").
params() {
    sql "SELECT count(*), coalesce(bool_and(p.value = 'v' || substr(p.name, length('$2') + 1)), false)
           FROM device_params p JOIN devices d ON d.id = p.device_pk
          WHERE d.device_id = '$1' AND p.name LIKE '$2%'"
}
check_params() {
    local got
    got=$(params "$2" "$3")
    if [ "$got" = "$4|t" ]; then ok "$1 ($got)"; else not_ok "$1"; echo "# expected $4|t, got $got"; fi
}
session_row() { sql "SELECT s.$2 FROM sessions s JOIN devices d ON d.id = s.device_pk
                      WHERE d.device_id = '$1' ORDER BY s.id DESC LIMIT 1"; }
queue_gpv() {
    local pk
    pk=$(sql "SELECT id FROM devices WHERE device_id = '$1'")
    sql "INSERT INTO tasks (device_pk, kind, args) VALUES ($pk, 'getParameterValues', '{\"names\": [\"$2\"]}')" >/dev/null
}

acsd_start "legacy_mode = true" "[nbi]" "metrics_public = true"
NBI_PORT=$(sed -n 's/^acsd: nbi listening on 127\.0\.0\.1:\([0-9][0-9]*\)$/\1/p' "$WORK/acsd.log")
[ -n "$NBI_PORT" ] || { not_ok "the NBI listens"; t_done; }

# ---- Inform: counts larger than the items (16 for 7 parameters, 5 for 2 events) ------------------
gen inform 1-2 Device. 00D09E ATA2FXS N0001 16 7 5 0 >"$WORK/lrg.xml"
cwmp lrg lrg "@$WORK/lrg.xml" -
check_statuses "Inform declaring 16 parameters for 7 and 5 events for 2: session completes" "200 204" lrg
check_params "all 6 X_TEST parameters stored, none invented" "$LRG" Device.X_TEST_Lenient.P 6
check_sql "and the seventh (SoftwareVersion) reached the device row" "9.9" \
    "SELECT software_version FROM devices WHERE device_id = '$LRG'"
check_sql "both events recorded" '{"1 BOOT","2 PERIODIC"}' "SELECT last_events FROM devices WHERE device_id = '$LRG'"
check_output "the session's leniency on its row" '^\{array_count_larger\}$' session_row "$LRG" lenient

# ---- Inform: counts smaller than the items (2 for 40 parameters, 1 for 2 events) -----------------
gen inform 1-2 Device. 00D09E ATA2FXS N0002 2 40 1 0 >"$WORK/sml.xml"
cwmp sml sml "@$WORK/sml.xml" -
check_statuses "Inform declaring 2 parameters for 40 and 1 event for 2: session completes" "200 204" sml
check_params "all 39 X_TEST parameters stored (gSOAP alone would keep 2)" "$SML" Device.X_TEST_Lenient.P 39
check_sql "both events recorded" '{"1 BOOT","2 PERIODIC"}' "SELECT last_events FROM devices WHERE device_id = '$SML'"

# ---- GetParameterValuesResponse to a queued task: 64 declared for 23, then 2 for 30 --------------
queue_gpv "$LRG" Device.X_TEST_Gpv.
gen inform 1-2 Device. 00D09E ATA2FXS N0001 7 7 2 0 >"$WORK/lrg-ok.xml"
gen gpvr 1-2 Device. 64 23 >"$WORK/gpv64.xml"
cwmp gpv1 lrg "@$WORK/lrg-ok.xml" - "@$WORK/gpv64.xml"
check_statuses "Inform, empty POST -> GetParameterValues, response declaring 64 for 23 items" "200 200 204" gpv1
check_output "the task went out as GetParameterValues" '<cwmp:GetParameterValues>' cat "$WORK/gpv1/2.body"
check_sql "the task is done with 23 values" 'done|23' \
    "SELECT t.state, jsonb_array_length(t.result->'values') FROM tasks t JOIN devices d ON d.id = t.device_pk
      WHERE d.device_id = '$LRG' ORDER BY t.id DESC LIMIT 1"
check_params "all 23 values in device_params" "$LRG" Device.X_TEST_Gpv.P 23
queue_gpv "$SML" Device.X_TEST_Gpv.
gen inform 1-2 Device. 00D09E ATA2FXS N0002 7 7 2 0 >"$WORK/sml-ok.xml"
gen gpvr 1-2 Device. 2 30 >"$WORK/gpv2.xml"
cwmp gpv2 sml "@$WORK/sml-ok.xml" - "@$WORK/gpv2.xml"
check_statuses "... and a response declaring 2 for 30 items" "200 200 204" gpv2
check_params "all 30 values in device_params (gSOAP alone would keep 2)" "$SML" Device.X_TEST_Gpv.P 30
check_output "that session's leniency: smaller only (its Inform was right)" '^\{array_count_smaller\}$' \
    session_row "$SML" lenient

# ---- CWMP 1.0, InternetGatewayDevice, NoMoreRequests with mustUnderstand -------------------------
gen inform 1-0 InternetGatewayDevice. 00D09E IGD N0010 5 5 2 1 >"$WORK/old.xml"
cwmp old old "@$WORK/old.xml" -
check_statuses "CWMP 1.0 Inform with NoMoreRequests mustUnderstand=1 (was 8006): session completes" "200 204" old
check_fail "no fault in the answer" grep -q '<FaultCode>' "$WORK/old/1.body"
check_output "InformResponse in the cwmp-1-0 namespace" 'xmlns:cwmp="urn:dslforum-org:cwmp-1-0"' cat "$WORK/old/1.body"
check_sql "device stored with CWMP 1.0 and the InternetGatewayDevice root" "1.0|InternetGatewayDevice.|9.9" \
    "SELECT cwmp_version, root_object, software_version FROM devices WHERE device_id = '$OLD'"
check_params "its 4 X_TEST parameters stored" "$OLD" InternetGatewayDevice.X_TEST_Lenient.P 4
check "NoMoreRequests noted in the session" acsd_log_has "event=no_more_requests session_id=[0-9a-f]{32} rpc=Inform"
check_sql "NoMoreRequests in CWMP 1.0 is no leniency: nothing counted for the device" "0|{}|{}" \
    "SELECT d.lenient_messages, d.lenient_kinds, s.lenient FROM devices d JOIN sessions s ON s.device_pk = d.id
      WHERE d.device_id = '$OLD'"
check_output "and no lenient line for that session" '^0$' bash -c \
    "sid=\$(sed -n 's/.*event=session_start session_id=\([0-9a-f]*\) device=$OLD .*/\1/p' '$WORK/acsd.log' | tail -1);
     grep -c \"event=lenient session_id=\$sid \" '$WORK/acsd.log' || true"
# the ACS has the floor: a queued task goes out at the CPE's next (empty) POST as usual
queue_gpv "$OLD" InternetGatewayDevice.X_TEST_Gpv.
gen gpvr 1-0 InternetGatewayDevice. 1 3 >"$WORK/gpv10.xml"
cwmp old2 old "@$WORK/old.xml" - "@$WORK/gpv10.xml"
check_statuses "NoMoreRequests again, then the ACS's GetParameterValues (1 declared for 3)" "200 200 204" old2
check_output "GetParameterValues in the cwmp-1-0 namespace" 'xmlns:cwmp="urn:dslforum-org:cwmp-1-0"' \
    cat "$WORK/old2/2.body"
check_params "all 3 values in device_params" "$OLD" InternetGatewayDevice.X_TEST_Gpv.P 3
check_fail "no protocol warning for the request that carried NoMoreRequests" \
    grep -q 'msg="request after NoMoreRequests"' "$WORK/acsd.log"

# ---- legacy mode, HTTP Basic sent pre-emptively on every request -----------------------------------
printf 'basic-lenient-pass\n' >"$WORK/pw"
check "set-legacy $LEG" sh -c "'$ACSCTL' device set-legacy $LEG --user lenient1 <'$WORK/pw'"
check "set-auth $LEG legacy" "$ACSCTL" device set-auth "$LEG" legacy
queue_gpv "$LEG" InternetGatewayDevice.X_TEST_Gpv.
gen inform 1-0 InternetGatewayDevice. 00D09E IGD N0020 16 9 0 1 >"$WORK/leg.xml"
gen gpvr 1-0 InternetGatewayDevice. 64 12 >"$WORK/gpvleg.xml"
rm -rf "${WORK:?}/leg"
python3 "$CLIENT" --port "$ACSD_PORT" --ca "$WORK/chain.pem" --auth basic --user lenient1 \
    --password-file "$WORK/pw" --out "$WORK/leg" "@$WORK/leg.xml" - "@$WORK/gpvleg.xml" \
    >"$WORK/leg.out" 2>"$WORK/leg.err"
check_statuses "Basic on every request, CWMP 1.0, NoMoreRequests, wrong counts: session completes" \
    "200 200 204" leg
check_sql "session row: legacy-basic, ok, both leniencies" 'legacy-basic|ok|{array_count_larger,array_count_smaller}' \
    "SELECT s.auth, s.result, s.lenient FROM sessions s JOIN devices d ON d.id = s.device_pk
      WHERE d.device_id = '$LEG' ORDER BY s.id DESC LIMIT 1"
check_params "all 8 Inform parameters stored" "$LEG" InternetGatewayDevice.X_TEST_Lenient.P 8
check_params "all 12 GetParameterValues values stored" "$LEG" InternetGatewayDevice.X_TEST_Gpv.P 12

# ---- counted: one log line per session, per device, metrics -----------------------------------------
sid=$(sed -n 's/.*event=session_start session_id=\([0-9a-f]*\) device=00D09E-IGD-N0020 .*/\1/p' "$WORK/acsd.log" | tail -1)
check_output "one lenient line for the legacy session, naming the kinds" \
    "^1 .*kinds=array_count_larger,array_count_smaller messages=2" \
    bash -c "n=\$(grep -c 'event=lenient session_id=$sid ' '$WORK/acsd.log'); echo \"\$n \$(grep 'event=lenient session_id=$sid ' '$WORK/acsd.log')\""
check_sql "per device: messages counted and kinds kept" \
    "$LEG|2|{array_count_larger,array_count_smaller}" \
    "SELECT device_id, lenient_messages, lenient_kinds FROM devices WHERE device_id = '$LEG'"
check "a viewer token" sh -c "'$ACSCTL' token create --name noc --role viewer >'$WORK/noc.token'"
curl -sS --cacert "$WORK/chain.pem" -H "Authorization: Bearer $(cat "$WORK/noc.token")" \
    "https://localhost:$NBI_PORT/api/v1/devices/$LEG" >"$WORK/nbi-dev.json" 2>"$WORK/nbi-dev.err"
check_output "the NBI shows the device's count and kinds" '^2 array_count_larger,array_count_smaller$' \
    python3 -c "import json,sys; j=json.load(open(sys.argv[1])); print(j['lenientMessages'], ','.join(j['lenientKinds']))" \
    "$WORK/nbi-dev.json"
curl -sS --cacert "$WORK/chain.pem" "https://localhost:$NBI_PORT/metrics" >"$WORK/metrics.txt" 2>"$WORK/metrics.err"
# larger: lrg's Inform, gpv1's response, leg's Inform and response; smaller: sml's Inform, gpv2's
# response, old2's response, leg's Inform
check_output "acs_cwmp_lenient_total counts larger counts per message" \
    '^acs_cwmp_lenient_total\{kind="array_count_larger"\} 4$' cat "$WORK/metrics.txt"
check_output "... and smaller ones" '^acs_cwmp_lenient_total\{kind="array_count_smaller"\} 4$' cat "$WORK/metrics.txt"

# ---- strict with what acsd sends ---------------------------------------------------------------------
n=0
for f in "$WORK"/{lrg,sml,gpv1,gpv2,old,old2,leg}/*.body; do
    [ -s "$f" ] || continue
    n=$((n + 1))
    check_output "acsd's ${f#"$WORK"/} passes the shared validator" '^VALID' python3 "$VALIDATOR" "$f"
done
[ "$n" -ge 11 ] && ok "$n envelopes validated" || not_ok "only $n envelopes to validate"
t_done

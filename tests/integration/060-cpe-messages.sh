#!/bin/bash
# Every message libcpe produces (written by the unit test tests/unit/cpe/test_cpe_session:
# Informs with each event kind, every RPC response, faults with SetParameterValuesFault,
# TransferComplete; test_cpe_voice: the Inform of a TR-098 device) must be a valid CWMP envelope for the shared validator.
. "$(dirname "$0")/lib.sh"
t_init cpe-messages

SHARED=$TOP/../shared/cwmp
PRODUCER=$BUILD/tests/unit/cpe/test_cpe_session
[ -x "$PRODUCER" ] || t_skip "$PRODUCER not built"
[ -f "$SHARED/tools/cwmp_validate.py" ] || t_skip "no $SHARED/tools/cwmp_validate.py"
command -v xmllint >/dev/null || t_skip "xmllint not installed (libxml2-utils)"

OUT=$WORK/cpe-out
check "libcpe unit test writes its messages" env CPE_OUT="$OUT" \
    CPE_DATAMODEL="$SHARED/datamodel/key-params.tsv" "$PRODUCER"
check "libcpe voice test writes the TR-098 Inform" env CPE_OUT="$OUT" \
    CPE_DATAMODEL="$SHARED/datamodel/key-params.tsv" "$BUILD/tests/unit/cpe/test_cpe_voice"
check "produced cpe-inform-tr098" test -s "$OUT/cpe-inform-tr098.xml"
check_output "the TR-098 Inform is under InternetGatewayDevice." 'InternetGatewayDevice.DeviceSummary' \
    cat "$OUT/cpe-inform-tr098.xml"
check_output "Inform, responses and faults written" '^(2[5-9]|[3-9][0-9])$' sh -c "ls '$OUT'/cpe-*.xml | wc -l"
for kind in inform-bootstrap inform-periodic inform-reboot-transfer inform-value-change inform-retry \
    getparametervaluesresponse setparametervaluesresponse fault-9008-spv transfercomplete fault-9000-unknown; do
    check "produced cpe-$kind" test -s "$OUT/cpe-$kind.xml"
done
check "every libcpe message is valid CWMP" python3 "$SHARED/tools/cwmp_validate.py" -q "$OUT"/cpe-*.xml
check_output "the SPV fault lists SetParameterValuesFault entries" '<SetParameterValuesFault>' \
    cat "$OUT/cpe-fault-9008-spv.xml"
t_done

#!/bin/bash
# The CWMP codec's output against the shared validator (../shared/cwmp/tools): every
# message common/cwmp encodes for the ACS and the CPE side (written by the unit test
# tests/unit/cwmp/test_encode) must be a schema-valid CWMP envelope.
. "$(dirname "$0")/lib.sh"
t_init cwmp-codec

SHARED=$TOP/../shared/cwmp
ENCODER=$BUILD/tests/unit/cwmp/test_encode
[ -x "$ENCODER" ] || t_skip "$ENCODER not built"
[ -f "$SHARED/tools/cwmp_validate.py" ] || t_skip "no $SHARED/tools/cwmp_validate.py"
command -v xmllint >/dev/null || t_skip "xmllint not installed (libxml2-utils)"

OUT=$WORK/cwmp-out
check "encoder writes the messages" env CWMP_OUT="$OUT" CWMP_SAMPLES="$SHARED/samples" "$ENCODER"
check_output "ACS-side messages written" '^2[0-9]$' sh -c "ls '$OUT'/acs-*.xml | wc -l"
check_output "CPE-side messages written" '^2[0-9]$' sh -c "ls '$OUT'/cpe-*.xml | wc -l"
check "ACS-side messages are valid CWMP" python3 "$SHARED/tools/cwmp_validate.py" -q "$OUT"/acs-*.xml
check "CPE-side messages are valid CWMP" python3 "$SHARED/tools/cwmp_validate.py" -q "$OUT"/cpe-*.xml
# The validator itself still refuses what the codec refuses (a sanity check of the tool).
check_fail "validator refuses an invalid sample" \
    python3 "$SHARED/tools/cwmp_validate.py" -q "$SHARED/samples/invalid/missing-arraytype.xml"
t_done

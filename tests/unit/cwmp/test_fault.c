/* tests/unit/cwmp/test_fault.c — common/cwmp/fault.c: fault texts and ranges, the SOAP
 * faultcode per fault, and that every refusal reason maps to a fault of the right side. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "cwmp.h"

static void texts(void **state)
{
    (void)state;
    assert_string_equal(cwmp_fault_str(8003), "Invalid arguments");
    assert_string_equal(cwmp_fault_str(8005), "Retry request");
    assert_string_equal(cwmp_fault_str(9000), "Method not supported");
    assert_string_equal(cwmp_fault_str(9019), "File transfer failure: file authentication failure");
    assert_string_equal(cwmp_fault_str(9850), "Vendor defined fault");
    assert_string_equal(cwmp_fault_str(8850), "Vendor defined fault");
    assert_string_equal(cwmp_fault_str(9500), "Reserved fault code");
    assert_string_equal(cwmp_fault_str(7000), "Unknown fault");
    assert_string_equal(cwmp_fault_str(-1), "Unknown fault");
}

static void ranges(void **state)
{
    (void)state;
    assert_true(cwmp_fault_code_valid(8000));
    assert_true(cwmp_fault_code_valid(8899));
    assert_false(cwmp_fault_code_valid(8900));
    assert_false(cwmp_fault_code_valid(8999));
    assert_true(cwmp_fault_code_valid(9000));
    assert_true(cwmp_fault_code_valid(9899));
    assert_false(cwmp_fault_code_valid(9900));
    assert_false(cwmp_fault_code_valid(0));
}

static void soap_codes(void **state)
{
    (void)state;
    assert_string_equal(cwmp_fault_soap_code(8003), "Client");
    assert_string_equal(cwmp_fault_soap_code(8005), "Server");
    assert_string_equal(cwmp_fault_soap_code(9002), "Server");
    assert_string_equal(cwmp_fault_soap_code(9005), "Client");
    assert_string_equal(cwmp_fault_soap_code(7000), "Client");
}

static void reasons(void **state)
{
    (void)state;
    assert_int_equal(cwmp_reason_fault(CWMP_R_DUPLICATE, CWMP_SIDE_ACS), CWMP_FAULT_ACS_INVALID_ARGS);
    assert_int_equal(cwmp_reason_fault(CWMP_R_DUPLICATE, CWMP_SIDE_CPE), CWMP_FAULT_INVALID_ARGS);
    assert_int_equal(cwmp_reason_fault(CWMP_R_UNKNOWN_METHOD, CWMP_SIDE_ACS), 8000);
    assert_int_equal(cwmp_reason_fault(CWMP_R_UNKNOWN_METHOD, CWMP_SIDE_CPE), 9000);
    assert_int_equal(cwmp_reason_fault(CWMP_R_INTERNAL, CWMP_SIDE_ACS), 8002);
    assert_int_equal(cwmp_reason_fault(CWMP_R_NOMEM, CWMP_SIDE_ACS), 8005);
    assert_int_equal(cwmp_reason_fault(CWMP_R_VALUE_TYPE, CWMP_SIDE_CPE), 9006);
    assert_int_equal(cwmp_reason_fault((enum cwmp_reason)999, CWMP_SIDE_ACS), 8002);
    for (int r = 1; r < CWMP_R_COUNT; r++) {
        int acs = cwmp_reason_fault((enum cwmp_reason)r, CWMP_SIDE_ACS);
        int cpe = cwmp_reason_fault((enum cwmp_reason)r, CWMP_SIDE_CPE);
        assert_true(acs >= 8000 && acs <= 8006);
        assert_true(cpe >= 9000 && cpe <= 9032);
        assert_string_not_equal(cwmp_fault_str(acs), "Unknown fault");
        assert_true(strlen(cwmp_reason_str((enum cwmp_reason)r)) > 0);
        int http = cwmp_reason_http_status((enum cwmp_reason)r);
        assert_true(http == 200 || (http >= 400 && http <= 503));
    }
    assert_string_equal(cwmp_reason_str(CWMP_R_ARRAY_COUNT), "array_count");
    assert_string_equal(cwmp_reason_str((enum cwmp_reason)999), "unknown");
}

static void messages_and_versions(void **state)
{
    (void)state;
    assert_string_equal(cwmp_msg_name(CWMP_MSG_INFORM), "Inform");
    assert_string_equal(cwmp_msg_name(CWMP_MSG_NONE), "");
    assert_null(cwmp_msg_name(CWMP_MSG_COUNT));
    assert_int_equal(cwmp_msg_by_name("GetParameterValuesResponse"),
                     CWMP_MSG_GET_PARAMETER_VALUES_RESPONSE);
    assert_int_equal(cwmp_msg_by_name("FormatHardDisk"), CWMP_MSG_NONE);
    for (int t = 1; t < CWMP_MSG_COUNT; t++)
        assert_int_equal(cwmp_msg_by_name(cwmp_msg_name((enum cwmp_msg_type)t)), t);
    assert_string_equal(cwmp_version_ns(CWMP_V1_0), "urn:dslforum-org:cwmp-1-0");
    assert_string_equal(cwmp_version_ns(CWMP_V1_1), "urn:dslforum-org:cwmp-1-1");
    assert_string_equal(cwmp_version_ns(CWMP_V1_4), "urn:dslforum-org:cwmp-1-2");
    assert_null(cwmp_version_ns((enum cwmp_version)5));
    assert_string_equal(cwmp_version_str(CWMP_V1_3), "1.3");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(texts),   cmocka_unit_test(ranges),
        cmocka_unit_test(soap_codes), cmocka_unit_test(reasons),
        cmocka_unit_test(messages_and_versions),
    };
    return cmocka_run_group_tests_name("cwmp/fault", tests, NULL, NULL);
}

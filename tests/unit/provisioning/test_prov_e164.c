/* tests/unit/provisioning/test_prov_e164.c — provisioning/prov_e164.c: what a line number may be. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "prov_e164.h"

static void valid_numbers(void **state)
{
    (void)state;
    assert_true(prov_e164_valid("+4930123456"));
    assert_true(prov_e164_valid("+12025550123"));
    assert_true(prov_e164_valid("+12345678"));        /* 8 digits */
    assert_true(prov_e164_valid("+123456789012345")); /* 15 digits */
}

static void invalid_numbers(void **state)
{
    (void)state;
    const char *bad[] = {NULL, "", "+", "4930123456", "+1234567", "+1234567890123456", "+0301234567",
                         "+49 30 123456", "+49301234x6", "++4930123456", "+4930123456\n"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_false(prov_e164_valid(bad[i]));
}

static void canonical_form(void **state)
{
    (void)state;
    char out[PROV_E164_MAX + 1];
    assert_int_equal(prov_e164_canonical("+49 (0)30 1234-567", out, sizeof out), 0);
    assert_string_equal(out, "+49301234567");
    assert_int_equal(prov_e164_canonical("+1.202.555.0123", out, sizeof out), 0);
    assert_string_equal(out, "+12025550123");
    assert_int_equal(prov_e164_canonical("030 1234567", out, sizeof out), -1);   /* no country code */
    assert_int_equal(prov_e164_canonical("+1 2345 6789 0123 4567", out, sizeof out), -1); /* 16 digits */
    assert_int_equal(prov_e164_canonical("+49301234567", out, 8), -1);           /* buffer too small */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(valid_numbers),
        cmocka_unit_test(invalid_numbers),
        cmocka_unit_test(canonical_form),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

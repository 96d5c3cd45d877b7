/* tests/unit/acs/test_devid.c — acs/acs_devid.c: the percent-encoding of a DeviceId part and the
 * stored forms an operator's spelling of a device id stands for (as printed on the box,
 * percent-encoded, mixed, lowercase OUI or hex; several when a part holds a '-'). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "acs_devid.h"
#include "err.h"

static void append_part(void **state)
{
    (void)state;
    char out[ACS_DEVID_MAX + 1] = "";
    size_t at = acs_devid_append_part(out, sizeof out, 0, "FRITZ!Box 7590");
    assert_string_equal(out, "FRITZ%21Box%207590");
    assert_int_equal(at, strlen(out));
    acs_devid_append_part(out, sizeof out, 0, "ATA-2FXS_v1.0~+:");
    assert_string_equal(out, "ATA%2D2FXS_v1.0~+:");
    char small[8];
    at = acs_devid_append_part(small, sizeof small, 0, "ab!cdefgh"); /* never overflows */
    assert_true(at < sizeof small);
    assert_string_equal(small, "ab%21cd");
}

/* The candidates of in, joined by '|'. */
static const char *cands(const char *in)
{
    static char joined[ACS_DEVID_MAX_CANDIDATES * (ACS_DEVID_MAX + 2) + 8];
    char c[ACS_DEVID_MAX_CANDIDATES][ACS_DEVID_MAX + 1];
    int k = acs_devid_candidates(in, c, ACS_DEVID_MAX_CANDIDATES);
    if (k < 0)
        return "refused";
    joined[0] = '\0';
    for (int i = 0; i < k; i++) {
        size_t l = strlen(joined);
        snprintf(joined + l, sizeof joined - l, "%s%s", i ? "|" : "", c[i]);
    }
    return joined;
}

static void spellings(void **state)
{
    (void)state;
    /* as printed, percent-encoded (either hex case), double-decoded by the HTTP layer: one id */
    assert_string_equal(cands("00040E-FRITZ!Box-123"), "00040E-FRITZ%21Box-123");
    assert_string_equal(cands("00040E-FRITZ%21Box-123"), "00040E-FRITZ%21Box-123");
    assert_string_equal(cands("00040E-FRITZ%21box-123"), "00040E-FRITZ%21box-123"); /* case kept */
    assert_string_equal(cands("00040e-FRITZ!Box-123"), "00040E-FRITZ%21Box-123");   /* OUI uppercased */
    assert_string_equal(cands("00D09E-ATA%2d2FXS-T1"), "00D09E-ATA%2D2FXS-T1");     /* %xx uppercased */
    assert_string_equal(cands("00D09E-%41TA-T1"), "00D09E-ATA-T1");                   /* %41 is 'A' */
    assert_string_equal(cands("00D09E-Box 1-S/N 5"), "00D09E-Box%201-S%2FN%205");
    assert_string_equal(cands("00D09E-100%-X"), "00D09E-100%25-X"); /* a lone '%' is a character */
    assert_string_equal(cands("00D09E-SN1"), "00D09E-SN1");           /* OUI-SerialNumber */
    /* a '-' inside a part: every split, then no ProductClass */
    assert_string_equal(cands("00D09E-ATA-2FXS-T1"), "00D09E-ATA-2FXS%2DT1|00D09E-ATA%2D2FXS-T1|00D09E-ATA%2D2FXS%2DT1");
    /* refused */
    assert_string_equal(cands("NOPE-X-1"), "refused");
    assert_string_equal(cands("00D09E"), "refused");
    assert_string_equal(cands("00D09EX-A-B"), "refused");
    assert_string_equal(cands("00D09E--B"), "refused");
    assert_string_equal(cands("00D09E-A-"), "refused");
    assert_string_equal(cands("00D09E-A\n-B"), "refused");
    assert_string_equal(cands("00D09E-a-b-c-d-e-f-g-h-i"), "refused"); /* too many '-' */
    char longid[700];
    memset(longid, 'A', sizeof longid - 1);
    longid[sizeof longid - 1] = '\0';
    memcpy(longid, "00D09E-", 7);
    assert_string_equal(cands(longid), "refused");
    assert_int_equal(acs_devid_candidates(NULL, NULL, 1), -ERR_INVAL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(append_part),
        cmocka_unit_test(spellings),
    };
    return cmocka_run_group_tests_name("acs/devid", tests, NULL, NULL);
}

/* tests/unit/acs/test_devid.c — acs/session/acs_devid.c: the percent-encoding of a DeviceId part and the
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

/* Is c a stored form: uppercase OUI, '-', at most two parts of [A-Za-z0-9._~+:] and %XX? */
static int stored_form(const char *c)
{
    int dashes = 0;
    for (int i = 0; i < 6; i++)
        if (!strchr("0123456789ABCDEF", c[i]) || !c[i])
            return 0;
    if (c[6] != '-')
        return 0;
    for (const char *p = c + 7; *p; p++) {
        if (*p == '-') {
            if (++dashes > 1 || p[-1] == '-' || !p[1])
                return 0;
        } else if (*p == '%') {
            if (!p[1] || !p[2] || !strchr("0123456789ABCDEF", p[1]) || !strchr("0123456789ABCDEF", p[2]))
                return 0;
            p += 2;
        } else if (!strchr("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._~+:", *p)) {
            return 0;
        }
    }
    return strlen(c) <= ACS_DEVID_MAX;
}

/* Hostile spellings (the NBI's path argument): every candidate is a stored form, and a stored
 * form stands for itself alone. Deterministic (fixed seed). */
static void random_spellings(void **state)
{
    (void)state;
    static const char alphabet[] = "0123456789abcdefABCDEF----%%%!xyzXYZ ~+:./\"\x01\x7f\xff\xc3\xa9";
    unsigned seed = 12345;
    char in[400];
    char c[ACS_DEVID_MAX_CANDIDATES][ACS_DEVID_MAX + 1], again[ACS_DEVID_MAX_CANDIDATES][ACS_DEVID_MAX + 1];
    int accepted = 0;
    for (int iter = 0; iter < 20000; iter++) {
        seed = seed * 1103515245u + 12345u;
        size_t len = (seed >> 16) % ((seed & 4) ? sizeof in - 1 : 30), at = 0; /* mostly short */
        if ((seed & 1) && len >= 7) { /* often with a plausible OUI */
            memcpy(in, (seed & 2) ? "00a8Fe-" : "00D09E-", 7);
            at = 7;
        }
        for (; at < len; at++) {
            seed = seed * 1103515245u + 12345u;
            in[at] = alphabet[(seed >> 16) % (sizeof alphabet - 1)];
        }
        in[len] = '\0';
        int k = acs_devid_candidates(in, c, ACS_DEVID_MAX_CANDIDATES);
        assert_true(k == -ERR_INVAL || (k >= 1 && k <= ACS_DEVID_MAX_CANDIDATES));
        for (int i = 0; i < k; i++) {
            if (!stored_form(c[i]))
                fail_msg("input \"%s\": candidate \"%s\" is no stored form", in, c[i]);
            assert_int_equal(acs_devid_candidates(c[i], again, ACS_DEVID_MAX_CANDIDATES), 1);
            assert_string_equal(again[0], c[i]);
        }
        accepted += k > 0;
    }
    assert_true(accepted > 1000); /* the generator does reach the accepting paths */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(append_part),
        cmocka_unit_test(spellings),
        cmocka_unit_test(random_spellings),
    };
    return cmocka_run_group_tests_name("acs/devid", tests, NULL, NULL);
}

/* tests/unit/acs/test_legacy.c — legacy password mode helpers: Digest HA1, PBKDF2 hashes
 * (verify, wrong password, malformed), the per-user / per-address failure budget. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "acs_legacy.h"

static void ha1(void **state)
{
    (void)state;
    char out[ACS_LEGACY_HA1_HEX + 1];
    /* RFC 2617 section 3.5: Mufasa:testrealm@host.com:Circle Of Life */
    assert_int_equal(acs_legacy_ha1("Mufasa", "testrealm@host.com", "Circle Of Life", out), 0);
    assert_string_equal(out, "939e7578ed9e3c518a452acee763bce9");
}

static void password_hash(void **state)
{
    (void)state;
    char h[ACS_LEGACY_HASH_MAX], h2[ACS_LEGACY_HASH_MAX];
    assert_int_equal(acs_legacy_hash_password("s3cret", h, sizeof h), 0);
    assert_int_equal(acs_legacy_hash_password("s3cret", h2, sizeof h2), 0);
    assert_string_not_equal(h, h2); /* random salt */
    assert_non_null(strstr(h, "pbkdf2-sha256$100000$"));
    assert_null(strstr(h, "s3cret"));
    assert_int_equal(acs_legacy_verify_password("s3cret", h), 1);
    assert_int_equal(acs_legacy_verify_password("s3cret ", h), 0);
    assert_int_equal(acs_legacy_verify_password("", h), 0);
    assert_int_equal(acs_legacy_verify_password("s3cret", "s3cret"), -ERR_INVAL);
    assert_int_equal(acs_legacy_verify_password("s3cret", ""), -ERR_INVAL);
    assert_int_equal(acs_legacy_verify_password("s3cret", NULL), -ERR_INVAL);
    assert_int_equal(acs_legacy_verify_password("x", "pbkdf2-sha256$10$00$00"), -ERR_INVAL);
    char trail[ACS_LEGACY_HASH_MAX + 2];
    snprintf(trail, sizeof trail, "%sx", h);
    assert_int_equal(acs_legacy_verify_password("s3cret", trail), -ERR_INVAL);
}

static void limiter(void **state)
{
    (void)state;
    struct acs_legacy *lg = acs_legacy_new("acs");
    assert_non_null(lg);
    time_t t = 1000000;
    for (int i = 0; i < ACS_LEGACY_USER_FAILS; i++) {
        assert_false(acs_legacy_limited(lg, "u1", "192.0.2.1", t));
        acs_legacy_failed(lg, "u1", "192.0.2.1", t);
    }
    assert_true(acs_legacy_limited(lg, "u1", "192.0.2.9", t));   /* the user, from anywhere */
    assert_false(acs_legacy_limited(lg, "u2", "192.0.2.1", t));  /* the address is under its budget */
    assert_false(acs_legacy_limited(lg, "u1", "192.0.2.1", t + ACS_LEGACY_WINDOW)); /* window over */
    for (int i = 0; i < ACS_LEGACY_ADDR_FAILS; i++)
        acs_legacy_failed(lg, NULL, "198.51.100.7", t);
    assert_true(acs_legacy_limited(lg, "anyone", "198.51.100.7", t));
    assert_true(acs_legacy_limited(lg, NULL, "198.51.100.7", t + 1));
    /* many distinct keys do not break the table */
    char key[32];
    for (int i = 0; i < 5000; i++) {
        snprintf(key, sizeof key, "user%d", i);
        acs_legacy_failed(lg, key, "203.0.113.1", t + 2 * ACS_LEGACY_WINDOW + i / 100);
    }
    acs_legacy_free(lg);
    acs_legacy_free(NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(ha1),
        cmocka_unit_test(password_hash),
        cmocka_unit_test(limiter),
    };
    return cmocka_run_group_tests_name("acs/legacy", tests, NULL, NULL);
}

/* tests/unit/provisioning/test_prov_vault.c — provisioning/prov_vault.c: passwords of 144 random
 * bits in 24 printable characters, sealed under an AAD that binds them to their line. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "prov_vault.h"
#include "secret.h"

static void passwords(void **state)
{
    (void)state;
    char a[PROV_VAULT_PASS_LEN + 1], b[PROV_VAULT_PASS_LEN + 1];
    assert_int_equal(prov_vault_password(a, sizeof a), 0);
    assert_int_equal(prov_vault_password(b, sizeof b), 0);
    assert_int_equal(strlen(a), PROV_VAULT_PASS_LEN);
    assert_int_equal(strspn(a, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"),
                     PROV_VAULT_PASS_LEN);
    assert_string_not_equal(a, b);
    assert_int_equal(prov_vault_password(a, PROV_VAULT_PASS_LEN), -ERR_TOO_BIG); /* no room for the NUL */
}

static void seal_and_open(void **state)
{
    (void)state;
    unsigned char raw[SECRET_KEY_LEN] = {1, 2, 3}, raw2[SECRET_KEY_LEN] = {4, 5, 6};
    struct secret_key *k = secret_key_from_bytes(raw, sizeof raw), *k2 = secret_key_from_bytes(raw2, sizeof raw2);
    unsigned char *ct = NULL;
    size_t len = 0;
    long key_id = 0;
    char *plain = NULL, aad[PROV_VAULT_AAD_MAX];
    assert_non_null(k);
    assert_int_equal(prov_vault_seal(k, 7, "+4930123456", "pw-7", &ct, &len, &key_id), 0);
    assert_int_equal(key_id, prov_vault_key_id_of(k));
    assert_int_not_equal(key_id, prov_vault_key_id_of(k2));
    assert_int_equal(prov_vault_key_id(ct, len), key_id);
    assert_int_equal(prov_vault_open(k, 7, "+4930123456", ct, len, &plain), 0);
    assert_string_equal(plain, "pw-7");
    secret_wipe_free(plain);
    plain = NULL;
    /* moved to another row, another number, or opened with another key: refused */
    assert_int_equal(prov_vault_open(k, 8, "+4930123456", ct, len, &plain), -ERR_INTEGRITY);
    assert_int_equal(prov_vault_open(k, 7, "+4930123457", ct, len, &plain), -ERR_INTEGRITY);
    assert_int_equal(prov_vault_open(k2, 7, "+4930123456", ct, len, &plain), -ERR_INTEGRITY);
    assert_null(plain);
    prov_vault_aad(aad, sizeof aad, 7, "+4930123456");
    assert_string_equal(aad, "sip_line:7:+4930123456"); /* what tests/integration/100 opens with */
    assert_int_equal(prov_vault_key_id(ct, 5), -1);
    free(ct);
    secret_key_free(k);
    secret_key_free(k2);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(passwords),
        cmocka_unit_test(seal_and_open),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

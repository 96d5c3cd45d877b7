/* tests/unit/common/test_secret.c — AES-256-GCM sealing: round trip, tamper, wrong AAD/key, key files. */
#define _GNU_SOURCE /* memmem */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>
#include <jansson.h>

#include "secret.h"

static const unsigned char KEY1[SECRET_KEY_LEN] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16,
                                                   17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32};

static void round_trip(void **state)
{
    (void)state;
    struct secret_key *k = secret_key_from_bytes(KEY1, sizeof KEY1);
    unsigned char *sealed = NULL;
    size_t len = 0;
    char *plain = NULL;
    assert_non_null(k);
    assert_int_equal(secret_seal(k, "sip-password-123", "00D09E-Box-1", &sealed, &len), 0);
    assert_int_equal(len, SECRET_OVERHEAD + strlen("sip-password-123"));
    assert_null(memmem(sealed, len, "sip-password", 12)); /* not in clear */
    assert_int_equal(secret_open(k, sealed, len, "00D09E-Box-1", &plain), 0);
    assert_string_equal(plain, "sip-password-123");
    secret_wipe_free(plain);
    /* the same plaintext seals differently every time (random nonce) */
    unsigned char *again = NULL;
    size_t len2 = 0;
    assert_int_equal(secret_seal(k, "sip-password-123", "00D09E-Box-1", &again, &len2), 0);
    assert_int_equal(len, len2);
    assert_memory_not_equal(sealed, again, len);
    free(again);
    free(sealed);
    secret_key_free(k);
}

static void empty_secret(void **state)
{
    (void)state;
    struct secret_key *k = secret_key_from_bytes(KEY1, sizeof KEY1);
    unsigned char *sealed = NULL;
    size_t len = 0;
    char *plain = NULL;
    assert_int_equal(secret_seal(k, "", NULL, &sealed, &len), 0);
    assert_int_equal(secret_open(k, sealed, len, NULL, &plain), 0);
    assert_string_equal(plain, "");
    secret_wipe_free(plain);
    free(sealed);
    secret_key_free(k);
}

static void refusals(void **state)
{
    (void)state;
    unsigned char other[SECRET_KEY_LEN];
    memcpy(other, KEY1, sizeof other);
    other[0] ^= 0x80;
    struct secret_key *k = secret_key_from_bytes(KEY1, sizeof KEY1), *k2 = secret_key_from_bytes(other, sizeof other);
    unsigned char *sealed = NULL;
    size_t len = 0;
    char *plain = NULL;
    assert_int_equal(secret_seal(k, "secret", "dev-A", &sealed, &len), 0);
    assert_int_equal(secret_open(k, sealed, len, "dev-B", &plain), -ERR_INTEGRITY); /* moved to another row */
    assert_int_equal(secret_open(k2, sealed, len, "dev-A", &plain), -ERR_INTEGRITY); /* another key */
    for (size_t i = 0; i < len; i++) {                                                 /* any flipped bit */
        sealed[i] ^= 0x01;
        assert_int_equal(secret_open(k, sealed, len, "dev-A", &plain), -ERR_INTEGRITY);
        sealed[i] ^= 0x01;
    }
    assert_int_equal(secret_open(k, sealed, len - 1, "dev-A", &plain), -ERR_INTEGRITY); /* truncated */
    assert_int_equal(secret_open(k, sealed, 3, "dev-A", &plain), -ERR_INTEGRITY);
    assert_null(plain);
    char big[SECRET_MAX_PLAIN + 2];
    memset(big, 'x', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    unsigned char *b = NULL;
    assert_int_equal(secret_seal(k, big, NULL, &b, &len), -ERR_TOO_BIG);
    free(sealed);
    secret_key_free(k);
    secret_key_free(k2);
}

static void key_files(void **state)
{
    (void)state;
    char dir[] = "/tmp/secret-test.XXXXXX", path[64], *err = NULL;
    assert_non_null(mkdtemp(dir));
    snprintf(path, sizeof path, "%s/key", dir);
    assert_int_equal(secret_key_generate(path, &err), 0);
    assert_int_equal(secret_key_generate(path, &err), -ERR_EXIST); /* never overwrites */
    assert_non_null(err);
    assert_non_null(strstr(err, "already exists"));
    free(err);
    err = NULL;
    char link[80]; /* nor writes through a symlink */
    snprintf(link, sizeof link, "%s/link", dir);
    assert_int_equal(symlink("absent", link), 0);
    assert_int_equal(secret_key_generate(link, &err), -ERR_EXIST);
    free(err);
    err = NULL;
    assert_int_equal(unlink(link), 0);
    struct stat st;
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);
    struct secret_key *k = secret_key_load(path, &err);
    assert_non_null(k);
    secret_key_free(k);
    chmod(path, 0644);
    assert_null(secret_key_load(path, &err));
    assert_non_null(strstr(err, "chmod 600"));
    free(err);
    err = NULL;
    FILE *f = fopen(path, "w");
    fputs("not hex at all\n", f);
    fclose(f);
    chmod(path, 0600);
    assert_null(secret_key_load(path, &err));
    assert_non_null(strstr(err, "64 hex digits"));
    free(err);
    unlink(path);
    rmdir(dir);
}

/* jansson frees through the wiping function from then on, and JSON still works */
static void json_wiping(void **state)
{
    (void)state;
    secret_json_wipe_on_free();
    json_malloc_t m = NULL;
    json_free_t f = NULL;
    json_get_alloc_funcs(&m, &f);
    assert_ptr_equal(m, malloc);
    assert_ptr_not_equal(f, free);
    json_t *j = json_pack("{s:s}", "password", "hunter2-not-kept");
    assert_non_null(j);
    assert_string_equal(json_string_value(json_object_get(j, "password")), "hunter2-not-kept");
    json_decref(j);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(round_trip),
        cmocka_unit_test(json_wiping),
        cmocka_unit_test(empty_secret),
        cmocka_unit_test(refusals),
        cmocka_unit_test(key_files),
    };
    return cmocka_run_group_tests_name("common/secret", tests, NULL, NULL);
}

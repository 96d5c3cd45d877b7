/* tests/unit/common/test_b64.c — common/b64: RFC 4648 §10 vectors both ways, base64url,
 * whitespace, optional and wrong padding, bytes outside the alphabet, buffer sizes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "b64.h"

static const struct {
    const char *raw, *b64;
} rfc4648[] = {{"", ""},
               {"f", "Zg=="},
               {"fo", "Zm8="},
               {"foo", "Zm9v"},
               {"foob", "Zm9vYg=="},
               {"fooba", "Zm9vYmE="},
               {"foobar", "Zm9vYmFy"}};
#define NVEC (sizeof rfc4648 / sizeof rfc4648[0])

/* Decode text; on success checks that *errmsg stayed NULL, on failure that it was set. */
static int decode(const char *text, unsigned char **out, size_t *n)
{
    char *err = NULL;
    int rc = b64_decode(text, strlen(text), out, n, &err);
    assert_true(rc == 0 ? err == NULL : err != NULL);
    if (rc < 0) {
        assert_null(*out);
        assert_int_equal(*n, 0);
    }
    free(err);
    return rc;
}

static void rfc4648_vectors(void **state)
{
    (void)state;
    for (size_t i = 0; i < NVEC; i++) {
        char text[16];
        size_t len = strlen(rfc4648[i].raw);
        assert_int_equal(b64_encode(rfc4648[i].raw, len, text, sizeof text), (int)strlen(rfc4648[i].b64));
        assert_string_equal(text, rfc4648[i].b64);
        unsigned char *out = NULL;
        size_t n = 99;
        assert_int_equal(decode(rfc4648[i].b64, &out, &n), 0);
        assert_int_equal(n, len);
        assert_memory_equal(out, rfc4648[i].raw, len);
        free(out);
    }
}

static void padding_optional_whitespace_skipped(void **state)
{
    (void)state;
    unsigned char *out = NULL;
    size_t n = 0;
    assert_int_equal(decode("Zm9vYmE", &out, &n), 0); /* padding omitted */
    assert_int_equal(n, 5);
    assert_memory_equal(out, "fooba", 5);
    free(out);
    assert_int_equal(decode("Zm9vYg", &out, &n), 0);
    assert_int_equal(n, 4);
    free(out);
    assert_int_equal(decode(" QUJD\r\nREVH\nSA==\n", &out, &n), 0); /* line breaks, padding */
    assert_int_equal(n, 7);
    assert_memory_equal(out, "ABCDEGH", 7);
    free(out);
    assert_int_equal(decode("Zm9v\tYmFy ", &out, &n), 0);
    assert_int_equal(n, 6);
    assert_memory_equal(out, "foobar", 6);
    free(out);
    assert_int_equal(decode(" \r\n", &out, &n), 0); /* nothing: no bytes (callers decide) */
    assert_int_equal(n, 0);
    free(out);
    /* all 256 byte values survive a round trip */
    unsigned char all[256], *back = NULL;
    for (int i = 0; i < 256; i++)
        all[i] = (unsigned char)i;
    char text[B64_LEN(256) + 1];
    assert_int_equal(b64_encode(all, sizeof all, text, sizeof text), B64_LEN(256));
    assert_int_equal(decode(text, &back, &n), 0);
    assert_int_equal(n, 256);
    assert_memory_equal(back, all, 256);
    free(back);
}

static void malformed_input_refused(void **state)
{
    (void)state;
    static const char *const bad[] = {
        "Zm9vY",                   /* one character left over */
        "Z",                       /* likewise */
        "Zm9v=Zm9v",               /* data after padding */
        "Zm8==",                   /* padding that makes no whole quad */
        "Zm9v==",                  /* padding after a whole quad */
        "Zg===",                   /* too much padding */
        "=",                       /* padding alone */
        "Zm9-YmFy",                /* base64url character */
        "Zm9_YmFy",    "Zm9v.mFy", /* punctuation */
        "Zm9v\vmFy",               /* vertical tab is no whitespace here */
        "Zm\x80vYmFy",             /* a byte above 0x7f */
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        unsigned char *out = NULL;
        size_t n = 0;
        assert_int_equal(decode(bad[i], &out, &n), -ERR_PARSE);
    }
    unsigned char *out = NULL;
    size_t n = 0;
    char *err = NULL;
    assert_int_equal(b64_decode("Zm9v\0mFy", 8, &out, &n, &err), -ERR_PARSE); /* an embedded NUL */
    assert_non_null(strstr(err, "offset 4"));
    free(err);
}

static void url_alphabet_and_sizes(void **state)
{
    (void)state;
    const unsigned char raw[] = {0xfb, 0xff, 0xbf, 0xfe};
    char text[16];
    assert_int_equal(b64_encode(raw, sizeof raw, text, sizeof text), 8);
    assert_string_equal(text, "+/+//g==");
    assert_int_equal(b64url_encode(raw, sizeof raw, text, sizeof text), 6);
    assert_string_equal(text, "-_-__g");
    unsigned char key[32] = {0};
    char tok[B64URL_LEN(32) + 1];
    assert_int_equal(b64url_encode(key, sizeof key, tok, sizeof tok), 43); /* the token length */
    assert_int_equal(b64_encode("foo", 3, text, 4), -ERR_TOO_BIG);         /* no room for the NUL */
    assert_int_equal(b64_encode("foo", 3, text, 5), 4);
    assert_int_equal(b64url_encode("foo", 3, text, 4), -ERR_TOO_BIG);
    assert_int_equal(b64url_encode("fo", 2, text, 4), 3); /* no room needed for padding */
    assert_string_equal(text, "Zm8");
    assert_int_equal(b64url_encode("f", 1, text, 3), 2);
    assert_string_equal(text, "Zg");
    assert_int_equal(b64url_encode("f", 1, text, 2), -ERR_TOO_BIG);
    assert_int_equal(b64url_encode("", 0, text, 1), 0);
    assert_string_equal(text, "");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(rfc4648_vectors),
        cmocka_unit_test(padding_optional_whitespace_skipped),
        cmocka_unit_test(malformed_input_refused),
        cmocka_unit_test(url_alphabet_and_sizes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

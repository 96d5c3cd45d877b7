/* tests/unit/common/test_buf.c — common/buf: growth, hard cap, printf, take. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "buf.h"

static void init_is_empty(void **state)
{
    (void)state;
    struct buf b;
    buf_init(&b, 100);
    assert_null(b.data);
    assert_int_equal(b.len, 0);
    assert_int_equal(b.max, 100);
    buf_cleanup(&b);
    buf_cleanup(&b); /* cleanup of an empty buffer is a no-op */
    assert_int_equal(b.max, 100);
}

static void append_grows_and_terminates(void **state)
{
    (void)state;
    struct buf b;
    buf_init(&b, 1 << 20);
    char chunk[100];
    memset(chunk, 'x', sizeof chunk);
    for (int i = 0; i < 1000; i++)
        assert_int_equal(buf_append(&b, chunk, sizeof chunk), 0);
    assert_int_equal(b.len, 100000);
    assert_true(b.cap > b.len);
    assert_int_equal(b.data[b.len], '\0');
    assert_int_equal(strlen(b.data), 100000);
    assert_int_equal(buf_append_str(&b, "end"), 0);
    assert_string_equal(b.data + 100000, "end");
    buf_cleanup(&b);
    assert_null(b.data);
    assert_int_equal(b.len, 0);
}

static void append_binary_keeps_nul_bytes(void **state)
{
    (void)state;
    struct buf b;
    buf_init(&b, 16);
    assert_int_equal(buf_append(&b, "a\0b", 3), 0);
    assert_int_equal(b.len, 3);
    assert_memory_equal(b.data, "a\0b", 4);
    buf_cleanup(&b);
}

static void append_empty_allocates_empty_string(void **state)
{
    (void)state;
    struct buf b;
    buf_init(&b, 0);
    assert_int_equal(buf_append(&b, "", 0), 0);
    assert_non_null(b.data);
    assert_string_equal(b.data, "");
    buf_cleanup(&b);
}

static void cap_is_enforced(void **state)
{
    (void)state;
    struct buf b;
    buf_init(&b, 10);
    assert_int_equal(buf_append_str(&b, "0123456789"), 0); /* exactly max: allowed */
    assert_int_equal(b.len, 10);
    assert_int_equal(buf_append(&b, "x", 1), -ERR_TOO_BIG);
    assert_int_equal(b.len, 10); /* unchanged by the failed append */
    assert_string_equal(b.data, "0123456789");
    assert_int_equal(buf_append(&b, "", 0), 0);
    buf_cleanup(&b);

    buf_init(&b, 10);
    assert_int_equal(buf_append(&b, "01234567890", 11), -ERR_TOO_BIG);
    assert_int_equal(b.len, 0);
    /* a length that would overflow len + extra is refused, not wrapped */
    assert_int_equal(buf_append_str(&b, "abc"), 0);
    assert_int_equal(buf_append(&b, "x", SIZE_MAX), -ERR_TOO_BIG);
    assert_int_equal(buf_append(&b, "x", SIZE_MAX - 1), -ERR_TOO_BIG);
    assert_int_equal(b.len, 3);
    buf_cleanup(&b);
}

static void printf_formats_and_grows(void **state)
{
    (void)state;
    struct buf b;
    buf_init(&b, 1 << 16);
    assert_int_equal(buf_printf(&b, "serial=%s n=%d", "00ff", 42), 0);
    assert_string_equal(b.data, "serial=00ff n=42");
    /* grow well past the initial allocation in one call */
    char big[5000];
    memset(big, 'y', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    assert_int_equal(buf_printf(&b, " big=%s", big), 0);
    assert_int_equal(b.len, strlen("serial=00ff n=42 big=") + 4999);
    assert_int_equal(b.data[b.len], '\0');
    assert_int_equal(b.data[b.len - 1], 'y');
    assert_int_equal(buf_printf(&b, "%s", ""), 0);
    assert_int_equal(b.len, strlen("serial=00ff n=42 big=") + 4999);
    buf_cleanup(&b);
}

static void printf_respects_cap(void **state)
{
    (void)state;
    struct buf b;
    buf_init(&b, 8);
    assert_int_equal(buf_printf(&b, "%d", 1234), 0);
    assert_int_equal(buf_printf(&b, "%s", "56789"), -ERR_TOO_BIG);
    assert_string_equal(b.data, "1234");
    assert_int_equal(b.len, 4);
    assert_int_equal(buf_printf(&b, "%s", "5678"), 0);
    assert_string_equal(b.data, "12345678");
    buf_cleanup(&b);
}

static void take_hands_over_and_resets(void **state)
{
    (void)state;
    struct buf b;
    buf_init(&b, 32);
    char *empty = buf_take(&b);
    assert_non_null(empty);
    assert_string_equal(empty, "");
    free(empty);

    assert_int_equal(buf_append_str(&b, "hello"), 0);
    char *p = buf_take(&b);
    assert_string_equal(p, "hello");
    assert_null(b.data);
    assert_int_equal(b.len, 0);
    assert_int_equal(b.max, 32);
    /* the buffer is reusable after take, and p is independent of it */
    assert_int_equal(buf_append_str(&b, "again"), 0);
    assert_string_equal(b.data, "again");
    assert_string_equal(p, "hello");
    free(p);
    buf_cleanup(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(init_is_empty),
        cmocka_unit_test(append_grows_and_terminates),
        cmocka_unit_test(append_binary_keeps_nul_bytes),
        cmocka_unit_test(append_empty_allocates_empty_string),
        cmocka_unit_test(cap_is_enforced),
        cmocka_unit_test(printf_formats_and_grows),
        cmocka_unit_test(printf_respects_cap),
        cmocka_unit_test(take_hands_over_and_resets),
    };
    return cmocka_run_group_tests_name("common/buf", tests, NULL, NULL);
}

/* tests/unit/common/test_tally.c — common/tally: counts per source and reason, windows closing,
 * take-all at shutdown, the bounded table's overflow entry, put back, the summary text. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "tally.h"

static const struct tally_entry *find(const struct tally_entry *v, size_t n, const char *source)
{
    for (size_t i = 0; i < n; i++)
        if (!strcmp(v[i].source, source))
            return &v[i];
    return NULL;
}

static void counts_per_source_and_window(void **state)
{
    (void)state;
    struct tally *t = tally_new(64, 60);
    assert_non_null(t);
    time_t t0 = 1700000000;
    for (int i = 0; i < 300; i++)
        tally_add(t, "192.0.2.1", i % 3 ? "no_credentials" : "bad_token", t0 + i / 10);
    tally_add(t, "192.0.2.2", "no_credentials", t0 + 20);
    struct tally_entry *v = NULL;
    assert_int_equal(tally_take(t, t0 + 59, 0, &v), 0); /* nothing closed yet */
    assert_null(v);
    assert_int_equal(tally_take(t, t0 + 60, 0, &v), 1); /* 192.0.2.1's window closed */
    assert_string_equal(v[0].source, "192.0.2.1");
    assert_int_equal(v[0].count, 300);
    assert_int_equal(v[0].first, t0);
    assert_int_equal(v[0].last, t0 + 29);
    assert_string_equal(v[0].reason[0], "bad_token");
    assert_int_equal(v[0].reason_count[0], 100);
    assert_string_equal(v[0].reason[1], "no_credentials");
    assert_int_equal(v[0].reason_count[1], 200);
    char text[TALLY_TEXT_MAX];
    assert_string_equal(tally_format(t, &v[0], text, sizeof text),
                        "source=192.0.2.1 count=300 window_s=60 first=2023-11-14T22:13:20Z "
                        "last=2023-11-14T22:13:49Z reasons=bad_token:100,no_credentials:200");
    free(v);
    tally_add(t, "192.0.2.1", "bad_token", t0 + 61);    /* a new window */
    assert_int_equal(tally_take(t, t0 + 62, 1, &v), 2); /* shutdown: everything */
    assert_int_equal(find(v, 2, "192.0.2.1")->count, 1);
    assert_int_equal(find(v, 2, "192.0.2.2")->count, 1);
    free(v);
    assert_int_equal(tally_take(t, t0 + 1000, 1, &v), 0);
    assert_int_equal(tally_total(t), 302);
    tally_free(t);
}

static void many_reasons(void **state)
{
    (void)state;
    struct tally *t = tally_new(16, 10);
    static const char *const why[] = {"a", "b", "c", "d", "e", "f", "g", "h"};
    for (int i = 0; i < 8; i++)
        tally_add(t, "198.51.100.1", why[i], 100);
    struct tally_entry *v;
    assert_int_equal(tally_take(t, 100, 1, &v), 1);
    assert_int_equal(v[0].count, 8);
    assert_int_equal(v[0].other, 2);
    char text[TALLY_TEXT_MAX];
    assert_non_null(strstr(tally_format(t, &v[0], text, sizeof text), "reasons=a:1,b:1,c:1,d:1,e:1,f:1,other:2"));
    free(v);
    tally_free(t);
}

static void bounded_by_overflow_entry(void **state)
{
    (void)state;
    struct tally *t = tally_new(16, 60);
    char src[32];
    for (int i = 0; i < 5000; i++) {
        snprintf(src, sizeof src, "10.0.%d.%d", i >> 8, i & 255);
        tally_add(t, src, "no_credentials", 500);
    }
    struct tally_entry *v;
    size_t n = tally_take(t, 1000, 0, &v);
    assert_true(n <= 16 + 1); /* at most one summary per slot, plus "*" */
    unsigned long sum = 0;
    for (size_t i = 0; i < n; i++)
        sum += v[i].count;
    assert_int_equal(sum, 5000);
    assert_non_null(find(v, n, "*"));
    free(v);
    tally_free(t);
}

static void put_back_merges(void **state)
{
    (void)state;
    struct tally *t = tally_new(16, 60);
    tally_add(t, "192.0.2.5", "x", 10);
    tally_add(t, "192.0.2.5", "y", 11);
    struct tally_entry *v;
    assert_int_equal(tally_take(t, 100, 0, &v), 1);
    tally_add(t, "192.0.2.5", "x", 120); /* arrives while the write failed */
    tally_put_back(t, v, 1);
    free(v);
    assert_int_equal(tally_take(t, 200, 0, &v), 1);
    assert_int_equal(v[0].count, 3);
    assert_int_equal(v[0].first, 10);
    assert_int_equal(v[0].last, 120);
    assert_int_equal(v[0].reason_count[0], 2); /* x */
    free(v);
    tally_free(t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(counts_per_source_and_window),
        cmocka_unit_test(many_reasons),
        cmocka_unit_test(bounded_by_overflow_entry),
        cmocka_unit_test(put_back_merges),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

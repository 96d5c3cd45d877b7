/* tests/unit/common/test_ratelimit.c — common/ratelimit: burst then rate per source, the global
 * bucket, Retry-After, IPv6 /64 and IPv4-mapped keys, a full table, many threads at once. */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include <cmocka.h>

#include "ratelimit.h"

static struct ratelimit_cfg cfg(double srate, double sburst, double grate, double gburst, size_t sources)
{
    struct ratelimit_cfg c = {
        .source_rate = srate, .source_burst = sburst, .global_rate = grate, .global_burst = gburst, .sources = sources};
    return c;
}

static void burst_then_rate(void **state)
{
    (void)state;
    struct ratelimit_cfg c = cfg(2, 5, 1000, 1000, 64);
    struct ratelimit *r = ratelimit_new(&c);
    assert_non_null(r);
    int64_t t = 1000000;
    int retry = -1;
    for (int i = 0; i < 5; i++)
        assert_int_equal(ratelimit_take(r, "192.0.2.1", t, &retry), RATELIMIT_OK);
    assert_int_equal(ratelimit_take(r, "192.0.2.1", t, &retry), RATELIMIT_SOURCE);
    assert_int_equal(retry, 1);                                              /* 2/s: a token in 0.5 s, rounded up */
    assert_int_equal(ratelimit_take(r, "192.0.2.2", t, NULL), RATELIMIT_OK); /* others unaffected */
    assert_int_equal(ratelimit_take(r, "192.0.2.1", t + 499, NULL), RATELIMIT_SOURCE);
    assert_int_equal(ratelimit_take(r, "192.0.2.1", t + 500, NULL), RATELIMIT_OK);
    assert_int_equal(ratelimit_take(r, "192.0.2.1", t + 500, NULL), RATELIMIT_SOURCE);
    /* a long pause refills to the burst, not beyond */
    for (int i = 0; i < 5; i++)
        assert_int_equal(ratelimit_take(r, "192.0.2.1", t + 100000, NULL), RATELIMIT_OK);
    assert_int_equal(ratelimit_take(r, "192.0.2.1", t + 100000, NULL), RATELIMIT_SOURCE);
    ratelimit_free(r);
}

static void slow_rate_retry_after(void **state)
{
    (void)state;
    struct ratelimit_cfg c = cfg(1.0 / 60, 1, 1000, 1000, 64); /* one a minute */
    struct ratelimit *r = ratelimit_new(&c);
    int retry = 0;
    assert_int_equal(ratelimit_take(r, "198.51.100.7", 0, &retry), RATELIMIT_OK);
    assert_int_equal(ratelimit_take(r, "198.51.100.7", 0, &retry), RATELIMIT_SOURCE);
    assert_int_equal(retry, 60);
    assert_int_equal(ratelimit_take(r, "198.51.100.7", 30000, &retry), RATELIMIT_SOURCE);
    assert_int_equal(retry, 30);
    ratelimit_free(r);
}

static void global_bucket(void **state)
{
    (void)state;
    struct ratelimit_cfg c = cfg(100, 100, 10, 20, 64);
    struct ratelimit *r = ratelimit_new(&c);
    char src[32];
    int ok = 0, retry = 0;
    for (int i = 0; i < 50; i++) {
        snprintf(src, sizeof src, "203.0.113.%d", i);
        enum ratelimit_verdict v = ratelimit_take(r, src, 5000, &retry);
        ok += v == RATELIMIT_OK;
        if (v != RATELIMIT_OK)
            assert_int_equal(v, RATELIMIT_GLOBAL);
    }
    assert_int_equal(ok, 20);
    assert_int_equal(retry, 1);
    assert_int_equal(ratelimit_take(r, "203.0.113.99", 5100, NULL), RATELIMIT_OK); /* 10/s: one back */
    assert_int_equal(ratelimit_take(r, "203.0.113.99", 5100, NULL), RATELIMIT_GLOBAL);
    ratelimit_free(r);
}

static void source_over_budget_spares_global(void **state)
{
    (void)state;
    struct ratelimit_cfg c = cfg(0.001, 2, 0.001, 3, 64);
    struct ratelimit *r = ratelimit_new(&c);
    assert_int_equal(ratelimit_take(r, "192.0.2.9", 0, NULL), RATELIMIT_OK);
    assert_int_equal(ratelimit_take(r, "192.0.2.9", 0, NULL), RATELIMIT_OK);
    for (int i = 0; i < 100; i++)
        assert_int_equal(ratelimit_take(r, "192.0.2.9", 0, NULL), RATELIMIT_SOURCE);
    assert_int_equal(ratelimit_take(r, "192.0.2.10", 0, NULL), RATELIMIT_OK); /* the 3rd global token */
    assert_int_equal(ratelimit_take(r, "192.0.2.11", 0, NULL), RATELIMIT_GLOBAL);
    ratelimit_free(r);
}

static void ipv6_per_64_and_mapped(void **state)
{
    (void)state;
    struct ratelimit_cfg c = cfg(0.001, 2, 1000, 1000, 64);
    struct ratelimit *r = ratelimit_new(&c);
    assert_int_equal(ratelimit_take(r, "2001:db8:1:2::1", 0, NULL), RATELIMIT_OK);
    assert_int_equal(ratelimit_take(r, "2001:db8:1:2:ffff:1:2:3", 0, NULL), RATELIMIT_OK);
    assert_int_equal(ratelimit_take(r, "2001:db8:1:2::99", 0, NULL), RATELIMIT_SOURCE); /* same /64 */
    assert_int_equal(ratelimit_take(r, "2001:db8:1:3::1", 0, NULL), RATELIMIT_OK);      /* another /64 */
    assert_int_equal(ratelimit_take(r, "192.0.2.77", 0, NULL), RATELIMIT_OK);
    assert_int_equal(ratelimit_take(r, "::ffff:192.0.2.77", 0, NULL), RATELIMIT_OK);
    assert_int_equal(ratelimit_take(r, "192.0.2.77", 0, NULL), RATELIMIT_SOURCE); /* mapped = same */
    assert_int_equal(ratelimit_take(r, NULL, 0, NULL), RATELIMIT_OK);             /* no address: "-" */
    ratelimit_free(r);
}

static void full_table_stays_bounded(void **state)
{
    (void)state;
    struct ratelimit_cfg c = cfg(0.001, 1, 1e9, 1e9, 16);
    struct ratelimit *r = ratelimit_new(&c);
    char src[32];
    /* 10,000 sources through a 16-slot table: each new one gets a (fresh) budget */
    for (int i = 0; i < 10000; i++) {
        snprintf(src, sizeof src, "10.%d.%d.%d", i >> 16, (i >> 8) & 255, i & 255);
        assert_int_equal(ratelimit_take(r, src, 0, NULL), RATELIMIT_OK);
    }
    /* a source still in the table keeps its state */
    assert_int_equal(ratelimit_take(r, "10.0.39.15", 0, NULL), RATELIMIT_SOURCE);
    ratelimit_free(r);
}

static void bad_config(void **state)
{
    (void)state;
    struct ratelimit_cfg c = cfg(0, 1, 1, 1, 16);
    assert_null(ratelimit_new(&c));
    c = cfg(1, 0, 1, 1, 16);
    assert_null(ratelimit_new(&c));
    ratelimit_free(NULL);
}

static struct ratelimit *shared_;
static void *taker(void *arg)
{
    long ok = 0;
    for (int i = 0; i < 20000; i++)
        ok += ratelimit_take(shared_, (const char *)arg, 0, NULL) == RATELIMIT_OK;
    return (void *)ok;
}

static void threads_share_exactly(void **state)
{
    (void)state;
    struct ratelimit_cfg c = cfg(0.001, 1000, 0.001, 3000, 64);
    shared_ = ratelimit_new(&c);
    const char *src[8] = {"192.0.2.1", "192.0.2.1", "192.0.2.2", "192.0.2.2",
                          "192.0.2.3", "192.0.2.4", "192.0.2.5", "192.0.2.6"};
    pthread_t th[8];
    for (int i = 0; i < 8; i++)
        assert_int_equal(pthread_create(&th[i], NULL, taker, (void *)src[i]), 0);
    long total = 0;
    for (int i = 0; i < 8; i++) {
        void *v;
        pthread_join(th[i], &v);
        total += (long)v;
    }
    assert_int_equal(total, 3000); /* the global burst, taken exactly once each */
    ratelimit_free(shared_);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(burst_then_rate),
        cmocka_unit_test(slow_rate_retry_after),
        cmocka_unit_test(global_bucket),
        cmocka_unit_test(source_over_budget_spares_global),
        cmocka_unit_test(ipv6_per_64_and_mapped),
        cmocka_unit_test(full_table_stays_bounded),
        cmocka_unit_test(bad_config),
        cmocka_unit_test(threads_share_exactly),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/* tests/unit/common/test_conn_count.c — common/conn_count: the per-source limit, release,
 * sources kept apart (IPv4 and IPv6, different addresses), no limit, many threads. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "conn_count.h"

static struct sockaddr_storage v4(const char *ip)
{
    struct sockaddr_storage a;
    memset(&a, 0, sizeof a);
    struct sockaddr_in *s = (struct sockaddr_in *)(void *)&a;
    s->sin_family = AF_INET;
    assert_int_equal(inet_pton(AF_INET, ip, &s->sin_addr), 1);
    return a;
}

static struct sockaddr_storage v6(const char *ip)
{
    struct sockaddr_storage a;
    memset(&a, 0, sizeof a);
    struct sockaddr_in6 *s = (struct sockaddr_in6 *)(void *)&a;
    s->sin6_family = AF_INET6;
    assert_int_equal(inet_pton(AF_INET6, ip, &s->sin6_addr), 1);
    return a;
}

static void limit_per_source(void **state)
{
    (void)state;
    struct conn_count *cc = conn_count_new(3);
    assert_non_null(cc);
    struct sockaddr_storage a = v4("192.0.2.1"), b = v4("192.0.2.2"), m = v6("::ffff:192.0.2.1"),
                            x = v6("2001:db8::1");
    for (int i = 0; i < 3; i++)
        assert_int_equal(conn_count_take(cc, &a), 1);
    assert_int_equal(conn_count_take(cc, &a), 0);
    assert_int_equal(conn_count_take(cc, &m), 0); /* the same source, IPv4-mapped */
    assert_int_equal(conn_count_take(cc, &b), 1); /* another source is not affected */
    assert_int_equal(conn_count_take(cc, &x), 1);
    conn_count_release(cc, &a);
    assert_int_equal(conn_count_take(cc, &a), 1); /* room again */
    assert_int_equal(conn_count_take(cc, &a), 0);
    for (int i = 0; i < 3; i++)
        conn_count_release(cc, &a);
    for (int i = 0; i < 3; i++) /* emptied and forgotten: a fresh budget */
        assert_int_equal(conn_count_take(cc, &a), 1);
    struct sockaddr_storage never = v4("198.51.100.7");
    conn_count_release(cc, &never); /* never counted: nothing happens */
    conn_count_free(cc);
}

static void no_limit_counts_nothing(void **state)
{
    (void)state;
    struct conn_count *cc = conn_count_new(0);
    struct sockaddr_storage a = v4("192.0.2.1");
    for (int i = 0; i < 10000; i++)
        assert_int_equal(conn_count_take(cc, &a), 1);
    conn_count_release(cc, &a);
    conn_count_free(cc);
    conn_count_free(NULL);
}

struct run {
    struct conn_count *cc;
    int taken;
};

static void *taker(void *arg)
{
    struct run *r = arg;
    struct sockaddr_storage a = v4("203.0.113.9");
    for (int i = 0; i < 5000; i++)
        if (conn_count_take(r->cc, &a)) {
            r->taken++;
            if (i % 2) {
                conn_count_release(r->cc, &a);
                r->taken--;
            }
        }
    return NULL;
}

static void threads_never_pass_the_limit(void **state)
{
    (void)state;
    struct conn_count *cc = conn_count_new(100);
    struct run runs[4];
    pthread_t t[4];
    for (int i = 0; i < 4; i++) {
        runs[i] = (struct run){cc, 0};
        assert_int_equal(pthread_create(&t[i], NULL, taker, &runs[i]), 0);
    }
    int held = 0;
    for (int i = 0; i < 4; i++) {
        pthread_join(t[i], NULL);
        held += runs[i].taken;
    }
    assert_int_equal(held, 100); /* every slot taken once, none beyond */
    struct sockaddr_storage a = v4("203.0.113.9");
    assert_int_equal(conn_count_take(cc, &a), 0);
    conn_count_free(cc);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(limit_per_source),
        cmocka_unit_test(no_limit_counts_nothing),
        cmocka_unit_test(threads_never_pass_the_limit),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

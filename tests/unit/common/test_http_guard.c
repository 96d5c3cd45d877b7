/* tests/unit/common/test_http_guard.c — common/http_guard: well-framed requests pass (whole,
 * split byte by byte, pipelined, chunked); a chunk size past 64 bits, a bad chunk size and a
 * Content-Length past 64 bits are refused; what it cannot follow (CL with TE, an Upgrade, odd
 * header syntax) is left to libmicrohttpd; the answer is a complete 400 that closes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "http_guard.h"

/* Feed text in pieces of at most step bytes (0: whole); the first REFUSE wins. */
static enum http_guard_verdict feed(struct http_guard *g, const char *text, size_t step)
{
    size_t len = strlen(text);
    for (size_t off = 0; off < len;) {
        size_t n = step && len - off > step ? step : len - off;
        if (http_guard_feed(g, text + off, n) == HTTP_GUARD_REFUSE)
            return HTTP_GUARD_REFUSE;
        off += n;
    }
    return HTTP_GUARD_OK;
}

static enum http_guard_verdict verdict(const char *text, size_t step, int *off)
{
    struct http_guard g;
    http_guard_init(&g);
    enum http_guard_verdict v = feed(&g, text, step);
    if (off)
        *off = g.off;
    return v;
}

#define POST "POST / HTTP/1.1\r\nHost: acs\r\n"
static const char *const good[] = {
    POST "Content-Length: 5\r\n\r\nhello",
    POST "Transfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n",
    POST "Transfer-Encoding: chunked\r\n\r\n5;ext=1\r\nhello\r\n0\r\nTrailer: x\r\n\r\n",
    POST "Content-Length: 0\r\n\r\n" POST "Content-Length: 2\r\n\r\nhi" /* pipelined */,
    POST "\r\n",
};

static void good_requests_pass_and_keep_looking(void **state)
{
    (void)state;
    size_t steps[] = {0, 1, 3, 7};
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++)
        for (size_t s = 0; s < sizeof steps / sizeof steps[0]; s++) {
            int off = -1;
            assert_int_equal(verdict(good[i], steps[s], &off), HTTP_GUARD_OK);
            assert_int_equal(off, 0); /* followed to the end, nothing it could not read */
        }
}

static void unframable_sizes_refused(void **state)
{
    (void)state;
    struct {
        const char *text, *reason;
    } bad[] = {
        {POST "Transfer-Encoding: chunked\r\n\r\nffffffffffffffffff\r\n", "chunk_size_overflow"},
        {POST "Transfer-Encoding: chunked\r\n\r\n10000000000000005\r\n", "chunk_size_overflow"},
        {POST "Transfer-Encoding: chunked\r\n\r\nzz\r\n", "bad_chunk_size"},
        {POST "Transfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n-1\r\n", "bad_chunk_size"},
        {POST "Content-Length: 99999999999999999999999\r\n\r\n", "bad_content_length"},
        {POST "Content-Length: 5x\r\n\r\n", "bad_content_length"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        for (size_t step = 0; step < 3; step++) {
            struct http_guard g;
            http_guard_init(&g);
            assert_int_equal(feed(&g, bad[i].text, step), HTTP_GUARD_REFUSE);
            assert_string_equal(http_guard_reason(&g), bad[i].reason);
        }
    }
    /* after a good request on the same connection too */
    assert_int_equal(verdict(POST "Content-Length: 2\r\n\r\nhi" POST "Transfer-Encoding: chunked\r\n\r\n"
                                  "ffffffffffffffffffff\r\n", 0, NULL),
                     HTTP_GUARD_REFUSE);
}

static void what_it_cannot_follow_is_left_to_mhd(void **state)
{
    (void)state;
    const char *const others[] = {
        POST "Content-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n",
        POST "Content-Length: 5\r\nContent-Length: 6\r\n\r\nhello!",
        "GET / HTTP/1.1\r\nHost: acs\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n\x01\x02",
        "\x16\x03\x01 not http at all\r\n\r\n",
    };
    for (size_t i = 0; i < sizeof others / sizeof others[0]; i++) {
        int off = 0;
        assert_int_equal(verdict(others[i], 0, &off), HTTP_GUARD_OK);
        assert_int_equal(off, 1);
    }
    /* once off, it stays off: later bytes are never judged */
    struct http_guard g;
    http_guard_init(&g);
    assert_int_equal(feed(&g, others[0], 0), HTTP_GUARD_OK);
    assert_int_equal(feed(&g, POST "Transfer-Encoding: chunked\r\n\r\nffffffffffffffffffff\r\n", 0), HTTP_GUARD_OK);
}

static void answer_is_a_complete_400_that_closes(void **state)
{
    (void)state;
    size_t n = 0;
    const char *a = http_guard_answer(&n);
    assert_int_equal(n, strlen(a));
    assert_memory_equal(a, "HTTP/1.1 400 ", 13);
    assert_non_null(strstr(a, "\r\nConnection: close\r\n"));
    const char *body = strstr(a, "\r\n\r\n");
    assert_non_null(body);
    unsigned long cl = 0;
    assert_int_equal(sscanf(strstr(a, "Content-Length: "), "Content-Length: %lu", &cl), 1);
    assert_int_equal(cl, strlen(body + 4));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(good_requests_pass_and_keep_looking),
        cmocka_unit_test(unframable_sizes_refused),
        cmocka_unit_test(what_it_cannot_follow_is_left_to_mhd),
        cmocka_unit_test(answer_is_a_complete_400_that_closes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/* tests/unit/acs/test_cr.c — connection requests against a real in-process HTTP server
 * (libmicrohttpd with Digest auth on 127.0.0.1): success, wrong credentials, busy with
 * retries, time-out, unreachable, bad URLs, the pool; the address policy on the wire (another
 * loopback address refused before any byte is sent, a redirect not followed). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>
#include <microhttpd.h>
#include <pthread.h>

#include "acs_cr.h"

#define USER "cruser"
#define PASS "crpass-1234"
#define REALM "CPE"

static struct MHD_Daemon *daemon_;
static unsigned port;
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static int hits, busy_left;
static struct acs_cr_policy *policy; /* 127.0.0.1 allowed: the test server's address */

static enum MHD_Result reply(struct MHD_Connection *c, unsigned status)
{
    struct MHD_Response *r = MHD_create_response_from_buffer(0, (void *)"", MHD_RESPMEM_PERSISTENT);
    enum MHD_Result ret = MHD_queue_response(c, status, r);
    MHD_destroy_response(r);
    return ret;
}

static enum MHD_Result handler(void *cls, struct MHD_Connection *c, const char *url, const char *method,
                               const char *version, const char *data, size_t *size, void **con_cls)
{
    (void)cls, (void)method, (void)version, (void)data, (void)size, (void)con_cls;
    char *user = MHD_digest_auth_get_username(c);
    int ok =
        user && !strcmp(user, USER) && MHD_digest_auth_check2(c, REALM, USER, PASS, 300, MHD_DIGEST_ALG_MD5) == MHD_YES;
    MHD_free(user);
    if (!ok) {
        struct MHD_Response *r = MHD_create_response_from_buffer(0, (void *)"", MHD_RESPMEM_PERSISTENT);
        enum MHD_Result ret = MHD_queue_auth_fail_response2(c, REALM, "opaque-x", r, MHD_NO, MHD_DIGEST_ALG_MD5);
        MHD_destroy_response(r);
        return ret;
    }
    pthread_mutex_lock(&mu);
    hits++;
    int busy = !strcmp(url, "/busy") || (!strcmp(url, "/busy-then-ok") && busy_left-- > 0);
    pthread_mutex_unlock(&mu);
    if (!strcmp(url, "/slow")) {
        struct timespec ts = {1, 500000000L};
        nanosleep(&ts, NULL);
    }
    if (!strcmp(url, "/redirect")) { /* to an address the policy allows: still not followed */
        char to[64];
        snprintf(to, sizeof to, "http://127.0.0.1:%u/cr/after-redirect", port);
        struct MHD_Response *r = MHD_create_response_from_buffer(0, (void *)"", MHD_RESPMEM_PERSISTENT);
        MHD_add_response_header(r, MHD_HTTP_HEADER_LOCATION, to);
        enum MHD_Result ret = MHD_queue_response(c, 302, r);
        MHD_destroy_response(r);
        return ret;
    }
    return reply(c, busy ? 503 : !strcmp(url, "/teapot") ? 418 : 204);
}

static int setup(void **state)
{
    (void)state;
    daemon_ =
        MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_THREAD_PER_CONNECTION, 0, NULL, NULL, handler, NULL,
                         /* the nonce table must hold the pool's concurrent nonces (default 4 slots:
                          * two requests hashing to one slot made the first fail with 401) */
                         MHD_OPTION_NONCE_NC_SIZE, (unsigned int)1024, MHD_OPTION_END);
    if (!daemon_)
        return -1;
    port = MHD_get_daemon_info(daemon_, MHD_DAEMON_INFO_BIND_PORT)->port;
    policy = acs_cr_policy_new("127.0.0.1/32", NULL, NULL);
    return policy ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    MHD_stop_daemon(daemon_);
    acs_cr_policy_free(policy);
    return 0;
}

static void url_of(char *out, size_t n, const char *path)
{
    snprintf(out, n, "http://127.0.0.1:%u%s", port, path);
}

static void success(void **state)
{
    (void)state;
    char url[128];
    struct acs_cr_result r;
    url_of(url, sizeof url, "/cr/00D09E-Box-1");
    assert_int_equal(acs_cr_send(policy, url, USER, PASS, 2000, &r), 0);
    assert_int_equal(r.status, ACS_CR_OK);
    assert_int_equal(r.http_code, 204);
}

static void wrong_credentials(void **state)
{
    (void)state;
    char url[128];
    struct acs_cr_result r;
    url_of(url, sizeof url, "/cr/x");
    assert_int_not_equal(acs_cr_send(policy, url, USER, "wrong", 2000, &r), 0);
    assert_int_equal(r.status, ACS_CR_AUTH);
    assert_int_equal(r.http_code, 401);
    assert_null(strstr(r.detail, "wrong")); /* never the password in the detail */
}

static void busy_timeout_unreachable_other(void **state)
{
    (void)state;
    char url[128];
    struct acs_cr_result r;
    url_of(url, sizeof url, "/busy");
    acs_cr_send(policy, url, USER, PASS, 2000, &r);
    assert_int_equal(r.status, ACS_CR_BUSY);
    url_of(url, sizeof url, "/slow");
    acs_cr_send(policy, url, USER, PASS, 300, &r);
    assert_int_equal(r.status, ACS_CR_TIMEOUT);
    url_of(url, sizeof url, "/teapot");
    acs_cr_send(policy, url, USER, PASS, 2000, &r);
    assert_int_equal(r.status, ACS_CR_HTTP_ERROR);
    assert_int_equal(r.http_code, 418);
    acs_cr_send(policy, "http://127.0.0.1:1/cr", USER, PASS, 1000, &r); /* nothing listens on port 1 */
    assert_int_equal(r.status, ACS_CR_UNREACHABLE);
}

static void bad_urls(void **state)
{
    (void)state;
    static const char *const bad[] = {"",          "ftp://127.0.0.1/x",          "file:///etc/passwd",
                                      "not a url", "http://user:pw@127.0.0.1/x", "gopher://127.0.0.1/"};
    struct acs_cr_result r;
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        assert_int_equal(acs_cr_send(policy, bad[i], USER, PASS, 500, &r), -ERR_INVAL);
        assert_int_equal(r.status, ACS_CR_BAD_URL);
    }
    char longurl[ACS_CR_URL_MAX + 32];
    memset(longurl, 'a', sizeof longurl - 1);
    memcpy(longurl, "http://", 7);
    longurl[sizeof longurl - 1] = '\0';
    assert_int_equal(acs_cr_url_check(longurl, NULL), -ERR_INVAL);
    assert_int_equal(acs_cr_url_check("https://cpe.example.net:7547/cr", NULL), 0);
}

/* Another loopback address (the server listens on every address): refused, nothing reaches it. */
static void policy_refusals(void **state)
{
    (void)state;
    char url[128];
    struct acs_cr_result r;
    pthread_mutex_lock(&mu);
    int before = hits;
    pthread_mutex_unlock(&mu);
    snprintf(url, sizeof url, "http://127.0.0.2:%u/cr/x", port);
    assert_int_equal(acs_cr_send(policy, url, USER, PASS, 2000, &r), -ERR_POLICY);
    assert_int_equal(r.status, ACS_CR_REFUSED);
    assert_int_equal(r.verdict, ACS_CRV_LOOPBACK);
    assert_string_equal(r.addr, "127.0.0.2");
    assert_non_null(strstr(r.detail, "loopback"));
    snprintf(url, sizeof url, "http://[::ffff:127.0.0.2]:%u/cr/x", port); /* mapped: its IPv4 */
    assert_int_equal(acs_cr_send(policy, url, USER, PASS, 2000, &r), -ERR_POLICY);
    assert_int_equal(r.verdict, ACS_CRV_LOOPBACK);
    snprintf(url, sizeof url, "http://[::1]:%u/cr/x", port);
    assert_int_equal(acs_cr_send(policy, url, USER, PASS, 2000, &r), -ERR_POLICY);
    assert_int_equal(r.verdict, ACS_CRV_LOOPBACK);
    assert_int_equal(acs_cr_send(policy, "http://169.254.169.254/latest/meta-data/", USER, PASS, 2000, &r),
                     -ERR_POLICY);
    assert_int_equal(r.verdict, ACS_CRV_LINK_LOCAL);
    snprintf(url, sizeof url, "http://0.0.0.0:%u/cr/x", port);
    assert_int_equal(acs_cr_send(policy, url, USER, PASS, 2000, &r), -ERR_POLICY);
    assert_int_equal(r.verdict, ACS_CRV_UNSPECIFIED);
    pthread_mutex_lock(&mu);
    assert_int_equal(hits, before);
    pthread_mutex_unlock(&mu);
    /* a bad scheme is a bad URL, with its verdict */
    assert_int_equal(acs_cr_send(policy, "ftp://127.0.0.1/x", USER, PASS, 500, &r), -ERR_INVAL);
    assert_int_equal(r.verdict, ACS_CRV_BAD_URL);
}

/* A 302 to an allowed address is the answer, not a hop: one request reaches the server. */
static void redirect_not_followed(void **state)
{
    (void)state;
    char url[128];
    struct acs_cr_result r;
    pthread_mutex_lock(&mu);
    int before = hits;
    pthread_mutex_unlock(&mu);
    url_of(url, sizeof url, "/redirect");
    assert_int_not_equal(acs_cr_send(policy, url, USER, PASS, 2000, &r), 0);
    assert_int_equal(r.status, ACS_CR_HTTP_ERROR);
    assert_int_equal(r.http_code, 302);
    assert_non_null(strstr(r.detail, "not followed"));
    pthread_mutex_lock(&mu);
    assert_int_equal(hits, before + 1);
    pthread_mutex_unlock(&mu);
}

static void credentials(void **state)
{
    (void)state;
    char u1[ACS_CR_CRED_LEN + 1], p1[ACS_CR_CRED_LEN + 1], u2[ACS_CR_CRED_LEN + 1], p2[ACS_CR_CRED_LEN + 1];
    assert_int_equal(acs_cr_credentials_new(u1, p1), 0);
    assert_int_equal(acs_cr_credentials_new(u2, p2), 0);
    assert_int_equal(strlen(u1), ACS_CR_CRED_LEN);
    assert_string_not_equal(u1, u2);
    assert_string_not_equal(p1, p2);
    assert_string_not_equal(u1, p1);
    for (const char *s = p1; *s; s++)
        assert_non_null(strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_", *s));
}

struct tally {
    pthread_mutex_t mu;
    int done, ok, busy, attempts;
};

static void on_done(void *arg, const char *device_id, const struct acs_cr_result *r)
{
    struct tally *t = arg;
    (void)device_id;
    pthread_mutex_lock(&t->mu);
    t->done++;
    t->ok += r->status == ACS_CR_OK;
    t->busy += r->status == ACS_CR_BUSY;
    t->attempts += r->attempts;
    pthread_mutex_unlock(&t->mu);
}

static void pool_retries(void **state)
{
    (void)state;
    struct tally t = {PTHREAD_MUTEX_INITIALIZER, 0, 0, 0, 0};
    char ok_url[128], retry_url[128], busy_url[128];
    url_of(ok_url, sizeof ok_url, "/cr/a");
    url_of(retry_url, sizeof retry_url, "/busy-then-ok");
    url_of(busy_url, sizeof busy_url, "/busy");
    busy_left = 2;
    struct acs_cr_pool *p =
        acs_cr_pool_new(2, 4, 3, 2000, 20, acs_cr_policy_new("127.0.0.1/32", NULL, NULL), on_done, &t);
    assert_non_null(p);
    assert_int_equal(acs_cr_pool_submit(p, "dev-a", ok_url, USER, PASS), 0);
    assert_int_equal(acs_cr_pool_submit(p, "dev-b", retry_url, USER, PASS), 0);
    assert_int_equal(acs_cr_pool_submit(p, "dev-c", busy_url, USER, PASS), 0);
    acs_cr_pool_free(p); /* finishes the queue */
    assert_int_equal(t.done, 3);
    assert_int_equal(t.ok, 2);   /* dev-a at once, dev-b on its third try */
    assert_int_equal(t.busy, 1); /* dev-c still busy after 3 tries */
    assert_int_equal(t.attempts, 1 + 3 + 3);
    /* a full queue refuses instead of growing */
    struct acs_cr_pool *small =
        acs_cr_pool_new(1, 1, 1, 3000, 10, acs_cr_policy_new("127.0.0.1/32", NULL, NULL), NULL, NULL);
    char slow_url[128];
    url_of(slow_url, sizeof slow_url, "/slow");
    int refused = 0;
    for (int i = 0; i < 4; i++)
        refused += acs_cr_pool_submit(small, "dev-s", slow_url, USER, PASS) == -ERR_TOO_BIG;
    assert_true(refused >= 2);
    acs_cr_pool_free(small);
}

/* acs_cr_pool_try: the first attempt's outcome to the caller; busy goes on to the pool with the
 * attempts left, anything else is final and reported once. */
static void pool_try(void **state)
{
    (void)state;
    struct tally t = {PTHREAD_MUTEX_INITIALIZER, 0, 0, 0, 0};
    char ok_url[128], retry_url[128], busy_url[128];
    url_of(ok_url, sizeof ok_url, "/cr/a");
    url_of(retry_url, sizeof retry_url, "/busy-then-ok");
    url_of(busy_url, sizeof busy_url, "/busy");
    struct acs_cr_pool *p =
        acs_cr_pool_new(2, 4, 3, 2000, 20, acs_cr_policy_new("127.0.0.1/32", NULL, NULL), on_done, &t);
    assert_non_null(p);
    struct acs_cr_result r;
    assert_int_equal(acs_cr_pool_try(p, "dev-a", ok_url, USER, PASS, &r), 0);
    assert_int_equal(r.status, ACS_CR_OK);
    assert_int_equal(r.http_code, 204);
    assert_int_equal(acs_cr_pool_try(p, "dev-w", ok_url, USER, "wrong", &r), 0);
    assert_int_equal(r.status, ACS_CR_AUTH); /* final: no retry */
    assert_int_equal(acs_cr_pool_try(p, "dev-u", "http://127.0.0.1:1/cr", USER, PASS, &r), 0);
    assert_int_equal(r.status, ACS_CR_UNREACHABLE);
    busy_left = 1;
    assert_int_equal(acs_cr_pool_try(p, "dev-b", retry_url, USER, PASS, &r), 1);
    assert_int_equal(r.status, ACS_CR_BUSY);
    assert_int_equal(r.http_code, 503);
    assert_int_equal(acs_cr_pool_try(p, "dev-c", busy_url, USER, PASS, &r), 1);
    acs_cr_pool_free(p);
    assert_int_equal(t.done, 5); /* each request reported once */
    assert_int_equal(t.ok, 2);   /* dev-a at once, dev-b on its second try (in the pool) */
    assert_int_equal(t.busy, 1); /* dev-c busy after 3 tries in all */
    assert_int_equal(t.attempts, 1 + 1 + 1 + 2 + 3);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(success),
        cmocka_unit_test(wrong_credentials),
        cmocka_unit_test(busy_timeout_unreachable_other),
        cmocka_unit_test(bad_urls),
        cmocka_unit_test(policy_refusals),
        cmocka_unit_test(redirect_not_followed),
        cmocka_unit_test(credentials),
        cmocka_unit_test(pool_retries),
        cmocka_unit_test(pool_try),
    };
    return cmocka_run_group_tests_name("acs/cr", tests, setup, teardown);
}

/* tests/unit/acs/test_session.c — acs/session/acs_registry.c (one session per device, capacity, busy,
 * timeouts, revoked certificates) and the engine's refusal of TLS peers before any work: no
 * client certificate (the GnuTLS "no certificate, status 0" trap must not pass), unknown CA. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "acs_session.h"

static struct acs_session *mk(const char *id, const char *dev, time_t started)
{
    struct acs_session *s = calloc(1, sizeof *s);
    snprintf(s->id, sizeof s->id, "%s", id);
    snprintf(s->device_id, sizeof s->device_id, "%s", dev);
    s->started = s->last_active = started;
    return s;
}

static void one_session_per_device(void **state)
{
    (void)state;
    struct acs_registry *r = acs_registry_new(10);
    struct acs_session *old = NULL, *a = mk("aa", "DEV-1", 100), *b = mk("bb", "DEV-1", 100);
    assert_int_equal(acs_registry_add(r, a, &old), 0);
    assert_null(old);
    /* a is busy (just added): the same device cannot start another session */
    assert_int_equal(acs_registry_add(r, b, &old), -ERR_EXIST);
    acs_registry_release(r, a);
    int busy = 0;
    assert_ptr_equal(acs_registry_acquire(r, "aa", &busy), a);
    assert_null(acs_registry_acquire(r, "aa", &busy));
    assert_int_equal(busy, 1);
    acs_registry_release(r, a);
    /* an idle session of the device is handed back to be ended, the new one takes its place */
    assert_int_equal(acs_registry_add(r, b, &old), 0);
    assert_ptr_equal(old, a);
    assert_null(acs_registry_acquire(r, "aa", &busy));
    assert_int_equal(busy, 0);
    assert_int_equal(acs_registry_count(r), 1);
    acs_registry_remove(r, b);
    assert_int_equal(acs_registry_count(r), 0);
    free(a);
    free(b);
    acs_registry_free(r);
}

static void capacity(void **state)
{
    (void)state;
    struct acs_registry *r = acs_registry_new(2);
    struct acs_session *s[3] = {mk("1", "D1", 0), mk("2", "D2", 0), mk("3", "D3", 0)}, *old;
    assert_int_equal(acs_registry_add(r, s[0], &old), 0);
    assert_int_equal(acs_registry_add(r, s[1], &old), 0);
    assert_int_equal(acs_registry_add(r, s[2], &old), -ERR_TOO_BIG);
    struct acs_session *out[4];
    acs_registry_release(r, s[0]);
    assert_int_equal(acs_registry_take_idle(r, out, 4), 1);
    assert_ptr_equal(out[0], s[0]);
    assert_int_equal(acs_registry_add(r, s[2], &old), 0);
    acs_registry_remove(r, s[1]);
    acs_registry_remove(r, s[2]);
    for (int i = 0; i < 3; i++)
        free(s[i]);
    acs_registry_free(r);
}

static int revoked_serial(void *arg, const struct acs_session *s, time_t now)
{
    (void)now;
    return !strcmp(arg, s->cert_serial);
}

static void timeouts_and_revocations(void **state)
{
    (void)state;
    struct acs_registry *r = acs_registry_new(10);
    time_t now = 1000;
    struct acs_session *fresh = mk("f", "D1", now - 1), *idle = mk("i", "D2", now - 50),
                       *old = mk("o", "D3", now - 400), *busy_old = mk("b", "D4", now - 400),
                       *rev = mk("r", "D5", now - 1), *x;
    snprintf(rev->cert_serial, sizeof rev->cert_serial, "abcd");
    struct acs_session *all[] = {fresh, idle, old, busy_old, rev};
    for (int i = 0; i < 5; i++) {
        assert_int_equal(acs_registry_add(r, all[i], &x), 0);
        if (all[i] != busy_old)
            acs_registry_release(r, all[i]);
        all[i]->last_active = all[i]->started;
    }
    struct acs_session *out[8];
    size_t n = acs_registry_take_expired(r, now, 30, 300, revoked_serial, "abcd", out, 8);
    assert_int_equal(n, 3); /* idle, old, rev; the busy one is only marked */
    for (size_t i = 0; i < n; i++)
        assert_true(out[i] == idle || out[i] == old || out[i] == rev);
    assert_int_equal(busy_old->expired, 1);
    assert_int_equal(fresh->expired, 0);
    assert_int_equal(acs_registry_count(r), 2);
    acs_registry_remove(r, busy_old);
    acs_registry_release(r, fresh);
    assert_int_equal(acs_registry_take_idle(r, out, 8), 1);
    for (int i = 0; i < 5; i++)
        free(all[i]);
    acs_registry_free(r);
}

/* Refusals happen before the worker is touched: a NULL context proves it. */
static void peer_refusals(void **state)
{
    (void)state;
    struct acs_worker w = {0};
    struct ca_verify_result peer = {.reason = CA_VERIFY_NO_CERT};
    struct acs_cwmp_req req = {.body = "", .len = 0, .peer = &peer, .remote = "192.0.2.1"};
    struct acs_cwmp_reply rep;
    acs_cwmp_reply_init(&rep);
    acs_cwmp_handle(&w, &req, &rep);
    assert_int_equal(rep.status, 401);
    assert_int_equal(rep.close, 1);
    assert_non_null(rep.www_authenticate);
    acs_cwmp_reply_cleanup(&rep);

    req.peer = NULL; /* not even a verdict: same as no certificate */
    acs_cwmp_reply_init(&rep);
    acs_cwmp_handle(&w, &req, &rep);
    assert_int_equal(rep.status, 401);
    acs_cwmp_reply_cleanup(&rep);

    static const enum ca_verify_reason refused[] = {CA_VERIFY_UNKNOWN_CA, CA_VERIFY_EXPIRED, CA_VERIFY_REVOKED,
                                                    CA_VERIFY_WRONG_EKU, CA_VERIFY_NO_IDENTITY, CA_VERIFY_MALFORMED};
    for (size_t i = 0; i < sizeof refused / sizeof refused[0]; i++) {
        peer.reason = refused[i];
        req.peer = &peer;
        acs_cwmp_reply_init(&rep);
        acs_cwmp_handle(&w, &req, &rep);
        assert_int_equal(rep.status, 403);
        assert_int_equal(rep.close, 1);
        assert_non_null(strstr(rep.body.data, ca_verify_reason_str(refused[i])));
        acs_cwmp_reply_cleanup(&rep);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(one_session_per_device),
        cmocka_unit_test(capacity),
        cmocka_unit_test(timeouts_and_revocations),
        cmocka_unit_test(peer_refusals),
    };
    return cmocka_run_group_tests_name("acs/session", tests, NULL, NULL);
}

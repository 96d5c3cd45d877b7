/* tests/unit/acs/test_cr_policy.c — the connection-request address policy without the network:
 * ranges, the built-in refusals (IPv4, IPv6, IPv4-mapped), own addresses, allow before deny,
 * config errors, and resolution of numeric URLs (pinning string, bad URLs). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "acs_cr_policy.h"

static enum acs_cr_verdict verdict(const struct acs_cr_policy *p, const char *addr)
{
    struct acs_cr_addr a;
    assert_int_equal(acs_cr_addr_parse(addr, &a), 0);
    return acs_cr_policy_check(p, &a, NULL, 0);
}

static void builtin_refusals(void **state)
{
    (void)state;
    struct acs_cr_policy *p = acs_cr_policy_new(NULL, NULL, NULL);
    assert_non_null(p);
    static const struct {
        const char *addr;
        enum acs_cr_verdict v;
    } cases[] = {
        {"127.0.0.1", ACS_CRV_LOOPBACK},
        {"127.255.255.254", ACS_CRV_LOOPBACK},
        {"::1", ACS_CRV_LOOPBACK},
        {"::ffff:127.0.0.1", ACS_CRV_LOOPBACK}, /* mapped: its IPv4 */
        {"::ffff:7f00:2", ACS_CRV_LOOPBACK},
        {"169.254.169.254", ACS_CRV_LINK_LOCAL},
        {"::ffff:169.254.0.1", ACS_CRV_LINK_LOCAL},
        {"fe80::1", ACS_CRV_LINK_LOCAL},
        {"febf:ffff::1", ACS_CRV_LINK_LOCAL},
        {"0.0.0.0", ACS_CRV_UNSPECIFIED},
        {"0.1.2.3", ACS_CRV_UNSPECIFIED},
        {"::", ACS_CRV_UNSPECIFIED},
        {"224.0.0.1", ACS_CRV_MULTICAST},
        {"239.255.255.250", ACS_CRV_MULTICAST},
        {"ff02::1", ACS_CRV_MULTICAST},
        {"255.255.255.255", ACS_CRV_BROADCAST},
        /* not refused */
        {"10.1.2.3", ACS_CRV_ALLOW},
        {"192.0.2.7", ACS_CRV_ALLOW},
        {"128.0.0.1", ACS_CRV_ALLOW},
        {"169.255.0.1", ACS_CRV_ALLOW},
        {"fec0::1", ACS_CRV_ALLOW},
        {"2001:db8::1", ACS_CRV_ALLOW},
        {"::2", ACS_CRV_ALLOW},
        {"::ffff:192.0.2.1", ACS_CRV_ALLOW},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        enum acs_cr_verdict v = verdict(p, cases[i].addr);
        if (v != cases[i].v)
            fail_msg("%s: %s, want %s", cases[i].addr, acs_cr_verdict_name(v), acs_cr_verdict_name(cases[i].v));
    }
    acs_cr_policy_free(p);
}

static void allow_before_deny(void **state)
{
    (void)state;
    char *err = NULL;
    struct acs_cr_policy *p =
        acs_cr_policy_new("127.0.0.1/32, 10.9.0.0/16 fd00:1::/32", "10.0.0.0/8,192.0.2.128/25 2001:db8::/32", &err);
    assert_non_null(p);
    assert_null(err);
    assert_int_equal(verdict(p, "127.0.0.1"), ACS_CRV_ALLOW_LISTED);
    assert_int_equal(verdict(p, "::ffff:127.0.0.1"), ACS_CRV_ALLOW_LISTED);
    assert_int_equal(verdict(p, "127.0.0.2"), ACS_CRV_LOOPBACK);      /* /32 is narrow */
    assert_int_equal(verdict(p, "10.9.200.1"), ACS_CRV_ALLOW_LISTED); /* allow is checked first */
    assert_int_equal(verdict(p, "10.8.0.1"), ACS_CRV_DENY_RANGE);
    assert_int_equal(verdict(p, "::ffff:10.8.0.1"), ACS_CRV_DENY_RANGE);
    assert_int_equal(verdict(p, "192.0.2.127"), ACS_CRV_ALLOW);
    assert_int_equal(verdict(p, "192.0.2.128"), ACS_CRV_DENY_RANGE);
    assert_int_equal(verdict(p, "2001:db8:ffff::1"), ACS_CRV_DENY_RANGE);
    assert_int_equal(verdict(p, "2001:db9::1"), ACS_CRV_ALLOW);
    assert_int_equal(verdict(p, "fd00:1:2::3"), ACS_CRV_ALLOW_LISTED);
    assert_int_equal(verdict(p, "fd00:2::3"), ACS_CRV_ALLOW);
    acs_cr_policy_free(p);
    /* a mapped range is its IPv4 range */
    p = acs_cr_policy_new(NULL, "::ffff:10.0.0.0/104", NULL);
    assert_non_null(p);
    assert_int_equal(verdict(p, "10.200.0.1"), ACS_CRV_DENY_RANGE);
    assert_int_equal(verdict(p, "11.0.0.1"), ACS_CRV_ALLOW);
    acs_cr_policy_free(p);
    /* 0.0.0.0/0 in deny: everything not allow-listed */
    p = acs_cr_policy_new("192.0.2.0/24", "0.0.0.0/0 ::/0", NULL);
    assert_non_null(p);
    assert_int_equal(verdict(p, "192.0.2.9"), ACS_CRV_ALLOW_LISTED);
    assert_int_equal(verdict(p, "198.51.100.1"), ACS_CRV_DENY_RANGE);
    assert_int_equal(verdict(p, "2001:db8::1"), ACS_CRV_DENY_RANGE);
    acs_cr_policy_free(p);
}

static void own_addresses(void **state)
{
    (void)state;
    struct acs_cr_policy *p = acs_cr_policy_new("192.0.2.10", NULL, NULL);
    struct acs_cr_addr self[2], a;
    assert_int_equal(acs_cr_addr_parse("198.51.100.7", &self[0]), 0);
    assert_int_equal(acs_cr_addr_parse("2001:db8::7", &self[1]), 0);
    assert_int_equal(acs_cr_addr_parse("198.51.100.7", &a), 0);
    assert_int_equal(acs_cr_policy_check(p, &a, self, 2), ACS_CRV_SELF);
    assert_int_equal(acs_cr_addr_parse("::ffff:198.51.100.7", &a), 0);
    assert_int_equal(acs_cr_policy_check(p, &a, self, 2), ACS_CRV_SELF);
    assert_int_equal(acs_cr_addr_parse("2001:db8::7", &a), 0);
    assert_int_equal(acs_cr_policy_check(p, &a, self, 2), ACS_CRV_SELF);
    assert_int_equal(acs_cr_addr_parse("198.51.100.8", &a), 0);
    assert_int_equal(acs_cr_policy_check(p, &a, self, 2), ACS_CRV_ALLOW);
    assert_int_equal(acs_cr_addr_parse("192.0.2.10", &self[0]), 0); /* allow-listed wins over self */
    assert_int_equal(acs_cr_policy_check(p, &self[0], self, 1), ACS_CRV_ALLOW_LISTED);
    acs_cr_policy_free(p);
    /* this host's addresses are found; its loopback among them */
    struct acs_cr_addr *mine = NULL;
    size_t n = 0;
    assert_int_equal(acs_cr_self_addrs(&mine, &n), 0);
    int lo = 0;
    assert_int_equal(acs_cr_addr_parse("127.0.0.1", &a), 0);
    for (size_t i = 0; i < n; i++)
        lo += mine[i].family == AF_INET && !memcmp(mine[i].b, a.b, 4);
    assert_true(lo >= 1);
    free(mine);
}

static void bad_config(void **state)
{
    (void)state;
    static const char *const bad[] = {"10.0.0.1/8", "10.0.0.0/33", "::/129",      "10.0.0.0/",
                                      "10.0.0.0/x", "example.net", "10.0.0.0/-1", "::ffff:10.0.0.0/95",
                                      "1.2.3.4.5",  "10.0.0.0/8/8"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char *err = NULL;
        struct acs_cr_policy *p = acs_cr_policy_new("127.0.0.1", bad[i], &err);
        if (p)
            fail_msg("accepted %s", bad[i]);
        assert_non_null(err);
        assert_non_null(strstr(err, "deny_ranges"));
        free(err);
    }
    char *err = NULL;
    assert_null(acs_cr_policy_new("127.0.0.1,,nonsense", NULL, &err));
    assert_non_null(strstr(err, "allow_ranges"));
    assert_non_null(strstr(err, "nonsense"));
    free(err);
    struct acs_cr_range r;
    assert_int_equal(acs_cr_range_parse("10.0.0.0/8", &r), 0);
    assert_int_equal(r.prefix, 8);
    assert_int_equal(acs_cr_range_parse("2001:db8::1", &r), 0);
    assert_int_equal(r.prefix, 128);
    struct acs_cr_policy *p = acs_cr_policy_new("", " , ", NULL); /* empty lists are fine */
    assert_non_null(p);
    acs_cr_policy_free(p);
}

/* Numeric URLs resolve without DNS: the verdict, the address and the pinning string. */
static void resolve_numeric(void **state)
{
    (void)state;
    struct acs_cr_policy *p = acs_cr_policy_new("127.0.0.1/32 ::1/128", "192.0.2.0/24", NULL);
    struct acs_cr_target t;
    char *err = NULL;
    assert_int_equal(acs_cr_policy_resolve(p, "http://127.0.0.1:7547/cr", &t, &err), 0);
    assert_null(err);
    assert_int_equal(t.verdict, ACS_CRV_ALLOW_LISTED);
    assert_string_equal(t.addr, "127.0.0.1");
    assert_string_equal(t.connect_to, "::127.0.0.1:7547");
    assert_int_equal(acs_cr_policy_resolve(p, "https://[::1]/cr", &t, NULL), 0);
    assert_string_equal(t.connect_to, "::[::1]:443");
    assert_int_equal(acs_cr_policy_resolve(p, "http://[::ffff:127.0.0.1]/", &t, NULL), 0);
    assert_string_equal(t.connect_to, "::127.0.0.1:80"); /* the IPv4 address it was checked as */
    assert_int_equal(acs_cr_policy_resolve(p, "http://127.0.0.2:7547/cr", &t, &err), -ERR_POLICY);
    assert_int_equal(t.verdict, ACS_CRV_LOOPBACK);
    assert_string_equal(t.addr, "127.0.0.2");
    assert_string_equal(t.connect_to, "");
    assert_non_null(strstr(err, "127.0.0.2"));
    free(err);
    err = NULL;
    assert_int_equal(acs_cr_policy_resolve(p, "http://192.0.2.77/", &t, NULL), -ERR_POLICY);
    assert_int_equal(t.verdict, ACS_CRV_DENY_RANGE);
    assert_int_equal(acs_cr_policy_resolve(p, "http://[fe80::1]:7547/", &t, NULL), -ERR_POLICY);
    assert_int_equal(t.verdict, ACS_CRV_LINK_LOCAL);
    assert_int_equal(acs_cr_policy_resolve(p, "http://169.254.169.254/", &t, NULL), -ERR_POLICY);
    assert_int_equal(t.verdict, ACS_CRV_LINK_LOCAL);
    assert_int_equal(acs_cr_policy_resolve(p, "http://224.0.0.1/", &t, NULL), -ERR_POLICY);
    assert_int_equal(t.verdict, ACS_CRV_MULTICAST);
    assert_int_equal(acs_cr_policy_resolve(p, "http://255.255.255.255/", &t, NULL), -ERR_POLICY);
    assert_int_equal(t.verdict, ACS_CRV_BROADCAST);
    /* bad schemes and URLs: refused before any resolution */
    static const char *const bad[] = {"ftp://198.51.100.1/",      "file:///etc/passwd", "gopher://198.51.100.1/",
                                      "http://u:p@198.51.100.1/", "not a url",          ""};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        assert_int_equal(acs_cr_policy_resolve(p, bad[i], &t, NULL), -ERR_INVAL);
        assert_int_equal(t.verdict, ACS_CRV_BAD_URL);
    }
    acs_cr_policy_free(p);
}

static void names(void **state)
{
    (void)state;
    assert_string_equal(acs_cr_verdict_name(ACS_CRV_LOOPBACK), "loopback");
    assert_string_equal(acs_cr_verdict_name(ACS_CRV_DENY_RANGE), "deny_range");
    assert_string_equal(acs_cr_verdict_name(ACS_CRV_BAD_URL), "bad_url");
    assert_string_equal(acs_cr_verdict_name(ACS_CRV__COUNT), "unknown");
    assert_false(ACS_CRV_REFUSED(ACS_CRV_ALLOW_LISTED));
    assert_true(ACS_CRV_REFUSED(ACS_CRV_SELF));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(builtin_refusals), cmocka_unit_test(allow_before_deny), cmocka_unit_test(own_addresses),
        cmocka_unit_test(bad_config),       cmocka_unit_test(resolve_numeric),   cmocka_unit_test(names),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

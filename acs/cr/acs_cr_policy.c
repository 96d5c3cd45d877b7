/* acs/cr/acs_cr_policy.c — connection-request address policy: ranges, the pure check, resolution
 * and pinning of a ConnectionRequestURL.
 * State: struct acs_cr_policy is immutable once built; nothing file-static but tables. */
#define _GNU_SOURCE
#include "acs_cr_policy.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#include "acs_cr.h"

struct acs_cr_policy {
    struct acs_cr_range *allow, *deny;
    size_t n_allow, n_deny;
};

static const char *const verdict_names[ACS_CRV__COUNT] = {
    "allow",     "allow_listed", "loopback", "link_local", "unspecified",
    "multicast", "broadcast",    "self",     "deny_range", "bad_url",
};

const char *acs_cr_verdict_name(enum acs_cr_verdict v)
{
    return (unsigned)v < ACS_CRV__COUNT ? verdict_names[v] : "unknown";
}

/* The addresses no connection request may go to unless allow-listed. */
static const struct {
    struct acs_cr_range r;
    enum acs_cr_verdict v;
} builtin[] = {
    {{{AF_INET, {0}}, 8}, ACS_CRV_UNSPECIFIED},
    {{{AF_INET, {127}}, 8}, ACS_CRV_LOOPBACK},
    {{{AF_INET, {169, 254}}, 16}, ACS_CRV_LINK_LOCAL},
    {{{AF_INET, {224}}, 4}, ACS_CRV_MULTICAST},
    {{{AF_INET, {255, 255, 255, 255}}, 32}, ACS_CRV_BROADCAST},
    {{{AF_INET6, {0}}, 128}, ACS_CRV_UNSPECIFIED},
    {{{AF_INET6, {[15] = 1}}, 128}, ACS_CRV_LOOPBACK},
    {{{AF_INET6, {0xfe, 0x80}}, 10}, ACS_CRV_LINK_LOCAL},
    {{{AF_INET6, {0xff}}, 8}, ACS_CRV_MULTICAST},
};

static const unsigned char v4_mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};

static void set_v6(struct acs_cr_addr *out, const unsigned char b[16])
{
    memset(out, 0, sizeof *out);
    if (!memcmp(b, v4_mapped, sizeof v4_mapped)) { /* ::ffff:a.b.c.d is a.b.c.d */
        out->family = AF_INET;
        memcpy(out->b, b + 12, 4);
    } else {
        out->family = AF_INET6;
        memcpy(out->b, b, 16);
    }
}

int acs_cr_addr_parse(const char *text, struct acs_cr_addr *out)
{
    unsigned char b[16];
    memset(out, 0, sizeof *out);
    if (text && inet_pton(AF_INET, text, b) == 1) {
        out->family = AF_INET;
        memcpy(out->b, b, 4);
        return 0;
    }
    if (text && inet_pton(AF_INET6, text, b) == 1) {
        set_v6(out, b);
        return 0;
    }
    return -ERR_INVAL;
}

int acs_cr_addr_from_sockaddr(const struct sockaddr *sa, struct acs_cr_addr *out)
{
    memset(out, 0, sizeof *out);
    if (sa && sa->sa_family == AF_INET) {
        out->family = AF_INET;
        memcpy(out->b, &((const struct sockaddr_in *)(const void *)sa)->sin_addr, 4);
        return 0;
    }
    if (sa && sa->sa_family == AF_INET6) {
        set_v6(out, ((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr.s6_addr);
        return 0;
    }
    return -ERR_INVAL;
}

static unsigned bits_of(int family)
{
    return family == AF_INET ? 32 : 128;
}

/* Do the first prefix bits of a and b agree? */
static int prefix_equal(const unsigned char *a, const unsigned char *b, unsigned prefix)
{
    unsigned full = prefix / 8, rest = prefix % 8;
    if (memcmp(a, b, full))
        return 0;
    if (!rest)
        return 1;
    unsigned char mask = (unsigned char)(0xff << (8 - rest));
    return (a[full] & mask) == (b[full] & mask);
}

int acs_cr_range_parse(const char *text, struct acs_cr_range *out)
{
    char buf[INET6_ADDRSTRLEN + 8];
    memset(out, 0, sizeof *out);
    if (!text || strlen(text) >= sizeof buf)
        return -ERR_INVAL;
    snprintf(buf, sizeof buf, "%s", text);
    char *slash = strchr(buf, '/');
    long prefix = -1;
    if (slash) {
        *slash++ = '\0';
        char *end = NULL;
        if (!isdigit((unsigned char)*slash))
            return -ERR_INVAL;
        prefix = strtol(slash, &end, 10);
        if (*end)
            return -ERR_INVAL;
    }
    /* A mapped range (::ffff:10.0.0.0/104) is the IPv4 range it stands for. */
    unsigned char b[16];
    int mapped = strchr(buf, ':') && inet_pton(AF_INET6, buf, b) == 1 && !memcmp(b, v4_mapped, sizeof v4_mapped);
    if (acs_cr_addr_parse(buf, &out->net) < 0)
        return -ERR_INVAL;
    unsigned max = bits_of(out->net.family);
    if (mapped) {
        if (prefix >= 0 && prefix < 96)
            return -ERR_INVAL;
        if (prefix >= 0)
            prefix -= 96;
    }
    if (prefix > (long)max)
        return -ERR_INVAL;
    out->prefix = prefix < 0 ? max : (unsigned)prefix;
    /* host bits set ("10.1.2.3/8") is more likely a typo than a network: refuse it */
    for (unsigned i = out->prefix; i < max; i++)
        if (out->net.b[i / 8] & (0x80 >> (i % 8)))
            return -ERR_INVAL;
    return 0;
}

int acs_cr_range_contains(const struct acs_cr_range *r, const struct acs_cr_addr *a)
{
    return r->net.family == a->family && prefix_equal(r->net.b, a->b, r->prefix);
}

static int add_ranges(const char *list, const char *key, struct acs_cr_range **out, size_t *n, char **errmsg)
{
    *out = NULL;
    *n = 0;
    if (!list)
        return 0;
    size_t cap = 1;
    for (const char *p = list; *p; p++)
        cap += *p == ',' || isspace((unsigned char)*p);
    *out = calloc(cap, sizeof **out);
    if (!*out)
        return err_fail(errmsg, -ERR_NOMEM, "%s", "out of memory");
    const char *p = list;
    while (*p) {
        while (*p == ',' || isspace((unsigned char)*p))
            p++;
        size_t len = strcspn(p, ", \t\r\n");
        if (!len)
            break;
        char one[INET6_ADDRSTRLEN + 8];
        if (len >= sizeof one || (memcpy(one, p, len), one[len] = '\0', acs_cr_range_parse(one, &(*out)[*n]) < 0))
            return err_fail(errmsg, -ERR_CONFIG, "[cr] %s: \"%.*s\" is not an address or CIDR range (host bits zero)",
                            key, (int)(len > 64 ? 64 : len), p);
        (*n)++;
        p += len;
    }
    return 0;
}

struct acs_cr_policy *acs_cr_policy_new(const char *allow_ranges, const char *deny_ranges, char **errmsg)
{
    struct acs_cr_policy *p = calloc(1, sizeof *p);
    if (!p) {
        err_fail(errmsg, -ERR_NOMEM, "%s", "out of memory");
        return NULL;
    }
    if (add_ranges(allow_ranges, "allow_ranges", &p->allow, &p->n_allow, errmsg) < 0 ||
        add_ranges(deny_ranges, "deny_ranges", &p->deny, &p->n_deny, errmsg) < 0) {
        acs_cr_policy_free(p);
        return NULL;
    }
    return p;
}

struct acs_cr_policy *acs_cr_policy_from_cfg(const struct cfg *cfg, char **errmsg)
{
    return acs_cr_policy_new(cfg_str(cfg, "cr", "allow_ranges"), cfg_str(cfg, "cr", "deny_ranges"), errmsg);
}

void acs_cr_policy_free(struct acs_cr_policy *p)
{
    if (!p)
        return;
    free(p->allow);
    free(p->deny);
    free(p);
}

static int in_list(const struct acs_cr_range *r, size_t n, const struct acs_cr_addr *a)
{
    for (size_t i = 0; i < n; i++)
        if (acs_cr_range_contains(&r[i], a))
            return 1;
    return 0;
}

enum acs_cr_verdict acs_cr_policy_check(const struct acs_cr_policy *p, const struct acs_cr_addr *a,
                                        const struct acs_cr_addr *self, size_t n_self)
{
    if (p && in_list(p->allow, p->n_allow, a))
        return ACS_CRV_ALLOW_LISTED;
    for (size_t i = 0; i < sizeof builtin / sizeof builtin[0]; i++)
        if (acs_cr_range_contains(&builtin[i].r, a))
            return builtin[i].v;
    for (size_t i = 0; i < n_self; i++)
        if (self[i].family == a->family && !memcmp(self[i].b, a->b, a->family == AF_INET ? 4 : 16))
            return ACS_CRV_SELF;
    if (p && in_list(p->deny, p->n_deny, a))
        return ACS_CRV_DENY_RANGE;
    return ACS_CRV_ALLOW;
}

int acs_cr_self_addrs(struct acs_cr_addr **out, size_t *n)
{
    struct ifaddrs *ifa = NULL;
    *out = NULL;
    *n = 0;
    if (getifaddrs(&ifa) < 0)
        return -ERR_IO;
    size_t cap = 0;
    for (struct ifaddrs *i = ifa; i; i = i->ifa_next)
        cap += 2;
    *out = calloc(cap ? cap : 1, sizeof **out);
    if (!*out) {
        freeifaddrs(ifa);
        return -ERR_NOMEM;
    }
    for (struct ifaddrs *i = ifa; i; i = i->ifa_next) {
        if (acs_cr_addr_from_sockaddr(i->ifa_addr, &(*out)[*n]) == 0)
            (*n)++;
        /* a directed broadcast reaches every host of the ACS's own subnet */
        if ((i->ifa_flags & IFF_BROADCAST) && acs_cr_addr_from_sockaddr(i->ifa_broadaddr, &(*out)[*n]) == 0)
            (*n)++;
    }
    freeifaddrs(ifa);
    return 0;
}

/* Host (brackets of an IPv6 literal removed) and port of url. */
static int host_port(const char *url, char *host, size_t host_len, char *port, size_t port_len)
{
    CURLU *u = curl_url();
    char *h = NULL, *pt = NULL;
    int rc = -ERR_INVAL;
    if (u && curl_url_set(u, CURLUPART_URL, url, 0) == CURLUE_OK &&
        curl_url_get(u, CURLUPART_HOST, &h, 0) == CURLUE_OK &&
        curl_url_get(u, CURLUPART_PORT, &pt, CURLU_DEFAULT_PORT) == CURLUE_OK) {
        size_t len = strlen(h);
        const char *s = h;
        if (len >= 2 && h[0] == '[' && h[len - 1] == ']') {
            s++;
            len -= 2;
        }
        if (len > 0 && len < host_len && strlen(pt) < port_len) {
            memcpy(host, s, len);
            host[len] = '\0';
            snprintf(port, port_len, "%s", pt);
            rc = 0;
        }
    }
    curl_free(h);
    curl_free(pt);
    curl_url_cleanup(u);
    return rc;
}

static void addr_text(const struct acs_cr_addr *a, char *out, size_t len)
{
    if (!inet_ntop(a->family, a->b, out, (socklen_t)len))
        snprintf(out, len, "?");
}

int acs_cr_policy_resolve(const struct acs_cr_policy *p, const char *url, struct acs_cr_target *out, char **errmsg)
{
    char host[ACS_CR_URL_MAX + 1], port[16];
    struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM}, *res = NULL;
    struct acs_cr_addr *self = NULL;
    size_t n_self = 0;
    int rc = 0;
    memset(out, 0, sizeof *out);
    out->verdict = ACS_CRV_BAD_URL;
    if (acs_cr_url_check(url, errmsg) < 0)
        return -ERR_INVAL;
    if (host_port(url, host, sizeof host, port, sizeof port) < 0)
        return err_fail(errmsg, -ERR_INVAL, "%s", "ConnectionRequestURL has no usable host or port");
    int gai = getaddrinfo(host, port, &hints, &res);
    if (gai != 0)
        return err_fail(errmsg, -ERR_NOENT, "cannot resolve the host: %s", gai_strerror(gai));
    if (acs_cr_self_addrs(&self, &n_self) < 0) { /* unknown own addresses: refuse rather than guess */
        rc = err_fail(errmsg, -ERR_IO, "%s", "cannot list the ACS's own addresses");
        out->verdict = ACS_CRV_SELF;
        goto out;
    }
    struct acs_cr_addr first = {0};
    int have = 0;
    for (struct addrinfo *ai = res; ai; ai = ai->ai_next) {
        struct acs_cr_addr a;
        if (acs_cr_addr_from_sockaddr(ai->ai_addr, &a) < 0)
            continue;
        enum acs_cr_verdict v = acs_cr_policy_check(p, &a, self, n_self);
        if (ACS_CRV_REFUSED(v)) { /* one bad address refuses the name: it may be the one used */
            out->verdict = v;
            addr_text(&a, out->addr, sizeof out->addr);
            rc = err_fail(errmsg, -ERR_POLICY, "address %s is refused (%s)", out->addr, acs_cr_verdict_name(v));
            goto out;
        }
        if (!have) {
            first = a;
            out->verdict = v;
            have = 1;
        }
    }
    if (!have) {
        rc = err_fail(errmsg, -ERR_NOENT, "%s", "the host has no IPv4 or IPv6 address");
        goto out;
    }
    addr_text(&first, out->addr, sizeof out->addr);
    snprintf(out->connect_to, sizeof out->connect_to, first.family == AF_INET6 ? "::[%s]:%s" : "::%s:%s", out->addr,
             port);
out:
    free(self);
    freeaddrinfo(res);
    return rc;
}

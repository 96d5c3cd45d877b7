/* acs/cr/acs_cr_policy.h — where acsd may send a connection request: a ConnectionRequestURL comes
 * from the CPE, so without checks a device could point acsd at its own loopback, link-local or
 * management networks (SSRF). [cr] allow_ranges (checked first) and deny_ranges refine it.
 * Owns: struct acs_cr_policy (the parsed ranges). Thread-safety: read-only after _new; every
 * function is reentrant. */
#ifndef ACS_CR_POLICY_H
#define ACS_CR_POLICY_H

#include <netinet/in.h>
#include <stddef.h>
#include <sys/socket.h>

#include "cfg.h"
#include "err.h"

/* A check's answer; the refusals start at ACS_CRV_LOOPBACK (ACS_CRV_REFUSED). */
enum acs_cr_verdict {
    ACS_CRV_ALLOW = 0,    /* no rule against the address */
    ACS_CRV_ALLOW_LISTED, /* in [cr] allow_ranges: allowed whatever else it is */
    ACS_CRV_LOOPBACK,     /* 127.0.0.0/8, ::1 */
    ACS_CRV_LINK_LOCAL,   /* 169.254.0.0/16, fe80::/10 */
    ACS_CRV_UNSPECIFIED,  /* 0.0.0.0/8, :: */
    ACS_CRV_MULTICAST,    /* 224.0.0.0/4, ff00::/8 */
    ACS_CRV_BROADCAST,    /* 255.255.255.255, an interface's broadcast address */
    ACS_CRV_SELF,         /* an address of one of acsd's own interfaces */
    ACS_CRV_DENY_RANGE,   /* in [cr] deny_ranges */
    ACS_CRV_BAD_URL,      /* not http/https, no host, credentials (acs_cr_url_check) */
    ACS_CRV__COUNT
};
#define ACS_CRV_REFUSED(v) ((v) >= ACS_CRV_LOOPBACK)

/* An address as checked: IPv4 in b[0..3]; an IPv4-mapped IPv6 address (::ffff:a.b.c.d) is
 * always stored as its IPv4 address, so that it meets the IPv4 rules. */
struct acs_cr_addr {
    int family; /* AF_INET or AF_INET6 */
    unsigned char b[16];
};

struct acs_cr_range {
    struct acs_cr_addr net;
    unsigned prefix;
};

/* A numeric address ("10.1.2.3", "fe80::1", "::ffff:127.0.0.1"). 0 or -ERR_INVAL. */
int acs_cr_addr_parse(const char *text, struct acs_cr_addr *out) WARN_UNUSED;
/* From an AF_INET or AF_INET6 socket address. 0 or -ERR_INVAL (another family). */
int acs_cr_addr_from_sockaddr(const struct sockaddr *sa, struct acs_cr_addr *out) WARN_UNUSED;
/* "a.b.c.d/n", "x::/n" or a bare address (/32, /128); host bits must be zero. 0 or -ERR_INVAL. */
int acs_cr_range_parse(const char *text, struct acs_cr_range *out) WARN_UNUSED;
int acs_cr_range_contains(const struct acs_cr_range *r, const struct acs_cr_addr *a);

/* From two lists of ranges separated by commas and/or blanks (either may be NULL or empty).
 * NULL with *errmsg naming the bad entry. */
struct acs_cr_policy *acs_cr_policy_new(const char *allow_ranges, const char *deny_ranges, char **errmsg);
/* The same from [cr] allow_ranges and deny_ranges. */
struct acs_cr_policy *acs_cr_policy_from_cfg(const struct cfg *cfg, char **errmsg);
void acs_cr_policy_free(struct acs_cr_policy *p);

/* Pure: the verdict on address a, given acsd's own addresses self[0..n_self) (acs_cr_self_addrs).
 * Order: allow_ranges, then the built-in refusals, self, deny_ranges; else ACS_CRV_ALLOW. */
enum acs_cr_verdict acs_cr_policy_check(const struct acs_cr_policy *p, const struct acs_cr_addr *a,
                                        const struct acs_cr_addr *self, size_t n_self);
/* One word for logs and metrics: "allow", "allow_listed", "loopback", "link_local", ... */
const char *acs_cr_verdict_name(enum acs_cr_verdict v);

/* acsd's addresses now (getifaddrs: every interface's address and broadcast address). *out is
 * malloc'ed, caller frees. 0 or -ERR_IO / -ERR_NOMEM. */
int acs_cr_self_addrs(struct acs_cr_addr **out, size_t *n) WARN_UNUSED;

/* Where a request to a URL will go, decided once. */
struct acs_cr_target {
    enum acs_cr_verdict verdict;
    char addr[INET6_ADDRSTRLEN];            /* the address checked (the refused one on refusal) */
    char connect_to[INET6_ADDRSTRLEN + 16]; /* "::ADDR:PORT" for CURLOPT_CONNECT_TO (allowed only) */
};

/* Resolve url's host once (getaddrinfo; bounded by the resolver's own time-outs), check every
 * address it has; allowed when all pass, pinned to the first (out->connect_to: with an empty
 * host and port it matches whatever curl makes of the URL, so no second resolution can change
 * where the request goes). 0 allowed, -ERR_POLICY refused (out->verdict, out->addr),
 * -ERR_INVAL bad URL (ACS_CRV_BAD_URL), -ERR_NOENT no address; *errmsg says why. */
int acs_cr_policy_resolve(const struct acs_cr_policy *p, const char *url, struct acs_cr_target *out,
                          char **errmsg) WARN_UNUSED;

#endif

/* acs/cr/acs_cr.h — connection requests (TR-069 3.2.2): an HTTP GET to the CPE's
 * ConnectionRequestURL with HTTP Digest auth (libcurl, OpenSSL flavour), bounded in time;
 * a small worker pool retries 503s and time-outs with back-off. Every request goes only to an
 * address acs_cr_policy allowed, pinned for the connection; redirects are never followed.
 * Thread-safety: acs_cr_send is reentrant; the pool is safe to submit to from any thread. */
#ifndef ACS_CR_H
#define ACS_CR_H

#include <stddef.h>

#include "acs_cr_policy.h"
#include "err.h"

#define ACS_CR_URL_MAX 1024
#define ACS_CR_CRED_LEN 32 /* generated username/password length */

enum acs_cr_status {
    ACS_CR_OK = 0,      /* 200 or 204: the CPE will open a session */
    ACS_CR_AUTH,        /* 401 after Digest: wrong credentials */
    ACS_CR_BUSY,        /* 503: the CPE is busy (in a session); retried */
    ACS_CR_TIMEOUT,     /* no answer in time; retried */
    ACS_CR_UNREACHABLE, /* connection refused, no route, DNS */
    ACS_CR_BAD_URL,     /* not an acceptable ConnectionRequestURL */
    ACS_CR_HTTP_ERROR,  /* another HTTP status (a redirect included: never followed) */
    ACS_CR_REFUSED,     /* not sent: the address is refused by acs_cr_policy (verdict, addr) */
    ACS_CR_INTERNAL,
};

struct acs_cr_result {
    enum acs_cr_status status;
    long http_code;              /* last HTTP status, 0 if none */
    int attempts;
    char detail[160];            /* one line, safe to log (no credentials) */
    enum acs_cr_verdict verdict; /* the policy's word on the address (ACS_CRV_BAD_URL for a bad URL) */
    char addr[INET6_ADDRSTRLEN]; /* the address checked, "" if none */
};

/* Is url acceptable: http or https, a host, no userinfo, <= ACS_CR_URL_MAX? 0 or -ERR_INVAL. */
int acs_cr_url_check(const char *url, char **errmsg);
/* One attempt, if policy allows the URL's addresses (else ACS_CR_REFUSED or ACS_CR_BAD_URL).
 * timeout_ms bounds the request (the host's resolution: the resolver's own time-outs).
 * Returns 0 when status is OK. */
int acs_cr_send(const struct acs_cr_policy *policy, const char *url, const char *user, const char *pass,
                long timeout_ms, struct acs_cr_result *out);
/* Fresh random credentials (URL-safe, ACS_CR_CRED_LEN chars) into user/pass
 * (each >= ACS_CR_CRED_LEN + 1 bytes). */
int acs_cr_credentials_new(char *user, char *pass) WARN_UNUSED;
const char *acs_cr_status_str(enum acs_cr_status s);
/* The same as one word for logs and metrics ("auth_failed", "bad_url"). */
const char *acs_cr_status_name(enum acs_cr_status s);

/* The pool: threads workers, at most queue_max waiting requests (beyond: -ERR_TOO_BIG),
 * each request tried up to attempts times, waiting backoff_ms * 2^(n-1) between tries; policy
 * is taken (freed with the pool, also when _new fails). A refusal by the policy is logged as
 * event=cr_refused. */
struct acs_cr_pool;
typedef void (*acs_cr_done_fn)(void *arg, const char *device_id, const struct acs_cr_result *r);
struct acs_cr_pool *acs_cr_pool_new(int threads, int queue_max, int attempts, long timeout_ms, long backoff_ms,
                                    struct acs_cr_policy *policy, acs_cr_done_fn done, void *arg);
/* Queue a request (strings copied; the password is wiped after use). */
int acs_cr_pool_submit(struct acs_cr_pool *p, const char *device_id, const char *url, const char *user,
                       const char *pass) WARN_UNUSED;
/* One attempt now, in the caller's thread, so that the caller learns its outcome in *first; a busy
 * CPE or a time-out is then handed to the pool for the remaining attempts (returns 1: first is
 * not final), anything else is final (returns 0) and logged and reported like the pool's. */
int acs_cr_pool_try(struct acs_cr_pool *p, const char *device_id, const char *url, const char *user,
                    const char *pass, struct acs_cr_result *first);
/* Finish queued work (bounded by each request's attempts and time-outs), stop, free. */
void acs_cr_pool_free(struct acs_cr_pool *p);

#endif

/* acs/listener/acs_legacy.h — legacy password mode ([acs] legacy_mode, off by default): a device whose
 * devices.auth_mode is 'legacy' may authenticate without a client certificate, with HTTP Digest
 * (stored HA1 = MD5(user:realm:password)) or Basic (stored PBKDF2-SHA256 hash) over
 * server-authenticated TLS. Failures are audited and rate-limited per user and per address.
 * Owns: struct acs_legacy (realm, failure table) and the per-connection state. Thread-safety:
 * acs_legacy is locked inside; a connection's state is used by one request at a time. */
#ifndef ACS_LEGACY_H
#define ACS_LEGACY_H

#include <stddef.h>
#include <time.h>

#include "ca_verify.h"
#include "err.h"

#define ACS_LEGACY_HA1_HEX 32
#define ACS_LEGACY_HASH_MAX 160
#define ACS_LEGACY_PBKDF2_ITER 100000
#define ACS_LEGACY_USER_FAILS 5   /* failures per user in ACS_LEGACY_WINDOW before refusing all */
#define ACS_LEGACY_ADDR_FAILS 30  /* the same per client address */
#define ACS_LEGACY_WINDOW 60      /* seconds */

struct acs_legacy;
struct acs_legacy_conn;
struct acs_worker;
struct MHD_Connection;

/* ---- hashing (acsd and acsctl) ---- */
/* HA1 = hex MD5(user:realm:password) into out (>= 33 bytes). */
int acs_legacy_ha1(const char *user, const char *realm, const char *pass, char *out) WARN_UNUSED;
/* "pbkdf2-sha256$ITER$SALT_HEX$HASH_HEX" with a random 16-byte salt into out (n bytes). */
int acs_legacy_hash_password(const char *pass, char *out, size_t n) WARN_UNUSED;
/* 1 when pass matches stored, 0 when not, -ERR_INVAL when stored is malformed. Constant time. */
int acs_legacy_verify_password(const char *pass, const char *stored);

/* ---- the rate limiter (pure; now passed in for tests) ---- */
struct acs_legacy *acs_legacy_new(const char *realm);
void acs_legacy_free(struct acs_legacy *lg);
/* Is user or addr over its failure budget right now? */
int acs_legacy_limited(struct acs_legacy *lg, const char *user, const char *addr, time_t now);
/* Count one failure for user and addr. */
void acs_legacy_failed(struct acs_legacy *lg, const char *user, const char *addr, time_t now);

/* ---- the HTTP side (acs_http.c) ---- */
enum acs_legacy_outcome {
    ACS_LEGACY_PASS,      /* authenticated: use *peer and *auth */
    ACS_LEGACY_ANSWERED,  /* a 401 (challenge or refusal) or 503 is queued in *res */
};
/* A CWMP request without a client certificate: check its Authorization (or the connection's
 * earlier success). *state is the connection's (created here, acs_legacy_conn_free at close).
 * On PASS, *peer (device id of the credentials, reason OK, no serial) and *auth
 * ("legacy-digest"/"legacy-basic") are borrowed from *state. */
enum acs_legacy_outcome acs_legacy_check(struct acs_legacy *lg, struct acs_worker *w, struct MHD_Connection *c,
                                         const char *remote, struct acs_legacy_conn **state,
                                         const struct ca_verify_result **peer, const char **auth, int *res);
void acs_legacy_conn_free(struct acs_legacy_conn *s);
/* Has this connection authenticated in legacy mode (later requests may omit Authorization)?
 * NULL: no. */
int acs_legacy_conn_ok(const struct acs_legacy_conn *s);

#endif

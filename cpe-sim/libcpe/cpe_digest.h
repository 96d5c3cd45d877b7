/* cpe-sim/libcpe/cpe_digest.h — HTTP Digest authentication, server side (RFC 7616 with
 * MD5, qop=auth, and RFC 2069 without qop), for connection requests. Nonces are stateless:
 * a timestamp plus an HMAC under a per-process secret, valid for CPE_DIGEST_NONCE_TTL s.
 * Owns: struct cpe_digest (caller-allocated). Thread-safety: read-only after init. */
#ifndef CPE_DIGEST_H
#define CPE_DIGEST_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"

#define CPE_DIGEST_NONCE_TTL 120 /* seconds */

struct cpe_digest {
    uint8_t secret[32];
    char realm[64];
};

/* Random secret; realm as given (NULL: "cpe"). Returns 0 or -ERR_CRYPTO. */
int cpe_digest_init(struct cpe_digest *d, const char *realm) WARN_UNUSED;
/* The WWW-Authenticate value: Digest realm="...", qop="auth", nonce="...", algorithm=MD5
 * [, stale=true]. Returns 0 or -ERR_TOO_BIG. */
int cpe_digest_challenge(const struct cpe_digest *d, int64_t now_ms, int stale, char *out, size_t n) WARN_UNUSED;
/* Check an Authorization header value for method and request target uri against user and
 * password. Returns 0, -ERR_AUTH (wrong user, password, realm or uri), -ERR_EXPIRED (nonce
 * too old: challenge again with stale=true), -ERR_PARSE (not a Digest header). */
int cpe_digest_verify(const struct cpe_digest *d, const char *authorization, const char *method, const char *uri,
                      const char *user, const char *pass, int64_t now_ms) WARN_UNUSED;
/* Client side, for tests and tools: the Authorization value answering challenge nonce. */
int cpe_digest_answer(const char *realm, const char *nonce, const char *method, const char *uri, const char *user,
                      const char *pass, const char *cnonce, unsigned nc, char *out, size_t n) WARN_UNUSED;

#endif

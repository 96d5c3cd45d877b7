/* acs/listener/acs_legacy.c — legacy password mode: Digest/Basic checks against the devices row, the
 * per-user and per-address failure budget, audit rows for refusals, 401 challenges.
 * Locking: lg->mu guards the failure table. */
#define _GNU_SOURCE
#include "acs_legacy.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <microhttpd.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include "acs_ctx.h"
#include "acs_db.h"
#include "acs_metrics.h"
#include "acs_preauth.h"
#include "log.h"

#define SLOTS 512
#define KEY_MAX 96
#define SALT_LEN 16
#define DK_LEN 32
#define NONCE_TIMEOUT 300 /* seconds a Digest nonce stays valid */

struct slot {
    char key[KEY_MAX];
    time_t start;
    int fails;
};

struct acs_legacy {
    pthread_mutex_t mu;
    char realm[64];
    struct slot slots[SLOTS];
};

struct acs_legacy_conn {
    int ok;
    struct ca_verify_result peer;
    const char *auth;
    int basic_ok;                 /* logged in with Basic: basic_sha is its Authorization's hash */
    unsigned char basic_sha[32];
};

/* SHA-256 of an Authorization value (to recognise the credentials a connection logged in with). */
static int authz_sha(const char *authz, unsigned char out[32])
{
    unsigned int len = 0;
    return EVP_Digest(authz, strlen(authz), out, &len, EVP_sha256(), NULL) == 1 && len == 32 ? 0 : -ERR_CRYPTO;
}

static void hex(const unsigned char *b, size_t n, char *out)
{
    static const char h[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = h[b[i] >> 4];
        out[2 * i + 1] = h[b[i] & 15];
    }
    out[2 * n] = '\0';
}

static int unhex(const char *s, unsigned char *out, size_t n)
{
    if (strlen(s) != 2 * n)
        return -ERR_INVAL;
    for (size_t i = 0; i < n; i++) {
        unsigned int v;
        if (sscanf(s + 2 * i, "%2x", &v) != 1)
            return -ERR_INVAL;
        out[i] = (unsigned char)v;
    }
    return 0;
}

int acs_legacy_ha1(const char *user, const char *realm, const char *pass, char *out)
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    EVP_MD_CTX *m = EVP_MD_CTX_new();
    int ok = m && EVP_DigestInit_ex(m, EVP_md5(), NULL) && EVP_DigestUpdate(m, user, strlen(user)) &&
             EVP_DigestUpdate(m, ":", 1) && EVP_DigestUpdate(m, realm, strlen(realm)) &&
             EVP_DigestUpdate(m, ":", 1) && EVP_DigestUpdate(m, pass, strlen(pass)) &&
             EVP_DigestFinal_ex(m, md, &len) && len == 16;
    EVP_MD_CTX_free(m);
    if (!ok)
        return -ERR_CRYPTO;
    hex(md, 16, out);
    return 0;
}

static int pbkdf2(const char *pass, const unsigned char *salt, int iter, unsigned char *dk)
{
    return PKCS5_PBKDF2_HMAC(pass, (int)strlen(pass), salt, SALT_LEN, iter, EVP_sha256(), DK_LEN, dk) == 1
               ? 0
               : -ERR_CRYPTO;
}

int acs_legacy_hash_password(const char *pass, char *out, size_t n)
{
    unsigned char salt[SALT_LEN], dk[DK_LEN];
    char sh[2 * SALT_LEN + 1], dh[2 * DK_LEN + 1];
    if (RAND_bytes(salt, sizeof salt) != 1 || pbkdf2(pass, salt, ACS_LEGACY_PBKDF2_ITER, dk) < 0)
        return -ERR_CRYPTO;
    hex(salt, SALT_LEN, sh);
    hex(dk, DK_LEN, dh);
    OPENSSL_cleanse(dk, sizeof dk);
    int w = snprintf(out, n, "pbkdf2-sha256$%d$%s$%s", ACS_LEGACY_PBKDF2_ITER, sh, dh);
    return w > 0 && (size_t)w < n ? 0 : -ERR_TOO_BIG;
}

int acs_legacy_verify_password(const char *pass, const char *stored)
{
    unsigned char salt[SALT_LEN], want[DK_LEN], got[DK_LEN];
    char sh[2 * SALT_LEN + 2], dh[2 * DK_LEN + 2];
    int iter = 0, used = 0;
    if (!stored || sscanf(stored, "pbkdf2-sha256$%d$%33[0-9a-f]$%65[0-9a-f]%n", &iter, sh, dh, &used) != 3 ||
        stored[used] || iter < 1000 || iter > 10000000 || unhex(sh, salt, SALT_LEN) < 0 ||
        unhex(dh, want, DK_LEN) < 0)
        return -ERR_INVAL;
    if (pbkdf2(pass, salt, iter, got) < 0)
        return -ERR_CRYPTO;
    int ok = CRYPTO_memcmp(got, want, DK_LEN) == 0;
    OPENSSL_cleanse(got, sizeof got);
    return ok;
}

struct acs_legacy *acs_legacy_new(const char *realm)
{
    struct acs_legacy *lg = calloc(1, sizeof *lg);
    if (!lg)
        return NULL;
    pthread_mutex_init(&lg->mu, NULL);
    snprintf(lg->realm, sizeof lg->realm, "%s", realm && *realm ? realm : "acs");
    return lg;
}

void acs_legacy_free(struct acs_legacy *lg)
{
    if (!lg)
        return;
    pthread_mutex_destroy(&lg->mu);
    free(lg);
}

/* The slot of key (FNV-1a, open addressing over a few probes; a stale or the oldest slot is
 * reused). Called locked. */
static struct slot *slot_of(struct acs_legacy *lg, const char *key, time_t now, int create)
{
    unsigned h = 2166136261u;
    for (const char *p = key; *p; p++)
        h = (h ^ (unsigned char)*p) * 16777619u;
    struct slot *victim = NULL;
    int victim_stale = 0;
    for (unsigned i = 0; i < 8; i++) {
        struct slot *s = &lg->slots[(h + i) % SLOTS];
        int stale = !s->key[0] || now - s->start >= ACS_LEGACY_WINDOW;
        if (s->key[0] && !strcmp(s->key, key)) {
            if (stale) {
                s->fails = 0;
                s->start = now;
            }
            return s;
        }
        if (!victim || (stale && !victim_stale) || (!stale && !victim_stale && s->start < victim->start)) {
            victim = s;
            victim_stale = stale;
        }
    }
    if (!create)
        return NULL;
    snprintf(victim->key, sizeof victim->key, "%s", key);
    victim->start = now;
    victim->fails = 0;
    return victim;
}

static int over(struct acs_legacy *lg, const char *prefix, const char *v, int max, time_t now)
{
    char key[KEY_MAX];
    snprintf(key, sizeof key, "%s%s", prefix, v ? v : "");
    struct slot *s = slot_of(lg, key, now, 0);
    return s && s->fails >= max;
}

int acs_legacy_limited(struct acs_legacy *lg, const char *user, const char *addr, time_t now)
{
    pthread_mutex_lock(&lg->mu);
    int r = (user && over(lg, "u:", user, ACS_LEGACY_USER_FAILS, now)) ||
            over(lg, "a:", addr, ACS_LEGACY_ADDR_FAILS, now);
    pthread_mutex_unlock(&lg->mu);
    return r;
}

void acs_legacy_failed(struct acs_legacy *lg, const char *user, const char *addr, time_t now)
{
    char key[KEY_MAX];
    pthread_mutex_lock(&lg->mu);
    if (user) {
        snprintf(key, sizeof key, "u:%s", user);
        slot_of(lg, key, now, 1)->fails++;
    }
    snprintf(key, sizeof key, "a:%s", addr ? addr : "");
    slot_of(lg, key, now, 1)->fails++;
    pthread_mutex_unlock(&lg->mu);
}

int acs_legacy_conn_ok(const struct acs_legacy_conn *s)
{
    return s && s->ok;
}

void acs_legacy_conn_free(struct acs_legacy_conn *s)
{
    if (s)
        OPENSSL_cleanse(s, sizeof *s);
    free(s);
}

/* 401 with a Digest challenge (MHD) and a Basic one. */
static int challenge(struct acs_legacy *lg, struct MHD_Connection *c, int stale, int *res)
{
    static const char text[] = "authentication required: a client certificate, or HTTP Digest/Basic "
                               "for a device in legacy mode\n";
    char basic[96];
    struct MHD_Response *r =
        MHD_create_response_from_buffer(sizeof text - 1, (void *)text, MHD_RESPMEM_PERSISTENT);
    if (!r)
        return *res = MHD_NO, ACS_LEGACY_ANSWERED;
    snprintf(basic, sizeof basic, "Basic realm=\"%s\"", lg->realm);
    MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, "text/plain; charset=utf-8");
    MHD_add_response_header(r, MHD_HTTP_HEADER_WWW_AUTHENTICATE, basic);
    *res = MHD_queue_auth_fail_response2(c, lg->realm, "acsd", r, stale ? MHD_YES : MHD_NO, MHD_DIGEST_ALG_MD5);
    MHD_destroy_response(r);
    acs_metrics_count(ACS_METRIC_AUTH_REFUSED, ACS_MA_NO_CERT);
    return ACS_LEGACY_ANSWERED;
}

/* A refused attempt: counted, logged, and summed per source and window into one audit row
 * (cwmp.legacy_refused, acs_preauth.h), never one row per attempt; never the password.
 * why: static text. */
static void refused(struct acs_legacy *lg, struct acs_worker *w, const char *user, const char *remote,
                    const char *scheme, const char *why, const char *device)
{
    char q[160];
    acs_legacy_failed(lg, user, remote, time(NULL));
    acs_metrics_count(ACS_METRIC_AUTH_REFUSED, ACS_MA_LEGACY_DENIED);
    acs_preauth_refused(w->ctx->preauth, ACS_PREAUTH_LEGACY, remote, why);
    log_warn("cwmp", "event=refused reason=legacy_auth auth=%s user=%s why=%s device=%s remote=%s", scheme,
             log_quote(q, sizeof q, user ? user : "-"), why, device && *device ? device : "-", remote);
}

/* Look the user up; 1 when it names a legacy device (row filled), 0 when not, < 0 DB error. */
static int lookup(struct acs_worker *w, const char *user, struct acs_db_legacy *row)
{
    char *err = NULL, q[200];
    int rc = acs_db_ensure(w->db) < 0 ? -ERR_DB : acs_db_legacy_lookup(w->db, user, row, &err);
    if (rc < 0)
        log_err("cwmp", "event=db_error what=legacy_lookup msg=%s", log_quote(q, sizeof q, err ? err : "?"));
    free(err);
    return rc;
}

static enum acs_legacy_outcome pass(struct acs_legacy_conn *s, const struct acs_db_legacy *row, const char *auth)
{
    memset(&s->peer, 0, sizeof s->peer);
    s->peer.reason = CA_VERIFY_OK;
    snprintf(s->peer.device_id, sizeof s->peer.device_id, "%.*s", (int)sizeof s->peer.device_id - 1, row->device_id);
    snprintf(s->peer.detail, sizeof s->peer.detail, "%s", auth);
    s->auth = auth;
    s->ok = 1;
    return ACS_LEGACY_PASS;
}

static enum acs_legacy_outcome digest(struct acs_legacy *lg, struct acs_worker *w, struct MHD_Connection *c,
                                      const char *remote, struct acs_legacy_conn *s, int *res)
{
    char *user = MHD_digest_auth_get_username(c);
    struct acs_db_legacy row;
    unsigned char ha1[16];
    enum acs_legacy_outcome out = ACS_LEGACY_ANSWERED;
    int rc;
    if (!user) {
        refused(lg, w, NULL, remote, "digest", "malformed", NULL);
        challenge(lg, c, 0, res);
    } else if (acs_legacy_limited(lg, user, remote, time(NULL))) {
        acs_preauth_refused(w->ctx->preauth, ACS_PREAUTH_LEGACY, remote, "failure_budget");
        log_warn("cwmp", "event=refused reason=legacy_rate_limited remote=%s", remote);
        challenge(lg, c, 0, res);
    } else if ((rc = lookup(w, user, &row)) < 0) {
        *res = MHD_NO;
    } else if (rc == 0 || strcmp(row.auth_mode, "legacy") || unhex(row.ha1, ha1, sizeof ha1) < 0) {
        refused(lg, w, user, remote, "digest", rc == 0 ? "unknown_user" : "not_legacy", rc ? row.device_id : NULL);
        challenge(lg, c, 0, res);
    } else if ((rc = MHD_digest_auth_check_digest2(c, lg->realm, user, ha1, sizeof ha1, NONCE_TIMEOUT,
                                                   MHD_DIGEST_ALG_MD5)) == MHD_INVALID_NONCE) {
        challenge(lg, c, 1, res); /* stale or foreign nonce: try again, not a failure */
    } else if (rc != MHD_YES) {
        refused(lg, w, user, remote, "digest", "wrong_password", row.device_id);
        challenge(lg, c, 0, res);
    } else {
        out = pass(s, &row, "legacy-digest");
    }
    OPENSSL_cleanse(ha1, sizeof ha1);
    MHD_free(user);
    return out;
}

static enum acs_legacy_outcome basic(struct acs_legacy *lg, struct acs_worker *w, struct MHD_Connection *c,
                                     const char *remote, struct acs_legacy_conn *s, int *res)
{
    char *pw = NULL, *user = MHD_basic_auth_get_username_password(c, &pw);
    struct acs_db_legacy row;
    enum acs_legacy_outcome out = ACS_LEGACY_ANSWERED;
    int rc;
    if (!user || !pw) {
        refused(lg, w, NULL, remote, "basic", "malformed", NULL);
        challenge(lg, c, 0, res);
    } else if (acs_legacy_limited(lg, user, remote, time(NULL))) {
        acs_preauth_refused(w->ctx->preauth, ACS_PREAUTH_LEGACY, remote, "failure_budget");
        log_warn("cwmp", "event=refused reason=legacy_rate_limited remote=%s", remote);
        challenge(lg, c, 0, res);
    } else if ((rc = lookup(w, user, &row)) < 0) {
        *res = MHD_NO;
    } else if (rc == 0 || strcmp(row.auth_mode, "legacy") || !row.password_hash[0]) {
        refused(lg, w, user, remote, "basic", rc == 0 ? "unknown_user" : "not_legacy", rc ? row.device_id : NULL);
        challenge(lg, c, 0, res);
    } else if (acs_legacy_verify_password(pw, row.password_hash) != 1) {
        refused(lg, w, user, remote, "basic", "wrong_password", row.device_id);
        challenge(lg, c, 0, res);
    } else {
        out = pass(s, &row, "legacy-basic");
    }
    if (pw) {
        OPENSSL_cleanse(pw, strlen(pw));
        MHD_free(pw);
    }
    MHD_free(user);
    return out;
}

enum acs_legacy_outcome acs_legacy_check(struct acs_legacy *lg, struct acs_worker *w, struct MHD_Connection *c,
                                         const char *remote, struct acs_legacy_conn **state,
                                         const struct ca_verify_result **peer, const char **auth, int *res)
{
    struct acs_legacy_conn *s = *state;
    if (!s && !(s = *state = calloc(1, sizeof *s))) {
        *res = MHD_NO;
        return ACS_LEGACY_ANSWERED;
    }
    const char *authz = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_AUTHORIZATION);
    enum acs_legacy_outcome out;
    if (authz && !strncasecmp(authz, "Digest ", 7)) {
        s->ok = s->basic_ok = 0;
        out = digest(lg, w, c, remote, s, res);
    } else if (authz && !strncasecmp(authz, "Basic ", 6)) {
        /* pre-emptive Basic on every request (common in the field): the credentials this
         * connection logged in with pass again without a second PBKDF2 and DB lookup, as a
         * request without Authorization would; anything else is checked afresh */
        unsigned char sha[32];
        int known = authz_sha(authz, sha) == 0;
        if (s->ok && s->basic_ok && known && CRYPTO_memcmp(sha, s->basic_sha, sizeof sha) == 0) {
            out = ACS_LEGACY_PASS;
        } else {
            s->ok = s->basic_ok = 0;
            out = basic(lg, w, c, remote, s, res);
            if (out == ACS_LEGACY_PASS && known) {
                memcpy(s->basic_sha, sha, sizeof sha);
                s->basic_ok = 1;
            }
        }
        OPENSSL_cleanse(sha, sizeof sha);
    } else if (s->ok) {
        out = ACS_LEGACY_PASS; /* authenticated earlier on this connection */
    } else {
        out = challenge(lg, c, 0, res);
    }
    if (out == ACS_LEGACY_PASS) {
        *peer = &s->peer;
        *auth = s->auth;
    }
    return out;
}

/* pki-ca/ca_verify.c — peer chain verification with a live revoked set and a cache of verdicts.
 * Locking: v->lock (rwlock) guards store, revoked set, generation and the cache pointer;
 * readers are the TLS threads, the writer is the listener thread (or ca_verifier_reload).
 * No lock is held while OpenSSL parses or verifies: a verification takes references to the
 * store and the issuing CAs under the read lock, and checks revocation under it afterwards.
 * The cache (ca_vcache.c) has its own stripe locks; it holds only chains that verified, and
 * a hit still checks validity against the time, revocation against the live set; a new
 * trust set (any authority change) empties it. */
#include "ca_verify.h"

#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/x509v3.h>

#include "ca_util.h"
#include "ca_vcache.h"
#include "db.h"
#include "log.h"

#define VERIFY_MAX_CHAIN 8
#define VERIFY_POLL_MS 500
#define VERIFY_RECONNECT_MS 1000

/* Open-addressing set of serial strings. */
struct serial_set {
    char **slots;
    size_t cap, n;
};

struct ca_verifier {
    char *conninfo;
    pthread_rwlock_t lock;
    X509_STORE *store;               /* root as trust anchor */
    STACK_OF(X509) *intermediates;   /* issuing CAs, offered as untrusted chain */
    struct serial_set revoked;
    unsigned long gen;               /* bumped with every new trust set */
    struct ca_vcache *cache;         /* verdicts of chains that verified under gen */
    atomic_ulong hits, misses;
    pthread_t thread;
    int thread_started;
    volatile int stop;
    pthread_mutex_t stop_lock;
};

/* One word each, the same in logs (reason=...), HTTP answers and acs-ca verify. */
static const char *const reason_text[] = {
    "ok",      "no_certificate", "malformed_certificate", "unknown_ca",         "expired", "not_yet_valid",
    "revoked", "not_client_auth", "no_device_identity",   "internal_error",
};

const char *ca_verify_reason_str(enum ca_verify_reason r)
{
    return (size_t)r < sizeof reason_text / sizeof reason_text[0] ? reason_text[r] : "unknown";
}

static size_t str_hash(const char *s)
{
    size_t h = 1469598103934665603ull;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ull;
    return h;
}

static void set_free(struct serial_set *s)
{
    for (size_t i = 0; i < s->cap; i++)
        free(s->slots[i]);
    free(s->slots);
    memset(s, 0, sizeof *s);
}

static int set_contains(const struct serial_set *s, const char *serial)
{
    if (!s->cap)
        return 0;
    for (size_t i = str_hash(serial) & (s->cap - 1);; i = (i + 1) & (s->cap - 1)) {
        if (!s->slots[i])
            return 0;
        if (!strcmp(s->slots[i], serial))
            return 1;
    }
}

static int set_add(struct serial_set *s, const char *serial)
{
    if (set_contains(s, serial))
        return 0;
    if ((s->n + 1) * 2 > s->cap) {
        struct serial_set bigger = {calloc(s->cap ? s->cap * 2 : 1024, sizeof(char *)), s->cap ? s->cap * 2 : 1024, 0};
        if (!bigger.slots)
            return -ERR_NOMEM;
        for (size_t i = 0; i < s->cap; i++)
            if (s->slots[i]) {
                size_t k = str_hash(s->slots[i]) & (bigger.cap - 1);
                while (bigger.slots[k])
                    k = (k + 1) & (bigger.cap - 1);
                bigger.slots[k] = s->slots[i];
                bigger.n++;
            }
        free(s->slots);
        *s = bigger;
    }
    char *dup = strdup(serial);
    if (!dup)
        return -ERR_NOMEM;
    size_t k = str_hash(serial) & (s->cap - 1);
    while (s->slots[k])
        k = (k + 1) & (s->cap - 1);
    s->slots[k] = dup;
    s->n++;
    return 0;
}

/* Swap in a new trust set (and revoked set, unless NULL); the old ones are freed and every
 * cached verdict is dropped: it was reached with the old trust set. */
static void install(struct ca_verifier *v, X509_STORE *store, STACK_OF(X509) *inter, struct serial_set *set)
{
    pthread_rwlock_wrlock(&v->lock);
    X509_STORE_free(v->store);
    sk_X509_pop_free(v->intermediates, X509_free);
    v->store = store;
    v->intermediates = inter;
    if (set) {
        set_free(&v->revoked);
        v->revoked = *set;
    }
    v->gen++;
    ca_vcache_flush(v->cache);
    pthread_rwlock_unlock(&v->lock);
}

/* Build a fresh store and revoked set from the DB, then swap them in. */
static int load_state(struct ca_verifier *v, struct db *db, char **errmsg)
{
    PGresult *r = db_exec(db, "SELECT kind, cert_der, serial, revoked_at IS NOT NULL FROM ca_authorities ORDER BY id",
                          0, NULL, errmsg);
    if (!r)
        return -ERR_DB;
    X509_STORE *store = X509_STORE_new();
    STACK_OF(X509) *inter = sk_X509_new_null();
    struct serial_set set = {0};
    int rc = store && inter ? 0 : -ERR_NOMEM;
    for (int i = 0; i < PQntuples(r) && rc == 0; i++) {
        size_t n = 0;
        unsigned char *der = PQunescapeBytea((const unsigned char *)PQgetvalue(r, i, 1), &n);
        X509 *x = der ? ca_cert_parse(der, n, errmsg) : NULL;
        PQfreemem(der);
        if (!x) {
            rc = -ERR_INTEGRITY;
            break;
        }
        if (!strcmp(PQgetvalue(r, i, 3), "t"))
            rc = set_add(&set, PQgetvalue(r, i, 2)); /* a revoked issuer: every chain through it */
        if (rc < 0) {
            X509_free(x);
        } else if (!strcmp(PQgetvalue(r, i, 0), "root")) {
            rc = X509_STORE_add_cert(store, x) ? 0 : -ERR_CRYPTO;
            X509_free(x);
        } else if (!sk_X509_push(inter, x)) {
            X509_free(x);
            rc = -ERR_NOMEM;
        }
    }
    PQclear(r);
    if (rc == 0 && (r = db_exec(db, "SELECT serial FROM revocations", 0, NULL, errmsg)) != NULL) {
        for (int i = 0; i < PQntuples(r) && rc == 0; i++)
            rc = set_add(&set, PQgetvalue(r, i, 0));
        PQclear(r);
    } else if (rc == 0) {
        rc = -ERR_DB;
    }
    if (rc < 0) {
        X509_STORE_free(store);
        sk_X509_pop_free(inter, X509_free);
        set_free(&set);
        return rc;
    }
    install(v, store, inter, &set);
    return 0;
}

static int listen_on(struct db *db, char **errmsg)
{
    int rc = db_run(db, "LISTEN ca_revocation", 0, NULL, errmsg);
    return rc < 0 ? rc : db_run(db, "LISTEN ca_authority", 0, NULL, errmsg);
}

static int stopping(struct ca_verifier *v)
{
    pthread_mutex_lock(&v->stop_lock);
    int s = v->stop;
    pthread_mutex_unlock(&v->stop_lock);
    return s;
}

/* Drain notifications: revocations are added one by one, authority changes reload all. */
static int drain(struct ca_verifier *v, struct db *db)
{
    PGconn *conn = db_conn(db);
    if (!PQconsumeInput(conn))
        return -ERR_DB;
    PGnotify *n;
    int reload = 0;
    while ((n = PQnotifies(conn)) != NULL) {
        if (!strcmp(n->relname, "ca_revocation")) {
            pthread_rwlock_wrlock(&v->lock);
            int rc = set_add(&v->revoked, n->extra);
            pthread_rwlock_unlock(&v->lock);
            log_info("ca", "event=revocation_seen serial=%s", n->extra);
            if (rc < 0)
                reload = 1;
        } else {
            reload = 1;
        }
        PQfreemem(n);
    }
    if (reload) {
        char *err = NULL;
        int rc = load_state(v, db, &err);
        free(err);
        return rc;
    }
    return 0;
}

static void *listener_main(void *arg)
{
    struct ca_verifier *v = arg;
    struct db *db = NULL;
    while (!stopping(v)) {
        if (!db) {
            char *err = NULL;
            db = db_connect(v->conninfo, &err);
            /* a reconnect may have missed notifications: reload everything */
            if (db && (listen_on(db, &err) < 0 || load_state(v, db, &err) < 0)) {
                db_free(db);
                db = NULL;
            }
            if (!db) {
                char q[300];
                log_warn("ca", "event=verifier_db_down error=%s", log_quote(q, sizeof q, err ? err : ""));
                free(err);
                poll(NULL, 0, VERIFY_RECONNECT_MS);
                continue;
            }
        }
        struct pollfd pfd = {.fd = PQsocket(db_conn(db)), .events = POLLIN};
        int pr = poll(&pfd, 1, VERIFY_POLL_MS);
        if (pr < 0 || (pr > 0 && drain(v, db) < 0) || PQstatus(db_conn(db)) != CONNECTION_OK) {
            db_free(db);
            db = NULL;
        }
    }
    db_free(db);
    return NULL;
}

/* The parts every verifier has: locks, an empty trust set, the cache. */
static struct ca_verifier *verifier_alloc(char **errmsg)
{
    struct ca_verifier *v = calloc(1, sizeof *v);
    if (!v || !(v->cache = ca_vcache_new(CA_VERIFY_CACHE_DEFAULT))) {
        free(v);
        err_fail(errmsg, -ERR_NOMEM, "out of memory");
        return NULL;
    }
    pthread_rwlock_init(&v->lock, NULL);
    pthread_mutex_init(&v->stop_lock, NULL);
    return v;
}

struct ca_verifier *ca_verifier_new(const char *conninfo, char **errmsg)
{
    struct ca_verifier *v = verifier_alloc(errmsg);
    if (!v)
        return NULL;
    v->conninfo = strdup(conninfo ? conninfo : "");
    struct db *db = v->conninfo ? db_connect(v->conninfo, errmsg) : NULL;
    int rc = db ? load_state(v, db, errmsg) : -ERR_DB;
    db_free(db);
    if (rc == 0 && pthread_create(&v->thread, NULL, listener_main, v) == 0)
        v->thread_started = 1;
    else
        rc = rc < 0 ? rc : err_fail(errmsg, -ERR_NOMEM, "cannot start verifier thread");
    if (rc < 0) {
        ca_verifier_free(v);
        return NULL;
    }
    return v;
}

struct ca_verifier *ca_verifier_new_local(char **errmsg)
{
    struct ca_verifier *v = verifier_alloc(errmsg);
    if (v && (!(v->store = X509_STORE_new()) || !(v->intermediates = sk_X509_new_null()))) {
        ca_verifier_free(v);
        err_fail(errmsg, -ERR_NOMEM, "out of memory");
        return NULL;
    }
    return v;
}

int ca_verifier_set_trust(struct ca_verifier *v, X509 *const *roots, size_t nroots, X509 *const *issuers,
                          size_t nissuers, char **errmsg)
{
    X509_STORE *store = X509_STORE_new();
    STACK_OF(X509) *inter = sk_X509_new_null();
    int ok = store && inter;
    for (size_t i = 0; ok && i < nroots; i++)
        ok = X509_STORE_add_cert(store, roots[i]);
    for (size_t i = 0; ok && i < nissuers; i++)
        if ((ok = X509_up_ref(issuers[i])) && !(ok = sk_X509_push(inter, issuers[i]) > 0))
            X509_free(issuers[i]);
    if (!ok) {
        X509_STORE_free(store);
        sk_X509_pop_free(inter, X509_free);
        return err_fail(errmsg, -ERR_CRYPTO, "cannot build the trust set");
    }
    install(v, store, inter, NULL);
    return 0;
}

int ca_verifier_add_revoked(struct ca_verifier *v, const char *serial)
{
    pthread_rwlock_wrlock(&v->lock);
    int rc = set_add(&v->revoked, serial);
    pthread_rwlock_unlock(&v->lock);
    return rc;
}

int ca_verifier_set_cache_size(struct ca_verifier *v, size_t max)
{
    struct ca_vcache *c = ca_vcache_new(max);
    if (!c)
        return -ERR_NOMEM;
    pthread_rwlock_wrlock(&v->lock);
    struct ca_vcache *old = v->cache;
    v->cache = c;
    pthread_rwlock_unlock(&v->lock);
    ca_vcache_free(old);
    return 0;
}

void ca_verifier_cache_stats(struct ca_verifier *v, struct ca_verify_cache_stats *st)
{
    pthread_rwlock_rdlock(&v->lock);
    st->entries = ca_vcache_count(v->cache);
    st->max = ca_vcache_max(v->cache);
    pthread_rwlock_unlock(&v->lock);
    st->hits = atomic_load(&v->hits);
    st->misses = atomic_load(&v->misses);
}

void ca_verifier_free(struct ca_verifier *v)
{
    if (!v)
        return;
    if (v->thread_started) {
        pthread_mutex_lock(&v->stop_lock);
        v->stop = 1;
        pthread_mutex_unlock(&v->stop_lock);
        pthread_join(v->thread, NULL);
    }
    X509_STORE_free(v->store);
    sk_X509_pop_free(v->intermediates, X509_free);
    set_free(&v->revoked);
    ca_vcache_free(v->cache);
    pthread_rwlock_destroy(&v->lock);
    pthread_mutex_destroy(&v->stop_lock);
    free(v->conninfo);
    free(v);
}

int ca_verifier_reload(struct ca_verifier *v, char **errmsg)
{
    struct db *db = db_connect(v->conninfo, errmsg);
    int rc = db ? load_state(v, db, errmsg) : -ERR_DB;
    db_free(db);
    return rc;
}

int ca_verifier_is_revoked(struct ca_verifier *v, const char *serial)
{
    pthread_rwlock_rdlock(&v->lock);
    int r = set_contains(&v->revoked, serial);
    pthread_rwlock_unlock(&v->lock);
    return r;
}

static enum ca_verify_reason map_x509_error(int err)
{
    switch (err) {
    case X509_V_ERR_CERT_HAS_EXPIRED: return CA_VERIFY_EXPIRED;
    case X509_V_ERR_CERT_NOT_YET_VALID: return CA_VERIFY_NOT_YET_VALID;
    case X509_V_ERR_INVALID_PURPOSE: return CA_VERIFY_WRONG_EKU;
    case X509_V_ERR_OUT_OF_MEM: return CA_VERIFY_INTERNAL;
    default: return CA_VERIFY_UNKNOWN_CA;
    }
}

/* SHA-256 over the chain as presented: each certificate's length (8 bytes, big-endian) and
 * DER, so [A, B] and [AB] differ. */
static int chain_key(const unsigned char *const *ders, const size_t *lens, size_t n, unsigned char *key)
{
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    int ok = md && EVP_DigestInit_ex(md, EVP_sha256(), NULL);
    for (size_t i = 0; ok && i < n; i++) {
        unsigned char len[8];
        if (lens[i] > CA_PEM_MAX) /* refused as malformed anyway: not worth hashing */
            ok = 0;
        for (int b = 0; b < 8; b++)
            len[b] = (unsigned char)((uint64_t)lens[i] >> (56 - 8 * b));
        ok = ok && EVP_DigestUpdate(md, len, sizeof len) && EVP_DigestUpdate(md, ders[i], lens[i]);
    }
    unsigned int klen = 0;
    ok = ok && EVP_DigestFinal_ex(md, key, &klen) && klen == CA_VCACHE_KEY_LEN;
    EVP_MD_CTX_free(md);
    return ok ? 0 : -ERR_CRYPTO;
}

static int is_revoked_locked(const struct ca_verifier *v, const struct ca_vcache_entry *e)
{
    int r = set_contains(&v->revoked, e->serial);
    for (unsigned i = 0; i < e->nchain && !r; i++)
        r = set_contains(&v->revoked, e->chain_serial[i]);
    return r;
}

/* The verdict of a cached chain at time now: what a full verification would say for it
 * today, given that the chain and its trust set have not changed (v->lock held). */
static int verdict_of_hit(const struct ca_verifier *v, const struct ca_vcache_entry *e, time_t now,
                          struct ca_verify_result *out)
{
    snprintf(out->serial, sizeof out->serial, "%s", e->serial);
    if (now < e->not_before) {
        out->reason = CA_VERIFY_NOT_YET_VALID;
        snprintf(out->detail, sizeof out->detail, "%s", X509_verify_cert_error_string(X509_V_ERR_CERT_NOT_YET_VALID));
        return -ERR_AUTH;
    }
    if (now >= e->not_after) {
        out->reason = CA_VERIFY_EXPIRED;
        snprintf(out->detail, sizeof out->detail, "%s", X509_verify_cert_error_string(X509_V_ERR_CERT_HAS_EXPIRED));
        return -ERR_EXPIRED;
    }
    if (is_revoked_locked(v, e)) {
        out->reason = CA_VERIFY_REVOKED;
        snprintf(out->detail, sizeof out->detail, "certificate %s is revoked", e->serial);
        return -ERR_REVOKED;
    }
    out->reason = CA_VERIFY_OK;
    out->not_after = e->not_after;
    snprintf(out->issuer_serial, sizeof out->issuer_serial, "%s", e->nchain ? e->chain_serial[0] : "");
    snprintf(out->device_id, sizeof out->device_id, "%s", e->device_id);
    snprintf(out->detail, sizeof out->detail, "ok");
    return 0;
}

/* Look the chain up; 1 with *out and *rc set on a hit. A hit that is refused now is dropped. */
static int cache_lookup(struct ca_verifier *v, const unsigned char *key, time_t now, struct ca_verify_result *out,
                        int *rc)
{
    struct ca_vcache_entry e;
    pthread_rwlock_rdlock(&v->lock);
    int hit = ca_vcache_get(v->cache, key, &e);
    if (hit && (*rc = verdict_of_hit(v, &e, now, out)) < 0)
        ca_vcache_del(v->cache, key);
    pthread_rwlock_unlock(&v->lock);
    atomic_fetch_add(hit ? &v->hits : &v->misses, 1);
    return hit;
}

static time_t asn1_posix(const ASN1_TIME *t, int *ok)
{
    struct tm tm;
    if (!t || !ASN1_TIME_to_tm(t, &tm)) {
        *ok = 0;
        return 0;
    }
    return timegm(&tm);
}

/* Fill e from a chain X509_verify_cert accepted; 0 when it may be cached: every presented
 * certificate is part of the verified chain (so one valid leaf cannot fill the cache with
 * variants padded with junk) and the chain is short enough. */
static int entry_of_chain(STACK_OF(X509) *chain, X509 *const *presented, size_t n, struct ca_vcache_entry *e)
{
    int num = sk_X509_num(chain), ok = num >= 1 && num - 1 <= CA_VCACHE_CHAIN_MAX;
    for (size_t i = 1; ok && i < n; i++) {
        int found = 0;
        for (int k = 1; k < num && !found; k++)
            found = X509_cmp(presented[i], sk_X509_value(chain, k)) == 0;
        ok = found;
    }
    e->not_before = 0;
    e->not_after = (time_t)1 << 62;
    e->nchain = 0;
    for (int k = 0; ok && k < num; k++) {
        X509 *x = sk_X509_value(chain, k);
        time_t nb = asn1_posix(X509_get0_notBefore(x), &ok), na = asn1_posix(X509_get0_notAfter(x), &ok);
        if (nb > e->not_before)
            e->not_before = nb;
        if (na < e->not_after)
            e->not_after = na;
        if (k > 0 && ca_serial_hex(X509_get0_serialNumber(x), e->chain_serial[e->nchain++], sizeof e->chain_serial[0]) < 0)
            ok = 0;
    }
    return ok ? 0 : -1;
}

int ca_verify_peer(struct ca_verifier *v, const unsigned char *const *ders, const size_t *lens, size_t n,
                   struct ca_verify_result *out)
{
    return ca_verify_peer_at(v, ders, lens, n, time(NULL), out);
}

int ca_verify_peer_at(struct ca_verifier *v, const unsigned char *const *ders, const size_t *lens, size_t n,
                      time_t now, struct ca_verify_result *out)
{
    memset(out, 0, sizeof *out);
    if (n == 0) {
        out->reason = CA_VERIFY_NO_CERT;
        snprintf(out->detail, sizeof out->detail, "no client certificate");
        return -ERR_AUTH;
    }
    if (n > VERIFY_MAX_CHAIN)
        n = VERIFY_MAX_CHAIN;
    int rc = -ERR_AUTH;
    struct ca_vcache_entry e;
    int have_key = chain_key(ders, lens, n, e.key) == 0;
    if (have_key && cache_lookup(v, e.key, now, out, &rc))
        return rc;
    X509 *presented[VERIFY_MAX_CHAIN] = {NULL};
    X509_STORE *store = NULL;
    STACK_OF(X509) *untrusted = sk_X509_new_null();
    X509_STORE_CTX *ctx = X509_STORE_CTX_new();
    for (size_t i = 0; i < n && untrusted; i++) {
        const unsigned char *p = ders[i];
        X509 *x = lens[i] <= CA_PEM_MAX ? d2i_X509(NULL, &p, (long)lens[i]) : NULL;
        if (!x || p != ders[i] + lens[i]) {
            X509_free(x);
            out->reason = CA_VERIFY_MALFORMED;
            snprintf(out->detail, sizeof out->detail, "certificate %zu of the chain is malformed", i);
            goto out;
        }
        presented[i] = x;
        if (i > 0 && (!X509_up_ref(x) || !sk_X509_push(untrusted, x)))
            X509_free(x);
    }
    X509 *leaf = presented[0];
    if (!untrusted || !ctx || !leaf) {
        out->reason = CA_VERIFY_INTERNAL;
        goto out;
    }
    ca_serial_hex(X509_get0_serialNumber(leaf), out->serial, sizeof out->serial);
    pthread_rwlock_rdlock(&v->lock);
    unsigned long gen = v->gen;
    store = X509_STORE_up_ref(v->store) ? v->store : NULL;
    /* our own issuing CAs complete the chain when the peer sends only its leaf */
    for (int i = 0; i < sk_X509_num(v->intermediates); i++)
        if (X509_up_ref(sk_X509_value(v->intermediates, i)) && !sk_X509_push(untrusted, sk_X509_value(v->intermediates, i)))
            X509_free(sk_X509_value(v->intermediates, i));
    pthread_rwlock_unlock(&v->lock);
    /* OpenSSL's work runs on our own references, without the lock: a reload meanwhile
     * swaps the trust set in for the next call (and gen tells the cache) */
    int ok = store && X509_STORE_CTX_init(ctx, store, leaf, untrusted) &&
             X509_STORE_CTX_set_purpose(ctx, X509_PURPOSE_SSL_CLIENT);
    if (ok)
        X509_STORE_CTX_set_time(ctx, 0, now);
    ok = ok && X509_verify_cert(ctx) == 1;
    int verr = X509_STORE_CTX_get_error(ctx);
    STACK_OF(X509) *chain = ok ? X509_STORE_CTX_get0_chain(ctx) : NULL;
    pthread_rwlock_rdlock(&v->lock);
    int revoked = ok && set_contains(&v->revoked, out->serial);
    /* an issuing CA revoked by the root revokes everything under it */
    for (int i = 1; chain && i < sk_X509_num(chain) && !revoked; i++) {
        char s[CA_SERIAL_HEX_MAX + 1];
        if (ca_serial_hex(X509_get0_serialNumber(sk_X509_value(chain, i)), s, sizeof s) == 0)
            revoked = set_contains(&v->revoked, s);
    }
    pthread_rwlock_unlock(&v->lock);
    ERR_clear_error();
    if (!ok) {
        out->reason = map_x509_error(verr);
        snprintf(out->detail, sizeof out->detail, "%s", X509_verify_cert_error_string(verr));
        rc = out->reason == CA_VERIFY_EXPIRED ? -ERR_EXPIRED : -ERR_AUTH;
    } else if (revoked) {
        out->reason = CA_VERIFY_REVOKED;
        snprintf(out->detail, sizeof out->detail, "certificate %s is revoked", out->serial);
        rc = -ERR_REVOKED;
    } else if (ca_cert_device_id(leaf, out->device_id, sizeof out->device_id) < 0) {
        out->reason = CA_VERIFY_NO_IDENTITY;
        snprintf(out->detail, sizeof out->detail, "no urn:dev:ops identity matching the CN");
    } else {
        out->reason = CA_VERIFY_OK;
        snprintf(out->detail, sizeof out->detail, "ok");
        rc = 0;
        /* the chain's end of validity and issuer: acsd ends a session when either comes */
        int entry_ok = entry_of_chain(chain, presented, n, &e) == 0;
        if (!entry_ok)
            (void)entry_of_chain(chain, NULL, 0, &e); /* padded: never cached, its windows still count */
        out->not_after = e.not_after;
        snprintf(out->issuer_serial, sizeof out->issuer_serial, "%s", e.nchain ? e.chain_serial[0] : "");
        /* only a chain that verified is remembered, and only under the trust set it verified with */
        if (have_key && entry_ok) {
            snprintf(e.device_id, sizeof e.device_id, "%s", out->device_id);
            snprintf(e.serial, sizeof e.serial, "%s", out->serial);
            pthread_rwlock_rdlock(&v->lock);
            if (v->gen == gen)
                ca_vcache_put(v->cache, &e);
            pthread_rwlock_unlock(&v->lock);
        }
    }
out:
    X509_STORE_CTX_free(ctx);
    X509_STORE_free(store);
    sk_X509_pop_free(untrusted, X509_free);
    for (size_t i = 0; i < n; i++)
        X509_free(presented[i]);
    return rc;
}

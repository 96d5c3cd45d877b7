/* pki-ca/ca_verify.c — peer chain verification with a live revoked set.
 * Locking: v->lock (rwlock) guards store and revoked set; readers are the TLS threads,
 * the writer is the listener thread (or ca_verifier_reload). */
#include "ca_verify.h"

#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/err.h>
#include <openssl/x509v3.h>

#include "ca_util.h"
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

/* Build a fresh store and revoked set from the DB, then swap them in. */
static int load_state(struct ca_verifier *v, struct db *db, char **errmsg)
{
    PGresult *r = db_exec(db, "SELECT kind, cert_der FROM ca_authorities ORDER BY id", 0, NULL, errmsg);
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
        if (!strcmp(PQgetvalue(r, i, 0), "root")) {
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
    pthread_rwlock_wrlock(&v->lock);
    X509_STORE_free(v->store);
    sk_X509_pop_free(v->intermediates, X509_free);
    set_free(&v->revoked);
    v->store = store;
    v->intermediates = inter;
    v->revoked = set;
    pthread_rwlock_unlock(&v->lock);
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

struct ca_verifier *ca_verifier_new(const char *conninfo, char **errmsg)
{
    struct ca_verifier *v = calloc(1, sizeof *v);
    if (!v)
        return NULL;
    pthread_rwlock_init(&v->lock, NULL);
    pthread_mutex_init(&v->stop_lock, NULL);
    v->conninfo = strdup(conninfo ? conninfo : "");
    struct db *db = v->conninfo ? db_connect(v->conninfo, errmsg) : NULL;
    int rc = db ? load_state(v, db, errmsg) : -ERR_DB;
    db_free(db);
    if (rc == 0 && pthread_create(&v->thread, NULL, listener_main, v) == 0)
        v->thread_started = 1;
    else
        rc = rc < 0 ? rc : ca_fail(errmsg, -ERR_NOMEM, "cannot start verifier thread");
    if (rc < 0) {
        ca_verifier_free(v);
        return NULL;
    }
    return v;
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

int ca_verify_peer(struct ca_verifier *v, const unsigned char *const *ders, const size_t *lens, size_t n,
                   struct ca_verify_result *out)
{
    memset(out, 0, sizeof *out);
    if (n == 0) {
        out->reason = CA_VERIFY_NO_CERT;
        snprintf(out->detail, sizeof out->detail, "no client certificate");
        return -ERR_AUTH;
    }
    if (n > VERIFY_MAX_CHAIN)
        n = VERIFY_MAX_CHAIN;
    X509 *leaf = NULL;
    STACK_OF(X509) *untrusted = sk_X509_new_null();
    X509_STORE_CTX *ctx = X509_STORE_CTX_new();
    int rc = -ERR_AUTH;
    for (size_t i = 0; i < n && untrusted; i++) {
        const unsigned char *p = ders[i];
        X509 *x = lens[i] <= CA_PEM_MAX ? d2i_X509(NULL, &p, (long)lens[i]) : NULL;
        if (!x || p != ders[i] + lens[i]) {
            X509_free(x);
            out->reason = CA_VERIFY_MALFORMED;
            snprintf(out->detail, sizeof out->detail, "certificate %zu of the chain is malformed", i);
            goto out;
        }
        if (i == 0)
            leaf = x;
        else
            sk_X509_push(untrusted, x);
    }
    if (!untrusted || !ctx || !leaf) {
        out->reason = CA_VERIFY_INTERNAL;
        goto out;
    }
    ca_serial_hex(X509_get0_serialNumber(leaf), out->serial, sizeof out->serial);
    pthread_rwlock_rdlock(&v->lock);
    /* our own issuing CAs complete the chain when the peer sends only its leaf */
    for (int i = 0; i < sk_X509_num(v->intermediates); i++)
        if (X509_up_ref(sk_X509_value(v->intermediates, i)) && !sk_X509_push(untrusted, sk_X509_value(v->intermediates, i)))
            X509_free(sk_X509_value(v->intermediates, i));
    int ok = X509_STORE_CTX_init(ctx, v->store, leaf, untrusted) && X509_STORE_CTX_set_purpose(ctx, X509_PURPOSE_SSL_CLIENT) &&
             X509_verify_cert(ctx) == 1;
    int verr = X509_STORE_CTX_get_error(ctx);
    int revoked = ok && set_contains(&v->revoked, out->serial);
    STACK_OF(X509) *chain = ok ? X509_STORE_CTX_get0_chain(ctx) : NULL;
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
    }
out:
    X509_STORE_CTX_free(ctx);
    sk_X509_pop_free(untrusted, X509_free);
    X509_free(leaf);
    return rc;
}

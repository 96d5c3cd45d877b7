/* acs/acs_ctx.c — acsd's context: start-up checks, per-thread workers, the housekeeping
 * thread (slow clients, session timeouts, sessions of revoked certificates, retention, the
 * transfer deadline), shutdown. */
#define _GNU_SOURCE
#include "acs_ctx.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "acs_http.h"
#include "acs_legacy.h"
#include "acs_nbi.h"
#include "acs_preauth.h"
#include "acs_session.h"
#include "ca.h"
#include "ca_verify.h"
#include "cwmp.h"
#include "log.h"
#include "acs_secret_params.h"
#include "secret.h"

#define SWEEP_BATCH 256
#define PEM_MAX (64u << 10)

static void worker_free(void *p)
{
    struct acs_worker *w = p;
    if (!w)
        return;
    ca_free(w->ca);
    cwmp_codec_free(w->codec);
    db_free(w->db);
    free(w);
}

struct acs_worker *acs_worker_get(struct acs_ctx *ctx)
{
    struct acs_worker *w = pthread_getspecific(ctx->worker_key);
    if (w)
        return w;
    char *err = NULL, q[300];
    if (!(w = calloc(1, sizeof *w)))
        return NULL;
    w->ctx = ctx;
    w->codec = cwmp_codec_new();
    w->db = db_connect_cfg(ctx->cfg, &err);
    if (!w->codec || !w->db || pthread_setspecific(ctx->worker_key, w) != 0) {
        log_err("acs", "event=worker_failed msg=%s", log_quote(q, sizeof q, err ? err : "out of memory"));
        free(err);
        worker_free(w);
        return NULL;
    }
    return w;
}

struct ca_ctx *acs_worker_ca(struct acs_worker *w)
{
    if (!w->ca && (w->ca = ca_new(w->ctx->cfg, w->db, "acsd")))
        ca_set_key_policy(w->ca, CA_KEYS_NONE); /* the signer signs; acsd reads certificates only */
    return w->ca;
}


struct acs_ctx *acs_ctx_new(const struct cfg *cfg, char **errmsg)
{
    struct acs_ctx *ctx = calloc(1, sizeof *ctx);
    if (!ctx)
        return NULL;
    ctx->cfg = cfg;
    char host[48] = "localhost";
    gethostname(host, sizeof host - 1);
    snprintf(ctx->node, sizeof ctx->node, "acsd:%s:%ld", host, (long)getpid());
    if (acs_limits_load(cfg, &ctx->lim, errmsg) < 0)
        goto fail;
    if (!(ctx->preauth = acs_preauth_new(cfg, errmsg)))
        goto fail;
    if (ctx->lim.legacy_mode) {
        if (!(ctx->legacy = acs_legacy_new(ctx->lim.legacy_realm)))
            goto fail;
        char q[200];
        log_warn("acs", "event=legacy_mode_on realm=%s msg=\"devices with auth_mode legacy may use HTTP "
                        "Digest/Basic without a client certificate\"",
                 log_quote(q, sizeof q, ctx->lim.legacy_realm));
    }
    /* acsd opens no CA key (the signer does): a passphrase in its reach is one too many */
    static const char *const pass_keys[][2] = {{"passphrase_file", "passphrase_env"},
                                               {"root_passphrase_file", "root_passphrase_env"}};
    for (size_t i = 0; i < 2; i++) {
        const char *file = cfg_str(cfg, "ca", pass_keys[i][0]), *env = cfg_str(cfg, "ca", pass_keys[i][1]);
        if ((file && *file) || (env && *env && getenv(env)))
            log_warn("acs", "event=ca_passphrase_ignored key=%s msg=\"acsd never opens a CA key; remove it from "
                            "acsd's configuration and environment\"",
                     file && *file ? pass_keys[i][0] : env);
    }
    if (!*ctx->lim.cert_file || !*ctx->lim.key_file) {
        err_fail(errmsg, -ERR_CONFIG, "[acs] cert_file and key_file are required");
        goto fail;
    }
    if (*ctx->lim.secret_key_file && !(ctx->secret = secret_key_load(ctx->lim.secret_key_file, errmsg)))
        goto fail;
    if (acs_secret_params_configure(ctx->lim.secret_param_patterns, errmsg) < 0) /* before any thread */
        goto fail;
    if (pthread_key_create(&ctx->worker_key, worker_free) != 0)
        goto fail;
    ctx->worker_key_ok = 1;
    if (!(ctx->sessions = acs_registry_new((size_t)ctx->lim.max_sessions)))
        goto fail;
    if (!(ctx->verifier = ca_verifier_new(cfg_str(cfg, "db", "conninfo"), errmsg)))
        goto fail;
    if (ca_verifier_set_cache_size(ctx->verifier, ctx->lim.verify_cache_entries) < 0) {
        err_fail(errmsg, -ERR_NOMEM, "no memory for %zu cached chain verdicts", ctx->lim.verify_cache_entries);
        goto fail;
    }
    return ctx;
fail:
    acs_ctx_free(ctx);
    return NULL;
}

static int read_file(const char *path, char **out, char **errmsg)
{
    FILE *f = fopen(path, "rb");
    char *b = f ? malloc(PEM_MAX + 1) : NULL;
    size_t n = b ? fread(b, 1, PEM_MAX + 1, f) : 0;
    if (f)
        fclose(f);
    if (!b || n == 0 || n > PEM_MAX) {
        free(b);
        return err_fail(errmsg, -ERR_CONFIG, "cannot read %s (missing, empty or over 64 KiB)", path);
    }
    b[n] = '\0';
    *out = b;
    return 0;
}

enum { CRED_LIVE, CRED_REVOKED, CRED_EXPIRED };

/* Why a certificate session may not go on: its leaf or the CA above it revoked (also an
 * issuing CA revoked as a whole), or a certificate of its chain past its notAfter. */
static int credentials_dead(void *arg, const struct acs_session *s, time_t now)
{
    struct ca_verifier *v = arg;
    if (!s->cert_serial[0])
        return CRED_LIVE; /* a legacy (password) session */
    if (ca_verifier_is_revoked(v, s->cert_serial) == 1 ||
        (s->issuer_serial[0] && ca_verifier_is_revoked(v, s->issuer_serial) == 1))
        return CRED_REVOKED;
    return s->cert_not_after && now >= s->cert_not_after ? CRED_EXPIRED : CRED_LIVE;
}

/* End sessions past their timeouts, or whose credentials died, with this thread's DB connection. */
static void sweep_sessions(struct acs_ctx *ctx, struct acs_worker *w)
{
    struct acs_session *out[SWEEP_BATCH];
    time_t now = time(NULL);
    size_t n = acs_registry_take_expired(ctx->sessions, now, ctx->lim.session_idle_timeout, ctx->lim.session_timeout,
                                         credentials_dead, ctx->verifier, out, SWEEP_BATCH);
    for (size_t i = 0; i < n; i++) {
        struct acs_session *s = out[i];
        int why = credentials_dead(ctx->verifier, s, now);
        if (why != CRED_LIVE)
            log_info("cwmp", "event=refused reason=%s session_id=%s device=%s cert_serial=%s issuer_serial=%s",
                     why == CRED_REVOKED ? "revoked" : "expired", s->id, s->device_id, s->cert_serial,
                     s->issuer_serial[0] ? s->issuer_serial : "-");
        acs_session_end(ctx, w ? w->db : NULL, s,
                        why == CRED_REVOKED ? "refused:revoked" : why == CRED_EXPIRED ? "refused:expired" : "timeout");
    }
}

static void *housekeeper(void *arg)
{
    struct acs_ctx *ctx = arg;
    struct acs_worker *w = acs_worker_get(ctx);
    unsigned tick = 0;
    while (atomic_load(&ctx->housekeeper_state) == 1) {
        struct timespec ts = {0, 250 * 1000 * 1000};
        nanosleep(&ts, NULL);
        if (ctx->http)
            acs_http_sweep(ctx->http, time(NULL));
        if (++tick % 4 == 0) {
            if (!w)
                w = acs_worker_get(ctx);
            sweep_sessions(ctx, w);
            acs_preauth_flush(ctx->preauth, w ? w->db : NULL, ctx->node, 0); /* windows closed by now */
            /* at most one short DELETE a second: sessions are never kept waiting behind a big prune */
            (void)acs_retention_step(&ctx->retention, w ? w->db : NULL, time(NULL));
            /* a due check of the transfer deadline: one UPDATE of at most a batch of tasks */
            (void)acs_transfer_timeout_step(&ctx->transfer_timeout, w ? w->db : NULL, time(NULL));
        }
    }
    return NULL;
}

int acs_ctx_start(struct acs_ctx *ctx, char **errmsg)
{
    char *cert = NULL, *key = NULL, *trust = NULL;
    int rc = -ERR_CONFIG;
    struct acs_worker *w = acs_worker_get(ctx);
    struct ca_ctx *ca = w ? acs_worker_ca(w) : NULL;
    if (!ca) {
        err_fail(errmsg, -ERR_CONFIG, "cannot connect to the database");
        rc = -ERR_DB;
        goto out;
    }
    if (read_file(ctx->lim.cert_file, &cert, errmsg) < 0 || read_file(ctx->lim.key_file, &key, errmsg) < 0)
        goto out;
    if (!(trust = ca_trust_pem(ca, errmsg)))
        goto out;
    rc = -ERR_TLS;
    if (!(ctx->http = acs_http_start(ctx, cert, key, trust, errmsg)))
        goto out;
    if ((rc = acs_nbi_start(ctx, errmsg)) < 0)
        goto out;
    /* EST on :7547 is the signer's: say so now rather than at the first device's 503 */
    struct stat st;
    const char *signer = cfg_str(ctx->cfg, "signer", "socket");
    if (stat(signer, &st) < 0 || !S_ISSOCK(st.st_mode)) {
        char q[300];
        log_warn("acs", "event=signer_absent socket=%s msg=\"EST enrollments answer 503 until acs-ca sign-serve "
                        "listens there\"",
                 log_quote(q, sizeof q, signer));
    }
    acs_retention_init(&ctx->retention, ctx->cfg, time(NULL), 0);
    acs_transfer_timeout_init(&ctx->transfer_timeout, ctx->lim.transfer_timeout, time(NULL));
    atomic_store(&ctx->housekeeper_state, 1);
    if (pthread_create(&ctx->housekeeper, NULL, housekeeper, ctx) != 0) {
        atomic_store(&ctx->housekeeper_state, 0);
        err_fail(errmsg, -ERR_CONFIG, "cannot start the housekeeping thread");
        goto out;
    }
    rc = 0;
out:
    if (key)
        OPENSSL_cleanse(key, strlen(key));
    free(key);
    free(cert);
    free(trust);
    return rc;
}

void acs_ctx_stop(struct acs_ctx *ctx)
{
    atomic_store(&ctx->stopping, 1);
    acs_nbi_stop(ctx);
    if (!ctx->http)
        return;
    acs_http_quiesce(ctx->http);
    time_t until = time(NULL) + ctx->lim.shutdown_grace;
    while (time(NULL) < until &&
           (acs_registry_count(ctx->sessions) > 0 || acs_http_active(ctx->http) > 0)) {
        struct timespec ts = {0, 100 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
    if (atomic_load(&ctx->housekeeper_state)) {
        atomic_store(&ctx->housekeeper_state, 2);
        pthread_join(ctx->housekeeper, NULL);
        atomic_store(&ctx->housekeeper_state, 0);
    }
    acs_http_stop(ctx->http);
    ctx->http = NULL;
    struct acs_worker *w = acs_worker_get(ctx);
    struct acs_session *out[SWEEP_BATCH];
    size_t n, total = 0;
    while ((n = acs_registry_take_idle(ctx->sessions, out, SWEEP_BATCH)) > 0) {
        for (size_t i = 0; i < n; i++)
            acs_session_end(ctx, w ? w->db : NULL, out[i], "aborted:shutdown");
        total += n;
    }
    acs_preauth_flush(ctx->preauth, w ? w->db : NULL, ctx->node, 1); /* every open window */
    log_info("acs", "event=stopped sessions_aborted=%zu", total);
}

void acs_ctx_free(struct acs_ctx *ctx)
{
    if (!ctx)
        return;
    acs_nbi_stop(ctx);
    acs_http_stop(ctx->http);
    if (ctx->worker_key_ok) {
        worker_free(pthread_getspecific(ctx->worker_key));
        pthread_setspecific(ctx->worker_key, NULL);
        pthread_key_delete(ctx->worker_key);
    }
    ca_verifier_free(ctx->verifier);
    acs_registry_free(ctx->sessions);
    secret_key_free(ctx->secret);
    acs_secret_params_reset();
    acs_legacy_free(ctx->legacy);
    acs_preauth_free(ctx->preauth);
    free(ctx);
}

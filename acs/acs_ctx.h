/* acs/acs_ctx.h — acsd's process context (config, limits, verifier, sessions, listeners) and
 * the per-thread worker state (DB connection, CWMP codec, CA context for EST).
 * Owns: struct acs_ctx and everything hung on it; a worker is owned by its thread (freed at
 * thread exit). Thread-safety: acs_ctx is read-only after acs_ctx_start(), apart from its own
 * locked members; a worker is used by one thread only. */
#ifndef ACS_CTX_H
#define ACS_CTX_H

#include <pthread.h>
#include <stdatomic.h>

#include "acs_cfg.h"
#include "acs_retention.h"
#include "acs_transfer_timeout.h"
#include "cfg.h"
#include "db.h"

struct acs_registry;
struct acs_http;
struct ca_verifier;
struct secret_key;
struct cwmp_codec;
struct ca_ctx;
struct acs_legacy;
struct acs_preauth;

struct acs_ctx {
    const struct cfg *cfg;            /* borrowed */
    struct acs_limits lim;
    struct ca_verifier *verifier;
    struct secret_key *secret;        /* [acs] secret_key_file; NULL: none configured */
    struct acs_registry *sessions;
    struct acs_legacy *legacy;        /* [acs] legacy_mode on; NULL: certificates only */
    struct acs_preauth *preauth;      /* budget and refusal counts of EST and legacy mode */
    struct acs_http *http;            /* the CWMP + EST listener */
    char node[64];                    /* host:pid, for logs and audit */
    pthread_key_t worker_key;
    int worker_key_ok;
    pthread_t housekeeper;
    atomic_int housekeeper_state;    /* 0 none, 1 running, 2 asked to stop */
    struct acs_retention retention;  /* the housekeeper's pruning runs (its thread only) */
    struct acs_transfer_timeout transfer_timeout; /* the housekeeper's transfer deadline (its thread only) */
    atomic_int stopping;
    /* hooks for later components (NBI daemon, connection requests, metrics): owned by them */
    void *nbi;
    void *conn_requests;
};

/* Per-thread state, created on first use by the thread. */
struct acs_worker {
    struct acs_ctx *ctx;
    struct db *db;
    struct cwmp_codec *codec;
    struct ca_ctx *ca; /* for EST requests, created on first use */
};

/* Build the context from a loaded configuration: limits, verifier (loads the CAs and the
 * revoked set), secret key. NULL with *errmsg on failure. */
struct acs_ctx *acs_ctx_new(const struct cfg *cfg, char **errmsg);
/* Start the listener and the housekeeping thread (timeouts, revocations). */
int acs_ctx_start(struct acs_ctx *ctx, char **errmsg) WARN_UNUSED;
/* Stop accepting, give open sessions up to [acs] shutdown_grace seconds, close the rest. */
void acs_ctx_stop(struct acs_ctx *ctx);
void acs_ctx_free(struct acs_ctx *ctx);
/* The calling thread's worker (created now if needed); NULL when the database is unreachable
 * or memory is short (logged). */
struct acs_worker *acs_worker_get(struct acs_ctx *ctx);
/* The worker's CA context for EST (created on first use); NULL on failure. */
struct ca_ctx *acs_worker_ca(struct acs_worker *w);

#endif

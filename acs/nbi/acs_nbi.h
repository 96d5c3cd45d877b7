/* acs/nbi/acs_nbi.h — the northbound interface: REST/JSON over HTTPS on :7557 (devices, parameters,
 * tasks, faults, sessions, API tokens) and GET /metrics, with bearer tokens and roles.
 * Owns: its libmicrohttpd daemon, per-thread DB connections and (unless acsd has one in
 * ctx->conn_requests) a connection-request pool, all hung on ctx->nbi.
 * Thread-safety: start/stop from the main thread; requests run on the daemon's own threads. */
#ifndef ACS_NBI_H
#define ACS_NBI_H

#include "acs_ctx.h"
#include "cfg.h"

/* The [nbi] section. */
extern const struct cfg_key acs_nbi_cfg_schema[];

/* Start the NBI listener if [nbi] enabled (a no-op returning 0 otherwise). The server
 * certificate is [nbi] cert_file/key_file, else [acs] cert_file/key_file. Uses ctx->cfg and
 * ctx->secret (to open connection-request passwords). 0, or < 0 with *errmsg (caller frees). */
int acs_nbi_start(struct acs_ctx *ctx, char **errmsg) WARN_UNUSED;
/* Stop accepting, finish the running requests and queued connection requests, free ctx->nbi.
 * A no-op when not started. */
void acs_nbi_stop(struct acs_ctx *ctx);
/* The bound port (useful with [nbi] port = 0), 0 when not running. */
int acs_nbi_port(const struct acs_ctx *ctx);

#endif

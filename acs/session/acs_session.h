/* acs/session/acs_session.h — CWMP session engine: Inform → CPE requests → empty POST → queued tasks
 * one at a time → 204, over a transport-independent request/reply, plus the in-memory
 * registry of open sessions (by cookie id and by device; timeouts; one session per device).
 * Owns: struct acs_session (registry-owned while open). Thread-safety: the registry is locked;
 * a session is used by the one request that acquired it. */
#ifndef ACS_SESSION_H
#define ACS_SESSION_H

#include <stddef.h>
#include <time.h>

#include "acs_cr.h"
#include "acs_ctx.h"
#include "buf.h"
#include "ca.h"
#include "ca_verify.h"
#include "cwmp.h"
#include "secret.h"

#define ACS_SESSION_ID_LEN 32 /* 128 random bits in hex */
#define ACS_COOKIE_NAME "acs_session"
/* task_id of the session's own SetParameterValues of the connection-request credentials */
#define ACS_TASK_CR_CREDENTIALS (-1L)
#define ACS_CR_SEALED_MAX (SECRET_OVERHEAD + ACS_CR_CRED_LEN)

struct acs_session {
    /* registry (acs_registry.c) */
    struct acs_session *next_id, *next_dev;
    int busy, expired;
    time_t started, last_active;
    char id[ACS_SESSION_ID_LEN + 1];
    char device_id[CA_DEVICE_ID_MAX + 1];
    /* engine */
    long row, device_pk;
    char cert_serial[CA_SERIAL_HEX_MAX + 1];
    char issuer_serial[CA_SERIAL_HEX_MAX + 1]; /* the CA above the leaf ("": none) */
    time_t cert_not_after; /* the chain's earliest notAfter (0: no certificate) */
    char remote[64];
    enum cwmp_version version;
    int cpe_done;        /* the CPE sent its empty POST: the ACS has the floor */
    long task_id;        /* task awaiting its response, 0 = none */
    char rpc_id[48];     /* the cwmp:ID of that request: its answer must carry it */
    long last_task_id;   /* tasks are taken after this id (never twice per session) */
    char task_kind[32];
    enum cwmp_msg_type expect;
    int hold;            /* our last envelope carried HoldRequests */
    unsigned seq;
    int rpcs;
    int db_closed;       /* the sessions row is closed and the lease released already */
    char events[160];    /* for logs */
    char root[24];       /* "Device." or "InternetGatewayDevice." */
    char auth[16];       /* cert, legacy-digest, legacy-basic (sessions.auth) */
    unsigned lenient;    /* CWMP_LENIENT_* bits of the CPE's messages so far (cwmp.h) */
    int lenient_msgs;    /* how many of its messages needed one */
    int no_more_requests; /* the CPE sent cwmp:NoMoreRequests = true (CWMP 1.0) */
    /* connection-request credentials: to be set in this session (cr_needed), the pending
     * username and sealed password until the CPE accepts them (never the plaintext) */
    int cr_needed, cr_tried;
    char cr_user[ACS_CR_CRED_LEN + 1];
    unsigned char cr_sealed[ACS_CR_SEALED_MAX];
    size_t cr_sealed_len;
};

/* One CWMP request as the HTTP layer saw it. */
struct acs_cwmp_req {
    const char *body;
    size_t len;
    const char *cookie_id;   /* acs_session cookie value, or NULL */
    const char *bound_id;    /* session last used on this connection, or NULL (cookie-less CPEs) */
    const struct ca_verify_result *peer; /* certificate verdict, or the legacy identity */
    const char *auth;        /* sessions.auth: NULL = "cert", "legacy-digest", "legacy-basic" */
    const char *remote;
};

struct acs_cwmp_reply {
    int status;
    struct buf body;         /* capped; SOAP envelope or a one-line text */
    const char *content_type;
    int retry_after;         /* seconds, 0 = none */
    int close;               /* close the connection after this answer */
    const char *www_authenticate;
    char set_cookie[128];    /* Set-Cookie value, "" = none */
    char bound_id[ACS_SESSION_ID_LEN + 1]; /* session now bound to the connection, "" = none */
    int dumped;              /* already written to [acs] dump_dir */
};

void acs_cwmp_reply_init(struct acs_cwmp_reply *rep);
void acs_cwmp_reply_cleanup(struct acs_cwmp_reply *rep);

/* Handle one request of a CWMP session (acs_session.c). Never fails: errors become HTTP
 * statuses or CWMP faults in rep, logged once with session_id=. */
void acs_cwmp_handle(struct acs_worker *w, const struct acs_cwmp_req *req, struct acs_cwmp_reply *rep);

/* A CPE message of session s was decoded: count its leniencies (metrics, s), note
 * NoMoreRequests (the CPE has given up the floor). */
void acs_session_note_msg(struct acs_session *s, const struct cwmp_msg *m);
/* Close a session removed from the registry: sessions row, device lease, log line; frees s. */
void acs_session_end(struct acs_ctx *ctx, struct db *db, struct acs_session *s, const char *result);

/* ---- internal to the engine, shared by its files ---- */
/* acs_inform.c: an Inform without a session. */
void acs_inform_start(struct acs_worker *w, const struct acs_cwmp_req *req, const struct cwmp_msg *m,
                      struct acs_cwmp_reply *rep);
/* acs_cpe_rpc.c: a request from the CPE inside a session. */
void acs_cpe_request(struct acs_worker *w, struct acs_session *s, const struct cwmp_msg *m,
                     struct acs_cwmp_reply *rep);
/* acs_session_cr.c: before the first queued task, the SetParameterValues of fresh
 * connection-request credentials when the device needs them (first session, after BOOTSTRAP).
 * 1 when it went out as the reply (s->task_id = ACS_TASK_CR_CREDENTIALS), 0 when nothing to do. */
int acs_session_cr_send(struct acs_worker *w, struct acs_session *s, struct acs_cwmp_reply *rep);
/* The CPE's answer to it (SetParameterValuesResponse or a fault). */
void acs_session_cr_answer(struct acs_worker *w, struct acs_session *s, const struct cwmp_msg *m);
/* [acs] dump_dir set: write a 200 SOAP reply there once (mask, if given, overwritten with '*'). */
void acs_dump_envelope(struct acs_ctx *ctx, const struct acs_session *s, struct acs_cwmp_reply *rep,
                       const char *mask);
/* Encode msg (header id, s->version) as the reply; on failure a 500. 0 or < 0. */
int acs_reply_msg(struct acs_worker *w, enum cwmp_version v, const char *id, struct cwmp_msg *msg,
                  struct acs_cwmp_reply *rep);
/* A CWMP fault envelope (8000-range code) as the reply. */
void acs_reply_fault(struct acs_worker *w, enum cwmp_version v, const char *id, int code,
                     struct acs_cwmp_reply *rep);
/* A plain-text HTTP error reply (status, one line). */
void acs_reply_text(struct acs_cwmp_reply *rep, int status, const char *text);

/* ---- registry (acs_registry.c) ---- */
struct acs_registry;
struct acs_registry *acs_registry_new(size_t max_sessions);
/* Frees the registry; sessions still in it must have been taken out first. */
void acs_registry_free(struct acs_registry *r);
/* Add s (acquired: busy). -ERR_TOO_BIG when full, -ERR_EXIST when the device has a busy
 * session; a device session that is idle is taken out into *old (caller ends it). */
int acs_registry_add(struct acs_registry *r, struct acs_session *s, struct acs_session **old) WARN_UNUSED;
/* Acquire the session with this id: NULL if absent; *busy set when it is in use. */
struct acs_session *acs_registry_acquire(struct acs_registry *r, const char *id, int *busy);
void acs_registry_release(struct acs_registry *r, struct acs_session *s);
/* Take an acquired session out (the caller then ends it). */
void acs_registry_remove(struct acs_registry *r, struct acs_session *s);
/* Take out idle sessions past their idle or total timeout, or whose credentials are dead
 * (dead(arg, s, now) != 0: a revoked or expired certificate or CA); up to max into out. Busy
 * ones past the total timeout get expired = 1. */
size_t acs_registry_take_expired(struct acs_registry *r, time_t now, int idle_s, int total_s,
                                 int (*dead)(void *arg, const struct acs_session *s, time_t now), void *arg,
                                 struct acs_session **out, size_t max);
/* Take out every idle session (shutdown); up to max. */
size_t acs_registry_take_idle(struct acs_registry *r, struct acs_session **out, size_t max);
size_t acs_registry_count(struct acs_registry *r);

#endif

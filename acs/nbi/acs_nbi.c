/* acs/nbi/acs_nbi.c — the NBI's HTTPS listener: libmicrohttpd (GnuTLS) in poll mode with its own
 * thread pool, bounded bodies, bearer-token authentication and roles, one DB connection per
 * daemon thread, connection requests after a task is queued.
 * State: struct acs_nbi on ctx->nbi, read-only while running (the pool and the metrics are
 * thread-safe); a thread's DB connection lives in a pthread key, freed when the thread exits. */
#define _GNU_SOURCE
#include "acs_nbi.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include <microhttpd.h>
#include <openssl/crypto.h>

#include "acs_cr.h"
#include "acs_db.h"
#include "acs_metrics.h"
#include "acs_nbi_db.h"
#include "acs_nbi_int.h"
#include "httpd_framing.h"
#include "httpd_tls.h"
#include "log.h"
#include "secret.h"
#include "tls_front.h"

#define NBI_PRIORITIES "NORMAL:-VERS-ALL:+VERS-TLS1.3:+VERS-TLS1.2"
#define NBI_PEM_MAX (64 * 1024)
#define NBI_RETRY_AFTER "5"

struct acs_nbi {
    struct acs_ctx *ctx;
    struct MHD_Daemon *d;
    struct tls_front *front; /* TLS in front of d */
    struct acs_cr_pool *cr; /* ours, or borrowed from ctx->conn_requests */
    int own_cr;
    pthread_key_t db_key;
    int db_key_ok;
    int port;
    size_t max_body;
    int metrics_public;
    unsigned handshake_ms;
};

/* Per HTTP request (MHD req_cls). */
struct nbi_req {
    struct httpd_body body;
    struct timespec t0;
    int rejected; /* an answer was queued before the body arrived */
};

static void db_key_free(void *p)
{
    db_free(p);
}

/* This thread's DB connection (made or repaired now); NULL when the database is down. */
static struct db *thread_db(struct acs_nbi *nbi)
{
    struct db *db = pthread_getspecific(nbi->db_key);
    if (db && acs_db_ensure(db) == 0)
        return db;
    if (db)
        return NULL; /* reset failed: try again on the next request */
    char *err = NULL, q[300];
    db = acs_nbi_db_connect(nbi->ctx->cfg, &err);
    if (!db) {
        log_err("nbi", "event=db_connect_failed error=%s", log_quote(q, sizeof q, err ? err : "?"));
        free(err);
        return NULL;
    }
    pthread_setspecific(nbi->db_key, db);
    return db;
}

static void cr_done(void *arg, const char *device_id, const struct acs_cr_result *r)
{
    (void)arg;
    (void)device_id;
    acs_metrics_count(ACS_METRIC_CONN_REQ, (unsigned)r->status);
    if (r->status == ACS_CR_REFUSED || r->status == ACS_CR_BAD_URL)
        acs_metrics_count(ACS_METRIC_CR_REFUSED, (unsigned)(r->verdict - ACS_CRV_LOOPBACK));
}

/* What the operator is told of a connection request that was tried. */
static json_t *outcome_json(const struct acs_cr_result *r, int retrying)
{
    const char *o;
    switch (r->status) {
    case ACS_CR_OK: o = "sent"; break;
    case ACS_CR_UNREACHABLE: o = "unreachable"; break;
    case ACS_CR_AUTH:
    case ACS_CR_HTTP_ERROR: o = "refused"; break;
    case ACS_CR_BUSY: o = "busy"; break;
    case ACS_CR_TIMEOUT: o = "timeout"; break;
    case ACS_CR_BAD_URL: o = "not_sent"; break;
    case ACS_CR_REFUSED: o = "blocked"; break;
    default: o = "error"; break;
    }
    json_t *j = json_pack("{s:s,s:s,s:b}", "outcome", o, "detail", r->detail, "retrying", retrying);
    if (j && r->http_code > 0)
        json_object_set_new(j, "httpStatus", json_integer(r->http_code));
    if (j && (r->status == ACS_CR_REFUSED || r->status == ACS_CR_BAD_URL)) /* why acsd would not send it */
        json_object_set_new(j, "reason", json_string(acs_cr_verdict_name(r->verdict)));
    return j;
}

json_t *acs_nbi_wake(struct acs_nbi *nbi, struct db *db, const char *device_id)
{
    char url[ACS_CR_URL_MAX + 1], user[ACS_CR_URL_MAX + 1], *pass = NULL, *err = NULL, q[200];
    unsigned char *enc = NULL;
    size_t enc_len = 0;
    const char *why = NULL;
    json_t *j = NULL;
    if (acs_nbi_db_cr_info(db, device_id, url, sizeof url, user, sizeof user, &enc, &enc_len, &err) < 0)
        why = "database error";
    else if (!url[0])
        why = "the device has no ConnectionRequestURL";
    else if (!enc || !user[0])
        why = "no connection-request credentials for the device yet";
    else if (!nbi->ctx->secret)
        why = "no [acs] secret_key_file to open the credentials";
    else if (secret_open(nbi->ctx->secret, enc, enc_len, device_id, &pass) < 0)
        why = "the stored credentials do not open with this key";
    if (why) {
        log_warn("nbi", "event=connection_request device=%s result=not_sent reason=%s", device_id,
                 log_quote(q, sizeof q, why));
        j = json_pack("{s:s,s:s,s:b}", "outcome", "not_sent", "detail", why, "retrying", 0);
    } else {
        struct acs_cr_result r;
        int queued = acs_cr_pool_try(nbi->cr, device_id, url, user, pass, &r);
        j = outcome_json(&r, queued == 1);
    }
    secret_wipe_free(pass);
    free(enc);
    free(err);
    return j;
}

/* The client's address (from the TLS front; MHD only sees a local socket), kept as the
 * connection's socket context. */
static void on_connection(void *cls, struct MHD_Connection *c, void **socket_context,
                          enum MHD_ConnectionNotificationCode code)
{
    struct acs_nbi *nbi = cls;
    if (code == MHD_CONNECTION_NOTIFY_CLOSED) {
        free(*socket_context);
        *socket_context = NULL;
        return;
    }
    char *remote = malloc(INET6_ADDRSTRLEN + 1);
    if (remote)
        (void)tls_front_claim(nbi->front, httpd_connection_fd(c), remote, INET6_ADDRSTRLEN + 1);
    *socket_context = remote;
}

static const char *remote_of(struct MHD_Connection *c)
{
    const union MHD_ConnectionInfo *ci = MHD_get_connection_info(c, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
    return ci && ci->socket_context ? ci->socket_context : "-";
}

static long elapsed_ms(const struct timespec *t0)
{
    struct timespec t1;
    clock_gettime(CLOCK_MONOTONIC, &t1);
    return (t1.tv_sec - t0->tv_sec) * 1000 + (t1.tv_nsec - t0->tv_nsec) / 1000000;
}

/* Queue the answer and log the request (never a token or a body). */
static enum MHD_Result send_resp(struct MHD_Connection *c, const char *method, const char *url, struct acs_nbi_resp *r,
                                 const struct acs_nbi_call *call, struct nbi_req *rq)
{
    char *text = NULL, q[300];
    const char *remote = remote_of(c);
    size_t len = 0;
    if (r->json) {
        text = json_dumps(r->json, JSON_COMPACT);
        len = text ? strlen(text) : 0;
    }
    const char *const headers[] = {MHD_HTTP_HEADER_CONTENT_TYPE,
                                   r->json ? "application/json" : r->content_type,
                                   MHD_HTTP_HEADER_CACHE_CONTROL,
                                   "no-store",
                                   MHD_HTTP_HEADER_LOCATION,
                                   r->location[0] ? r->location : NULL,
                                   MHD_HTTP_HEADER_ALLOW,
                                   r->allow[0] ? r->allow : NULL,
                                   MHD_HTTP_HEADER_WWW_AUTHENTICATE,
                                   r->www_authenticate,
                                   MHD_HTTP_HEADER_RETRY_AFTER,
                                   r->status == 503 ? NBI_RETRY_AFTER : NULL,
                                   NULL};
    enum MHD_Result ok =
        httpd_respond(c, (unsigned)r->status, r->json ? text : r->text.data, r->json ? len : r->text.len, headers);
    if (r->status == 413)
        acs_metrics_count(ACS_METRIC_HTTP_413, ACS_ML_NBI);
    else if (r->status == 503)
        acs_metrics_count(ACS_METRIC_HTTP_503, ACS_ML_NBI);
    log_at_(r->status >= 500 ? LOG_WARNING : LOG_INFO, "nbi",
            "event=request method=%s path=%s status=%d token_id=%ld remote=%s ms=%ld", method,
            log_quote(q, sizeof q, url), r->status, call ? call->token_id : 0L, remote, elapsed_ms(&rq->t0));
    free(text);
    return ok;
}

/* Check the bearer token: 0 with call->token_id/who and *role set, else a 401 in r. */
static int authenticate(struct MHD_Connection *c, struct db *db, struct acs_nbi_call *call, enum acs_nbi_role *role,
                        struct acs_nbi_resp *r)
{
    const char *authz = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_AUTHORIZATION);
    const char *tok = NULL, *why = NULL;
    size_t len = 0;
    unsigned char hash[32];
    struct acs_nbi_token_info ti;
    char *err = NULL;
    int rc = 0;
    if (!authz)
        why = "missing";
    else if (acs_nbi_bearer(authz, &tok, &len) < 0)
        why = "malformed";
    if (!why) {
        acs_nbi_token_hash(tok, len, hash);
        rc = acs_nbi_db_token_lookup(db, hash, &ti, &err);
        free(err);
        if (rc == -ERR_NOENT)
            why = "unknown";
        else if (rc == 0 && ti.revoked)
            why = "revoked";
        else if (rc == 0 && ti.expired)
            why = "expired";
        else if (rc == 0 && ti.role == ACS_NBI_ROLE_NONE)
            why = "no_role";
    }
    if (rc < 0 && !why) {
        acs_nbi_resp_error(r, 503, "database unavailable");
        return -1;
    }
    if (why) {
        const char *remote = remote_of(c);
        acs_metrics_count(ACS_METRIC_AUTH_REFUSED, ACS_MA_NBI_TOKEN);
        log_warn("nbi", "event=auth_refused reason=%s token_id=%ld remote=%s", why, rc == 0 && tok ? ti.id : 0L,
                 remote);
        char msg[64];
        snprintf(msg, sizeof msg, "authentication required: token %s", why);
        acs_nbi_resp_error(r, 401, msg);
        r->www_authenticate = "Bearer realm=\"acs-nbi\"";
        return -1;
    }
    call->token_id = ti.id;
    call->tenant = ti.tenant;
    snprintf(call->who, sizeof call->who, "nbi:%s", ti.name);
    *role = ti.role;
    return 0;
}

static void answer(struct acs_nbi *nbi, struct MHD_Connection *c, const char *url, const char *method,
                   struct nbi_req *rq, struct acs_nbi_call *call, struct acs_nbi_resp *r)
{
    struct acs_nbi_route *route = (struct acs_nbi_route *)call->route;
    int st = acs_nbi_route(method, url, route, r->allow, sizeof r->allow);
    int public_metrics = st == 0 && route->ep == ACS_NBI_METRICS && nbi->metrics_public;
    enum acs_nbi_role role = ACS_NBI_ROLE_NONE;
    if (!(call->db = thread_db(nbi)) && !public_metrics) {
        acs_nbi_resp_error(r, 503, "database unavailable");
        return;
    }
    if (!public_metrics && authenticate(c, call->db, call, &role, r) < 0)
        return;
    if (st == 404) {
        acs_nbi_resp_error(r, 404, "no such endpoint");
        return;
    }
    if (st == 405) {
        acs_nbi_resp_error(r, 405, "method not allowed");
        return;
    }
    r->allow[0] = '\0';
    if (rq->body.too_big) {
        acs_nbi_resp_error(r, 413, "request body too large");
        return;
    }
    if (!public_metrics && role < route->role) {
        acs_metrics_count(ACS_METRIC_AUTH_REFUSED, ACS_MA_NBI_ROLE);
        log_warn("nbi", "event=forbidden token_id=%ld role=%s needs=%s method=%s route=%d", call->token_id,
                 acs_nbi_role_str(role), acs_nbi_role_str(route->role), method, (int)route->ep);
        acs_nbi_resp_error(r, 403, "this token's role may not do that");
        return;
    }
    call->body = rq->body.data.data;
    call->body_len = rq->body.data.len;
    acs_nbi_dispatch(call, r);
}

static void query_values(struct MHD_Connection *c, struct acs_nbi_call *call)
{
    call->q_prefix = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "prefix");
    call->q_limit = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "limit");
    call->q_offset = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "offset");
    call->q_params = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "params");
    call->q_state = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "state");
    call->q_fields = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "fields");
    call->q_e164 = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "e164");
}

static enum MHD_Result finish(struct acs_nbi *nbi, struct MHD_Connection *c, const char *url, const char *method,
                              struct nbi_req *rq)
{
    struct acs_nbi_route route;
    struct acs_nbi_call call = {.nbi = nbi, .secret = nbi->ctx->secret, .route = &route};
    struct acs_nbi_resp r;
    acs_nbi_resp_init(&r);
    query_values(c, &call);
    answer(nbi, c, url, method, rq, &call, &r);
    enum MHD_Result ok = send_resp(c, method, url, &r, &call, rq);
    acs_nbi_resp_cleanup(&r);
    return ok;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url, const char *method,
                                  const char *version, const char *upload_data, size_t *upload_size, void **req_cls)
{
    struct acs_nbi *nbi = cls;
    struct nbi_req *rq = *req_cls;
    if (!rq) {
        if (!(rq = calloc(1, sizeof *rq)))
            return MHD_NO;
        clock_gettime(CLOCK_MONOTONIC, &rq->t0);
        httpd_body_init(&rq->body, nbi->max_body, 4 * nbi->max_body);
        *req_cls = rq;
        enum httpd_framing bad = httpd_framing_check(c, version); /* RFC 9112: 400 and close */
        if (bad != HTTPD_FRAMING_OK) {
            log_info("nbi", "event=refused reason=bad_framing detail=%s remote=%s", httpd_framing_str(bad),
                     remote_of(c));
            rq->rejected = 1;
            return httpd_framing_refuse(c, bad);
        }
        unsigned long long declared = 0;
        if (httpd_content_length(c, &declared) && declared > nbi->max_body) {
            struct acs_nbi_resp r;
            acs_nbi_resp_init(&r);
            acs_nbi_resp_error(&r, 413, "request body too large");
            rq->rejected = 1;
            enum MHD_Result ok = send_resp(c, method, url, &r, NULL, rq);
            acs_nbi_resp_cleanup(&r);
            return ok;
        }
        return MHD_YES;
    }
    if (*upload_size) {
        if (rq->rejected || httpd_body_feed(&rq->body, upload_data, *upload_size) < 0)
            return MHD_NO; /* hang up on a flood */
        *upload_size = 0;
        return MHD_YES;
    }
    return rq->rejected ? MHD_YES : finish(nbi, c, url, method, rq);
}

static void on_completed(void *cls, struct MHD_Connection *c, void **req_cls, enum MHD_RequestTerminationCode toe)
{
    (void)cls, (void)c, (void)toe;
    struct nbi_req *rq = *req_cls;
    if (rq) {
        httpd_body_cleanup(&rq->body);
        free(rq);
    }
    *req_cls = NULL;
}

static char *read_pem(const char *path, char **errmsg)
{
    FILE *f = fopen(path, "rb");
    char *b = f ? malloc(NBI_PEM_MAX + 1) : NULL;
    size_t n = b ? fread(b, 1, NBI_PEM_MAX + 1, f) : 0;
    if (f)
        fclose(f);
    if (!b || n == 0 || n > NBI_PEM_MAX) {
        free(b);
        if (errmsg && !*errmsg && asprintf(errmsg, "cannot read %s (missing, empty or over 64 KiB)", path) < 0)
            *errmsg = NULL;
        return NULL;
    }
    b[n] = '\0';
    return b;
}

/* libmicrohttpd for HTTP only; TLS in common/tls_front (a stalled handshake costs nothing and
 * is closed at its deadline, in poll mode too). */
static struct MHD_Daemon *start_daemon(struct acs_nbi *nbi, char **errmsg)
{
    const struct cfg *cfg = nbi->ctx->cfg;
    struct httpd_start_conf hc = {
        .name = "nbi",
        .flags = MHD_USE_POLL_INTERNAL_THREAD,
        .handler = on_request,
        .cls = nbi,
        .logger = tls_front_mhd_log,
        .threads = (unsigned)cfg_int(cfg, "nbi", "threads"),
        .timeout_s = (unsigned)cfg_int(cfg, "nbi", "request_timeout"),
        .max_connections = (unsigned)cfg_int(cfg, "nbi", "max_connections") + 16,
        .on_connection = on_connection,
        .on_completed = on_completed,
        .notify_cls = nbi,
    };
    return httpd_start(&hc, NULL, errmsg);
}

static struct tls_front *start_front(struct acs_nbi *nbi, const char *cert, const char *key, char **errmsg)
{
    const struct cfg *cfg = nbi->ctx->cfg;
    struct tls_front_conf fc = {
        .listen_address = cfg_str(cfg, "nbi", "listen_address"),
        .port = (int)cfg_int(cfg, "nbi", "port"),
        .cert_pem = cert,
        .key_pem = key,
        .priorities = NBI_PRIORITIES,
        .threads = 1,
        .handshake_timeout_ms = nbi->handshake_ms,
        .max_connections = (unsigned)cfg_int(cfg, "nbi", "max_connections"),
        .per_ip_connections = (unsigned)cfg_int(cfg, "nbi", "per_ip_connections"),
        .log_component = "nbi",
        .guard_http = 1,
    };
    return tls_front_start(&fc, nbi->d, errmsg);
}

/* The connection-request pool: acsd's own when it has one, else ours. */
static int start_cr(struct acs_nbi *nbi, char **errmsg)
{
    const struct cfg *cfg = nbi->ctx->cfg;
    if (nbi->ctx->conn_requests) {
        nbi->cr = nbi->ctx->conn_requests;
        return 0;
    }
    struct acs_cr_policy *policy = acs_cr_policy_from_cfg(cfg, errmsg);
    if (!policy)
        return -ERR_CONFIG;
    nbi->cr = acs_cr_pool_new((int)cfg_int(cfg, "nbi", "cr_threads"), 1024, (int)cfg_int(cfg, "nbi", "cr_attempts"),
                              cfg_int(cfg, "nbi", "cr_timeout_ms"), 500, policy, cr_done, nbi);
    nbi->own_cr = nbi->cr != NULL;
    if (!nbi->cr && errmsg && !*errmsg)
        *errmsg = strdup("cannot start the connection-request pool");
    return nbi->cr ? 0 : -ERR_NOMEM;
}

static void nbi_free(struct acs_nbi *nbi)
{
    if (!nbi)
        return;
    tls_front_shutdown(nbi->front, nbi->d);
    if (nbi->own_cr)
        acs_cr_pool_free(nbi->cr);
    if (nbi->db_key_ok) {
        db_free(pthread_getspecific(nbi->db_key));
        pthread_key_delete(nbi->db_key);
    }
    free(nbi);
}

int acs_nbi_start(struct acs_ctx *ctx, char **errmsg)
{
    const struct cfg *cfg = ctx->cfg;
    if (!cfg_bool(cfg, "nbi", "enabled") || ctx->nbi)
        return 0;
    const char *cert_file = cfg_str(cfg, "nbi", "cert_file"), *key_file = cfg_str(cfg, "nbi", "key_file");
    if (!cert_file || !*cert_file)
        cert_file = cfg_str(cfg, "acs", "cert_file");
    if (!key_file || !*key_file)
        key_file = cfg_str(cfg, "acs", "key_file");
    if (!cert_file || !*cert_file || !key_file || !*key_file) {
        if (errmsg && !*errmsg)
            *errmsg = strdup("[nbi] needs cert_file and key_file (or [acs] ones)");
        return -ERR_CONFIG;
    }
    struct acs_nbi *nbi = calloc(1, sizeof *nbi);
    char *cert = NULL, *key = NULL;
    int rc = -ERR_NOMEM;
    if (!nbi)
        goto out;
    nbi->ctx = ctx;
    nbi->max_body = (size_t)cfg_int(cfg, "nbi", "max_body_bytes");
    nbi->metrics_public = cfg_bool(cfg, "nbi", "metrics_public");
    nbi->handshake_ms = (unsigned)cfg_int(cfg, "nbi", "handshake_timeout_ms");
    if (pthread_key_create(&nbi->db_key, db_key_free) != 0)
        goto out;
    nbi->db_key_ok = 1;
    rc = -ERR_CONFIG;
    if (!(cert = read_pem(cert_file, errmsg)) || !(key = read_pem(key_file, errmsg)))
        goto out;
    if ((rc = start_cr(nbi, errmsg)) < 0)
        goto out;
    rc = -ERR_TLS;
    if (!(nbi->d = start_daemon(nbi, errmsg)) || !(nbi->front = start_front(nbi, cert, key, errmsg)))
        goto out;
    nbi->port = tls_front_port(nbi->front);
    log_info("nbi", "event=listen address=%s port=%d threads=%ld metrics_public=%d",
             cfg_str(cfg, "nbi", "listen_address"), nbi->port, cfg_int(cfg, "nbi", "threads"), nbi->metrics_public);
    ctx->nbi = nbi;
    nbi = NULL;
    rc = 0;
out:
    nbi_free(nbi);
    if (key)
        OPENSSL_cleanse(key, strlen(key));
    free(key);
    free(cert);
    return rc;
}

void acs_nbi_stop(struct acs_ctx *ctx)
{
    nbi_free(ctx->nbi);
    ctx->nbi = NULL;
}

int acs_nbi_port(const struct acs_ctx *ctx)
{
    const struct acs_nbi *nbi = ctx->nbi;
    return nbi ? nbi->port : 0;
}

/* acs/listener/acs_http.c — the :7547 HTTPS listener: TLS in common/tls_front (edge-triggered, the
 * client chain verified once right after the handshake), HTTP in libmicrohttpd over the
 * plaintext it relays; connection tracking (limits, slow clients), the peer's verdict checked
 * before any body is read, request bodies under caps, routing to the CWMP engine or EST. */
#define _GNU_SOURCE
#include "acs_http.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <microhttpd.h>
#include <openssl/rand.h>

#include "acs_legacy.h"
#include "acs_session.h"
#include "ca_est_http.h"
#include "ca_signer.h"
#include "ca_verify.h"
#include "acs_metrics.h"
#include "acs_preauth.h"
#include "httpd_framing.h"
#include "httpd_tls.h"
#include "log.h"
#include "tls_front.h"

#define DISCARD_FACTOR 4 /* body bytes read past the cap before hanging up */
/* TLS session tickets (FACTS.md): resumption saves most of a handshake's CPU for CPEs that
 * keep their ticket; short-lived, the master key replaced every day. The client chain of a
 * resumed session is verified (revocation included) exactly like a full handshake's. */
#define TICKET_LIFETIME_S 900
#define TICKET_KEY_ROTATE_S 86400

/* Per TCP connection (MHD socket context). Listed for the sweep; times under h->lock. */
struct conn {
    struct conn *prev, *next;
    int fd;
    time_t opened, req_started, last_done;
    int dropped;
    int overloaded;
    int refusal_logged;
    struct ca_verify_result peer; /* verdict on the client's chain, from the TLS front */
    char remote[INET6_ADDRSTRLEN + 8];
    char bound[ACS_SESSION_ID_LEN + 1];
    struct acs_legacy_conn *legacy; /* legacy password mode: this connection's Digest/Basic state */
};

/* Per HTTP request (MHD req_cls). */
struct req {
    struct httpd_body body;
    int est;
    const struct ca_verify_result *peer; /* who the request is from, once admitted */
    const char *auth;                    /* legacy password mode: how it authenticated */
    int preauth; /* EST without a valid certificate, or legacy mode not yet authenticated */
};

struct acs_http {
    struct acs_ctx *ctx;
    struct MHD_Daemon *d;
    struct tls_front *front;
    int port;
    pthread_mutex_t lock;
    struct conn *conns;
    size_t nconns, active;
    unsigned char digest_random[32]; /* MHD's Digest nonces (legacy mode) */
    struct httpd_tickets *tickets;
    time_t tickets_since; /* housekeeping thread only */
};

/* Open client connections in all (TLS included): beyond max_connections a client is told
 * 503 by HTTP; beyond this it is closed at accept. */
static unsigned int hard_limit(const struct acs_limits *l)
{
    return (unsigned int)l->max_connections + (unsigned int)l->max_connections / 8 + 16;
}

static void on_connection(void *cls, struct MHD_Connection *c, void **socket_context,
                          enum MHD_ConnectionNotificationCode code)
{
    struct acs_http *h = cls;
    struct conn *k = *socket_context;
    if (code == MHD_CONNECTION_NOTIFY_CLOSED) {
        if (!k)
            return;
        pthread_mutex_lock(&h->lock);
        if (k->prev)
            k->prev->next = k->next;
        else
            h->conns = k->next;
        if (k->next)
            k->next->prev = k->prev;
        h->nconns--;
        pthread_mutex_unlock(&h->lock);
        acs_legacy_conn_free(k->legacy);
        free(k);
        *socket_context = NULL;
        return;
    }
    int fd = httpd_connection_fd(c);
    char remote[sizeof k->remote];
    struct ca_verify_result *verdict = tls_front_claim(h->front, fd, remote, sizeof remote);
    if (!(k = calloc(1, sizeof *k))) {
        free(verdict);
        return;
    }
    memcpy(k->remote, remote, sizeof k->remote);
    k->fd = fd;
    if (verdict)
        k->peer = *verdict;
    else /* cannot happen: every connection comes from the front */
        k->peer = (struct ca_verify_result){.reason = CA_VERIFY_INTERNAL, .detail = "no TLS verdict"};
    free(verdict);
    k->opened = k->last_done = time(NULL);
    pthread_mutex_lock(&h->lock);
    k->next = h->conns;
    if (h->conns)
        h->conns->prev = k;
    h->conns = k;
    k->overloaded = ++h->nconns > (size_t)h->ctx->lim.max_connections;
    pthread_mutex_unlock(&h->lock);
    *socket_context = k;
}

void acs_http_sweep(struct acs_http *h, time_t now)
{
    const struct acs_limits *l = &h->ctx->lim;
    if (h->tickets && now - h->tickets_since >= TICKET_KEY_ROTATE_S) {
        if (httpd_tickets_rotate(h->tickets) == 0)
            log_info("http", "event=tls_ticket_key_rotated");
        h->tickets_since = now;
    }
    pthread_mutex_lock(&h->lock);
    for (struct conn *k = h->conns; k; k = k->next) {
        if (k->dropped || k->fd < 0)
            continue;
        int slow_req = k->req_started && now - k->req_started >= l->request_timeout;
        int slow_idle = !k->req_started && now - k->last_done >= l->session_idle_timeout + l->request_timeout;
        if (!slow_req && !slow_idle)
            continue;
        k->dropped = 1;
        /* MHD closes the socket only after NOTIFY_CLOSED, which needs h->lock: fd is still ours */
        shutdown(k->fd, SHUT_RDWR);
        log_info("http", "event=slow_client_dropped remote=%s phase=%s seconds=%ld", k->remote,
                 slow_req ? "request" : "idle", (long)(now - (slow_req ? k->req_started : k->last_done)));
    }
    pthread_mutex_unlock(&h->lock);
}

static struct conn *conn_of(struct MHD_Connection *c)
{
    const union MHD_ConnectionInfo *ci = MHD_get_connection_info(c, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
    return ci ? ci->socket_context : NULL;
}

/* tls_front's on_handshake (a front thread): verify the client's chain once per connection;
 * the verdict travels to the MHD connection (on_connection claims it). */
static void *verify_chain(void *cls, const struct tls_front_peer *p)
{
    struct acs_http *h = cls;
    struct ca_verify_result *v = calloc(1, sizeof *v);
    if (v)
        (void)ca_verify_peer(h->ctx->verifier, p->ders, p->lens, p->n, v);
    return v;
}

/* Log a certificate refusal once per connection. */
static void log_refusal(struct conn *k)
{
    char q[200], rq[64];
    if (k->refusal_logged)
        return;
    k->refusal_logged = 1;
    log_info("cwmp", "event=refused reason=%s remote=%s cert_serial=%s detail=%s",
             log_quote(rq, sizeof rq, ca_verify_reason_str(k->peer.reason)), k->remote,
             k->peer.serial[0] ? k->peer.serial : "-", log_quote(q, sizeof q, k->peer.detail));
}

static enum MHD_Result send_text(struct acs_http *h, struct MHD_Connection *c, unsigned int status, const char *text,
                                 int retry, int close)
{
    char ra[16];
    snprintf(ra, sizeof ra, "%d", h->ctx->lim.retry_after);
    const char *const hdr[] = {MHD_HTTP_HEADER_CONTENT_TYPE, "text/plain; charset=utf-8",
                               MHD_HTTP_HEADER_RETRY_AFTER, retry ? ra : NULL,
                               MHD_HTTP_HEADER_CONNECTION, close ? "close" : NULL,
                               MHD_HTTP_HEADER_ALLOW, status == 405 ? "POST" : NULL,
                               NULL};
    if (status == 503 || status == 413)
        acs_metrics_count(status == 503 ? ACS_METRIC_HTTP_503 : ACS_METRIC_HTTP_413, ACS_ML_CWMP);
    return httpd_respond(c, status, text, strlen(text), hdr);
}

static enum MHD_Result answer_cwmp(struct acs_http *h, struct MHD_Connection *c, struct conn *k, struct req *r)
{
    struct acs_worker *w = acs_worker_get(h->ctx);
    if (!w)
        return send_text(h, c, 503, "service unavailable\n", 1, 1);
    struct acs_cwmp_req cr = {
        .body = r->body.data.data,
        .len = r->body.data.len,
        .cookie_id = MHD_lookup_connection_value(c, MHD_COOKIE_KIND, ACS_COOKIE_NAME),
        .bound_id = k->bound[0] ? k->bound : NULL,
        .peer = r->peer ? r->peer : &k->peer,
        .auth = r->auth,
        .remote = k->remote,
    };
    struct acs_cwmp_reply rep;
    acs_cwmp_reply_init(&rep);
    acs_cwmp_handle(w, &cr, &rep);
    snprintf(k->bound, sizeof k->bound, "%s", rep.bound_id);
    char ra[16];
    snprintf(ra, sizeof ra, "%d", rep.retry_after);
    const char *const hdr[] = {MHD_HTTP_HEADER_CONTENT_TYPE, rep.status == 204 ? NULL : rep.content_type,
                               MHD_HTTP_HEADER_SET_COOKIE, rep.set_cookie[0] ? rep.set_cookie : NULL,
                               MHD_HTTP_HEADER_RETRY_AFTER, rep.retry_after ? ra : NULL,
                               MHD_HTTP_HEADER_WWW_AUTHENTICATE, rep.www_authenticate,
                               MHD_HTTP_HEADER_CONNECTION, rep.close ? "close" : NULL,
                               MHD_HTTP_HEADER_CACHE_CONTROL, "no-store",
                               NULL};
    if (rep.status == 503 || rep.status == 413)
        acs_metrics_count(rep.status == 503 ? ACS_METRIC_HTTP_503 : ACS_METRIC_HTTP_413, ACS_ML_CWMP);
    enum MHD_Result res = httpd_respond(c, (unsigned int)rep.status, rep.body.data,
                                        rep.status == 204 ? 0 : rep.body.len, hdr);
    acs_cwmp_reply_cleanup(&rep);
    return res;
}

/* EST on :7547: forwarded to the signer (acs-ca sign-serve), which holds the issuing key; acsd
 * holds none. Its refusals of unauthenticated requests come back and are counted here. */
static enum MHD_Result answer_est(struct acs_http *h, struct MHD_Connection *c, const char *url,
                                  const char *method, struct req *r, struct conn *k)
{
    struct ca_est_request req;
    ca_est_http_request(c, url, method, r->body.data.data, r->body.data.len, r->body.too_big, &k->peer, k->remote,
                        &req);
    req.refused = acs_preauth_est_refused;
    req.refused_arg = h->ctx->preauth;
    struct ca_signer_answer a;
    char *err = NULL, q[300];
    const struct cfg *cfg = h->ctx->cfg;
    if (ca_signer_call(cfg_str(cfg, "signer", "socket"), (int)cfg_int(cfg, "signer", "timeout_ms"), &req, &a,
                       &err) < 0) {
        log_err("est", "event=signer_unavailable remote=%s msg=%s", k->remote, log_quote(q, sizeof q, err));
        free(err);
        struct ca_est_response busy = {.status = 503, .content_type = "text/plain; charset=utf-8",
                                       .retry_after = 30, .body = "enrollment service unavailable, retry later\n"};
        busy.body_len = strlen(busy.body);
        return ca_est_http_send(c, &req, &busy);
    }
    if (a.refused_reason)
        acs_preauth_est_refused(h->ctx->preauth, k->remote, ca_est_refusal_reason(a.refused_reason));
    enum MHD_Result res = ca_est_http_send(c, &req, &a.est);
    ca_signer_answer_cleanup(&a);
    return res;
}

/* First callback of a request, headers read, body not: 1 = read the body; 0 = answered now
 * (*res). A CWMP client is authenticated here (its certificate verdict, or legacy Digest/Basic
 * credentials in the headers), so the unauthenticated never have a body buffered. */
static int admit(struct acs_http *h, struct MHD_Connection *c, const char *url, const char *method,
                 struct req *r, enum MHD_Result *res)
{
    struct conn *k = conn_of(c);
    unsigned long long declared = 0;
    if (!k) {
        *res = MHD_NO; /* out of memory at accept */
        return 0;
    }
    if (k->overloaded) {
        log_warn("http", "event=refused reason=max_connections remote=%s", k->remote);
        *res = send_text(h, c, 503, "too many connections\n", 1, 1);
        return 0;
    }
    if (atomic_load(&h->ctx->stopping) && !k->bound[0]) {
        *res = send_text(h, c, 503, "shutting down\n", 1, 1);
        return 0;
    }
    if (httpd_content_length(c, &declared) && declared > r->body.data.max)
        r->body.too_big = 1; /* refused before the body is read */
    if (r->est) {
        if (!r->body.too_big)
            return 1;
        *res = answer_est(h, c, url, method, r, k); /* its 413 */
        return 0;
    }
    if (k->peer.reason == CA_VERIFY_OK) {
        r->peer = &k->peer;
    } else if (h->ctx->legacy && k->peer.reason == CA_VERIFY_NO_CERT) { /* Digest/Basic, or a 401 challenge */
        struct acs_worker *w = acs_worker_get(h->ctx);
        int lres = MHD_NO;
        if (!w) {
            *res = send_text(h, c, 503, "service unavailable\n", 1, 1);
            return 0;
        }
        if (acs_legacy_check(h->ctx->legacy, w, c, k->remote, &k->legacy, &r->peer, &r->auth, &lres) !=
            ACS_LEGACY_PASS) {
            *res = (enum MHD_Result)lres;
            return 0;
        }
    } else { /* refused by the session engine's rules (401/403/503), body unread */
        log_refusal(k);
        *res = answer_cwmp(h, c, k, r);
        return 0;
    }
    if (r->body.too_big) {
        log_warn("cwmp", "event=refused reason=body_too_big remote=%s max_bytes=%zu", k->remote, r->body.data.max);
        *res = send_text(h, c, 413, "request body too large\n", 0, 1);
        return 0;
    }
    return 1; /* authenticated: read the body (a method other than POST is answered after it,
               * so that the connection stays open: MHD closes after an answer queued early) */
}

static enum MHD_Result answer(struct acs_http *h, struct MHD_Connection *c, const char *url, const char *method,
                              struct req *r)
{
    struct conn *k = conn_of(c);
    if (!k)
        return MHD_NO;
    if (r->est)
        return answer_est(h, c, url, method, r, k);
    if (strcmp(method, MHD_HTTP_METHOD_POST) != 0)
        return send_text(h, c, 405, "CWMP uses POST\n", 0, 0);
    if (r->body.too_big) { /* a chunked body that outgrew the cap */
        log_warn("cwmp", "event=refused reason=body_too_big remote=%s max_bytes=%zu", k->remote, r->body.data.max);
        return send_text(h, c, 413, "request body too large\n", 0, 1);
    }
    return answer_cwmp(h, c, k, r);
}

/* A pre-authentication request (own body cap and budget, acs_preauth.h): EST without a valid
 * client certificate, or CWMP in legacy mode on a connection without one, not yet logged in. */
static int is_preauth(const struct acs_http *h, const struct conn *k, const struct req *r)
{
    if (r->est)
        return k->peer.reason != CA_VERIFY_OK;
    return h->ctx->legacy && k->peer.reason == CA_VERIFY_NO_CERT && !acs_legacy_conn_ok(k->legacy);
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url, const char *method,
                                  const char *version, const char *upload_data, size_t *upload_size, void **req_cls)
{
    struct acs_http *h = cls;
    struct req *r = *req_cls;
    if (!r) {
        struct conn *k = conn_of(c);
        if (!(r = calloc(1, sizeof *r)))
            return MHD_NO;
        r->est = !strncmp(url, CA_EST_PATH_PREFIX, strlen(CA_EST_PATH_PREFIX));
        r->preauth = k && is_preauth(h, k, r);
        size_t cap = r->est ? CA_EST_MAX_BODY : h->ctx->lim.max_body;
        if (r->preauth && acs_preauth_max_body(h->ctx->preauth) < cap)
            cap = acs_preauth_max_body(h->ctx->preauth);
        httpd_body_init(&r->body, cap, DISCARD_FACTOR * cap);
        *req_cls = r;
        pthread_mutex_lock(&h->lock);
        h->active++;
        if (k && !k->req_started)
            k->req_started = time(NULL);
        pthread_mutex_unlock(&h->lock);
        enum httpd_framing bad = httpd_framing_check(c, version); /* RFC 9112: 400 and close */
        if (bad != HTTPD_FRAMING_OK) {
            log_info("http", "event=refused reason=bad_framing detail=%s remote=%s", httpd_framing_str(bad),
                     k ? k->remote : "-");
            return httpd_framing_refuse(c, bad);
        }
        enum acs_preauth_kind kind = r->est ? ACS_PREAUTH_EST : ACS_PREAUTH_LEGACY;
        int retry = 0, over = r->preauth ? acs_preauth_admit(h->ctx->preauth, kind, k->remote, &retry) : 0;
        if (over) /* over the pre-authentication budget: answered before any work */
            return acs_preauth_answer(c, over, retry);
        enum MHD_Result res = MHD_YES;
        (void)admit(h, c, url, method, r, &res);
        return res;
    }
    if (*upload_size) {
        if (httpd_body_feed(&r->body, upload_data, *upload_size) < 0)
            return MHD_NO; /* a chunked flood: hang up */
        *upload_size = 0;
        return MHD_YES;
    }
    return answer(h, c, url, method, r);
}

static void on_completed(void *cls, struct MHD_Connection *c, void **req_cls, enum MHD_RequestTerminationCode toe)
{
    (void)toe;
    struct acs_http *h = cls;
    struct req *r = *req_cls;
    struct conn *k = conn_of(c);
    if (!r)
        return;
    pthread_mutex_lock(&h->lock);
    h->active--;
    if (k) {
        k->req_started = 0;
        k->last_done = time(NULL);
    }
    pthread_mutex_unlock(&h->lock);
    httpd_body_cleanup(&r->body);
    free(r);
    *req_cls = NULL;
}

/* libmicrohttpd for HTTP only: tls_front accepts, does TLS and hands over plaintext. */
static struct MHD_Daemon *start_daemon(struct acs_http *h, char **errmsg)
{
    const struct acs_limits *l = &h->ctx->lim;
    struct httpd_start_conf hc = {
        .name = "http",
        .flags = l->loop == ACS_LOOP_EPOLL ? MHD_USE_EPOLL_INTERNAL_THREAD : MHD_USE_POLL_INTERNAL_THREAD,
        .handler = on_request,
        .cls = h,
        .logger = tls_front_mhd_log,
        .threads = (unsigned int)l->threads,
        .timeout_s = (unsigned int)l->session_idle_timeout,
        .max_connections = hard_limit(l) + 16,
        .connection_memory = l->connection_memory,
        .on_connection = on_connection,
        .on_completed = on_completed,
        .notify_cls = h,
        .digest_random = h->digest_random,
        .digest_random_len = sizeof h->digest_random,
        .nonce_nc_size = 4096,
    };
    return httpd_start(&hc, NULL, errmsg);
}

static struct tls_front *start_front(struct acs_http *h, const char *cert, const char *key, const char *trust,
                                     char **errmsg)
{
    const struct acs_limits *l = &h->ctx->lim;
    struct tls_front_conf fc = {
        .listen_address = l->listen_address,
        .port = l->port,
        .cert_pem = cert,
        .key_pem = key,
        .trust_pem = trust,
        .priorities = HTTPD_TLS_PRIORITIES,
        .threads = (unsigned int)l->tls_threads,
        .handshake_timeout_ms = (unsigned int)l->handshake_timeout_ms,
        .max_connections = hard_limit(l),
        .per_ip_connections = (unsigned int)l->per_ip_connections,
        .tickets = h->tickets,
        .on_handshake = verify_chain,
        .free_peer = free,
        .cls = h,
        .log_component = "http",
        .guard_http = 1,
    };
    return tls_front_start(&fc, h->d, errmsg);
}

struct acs_http *acs_http_start(struct acs_ctx *ctx, const char *cert_pem, const char *key_pem,
                                const char *trust_pem, char **errmsg)
{
    struct acs_http *h = calloc(1, sizeof *h);
    if (!h)
        return NULL;
    h->ctx = ctx;
    pthread_mutex_init(&h->lock, NULL);
    if (RAND_bytes(h->digest_random, sizeof h->digest_random) != 1) {
        err_fail(errmsg, -ERR_TLS, "no random bytes for the Digest nonces%s", "");
        pthread_mutex_destroy(&h->lock);
        free(h);
        return NULL;
    }
    h->tickets_since = time(NULL);
    if (!(h->tickets = httpd_tickets_new(TICKET_LIFETIME_S)))
        err_fail(errmsg, -ERR_TLS, "cannot create the TLS session ticket key");
    else if ((h->d = start_daemon(h, errmsg)) && !(h->front = start_front(h, cert_pem, key_pem, trust_pem, errmsg))) {
        MHD_stop_daemon(h->d);
        h->d = NULL;
    }
    if (!h->d) {
        httpd_tickets_free(h->tickets);
        pthread_mutex_destroy(&h->lock);
        free(h);
        return NULL;
    }
    h->port = tls_front_port(h->front);
    return h;
}

int acs_http_port(struct acs_http *h)
{
    return h->port;
}

void acs_http_quiesce(struct acs_http *h)
{
    tls_front_quiesce(h->front);
}

size_t acs_http_active(struct acs_http *h)
{
    pthread_mutex_lock(&h->lock);
    size_t n = h->active;
    pthread_mutex_unlock(&h->lock);
    return n;
}

size_t acs_http_connections(struct acs_http *h)
{
    pthread_mutex_lock(&h->lock);
    size_t n = h->nconns;
    pthread_mutex_unlock(&h->lock);
    return n;
}

void acs_http_stop(struct acs_http *h)
{
    if (!h)
        return;
    tls_front_shutdown(h->front, h->d);
    httpd_tickets_free(h->tickets);
    pthread_mutex_destroy(&h->lock);
    free(h);
}

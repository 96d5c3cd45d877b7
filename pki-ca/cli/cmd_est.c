/* pki-ca/cli/cmd_est.c — acs-ca est-serve: the EST handlers of ca_est.c over HTTPS
 * (libmicrohttpd + GnuTLS). One internal polling thread owns the est ca_ctx and its DB
 * connection; client certificates are requested, never required, and verified once per
 * connection with the process-wide ca_verifier (the verdict lives in the socket context).
 * Requests without a valid client certificate are pre-authentication requests ([preauth]): a
 * request budget per source and in all (429/503 before any work) and their refusals summed per
 * source and window into one est.refused audit row, written by the main thread (its own DB
 * connection) when a window closes and at shutdown. */
#define _GNU_SOURCE
#include <getopt.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <microhttpd.h>
#include <openssl/crypto.h>

#include "daemon.h"
#include "ca_audit.h"
#include "ca_est.h"
#include "ca_est_http.h"
#include "ca_util.h"
#include "ca_verify.h"
#include "cli.h"
#include "httpd_framing.h"
#include "httpd_tls.h"
#include "log.h"
#include "ratelimit.h"
#include "tally.h"

#define EST_DEFAULT_PORT 8445
/* Poll mode: a silent client costs no CPU (measured: 0 s for 15 stalled handshakes) and is
 * closed by the idle timeout. The handshake deadline bounds a client that trickles bytes
 * (and a spinning stalled handshake, should this ever move to epoll, see FACTS.md). */
#define EST_CONN_TIMEOUT_S 10         /* idle connection closed after this; EST is one-shot */
#define EST_HANDSHAKE_TIMEOUT_MS 5000 /* a TLS handshake still unfinished is closed after this */
#define EST_PER_IP_LIMIT 16
#define EST_CONN_LIMIT 256
#define EST_DISCARD_MAX (4 * CA_EST_MAX_BODY) /* chunked overflow read before hanging up */
#define EST_FLUSH_MS 1000 /* how often closed refusal windows are written */
#define EST_ACTOR "acs-ca:est-serve"

struct est_server {
    struct ca_ctx *ca;             /* touched only by MHD's single polling thread */
    struct ca_verifier *verifier;  /* thread-safe */
    struct ratelimit_cfg pre;      /* [preauth] */
    struct ratelimit *budget;      /* thread-safe */
    struct tally *refusals;        /* thread-safe */
};

/* Per TLS connection (MHD socket context): the client certificate verdict, once. */
struct est_conn {
    int verified;
    struct ca_verify_result peer;
    char remote[INET6_ADDRSTRLEN + 8];
};

/* Per HTTP request (MHD req_cls): the body, bounded while it streams in. */
struct est_req {
    struct httpd_body body;
};

static void on_refused(void *arg, const char *remote, const char *reason)
{
    tally_add(arg, remote, reason, time(NULL));
}

/* Summaries of closed refusal windows (all: every one) as audit rows, one log line each. */
static void flush_refusals(struct est_server *srv, struct db *db, int all)
{
    (void)ca_audit_tally_flush(db, srv->refusals, EST_ACTOR, "est.refused", "est", "est_refusals", all);
}

/* Over the pre-authentication budget: 429 (this source) or 503 (all), Retry-After, close. */
static enum MHD_Result over_budget(struct est_server *srv, struct MHD_Connection *c, const char *remote,
                                   enum ratelimit_verdict v, int retry)
{
    static const char text[] = "too many unauthenticated requests, retry later\n";
    char ra[16];
    snprintf(ra, sizeof ra, "%d", retry);
    tally_add(srv->refusals, remote, v == RATELIMIT_SOURCE ? "over_source_budget" : "over_global_budget", time(NULL));
    const char *const hdr[] = {MHD_HTTP_HEADER_CONTENT_TYPE, "text/plain; charset=utf-8", MHD_HTTP_HEADER_RETRY_AFTER,
                               ra, MHD_HTTP_HEADER_CONNECTION, "close", NULL};
    return httpd_respond(c, v == RATELIMIT_SOURCE ? 429 : 503, text, sizeof text - 1, hdr);
}

static void on_connection(void *cls, struct MHD_Connection *c, void **socket_context,
                          enum MHD_ConnectionNotificationCode code)
{
    (void)cls;
    if (code == MHD_CONNECTION_NOTIFY_CLOSED) {
        free(*socket_context);
        *socket_context = NULL;
        return;
    }
    struct est_conn *ec = calloc(1, sizeof *ec);
    if (ec)
        httpd_remote_text(c, ec->remote, sizeof ec->remote);
    *socket_context = ec;
    /* a client that stalls in the handshake must not hold the thread for the idle timeout */
    httpd_set_handshake_timeout(c, EST_HANDSHAKE_TIMEOUT_MS);
}

/* Verify the client's chain (once per connection). With no certificate: NO_CERT. */
static void verify_peer(struct est_server *srv, struct MHD_Connection *c, struct est_conn *ec)
{
    if (ec->verified)
        return;
    ec->verified = 1;
    const unsigned char *ders[HTTPD_MAX_PEER_CHAIN];
    size_t lens[HTTPD_MAX_PEER_CHAIN];
    size_t n = httpd_peer_chain(c, ders, lens, HTTPD_MAX_PEER_CHAIN);
    if (ca_verify_peer(srv->verifier, ders, lens, n, &ec->peer) < 0 && n > 0) {
        char q[200];
        log_debug("est", "event=client_cert_refused remote=%s cert_serial=%s reason=%s", ec->remote,
                 ec->peer.serial[0] ? ec->peer.serial : "-", log_quote(q, sizeof q, ec->peer.detail));
    }
}

static enum MHD_Result answer(struct est_server *srv, struct MHD_Connection *c, const char *url,
                              const char *method, struct est_req *r)
{
    const union MHD_ConnectionInfo *ci = MHD_get_connection_info(c, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
    struct est_conn *ec = ci ? ci->socket_context : NULL;
    if (!ec)
        return MHD_NO; /* out of memory at accept: drop the connection */
    verify_peer(srv, c, ec);
    return ca_est_http_answer(srv->ca, c, url, method, r->body.data.data, r->body.data.len, r->body.too_big,
                              &ec->peer, ec->remote, on_refused, srv->refusals);
}

/* First callback of a request without a valid client certificate (a pre-authentication request):
 * 0 and its body cap, or 1 with the budget refusal queued in *res. */
static int preauth(struct est_server *srv, struct MHD_Connection *c, size_t *cap, enum MHD_Result *res)
{
    const union MHD_ConnectionInfo *ci = MHD_get_connection_info(c, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
    struct est_conn *ec = ci ? ci->socket_context : NULL;
    if (!ec)
        return 0; /* answer() drops it */
    verify_peer(srv, c, ec);
    if (ec->peer.reason == CA_VERIFY_OK)
        return 0;
    int retry = 0;
    enum ratelimit_verdict v = ratelimit_take(srv->budget, ec->remote, ratelimit_now_ms(), &retry);
    if (v != RATELIMIT_OK) {
        *res = over_budget(srv, c, ec->remote, v, retry);
        return 1;
    }
    if (srv->pre.max_body < *cap)
        *cap = srv->pre.max_body;
    return 0;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url, const char *method,
                                  const char *version, const char *upload_data, size_t *upload_size,
                                  void **req_cls)
{
    struct est_server *srv = cls;
    struct est_req *r = *req_cls;
    if (!r) {
        if (!(r = calloc(1, sizeof *r)))
            return MHD_NO;
        size_t cap = CA_EST_MAX_BODY;
        httpd_body_init(&r->body, cap, EST_DISCARD_MAX);
        *req_cls = r;
        enum MHD_Result res = MHD_NO;
        enum httpd_framing bad = httpd_framing_check(c, version); /* RFC 9112: 400 and close */
        if (bad != HTTPD_FRAMING_OK) {
            char remote[INET6_ADDRSTRLEN + 8];
            httpd_remote_text(c, remote, sizeof remote);
            log_info("est", "event=refused reason=bad_framing detail=%s remote=%s", httpd_framing_str(bad), remote);
            return httpd_framing_refuse(c, bad);
        }
        if (preauth(srv, c, &cap, &res))
            return res;
        httpd_body_init(&r->body, cap, EST_DISCARD_MAX); /* nothing buffered yet */
        /* a declared oversize body is refused before it is read */
        unsigned long long declared = 0;
        if (httpd_content_length(c, &declared) && declared > cap) {
            r->body.too_big = 1;
            return answer(srv, c, url, method, r);
        }
        return MHD_YES;
    }
    if (*upload_size) {
        if (httpd_body_feed(&r->body, upload_data, *upload_size) < 0)
            return MHD_NO; /* a chunked flood: hang up */
        *upload_size = 0;
        return MHD_YES;
    }
    return answer(srv, c, url, method, r);
}

static void on_completed(void *cls, struct MHD_Connection *c, void **req_cls, enum MHD_RequestTerminationCode toe)
{
    (void)cls;
    (void)c;
    (void)toe;
    struct est_req *r = *req_cls;
    if (r) {
        httpd_body_cleanup(&r->body);
        free(r);
    }
    *req_cls = NULL;
}

struct est_opts {
    int port;
    const char *bind, *cert, *key;
};

static int parse_opts(int argc, char **argv, struct est_opts *o, const char *use)
{
    static const struct option opts[] = {{"port", required_argument, NULL, 'p'},
                                         {"bind", required_argument, NULL, 'b'},
                                         {"cert", required_argument, NULL, 'c'},
                                         {"key", required_argument, NULL, 'k'},
                                         {0, 0, 0, 0}};
    int ch;
    while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        char *end;
        long v;
        switch (ch) {
        case 'p':
            v = strtol(optarg, &end, 10);
            if (*end || end == optarg || v < 0 || v > 65535)
                return cli_usage(use, "--port needs a number 0-65535");
            o->port = (int)v;
            break;
        case 'b': o->bind = optarg; break;
        case 'c': o->cert = optarg; break;
        case 'k': o->key = optarg; break;
        default: return cli_usage(use, NULL);
        }
    }
    if (!o->cert || !o->key || optind != argc)
        return cli_usage(use, "--cert and --key are required");
    struct sockaddr_storage ss;
    socklen_t len;
    if (httpd_listen_addr(o->bind, o->port, &ss, &len, NULL) < 0)
        return cli_usage(use, "--bind needs a numeric IPv4 or IPv6 address");
    return 0;
}

static struct MHD_Daemon *start_daemon(struct est_server *srv, const struct est_opts *o, const char *cert,
                                       const char *key, const char *trust, int *port, char **errmsg)
{
    struct httpd_start_conf hc = {
        .name = "est",
        .flags = MHD_USE_TLS | MHD_USE_POLL_INTERNAL_THREAD,
        .listen_address = o->bind,
        .port = o->port,
        .handler = on_request,
        .cls = srv,
        .timeout_s = EST_CONN_TIMEOUT_S,
        .max_connections = EST_CONN_LIMIT,
        .per_ip_connections = EST_PER_IP_LIMIT,
        .on_connection = on_connection,
        .on_completed = on_completed,
        .cert_pem = cert,
        .key_pem = key,
        .trust_pem = trust,
        .priorities = HTTPD_TLS_PRIORITIES,
    };
    return httpd_start(&hc, port, errmsg);
}

int cmd_est_serve(struct cli *c, int argc, char **argv)
{
    static const char use[] = "est-serve [--port 8445] [--bind 127.0.0.1] --cert server.crt --key server.key";
    struct est_opts o = {.port = EST_DEFAULT_PORT, .bind = "127.0.0.1"};
    int rc = parse_opts(argc, argv, &o, use);
    if (rc != 0)
        return rc;
    struct est_server srv = {0};
    struct MHD_Daemon *d = NULL;
    struct db *audit_db = NULL; /* the main thread's, for the refusal summaries */
    unsigned char *cert = NULL, *key = NULL;
    size_t cert_len = 0, key_len = 0;
    char *trust = NULL, *err = NULL;
    sigset_t stop;
    daemon_block_stop_signals(&stop);
    if ((rc = cli_read_file(o.cert, CA_PEM_MAX, &cert, &cert_len, &err)) < 0 ||
        (rc = cli_read_file(o.key, CA_PEM_MAX, &key, &key_len, &err)) < 0)
        goto out;
    rc = -ERR_NOMEM;
    if (!(srv.ca = ca_new(c->cfg, c->db, "est")))
        goto out;
    /* fail now, not at the first device: the default issuer's key must decrypt */
    rc = -ERR_AUTH;
    if (!ca_authority_get(srv.ca, NULL, 1, &err) || !(trust = ca_trust_pem(srv.ca, &err)))
        goto out;
    ratelimit_cfg_load(c->cfg, &srv.pre);
    if (!(srv.budget = ratelimit_new(&srv.pre)) || !(srv.refusals = tally_new(srv.pre.sources, srv.pre.audit_window)))
        goto out;
    rc = -ERR_DB;
    if (!(srv.verifier = ca_verifier_new(cfg_str(c->cfg, "db", "conninfo"), &err)) ||
        !(audit_db = db_connect_cfg(c->cfg, &err)))
        goto out;
    rc = -ERR_TLS;
    int port = 0;
    if (!(d = start_daemon(&srv, &o, (const char *)cert, (const char *)key, trust, &port, &err)))
        goto out;
    fprintf(stderr, strchr(o.bind, ':') ? "acs-ca: est-serve listening on [%s]:%d\n"
                                        : "acs-ca: est-serve listening on %s:%d\n",
            o.bind, port);
    log_info("est", "event=est_listen bind=%s port=%d", o.bind, port);
    int sig;
    while ((sig = daemon_wait_stop_ms(&stop, EST_FLUSH_MS)) == 0)
        flush_refusals(&srv, audit_db, 0);
    log_info("est", "event=est_stop signal=%d", sig);
    rc = 0;
out:
    if (d)
        MHD_stop_daemon(d);
    if (srv.refusals)
        flush_refusals(&srv, audit_db, 1);
    db_free(audit_db);
    tally_free(srv.refusals);
    ratelimit_free(srv.budget);
    ca_verifier_free(srv.verifier);
    ca_free(srv.ca);
    if (key)
        OPENSSL_cleanse(key, key_len);
    free(key);
    free(cert);
    free(trust);
    return rc < 0 ? cli_fail_free(rc, err) : CLI_OK;
}

/* pki-ca/cli/cmd_ocsp.c — acs-ca ocsp-serve: OCSP responder (RFC 6960 A.1, POST and GET)
 * and CRL distribution point over plain HTTP. One libmicrohttpd polling thread does all
 * the work, so the CA context and its single DB connection are only touched by it; the
 * main thread waits for SIGTERM/SIGINT. CRLs are cached per issuer and rebuilt when a
 * revocation is announced (LISTEN ca_revocation) or after OCSP_CRL_MAX_AGE seconds. */
#include <arpa/inet.h>
#include <getopt.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>

#include <microhttpd.h>
#include <openssl/ocsp.h>

#include "daemon.h"
#include "httpd_framing.h"
#include "httpd_tls.h"
#include "b64.h"
#include "buf.h"
#include "ca_crl.h"
#include "ca_db.h"
#include "ca_ocsp.h"
#include "ca_util.h"
#include "cli.h"
#include "log.h"

#define OCSP_DEFAULT_PORT 7580
#define OCSP_CONN_LIMIT 512u                                     /* concurrent connections, all clients */
#define OCSP_PER_IP_LIMIT 64u                                    /* concurrent connections from one address */
#define OCSP_CONN_TIMEOUT 10u                                    /* seconds a connection may stay idle */
#define OCSP_DISCARD_MAX (1u << 20)                              /* body bytes drained after the limit before closing */
#define OCSP_GET_B64_MAX ((CA_OCSP_MAX_REQUEST + 2) / 3 * 4 + 8) /* base64 of the largest request */
#define OCSP_CRL_MAX_AGE 300                                     /* seconds a cached CRL is served before a rebuild */
#define OCSP_LOG_PATH_MAX 64

static const char ocsp_prefix[] = "/ocsp";
static const char crl_prefix[] = "/crl/";

/* A DER CRL shared by the cache and the responses still sending it; only the polling
 * thread touches refs (MHD calls the free callback there too). */
struct crl_blob {
    unsigned refs;
    size_t len;
    unsigned char der[];
};

struct crl_cache {
    struct ca_authority *a; /* borrowed from the CA context */
    struct crl_blob *blob;
    struct timespec built;
    long long number;
};

struct server {
    struct cli *c;
    struct ca_verifier *verifier; /* live revoked set for the response cache */
    struct ca_ocsp *ocsp;
    struct crl_cache *crls;
    size_t ncrls;
};

/* Per-request state, freed by the request-completed callback. */
struct request {
    const char *method, *url; /* borrowed from MHD for the request's lifetime */
    struct buf body;
    size_t discarded;
    int too_big, answered;
    struct timespec start;
    char extra[320]; /* route-specific key=value pairs for the log line */
};

static void blob_release(void *cls)
{
    struct crl_blob *b = cls;
    if (b && --b->refs == 0)
        free(b);
}

static long ms_since(const struct timespec *t0)
{
    struct timespec t1;
    clock_gettime(CLOCK_MONOTONIC, &t1);
    return (t1.tv_sec - t0->tv_sec) * 1000 + (t1.tv_nsec - t0->tv_nsec) / 1000000;
}

static void log_request(const struct request *rq, unsigned status, size_t bytes)
{
    char path[OCSP_LOG_PATH_MAX + 4], quoted[2 * sizeof path + 8], method[16];
    snprintf(path, sizeof path, "%.*s%s", OCSP_LOG_PATH_MAX, rq->url, strlen(rq->url) > OCSP_LOG_PATH_MAX ? "..." : "");
    snprintf(method, sizeof method, "%s", rq->method);
    log_info("ocsp", "event=request method=%s path=%s status=%u bytes=%zu ms=%ld%s%s", method,
             log_quote(quoted, sizeof quoted, path), status, bytes, ms_since(&rq->start), rq->extra[0] ? " " : "",
             rq->extra);
}

/* Queue resp (consumed) with status and content type; logs the request. */
static enum MHD_Result reply(struct MHD_Connection *conn, struct request *rq, unsigned status,
                             struct MHD_Response *resp, const char *ctype, size_t bytes)
{
    if (!resp)
        return MHD_NO;
    if (ctype)
        MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, ctype);
    enum MHD_Result r = MHD_queue_response(conn, status, resp);
    MHD_destroy_response(resp);
    rq->answered = 1;
    log_request(rq, status, bytes);
    return r;
}

static enum MHD_Result reply_text(struct MHD_Connection *conn, struct request *rq, unsigned status, const char *text,
                                  const char *allow)
{
    struct MHD_Response *resp =
        MHD_create_response_from_buffer(strlen(text), (void *)(uintptr_t)text, MHD_RESPMEM_PERSISTENT);
    if (resp && allow)
        MHD_add_response_header(resp, MHD_HTTP_HEADER_ALLOW, allow);
    return reply(conn, rq, status, resp, "text/plain", strlen(text));
}

/* ---- OCSP ---------------------------------------------------------------------- */

/* The DER request of a GET path: standard base64, padding optional. MHD already undid
 * the URL encoding of the path; a ' ' there is a '+' that a client form-encoded. */
static int decode_get(const char *in, unsigned char *out, size_t max, size_t *outlen)
{
    char text[OCSP_GET_B64_MAX + 1];
    size_t n = strlen(in);
    if (n > OCSP_GET_B64_MAX)
        return -ERR_TOO_BIG;
    for (size_t i = 0; i <= n; i++)
        text[i] = in[i] == ' ' ? '+' : in[i];
    unsigned char *der = NULL;
    int rc = b64_decode(text, n, &der, outlen, NULL);
    if (rc == 0 && *outlen > max)
        rc = -ERR_TOO_BIG;
    if (rc == 0)
        memcpy(out, der, *outlen);
    free(der);
    return rc;
}

static const char *cert_status_name(int s)
{
    return s < 0 ? "none" : OCSP_cert_status_str(s);
}

static enum MHD_Result answer_ocsp(struct server *s, struct MHD_Connection *conn, struct request *rq,
                                   const unsigned char *der, size_t len)
{
    unsigned char *resp = NULL;
    size_t resp_len = 0;
    if (ca_ocsp_respond(s->ocsp, der, len, &resp, &resp_len) < 0)
        return reply_text(conn, rq, MHD_HTTP_INTERNAL_SERVER_ERROR, "out of memory\n", NULL);
    const struct ca_ocsp_summary *sum = ca_ocsp_last(s->ocsp);
    char detail[2 * sizeof sum->detail + 8];
    snprintf(rq->extra, sizeof rq->extra,
             "ocsp_status=%s cert_status=%s%s%s serial=%s issuer=%s certids=%d nonce=%s cached=%s%s%s",
             OCSP_response_status_str(sum->response_status), cert_status_name(sum->cert_status),
             sum->reason >= 0 ? " reason=" : "", sum->reason >= 0 ? ca_reason_name(sum->reason) : "",
             sum->serial[0] ? sum->serial : "-", sum->issuer[0] ? sum->issuer : "-", sum->ncertids,
             sum->nonce ? "yes" : "no", sum->cached ? "yes" : "no", sum->detail[0] ? " detail=" : "",
             sum->detail[0] ? log_quote(detail, sizeof detail, sum->detail) : "");
    /* RFC 6960 A.1: error statuses travel as OCSP responses with HTTP 200 too */
    return reply(conn, rq, MHD_HTTP_OK, MHD_create_response_from_buffer(resp_len, resp, MHD_RESPMEM_MUST_FREE),
                 "application/ocsp-response", resp_len);
}

static int is_ocsp_request_type(const char *ctype)
{
    static const char want[] = "application/ocsp-request";
    size_t n = sizeof want - 1;
    return ctype && !strncasecmp(ctype, want, n) && (ctype[n] == '\0' || ctype[n] == ';' || ctype[n] == ' ');
}

static enum MHD_Result route_ocsp(struct server *s, struct MHD_Connection *conn, struct request *rq, const char *rest)
{
    if (!strcmp(rq->method, MHD_HTTP_METHOD_POST)) {
        if (rq->too_big)
            return reply_text(conn, rq, MHD_HTTP_CONTENT_TOO_LARGE, "OCSP request too large\n", NULL);
        if (!is_ocsp_request_type(MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_TYPE)))
            return reply_text(conn, rq, MHD_HTTP_UNSUPPORTED_MEDIA_TYPE,
                              "need Content-Type: application/ocsp-request\n", NULL);
        return answer_ocsp(s, conn, rq, (const unsigned char *)rq->body.data, rq->body.len);
    }
    if (strcmp(rq->method, MHD_HTTP_METHOD_GET))
        return reply_text(conn, rq, MHD_HTTP_METHOD_NOT_ALLOWED, "method not allowed\n", "GET, POST");
    /* GET {url}/{base64 of the DER request}: anything undecodable is a malformedRequest */
    while (*rest == '/')
        rest++;
    unsigned char der[CA_OCSP_MAX_REQUEST];
    size_t len = 0;
    if (decode_get(rest, der, sizeof der, &len) < 0)
        len = 0;
    return answer_ocsp(s, conn, rq, der, len);
}

/* ---- CRLs ---------------------------------------------------------------------- */

static void crl_invalidate_all(struct server *s)
{
    for (size_t i = 0; i < s->ncrls; i++)
        s->crls[i].built.tv_sec = 0;
}

/* Before touching the DB: reconnect a lost connection, and drop cached CRLs when a
 * revocation was announced (or announcements may have been missed). */
static void db_housekeeping(struct server *s)
{
    struct db *db = s->c->db;
    int rc = ca_db_reconnect_if_lost(db);
    if (rc == 1) {
        char *err = NULL, q[300];
        log_warn("ocsp", "event=db_reconnected");
        if (ca_db_listen_revocations(db, &err) < 0)
            log_err("ocsp", "event=listen_failed error=%s", log_quote(q, sizeof q, err ? err : "?"));
        free(err);
        crl_invalidate_all(s);
        return;
    }
    if (rc == 0 && ca_db_revocations_pending(db) != 0)
        crl_invalidate_all(s);
}

static int crl_rebuild(struct server *s, struct crl_cache *cc, char **errmsg)
{
    X509_CRL *crl = NULL;
    int rc = ca_crl_build(s->c->ca, cc->a->name, &crl, errmsg);
    if (rc < 0)
        return rc;
    int n = i2d_X509_CRL(crl, NULL);
    struct crl_blob *b = n > 0 ? malloc(sizeof *b + (size_t)n) : NULL;
    unsigned char *p = b ? b->der : NULL;
    if (!b || i2d_X509_CRL(crl, &p) != n) {
        free(b);
        X509_CRL_free(crl);
        return err_fail(errmsg, -ERR_CRYPTO, "cannot encode the CRL");
    }
    b->refs = 1;
    b->len = (size_t)n;
    blob_release(cc->blob);
    cc->blob = b;
    cc->number = ca_crl_number(crl);
    clock_gettime(CLOCK_MONOTONIC, &cc->built);
    X509_CRL_free(crl);
    return 0;
}

static enum MHD_Result route_crl(struct server *s, struct MHD_Connection *conn, struct request *rq, const char *file)
{
    const char *dot = strrchr(file, '.');
    struct crl_cache *cc = NULL;
    for (size_t i = 0; dot && !strcmp(dot, ".crl") && i < s->ncrls && !cc; i++)
        if (strlen(s->crls[i].a->name) == (size_t)(dot - file) &&
            !strncmp(s->crls[i].a->name, file, (size_t)(dot - file)))
            cc = &s->crls[i];
    if (!cc)
        return reply_text(conn, rq, MHD_HTTP_NOT_FOUND, "no such CRL\n", NULL);
    if (strcmp(rq->method, MHD_HTTP_METHOD_GET) && strcmp(rq->method, MHD_HTTP_METHOD_HEAD))
        return reply_text(conn, rq, MHD_HTTP_METHOD_NOT_ALLOWED, "method not allowed\n", "GET, HEAD");
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    int fresh = cc->blob && cc->built.tv_sec && now.tv_sec - cc->built.tv_sec < OCSP_CRL_MAX_AGE;
    if (!fresh) {
        char *err = NULL, q[300];
        if (crl_rebuild(s, cc, &err) < 0) {
            log_err("ocsp", "event=crl_build_failed issuer=%s stale=%s error=%s", cc->a->name,
                    cc->blob ? "served" : "none", log_quote(q, sizeof q, err ? err : "?"));
            free(err);
            if (!cc->blob)
                return reply_text(conn, rq, MHD_HTTP_SERVICE_UNAVAILABLE, "CRL unavailable\n", NULL);
        }
    }
    snprintf(rq->extra, sizeof rq->extra, "issuer=%s crl_number=%lld cached=%s", cc->a->name, cc->number,
             fresh ? "yes" : "no");
    struct MHD_Response *resp =
        MHD_create_response_from_buffer_with_free_callback_cls(cc->blob->len, cc->blob->der, blob_release, cc->blob);
    if (resp)
        cc->blob->refs++;
    return reply(conn, rq, MHD_HTTP_OK, resp, "application/pkix-crl", cc->blob->len);
}

/* ---- MHD callbacks ------------------------------------------------------------- */

static int is_ocsp_path(const char *url)
{
    size_t n = sizeof ocsp_prefix - 1;
    return !strncmp(url, ocsp_prefix, n) && (url[n] == '\0' || url[n] == '/');
}

/* First call for a request: a declared body over the limit is refused before it is read. */
static enum MHD_Result first_call(struct MHD_Connection *conn, struct request *rq)
{
    if (strcmp(rq->method, MHD_HTTP_METHOD_POST) || !is_ocsp_path(rq->url))
        return MHD_YES;
    const char *cl = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
    char *end = NULL;
    unsigned long long declared = cl ? strtoull(cl, &end, 10) : 0;
    if (cl && *end == '\0' && declared > CA_OCSP_MAX_REQUEST)
        return reply_text(conn, rq, MHD_HTTP_CONTENT_TOO_LARGE, "OCSP request too large\n", NULL);
    return MHD_YES;
}

static enum MHD_Result handle(void *cls, struct MHD_Connection *conn, const char *url, const char *method,
                              const char *version, const char *upload_data, size_t *upload_data_size, void **con_cls)
{
    struct server *s = cls;
    struct request *rq = *con_cls;
    if (!rq) {
        if (!(rq = calloc(1, sizeof *rq)))
            return MHD_NO;
        rq->method = method;
        rq->url = url;
        buf_init(&rq->body, CA_OCSP_MAX_REQUEST);
        clock_gettime(CLOCK_MONOTONIC, &rq->start);
        *con_cls = rq;
        enum httpd_framing bad = httpd_framing_check(conn, version); /* RFC 9112: 400 and close */
        if (bad != HTTPD_FRAMING_OK) {
            rq->answered = 1;
            snprintf(rq->extra, sizeof rq->extra, "reason=bad_framing detail=%s", httpd_framing_str(bad));
            log_request(rq, httpd_framing_status(bad), 0);
            return httpd_framing_refuse(conn, bad);
        }
        return first_call(conn, rq);
    }
    if (*upload_data_size) {
        if (!rq->too_big && buf_append(&rq->body, upload_data, *upload_data_size) < 0) {
            rq->too_big = 1; /* answered with 413 once the body has ended */
            buf_cleanup(&rq->body);
        } else if (rq->too_big && (rq->discarded += *upload_data_size) > OCSP_DISCARD_MAX) {
            snprintf(rq->extra, sizeof rq->extra, "detail=\"body over the limit, connection closed\"");
            log_request(rq, 0, 0);
            return MHD_NO; /* a client that keeps sending is cut off */
        }
        *upload_data_size = 0;
        return MHD_YES;
    }
    if (rq->answered)
        return MHD_YES;
    db_housekeeping(s);
    if (is_ocsp_path(url))
        return route_ocsp(s, conn, rq, url + sizeof ocsp_prefix - 1);
    if (!strncmp(url, crl_prefix, sizeof crl_prefix - 1))
        return route_crl(s, conn, rq, url + sizeof crl_prefix - 1);
    return reply_text(conn, rq, MHD_HTTP_NOT_FOUND, "not found\n", NULL);
}

static void completed(void *cls, struct MHD_Connection *conn, void **con_cls, enum MHD_RequestTerminationCode toe)
{
    (void)cls;
    (void)conn;
    (void)toe;
    struct request *rq = *con_cls;
    if (!rq)
        return;
    buf_cleanup(&rq->body);
    free(rq);
    *con_cls = NULL;
}

/* ---- command ------------------------------------------------------------------- */

static int server_init(struct server *s, struct cli *c, char **errmsg)
{
    s->c = c;
    if (!(s->verifier = ca_verifier_new(cfg_str(c->cfg, "db", "conninfo"), errmsg)))
        return -ERR_DB;
    if (!(s->ocsp = ca_ocsp_new(c->ca, s->verifier, errmsg)))
        return -ERR_CONFIG;
    s->ncrls = ca_authority_count(c->ca);
    if (!(s->crls = calloc(s->ncrls, sizeof *s->crls)))
        return err_fail(errmsg, -ERR_NOMEM, "out of memory");
    for (size_t i = 0; i < s->ncrls; i++)
        s->crls[i].a = ca_authority_at(c->ca, i);
    return ca_db_listen_revocations(c->db, errmsg);
}

static void server_cleanup(struct server *s)
{
    for (size_t i = 0; s->crls && i < s->ncrls; i++)
        blob_release(s->crls[i].blob);
    free(s->crls);
    ca_ocsp_free(s->ocsp);
    ca_verifier_free(s->verifier);
}

/* One internal polling thread (epoll/poll chosen by MHD): the only thread that calls
 * handle(), so the CA context needs no lock. NULL if it cannot listen. */
static struct MHD_Daemon *start_daemon(struct server *s, const char *bind_addr, long port, int *bound, char **errmsg)
{
    struct httpd_start_conf hc = {
        .name = "ocsp",
        .flags = MHD_USE_AUTO_INTERNAL_THREAD,
        .listen_address = bind_addr,
        .port = (int)port,
        .handler = handle,
        .cls = s,
        .timeout_s = OCSP_CONN_TIMEOUT,
        .max_connections = OCSP_CONN_LIMIT,
        .per_ip_connections = OCSP_PER_IP_LIMIT,
        .on_completed = completed,
    };
    return httpd_start(&hc, bound, errmsg);
}

int cmd_ocsp_serve(struct cli *c, int argc, char **argv)
{
    static const char use[] = "ocsp-serve [--port N (7580; 0 picks a free port)] [--bind 127.0.0.1]";
    static const struct option opts[] = {
        {"port", required_argument, NULL, 'p'}, {"bind", required_argument, NULL, 'b'}, {0, 0, 0, 0}};
    const char *bind_addr = "127.0.0.1";
    long port = OCSP_DEFAULT_PORT;
    int o;
    while ((o = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        char *end;
        if (o == 'p') {
            port = strtol(optarg, &end, 10);
            if (*end || end == optarg || port < 0 || port > 65535)
                return cli_usage(use, "--port needs a number 0-65535");
        } else if (o == 'b') {
            bind_addr = optarg;
        } else {
            return cli_usage(use, NULL);
        }
    }
    struct sockaddr_storage ss;
    socklen_t sslen;
    if (optind != argc)
        return cli_usage(use, "unexpected argument");
    if (httpd_listen_addr(bind_addr, (int)port, &ss, &sslen, NULL) < 0)
        return cli_usage(use, "--bind needs a numeric IPv4 or IPv6 address");
    int v6 = ss.ss_family == AF_INET6;
    /* before MHD starts its thread, so only the wait below sees the stop signals */
    sigset_t stop;
    daemon_block_stop_signals(&stop);
    struct server s = {0};
    char *err = NULL;
    int rc = server_init(&s, c, &err);
    if (rc < 0) {
        server_cleanup(&s);
        return cli_fail_free(rc, err);
    }
    int bound = 0;
    struct MHD_Daemon *d = start_daemon(&s, bind_addr, port, &bound, &err);
    if (!d) {
        server_cleanup(&s);
        return cli_fail_free(-ERR_IO, err);
    }
    fprintf(stderr, "acs-ca: ocsp-serve listening on %s%s%s:%d\n", v6 ? "[" : "", bind_addr, v6 ? "]" : "", bound);
    log_info("ocsp", "event=start bind=%s port=%d authorities=%zu", bind_addr, bound, s.ncrls);
    int sig = daemon_wait_stop(&stop);
    log_info("ocsp", "event=stop signal=%s", sig == SIGTERM ? "TERM" : "INT");
    MHD_stop_daemon(d);
    server_cleanup(&s);
    return CLI_OK;
}

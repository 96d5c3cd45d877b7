/* common/httpd_tls.c — libmicrohttpd + GnuTLS helpers shared by every listener. */
#include "httpd_tls.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <pthread.h>
#include <sys/socket.h>

#include <gnutls/gnutls.h>

#include "err.h"
#include "log.h"

int httpd_listen_addr(const char *addr, int port, struct sockaddr_storage *ss, socklen_t *len, char **errmsg)
{
    memset(ss, 0, sizeof *ss);
    struct sockaddr_in *a4 = (struct sockaddr_in *)(void *)ss;
    struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)(void *)ss;
    if (addr && inet_pton(AF_INET, addr, &a4->sin_addr) == 1) {
        a4->sin_family = AF_INET;
        a4->sin_port = htons((uint16_t)port);
        *len = sizeof *a4;
    } else if (addr && inet_pton(AF_INET6, addr, &a6->sin6_addr) == 1) {
        a6->sin6_family = AF_INET6;
        a6->sin6_port = htons((uint16_t)port);
        *len = sizeof *a6;
    } else {
        return err_fail(errmsg, -ERR_CONFIG, "listen address must be a numeric IPv4 or IPv6 address, not \"%s\"",
                        addr ? addr : "");
    }
    return 0;
}

/* Append one option to o (room for every option httpd_start sets is reserved). */
#define OPT(o, n, opt, val, ptr) ((o)[(n)++] = (struct MHD_OptionItem){(opt), (intptr_t)(val), (void *)(ptr)})

struct MHD_Daemon *httpd_start(const struct httpd_start_conf *c, int *port, char **errmsg)
{
    struct MHD_OptionItem o[24];
    size_t n = 0;
    struct sockaddr_storage ss;
    socklen_t sslen;
    unsigned int flags = c->flags | MHD_USE_ERROR_LOG;
    /* the logger first, so every message of the start-up goes there */
    if (c->logger)
        OPT(o, n, MHD_OPTION_EXTERNAL_LOGGER, c->logger, (void *)c->name);
    else
        OPT(o, n, MHD_OPTION_EXTERNAL_LOGGER, httpd_mhd_log, (void *)c->name);
    if (!c->listen_address) {
        flags |= MHD_USE_NO_LISTEN_SOCKET | MHD_USE_ITC;
    } else {
        if (httpd_listen_addr(c->listen_address, c->port, &ss, &sslen, errmsg) < 0)
            return NULL;
        if (ss.ss_family == AF_INET6)
            flags |= MHD_USE_IPv6;
        OPT(o, n, MHD_OPTION_SOCK_ADDR, 0, &ss);
    }
    if (c->threads)
        OPT(o, n, MHD_OPTION_THREAD_POOL_SIZE, c->threads, NULL);
    if (c->timeout_s)
        OPT(o, n, MHD_OPTION_CONNECTION_TIMEOUT, c->timeout_s, NULL);
    if (c->max_connections)
        OPT(o, n, MHD_OPTION_CONNECTION_LIMIT, c->max_connections, NULL);
    if (c->per_ip_connections)
        OPT(o, n, MHD_OPTION_PER_IP_CONNECTION_LIMIT, c->per_ip_connections, NULL);
    if (c->connection_memory)
        OPT(o, n, MHD_OPTION_CONNECTION_MEMORY_LIMIT, c->connection_memory, NULL);
    if (c->on_connection)
        OPT(o, n, MHD_OPTION_NOTIFY_CONNECTION, c->on_connection, c->notify_cls);
    if (c->on_completed)
        OPT(o, n, MHD_OPTION_NOTIFY_COMPLETED, c->on_completed, c->notify_cls);
    if (c->cert_pem)
        OPT(o, n, MHD_OPTION_HTTPS_MEM_CERT, 0, c->cert_pem);
    if (c->key_pem)
        OPT(o, n, MHD_OPTION_HTTPS_MEM_KEY, 0, c->key_pem);
    if (c->trust_pem)
        OPT(o, n, MHD_OPTION_HTTPS_MEM_TRUST, 0, c->trust_pem);
    if (c->priorities)
        OPT(o, n, MHD_OPTION_HTTPS_PRIORITIES, 0, c->priorities);
    if (c->digest_random)
        OPT(o, n, MHD_OPTION_DIGEST_AUTH_RANDOM, c->digest_random_len, c->digest_random);
    if (c->nonce_nc_size)
        OPT(o, n, MHD_OPTION_NONCE_NC_SIZE, c->nonce_nc_size, NULL);
    OPT(o, n, MHD_OPTION_END, 0, NULL);
    struct MHD_Daemon *d =
        MHD_start_daemon(flags, (uint16_t)c->port, NULL, NULL, c->handler, c->cls, MHD_OPTION_ARRAY, o, MHD_OPTION_END);
    const union MHD_DaemonInfo *info =
        d && c->listen_address ? MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT) : NULL;
    if (d && c->listen_address && !info) {
        MHD_stop_daemon(d);
        d = NULL;
    }
    if (!d && c->listen_address)
        err_fail(errmsg, -ERR_IO, "cannot listen on %s port %d (in use or not permitted%s)", c->listen_address, c->port,
                 c->cert_pem ? ", or a bad certificate/key" : "");
    else if (!d)
        err_fail(errmsg, -ERR_TLS, "cannot start the HTTP layer of the %s listener", c->name);
    if (d && port)
        *port = info ? info->port : c->port;
    return d;
}

void httpd_remote_text(struct MHD_Connection *c, char *out, size_t n)
{
    const union MHD_ConnectionInfo *ci = MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    const struct sockaddr *sa = ci ? ci->client_addr : NULL;
    snprintf(out, n, "-");
    if (sa && sa->sa_family == AF_INET)
        inet_ntop(AF_INET, &((const struct sockaddr_in *)(const void *)sa)->sin_addr, out, (socklen_t)n);
    else if (sa && sa->sa_family == AF_INET6)
        inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr, out, (socklen_t)n);
}

static gnutls_session_t tls_session(struct MHD_Connection *c)
{
    const union MHD_ConnectionInfo *ci = MHD_get_connection_info(c, MHD_CONNECTION_INFO_GNUTLS_SESSION);
    return ci ? (gnutls_session_t)ci->tls_session : NULL;
}

void httpd_set_handshake_timeout(struct MHD_Connection *c, unsigned int ms)
{
    gnutls_session_t s = tls_session(c);
    if (s)
        gnutls_handshake_set_timeout(s, ms);
}

struct httpd_tickets {
    pthread_mutex_t lock;
    gnutls_datum_t key; /* master key, gnutls-allocated */
    unsigned int lifetime_s;
};

struct httpd_tickets *httpd_tickets_new(unsigned int lifetime_s)
{
    struct httpd_tickets *t = calloc(1, sizeof *t);
    if (!t)
        return NULL;
    pthread_mutex_init(&t->lock, NULL);
    t->lifetime_s = lifetime_s;
    if (gnutls_session_ticket_key_generate(&t->key) < 0) {
        httpd_tickets_free(t);
        return NULL;
    }
    return t;
}

int httpd_tickets_rotate(struct httpd_tickets *t)
{
    gnutls_datum_t k = {NULL, 0}, old;
    if (gnutls_session_ticket_key_generate(&k) < 0)
        return -ERR_TLS;
    pthread_mutex_lock(&t->lock);
    old = t->key;
    t->key = k;
    pthread_mutex_unlock(&t->lock);
    gnutls_memset(old.data, 0, old.size);
    gnutls_free(old.data);
    return 0;
}

void httpd_tickets_enable_session(struct httpd_tickets *t, void *session)
{
    gnutls_session_t s = session;
    if (!t || !s)
        return;
    pthread_mutex_lock(&t->lock);
    (void)gnutls_session_ticket_enable_server(s, &t->key); /* copies the key */
    pthread_mutex_unlock(&t->lock);
    gnutls_db_set_cache_expiration(s, (int)t->lifetime_s);
}

void httpd_tickets_free(struct httpd_tickets *t)
{
    if (!t)
        return;
    if (t->key.data) {
        gnutls_memset(t->key.data, 0, t->key.size);
        gnutls_free(t->key.data);
    }
    pthread_mutex_destroy(&t->lock);
    free(t);
}

size_t httpd_peer_chain(struct MHD_Connection *c, const unsigned char **ders, size_t *lens, size_t max)
{
    gnutls_session_t s = tls_session(c);
    unsigned int n = 0;
    if (!s || gnutls_certificate_type_get(s) != GNUTLS_CRT_X509)
        return 0;
    const gnutls_datum_t *peers = gnutls_certificate_get_peers(s, &n);
    if (!peers)
        return 0;
    if (n > max)
        n = (unsigned int)max;
    for (unsigned int i = 0; i < n; i++) {
        ders[i] = peers[i].data;
        lens[i] = peers[i].size;
    }
    return n;
}

int httpd_connection_fd(struct MHD_Connection *c)
{
    const union MHD_ConnectionInfo *ci = MHD_get_connection_info(c, MHD_CONNECTION_INFO_CONNECTION_FD);
    return ci ? ci->connect_fd : -1;
}

void httpd_mhd_log(void *cls, const char *fmt, va_list ap)
{
    char msg[256], q[300];
    vsnprintf(msg, sizeof msg, fmt, ap);
    msg[strcspn(msg, "\r\n")] = '\0';
    log_warn(cls ? (const char *)cls : "http", "event=http_error msg=%s", log_quote(q, sizeof q, msg));
}

int httpd_content_length(struct MHD_Connection *c, unsigned long long *len)
{
    const char *cl = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
    char *end = NULL;
    if (!cl || *cl < '0' || *cl > '9')
        return 0;
    unsigned long long v = strtoull(cl, &end, 10);
    if (end == cl)
        return 0;
    *len = v;
    return 1;
}

enum MHD_Result httpd_respond(struct MHD_Connection *c, unsigned int status, const char *body, size_t len,
                              const char *const *headers)
{
    struct MHD_Response *r = MHD_create_response_from_buffer(len, (void *)(body ? body : ""), MHD_RESPMEM_MUST_COPY);
    if (!r)
        return MHD_NO;
    int ok = 1;
    for (size_t i = 0; headers && headers[i] && ok; i += 2)
        if (headers[i + 1])
            ok = MHD_add_response_header(r, headers[i], headers[i + 1]) == MHD_YES;
    enum MHD_Result res = ok ? MHD_queue_response(c, status, r) : MHD_NO;
    MHD_destroy_response(r);
    return res;
}

void httpd_body_init(struct httpd_body *b, size_t max, size_t discard_max)
{
    memset(b, 0, sizeof *b);
    buf_init(&b->data, max);
    b->discard_max = discard_max;
}

void httpd_body_cleanup(struct httpd_body *b)
{
    buf_cleanup(&b->data); /* wiped: a body may carry a secret (an NBI task's password, a SIP line's) */
}

int httpd_body_feed(struct httpd_body *b, const char *data, size_t len)
{
    if (!b->too_big && buf_append(&b->data, data, len) < 0) {
        b->too_big = 1;
        buf_cleanup(&b->data);
    }
    if (b->too_big && (b->discarded += len) > b->discard_max)
        return -1;
    return 0;
}

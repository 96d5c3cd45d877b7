/* cpe-sim/sim_conn.c — one device's CWMP session over one non-blocking mTLS connection:
 * connect, handshake, then POST/response exchanges driven by the libcpe session machine,
 * keep-alive within the session (reconnecting if the ACS closes between requests).
 * Driven by edge-triggered epoll events: every step runs until GnuTLS or the socket says
 * EAGAIN. Owns: struct sim_conn (socket, TLS session, buffers) until sim_conn_finish. */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "log.h"
#include "sim.h"

enum { C_CONNECTING, C_HANDSHAKE, C_SENDING, C_RECEIVING, C_ENDED };

struct sim_conn {
    struct sim *sim;
    struct sim_dev *d;
    struct cwmp_codec *codec;
    int epfd, fd, state;
    gnutls_session_t tls;
    struct cpe_session sess;
    struct buf body; /* next request body, from the session machine */
    struct buf tx;   /* HTTP request being sent */
    size_t tx_off;
    struct sim_http http;
    int64_t start, deadline;
    unsigned handshakes, requests, on_conn; /* requests on the current connection */
    bool resent;
    int raw_status;  /* --raw-request: the answer's status */
    uint64_t bytes_in, bytes_out;
    char detail[128];
};

static int fail(struct sim_conn *c, enum cpe_fail why, const char *detail)
{
    cpe_session_abort(&c->sess, why);
    snprintf(c->detail, sizeof c->detail, "%s", detail ? detail : "");
    c->state = C_ENDED;
    return 1;
}

static void close_transport(struct sim_conn *c)
{
    if (c->tls) {
        gnutls_deinit(c->tls);
        c->tls = NULL;
    }
    if (c->fd >= 0) {
        close(c->fd);
        c->fd = -1;
    }
}

static int open_transport(struct sim_conn *c)
{
    const struct sim_cfg *cfg = &c->sim->cfg;
    c->fd = socket(cfg->addr.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (c->fd < 0)
        return fail(c, CPE_FAIL_CONNECT, strerror(errno));
    /* as curl and most CPE HTTP stacks: without it Nagle holds the request written right after
     * the TLS Finished until the ACS's delayed ACK (+40 ms per session on loopback) */
    int one = 1;
    (void)setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    if (connect(c->fd, (const struct sockaddr *)&cfg->addr, cfg->addrlen) < 0 && errno != EINPROGRESS)
        return fail(c, CPE_FAIL_CONNECT, strerror(errno));
    struct epoll_event ev = {.events = EPOLLIN | EPOLLOUT | EPOLLET | EPOLLRDHUP, .data.ptr = c->d};
    if (epoll_ctl(c->epfd, EPOLL_CTL_ADD, c->fd, &ev) < 0)
        return fail(c, CPE_FAIL_CONNECT, strerror(errno));
    c->state = C_CONNECTING;
    c->on_conn = 0;
    return 0;
}

static int build_request(struct sim_conn *c)
{
    c->tx.len = 0;
    c->tx_off = 0;
    if (sim_http_request(&c->tx, c->sim->cfg.hostport, c->sim->cfg.path, &c->http, c->body.data, c->body.len) < 0)
        return fail(c, CPE_FAIL_INTERNAL, "request too big");
    c->state = C_SENDING;
    return 0;
}

struct sim_conn *sim_conn_start(struct sim_worker *w, struct sim_dev *d, int epfd, struct cwmp_codec *codec,
                                int64_t now, enum cpe_fail *why)
{
    struct sim_conn *c = calloc(1, sizeof *c);
    if (!c) {
        *why = CPE_FAIL_INTERNAL;
        return NULL;
    }
    c->sim = sim_worker_sim(w);
    c->d = d;
    c->codec = codec;
    c->epfd = epfd;
    c->fd = -1;
    c->start = now;
    c->deadline = now + (int64_t)c->sim->cfg.timeout_s * 1000;
    cpe_session_init(&c->sess);
    buf_init(&c->body, CPE_MAX_BODY);
    buf_init(&c->tx, CPE_MAX_BODY + 4096);
    sim_http_init(&c->http);
    d->conn = c;
    if (cpe_session_start(&c->sess, d->cpe, now, codec, &c->body) < 0) {
        (void)fail(c, CPE_FAIL_INTERNAL, "Inform encode failed");
        return c;
    }
    (void)open_transport(c);
    return c;
}

int64_t sim_conn_deadline(const struct sim_conn *c)
{
    return c->deadline;
}

/* A complete response: let the session machine decide what comes next. */
static int on_response(struct sim_conn *c, int64_t now)
{
    c->requests++;
    if (c->sim->cfg.raw_request) { /* --raw-requests exchanges per connection, then close */
        c->raw_status = c->http.status;
        if (c->http.status == 200 && !c->http.close && c->requests < c->sim->cfg.raw_requests) {
            sim_http_reset(&c->http);
            return build_request(c);
        }
        c->state = C_ENDED;
        return 1;
    }
    log_debug("cpe-sim", "event=http_response session_id=%s-%u status=%d bytes=%zu close=%d", c->d->ident->id,
              c->d->sessions + 1, c->http.status, c->http.body.len, c->http.close);
    enum cpe_step step = cpe_session_feed(&c->sess, c->http.status, c->http.body.data, c->http.body.len,
                                          c->http.retry_after, now, c->codec, &c->body);
    if (step != CPE_STEP_POST) {
        if (step == CPE_STEP_FAILED)
            snprintf(c->detail, sizeof c->detail, "http_status=%d acs_fault=%d", c->http.status, c->sess.acs_fault);
        c->state = C_ENDED;
        return 1;
    }
    bool close_now = c->http.close;
    sim_http_reset(&c->http);
    if (close_now) { /* the ACS closed the connection: a new one for the rest of the session */
        close_transport(c);
        return open_transport(c);
    }
    return build_request(c);
}

static int step_connect(struct sim_conn *c)
{
    int err = 0;
    socklen_t l = sizeof err;
    if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &l) < 0 || err)
        return fail(c, CPE_FAIL_CONNECT, strerror(err ? err : errno));
    struct sockaddr_storage peer;
    socklen_t pl = sizeof peer;
    if (getpeername(c->fd, (struct sockaddr *)&peer, &pl) < 0)
        return errno == ENOTCONN ? -EAGAIN : fail(c, CPE_FAIL_CONNECT, strerror(errno));
    if (sim_tls_session(&c->sim->tls, c->fd, c->d->ident, &c->tls) < 0)
        return fail(c, CPE_FAIL_INTERNAL, "TLS session setup");
    c->handshakes++;
    c->state = C_HANDSHAKE;
    return 0;
}

static int step_handshake(struct sim_conn *c)
{
    int rc = gnutls_handshake(c->tls);
    if (rc == GNUTLS_E_AGAIN || rc == GNUTLS_E_INTERRUPTED)
        return -EAGAIN;
    if (rc < 0)
        return fail(c, CPE_FAIL_TLS, gnutls_strerror(rc));
    return build_request(c);
}

static int step_send(struct sim_conn *c)
{
    while (c->tx_off < c->tx.len) {
        ssize_t n = gnutls_record_send(c->tls, c->tx.data + c->tx_off, c->tx.len - c->tx_off);
        if (n == GNUTLS_E_AGAIN || n == GNUTLS_E_INTERRUPTED)
            return -EAGAIN;
        if (n < 0)
            return fail(c, CPE_FAIL_IO, gnutls_strerror((int)n));
        c->tx_off += (size_t)n;
        c->bytes_out += (uint64_t)n;
    }
    c->on_conn++;
    sim_http_reset(&c->http);
    c->state = C_RECEIVING;
    return 0;
}

/* The peer closed (or reset) while we wait for a response. */
static int on_eof(struct sim_conn *c, int64_t now, const char *why)
{
    if (sim_http_eof(&c->http) == 1)
        return on_response(c, now);
    bool nothing = c->http.state == 0 && c->http.head.len == 0;
    if (nothing && c->on_conn > 1 && !c->resent) {
        /* an idle keep-alive connection closed under us: send the request once more */
        c->resent = true;
        close_transport(c);
        size_t keep = c->tx.len;
        int rc = open_transport(c);
        c->tx.len = keep;
        return rc;
    }
    return fail(c, CPE_FAIL_IO, why);
}

static int step_recv(struct sim_conn *c, int64_t now)
{
    char rbuf[16384];
    ssize_t n = gnutls_record_recv(c->tls, rbuf, sizeof rbuf);
    if (n == GNUTLS_E_AGAIN || n == GNUTLS_E_INTERRUPTED) {
        /* GnuTLS also says AGAIN after consuming a post-handshake message (a TLS 1.3
         * session ticket) without draining the socket: with edge-triggered epoll, only a
         * socket that is really empty may wait for the next event */
        char b;
        if (gnutls_record_check_pending(c->tls) > 0 || recv(c->fd, &b, 1, MSG_PEEK | MSG_DONTWAIT) >= 0)
            return 0;
        return -EAGAIN;
    }
    if (n == 0 || n == GNUTLS_E_PREMATURE_TERMINATION)
        return on_eof(c, now, "connection closed by the ACS");
    if (n == GNUTLS_E_FATAL_ALERT_RECEIVED) { /* TLS 1.3: a refused client learns it here */
        char m[96];
        snprintf(m, sizeof m, "alert %s", gnutls_alert_get_name(gnutls_alert_get(c->tls)));
        return fail(c, CPE_FAIL_TLS, m);
    }
    if (n < 0)
        return gnutls_error_is_fatal((int)n) ? fail(c, CPE_FAIL_IO, gnutls_strerror((int)n)) : 0;
    c->bytes_in += (uint64_t)n;
    size_t off = 0;
    while (off < (size_t)n) {
        size_t used = 0;
        int rc = sim_http_feed(&c->http, rbuf + off, (size_t)n - off, &used);
        if (rc < 0)
            return fail(c, CPE_FAIL_IO, rc == -ERR_TOO_BIG ? "response too big" : "malformed HTTP response");
        off += used;
        if (rc == 1)
            return on_response(c, now); /* anything after a response is ignored */
    }
    return 0;
}

int sim_conn_drive(struct sim_conn *c, int64_t now)
{
    for (unsigned guard = 0; guard < 10000; guard++) {
        int rc;
        switch (c->state) {
        case C_CONNECTING: rc = step_connect(c); break;
        case C_HANDSHAKE: rc = step_handshake(c); break;
        case C_SENDING: rc = step_send(c); break;
        case C_RECEIVING: rc = step_recv(c, now); break;
        default: return 1;
        }
        if (rc == -EAGAIN)
            return 0;
        if (c->state == C_ENDED)
            return 1;
    }
    return 0; /* yield to other connections; edge-triggered: the data is still there */
}

void sim_conn_abort(struct sim_conn *c, enum cpe_fail why)
{
    if (c->state != C_ENDED)
        (void)fail(c, why, why == CPE_FAIL_TIMEOUT ? "session timeout" : "stopped");
}

bool sim_conn_finish(struct sim_conn *c, struct sim_stats *st, int64_t now)
{
    enum cpe_fail why = c->sess.fail;
    unsigned rpcs = c->sess.rpcs;
    bool ok;
    if (c->sim->cfg.raw_request) { /* the device's state stays as it was: due again at once */
        if (why == CPE_FAIL_NONE && c->raw_status != 200)
            why = CPE_FAIL_HTTP_STATUS;
        ok = why == CPE_FAIL_NONE;
        if (!ok && !c->detail[0])
            snprintf(c->detail, sizeof c->detail, "http_status=%d", c->raw_status);
    } else {
        ok = cpe_session_end(&c->sess, now);
    }
    if (ok) {
        st->ok++;
        sim_stats_add_latency(st, (uint64_t)(now - c->start) * 1000);
    } else if (why == CPE_FAIL_ABORTED) {
        st->aborted++;
    } else {
        st->failed++;
        st->fails[why < CPE_FAIL_COUNT ? why : CPE_FAIL_INTERNAL]++;
        sim_log_failure(c->sim, c->d, why, c->detail);
    }
    st->handshakes += c->handshakes;
    st->requests += c->requests;
    st->rpcs += rpcs;
    st->bytes_in += c->bytes_in;
    st->bytes_out += c->bytes_out;
    close_transport(c);
    cpe_session_cleanup(&c->sess);
    buf_cleanup(&c->body);
    buf_cleanup(&c->tx);
    sim_http_cleanup(&c->http);
    c->d->conn = NULL;
    free(c);
    return ok;
}

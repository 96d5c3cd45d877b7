/* common/tls_front.c — TLS termination in front of libmicrohttpd (see tls_front.h).
 *
 * Each thread owns an edge-triggered epoll set with the shared listening socket
 * (EPOLLEXCLUSIVE), its connections' client sockets and their socketpair ends. A connection
 * is touched only by its thread. While a handshake waits for the client nothing runs: the
 * thread sleeps in epoll_wait until data arrives or the oldest handshake's deadline passes
 * (one FIFO per thread: every deadline has the same length). After the handshake the
 * connection relays: TLS records from the client are decrypted into a buffer and written to
 * the socketpair, MHD's answers are read from it and encrypted. Buffers exist only while data
 * is in flight; a full socketpair stops the reads from the client (back-pressure), so a
 * connection pins at most one TLS record in user space.
 * A connection is freed only after MHD has closed its end (EOF on ours): nothing MHD may
 * still look at goes away earlier. */
#define _GNU_SOURCE
#include "tls_front.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/resource.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <gnutls/gnutls.h>

#include "conn_count.h"
#include "http_guard.h"
#include "httpd_tls.h"
#include "log.h"

#define RELAY_BUF 16384      /* one TLS record of plaintext */
#define PAIR_SOCKBUF 32768   /* socketpair buffers: what a connection can park in the kernel */
#define ACCEPT_BURST 32      /* accepts per wake-up, so one thread cannot take every newcomer */
#define MAX_EVENTS 64
#define ACCEPT_PAUSE_MS 100 /* how long a thread leaves the listener alone when out of descriptors */
#define FREE_AND_NULL(p) \
    do {                 \
        free(p);         \
        (p) = NULL;      \
    } while (0)

enum side { SIDE_CLIENT, SIDE_PAIR, SIDE_LISTEN, SIDE_WAKE };

struct tag {
    enum side side;
    struct fconn *c;
};

struct fconn {
    struct fconn *prev, *next;   /* the thread's handshake FIFO while handshaking */
    struct fconn *aprev, *anext; /* the thread's list of all its connections */
    struct fthread *t;
    struct tag tc, tp;
    int cfd, pfd, mfd; /* client socket, our socketpair end, MHD's end (its number only) */
    gnutls_session_t s;
    long long deadline_ms;
    int handshaking, relaying;
    int client_eof, client_dead, mhd_eof, pair_shut, bye_done, send_again;
    int got_bytes; /* the client sent something (a bare connect-and-close logs nothing) */
    int guarded, refused; /* conf.guard_http: g looks at the client's bytes; it refused them */
    struct http_guard g;
    char *up;      /* client -> MHD: decrypted, not yet written to the pair */
    size_t up_len, up_off;
    char *down; /* MHD -> client: read from the pair, not yet encrypted and sent */
    size_t down_len, down_off;
    void *peer; /* on_handshake's object until MHD claims it */
    struct sockaddr_storage addr;
    socklen_t alen;
    char remote[INET6_ADDRSTRLEN];
};


/* At most one log line a second per kind of refusal at accept: a flood must not flood the log. */
struct throttle {
    atomic_llong last_ms;
    atomic_uint suppressed;
};

struct fthread {
    struct tls_front *f;
    pthread_t tid;
    int ep, wake;
    struct tag tl, tw;
    struct fconn *hs_head, *hs_tail; /* handshakes, oldest first */
    struct fconn *all;
    long long listen_paused_until; /* out of descriptors: the listener is off until then */
};

struct tls_front {
    struct tls_front_conf conf;
    pthread_rwlock_t d_lock; /* d is NULL once detached: no hand-off to a stopping daemon */
    struct MHD_Daemon *d;
    int lfd, port;
    gnutls_certificate_credentials_t cred;
    gnutls_priority_t prio;
    atomic_int stopping, quiesced;
    atomic_size_t nconns;
    struct fthread *threads;
    unsigned int nthreads;
    const char *comp;
    pthread_mutex_t slot_lock; /* slots: MHD's socket number -> connection, until claimed */
    struct fconn **slots;
    size_t nslots;
    struct conn_count *per_ip;
    struct throttle thr_max, thr_ip, thr_fd;
};

static long long now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void log_throttled(struct tls_front *f, struct throttle *t, const char *reason, const char *remote)
{
    long long now = now_ms(), last = atomic_load(&t->last_ms);
    if (now - last < 1000 || !atomic_compare_exchange_strong(&t->last_ms, &last, now)) {
        atomic_fetch_add(&t->suppressed, 1);
        return;
    }
    log_warn(f->comp, "event=refused reason=%s remote=%s more_in_last_second=%u", reason, remote,
             atomic_exchange(&t->suppressed, 0));
}

/* ---- connection life ------------------------------------------------------------------- */

static void hs_unlink(struct fconn *c)
{
    struct fthread *t = c->t;
    if (!c->handshaking)
        return;
    c->handshaking = 0;
    if (c->prev)
        c->prev->next = c->next;
    else
        t->hs_head = c->next;
    if (c->next)
        c->next->prev = c->prev;
    else
        t->hs_tail = c->prev;
    c->prev = c->next = NULL;
}

static void slot_drop(struct tls_front *f, struct fconn *c)
{
    if (c->mfd < 0 || (size_t)c->mfd >= f->nslots)
        return;
    pthread_mutex_lock(&f->slot_lock);
    if (f->slots[c->mfd] == c)
        f->slots[c->mfd] = NULL;
    pthread_mutex_unlock(&f->slot_lock);
}

static void conn_free(struct fconn *c)
{
    struct fthread *t = c->t;
    struct tls_front *f = t->f;
    hs_unlink(c);
    if (c->aprev)
        c->aprev->anext = c->anext;
    else
        t->all = c->anext;
    if (c->anext)
        c->anext->aprev = c->aprev;
    slot_drop(f, c);
    if (c->peer && f->conf.free_peer)
        f->conf.free_peer(c->peer);
    if (c->cfd >= 0)
        close(c->cfd); /* also leaves the epoll set */
    if (c->pfd >= 0)
        close(c->pfd);
    if (c->s)
        gnutls_deinit(c->s);
    free(c->up);
    free(c->down);
    conn_count_release(f->per_ip, &c->addr);
    atomic_fetch_sub(&f->nconns, 1);
    free(c);
}

/* The client side is gone or broken: stop talking TLS, let MHD see EOF, wait for its close. */
static void client_abort(struct fconn *c)
{
    c->client_dead = c->client_eof = 1;
    if (c->cfd >= 0) {
        close(c->cfd);
        c->cfd = -1;
    }
    FREE_AND_NULL(c->up);
    c->up_len = c->up_off = 0;
    if (c->pfd >= 0 && !c->pair_shut) {
        shutdown(c->pfd, SHUT_WR);
        c->pair_shut = 1;
    }
}

static int tls_fatal(int r)
{
    return r < 0 && r != GNUTLS_E_AGAIN && r != GNUTLS_E_INTERRUPTED && gnutls_error_is_fatal(r);
}

/* GnuTLS' reads: recv(2), noting whether the client ever sent a byte. */
static ssize_t pull(gnutls_transport_ptr_t p, void *buf, size_t n)
{
    struct fconn *c = p;
    ssize_t r = recv(c->cfd, buf, n, 0);
    if (r > 0)
        c->got_bytes = 1;
    return r;
}

/* ---- handshake ---------------------------------------------------------------------------- */

static int start_relay(struct fconn *c)
{
    struct tls_front *f = c->t->f;
    unsigned int n = 0;
    const gnutls_datum_t *peers = gnutls_certificate_type_get(c->s) == GNUTLS_CRT_X509
                                      ? gnutls_certificate_get_peers(c->s, &n)
                                      : NULL;
    const unsigned char *ders[HTTPD_MAX_PEER_CHAIN];
    size_t lens[HTTPD_MAX_PEER_CHAIN];
    if (!peers || n > HTTPD_MAX_PEER_CHAIN)
        n = peers ? HTTPD_MAX_PEER_CHAIN : 0;
    for (unsigned int i = 0; i < n; i++) {
        ders[i] = peers[i].data;
        lens[i] = peers[i].size;
    }
    struct tls_front_peer p = {ders, lens, n, gnutls_session_is_resumed(c->s) != 0,
                               (const struct sockaddr *)&c->addr, c->alen};
    if (f->conf.on_handshake)
        c->peer = f->conf.on_handshake(f->conf.cls, &p);

    int sv[2];
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, sv) < 0) {
        char q[120];
        log_warn(f->comp, "event=socketpair_failed remote=%s error=%s", c->remote,
                 log_quote(q, sizeof q, strerror(errno)));
        return -1;
    }
    int sz = PAIR_SOCKBUF;
    for (int i = 0; i < 2; i++) {
        setsockopt(sv[i], SOL_SOCKET, SO_SNDBUF, &sz, sizeof sz);
        setsockopt(sv[i], SOL_SOCKET, SO_RCVBUF, &sz, sizeof sz);
    }
    c->pfd = sv[0];
    c->mfd = sv[1];
    struct epoll_event ev = {.events = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET, .data.ptr = &c->tp};
    if (epoll_ctl(c->t->ep, EPOLL_CTL_ADD, c->pfd, &ev) < 0) {
        close(sv[1]);
        c->mfd = -1;
        return -1;
    }
    if ((size_t)c->mfd < f->nslots) {
        pthread_mutex_lock(&f->slot_lock);
        f->slots[c->mfd] = c;
        pthread_mutex_unlock(&f->slot_lock);
    }
    c->relaying = 1;
    if (f->conf.guard_http) {
        http_guard_init(&c->g);
        c->guarded = 1;
    }
    /* MHD owns sv[1] from here, and closes it even when it refuses the connection */
    pthread_rwlock_rdlock(&f->d_lock);
    enum MHD_Result added = MHD_NO;
    /* MHD is told the truth (a local socket): it then spares itself TCP_NODELAY/TCP_CORK on it
     * (which fail, with a warning per answer); the client's address comes with tls_front_claim */
    struct sockaddr_un local = {.sun_family = AF_UNIX};
    if (f->d)
        added = MHD_add_connection(f->d, sv[1], (const struct sockaddr *)&local, sizeof local.sun_family);
    else
        close(sv[1]);
    pthread_rwlock_unlock(&f->d_lock);
    if (added != MHD_YES) {
        log_warn(f->comp, "event=refused reason=http_layer_unavailable remote=%s", c->remote);
        slot_drop(f, c);
        return -1;
    }
    return 0;
}

/* 0 = still handshaking or relaying, -1 = connection to be closed (nothing handed to MHD). */
static int handshake_step(struct fconn *c)
{
    struct tls_front *f = c->t->f;
    int r;
    do /* a warning alert is not fatal: go on with what GnuTLS has buffered */
        r = gnutls_handshake(c->s);
    while (r < 0 && r != GNUTLS_E_AGAIN && !gnutls_error_is_fatal(r));
    if (r == GNUTLS_E_AGAIN)
        return 0;
    if (r < 0) {
        /* a TCP connect-and-close (load-balancer health checks) is not worth a line */
        int bare = r == GNUTLS_E_PREMATURE_TERMINATION || r == GNUTLS_E_PULL_ERROR;
        if (bare && !c->got_bytes)
            log_debug(f->comp, "event=closed_before_tls remote=%s", c->remote);
        else
            log_info(f->comp, "event=tls_handshake_failed remote=%s error=\"%s\"", c->remote, gnutls_strerror(r));
        return -1;
    }
    hs_unlink(c);
    return start_relay(c);
}

/* ---- relay ----------------------------------------------------------------------------------- */

/* The guard refused the client's framing: nothing more reaches MHD (its end is shut down, what
 * it still writes is dropped), the client gets the guard's 400 and the connection closes. */
static void refuse_framing(struct fconn *c)
{
    size_t n;
    const char *answer = http_guard_answer(&n);
    log_info(c->t->f->comp, "event=refused reason=bad_framing detail=%s remote=%s", http_guard_reason(&c->g),
             c->remote);
    FREE_AND_NULL(c->up);
    c->up_len = c->up_off = 0;
    c->refused = c->client_eof = 1;
    shutdown(c->pfd, SHUT_RDWR);
    c->pair_shut = 1;
    if (c->down_off < c->down_len || (!c->down && !(c->down = malloc(RELAY_BUF)))) {
        client_abort(c); /* an answer of MHD's is half sent: no room for ours */
        return;
    }
    memcpy(c->down, answer, n);
    c->down_len = n;
    c->down_off = 0;
}

/* client -> MHD. Returns 1 if anything moved. */
static int pump_up(struct fconn *c)
{
    int moved = 0;
    while (!c->client_dead) {
        if (c->up_off < c->up_len) {
            ssize_t w = write(c->pfd, c->up + c->up_off, c->up_len - c->up_off);
            if (w < 0 && errno == EINTR)
                continue;
            if (w < 0 && errno == EAGAIN)
                return moved; /* MHD is behind: wait for EPOLLOUT on the pair */
            if (w < 0) { /* MHD closed its end: read no more from the client, drain MHD's answer */
                FREE_AND_NULL(c->up);
                c->up_len = c->up_off = 0;
                c->client_eof = 1;
                return 1;
            }
            c->up_off += (size_t)w;
            moved = 1;
            continue;
        }
        c->up_len = c->up_off = 0;
        if (c->client_eof || c->mhd_eof)
            return moved;
        if (!c->up && !(c->up = malloc(RELAY_BUF)))
            return moved;
        ssize_t r = gnutls_record_recv(c->s, c->up, RELAY_BUF);
        if (r > 0) {
            if (c->guarded && http_guard_feed(&c->g, c->up, (size_t)r) == HTTP_GUARD_REFUSE) {
                refuse_framing(c);
                return 1;
            }
            c->up_len = (size_t)r;
            moved = 1;
            continue;
        }
        if (r == GNUTLS_E_AGAIN) {
            FREE_AND_NULL(c->up); /* nothing in flight: an idle connection holds no buffer */
            return moved;
        }
        if (r == GNUTLS_E_INTERRUPTED || (r < 0 && !tls_fatal((int)r) && r != GNUTLS_E_REHANDSHAKE))
            continue;
        if (r == 0) { /* close_notify: MHD sees EOF and may still answer */
            c->client_eof = 1;
            FREE_AND_NULL(c->up);
            shutdown(c->pfd, SHUT_WR);
            c->pair_shut = 1;
        } else { /* broken TLS or a renegotiation attempt */
            if (r != GNUTLS_E_PREMATURE_TERMINATION)
                log_debug(c->t->f->comp, "event=tls_error remote=%s error=\"%s\"", c->remote,
                          gnutls_strerror((int)r));
            client_abort(c);
        }
        return 1;
    }
    return moved;
}

/* MHD -> client. Returns 1 if anything moved. */
static int pump_down(struct fconn *c)
{
    int moved = 0;
    for (;;) {
        if (c->down_off < c->down_len) {
            if (c->client_dead) {
                c->down_off = c->down_len;
                continue;
            }
            ssize_t w = gnutls_record_send(c->s, c->down + c->down_off, c->down_len - c->down_off);
            if (w == GNUTLS_E_AGAIN)
                return moved; /* the client's window is full: wait for EPOLLOUT */
            if (w == GNUTLS_E_INTERRUPTED)
                continue;
            if (w < 0) {
                client_abort(c);
                return 1;
            }
            c->down_off += (size_t)w;
            moved = 1;
            continue;
        }
        c->down_len = c->down_off = 0;
        if (c->mhd_eof)
            return moved;
        if (!c->down && !(c->down = malloc(RELAY_BUF)))
            return moved;
        ssize_t r = read(c->pfd, c->down, RELAY_BUF);
        if (r > 0 && c->refused) { /* MHD's words after the guard's refusal: dropped */
            moved = 1;
            continue;
        }
        if (r > 0) {
            c->down_len = (size_t)r;
            moved = 1;
            continue;
        }
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0 && errno == EAGAIN) {
            FREE_AND_NULL(c->down);
            return moved;
        }
        c->mhd_eof = 1; /* MHD closed the connection (or the pair broke) */
        FREE_AND_NULL(c->down);
        return 1;
    }
}

/* Run a connection as far as it goes; frees it when both sides are done. */
static void progress(struct fconn *c)
{
    if (c->handshaking) {
        if (handshake_step(c) < 0) {
            conn_free(c);
            return;
        }
        if (c->handshaking)
            return;
    }
    if (!c->relaying)
        return;
    while (pump_up(c) | pump_down(c))
        ;
    if (!c->mhd_eof || (!c->client_dead && c->down_off < c->down_len))
        return;
    if (!c->client_dead && !c->bye_done) {
        /* everything MHD wrote is sent: close_notify, best effort (never wait for the peer) */
        c->bye_done = 1;
        (void)gnutls_bye(c->s, GNUTLS_SHUT_WR);
    }
    conn_free(c);
}

/* ---- accept ------------------------------------------------------------------------------------ */

static void accept_some(struct fthread *t)
{
    struct tls_front *f = t->f;
    for (int i = 0; i < ACCEPT_BURST && !atomic_load(&f->stopping); i++) {
        struct sockaddr_storage a;
        socklen_t alen = sizeof a;
        int fd = accept4(f->lfd, (struct sockaddr *)&a, &alen, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0) {
            if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM) {
                /* out of descriptors: the listener stays readable, so waiting on it would spin;
                 * this thread leaves it alone for a while (connections wait in the backlog) */
                log_throttled(f, &f->thr_fd, "out_of_descriptors", "-");
                if (epoll_ctl(t->ep, EPOLL_CTL_DEL, f->lfd, NULL) == 0)
                    t->listen_paused_until = now_ms() + ACCEPT_PAUSE_MS;
            }
            return; /* EAGAIN: another thread took it, or nothing left */
        }
        char remote[INET6_ADDRSTRLEN] = "-";
        if (a.ss_family == AF_INET)
            inet_ntop(AF_INET, &((struct sockaddr_in *)(void *)&a)->sin_addr, remote, sizeof remote);
        else if (a.ss_family == AF_INET6)
            inet_ntop(AF_INET6, &((struct sockaddr_in6 *)(void *)&a)->sin6_addr, remote, sizeof remote);
        if (atomic_fetch_add(&f->nconns, 1) >= f->conf.max_connections) {
            atomic_fetch_sub(&f->nconns, 1);
            log_throttled(f, &f->thr_max, "max_connections", remote);
            close(fd);
            continue;
        }
        if (f->conf.admit_source && !f->conf.admit_source(f->conf.cls, (struct sockaddr *)&a, alen)) {
            atomic_fetch_sub(&f->nconns, 1);
            close(fd); /* the callback logs or counts the refusal: a flood must not flood the log */
            continue;
        }
        if (!conn_count_take(f->per_ip, &a)) {
            atomic_fetch_sub(&f->nconns, 1);
            log_throttled(f, &f->thr_ip, "per_ip_connections", remote);
            close(fd);
            continue;
        }
        struct fconn *c = calloc(1, sizeof *c);
        if (!c) {
            conn_count_release(f->per_ip, &a);
            atomic_fetch_sub(&f->nconns, 1);
            close(fd);
            continue;
        }
        c->t = t;
        c->cfd = fd;
        c->pfd = c->mfd = -1;
        c->addr = a;
        c->alen = alen;
        memcpy(c->remote, remote, sizeof remote);
        c->tc = (struct tag){SIDE_CLIENT, c};
        c->tp = (struct tag){SIDE_PAIR, c};
        c->anext = t->all;
        if (t->all)
            t->all->aprev = c;
        t->all = c;
        int one = 1;
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        if (gnutls_init(&c->s, GNUTLS_SERVER | GNUTLS_NONBLOCK) < 0 || gnutls_priority_set(c->s, f->prio) < 0 ||
            gnutls_credentials_set(c->s, GNUTLS_CRD_CERTIFICATE, f->cred) < 0) {
            conn_free(c);
            continue;
        }
        if (f->conf.trust_pem) /* ask for a client certificate (verified by on_handshake's owner) */
            gnutls_certificate_server_set_request(c->s, GNUTLS_CERT_REQUEST);
        /* reads through pull(), writes by GnuTLS' own sendmsg on the socket */
        gnutls_transport_set_ptr2(c->s, c, (gnutls_transport_ptr_t)(intptr_t)fd);
        gnutls_transport_set_pull_function(c->s, pull);
        httpd_tickets_enable_session(f->conf.tickets, c->s);
        c->handshaking = 1;
        c->deadline_ms = now_ms() + f->conf.handshake_timeout_ms;
        c->prev = t->hs_tail;
        if (t->hs_tail)
            t->hs_tail->next = c;
        else
            t->hs_head = c;
        t->hs_tail = c;
        struct epoll_event ev = {.events = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET, .data.ptr = &c->tc};
        if (epoll_ctl(t->ep, EPOLL_CTL_ADD, fd, &ev) < 0)
            conn_free(c);
    }
}

static void expire_handshakes(struct fthread *t, long long now)
{
    while (t->hs_head && t->hs_head->deadline_ms <= now) {
        struct fconn *c = t->hs_head;
        if (c->got_bytes)
            log_info(t->f->comp, "event=tls_handshake_timeout remote=%s timeout_ms=%u", c->remote,
                     t->f->conf.handshake_timeout_ms);
        else
            log_debug(t->f->comp, "event=closed_before_tls remote=%s reason=timeout", c->remote);
        conn_free(c);
    }
}

static void *thread_main(void *arg)
{
    struct fthread *t = arg;
    struct tls_front *f = t->f;
    struct epoll_event evs[MAX_EVENTS];
    while (!atomic_load(&f->stopping)) {
        long long now = now_ms(), wake = -1;
        if (t->listen_paused_until && now >= t->listen_paused_until && !atomic_load(&f->quiesced)) {
            struct epoll_event el = {.events = EPOLLIN | EPOLLEXCLUSIVE, .data.ptr = &t->tl};
            if (epoll_ctl(t->ep, EPOLL_CTL_ADD, f->lfd, &el) == 0 || errno == EEXIST)
                t->listen_paused_until = 0;
            else
                t->listen_paused_until = now + ACCEPT_PAUSE_MS;
        }
        if (t->hs_head)
            wake = t->hs_head->deadline_ms;
        if (t->listen_paused_until && (wake < 0 || t->listen_paused_until < wake))
            wake = t->listen_paused_until;
        int timeout = wake < 0 ? -1 : wake <= now ? 0 : (int)(wake - now);
        int n = epoll_wait(t->ep, evs, MAX_EVENTS, timeout);
        if (n < 0 && errno != EINTR)
            break;
        for (int i = 0; i < n; i++) {
            struct tag *tg = evs[i].data.ptr;
            if (tg->side == SIDE_LISTEN)
                accept_some(t);
            else if (tg->side == SIDE_WAKE)
                continue;
            else {
                /* one batch may report both sides of a connection: progress runs it as far
                 * as it goes, so the second report is redundant (and c may be gone) */
                struct fconn *c = tg->c;
                progress(c); /* may free c: later events of this batch for it are dropped */
                for (int j = i + 1; j < n; j++)
                    if (evs[j].data.ptr == (void *)&c->tc || evs[j].data.ptr == (void *)&c->tp)
                        evs[j].data.ptr = &t->tw;
            }
        }
        expire_handshakes(t, now_ms());
    }
    return NULL;
}

static void mhd_log_text(void *cls, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    httpd_mhd_log(cls, fmt, ap);
    va_end(ap);
}

void tls_front_mhd_log(void *cls, const char *fmt, va_list ap)
{
    /* libmicrohttpd 0.9.75 sets TCP_NODELAY/TCP_CORK on every connection and warns when a
     * socket refuses them (EOPNOTSUPP on our socketpairs): nothing to say about a local socket */
    char msg[256];
    vsnprintf(msg, sizeof msg, fmt, ap);
    if (strstr(msg, "TCP_NODELAY") || strstr(msg, "TCP_CORK") || strstr(msg, "Failed to push the data"))
        return;
    mhd_log_text(cls, "%s", msg);
}

/* ---- start / stop ------------------------------------------------------------------------------ */

static int listen_socket(struct tls_front *f, char **errmsg)
{
    struct sockaddr_storage ss;
    socklen_t len;
    if (httpd_listen_addr(f->conf.listen_address, f->conf.port, &ss, &len, errmsg) < 0)
        return -ERR_CONFIG;
    struct sockaddr_in *a4 = (struct sockaddr_in *)(void *)&ss;
    struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)(void *)&ss;
    int fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    int one = 1;
    if (fd < 0)
        return err_fail(errmsg, -ERR_IO, "socket: %s", strerror(errno));
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (ss.ss_family == AF_INET6)
        setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one);
    if (bind(fd, (struct sockaddr *)&ss, len) < 0 || listen(fd, 1024) < 0) {
        int e = errno;
        close(fd);
        return err_fail(errmsg, -ERR_IO, "cannot listen on %s port %d: %s", f->conf.listen_address, f->conf.port,
                        strerror(e));
    }
    len = sizeof ss;
    getsockname(fd, (struct sockaddr *)&ss, &len);
    f->port = ntohs(ss.ss_family == AF_INET ? a4->sin_port : a6->sin6_port);
    f->lfd = fd;
    return 0;
}

static int load_credentials(struct tls_front *f, char **errmsg)
{
    const struct tls_front_conf *k = &f->conf;
    gnutls_datum_t cert = {(unsigned char *)k->cert_pem, (unsigned int)strlen(k->cert_pem)};
    gnutls_datum_t key = {(unsigned char *)k->key_pem, (unsigned int)strlen(k->key_pem)};
    const char *pos = NULL;
    if (gnutls_certificate_allocate_credentials(&f->cred) < 0)
        return err_fail(errmsg, -ERR_NOMEM, "no memory for TLS credentials");
    int r = gnutls_certificate_set_x509_key_mem(f->cred, &cert, &key, GNUTLS_X509_FMT_PEM);
    if (r < 0)
        return err_fail(errmsg, -ERR_TLS, "server certificate or key: %s", gnutls_strerror(r));
    if (k->trust_pem) {
        gnutls_datum_t trust = {(unsigned char *)k->trust_pem, (unsigned int)strlen(k->trust_pem)};
        if ((r = gnutls_certificate_set_x509_trust_mem(f->cred, &trust, GNUTLS_X509_FMT_PEM)) < 0)
            return err_fail(errmsg, -ERR_TLS, "trusted CAs: %s", gnutls_strerror(r));
    }
    if ((r = gnutls_priority_init(&f->prio, k->priorities ? k->priorities : "NORMAL", &pos)) < 0)
        return err_fail(errmsg, -ERR_TLS, "TLS priorities at \"%s\": %s", pos ? pos : "", gnutls_strerror(r));
    return 0;
}

struct tls_front *tls_front_start(const struct tls_front_conf *conf, struct MHD_Daemon *d, char **errmsg)
{
    struct tls_front *f = calloc(1, sizeof *f);
    if (!f)
        return NULL;
    f->conf = *conf;
    f->d = d;
    f->lfd = -1;
    f->comp = conf->log_component ? conf->log_component : "http";
    f->nthreads = conf->threads ? conf->threads : 1;
    pthread_mutex_init(&f->slot_lock, NULL);
    pthread_rwlock_init(&f->d_lock, NULL);
    struct rlimit rl;
    /* three descriptors per connection (client socket, two socketpair ends): take what we may */
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
        rl.rlim_cur = rl.rlim_max;
        (void)setrlimit(RLIMIT_NOFILE, &rl);
    }
    f->nslots = getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY ? (size_t)rl.rlim_cur : 65536;
    if (!(f->slots = calloc(f->nslots, sizeof *f->slots)) || !(f->threads = calloc(f->nthreads, sizeof *f->threads)) ||
        !(f->per_ip = conn_count_new(conf->per_ip_connections))) {
        err_fail(errmsg, -ERR_NOMEM, "no memory for the TLS front");
        goto fail;
    }
    if (load_credentials(f, errmsg) < 0 || listen_socket(f, errmsg) < 0)
        goto fail;
    for (unsigned int i = 0; i < f->nthreads; i++) {
        struct fthread *t = &f->threads[i];
        t->f = f;
        t->ep = epoll_create1(EPOLL_CLOEXEC);
        t->wake = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
        t->tl = (struct tag){SIDE_LISTEN, NULL};
        t->tw = (struct tag){SIDE_WAKE, NULL};
        struct epoll_event el = {.events = EPOLLIN | EPOLLEXCLUSIVE, .data.ptr = &t->tl};
        struct epoll_event ew = {.events = EPOLLIN, .data.ptr = &t->tw};
        if (t->ep < 0 || t->wake < 0 || epoll_ctl(t->ep, EPOLL_CTL_ADD, f->lfd, &el) < 0 ||
            epoll_ctl(t->ep, EPOLL_CTL_ADD, t->wake, &ew) < 0 || pthread_create(&t->tid, NULL, thread_main, t) != 0) {
            err_fail(errmsg, -ERR_IO, "cannot start TLS thread %u: %s", i, strerror(errno));
            if (t->ep >= 0)
                close(t->ep);
            if (t->wake >= 0)
                close(t->wake);
            f->nthreads = i;
            tls_front_stop(f);
            return NULL;
        }
    }
    return f;
fail:
    f->nthreads = 0;
    tls_front_stop(f);
    return NULL;
}

int tls_front_port(const struct tls_front *f)
{
    return f->port;
}

void *tls_front_claim(struct tls_front *f, int mhd_fd, char *remote, size_t n)
{
    void *peer = NULL;
    if (remote && n)
        snprintf(remote, n, "-");
    if (mhd_fd < 0 || (size_t)mhd_fd >= f->nslots)
        return NULL;
    pthread_mutex_lock(&f->slot_lock);
    struct fconn *c = f->slots[mhd_fd];
    if (c) {
        peer = c->peer;
        c->peer = NULL;
        f->slots[mhd_fd] = NULL;
        if (remote && n)
            snprintf(remote, n, "%s", c->remote);
    }
    pthread_mutex_unlock(&f->slot_lock);
    return peer;
}

size_t tls_front_connections(struct tls_front *f)
{
    return atomic_load(&f->nconns);
}

void tls_front_quiesce(struct tls_front *f)
{
    if (f->lfd < 0 || atomic_exchange(&f->quiesced, 1))
        return;
    for (unsigned int i = 0; i < f->nthreads; i++)
        epoll_ctl(f->threads[i].ep, EPOLL_CTL_DEL, f->lfd, NULL);
    /* no more connections; the descriptor stays open (a thread may be in accept4 on it) and
     * is closed by tls_front_stop after the threads are gone */
    shutdown(f->lfd, SHUT_RDWR);
}

static void detach(struct tls_front *f)
{
    pthread_rwlock_wrlock(&f->d_lock);
    f->d = NULL;
    pthread_rwlock_unlock(&f->d_lock);
}

void tls_front_shutdown(struct tls_front *f, struct MHD_Daemon *d)
{
    if (f) {
        tls_front_quiesce(f);
        detach(f);
    }
    if (d)
        MHD_stop_daemon(d);
    tls_front_stop(f);
}

void tls_front_stop(struct tls_front *f)
{
    if (!f)
        return;
    atomic_store(&f->stopping, 1);
    for (unsigned int i = 0; i < f->nthreads; i++) {
        uint64_t one = 1;
        if (write(f->threads[i].wake, &one, sizeof one) < 0)
            log_warn(f->comp, "event=tls_thread_wake_failed error=\"%s\"", strerror(errno));
    }
    for (unsigned int i = 0; i < f->nthreads; i++) {
        struct fthread *t = &f->threads[i];
        pthread_join(t->tid, NULL);
        while (t->all)
            conn_free(t->all);
        close(t->ep);
        close(t->wake);
    }
    if (f->lfd >= 0)
        close(f->lfd);
    conn_count_free(f->per_ip);
    if (f->prio)
        gnutls_priority_deinit(f->prio);
    if (f->cred)
        gnutls_certificate_free_credentials(f->cred);
    pthread_mutex_destroy(&f->slot_lock);
    pthread_rwlock_destroy(&f->d_lock);
    free(f->threads);
    free(f->slots);
    free(f);
}

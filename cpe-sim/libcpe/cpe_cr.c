/* cpe-sim/libcpe/cpe_cr.c — connection-request HTTP listener with Digest auth (cpe_cr.h).
 * One request per connection (Connection: close), bounded size and time, rate-limited
 * globally (token bucket) and per device (minimum interval). */
#include "cpe_cr.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "cpe_digest.h"

#define PREFIX "/cr/"
#define MAX_ID 128

struct crconn {
    int fd; /* -1: free slot */
    size_t len;
    int64_t deadline;
    char buf[CPE_CR_MAX_REQUEST + 1];
};

struct cpe_cr {
    int lfd, epfd;
    unsigned port;
    struct cpe_cr_opts o;
    struct cpe_cr_ops ops;
    void *ud;
    struct cpe_digest digest;
    struct crconn *conns;
    int64_t *last_ok; /* per device handle, ms */
    double tokens;
    int64_t refill_ms;
    struct cpe_cr_stats st;
};

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int nonblock(int fd)
{
    int fl = fcntl(fd, F_GETFL);
    return fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0 ? -errno : 0;
}

struct cpe_cr *cpe_cr_new(const struct cpe_cr_opts *o, const struct cpe_cr_ops *ops, void *ud, char **errmsg)
{
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)o->port)};
    if (!o->addr || inet_pton(AF_INET, o->addr, &sa.sin_addr) != 1 || (ntohl(sa.sin_addr.s_addr) >> 24) != 127) {
        err_fail(errmsg, -ERR_INVAL, "connection-request listener: %s is not an IPv4 loopback address",
                 o->addr ? o->addr : "");
        return NULL;
    }
    struct cpe_cr *cr = calloc(1, sizeof *cr);
    if (!cr)
        return NULL;
    cr->lfd = cr->epfd = -1;
    cr->o = *o;
    if (!cr->o.max_conns)
        cr->o.max_conns = 256;
    if (!cr->o.rate)
        cr->o.rate = 1000;
    if (!cr->o.min_interval_ms)
        cr->o.min_interval_ms = 100;
    cr->ops = *ops;
    cr->ud = ud;
    cr->tokens = cr->o.rate;
    cr->refill_ms = now_ms();
    cr->conns = calloc(cr->o.max_conns, sizeof *cr->conns);
    cr->last_ok = calloc(o->ndevices ? o->ndevices : 1, sizeof *cr->last_ok);
    if (!cr->conns || !cr->last_ok || cpe_digest_init(&cr->digest, o->realm) < 0) {
        err_fail(errmsg, -ERR_NOMEM, "connection-request listener: out of memory or no randomness");
        goto fail;
    }
    for (unsigned i = 0; i < cr->o.max_conns; i++)
        cr->conns[i].fd = -1;
    int one = 1;
    socklen_t sl = sizeof sa;
    cr->lfd = socket(AF_INET, SOCK_STREAM, 0);
    if (cr->lfd < 0 || setsockopt(cr->lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) < 0 ||
        bind(cr->lfd, (struct sockaddr *)&sa, sizeof sa) < 0 || listen(cr->lfd, 512) < 0 ||
        getsockname(cr->lfd, (struct sockaddr *)&sa, &sl) < 0 || nonblock(cr->lfd) < 0) {
        err_fail(errmsg, -ERR_IO, "connection-request listener on %s:%u: %s", o->addr, o->port, strerror(errno));
        goto fail;
    }
    cr->port = ntohs(sa.sin_port);
    cr->epfd = epoll_create1(EPOLL_CLOEXEC);
    struct epoll_event ev = {.events = EPOLLIN, .data.ptr = NULL};
    if (cr->epfd < 0 || epoll_ctl(cr->epfd, EPOLL_CTL_ADD, cr->lfd, &ev) < 0) {
        err_fail(errmsg, -ERR_IO, "epoll: %s", strerror(errno));
        goto fail;
    }
    return cr;
fail:
    cpe_cr_free(cr);
    return NULL;
}

static void conn_close(struct cpe_cr *cr, struct crconn *c)
{
    (void)cr;
    if (c->fd >= 0)
        close(c->fd); /* also leaves the epoll set */
    c->fd = -1;
    c->len = 0;
}

void cpe_cr_free(struct cpe_cr *cr)
{
    if (!cr)
        return;
    for (unsigned i = 0; cr->conns && i < cr->o.max_conns; i++)
        conn_close(cr, &cr->conns[i]);
    if (cr->lfd >= 0)
        close(cr->lfd);
    if (cr->epfd >= 0)
        close(cr->epfd);
    free(cr->conns);
    free(cr->last_ok);
    free(cr);
}

unsigned cpe_cr_port(const struct cpe_cr *cr)
{
    return cr->port;
}

int cpe_cr_fd(const struct cpe_cr *cr)
{
    return cr->epfd;
}

void cpe_cr_get_stats(const struct cpe_cr *cr, struct cpe_cr_stats *out)
{
    *out = cr->st;
}

static void reply(struct crconn *c, const char *status, const char *extra)
{
    char out[512];
    int n = snprintf(out, sizeof out, "HTTP/1.1 %s\r\nContent-Length: 0\r\nConnection: close\r\n%s\r\n", status,
                     extra ? extra : "");
    if (n > 0 && (size_t)n < sizeof out)
        (void)!write(c->fd, out, (size_t)n); /* small: fits the socket buffer */
}

static void challenge(struct cpe_cr *cr, struct crconn *c, int stale, int64_t now)
{
    char hdr[256], extra[300];
    if (cpe_digest_challenge(&cr->digest, now, stale, hdr, sizeof hdr) < 0) {
        reply(c, "500 Internal Server Error", NULL);
        return;
    }
    snprintf(extra, sizeof extra, "WWW-Authenticate: %s\r\n", hdr);
    reply(c, "401 Unauthorized", extra);
    cr->st.unauthorized++;
}

/* Header value (case-insensitive name) in the request head, copied to out. */
static bool header(const char *head, const char *name, char *out, size_t n)
{
    size_t nl = strlen(name);
    for (const char *l = strstr(head, "\r\n"); l; l = strstr(l + 2, "\r\n")) {
        const char *h = l + 2;
        if (strncasecmp(h, name, nl) != 0 || h[nl] != ':')
            continue;
        h += nl + 1;
        while (*h == ' ' || *h == '\t')
            h++;
        size_t vl = strcspn(h, "\r\n");
        if (vl >= n)
            return false;
        memcpy(out, h, vl);
        out[vl] = '\0';
        return true;
    }
    return false;
}

static bool admit(struct cpe_cr *cr, int handle, int64_t now)
{
    cr->tokens += (double)(now - cr->refill_ms) * cr->o.rate / 1000.0;
    if (cr->tokens > cr->o.rate)
        cr->tokens = cr->o.rate;
    cr->refill_ms = now;
    if (handle >= 0 && (unsigned)handle < cr->o.ndevices && cr->last_ok[handle] &&
        now - cr->last_ok[handle] < (int64_t)cr->o.min_interval_ms)
        return false;
    if (cr->tokens < 1.0)
        return false;
    cr->tokens -= 1.0;
    if (handle >= 0 && (unsigned)handle < cr->o.ndevices)
        cr->last_ok[handle] = now;
    return true;
}

/* A complete request head is in c->buf. */
static void handle(struct cpe_cr *cr, struct crconn *c, int64_t now)
{
    char method[8] = "", target[MAX_ID + 16] = "", version[16] = "";
    if (sscanf(c->buf, "%7s %143s %15s", method, target, version) != 3 || strncmp(version, "HTTP/1.", 7) != 0 ||
        (strcmp(method, "GET") != 0 && strcmp(method, "POST") != 0) ||
        strncmp(target, PREFIX, strlen(PREFIX)) != 0 || !target[strlen(PREFIX)] ||
        strchr(target + strlen(PREFIX), '/') || strchr(target, '?')) {
        cr->st.bad_request++;
        reply(c, strcmp(method, "GET") && strcmp(method, "POST") ? "405 Method Not Allowed" : "404 Not Found", NULL);
        return;
    }
    char user[257], pass[257], authz[1024];
    int h = cr->ops.lookup(cr->ud, target + strlen(PREFIX), user, pass, sizeof user);
    if (!header(c->buf, "Authorization", authz, sizeof authz)) {
        challenge(cr, c, 0, now); /* unknown devices look the same as known ones */
        return;
    }
    int rc = h < 0 ? -ERR_AUTH : cpe_digest_verify(&cr->digest, authz, method, target, user, pass, now);
    memset(pass, 0, sizeof pass);
    if (rc < 0) {
        challenge(cr, c, rc == -ERR_EXPIRED, now);
        return;
    }
    if (!admit(cr, h, now)) {
        cr->st.limited++;
        reply(c, "503 Service Unavailable", "Retry-After: 1\r\n");
        return;
    }
    cr->st.ok++;
    reply(c, "200 OK", NULL);
    cr->ops.trigger(cr->ud, h);
}

static void accept_all(struct cpe_cr *cr, int64_t now)
{
    for (;;) {
        int fd = accept(cr->lfd, NULL, NULL);
        if (fd < 0)
            return;
        struct crconn *c = NULL;
        for (unsigned i = 0; i < cr->o.max_conns && !c; i++)
            if (cr->conns[i].fd < 0)
                c = &cr->conns[i];
        struct epoll_event ev = {.events = EPOLLIN | EPOLLRDHUP, .data.ptr = c};
        if (!c || nonblock(fd) < 0 || epoll_ctl(cr->epfd, EPOLL_CTL_ADD, fd, &ev) < 0) {
            close(fd); /* over the connection cap */
            cr->st.limited++;
            continue;
        }
        c->fd = fd;
        c->len = 0;
        c->deadline = now + CPE_CR_TIMEOUT_MS;
    }
}

static void readable(struct cpe_cr *cr, struct crconn *c, int64_t now)
{
    for (;;) {
        ssize_t n = read(c->fd, c->buf + c->len, CPE_CR_MAX_REQUEST - c->len);
        if (n < 0 && (errno == EAGAIN || errno == EINTR))
            return;
        if (n <= 0) {
            conn_close(cr, c);
            return;
        }
        c->len += (size_t)n;
        c->buf[c->len] = '\0';
        if (strstr(c->buf, "\r\n\r\n")) {
            handle(cr, c, now);
            conn_close(cr, c);
            return;
        }
        if (c->len >= CPE_CR_MAX_REQUEST) {
            cr->st.bad_request++;
            reply(c, "431 Request Header Fields Too Large", NULL);
            conn_close(cr, c);
            return;
        }
    }
}

int cpe_cr_run(struct cpe_cr *cr, int timeout_ms)
{
    struct epoll_event evs[64];
    int n = epoll_wait(cr->epfd, evs, 64, timeout_ms);
    if (n < 0)
        return errno == EINTR ? 0 : -errno;
    int64_t now = now_ms();
    for (int i = 0; i < n; i++) {
        struct crconn *c = evs[i].data.ptr;
        if (!c)
            accept_all(cr, now);
        else if (c->fd >= 0)
            readable(cr, c, now);
    }
    for (unsigned i = 0; i < cr->o.max_conns; i++)
        if (cr->conns[i].fd >= 0 && cr->conns[i].deadline < now) {
            cr->st.timeouts++;
            conn_close(cr, &cr->conns[i]);
        }
    return 0;
}

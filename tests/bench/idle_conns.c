/* tests/bench/idle_conns.c — `make bench-acs` helper: open N mutual-TLS keep-alive
 * connections to a loopback server with device certificates from an `acs-ca batch` bundle
 * (cpe-sim's identity loader and TLS client), one GET each (answered, connection kept), then
 * hold them idle until SIGTERM/SIGINT or --hold seconds. Prints "idle_open=N idle_failed=M
 * open_seconds=S" and "ready" when all are open. Bounded: N ≤ 19,000 (fd limit 20,000). */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "sim.h"

#define MAX_CONNS 19000
#define MAX_THREADS 16
#define IO_TIMEOUT_S 30

struct idle {
    int fd;
    gnutls_session_t tls;
};

static struct sim_tls tls;
static struct sim_ident *ids;
static int nids;
static struct idle *conns;
static unsigned nconns, nthreads = 4;
static struct sockaddr_in addr;
static atomic_uint n_ok, n_fail;

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* connect, handshake, GET / and read the whole answer; 0 or -1 */
static int open_one(struct idle *c, struct sim_ident *id)
{
    static const char req[] = "GET / HTTP/1.1\r\nHost: localhost\r\nUser-Agent: idle_conns\r\n\r\n";
    struct timeval tv = {IO_TIMEOUT_S, 0};
    struct sim_http h;
    int rc = -1;
    c->tls = NULL;
    c->fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (c->fd < 0)
        return -1;
    setsockopt(c->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    setsockopt(c->fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    int one = 1;
    setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    sim_http_init(&h);
    if (connect(c->fd, (struct sockaddr *)&addr, sizeof addr) < 0 || sim_tls_session(&tls, c->fd, id, &c->tls) < 0)
        goto out;
    do
        rc = gnutls_handshake(c->tls);
    while (rc == GNUTLS_E_AGAIN || rc == GNUTLS_E_INTERRUPTED);
    if (rc < 0 || gnutls_record_send(c->tls, req, sizeof req - 1) != (ssize_t)(sizeof req - 1)) {
        rc = -1;
        goto out;
    }
    rc = -1;
    double until = now_s() + IO_TIMEOUT_S;
    while (now_s() < until) {
        char b[4096];
        ssize_t n = gnutls_record_recv(c->tls, b, sizeof b);
        if (n == GNUTLS_E_AGAIN || n == GNUTLS_E_INTERRUPTED)
            continue; /* also after a TLS 1.3 session ticket was consumed; SO_RCVTIMEO bounds a wait */
        if (n <= 0)
            break;
        size_t used = 0;
        int r = sim_http_feed(&h, b, (size_t)n, &used);
        if (r < 0)
            break;
        if (r == 1) {
            rc = h.close ? -1 : 0; /* closed by the server: not an idle keep-alive connection */
            break;
        }
    }
out:
    sim_http_cleanup(&h);
    if (rc < 0) {
        if (c->tls)
            gnutls_deinit(c->tls);
        if (c->fd >= 0)
            close(c->fd);
        c->tls = NULL;
        c->fd = -1;
    }
    return rc;
}

static void *opener(void *arg)
{
    unsigned t = (unsigned)(uintptr_t)arg;
    for (unsigned i = t; i < nconns; i += nthreads) {
        if (open_one(&conns[i], &ids[i % (unsigned)nids]) == 0)
            atomic_fetch_add(&n_ok, 1);
        else
            atomic_fetch_add(&n_fail, 1);
    }
    return NULL;
}

static void usage(void)
{
    fprintf(stderr, "usage: idle_conns --port P --ca CHAIN.pem --identities BUNDLE --count N\n"
                    "                  [--threads T] [--hold SECONDS]\n");
    exit(2);
}

int main(int argc, char **argv)
{
    const char *ca = NULL, *bundle = NULL;
    unsigned port = 0, hold = 600;
    static const struct option opts[] = {
        {"port", required_argument, NULL, 'p'},  {"ca", required_argument, NULL, 'c'},
        {"identities", required_argument, NULL, 'i'}, {"count", required_argument, NULL, 'n'},
        {"threads", required_argument, NULL, 't'}, {"hold", required_argument, NULL, 'H'},
        {NULL, 0, NULL, 0}};
    int opt;
    while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (opt) {
        case 'p': port = (unsigned)strtoul(optarg, NULL, 10); break;
        case 'c': ca = optarg; break;
        case 'i': bundle = optarg; break;
        case 'n': nconns = (unsigned)strtoul(optarg, NULL, 10); break;
        case 't': nthreads = (unsigned)strtoul(optarg, NULL, 10); break;
        case 'H': hold = (unsigned)strtoul(optarg, NULL, 10); break;
        default: usage();
        }
    }
    if (!ca || !bundle || !port || port > 65535 || !nconns || nconns > MAX_CONNS || !nthreads ||
        nthreads > MAX_THREADS || !hold)
        usage();
    char *err = NULL;
    sigset_t stop;
    sigemptyset(&stop);
    sigaddset(&stop, SIGINT);
    sigaddset(&stop, SIGTERM);
    sigaddset(&stop, SIGALRM);
    pthread_sigmask(SIG_BLOCK, &stop, NULL);
    signal(SIGPIPE, SIG_IGN);
    unsigned want = nconns < 1000 ? nconns : 1000; /* rotate over at most 1,000 identities */
    if ((nids = sim_ident_load(bundle, want, &ids, &err)) < 0 || sim_tls_init(&tls, ca, "127.0.0.1", false, &err) < 0) {
        fprintf(stderr, "idle_conns: %s\n", err ? err : "setup failed");
        return 2;
    }
    addr.sin_family = AF_INET;
    addr.sin_port = htons((uint16_t)port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    conns = calloc(nconns, sizeof *conns);
    pthread_t th[MAX_THREADS];
    double t0 = now_s();
    for (unsigned t = 0; t < nthreads; t++)
        pthread_create(&th[t], NULL, opener, (void *)(uintptr_t)t);
    for (unsigned t = 0; t < nthreads; t++)
        pthread_join(th[t], NULL);
    printf("idle_open=%u idle_failed=%u open_seconds=%.1f\nready\n", atomic_load(&n_ok), atomic_load(&n_fail),
           now_s() - t0);
    fflush(stdout);
    alarm(hold);
    int sig = 0;
    while (sigwait(&stop, &sig) != 0)
        ;
    for (unsigned i = 0; i < nconns; i++)
        if (conns[i].tls) {
            gnutls_deinit(conns[i].tls);
            close(conns[i].fd);
        }
    free(conns);
    sim_ident_free(ids, (unsigned)nids);
    sim_tls_cleanup(&tls);
    return 0;
}

/* tests/bench/ref_tls_server.c — the reference of `make bench-acs`: a minimal libmicrohttpd +
 * GnuTLS mutual-TLS server with acsd's TLS options (priorities, requested client certificate
 * verified once per connection, handshake deadline, thread pool, polling mode, connection
 * memory) and nothing else: every POST body is read and discarded, the answer is a fixed
 * 1 KB. Loopback only; stops on SIGTERM/SIGINT or after --max-seconds.
 *
 * With --front N, TLS runs in common/tls_front (N threads) in front of the same MHD daemon
 * over socketpairs, as in acsd: the chain verified right after the handshake with GnuTLS'
 * trust list. acsd's sessions/s ratio is taken against the better of the two.
 *
 * ref_tls_server --cert C --key K --trust CA [--threads N] [--loop epoll|poll]
 *                [--memory B] [--handshake-ms MS] [--max-seconds S] [--front TLS_THREADS]
 * prints "ref_tls_server: listening on 127.0.0.1:PORT" and, at exit, counters. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <getopt.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <gnutls/gnutls.h>
#include <microhttpd.h>

#include <gnutls/x509.h>

#include "httpd_tls.h"
#include "tls_front.h"

#define ANSWER_BYTES 1024
#define PEM_MAX (64u << 10)

static char answer_body[ANSWER_BYTES];
static atomic_ulong n_conn, n_req, n_refused;
static unsigned int hs_ms = 3000;
static struct tls_front *front;           /* --front */
static gnutls_x509_trust_list_t trust_list; /* --front: what the chain is verified against */

struct conn {
    int verified, ok;
};

static void on_connection(void *cls, struct MHD_Connection *c, void **socket_context,
                          enum MHD_ConnectionNotificationCode code)
{
    (void)cls;
    if (code == MHD_CONNECTION_NOTIFY_CLOSED) {
        free(*socket_context);
        *socket_context = NULL;
        return;
    }
    struct conn *k = calloc(1, sizeof *k);
    if (front && k) { /* the front verified the chain already */
        k->ok = tls_front_claim(front, httpd_connection_fd(c), NULL, 0) != NULL;
        k->verified = 1;
    } else if (!front) {
        httpd_set_handshake_timeout(c, hs_ms);
    }
    *socket_context = k;
    atomic_fetch_add(&n_conn, 1);
}

/* tls_front's on_handshake: the chain against the trust list; non-NULL = verified. */
static void *front_verify(void *cls, const struct tls_front_peer *p)
{
    (void)cls;
    gnutls_x509_crt_t crts[HTTPD_MAX_PEER_CHAIN];
    unsigned int n = 0, status = 1;
    for (size_t i = 0; i < p->n; i++) {
        gnutls_datum_t d = {(unsigned char *)p->ders[i], (unsigned int)p->lens[i]};
        if (gnutls_x509_crt_init(&crts[n]) < 0)
            break;
        if (gnutls_x509_crt_import(crts[n], &d, GNUTLS_X509_FMT_DER) < 0) {
            gnutls_x509_crt_deinit(crts[n]);
            break;
        }
        n++;
    }
    int ok = n == p->n && n > 0 &&
             gnutls_x509_trust_list_verify_crt2(trust_list, crts, n, NULL, 0, 0, &status, NULL) >= 0 && status == 0;
    for (unsigned int i = 0; i < n; i++)
        gnutls_x509_crt_deinit(crts[i]);
    return ok ? (void *)1 : NULL;
}

static void no_free(void *p)
{
    (void)p;
}

/* The chain is verified once per connection against the trust list MHD loaded. */
static int peer_ok(struct MHD_Connection *c)
{
    const union MHD_ConnectionInfo *ci = MHD_get_connection_info(c, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
    struct conn *k = ci ? ci->socket_context : NULL;
    if (!k)
        return 0;
    if (!k->verified) {
        ci = MHD_get_connection_info(c, MHD_CONNECTION_INFO_GNUTLS_SESSION);
        gnutls_session_t s = ci ? (gnutls_session_t)ci->tls_session : NULL;
        unsigned int status = 1, n = 0;
        int rc = s ? gnutls_certificate_verify_peers3(s, NULL, &status) : -1;
        k->ok = rc >= 0 && status == 0 && s && gnutls_certificate_get_peers(s, &n) && n > 0;
        k->verified = 1;
    }
    return k->ok;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url, const char *method,
                                  const char *version, const char *upload_data, size_t *upload_size,
                                  void **req_cls)
{
    (void)cls;
    (void)url;
    (void)version;
    (void)upload_data;
    if (!*req_cls) {
        *req_cls = (void *)1;
        return MHD_YES;
    }
    if (*upload_size) {
        *upload_size = 0; /* discarded */
        return MHD_YES;
    }
    static const char *const hdr[] = {MHD_HTTP_HEADER_CONTENT_TYPE, "text/xml; charset=utf-8", NULL};
    if (!peer_ok(c)) {
        atomic_fetch_add(&n_refused, 1);
        return httpd_respond(c, 403, "forbidden\n", 10, NULL);
    }
    atomic_fetch_add(&n_req, 1);
    if (strcmp(method, MHD_HTTP_METHOD_POST) != 0)
        return httpd_respond(c, 405, "POST\n", 5, NULL);
    return httpd_respond(c, 200, answer_body, sizeof answer_body, hdr);
}

static char *read_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    char *b = f ? malloc(PEM_MAX + 1) : NULL;
    size_t n = b ? fread(b, 1, PEM_MAX, f) : 0;
    if (f)
        fclose(f);
    if (!b || n == 0) {
        fprintf(stderr, "ref_tls_server: cannot read %s\n", path);
        exit(2);
    }
    b[n] = '\0';
    return b;
}

static void usage(void)
{
    fprintf(stderr, "usage: ref_tls_server --cert C --key K --trust CA [--threads N] [--loop epoll|poll]\n"
                    "                      [--memory BYTES] [--handshake-ms MS] [--max-seconds S]\n"
                    "                      [--front TLS_THREADS]\n");
    exit(2);
}

int main(int argc, char **argv)
{
    const char *cert = NULL, *key = NULL, *trust = NULL, *loop = "epoll";
    unsigned int threads = 4, memory = 32768, max_s = 600, front_threads = 0;
    static const struct option opts[] = {
        {"cert", required_argument, NULL, 'c'},    {"key", required_argument, NULL, 'k'},
        {"trust", required_argument, NULL, 'T'},   {"threads", required_argument, NULL, 't'},
        {"loop", required_argument, NULL, 'l'},    {"memory", required_argument, NULL, 'm'},
        {"handshake-ms", required_argument, NULL, 'H'}, {"max-seconds", required_argument, NULL, 'S'},
        {"front", required_argument, NULL, 'F'},
        {NULL, 0, NULL, 0}};
    int opt;
    while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (opt) {
        case 'c': cert = optarg; break;
        case 'k': key = optarg; break;
        case 'T': trust = optarg; break;
        case 'l': loop = optarg; break;
        case 't': threads = (unsigned int)strtoul(optarg, NULL, 10); break;
        case 'm': memory = (unsigned int)strtoul(optarg, NULL, 10); break;
        case 'H': hs_ms = (unsigned int)strtoul(optarg, NULL, 10); break;
        case 'S': max_s = (unsigned int)strtoul(optarg, NULL, 10); break;
        case 'F': front_threads = (unsigned int)strtoul(optarg, NULL, 10); break;
        default: usage();
        }
    }
    if (!cert || !key || !trust || !threads || !max_s || (strcmp(loop, "epoll") && strcmp(loop, "poll")))
        usage();
    for (size_t i = 0; i < sizeof answer_body; i++)
        answer_body[i] = (char)('a' + i % 26);
    char *cert_pem = read_file(cert), *key_pem = read_file(key), *trust_pem = read_file(trust);
    sigset_t stop;
    sigemptyset(&stop);
    sigaddset(&stop, SIGINT);
    sigaddset(&stop, SIGTERM);
    sigaddset(&stop, SIGALRM);
    pthread_sigmask(SIG_BLOCK, &stop, NULL);
    signal(SIGPIPE, SIG_IGN);
    unsigned int mode = !strcmp(loop, "epoll") ? MHD_USE_EPOLL_INTERNAL_THREAD : MHD_USE_POLL_INTERNAL_THREAD;
    struct MHD_Daemon *d;
    int port = 0;
    if (front_threads) {
        gnutls_datum_t t = {(unsigned char *)trust_pem, (unsigned int)strlen(trust_pem)};
        if (gnutls_x509_trust_list_init(&trust_list, 0) < 0 ||
            gnutls_x509_trust_list_add_trust_mem(trust_list, &t, NULL, GNUTLS_X509_FMT_PEM, 0, 0) <= 0) {
            fprintf(stderr, "ref_tls_server: cannot load the trust list\n");
            return 1;
        }
        d = MHD_start_daemon(MHD_USE_NO_LISTEN_SOCKET | MHD_USE_ERROR_LOG | MHD_USE_ITC | mode, 0, NULL, NULL,
                             on_request, NULL, MHD_OPTION_EXTERNAL_LOGGER, tls_front_mhd_log, (void *)"ref",
                             MHD_OPTION_THREAD_POOL_SIZE, threads, MHD_OPTION_CONNECTION_TIMEOUT, 600u,
                             MHD_OPTION_CONNECTION_LIMIT, 30000u, MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)memory,
                             MHD_OPTION_NOTIFY_CONNECTION, on_connection, NULL, MHD_OPTION_END);
        struct tls_front_conf fc = {.listen_address = "127.0.0.1", .cert_pem = cert_pem, .key_pem = key_pem,
                                    .trust_pem = trust_pem, .priorities = HTTPD_TLS_PRIORITIES,
                                    .threads = front_threads, .handshake_timeout_ms = hs_ms,
                                    .max_connections = 30000, .on_handshake = front_verify, .free_peer = no_free};
        char *err = NULL;
        if (d && !(front = tls_front_start(&fc, d, &err))) {
            fprintf(stderr, "ref_tls_server: %s\n", err ? err : "cannot start the TLS front");
            return 1;
        }
        if (front)
            port = tls_front_port(front);
    } else {
        struct sockaddr_in a4 = {.sin_family = AF_INET};
        a4.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        d = MHD_start_daemon(
            MHD_USE_TLS | MHD_USE_ERROR_LOG | MHD_USE_ITC | mode, 0, NULL, NULL, on_request, NULL,
            MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&a4, MHD_OPTION_HTTPS_MEM_CERT, cert_pem,
            MHD_OPTION_HTTPS_MEM_KEY, key_pem, MHD_OPTION_HTTPS_MEM_TRUST, trust_pem, MHD_OPTION_HTTPS_PRIORITIES,
            HTTPD_TLS_PRIORITIES, MHD_OPTION_THREAD_POOL_SIZE, threads, MHD_OPTION_CONNECTION_TIMEOUT, 600u,
            MHD_OPTION_CONNECTION_LIMIT, 30000u, MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)memory,
            MHD_OPTION_NOTIFY_CONNECTION, on_connection, NULL, MHD_OPTION_END);
        const union MHD_DaemonInfo *di = d ? MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT) : NULL;
        port = di ? di->port : 0;
    }
    if (!d) {
        fprintf(stderr, "ref_tls_server: cannot start\n");
        return 1;
    }
    printf("ref_tls_server: listening on 127.0.0.1:%d\n", port);
    fflush(stdout);
    alarm(max_s);
    int sig = 0;
    while (sigwait(&stop, &sig) != 0)
        ;
    tls_front_shutdown(front, d);
    if (trust_list)
        gnutls_x509_trust_list_deinit(trust_list, 1);
    printf("ref_connections=%lu\nref_requests=%lu\nref_refused=%lu\n", atomic_load(&n_conn),
           atomic_load(&n_req), atomic_load(&n_refused));
    free(cert_pem);
    free(key_pem);
    free(trust_pem);
    return 0;
}

/* tests/bench/ocsp_http_load.c — OCSP over HTTP as CPEs ask it: THREADS keep-alive connections to
 * 127.0.0.1:PORT, each POSTing the DER request in REQFILE to /ocsp as fast as answers come, for
 * SECONDS. Prints key=value lines: responses answered 200 per second, and any other outcome.
 *   ocsp_http_load PORT REQFILE THREADS SECONDS
 * Loopback only (the address is fixed); bounded by SECONDS. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAX_THREADS 64
#define RESP_MAX (64 * 1024)

static int port;
static char *request; /* the whole HTTP request, headers and body */
static size_t request_len;
static double stop_at;
static atomic_long ok_count, bad_count, reconnects;

static double now_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static int connect_once(void)
{
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    int fd = socket(AF_INET, SOCK_STREAM, 0), one = 1;
    struct timeval tv = {.tv_sec = 5};
    if (fd < 0)
        return -1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    if (connect(fd, (struct sockaddr *)&a, sizeof a) < 0) {
        close(fd);
        return -1;
    }
    return fd;
}

/* One answer: 200 with its whole body read (1), another status (0), or a broken connection (-1). */
static int one_exchange(int fd, char *buf)
{
    if (send(fd, request, request_len, MSG_NOSIGNAL) != (ssize_t)request_len)
        return -1;
    size_t have = 0;
    char *end = NULL;
    while (!end) {
        ssize_t n = recv(fd, buf + have, RESP_MAX - 1 - have, 0);
        if (n <= 0)
            return -1;
        have += (size_t)n;
        buf[have] = '\0';
        end = strstr(buf, "\r\n\r\n");
        if (!end && have >= RESP_MAX - 1)
            return -1;
    }
    int status = (int)strtol(buf + 9, NULL, 10);
    char *cl = strcasestr(buf, "\r\nContent-Length:");
    size_t body = cl ? strtoul(cl + 17, NULL, 10) : 0, head = (size_t)(end + 4 - buf);
    while (have < head + body) {
        ssize_t n = recv(fd, buf, RESP_MAX - 1, 0); /* the rest of the body, discarded */
        if (n <= 0)
            return -1;
        have += (size_t)n;
    }
    return status == 200;
}

static void *client(void *arg)
{
    (void)arg;
    char *buf = malloc(RESP_MAX);
    int fd = -1;
    while (buf && now_s() < stop_at) {
        if (fd < 0 && (fd = connect_once()) < 0) {
            atomic_fetch_add(&bad_count, 1);
            usleep(10000);
            continue;
        }
        int r = one_exchange(fd, buf);
        if (r < 0) {
            close(fd);
            fd = -1;
            atomic_fetch_add(&reconnects, 1);
            continue;
        }
        atomic_fetch_add(r ? &ok_count : &bad_count, 1);
    }
    if (fd >= 0)
        close(fd);
    free(buf);
    return NULL;
}

int main(int argc, char **argv)
{
    if (argc != 5) {
        fprintf(stderr, "usage: ocsp_http_load PORT REQFILE THREADS SECONDS\n");
        return 2;
    }
    port = (int)strtol(argv[1], NULL, 10);
    int threads = (int)strtol(argv[3], NULL, 10);
    double seconds = atof(argv[4]);
    if (port <= 0 || port > 65535 || threads < 1 || threads > MAX_THREADS || seconds <= 0 || seconds > 600) {
        fprintf(stderr, "ocsp_http_load: bad arguments\n");
        return 2;
    }
    FILE *f = fopen(argv[2], "rb");
    char der[8192];
    size_t n = f ? fread(der, 1, sizeof der, f) : 0;
    if (f)
        fclose(f);
    if (n == 0 || n == sizeof der) {
        fprintf(stderr, "ocsp_http_load: cannot read %s\n", argv[2]);
        return 2;
    }
    char head[256];
    int hl = snprintf(head, sizeof head,
                      "POST /ocsp HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/ocsp-request\r\n"
                      "Content-Length: %zu\r\n\r\n",
                      n);
    request_len = (size_t)hl + n;
    if (!(request = malloc(request_len)))
        return 1;
    memcpy(request, head, (size_t)hl);
    memcpy(request + hl, der, n);
    pthread_t t[MAX_THREADS];
    double t0 = now_s();
    stop_at = t0 + seconds;
    for (int i = 0; i < threads; i++)
        pthread_create(&t[i], NULL, client, NULL);
    for (int i = 0; i < threads; i++)
        pthread_join(t[i], NULL);
    double secs = now_s() - t0;
    printf("http_threads=%d\nhttp_ok=%ld\nhttp_other=%ld\nhttp_reconnects=%ld\nhttp_ok_per_s=%.0f\n", threads,
           atomic_load(&ok_count), atomic_load(&bad_count), atomic_load(&reconnects),
           (double)atomic_load(&ok_count) / secs);
    free(request);
    return atomic_load(&ok_count) > 0 ? 0 : 1;
}

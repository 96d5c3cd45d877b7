/* tests/unit/common/test_httpd_tls.c — common/httpd_tls: listen addresses (numeric IPv4/IPv6
 * only) and httpd_start: a loopback listener on a free port that answers, one on a port in
 * use refused with a message, a daemon without a listen socket, a bad address. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>

#include "httpd_tls.h"

static void listen_addresses(void **state)
{
    (void)state;
    struct sockaddr_storage ss;
    socklen_t len = 0;
    assert_int_equal(httpd_listen_addr("127.0.0.1", 8080, &ss, &len, NULL), 0);
    assert_int_equal(ss.ss_family, AF_INET);
    assert_int_equal(len, sizeof(struct sockaddr_in));
    assert_int_equal(ntohs(((struct sockaddr_in *)(void *)&ss)->sin_port), 8080);
    assert_int_equal(httpd_listen_addr("::1", 0, &ss, &len, NULL), 0);
    assert_int_equal(ss.ss_family, AF_INET6);
    assert_int_equal(len, sizeof(struct sockaddr_in6));
    static const char *const bad[] = {"localhost", "", "127.0.0.1:80", "[::1]", "256.0.0.1", NULL};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char *err = NULL;
        assert_int_equal(httpd_listen_addr(bad[i], 80, &ss, &len, &err), -ERR_CONFIG);
        assert_non_null(strstr(err, "numeric IPv4 or IPv6"));
        free(err);
    }
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url, const char *method,
                                  const char *version, const char *data, size_t *size, void **req_cls)
{
    (void)url, (void)method, (void)version, (void)data, (void)size, (void)req_cls;
    ++*(int *)cls;
    return httpd_respond(c, 200, "hello\n", 6, NULL);
}

static void quiet(void *cls, const char *fmt, va_list ap)
{
    (void)cls, (void)fmt, (void)ap;
}

static int completed;
static void on_completed(void *cls, struct MHD_Connection *c, void **req_cls, enum MHD_RequestTerminationCode toe)
{
    (void)c, (void)req_cls, (void)toe;
    assert_ptr_equal(cls, &completed);
    completed++;
}

/* GET / on 127.0.0.1:port; the status line into out. */
static void get(int port, char *out, size_t n)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    struct timeval tv = {5, 0};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    assert_int_equal(connect(fd, (struct sockaddr *)&a, sizeof a), 0);
    static const char req[] = "GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
    assert_int_equal(send(fd, req, sizeof req - 1, MSG_NOSIGNAL), (ssize_t)(sizeof req - 1));
    ssize_t r = recv(fd, out, n - 1, MSG_WAITALL);
    out[r > 0 ? r : 0] = '\0';
    out[strcspn(out, "\r")] = '\0';
    close(fd);
}

static void start_listen_and_refuse(void **state)
{
    (void)state;
    int hits = 0;
    struct httpd_start_conf hc = {.name = "test",
                                  .flags = MHD_USE_POLL_INTERNAL_THREAD,
                                  .listen_address = "127.0.0.1",
                                  .handler = on_request,
                                  .cls = &hits,
                                  .logger = quiet,
                                  .timeout_s = 5,
                                  .max_connections = 4,
                                  .per_ip_connections = 2,
                                  .on_completed = on_completed,
                                  .notify_cls = &completed};
    int port = 0;
    struct MHD_Daemon *d = httpd_start(&hc, &port, NULL);
    assert_non_null(d);
    assert_true(port > 0);
    char line[256];
    get(port, line, sizeof line);
    assert_string_equal(line, "HTTP/1.1 200 OK");
    assert_int_equal(hits, 1);
    /* the same port again: refused, with the address in the message */
    hc.port = port;
    char *err = NULL;
    assert_null(httpd_start(&hc, NULL, &err));
    assert_non_null(err);
    assert_non_null(strstr(err, "cannot listen on 127.0.0.1 port"));
    free(err);
    MHD_stop_daemon(d);
    assert_int_equal(completed, 1);
    err = NULL;
    hc.listen_address = "localhost";
    assert_null(httpd_start(&hc, NULL, &err));
    assert_non_null(strstr(err, "numeric"));
    free(err);
}

static void start_without_listen_socket(void **state)
{
    (void)state;
    int hits = 0;
    struct httpd_start_conf hc = {.name = "test",
                                  .flags = MHD_USE_POLL_INTERNAL_THREAD,
                                  .port = 1234,
                                  .handler = on_request,
                                  .cls = &hits,
                                  .logger = quiet,
                                  .threads = 2};
    int port = 0;
    struct MHD_Daemon *d = httpd_start(&hc, &port, NULL);
    assert_non_null(d);
    assert_int_equal(port, 1234); /* what the caller's own listener uses */
    const union MHD_DaemonInfo *info = MHD_get_daemon_info(d, MHD_DAEMON_INFO_LISTEN_FD);
    assert_true(!info || info->listen_fd == MHD_INVALID_SOCKET);
    MHD_stop_daemon(d);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(listen_addresses),
        cmocka_unit_test(start_listen_and_refuse),
        cmocka_unit_test(start_without_listen_socket),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/* tests/unit/common/test_httpd_framing.c — common/httpd_framing against a real in-process
 * libmicrohttpd daemon on a loopback port: each malformed framing gets its status and the
 * connection closed (EOF after the answer), the well-formed requests get through and keep the
 * connection; the cases libmicrohttpd 0.9.75 refuses by itself are pinned here too, so a library
 * change that stops refusing them fails this test. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <microhttpd.h>

#include "httpd_framing.h"
#include "httpd_tls.h"

struct req {
    size_t got;
};

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url, const char *method,
                                  const char *version, const char *upload_data, size_t *upload_size, void **req_cls)
{
    (void)cls, (void)url, (void)method, (void)upload_data;
    struct req *r = *req_cls;
    if (!r) {
        if (!(r = calloc(1, sizeof *r)))
            return MHD_NO;
        *req_cls = r;
        enum httpd_framing v = httpd_framing_check(c, version);
        if (v != HTTPD_FRAMING_OK)
            return httpd_framing_refuse(c, v);
        return MHD_YES;
    }
    if (*upload_size) {
        r->got += *upload_size;
        *upload_size = 0;
        return MHD_YES;
    }
    char text[32];
    snprintf(text, sizeof text, "got=%zu\n", r->got);
    struct MHD_Response *resp = MHD_create_response_from_buffer(strlen(text), text, MHD_RESPMEM_MUST_COPY);
    enum MHD_Result res = MHD_queue_response(c, 200, resp);
    MHD_destroy_response(resp);
    return res;
}

static void on_completed(void *cls, struct MHD_Connection *c, void **req_cls, enum MHD_RequestTerminationCode toe)
{
    (void)cls, (void)c, (void)toe;
    free(*req_cls);
    *req_cls = NULL;
}

static void quiet(void *cls, const char *fmt, va_list ap)
{
    (void)cls, (void)fmt, (void)ap;
}

static struct MHD_Daemon *daemon_;
static uint16_t port_;

static int setup(void **state)
{
    (void)state;
    struct httpd_start_conf hc = {.name = "test",
                                  .flags = MHD_USE_POLL_INTERNAL_THREAD,
                                  .listen_address = "127.0.0.1",
                                  .handler = on_request,
                                  .logger = quiet,
                                  .timeout_s = 10,
                                  .on_completed = on_completed};
    int port = 0;
    if (!(daemon_ = httpd_start(&hc, &port, NULL)))
        return -1;
    port_ = (uint16_t)port;
    return port_ ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    MHD_stop_daemon(daemon_);
    return 0;
}

/* Send raw, read for up to wait_ms: the first status, whether the server closed (EOF). */
static int exchange(const char *raw, int wait_ms, int *closed, char *out, size_t outn)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(port_)};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    assert_true(fd >= 0);
    assert_int_equal(connect(fd, (struct sockaddr *)&a, sizeof a), 0);
    assert_int_equal(send(fd, raw, strlen(raw), MSG_NOSIGNAL), (ssize_t)strlen(raw));
    size_t len = 0;
    *closed = 0;
    struct timespec t0, t;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (;;) {
        clock_gettime(CLOCK_MONOTONIC, &t);
        long left = wait_ms - ((t.tv_sec - t0.tv_sec) * 1000 + (t.tv_nsec - t0.tv_nsec) / 1000000);
        struct pollfd p = {.fd = fd, .events = POLLIN};
        if (left <= 0 || poll(&p, 1, (int)left) <= 0)
            break;
        ssize_t n = recv(fd, out + len, outn - 1 - len, 0);
        if (n <= 0) {
            *closed = 1;
            break;
        }
        len += (size_t)n;
        if (len == outn - 1)
            break;
    }
    out[len] = '\0';
    close(fd);
    int status = 0;
    if (sscanf(out, "HTTP/1.%*d %d", &status) != 1)
        status = 0;
    return status;
}

struct fcase {
    const char *name;
    const char *raw;
    int status;
    int closed;
    const char *body; /* expected in the answer, or NULL */
};

#define POST "POST /x HTTP/1.1\r\nHost: a\r\n"
static const struct fcase cases[] = {
    /* refused by httpd_framing_check */
    {"cl+te", POST "Content-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n", 400, 1,
     "content_length_and_transfer_encoding"},
    {"te+cl", POST "Transfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n5\r\nhello\r\n0\r\n\r\n", 400, 1,
     "content_length_and_transfer_encoding"},
    {"cl twice, different", POST "Content-Length: 5\r\nContent-Length: 6\r\n\r\nhello!", 400, 1,
     "content_length_repeated"},
    {"cl twice, equal", POST "Content-Length: 5\r\nContent-Length: 5\r\n\r\nhello", 400, 1, "content_length_repeated"},
    {"obs-fold", POST "X-Foo: bar\r\n baz\r\nContent-Length: 5\r\n\r\nhello", 400, 1, "obsolete_line_folding"},
    {"obs-fold, tab, last header", POST "Content-Length: 5\r\nX-Foo: bar\r\n\tbaz\r\n\r\nhello", 400, 1,
     "obsolete_line_folding"},
    {"obs-fold of content-length", POST "Content-Length:\r\n 5\r\n\r\nhello", 400, 1, "obsolete_line_folding"},
    {"space before colon", POST "Content-Length : 5\r\n\r\nhello", 400, 1, "bad_header_name"},
    {"space before first header", "POST /x HTTP/1.1\r\n Host: a\r\nContent-Length: 5\r\n\r\nhello", 400, 1,
     "bad_header_name"},
    {"gzip, chunked", POST "Transfer-Encoding: gzip, chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n", 501, 1,
     "transfer_coding_unsupported"},
    {"chunked, gzip", POST "Transfer-Encoding: chunked, gzip\r\n\r\n5\r\nhello\r\n0\r\n\r\n", 400, 1,
     "transfer_encoding_not_chunked"},
    {"identity", POST "Transfer-Encoding: identity\r\n\r\nhello", 400, 1, "transfer_encoding_not_chunked"},
    {"chunked twice", POST "Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n",
     400, 1, "transfer_encoding_not_chunked"},
    {"te in http/1.0", "POST /x HTTP/1.0\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n", 400,
     1, "transfer_encoding_in_http_1_0"},
    {"host twice", "GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", 400, 1, "host_repeated"},
    /* refused by libmicrohttpd 0.9.75 itself (before the first callback, or in its chunk parser) */
    {"cl list", POST "Content-Length: 5, 5\r\n\r\nhello", 400, 1, NULL},
    {"cl negative", POST "Content-Length: -5\r\n\r\nhello", 400, 1, NULL},
    {"cl over 2^64", POST "Content-Length: 99999999999999999999999\r\n\r\nhello", 413, 1, NULL},
    {"chunk size over 64 bits", POST "Transfer-Encoding: chunked\r\n\r\nffffffffffffffffff\r\nhello\r\n0\r\n\r\n", 413,
     1, NULL},
    {"chunk size 2^64+5", POST "Transfer-Encoding: chunked\r\n\r\n10000000000000005\r\nhello\r\n0\r\n\r\n", 413, 1,
     NULL},
    {"chunk size not hex", POST "Transfer-Encoding: chunked\r\n\r\nzz\r\nhello\r\n0\r\n\r\n", 400, 1, NULL},
    /* well-formed: answered, connection kept */
    {"content-length", POST "Content-Length: 5\r\n\r\nhello", 200, 0, "got=5"},
    {"chunked", POST "Transfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n", 200, 0, "got=5"},
    {"chunked with trailing OWS", POST "Transfer-Encoding: chunked \r\n\r\n5\r\nhello\r\n0\r\n\r\n", 400, 1,
     "transfer_encoding_not_chunked"},
    {"empty list element", POST "Transfer-Encoding: , chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n", 400, 1,
     "transfer_encoding_not_chunked"},
    {"Chunked, chunk extension", POST "Transfer-Encoding:  Chunked\r\n\r\n5;ext=1\r\nhello\r\n0\r\n\r\n", 200, 0,
     "got=5"},
    {"spaces after colon", POST "X-Foo:    bar\r\nX-Empty:\r\nContent-Length: 5\r\n\r\nhello", 200, 0, "got=5"},
    {"http/1.0 content-length", "POST /x HTTP/1.0\r\nContent-Length: 5\r\n\r\nhello", 200, 1, "got=5"},
    {"get", "GET / HTTP/1.1\r\nHost: a\r\n\r\n", 200, 0, "got=0"},
};

static void each_case(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const struct fcase *f = &cases[i];
        char out[4096];
        int closed = 0;
        /* a refusal closes at once; a kept connection is seen as open after 300 ms */
        int status = exchange(f->raw, f->closed ? 3000 : 300, &closed, out, sizeof out);
        print_message("# %s: %d closed=%d\n", f->name, status, closed);
        assert_int_equal(status, f->status);
        assert_int_equal(closed, f->closed);
        if (f->body)
            assert_non_null(strstr(out, f->body));
        if (f->status >= 400 && f->body) /* our refusals say so */
            assert_non_null(strstr(out, "Connection: close"));
    }
}

static void names_and_statuses(void **state)
{
    (void)state;
    for (int v = 0; v < HTTPD_FRAMING__COUNT; v++) {
        assert_non_null(httpd_framing_str((enum httpd_framing)v));
        assert_string_not_equal(httpd_framing_str((enum httpd_framing)v), "unknown");
    }
    assert_string_equal(httpd_framing_str(HTTPD_FRAMING__COUNT), "unknown");
    assert_int_equal(httpd_framing_status(HTTPD_FRAMING_TE_UNSUPPORTED), 501);
    assert_int_equal(httpd_framing_status(HTTPD_FRAMING_CL_AND_TE), 400);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(each_case),
        cmocka_unit_test(names_and_statuses),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}

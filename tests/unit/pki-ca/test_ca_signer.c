/* tests/unit/pki-ca/test_ca_signer.c — pki-ca/ca_signer.c: the wire format between acsd and
 * `acs-ca sign-serve` (request and answer round trips, hostile payloads refused, every prefix
 * of a valid payload decoded within its bounds) and the framing over a socketpair (size cap,
 * peer gone mid-frame, deadlines). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <pthread.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "ca_signer.h"

/* ---- a hand-built payload, for what the encoders never produce ---- */

struct payload {
    unsigned char d[CA_SIGNER_MAX_FRAME + CA_SIGNER_MAX_ANSWER]; /* room for either, and one byte over */
    size_t n;
};

static void add_field(struct payload *p, int tag, const void *data, size_t len)
{
    assert_true(p->n + 5 + len <= sizeof p->d);
    p->d[p->n] = (unsigned char)tag;
    p->d[p->n + 1] = (unsigned char)(len >> 24);
    p->d[p->n + 2] = (unsigned char)(len >> 16);
    p->d[p->n + 3] = (unsigned char)(len >> 8);
    p->d[p->n + 4] = (unsigned char)len;
    if (len)
        memcpy(p->d + p->n + 5, data, len);
    p->n += 5 + len;
}

static void add_str(struct payload *p, int tag, const char *s)
{
    add_field(p, tag, s, strlen(s) + 1);
}

static void add_int(struct payload *p, int tag, int64_t v)
{
    unsigned char b[8];
    for (int i = 0; i < 8; i++)
        b[i] = (unsigned char)((uint64_t)v >> (56 - 8 * i));
    add_field(p, tag, b, sizeof b);
}

static struct payload *payload_new(void)
{
    struct payload *p = calloc(1, sizeof *p);
    assert_non_null(p);
    return p;
}

/* Decode a copy of exactly len bytes (ASan sees any read past it); errmsg iff failure. */
static int decode_req(const unsigned char *d, size_t len, struct ca_signer_request *out, unsigned char **copy)
{
    *copy = malloc(len ? len : 1);
    assert_non_null(*copy);
    if (len)
        memcpy(*copy, d, len);
    char *err = NULL;
    int rc = ca_signer_decode_request(*copy, len, out, &err);
    assert_true(rc == 0 ? err == NULL : rc == -ERR_PARSE && err != NULL);
    free(err);
    return rc;
}

static int decode_ans(const unsigned char *d, size_t len, struct ca_signer_answer *out)
{
    unsigned char *copy = malloc(len ? len : 1);
    assert_non_null(copy);
    if (len)
        memcpy(copy, d, len);
    char *err = NULL;
    int rc = ca_signer_decode_answer(copy, len, out, &err);
    free(copy); /* the answer owns its strings: nothing may point into the payload */
    assert_true(rc == 0 ? err == NULL : rc == -ERR_PARSE && err != NULL);
    free(err);
    if (rc < 0) { /* a refused answer holds nothing */
        assert_null(out->est.content_type);
        assert_null(out->est.body);
        assert_null(out->refused_reason);
        assert_int_equal(out->est.status, 0);
    }
    return rc;
}

static int req_refused(const struct payload *p)
{
    struct ca_signer_request r;
    unsigned char *copy;
    int rc = decode_req(p->d, p->n, &r, &copy);
    free(copy);
    return rc == -ERR_PARSE;
}

static int ans_refused(const struct payload *p)
{
    struct ca_signer_answer a;
    int rc = decode_ans(p->d, p->n, &a);
    if (rc == 0)
        ca_signer_answer_cleanup(&a);
    return rc == -ERR_PARSE;
}

static void frame_len_ok(const unsigned char *frame, size_t len)
{
    assert_true(len >= 4);
    uint32_t n = (uint32_t)frame[0] << 24 | (uint32_t)frame[1] << 16 | (uint32_t)frame[2] << 8 | frame[3];
    assert_int_equal(n, len - 4);
}

/* ---- requests ---- */

static const unsigned char BODY[] = {'M', 'I', 0, 'C', 0, 0, 0xff, '\n', 0};

static void full_request(struct ca_est_request *req, struct ca_verify_result *peer)
{
    memset(peer, 0, sizeof *peer);
    peer->reason = CA_VERIFY_EXPIRED;
    snprintf(peer->device_id, sizeof peer->device_id, "%s", "00D09E-Box-SN1");
    snprintf(peer->serial, sizeof peer->serial, "%s", "0123abcd");
    snprintf(peer->issuer_serial, sizeof peer->issuer_serial, "%s", "77ff");
    snprintf(peer->detail, sizeof peer->detail, "%s", "certificate expired at 2026-01-01");
    peer->not_after = (time_t)1767225600;
    memset(req, 0, sizeof *req);
    req->method = "POST";
    req->path = "simplereenroll";
    req->content_type = "application/pkcs10";
    req->authorization = "Basic dXNlcjpzZWNyZXQ=";
    req->remote = "192.0.2.7";
    req->body = BODY;
    req->body_len = sizeof BODY;
    req->body_too_big = 1;
    req->peer = peer;
}

static void request_round_trip(void **state)
{
    (void)state;
    struct ca_est_request req;
    struct ca_verify_result peer;
    full_request(&req, &peer);
    unsigned char *frame = NULL, *copy = NULL;
    size_t len = 0;
    assert_int_equal(ca_signer_encode_request(&req, 1, &frame, &len), 0);
    frame_len_ok(frame, len);
    struct ca_signer_request r;
    assert_int_equal(decode_req(frame + 4, len - 4, &r, &copy), 0);
    assert_string_equal(r.est.method, "POST");
    assert_string_equal(r.est.path, "simplereenroll");
    assert_string_equal(r.est.content_type, "application/pkcs10");
    assert_string_equal(r.est.authorization, "Basic dXNlcjpzZWNyZXQ=");
    assert_string_equal(r.est.remote, "192.0.2.7");
    assert_int_equal(r.est.body_len, sizeof BODY); /* NUL bytes inside the body travel */
    assert_memory_equal(r.est.body, BODY, sizeof BODY);
    assert_true(r.est.body_too_big);
    assert_true(r.aggregate);
    assert_null(r.est.refused);
    assert_true(r.has_peer);
    assert_ptr_equal(r.est.peer, &r.peer);
    assert_int_equal(r.peer.reason, CA_VERIFY_EXPIRED);
    assert_string_equal(r.peer.device_id, "00D09E-Box-SN1");
    assert_string_equal(r.peer.serial, "0123abcd");
    assert_string_equal(r.peer.issuer_serial, "77ff");
    assert_string_equal(r.peer.detail, "certificate expired at 2026-01-01");
    assert_int_equal(r.peer.not_after, 1767225600);
    free(copy);
    free(frame);

    /* Nothing optional: absent fields decode to NULL / 0, the method to "" */
    memset(&req, 0, sizeof req);
    assert_int_equal(ca_signer_encode_request(&req, 0, &frame, &len), 0);
    assert_int_equal(decode_req(frame + 4, len - 4, &r, &copy), 0);
    assert_string_equal(r.est.method, "");
    assert_null(r.est.path);
    assert_null(r.est.content_type);
    assert_null(r.est.authorization);
    assert_null(r.est.remote);
    assert_null(r.est.body);
    assert_int_equal(r.est.body_len, 0);
    assert_false(r.est.body_too_big);
    assert_false(r.aggregate);
    assert_false(r.has_peer);
    assert_null(r.est.peer);
    free(copy);
    free(frame);

    /* An empty body is not an absent one; an OK verdict with empty strings travels */
    memset(&peer, 0, sizeof peer);
    memset(&req, 0, sizeof req);
    req.method = "GET";
    req.body = BODY;
    req.body_len = 0;
    req.peer = &peer;
    assert_int_equal(ca_signer_encode_request(&req, 0, &frame, &len), 0);
    assert_int_equal(decode_req(frame + 4, len - 4, &r, &copy), 0);
    assert_non_null(r.est.body);
    assert_int_equal(r.est.body_len, 0);
    assert_true(r.has_peer);
    assert_int_equal(r.peer.reason, CA_VERIFY_OK);
    assert_string_equal(r.peer.device_id, "");
    assert_int_equal(r.peer.not_after, 0);
    free(copy);
    free(frame);

    /* The largest body the transport reads travels; one byte more is not encoded past the cap */
    unsigned char *big = malloc(CA_EST_MAX_BODY);
    assert_non_null(big);
    memset(big, 'A', CA_EST_MAX_BODY);
    req.peer = NULL;
    req.body = big;
    req.body_len = CA_EST_MAX_BODY;
    assert_int_equal(ca_signer_encode_request(&req, 0, &frame, &len), 0);
    assert_int_equal(decode_req(frame + 4, len - 4, &r, &copy), 0);
    assert_int_equal(r.est.body_len, CA_EST_MAX_BODY);
    free(copy);
    free(frame);
    free(big);
}

/* Every prefix of a valid payload: refused, or (at a field boundary after the method) a
 * request; never a read past the prefix (the copy is exactly that long: ASan). */
static void request_truncated(void **state)
{
    (void)state;
    struct ca_est_request req;
    struct ca_verify_result peer;
    full_request(&req, &peer);
    unsigned char *frame = NULL, *copy = NULL;
    size_t len = 0;
    assert_int_equal(ca_signer_encode_request(&req, 1, &frame, &len), 0);
    size_t n = len - 4, ok = 0;
    for (size_t i = 0; i < n; i++) {
        struct ca_signer_request r;
        if (decode_req(frame + 4, i, &r, &copy) == 0) {
            ok++;
            assert_non_null(r.est.method);
        }
        free(copy);
    }
    /* 14 fields, the method first: each of the 13 prefixes ending at a field after it decodes */
    assert_int_equal(ok, 13);
    free(frame);
}

static void request_refusals(void **state)
{
    (void)state;
    struct payload *p = payload_new();

    add_str(p, 'M', "POST"); /* the baseline is accepted */
    assert_false(req_refused(p));

    p->n = 0; /* no method */
    add_str(p, 'P', "cacerts");
    assert_true(req_refused(p));
    p->n = 0; /* empty payload: no method either */
    assert_true(req_refused(p));

    p->n = 0;
    add_str(p, 'M', "POST");
    add_str(p, 'Z', "x"); /* unknown tag */
    assert_true(req_refused(p));
    p->n = 0;
    add_str(p, 'M', "POST");
    add_str(p, 'F', "status_401"); /* an answer's tag */
    assert_true(req_refused(p));

    p->n = 0;
    add_field(p, 'M', "POST", 4); /* no NUL */
    assert_true(req_refused(p));
    p->n = 0;
    add_field(p, 'M', "", 0); /* empty field: no NUL */
    assert_true(req_refused(p));
    p->n = 0;
    add_str(p, 'M', "POST");
    add_field(p, 'P', "cacerts\0x", 10); /* inner NUL */
    assert_true(req_refused(p));
    p->n = 0;
    add_str(p, 'M', "POST");
    add_field(p, 'A', "Basic", 5);
    assert_true(req_refused(p));

    /* integers are 8 bytes */
    p->n = 0;
    add_str(p, 'M', "POST");
    add_field(p, 'T', "\1", 1);
    assert_true(req_refused(p));

    /* peer verdict out of range */
    for (int64_t v = -1; v <= CA_VERIFY_INTERNAL + 1; v++) {
        p->n = 0;
        add_str(p, 'M', "POST");
        add_int(p, 'r', v);
        assert_int_equal(req_refused(p), v < CA_VERIFY_OK || v > CA_VERIFY_INTERNAL);
    }
    p->n = 0;
    add_str(p, 'M', "POST");
    add_int(p, 'r', (int64_t)1 << 32); /* not truncated into range */
    assert_true(req_refused(p));

    /* peer strings: the longest that fits its array, and one more */
    struct {
        int tag;
        size_t size;
    } peer_strings[] = {
        {'d', sizeof ((struct ca_verify_result *)0)->device_id},
        {'s', sizeof ((struct ca_verify_result *)0)->serial},
        {'i', sizeof ((struct ca_verify_result *)0)->issuer_serial},
        {'x', sizeof ((struct ca_verify_result *)0)->detail},
    };
    char s[512];
    for (size_t k = 0; k < sizeof peer_strings / sizeof peer_strings[0]; k++) {
        assert_true(peer_strings[k].size < sizeof s);
        memset(s, 'a', sizeof s);
        s[peer_strings[k].size - 1] = '\0';
        p->n = 0;
        add_str(p, 'M', "POST");
        add_int(p, 'r', CA_VERIFY_OK);
        add_str(p, peer_strings[k].tag, s);
        assert_false(req_refused(p));
        s[peer_strings[k].size - 1] = 'a';
        s[peer_strings[k].size] = '\0';
        p->n = 0;
        add_str(p, 'M', "POST");
        add_int(p, 'r', CA_VERIFY_OK);
        add_str(p, peer_strings[k].tag, s);
        assert_true(req_refused(p));
    }

    /* body: at most CA_EST_MAX_BODY */
    unsigned char *big = calloc(1, CA_EST_MAX_BODY + 1);
    assert_non_null(big);
    p->n = 0;
    add_str(p, 'M', "POST");
    add_field(p, 'B', big, CA_EST_MAX_BODY);
    assert_false(req_refused(p));
    p->n = 0;
    add_str(p, 'M', "POST");
    add_field(p, 'B', big, CA_EST_MAX_BODY + 1);
    assert_true(req_refused(p));
    free(big);

    /* a field length beyond the payload, and one that wraps a 32-bit sum */
    p->n = 0;
    add_str(p, 'M', "POST");
    add_field(p, 'P', "ab", 3);
    p->d[p->n - 4] = 4; /* claims 4 bytes, 3 follow */
    assert_true(req_refused(p));
    p->n = 0;
    add_str(p, 'M', "POST");
    add_field(p, 'B', "x", 1);
    memset(p->d + p->n - 5, 0xff, 4);
    assert_true(req_refused(p));
    free(p);
}

/* ---- answers ---- */

static void answer_round_trip(void **state)
{
    (void)state;
    char body[] = "MIIB\0base64\n";
    struct ca_est_response resp = {
        .status = 401,
        .content_type = "text/plain; charset=utf-8",
        .transfer_encoding = "base64",
        .www_authenticate = "Basic realm=\"est\", charset=\"UTF-8\"",
        .allow = "GET, POST",
        .retry_after = 86400,
        .body = body,
        .body_len = sizeof body - 1,
    };
    unsigned char *frame = NULL;
    size_t len = 0;
    assert_int_equal(ca_signer_encode_answer(&resp, "status_401", &frame, &len), 0);
    frame_len_ok(frame, len);
    struct ca_signer_answer a;
    assert_int_equal(decode_ans(frame + 4, len - 4, &a), 0);
    assert_int_equal(a.est.status, 401);
    assert_string_equal(a.est.content_type, "text/plain; charset=utf-8");
    assert_string_equal(a.est.transfer_encoding, "base64");
    assert_string_equal(a.est.www_authenticate, "Basic realm=\"est\", charset=\"UTF-8\"");
    assert_string_equal(a.est.allow, "GET, POST");
    assert_int_equal(a.est.retry_after, 86400);
    assert_int_equal(a.est.body_len, sizeof body - 1);
    assert_memory_equal(a.est.body, body, sizeof body - 1);
    assert_int_equal(a.est.body[a.est.body_len], '\0');
    assert_string_equal(a.refused_reason, "status_401");
    ca_signer_answer_cleanup(&a);
    free(frame);

    /* the least answer: a status */
    struct ca_est_response bare = {.status = 200};
    assert_int_equal(ca_signer_encode_answer(&bare, NULL, &frame, &len), 0);
    assert_int_equal(decode_ans(frame + 4, len - 4, &a), 0);
    assert_int_equal(a.est.status, 200);
    assert_null(a.est.content_type);
    assert_null(a.est.transfer_encoding);
    assert_null(a.est.www_authenticate);
    assert_null(a.est.allow);
    assert_int_equal(a.est.retry_after, 0);
    assert_null(a.est.body);
    assert_null(a.refused_reason);
    ca_signer_answer_cleanup(&a);
    free(frame);

    /* the largest body travels (it is larger than a request may be), one byte more is not encoded */
    char *big = malloc(CA_SIGNER_MAX_ANSWER + 1);
    assert_non_null(big);
    memset(big, 'A', CA_SIGNER_MAX_ANSWER + 1);
    struct ca_est_response large = resp;
    large.body = big;
    large.body_len = CA_SIGNER_MAX_ANSWER;
    assert_int_equal(ca_signer_encode_answer(&large, "status_401", &frame, &len), 0);
    assert_int_equal(decode_ans(frame + 4, len - 4, &a), 0);
    assert_int_equal(a.est.body_len, CA_SIGNER_MAX_ANSWER);
    ca_signer_answer_cleanup(&a);
    free(frame);
    large.body_len++;
    frame = NULL;
    assert_int_equal(ca_signer_encode_answer(&large, NULL, &frame, &len), -ERR_TOO_BIG);
    assert_null(frame);
    free(big);

    /* every prefix of the full answer: refused or an answer, read within the prefix */
    assert_int_equal(ca_signer_encode_answer(&resp, "status_401", &frame, &len), 0);
    size_t ok = 0;
    for (size_t i = 0; i < len - 4; i++) {
        if (decode_ans(frame + 4, i, &a) == 0) {
            ok++;
            assert_int_equal(a.est.status, 401);
            ca_signer_answer_cleanup(&a);
        }
    }
    assert_int_equal(ok, 7); /* status first, then 7 more fields: each ends a valid prefix but the last */
    free(frame);
}

static void answer_refusals(void **state)
{
    (void)state;
    struct payload *p = payload_new();
    add_int(p, 'S', 200);
    assert_false(ans_refused(p));

    p->n = 0; /* no status */
    assert_true(ans_refused(p));
    add_str(p, 'C', "text/plain");
    assert_true(ans_refused(p));

    /* status outside 200..599 */
    int64_t statuses[] = {0, 100, 199, 600, -200, (int64_t)1 << 32 | 200};
    for (size_t i = 0; i < sizeof statuses / sizeof statuses[0]; i++) {
        p->n = 0;
        add_int(p, 'S', statuses[i]);
        assert_true(ans_refused(p));
    }
    p->n = 0;
    add_int(p, 'S', 599);
    assert_false(ans_refused(p));

    /* retry_after within 0..86400 */
    int64_t retries[] = {-1, 86401, (int64_t)1 << 32};
    for (size_t i = 0; i < sizeof retries / sizeof retries[0]; i++) {
        p->n = 0;
        add_int(p, 'S', 503);
        add_int(p, 'Y', retries[i]);
        assert_true(ans_refused(p));
    }

    /* header values: printable ASCII only (no response splitting), at most 511 bytes */
    const int header_tags[] = {'C', 'E', 'W', 'L', 'F'};
    const char *bad_values[] = {"text/plain\r\nSet-Cookie: x=1", "a\nb", "a\rb", "a\tb", "caf\xc3\xa9", "\x7f"};
    char longest[513];
    memset(longest, 'a', sizeof longest);
    longest[511] = '\0';
    for (size_t t = 0; t < sizeof header_tags / sizeof header_tags[0]; t++) {
        for (size_t v = 0; v < sizeof bad_values / sizeof bad_values[0]; v++) {
            p->n = 0;
            add_int(p, 'S', 200);
            add_str(p, header_tags[t], bad_values[v]);
            assert_true(ans_refused(p));
        }
        p->n = 0;
        add_int(p, 'S', 200);
        add_str(p, header_tags[t], longest);
        assert_false(ans_refused(p));
        longest[511] = 'a';
        longest[512] = '\0';
        p->n = 0;
        add_int(p, 'S', 200);
        add_str(p, header_tags[t], longest);
        assert_true(ans_refused(p));
        longest[511] = '\0';
        p->n = 0; /* without NUL, inner NUL */
        add_int(p, 'S', 200);
        add_field(p, header_tags[t], "text", 4);
        assert_true(ans_refused(p));
        p->n = 0;
        add_int(p, 'S', 200);
        add_field(p, header_tags[t], "te\0xt", 6);
        assert_true(ans_refused(p));
    }

    /* a repeated header keeps the last value, and frees the first (LSan) */
    p->n = 0;
    add_int(p, 'S', 200);
    add_str(p, 'C', "text/plain");
    add_str(p, 'C', "application/pkcs7-mime");
    add_field(p, 'B', "one", 3);
    add_field(p, 'B', "two!", 4);
    add_str(p, 'F', "status_401");
    add_str(p, 'F', "status_403");
    struct ca_signer_answer a;
    assert_int_equal(decode_ans(p->d, p->n, &a), 0);
    assert_string_equal(a.est.content_type, "application/pkcs7-mime");
    assert_int_equal(a.est.body_len, 4);
    assert_string_equal(a.est.body, "two!");
    assert_string_equal(a.refused_reason, "status_403");
    ca_signer_answer_cleanup(&a);
    /* and a bad field after good ones frees them (LSan) */
    add_str(p, 'E', "bad\r\n");
    assert_true(ans_refused(p));

    /* unknown tags, a request's tags, tag 0 */
    const int unknown[] = {'Z', 'M', 'r', 0, 0xff};
    for (size_t i = 0; i < sizeof unknown / sizeof unknown[0]; i++) {
        p->n = 0;
        add_int(p, 'S', 200);
        add_str(p, unknown[i], "x");
        assert_true(ans_refused(p));
    }

    /* body: at most CA_SIGNER_MAX_ANSWER */
    unsigned char *big = calloc(1, CA_SIGNER_MAX_ANSWER + 1);
    assert_non_null(big);
    p->n = 0;
    add_int(p, 'S', 200);
    add_field(p, 'B', big, CA_SIGNER_MAX_ANSWER);
    assert_false(ans_refused(p));
    p->n = 0;
    add_int(p, 'S', 200);
    add_field(p, 'B', big, CA_SIGNER_MAX_ANSWER + 1);
    assert_true(ans_refused(p));
    free(big);

    /* integers are 8 bytes */
    p->n = 0;
    add_field(p, 'S', "\0\0\0\xc8", 4);
    assert_true(ans_refused(p));
    free(p);
}

/* ---- frames over a socket ---- */

static void pair(int sv[2])
{
    assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
}

struct writer {
    int fd;
    const unsigned char *data;
    size_t len;
    int rc;
};

static void *write_thread(void *arg)
{
    struct writer *w = arg;
    w->rc = ca_signer_write_frame(w->fd, w->data, w->len, ca_signer_now_ms() + 10000);
    return NULL;
}

static void frames_round_trip(void **state)
{
    (void)state;
    int sv[2];
    pair(sv);
    /* A request of the largest body, more than a socket buffer holds: written by a thread */
    unsigned char *body = malloc(CA_EST_MAX_BODY);
    assert_non_null(body);
    for (size_t i = 0; i < CA_EST_MAX_BODY; i++)
        body[i] = (unsigned char)i;
    struct ca_est_request req = {.method = "POST", .path = "simpleenroll", .body = body,
                                 .body_len = CA_EST_MAX_BODY};
    unsigned char *frame = NULL, *in = NULL;
    size_t len = 0, in_len = 0;
    assert_int_equal(ca_signer_encode_request(&req, 0, &frame, &len), 0);
    struct writer w = {.fd = sv[0], .data = frame, .len = len};
    pthread_t t;
    assert_int_equal(pthread_create(&t, NULL, write_thread, &w), 0);
    int rc = ca_signer_read_frame(sv[1], CA_SIGNER_MAX_FRAME, &in, &in_len, ca_signer_now_ms() + 10000);
    assert_int_equal(pthread_join(t, NULL), 0);
    assert_int_equal(w.rc, 0);
    assert_int_equal(rc, 0);
    assert_int_equal(in_len, len - 4);
    assert_memory_equal(in, frame + 4, in_len);
    struct ca_signer_request r;
    assert_int_equal(ca_signer_decode_request(in, in_len, &r, NULL), 0);
    assert_int_equal(r.est.body_len, CA_EST_MAX_BODY);
    assert_memory_equal(r.est.body, body, CA_EST_MAX_BODY);
    free(in);
    free(frame);
    free(body);

    /* an empty payload is a frame too */
    assert_int_equal(ca_signer_write_frame(sv[0], (const unsigned char *)"\0\0\0\0", 4, ca_signer_now_ms() + 1000),
                     0);
    assert_int_equal(ca_signer_read_frame(sv[1], 16, &in, &in_len, ca_signer_now_ms() + 1000), 0);
    assert_int_equal(in_len, 0);
    assert_non_null(in);
    free(in);
    close(sv[0]);
    close(sv[1]);
}

static void frame_too_big(void **state)
{
    (void)state;
    int sv[2];
    pair(sv);
    unsigned char h[4] = {0, 0, 1, 1}; /* 257 bytes announced */
    assert_int_equal(write(sv[0], h, sizeof h), 4);
    unsigned char *in = NULL;
    size_t in_len = 0;
    assert_int_equal(ca_signer_read_frame(sv[1], 256, &in, &in_len, ca_signer_now_ms() + 1000), -ERR_TOO_BIG);
    assert_null(in);
    /* the largest length the header can say, against the signer's own cap */
    unsigned char huge[4] = {0xff, 0xff, 0xff, 0xff};
    assert_int_equal(write(sv[0], huge, sizeof huge), 4);
    assert_int_equal(ca_signer_read_frame(sv[1], CA_SIGNER_MAX_FRAME, &in, &in_len, ca_signer_now_ms() + 1000),
                     -ERR_TOO_BIG);
    assert_null(in);
    close(sv[0]);
    close(sv[1]);
}

static void peer_closes_mid_frame(void **state)
{
    (void)state;
    unsigned char *in = NULL;
    size_t in_len = 0;
    int sv[2];
    /* in the payload */
    pair(sv);
    unsigned char part[4 + 10] = {0, 0, 0, 100, 'M', 0, 0, 0, 5};
    assert_int_equal(write(sv[0], part, sizeof part), (ssize_t)sizeof part);
    close(sv[0]);
    int64_t t0 = ca_signer_now_ms();
    assert_int_equal(ca_signer_read_frame(sv[1], 1000, &in, &in_len, t0 + 5000), -ERR_IO);
    assert_true(ca_signer_now_ms() - t0 < 1000); /* at once, not at the deadline */
    assert_null(in);
    close(sv[1]);
    /* in the length */
    pair(sv);
    assert_int_equal(write(sv[0], part, 2), 2);
    close(sv[0]);
    assert_int_equal(ca_signer_read_frame(sv[1], 1000, &in, &in_len, ca_signer_now_ms() + 5000), -ERR_IO);
    close(sv[1]);
    /* before anything */
    pair(sv);
    close(sv[0]);
    assert_int_equal(ca_signer_read_frame(sv[1], 1000, &in, &in_len, ca_signer_now_ms() + 5000), -ERR_IO);
    /* writing to a peer that is gone fails without SIGPIPE */
    assert_int_equal(ca_signer_write_frame(sv[1], part, sizeof part, ca_signer_now_ms() + 1000), -ERR_IO);
    close(sv[1]);
}

static void deadlines(void **state)
{
    (void)state;
    unsigned char *in = NULL;
    size_t in_len = 0;
    int sv[2];
    pair(sv);
    /* a peer that sends nothing */
    int64_t t0 = ca_signer_now_ms();
    assert_int_equal(ca_signer_read_frame(sv[1], 1000, &in, &in_len, t0 + 200), -ERR_TIMEOUT);
    int64_t took = ca_signer_now_ms() - t0;
    assert_true(took >= 190 && took < 1500);
    /* one that stops mid-frame and stays */
    unsigned char part[6] = {0, 0, 0, 100, 'M', 0};
    assert_int_equal(write(sv[0], part, sizeof part), (ssize_t)sizeof part);
    t0 = ca_signer_now_ms();
    assert_int_equal(ca_signer_read_frame(sv[1], 1000, &in, &in_len, t0 + 200), -ERR_TIMEOUT);
    took = ca_signer_now_ms() - t0;
    assert_true(took >= 190 && took < 1500);
    assert_null(in);
    /* one that does not read: the write gives up at its deadline */
    size_t len = 4u << 20;
    unsigned char *big = calloc(1, len);
    assert_non_null(big);
    t0 = ca_signer_now_ms();
    assert_int_equal(ca_signer_write_frame(sv[0], big, len, t0 + 200), -ERR_TIMEOUT);
    took = ca_signer_now_ms() - t0;
    assert_true(took >= 190 && took < 1500);
    free(big);
    /* a deadline already past */
    assert_int_equal(ca_signer_read_frame(sv[0], 1000, &in, &in_len, ca_signer_now_ms() - 1), -ERR_TIMEOUT);
    close(sv[0]);
    close(sv[1]);
}

/* acsd's side without a signer: an error with a message, at once */
static void call_without_signer(void **state)
{
    (void)state;
    struct ca_est_request req = {.method = "GET", .path = "cacerts"};
    struct ca_signer_answer a;
    char *err = NULL;
    assert_true(ca_signer_call("/nonexistent/acs-signer-test.sock", 200, &req, &a, &err) < 0);
    assert_non_null(err);
    free(err);
    err = NULL;
    char longpath[200];
    memset(longpath, 'x', sizeof longpath);
    longpath[0] = '/';
    longpath[sizeof longpath - 1] = '\0';
    assert_int_equal(ca_signer_call(longpath, 200, &req, &a, &err), -ERR_CONFIG);
    assert_non_null(err);
    free(err);
}

/* A signer on a unix socket in a fresh directory: listening, accepting nothing yet. */
struct fake_signer {
    char dir[64];
    char path[96];
    int fd;
    const unsigned char *answer; /* the payload it answers with */
    size_t answer_len;
    char method[16];             /* what it was asked */
};

static void fake_signer_start(struct fake_signer *s, int backlog)
{
    snprintf(s->dir, sizeof s->dir, "/tmp/test_ca_signer.XXXXXX");
    assert_non_null(mkdtemp(s->dir));
    snprintf(s->path, sizeof s->path, "%s/s.sock", s->dir);
    struct sockaddr_un a = {.sun_family = AF_UNIX};
    snprintf(a.sun_path, sizeof a.sun_path, "%s", s->path);
    s->fd = socket(AF_UNIX, SOCK_STREAM, 0);
    assert_true(s->fd >= 0);
    assert_int_equal(bind(s->fd, (struct sockaddr *)&a, sizeof a), 0);
    assert_int_equal(listen(s->fd, backlog), 0);
}

static void fake_signer_stop(struct fake_signer *s)
{
    close(s->fd);
    unlink(s->path);
    rmdir(s->dir);
}

static void *serve_once(void *arg)
{
    struct fake_signer *s = arg;
    int c = accept(s->fd, NULL, NULL);
    if (c < 0)
        return NULL;
    unsigned char *in = NULL, hdr[4];
    size_t n = 0;
    struct ca_signer_request r;
    if (ca_signer_read_frame(c, CA_SIGNER_MAX_FRAME, &in, &n, ca_signer_now_ms() + 5000) == 0 &&
        ca_signer_decode_request(in, n, &r, NULL) == 0)
        snprintf(s->method, sizeof s->method, "%s", r.est.method);
    free(in);
    for (int i = 0; i < 4; i++)
        hdr[i] = (unsigned char)(s->answer_len >> (24 - 8 * i));
    /* the caller sees a failed write as a failed call */
    if (ca_signer_write_frame(c, hdr, 4, ca_signer_now_ms() + 5000) < 0 ||
        ca_signer_write_frame(c, s->answer, s->answer_len, ca_signer_now_ms() + 5000) < 0)
        s->method[0] = '\0';
    close(c);
    return NULL;
}

/* acsd's whole call against a signer that answers, one that answers garbage, one that is stuck */
static void call_signer(void **state)
{
    (void)state;
    struct fake_signer s = {0};
    fake_signer_start(&s, 8);
    struct ca_est_response resp = {.status = 200, .content_type = "application/pkcs7-mime", .body = "MIIC",
                                   .body_len = 4};
    unsigned char *frame = NULL;
    size_t len = 0;
    assert_int_equal(ca_signer_encode_answer(&resp, NULL, &frame, &len), 0);
    s.answer = frame + 4;
    s.answer_len = len - 4;
    struct ca_est_request req = {.method = "GET", .path = "cacerts"};
    struct ca_signer_answer a;
    char *err = NULL;
    pthread_t t;
    assert_int_equal(pthread_create(&t, NULL, serve_once, &s), 0);
    assert_int_equal(ca_signer_call(s.path, 5000, &req, &a, &err), 0);
    assert_int_equal(pthread_join(t, NULL), 0);
    assert_null(err);
    assert_string_equal(s.method, "GET");
    assert_int_equal(a.est.status, 200);
    assert_string_equal(a.est.content_type, "application/pkcs7-mime");
    assert_memory_equal(a.est.body, "MIIC", 4);
    ca_signer_answer_cleanup(&a);
    free(frame);

    /* garbage: a field with tag 0, named in hex */
    static const unsigned char bad[] = {0, 0, 0, 0, 1, 'x'};
    s.answer = bad;
    s.answer_len = sizeof bad;
    assert_int_equal(pthread_create(&t, NULL, serve_once, &s), 0);
    assert_int_equal(ca_signer_call(s.path, 5000, &req, &a, &err), -ERR_PARSE);
    assert_int_equal(pthread_join(t, NULL), 0);
    assert_string_equal(err, "signer answer: bad field 0x00");
    free(err);
    err = NULL;
    fake_signer_stop(&s);

    /* stuck: it accepts nothing and its queue is full. The first call waits for an answer,
     * the second for room in the queue: both within the timeout. */
    fake_signer_start(&s, 0);
    for (int i = 0; i < 3; i++) {
        int64_t t0 = ca_signer_now_ms();
        int rc = ca_signer_call(s.path, 200, &req, &a, &err);
        int64_t took = ca_signer_now_ms() - t0;
        assert_true(rc < 0);
        assert_non_null(err);
        free(err);
        err = NULL;
        assert_true(took >= 150 && took < 1500);
    }
    fake_signer_stop(&s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(request_round_trip),
        cmocka_unit_test(request_truncated),
        cmocka_unit_test(request_refusals),
        cmocka_unit_test(answer_round_trip),
        cmocka_unit_test(answer_refusals),
        cmocka_unit_test(frames_round_trip),
        cmocka_unit_test(frame_too_big),
        cmocka_unit_test(peer_closes_mid_frame),
        cmocka_unit_test(deadlines),
        cmocka_unit_test(call_without_signer),
        cmocka_unit_test(call_signer),
    };
    return cmocka_run_group_tests_name("pki-ca/ca_signer", tests, NULL, NULL);
}

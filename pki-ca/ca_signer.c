/* pki-ca/ca_signer.c — the signer's wire format (ca_signer.h) and acsd's side of a call. */
#define _GNU_SOURCE
#include "ca_signer.h"

#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "buf.h"
#include "ca_util.h"

const struct cfg_key ca_signer_cfg_schema[] = {
    {"signer", "socket", CFG_PATH, "/run/acs-ca/signer.sock", 0, 0, 0, NULL,
     "unix socket of acs-ca sign-serve: acsd forwards EST enrollments there (it holds no CA key)"},
    {"signer", "timeout_ms", CFG_INT, "10000", 100, 120000, 0, NULL,
     "how long acsd waits for the signer's answer before it answers 503"},
    {"signer", "threads", CFG_INT, "4", 1, 64, 0, NULL,
     "requests sign-serve handles at once (each with its own database connection)"},
    CFG_END,
};

/* Request tags */
enum {
    T_METHOD = 'M', T_PATH = 'P', T_CTYPE = 'C', T_AUTH = 'A', T_REMOTE = 'R', T_BODY = 'B', T_TOO_BIG = 'T',
    T_AGGREGATE = 'G', T_PEER_REASON = 'r', T_PEER_DEVICE = 'd', T_PEER_SERIAL = 's', T_PEER_ISSUER = 'i',
    T_PEER_DETAIL = 'x', T_PEER_NOT_AFTER = 'n',
};
/* An answer's payload: its body and the fields around it (a status, 5 strings of at most 512) */
#define ANSWER_PAYLOAD_MAX (CA_SIGNER_MAX_ANSWER + 4096)
/* Answer tags (T_CTYPE and T_BODY as above) */
enum { T_STATUS = 'S', T_TENC = 'E', T_WWW_AUTH = 'W', T_ALLOW = 'L', T_RETRY = 'Y', T_REFUSED = 'F' };

int64_t ca_signer_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* ---- encoding ---- */

static void put_u32(unsigned char *p, uint32_t v)
{
    p[0] = (unsigned char)(v >> 24);
    p[1] = (unsigned char)(v >> 16);
    p[2] = (unsigned char)(v >> 8);
    p[3] = (unsigned char)v;
}

static uint32_t get_u32(const unsigned char *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static int put_field(struct buf *b, int tag, const void *data, size_t len)
{
    unsigned char h[5];
    h[0] = (unsigned char)tag;
    put_u32(h + 1, (uint32_t)len);
    int rc = buf_append(b, h, sizeof h);
    return rc < 0 ? rc : buf_append(b, data, len);
}

/* A string travels with its NUL, so that the decoder can point into the frame. NULL: absent. */
static int put_str(struct buf *b, int tag, const char *s)
{
    return s ? put_field(b, tag, s, strlen(s) + 1) : 0;
}

static int put_int(struct buf *b, int tag, int64_t v)
{
    unsigned char p[8];
    put_u32(p, (uint32_t)((uint64_t)v >> 32));
    put_u32(p + 4, (uint32_t)v);
    return put_field(b, tag, p, sizeof p);
}

/* The frame: the 4-byte length in front of the payload built in b. */
static int finish(struct buf *b, int rc, size_t max, unsigned char **frame, size_t *len)
{
    if (rc == 0 && b->len - 4 > max)
        rc = -ERR_TOO_BIG;
    if (rc < 0) {
        OPENSSL_cleanse(b->data, b->len);
        buf_cleanup(b);
        return rc;
    }
    put_u32((unsigned char *)b->data, (uint32_t)(b->len - 4));
    *len = b->len;
    *frame = (unsigned char *)buf_take(b);
    return *frame ? 0 : -ERR_NOMEM;
}

int ca_signer_encode_request(const struct ca_est_request *req, int aggregate, unsigned char **frame, size_t *len)
{
    struct buf b;
    buf_init(&b, CA_SIGNER_MAX_FRAME + 4);
    int rc = buf_append(&b, "\0\0\0\0", 4);
    if (rc == 0)
        rc = put_str(&b, T_METHOD, req->method ? req->method : "");
    if (rc == 0)
        rc = put_str(&b, T_PATH, req->path);
    if (rc == 0)
        rc = put_str(&b, T_CTYPE, req->content_type);
    if (rc == 0)
        rc = put_str(&b, T_AUTH, req->authorization);
    if (rc == 0)
        rc = put_str(&b, T_REMOTE, req->remote);
    if (rc == 0 && req->body)
        rc = put_field(&b, T_BODY, req->body, req->body_len);
    if (rc == 0 && req->body_too_big)
        rc = put_int(&b, T_TOO_BIG, 1);
    if (rc == 0 && aggregate)
        rc = put_int(&b, T_AGGREGATE, 1);
    const struct ca_verify_result *p = req->peer;
    if (rc == 0 && p) {
        rc = put_int(&b, T_PEER_REASON, p->reason);
        if (rc == 0)
            rc = put_str(&b, T_PEER_DEVICE, p->device_id);
        if (rc == 0)
            rc = put_str(&b, T_PEER_SERIAL, p->serial);
        if (rc == 0)
            rc = put_str(&b, T_PEER_ISSUER, p->issuer_serial);
        if (rc == 0)
            rc = put_str(&b, T_PEER_DETAIL, p->detail);
        if (rc == 0)
            rc = put_int(&b, T_PEER_NOT_AFTER, (int64_t)p->not_after);
    }
    return finish(&b, rc, CA_SIGNER_MAX_FRAME, frame, len);
}

int ca_signer_encode_answer(const struct ca_est_response *resp, const char *refused_reason, unsigned char **frame,
                            size_t *len)
{
    struct buf b;
    buf_init(&b, ANSWER_PAYLOAD_MAX + 4); /* not the request's cap: an answer's body may be larger */
    int rc = resp->body_len > CA_SIGNER_MAX_ANSWER ? -ERR_TOO_BIG : buf_append(&b, "\0\0\0\0", 4);
    if (rc == 0)
        rc = put_int(&b, T_STATUS, resp->status);
    if (rc == 0)
        rc = put_str(&b, T_CTYPE, resp->content_type);
    if (rc == 0)
        rc = put_str(&b, T_TENC, resp->transfer_encoding);
    if (rc == 0)
        rc = put_str(&b, T_WWW_AUTH, resp->www_authenticate);
    if (rc == 0)
        rc = put_str(&b, T_ALLOW, resp->allow);
    if (rc == 0 && resp->retry_after)
        rc = put_int(&b, T_RETRY, resp->retry_after);
    if (rc == 0 && resp->body)
        rc = put_field(&b, T_BODY, resp->body, resp->body_len);
    if (rc == 0)
        rc = put_str(&b, T_REFUSED, refused_reason);
    return finish(&b, rc, ANSWER_PAYLOAD_MAX, frame, len);
}

/* ---- decoding ---- */

struct field {
    int tag;
    const unsigned char *data;
    size_t len;
};

/* Next field of [*p, end): 1 with *f, 0 at the end, -ERR_PARSE when truncated. */
static int next_field(const unsigned char **p, const unsigned char *end, struct field *f)
{
    if (*p == end)
        return 0;
    if (end - *p < 5)
        return -ERR_PARSE;
    f->tag = (*p)[0];
    uint32_t n = get_u32(*p + 1);
    if ((size_t)(end - *p - 5) < n)
        return -ERR_PARSE;
    f->data = *p + 5;
    f->len = n;
    *p += 5 + n;
    return 1;
}

/* A string field: NUL-terminated with no NUL inside. */
static const char *field_str(const struct field *f)
{
    if (f->len == 0 || f->data[f->len - 1] != '\0' || memchr(f->data, '\0', f->len - 1))
        return NULL;
    return (const char *)f->data;
}

static int field_int(const struct field *f, int64_t *v)
{
    if (f->len != 8)
        return -ERR_PARSE;
    *v = (int64_t)((uint64_t)get_u32(f->data) << 32 | get_u32(f->data + 4));
    return 0;
}

static int copy_str(const struct field *f, char *out, size_t n)
{
    const char *s = field_str(f);
    if (!s || f->len > n)
        return -ERR_PARSE;
    memcpy(out, s, f->len);
    return 0;
}

int ca_signer_decode_request(const unsigned char *p, size_t len, struct ca_signer_request *out, char **errmsg)
{
    memset(out, 0, sizeof *out);
    const unsigned char *end = p + len;
    struct field f;
    int rc, seen_method = 0;
    while ((rc = next_field(&p, end, &f)) > 0) {
        const char *s = NULL;
        int64_t v = 0;
        int bad = 0;
        switch (f.tag) {
        case T_METHOD: bad = !(out->est.method = s = field_str(&f)); seen_method = 1; break;
        case T_PATH: bad = !(out->est.path = field_str(&f)); break;
        case T_CTYPE: bad = !(out->est.content_type = field_str(&f)); break;
        case T_AUTH: bad = !(out->est.authorization = field_str(&f)); break;
        case T_REMOTE: bad = !(out->est.remote = field_str(&f)); break;
        case T_BODY:
            out->est.body = f.data;
            out->est.body_len = f.len;
            bad = f.len > CA_EST_MAX_BODY;
            break;
        case T_TOO_BIG: bad = field_int(&f, &v) < 0; out->est.body_too_big = v != 0; break;
        case T_AGGREGATE: bad = field_int(&f, &v) < 0; out->aggregate = v != 0; break;
        case T_PEER_REASON:
            bad = field_int(&f, &v) < 0 || v < CA_VERIFY_OK || v > CA_VERIFY_INTERNAL;
            out->peer.reason = (enum ca_verify_reason)v;
            out->has_peer = 1;
            break;
        case T_PEER_DEVICE: bad = copy_str(&f, out->peer.device_id, sizeof out->peer.device_id) < 0; break;
        case T_PEER_SERIAL: bad = copy_str(&f, out->peer.serial, sizeof out->peer.serial) < 0; break;
        case T_PEER_ISSUER: bad = copy_str(&f, out->peer.issuer_serial, sizeof out->peer.issuer_serial) < 0; break;
        case T_PEER_DETAIL: bad = copy_str(&f, out->peer.detail, sizeof out->peer.detail) < 0; break;
        case T_PEER_NOT_AFTER: bad = field_int(&f, &v) < 0; out->peer.not_after = (time_t)v; break;
        default: return err_fail(errmsg, -ERR_PARSE, "signer request: unknown field 0x%02x", f.tag);
        }
        (void)s;
        if (bad)
            return err_fail(errmsg, -ERR_PARSE, "signer request: malformed field '%c'", f.tag);
    }
    if (rc < 0 || !seen_method)
        return err_fail(errmsg, -ERR_PARSE, "signer request: %s", rc < 0 ? "truncated field" : "no method");
    if (out->has_peer)
        out->est.peer = &out->peer;
    return 0;
}

void ca_signer_answer_cleanup(struct ca_signer_answer *a)
{
    for (size_t i = 0; i < sizeof a->strings / sizeof a->strings[0]; i++)
        free(a->strings[i]);
    free(a->est.body);
    free(a->refused_reason);
    memset(a, 0, sizeof *a);
}

/* A header value from the signer goes into acsd's HTTP answer: printable ASCII only, so that
 * nothing can split or extend the response. */
static char *header_value(const struct field *f)
{
    const char *s = field_str(f);
    if (!s || f->len > 512)
        return NULL;
    for (const char *c = s; *c; c++)
        if ((unsigned char)*c < 0x20 || (unsigned char)*c > 0x7e)
            return NULL;
    return strdup(s);
}

int ca_signer_decode_answer(const unsigned char *p, size_t len, struct ca_signer_answer *out, char **errmsg)
{
    memset(out, 0, sizeof *out);
    const unsigned char *end = p + len;
    struct field f;
    int rc;
    const char **slots[] = {&out->est.content_type, &out->est.transfer_encoding, &out->est.www_authenticate,
                            &out->est.allow};
    static const int slot_tags[] = {T_CTYPE, T_TENC, T_WWW_AUTH, T_ALLOW};
    while ((rc = next_field(&p, end, &f)) > 0) {
        int64_t v = 0, bad = 0;
        size_t i;
        for (i = 0; i < 4 && slot_tags[i] != f.tag; i++)
            ;
        if (i < 4) {
            free(out->strings[i]);
            bad = !(out->strings[i] = header_value(&f));
            *slots[i] = out->strings[i];
            if (bad)
                break;
            continue;
        }
        switch (f.tag) {
        case T_STATUS: bad = field_int(&f, &v) < 0 || v < 200 || v > 599; out->est.status = (int)v; break;
        case T_RETRY: bad = field_int(&f, &v) < 0 || v < 0 || v > 86400; out->est.retry_after = (int)v; break;
        case T_BODY:
            free(out->est.body);
            bad = f.len > CA_SIGNER_MAX_ANSWER || !(out->est.body = malloc(f.len + 1));
            if (!bad) {
                memcpy(out->est.body, f.data, f.len);
                out->est.body[f.len] = '\0';
                out->est.body_len = f.len;
            }
            break;
        case T_REFUSED:
            free(out->refused_reason);
            bad = !(out->refused_reason = header_value(&f));
            break;
        default: bad = 1;
        }
        if (bad)
            break;
    }
    if (rc != 0 || !out->est.status) {
        int tag = rc > 0 ? f.tag : 0;
        ca_signer_answer_cleanup(out);
        /* the tag in hex: it may be any byte (0 included), and the message is logged */
        if (rc > 0)
            return err_fail(errmsg, -ERR_PARSE, "signer answer: bad field 0x%02x", (unsigned)tag);
        return err_fail(errmsg, -ERR_PARSE, "signer answer: %s", rc < 0 ? "truncated field" : "no status");
    }
    return 0;
}

/* ---- framing over a socket ---- */

static int wait_fd(int fd, short events, int64_t deadline_ms)
{
    for (;;) {
        int64_t left = deadline_ms - ca_signer_now_ms();
        if (left <= 0)
            return -ERR_TIMEOUT;
        struct pollfd pfd = {.fd = fd, .events = events};
        int n = poll(&pfd, 1, (int)(left > 60000 ? 60000 : left));
        if (n > 0)
            return 0;
        if (n < 0 && errno != EINTR)
            return -ERR_IO;
    }
}

int ca_signer_write_frame(int fd, const unsigned char *frame, size_t len, int64_t deadline_ms)
{
    size_t off = 0;
    while (off < len) {
        ssize_t n = send(fd, frame + off, len - off, MSG_NOSIGNAL | MSG_DONTWAIT);
        if (n > 0) {
            off += (size_t)n;
            continue;
        }
        if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
            return -ERR_IO;
        int rc = wait_fd(fd, POLLOUT, deadline_ms);
        if (rc < 0)
            return rc;
    }
    return 0;
}

static int read_all(int fd, unsigned char *p, size_t len, int64_t deadline_ms)
{
    size_t off = 0;
    while (off < len) {
        ssize_t n = recv(fd, p + off, len - off, MSG_DONTWAIT);
        if (n > 0) {
            off += (size_t)n;
            continue;
        }
        if (n == 0)
            return -ERR_IO; /* the peer closed mid-frame */
        if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
            return -ERR_IO;
        int rc = wait_fd(fd, POLLIN, deadline_ms);
        if (rc < 0)
            return rc;
    }
    return 0;
}

int ca_signer_read_frame(int fd, size_t max, unsigned char **payload, size_t *len, int64_t deadline_ms)
{
    unsigned char h[4];
    int rc = read_all(fd, h, sizeof h, deadline_ms);
    if (rc < 0)
        return rc;
    uint32_t n = get_u32(h);
    if (n > max)
        return -ERR_TOO_BIG;
    unsigned char *p = malloc(n ? n : 1);
    if (!p)
        return -ERR_NOMEM;
    if ((rc = read_all(fd, p, n, deadline_ms)) < 0) {
        OPENSSL_cleanse(p, n);
        free(p);
        return rc;
    }
    *payload = p;
    *len = n;
    return 0;
}

/* ---- acsd's call ---- */

static int connect_unix(const char *path, int timeout_ms, char **errmsg)
{
    struct sockaddr_un a = {.sun_family = AF_UNIX};
    if (strlen(path) >= sizeof a.sun_path)
        return err_fail(errmsg, -ERR_CONFIG, "[signer] socket path too long: %s", path);
    memcpy(a.sun_path, path, strlen(path) + 1);
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return err_fail(errmsg, -ERR_IO, "socket: %s", strerror(errno));
    /* connect() waits while the signer's accept queue is full (all its workers busy): within
     * our timeout, not forever (it fails with EAGAIN then). */
    int ms = timeout_ms > 0 ? timeout_ms : 1;
    struct timeval tv = {.tv_sec = ms / 1000, .tv_usec = (ms % 1000) * 1000};
    if (setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv) < 0) {
        int e = errno;
        close(fd);
        return err_fail(errmsg, -ERR_IO, "setsockopt: %s", strerror(e));
    }
    if (connect(fd, (struct sockaddr *)&a, sizeof a) < 0) {
        int e = errno;
        close(fd);
        return err_fail(errmsg, -ERR_IO, "cannot reach the signer at %s: %s", path, strerror(e));
    }
    return fd;
}

int ca_signer_call(const char *socket_path, int timeout_ms, const struct ca_est_request *req,
                   struct ca_signer_answer *out, char **errmsg)
{
    int64_t deadline = ca_signer_now_ms() + timeout_ms;
    unsigned char *frame = NULL, *answer = NULL;
    size_t len = 0, alen = 0;
    int rc = ca_signer_encode_request(req, req->refused != NULL, &frame, &len);
    if (rc < 0)
        return err_fail(errmsg, rc, "cannot encode the request for the signer");
    int fd = connect_unix(socket_path, timeout_ms, errmsg);
    if (fd < 0) {
        rc = fd;
        goto out;
    }
    if ((rc = ca_signer_write_frame(fd, frame, len, deadline)) < 0 ||
        (rc = ca_signer_read_frame(fd, ANSWER_PAYLOAD_MAX, &answer, &alen, deadline)) < 0) {
        err_fail(errmsg, rc, "signer at %s: %s", socket_path,
                rc == -ERR_TIMEOUT ? "no answer in time" : "connection failed mid-request");
        goto out;
    }
    rc = ca_signer_decode_answer(answer, alen, out, errmsg);
out:
    if (fd >= 0)
        close(fd);
    if (frame)
        OPENSSL_cleanse(frame, len); /* it carried the Authorization header */
    free(frame);
    free(answer);
    return rc;
}

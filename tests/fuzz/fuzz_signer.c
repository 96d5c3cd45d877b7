/* tests/fuzz/fuzz_signer.c — libFuzzer target for the signer's wire format (pki-ca/ca_signer.h):
 * the input as a request payload (what sign-serve decodes from acsd) and as an answer payload
 * (what acsd decodes from the signer). No socket, no DB; aborts when a decoder breaks its
 * documented contract, or when what it accepted does not survive encode + decode unchanged. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ca_signer.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A decoded request string: NULL, or NUL-terminated inside the input. */
static void check_in_input(const char *s, const uint8_t *data, size_t size)
{
    if (!s)
        return;
    const uint8_t *p = (const uint8_t *)s;
    if (p < data || p >= data + size || !memchr(p, '\0', (size_t)(data + size - p)))
        abort();
}

static void check_array(const char *s, size_t n)
{
    if (strnlen(s, n) == n)
        abort();
}

static int str_eq(const char *a, const char *b)
{
    return a == b || (a && b && !strcmp(a, b));
}

static int bytes_eq(const void *a, size_t alen, const void *b, size_t blen)
{
    if (!a || !b)
        return !a && !b;
    return alen == blen && (alen == 0 || !memcmp(a, b, alen));
}

static int request_eq(const struct ca_signer_request *x, const struct ca_signer_request *y)
{
    const struct ca_est_request *a = &x->est, *b = &y->est;
    if (!str_eq(a->method, b->method) || !str_eq(a->path, b->path) || !str_eq(a->content_type, b->content_type) ||
        !str_eq(a->authorization, b->authorization) || !str_eq(a->remote, b->remote) ||
        !bytes_eq(a->body, a->body_len, b->body, b->body_len) || a->body_too_big != b->body_too_big ||
        x->aggregate != y->aggregate || x->has_peer != y->has_peer || !a->peer != !b->peer)
        return 0;
    if (!x->has_peer)
        return 1; /* peer strings without a verdict are not sent on */
    const struct ca_verify_result *p = &x->peer, *q = &y->peer;
    return p->reason == q->reason && !strcmp(p->device_id, q->device_id) && !strcmp(p->serial, q->serial) &&
           !strcmp(p->issuer_serial, q->issuer_serial) && !strcmp(p->detail, q->detail) &&
           p->not_after == q->not_after;
}

static void fuzz_request(const uint8_t *data, size_t size)
{
    struct ca_signer_request r;
    char *err = NULL;
    if (ca_signer_decode_request(data, size, &r, &err) < 0) {
        if (!err)
            abort(); /* a refusal explains itself */
        free(err);
        return;
    }
    if (err || !r.est.method)
        abort();
    check_in_input(r.est.method, data, size);
    check_in_input(r.est.path, data, size);
    check_in_input(r.est.content_type, data, size);
    check_in_input(r.est.authorization, data, size);
    check_in_input(r.est.remote, data, size);
    if (r.est.body && (r.est.body < data || r.est.body_len > (size_t)(data + size - r.est.body) ||
                       r.est.body_len > CA_EST_MAX_BODY))
        abort();
    if (!r.est.body && r.est.body_len)
        abort();
    if (r.est.refused || r.est.peer != (r.has_peer ? &r.peer : NULL))
        abort();
    if (r.has_peer && (r.peer.reason < CA_VERIFY_OK || r.peer.reason > CA_VERIFY_INTERNAL))
        abort();
    check_array(r.peer.device_id, sizeof r.peer.device_id);
    check_array(r.peer.serial, sizeof r.peer.serial);
    check_array(r.peer.issuer_serial, sizeof r.peer.issuer_serial);
    check_array(r.peer.detail, sizeof r.peer.detail);

    unsigned char *frame = NULL;
    size_t len = 0;
    int rc = ca_signer_encode_request(&r.est, r.aggregate, &frame, &len);
    if (rc < 0) {
        /* only a payload near the cap may grow past it (a verdict gains its absent strings) */
        if (rc != -ERR_TOO_BIG || size + 64 < CA_SIGNER_MAX_FRAME)
            abort();
        return;
    }
    struct ca_signer_request again;
    if (len < 4 || ca_signer_decode_request(frame + 4, len - 4, &again, NULL) < 0 || !request_eq(&r, &again))
        abort();
    free(frame);
}

/* A header value from the signer: owned, printable ASCII only. */
static void check_header(const char *s, const uint8_t *data, size_t size)
{
    if (!s)
        return;
    if ((const uint8_t *)s >= data && (const uint8_t *)s < data + size)
        abort(); /* not a pointer into the payload */
    for (const char *c = s; *c; c++)
        if ((unsigned char)*c < 0x20 || (unsigned char)*c > 0x7e)
            abort();
}

static int answer_eq(const struct ca_signer_answer *x, const struct ca_signer_answer *y)
{
    const struct ca_est_response *a = &x->est, *b = &y->est;
    return a->status == b->status && str_eq(a->content_type, b->content_type) &&
           str_eq(a->transfer_encoding, b->transfer_encoding) && str_eq(a->www_authenticate, b->www_authenticate) &&
           str_eq(a->allow, b->allow) && a->retry_after == b->retry_after &&
           bytes_eq(a->body, a->body_len, b->body, b->body_len) && str_eq(x->refused_reason, y->refused_reason);
}

static void fuzz_answer(const uint8_t *data, size_t size)
{
    struct ca_signer_answer a;
    char *err = NULL;
    if (ca_signer_decode_answer(data, size, &a, &err) < 0) {
        /* refused: explained, and nothing held (LSan sees anything lost) */
        if (!err || a.est.status || a.est.body || a.est.content_type || a.refused_reason)
            abort();
        free(err);
        return;
    }
    if (err || a.est.status < 200 || a.est.status > 599 || a.est.retry_after < 0 || a.est.retry_after > 86400)
        abort();
    check_header(a.est.content_type, data, size);
    check_header(a.est.transfer_encoding, data, size);
    check_header(a.est.www_authenticate, data, size);
    check_header(a.est.allow, data, size);
    check_header(a.refused_reason, data, size);
    if (a.est.body && (a.est.body_len > CA_SIGNER_MAX_ANSWER || a.est.body[a.est.body_len] != '\0'))
        abort();
    if (!a.est.body && a.est.body_len)
        abort();

    unsigned char *frame = NULL;
    size_t len = 0;
    struct ca_signer_answer again;
    if (ca_signer_encode_answer(&a.est, a.refused_reason, &frame, &len) < 0 || len < 4 ||
        ca_signer_decode_answer(frame + 4, len - 4, &again, NULL) < 0 || !answer_eq(&a, &again))
        abort();
    ca_signer_answer_cleanup(&again);
    ca_signer_answer_cleanup(&a);
    free(frame);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_request(data, size);
    fuzz_answer(data, size);
    return 0;
}

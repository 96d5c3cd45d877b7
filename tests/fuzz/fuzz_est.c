/* tests/fuzz/fuzz_est.c — libFuzzer target for the EST request parsers of pki-ca/ca_est.h:
 * the body (base64 / PEM -> DER -> PKCS#10, the CSR's CN), the Authorization header (as
 * given, and wrapped as "Basic base64(input)") and the Content-Type check.
 * No DB, no network; aborts when a parser breaks its documented contract. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include "b64.h"
#include "ca_est.h"

#define FUZZ_HEADER_MAX 4096
#define FUZZ_BASIC_RAW_MAX 400

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fuzz_body(const uint8_t *data, size_t size)
{
    unsigned char *der = NULL;
    size_t der_len = 0;
    char *err = NULL;
    X509_REQ *req = ca_est_parse_csr_body(data, size, &der, &der_len, &err);
    if (!req) {
        if (!err || der)
            abort(); /* a refusal explains itself and hands nothing over */
        free(err);
        ERR_clear_error();
        return;
    }
    if (!der || der_len == 0 || der[0] != 0x30)
        abort();
    char cn[CA_DEVICE_ID_MAX + 1];
    if (ca_est_csr_cn(req, cn, sizeof cn) == 0) {
        size_t n = strnlen(cn, sizeof cn);
        if (n == 0 || n == sizeof cn)
            abort();
        for (size_t i = 0; i < n; i++)
            if ((unsigned char)cn[i] < 0x20)
                abort();
    }
    X509_REQ_free(req);
    free(der);
    free(err);
    ERR_clear_error();
}

/* Whatever decodes must re-encode and decode to the same bytes. */
static void fuzz_base64(const uint8_t *data, size_t size)
{
    unsigned char *raw = NULL, *again = NULL;
    size_t n = 0, m = 0;
    char *err = NULL;
    if (b64_decode(data, size, &raw, &n, &err) < 0) {
        if (!err || raw)
            abort();
        free(err);
        return;
    }
    size_t cap = B64_LEN(n) + 1;
    char *b64 = malloc(cap);
    int len = b64 ? b64_encode(raw, n, b64, cap) : -1;
    if (len < 0 || b64_decode(b64, (size_t)len, &again, &m, NULL) < 0 || m != n || memcmp(raw, again, n))
        abort();
    free(again);
    free(b64);
    free(raw);
}

static void fuzz_authorization(const char *header)
{
    struct ca_est_auth auth;
    char *err = NULL;
    int rc = ca_est_parse_authorization(header, &auth, &err);
    if (rc < 0 && (!err || auth.kind != CA_EST_AUTH_NONE))
        abort();
    if (rc == 0 && auth.kind == CA_EST_AUTH_BASIC &&
        (!auth.user[0] || !auth.secret[0] || strchr(auth.secret, ':')))
        abort();
    if (rc == 0 && auth.kind == CA_EST_AUTH_BEARER && !auth.secret[0])
        abort();
    free(err);
    ca_est_auth_cleanup(&auth);
    (void)ca_est_media_type_is(header, "application/pkcs10");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_body(data, size);
    fuzz_base64(data, size);

    /* the input as a header value (headers are C strings: cut at the first NUL) */
    size_t hlen = strnlen((const char *)data, size < FUZZ_HEADER_MAX ? size : FUZZ_HEADER_MAX);
    char *header = malloc(hlen + 1);
    if (!header)
        return 0;
    memcpy(header, data, hlen);
    header[hlen] = '\0';
    fuzz_authorization(header);
    free(header);

    /* and as the decoded credentials of a Basic header, to reach the user:password split */
    size_t raw = size < FUZZ_BASIC_RAW_MAX ? size : FUZZ_BASIC_RAW_MAX;
    char *basic = malloc(6 + 4 * ((raw + 2) / 3) + 1);
    if (!basic)
        return 0;
    memcpy(basic, "Basic ", 6);
    EVP_EncodeBlock((unsigned char *)basic + 6, data, (int)raw);
    fuzz_authorization(basic);
    free(basic);
    return 0;
}

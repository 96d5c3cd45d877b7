/* pki-ca/ca_est_parse.c — EST request parsing (Authorization, media type, CSR body) and the
 * PKCS#7 certs-only encoding. Pure functions: no database, no globals; fuzzed by
 * tests/fuzz/fuzz_est.c. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/pkcs7.h>

#include "b64.h"
#include "ca_est.h"
#include "ca_util.h"

/* user-id ':' password, base64: 4 chars per 3 bytes */
#define EST_BASIC_RAW_MAX (CA_DEVICE_ID_MAX + 1 + CA_EST_SECRET_MAX)
#define EST_BASIC_B64_MAX ((EST_BASIC_RAW_MAX + 2) / 3 * 4)

static int is_space(unsigned char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* Base64 that must decode to something (an EST body, Basic credentials). */
static int decode_b64(const unsigned char *in, size_t len, unsigned char **out, size_t *out_len, char **errmsg)
{
    int rc = b64_decode(in, len, out, out_len, errmsg);
    if (rc == 0 && *out_len == 0) {
        free(*out);
        *out = NULL;
        rc = err_fail(errmsg, -ERR_PARSE, "empty base64 body");
    }
    return rc;
}

/* First occurrence of needle (NUL-terminated) in [p, end), or NULL. */
static const unsigned char *find(const unsigned char *p, const unsigned char *end, const char *needle)
{
    size_t n = strlen(needle);
    for (; (size_t)(end - p) >= n; p++)
        if (!memcmp(p, needle, n))
            return p;
    return NULL;
}

/* PEM armour around a CSR: the base64 between BEGIN and END lines, decoded. */
static int decode_pem(const unsigned char *p, const unsigned char *end, unsigned char **der, size_t *der_len,
                      char **errmsg)
{
    static const char *const labels[] = {"CERTIFICATE REQUEST", "NEW CERTIFICATE REQUEST"};
    for (size_t i = 0; i < sizeof labels / sizeof labels[0]; i++) {
        char begin[64], endline[64];
        snprintf(begin, sizeof begin, "-----BEGIN %s-----", labels[i]);
        snprintf(endline, sizeof endline, "-----END %s-----", labels[i]);
        size_t bl = strlen(begin);
        if ((size_t)(end - p) < bl || memcmp(p, begin, bl))
            continue;
        const unsigned char *body = p + bl;
        const unsigned char *stop = find(body, end, endline);
        if (!stop)
            return err_fail(errmsg, -ERR_PARSE, "PEM CSR without its END line");
        for (const unsigned char *q = stop + strlen(endline); q < end; q++)
            if (!is_space(*q))
                return err_fail(errmsg, -ERR_PARSE, "data after the PEM END line");
        return decode_b64(body, (size_t)(stop - body), der, der_len, errmsg);
    }
    return err_fail(errmsg, -ERR_PARSE, "PEM body is not a CERTIFICATE REQUEST");
}

int ca_est_decode_csr_body(const unsigned char *body, size_t len, unsigned char **der, size_t *der_len,
                           char **errmsg)
{
    *der = NULL;
    *der_len = 0;
    if (len > CA_EST_MAX_BODY)
        return err_fail(errmsg, -ERR_TOO_BIG, "request body larger than %u bytes", CA_EST_MAX_BODY);
    const unsigned char *p = body, *end = body + len;
    while (p < end && is_space(*p))
        p++;
    if (p == end)
        return err_fail(errmsg, -ERR_PARSE, "empty body: expected a base64 PKCS#10 CSR");
    if (end - p >= 11 && !memcmp(p, "-----BEGIN ", 11))
        return decode_pem(p, end, der, der_len, errmsg);
    return decode_b64(p, (size_t)(end - p), der, der_len, errmsg);
}

X509_REQ *ca_est_parse_csr_body(const unsigned char *body, size_t len, unsigned char **der_out,
                                 size_t *der_len_out, char **errmsg)
{
    unsigned char *der = NULL;
    size_t der_len = 0;
    if (ca_est_decode_csr_body(body, len, &der, &der_len, errmsg) < 0)
        return NULL;
    /* DER only (PEM was unwrapped above); the whole body must be one request */
    const unsigned char *p = der;
    X509_REQ *req = der_len <= CA_PEM_MAX ? d2i_X509_REQ(NULL, &p, (long)der_len) : NULL;
    if (req && p != der + der_len) {
        X509_REQ_free(req);
        req = NULL;
    }
    if (!req) {
        ERR_clear_error();
        err_fail(errmsg, -ERR_PARSE, "malformed CSR: not a DER PKCS#10 request");
    }
    if (req && der_out) {
        *der_out = der;
        *der_len_out = der_len;
    } else {
        free(der);
    }
    return req;
}

int ca_est_csr_cn(X509_REQ *req, char *out, size_t n)
{
    X509_NAME *subj = X509_REQ_get_subject_name(req);
    int idx = X509_NAME_get_index_by_NID(subj, NID_commonName, -1);
    if (n)
        out[0] = '\0';
    if (idx < 0)
        return -ERR_NOENT;
    if (X509_NAME_get_index_by_NID(subj, NID_commonName, idx) >= 0)
        return -ERR_INVAL;
    unsigned char *utf8 = NULL;
    int len = ASN1_STRING_to_UTF8(&utf8, X509_NAME_ENTRY_get_data(X509_NAME_get_entry(subj, idx)));
    int rc = len > 0 && (size_t)len < n ? 0 : -ERR_INVAL;
    for (int i = 0; rc == 0 && i < len; i++)
        if (utf8[i] < 0x20 || utf8[i] == 0x7f)
            rc = -ERR_INVAL;
    if (rc == 0) {
        memcpy(out, utf8, (size_t)len);
        out[len] = '\0';
    }
    OPENSSL_free(utf8);
    return rc;
}

static int parse_basic(const char *cred, size_t len, struct ca_est_auth *out, char **errmsg)
{
    if (len > EST_BASIC_B64_MAX)
        return err_fail(errmsg, -ERR_AUTH, "Basic credentials too long");
    unsigned char *raw = NULL;
    size_t n = 0;
    if (decode_b64((const unsigned char *)cred, len, &raw, &n, NULL) < 0)
        return err_fail(errmsg, -ERR_AUTH, "malformed Basic credentials (not base64)");
    int rc = 0;
    size_t colon = n;
    for (size_t i = 0; i < n && rc == 0; i++) {
        if (raw[i] < 0x20 || raw[i] == 0x7f)
            rc = err_fail(errmsg, -ERR_AUTH, "malformed Basic credentials (control character)");
        else if (raw[i] == ':')
            colon = i; /* the last one: the token part never contains ':' */
    }
    if (rc == 0 && colon == n)
        rc = err_fail(errmsg, -ERR_AUTH, "malformed Basic credentials (no ':' between user and password)");
    else if (rc == 0 && (colon == 0 || colon > CA_DEVICE_ID_MAX))
        rc = err_fail(errmsg, -ERR_AUTH, "Basic user must be the device identity (1-%d characters)", CA_DEVICE_ID_MAX);
    else if (rc == 0 && (n - colon - 1 == 0 || n - colon - 1 > CA_EST_SECRET_MAX))
        rc = err_fail(errmsg, -ERR_AUTH, "Basic password must be the enrollment token");
    if (rc == 0) {
        memcpy(out->user, raw, colon);
        out->user[colon] = '\0';
        memcpy(out->secret, raw + colon + 1, n - colon - 1);
        out->secret[n - colon - 1] = '\0';
        out->kind = CA_EST_AUTH_BASIC;
    }
    OPENSSL_cleanse(raw, n);
    free(raw);
    return rc;
}

/* RFC 6750 b64token (token68): 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"=" */
static int parse_bearer(const char *cred, size_t len, struct ca_est_auth *out, char **errmsg)
{
    if (len > CA_EST_SECRET_MAX)
        return err_fail(errmsg, -ERR_AUTH, "Bearer token too long");
    size_t i = 0;
    while (i < len && cred[i] &&
           ((cred[i] >= 'A' && cred[i] <= 'Z') || (cred[i] >= 'a' && cred[i] <= 'z') ||
            (cred[i] >= '0' && cred[i] <= '9') || strchr("-._~+/", cred[i])))
        i++;
    size_t body = i;
    while (i < len && cred[i] == '=')
        i++;
    if (body == 0 || i != len)
        return err_fail(errmsg, -ERR_AUTH, "malformed Bearer token");
    memcpy(out->secret, cred, len);
    out->secret[len] = '\0';
    out->kind = CA_EST_AUTH_BEARER;
    return 0;
}

int ca_est_parse_authorization(const char *h, struct ca_est_auth *out, char **errmsg)
{
    memset(out, 0, sizeof *out);
    if (!h)
        return 0;
    while (*h == ' ' || *h == '\t')
        h++;
    if (!*h)
        return 0;
    size_t scheme = strcspn(h, " \t");
    const char *cred = h + scheme;
    while (*cred == ' ' || *cred == '\t')
        cred++;
    size_t len = strlen(cred);
    while (len > 0 && (cred[len - 1] == ' ' || cred[len - 1] == '\t'))
        len--;
    if (len == 0)
        return err_fail(errmsg, -ERR_AUTH, "Authorization header without credentials");
    for (size_t i = 0; i < len; i++)
        if ((unsigned char)cred[i] <= ' ' || cred[i] == 0x7f)
            return err_fail(errmsg, -ERR_AUTH, "malformed Authorization header");
    if (scheme == 5 && !strncasecmp(h, "Basic", 5))
        return parse_basic(cred, len, out, errmsg);
    if (scheme == 6 && !strncasecmp(h, "Bearer", 6))
        return parse_bearer(cred, len, out, errmsg);
    return err_fail(errmsg, -ERR_AUTH, "unsupported authorization scheme: use Basic or Bearer");
}

void ca_est_auth_cleanup(struct ca_est_auth *a)
{
    OPENSSL_cleanse(a->secret, sizeof a->secret);
    a->kind = CA_EST_AUTH_NONE;
}

int ca_est_media_type_is(const char *h, const char *type)
{
    if (!h || !type)
        return 0;
    while (*h == ' ' || *h == '\t')
        h++;
    size_t n = strlen(type);
    if (strncasecmp(h, type, n))
        return 0;
    h += n;
    while (*h == ' ' || *h == '\t')
        h++;
    return *h == '\0' || *h == ';';
}

char *ca_est_pkcs7_certs(X509 *const *certs, size_t n, size_t *len)
{
    PKCS7 *p7 = PKCS7_new();
    unsigned char *der = NULL;
    char *out = NULL;
    EVP_ENCODE_CTX *enc = EVP_ENCODE_CTX_new();
    int ok = p7 && enc && PKCS7_set_type(p7, NID_pkcs7_signed);
    if (ok) /* degenerate SignedData: no signers, data content type, content absent */
        p7->d.sign->contents->type = OBJ_nid2obj(NID_pkcs7_data);
    for (size_t i = 0; ok && i < n; i++)
        ok = PKCS7_add_certificate(p7, certs[i]);
    int dlen = ok ? i2d_PKCS7(p7, &der) : -1;
    if (dlen > 0) {
        size_t cap = (size_t)EVP_ENCODE_LENGTH(dlen) + 1;
        int w1 = 0, w2 = 0;
        out = malloc(cap);
        EVP_EncodeInit(enc);
        if (out && EVP_EncodeUpdate(enc, (unsigned char *)out, &w1, der, dlen) == 1) {
            EVP_EncodeFinal(enc, (unsigned char *)out + w1, &w2);
            out[w1 + w2] = '\0';
            *len = (size_t)(w1 + w2);
        } else {
            free(out);
            out = NULL;
        }
    }
    OPENSSL_free(der);
    EVP_ENCODE_CTX_free(enc);
    PKCS7_free(p7);
    return out;
}

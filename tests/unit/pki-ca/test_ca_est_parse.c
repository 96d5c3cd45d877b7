/* tests/unit/pki-ca/test_ca_est_parse.c — pki-ca/ca_est_parse.c: non-empty base64, CSR bodies,
 * Authorization (Basic/Bearer), media types, PKCS#7 certs-only encoding. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <openssl/evp.h>
#include <openssl/pkcs7.h>
#include <openssl/x509.h>

#include "b64.h"
#include "ca_est.h"
#include "ca_util.h"

/* The codec itself is tested in tests/unit/common/test_b64.c; here: an EST body or
 * Basic credentials must decode to something. */
static void base64_body_must_not_be_empty(void **state)
{
    (void)state;
    unsigned char *der = NULL;
    size_t n = 0;
    char *err = NULL;
    assert_int_equal(ca_est_decode_csr_body((const unsigned char *)"====", 4, &der, &n, &err), -ERR_PARSE);
    assert_null(der);
    free(err);
    err = NULL;
    assert_int_equal(ca_est_decode_csr_body((const unsigned char *)"QUJD-EVG", 8, &der, &n, &err), -ERR_PARSE);
    assert_non_null(strstr(err, "malformed base64"));
    free(err);
    struct ca_est_auth auth;
    err = NULL;
    assert_int_equal(ca_est_parse_authorization("Basic ==", &auth, &err), -ERR_AUTH);
    free(err);
}

static EVP_PKEY *test_key(void)
{
    EVP_PKEY *k = ca_key_generate("ec-p256", NULL);
    assert_non_null(k);
    return k;
}

/* A DER CSR for cn, signed by key; caller frees. */
static unsigned char *test_csr(EVP_PKEY *key, const char *cn, int *len)
{
    X509_REQ *req = X509_REQ_new();
    X509_NAME *name = X509_REQ_get_subject_name(req);
    assert_true(X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8, (const unsigned char *)cn, -1, -1, 0));
    assert_true(X509_REQ_set_pubkey(req, key));
    assert_true(X509_REQ_sign(req, key, EVP_sha256()) > 0);
    unsigned char *der = NULL;
    *len = i2d_X509_REQ(req, &der);
    assert_true(*len > 0);
    X509_REQ_free(req);
    return der;
}

static void csr_body_base64_and_pem(void **state)
{
    (void)state;
    EVP_PKEY *key = test_key();
    int dlen = 0;
    unsigned char *der = test_csr(key, "00D09E-Box-SN1", &dlen);
    unsigned char b64[2048];
    int blen = EVP_EncodeBlock(b64, der, dlen);
    char *err = NULL;
    unsigned char *got = NULL;
    size_t glen = 0;
    X509_REQ *req = ca_est_parse_csr_body(b64, (size_t)blen, &got, &glen, &err);
    assert_non_null(req);
    assert_int_equal(glen, dlen);
    assert_memory_equal(got, der, glen);
    char cn[CA_DEVICE_ID_MAX + 1];
    assert_int_equal(ca_est_csr_cn(req, cn, sizeof cn), 0);
    assert_string_equal(cn, "00D09E-Box-SN1");
    X509_REQ_free(req);
    free(got);

    char pem[3000];
    snprintf(pem, sizeof pem, "-----BEGIN CERTIFICATE REQUEST-----\n%.64s\n%s\n-----END CERTIFICATE REQUEST-----\n",
             (char *)b64, (char *)b64 + 64);
    req = ca_est_parse_csr_body((unsigned char *)pem, strlen(pem), NULL, NULL, &err);
    assert_non_null(req);
    X509_REQ_free(req);

    /* trailing garbage, a certificate label, a truncated DER: refused with a reason */
    snprintf(pem + strlen(pem), sizeof pem - strlen(pem), "junk");
    assert_null(ca_est_parse_csr_body((unsigned char *)pem, strlen(pem), NULL, NULL, &err));
    assert_non_null(err);
    free(err);
    err = NULL;
    const char *cert = "-----BEGIN CERTIFICATE-----\nQUJD\n-----END CERTIFICATE-----\n";
    assert_null(ca_est_parse_csr_body((const unsigned char *)cert, strlen(cert), NULL, NULL, &err));
    free(err);
    err = NULL;
    blen = EVP_EncodeBlock(b64, der, dlen - 1);
    assert_null(ca_est_parse_csr_body(b64, (size_t)blen, NULL, NULL, &err));
    free(err);
    err = NULL;
    unsigned char *big = calloc(1, CA_EST_MAX_BODY + 1);
    memset(big, 'A', CA_EST_MAX_BODY + 1);
    unsigned char *d = NULL;
    size_t dl = 0;
    assert_int_equal(ca_est_decode_csr_body(big, CA_EST_MAX_BODY + 1, &d, &dl, &err), -ERR_TOO_BIG);
    free(err);
    free(big);
    OPENSSL_free(der);
    EVP_PKEY_free(key);
}

static int auth(const char *header, struct ca_est_auth *a)
{
    char *err = NULL;
    int rc = ca_est_parse_authorization(header, a, &err);
    assert_true(rc == 0 ? err == NULL : err != NULL);
    free(err);
    return rc;
}

static void authorization_basic_and_bearer(void **state)
{
    (void)state;
    struct ca_est_auth a;
    char header[256];
    unsigned char b64[200];
    EVP_EncodeBlock(b64, (const unsigned char *)"00D09E-Box-SN:1:tok_en-9", 24); /* ':' in the id */
    snprintf(header, sizeof header, "basic   %s  ", (char *)b64);
    assert_int_equal(auth(header, &a), 0);
    assert_int_equal(a.kind, CA_EST_AUTH_BASIC);
    assert_string_equal(a.user, "00D09E-Box-SN:1");
    assert_string_equal(a.secret, "tok_en-9");
    ca_est_auth_cleanup(&a);
    assert_int_equal(a.secret[0], '\0');

    assert_int_equal(auth("Bearer abc-_.~+/==", &a), 0);
    assert_int_equal(a.kind, CA_EST_AUTH_BEARER);
    assert_string_equal(a.secret, "abc-_.~+/==");

    assert_int_equal(auth(NULL, &a), 0);
    assert_int_equal(a.kind, CA_EST_AUTH_NONE);
    assert_int_equal(auth("  ", &a), 0);
    assert_int_equal(a.kind, CA_EST_AUTH_NONE);

    EVP_EncodeBlock(b64, (const unsigned char *)"no-colon", 8);
    snprintf(header, sizeof header, "Basic %s", (char *)b64);
    assert_int_equal(auth(header, &a), -ERR_AUTH);
    EVP_EncodeBlock(b64, (const unsigned char *)"user:", 5);
    snprintf(header, sizeof header, "Basic %s", (char *)b64);
    assert_int_equal(auth(header, &a), -ERR_AUTH); /* empty password */
    EVP_EncodeBlock(b64, (const unsigned char *)"us\ner:x", 7);
    snprintf(header, sizeof header, "Basic %s", (char *)b64);
    assert_int_equal(auth(header, &a), -ERR_AUTH); /* control character */
    assert_int_equal(auth("Basic", &a), -ERR_AUTH);
    assert_int_equal(auth("Basic !!!!", &a), -ERR_AUTH);
    assert_int_equal(auth("Digest username=x", &a), -ERR_AUTH);
    assert_int_equal(auth("Bearer a b", &a), -ERR_AUTH);
    assert_int_equal(auth("Bearer a=b", &a), -ERR_AUTH);
    assert_int_equal(a.kind, CA_EST_AUTH_NONE);
    char longtok[CA_EST_SECRET_MAX + 16];
    memset(longtok, 'a', sizeof longtok);
    memcpy(longtok, "Bearer ", 7);
    longtok[sizeof longtok - 1] = '\0';
    assert_int_equal(auth(longtok, &a), -ERR_AUTH);
}

static void media_types(void **state)
{
    (void)state;
    assert_true(ca_est_media_type_is("application/pkcs10", "application/pkcs10"));
    assert_true(ca_est_media_type_is(" Application/PKCS10 ; charset=x", "application/pkcs10"));
    assert_false(ca_est_media_type_is("application/pkcs10x", "application/pkcs10"));
    assert_false(ca_est_media_type_is("application/json", "application/pkcs10"));
    assert_false(ca_est_media_type_is(NULL, "application/pkcs10"));
}

static void pkcs7_certs_only(void **state)
{
    (void)state;
    EVP_PKEY *key = test_key();
    X509 *certs[2];
    for (int i = 0; i < 2; i++) {
        certs[i] = X509_new();
        assert_true(X509_set_version(certs[i], 2));
        assert_true(ASN1_INTEGER_set(X509_get_serialNumber(certs[i]), i + 1));
        assert_true(X509_gmtime_adj(X509_getm_notBefore(certs[i]), 0));
        assert_true(X509_gmtime_adj(X509_getm_notAfter(certs[i]), 60));
        assert_true(X509_set_pubkey(certs[i], key));
        assert_true(X509_sign(certs[i], key, EVP_sha256()) > 0);
    }
    size_t len = 0;
    char *b64 = ca_est_pkcs7_certs(certs, 2, &len);
    assert_non_null(b64);
    assert_int_equal(strlen(b64), len);
    for (char *line = b64; *line; line = strchr(line, '\n') + 1)
        assert_true(strcspn(line, "\n") <= 64);
    unsigned char *der = NULL;
    size_t dlen = 0;
    assert_int_equal(b64_decode(b64, len, &der, &dlen, NULL), 0);
    const unsigned char *p = der;
    PKCS7 *p7 = d2i_PKCS7(NULL, &p, (long)dlen);
    assert_non_null(p7);
    assert_true(PKCS7_type_is_signed(p7));
    assert_int_equal(sk_X509_num(p7->d.sign->cert), 2);
    assert_int_equal(sk_PKCS7_SIGNER_INFO_num(p7->d.sign->signer_info), 0);
    assert_null(p7->d.sign->contents->d.ptr); /* degenerate: content absent */
    PKCS7_free(p7);
    free(der);
    free(b64);
    for (int i = 0; i < 2; i++)
        X509_free(certs[i]);
    EVP_PKEY_free(key);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(base64_body_must_not_be_empty),
        cmocka_unit_test(csr_body_base64_and_pem),
        cmocka_unit_test(authorization_basic_and_bearer),
        cmocka_unit_test(media_types),
        cmocka_unit_test(pkcs7_certs_only),
    };
    return cmocka_run_group_tests_name("pki-ca/ca_est_parse", tests, NULL, NULL);
}

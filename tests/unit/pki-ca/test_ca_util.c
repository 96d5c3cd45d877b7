/* tests/unit/pki-ca/test_ca_util.c — pki-ca/ca_util.c device identities: the canonical form
 * (OUI uppercased, the other parts case-sensitive), what is refused, and the identity of a
 * certificate whose CN and SAN carry a lowercase OUI. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "ca.h"
#include "ca_util.h"

/* The bytes of a BIO written by f(bio, key), NUL-terminated, malloc'd. */
static char *pem_of(int (*f)(BIO *, EVP_PKEY *), EVP_PKEY *key)
{
    BIO *mem = BIO_new(BIO_s_mem());
    char *data = NULL;
    assert_non_null(mem);
    assert_int_equal(f(mem, key), 1);
    long len = BIO_get_mem_data(mem, &data);
    char *out = calloc(1, (size_t)len + 1);
    assert_non_null(out);
    memcpy(out, data, (size_t)len);
    BIO_free(mem);
    return out;
}

static int openssl_pem(BIO *bio, EVP_PKEY *key)
{
    return PEM_write_bio_PrivateKey(bio, key, NULL, NULL, 0, NULL, NULL);
}

/* ca_key_pem_write writes exactly what OpenSSL writes, for P-256 (encoded by hand; many
 * keys, so short private scalars with leading zero bytes occur) and other types (OpenSSL). */
static void key_pem_same_as_openssl(void **state)
{
    (void)state;
    static const char *const types[] = {"ec-p256", "ec-p384"};
    for (size_t t = 0; t < 2; t++)
        for (int i = 0; i < (t == 0 ? 600 : 3); i++) {
            EVP_PKEY *key = ca_key_generate(types[t], NULL);
            assert_non_null(key);
            char *ours = pem_of(ca_key_pem_write, key), *theirs = pem_of(openssl_pem, key);
            assert_string_equal(ours, theirs);
            if (i == 0)
                assert_non_null(strstr(ours, "-----BEGIN PRIVATE KEY-----\n"));
            free(ours);
            free(theirs);
            EVP_PKEY_free(key);
        }
}

static void normalise_ids(void **state)
{
    (void)state;
    static const struct {
        const char *in, *want; /* want NULL: no device identity */
    } cases[] = {
        {"00a859-Prod-SN", "00A859-Prod-SN"},
        {"00A859-Prod-SN", "00A859-Prod-SN"},
        {"00a8Fe-prod-sn1", "00A8FE-prod-sn1"}, /* ProductClass and Serial keep their case */
        {"abcdef-SN", "ABCDEF-SN"},             /* OUI-SerialNumber */
        {"00040E-FRITZ%21Box-123", "00040E-FRITZ%21Box-123"},
        {"00a85g-Prod-SN", NULL},
        {"00a85-Prod-SN", NULL},
        {"00a8590-Prod-SN", NULL},
        {"00a859", NULL},
        {"00a859-", NULL},
        {"00a859-a-b-c", NULL},
        {"00a859-FRITZ!Box-123", NULL}, /* unencoded: the caller percent-encodes first */
        {"", NULL},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char out[CA_DEVICE_ID_MAX + 1] = "x";
        int rc = ca_device_id_normalise(cases[i].in, out, sizeof out);
        if (cases[i].want) {
            assert_int_equal(rc, 0);
            assert_string_equal(out, cases[i].want);
            assert_true(ca_device_id_valid(out));
        } else {
            assert_int_equal(rc, -ERR_INVAL);
            assert_string_equal(out, "");
        }
    }
    assert_false(ca_device_id_valid("00a859-Prod-SN")); /* valid means canonical */
    assert_int_equal(ca_device_id_normalise(NULL, (char[8]){0}, 8), -ERR_INVAL);
    char small[8];
    assert_int_equal(ca_device_id_normalise("00a859-Prod-SN", small, sizeof small), -ERR_INVAL);
    char inplace[] = "0a0b0c-PC-x";
    assert_int_equal(ca_device_id_normalise(inplace, inplace, sizeof inplace), 0);
    assert_string_equal(inplace, "0A0B0C-PC-x");
}

/* A self-signed certificate with subject CN=cn and SAN URI:urn:dev:ops:<san>. */
static X509 *cert_with(const char *cn, const char *san)
{
    char *err = NULL;
    EVP_PKEY *key = ca_key_generate("ec-p256", &err);
    assert_non_null(key);
    X509 *x = X509_new();
    assert_non_null(x);
    X509_NAME *name = X509_get_subject_name(x);
    assert_int_equal(X509_NAME_add_entry_by_NID(name, NID_commonName, MBSTRING_UTF8, (const unsigned char *)cn, -1, -1,
                                                0),
                     1);
    assert_int_equal(X509_set_issuer_name(x, name), 1);
    assert_int_equal(X509_set_pubkey(x, key), 1);
    char uri[CA_DEVICE_ID_MAX + 32];
    snprintf(uri, sizeof uri, "URI:" CA_DEVICE_URN_PREFIX "%s", san);
    assert_int_equal(ca_add_ext(x, x, NID_subject_alt_name, uri), 0);
    assert_int_equal(ca_sign(x, key), 0);
    EVP_PKEY_free(key);
    return x;
}

static void cert_identity(void **state)
{
    (void)state;
    char id[CA_DEVICE_ID_MAX + 1];
    X509 *x = cert_with("00a859-Prod-SN", "00a859-Prod-SN");
    assert_int_equal(ca_cert_device_id(x, id, sizeof id), 0);
    assert_string_equal(id, "00A859-Prod-SN");
    X509_free(x);
    x = cert_with("00A859-Prod-SN", "00A859-Prod-SN");
    assert_int_equal(ca_cert_device_id(x, id, sizeof id), 0);
    assert_string_equal(id, "00A859-Prod-SN");
    X509_free(x);
    x = cert_with("00A859-Prod-SN", "00a859-Prod-SN"); /* CN and SAN must agree exactly */
    assert_int_equal(ca_cert_device_id(x, id, sizeof id), -ERR_AUTH);
    assert_string_equal(id, "");
    X509_free(x);
    x = cert_with("00a859-prod-SN", "00a859-prod-SN"); /* valid, but another identity */
    assert_int_equal(ca_cert_device_id(x, id, sizeof id), 0);
    assert_string_equal(id, "00A859-prod-SN");
    X509_free(x);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(normalise_ids),
        cmocka_unit_test(key_pem_same_as_openssl),
        cmocka_unit_test(cert_identity),
    };
    return cmocka_run_group_tests_name("pki-ca/ca_util", tests, NULL, NULL);
}

/* tests/fuzz/fuzz_csr.c — libFuzzer target for the CA's untrusted-input parsers:
 * CSR (PEM/DER) parse + policy check, certificate parse + the verifier's identity
 * extraction, and the device-id / serial text validators. No DB, no network. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bn.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/x509.h>

#include "ca.h"
#include "ca_priv.h"
#include "ca_util.h"

#define FUZZ_DEVICE_ID "00D09E-Box-SN1"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fuzz_check_csr(X509_REQ *req, const char *device_id)
{
    EVP_PKEY *pub = NULL;
    char *err = NULL;
    int rc = ca_check_csr(req, device_id, &pub, &err);
    if (rc == 0 && !pub)
        abort(); /* success must hand back the key */
    if (rc < 0 && !err)
        abort(); /* every refusal explains itself */
    free(err);
}

static void fuzz_csr(const uint8_t *data, size_t size)
{
    char *err = NULL;
    X509_REQ *req = ca_csr_parse(data, size, &err);
    if (!req) {
        free(err);
        return;
    }
    fuzz_check_csr(req, FUZZ_DEVICE_ID);
    /* and against the CSR's own CN, the one identity that can pass */
    char cn[CA_DEVICE_ID_MAX + 2];
    if (X509_NAME_get_text_by_NID(X509_REQ_get_subject_name(req), NID_commonName, cn, sizeof cn) >= 0)
        fuzz_check_csr(req, cn);
    free(ca_name_text(X509_REQ_get_subject_name(req)));
    X509_REQ_free(req);
    ERR_clear_error();
}

static void fuzz_cert(const uint8_t *data, size_t size)
{
    char *err = NULL;
    X509 *x = ca_cert_parse(data, size, &err);
    if (!x) {
        free(err);
        return;
    }
    /* what ca_verify_peer extracts from a leaf: serial and device identity */
    char serial[CA_SERIAL_HEX_MAX + 1], id[CA_DEVICE_ID_MAX + 1];
    if (ca_serial_hex(X509_get0_serialNumber(x), serial, sizeof serial) == 0 && strlen(serial) > CA_SERIAL_HEX_MAX)
        abort();
    if (ca_cert_device_id(x, id, sizeof id) == 0 && !ca_device_id_valid(id))
        abort();
    char t[40];
    (void)ca_time_text(X509_get0_notBefore(x), t, sizeof t);
    (void)ca_time_text(X509_get0_notAfter(x), t, sizeof t);
    free(ca_name_text(X509_get_subject_name(x)));
    size_t len = 0;
    OPENSSL_free(ca_cert_der(x, &len));
    X509_free(x);
    ERR_clear_error();
}

static void fuzz_text(const uint8_t *data, size_t size)
{
    char *s = malloc(size + 1);
    if (!s)
        return;
    memcpy(s, data, size);
    s[size] = '\0';
    (void)ca_device_id_valid(s);
    char hex[CA_SERIAL_HEX_MAX + 1], tiny[4];
    if (ca_serial_normalise(s, hex, sizeof hex) == 0) {
        /* the canonical text is what ca_serial_hex gives for the same number */
        BIGNUM *bn = NULL;
        ASN1_INTEGER *ai = BN_hex2bn(&bn, hex) ? BN_to_ASN1_INTEGER(bn, NULL) : NULL;
        char back[CA_SERIAL_HEX_MAX + 1];
        if (ai && (ca_serial_hex(ai, back, sizeof back) < 0 || strcmp(back, hex)))
            abort();
        ASN1_INTEGER_free(ai);
        BN_free(bn);
    }
    (void)ca_serial_normalise(s, tiny, sizeof tiny);
    free(s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_csr(data, size);
    fuzz_cert(data, size);
    fuzz_text(data, size);
    return 0;
}

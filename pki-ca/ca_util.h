/* pki-ca/ca_util.h — X.509 helpers shared inside pki-ca: device identities, serials,
 * extensions, PEM/DER conversion, keys on disk.
 * Owns: nothing; returned objects are caller-owned. Thread-safety: reentrant. */
#ifndef PKICA_CA_UTIL_H
#define PKICA_CA_UTIL_H

#include <stddef.h>
#include <sys/types.h>

#include <openssl/evp.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "err.h"

#define CA_DEVICE_URN_PREFIX "urn:dev:ops:" /* RFC 9039 device URN for OUI-ProductClass-Serial */

/* Is id a CWMP device identity OUI-ProductClass-SerialNumber (or OUI-SerialNumber) in its
 * canonical form? OUI: 6 uppercase hex digits; other parts 1..64 of [A-Za-z0-9._~%+:]. */
int ca_device_id_valid(const char *id);
/* The canonical form of a device identity whose OUI may be written in lowercase (real CPEs
 * send "00a859"): the OUI uppercased, ProductClass and SerialNumber unchanged (they are
 * case-sensitive). 0 with out filled (n > strlen(in); in == out allowed), or -ERR_INVAL
 * (out = "") when in is no device identity in either case. */
int ca_device_id_normalise(const char *in, char *out, size_t n);

/* Device identity of a certificate: the urn:dev:ops:<id> URI SAN, which must equal the
 * subject CN and be a device id (OUI in either case). Copies its canonical form into out
 * (n >= CA_DEVICE_ID_MAX + 1); 0, or -ERR_AUTH (out = "") when the certificate carries no such identity. Pure: no
 * chain or validity check (the verifier does those first). */
int ca_cert_device_id(const X509 *cert, char *out, size_t n);

/* 128 random bits as a positive ASN1_INTEGER; hex (lowercase) into hex[33+]. */
ASN1_INTEGER *ca_serial_random(char *hex, size_t hexlen);
/* Lowercase hex of an ASN1_INTEGER serial into hex; 0 or -ERR_INVAL. */
int ca_serial_hex(const ASN1_INTEGER *serial, char *hex, size_t hexlen);
/* Normalise user-typed serial text (strip colons, 0x, lowercase, strip leading zeros). */
int ca_serial_normalise(const char *in, char *hex, size_t hexlen);

/* Generate a key of type "ec-p256", "ec-p384", "rsa-2048", "rsa-3072", "rsa-4096". */
EVP_PKEY *ca_key_generate(const char *type, char **errmsg);
/* Policy: EC P-256/P-384 or RSA >= 2048 bits. Writes a description ("ec-p256") to desc. */
int ca_key_acceptable(EVP_PKEY *key, char *desc, size_t desclen, char **errmsg);
/* Write key encrypted (AES-256-CBC PKCS#8) to path created as file_write_new, mode 0600. */
int ca_key_write_encrypted(EVP_PKEY *key, const char *path, const char *pass, char **errmsg) WARN_UNUSED;
EVP_PKEY *ca_key_read_encrypted(const char *path, const char *pass, char **errmsg);
/* Write an unencrypted key (device keys for the simulator), mode 0600. */
int ca_key_write_plain(EVP_PKEY *key, const char *path, char **errmsg) WARN_UNUSED;
/* Append key as unencrypted PKCS#8 PEM ("BEGIN PRIVATE KEY") to bio: the same bytes as
 * PEM_write_bio_PrivateKey, but EC P-256 keys are encoded directly, without OpenSSL 3's
 * per-call encoder lookup (which takes global locks and cost a third of a batch).
 * 1 on success, 0 on failure (as the PEM functions). */
int ca_key_pem_write(BIO *bio, EVP_PKEY *key) WARN_UNUSED;

/* Put src (e.g. a CSR's SubjectPublicKeyInfo) into x without decoding the key. */
int ca_copy_spki(X509 *x, X509_PUBKEY *src) WARN_UNUSED;

/* X509_set_pubkey, without OpenSSL 3's encode/decode round trip for EC keys. */
int ca_set_pubkey(X509 *x, EVP_PKEY *key) WARN_UNUSED;

/* Add an extension by its OpenSSL config text ("critical,CA:TRUE"). */
int ca_add_ext(X509 *cert, X509 *issuer, int nid, const char *value) WARN_UNUSED;
/* Sign with the digest that fits the key (SHA-256 for P-256/RSA, SHA-384 for P-384). */
int ca_sign(X509 *cert, EVP_PKEY *key) WARN_UNUSED;
const EVP_MD *ca_digest_for(EVP_PKEY *key);

/* Parse PEM or DER of one certificate / CSR / CRL; NULL with *errmsg on malformed input. */
X509 *ca_cert_parse(const unsigned char *data, size_t len, char **errmsg);
X509_REQ *ca_csr_parse(const unsigned char *data, size_t len, char **errmsg);
/* DER / PEM encode: malloc'd, caller frees. */
unsigned char *ca_cert_der(X509 *cert, size_t *len);
char *ca_cert_pem(X509 *cert);
char *ca_key_pem(EVP_PKEY *key);
/* One-line RFC 2253 subject; malloc'd. */
char *ca_name_text(const X509_NAME *name);
/* ASN1_TIME to "YYYY-MM-DD HH:MM:SSZ" for SQL. */
int ca_time_text(const ASN1_TIME *t, char *out, size_t n);
/* Last OpenSSL error as text (one line) into a static-free buffer. */
void ca_ssl_error(char *out, size_t n);

/* Lowercase hex of bytes; out must hold 2*len+1. */
void ca_hex(const unsigned char *in, size_t len, char *out);

#endif

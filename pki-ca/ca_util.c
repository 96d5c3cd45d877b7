/* pki-ca/ca_util.c — X.509 helpers: identities, serials, keys, encodings. */
#define _GNU_SOURCE /* vasprintf */
#include "ca_util.h"

#include <ctype.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/rand.h>

#include "ca.h"
#include "file_write.h"

void ca_ssl_error(char *out, size_t n)
{
    unsigned long e = ERR_peek_last_error();
    if (!e) {
        snprintf(out, n, "unknown OpenSSL error");
        return;
    }
    const char *reason = ERR_reason_error_string(e);
    snprintf(out, n, "%s", reason ? reason : "OpenSSL error");
    ERR_clear_error();
}

void ca_hex(const unsigned char *in, size_t len, char *out)
{
    static const char digits[] = "0123456789abcdef";
    for (size_t i = 0; i < len; i++) {
        out[2 * i] = digits[in[i] >> 4];
        out[2 * i + 1] = digits[in[i] & 15];
    }
    out[2 * len] = '\0';
}

static int part_valid(const char *s, size_t len)
{
    if (len < 1 || len > 64)
        return 0;
    for (size_t i = 0; i < len; i++)
        if (!isalnum((unsigned char)s[i]) && !strchr("._~%+:", s[i]))
            return 0;
    return 1;
}

/* The syntax, with the OUI's hex digits in either case (upper: the canonical form). */
static int id_syntax(const char *id, int upper_only)
{
    if (!id || strlen(id) > CA_DEVICE_ID_MAX)
        return 0;
    for (int i = 0; i < 6; i++)
        if (!isxdigit((unsigned char)id[i]) || (upper_only && islower((unsigned char)id[i])))
            return 0;
    if (id[6] != '-')
        return 0;
    const char *rest = id + 7;
    const char *dash = strchr(rest, '-');
    if (!dash)
        return part_valid(rest, strlen(rest));
    if (strchr(dash + 1, '-'))
        return 0;
    return part_valid(rest, (size_t)(dash - rest)) && part_valid(dash + 1, strlen(dash + 1));
}

int ca_device_id_valid(const char *id)
{
    return id_syntax(id, 1);
}

int ca_device_id_normalise(const char *in, char *out, size_t n)
{
    if (n < 1)
        return -ERR_INVAL;
    if (!id_syntax(in, 0) || strlen(in) >= n) {
        out[0] = '\0';
        return -ERR_INVAL;
    }
    memmove(out, in, strlen(in) + 1);
    for (int i = 0; i < 6; i++)
        out[i] = (char)toupper((unsigned char)out[i]);
    return 0;
}

int ca_cert_device_id(const X509 *cert, char *out, size_t n)
{
    if (n < CA_DEVICE_ID_MAX + 1)
        return -ERR_INVAL;
    out[0] = '\0';
    GENERAL_NAMES *names = X509_get_ext_d2i(cert, NID_subject_alt_name, NULL, NULL);
    const size_t plen = strlen(CA_DEVICE_URN_PREFIX);
    int found = 0;
    for (int i = 0; i < sk_GENERAL_NAME_num(names) && !found; i++) {
        GENERAL_NAME *g = sk_GENERAL_NAME_value(names, i);
        if (g->type != GEN_URI)
            continue;
        const char *u = (const char *)ASN1_STRING_get0_data(g->d.uniformResourceIdentifier);
        int len = ASN1_STRING_length(g->d.uniformResourceIdentifier);
        if (len > (int)plen && (size_t)len - plen <= CA_DEVICE_ID_MAX && !memcmp(u, CA_DEVICE_URN_PREFIX, plen) &&
            !memchr(u, 0, (size_t)len)) {
            memcpy(out, u + plen, (size_t)len - plen);
            out[len - plen] = '\0';
            found = 1;
        }
    }
    GENERAL_NAMES_free(names);
    char cn[CA_DEVICE_ID_MAX + 2] = "";
    int cnlen = found ? X509_NAME_get_text_by_NID(X509_get_subject_name(cert), NID_commonName, cn, sizeof cn) : -1;
    /* cnlen != strlen: a CN with an embedded NUL must not match its prefix */
    if (cnlen < 0 || (size_t)cnlen != strlen(cn) || strcmp(cn, out) || ca_device_id_normalise(out, out, n) < 0) {
        out[0] = '\0';
        return -ERR_AUTH;
    }
    return 0;
}

ASN1_INTEGER *ca_serial_random(char *hex, size_t hexlen)
{
    unsigned char raw[16];
    if (hexlen < 2 * sizeof raw + 1 || RAND_bytes(raw, sizeof raw) != 1)
        return NULL;
    if (raw[0] == 0)
        raw[0] = 1; /* keep the full 16 octets so every serial has the same length */
    BIGNUM *bn = BN_bin2bn(raw, sizeof raw, NULL);
    ASN1_INTEGER *ai = bn ? BN_to_ASN1_INTEGER(bn, NULL) : NULL;
    BN_free(bn);
    if (ai)
        ca_hex(raw, sizeof raw, hex);
    return ai;
}

int ca_serial_hex(const ASN1_INTEGER *serial, char *hex, size_t hexlen)
{
    BIGNUM *bn = ASN1_INTEGER_to_BN(serial, NULL);
    if (!bn)
        return -ERR_INVAL;
    int rc = -ERR_INVAL;
    char *h = BN_bn2hex(bn);
    if (h && strlen(h) < hexlen && h[0] != '-') {
        for (size_t i = 0; h[i]; i++)
            hex[i] = (char)tolower((unsigned char)h[i]);
        hex[strlen(h)] = '\0';
        rc = 0;
    }
    OPENSSL_free(h);
    BN_free(bn);
    return rc;
}

int ca_serial_normalise(const char *in, char *hex, size_t hexlen)
{
    /* canonical form = BN_bn2hex's: whole bytes, no leading zero byte, lowercase */
    char digits[CA_SERIAL_HEX_MAX + 2];
    size_t o = 0;
    if (in[0] == '0' && (in[1] == 'x' || in[1] == 'X'))
        in += 2;
    for (; *in; in++) {
        if (*in == ':')
            continue;
        if (!isxdigit((unsigned char)*in))
            return -ERR_INVAL;
        if (o == 0 && *in == '0')
            continue;
        if (o + 1 >= sizeof digits)
            return -ERR_INVAL;
        digits[o++] = (char)tolower((unsigned char)*in);
    }
    if (o == 0) { /* zero: BN_bn2hex's "0", not "00" */
        if (hexlen < 2)
            return -ERR_INVAL;
        snprintf(hex, hexlen, "0");
        return 0;
    }
    digits[o] = '\0';
    int pad = o % 2;
    if (o + (size_t)pad + 1 > hexlen)
        return -ERR_INVAL;
    snprintf(hex, hexlen, "%s%s", pad ? "0" : "", digits);
    return 0;
}

int ca_key_pem_write(BIO *bio, EVP_PKEY *key)
{
    /* PrivateKeyInfo { 0, {id-ecPublicKey, prime256v1}, OCTET STRING ECPrivateKey { 1,
     * OCTET STRING d (32), [1] BIT STRING point (65) } } (RFC 5915/5958), as OpenSSL writes it */
    static const unsigned char head[] = {0x30, 0x81, 0x87, 0x02, 0x01, 0x00, 0x30, 0x13, 0x06, 0x07, 0x2a, 0x86,
                                         0x48, 0xce, 0x3d, 0x02, 0x01, 0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d,
                                         0x03, 0x01, 0x07, 0x04, 0x6d, 0x30, 0x6b, 0x02, 0x01, 0x01, 0x04, 0x20};
    static const unsigned char mid[] = {0xa1, 0x44, 0x03, 0x42, 0x00};
    unsigned char der[sizeof head + 32 + sizeof mid + 65];
    char group[32] = "";
    size_t glen = 0, plen = 0;
    BIGNUM *d = NULL;
    int p256 = EVP_PKEY_get_base_id(key) == EVP_PKEY_EC &&
               EVP_PKEY_get_utf8_string_param(key, OSSL_PKEY_PARAM_GROUP_NAME, group, sizeof group, &glen) &&
               !strcmp(group, "prime256v1") && EVP_PKEY_get_bn_param(key, OSSL_PKEY_PARAM_PRIV_KEY, &d) &&
               BN_bn2binpad(d, der + sizeof head, 32) == 32 &&
               EVP_PKEY_get_octet_string_param(key, OSSL_PKEY_PARAM_ENCODED_PUBLIC_KEY, der + sizeof head + 32 + sizeof mid,
                                               65, &plen) &&
               plen == 65 && der[sizeof head + 32 + sizeof mid] == 0x04;
    BN_clear_free(d);
    if (!p256) {
        OPENSSL_cleanse(der, sizeof der);
        return PEM_write_bio_PrivateKey(bio, key, NULL, NULL, 0, NULL, NULL);
    }
    memcpy(der, head, sizeof head);
    memcpy(der + sizeof head + 32, mid, sizeof mid);
    int ok = PEM_write_bio(bio, "PRIVATE KEY", "", der, (long)sizeof der) > 0;
    OPENSSL_cleanse(der, sizeof der);
    return ok;
}

EVP_PKEY *ca_key_generate(const char *type, char **errmsg)
{
    EVP_PKEY *key = NULL;
    if (!type || !strcmp(type, "ec-p256"))
        key = EVP_EC_gen("P-256");
    else if (!strcmp(type, "ec-p384"))
        key = EVP_EC_gen("P-384");
    else if (!strcmp(type, "rsa-2048"))
        key = EVP_RSA_gen(2048);
    else if (!strcmp(type, "rsa-3072"))
        key = EVP_RSA_gen(3072);
    else if (!strcmp(type, "rsa-4096"))
        key = EVP_RSA_gen(4096);
    else {
        err_fail(errmsg, -ERR_INVAL, "unknown key type \"%s\" (ec-p256, ec-p384, rsa-2048, rsa-3072, rsa-4096)", type);
        return NULL;
    }
    if (!key)
        err_fail(errmsg, -ERR_CRYPTO, "key generation failed");
    return key;
}

int ca_key_acceptable(EVP_PKEY *key, char *desc, size_t desclen, char **errmsg)
{
    int id = EVP_PKEY_get_base_id(key);
    if (id == EVP_PKEY_EC) {
        char group[64] = "";
        size_t glen = 0;
        char encoding[32] = "";
        size_t elen = 0;
        /* explicit curve parameters are forbidden in certificates (RFC 5480) */
        if (!EVP_PKEY_get_utf8_string_param(key, OSSL_PKEY_PARAM_GROUP_NAME, group, sizeof group, &glen) ||
            (EVP_PKEY_get_utf8_string_param(key, OSSL_PKEY_PARAM_EC_ENCODING, encoding, sizeof encoding, &elen) &&
             strcmp(encoding, OSSL_PKEY_EC_ENCODING_GROUP) != 0))
            return err_fail(errmsg, -ERR_POLICY, "EC key without a named curve (explicit parameters are refused)");
        if (!strcmp(group, "prime256v1") || !strcmp(group, "P-256"))
            snprintf(desc, desclen, "ec-p256");
        else if (!strcmp(group, "secp384r1") || !strcmp(group, "P-384"))
            snprintf(desc, desclen, "ec-p384");
        else
            return err_fail(errmsg, -ERR_POLICY, "weak or unsupported key: EC curve %s (need P-256 or P-384)", group);
        return 0;
    }
    if (id == EVP_PKEY_RSA) {
        int bits = EVP_PKEY_get_bits(key);
        if (bits < 2048)
            return err_fail(errmsg, -ERR_POLICY, "weak key: RSA %d bits (need at least 2048)", bits);
        snprintf(desc, desclen, "rsa-%d", bits);
        return 0;
    }
    return err_fail(errmsg, -ERR_POLICY, "unsupported key algorithm %s (need EC P-256/P-384 or RSA >= 2048)",
                    OBJ_nid2sn(id));
}

static int write_key(EVP_PKEY *key, const char *path, const char *pass, char **errmsg)
{
    BIO *bio = BIO_new(BIO_s_secmem()); /* key bytes: cleansed when freed */
    int ok = bio && (pass ? PEM_write_bio_PKCS8PrivateKey(bio, key, EVP_aes_256_cbc(), pass, (int)strlen(pass),
                                                          NULL, NULL)
                          : PEM_write_bio_PrivateKey(bio, key, NULL, NULL, 0, NULL, NULL));
    char *pem = NULL;
    long len = ok ? BIO_get_mem_data(bio, &pem) : 0;
    int rc = ok && len > 0 ? file_write_new(path, pem, (size_t)len, 0600, errmsg)
                           : err_fail(errmsg, -ERR_CRYPTO, "cannot encode key for %s", path);
    BIO_free(bio);
    return rc;
}

int ca_key_write_encrypted(EVP_PKEY *key, const char *path, const char *pass, char **errmsg)
{
    if (!pass || !*pass)
        return err_fail(errmsg, -ERR_AUTH, "no CA passphrase");
    return write_key(key, path, pass, errmsg);
}

int ca_key_write_plain(EVP_PKEY *key, const char *path, char **errmsg)
{
    return write_key(key, path, NULL, errmsg);
}

EVP_PKEY *ca_key_read_encrypted(const char *path, const char *pass, char **errmsg)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        err_fail(errmsg, -ERR_IO, "cannot open CA key %s: %s", path, strerror(errno));
        return NULL;
    }
    /* pass "" rather than NULL so OpenSSL never prompts on a terminal */
    EVP_PKEY *key = PEM_read_PrivateKey(f, NULL, NULL, (void *)(pass ? pass : ""));
    fclose(f);
    if (!key) {
        ERR_clear_error();
        err_fail(errmsg, -ERR_AUTH, "cannot decrypt CA key %s: wrong passphrase or damaged file", path);
    }
    return key;
}

int ca_add_ext(X509 *cert, X509 *issuer, int nid, const char *value)
{
    X509V3_CTX ctx;
    X509V3_set_ctx_nodb(&ctx);
    X509V3_set_ctx(&ctx, issuer ? issuer : cert, cert, NULL, NULL, 0);
    X509_EXTENSION *ext = X509V3_EXT_conf_nid(NULL, &ctx, nid, value);
    if (!ext)
        return -ERR_CRYPTO;
    int ok = X509_add_ext(cert, ext, -1);
    X509_EXTENSION_free(ext);
    return ok ? 0 : -ERR_CRYPTO;
}

const EVP_MD *ca_digest_for(EVP_PKEY *key)
{
    if (EVP_PKEY_get_base_id(key) == EVP_PKEY_EC && EVP_PKEY_get_bits(key) > 256)
        return EVP_sha384();
    return EVP_sha256();
}

int ca_sign(X509 *cert, EVP_PKEY *key)
{
    return X509_sign(cert, key, ca_digest_for(key)) > 0 ? 0 : -ERR_CRYPTO;
}

static int looks_pem(const unsigned char *data, size_t len)
{
    static const char tag[] = "-----BEGIN";
    for (size_t i = 0; i + sizeof tag - 1 <= len && i < 4096; i++)
        if (!memcmp(data + i, tag, sizeof tag - 1))
            return 1;
    return 0;
}

X509 *ca_cert_parse(const unsigned char *data, size_t len, char **errmsg)
{
    X509 *x = NULL;
    if (len == 0 || len > CA_PEM_MAX) {
        err_fail(errmsg, -ERR_PARSE, "certificate: %s", len ? "input too large" : "empty input");
        return NULL;
    }
    if (looks_pem(data, len)) {
        BIO *b = BIO_new_mem_buf(data, (int)len);
        x = b ? PEM_read_bio_X509(b, NULL, NULL, NULL) : NULL;
        BIO_free(b);
    } else {
        const unsigned char *p = data;
        x = d2i_X509(NULL, &p, (long)len);
        if (x && p != data + len) {
            X509_free(x);
            x = NULL;
        }
    }
    if (!x) {
        ERR_clear_error();
        err_fail(errmsg, -ERR_PARSE, "malformed certificate (neither valid PEM nor DER)");
    }
    return x;
}

X509_REQ *ca_csr_parse(const unsigned char *data, size_t len, char **errmsg)
{
    X509_REQ *r = NULL;
    if (len == 0 || len > CA_PEM_MAX) {
        err_fail(errmsg, -ERR_PARSE, "CSR: %s", len ? "input too large" : "empty input");
        return NULL;
    }
    if (looks_pem(data, len)) {
        BIO *b = BIO_new_mem_buf(data, (int)len);
        r = b ? PEM_read_bio_X509_REQ(b, NULL, NULL, NULL) : NULL;
        BIO_free(b);
    } else {
        const unsigned char *p = data;
        r = d2i_X509_REQ(NULL, &p, (long)len);
        if (r && p != data + len) {
            X509_REQ_free(r);
            r = NULL;
        }
    }
    if (!r) {
        ERR_clear_error();
        err_fail(errmsg, -ERR_PARSE, "malformed CSR (neither valid PEM nor DER PKCS#10)");
    }
    return r;
}

unsigned char *ca_cert_der(X509 *cert, size_t *len)
{
    unsigned char *der = NULL;
    int n = i2d_X509(cert, &der);
    if (n <= 0)
        return NULL;
    *len = (size_t)n;
    return der; /* OPENSSL_malloc'd, which is malloc in Debian's build; free with OPENSSL_free */
}

static char *bio_take(BIO *b)
{
    char *data;
    long n = BIO_get_mem_data(b, &data);
    char *out = n >= 0 ? malloc((size_t)n + 1) : NULL;
    if (out) {
        memcpy(out, data, (size_t)n);
        out[n] = '\0';
    }
    BIO_free(b);
    return out;
}

char *ca_cert_pem(X509 *cert)
{
    BIO *b = BIO_new(BIO_s_mem());
    if (!b || !PEM_write_bio_X509(b, cert)) {
        BIO_free(b);
        return NULL;
    }
    return bio_take(b);
}

char *ca_key_pem(EVP_PKEY *key)
{
    BIO *b = BIO_new(BIO_s_mem());
    if (!b || !PEM_write_bio_PrivateKey(b, key, NULL, NULL, 0, NULL, NULL)) {
        BIO_free(b);
        return NULL;
    }
    return bio_take(b);
}

char *ca_name_text(const X509_NAME *name)
{
    BIO *b = BIO_new(BIO_s_mem());
    if (!b || X509_NAME_print_ex(b, name, 0, XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB) < 0) {
        BIO_free(b);
        return NULL;
    }
    return bio_take(b);
}

int ca_time_text(const ASN1_TIME *t, char *out, size_t n)
{
    struct tm tm;
    if (!ASN1_TIME_to_tm(t, &tm))
        return -ERR_INVAL;
    return strftime(out, n, "%Y-%m-%d %H:%M:%S+00", &tm) ? 0 : -ERR_INVAL;
}

int ca_copy_spki(X509 *x, X509_PUBKEY *src)
{
    /* X509_set_pubkey() re-encodes the key and decodes it again through OpenSSL 3's
     * decoder lookup, which costs more than the signature; copying the encoded
     * SubjectPublicKeyInfo fields needs neither. */
    ASN1_OBJECT *alg = NULL;
    const unsigned char *pk = NULL;
    int pklen = 0, ptype = V_ASN1_UNDEF;
    X509_ALGOR *pa = NULL;
    const void *pval = NULL;
    if (!X509_PUBKEY_get0_param(&alg, &pk, &pklen, &pa, src) || pklen <= 0)
        return -ERR_CRYPTO;
    X509_ALGOR_get0(NULL, &ptype, &pval, pa);
    void *param = NULL;
    if (ptype == V_ASN1_OBJECT)
        param = OBJ_dup(pval);
    else if (ptype == V_ASN1_SEQUENCE)
        param = ASN1_STRING_dup(pval);
    else if (ptype != V_ASN1_NULL && ptype != V_ASN1_UNDEF)
        return -ERR_CRYPTO;
    ASN1_OBJECT *alg_dup = OBJ_dup(alg);
    unsigned char *enc = OPENSSL_memdup(pk, (size_t)pklen);
    X509_PUBKEY *dst = X509_get_X509_PUBKEY(x);
    if ((ptype == V_ASN1_OBJECT || ptype == V_ASN1_SEQUENCE) && !param)
        goto fail;
    if (!dst || !alg_dup || !enc || !X509_PUBKEY_set0_param(dst, alg_dup, ptype, param, enc, pklen))
        goto fail;
    return 0;
fail:
    ASN1_OBJECT_free(alg_dup);
    OPENSSL_free(enc);
    if (ptype == V_ASN1_OBJECT)
        ASN1_OBJECT_free(param);
    else
        ASN1_STRING_free(param);
    return -ERR_CRYPTO;
}

int ca_set_pubkey(X509 *x, EVP_PKEY *key)
{
    /* EC keys: fill the SubjectPublicKeyInfo from the encoded point and the curve,
     * skipping OpenSSL 3's encode-then-decode in X509_set_pubkey(). */
    char group[64];
    unsigned char point[133];
    size_t glen = 0, plen = 0;
    int nid = NID_undef;
    if (EVP_PKEY_get_base_id(key) == EVP_PKEY_EC &&
        EVP_PKEY_get_utf8_string_param(key, OSSL_PKEY_PARAM_GROUP_NAME, group, sizeof group, &glen) &&
        EVP_PKEY_get_octet_string_param(key, OSSL_PKEY_PARAM_ENCODED_PUBLIC_KEY, point, sizeof point, &plen))
        nid = OBJ_sn2nid(group) != NID_undef ? OBJ_sn2nid(group) : EC_curve_nist2nid(group);
    if (nid == NID_undef) {
        ERR_clear_error();
        return X509_set_pubkey(x, key) ? 0 : -ERR_CRYPTO;
    }
    unsigned char *enc = OPENSSL_memdup(point, plen);
    X509_PUBKEY *dst = X509_get_X509_PUBKEY(x);
    if (!enc || !dst ||
        !X509_PUBKEY_set0_param(dst, OBJ_nid2obj(NID_X9_62_id_ecPublicKey), V_ASN1_OBJECT, OBJ_nid2obj(nid), enc,
                                (int)plen)) {
        OPENSSL_free(enc);
        return -ERR_CRYPTO;
    }
    return 0;
}

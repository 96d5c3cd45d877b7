/* common/secret.c — AES-256-GCM sealing with OpenSSL's EVP interface. */
#include "secret.h"

#include <ctype.h>
#include <fcntl.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include "file_write.h"

#define NONCE_LEN 12
#define TAG_LEN 16
#define ID_LEN 4

struct secret_key {
    unsigned char key[SECRET_KEY_LEN];
    unsigned char id[ID_LEN]; /* first bytes of SHA-256(key): tells which key sealed a blob */
};

struct secret_key *secret_key_from_bytes(const unsigned char *bytes, size_t len)
{
    if (len != SECRET_KEY_LEN)
        return NULL;
    struct secret_key *k = calloc(1, sizeof *k);
    unsigned char md[32];
    unsigned int mdlen = 0;
    if (!k || !EVP_Digest(bytes, len, md, &mdlen, EVP_sha256(), NULL)) {
        free(k);
        return NULL;
    }
    memcpy(k->key, bytes, len);
    memcpy(k->id, md, ID_LEN);
    return k;
}

void secret_key_free(struct secret_key *k)
{
    if (!k)
        return;
    OPENSSL_cleanse(k, sizeof *k);
    free(k);
}

struct secret_key *secret_key_load(const char *path, char **errmsg)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        err_fail(errmsg, -ERR_IO, "%s: cannot open secret key file", path);
        return NULL;
    }
    struct stat st;
    char text[2 * SECRET_KEY_LEN + 3];
    ssize_t n = -1;
    if (fstat(fd, &st) == 0 && !(st.st_mode & 0077))
        n = read(fd, text, sizeof text - 1);
    else
        err_fail(errmsg, -ERR_PERM, "%s: secret key file must not be readable by group or others (chmod 600)", path);
    close(fd);
    if (n < 0)
        return NULL;
    text[n] = '\0';
    while (n > 0 && isspace((unsigned char)text[n - 1]))
        text[--n] = '\0';
    unsigned char raw[SECRET_KEY_LEN];
    int ok = n == 2 * SECRET_KEY_LEN;
    for (int i = 0; ok && i < SECRET_KEY_LEN; i++) {
        unsigned v;
        ok = isxdigit((unsigned char)text[2 * i]) && isxdigit((unsigned char)text[2 * i + 1]) &&
             sscanf(text + 2 * i, "%2x", &v) == 1;
        raw[i] = (unsigned char)v;
    }
    struct secret_key *k = ok ? secret_key_from_bytes(raw, sizeof raw) : NULL;
    if (!ok)
        err_fail(errmsg, -ERR_PARSE, "%s: secret key file must hold 64 hex digits", path);
    OPENSSL_cleanse(raw, sizeof raw);
    OPENSSL_cleanse(text, sizeof text);
    return k;
}

int secret_key_generate(const char *path, char **errmsg)
{
    unsigned char raw[SECRET_KEY_LEN];
    char text[2 * SECRET_KEY_LEN + 2];
    if (RAND_bytes(raw, sizeof raw) != 1)
        return -ERR_CRYPTO;
    for (int i = 0; i < SECRET_KEY_LEN; i++)
        snprintf(text + 2 * i, 3, "%02x", raw[i]);
    text[2 * SECRET_KEY_LEN] = '\n';
    /* a new file only (never an existing one, never through a symlink), fsync'd, 0600 */
    int rc = file_write_new(path, text, 2 * SECRET_KEY_LEN + 1, 0600, errmsg);
    OPENSSL_cleanse(raw, sizeof raw);
    OPENSSL_cleanse(text, sizeof text);
    return rc;
}

/* One AES-256-GCM pass; enc = 1 to seal. tag is written (seal) or checked (open). */
static int gcm(const struct secret_key *k, int enc, const unsigned char *nonce, const char *aad,
               const unsigned char *in, size_t len, unsigned char *out, unsigned char *tag)
{
    EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
    int n = 0, ok = c && EVP_CipherInit_ex(c, EVP_aes_256_gcm(), NULL, k->key, nonce, enc) &&
                    (!aad || EVP_CipherUpdate(c, NULL, &n, (const unsigned char *)aad, (int)strlen(aad))) &&
                    (len == 0 || EVP_CipherUpdate(c, out, &n, in, (int)len)) &&
                    (enc || EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_SET_TAG, TAG_LEN, tag)) &&
                    EVP_CipherFinal_ex(c, out + (len ? n : 0), &n) &&
                    (!enc || EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_GET_TAG, TAG_LEN, tag));
    EVP_CIPHER_CTX_free(c);
    return ok ? 0 : -ERR_INTEGRITY;
}

int secret_seal(const struct secret_key *k, const char *plain, const char *aad, unsigned char **out,
                size_t *out_len)
{
    size_t len = strlen(plain);
    if (len > SECRET_MAX_PLAIN)
        return -ERR_TOO_BIG;
    unsigned char *b = malloc(SECRET_OVERHEAD + len);
    if (!b)
        return -ERR_NOMEM;
    b[0] = 'v';
    b[1] = '1';
    memcpy(b + 2, k->id, ID_LEN);
    unsigned char *nonce = b + 2 + ID_LEN, *ct = nonce + NONCE_LEN, *tag = ct + len;
    if (RAND_bytes(nonce, NONCE_LEN) != 1 ||
        gcm(k, 1, nonce, aad, (const unsigned char *)plain, len, ct, tag) < 0) {
        free(b);
        return -ERR_CRYPTO;
    }
    *out = b;
    *out_len = SECRET_OVERHEAD + len;
    return 0;
}

int secret_open(const struct secret_key *k, const unsigned char *in, size_t in_len, const char *aad, char **plain)
{
    if (in_len < SECRET_OVERHEAD || in_len > SECRET_OVERHEAD + SECRET_MAX_PLAIN || in[0] != 'v' || in[1] != '1' ||
        memcmp(in + 2, k->id, ID_LEN))
        return -ERR_INTEGRITY;
    size_t len = in_len - SECRET_OVERHEAD;
    char *p = malloc(len + 1);
    if (!p)
        return -ERR_NOMEM;
    const unsigned char *nonce = in + 2 + ID_LEN, *ct = nonce + NONCE_LEN;
    unsigned char tag[TAG_LEN];
    memcpy(tag, ct + len, TAG_LEN);
    if (gcm(k, 0, nonce, aad, ct, len, (unsigned char *)p, tag) < 0) {
        OPENSSL_cleanse(p, len + 1);
        free(p);
        return -ERR_INTEGRITY;
    }
    p[len] = '\0';
    *plain = p;
    return 0;
}

void secret_wipe_free(char *s)
{
    if (!s)
        return;
    OPENSSL_cleanse(s, strlen(s));
    free(s);
}

/* glibc knows each block's usable size: enough to wipe what jansson hands back */
static void json_wiping_free(void *p)
{
    if (p)
        explicit_bzero(p, malloc_usable_size(p));
    free(p);
}

void secret_json_wipe_on_free(void)
{
    json_set_alloc_funcs(malloc, json_wiping_free);
}

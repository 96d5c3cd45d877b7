/* acs/acs_nbi_token.c — API bearer tokens: generation ("acs_" + 32 random bytes base64url),
 * SHA-256 hashing (only the hash is stored) and the Authorization header. */
#include <string.h>
#include <strings.h>

#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <openssl/sha.h>

#include "acs_nbi_int.h"

int acs_nbi_token_new(char *tok, size_t n, unsigned char hash[32])
{
    static const char b64url[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    unsigned char raw[33]; /* 32 random bytes, padded to a multiple of 3 */
    if (n < ACS_NBI_TOKEN_LEN + 1 || RAND_bytes(raw, 32) != 1)
        return -ERR_CRYPTO;
    raw[32] = 0;
    memcpy(tok, ACS_NBI_TOKEN_PREFIX, 4);
    size_t o = 4;
    for (size_t i = 0; i < 33; i += 3) {
        unsigned v = (unsigned)raw[i] << 16 | (unsigned)raw[i + 1] << 8 | raw[i + 2];
        for (int s = 18; s >= 0 && o < ACS_NBI_TOKEN_LEN; s -= 6)
            tok[o++] = b64url[(v >> s) & 63];
    }
    tok[o] = '\0';
    OPENSSL_cleanse(raw, sizeof raw);
    acs_nbi_token_hash(tok, o, hash);
    return 0;
}

void acs_nbi_token_hash(const char *tok, size_t len, unsigned char hash[32])
{
    SHA256((const unsigned char *)tok, len, hash);
}

static int token_char(char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_' ||
           c == '.' || c == '~' || c == '+' || c == '/' || c == '=';
}

int acs_nbi_bearer(const char *authz, const char **tok, size_t *len)
{
    if (!authz || strncasecmp(authz, "Bearer ", 7))
        return -ERR_AUTH;
    const char *t = authz + 7;
    while (*t == ' ')
        t++;
    size_t n = 0;
    while (token_char(t[n]))
        n++;
    size_t end = n;
    while (t[end] == ' ')
        end++;
    if (n == 0 || n > ACS_NBI_TOKEN_MAX || t[end])
        return -ERR_AUTH;
    *tok = t;
    *len = n;
    return 0;
}

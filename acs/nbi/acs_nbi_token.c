/* acs/nbi/acs_nbi_token.c — API bearer tokens: generation ("acs_" + 32 random bytes base64url),
 * SHA-256 hashing (only the hash is stored) and the Authorization header. */
#include <string.h>
#include <strings.h>

#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <openssl/sha.h>

#include "acs_nbi_int.h"
#include "b64.h"

int acs_nbi_token_new(char *tok, size_t n, unsigned char hash[32])
{
    unsigned char raw[32];
    if (n < ACS_NBI_TOKEN_LEN + 1 || RAND_bytes(raw, sizeof raw) != 1)
        return -ERR_CRYPTO;
    memcpy(tok, ACS_NBI_TOKEN_PREFIX, 4);
    int len = b64url_encode(raw, sizeof raw, tok + 4, n - 4); /* 43 characters */
    OPENSSL_cleanse(raw, sizeof raw);
    if (len != ACS_NBI_TOKEN_LEN - 4)
        return -ERR_CRYPTO;
    acs_nbi_token_hash(tok, ACS_NBI_TOKEN_LEN, hash);
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

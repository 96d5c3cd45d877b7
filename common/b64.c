/* common/b64.c — base64 (see b64.h). */
#include "b64.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

int b64_encode(const void *in, size_t len, char *out, size_t cap)
{
    if (len > (size_t)INT_MAX / 4 * 3 || cap < B64_LEN(len) + 1)
        return -ERR_TOO_BIG;
    return EVP_EncodeBlock((unsigned char *)out, in, (int)len); /* NUL-terminates */
}

int b64url_encode(const void *in, size_t len, char *out, size_t cap)
{
    if (len > (size_t)INT_MAX / 4 * 3 || cap < B64URL_LEN(len) + 1)
        return -ERR_TOO_BIG;
    /* whole groups straight into out, the last one or two bytes by way of a quad of our
     * own: out need not hold the padding */
    size_t whole = len / 3 * 3;
    int n = EVP_EncodeBlock((unsigned char *)out, in, (int)whole);
    char last[5];
    size_t tail = len > whole ? len - whole + 1 : 0; /* 1 byte: 2 characters, 2 bytes: 3 */
    if (tail)
        EVP_EncodeBlock((unsigned char *)last, (const unsigned char *)in + whole, (int)(len - whole));
    for (size_t i = 0; i < tail; i++)
        out[n++] = last[i];
    out[n] = '\0';
    for (int i = 0; i < n; i++)
        out[i] = out[i] == '+' ? '-' : out[i] == '/' ? '_' : out[i];
    return n;
}

static int in_alphabet(unsigned char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' || c == '/';
}

int b64_decode(const void *in, size_t len, unsigned char **out, size_t *out_len, char **errmsg)
{
    *out = NULL;
    *out_len = 0;
    if (len > (size_t)INT_MAX - 4)
        return err_fail(errmsg, -ERR_TOO_BIG, "base64 text too long");
    /* EVP_DecodeBlock takes whitespace only at the ends and counts padding as zero bytes:
     * give it the characters alone, checked, padded back to whole quads */
    const unsigned char *s = in;
    unsigned char *clean = malloc(len + 4), *buf = NULL;
    if (!clean)
        return err_fail(errmsg, -ERR_NOMEM, "out of memory");
    size_t n = 0, pad = 0;
    int rc = 0;
    for (size_t i = 0; i < len && rc == 0; i++) {
        unsigned char c = s[i];
        if (c == ' ' || c == '\t' || c == '\r' || c == '\n')
            continue;
        if (c == '=' && ++pad > 2)
            rc = err_fail(errmsg, -ERR_PARSE, "malformed base64: too much padding");
        else if (c != '=' && pad)
            rc = err_fail(errmsg, -ERR_PARSE, "malformed base64: data after padding");
        else if (c != '=' && !in_alphabet(c))
            rc = err_fail(errmsg, -ERR_PARSE, "malformed base64: invalid character at offset %zu", i);
        else if (c != '=')
            clean[n++] = c;
    }
    if (rc == 0 && (n % 4 == 1 || (pad && (n + pad) % 4 != 0)))
        rc = err_fail(errmsg, -ERR_PARSE, "malformed base64: truncated");
    size_t tail = (4 - n % 4) % 4; /* '=' to add: 0, 1 or 2 */
    if (rc == 0) {
        memset(clean + n, '=', tail);
        buf = malloc((n + tail) / 4 * 3 + 1);
        int got = buf ? EVP_DecodeBlock(buf, clean, (int)(n + tail)) : -1;
        if (got < (int)tail)
            rc = buf ? err_fail(errmsg, -ERR_PARSE, "malformed base64") : err_fail(errmsg, -ERR_NOMEM, "out of memory");
        else
            *out_len = (size_t)got - tail;
    }
    OPENSSL_cleanse(clean, len + 4);
    free(clean);
    if (rc < 0) {
        if (buf)
            OPENSSL_cleanse(buf, (n + tail) / 4 * 3 + 1);
        free(buf);
        *out_len = 0;
        return rc;
    }
    *out = buf;
    return 0;
}

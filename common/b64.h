/* common/b64.h — base64 (RFC 4648) over OpenSSL's EVP_EncodeBlock/EVP_DecodeBlock: the
 * one codec of the tree (EST bodies and Basic credentials, OCSP GET, tokens).
 * Decoding is strict, which OpenSSL alone is not: only the §4 alphabet, whitespace
 * (SP, HT, CR, LF) skipped, padding optional but right when present. No shared state. */
#ifndef COMMON_B64_H
#define COMMON_B64_H

#include <stddef.h>

#include "err.h"

/* Characters of the padded encoding of n bytes, and of the unpadded (without the NUL). */
#define B64_LEN(n) (((n) + 2) / 3 * 4)
#define B64URL_LEN(n) (((n)*4 + 2) / 3)

/* Padded standard base64 of in into out (cap bytes, NUL-terminated): the number of
 * characters, or -ERR_TOO_BIG when out cannot hold B64_LEN(len) + 1. */
int b64_encode(const void *in, size_t len, char *out, size_t cap) WARN_UNUSED;
/* The same in the URL-safe alphabet ('-', '_') without padding (RFC 4648 §5), for
 * tokens: out must hold B64URL_LEN(len) + 1. */
int b64url_encode(const void *in, size_t len, char *out, size_t cap) WARN_UNUSED;

/* Decode len bytes of standard base64 into a malloc'd *out (caller frees; *out_len may be
 * 0) or -ERR_PARSE with *errmsg saying why: a byte outside the alphabet, data after '=',
 * more than two '=', or a length no encoding has. Intermediate copies are cleansed
 * (credentials pass through here). */
int b64_decode(const void *in, size_t len, unsigned char **out, size_t *out_len, char **errmsg) WARN_UNUSED;

#endif

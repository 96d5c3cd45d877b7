/* common/secret.h — AES-256-GCM sealing of small secrets stored in the database (SIP
 * passwords, connection-request passwords). Sealed form: "v1" | key id (4 bytes) |
 * nonce (12) | ciphertext | tag (16); the AAD binds a ciphertext to its row (device id).
 * Owns: struct secret_key (32 key bytes, wiped on free). Thread-safety: keys are read-only. */
#ifndef COMMON_SECRET_H
#define COMMON_SECRET_H

#include <stddef.h>

#include "err.h"

#define SECRET_KEY_LEN 32
#define SECRET_MAX_PLAIN 4096
#define SECRET_OVERHEAD (2 + 4 + 12 + 16)

struct secret_key;

/* Load a key file: 64 hex digits (and an optional newline). Refuses a file readable by
 * group or others. NULL with *errmsg on failure. */
struct secret_key *secret_key_load(const char *path, char **errmsg);
/* A key from raw bytes (tests). */
struct secret_key *secret_key_from_bytes(const unsigned char *bytes, size_t len);
/* Create a new random key file, mode 0600, with file_write_new (common/file_write.h): an
 * existing path (or a symlink) is refused with -ERR_EXIST, other failures are -ERR_IO. */
int secret_key_generate(const char *path, char **errmsg) WARN_UNUSED;
void secret_key_free(struct secret_key *k);

/* Seal plain (NUL-terminated, <= SECRET_MAX_PLAIN) with aad; *out malloc'd (*out_len bytes). */
int secret_seal(const struct secret_key *k, const char *plain, const char *aad, unsigned char **out,
                size_t *out_len) WARN_UNUSED;
/* Open a sealed blob; *plain malloc'd and NUL-terminated (free with secret_wipe_free).
 * -ERR_INTEGRITY when the key id, the AAD or the data do not match. */
int secret_open(const struct secret_key *k, const unsigned char *in, size_t in_len, const char *aad,
                char **plain) WARN_UNUSED;
/* Zero and free a string holding a secret. NULL is a no-op. */
void secret_wipe_free(char *s);
/* From now on jansson wipes every block it frees (a parsed NBI body may hold a password): call
 * once at start, before any JSON is made. */
void secret_json_wipe_on_free(void);

#endif

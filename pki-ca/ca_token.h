/* pki-ca/ca_token.h — one-time enrollment tokens (stored as SHA-256, single use, expiring).
 * Owns: nothing. Thread-safety: per struct db. */
#ifndef PKICA_CA_TOKEN_H
#define PKICA_CA_TOKEN_H

#include <stddef.h>

#include "ca.h"

#define CA_TOKEN_LEN 43 /* 32 random bytes, base64url without padding */

/* Create a token for device_id (OUI in either case; the token is bound to the canonical
 * identity) valid ttl_seconds (<= 0: [ca] token_ttl_seconds) under issuer (NULL: default).
 * The token text goes to token (>= CA_TOKEN_LEN + 1 bytes);
 * only its hash is stored. Audited. */
int ca_token_create(struct ca_ctx *ca, const char *device_id, long ttl_seconds, const char *issuer,
                    char *token, size_t token_len, char **errmsg) WARN_UNUSED;

/* Consume a token inside the caller's transaction: checks it exists, is unused, unexpired
 * and was made for device_id (compared in canonical form), then marks it used by serial.
 * Returns the issuer id in *issuer_id. -ERR_AUTH (unknown token), -ERR_PERM (made for
 * another device), -ERR_EXPIRED, -ERR_EXIST (already used); *errmsg names the cause. Refusals are not audited here (the
 * caller audits). */
int ca_token_consume(struct ca_ctx *ca, const char *token, const char *device_id, int *issuer_id,
                     char **errmsg) WARN_UNUSED;
/* After issuance, record which certificate the token produced (same transaction). */
int ca_token_mark_serial(struct ca_ctx *ca, const char *token, const char *serial, char **errmsg) WARN_UNUSED;

#endif

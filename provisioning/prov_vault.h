/* provisioning/prov_vault.h — the credential vault of SIP lines: a fresh password of 144 bits
 * from the OS CSPRNG (RAND_bytes), sealed with common/secret (AES-256-GCM) under an AAD bound to
 * the line ("sip_line:<id>:<e164>"), so that a ciphertext copied to another row does not open.
 * Plaintext lives only in caller buffers the caller cleanses (prov_vault_wipe).
 * Owns: nothing. Thread-safety: reentrant (keys are read-only). */
#ifndef PROV_VAULT_H
#define PROV_VAULT_H

#include <stddef.h>

#include "err.h"

struct secret_key;

#define PROV_VAULT_PASS_BYTES 18 /* 144 bits of randomness */
#define PROV_VAULT_PASS_LEN 24   /* base64url characters of 18 bytes, no padding */
#define PROV_VAULT_AAD_MAX 64

/* A new password: PROV_VAULT_PASS_LEN printable characters [A-Za-z0-9_-] and a NUL into out
 * (at least PROV_VAULT_PASS_LEN + 1 bytes). 0 or -ERR_CRYPTO (no randomness). */
int prov_vault_password(char *out, size_t n) WARN_UNUSED;
/* The AAD of a line's credential. */
void prov_vault_aad(char *out, size_t n, long line_id, const char *e164);
/* Seal a line's password: *out malloc'd (*out_len), *key_id the sealing key's id. */
int prov_vault_seal(const struct secret_key *k, long line_id, const char *e164, const char *plain, unsigned char **out,
                    size_t *out_len, long *key_id) WARN_UNUSED;
/* Open it: *plain malloc'd (free with secret_wipe_free). -ERR_INTEGRITY when the key, the row or
 * the data do not match. */
int prov_vault_open(const struct secret_key *k, long line_id, const char *e164, const unsigned char *in, size_t in_len,
                    char **plain) WARN_UNUSED;
/* The key id a sealed blob names (its bytes 2..5 as an unsigned big-endian number), -1 when too short. */
long prov_vault_key_id(const unsigned char *in, size_t in_len);
/* The key id of a key (what prov_vault_seal records). */
long prov_vault_key_id_of(const struct secret_key *k);

/* Re-seal every line credential under new_key in one transaction (rows locked; a reader sees
 * all of them under the old key or all under the new one, never a row that opens under neither).
 * A row already under new_key is opened with it (a re-run after a crash is a no-op); any row that
 * opens under neither key aborts the whole rotation (-ERR_INTEGRITY, nothing changed).
 * *count: the rows re-sealed. Needs a role that reads ciphertext (acsd's, acs_cwmp). */
struct db;
int prov_vault_rekey(struct db *db, const struct secret_key *old_key, const struct secret_key *new_key, long *count,
                     char **errmsg) WARN_UNUSED;

#endif

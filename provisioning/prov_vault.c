/* provisioning/prov_vault.c — line passwords: generation, sealing, opening (common/secret). */
#include "prov_vault.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include "b64.h"
#include "db.h"
#include "secret.h"

int prov_vault_password(char *out, size_t n)
{
    unsigned char raw[PROV_VAULT_PASS_BYTES];
    if (n < PROV_VAULT_PASS_LEN + 1)
        return -ERR_TOO_BIG;
    int rc = RAND_bytes(raw, sizeof raw) == 1 ? 0 : -ERR_CRYPTO;
    if (rc == 0 && b64url_encode(raw, sizeof raw, out, n) != PROV_VAULT_PASS_LEN)
        rc = -ERR_CRYPTO;
    OPENSSL_cleanse(raw, sizeof raw);
    if (rc < 0)
        OPENSSL_cleanse(out, n);
    return rc;
}

void prov_vault_aad(char *out, size_t n, long line_id, const char *e164)
{
    snprintf(out, n, "sip_line:%ld:%s", line_id, e164);
}

long prov_vault_key_id(const unsigned char *in, size_t in_len)
{
    if (in_len < 6)
        return -1;
    return (long)(((unsigned long)in[2] << 24) | ((unsigned long)in[3] << 16) | ((unsigned long)in[4] << 8) | in[5]);
}

long prov_vault_key_id_of(const struct secret_key *k)
{
    unsigned char *b = NULL;
    size_t len = 0;
    if (secret_seal(k, "", "key-id", &b, &len) < 0) /* the id is in every sealed blob's header */
        return -1;
    long id = prov_vault_key_id(b, len);
    free(b);
    return id;
}

int prov_vault_seal(const struct secret_key *k, long line_id, const char *e164, const char *plain, unsigned char **out,
                    size_t *out_len, long *key_id)
{
    char aad[PROV_VAULT_AAD_MAX];
    prov_vault_aad(aad, sizeof aad, line_id, e164);
    int rc = secret_seal(k, plain, aad, out, out_len);
    if (rc == 0)
        *key_id = prov_vault_key_id(*out, *out_len);
    return rc;
}

int prov_vault_open(const struct secret_key *k, long line_id, const char *e164, const unsigned char *in, size_t in_len,
                    char **plain)
{
    char aad[PROV_VAULT_AAD_MAX];
    prov_vault_aad(aad, sizeof aad, line_id, e164);
    return secret_open(k, in, in_len, aad, plain);
}

static const char SQL_REKEY_ROWS[] =
    "SELECT c.line_id, l.e164, encode(c.ciphertext, 'hex') FROM sip_credentials c JOIN sip_lines l ON l.id = c.line_id "
    "ORDER BY c.line_id FOR UPDATE OF c";
static const char SQL_REKEY_UPDATE[] =
    "UPDATE sip_credentials SET key_id = $2::bigint, ciphertext = decode($3, 'hex'), rotated_at = now() "
    "WHERE line_id = $1::bigint";

static unsigned char *from_hex(const char *hex, size_t *len)
{
    size_t n = strlen(hex) / 2;
    unsigned char *b = malloc(n ? n : 1);
    for (size_t i = 0; b && i < n; i++) {
        unsigned int v;
        if (sscanf(hex + 2 * i, "%2x", &v) != 1) {
            free(b);
            return NULL;
        }
        b[i] = (unsigned char)v;
    }
    *len = n;
    return b;
}

static char *to_hex(const unsigned char *b, size_t n)
{
    static const char hex[] = "0123456789abcdef";
    char *s = malloc(2 * n + 1);
    for (size_t i = 0; s && i < n; i++) {
        s[2 * i] = hex[b[i] >> 4];
        s[2 * i + 1] = hex[b[i] & 15];
    }
    if (s)
        s[2 * n] = '\0';
    return s;
}

/* Re-seal one row under new_key (or leave it when already there). */
static int rekey_row(struct db *db, const struct secret_key *old_key, const struct secret_key *new_key, const char *id,
                     const char *e164, const char *hex, long *count, char **errmsg)
{
    size_t len = 0, out_len = 0;
    unsigned char *in = from_hex(hex, &len), *out = NULL;
    char *plain = NULL, kb[24];
    long line_id = atol(id), key_id = 0;
    if (!in)
        return -ERR_NOMEM;
    int rc = prov_vault_key_id(in, len) == prov_vault_key_id_of(new_key) ? 1 : 0;
    if (rc == 0 && (rc = prov_vault_open(old_key, line_id, e164, in, len, &plain)) < 0)
        rc = err_fail(errmsg, -ERR_INTEGRITY, "the credential of line %ld opens under neither key", line_id);
    free(in);
    if (rc != 0)
        return rc < 0 ? rc : 0;
    rc = prov_vault_seal(new_key, line_id, e164, plain, &out, &out_len, &key_id);
    secret_wipe_free(plain);
    char *ct = rc == 0 ? to_hex(out, out_len) : NULL;
    free(out);
    if (rc < 0 || !ct) {
        free(ct);
        return rc < 0 ? rc : -ERR_NOMEM;
    }
    snprintf(kb, sizeof kb, "%ld", key_id);
    const char *p[3] = {id, kb, ct};
    rc = db_run(db, SQL_REKEY_UPDATE, 3, p, errmsg);
    free(ct);
    if (rc == 0)
        (*count)++;
    return rc;
}

int prov_vault_rekey(struct db *db, const struct secret_key *old_key, const struct secret_key *new_key, long *count,
                     char **errmsg)
{
    *count = 0;
    int rc = db_begin(db, errmsg);
    if (rc < 0)
        return rc;
    PGresult *r = db_exec(db, SQL_REKEY_ROWS, 0, NULL, errmsg);
    if (!r) {
        db_rollback(db);
        return -ERR_DB;
    }
    for (int i = 0; rc == 0 && i < PQntuples(r); i++)
        rc = rekey_row(db, old_key, new_key, PQgetvalue(r, i, 0), PQgetvalue(r, i, 1), PQgetvalue(r, i, 2), count,
                       errmsg);
    PQclear(r);
    if (rc == 0)
        return db_commit(db, errmsg);
    db_rollback(db);
    *count = 0;
    return rc;
}

/* pki-ca/ca_token.c — one-time enrollment tokens. */
#include "ca_token.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/rand.h>

#include "b64.h"
#include "ca_audit.h"
#include "ca_priv.h"
#include "ca_util.h"
#include "log.h"

#define CA_TOKEN_INPUT_MAX 128

static int token_hash_hex(const char *token, char out[67])
{
    unsigned char md[32];
    unsigned int len = 0;
    if (!EVP_Digest(token, strlen(token), md, &len, EVP_sha256(), NULL) || len != 32)
        return -ERR_CRYPTO;
    out[0] = '\\';
    out[1] = 'x';
    ca_hex(md, 32, out + 2);
    return 0;
}

int ca_token_create(struct ca_ctx *ca, const char *claimed, long ttl_seconds, const char *issuer, char *token,
                    size_t token_len, char **errmsg)
{
    char device_id[CA_DEVICE_ID_MAX + 1];
    if (ca_device_id_normalise(claimed, device_id, sizeof device_id) < 0)
        return err_fail(errmsg, -ERR_INVAL, "invalid device identity \"%.64s\": expected OUI-ProductClass-SerialNumber",
                        claimed ? claimed : "");
    if (token_len < CA_TOKEN_LEN + 1)
        return -ERR_INVAL;
    if (ttl_seconds <= 0)
        ttl_seconds = cfg_int(ca_cfg(ca), "ca", "token_ttl_seconds");
    if (ttl_seconds > 31536000)
        return err_fail(errmsg, -ERR_INVAL, "token lifetime over one year");
    struct ca_authority *iss = ca_authority_get(ca, issuer, 0, errmsg);
    if (!iss)
        return -ERR_NOENT;
    if (iss->is_root)
        return err_fail(errmsg, -ERR_POLICY, "tokens are bound to an issuing CA, not the root");
    unsigned char raw[32];
    if (RAND_bytes(raw, sizeof raw) != 1)
        return err_fail(errmsg, -ERR_CRYPTO, "no randomness");
    char text[B64URL_LEN(sizeof raw) + 1];
    int n = b64url_encode(raw, sizeof raw, text, sizeof text); /* CA_TOKEN_LEN characters */
    OPENSSL_cleanse(raw, sizeof raw);
    memcpy(token, text, (size_t)n + 1);
    OPENSSL_cleanse(text, sizeof text);
    char hash[67], ttl[24], issuer_id[16];
    token_hash_hex(token, hash);
    snprintf(ttl, sizeof ttl, "%ld", ttl_seconds);
    snprintf(issuer_id, sizeof issuer_id, "%d", iss->id);
    const char *p[5] = {hash, device_id, issuer_id, ttl, ca_actor(ca)};
    struct db *db = ca_db(ca);
    int rc = db_begin(db, errmsg);
    if (rc == 0)
        rc = db_run(db,
                    "INSERT INTO enrollment_tokens (token_hash, device_id, issuer_id, expires_at, created_by)"
                    " VALUES ($1::bytea, $2, $3::int, now() + make_interval(secs => $4::int), $5)",
                    5, p, errmsg);
    char details[96];
    snprintf(details, sizeof details, "ttl=%ld issuer=%s", ttl_seconds, iss->name);
    if (rc == 0)
        rc = ca_audit(db, ca_actor(ca), "token.create", device_id, "ok", details, errmsg);
    if (rc == 0)
        rc = db_commit(db, errmsg);
    else
        db_rollback(db);
    OPENSSL_cleanse(raw, sizeof raw);
    if (rc < 0)
        OPENSSL_cleanse(token, token_len);
    else
        log_info("ca", "event=token_create device=%s ttl=%ld", device_id, ttl_seconds);
    return rc;
}

int ca_token_consume(struct ca_ctx *ca, const char *token, const char *claimed, int *issuer_id, char **errmsg)
{
    char device_id[CA_DEVICE_ID_MAX + 1];
    if (ca_device_id_normalise(claimed, device_id, sizeof device_id) < 0)
        snprintf(device_id, sizeof device_id, "%s", claimed ? claimed : ""); /* matches no token */
    if (!token || !*token || strlen(token) > CA_TOKEN_INPUT_MAX)
        return err_fail(errmsg, -ERR_AUTH, "unknown enrollment token");
    char hash[67];
    if (token_hash_hex(token, hash) < 0)
        return -ERR_CRYPTO;
    const char *p[1] = {hash};
    PGresult *r = db_exec(ca_db(ca),
                          "SELECT id, device_id, issuer_id, used_at IS NOT NULL, expires_at < now()"
                          " FROM enrollment_tokens WHERE token_hash = $1::bytea FOR UPDATE",
                          1, p, errmsg);
    if (!r)
        return -ERR_DB;
    int rc = 0;
    if (PQntuples(r) != 1)
        rc = err_fail(errmsg, -ERR_AUTH, "unknown enrollment token");
    else if (strcmp(PQgetvalue(r, 0, 1), device_id))
        rc = err_fail(errmsg, -ERR_PERM, "enrollment token was issued for another device");
    else if (PQgetvalue(r, 0, 3)[0] == 't')
        rc = err_fail(errmsg, -ERR_EXIST, "enrollment token already used");
    else if (PQgetvalue(r, 0, 4)[0] == 't')
        rc = err_fail(errmsg, -ERR_EXPIRED, "enrollment token expired");
    if (rc == 0) {
        *issuer_id = (int)db_get_long(r, 0, 2);
        const char *q[1] = {PQgetvalue(r, 0, 0)};
        rc = db_run(ca_db(ca), "UPDATE enrollment_tokens SET used_at = now() WHERE id = $1::bigint", 1, q, errmsg);
    }
    PQclear(r);
    return rc;
}

int ca_token_mark_serial(struct ca_ctx *ca, const char *token, const char *serial, char **errmsg)
{
    char hash[67];
    if (token_hash_hex(token, hash) < 0)
        return -ERR_CRYPTO;
    const char *p[2] = {hash, serial};
    PGresult *r = db_exec(ca_db(ca),
                          "UPDATE enrollment_tokens SET used_serial = $2 WHERE token_hash = $1::bytea"
                          " RETURNING device_id",
                          2, p, errmsg);
    if (!r)
        return -ERR_DB;
    int rc = PQntuples(r) == 1 ? 0 : err_fail(errmsg, -ERR_NOENT, "enrollment token vanished");
    char details[80];
    snprintf(details, sizeof details, "serial=%s", serial);
    /* the token's use is audited in the caller's transaction, with the issuance */
    if (rc == 0)
        rc = ca_audit(ca_db(ca), ca_actor(ca), "token.use", PQgetvalue(r, 0, 0), "ok", details, errmsg);
    PQclear(r);
    return rc;
}

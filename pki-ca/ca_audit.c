/* pki-ca/ca_audit.c — hash-chained audit log. */
#include "ca_audit.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/evp.h>

#include "buf.h"
#include "ca_util.h"
#include "log.h"

#define AUDIT_COPY_MAX (256u << 20)
#define AUDIT_FIELD_MAX 2048
#define AUDIT_VERIFY_PAGE "5000"

struct ca_audit_batch {
    struct db *db;
    int own_txn;
    long last_id;
    unsigned char last_hash[32];
    long first_id;
    struct buf copy;
};

/* Version 1 (rows written before 0009): fields joined by "\n", ambiguous when a field holds one. */
static int chain_hash_v1(EVP_MD_CTX *md, const char *const parts[CA_AUDIT_NFIELDS])
{
    int ok = 1;
    for (size_t i = 0; ok && i < CA_AUDIT_NFIELDS; i++)
        ok = EVP_DigestUpdate(md, parts[i], strlen(parts[i])) && EVP_DigestUpdate(md, "\n", 1);
    return ok;
}

static int encode_field(EVP_MD_CTX *md, const void *data, size_t len)
{
    unsigned char be[4] = {(unsigned char)(len >> 24), (unsigned char)(len >> 16), (unsigned char)(len >> 8),
                           (unsigned char)len};
    return len <= 0xffffffffu && EVP_DigestUpdate(md, be, 4) && EVP_DigestUpdate(md, data, len);
}

/* Version 2: a version byte, then each field as 4-byte big-endian length + bytes: one
 * encoding per row, whatever the fields hold. */
static int chain_hash_v2(EVP_MD_CTX *md, const char *const parts[CA_AUDIT_NFIELDS])
{
    static const unsigned char version = CA_AUDIT_HASH_V2;
    int ok = EVP_DigestUpdate(md, &version, 1);
    for (size_t i = 0; ok && i < CA_AUDIT_NFIELDS; i++)
        ok = encode_field(md, parts[i], strlen(parts[i]));
    return ok;
}

static int chain_hash(int version, const unsigned char prev[32], long id, const char *at, const char *actor,
                      const char *action, const char *subject, const char *result, const char *details,
                      unsigned char out[32])
{
    if (version != CA_AUDIT_HASH_V1 && version != CA_AUDIT_HASH_V2)
        return -ERR_INTEGRITY;
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    char idtext[24];
    snprintf(idtext, sizeof idtext, "%ld", id);
    const char *const parts[CA_AUDIT_NFIELDS] = {idtext, at, actor, action, subject, result, details};
    int ok = md && EVP_DigestInit_ex(md, EVP_sha256(), NULL) && EVP_DigestUpdate(md, prev, 32);
    ok = ok && (version == CA_AUDIT_HASH_V1 ? chain_hash_v1(md, parts) : chain_hash_v2(md, parts));
    unsigned int len = 0;
    ok = ok && EVP_DigestFinal_ex(md, out, &len) && len == 32;
    EVP_MD_CTX_free(md);
    return ok ? 0 : -ERR_CRYPTO;
}

int ca_audit_unhex(const char *text, unsigned char *out, size_t outlen)
{
    /* bytea text output: \x followed by hex */
    if (strncmp(text, "\\x", 2) || strlen(text + 2) != 2 * outlen)
        return -ERR_PARSE;
    for (size_t i = 0; i < outlen; i++) {
        unsigned v;
        if (sscanf(text + 2 + 2 * i, "%2x", &v) != 1)
            return -ERR_PARSE;
        out[i] = (unsigned char)v;
    }
    return 0;
}

struct ca_audit_batch *ca_audit_begin(struct db *db, char **errmsg)
{
    struct ca_audit_batch *b = calloc(1, sizeof *b);
    if (!b) {
        err_fail(errmsg, -ERR_NOMEM, "out of memory");
        return NULL;
    }
    b->db = db;
    buf_init(&b->copy, AUDIT_COPY_MAX);
    if (!db_in_transaction(db)) {
        if (db_begin(db, errmsg) < 0) {
            free(b);
            return NULL;
        }
        b->own_txn = 1;
    }
    PGresult *r = db_exec(db, "SELECT last_id, last_hash FROM audit_head FOR UPDATE", 0, NULL, errmsg);
    if (!r || PQntuples(r) != 1 || ca_audit_unhex(PQgetvalue(r, 0, 1), b->last_hash, 32) < 0) {
        if (r)
            err_fail(errmsg, -ERR_INTEGRITY, "audit_head is missing or damaged");
        PQclear(r);
        ca_audit_abort(b);
        return NULL;
    }
    b->last_id = strtol(PQgetvalue(r, 0, 0), NULL, 10);
    b->first_id = b->last_id + 1;
    PQclear(r);
    return b;
}

void ca_audit_now_text(char *out, size_t n)
{
    struct timespec ts;
    struct tm tm;
    clock_gettime(CLOCK_REALTIME, &ts);
    gmtime_r(&ts.tv_sec, &tm);
    size_t l = strftime(out, n, "%Y-%m-%d %H:%M:%S", &tm);
    snprintf(out + l, n - l, ".%06ld+00", ts.tv_nsec / 1000);
}

/* Copy s into dst, cut at AUDIT_FIELD_MAX so one hostile field cannot bloat the log. */
static const char *clip(const char *s, char *dst)
{
    if (!s)
        return "";
    snprintf(dst, AUDIT_FIELD_MAX, "%s", s);
    return dst;
}

int ca_audit_add(struct ca_audit_batch *b, const char *actor, const char *action, const char *subject,
                 const char *result, const char *details)
{
    static _Thread_local char c1[AUDIT_FIELD_MAX], c2[AUDIT_FIELD_MAX], c3[AUDIT_FIELD_MAX],
        c4[AUDIT_FIELD_MAX];
    actor = clip(actor, c1);
    action = clip(action, c2);
    subject = clip(subject, c3);
    details = clip(details, c4);
    char at[40], hex[65];
    ca_audit_now_text(at, sizeof at);
    long id = b->last_id + 1;
    unsigned char hash[32];
    int rc = chain_hash(CA_AUDIT_HASH_V2, b->last_hash, id, at, actor, action, subject, result, details, hash);
    if (rc < 0)
        return rc;
    rc = buf_printf(&b->copy, "%ld\t%s\t", id, at);
    if (rc == 0) rc = db_copy_escape(&b->copy, actor);
    if (rc == 0) rc = buf_append(&b->copy, "\t", 1);
    if (rc == 0) rc = db_copy_escape(&b->copy, action);
    if (rc == 0) rc = buf_append(&b->copy, "\t", 1);
    if (rc == 0) rc = db_copy_escape(&b->copy, subject);
    if (rc == 0) rc = buf_printf(&b->copy, "\t%s\t", result);
    if (rc == 0) rc = db_copy_escape(&b->copy, details);
    if (rc == 0) {
        ca_hex(b->last_hash, 32, hex);
        rc = buf_printf(&b->copy, "\t\\\\x%s", hex);
    }
    if (rc == 0) {
        ca_hex(hash, 32, hex);
        rc = buf_printf(&b->copy, "\t\\\\x%s\t%d\n", hex, CA_AUDIT_HASH_V2);
    }
    if (rc < 0)
        return rc;
    b->last_id = id;
    memcpy(b->last_hash, hash, 32);
    return 0;
}

void ca_audit_head(const struct ca_audit_batch *b, long *id, unsigned char hash[32])
{
    *id = b->last_id;
    memcpy(hash, b->last_hash, 32);
}

void ca_audit_abort(struct ca_audit_batch *b)
{
    if (!b)
        return;
    if (b->own_txn)
        db_rollback(b->db);
    buf_cleanup(&b->copy);
    free(b);
}

int ca_audit_finish(struct ca_audit_batch *b, char **errmsg)
{
    int rc = 0;
    if (b->copy.len) {
        rc = db_copy_in(b->db,
                        "COPY audit_log (id, at, actor, action, subject, result, details, prev_hash, row_hash,"
                        " hash_version) FROM STDIN",
                        b->copy.data, b->copy.len, errmsg);
        char idtext[24], hex[67];
        snprintf(idtext, sizeof idtext, "%ld", b->last_id);
        hex[0] = '\\';
        hex[1] = 'x';
        ca_hex(b->last_hash, 32, hex + 2);
        const char *p[2] = {idtext, hex};
        if (rc == 0)
            rc = db_run(b->db, "UPDATE audit_head SET last_id = $1::bigint, last_hash = $2::bytea", 2, p, errmsg);
    }
    if (b->own_txn) {
        if (rc == 0)
            rc = db_commit(b->db, errmsg);
        else
            db_rollback(b->db);
    }
    buf_cleanup(&b->copy);
    free(b);
    return rc;
}

int ca_audit(struct db *db, const char *actor, const char *action, const char *subject, const char *result,
             const char *details, char **errmsg)
{
    struct ca_audit_batch *b = ca_audit_begin(db, errmsg);
    if (!b)
        return -ERR_DB;
    int rc = ca_audit_add(b, actor, action, subject, result, details);
    if (rc < 0) {
        ca_audit_abort(b);
        return err_fail(errmsg, rc, "audit: %s", err_str(rc));
    }
    return ca_audit_finish(b, errmsg);
}

int ca_audit_tally(struct db *db, const char *actor, const char *action, const struct tally *t,
                   const struct tally_entry *e, size_t n, char **errmsg)
{
    if (n == 0)
        return 0;
    struct ca_audit_batch *b = ca_audit_begin(db, errmsg);
    if (!b)
        return -ERR_DB;
    char details[TALLY_TEXT_MAX];
    for (size_t i = 0; i < n; i++) {
        int rc = ca_audit_add(b, actor, action, e[i].source, "refused", tally_format(t, &e[i], details, sizeof details));
        if (rc < 0) {
            ca_audit_abort(b);
            return err_fail(errmsg, rc, "audit: %s", err_str(rc));
        }
    }
    return ca_audit_finish(b, errmsg);
}

int ca_audit_tally_flush(struct db *db, struct tally *t, const char *actor, const char *action,
                         const char *component, const char *event, int all)
{
    struct tally_entry *e = NULL;
    size_t n = tally_take(t, time(NULL), all, &e);
    if (!n)
        return 0;
    char *err = NULL, text[TALLY_TEXT_MAX], q[300];
    int rc = -ERR_DB;
    for (int attempt = 0; db && rc < 0 && attempt < 2; attempt++) {
        if (attempt || PQstatus(db_conn(db)) != CONNECTION_OK)
            PQreset(db_conn(db)); /* a connection cut since the last use */
        free(err);
        err = NULL;
        rc = ca_audit_tally(db, actor, action, t, e, n, &err);
    }
    for (size_t i = 0; (rc == 0 || all) && i < n; i++) /* once: when written, or at the end */
        log_warn(component, "event=%s %s", event, tally_format(t, &e[i], text, sizeof text));
    if (rc < 0) {
        log_err(component, "event=db_error what=refusal_audit action=%s rows=%zu msg=%s", action, n,
                log_quote(q, sizeof q, err ? err : "database unreachable"));
        if (!all)
            tally_put_back(t, e, n);
    }
    free(err);
    free(e);
    return rc < 0 ? -ERR_DB : (int)n;
}

static int verify_page(PGresult *r, long *expect_id, unsigned char prev[32], long *rows, char **errmsg)
{
    for (int i = 0; i < PQntuples(r); i++) {
        long id = strtol(PQgetvalue(r, i, 0), NULL, 10);
        unsigned char stored_prev[32], stored[32], computed[32];
        if (id != *expect_id)
            return err_fail(errmsg, -ERR_INTEGRITY, "audit row %ld: missing (rows %ld..%ld deleted)", *expect_id,
                            *expect_id, id - 1);
        if (ca_audit_unhex(PQgetvalue(r, i, 7), stored_prev, 32) < 0 || ca_audit_unhex(PQgetvalue(r, i, 8), stored, 32) < 0)
            return err_fail(errmsg, -ERR_INTEGRITY, "audit row %ld: damaged hash column", id);
        if (memcmp(stored_prev, prev, 32))
            return err_fail(errmsg, -ERR_INTEGRITY, "audit row %ld: does not chain to row %ld", id, id - 1);
        int version = (int)strtol(PQgetvalue(r, i, 9), NULL, 10);
        if (version != CA_AUDIT_HASH_V1 && version != CA_AUDIT_HASH_V2)
            return err_fail(errmsg, -ERR_INTEGRITY, "audit row %ld: unknown hash version %d", id, version);
        if (chain_hash(version, prev, id, PQgetvalue(r, i, 1), PQgetvalue(r, i, 2), PQgetvalue(r, i, 3),
                       PQgetvalue(r, i, 4), PQgetvalue(r, i, 5), PQgetvalue(r, i, 6), computed) < 0)
            return -ERR_CRYPTO;
        if (memcmp(computed, stored, 32))
            return err_fail(errmsg, -ERR_INTEGRITY, "audit row %ld: content does not match its hash (edited)", id);
        memcpy(prev, stored, 32);
        (*expect_id)++;
        (*rows)++;
    }
    return 0;
}

int ca_audit_verify(struct db *db, long *rows, char **errmsg)
{
    unsigned char prev[32] = {0};
    long expect_id = 1, count = 0;
    int rc = 0;
    for (;;) {
        char after[24];
        snprintf(after, sizeof after, "%ld", expect_id - 1);
        const char *p[1] = {after};
        PGresult *r = db_exec(db,
                              "SELECT id, to_char(at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.US') || '+00',"
                              " actor, action, subject, result, details, prev_hash, row_hash, hash_version"
                              " FROM audit_log WHERE id > $1::bigint ORDER BY id LIMIT " AUDIT_VERIFY_PAGE,
                              1, p, errmsg);
        if (!r)
            return -ERR_DB;
        int n = PQntuples(r);
        rc = verify_page(r, &expect_id, prev, &count, errmsg);
        PQclear(r);
        if (rc < 0 || n == 0)
            break;
    }
    if (rc < 0)
        return rc;
    PGresult *r = db_exec(db, "SELECT last_id, last_hash FROM audit_head", 0, NULL, errmsg);
    if (!r)
        return -ERR_DB;
    unsigned char head[32];
    if (PQntuples(r) != 1 || ca_audit_unhex(PQgetvalue(r, 0, 1), head, 32) < 0)
        rc = err_fail(errmsg, -ERR_INTEGRITY, "audit head missing or damaged");
    else if (strtol(PQgetvalue(r, 0, 0), NULL, 10) != expect_id - 1)
        rc = err_fail(errmsg, -ERR_INTEGRITY, "audit row %ld: missing (head says the log ends at row %s)", expect_id,
                      PQgetvalue(r, 0, 0));
    else if (memcmp(head, prev, 32))
        rc = err_fail(errmsg, -ERR_INTEGRITY, "audit row %ld: does not match the chain head", expect_id - 1);
    PQclear(r);
    if (rows)
        *rows = count;
    return rc;
}

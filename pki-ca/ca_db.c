/* pki-ca/ca_db.c — SQL for authorities, certificates and revocations. */
#include "ca_db.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "ca_util.h"

#define CERT_COPY_MAX (512u << 20)

static int bytea_out(const char *text, unsigned char **out, size_t *len)
{
    size_t n = 0;
    unsigned char *p = PQunescapeBytea((const unsigned char *)text, &n);
    if (!p)
        return -ERR_NOMEM;
    *out = malloc(n ? n : 1);
    if (!*out) {
        PQfreemem(p);
        return -ERR_NOMEM;
    }
    memcpy(*out, p, n);
    *len = n;
    PQfreemem(p);
    return 0;
}

int ca_db_authority_get(struct db *db, const char *name, int id, int with_key_file, struct ca_db_authority *out,
                        char **errmsg)
{
    char idtext[16], sql[256];
    snprintf(idtext, sizeof idtext, "%d", id);
    const char *p[1] = {id > 0 ? idtext : name};
    /* acsd's role may not read key_file (it holds no key): it asks without */
    snprintf(sql, sizeof sql,
             "SELECT id, name, kind, coalesce(parent_id, 0), key_type, %s, cert_der, revoked_at IS NOT NULL"
             " FROM ca_authorities WHERE %s",
             with_key_file ? "key_file" : "''", id > 0 ? "id = $1::int" : "name = $1");
    PGresult *r = db_exec(db, sql, 1, p, errmsg);
    if (!r)
        return -ERR_DB;
    int rc = 0;
    if (PQntuples(r) != 1) {
        rc = err_fail(errmsg, -ERR_NOENT, "no CA named \"%s\" (run acs-ca init / acs-ca issuer create)",
                      id > 0 ? idtext : name);
        goto out;
    }
    memset(out, 0, sizeof *out);
    out->id = (int)db_get_long(r, 0, 0);
    snprintf(out->name, sizeof out->name, "%s", PQgetvalue(r, 0, 1));
    snprintf(out->kind, sizeof out->kind, "%s", PQgetvalue(r, 0, 2));
    out->parent_id = (int)db_get_long(r, 0, 3);
    snprintf(out->key_type, sizeof out->key_type, "%s", PQgetvalue(r, 0, 4));
    snprintf(out->key_file, sizeof out->key_file, "%s", PQgetvalue(r, 0, 5));
    out->revoked = !strcmp(PQgetvalue(r, 0, 7), "t");
    rc = bytea_out(PQgetvalue(r, 0, 6), &out->cert_der, &out->cert_der_len);
out:
    PQclear(r);
    return rc;
}

int ca_db_authority_insert(struct db *db, const struct ca_db_authority *a, const char *subject,
                           const char *serial, const char *not_before, const char *not_after, int path_len,
                           int *id_out, char **errmsg)
{
    char parent[16], pathlen[16];
    snprintf(parent, sizeof parent, "%d", a->parent_id);
    snprintf(pathlen, sizeof pathlen, "%d", path_len);
    size_t esc_len = 0;
    unsigned char *esc = PQescapeByteaConn(db_conn(db), a->cert_der, a->cert_der_len, &esc_len);
    if (!esc)
        return err_fail(errmsg, -ERR_NOMEM, "out of memory");
    const char *p[10] = {a->name, a->kind, a->parent_id > 0 ? parent : NULL, subject, serial,
                         a->key_type, a->key_file, (const char *)esc, not_before, not_after};
    const char *p2[12];
    memcpy(p2, p, sizeof p);
    p2[10] = path_len >= 0 ? pathlen : NULL;
    p2[11] = a->tenant ? a->tenant : "default";
    char *dberr = NULL;
    /* an issuer with an unknown tenant inserts nothing (the root belongs to none) */
    PGresult *r = db_exec(db,
                          "INSERT INTO ca_authorities (name, kind, parent_id, subject, serial, key_type, key_file,"
                          " cert_der, not_before, not_after, path_len, tenant_id)"
                          " SELECT $1, $2, $3::int, $4, $5, $6, $7, $8::bytea, $9, $10, $11::int, CASE WHEN $2 = 'issuer' THEN t.id END"
                          " FROM (SELECT (SELECT id FROM tenants WHERE name = $12) AS id) t"
                          " WHERE $2 = 'root' OR t.id IS NOT NULL RETURNING id",
                          12, p2, &dberr);
    PQfreemem(esc);
    if (r && PQntuples(r) == 0) {
        PQclear(r);
        return err_fail(errmsg, -ERR_NOENT, "no tenant \"%s\" (acs-ca tenant create NAME)", p2[11]);
    }
    if (!r) {
        int unique = !strcmp(db_last_sqlstate(db), "23505");
        if (!unique && errmsg && !*errmsg)
            *errmsg = dberr;
        else
            free(dberr);
        return unique ? -ERR_EXIST : -ERR_DB;
    }
    *id_out = (int)db_get_long(r, 0, 0);
    PQclear(r);
    return 0;
}

int ca_db_tenant_insert(struct db *db, const char *name, char **errmsg)
{
    const char *p[1] = {name};
    char *dberr = NULL;
    int rc = db_run(db, "INSERT INTO tenants (name) VALUES ($1)", 1, p, &dberr);
    if (rc < 0 && !strcmp(db_last_sqlstate(db), "23505"))
        rc = -ERR_EXIST;
    else if (rc < 0 && !strcmp(db_last_sqlstate(db), "23514"))
        rc = -ERR_INVAL;
    if (rc == -ERR_DB && errmsg && !*errmsg)
        *errmsg = dberr;
    else
        free(dberr);
    return rc;
}

int ca_db_authority_ids(struct db *db, int *ids, int max, char **errmsg)
{
    PGresult *r = db_exec(db, "SELECT id FROM ca_authorities ORDER BY (kind <> 'root'), id", 0, NULL, errmsg);
    if (!r)
        return -ERR_DB;
    int n = PQntuples(r) < max ? PQntuples(r) : max;
    for (int i = 0; i < n; i++)
        ids[i] = (int)db_get_long(r, i, 0);
    PQclear(r);
    return n;
}

static int copy_field(struct buf *b, const char *s, int last)
{
    int rc = s ? db_copy_escape(b, s) : buf_append(b, "\\N", 2);
    return rc < 0 ? rc : buf_append(b, last ? "\n" : "\t", 1);
}

int ca_db_cert_insert(struct db *db, const struct ca_db_cert_row *rows, size_t n, char **errmsg)
{
    struct buf b;
    buf_init(&b, CERT_COPY_MAX);
    int rc = 0;
    for (size_t i = 0; i < n && rc == 0; i++) {
        const struct ca_db_cert_row *c = &rows[i];
        char issuer[16];
        snprintf(issuer, sizeof issuer, "%d", c->issuer_id);
        rc = copy_field(&b, c->serial, 0);
        if (rc == 0) rc = copy_field(&b, issuer, 0);
        if (rc == 0) rc = copy_field(&b, c->device_id, 0);
        if (rc == 0) rc = copy_field(&b, c->subject, 0);
        if (rc == 0) rc = copy_field(&b, c->profile, 0);
        if (rc == 0) rc = copy_field(&b, c->not_before, 0);
        if (rc == 0) rc = copy_field(&b, c->not_after, 0);
        if (rc == 0) rc = buf_append(&b, "\\\\x", 3);
        for (size_t k = 0; k < c->der_len && rc == 0; k++) {
            char hx[3];
            ca_hex(&c->der[k], 1, hx);
            rc = buf_append(&b, hx, 2);
        }
        if (rc == 0) rc = buf_append(&b, "\t", 1);
        if (rc == 0) rc = copy_field(&b, c->via, 1);
    }
    if (rc < 0) {
        buf_cleanup(&b);
        return err_fail(errmsg, rc, "certificate batch: %s", err_str(rc));
    }
    rc = db_copy_in(db,
                    "COPY certificates (serial, issuer_id, device_id, subject, profile, not_before, not_after,"
                    " cert_der, issued_via) FROM STDIN",
                    b.data, b.len, errmsg);
    buf_cleanup(&b);
    if (rc < 0 && !strcmp(db_last_sqlstate(db), "23505"))
        return -ERR_EXIST;
    return rc;
}

int ca_db_revoke(struct db *db, const char *serial, int reason, const char *actor, char **errmsg)
{
    char rtext[8];
    snprintf(rtext, sizeof rtext, "%d", reason);
    const char *p[3] = {serial, rtext, actor};
    PGresult *r = db_exec(db, "SELECT 1 FROM certificates WHERE serial = $1 FOR UPDATE", 1, p, errmsg);
    if (!r)
        return -ERR_DB;
    int found = PQntuples(r) == 1;
    PQclear(r);
    if (!found)
        return err_fail(errmsg, -ERR_NOENT, "no certificate with serial %s", serial);
    r = db_exec(db,
                "INSERT INTO revocations (serial, reason, actor) VALUES ($1, $2::smallint, $3)"
                " ON CONFLICT (serial) DO NOTHING RETURNING 1",
                3, p, errmsg);
    if (!r)
        return -ERR_DB;
    int inserted = PQntuples(r) == 1;
    PQclear(r);
    return inserted ? 0 : err_fail(errmsg, -ERR_EXIST, "certificate %s is already revoked", serial);
}

PGresult *ca_db_live_serials(struct db *db, const char *device_id, char **errmsg)
{
    const char *p[1] = {device_id};
    return db_exec(db,
                   "SELECT c.serial FROM certificates c WHERE c.device_id = $1 AND c.not_after > now()"
                   " AND NOT EXISTS (SELECT 1 FROM revocations r WHERE r.serial = c.serial)"
                   " ORDER BY c.created_at FOR UPDATE OF c",
                   1, p, errmsg);
}

PGresult *ca_db_cert_list(struct db *db, const char *device_id, int revoked_only, long limit, char **errmsg)
{
    char lim[24], rev[2] = {revoked_only ? 't' : 'f', 0};
    snprintf(lim, sizeof lim, "%ld", limit);
    const char *p[3] = {device_id, rev, lim};
    return db_exec(db,
                   "SELECT c.serial, coalesce(c.device_id, c.subject), a.name,"
                   " CASE WHEN r.serial IS NULL THEN CASE WHEN c.not_after < now() THEN 'expired' ELSE 'valid' END"
                   " ELSE 'revoked' END,"
                   " to_char(c.not_after AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), c.issued_via"
                   " FROM certificates c JOIN ca_authorities a ON a.id = c.issuer_id"
                   " LEFT JOIN revocations r ON r.serial = c.serial"
                   " WHERE ($1::text IS NULL OR c.device_id = $1) AND (NOT $2::boolean OR r.serial IS NOT NULL)"
                   " ORDER BY c.created_at, c.serial LIMIT $3::bigint",
                   3, p, errmsg);
}

PGresult *ca_db_cert_get(struct db *db, const char *serial, char **errmsg)
{
    const char *p[1] = {serial};
    return db_exec(db,
                   "SELECT c.serial, coalesce(c.device_id, ''), c.subject, a.name, c.profile,"
                   " to_char(c.not_before AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'),"
                   " to_char(c.not_after AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'),"
                   " c.issued_via, r.reason,"
                   " to_char(r.revoked_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), c.cert_der"
                   " FROM certificates c JOIN ca_authorities a ON a.id = c.issuer_id"
                   " LEFT JOIN revocations r ON r.serial = c.serial WHERE c.serial = $1",
                   1, p, errmsg);
}

PGresult *ca_db_audit_list(struct db *db, long limit, char **errmsg)
{
    char lim[24];
    snprintf(lim, sizeof lim, "%ld", limit);
    const char *p[1] = {lim};
    return db_exec(db,
                   "SELECT id, to_char(at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"'), actor, action,"
                   " subject, result, details FROM (SELECT * FROM audit_log ORDER BY id DESC LIMIT $1::bigint) t"
                   " ORDER BY id",
                   1, p, errmsg);
}

/* ---- CRL and OCSP ---- */

#define CA_DB_STATUS_MAX_SERIALS 4096

/* Hot read-only queries (one per OCSP request): a prepared statement saves the parse and
 * plan, ~4x less server time. Prepared on first use and again after a reconnect (26000:
 * no such statement). Inside a transaction block a failed attempt would abort the
 * caller's transaction, so there the plain statement is used. */
static PGresult *exec_maybe_prepared(struct db *db, const char *name, const char *sql, int n,
                                     const char *const *p, char **errmsg)
{
    if (db_in_transaction(db))
        return db_exec(db, sql, n, p, errmsg);
    PGconn *conn = db_conn(db);
    PGresult *r = PQexecPrepared(conn, name, n, p, NULL, NULL, 0);
    if (PQresultStatus(r) == PGRES_TUPLES_OK)
        return r;
    const char *state = PQresultErrorField(r, PG_DIAG_SQLSTATE); /* NULL-safe */
    int missing = state && !strcmp(state, "26000");
    PQclear(r);
    if (!missing)
        return db_exec(db, sql, n, p, errmsg); /* reports the error (or works after all) */
    r = PQprepare(conn, name, sql, n, NULL);
    int prepared = PQresultStatus(r) == PGRES_COMMAND_OK;
    PQclear(r);
    if (!prepared)
        return db_exec(db, sql, n, p, errmsg);
    r = PQexecPrepared(conn, name, n, p, NULL, NULL, 0);
    if (PQresultStatus(r) == PGRES_TUPLES_OK)
        return r;
    PQclear(r);
    return db_exec(db, sql, n, p, errmsg);
}

int ca_db_crl_number_next(struct db *db, int authority_id, long long *number, char **errmsg)
{
    char id[16];
    snprintf(id, sizeof id, "%d", authority_id);
    const char *p[1] = {id};
    PGresult *r = db_exec(db,
                          "UPDATE ca_authorities SET crl_number = crl_number + 1 WHERE id = $1::int"
                          " RETURNING crl_number",
                          1, p, errmsg);
    if (!r)
        return -ERR_DB;
    int rc = 0;
    if (PQntuples(r) != 1) {
        rc = err_fail(errmsg, -ERR_NOENT, "no CA with id %d", authority_id);
    } else {
        char *end;
        *number = strtoll(PQgetvalue(r, 0, 0), &end, 10);
        if (*end)
            rc = err_fail(errmsg, -ERR_DB, "crl_number is not a number");
    }
    PQclear(r);
    return rc;
}

PGresult *ca_db_crl_entries(struct db *db, int authority_id, char **errmsg)
{
    char id[16];
    snprintf(id, sizeof id, "%d", authority_id);
    const char *p[1] = {id};
    return db_exec(db,
                   "SELECT r.serial, r.reason, floor(extract(epoch FROM r.revoked_at))::bigint"
                   " FROM revocations r JOIN certificates c ON c.serial = r.serial"
                   " WHERE c.issuer_id = $1::int",
                   1, p, errmsg);
}

PGresult *ca_db_cert_status(struct db *db, int authority_id, const char *const *serials, size_t n,
                            char **errmsg)
{
    if (n == 0 || n > CA_DB_STATUS_MAX_SERIALS) {
        err_fail(errmsg, -ERR_INVAL, "between 1 and %d serials per status query", CA_DB_STATUS_MAX_SERIALS);
        return NULL;
    }
    /* a text[] literal; serials are hex digits only, so no quoting is needed, but refuse
     * anything else rather than trust the caller */
    struct buf arr;
    buf_init(&arr, (size_t)CA_DB_STATUS_MAX_SERIALS * (CA_SERIAL_HEX_MAX + 1) + 3);
    int rc = buf_append(&arr, "{", 1);
    for (size_t i = 0; i < n && rc == 0; i++) {
        size_t len = strlen(serials[i]);
        if (len == 0 || len > CA_SERIAL_HEX_MAX || strspn(serials[i], "0123456789abcdef") != len)
            rc = -ERR_INVAL;
        if (rc == 0 && i > 0)
            rc = buf_append(&arr, ",", 1);
        if (rc == 0)
            rc = buf_append(&arr, serials[i], len);
    }
    if (rc == 0)
        rc = buf_append(&arr, "}", 1);
    if (rc < 0) {
        buf_cleanup(&arr);
        err_fail(errmsg, rc, "status query: invalid serial list");
        return NULL;
    }
    char id[16];
    snprintf(id, sizeof id, "%d", authority_id);
    const char *p[2] = {id, arr.data};
    PGresult *r = exec_maybe_prepared(db, "ca_cert_status",
                                      "SELECT c.serial, r.reason, floor(extract(epoch FROM r.revoked_at))::bigint"
                                      " FROM certificates c LEFT JOIN revocations r ON r.serial = c.serial"
                                      " WHERE c.issuer_id = $1::int AND c.serial = ANY ($2::text[])",
                                      2, p, errmsg);
    buf_cleanup(&arr);
    return r;
}

int ca_db_listen_revocations(struct db *db, char **errmsg)
{
    return db_run(db, "LISTEN ca_revocation", 0, NULL, errmsg);
}

int ca_db_revocations_pending(struct db *db)
{
    PGconn *conn = db_conn(db);
    if (PQstatus(conn) != CONNECTION_OK || !PQconsumeInput(conn))
        return -ERR_DB;
    int n = 0;
    PGnotify *note;
    while ((note = PQnotifies(conn)) != NULL) {
        if (!strcmp(note->relname, "ca_revocation"))
            n++;
        PQfreemem(note);
    }
    return n;
}

int ca_db_reconnect_if_lost(struct db *db)
{
    PGconn *conn = db_conn(db);
    if (PQstatus(conn) == CONNECTION_OK)
        return 0;
    PQreset(conn);
    return PQstatus(conn) == CONNECTION_OK ? 1 : -ERR_DB;
}

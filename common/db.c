/* common/db.c — libpq wrapper and numbered SQL migrations. */
#define _GNU_SOURCE /* asprintf */
#include "db.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"

#ifndef ACS_DB_DIR
#define ACS_DB_DIR "db"
#endif
#define DB_MIGRATION_MAX (4u << 20)
#define DB_MIGRATION_LOCK "7547001"

const struct cfg_key db_cfg_schema[] = {
    {"db", "conninfo", CFG_STR, "", 0, 0, CFG_SECRET, "ACS_DB_CONNINFO",
     "libpq connection string; empty uses the PG* environment variables"},
    {"db", "migrations_dir", CFG_PATH, "", 0, 0, 0, NULL,
     "directory of the numbered NNNN_name.sql migrations (empty: the source tree's db/ for a tree build, PREFIX/share/acs/db once installed)"},
    {"db", "connect_timeout", CFG_INT, "5", 1, 300, 0, NULL,
     "seconds to wait for the database when connecting"},
    CFG_END,
};

#define DB_PREPARED_MAX 48 /* distinct statements one connection keeps prepared */

struct db {
    PGconn *conn;
    char sqlstate[6];
    int prepared_pid;                      /* backend the statements below were prepared on */
    size_t nprepared;
    const char *prepared[DB_PREPARED_MAX]; /* SQL text (static) of statement "p<index>" */
};

static void set_err(char **errmsg, const char *what, const char *detail)
{
    if (!errmsg || *errmsg)
        return;
    char *msg = NULL;
    /* libpq messages end with a newline; keep errors to one line */
    if (asprintf(&msg, "%s: %s", what, detail ? detail : "") < 0)
        return;
    for (char *s = msg; *s; s++)
        if (*s == '\n')
            *s = (s[1] ? ' ' : '\0');
    *errmsg = msg;
}

static void quiet_notice(void *arg, const char *message)
{
    (void)arg;
    (void)message;
}

struct db *db_connect(const char *conninfo, char **errmsg)
{
    struct db *db = calloc(1, sizeof *db);
    if (!db) {
        set_err(errmsg, "database", "out of memory");
        return NULL;
    }
    db->conn = PQconnectdb(conninfo ? conninfo : "");
    if (PQstatus(db->conn) != CONNECTION_OK) {
        set_err(errmsg, "database unreachable", PQerrorMessage(db->conn));
        db_free(db);
        return NULL;
    }
    PQsetNoticeProcessor(db->conn, quiet_notice, NULL);
    return db;
}

struct db *db_connect_cfg(const struct cfg *cfg, char **errmsg)
{
    return db_connect_cfg_as(cfg, NULL, errmsg);
}

struct db *db_connect_cfg_as(const struct cfg *cfg, const char *conninfo, char **errmsg)
{
    char *full = NULL;
    const char *ci = conninfo && *conninfo ? conninfo : cfg_str(cfg, "db", "conninfo");
    if (asprintf(&full, "%s connect_timeout=%ld", ci ? ci : "", cfg_int(cfg, "db", "connect_timeout")) < 0)
        return NULL;
    struct db *db = db_connect(full, errmsg);
    free(full);
    return db;
}

void db_free(struct db *db)
{
    if (!db)
        return;
    PQfinish(db->conn);
    free(db);
}

PGconn *db_conn(struct db *db) { return db->conn; }

static int result_ok(const PGresult *r)
{
    ExecStatusType st = PQresultStatus(r);
    return st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK;
}

/* r when it succeeded; else NULL with the SQLSTATE and *errmsg set (r cleared). */
static PGresult *checked(struct db *db, PGresult *r, char **errmsg)
{
    if (result_ok(r))
        return r;
    const char *state = r ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : NULL;
    snprintf(db->sqlstate, sizeof db->sqlstate, "%s", state ? state : "08000");
    set_err(errmsg, "database error", r ? PQresultErrorMessage(r) : PQerrorMessage(db->conn));
    PQclear(r);
    return NULL;
}

PGresult *db_exec(struct db *db, const char *sql, int nparams, const char *const *params, char **errmsg)
{
    return checked(db, PQexecParams(db->conn, sql, nparams, NULL, params, NULL, NULL, 0), errmsg);
}

PGresult *db_exec_scoped(struct db *db, long tenant, const char *sql, int nparams, const char *const *params,
                         char **errmsg)
{
    char tb[24];
    const char *all[DB_SCOPED_MAX] = {tb};
    snprintf(tb, sizeof tb, "%ld", tenant < 0 ? 0 : tenant);
    if (nparams < 0 || nparams >= DB_SCOPED_MAX) {
        err_fail(errmsg, -ERR_INVAL, "too many parameters");
        return NULL;
    }
    for (int i = 0; i < nparams; i++)
        all[i + 1] = params[i];
    return db_exec(db, sql, nparams + 1, all, errmsg);
}

/* Index of sql among the connection's prepared statements, preparing it now if new; -1 when
 * it cannot be (table full, PREPARE failed): the caller then runs it unprepared. */
static int prepared_index(struct db *db, const char *sql, int nparams)
{
    int pid = PQbackendPID(db->conn);
    if (pid != db->prepared_pid) { /* a new backend (PQreset): nothing is prepared there */
        db->prepared_pid = pid;
        db->nprepared = 0;
    }
    for (size_t i = 0; i < db->nprepared; i++)
        if (!strcmp(db->prepared[i], sql))
            return (int)i;
    if (db->nprepared == DB_PREPARED_MAX)
        return -1;
    char name[16];
    snprintf(name, sizeof name, "p%zu", db->nprepared);
    PGresult *r = PQprepare(db->conn, name, sql, nparams, NULL);
    int ok = PQresultStatus(r) == PGRES_COMMAND_OK;
    PQclear(r);
    if (!ok)
        return -1;
    db->prepared[db->nprepared] = sql;
    return (int)db->nprepared++;
}

PGresult *db_exec_prepared(struct db *db, const char *sql, int nparams, const char *const *params, char **errmsg)
{
    int i = prepared_index(db, sql, nparams);
    if (i < 0)
        return db_exec(db, sql, nparams, params, errmsg);
    char name[16];
    snprintf(name, sizeof name, "p%d", i);
    PGresult *r = PQexecPrepared(db->conn, name, nparams, params, NULL, NULL, 0);
    const char *state = r && !result_ok(r) ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : NULL;
    if (state && !strcmp(state, "26000")) { /* gone (DISCARD ALL by a pooler): prepare again */
        PQclear(r);
        db->nprepared = 0;
        return db_exec(db, sql, nparams, params, errmsg);
    }
    return checked(db, r, errmsg);
}

int db_run_prepared(struct db *db, const char *sql, int nparams, const char *const *params, char **errmsg)
{
    PGresult *r = db_exec_prepared(db, sql, nparams, params, errmsg);
    int rc = r ? 0 : -ERR_DB;
    PQclear(r);
    return rc;
}

long db_get_long(const PGresult *r, int row, int col)
{
    if (PQgetisnull(r, row, col))
        return 0;
    return strtol(PQgetvalue(r, row, col), NULL, 10);
}

const char *db_last_sqlstate(struct db *db) { return db->sqlstate; }

int db_in_transaction(struct db *db)
{
    PGTransactionStatusType st = PQtransactionStatus(db->conn);
    return st == PQTRANS_INTRANS || st == PQTRANS_INERROR;
}

int db_copy_in(struct db *db, const char *copy_sql, const char *data, size_t len, char **errmsg)
{
    PGresult *r = PQexec(db->conn, copy_sql);
    if (PQresultStatus(r) != PGRES_COPY_IN) {
        set_err(errmsg, "database error", PQresultErrorMessage(r));
        PQclear(r);
        return -ERR_DB;
    }
    PQclear(r);
    int ok = 1;
    /* PQputCopyData takes an int length: feed big inputs in slices */
    for (size_t off = 0; ok && off < len;) {
        size_t n = len - off > (1u << 20) ? (1u << 20) : len - off;
        ok = PQputCopyData(db->conn, data + off, (int)n) == 1;
        off += n;
    }
    ok = PQputCopyEnd(db->conn, ok ? NULL : "client error") == 1 && ok;
    int rc = 0;
    while ((r = PQgetResult(db->conn)) != NULL) {
        if (PQresultStatus(r) != PGRES_COMMAND_OK) {
            const char *state = PQresultErrorField(r, PG_DIAG_SQLSTATE);
            snprintf(db->sqlstate, sizeof db->sqlstate, "%s", state ? state : "08000");
            set_err(errmsg, "database error", PQresultErrorMessage(r));
            rc = -ERR_DB;
        }
        PQclear(r);
    }
    if (!ok && rc == 0) {
        set_err(errmsg, "database error", PQerrorMessage(db->conn));
        rc = -ERR_DB;
    }
    return rc;
}

int db_copy_escape(struct buf *b, const char *s)
{
    int rc = 0;
    for (; *s && rc == 0; s++) {
        switch (*s) {
        case '\\': rc = buf_append(b, "\\\\", 2); break;
        case '\n': rc = buf_append(b, "\\n", 2); break;
        case '\t': rc = buf_append(b, "\\t", 2); break;
        case '\r': rc = buf_append(b, "\\r", 2); break;
        default: rc = buf_append(b, s, 1);
        }
    }
    return rc;
}

int db_run(struct db *db, const char *sql, int nparams, const char *const *params, char **errmsg)
{
    PGresult *r = db_exec(db, sql, nparams, params, errmsg);
    if (!r)
        return -ERR_DB;
    PQclear(r);
    return 0;
}

int db_begin(struct db *db, char **errmsg) { return db_run(db, "BEGIN", 0, NULL, errmsg); }
int db_commit(struct db *db, char **errmsg) { return db_run(db, "COMMIT", 0, NULL, errmsg); }

void db_rollback(struct db *db)
{
    PQclear(PQexec(db->conn, "ROLLBACK"));
}

static int is_migration(const struct dirent *d)
{
    size_t n = strlen(d->d_name);
    return n > 9 && d->d_name[0] >= '0' && d->d_name[0] <= '9' && d->d_name[4] == '_' &&
           strcmp(d->d_name + n - 4, ".sql") == 0;
}

static int read_file(const char *path, char **out, char **errmsg)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        set_err(errmsg, path, strerror(errno));
        return -ERR_IO;
    }
    struct buf b;
    buf_init(&b, DB_MIGRATION_MAX);
    char chunk[8192];
    size_t n;
    int rc = 0;
    while (rc == 0 && (n = fread(chunk, 1, sizeof chunk, f)) > 0)
        rc = buf_append(&b, chunk, n);
    fclose(f);
    if (rc < 0) {
        set_err(errmsg, path, err_str(rc));
        buf_cleanup(&b);
        return rc;
    }
    *out = buf_take(&b);
    return *out ? 0 : -ERR_NOMEM;
}

static int apply_one(struct db *db, const char *dir, const char *name, int *applied, char **errmsg)
{
    char version[5];
    memcpy(version, name, 4);
    version[4] = '\0';
    const char *p[2] = {version, name};
    int rc = db_begin(db, errmsg);
    if (rc < 0)
        return rc;
    PGresult *r = db_exec(db, "SELECT 1 FROM schema_migrations WHERE version = $1::int", 1, p, errmsg);
    if (!r) {
        rc = -ERR_DB;
        goto out;
    }
    int done = PQntuples(r) > 0;
    PQclear(r);
    if (done)
        goto out;
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    char *sql = NULL;
    if ((rc = read_file(path, &sql, errmsg)) < 0)
        goto out;
    r = PQexec(db->conn, sql);
    free(sql);
    if (PQresultStatus(r) != PGRES_COMMAND_OK && PQresultStatus(r) != PGRES_TUPLES_OK) {
        char what[600];
        snprintf(what, sizeof what, "migration %s failed", name);
        set_err(errmsg, what, PQresultErrorMessage(r));
        PQclear(r);
        rc = -ERR_DB;
        goto out;
    }
    PQclear(r);
    rc = db_run(db, "INSERT INTO schema_migrations (version, name) VALUES ($1::int, $2)", 2, p, errmsg);
    if (rc == 0 && applied)
        (*applied)++;
out:
    if (rc < 0) {
        db_rollback(db);
        return rc;
    }
    return db_commit(db, errmsg);
}

const char *db_migrations_dir(const struct cfg *cfg)
{
    const char *dir = cfg_str(cfg, "db", "migrations_dir");
    return dir && *dir ? dir : ACS_DB_DIR;
}

int db_migrate(struct db *db, const char *dir, int *applied, char **errmsg)
{
    struct dirent **list = NULL;
    if (applied)
        *applied = 0;
    int n = scandir(dir, &list, is_migration, alphasort);
    if (n < 0) {
        set_err(errmsg, dir, strerror(errno));
        return -ERR_IO;
    }
    int rc = db_run(db, "SELECT pg_advisory_lock(" DB_MIGRATION_LOCK ")", 0, NULL, errmsg);
    if (rc == 0)
        rc = db_run(db,
                    "CREATE TABLE IF NOT EXISTS schema_migrations ("
                    " version int PRIMARY KEY, name text NOT NULL,"
                    " applied_at timestamptz NOT NULL DEFAULT now())",
                    0, NULL, errmsg);
    for (int i = 0; rc == 0 && i < n; i++)
        rc = apply_one(db, dir, list[i]->d_name, applied, errmsg);
    PQclear(PQexec(db->conn, "SELECT pg_advisory_unlock(" DB_MIGRATION_LOCK ")"));
    for (int i = 0; i < n; i++)
        free(list[i]);
    free(list);
    return rc;
}

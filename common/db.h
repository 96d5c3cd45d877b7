/* common/db.h — PostgreSQL connection wrapper and schema migrations.
 * Owns: struct db (one PGconn). SQL text lives in each component's *_db.c.
 * Thread-safety: one struct db per thread. */
#ifndef COMMON_DB_H
#define COMMON_DB_H

#include <libpq-fe.h>

#include "cfg.h"
#include "err.h"

struct db;

/* The [db] section: conninfo, migrations_dir, connect_timeout. */
extern const struct cfg_key db_cfg_schema[];

/* Connect; NULL on failure with *errmsg set (caller frees). The password, if any,
 * never appears in errmsg. */
struct db *db_connect(const char *conninfo, char **errmsg);
/* Connect using the [db] section of cfg. */
struct db *db_connect_cfg(const struct cfg *cfg, char **errmsg);
/* The same with another connection string (a component's own role, e.g. [nbi] conninfo);
 * NULL or "" means [db] conninfo. connect_timeout still comes from [db]. */
struct db *db_connect_cfg_as(const struct cfg *cfg, const char *conninfo, char **errmsg);
void db_free(struct db *db);
PGconn *db_conn(struct db *db);

/* Run a statement with text parameters. Returns the result (caller PQclear()s) or
 * NULL with *errmsg set when the status is not COMMAND_OK/TUPLES_OK. */
PGresult *db_exec(struct db *db, const char *sql, int nparams, const char *const *params,
                  char **errmsg);
/* Tenant scope (acs/nbi, provisioning): the statement with the caller's tenant as $1 (0: a
 * platform administrator, every tenant; its SQL filters with "($1::int = 0 OR x.tenant_id =
 * $1::int)") and params as $2...; at most DB_SCOPED_MAX - 1 of them. NULL on error (*errmsg). */
#define DB_SCOPED_MAX 16
PGresult *db_exec_scoped(struct db *db, long tenant, const char *sql, int nparams, const char *const *params,
                         char **errmsg);
/* Same, for statements whose result is not needed. 0 or -ERR_DB. */
int db_run(struct db *db, const char *sql, int nparams, const char *const *params,
           char **errmsg) WARN_UNUSED;
/* The same through a statement prepared once per connection (on first use; again after a
 * reconnect). sql must be a string that lives as long as the connection (a static const
 * array in a *_db.c); up to 48 distinct statements, others run unprepared. */
PGresult *db_exec_prepared(struct db *db, const char *sql, int nparams, const char *const *params,
                           char **errmsg);
int db_run_prepared(struct db *db, const char *sql, int nparams, const char *const *params,
                    char **errmsg) WARN_UNUSED;
int db_begin(struct db *db, char **errmsg) WARN_UNUSED;
int db_commit(struct db *db, char **errmsg) WARN_UNUSED;
void db_rollback(struct db *db);

/* COPY ... FROM STDIN with data already in COPY text format. 0 or -ERR_DB. */
int db_copy_in(struct db *db, const char *copy_sql, const char *data, size_t len,
               char **errmsg) WARN_UNUSED;
/* Append s to b escaped for COPY text format (backslash, tab, newline, CR). */
struct buf;
int db_copy_escape(struct buf *b, const char *s) WARN_UNUSED;
/* Integer value of a result cell (0 when NULL or not a number). */
long db_get_long(const PGresult *r, int row, int col);
/* Is the connection inside a transaction block? */
int db_in_transaction(struct db *db);
/* SQLSTATE of the last failed db_exec on this connection ("23505"...), or "". */
const char *db_last_sqlstate(struct db *db);

/* [db] migrations_dir, or when it is empty the compiled-in ACS_DB_DIR (Makefile DBDIR). */
const char *db_migrations_dir(const struct cfg *cfg);

/* Apply every dir/NNNN_name.sql not yet in schema_migrations, in order, each in
 * its own transaction; concurrent callers serialise on an advisory lock.
 * *applied (may be NULL) gets the number applied now. Re-running is a no-op. */
int db_migrate(struct db *db, const char *dir, int *applied, char **errmsg) WARN_UNUSED;

#endif

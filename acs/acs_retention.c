/* acs/acs_retention.c — pruning of old sessions, faults and finished tasks. */
#include "acs_retention.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"

const struct cfg_key acs_retention_cfg_schema[] = {
    {"retention", "sessions_days", CFG_INT, "90", 0, 36500, 0, NULL,
     "delete ended sessions older than this many days (0: keep forever)"},
    {"retention", "faults_days", CFG_INT, "180", 0, 36500, 0, NULL,
     "delete CPE faults older than this many days (0: keep forever)"},
    {"retention", "tasks_days", CFG_INT, "90", 0, 36500, 0, NULL,
     "delete finished tasks (done, fault, expired, cancelled) older than this many days (0: keep forever)"},
    {"retention", "batch", CFG_INT, "1000", 1, 100000, 0, NULL,
     "rows deleted per statement (short statements, short locks)"},
    {"retention", "interval_s", CFG_INT, "3600", 1, 604800, 0, NULL,
     "seconds between pruning runs of acsd's housekeeper"},
    {"retention", "pause_ms", CFG_INT, "250", 0, 60000, 0, NULL,
     "pause between two statements of acsd --prune-now (the housekeeper runs at most one a second)"},
    CFG_END,
};

/* One statement per table: the oldest rows past the age, at most $2 of them. The audit log is
 * no table of this list, and the conditions keep open sessions and pending or sent tasks. */
static const struct {
    const char *name, *sql;
} tables[ACS_RETENTION_TABLES] = {
    {"sessions", "DELETE FROM sessions WHERE id IN (SELECT id FROM sessions WHERE ended_at IS NOT NULL"
                 " AND ended_at < now() - $1::int * interval '1 day' ORDER BY id LIMIT $2::bigint)"},
    {"faults", "DELETE FROM faults WHERE id IN (SELECT id FROM faults"
               " WHERE at < now() - $1::int * interval '1 day' ORDER BY id LIMIT $2::bigint)"},
    {"tasks", "DELETE FROM tasks WHERE id IN (SELECT id FROM tasks WHERE state IN ('done', 'fault', 'expired',"
              " 'cancelled') AND coalesce(finished_at, created_at) < now() - $1::int * interval '1 day'"
              " ORDER BY id LIMIT $2::bigint)"},
};

static int days_of(const struct acs_retention *r, int table)
{
    return table == 0 ? r->sessions_days : table == 1 ? r->faults_days : r->tasks_days;
}

void acs_retention_init(struct acs_retention *r, const struct cfg *cfg, time_t now, int first_now)
{
    memset(r, 0, sizeof *r);
    r->sessions_days = (int)cfg_int(cfg, "retention", "sessions_days");
    r->faults_days = (int)cfg_int(cfg, "retention", "faults_days");
    r->tasks_days = (int)cfg_int(cfg, "retention", "tasks_days");
    r->batch = cfg_int(cfg, "retention", "batch");
    r->interval_s = (int)cfg_int(cfg, "retention", "interval_s");
    r->pause_ms = (int)cfg_int(cfg, "retention", "pause_ms");
    r->table = ACS_RETENTION_TABLES;
    r->next_run = first_now ? now : now + r->interval_s;
}

static void finish_run(struct acs_retention *r, time_t now, const char *result)
{
    log_info("acs", "event=retention result=%s sessions=%ld faults=%ld tasks=%ld statements=%d batch=%ld", result,
             r->deleted[0], r->deleted[1], r->deleted[2], r->statements, r->batch);
    r->table = ACS_RETENTION_TABLES;
    r->next_run = now + r->interval_s;
}

/* Move past the tables kept forever; at the end of the list, end the run (returns 1). */
static int skip_kept(struct acs_retention *r, time_t now)
{
    while (r->table < ACS_RETENTION_TABLES && days_of(r, r->table) == 0)
        r->table++;
    if (r->table < ACS_RETENTION_TABLES)
        return 0;
    finish_run(r, now, "ok");
    return 1;
}

int acs_retention_step(struct acs_retention *r, struct db *db, time_t now)
{
    if (r->table == ACS_RETENTION_TABLES) {
        if (now < r->next_run || !db)
            return 0;
        r->table = 0;
        r->statements = 0;
        memset(r->deleted, 0, sizeof r->deleted);
    }
    if (skip_kept(r, now))
        return 0;
    char days[16], batch[24], *err = NULL, q[300];
    snprintf(days, sizeof days, "%d", days_of(r, r->table));
    snprintf(batch, sizeof batch, "%ld", r->batch);
    const char *p[2] = {days, batch};
    PGresult *res = db_exec(db, tables[r->table].sql, 2, p, &err);
    if (!res) {
        log_err("acs", "event=db_error what=retention table=%s msg=%s", tables[r->table].name,
                log_quote(q, sizeof q, err ? err : ""));
        free(err);
        finish_run(r, now, "error");
        return -ERR_DB;
    }
    long n = strtol(PQcmdTuples(res), NULL, 10);
    PQclear(res);
    r->deleted[r->table] += n;
    r->statements++;
    if (n < r->batch) { /* this table is done: the next step starts the next one */
        r->table++;
        if (skip_kept(r, now))
            return 0;
    }
    return 1;
}

int acs_retention_run(struct acs_retention *r, struct db *db)
{
    r->next_run = 0;
    r->table = ACS_RETENTION_TABLES;
    int rc;
    while ((rc = acs_retention_step(r, db, time(NULL))) == 1) {
        struct timespec ts = {r->pause_ms / 1000, (long)(r->pause_ms % 1000) * 1000000L};
        nanosleep(&ts, NULL);
    }
    return rc;
}

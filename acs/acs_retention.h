/* acs/acs_retention.h — pruning of old sessions, faults and finished tasks ([retention]).
 * A run deletes, table by table, rows older than the table's age in statements of at most
 * [retention] batch rows; never audit_log, open sessions, pending or sent tasks.
 * Owns: struct acs_retention (one run's progress). Thread-safety: one owner thread. */
#ifndef ACS_RETENTION_H
#define ACS_RETENTION_H

#include <time.h>

#include "cfg.h"
#include "db.h"

extern const struct cfg_key acs_retention_cfg_schema[];

#define ACS_RETENTION_TABLES 3 /* sessions, faults, tasks */

struct acs_retention {
    int sessions_days, faults_days, tasks_days; /* 0: keep forever */
    long batch;
    int interval_s, pause_ms;
    time_t next_run;
    int table;                          /* table being pruned; ACS_RETENTION_TABLES: idle */
    long deleted[ACS_RETENTION_TABLES]; /* this run's counts */
    int statements;
};

/* Read [retention] into r; the first run is due interval_s after now (now + 0 for first_now). */
void acs_retention_init(struct acs_retention *r, const struct cfg *cfg, time_t now, int first_now);
/* One step of the housekeeper: when a run is due or under way, one DELETE of at most batch
 * rows (the housekeeper's tick is the pause between statements); when a run ends, one log line
 * with its counts. Returns 1 while a run is under way, 0 idle, -ERR_DB (the run is abandoned
 * until the next interval; logged). */
int acs_retention_step(struct acs_retention *r, struct db *db, time_t now);
/* A whole run now (acsd --prune-now), pause_ms between statements. 0 or -ERR_DB. */
int acs_retention_run(struct acs_retention *r, struct db *db);

#endif

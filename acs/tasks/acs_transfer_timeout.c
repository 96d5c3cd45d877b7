/* acs/tasks/acs_transfer_timeout.c — in_progress transfers past [acs] transfer_timeout become
 * faults (acs_transfer_timeout.h); the statement is acs_db_transfer_timeout (acs_task_db.c). */
#include "acs_transfer_timeout.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "acs_db.h"
#include "acs_metrics.h"
#include "log.h"

void acs_transfer_timeout_init(struct acs_transfer_timeout *t, int timeout_s, time_t now)
{
    memset(t, 0, sizeof *t);
    t->timeout_s = timeout_s;
    /* a tenth of the deadline late at most, yet no query a second for a deadline of a day */
    t->interval_s = timeout_s / 10 < 1 ? 1 : timeout_s / 10 > 3600 ? 3600 : timeout_s / 10;
    t->next_run = now + t->interval_s;
}

int acs_transfer_timeout_step(struct acs_transfer_timeout *t, struct db *db, time_t now)
{
    if (t->timeout_s <= 0 || !db || now < t->next_run)
        return 0;
    struct acs_db_timed_out out[ACS_TRANSFER_TIMEOUT_BATCH];
    char *err = NULL, q[300];
    int n = acs_db_transfer_timeout(db, t->timeout_s, out, ACS_TRANSFER_TIMEOUT_BATCH, &err);
    if (n < 0) {
        log_err("acs", "event=db_error what=transfer_timeout msg=%s", log_quote(q, sizeof q, err ? err : ""));
        free(err);
        t->next_run = now + t->interval_s;
        return n;
    }
    for (int i = 0; i < n; i++) {
        log_warn("acs", "event=transfer_timeout task_id=%ld device=%s kind=%s timeout_s=%d", out[i].task_id,
                 log_quote(q, sizeof q, out[i].device_id), out[i].kind, t->timeout_s);
        acs_metrics_count(ACS_METRIC_TRANSFER_COMPLETE, ACS_MT_TIMEOUT);
    }
    /* a full batch: more may be due, the next step (a second later) goes on */
    t->next_run = n == ACS_TRANSFER_TIMEOUT_BATCH ? now : now + t->interval_s;
    return n;
}

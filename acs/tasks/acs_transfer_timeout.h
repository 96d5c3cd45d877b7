/* acs/tasks/acs_transfer_timeout.h — the transfer deadline ([acs] transfer_timeout): a Download
 * or Upload the CPE answered with Status 1 (in_progress) whose TransferComplete has not come
 * within transfer_timeout seconds (plus its delaySeconds) of being sent becomes a fault, so that
 * no task waits forever. A TransferComplete that comes later still finishes it (acs_cpe_rpc.c).
 * Owns: struct acs_transfer_timeout (when the next check is due). Thread-safety: one owner
 * thread (acsd's housekeeper). */
#ifndef ACS_TRANSFER_TIMEOUT_H
#define ACS_TRANSFER_TIMEOUT_H

#include <time.h>

#include "db.h"

#define ACS_TRANSFER_TIMEOUT_BATCH 100 /* tasks per statement */

struct acs_transfer_timeout {
    int timeout_s;  /* 0: off */
    int interval_s; /* between checks: timeout_s / 10, 1 to 3600 */
    time_t next_run;
};

/* The first check is due interval_s after now. */
void acs_transfer_timeout_init(struct acs_transfer_timeout *t, int timeout_s, time_t now);
/* One step of the housekeeper: when a check is due, one statement failing at most
 * ACS_TRANSFER_TIMEOUT_BATCH overdue transfers (each logged event=transfer_timeout and counted
 * as acs_cwmp_transfer_complete_total{outcome="timeout"}); a full batch makes the next step due
 * at once. Returns the number of tasks failed, 0 when idle, -ERR_DB (logged; retried at the
 * next interval). */
int acs_transfer_timeout_step(struct acs_transfer_timeout *t, struct db *db, time_t now);

#endif

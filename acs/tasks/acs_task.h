/* acs/tasks/acs_task.h — the task queue's in-process API for the NBI and tools: create a task for a
 * device (kind and args JSON validated as acsd will build the RPC) and read one back as JSON.
 * Owns: nothing; returned strings are malloc'd. Thread-safety: per struct db. */
#ifndef ACS_TASK_H
#define ACS_TASK_H

#include "db.h"
#include "err.h"

struct secret_key;

#define ACS_TASK_DEFAULT_ATTEMPTS 3
#define ACS_TASK_DEFAULT_TTL (24L * 3600) /* seconds until an unanswered task expires */

/* Optional settings; NULL means the defaults. */
struct acs_task_opts {
    int max_attempts;     /* 1..100, 0 = default */
    long expires_in;      /* seconds from now, 0 = default */
    const char *created_by; /* who asked ("nbi:alice"), NULL = "" */
    const struct secret_key *secret; /* seals the task's secrets; NULL: a task with one is refused */
};

/* Is kind a task kind (getParameterValues, setParameterValues, ...; acs/README.md)? */
int acs_task_kind_valid(const char *kind);
/* Check args_json (a JSON object, NULL/"" = {}) for kind without touching the database.
 * 0, or -ERR_INVAL with *errmsg (caller frees; no values quoted). */
int acs_task_validate(const char *kind, const char *args_json, char **errmsg) WARN_UNUSED;

/* Validate and queue a task for device_id (OUI-ProductClass-SerialNumber). Its secrets
 * (acs_secret_params.h) are stored sealed with opts->secret. The insert NOTIFYs acs_task so a
 * node holding the device's session can pick it up. Returns 0 with *task_id, -ERR_INVAL (bad
 * kind/args), -ERR_POLICY (a secret and no key), -ERR_NOENT (unknown device), -ERR_DB; *errmsg
 * says why. */
int acs_task_create(struct db *db, const char *device_id, const char *kind, const char *args_json, long *task_id,
                    char **errmsg) WARN_UNUSED;
int acs_task_create_ex(struct db *db, const char *device_id, const char *kind, const char *args_json,
                       const struct acs_task_opts *opts, long *task_id, char **errmsg) WARN_UNUSED;

/* The task as a JSON object (id, deviceId, kind, args, state, attempts, maxAttempts,
 * commandKey — parameterKey for setParameterValues, addObject and deleteObject, whose RPC
 * carries a ParameterKey —, createdBy, createdAt, expiresAt, sentAt, finishedAt, result,
 * faultCode, faultString), with passwords and secret parameter values in args shown as "***".
 * *json malloc'd. -ERR_NOENT when there is no such task. */
int acs_task_get(struct db *db, long task_id, char **json, char **errmsg) WARN_UNUSED;

#endif

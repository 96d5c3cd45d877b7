/* acs/tasks/acs_task.c — task creation and lookup on top of acs_rpc (validation) and acs_task_db. */
#define _GNU_SOURCE
#include "acs_task.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "acs_db.h"
#include "acs_rpc.h"
#include "acs_secret_params.h"

int acs_task_kind_valid(const char *kind)
{
    return acs_rpc_kind_valid(kind);
}

int acs_task_validate(const char *kind, const char *args_json, char **errmsg)
{
    struct acs_rpc r;
    int rc = acs_rpc_build(kind, args_json, &r, errmsg);
    if (rc == 0)
        acs_rpc_cleanup(&r);
    return rc;
}

int acs_task_create_ex(struct db *db, const char *device_id, const char *kind, const char *args_json,
                       const struct acs_task_opts *opts, long *task_id, char **errmsg)
{
    struct acs_rpc r;
    int max_attempts = opts && opts->max_attempts ? opts->max_attempts : ACS_TASK_DEFAULT_ATTEMPTS;
    long expires_in = opts && opts->expires_in ? opts->expires_in : ACS_TASK_DEFAULT_TTL;
    if (max_attempts < 1 || max_attempts > 100 || expires_in < 1 || expires_in > 366L * 86400)
        return err_fail(errmsg, -ERR_INVAL, "%s", "max_attempts must be 1..100 and expires_in 1 s..366 days");
    if (!device_id || !*device_id)
        return err_fail(errmsg, -ERR_INVAL, "%s", "no device id");
    int rc = acs_rpc_build(kind, args_json, &r, errmsg);
    if (rc < 0)
        return rc;
    /* store the args as parsed (normalised JSON), not the caller's text, with its secrets sealed */
    json_t *stored = json_deep_copy(r.args);
    char *norm = NULL;
    if (!stored)
        rc = err_fail(errmsg, -ERR_NOMEM, "%s", "out of memory");
    else if ((rc = acs_secret_args_seal(opts ? opts->secret : NULL, device_id, kind, stored, errmsg)) == 0 &&
             !(norm = json_dumps(stored, JSON_COMPACT)))
        rc = err_fail(errmsg, -ERR_NOMEM, "%s", "out of memory");
    json_decref(stored);
    if (norm)
        rc = acs_db_task_insert(db, device_id, kind, norm, r.command_key, opts ? opts->created_by : NULL,
                                max_attempts, expires_in, task_id, errmsg);
    if (rc == -ERR_NOENT && errmsg && !*errmsg && asprintf(errmsg, "unknown device %.192s", device_id) < 0)
        *errmsg = NULL;
    free(norm);
    acs_rpc_cleanup(&r);
    return rc;
}

int acs_task_create(struct db *db, const char *device_id, const char *kind, const char *args_json, long *task_id,
                    char **errmsg)
{
    return acs_task_create_ex(db, device_id, kind, args_json, NULL, task_id, errmsg);
}

int acs_task_get(struct db *db, long task_id, char **json, char **errmsg)
{
    char *raw = NULL;
    int rc = acs_db_task_get(db, task_id, &raw, errmsg);
    if (rc < 0)
        return rc == -ERR_NOENT ? err_fail(errmsg, rc, "%s", "no such task") : rc;
    json_t *t = json_loads(raw, 0, NULL);
    free(raw);
    if (!t)
        return err_fail(errmsg, -ERR_NOMEM, "%s", "cannot parse the task row");
    json_t *red = acs_secret_args_redacted(json_string_value(json_object_get(t, "kind")), json_object_get(t, "args"));
    if (red)
        json_object_set_new(t, "args", red);
    *json = red ? json_dumps(t, JSON_COMPACT) : NULL;
    json_decref(t);
    return *json ? 0 : err_fail(errmsg, -ERR_NOMEM, "%s", "out of memory");
}

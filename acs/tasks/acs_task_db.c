/* acs/tasks/acs_task_db.c — SQL for the task queue (take, finish, expire, TransferComplete, the
 * transfer deadline) and faults.
 * What a session runs is one prepared statement per step (an empty POST: take the next task or
 * end the session; a task's answer: finish it and take the next or end); NBI and TransferComplete
 * statements run unprepared via db_exec. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "acs_db.h"
#include "err.h"

#define NUM(buf, v) (snprintf((buf), sizeof(buf), "%ld", (long)(v)), (buf))

/* The CTEs that expire the device's ($1) open tasks past expires_at or max_attempts (but not
 * task SKIP, the one being finished in the same statement) and take the first open task after
 * $2 that is not expiring (the two sets are disjoint); with a sessions row in $3, no task left
 * also closes that row (rpcs $4, result $5) and releases the device's lease: the session ends
 * there. */
#define NEXT_CTES(SKIP)                                                                                            \
    "exp AS ("                                                                                                     \
    " UPDATE tasks SET state = 'expired', finished_at = now(), fault_string = CASE WHEN expires_at <= now() "     \
    " THEN 'expired before it was answered' ELSE 'no answer after ' || attempts || ' attempts' END "              \
    " WHERE device_pk = $1 AND id <> " SKIP " AND state IN ('pending', 'sent') "                                  \
    " AND (expires_at <= now() OR attempts >= max_attempts) RETURNING id), "                                       \
    "take AS ("                                                                                                    \
    " UPDATE tasks SET state = 'sent', attempts = attempts + 1, sent_at = now() WHERE id = ("                     \
    "  SELECT id FROM tasks WHERE device_pk = $1 AND id > $2 AND state IN ('pending', 'sent') "                   \
    "  AND expires_at > now() AND attempts < max_attempts ORDER BY id LIMIT 1 FOR UPDATE) "                       \
    " RETURNING id, kind, args::text AS args, attempts, command_key), "                                            \
    "clo AS ("                                                                                                     \
    " UPDATE sessions SET ended_at = now(), rpcs = $4, result = $5 WHERE id = $3 AND NOT EXISTS (SELECT 1 FROM take) " \
    " RETURNING id), "                                                                                             \
    "rel AS ("                                                                                                     \
    " UPDATE devices SET session_row = NULL, session_lease_until = NULL "                                          \
    " WHERE id = $1 AND session_row = $3 AND NOT EXISTS (SELECT 1 FROM take)) "
#define NEXT_SELECT(FROM)                                                                                          \
    "SELECT (SELECT count(*) FROM exp), take.id, take.kind, take.args, take.attempts, (SELECT count(*) FROM clo), " \
    " take.command_key "                                                                                           \
    "FROM " FROM " LEFT JOIN take ON true"
/* The CTEs that finish sent task ID (state ST, result RES, fault CODE and STR, SetParameterValues
 * fault details DET) with its faults row and the GetParameterValues values PAR to cache for
 * device DEV. ST 'in_progress' (a transfer the CPE answered with Status 1) is not finished yet:
 * its TransferComplete finishes it. A cancelTransfer done cancels the transfer of its key (acsd's,
 * db/0008), which will send no TransferComplete. */
#define FINISH_CTES(ID, ST, RES, CODE, STR, DEV, DET, PAR)                                                         \
    "done AS ("                                                                                                    \
    " UPDATE tasks SET state = " ST ", result = " RES "::jsonb, fault_code = nullif(" CODE "::int, 0), "           \
    " fault_string = nullif(" STR ", ''), finished_at = CASE WHEN " ST " = 'in_progress' THEN NULL ELSE now() END " \
    " WHERE id = " ID " AND state = 'sent' RETURNING id), "                                                        \
    "flt AS ("                                                                                                     \
    " INSERT INTO faults (device_pk, task_id, code, string, detail) "                                             \
    " SELECT " DEV "::bigint, nullif(" ID "::bigint, 0), " CODE "::int, " STR ", coalesce(" DET "::jsonb, '[]') " \
    " WHERE " ST " = 'fault'), "                                                                                   \
    "can AS ("                                                                                                     \
    " UPDATE tasks SET state = 'cancelled', finished_at = now() WHERE " ST " = 'done' AND device_pk = " DEV "::bigint " \
    " AND kind IN ('download', 'upload') AND state = 'in_progress' AND command_key = ("                          \
    "  SELECT command_key FROM tasks WHERE id = " ID " AND kind = 'cancelTransfer')), "                           \
    "par AS ("                                                                                                     \
    " INSERT INTO device_params (device_pk, name, value, xsd_type) "                                              \
    " SELECT DISTINCT ON (x.name) " DEV "::bigint, x.name, coalesce(x.value, ''), coalesce(x.type, 'xsd:string') " \
    " FROM jsonb_to_recordset(coalesce(" PAR "::jsonb, '[]')) AS x(name text, value text, type text) "            \
    " WHERE x.name IS NOT NULL "                                                                                   \
    " ON CONFLICT (device_pk, name) DO UPDATE SET value = EXCLUDED.value, xsd_type = EXCLUDED.xsd_type, "          \
    " updated_at = now()) "

/* An empty POST (or a task that could not be built): the next task or the session's end, in
 * one statement, committed asynchronously. */
static const char SQL_TASK_NEXT[] = "WITH " ACS_DB_ASYNC_COMMIT_CTE NEXT_CTES("0") NEXT_SELECT("async");
/* A task's answer: finished (synchronous commit: it must not run twice), and the next task
 * taken or the session closed, in one statement. */
static const char SQL_TASK_FINISH_NEXT[] =
    "WITH " FINISH_CTES("$6", "$7", "$8", "$9", "$10", "$1", "$11", "$12") ", " NEXT_CTES("$6")
        NEXT_SELECT("(SELECT 1) AS one");
/* Finish a sent task on its own (a GetParameterNames answer, whose writable flags follow). */
static const char SQL_TASK_FINISH[] =
    "WITH " FINISH_CTES("$1", "$2", "$3", "$4", "$5", "$6", "$7", "$8") "SELECT count(*) FROM done";
static const char SQL_FAULT_ADD[] =
    "INSERT INTO faults (device_pk, task_id, code, string, detail) "
    "VALUES ($1, nullif($2::bigint, 0), $3, $4, coalesce($5::jsonb, '[]'))";
/* A TransferComplete: the device's ($1) transfer task whose (acsd's, unique) key is $2, if it is
 * waiting for one (sent: its DownloadResponse was lost; in_progress; done: Status 0; expired: sent
 * but never answered; fault with transferTimeout: past the transfer deadline, late) or already
 * has one (a duplicate). The first one finishes it (done, or fault
 * $4/$5 with a faults row); a duplicate changes nothing; with no such task a failed transfer
 * still gets its faults row (task_id NULL). Synchronous commit: one statement, all or nothing. */
static const char SQL_TRANSFER_COMPLETE[] =
    "WITH t AS ("
    " SELECT id, coalesce(result, '{}'::jsonb) ? 'transferComplete' AS dup, "
    " state = 'fault' AND coalesce(result, '{}'::jsonb) ? 'transferTimeout' AS late FROM tasks "
    " WHERE device_pk = $1 AND command_key = $2 AND kind IN ('download', 'upload') "
    " AND (coalesce(result, '{}'::jsonb) ? 'transferComplete' OR state IN ('sent', 'in_progress', 'done', 'expired') "
    " OR (state = 'fault' AND coalesce(result, '{}'::jsonb) ? 'transferTimeout')) "
    " FOR UPDATE), "
    "upd AS ("
    " UPDATE tasks SET result = coalesce(result, '{}'::jsonb) || jsonb_build_object('transferComplete', $3::jsonb), "
    " state = CASE WHEN $4::int <> 0 THEN 'fault' ELSE 'done' END, "
    " fault_code = CASE WHEN $4::int <> 0 THEN $4::int END, fault_string = CASE WHEN $4::int <> 0 THEN $5 END, "
    " finished_at = now() "
    " WHERE id = (SELECT id FROM t WHERE NOT dup) AND NOT (coalesce(result, '{}'::jsonb) ? 'transferComplete') "
    " RETURNING id), "
    "flt AS ("
    " INSERT INTO faults (device_pk, task_id, code, string, detail) "
    " SELECT $1, (SELECT id FROM upd), $4::int, $5, '[]' WHERE $4::int <> 0 AND NOT EXISTS (SELECT 1 FROM t WHERE dup)) "
    "SELECT (SELECT id FROM upd), (SELECT id FROM t WHERE dup), (SELECT late FROM t WHERE NOT dup)";
/* The housekeeper's transfer deadline: in_progress transfers sent more than $1 seconds (plus
 * their delaySeconds: the CPE waits that long before it starts) ago, at most $2, become a fault
 * without a CWMP code (tasks.fault_code NULL; the faults row, whose code is NOT NULL, gets 0,
 * which no CPE fault has) and keep "transferTimeout" in their result, which lets a late
 * TransferComplete still finish them. SKIP LOCKED: a TransferComplete being stored, or another
 * acsd's housekeeper, holds the row; the UPDATE re-checks the state. */
static const char SQL_TRANSFER_TIMEOUT[] =
    "WITH due AS ("
    " SELECT id FROM tasks WHERE state = 'in_progress' AND kind IN ('download', 'upload') "
    " AND sent_at < now() - make_interval(secs => $1::int) "
    " AND sent_at + make_interval(secs => $1::int + CASE WHEN jsonb_typeof(args->'delaySeconds') = 'number' "
    "  THEN (args->>'delaySeconds')::float8 ELSE 0 END) < now() "
    " ORDER BY sent_at, id LIMIT $2::int FOR UPDATE SKIP LOCKED), "
    "upd AS ("
    " UPDATE tasks t SET state = 'fault', finished_at = now(), fault_code = NULL, "
    " fault_string = 'no TransferComplete within ' || $1::int || ' s', "
    " result = coalesce(t.result, '{}'::jsonb) || jsonb_build_object('transferTimeout', "
    "  jsonb_build_object('timeoutSeconds', $1::int, 'at', now())) "
    " FROM due WHERE t.id = due.id AND t.state = 'in_progress' "
    " RETURNING t.id, t.device_pk, t.kind, t.fault_string), "
    "flt AS ("
    " INSERT INTO faults (device_pk, task_id, code, string) SELECT device_pk, id, 0, fault_string FROM upd) "
    "SELECT u.id, d.device_id, u.kind FROM upd u JOIN devices d ON d.id = u.device_pk ORDER BY u.id";
/* command_key as given; for download, upload and cancelTransfer the trigger tasks_command_key
 * (db/0008) sets acsd's own and keeps the operator's in operator_command_key. */
static const char SQL_TASK_INSERT[] =
    "INSERT INTO tasks (device_pk, kind, args, command_key, created_by, max_attempts, expires_at) "
    "SELECT id, $2, $3::jsonb, $4, $5, $6, now() + make_interval(secs => $7::bigint) FROM devices "
    "WHERE device_id = $1 RETURNING id";
/* command_key holds the RPC's CommandKey, or the ParameterKey of the kinds that carry one: shown
 * under the name the RPC gives it. A transfer's is acsd's own; the operator's is operatorCommandKey
 * (null for kinds whose key is sent as given). */
static const char SQL_TASK_GET[] =
    "SELECT json_build_object('id', t.id, 'deviceId', d.device_id, 'kind', t.kind, 'args', t.args, "
    " 'state', t.state, 'attempts', t.attempts, 'maxAttempts', t.max_attempts, "
    " CASE WHEN t.kind IN ('setParameterValues', 'addObject', 'deleteObject') THEN 'parameterKey' "
    " ELSE 'commandKey' END, t.command_key, 'operatorCommandKey', t.operator_command_key, "
    " 'createdBy', t.created_by, 'createdAt', t.created_at, 'expiresAt', t.expires_at, 'sentAt', t.sent_at, "
    " 'finishedAt', t.finished_at, 'result', t.result, 'faultCode', t.fault_code, 'faultString', t.fault_string)"
    "::text FROM tasks t JOIN devices d ON d.id = t.device_pk WHERE t.id = $1";

int acs_db_task_next(struct db *db, long device_pk, long after_id, const struct acs_db_session_close *close,
                     const struct acs_db_task_end *finish, struct acs_db_task *out, long *expired, int *closed,
                     char **errmsg)
{
    char pkb[24], ab[24], sb[24], rb[24], tb[24], cb[24];
    const char *p[12] = {NUM(pkb, device_pk), NUM(ab, after_id), close ? NUM(sb, close->session_row) : NULL,
                         close ? NUM(rb, close->rpcs) : "0", close ? close->result : "ok"};
    if (finish) {
        p[5] = NUM(tb, finish->task_id);
        p[6] = finish->state;
        p[7] = finish->result_json ? finish->result_json : "{}";
        p[8] = NUM(cb, finish->fault_code);
        p[9] = finish->fault_string ? finish->fault_string : "";
        p[10] = finish->details_json;
        p[11] = finish->params_json;
    }
    memset(out, 0, sizeof *out);
    *expired = 0;
    if (closed)
        *closed = 0;
    PGresult *r = finish ? db_exec_prepared(db, SQL_TASK_FINISH_NEXT, 12, p, errmsg)
                         : db_exec_prepared(db, SQL_TASK_NEXT, 5, p, errmsg);
    if (!r)
        return -ERR_DB;
    int rc = PQntuples(r) == 1 ? 0 : -ERR_DB;
    if (rc == 0) {
        *expired = db_get_long(r, 0, 0);
        if (closed)
            *closed = db_get_long(r, 0, 5) > 0;
    }
    if (rc == 0 && !PQgetisnull(r, 0, 1)) {
        out->id = db_get_long(r, 0, 1);
        snprintf(out->kind, sizeof out->kind, "%s", PQgetvalue(r, 0, 2));
        out->args = strdup(PQgetvalue(r, 0, 3));
        out->attempts = (int)db_get_long(r, 0, 4);
        snprintf(out->command_key, sizeof out->command_key, "%s", PQgetvalue(r, 0, 6));
        rc = out->args ? 1 : -ERR_NOMEM;
    }
    PQclear(r);
    return rc;
}

int acs_db_fault_add(struct db *db, long device_pk, long task_id, int code, const char *string,
                     const char *details_json, char **errmsg)
{
    char pkb[24], tb[24], cb[24];
    const char *p[5] = {NUM(pkb, device_pk), NUM(tb, task_id), NUM(cb, code), string ? string : "", details_json};
    return db_run(db, SQL_FAULT_ADD, 5, p, errmsg) < 0 ? -ERR_DB : 0;
}

int acs_db_task_finish(struct db *db, const struct acs_db_task_end *e, char **errmsg)
{
    char tb[24], cb[24], pkb[24];
    const char *p[8] = {NUM(tb, e->task_id),
                        e->state,
                        e->result_json ? e->result_json : "{}",
                        NUM(cb, e->fault_code),
                        e->fault_string ? e->fault_string : "",
                        NUM(pkb, e->device_pk),
                        e->details_json,
                        e->params_json};
    return db_run_prepared(db, SQL_TASK_FINISH, 8, p, errmsg) < 0 ? -ERR_DB : 0;
}

int acs_db_transfer_complete(struct db *db, long device_pk, const char *command_key, const char *tc_json,
                             int fault_code, const char *fault_string, long *task_id, char **errmsg)
{
    char pkb[24], cb[24];
    const char *p[5] = {NUM(pkb, device_pk), command_key ? command_key : "", tc_json, NUM(cb, fault_code),
                        fault_string ? fault_string : ""};
    *task_id = 0;
    PGresult *r = db_exec(db, SQL_TRANSFER_COMPLETE, 5, p, errmsg);
    if (!r)
        return -ERR_DB;
    int rc = PQntuples(r) == 1 ? ACS_TC_UNKNOWN : -ERR_DB;
    if (rc == ACS_TC_UNKNOWN && !PQgetisnull(r, 0, 0)) {
        *task_id = db_get_long(r, 0, 0);
        rc = PQgetvalue(r, 0, 2)[0] == 't' ? ACS_TC_LATE : ACS_TC_COMPLETED;
    } else if (rc == ACS_TC_UNKNOWN && !PQgetisnull(r, 0, 1)) {
        *task_id = db_get_long(r, 0, 1);
        rc = ACS_TC_DUPLICATE;
    }
    PQclear(r);
    return rc;
}

int acs_db_transfer_timeout(struct db *db, int timeout_s, struct acs_db_timed_out *out, int max, char **errmsg)
{
    char tb[24], mb[24];
    const char *p[2] = {NUM(tb, timeout_s), NUM(mb, max)};
    PGresult *r = db_exec(db, SQL_TRANSFER_TIMEOUT, 2, p, errmsg);
    if (!r)
        return -ERR_DB;
    int n = PQntuples(r) <= max ? PQntuples(r) : max;
    for (int i = 0; i < n; i++) {
        out[i].task_id = db_get_long(r, i, 0);
        snprintf(out[i].device_id, sizeof out[i].device_id, "%s", PQgetvalue(r, i, 1));
        snprintf(out[i].kind, sizeof out[i].kind, "%s", PQgetvalue(r, i, 2));
    }
    PQclear(r);
    return n;
}

int acs_db_task_insert(struct db *db, const char *device_id, const char *kind, const char *args_json,
                       const char *command_key, const char *created_by, int max_attempts, long expires_in,
                       long *task_id, char **errmsg)
{
    char mb[24], eb[24];
    const char *p[7] = {device_id,  kind, args_json, command_key ? command_key : "", created_by ? created_by : "",
                        NUM(mb, max_attempts), NUM(eb, expires_in)};
    PGresult *r = db_exec(db, SQL_TASK_INSERT, 7, p, errmsg);
    if (!r)
        return -ERR_DB;
    int rc = PQntuples(r) == 1 ? 0 : -ERR_NOENT;
    if (rc == 0)
        *task_id = db_get_long(r, 0, 0);
    PQclear(r);
    return rc;
}

int acs_db_task_get(struct db *db, long task_id, char **json, char **errmsg)
{
    char tb[24];
    const char *p[1] = {NUM(tb, task_id)};
    PGresult *r = db_exec(db, SQL_TASK_GET, 1, p, errmsg);
    if (!r)
        return -ERR_DB;
    int rc = PQntuples(r) == 1 ? 0 : -ERR_NOENT;
    if (rc == 0 && !(*json = strdup(PQgetvalue(r, 0, 0))))
        rc = -ERR_NOMEM;
    PQclear(r);
    return rc;
}

/* acs/session/acs_db.h — every SQL statement of acsd (devices, parameter cache, sessions, tasks,
 * faults): acs_db.c for devices and sessions, acs_task_db.c for tasks and faults.
 * Owns: nothing; results are copied out. Thread-safety: per struct db (one per thread). */
#ifndef ACS_DB_H
#define ACS_DB_H

#include "db.h"

/* What an accepted Inform writes. JSON texts: events ["0 BOOTSTRAP",...], params
 * [{"name","value","type"}]. Empty strings leave the stored value alone where noted. */
struct acs_db_inform {
    const char *device_id, *oui, *product_class, *serial, *manufacturer;
    const char *root_object, *cwmp_version;
    const char *software_version, *hardware_version, *cr_url; /* "" keeps the stored value */
    long periodic_interval;                                  /* < 0: unknown */
    const char *events_json, *params_json;
    int bootstrap, boot;
    const char *auth, *cert_serial, *remote;
    int lease_seconds;                                       /* how long the session may hold the device */
};

/* Statements of a session whose loss in a PostgreSQL crash is harmless commit asynchronously
 * (synchronous_commit off for their own transaction, set by this CTE, which the statement must
 * reference as "async"): the Inform (device facts, parameter cache, lease, sessions row), taking
 * a task (its 'sent' mark: lost, the task is sent again, as after any crash between send and
 * answer) and closing a session (a lost lease release runs out by itself). PostgreSQL's WAL
 * writer then flushes the commits of many sessions together (every wal_writer_delay, 200 ms);
 * a crash loses at most the last ~600 ms of them, never a later commit without an earlier one.
 * A task's result (done, fault, faults row) stays synchronous: it must not run twice. */
#define ACS_DB_ASYNC_COMMIT_CTE "async AS (SELECT set_config('synchronous_commit', 'off', true)), "

/* Reconnect a connection the server dropped. 0 when usable. */
int acs_db_ensure(struct db *db);

/* In one transaction: create the device if new, take its session lease, insert the sessions
 * row, update the device (BOOTSTRAP clears the cached params and cr_credentials_set) and
 * upsert the params. *cr_set: cr_credentials_set afterwards (0: the session must set them).
 * -ERR_EXIST (nothing written) when another live session holds the device; -ERR_PERM (nothing
 * written) when the certificate's issuer belongs to another tenant than the device. */
int acs_db_inform(struct db *db, const struct acs_db_inform *in, long *device_pk, long *session_row, int *cr_set,
                  char **errmsg) WARN_UNUSED;
/* The CPE accepted new connection-request credentials: store the username and the sealed
 * password (common/secret, AAD = device id) and set cr_credentials_set. */
int acs_db_cr_credentials_store(struct db *db, long device_pk, const char *user, const unsigned char *sealed,
                                size_t sealed_len, char **errmsg) WARN_UNUSED;
/* A sessions row for a refused session (no device touched). */
int acs_db_session_refused(struct db *db, const char *claimed_id, const char *auth, const char *cert_serial,
                           const char *remote, const char *events_json, const char *version, const char *result,
                           char **errmsg) WARN_UNUSED;
/* Close a session row and release the device lease it holds. */
int acs_db_session_end(struct db *db, long session_row, long device_pk, int rpcs, const char *result,
                       char **errmsg) WARN_UNUSED;
/* acs_lenient_db.c: the leniency kinds of a session ("array_count_larger,no_id") on its row;
 * the device's lenient_messages grows by messages and its lenient_kinds gain the kinds. */
int acs_db_session_lenient(struct db *db, long session_row, long device_pk, const char *kinds, int messages,
                           char **errmsg) WARN_UNUSED;
/* Upsert params ([{"name","value","type"}]) into the cache. */
int acs_db_params_upsert(struct db *db, long device_pk, const char *params_json, char **errmsg) WARN_UNUSED;
/* Mark cached params writable or not from a GetParameterNames result's "parameters". */
int acs_db_params_writable(struct db *db, long device_pk, const char *params_json, char **errmsg) WARN_UNUSED;

/* ---- legacy password mode ---- */
struct acs_db_legacy {
    char device_id[256];
    char auth_mode[16];
    char ha1[40];            /* hex MD5(user:realm:password), "" if none */
    char password_hash[200]; /* acs_legacy_hash_password() form, "" if none */
};
/* The device whose legacy_username is user: 1 with *out filled, 0 when none, < 0 on error. */
int acs_db_legacy_lookup(struct db *db, const char *user, struct acs_db_legacy *out, char **errmsg) WARN_UNUSED;
/* The stored device id an operator's spelling stands for (acs_devid_candidates: as printed on the
 * box, percent-encoded, a lowercase OUI) into out (size n). Several candidates are looked up (db
 * may be NULL: then the first is taken); when none exists out gets the first (the caller's
 * lookup then says "unknown device"). -ERR_INVAL with *errmsg when malformed, -ERR_EXIST with
 * *errmsg when two devices match, -ERR_DB. */
int acs_db_device_resolve(struct db *db, const char *typed, char *out, size_t n, char **errmsg) WARN_UNUSED;
/* devices.auth_mode = mode ('cert' or 'legacy'); -ERR_NOENT when the device is unknown. */
int acs_db_device_set_auth(struct db *db, const char *device_id, const char *mode, char **errmsg) WARN_UNUSED;
/* Legacy credentials of device_id (created from its OUI-ProductClass-Serial parts if new):
 * username, HA1 and password hash. -ERR_EXIST when another device has that username. */
int acs_db_device_set_legacy(struct db *db, const char *device_id, const char *user, const char *ha1,
                             const char *password_hash, char **errmsg) WARN_UNUSED;

/* ---- tasks (acs_task_db.c) ---- */

struct acs_db_task {
    long id;
    char kind[32];
    char *args; /* JSON text, malloc'd */
    int attempts;
    char command_key[64]; /* tasks.command_key: what a transfer or cancelTransfer sends */
};

/* The session to close when no task is left (rpcs and result as acs_db_session_end). */
struct acs_db_session_close {
    long session_row;
    int rpcs;
    const char *result;
};
/* In one statement: finish the answered task (finish, may be NULL: as acs_db_task_finish, and
 * then committed synchronously), expire the device's open tasks past expires_at or max_attempts
 * (*expired counts them), take the first open task after after_id and mark it sent
 * (attempts + 1); when none is left and close is given, close that sessions row and release the
 * device lease (*closed = 1, if closed is not NULL). 1 with *out filled (free out->args), 0 when
 * none is left, < 0 on error (nothing changed, the finish neither). */
struct acs_db_task_end;
int acs_db_task_next(struct db *db, long device_pk, long after_id, const struct acs_db_session_close *close,
                     const struct acs_db_task_end *finish, struct acs_db_task *out, long *expired, int *closed,
                     char **errmsg) WARN_UNUSED;
/* Finish a sent task: state "done" or "fault", result JSON; with a fault also a faults row
 * (code, string, details JSON). params_json (may be NULL): GetParameterValues values to cache. */
struct acs_db_task_end {
    long task_id, device_pk;
    const char *state, *result_json;
    int fault_code;
    const char *fault_string, *details_json, *params_json;
};
int acs_db_task_finish(struct db *db, const struct acs_db_task_end *e, char **errmsg) WARN_UNUSED;
/* TransferComplete for command_key (acsd's key, tasks.command_key) of a transfer task of this
 * device: the first one finishes it (done; fault_code != 0: fault and a faults row), a repeated
 * one changes nothing, one for no such task only adds the faults row of a failed transfer. One
 * statement. ACS_TC_COMPLETED or ACS_TC_DUPLICATE with *task_id, ACS_TC_UNKNOWN (*task_id 0), or
 * -ERR_DB (nothing stored). ACS_TC_LATE: completed a task past its transfer deadline (below):
 * it gets its real outcome, the timeout's faults row stays. */
enum { ACS_TC_UNKNOWN, ACS_TC_COMPLETED, ACS_TC_DUPLICATE, ACS_TC_LATE };
int acs_db_transfer_complete(struct db *db, long device_pk, const char *command_key, const char *tc_json,
                             int fault_code, const char *fault_string, long *task_id, char **errmsg) WARN_UNUSED;
/* One batch of the transfer deadline ([acs] transfer_timeout): in_progress transfers past it
 * become faults ("no TransferComplete within N s", no CWMP code; a faults row with code 0).
 * One statement, at most max tasks, copied to out. The number of them, or -ERR_DB. */
struct acs_db_timed_out {
    long task_id;
    char device_id[256];
    char kind[16];
};
int acs_db_transfer_timeout(struct db *db, int timeout_s, struct acs_db_timed_out *out, int max,
                            char **errmsg) WARN_UNUSED;
/* A faults row not tied to a task (e.g. AutonomousTransferComplete failures). */
int acs_db_fault_add(struct db *db, long device_pk, long task_id, int code, const char *string,
                     const char *details_json, char **errmsg) WARN_UNUSED;

/* Insert a task for device_id; -ERR_NOENT when the device is unknown. */
int acs_db_task_insert(struct db *db, const char *device_id, const char *kind, const char *args_json,
                       const char *command_key, const char *created_by, int max_attempts, long expires_in,
                       long *task_id, char **errmsg) WARN_UNUSED;
/* The task as a JSON object text (malloc'd, args unredacted); -ERR_NOENT when absent. */
int acs_db_task_get(struct db *db, long task_id, char **json, char **errmsg) WARN_UNUSED;

#endif

/* acs/nbi/acs_nbi_db.h — every SQL statement of the NBI and acsctl: read-only views of devices,
 * parameters, tasks, faults and sessions as JSON, API tokens, connection-request data.
 * Owns: nothing; JSON results are new references. Thread-safety: per struct db. */
#ifndef ACS_NBI_DB_H
#define ACS_NBI_DB_H

#include <stddef.h>

#include <jansson.h>

#include "acs_nbi_int.h"
#include "db.h"

/* A connection as the NBI's role: [nbi] conninfo, else [db] conninfo. NULL with *errmsg. */
struct db *acs_nbi_db_connect(const struct cfg *cfg, char **errmsg);

struct acs_nbi_token_info {
    long id;
    char name[ACS_NBI_NAME_MAX + 1];
    enum acs_nbi_role role;
    int expired, revoked;
    long tenant; /* 0: a platform administrator's token (every tenant) */
};

/* The token with this SHA-256 hash (also notes its use, at most once a minute).
 * 0 with *out, -ERR_NOENT when unknown, -ERR_DB. */
int acs_nbi_db_token_lookup(struct db *db, const unsigned char hash[32], struct acs_nbi_token_info *out,
                            char **errmsg) WARN_UNUSED;
/* Store a token's hash. ttl seconds (0 = never expires). *expires_at: text or "" (may be NULL). */
int acs_nbi_db_token_insert(struct db *db, long tenant, const char *name, enum acs_nbi_role role,
                            const unsigned char hash[32], long ttl, const char *created_by, long *id,
                            char **errmsg) WARN_UNUSED;

/* tenant arguments: the caller's tenant (tenants.id), 0 for a platform administrator (all). */

/* Every token of the tenant (never the hash), newest first, as a JSON array; NULL on error. */
json_t *acs_nbi_db_tokens(struct db *db, long tenant, char **errmsg);
/* Revoke (idempotent). -ERR_NOENT when there is no such token in the tenant. */
int acs_nbi_db_token_revoke(struct db *db, long tenant, long id, char **errmsg) WARN_UNUSED;
/* 0 when the device (or task) exists in the tenant, else -ERR_NOENT (or -ERR_DB): the NBI's
 * one check before any device or task route runs (acs_nbi_dispatch). */
int acs_nbi_db_device_in_scope(struct db *db, long tenant, const char *device_id, char **errmsg) WARN_UNUSED;
int acs_nbi_db_task_in_scope(struct db *db, long tenant, long task_id, char **errmsg) WARN_UNUSED;
/* The id of the tenant called name; -ERR_NOENT when there is none. */
int acs_nbi_db_tenant_id(struct db *db, const char *name, long *id, char **errmsg) WARN_UNUSED;

/* The tenant's devices whose id starts with prefix ("" = all), by id, as a JSON array; NULL on error. */
json_t *acs_nbi_db_devices(struct db *db, long tenant, const char *prefix, long limit, long offset, char **errmsg);
/* One device as a JSON object with its parameters (names starting with param_prefix, at most
 * ACS_NBI_MAX_PARAMS; secret values as "***"). -ERR_NOENT when unknown. */
int acs_nbi_db_device(struct db *db, const char *device_id, const char *param_prefix, json_t **out,
                      char **errmsg) WARN_UNUSED;
/* The device's tasks (state "" = any; newest first), faults or sessions as a JSON array.
 * -ERR_NOENT when the device is unknown. */
int acs_nbi_db_device_tasks(struct db *db, const char *device_id, const char *state, long limit, long offset,
                            json_t **out, char **errmsg) WARN_UNUSED;
int acs_nbi_db_device_faults(struct db *db, const char *device_id, long limit, long offset, json_t **out,
                             char **errmsg) WARN_UNUSED;
int acs_nbi_db_device_sessions(struct db *db, const char *device_id, long limit, long offset, json_t **out,
                               char **errmsg) WARN_UNUSED;

/* SIP providers and lines of the tenant (provisioning/, db/0014) as JSON: lists by name / number
 * (lines: numbers starting with prefix), one by name / canonical number (-ERR_NOENT). Never a
 * ciphertext: a line shows passwordSet, keyId and passwordRotatedAt. */
json_t *acs_nbi_db_providers(struct db *db, long tenant, long limit, long offset, char **errmsg);
int acs_nbi_db_provider(struct db *db, long tenant, const char *name, json_t **out, char **errmsg) WARN_UNUSED;
json_t *acs_nbi_db_lines(struct db *db, long tenant, const char *prefix, long limit, long offset, char **errmsg);
/* The E.164 directory of the tenant (db/0015) as JSON, by prefix. */
json_t *acs_nbi_db_directory(struct db *db, long tenant, long limit, long offset, char **errmsg);
int acs_nbi_db_line(struct db *db, long tenant, const char *e164, json_t **out, char **errmsg) WARN_UNUSED;

/* Connection-request data of a device: URL, user name (url/user each >= ACS_CR_URL_MAX + 1
 * bytes) and the sealed password (*enc malloc'd, NULL when none). -ERR_NOENT when unknown. */
int acs_nbi_db_cr_info(struct db *db, const char *device_id, char *url, size_t url_n, char *user, size_t user_n,
                       unsigned char **enc, size_t *enc_len, char **errmsg) WARN_UNUSED;

#endif

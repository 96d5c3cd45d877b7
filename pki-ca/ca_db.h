/* pki-ca/ca_db.h — all SQL of pki-ca (tables ca_authorities, certificates, revocations,
 * enrollment_tokens, audit_log, audit_head; see db/0001_pki.sql).
 * Owns: nothing; results are copied into caller structs. Thread-safety: per struct db. */
#ifndef PKICA_CA_DB_H
#define PKICA_CA_DB_H

#include <stddef.h>

#include "ca.h"
#include "db.h"

struct ca_db_authority {
    int id;
    char name[64];
    char kind[8];
    int parent_id;              /* 0 for the root */
    char key_type[16];
    char key_file[256];
    unsigned char *cert_der;    /* malloc'd */
    size_t cert_der_len;
    int revoked;                /* acs-ca issuer revoke */
    const char *tenant;         /* insert only: an issuer's tenant name (NULL: "default") */
};

struct ca_db_cert_row {
    const char *serial;
    int issuer_id;
    const char *device_id;      /* NULL for server certs */
    const char *subject;
    const char *profile;        /* "device" | "server" */
    const char *not_before;     /* SQL timestamptz text */
    const char *not_after;
    const unsigned char *der;
    size_t der_len;
    const char *via;
};

/* by name (id <= 0) or by id; -ERR_NOENT if absent. Fills *out (free out->cert_der). */
int ca_db_authority_get(struct db *db, const char *name, int id, int with_key_file, struct ca_db_authority *out,
                        char **errmsg) WARN_UNUSED;
/* -ERR_NOENT when a->tenant names no tenant (issuers; the root has none). */
int ca_db_authority_insert(struct db *db, const struct ca_db_authority *a, const char *subject,
                           const char *serial, const char *not_before, const char *not_after,
                           int path_len, int *id_out, char **errmsg) WARN_UNUSED;
/* INSERT a tenant: -ERR_EXIST if the name is taken, -ERR_INVAL if the CHECK refuses it. */
int ca_db_tenant_insert(struct db *db, const char *name, char **errmsg) WARN_UNUSED;
/* Ids of all authorities, root first, into ids (up to max); returns count or <0. */
int ca_db_authority_ids(struct db *db, int *ids, int max, char **errmsg);

/* Insert certificate rows; -ERR_EXIST if a serial already exists. */
int ca_db_cert_insert(struct db *db, const struct ca_db_cert_row *rows, size_t n,
                      char **errmsg) WARN_UNUSED;

/* Revoke: -ERR_NOENT unknown serial, -ERR_EXIST already revoked. */
int ca_db_revoke(struct db *db, const char *serial, int reason, const char *actor,
                 char **errmsg) WARN_UNUSED;

/* The serials of a device's live certificates (not revoked, not expired), locked FOR UPDATE
 * (call inside a transaction); the caller PQclear()s. NULL on a database error. */
PGresult *ca_db_live_serials(struct db *db, const char *device_id, char **errmsg);

/* Queries for the CLI and NBI; the caller PQclear()s. Columns as in ca_db.c. */
PGresult *ca_db_cert_list(struct db *db, const char *device_id, int revoked_only, long limit,
                          char **errmsg);
PGresult *ca_db_cert_get(struct db *db, const char *serial, char **errmsg);
PGresult *ca_db_audit_list(struct db *db, long limit, char **errmsg);

/* ---- CRL and OCSP (ca_crl.c, ca_ocsp.c, the ocsp-serve command) ---- */

/* Take the next CRL number of authority id (UPDATE ... RETURNING: atomic, and the row
 * stays locked until the caller's transaction ends, so CRLs of one issuer are numbered
 * in build order). -ERR_NOENT if there is no such authority. */
int ca_db_crl_number_next(struct db *db, int authority_id, long long *number,
                          char **errmsg) WARN_UNUSED;
/* Every revoked certificate issued by authority id, in one query. Columns: 0 serial
 * (lowercase hex), 1 reason (0..10), 2 revoked_at (Unix seconds). Caller PQclear()s. */
PGresult *ca_db_crl_entries(struct db *db, int authority_id, char **errmsg);
/* Status of n serials (lowercase hex) issued by authority id, in one query. One row per
 * serial that exists: 0 serial, 1 reason (NULL when not revoked), 2 revoked_at (Unix
 * seconds, NULL when not revoked). Caller PQclear()s. */
PGresult *ca_db_cert_status(struct db *db, int authority_id, const char *const *serials, size_t n,
                            char **errmsg);
/* LISTEN ca_revocation on this connection (the revocations trigger NOTIFYs it). */
int ca_db_listen_revocations(struct db *db, char **errmsg) WARN_UNUSED;
/* Consume queued notifications without blocking: how many revocations were announced
 * since the last call (0: none), or -ERR_DB when the connection is lost. */
int ca_db_revocations_pending(struct db *db);
/* If the connection was lost, reconnect once (LISTENs are gone after that).
 * 0: it was fine, 1: reconnected, -ERR_DB: still down. */
int ca_db_reconnect_if_lost(struct db *db);

#endif

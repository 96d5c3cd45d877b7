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
int ca_db_authority_get(struct db *db, const char *name, int id, struct ca_db_authority *out,
                        char **errmsg) WARN_UNUSED;
int ca_db_authority_insert(struct db *db, const struct ca_db_authority *a, const char *subject,
                           const char *serial, const char *not_before, const char *not_after,
                           int path_len, int *id_out, char **errmsg) WARN_UNUSED;
/* Ids of all authorities, root first, into ids (up to max); returns count or <0. */
int ca_db_authority_ids(struct db *db, int *ids, int max, char **errmsg);

/* Insert certificate rows; -ERR_EXIST if a serial already exists. */
int ca_db_cert_insert(struct db *db, const struct ca_db_cert_row *rows, size_t n,
                      char **errmsg) WARN_UNUSED;

/* Revoke: -ERR_NOENT unknown serial, -ERR_EXIST already revoked. */
int ca_db_revoke(struct db *db, const char *serial, int reason, const char *actor,
                 char **errmsg) WARN_UNUSED;

/* Queries for the CLI and NBI; the caller PQclear()s. Columns as in ca_db.c. */
PGresult *ca_db_cert_list(struct db *db, const char *device_id, int revoked_only, long limit,
                          char **errmsg);
PGresult *ca_db_cert_get(struct db *db, const char *serial, char **errmsg);
PGresult *ca_db_audit_list(struct db *db, long limit, char **errmsg);

#endif

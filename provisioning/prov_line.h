/* provisioning/prov_line.h — SIP lines: an E.164 number on a device's line index, with its
 * provider (of the device's tenant), display name, call limit and auth user name, and a fresh
 * sealed password (prov_vault). Writes only: create (one line, or a CSV import all-or-nothing),
 * remove (state 'removing': the deprovisioning follows), rotate-password. Reads as JSON are NBI
 * views (acs/nbi/acs_nbi_db.c); the password is never returned by anything here.
 * Owns: nothing. Thread-safety: per struct db. */
#ifndef PROV_LINE_H
#define PROV_LINE_H

#include <stddef.h>

#include <jansson.h>

#include "db.h"
#include "err.h"
#include "prov_e164.h"
#include "prov_provider.h"

#define PROV_LINE_INDEX_MAX 16
#define PROV_DEVID_MAX 256
#define PROV_DISPLAY_MAX 64
#define PROV_USER_MAX 64
#define PROV_IMPORT_MAX_ROWS 10000
#define PROV_IMPORT_MAX_ERRORS 100 /* errors reported by one refused import */

struct secret_key;

struct prov_line_req {
    char e164[PROV_E164_MAX + 1]; /* canonical */
    char device[PROV_DEVID_MAX + 1];
    int line_index;
    char provider[PROV_NAME_MAX + 1];
    char display_name[PROV_DISPLAY_MAX + 1];
    int max_sessions;                      /* 0: the provider's */
    char auth_username[PROV_USER_MAX + 1]; /* "": the number's digits */
};

/* {"e164", "device", "lineIndex", "provider", "displayName"?, "maxSessions"?, "authUsername"?}
 * (pure: what needs the database is checked by prov_line_create). */
int prov_line_parse(json_t *o, struct prov_line_req *l, struct prov_err *e) WARN_UNUSED;
/* Fields given as text (a CSV row). */
int prov_line_from_text(const char *e164, const char *device, const char *index, const char *provider,
                        const char *display, struct prov_line_req *l, struct prov_err *e) WARN_UNUSED;

/* Create the line and its sealed credential in one transaction. The device must be in the
 * caller's tenant (0: any), the provider one of the device's tenant, the index and the number
 * free, maxSessions no more than the provider's. -ERR_INVAL with e (the field), -ERR_POLICY (no
 * key), -ERR_DB. *id may be NULL. */
int prov_line_create(struct db *db, long tenant, const struct secret_key *k, const struct prov_line_req *l, long *id,
                     struct prov_err *e, char **errmsg) WARN_UNUSED;

/* One error of a refused import: its row (1 = the header) and field. */
struct prov_import_err {
    long row;
    struct prov_err err;
};
/* A CSV import: a header "e164,device,line_index,provider,display_name" (display_name optional),
 * then one line a row, fields unquoted. Every row is created in one transaction; any error rolls
 * back all of them. 0 with *created; -ERR_INVAL with the errors in *errs (malloc'd, *nerrs;
 * at most PROV_IMPORT_MAX_ERRORS), -ERR_POLICY, -ERR_DB. A header naming a secret column is
 * -ERR_PERM. */
int prov_line_import(struct db *db, long tenant, const struct secret_key *k, const char *csv, size_t len, long *created,
                     struct prov_import_err **errs, size_t *nerrs, char **errmsg) WARN_UNUSED;

/* State 'removing' (idempotent). -ERR_NOENT when no such line in the tenant. */
int prov_line_remove(struct db *db, long tenant, const char *e164, char **errmsg) WARN_UNUSED;
/* A new password sealed in place of the old one and the line back to 'pending', in one
 * transaction. -ERR_NOENT, -ERR_POLICY (no key), -ERR_DB. */
int prov_line_rotate_password(struct db *db, long tenant, const struct secret_key *k, const char *e164,
                              char **errmsg) WARN_UNUSED;

#endif

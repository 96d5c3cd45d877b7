/* provisioning/prov_directory.h — the E.164 directory of a tenant (db/0015): a number prefix
 * ("+" and 1..15 digits) and the SIP URI calls to numbers under it go to, with how long an
 * answer may be cached. A lookup takes the longest prefix of the number. Writes and the lookup
 * here; the list as JSON is an NBI view (acs/nbi/acs_nbi_db.c).
 * Owns: nothing. Thread-safety: per struct db (the validators are pure). */
#ifndef PROV_DIRECTORY_H
#define PROV_DIRECTORY_H

#include <jansson.h>

#include "db.h"
#include "err.h"
#include "prov_e164.h"
#include "prov_provider.h"

#define PROV_DIR_URI_MAX 255
#define PROV_DIR_TTL_DEFAULT 300
#define PROV_DIR_TTL_MAX 86400

struct prov_dir_entry {
    char prefix[PROV_E164_MAX + 1];
    char sip_uri[PROV_DIR_URI_MAX + 1];
    int ttl_s;
    char tenant[PROV_NAME_MAX + 1]; /* a request's "tenant"?: "" = the caller's own */
};

/* Is s a directory prefix: "+" and 1..15 digits? */
int prov_dir_prefix_valid(const char *s);
/* Is s a SIP URI as the directory stores it: "sip:" or "sips:" and 1..250 printable ASCII
 * characters without space, quotes, angle brackets or backslash (it is written into SIP headers)? */
int prov_dir_uri_valid(const char *s);

/* {"prefix", "sipUri", "ttl"? (300), "tenant"?}; unknown members refused (pure). */
int prov_dir_parse(json_t *o, struct prov_dir_entry *d, struct prov_err *e) WARN_UNUSED;
/* Insert it (source 'operator') in tenant (a tenants.id, not 0). -ERR_EXIST (the prefix is
 * taken in the tenant), -ERR_DB. */
int prov_dir_create(struct db *db, long tenant, const struct prov_dir_entry *d, char **errmsg) WARN_UNUSED;
/* Delete the entry of prefix in the caller's tenant (0: the oldest of any). -ERR_NOENT, -ERR_DB. */
int prov_dir_delete(struct db *db, long tenant, const char *prefix, char **errmsg) WARN_UNUSED;
/* The entry with the longest prefix of e164 (canonical) in the caller's tenant (0: any), in one
 * statement. 0 with *out, -ERR_NOENT, -ERR_DB. */
int prov_dir_lookup(struct db *db, long tenant, const char *e164, struct prov_dir_entry *out,
                    char **errmsg) WARN_UNUSED;

#endif

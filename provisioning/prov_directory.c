/* provisioning/prov_directory.c — the E.164 directory: validation, writes, longest-prefix lookup. */
#include "prov_directory.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SCOPE(alias) "($1::int = 0 OR " alias ".tenant_id = $1::int)"

static const char SQL_DIR_INSERT[] =
    "INSERT INTO e164_directory (tenant_id, prefix, sip_uri, ttl_s) VALUES ($1::int, $2, $3, $4::int) "
    "ON CONFLICT (tenant_id, prefix) DO NOTHING RETURNING id";
static const char SQL_DIR_DELETE[] = /* a platform administrator names the oldest of that prefix */
    "DELETE FROM e164_directory WHERE id = (SELECT x.id FROM e164_directory x WHERE x.prefix = $2 AND " SCOPE(
        "x") " ORDER BY x.id LIMIT 1) RETURNING id";
/* LIKE is safe here: a prefix is "+" and digits (the CHECK of db/0015), never a wildcard. */
static const char SQL_DIR_LOOKUP[] =
    "SELECT x.prefix, x.sip_uri, x.ttl_s FROM e164_directory x WHERE $2 LIKE x.prefix || '%' AND " SCOPE(
        "x") " ORDER BY length(x.prefix) DESC, x.id LIMIT 1";

int prov_dir_prefix_valid(const char *s)
{
    if (!s || s[0] != '+')
        return 0;
    size_t n = strlen(s + 1);
    return n >= 1 && n <= 15 && strspn(s + 1, "0123456789") == n;
}

int prov_dir_uri_valid(const char *s)
{
    if (!s)
        return 0;
    const char *p = !strncmp(s, "sip:", 4) ? s + 4 : !strncmp(s, "sips:", 5) ? s + 5 : NULL;
    size_t n = p ? strlen(p) : 0;
    if (n < 1 || n > 250)
        return 0;
    for (; *p; p++)
        if ((unsigned char)*p <= 0x20 || (unsigned char)*p >= 0x7f || strchr("\"<>\\", *p))
            return 0;
    return 1;
}

int prov_dir_parse(json_t *o, struct prov_dir_entry *d, struct prov_err *e)
{
    static const char *const names[] = {"prefix", "sipUri", "ttl", "tenant", NULL};
    memset(d, 0, sizeof *d);
    d->ttl_s = PROV_DIR_TTL_DEFAULT;
    if (prov_json_members(o, names, e) < 0)
        return -ERR_INVAL;
    if (prov_json_str(o, "prefix", d->prefix, sizeof d->prefix, 0, e) < 0 || !prov_dir_prefix_valid(d->prefix))
        return prov_err_set(e, "prefix", "\"prefix\" must be + and 1..15 digits");
    if (prov_json_str(o, "sipUri", d->sip_uri, sizeof d->sip_uri, 0, e) < 0 || !prov_dir_uri_valid(d->sip_uri))
        return prov_err_set(e, "sipUri", "\"sipUri\" must be a sip: or sips: URI (printable, no spaces)");
    json_t *t = json_object_get(o, "ttl");
    if (t && (!json_is_integer(t) || json_integer_value(t) < 1 || json_integer_value(t) > PROV_DIR_TTL_MAX))
        return prov_err_set(e, "ttl", "\"ttl\" must be an integer 1..%d (seconds)", PROV_DIR_TTL_MAX);
    if (t)
        d->ttl_s = (int)json_integer_value(t);
    return prov_json_str(o, "tenant", d->tenant, sizeof d->tenant, 0, e);
}

int prov_dir_create(struct db *db, long tenant, const struct prov_dir_entry *d, char **errmsg)
{
    char tb[16];
    if (tenant <= 0)
        return err_fail(errmsg, -ERR_INVAL, "%s", "a directory entry belongs to a tenant");
    snprintf(tb, sizeof tb, "%d", d->ttl_s);
    const char *p[3] = {d->prefix, d->sip_uri, tb};
    PGresult *r = db_exec_scoped(db, tenant, SQL_DIR_INSERT, 3, p, errmsg);
    if (!r)
        return -ERR_DB;
    int rc = PQntuples(r) == 1 ? 0 : -ERR_EXIST;
    PQclear(r);
    return rc;
}

int prov_dir_delete(struct db *db, long tenant, const char *prefix, char **errmsg)
{
    const char *p[1] = {prefix};
    PGresult *r = db_exec_scoped(db, tenant, SQL_DIR_DELETE, 1, p, errmsg);
    if (!r)
        return -ERR_DB;
    int rc = PQntuples(r) == 1 ? 0 : -ERR_NOENT;
    PQclear(r);
    return rc;
}

int prov_dir_lookup(struct db *db, long tenant, const char *e164, struct prov_dir_entry *out, char **errmsg)
{
    const char *p[1] = {e164};
    memset(out, 0, sizeof *out);
    PGresult *r = db_exec_scoped(db, tenant, SQL_DIR_LOOKUP, 1, p, errmsg);
    if (!r)
        return -ERR_DB;
    int rc = PQntuples(r) == 1 ? 0 : -ERR_NOENT;
    if (rc == 0) {
        snprintf(out->prefix, sizeof out->prefix, "%s", PQgetvalue(r, 0, 0));
        snprintf(out->sip_uri, sizeof out->sip_uri, "%s", PQgetvalue(r, 0, 1));
        out->ttl_s = (int)db_get_long(r, 0, 2);
    }
    PQclear(r);
    return rc;
}

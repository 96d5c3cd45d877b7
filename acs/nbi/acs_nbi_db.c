/* acs/nbi/acs_nbi_db.c — SQL of the NBI (PQexecParams via db_exec); rows become JSON objects keyed
 * by column name, typed by the column's type (bool, integers, json/jsonb; the rest as text). */
#include "acs_nbi_db.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "acs_rpc.h"
#include "acs_secret_params.h"
#include "err.h"

#define NUM(buf, v) (snprintf((buf), sizeof(buf), "%ld", (long)(v)), (buf))
#define TS(col, name) "to_json(" col ")#>>'{}' AS \"" name "\""

/* type OIDs (pg_type.h is not installed for clients) */
#define OID_BOOL 16
#define OID_INT8 20
#define OID_INT2 21
#define OID_INT4 23
#define OID_JSON 114
#define OID_JSONB 3802

/* Tenant scope: every statement that reads or changes a tenant's rows takes the caller's
 * tenant as $1 (0: a platform administrator, all tenants) and filters with SCOPE() on the
 * devices (or api_tokens) row; it runs through scoped(), the one place that binds $1. Tasks,
 * faults, sessions and parameters are reached only through a device in scope. */
#define SCOPE(alias) "($1::int = 0 OR " alias ".tenant_id = $1::int)"

static const char SQL_TOKEN_LOOKUP[] =
    "WITH t AS (SELECT id, name, role, coalesce(tenant_id, 0) AS tenant, (expires_at IS NOT NULL AND expires_at <= now()) AS expired, "
    " revoked_at IS NOT NULL AS revoked FROM api_tokens WHERE token_hash = $1::bytea), "
    "u AS (UPDATE api_tokens a SET last_used_at = now() FROM t WHERE a.id = t.id AND NOT t.expired "
    " AND NOT t.revoked AND (a.last_used_at IS NULL OR a.last_used_at < now() - interval '1 minute')) "
    "SELECT id, name, role, expired, revoked, tenant FROM t";
static const char SQL_TOKEN_INSERT[] = /* $1: the new token's tenant (0: platform-wide) */
    "INSERT INTO api_tokens (name, role, token_hash, expires_at, created_by, tenant_id) VALUES ($2, $3, $4::bytea, "
    "CASE WHEN $5::bigint > 0 THEN now() + make_interval(secs => $5::bigint) END, $6, nullif($1::int, 0)) RETURNING id";
static const char SQL_TENANT_ID[] = "SELECT id FROM tenants WHERE name = $1";
static const char SQL_DEVICE_IN_SCOPE[] = "SELECT 1 FROM devices d WHERE d.device_id = $2 AND " SCOPE("d");
static const char SQL_TASK_IN_SCOPE[] =
    "SELECT 1 FROM tasks t JOIN devices d ON d.id = t.device_pk WHERE t.id = $2::bigint AND " SCOPE("d");
static const char SQL_TOKENS[] =
    "SELECT id, name, role, created_by AS \"createdBy\", " TS("created_at", "createdAt") ", " TS(
        "expires_at",
        "expiresAt") ", " TS("revoked_at",
                             "revokedAt") ", " TS("last_used_at",
                                                  "lastUsedAt") ", "
                                                                "CASE WHEN revoked_at IS NOT NULL THEN 'revoked' WHEN "
                                                                "expires_at <= now() THEN 'expired' ELSE 'active' END "
                                                                "AS state, tenant_id AS \"tenantId\" FROM api_tokens a WHERE " SCOPE("a")
                                                                " ORDER BY id DESC";
static const char SQL_TOKEN_REVOKE[] =
    "UPDATE api_tokens a SET revoked_at = coalesce(revoked_at, now()) WHERE id = $2 AND " SCOPE("a") " RETURNING id";

#define DEVICE_COLS                                                                                                    \
    "d.device_id AS \"deviceId\", d.oui, d.product_class AS \"productClass\", d.serial_number AS serial, "             \
    "d.manufacturer, d.software_version AS \"softwareVersion\", d.hardware_version AS \"hardwareVersion\", " TS(       \
        "d.last_inform",                                                                                               \
        "lastInform") ", " TS("d.last_boot",                                                                           \
                              "lastBoot") ", d.auth_mode AS \"authMode\", "                                            \
                                          "coalesce(d.last_inform > now() - 2 * make_interval(secs => "                \
                                          "coalesce(nullif(d.periodic_interval, 0), 86400)), "                         \
                                          "false) AS online, (d.session_row IS NOT NULL AND "                          \
                                          "coalesce(d.session_lease_until > now(), false)) AS \"inSession\""
static const char SQL_DEVICES[] = "SELECT " DEVICE_COLS " FROM devices d WHERE starts_with(d.device_id, $2) AND "
                                  SCOPE("d") " ORDER BY d.device_id LIMIT $3 OFFSET $4";
static const char SQL_DEVICE[] =
    "SELECT d.id AS _pk, " DEVICE_COLS ", d.root_object AS \"rootObject\", d.cwmp_version AS \"cwmpVersion\", "
    "d.periodic_interval AS \"periodicInterval\", to_json(d.last_events) AS \"lastEvents\", " TS(
        "d.first_seen", "firstSeen") ", d.connection_request_url AS \"connectionRequestUrl\", "
                                     "d.cr_credentials_set AS \"connectionRequestCredentialsSet\", "
                                     "d.lenient_messages AS \"lenientMessages\", "
                                     "to_json(d.lenient_kinds) AS \"lenientKinds\" FROM devices d WHERE "
                                     "d.device_id = $1";
static const char SQL_PARAMS[] = "SELECT name, value, xsd_type AS type, writable, " TS(
    "updated_at", "updatedAt") " FROM device_params "
                               "WHERE device_pk = $1 AND starts_with(name, $2) ORDER BY name LIMIT $3";
static const char SQL_DEVICE_PK[] = "SELECT id FROM devices WHERE device_id = $1";
static const char SQL_TASKS[] =
    "SELECT id, kind, args, state, attempts, max_attempts AS \"maxAttempts\", command_key AS \"commandKey\", "
    "operator_command_key AS \"operatorCommandKey\", "
    "created_by AS \"createdBy\", " TS("created_at", "createdAt") ", " TS("expires_at", "expiresAt") ", " TS(
        "sent_at", "sentAt") ", " TS("finished_at", "finishedAt") ", result, fault_code AS \"faultCode\", "
                                                                  "fault_string AS \"faultString\" FROM tasks WHERE "
                                                                  "device_pk = $1 AND ($2 = '' OR state = $2) "
                                                                  "ORDER BY id DESC LIMIT $3 OFFSET $4";
static const char SQL_FAULTS[] = "SELECT id, task_id AS \"taskId\", code, string, detail, " TS(
    "at", "at") " FROM faults "
                "WHERE device_pk = $1 ORDER BY faults.at DESC, id DESC LIMIT $2 OFFSET $3";
static const char SQL_SESSIONS[] =
    "SELECT id, auth, cert_serial AS \"certSerial\", remote_addr AS \"remoteAddr\", to_json(events) AS events, "
    "cwmp_version AS \"cwmpVersion\", " TS("started_at", "startedAt") ", " TS(
        "ended_at",
        "endedAt") ", rpcs, "
                   "result FROM sessions WHERE device_pk = $1 ORDER BY started_at DESC, id DESC LIMIT $2 OFFSET $3";
static const char SQL_CR_INFO[] =
    "SELECT connection_request_url, cr_username, cr_password_enc FROM devices WHERE device_id = $1";

#define PROVIDER_COLS                                                                                          \
    "p.name, t.name AS tenant, p.sip_domain AS \"sipDomain\", p.registrar_host AS \"registrarHost\", "             \
    "p.registrar_port AS \"registrarPort\", p.proxy_host AS \"proxyHost\", p.proxy_port AS \"proxyPort\", "         \
    "p.outbound_proxy_host AS \"outboundProxyHost\", p.outbound_proxy_port AS \"outboundProxyPort\", p.transport, " \
    "p.allow_insecure_transport AS \"allowInsecureTransport\", p.srtp, "                                           \
    "p.registration_period AS \"registrationPeriod\", p.max_sessions_per_line AS \"maxSessionsPerLine\", "        \
    TS("p.created_at", "createdAt") " FROM sip_providers p JOIN tenants t ON t.id = p.tenant_id"
static const char SQL_PROVIDERS[] =
    "SELECT " PROVIDER_COLS " WHERE " SCOPE("p") " ORDER BY p.name, t.name LIMIT $2 OFFSET $3";
static const char SQL_PROVIDER[] = "SELECT " PROVIDER_COLS " WHERE p.name = $2 AND " SCOPE("p") " ORDER BY p.id LIMIT 1";
#define LINE_COLS                                                                                              \
    "l.e164, d.device_id AS device, l.line_index AS \"lineIndex\", p.name AS provider, "                          \
    "l.display_name AS \"displayName\", coalesce(l.max_sessions, p.max_sessions_per_line) AS \"maxSessions\", "    \
    "l.auth_username AS \"authUsername\", l.state, l.fault_code AS \"faultCode\", "                              \
    "l.fault_string AS \"faultString\", c.line_id IS NOT NULL AS \"passwordSet\", c.key_id AS \"keyId\", "      \
    TS("c.rotated_at", "passwordRotatedAt") ", " TS("l.created_at", "createdAt") ", "                             \
    TS("l.updated_at", "updatedAt") " FROM sip_lines l JOIN devices d ON d.id = l.device_pk "                     \
    "JOIN sip_providers p ON p.id = l.provider_id LEFT JOIN sip_credentials c ON c.line_id = l.id"
static const char SQL_LINES[] =
    "SELECT " LINE_COLS " WHERE starts_with(l.e164, $2) AND " SCOPE("l") " ORDER BY l.e164 LIMIT $3 OFFSET $4";
static const char SQL_LINE[] = "SELECT " LINE_COLS " WHERE l.e164 = $2 AND " SCOPE("l");
static const char SQL_DIRECTORY[] =
    "SELECT x.prefix, x.sip_uri AS \"sipUri\", x.ttl_s AS ttl, x.source, t.name AS tenant, " TS("x.created_at", "createdAt")
    " FROM e164_directory x JOIN tenants t ON t.id = x.tenant_id WHERE " SCOPE("x")
    " ORDER BY x.prefix, t.name LIMIT $2 OFFSET $3";

struct db *acs_nbi_db_connect(const struct cfg *cfg, char **errmsg)
{
    return db_connect_cfg_as(cfg, cfg_str(cfg, "nbi", "conninfo"), errmsg);
}

static json_t *cell(const PGresult *r, int row, int col)
{
    if (PQgetisnull(r, row, col))
        return json_null();
    const char *v = PQgetvalue(r, row, col);
    switch (PQftype(r, col)) {
    case OID_BOOL: return json_boolean(v[0] == 't');
    case OID_INT2:
    case OID_INT4:
    case OID_INT8: return json_integer(strtoll(v, NULL, 10));
    case OID_JSON:
    case OID_JSONB: return json_loads(v, JSON_DECODE_ANY, NULL);
    default: return json_string(v); /* NULL for invalid UTF-8: the caller fails the row */
    }
}

static json_t *row_object(const PGresult *r, int row)
{
    json_t *o = json_object();
    for (int c = 0; o && c < PQnfields(r); c++) {
        json_t *v = cell(r, row, c);
        if (!v || json_object_set_new(o, PQfname(r, c), v) < 0) {
            json_decref(o);
            return NULL;
        }
    }
    return o;
}

static json_t *rows_array(const PGresult *r, char **errmsg)
{
    json_t *a = json_array();
    for (int i = 0; a && i < PQntuples(r); i++) {
        if (json_array_append_new(a, row_object(r, i)) < 0) {
            json_decref(a);
            a = NULL;
        }
    }
    if (!a && errmsg && !*errmsg)
        *errmsg = strdup("cannot convert the rows to JSON");
    return a;
}

/* The statement with the caller's tenant as $1 and p as $2...; NULL on error (*errmsg). */
static PGresult *scoped(struct db *db, long tenant, const char *sql, int n, const char *const *p, char **errmsg)
{
    return db_exec_scoped(db, tenant, sql, n, p, errmsg);
}

static json_t *scoped_array(struct db *db, long tenant, const char *sql, int n, const char *const *p, char **errmsg)
{
    PGresult *r = scoped(db, tenant, sql, n, p, errmsg);
    if (!r)
        return NULL;
    json_t *a = rows_array(r, errmsg);
    PQclear(r);
    return a;
}

/* 0 when the statement finds a row, -ERR_NOENT when none, -ERR_DB. */
static int scoped_exists(struct db *db, long tenant, const char *sql, const char *key, char **errmsg)
{
    const char *p[1] = {key};
    PGresult *r = scoped(db, tenant, sql, 1, p, errmsg);
    if (!r)
        return -ERR_DB;
    int rc = PQntuples(r) > 0 ? 0 : -ERR_NOENT;
    PQclear(r);
    return rc;
}

int acs_nbi_db_device_in_scope(struct db *db, long tenant, const char *device_id, char **errmsg)
{
    return scoped_exists(db, tenant, SQL_DEVICE_IN_SCOPE, device_id, errmsg);
}

int acs_nbi_db_task_in_scope(struct db *db, long tenant, long task_id, char **errmsg)
{
    char ib[24];
    return scoped_exists(db, tenant, SQL_TASK_IN_SCOPE, NUM(ib, task_id), errmsg);
}

int acs_nbi_db_tenant_id(struct db *db, const char *name, long *id, char **errmsg)
{
    const char *p[1] = {name};
    PGresult *r = db_exec(db, SQL_TENANT_ID, 1, p, errmsg);
    if (!r)
        return -ERR_DB;
    int rc = PQntuples(r) == 1 ? 0 : -ERR_NOENT;
    *id = rc == 0 ? db_get_long(r, 0, 0) : 0;
    PQclear(r);
    return rc;
}

/* Run a query and convert all its rows. */
static json_t *query_array(struct db *db, const char *sql, int n, const char *const *p, char **errmsg)
{
    PGresult *r = db_exec(db, sql, n, p, errmsg);
    if (!r)
        return NULL;
    json_t *a = rows_array(r, errmsg);
    PQclear(r);
    return a;
}

static void hash_param(char out[67], const unsigned char hash[32])
{
    static const char hex[] = "0123456789abcdef";
    out[0] = '\\';
    out[1] = 'x';
    for (int i = 0; i < 32; i++) {
        out[2 + 2 * i] = hex[hash[i] >> 4];
        out[3 + 2 * i] = hex[hash[i] & 15];
    }
    out[66] = '\0';
}

int acs_nbi_db_token_lookup(struct db *db, const unsigned char hash[32], struct acs_nbi_token_info *out, char **errmsg)
{
    char hb[67];
    hash_param(hb, hash);
    const char *p[1] = {hb};
    memset(out, 0, sizeof *out);
    PGresult *r = db_exec(db, SQL_TOKEN_LOOKUP, 1, p, errmsg);
    if (!r)
        return -ERR_DB;
    int rc = PQntuples(r) == 1 ? 0 : -ERR_NOENT;
    if (rc == 0) {
        out->id = db_get_long(r, 0, 0);
        snprintf(out->name, sizeof out->name, "%s", PQgetvalue(r, 0, 1));
        out->role = acs_nbi_role_parse(PQgetvalue(r, 0, 2));
        out->expired = PQgetvalue(r, 0, 3)[0] == 't';
        out->revoked = PQgetvalue(r, 0, 4)[0] == 't';
        out->tenant = db_get_long(r, 0, 5);
    }
    PQclear(r);
    return rc;
}

int acs_nbi_db_token_insert(struct db *db, long tenant, const char *name, enum acs_nbi_role role,
                            const unsigned char hash[32], long ttl, const char *created_by, long *id, char **errmsg)
{
    char hb[67], tb[24];
    hash_param(hb, hash);
    const char *p[5] = {name, acs_nbi_role_str(role), hb, NUM(tb, ttl), created_by ? created_by : ""};
    PGresult *r = scoped(db, tenant, SQL_TOKEN_INSERT, 5, p, errmsg);
    if (!r)
        return -ERR_DB;
    *id = db_get_long(r, 0, 0);
    PQclear(r);
    return 0;
}

json_t *acs_nbi_db_tokens(struct db *db, long tenant, char **errmsg)
{
    return scoped_array(db, tenant, SQL_TOKENS, 0, NULL, errmsg);
}

int acs_nbi_db_token_revoke(struct db *db, long tenant, long id, char **errmsg)
{
    char ib[24];
    const char *p[1] = {NUM(ib, id)};
    PGresult *r = scoped(db, tenant, SQL_TOKEN_REVOKE, 1, p, errmsg);
    if (!r)
        return -ERR_DB;
    int rc = PQntuples(r) == 1 ? 0 : -ERR_NOENT;
    PQclear(r);
    return rc;
}

json_t *acs_nbi_db_devices(struct db *db, long tenant, const char *prefix, long limit, long offset, char **errmsg)
{
    char lb[24], ob[24];
    const char *p[3] = {prefix ? prefix : "", NUM(lb, limit), NUM(ob, offset)};
    return scoped_array(db, tenant, SQL_DEVICES, 3, p, errmsg);
}

static int device_params(struct db *db, const char *pk, const char *prefix, json_t *dev, char **errmsg)
{
    char mb[24];
    const char *p[3] = {pk, prefix ? prefix : "", NUM(mb, ACS_NBI_MAX_PARAMS + 1)};
    json_t *params = query_array(db, SQL_PARAMS, 3, p, errmsg);
    if (!params)
        return -ERR_DB;
    int truncated = json_array_size(params) > ACS_NBI_MAX_PARAMS;
    if (truncated)
        json_array_remove(params, ACS_NBI_MAX_PARAMS);
    acs_secret_redact(params);
    json_object_set_new(dev, "parameters", params);
    json_object_set_new(dev, "parametersTruncated", json_boolean(truncated));
    return 0;
}

int acs_nbi_db_device(struct db *db, const char *device_id, const char *param_prefix, json_t **out, char **errmsg)
{
    const char *p[1] = {device_id};
    *out = NULL;
    PGresult *r = db_exec(db, SQL_DEVICE, 1, p, errmsg);
    if (!r)
        return -ERR_DB;
    int rc = PQntuples(r) == 1 ? 0 : -ERR_NOENT;
    json_t *dev = rc == 0 ? row_object(r, 0) : NULL;
    if (rc == 0 && !dev)
        rc = -ERR_NOMEM;
    if (rc == 0) {
        json_object_del(dev, "_pk");
        rc = device_params(db, PQgetvalue(r, 0, 0), param_prefix, dev, errmsg);
    }
    PQclear(r);
    if (rc == 0)
        *out = dev;
    else
        json_decref(dev);
    return rc;
}

/* The device's primary key as text (pk has 24 bytes). */
static int device_pk(struct db *db, const char *device_id, char *pk, char **errmsg)
{
    const char *p[1] = {device_id};
    PGresult *r = db_exec(db, SQL_DEVICE_PK, 1, p, errmsg);
    if (!r)
        return -ERR_DB;
    int rc = PQntuples(r) == 1 ? 0 : -ERR_NOENT;
    if (rc == 0)
        snprintf(pk, 24, "%s", PQgetvalue(r, 0, 0));
    PQclear(r);
    return rc;
}

static void redact_tasks(json_t *tasks)
{
    size_t i;
    json_t *t;
    json_array_foreach(tasks, i, t)
    {
        json_t *red = acs_secret_args_redacted(json_string_value(json_object_get(t, "kind")), json_object_get(t, "args"));
        json_object_set_new(t, "args", red ? red : json_string("***"));
        acs_secret_redact(json_object_get(t, "args"));
        acs_secret_redact(json_object_get(t, "result"));
    }
}

int acs_nbi_db_device_tasks(struct db *db, const char *device_id, const char *state, long limit, long offset,
                            json_t **out, char **errmsg)
{
    char pk[24], lb[24], ob[24];
    int rc = device_pk(db, device_id, pk, errmsg);
    if (rc < 0)
        return rc;
    const char *p[4] = {pk, state ? state : "", NUM(lb, limit), NUM(ob, offset)};
    if (!(*out = query_array(db, SQL_TASKS, 4, p, errmsg)))
        return -ERR_DB;
    redact_tasks(*out);
    return 0;
}

static int device_list(struct db *db, const char *sql, const char *device_id, long limit, long offset, json_t **out,
                       char **errmsg)
{
    char pk[24], lb[24], ob[24];
    int rc = device_pk(db, device_id, pk, errmsg);
    if (rc < 0)
        return rc;
    const char *p[3] = {pk, NUM(lb, limit), NUM(ob, offset)};
    return (*out = query_array(db, sql, 3, p, errmsg)) ? 0 : -ERR_DB;
}

int acs_nbi_db_device_faults(struct db *db, const char *device_id, long limit, long offset, json_t **out, char **errmsg)
{
    return device_list(db, SQL_FAULTS, device_id, limit, offset, out, errmsg);
}

int acs_nbi_db_device_sessions(struct db *db, const char *device_id, long limit, long offset, json_t **out,
                               char **errmsg)
{
    return device_list(db, SQL_SESSIONS, device_id, limit, offset, out, errmsg);
}

json_t *acs_nbi_db_providers(struct db *db, long tenant, long limit, long offset, char **errmsg)
{
    char lb[24], ob[24];
    const char *p[2] = {NUM(lb, limit), NUM(ob, offset)};
    return scoped_array(db, tenant, SQL_PROVIDERS, 2, p, errmsg);
}

/* The one row of a scoped statement with one parameter as an object; -ERR_NOENT when none. */
static int scoped_one(struct db *db, long tenant, const char *sql, const char *key, json_t **out, char **errmsg)
{
    const char *p[1] = {key};
    json_t *a = scoped_array(db, tenant, sql, 1, p, errmsg);
    *out = NULL;
    if (!a)
        return -ERR_DB;
    int rc = json_array_size(a) == 1 ? 0 : -ERR_NOENT;
    if (rc == 0)
        *out = json_incref(json_array_get(a, 0));
    json_decref(a);
    return rc;
}

int acs_nbi_db_provider(struct db *db, long tenant, const char *name, json_t **out, char **errmsg)
{
    return scoped_one(db, tenant, SQL_PROVIDER, name, out, errmsg);
}

json_t *acs_nbi_db_lines(struct db *db, long tenant, const char *prefix, long limit, long offset, char **errmsg)
{
    char lb[24], ob[24];
    const char *p[3] = {prefix ? prefix : "", NUM(lb, limit), NUM(ob, offset)};
    return scoped_array(db, tenant, SQL_LINES, 3, p, errmsg);
}

int acs_nbi_db_line(struct db *db, long tenant, const char *e164, json_t **out, char **errmsg)
{
    return scoped_one(db, tenant, SQL_LINE, e164, out, errmsg);
}

json_t *acs_nbi_db_directory(struct db *db, long tenant, long limit, long offset, char **errmsg)
{
    char lb[24], ob[24];
    const char *p[2] = {NUM(lb, limit), NUM(ob, offset)};
    return scoped_array(db, tenant, SQL_DIRECTORY, 2, p, errmsg);
}

int acs_nbi_db_cr_info(struct db *db, const char *device_id, char *url, size_t url_n, char *user, size_t user_n,
                       unsigned char **enc, size_t *enc_len, char **errmsg)
{
    const char *p[1] = {device_id};
    *enc = NULL;
    *enc_len = 0;
    PGresult *r = db_exec(db, SQL_CR_INFO, 1, p, errmsg);
    if (!r)
        return -ERR_DB;
    int rc = PQntuples(r) == 1 ? 0 : -ERR_NOENT;
    if (rc == 0) {
        snprintf(url, url_n, "%s", PQgetvalue(r, 0, 0));
        snprintf(user, user_n, "%s", PQgetvalue(r, 0, 1));
        if (!PQgetisnull(r, 0, 2)) {
            unsigned char *raw = PQunescapeBytea((const unsigned char *)PQgetvalue(r, 0, 2), enc_len);
            if (raw && (*enc = malloc(*enc_len ? *enc_len : 1)))
                memcpy(*enc, raw, *enc_len);
            else
                rc = -ERR_NOMEM;
            PQfreemem(raw);
        }
    }
    PQclear(r);
    return rc;
}

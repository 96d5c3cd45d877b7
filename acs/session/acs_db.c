/* acs/session/acs_db.c — SQL for devices, the parameter cache and sessions. The statements of every
 * session are prepared once per connection (db_exec_prepared), and each step of a session is
 * one statement, so one round trip: the Inform (device, lease, sessions row, parameters) is
 * one upsert with data-modifying CTEs; closing a session is one statement too. Operator
 * commands (acsctl: auth mode, legacy credentials) run unprepared via db_exec. */
#include "acs_db.h"
#include "acs_devid.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"

#define NUM(buf, v) (snprintf((buf), sizeof(buf), "%ld", (long)(v)), (buf))

int acs_db_ensure(struct db *db)
{
    PGconn *c = db_conn(db);
    if (PQstatus(c) == CONNECTION_OK)
        return 0;
    PQreset(c);
    return PQstatus(c) == CONNECTION_OK ? 0 : -ERR_DB;
}

static const char SQL_DEVICE_CREATE[] =
    "INSERT INTO devices (device_id, oui, product_class, serial_number, manufacturer) "
    "VALUES ($1, $2, $3, $4, $5) ON CONFLICT (device_id) DO NOTHING";
/* The Inform in one statement, atomic on its own, committed asynchronously (see acs_db.h).
 * The device row is created or updated only when no live session holds its lease (the upsert
 * locks the row, so of two concurrent Informs the second sees the first one's lease); no row
 * back = busy, nothing written. The
 * sessions row id is drawn first so the device can point at it. BOOTSTRAP: cached params the
 * Inform does not carry are deleted and the ones it carries lose their writable flag (the
 * two sets are disjoint: one statement must not touch a row twice). */
/* A device belongs to the tenant of the issuer of its certificate (NULL without one). */
#define SQL_CERT_TENANT(SERIAL)                                                                                        \
    "SELECT a.tenant_id FROM certificates c JOIN ca_authorities a ON a.id = c.issuer_id WHERE c.serial = " SERIAL
/* Why an Inform stored nothing: the certificate's tenant is not the device's (else: busy). */
static const char SQL_TENANT_MISMATCH[] =
    "SELECT 1 FROM devices d WHERE d.device_id = $1 AND d.tenant_id IS DISTINCT FROM (" SQL_CERT_TENANT("$2") ")"
    " AND d.tenant_id IS NOT NULL AND (" SQL_CERT_TENANT("$2") ") IS NOT NULL";
static const char SQL_INFORM[] =
    "WITH sid AS (SELECT nextval('sessions_id_seq'::regclass) AS id), " ACS_DB_ASYNC_COMMIT_CTE
    "dev AS ("
    " INSERT INTO devices AS d (device_id, oui, product_class, serial_number, manufacturer, root_object, cwmp_version,"
    "  software_version, hardware_version, connection_request_url, periodic_interval, last_inform, last_boot,"
    "  last_events, session_row, session_lease_until, tenant_id)"
    " SELECT $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11::int, now(), CASE WHEN $12::boolean THEN now() END,"
    "  ARRAY(SELECT jsonb_array_elements_text($13::jsonb)), sid.id, now() + make_interval(secs => $15::int),"
    "  (" SQL_CERT_TENANT("$17") ") FROM sid"
    " ON CONFLICT (device_id) DO UPDATE SET manufacturer = EXCLUDED.manufacturer, root_object = EXCLUDED.root_object,"
    "  cwmp_version = EXCLUDED.cwmp_version,"
    "  software_version = coalesce(nullif(EXCLUDED.software_version, ''), d.software_version),"
    "  hardware_version = coalesce(nullif(EXCLUDED.hardware_version, ''), d.hardware_version),"
    "  connection_request_url = coalesce(nullif(EXCLUDED.connection_request_url, ''), d.connection_request_url),"
    "  periodic_interval = coalesce(EXCLUDED.periodic_interval, d.periodic_interval), last_inform = now(),"
    "  last_boot = CASE WHEN $12::boolean THEN now() ELSE d.last_boot END, last_events = EXCLUDED.last_events,"
    "  cr_credentials_set = d.cr_credentials_set AND NOT $14::boolean, session_row = EXCLUDED.session_row,"
    "  session_lease_until = EXCLUDED.session_lease_until, updated_at = now(),"
    "  tenant_id = coalesce(d.tenant_id, EXCLUDED.tenant_id)"
    " WHERE NOT (d.session_row IS NOT NULL AND d.session_lease_until > now())"
    "  AND (d.tenant_id IS NULL OR EXCLUDED.tenant_id IS NULL OR d.tenant_id = EXCLUDED.tenant_id)"
    " RETURNING d.id, d.cr_credentials_set), "
    "ses AS ("
    " INSERT INTO sessions (id, device_pk, claimed_id, auth, cert_serial, remote_addr, events, cwmp_version)"
    " SELECT sid.id, dev.id, $1, $16, nullif($17, ''), $18, ARRAY(SELECT jsonb_array_elements_text($13::jsonb)), $7"
    " FROM dev, sid RETURNING id), "
    "px AS (SELECT DISTINCT ON (x.name) x.name, coalesce(x.value, '') AS value, coalesce(x.type, 'xsd:string') AS type"
    " FROM jsonb_to_recordset($19::jsonb) AS x(name text, value text, type text) WHERE x.name IS NOT NULL), "
    "clr AS ("
    " DELETE FROM device_params p USING dev WHERE $14::boolean AND p.device_pk = dev.id"
    " AND NOT EXISTS (SELECT 1 FROM px WHERE px.name = p.name)), "
    "par AS ("
    " INSERT INTO device_params AS p (device_pk, name, value, xsd_type) SELECT dev.id, px.name, px.value, px.type"
    " FROM dev, px ON CONFLICT (device_pk, name) DO UPDATE SET value = EXCLUDED.value, xsd_type = EXCLUDED.xsd_type,"
    "  writable = CASE WHEN $14::boolean THEN NULL ELSE p.writable END, updated_at = now()) "
    "SELECT dev.id, dev.cr_credentials_set, ses.id FROM dev, ses, async";
static const char SQL_PARAMS_UPSERT[] =
    "INSERT INTO device_params (device_pk, name, value, xsd_type) "
    "SELECT DISTINCT ON (x.name) $1::bigint, x.name, coalesce(x.value, ''), coalesce(x.type, 'xsd:string') "
    "FROM jsonb_to_recordset($2::jsonb) AS x(name text, value text, type text) WHERE x.name IS NOT NULL "
    "ON CONFLICT (device_pk, name) DO UPDATE SET value = EXCLUDED.value, xsd_type = EXCLUDED.xsd_type, "
    "updated_at = now()";
static const char SQL_PARAMS_WRITABLE[] =
    "UPDATE device_params d SET writable = x.writable FROM jsonb_to_recordset($2::jsonb) AS x(name text, "
    "writable boolean) WHERE d.device_pk = $1 AND d.name = x.name";
static const char SQL_SESSION_REFUSED[] =
    "INSERT INTO sessions (claimed_id, auth, cert_serial, remote_addr, events, cwmp_version, ended_at, result) "
    "VALUES ($1, $2, nullif($3, ''), $4, ARRAY(SELECT jsonb_array_elements_text($5::jsonb)), $6, now(), $7)";
/* Close the sessions row and release the lease it holds, in one statement (async commit). */
static const char SQL_SESSION_END[] =
    "WITH " ACS_DB_ASYNC_COMMIT_CTE "s AS (UPDATE sessions SET ended_at = now(), rpcs = $2, result = $3 WHERE id = $1) "
    "UPDATE devices SET session_row = NULL, session_lease_until = NULL FROM async "
    "WHERE id = $4 AND session_row = $1";
static const char SQL_CR_STORE[] =
    "UPDATE devices SET cr_username = $2, cr_password_enc = decode($3, 'hex'), cr_credentials_set = true, "
    "updated_at = now() WHERE id = $1";

int acs_db_inform(struct db *db, const struct acs_db_inform *in, long *device_pk, long *session_row, int *cr_set,
                  char **errmsg)
{
    char ib[24], lb[24];
    const char *p[19] = {in->device_id,
                         in->oui,
                         in->product_class,
                         in->serial,
                         in->manufacturer,
                         in->root_object,
                         in->cwmp_version,
                         in->software_version,
                         in->hardware_version,
                         in->cr_url,
                         in->periodic_interval >= 0 ? NUM(ib, in->periodic_interval) : NULL,
                         in->boot ? "true" : "false",
                         in->events_json,
                         in->bootstrap ? "true" : "false",
                         NUM(lb, in->lease_seconds),
                         in->auth,
                         in->cert_serial,
                         in->remote,
                         in->params_json && *in->params_json ? in->params_json : "[]"};
    PGresult *r = db_exec_prepared(db, SQL_INFORM, 19, p, errmsg);
    if (!r)
        return -ERR_DB;
    int rc = PQntuples(r) == 1 ? 0 : -ERR_EXIST;
    if (rc == -ERR_EXIST && in->cert_serial && *in->cert_serial) {
        const char *q[2] = {in->device_id, in->cert_serial};
        PGresult *t = db_exec(db, SQL_TENANT_MISMATCH, 2, q, errmsg);
        if (!t)
            rc = -ERR_DB;
        else if (PQntuples(t) > 0)
            rc = -ERR_PERM;
        PQclear(t);
    }
    if (rc == 0) {
        *device_pk = db_get_long(r, 0, 0);
        *cr_set = PQgetvalue(r, 0, 1)[0] == 't';
        *session_row = db_get_long(r, 0, 2);
    }
    PQclear(r);
    return rc;
}

int acs_db_params_upsert(struct db *db, long device_pk, const char *params_json, char **errmsg)
{
    char pkb[24];
    const char *p[2] = {NUM(pkb, device_pk), params_json};
    if (!params_json || !strcmp(params_json, "[]"))
        return 0;
    return db_run_prepared(db, SQL_PARAMS_UPSERT, 2, p, errmsg) < 0 ? -ERR_DB : 0;
}

int acs_db_params_writable(struct db *db, long device_pk, const char *params_json, char **errmsg)
{
    char pkb[24];
    const char *p[2] = {NUM(pkb, device_pk), params_json};
    return db_run_prepared(db, SQL_PARAMS_WRITABLE, 2, p, errmsg) < 0 ? -ERR_DB : 0;
}

int acs_db_session_refused(struct db *db, const char *claimed_id, const char *auth, const char *cert_serial,
                           const char *remote, const char *events_json, const char *version, const char *result,
                           char **errmsg)
{
    const char *p[7] = {claimed_id, auth, cert_serial ? cert_serial : "", remote, events_json ? events_json : "[]",
                        version ? version : "", result};
    return db_run_prepared(db, SQL_SESSION_REFUSED, 7, p, errmsg) < 0 ? -ERR_DB : 0;
}

int acs_db_session_end(struct db *db, long session_row, long device_pk, int rpcs, const char *result, char **errmsg)
{
    char sb[24], rb[24], pkb[24];
    const char *p[4] = {NUM(sb, session_row), NUM(rb, rpcs), result, NUM(pkb, device_pk)};
    return db_run_prepared(db, SQL_SESSION_END, 4, p, errmsg) < 0 ? -ERR_DB : 0;
}

int acs_db_cr_credentials_store(struct db *db, long device_pk, const char *user, const unsigned char *sealed,
                                size_t sealed_len, char **errmsg)
{
    static const char hex[] = "0123456789abcdef";
    char pkb[24], *hx = malloc(2 * sealed_len + 1);
    if (!hx)
        return -ERR_NOMEM;
    for (size_t i = 0; i < sealed_len; i++) {
        hx[2 * i] = hex[sealed[i] >> 4];
        hx[2 * i + 1] = hex[sealed[i] & 15];
    }
    hx[2 * sealed_len] = '\0';
    const char *p[3] = {NUM(pkb, device_pk), user, hx};
    int rc = db_run_prepared(db, SQL_CR_STORE, 3, p, errmsg) < 0 ? -ERR_DB : 0;
    free(hx);
    return rc;
}

static const char SQL_LEGACY_LOOKUP[] =
    "SELECT device_id, auth_mode, coalesce(legacy_ha1, ''), coalesce(legacy_password_hash, '') FROM devices "
    "WHERE legacy_username = $1";
static const char SQL_SET_AUTH[] = "UPDATE devices SET auth_mode = $2, updated_at = now() WHERE device_id = $1";
static const char SQL_LEGACY_SET[] =
    "UPDATE devices SET legacy_username = $2, legacy_ha1 = $3, legacy_password_hash = $4, updated_at = now() "
    "WHERE device_id = $1";

int acs_db_legacy_lookup(struct db *db, const char *user, struct acs_db_legacy *out, char **errmsg)
{
    const char *p[1] = {user};
    memset(out, 0, sizeof *out);
    PGresult *r = db_exec_prepared(db, SQL_LEGACY_LOOKUP, 1, p, errmsg);
    if (!r)
        return -ERR_DB;
    int rc = PQntuples(r) == 1;
    if (rc) {
        snprintf(out->device_id, sizeof out->device_id, "%s", PQgetvalue(r, 0, 0));
        snprintf(out->auth_mode, sizeof out->auth_mode, "%s", PQgetvalue(r, 0, 1));
        snprintf(out->ha1, sizeof out->ha1, "%s", PQgetvalue(r, 0, 2));
        snprintf(out->password_hash, sizeof out->password_hash, "%s", PQgetvalue(r, 0, 3));
    }
    PQclear(r);
    return rc;
}

int acs_db_device_set_auth(struct db *db, const char *device_id, const char *mode, char **errmsg)
{
    const char *p[2] = {device_id, mode};
    PGresult *r = db_exec(db, SQL_SET_AUTH, 2, p, errmsg);
    if (!r)
        return -ERR_DB;
    long n = strtol(PQcmdTuples(r), NULL, 10);
    PQclear(r);
    return n == 1 ? 0 : -ERR_NOENT;
}

static const char SQL_DEVICE_MATCH[] =
    "SELECT device_id FROM devices WHERE device_id = ANY($1::text[]) ORDER BY device_id LIMIT 2";

int acs_db_device_resolve(struct db *db, const char *typed, char *out, size_t n, char **errmsg)
{
    char cand[ACS_DEVID_MAX_CANDIDATES][ACS_DEVID_MAX + 1];
    int k = acs_devid_candidates(typed, cand, ACS_DEVID_MAX_CANDIDATES);
    if (k < 0 || n <= strlen(cand[0]))
        return err_fail(errmsg, -ERR_INVAL, "a device id is OUI-ProductClass-SerialNumber or OUI-SerialNumber");
    snprintf(out, n, "%s", cand[0]);
    if (k == 1 || !db)
        return 0;
    /* the candidates hold [A-Za-z0-9._~+:%-] only: safe inside a quoted array element */
    char arr[ACS_DEVID_MAX_CANDIDATES * (ACS_DEVID_MAX + 3) + 3];
    size_t at = 0;
    arr[at++] = '{';
    for (int i = 0; i < k; i++)
        at += (size_t)snprintf(arr + at, sizeof arr - at, "%s\"%s\"", i ? "," : "", cand[i]);
    snprintf(arr + at, sizeof arr - at, "}");
    const char *p[1] = {arr};
    PGresult *r = db_exec(db, SQL_DEVICE_MATCH, 1, p, errmsg);
    if (!r)
        return -ERR_DB;
    int rows = PQntuples(r), rc = 0;
    if (rows == 1)
        snprintf(out, n, "%s", PQgetvalue(r, 0, 0));
    else if (rows > 1)
        rc = err_fail(errmsg, -ERR_EXIST,
                      "ambiguous device id: %s and %s exist; write a '-' inside ProductClass or SerialNumber as %%2D",
                      PQgetvalue(r, 0, 0), PQgetvalue(r, 1, 0));
    PQclear(r);
    return rc;
}

/* Split OUI-ProductClass-Serial (or OUI-Serial) into percent-decoded parts. */
static int id_parts(const char *id, char parts[3][128])
{
    char seg[3][128];
    int n = 0;
    size_t o = 0;
    for (const char *p = id;; p++) {
        if (*p == '-' || !*p) {
            if (n >= 3 || o == 0)
                return -ERR_INVAL;
            seg[n++][o] = '\0';
            o = 0;
            if (!*p)
                break;
            continue;
        }
        if (n >= 3 || o + 1 >= sizeof seg[0])
            return -ERR_INVAL;
        unsigned int v;
        if (*p == '%' && isxdigit((unsigned char)p[1]) && isxdigit((unsigned char)p[2]) &&
            sscanf(p + 1, "%2x", &v) == 1) {
            seg[n][o++] = (char)v;
            p += 2;
        } else {
            seg[n][o++] = *p;
        }
    }
    if (n < 2)
        return -ERR_INVAL;
    snprintf(parts[0], 128, "%s", seg[0]);
    snprintf(parts[1], 128, "%s", n == 3 ? seg[1] : "");
    snprintf(parts[2], 128, "%s", seg[n - 1]);
    return 0;
}

int acs_db_device_set_legacy(struct db *db, const char *device_id, const char *user, const char *ha1,
                             const char *password_hash, char **errmsg)
{
    char parts[3][128];
    if (id_parts(device_id, parts) < 0) {
        if (errmsg && !*errmsg)
            *errmsg = strdup("a device id is OUI-ProductClass-SerialNumber or OUI-SerialNumber");
        return -ERR_INVAL;
    }
    const char *c[5] = {device_id, parts[0], parts[1], parts[2], ""};
    const char *p[4] = {device_id, user, ha1, password_hash};
    if (db_run(db, SQL_DEVICE_CREATE, 5, c, errmsg) < 0)
        return -ERR_DB;
    PGresult *r = db_exec(db, SQL_LEGACY_SET, 4, p, errmsg);
    if (!r)
        return db_last_sqlstate(db) && !strcmp(db_last_sqlstate(db), "23505") ? -ERR_EXIST : -ERR_DB;
    PQclear(r);
    return 0;
}

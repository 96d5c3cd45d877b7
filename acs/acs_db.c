/* acs/acs_db.c — SQL for devices, the parameter cache and sessions (PQexecParams via db_exec). */
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
static const char SQL_DEVICE_LOCK[] =
    "SELECT id, (session_row IS NOT NULL AND session_lease_until > now()) FROM devices "
    "WHERE device_id = $1 FOR UPDATE";
static const char SQL_SESSION_NEW[] =
    "INSERT INTO sessions (device_pk, claimed_id, auth, cert_serial, remote_addr, events, cwmp_version) "
    "VALUES ($1, $2, $3, nullif($4, ''), $5, ARRAY(SELECT jsonb_array_elements_text($6::jsonb)), $7) RETURNING id";
static const char SQL_PARAMS_CLEAR[] = "DELETE FROM device_params WHERE device_pk = $1";
static const char SQL_DEVICE_UPDATE[] =
    "UPDATE devices SET manufacturer = $2, root_object = $3, cwmp_version = $4, "
    " software_version = coalesce(nullif($5, ''), software_version), "
    " hardware_version = coalesce(nullif($6, ''), hardware_version), "
    " connection_request_url = coalesce(nullif($7, ''), connection_request_url), "
    " periodic_interval = coalesce($8::int, periodic_interval), last_inform = now(), "
    " last_boot = CASE WHEN $9::boolean THEN now() ELSE last_boot END, "
    " last_events = ARRAY(SELECT jsonb_array_elements_text($10::jsonb)), "
    " cr_credentials_set = cr_credentials_set AND NOT $11::boolean, "
    " session_row = $12, session_lease_until = now() + make_interval(secs => $13::int), updated_at = now() "
    "WHERE id = $1 RETURNING cr_credentials_set";
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
static const char SQL_SESSION_END[] = "UPDATE sessions SET ended_at = now(), rpcs = $2, result = $3 WHERE id = $1";
static const char SQL_CR_STORE[] =
    "UPDATE devices SET cr_username = $2, cr_password_enc = decode($3, 'hex'), cr_credentials_set = true, "
    "updated_at = now() WHERE id = $1";
static const char SQL_LEASE_RELEASE[] =
    "UPDATE devices SET session_row = NULL, session_lease_until = NULL WHERE id = $1 AND session_row = $2";

/* Create or lock the device row: 1 when another live session holds it. */
static int lock_device(struct db *db, const struct acs_db_inform *in, long *pk, char **errmsg)
{
    const char *p[5] = {in->device_id, in->oui, in->product_class, in->serial, in->manufacturer};
    if (db_run(db, SQL_DEVICE_CREATE, 5, p, errmsg) < 0)
        return -ERR_DB;
    PGresult *r = db_exec(db, SQL_DEVICE_LOCK, 1, p, errmsg);
    if (!r)
        return -ERR_DB;
    int rc = PQntuples(r) == 1 ? 0 : -ERR_DB;
    if (rc == 0) {
        *pk = db_get_long(r, 0, 0);
        rc = PQgetvalue(r, 0, 1)[0] == 't' ? 1 : 0;
    }
    PQclear(r);
    return rc;
}

/* 0 with *cr_set = devices.cr_credentials_set after the update. */
static int update_device(struct db *db, const struct acs_db_inform *in, long pk, long session, int *cr_set,
                         char **errmsg)
{
    char pkb[24], sb[24], lb[24], ib[24];
    const char *p[13] = {NUM(pkb, pk),
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
                         NUM(sb, session),
                         NUM(lb, in->lease_seconds)};
    if (in->bootstrap && db_run(db, SQL_PARAMS_CLEAR, 1, p, errmsg) < 0)
        return -ERR_DB;
    PGresult *r = db_exec(db, SQL_DEVICE_UPDATE, 13, p, errmsg);
    if (!r || PQntuples(r) != 1) {
        PQclear(r);
        return -ERR_DB;
    }
    *cr_set = PQgetvalue(r, 0, 0)[0] == 't';
    PQclear(r);
    return 0;
}

int acs_db_inform(struct db *db, const struct acs_db_inform *in, long *device_pk, long *session_row, int *cr_set,
                  char **errmsg)
{
    char pkb[24];
    int rc = db_begin(db, errmsg);
    if (rc < 0)
        return -ERR_DB;
    if ((rc = lock_device(db, in, device_pk, errmsg)) != 0) {
        db_rollback(db);
        return rc > 0 ? -ERR_EXIST : rc;
    }
    const char *p[7] = {NUM(pkb, *device_pk), in->device_id,  in->auth,         in->cert_serial,
                        in->remote,           in->events_json, in->cwmp_version};
    PGresult *r = db_exec(db, SQL_SESSION_NEW, 7, p, errmsg);
    if (!r || PQntuples(r) != 1) {
        PQclear(r);
        db_rollback(db);
        return -ERR_DB;
    }
    *session_row = db_get_long(r, 0, 0);
    PQclear(r);
    if ((rc = update_device(db, in, *device_pk, *session_row, cr_set, errmsg)) < 0 ||
        (rc = acs_db_params_upsert(db, *device_pk, in->params_json, errmsg)) < 0 ||
        (rc = db_commit(db, errmsg)) < 0) {
        db_rollback(db);
        return -ERR_DB;
    }
    return 0;
}

int acs_db_params_upsert(struct db *db, long device_pk, const char *params_json, char **errmsg)
{
    char pkb[24];
    const char *p[2] = {NUM(pkb, device_pk), params_json};
    if (!params_json || !strcmp(params_json, "[]"))
        return 0;
    return db_run(db, SQL_PARAMS_UPSERT, 2, p, errmsg) < 0 ? -ERR_DB : 0;
}

int acs_db_params_writable(struct db *db, long device_pk, const char *params_json, char **errmsg)
{
    char pkb[24];
    const char *p[2] = {NUM(pkb, device_pk), params_json};
    return db_run(db, SQL_PARAMS_WRITABLE, 2, p, errmsg) < 0 ? -ERR_DB : 0;
}

int acs_db_session_refused(struct db *db, const char *claimed_id, const char *auth, const char *cert_serial,
                           const char *remote, const char *events_json, const char *version, const char *result,
                           char **errmsg)
{
    const char *p[7] = {claimed_id, auth, cert_serial ? cert_serial : "", remote, events_json ? events_json : "[]",
                        version ? version : "", result};
    return db_run(db, SQL_SESSION_REFUSED, 7, p, errmsg) < 0 ? -ERR_DB : 0;
}

int acs_db_session_end(struct db *db, long session_row, long device_pk, int rpcs, const char *result, char **errmsg)
{
    char sb[24], rb[24], pkb[24];
    const char *p[3] = {NUM(sb, session_row), NUM(rb, rpcs), result};
    const char *q[2] = {NUM(pkb, device_pk), sb};
    if (db_run(db, SQL_SESSION_END, 3, p, errmsg) < 0 || db_run(db, SQL_LEASE_RELEASE, 2, q, errmsg) < 0)
        return -ERR_DB;
    return 0;
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
    int rc = db_run(db, SQL_CR_STORE, 3, p, errmsg) < 0 ? -ERR_DB : 0;
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
    PGresult *r = db_exec(db, SQL_LEGACY_LOOKUP, 1, p, errmsg);
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

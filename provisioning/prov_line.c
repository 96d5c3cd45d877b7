/* provisioning/prov_line.c — SIP lines: validation, creation with a sealed credential, CSV
 * import, removal and password rotation (db/0014). */
#include "prov_line.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "prov_vault.h"
#include "secret.h"

#define SCOPE(alias) "($1::int = 0 OR " alias ".tenant_id = $1::int)"
#define NUM(buf, v) (snprintf((buf), sizeof(buf), "%ld", (long)(v)), (buf))

static const char SQL_DEVICE[] = "SELECT d.id, d.tenant_id FROM devices d WHERE d.device_id = $2 AND " SCOPE("d");
static const char SQL_PROVIDER[] =
    "SELECT p.id, p.max_sessions_per_line FROM sip_providers p WHERE p.name = $1 AND p.tenant_id = $2::int";
static const char SQL_INDEX_TAKEN[] = "SELECT 1 FROM sip_lines WHERE device_pk = $1::bigint AND line_index = $2::int";
static const char SQL_E164_TAKEN[] = "SELECT 1 FROM sip_lines WHERE e164 = $1";
static const char SQL_LINE_INSERT[] =
    "INSERT INTO sip_lines (tenant_id, e164, device_pk, line_index, provider_id, display_name, max_sessions, "
    "auth_username) VALUES ($1::int, $2, $3::bigint, $4::int, $5::int, $6, nullif($7::int, 0), $8) RETURNING id";
static const char SQL_CRED_INSERT[] =
    "INSERT INTO sip_credentials (line_id, key_id, ciphertext) VALUES ($1::bigint, $2::bigint, $3::bytea)";
static const char SQL_LINE_REMOVE[] =
    "UPDATE sip_lines l SET state = 'removing', updated_at = now() WHERE l.e164 = $2 AND " SCOPE("l") " RETURNING id";
static const char SQL_LINE_LOCK[] = "SELECT l.id FROM sip_lines l WHERE l.e164 = $2 AND " SCOPE("l") " FOR UPDATE";
static const char SQL_CRED_UPDATE[] =
    "UPDATE sip_credentials SET key_id = $2::bigint, ciphertext = $3::bytea, rotated_at = now() "
    "WHERE line_id = $1::bigint";
static const char SQL_LINE_PENDING[] =
    "UPDATE sip_lines SET state = 'pending', fault_code = NULL, fault_string = NULL, updated_at = now() "
    "WHERE id = $1::bigint";

/* The checks of the fields that need no database. */
static int check_fields(struct prov_line_req *l, const char *e164_in, struct prov_err *e)
{
    if (prov_e164_canonical(e164_in, l->e164, sizeof l->e164) < 0)
        return prov_err_set(e, "e164", "\"e164\" is not an E.164 number (+ and 8..15 digits, the first not 0)");
    if (!*l->device || strpbrk(l->device, "\"\\\r\n\t,"))
        return prov_err_set(e, "device", "\"device\" must be a device id");
    if (l->line_index < 1 || l->line_index > PROV_LINE_INDEX_MAX)
        return prov_err_set(e, "lineIndex", "\"lineIndex\" must be 1..%d", PROV_LINE_INDEX_MAX);
    if (!prov_name_valid(l->provider))
        return prov_err_set(e, "provider", "\"provider\" must be a provider name");
    for (const char *p = l->display_name; *p; p++)
        if ((unsigned char)*p < 0x20 || *p == 0x7f || *p == '"' || *p == '\\')
            return prov_err_set(e, "displayName", "\"displayName\" must be printable, without quotes or backslash");
    if (!*l->auth_username)
        snprintf(l->auth_username, sizeof l->auth_username, "%s", l->e164 + 1);
    size_t n = strlen(l->auth_username);
    if (strspn(l->auth_username, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+._-") != n)
        return prov_err_set(e, "authUsername", "\"authUsername\" must be 1..64 of A-Z a-z 0-9 + . _ -");
    return 0;
}

int prov_line_parse(json_t *o, struct prov_line_req *l, struct prov_err *e)
{
    static const char *const names[] = {"e164",        "device",      "lineIndex",    "provider",
                                        "displayName", "maxSessions", "authUsername", NULL};
    char e164[64] = "";
    memset(l, 0, sizeof *l);
    if (prov_json_members(o, names, e) < 0)
        return -ERR_INVAL;
    if (prov_json_str(o, "e164", e164, sizeof e164, 1, e) < 0 ||
        prov_json_str(o, "device", l->device, sizeof l->device, 1, e) < 0 ||
        prov_json_str(o, "provider", l->provider, sizeof l->provider, 1, e) < 0 ||
        prov_json_str(o, "displayName", l->display_name, sizeof l->display_name, 0, e) < 0 ||
        prov_json_str(o, "authUsername", l->auth_username, sizeof l->auth_username, 0, e) < 0)
        return -ERR_INVAL;
    json_t *li = json_object_get(o, "lineIndex");
    if (!json_is_integer(li) || json_integer_value(li) < 1 || json_integer_value(li) > PROV_LINE_INDEX_MAX)
        return prov_err_set(e, "lineIndex", "\"lineIndex\" must be 1..%d", PROV_LINE_INDEX_MAX);
    l->line_index = (int)json_integer_value(li);
    json_t *ms = json_object_get(o, "maxSessions");
    if (ms && (!json_is_integer(ms) || json_integer_value(ms) < 1 || json_integer_value(ms) > 64))
        return prov_err_set(e, "maxSessions", "\"maxSessions\" must be 1..64");
    l->max_sessions = ms ? (int)json_integer_value(ms) : 0;
    return check_fields(l, e164, e);
}

int prov_line_from_text(const char *e164, const char *device, const char *index, const char *provider,
                        const char *display, struct prov_line_req *l, struct prov_err *e)
{
    memset(l, 0, sizeof *l);
    if (!device || strlen(device) > PROV_DEVID_MAX)
        return prov_err_set(e, "device", "\"device\" must be a device id");
    snprintf(l->device, sizeof l->device, "%s", device);
    char *end = NULL;
    long v = index && isdigit((unsigned char)*index) ? strtol(index, &end, 10) : 0;
    if (!end || *end || v < 1 || v > PROV_LINE_INDEX_MAX)
        return prov_err_set(e, "lineIndex", "\"lineIndex\" must be 1..%d", PROV_LINE_INDEX_MAX);
    l->line_index = (int)v;
    if (!provider || strlen(provider) > PROV_NAME_MAX)
        return prov_err_set(e, "provider", "\"provider\" must be a provider name");
    snprintf(l->provider, sizeof l->provider, "%s", provider);
    if (display && strlen(display) > PROV_DISPLAY_MAX)
        return prov_err_set(e, "displayName", "\"displayName\" must be at most %d characters", PROV_DISPLAY_MAX);
    snprintf(l->display_name, sizeof l->display_name, "%s", display ? display : "");
    return check_fields(l, e164 ? e164 : "", e);
}

/* bytea as a text parameter ("\x..."); malloc'd. */
static char *bytea_param(const unsigned char *b, size_t n)
{
    static const char hex[] = "0123456789abcdef";
    char *s = malloc(2 * n + 3);
    if (!s)
        return NULL;
    s[0] = '\\', s[1] = 'x';
    for (size_t i = 0; i < n; i++) {
        s[2 + 2 * i] = hex[b[i] >> 4];
        s[3 + 2 * i] = hex[b[i] & 15];
    }
    s[2 + 2 * n] = '\0';
    return s;
}

/* A fresh password sealed for the line, as the key id and bytea parameters. */
static int fresh_credential(const struct secret_key *k, long line_id, const char *e164, char kb[24], char **ct)
{
    char pass[PROV_VAULT_PASS_LEN + 1];
    unsigned char *sealed = NULL;
    size_t len = 0;
    long key_id = 0;
    int rc = prov_vault_password(pass, sizeof pass);
    if (rc == 0)
        rc = prov_vault_seal(k, line_id, e164, pass, &sealed, &len, &key_id);
    OPENSSL_cleanse(pass, sizeof pass); /* the plaintext lives only here, until a push opens it */
    if (rc < 0)
        return rc;
    snprintf(kb, 24, "%ld", key_id);
    *ct = bytea_param(sealed, len);
    free(sealed);
    return *ct ? 0 : -ERR_NOMEM;
}

/* Does the query find a row? 1, 0, or -ERR_DB. */
static int exists(struct db *db, const char *sql, int n, const char *const *p, char **errmsg)
{
    PGresult *r = db_exec(db, sql, n, p, errmsg);
    if (!r)
        return -ERR_DB;
    int found = PQntuples(r) > 0;
    PQclear(r);
    return found;
}

/* Validate against the database and insert (inside the caller's transaction). */
static int create_in_tx(struct db *db, long tenant, const struct secret_key *k, const struct prov_line_req *l, long *id,
                        struct prov_err *e, char **errmsg)
{
    char dev_pk[24], dev_tenant[24], prov_id[24], ib[24], mb[24], lb[24], kb[24];
    const char *p[1] = {l->device};
    PGresult *r = db_exec_scoped(db, tenant, SQL_DEVICE, 1, p, errmsg);
    if (!r)
        return -ERR_DB;
    if (PQntuples(r) != 1 || PQgetisnull(r, 0, 1)) { /* a device of another tenant is unknown too */
        PQclear(r);
        return prov_err_set(e, "device", "unknown device %s", l->device);
    }
    snprintf(dev_pk, sizeof dev_pk, "%s", PQgetvalue(r, 0, 0));
    snprintf(dev_tenant, sizeof dev_tenant, "%s", PQgetvalue(r, 0, 1));
    PQclear(r);
    const char *pp[2] = {l->provider, dev_tenant};
    if (!(r = db_exec(db, SQL_PROVIDER, 2, pp, errmsg)))
        return -ERR_DB;
    if (PQntuples(r) != 1) {
        PQclear(r);
        return prov_err_set(e, "provider", "unknown provider %s in the device's tenant", l->provider);
    }
    snprintf(prov_id, sizeof prov_id, "%s", PQgetvalue(r, 0, 0));
    long prov_max = db_get_long(r, 0, 1);
    PQclear(r);
    if (l->max_sessions > prov_max)
        return prov_err_set(e, "maxSessions", "\"maxSessions\" %d is above the provider's limit of %ld per line",
                            l->max_sessions, prov_max);
    const char *ip[2] = {dev_pk, NUM(ib, l->line_index)};
    int taken = exists(db, SQL_INDEX_TAKEN, 2, ip, errmsg);
    if (taken < 0)
        return taken;
    if (taken)
        return prov_err_set(e, "lineIndex", "line index %d is taken on device %s", l->line_index, l->device);
    const char *ep[1] = {l->e164};
    if ((taken = exists(db, SQL_E164_TAKEN, 1, ep, errmsg)) < 0)
        return taken;
    if (taken)
        return prov_err_set(e, "e164", "%s is already a line", l->e164);
    const char *lp[7] = {l->e164, dev_pk, ib, prov_id, l->display_name, NUM(mb, l->max_sessions), l->auth_username};
    if (!(r = db_exec_scoped(db, atol(dev_tenant), SQL_LINE_INSERT, 7, lp, errmsg)))
        return -ERR_DB;
    long line_id = db_get_long(r, 0, 0);
    PQclear(r);
    char *ct = NULL;
    int rc = fresh_credential(k, line_id, l->e164, kb, &ct);
    if (rc < 0)
        return err_fail(errmsg, rc, "%s", "cannot seal the line's password");
    const char *cp[3] = {NUM(lb, line_id), kb, ct};
    rc = db_run(db, SQL_CRED_INSERT, 3, cp, errmsg);
    free(ct);
    if (rc == 0 && id)
        *id = line_id;
    return rc;
}

static int need_key(const struct secret_key *k, char **errmsg)
{
    return k ? 0 : err_fail(errmsg, -ERR_POLICY, "%s", "no [acs] secret_key_file: line passwords cannot be sealed");
}

int prov_line_create(struct db *db, long tenant, const struct secret_key *k, const struct prov_line_req *l, long *id,
                     struct prov_err *e, char **errmsg)
{
    int rc = need_key(k, errmsg);
    if (rc < 0 || (rc = db_begin(db, errmsg)) < 0)
        return rc;
    rc = create_in_tx(db, tenant, k, l, id, e, errmsg);
    if (rc == 0)
        rc = db_commit(db, errmsg);
    else
        db_rollback(db);
    if (rc == -ERR_DB && !strcmp(db_last_sqlstate(db), "23505")) /* a concurrent twin won */
        return prov_err_set(e, "e164", "the number or the line index was taken meanwhile");
    return rc;
}

/* Split a CSV line at commas in place: up to max fields, the count (max + 1 when more). */
static int split_csv(char *s, char **f, int max)
{
    int n = 0;
    for (;;) {
        if (n == max)
            return max + 1;
        f[n++] = s;
        char *c = strchr(s, ',');
        if (!c)
            return n;
        *c = '\0';
        s = c + 1;
    }
}

static void add_err(struct prov_import_err *errs, size_t *nerrs, long row, const struct prov_err *e)
{
    if (*nerrs < PROV_IMPORT_MAX_ERRORS) {
        errs[*nerrs].row = row;
        errs[*nerrs].err = *e;
    }
    (*nerrs)++;
}

static int import_rows(struct db *db, long tenant, const struct secret_key *k, char *text, long *created,
                       struct prov_import_err *errs, size_t *nerrs, char **errmsg)
{
    char *f[6], *next = NULL;
    long row = 0;
    struct prov_err e;
    int rc = 0;
    for (char *line = text; line && *line; line = next) {
        row++; /* the file's line number, so that an operator finds the row in an editor */
        if ((next = strchr(line, '\n')))
            *next++ = '\0';
        line[strcspn(line, "\r")] = '\0';
        if (row > 1 && !*line)
            continue; /* a blank line is no row */
        if (row == 1) {
            int n = split_csv(line, f, 5);
            if (n < 4 || n > 5 || strcmp(f[0], "e164") || strcmp(f[1], "device") || strcmp(f[2], "line_index") ||
                strcmp(f[3], "provider") || (n == 5 && strcmp(f[4], "display_name"))) {
                prov_err_set(&e, "header", "the header must be e164,device,line_index,provider[,display_name]");
                add_err(errs, nerrs, row, &e);
                return 0;
            }
            continue;
        }
        if (row - 1 > PROV_IMPORT_MAX_ROWS) {
            prov_err_set(&e, "", "more than %d rows", PROV_IMPORT_MAX_ROWS);
            add_err(errs, nerrs, row, &e);
            return 0;
        }
        int n = split_csv(line, f, 5);
        struct prov_line_req l;
        if (strchr(line, '"'))
            rc = prov_err_set(&e, "", "quoted fields are not supported");
        else if (n < 4 || n > 5)
            rc = prov_err_set(&e, "", "a row has 4 or 5 fields");
        else
            rc = prov_line_from_text(f[0], f[1], f[2], f[3], n == 5 ? f[4] : "", &l, &e);
        if (rc == 0)
            rc = create_in_tx(db, tenant, k, &l, NULL, &e, errmsg);
        if (rc == -ERR_INVAL) {
            add_err(errs, nerrs, row, &e);
            rc = 0;
        } else if (rc < 0) {
            return rc;
        } else if (!*nerrs) {
            (*created)++;
        }
    }
    if (row == 0) {
        prov_err_set(&e, "header", "empty import");
        add_err(errs, nerrs, 1, &e);
    }
    return 0;
}

int prov_line_import(struct db *db, long tenant, const struct secret_key *k, const char *csv, size_t len, long *created,
                     struct prov_import_err **errs, size_t *nerrs, char **errmsg)
{
    *created = 0;
    *nerrs = 0;
    *errs = NULL;
    int rc = need_key(k, errmsg);
    if (rc < 0)
        return rc;
    if (memchr(csv, '\0', len))
        return err_fail(errmsg, -ERR_INVAL, "%s", "a NUL byte in the CSV");
    char *text = malloc(len + 1);
    *errs = calloc(PROV_IMPORT_MAX_ERRORS, sizeof **errs);
    if (!text || !*errs) {
        free(text);
        return -ERR_NOMEM;
    }
    memcpy(text, csv, len);
    text[len] = '\0';
    char head[256];
    snprintf(head, sizeof head, "%.*s", (int)strcspn(text, "\n"), text);
    for (char *p = head; *p; p++)
        *p = (char)tolower((unsigned char)*p);
    if (strstr(head, "password") || strstr(head, "secret")) {
        free(text);
        return -ERR_PERM;
    }
    /* One transaction: each row sees the earlier ones (a number twice is an error). Within it, a
     * row refused by validation leaves nothing; any refused row rolls everything back. */
    if ((rc = db_begin(db, errmsg)) < 0) {
        free(text);
        return rc;
    }
    rc = import_rows(db, tenant, k, text, created, *errs, nerrs, errmsg);
    free(text);
    if (rc == 0 && *nerrs == 0)
        return db_commit(db, errmsg);
    db_rollback(db);
    *created = 0;
    if (*nerrs > PROV_IMPORT_MAX_ERRORS)
        *nerrs = PROV_IMPORT_MAX_ERRORS;
    return rc < 0 ? rc : -ERR_INVAL;
}

int prov_line_remove(struct db *db, long tenant, const char *e164, char **errmsg)
{
    const char *p[1] = {e164};
    PGresult *r = db_exec_scoped(db, tenant, SQL_LINE_REMOVE, 1, p, errmsg);
    if (!r)
        return -ERR_DB;
    int rc = PQntuples(r) == 1 ? 0 : -ERR_NOENT;
    PQclear(r);
    return rc;
}

int prov_line_rotate_password(struct db *db, long tenant, const struct secret_key *k, const char *e164, char **errmsg)
{
    char lb[24], kb[24], *ct = NULL;
    const char *p[1] = {e164};
    int rc = need_key(k, errmsg);
    if (rc < 0 || (rc = db_begin(db, errmsg)) < 0)
        return rc;
    PGresult *r = db_exec_scoped(db, tenant, SQL_LINE_LOCK, 1, p, errmsg);
    if (!r) {
        rc = -ERR_DB;
        goto fail;
    }
    rc = PQntuples(r) == 1 ? 0 : -ERR_NOENT;
    snprintf(lb, sizeof lb, "%s", rc == 0 ? PQgetvalue(r, 0, 0) : "0");
    PQclear(r);
    if (rc < 0)
        goto fail;
    if ((rc = fresh_credential(k, atol(lb), e164, kb, &ct)) < 0) {
        rc = err_fail(errmsg, rc, "%s", "cannot seal the line's password");
        goto fail;
    }
    const char *cp[3] = {lb, kb, ct};
    const char *lp[1] = {lb};
    rc = db_run(db, SQL_CRED_UPDATE, 3, cp, errmsg);
    free(ct);
    if (rc == 0)
        rc = db_run(db, SQL_LINE_PENDING, 1, lp, errmsg);
    if (rc == 0)
        return db_commit(db, errmsg);
fail:
    db_rollback(db);
    return rc;
}

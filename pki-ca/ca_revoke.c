/* pki-ca/ca_revoke.c — revoking certificates (the DB trigger NOTIFYs verifiers). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "ca.h"
#include "ca_audit.h"
#include "ca_db.h"
#include "ca_priv.h"
#include "ca_util.h"
#include "log.h"

/* RFC 5280 CRLReason names, indexed by code (7 is unused). */
static const char *const reason_names[] = {
    "unspecified", "keyCompromise", "cACompromise", "affiliationChanged", "superseded",
    "cessationOfOperation", "certificateHold", NULL, "removeFromCRL", "privilegeWithdrawn", "aACompromise",
};
#define NREASONS ((int)(sizeof reason_names / sizeof reason_names[0]))

int ca_reason_parse(const char *text)
{
    if (!text || !*text)
        return -1;
    char *end;
    long n = strtol(text, &end, 10);
    if (!*end)
        return n >= 0 && n < NREASONS && reason_names[n] ? (int)n : -1;
    for (int i = 0; i < NREASONS; i++)
        if (reason_names[i] && !strcasecmp(text, reason_names[i]))
            return i;
    return -1;
}

const char *ca_reason_name(int reason)
{
    return reason >= 0 && reason < NREASONS && reason_names[reason] ? reason_names[reason] : "unknown";
}

int ca_revoke(struct ca_ctx *ca, const char *serial_text, int reason, char **errmsg)
{
    char serial[CA_SERIAL_HEX_MAX + 1];
    char *why = NULL;
    int rc = 0;
    if (ca_serial_normalise(serial_text ? serial_text : "", serial, sizeof serial) < 0)
        rc = err_fail(&why, -ERR_INVAL, "invalid serial \"%.48s\": expected hex", serial_text ? serial_text : "");
    else if (reason < 0 || reason >= NREASONS || !reason_names[reason])
        rc = err_fail(&why, -ERR_INVAL, "invalid revocation reason %d", reason);
    struct db *db = ca_db(ca);
    if (rc == 0 && (rc = db_begin(db, &why)) == 0) {
        rc = ca_db_revoke(db, serial, reason, ca_actor(ca), &why);
        char details[96];
        snprintf(details, sizeof details, "reason=%s", ca_reason_name(reason));
        if (rc == 0)
            rc = ca_audit(db, ca_actor(ca), "cert.revoke", serial, "ok", details, &why);
        if (rc == 0)
            rc = db_commit(db, &why);
        else
            db_rollback(db);
    }
    if (rc < 0) {
        if (rc != -ERR_DB)
            ca_audit_refusal(ca, "cert.revoke", serial_text, why);
        if (errmsg && !*errmsg)
            *errmsg = why;
        else
            free(why);
        return rc;
    }
    log_info("ca", "event=revoke serial=%s reason=%s", serial, ca_reason_name(reason));
    return 0;
}

int ca_revoke_device(struct ca_ctx *ca, const char *device_id, int reason, long *count, char **errmsg)
{
    char id[CA_DEVICE_ID_MAX + 1];
    char *why = NULL;
    int rc = 0;
    PGresult *r = NULL;
    *count = 0;
    if (!device_id || ca_device_id_normalise(device_id, id, sizeof id) < 0)
        rc = err_fail(&why, -ERR_INVAL, "invalid device id \"%.64s\"", device_id ? device_id : "");
    else if (reason < 0 || reason >= NREASONS || !reason_names[reason])
        rc = err_fail(&why, -ERR_INVAL, "invalid revocation reason %d", reason);
    struct db *db = ca_db(ca);
    if (rc == 0 && (rc = db_begin(db, &why)) == 0) {
        char details[96 + CA_DEVICE_ID_MAX];
        snprintf(details, sizeof details, "reason=%s device=%s", ca_reason_name(reason), id);
        if (!(r = ca_db_live_serials(db, id, &why)))
            rc = -ERR_DB;
        for (int i = 0; rc == 0 && i < PQntuples(r); i++) {
            const char *serial = PQgetvalue(r, i, 0);
            rc = ca_db_revoke(db, serial, reason, ca_actor(ca), &why);
            if (rc == 0)
                rc = ca_audit(db, ca_actor(ca), "cert.revoke", serial, "ok", details, &why);
        }
        if (rc == 0 && (rc = db_commit(db, &why)) == 0)
            *count = PQntuples(r);
        else if (rc < 0)
            db_rollback(db);
    }
    if (rc < 0) {
        PQclear(r);
        if (rc != -ERR_DB)
            ca_audit_refusal(ca, "cert.revoke", device_id, why);
        if (errmsg && !*errmsg)
            *errmsg = why;
        else
            free(why);
        return rc;
    }
    for (long i = 0; i < *count; i++)
        log_info("ca", "event=revoke serial=%s device=%s reason=%s", PQgetvalue(r, (int)i, 0), id,
                 ca_reason_name(reason));
    PQclear(r);
    return 0;
}

int ca_issuer_revoke(struct ca_ctx *ca, const char *name, int reason, char **errmsg)
{
    char *why = NULL;
    int rc = 0;
    if (reason < 0 || reason >= NREASONS || !reason_names[reason])
        rc = err_fail(&why, -ERR_INVAL, "invalid revocation reason %d", reason);
    /* the root signs issuers: whoever revokes one must be able to open the root's key too */
    else if (!ca_authority_get(ca, "root", 1, &why))
        rc = -ERR_AUTH;
    struct db *db = ca_db(ca);
    char code[8], details[96];
    snprintf(code, sizeof code, "%d", reason);
    snprintf(details, sizeof details, "reason=%s", ca_reason_name(reason));
    const char *p[2] = {name ? name : "", code};
    PGresult *r = NULL;
    if (rc == 0 && (rc = db_begin(db, &why)) == 0) {
        r = db_exec(db,
                    "UPDATE ca_authorities SET revoked_at = now(), revoked_reason = $2::smallint"
                    " WHERE name = $1 AND kind = 'issuer' AND revoked_at IS NULL RETURNING serial",
                    2, p, &why);
        if (!r)
            rc = -ERR_DB;
        else if (PQntuples(r) != 1)
            rc = err_fail(&why, -ERR_NOENT, "no live issuing CA \"%.64s\"", p[0]);
        if (rc == 0)
            rc = ca_audit(db, ca_actor(ca), "ca.issuer.revoke", p[0], "ok", details, &why);
        if (rc == 0)
            rc = db_commit(db, &why);
        else
            db_rollback(db);
    }
    if (rc < 0) {
        PQclear(r);
        if (rc != -ERR_DB)
            ca_audit_refusal(ca, "ca.issuer.revoke", p[0], why);
        if (errmsg && !*errmsg)
            *errmsg = why;
        else
            free(why);
        return rc;
    }
    log_info("ca", "event=issuer_revoke name=%s serial=%s reason=%s", p[0], PQgetvalue(r, 0, 0), ca_reason_name(reason));
    PQclear(r);
    return 0;
}

int ca_revoke_superseded(struct ca_ctx *ca, const char *serial, const char *by, char **errmsg)
{
    struct db *db = ca_db(ca);
    char details[64 + CA_SERIAL_HEX_MAX];
    snprintf(details, sizeof details, "reason=superseded by=%s", by);
    int rc = ca_db_revoke(db, serial, 4, ca_actor(ca), errmsg);
    if (rc == 0)
        rc = ca_audit(db, ca_actor(ca), "cert.revoke", serial, "ok", details, errmsg);
    return rc;
}

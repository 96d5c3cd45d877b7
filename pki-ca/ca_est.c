/* pki-ca/ca_est.c — EST handlers: routing, authentication, the enrollment transaction.
 * simpleenroll: one-time token (Basic or Bearer); begin, consume token, issue, mark, commit.
 * simplereenroll: a verified client certificate; same identity, same issuer.
 * Refusals are written after the rollback so their audit rows persist; those of unauthenticated
 * requests go to the caller's req->refused (aggregated) when it has one. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ca_db.h"
#include "ca_est.h"
#include "ca_priv.h"
#include "ca_token.h"
#include "ca_util.h"
#include "log.h"

#define EST_TEXT "text/plain; charset=utf-8"
#define EST_PKCS7 "application/pkcs7-mime"
#define EST_PKCS7_CERTS "application/pkcs7-mime; smime-type=certs-only"
#define EST_CHALLENGE "Basic realm=\"est\""
#define EST_RETRY_AFTER 30
#define EST_REASON_MAX 240

/* One enrollment request being handled. */
struct est_op {
    struct ca_ctx *ca;
    const struct ca_est_request *req;
    struct ca_est_response *resp;
    const char *action;                 /* audit action: est.enroll / est.reenroll */
    char device[CA_DEVICE_ID_MAX + 1];  /* claimed identity, for audit and logs */
    int authed;                         /* the token or the client certificate is known good */
};

typedef void (*est_fn)(struct est_op *op);

void ca_est_response_cleanup(struct ca_est_response *resp)
{
    free(resp->body);
    memset(resp, 0, sizeof *resp);
}

/* A one-line text/plain body (control characters replaced: reasons quote client input). */
static void set_text(struct ca_est_response *resp, int status, const char *text)
{
    size_t n = strnlen(text, EST_REASON_MAX);
    free(resp->body);
    resp->status = status;
    resp->content_type = EST_TEXT;
    resp->body_len = 0;
    resp->body = malloc(n + 2);
    if (!resp->body)
        return;
    for (size_t i = 0; i < n; i++)
        resp->body[i] = (unsigned char)text[i] < 0x20 || text[i] == 0x7f ? '?' : text[i];
    resp->body[n] = '\n';
    resp->body[n + 1] = '\0';
    resp->body_len = n + 1;
}

/* The aggregation reason of a refusal status (static text, see struct ca_est_request). */
static const char *status_reason(int status)
{
    switch (status) {
    case 400: return "status_400";
    case 401: return "status_401";
    case 403: return "status_403";
    case 413: return "status_413";
    case 415: return "status_415";
    case 503: return "status_503";
    default: return "status_other";
    }
}

const char *ca_est_refusal_reason(const char *text)
{
    static const int statuses[] = {400, 401, 403, 413, 415, 503};
    for (size_t i = 0; text && i < sizeof statuses / sizeof statuses[0]; i++)
        if (!strcmp(text, status_reason(statuses[i])))
            return status_reason(statuses[i]);
    return status_reason(0);
}

/* Refuse an enrollment: roll back, answer, then audit (outside the transaction, so the row
 * persists) and log once. 5xx answers show a generic text; why goes to audit and log. An
 * unauthenticated refusal goes to req->refused instead when set: no row, a debug line. */
static void refuse(struct est_op *op, int status, const char *why)
{
    struct db *db = ca_db(op->ca);
    if (db_in_transaction(db))
        db_rollback(db);
    if (!why || !*why)
        why = "refused";
    set_text(op->resp, status,
             status == 503 ? "CA database unavailable, retry later" : status >= 500 ? "internal error" : why);
    if (status == 401)
        op->resp->www_authenticate = EST_CHALLENGE;
    if (status == 503)
        op->resp->retry_after = EST_RETRY_AFTER;
    const char *remote = op->req->remote ? op->req->remote : "-";
    char qwhy[EST_REASON_MAX + 16], qdev[2 * CA_DEVICE_ID_MAX + 8], qrem[96], details[EST_REASON_MAX + 160];
    log_quote(qwhy, sizeof qwhy, why);
    log_quote(qrem, sizeof qrem, remote);
    if (!op->authed && op->req->refused) {
        op->req->refused(op->req->refused_arg, remote, status_reason(status));
        log_debug("est", "event=est_refused action=%s status=%d device=%s remote=%s reason=%s", op->action, status,
                  log_quote(qdev, sizeof qdev, op->device[0] ? op->device : "-"), qrem, qwhy);
        return;
    }
    snprintf(details, sizeof details, "status=%d remote=%s reason=%s", status, qrem, qwhy);
    ca_audit_refusal(op->ca, op->action, op->device, details);
    log_warn("est", "event=est_refused action=%s status=%d device=%s remote=%s reason=%s", op->action, status,
             log_quote(qdev, sizeof qdev, op->device[0] ? op->device : "-"), qrem, qwhy);
}

static int status_for(int rc)
{
    switch (rc < 0 ? -rc : rc) {
    case ERR_AUTH:
    case ERR_EXPIRED:
    case ERR_EXIST: return 401;
    case ERR_PERM:
    case ERR_REVOKED: return 403;
    case ERR_PARSE:
    case ERR_POLICY:
    case ERR_INVAL: return 400;
    case ERR_TOO_BIG: return 413;
    case ERR_DB: return 503;
    default: return 500;
    }
}

/* The connection may have dropped since the last request: reconnect once. */
static int db_ready(struct ca_ctx *ca)
{
    struct db *db = ca_db(ca);
    PGconn *conn = db_conn(db);
    if (PQstatus(conn) != CONNECTION_OK) {
        PQreset(conn);
        if (PQstatus(conn) != CONNECTION_OK)
            return -ERR_DB;
        log_info("est", "event=db_reconnected");
    }
    if (db_in_transaction(db))
        db_rollback(db);
    return 0;
}

static void respond_certs(struct ca_est_response *resp, const char *ctype, X509 *const *certs, size_t n)
{
    size_t len = 0;
    char *b64 = ca_est_pkcs7_certs(certs, n, &len);
    if (!b64) {
        set_text(resp, 500, "internal error");
        return;
    }
    free(resp->body);
    resp->status = 200;
    resp->content_type = ctype;
    resp->transfer_encoding = "base64";
    resp->body = b64;
    resp->body_len = len;
}

static void est_cacerts(struct est_op *op)
{
    char *err = NULL;
    int rc = ca_authorities_load_all(op->ca, &err);
    size_t n = rc == 0 ? ca_authority_count(op->ca) : 0;
    if (rc < 0 || n == 0) {
        char q[300];
        log_err("est", "event=cacerts_failed error=%s", log_quote(q, sizeof q, err ? err : "no CA"));
        set_text(op->resp, 503, "no CA certificates available");
        op->resp->retry_after = EST_RETRY_AFTER;
        free(err);
        return;
    }
    X509 *certs[64];
    if (n > sizeof certs / sizeof certs[0])
        n = sizeof certs / sizeof certs[0];
    for (size_t i = 0; i < n; i++)
        certs[i] = ca_authority_at(op->ca, i)->cert;
    respond_certs(op->resp, EST_PKCS7, certs, n);
}

static void issued(struct est_op *op, struct ca_issued *cert)
{
    char qrem[96];
    respond_certs(op->resp, EST_PKCS7_CERTS, &cert->cert, 1);
    log_info("est", "event=est_issued action=%s device=%s serial=%s remote=%s", op->action, op->device,
             cert->serial, log_quote(qrem, sizeof qrem, op->req->remote ? op->req->remote : "-"));
}

/* The claimed identity in canonical form (OUI uppercased); left as claimed when it is no
 * device identity (the policy check then refuses it, naming what was claimed). */
static void canonical_device(struct est_op *op)
{
    char id[sizeof op->device];
    if (ca_device_id_normalise(op->device, id, sizeof id) == 0)
        memcpy(op->device, id, sizeof id);
}

/* Decode and check the CSR for op->device (Bearer: device taken from the CN first).
 * Returns 0, or the error with *why set; der and len receive the DER for issuance. */
static int check_body(struct est_op *op, int device_from_cn, unsigned char **der, size_t *len, char **why)
{
    const struct ca_est_request *req = op->req;
    X509_REQ *csr = ca_est_parse_csr_body(req->body, req->body_len, der, len, why);
    int rc = csr ? 0 : -ERR_PARSE;
    if (rc == 0 && device_from_cn && ca_est_csr_cn(csr, op->device, sizeof op->device) < 0)
        rc = err_fail(why, -ERR_POLICY, "with a Bearer token the CSR subject CN must name the device");
    canonical_device(op);
    EVP_PKEY *pub = NULL;
    if (rc == 0)
        rc = ca_check_csr(csr, op->device, &pub, why);
    X509_REQ_free(csr);
    return rc;
}

static void est_enroll(struct est_op *op)
{
    struct ca_ctx *ca = op->ca;
    struct db *db = ca_db(ca);
    struct ca_est_auth auth;
    struct ca_issued cert = {0};
    unsigned char *der = NULL;
    size_t der_len = 0;
    char *why = NULL, *csr_why = NULL;
    int rc = ca_est_parse_authorization(op->req->authorization, &auth, &why);
    if (rc == 0 && auth.kind == CA_EST_AUTH_NONE)
        rc = err_fail(&why, -ERR_AUTH,
                      "enrollment needs credentials: HTTP Basic (device identity, token) "
                      "or a Bearer token");
    if (rc < 0) {
        refuse(op, 401, why);
        goto out;
    }
    if (auth.kind == CA_EST_AUTH_BASIC)
        snprintf(op->device, sizeof op->device, "%s", auth.user);
    /* pure checks first; their verdict is given only once the token is known good */
    int csr_rc = check_body(op, auth.kind == CA_EST_AUTH_BEARER, &der, &der_len, &csr_why);
    if (csr_rc < 0 && auth.kind == CA_EST_AUTH_BEARER && !op->device[0]) {
        refuse(op, 400, csr_why); /* no device to check the token against */
        goto out;
    }
    if ((rc = db_ready(ca)) < 0 || (rc = db_begin(db, &why)) < 0) {
        refuse(op, 503, why ? why : "database unreachable");
        goto out;
    }
    int issuer_id = 0;
    if ((rc = ca_token_consume(ca, auth.secret, op->device, &issuer_id, &why)) < 0) {
        refuse(op, status_for(rc), why);
        goto out;
    }
    op->authed = 1; /* from here on the token vouches for the request: refusals get their own row */
    if (csr_rc < 0) {
        refuse(op, status_for(csr_rc), csr_why); /* the rollback keeps the token unused */
        goto out;
    }
    struct ca_authority *iss = ca_authority_by_id(ca, issuer_id, 0, &why);
    rc = iss ? ca_issue_from_csr(ca, iss->name, der, der_len, op->device, "est-enroll", &cert, &why) : -ERR_DB;
    if (rc == 0)
        rc = ca_token_mark_serial(ca, auth.secret, cert.serial, &why);
    if (rc == 0)
        rc = db_commit(db, &why);
    if (rc < 0) {
        refuse(op, status_for(rc), why);
        goto out;
    }
    issued(op, &cert);
out:
    ca_est_auth_cleanup(&auth);
    ca_issued_cleanup(&cert);
    free(der);
    free(why);
    free(csr_why);
}

static int peer_status(enum ca_verify_reason r)
{
    switch (r) {
    case CA_VERIFY_REVOKED:
    case CA_VERIFY_WRONG_EKU:
    case CA_VERIFY_NO_IDENTITY: return 403;
    case CA_VERIFY_INTERNAL: return 500;
    default: return 401;
    }
}

/* The client certificate must be ours, known, unrevoked (checked in the DB too: the
 * verifier's revoked set may lag by a notification). Fills issuer with its CA's name. */
static int check_cert_record(struct est_op *op, const char *serial, char *issuer, size_t n, char **why)
{
    PGresult *r = ca_db_cert_get(ca_db(op->ca), serial, why);
    if (!r)
        return -ERR_DB;
    int rc = 0;
    if (PQntuples(r) != 1)
        rc = err_fail(why, -ERR_PERM, "client certificate %s is not in the CA's records", serial);
    else if (!PQgetisnull(r, 0, 8))
        rc = err_fail(why, -ERR_REVOKED, "client certificate %s is revoked", serial);
    else if (strcmp(PQgetvalue(r, 0, 1), op->device))
        rc = err_fail(why, -ERR_PERM, "client certificate %s was not issued to %s", serial, op->device);
    else
        snprintf(issuer, n, "%s", PQgetvalue(r, 0, 3));
    PQclear(r);
    return rc;
}

/* Best effort, for audit and logs: whose certificate was refused (the verifier names the
 * device only for certificates it accepts). */
static void device_of_serial(struct est_op *op, const char *serial)
{
    char *err = NULL;
    PGresult *r = serial[0] && db_ready(op->ca) == 0 ? ca_db_cert_get(ca_db(op->ca), serial, &err) : NULL;
    if (r && PQntuples(r) == 1)
        snprintf(op->device, sizeof op->device, "%s", PQgetvalue(r, 0, 1));
    PQclear(r);
    free(err);
}

static void est_reenroll(struct est_op *op)
{
    const struct ca_verify_result *peer = op->req->peer;
    struct ca_issued cert = {0};
    unsigned char *der = NULL;
    size_t der_len = 0;
    char *why = NULL, issuer[64];
    int rc;
    if (!peer || peer->reason != CA_VERIFY_OK || !peer->device_id[0]) {
        enum ca_verify_reason r = peer ? peer->reason : CA_VERIFY_NO_CERT;
        if (r == CA_VERIFY_OK)
            r = CA_VERIFY_NO_IDENTITY;
        if (peer && !op->req->refused) /* aggregated refusals name the source only: no query */
            device_of_serial(op, peer->serial);
        err_fail(&why, -ERR_AUTH, "re-enrollment needs a valid client certificate: %s%s%s", ca_verify_reason_str(r),
                 peer && peer->detail[0] ? ": " : "", peer ? peer->detail : "");
        refuse(op, peer_status(r), why);
        goto out;
    }
    snprintf(op->device, sizeof op->device, "%s", peer->device_id);
    op->authed = 1;
    if ((rc = check_body(op, 0, &der, &der_len, &why)) < 0) {
        refuse(op, status_for(rc), why);
        goto out;
    }
    /* [est] revoke_on_reenroll: the old certificate is revoked in the new one's transaction
     * (a second re-enrollment with it then fails on the revocation and issues nothing) */
    int supersede = cfg_bool(ca_cfg(op->ca), "est", "revoke_on_reenroll");
    if ((rc = db_ready(op->ca)) < 0 || (supersede && (rc = db_begin(ca_db(op->ca), &why)) < 0) ||
        (rc = check_cert_record(op, peer->serial, issuer, sizeof issuer, &why)) < 0) {
        refuse(op, status_for(rc), why ? why : "database unreachable");
        goto out;
    }
    rc = ca_issue_from_csr(op->ca, issuer, der, der_len, op->device, "est-reenroll", &cert, &why);
    if (rc == 0 && supersede && (rc = ca_revoke_superseded(op->ca, peer->serial, cert.serial, &why)) == 0 &&
        (rc = db_commit(ca_db(op->ca), &why)) == 0)
        log_info("est", "event=revoke serial=%s device=%s reason=superseded by=%s", peer->serial, op->device,
                 cert.serial);
    if (rc < 0) {
        refuse(op, status_for(rc), why);
        goto out;
    }
    issued(op, &cert);
out:
    ca_issued_cleanup(&cert);
    free(der);
    free(why);
}

static const struct {
    const char *path, *method, *action;
    est_fn fn;
} routes[] = {
    {"cacerts", "GET", NULL, est_cacerts},
    {"simpleenroll", "POST", "est.enroll", est_enroll},
    {"simplereenroll", "POST", "est.reenroll", est_reenroll},
};

void ca_est_handle(struct ca_ctx *ca, const struct ca_est_request *req, struct ca_est_response *resp)
{
    memset(resp, 0, sizeof *resp);
    size_t i = 0, n = sizeof routes / sizeof routes[0];
    while (req->path && i < n && strcmp(req->path, routes[i].path))
        i++;
    if (!req->path || i == n) {
        set_text(resp, 404, "no such EST operation");
        return;
    }
    if (!req->method || strcmp(req->method, routes[i].method)) {
        set_text(resp, 405, "method not allowed");
        resp->allow = routes[i].method;
        return;
    }
    struct est_op op = {.ca = ca, .req = req, .resp = resp, .action = routes[i].action};
    /* size and media type come before any credential check: authenticated only for a valid
     * client certificate on re-enrollment */
    op.authed = routes[i].fn == est_reenroll && req->peer && req->peer->reason == CA_VERIFY_OK &&
                req->peer->device_id[0];
    if (routes[i].action && req->body_too_big) {
        char why[64];
        snprintf(why, sizeof why, "request body larger than %u bytes", CA_EST_MAX_BODY);
        refuse(&op, 413, why);
    } else if (routes[i].action && !ca_est_media_type_is(req->content_type, "application/pkcs10")) {
        refuse(&op, 415, "Content-Type must be application/pkcs10 (base64 DER PKCS#10)");
    } else {
        routes[i].fn(&op);
    }
}

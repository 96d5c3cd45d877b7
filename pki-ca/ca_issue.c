/* pki-ca/ca_issue.c — end-entity issuance: CSR policy, certificate profile, recording. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/x509v3.h>

#include "ca.h"
#include "ca_audit.h"
#include "ca_db.h"
#include "ca_priv.h"
#include "ca_util.h"
#include "log.h"

#define CA_SAN_MAX 1024

void ca_issued_cleanup(struct ca_issued *out)
{
    X509_free(out->cert);
    out->cert = NULL;
    out->serial[0] = '\0';
}

void ca_audit_refusal(struct ca_ctx *ca, const char *action, const char *subject, const char *why)
{
    char *err = NULL, q[300];
    if (ca_audit(ca_db(ca), ca_actor(ca), action, subject ? subject : "", "refused", why ? why : "", &err) < 0)
        log_err("ca", "event=audit_failed action=%s error=%s", action, log_quote(q, sizeof q, err ? err : "?"));
    free(err);
}

/* "a,b" -> "DNS:a,DNS:b" (prefix "DNS:" or "IP:") appended to out. */
static int san_list(char *out, size_t n, const char *list, const char *prefix)
{
    if (!list || !*list)
        return 0;
    char copy[CA_SAN_MAX], *save = NULL;
    snprintf(copy, sizeof copy, "%s", list);
    for (char *t = strtok_r(copy, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
        size_t used = strlen(out);
        if (snprintf(out + used, n - used, "%s%s%s", used ? "," : "", prefix, t) >= (int)(n - used))
            return -ERR_TOO_BIG;
    }
    return 0;
}

X509 *ca_build_leaf(struct ca_ctx *ca, struct ca_authority *iss, EVP_PKEY *pub, X509_PUBKEY *spki,
                    const char *profile,
                    const char *name, const char *dns_names, const char *ips, char *serial_hex, size_t hexlen,
                    char **errmsg)
{
    const struct cfg *cfg = ca_cfg(ca);
    int device = !strcmp(profile, "device");
    char san[CA_SAN_MAX] = "", url[600];
    if (device)
        snprintf(san, sizeof san, "URI:" CA_DEVICE_URN_PREFIX "%s", name);
    else if (san_list(san, sizeof san, dns_names, "DNS:") < 0 || san_list(san, sizeof san, ips, "IP:") < 0) {
        err_fail(errmsg, -ERR_TOO_BIG, "too many subject alternative names");
        return NULL;
    }
    X509 *x = X509_new();
    X509_NAME *subj = X509_NAME_new();
    ASN1_INTEGER *serial = ca_serial_random(serial_hex, hexlen);
    long days = cfg_int(cfg, "ca", device ? "device_validity_days" : "server_validity_days");
    int ok = x && subj && serial && X509_set_version(x, 2) && X509_set_serialNumber(x, serial) &&
             X509_NAME_add_entry_by_txt(subj, "O", MBSTRING_UTF8,
                                        (const unsigned char *)cfg_str(cfg, "ca", "organization"), -1, -1, 0) &&
             X509_NAME_add_entry_by_txt(subj, "CN", MBSTRING_UTF8, (const unsigned char *)name, -1, -1, 0) &&
             X509_set_subject_name(x, subj) && X509_set_issuer_name(x, X509_get_subject_name(iss->cert)) &&
             X509_gmtime_adj(X509_getm_notBefore(x), -cfg_int(cfg, "ca", "backdate_seconds")) &&
             X509_time_adj_ex(X509_getm_notAfter(x), (int)days, 0, NULL) &&
             (spki ? ca_copy_spki(x, spki) : ca_set_pubkey(x, pub)) == 0;
    /* never outlive the issuer: clients reject such chains */
    if (ok && ASN1_TIME_compare(X509_get0_notAfter(x), X509_get0_notAfter(iss->cert)) > 0)
        ok = X509_set1_notAfter(x, X509_get0_notAfter(iss->cert));
    int rsa = EVP_PKEY_get_base_id(pub) == EVP_PKEY_RSA;
    ok = ok && ca_add_ext(x, iss->cert, NID_basic_constraints, "critical,CA:FALSE") == 0 &&
         ca_add_ext(x, iss->cert, NID_key_usage,
                    rsa ? "critical,digitalSignature,keyEncipherment" : "critical,digitalSignature") == 0 &&
         ca_add_ext(x, iss->cert, NID_ext_key_usage, device ? "clientAuth" : "serverAuth") == 0 &&
         ca_add_ext(x, iss->cert, NID_subject_key_identifier, "hash") == 0 &&
         ca_add_ext(x, iss->cert, NID_authority_key_identifier, "keyid:always") == 0 &&
         (!*san || ca_add_ext(x, iss->cert, NID_subject_alt_name, san) == 0);
    const char *crl = cfg_str(cfg, "ca", "crl_url_base"), *ocsp = cfg_str(cfg, "ca", "ocsp_url");
    if (ok && crl && *crl) {
        snprintf(url, sizeof url, "URI:%s/%s.crl", crl, iss->name);
        ok = ca_add_ext(x, iss->cert, NID_crl_distribution_points, url) == 0;
    }
    if (ok && ocsp && *ocsp) {
        snprintf(url, sizeof url, "OCSP;URI:%s", ocsp);
        ok = ca_add_ext(x, iss->cert, NID_info_access, url) == 0;
    }
    ok = ok && ca_sign(x, iss->key) == 0;
    ASN1_INTEGER_free(serial);
    X509_NAME_free(subj);
    if (!ok) {
        char why[200];
        ca_ssl_error(why, sizeof why);
        err_fail(errmsg, -ERR_CRYPTO, "cannot build certificate: %s", why);
        X509_free(x);
        return NULL;
    }
    return x;
}

/* A long-lived signer caches its issuers: in the issuance's transaction, the issuer must still be
 * unrevoked (a share lock: an `issuer revoke` running now waits for this commit, or we for it). */
static int issuer_still_valid(struct ca_ctx *ca, struct ca_authority *iss, char **errmsg)
{
    char id[16];
    snprintf(id, sizeof id, "%d", iss->id);
    const char *p[1] = {id};
    PGresult *r = db_exec(ca_db(ca), "SELECT 1 FROM ca_authorities WHERE id = $1 AND revoked_at IS NULL FOR SHARE", 1,
                          p, errmsg);
    if (!r)
        return -ERR_DB;
    int live = PQntuples(r) == 1;
    PQclear(r);
    if (live)
        return 0;
    iss->revoked = 1; /* and never again from this context */
    EVP_PKEY_free(iss->key);
    iss->key = NULL;
    return err_fail(errmsg, -ERR_POLICY, "issuing CA \"%s\" is revoked", iss->name);
}

int ca_record_issued(struct ca_ctx *ca, struct ca_authority *iss, X509 *const *certs, const char *const *serials,
                     const char *const *device_ids, size_t n, const char *profile, const char *via, char **errmsg)
{
    struct db *db = ca_db(ca);
    struct ca_db_cert_row *rows = calloc(n ? n : 1, sizeof *rows);
    char (*times)[2][40] = calloc(n ? n : 1, sizeof *times);
    char **subjects = calloc(n ? n : 1, sizeof *subjects);
    unsigned char **ders = calloc(n ? n : 1, sizeof *ders);
    int rc = rows && times && subjects && ders ? 0 : -ERR_NOMEM;
    for (size_t i = 0; i < n && rc == 0; i++) {
        size_t len = 0;
        ders[i] = ca_cert_der(certs[i], &len);
        subjects[i] = ca_name_text(X509_get_subject_name(certs[i]));
        if (!ders[i] || !subjects[i] || ca_time_text(X509_get0_notBefore(certs[i]), times[i][0], 40) < 0 ||
            ca_time_text(X509_get0_notAfter(certs[i]), times[i][1], 40) < 0) {
            rc = -ERR_CRYPTO;
            break;
        }
        rows[i] = (struct ca_db_cert_row){.serial = serials[i], .issuer_id = iss->id, .device_id = device_ids[i],
                                          .subject = subjects[i], .profile = profile, .not_before = times[i][0],
                                          .not_after = times[i][1], .der = ders[i], .der_len = len, .via = via};
    }
    if (rc < 0) {
        err_fail(errmsg, rc, "cannot encode certificates: %s", err_str(rc));
        goto out;
    }
    int own_txn = !db_in_transaction(db);
    if (own_txn && (rc = db_begin(db, errmsg)) < 0)
        goto out;
    if (rc == 0)
        rc = issuer_still_valid(ca, iss, errmsg);
    if (rc == 0)
        rc = ca_db_cert_insert(db, rows, n, errmsg);
    struct ca_audit_batch *ab = rc == 0 ? ca_audit_begin(db, errmsg) : NULL;
    if (rc == 0 && !ab)
        rc = -ERR_DB;
    for (size_t i = 0; i < n && rc == 0; i++) {
        char details[160];
        snprintf(details, sizeof details, "serial=%s issuer=%s via=%s profile=%s", serials[i], iss->name, via,
                 profile);
        rc = ca_audit_add(ab, ca_actor(ca), "cert.issue", device_ids[i] ? device_ids[i] : subjects[i], "ok",
                          details);
    }
    if (ab) {
        if (rc == 0)
            rc = ca_audit_finish(ab, errmsg);
        else
            ca_audit_abort(ab);
    }
    if (own_txn) {
        if (rc == 0)
            rc = db_commit(db, errmsg);
        else
            db_rollback(db);
    }
out:
    for (size_t i = 0; i < n && ders && subjects; i++) {
        OPENSSL_free(ders[i]);
        free(subjects[i]);
    }
    free(rows);
    free(times);
    free(subjects);
    free(ders);
    return rc;
}

/* Do len bytes of s name device_id (canonical)? The OUI may be written in lowercase. */
static int same_identity(const unsigned char *s, int len, const char *device_id)
{
    char id[CA_DEVICE_ID_MAX + 1];
    if (len < 1 || len > CA_DEVICE_ID_MAX || memchr(s, 0, (size_t)len))
        return 0;
    memcpy(id, s, (size_t)len);
    id[len] = '\0';
    return ca_device_id_normalise(id, id, sizeof id) == 0 && !strcmp(id, device_id);
}

/* CN of the CSR subject, if any, must be the device identity. */
static int check_csr_subject(X509_REQ *req, const char *device_id, char **errmsg)
{
    X509_NAME *subj = X509_REQ_get_subject_name(req);
    int idx = -1, seen = 0;
    while ((idx = X509_NAME_get_index_by_NID(subj, NID_commonName, idx)) >= 0) {
        ASN1_STRING *s = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(subj, idx));
        unsigned char *utf8 = NULL;
        int len = ASN1_STRING_to_UTF8(&utf8, s);
        int match = len >= 0 && same_identity(utf8, len, device_id);
        char shown[80];
        snprintf(shown, sizeof shown, "%.*s", len > 0 ? (len < 64 ? len : 64) : 0, utf8 ? (char *)utf8 : "");
        OPENSSL_free(utf8);
        if (!match || seen++)
            return err_fail(errmsg, -ERR_POLICY, "wrong identity: CSR subject CN \"%s\" is not the device %s", shown,
                            device_id);
    }
    return 0;
}

/* Any SAN in the CSR must be exactly URI urn:dev:ops:<device_id> (OUI in either case). */
static int check_csr_san(X509_REQ *req, const char *device_id, char **errmsg)
{
    STACK_OF(X509_EXTENSION) *exts = X509_REQ_get_extensions(req);
    const int plen = (int)strlen(CA_DEVICE_URN_PREFIX);
    int rc = 0;
    for (int i = 0; i < sk_X509_EXTENSION_num(exts) && rc == 0; i++) {
        X509_EXTENSION *e = sk_X509_EXTENSION_value(exts, i);
        if (OBJ_obj2nid(X509_EXTENSION_get_object(e)) != NID_subject_alt_name)
            continue;
        GENERAL_NAMES *names = X509V3_EXT_d2i(e);
        if (!names) {
            rc = err_fail(errmsg, -ERR_PARSE, "malformed subjectAltName in CSR");
            break;
        }
        for (int k = 0; k < sk_GENERAL_NAME_num(names) && rc == 0; k++) {
            GENERAL_NAME *g = sk_GENERAL_NAME_value(names, k);
            const unsigned char *u = g->type == GEN_URI ? ASN1_STRING_get0_data(g->d.uniformResourceIdentifier) : NULL;
            int len = u ? ASN1_STRING_length(g->d.uniformResourceIdentifier) : 0;
            if (!u || len <= plen || memcmp(u, CA_DEVICE_URN_PREFIX, (size_t)plen) ||
                !same_identity(u + plen, len - plen, device_id))
                rc = err_fail(errmsg, -ERR_POLICY,
                              "wrong identity: CSR subjectAltName is not URI:" CA_DEVICE_URN_PREFIX "%s", device_id);
        }
        GENERAL_NAMES_free(names);
    }
    sk_X509_EXTENSION_pop_free(exts, X509_EXTENSION_free);
    return rc;
}

int ca_check_csr(X509_REQ *req, const char *device_id, EVP_PKEY **pub_out, char **errmsg)
{
    if (!ca_device_id_valid(device_id))
        return err_fail(errmsg, -ERR_INVAL,
                        "invalid device identity \"%.64s\": expected OUI-ProductClass-SerialNumber "
                        "(OUI = 6 hex digits)",
                        device_id ? device_id : "");
    EVP_PKEY *pub = X509_REQ_get0_pubkey(req);
    if (!pub)
        return err_fail(errmsg, -ERR_PARSE, "CSR has no usable public key");
    char desc[32];
    int rc = ca_key_acceptable(pub, desc, sizeof desc, errmsg);
    if (rc < 0)
        return rc;
    if (X509_REQ_verify(req, pub) != 1) {
        ERR_clear_error();
        return err_fail(errmsg, -ERR_POLICY, "CSR signature is invalid");
    }
    if ((rc = check_csr_subject(req, device_id, errmsg)) < 0 || (rc = check_csr_san(req, device_id, errmsg)) < 0)
        return rc;
    *pub_out = pub;
    return 0;
}

/* Policy and build for one request, for the canonical identity (r->id); refusals are
 * audited and logged here. */
static int prepare_one(struct ca_ctx *ca, struct ca_authority *iss, struct ca_csr_req *r, const char *via)
{
    EVP_PKEY *pub = NULL;
    const char *id = ca_device_id_normalise(r->device_id, r->id, sizeof r->id) == 0 ? r->id : r->device_id;
    X509_REQ *req = ca_csr_parse(r->csr, r->len, &r->errmsg);
    r->rc = req ? ca_check_csr(req, id, &pub, &r->errmsg) : -ERR_PARSE;
    if (r->rc < 0) {
        char reason[300], qid[80];
        ca_audit_refusal(ca, "cert.issue", id, r->errmsg);
        log_warn("ca", "event=issue_refused device=%s via=%s reason=%s",
                 log_quote(qid, sizeof qid, id ? id : ""), via, log_quote(reason, sizeof reason, r->errmsg));
    } else {
        r->out.cert = ca_build_leaf(ca, iss, pub, X509_REQ_get_X509_PUBKEY(req), "device", r->id, NULL, NULL,
                                    r->out.serial, sizeof r->out.serial, &r->errmsg);
        r->rc = r->out.cert ? 0 : -ERR_CRYPTO;
    }
    X509_REQ_free(req);
    return r->rc;
}

int ca_issue_prepare(struct ca_ctx *ca, const char *issuer, struct ca_csr_req *reqs, size_t n, const char *via,
                     struct ca_authority **iss_out, char **errmsg)
{
    for (size_t i = 0; i < n; i++) {
        memset(&reqs[i].out, 0, sizeof reqs[i].out);
        reqs[i].errmsg = NULL;
        reqs[i].id[0] = '\0';
        reqs[i].rc = -ERR_INVAL;
    }
    struct ca_authority *iss = ca_authority_get(ca, issuer, 0, errmsg);
    if (!iss)
        return -ERR_NOENT;
    if (iss->is_root)
        return err_fail(errmsg, -ERR_POLICY, "the root CA does not issue device certificates; name an issuer");
    if (iss->revoked)
        return err_fail(errmsg, -ERR_POLICY, "issuing CA \"%s\" is revoked", iss->name);
    if (!ca_authority_get(ca, issuer, 1, errmsg))
        return -ERR_AUTH;
    for (size_t i = 0; i < n; i++)
        prepare_one(ca, iss, &reqs[i], via);
    *iss_out = iss;
    return 0;
}

/* Record the accepted requests of a prepared group in one transaction; on failure
 * every accepted request loses its certificate again. */
static int record_prepared(struct ca_ctx *ca, struct ca_authority *iss, struct ca_csr_req *reqs, size_t n,
                           const char *via, char **errmsg)
{
    X509 **certs = calloc(n ? n : 1, sizeof *certs);
    const char **serials = calloc(n ? n : 1, sizeof *serials), **ids = calloc(n ? n : 1, sizeof *ids);
    size_t built = 0;
    int rc = certs && serials && ids ? 0 : err_fail(errmsg, -ERR_NOMEM, "out of memory");
    for (size_t i = 0; i < n && rc == 0; i++)
        if (reqs[i].rc == 0) {
            certs[built] = reqs[i].out.cert;
            serials[built] = reqs[i].out.serial;
            ids[built++] = reqs[i].id;
        }
    if (rc == 0 && built > 0)
        rc = ca_record_issued(ca, iss, certs, serials, ids, built, "device", via, errmsg);
    for (size_t i = 0; i < n; i++) {
        if (reqs[i].rc != 0)
            continue;
        if (rc < 0) { /* nothing was recorded: no certificate may leave */
            reqs[i].rc = rc;
            ca_issued_cleanup(&reqs[i].out);
            err_fail(&reqs[i].errmsg, rc, "%s", errmsg && *errmsg ? *errmsg : err_str(rc));
        } else {
            log_info("ca", "event=issue serial=%s device=%s issuer=%s via=%s", reqs[i].out.serial, reqs[i].id,
                     iss->name, via);
        }
    }
    free(certs);
    free(serials);
    free(ids);
    return rc;
}

int ca_issue_from_csrs(struct ca_ctx *ca, const char *issuer, struct ca_csr_req *reqs, size_t n, const char *via,
                       char **errmsg)
{
    struct ca_authority *iss = NULL;
    int rc = ca_issue_prepare(ca, issuer, reqs, n, via, &iss, errmsg);
    return rc < 0 ? rc : record_prepared(ca, iss, reqs, n, via, errmsg);
}

int ca_issue_from_csr(struct ca_ctx *ca, const char *issuer, const unsigned char *csr, size_t csr_len,
                      const char *device_id, const char *via, struct ca_issued *out, char **errmsg)
{
    struct ca_csr_req r = {.csr = csr, .len = csr_len, .device_id = device_id};
    int rc = ca_issue_from_csrs(ca, issuer, &r, 1, via, errmsg);
    if (rc == 0)
        rc = r.rc;
    if (rc < 0) {
        if (errmsg && !*errmsg) {
            *errmsg = r.errmsg;
            r.errmsg = NULL;
        }
        free(r.errmsg);
        ca_issued_cleanup(&r.out);
        memset(out, 0, sizeof *out);
        return rc;
    }
    free(r.errmsg);
    *out = r.out;
    return 0;
}

int ca_issue_server(struct ca_ctx *ca, const char *issuer, const char *common_name, const char *dns_names,
                    const char *ips, EVP_PKEY **key_out, struct ca_issued *out, char **errmsg)
{
    memset(out, 0, sizeof *out);
    *key_out = NULL;
    if (!common_name || !*common_name || strlen(common_name) > 64)
        return err_fail(errmsg, -ERR_INVAL, "server certificate needs a common name of 1-64 characters");
    struct ca_authority *iss = ca_authority_get(ca, issuer, 1, errmsg);
    if (!iss)
        return -ERR_NOENT;
    EVP_PKEY *key = ca_key_generate("ec-p256", errmsg);
    if (!key)
        return -ERR_CRYPTO;
    out->cert = ca_build_leaf(ca, iss, key, NULL, "server", common_name, dns_names, ips, out->serial,
                              sizeof out->serial, errmsg);
    const char *serials[1] = {out->serial}, *ids[1] = {NULL};
    int rc = out->cert ? ca_record_issued(ca, iss, &out->cert, serials, ids, 1, "server", "server", errmsg)
                       : -ERR_CRYPTO;
    if (rc < 0) {
        ca_issued_cleanup(out);
        EVP_PKEY_free(key);
        return rc;
    }
    *key_out = key;
    return 0;
}

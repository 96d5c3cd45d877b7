/* pki-ca/ca_crl.c — building and signing CRLs: one query, one entry per revoked serial,
 * one sort, one signature (linear in the number of revocations apart from the sort). */
#include "ca_crl.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/x509v3.h>

#include "ca_audit.h"
#include "ca_db.h"
#include "ca_util.h"
#include "log.h"

#define CRL_REASONS 11 /* RFC 5280 CRLReason codes 0..10 (7 unused) */

#ifndef X509_CRL_VERSION_2
#define X509_CRL_VERSION_2 1
#endif

/* Cached reasonCode extensions, one per code, built on first use for one CRL. */
struct reason_exts {
    X509_EXTENSION *ext[CRL_REASONS];
};

static X509_EXTENSION *reason_ext(struct reason_exts *re, int reason)
{
    if (reason < 0 || reason >= CRL_REASONS)
        return NULL;
    if (!re->ext[reason]) {
        ASN1_ENUMERATED *e = ASN1_ENUMERATED_new();
        if (e && ASN1_ENUMERATED_set(e, reason))
            re->ext[reason] = X509V3_EXT_i2d(NID_crl_reason, 0, e);
        ASN1_ENUMERATED_free(e);
    }
    return re->ext[reason];
}

static void reason_exts_free(struct reason_exts *re)
{
    for (int i = 0; i < CRL_REASONS; i++)
        X509_EXTENSION_free(re->ext[i]);
}

/* One X509_REVOKED per row (serial hex, reason, revoked_at seconds), appended unsorted. */
static int add_entries(X509_CRL *crl, PGresult *r, char **errmsg)
{
    struct reason_exts re = {{0}};
    BIGNUM *bn = NULL;
    ASN1_INTEGER *serial = NULL;
    ASN1_TIME *when = ASN1_TIME_new();
    int rc = when ? 0 : -ERR_NOMEM;
    int rows = PQntuples(r);
    for (int i = 0; i < rows && rc == 0; i++) {
        const char *hex = PQgetvalue(r, i, 0);
        char *end1, *end2;
        long reason = strtol(PQgetvalue(r, i, 1), &end1, 10);
        long long at = strtoll(PQgetvalue(r, i, 2), &end2, 10);
        if (*end1 || *end2 || reason < 0 || reason >= CRL_REASONS || BN_hex2bn(&bn, hex) != (int)strlen(hex)) {
            rc = err_fail(errmsg, -ERR_INTEGRITY, "revocation row %d (serial %.48s) is malformed", i, hex);
            break;
        }
        serial = BN_to_ASN1_INTEGER(bn, serial);
        X509_REVOKED *rev = X509_REVOKED_new();
        X509_EXTENSION *ext = reason ? reason_ext(&re, (int)reason) : NULL;
        int ok = serial && rev && ASN1_TIME_set(when, (time_t)at) && X509_REVOKED_set_serialNumber(rev, serial) &&
                 X509_REVOKED_set_revocationDate(rev, when) &&
                 (!reason || (ext && X509_REVOKED_add_ext(rev, ext, -1))) && X509_CRL_add0_revoked(crl, rev);
        if (!ok) {
            X509_REVOKED_free(rev);
            rc = err_fail(errmsg, -ERR_CRYPTO, "cannot build CRL entry for serial %.48s", hex);
        }
    }
    reason_exts_free(&re);
    BN_free(bn);
    ASN1_INTEGER_free(serial);
    ASN1_TIME_free(when);
    return rc;
}

/* Header fields and CRL extensions (cRLNumber, AKI), then one sort and the signature. */
static int finish_crl(X509_CRL *crl, struct ca_authority *iss, long long number, long hours, char **errmsg)
{
    ASN1_TIME *now = X509_gmtime_adj(NULL, 0);
    ASN1_TIME *next = X509_gmtime_adj(NULL, hours * 3600);
    ASN1_INTEGER *num = ASN1_INTEGER_new();
    AUTHORITY_KEYID *akid = NULL;
    const ASN1_OCTET_STRING *ski = X509_get0_subject_key_id(iss->cert);
    int ok = now && next && num && ASN1_INTEGER_set_int64(num, number) &&
             X509_CRL_set_version(crl, X509_CRL_VERSION_2) &&
             X509_CRL_set_issuer_name(crl, X509_get_subject_name(iss->cert)) && X509_CRL_set1_lastUpdate(crl, now) &&
             X509_CRL_set1_nextUpdate(crl, next) && X509_CRL_add1_ext_i2d(crl, NID_crl_number, num, 0, 0) == 1;
    if (ok && ski) {
        akid = AUTHORITY_KEYID_new();
        ok = akid && (akid->keyid = ASN1_OCTET_STRING_dup(ski)) != NULL &&
             X509_CRL_add1_ext_i2d(crl, NID_authority_key_identifier, akid, 0, 0) == 1;
    }
    ok = ok && X509_CRL_sort(crl) && X509_CRL_sign(crl, iss->key, ca_digest_for(iss->key)) > 0;
    AUTHORITY_KEYID_free(akid);
    ASN1_INTEGER_free(num);
    ASN1_TIME_free(now);
    ASN1_TIME_free(next);
    if (!ok) {
        char why[200];
        ca_ssl_error(why, sizeof why);
        return err_fail(errmsg, -ERR_CRYPTO, "cannot sign the CRL of %s: %s", iss->name, why);
    }
    return 0;
}

static long elapsed_ms(const struct timespec *t0)
{
    struct timespec t1;
    clock_gettime(CLOCK_MONOTONIC, &t1);
    return (t1.tv_sec - t0->tv_sec) * 1000 + (t1.tv_nsec - t0->tv_nsec) / 1000000;
}

int ca_crl_build(struct ca_ctx *ca, const char *issuer, X509_CRL **out, char **errmsg)
{
    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    *out = NULL;
    struct ca_authority *iss = ca_authority_get(ca, issuer, 1, errmsg);
    if (!iss)
        return -ERR_NOENT;
    struct db *db = ca_db(ca);
    X509_CRL *crl = NULL;
    PGresult *r = NULL;
    long long number = 0;
    int count = 0;
    int own_txn = !db_in_transaction(db);
    int rc = own_txn ? db_begin(db, errmsg) : 0;
    if (rc < 0)
        return rc;
    if ((rc = ca_db_crl_number_next(db, iss->id, &number, errmsg)) < 0)
        goto out;
    if (!(r = ca_db_crl_entries(db, iss->id, errmsg))) {
        rc = -ERR_DB;
        goto out;
    }
    count = PQntuples(r);
    if (!(crl = X509_CRL_new())) {
        rc = err_fail(errmsg, -ERR_NOMEM, "out of memory");
        goto out;
    }
    if ((rc = add_entries(crl, r, errmsg)) < 0 ||
        (rc = finish_crl(crl, iss, number, cfg_int(ca_cfg(ca), "ca", "crl_validity_hours"), errmsg)) < 0)
        goto out;
    char details[96];
    snprintf(details, sizeof details, "crl_number=%lld count=%d", number, count);
    rc = ca_audit(db, ca_actor(ca), "crl.build", iss->name, "ok", details, errmsg);
out:
    PQclear(r);
    if (own_txn) {
        if (rc == 0)
            rc = db_commit(db, errmsg);
        else
            db_rollback(db);
    }
    if (rc < 0) {
        X509_CRL_free(crl);
        return rc;
    }
    log_info("ca", "event=crl_build issuer=%s crl_number=%lld count=%d ms=%ld", iss->name, number, count,
             elapsed_ms(&t0));
    *out = crl;
    return 0;
}

long long ca_crl_number(const X509_CRL *crl)
{
    ASN1_INTEGER *num = X509_CRL_get_ext_d2i(crl, NID_crl_number, NULL, NULL);
    int64_t v = -1;
    if (!num || !ASN1_INTEGER_get_int64(&v, num))
        v = -1;
    ASN1_INTEGER_free(num);
    return (long long)v;
}

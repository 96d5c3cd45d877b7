/* pki-ca/ca_ocsp.c — the OCSP responder: match CertIDs to authorities by precomputed
 * hashes, look every serial up in one query, sign with the issuing authority's key. */
#include "ca_ocsp.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/err.h>
#include <openssl/ocsp.h>

#include "ca_db.h"
#include "ca_util.h"
#include "log.h"

/* CertID hash algorithms we recognise (SHA-1 is what most clients still send). */
static const int hash_nids[] = {NID_sha1, NID_sha256, NID_sha384, NID_sha512};
#define NHASH (sizeof hash_nids / sizeof hash_nids[0])

struct ocsp_issuer {
    struct ca_authority *a; /* borrowed from the ca_ctx, key loaded */
    unsigned char name_hash[NHASH][EVP_MAX_MD_SIZE];
    unsigned char key_hash[NHASH][EVP_MAX_MD_SIZE];
    unsigned int hash_len[NHASH];
};

struct ca_ocsp {
    struct ca_ctx *ca;
    struct ocsp_issuer *issuers;
    size_t nissuers;
    struct ca_ocsp_summary last;
};

/* Status of one CertID while a request is answered. */
struct certid_status {
    OCSP_CERTID *cid; /* borrowed from the request */
    char serial[CA_SERIAL_HEX_MAX + 1];
    int status; /* V_OCSP_CERTSTATUS_* */
    int reason;
    long long revoked_at;
};

static int issuer_hashes(struct ocsp_issuer *is, char **errmsg)
{
    for (size_t h = 0; h < NHASH; h++) {
        const EVP_MD *md = EVP_get_digestbynid(hash_nids[h]);
        unsigned int nlen = 0, klen = 0;
        if (!md || !X509_NAME_digest(X509_get_subject_name(is->a->cert), md, is->name_hash[h], &nlen) ||
            !X509_pubkey_digest(is->a->cert, md, is->key_hash[h], &klen) || nlen != klen)
            return ca_fail(errmsg, -ERR_CRYPTO, "cannot hash the certificate of CA %s", is->a->name);
        is->hash_len[h] = nlen;
    }
    return 0;
}

struct ca_ocsp *ca_ocsp_new(struct ca_ctx *ca, char **errmsg)
{
    if (ca_authorities_load_all(ca, errmsg) < 0)
        return NULL;
    size_t n = ca_authority_count(ca);
    if (n == 0) {
        ca_fail(errmsg, -ERR_NOENT, "no CA yet (run acs-ca init)");
        return NULL;
    }
    struct ca_ocsp *o = calloc(1, sizeof *o);
    if (!o || !(o->issuers = calloc(n, sizeof *o->issuers))) {
        free(o);
        ca_fail(errmsg, -ERR_NOMEM, "out of memory");
        return NULL;
    }
    o->ca = ca;
    for (size_t i = 0; i < n; i++) {
        struct ca_authority *a = ca_authority_at(ca, i);
        struct ocsp_issuer *is = &o->issuers[o->nissuers];
        if (!(is->a = ca_authority_by_id(ca, a->id, 1, errmsg)) || issuer_hashes(is, errmsg) < 0) {
            ca_ocsp_free(o);
            return NULL;
        }
        o->nissuers++;
    }
    return o;
}

void ca_ocsp_free(struct ca_ocsp *o)
{
    if (!o)
        return;
    free(o->issuers);
    free(o);
}

const struct ca_ocsp_summary *ca_ocsp_last(const struct ca_ocsp *o)
{
    return &o->last;
}

static struct ocsp_issuer *find_issuer(struct ca_ocsp *o, OCSP_CERTID *cid)
{
    ASN1_OCTET_STRING *name_hash = NULL, *key_hash = NULL;
    ASN1_OBJECT *alg = NULL;
    if (!OCSP_id_get0_info(&name_hash, &alg, &key_hash, NULL, cid) || !name_hash || !key_hash || !alg)
        return NULL;
    int nid = OBJ_obj2nid(alg);
    size_t h = 0;
    while (h < NHASH && hash_nids[h] != nid)
        h++;
    if (h == NHASH)
        return NULL;
    for (size_t i = 0; i < o->nissuers; i++) {
        struct ocsp_issuer *is = &o->issuers[i];
        if (ASN1_STRING_length(name_hash) == (int)is->hash_len[h] &&
            ASN1_STRING_length(key_hash) == (int)is->hash_len[h] &&
            !memcmp(ASN1_STRING_get0_data(name_hash), is->name_hash[h], is->hash_len[h]) &&
            !memcmp(ASN1_STRING_get0_data(key_hash), is->key_hash[h], is->hash_len[h]))
            return is;
    }
    return NULL;
}

static unsigned char *encode_response(OCSP_RESPONSE *resp, size_t *len)
{
    int n = resp ? i2d_OCSP_RESPONSE(resp, NULL) : -1;
    unsigned char *der = n > 0 ? malloc((size_t)n) : NULL;
    unsigned char *p = der;
    if (der && i2d_OCSP_RESPONSE(resp, &p) != n) {
        free(der);
        der = NULL;
    }
    *len = der ? (size_t)n : 0;
    return der;
}

unsigned char *ca_ocsp_error_response(int response_status, size_t *len)
{
    OCSP_RESPONSE *resp = OCSP_response_create(response_status, NULL);
    unsigned char *der = encode_response(resp, len);
    OCSP_RESPONSE_free(resp);
    return der;
}

/* Fill st[] from the database (one query): good / revoked / unknown. */
static int lookup_status(struct ca_ocsp *o, struct ocsp_issuer *is, struct certid_status *st, int n)
{
    const char **serials = calloc((size_t)n, sizeof *serials);
    if (!serials)
        return -ERR_NOMEM;
    size_t k = 0;
    for (int i = 0; i < n; i++)
        if (st[i].serial[0])
            serials[k++] = st[i].serial;
    char *err = NULL;
    PGresult *r = k ? ca_db_cert_status(ca_db(o->ca), is->a->id, serials, k, &err) : NULL;
    free(serials);
    if (k && !r) {
        char q[300];
        log_err("ocsp", "event=status_query_failed issuer=%s error=%s", is->a->name,
                log_quote(q, sizeof q, err ? err : "?"));
        free(err);
        return -ERR_DB;
    }
    for (int row = 0; r && row < PQntuples(r); row++) {
        const char *serial = PQgetvalue(r, row, 0);
        int revoked = !PQgetisnull(r, row, 1);
        for (int i = 0; i < n; i++) {
            if (strcmp(st[i].serial, serial))
                continue;
            st[i].status = revoked ? V_OCSP_CERTSTATUS_REVOKED : V_OCSP_CERTSTATUS_GOOD;
            if (revoked) {
                st[i].reason = (int)strtol(PQgetvalue(r, row, 1), NULL, 10);
                st[i].revoked_at = strtoll(PQgetvalue(r, row, 2), NULL, 10);
            }
        }
    }
    PQclear(r);
    return 0;
}

/* Add every SingleResponse, the nonce, and sign. 0 or -ERR_CRYPTO. */
static int build_basic(OCSP_BASICRESP *bs, OCSP_REQUEST *req, struct ocsp_issuer *is, struct certid_status *st, int n)
{
    ASN1_TIME *now = X509_gmtime_adj(NULL, 0);
    ASN1_TIME *next = X509_gmtime_adj(NULL, CA_OCSP_VALIDITY_SECONDS);
    ASN1_TIME *revtime = ASN1_TIME_new();
    int ok = now && next && revtime;
    for (int i = 0; i < n && ok; i++) {
        int revoked = st[i].status == V_OCSP_CERTSTATUS_REVOKED;
        /* RFC 5280 §5.3.1: omit the reason rather than say "unspecified" */
        int reason = revoked && st[i].reason > 0 ? st[i].reason : OCSP_REVOKED_STATUS_NOSTATUS;
        ok = (!revoked || ASN1_TIME_set(revtime, (time_t)st[i].revoked_at)) &&
             OCSP_basic_add1_status(bs, st[i].cid, st[i].status, reason, revoked ? revtime : NULL, now, next);
    }
    ok = ok && OCSP_copy_nonce(bs, req) > 0 &&
         OCSP_basic_sign(bs, is->a->cert, is->a->key, ca_digest_for(is->a->key), NULL, OCSP_RESPID_KEY) == 1;
    ASN1_TIME_free(now);
    ASN1_TIME_free(next);
    ASN1_TIME_free(revtime);
    return ok ? 0 : -ERR_CRYPTO;
}

/* Decide the response for a decoded request; *bs_out is set when successful. */
static int answer(struct ca_ocsp *o, OCSP_REQUEST *req, OCSP_BASICRESP **bs_out)
{
    struct ca_ocsp_summary *sum = &o->last;
    int n = OCSP_request_onereq_count(req);
    sum->ncertids = n > 0 ? n : 0;
    if (n <= 0 || n > CA_OCSP_MAX_CERTIDS) {
        snprintf(sum->detail, sizeof sum->detail, "%s", n <= 0 ? "no CertID" : "too many CertIDs");
        return OCSP_RESPONSE_STATUS_MALFORMEDREQUEST;
    }
    sum->nonce = OCSP_REQUEST_get_ext_by_NID(req, NID_id_pkix_OCSP_Nonce, -1) >= 0;
    struct certid_status *st = calloc((size_t)n, sizeof *st);
    if (!st)
        return OCSP_RESPONSE_STATUS_INTERNALERROR;
    struct ocsp_issuer *is = NULL;
    int status = OCSP_RESPONSE_STATUS_SUCCESSFUL;
    for (int i = 0; i < n && status == OCSP_RESPONSE_STATUS_SUCCESSFUL; i++) {
        st[i].cid = OCSP_onereq_get0_id(OCSP_request_onereq_get0(req, i));
        st[i].status = V_OCSP_CERTSTATUS_UNKNOWN;
        st[i].reason = -1;
        ASN1_INTEGER *serial = NULL;
        struct ocsp_issuer *this_is = find_issuer(o, st[i].cid);
        if (!this_is || (is && this_is != is)) {
            snprintf(sum->detail, sizeof sum->detail, "%s", this_is ? "CertIDs of two issuers" : "issuer not ours");
            status = OCSP_RESPONSE_STATUS_UNAUTHORIZED;
            break;
        }
        is = this_is;
        /* a negative or oversized serial was never ours: it stays "unknown" */
        if (!OCSP_id_get0_info(NULL, NULL, NULL, &serial, st[i].cid) ||
            ca_serial_hex(serial, st[i].serial, sizeof st[i].serial) < 0)
            st[i].serial[0] = '\0';
    }
    if (status == OCSP_RESPONSE_STATUS_SUCCESSFUL) {
        snprintf(sum->issuer, sizeof sum->issuer, "%s", is->a->name);
        snprintf(sum->serial, sizeof sum->serial, "%s", st[0].serial);
        int rc = lookup_status(o, is, st, n);
        if (rc < 0) {
            snprintf(sum->detail, sizeof sum->detail, "%s", rc == -ERR_DB ? "database unavailable" : "out of memory");
            status = rc == -ERR_DB ? OCSP_RESPONSE_STATUS_TRYLATER : OCSP_RESPONSE_STATUS_INTERNALERROR;
        }
    }
    if (status == OCSP_RESPONSE_STATUS_SUCCESSFUL) {
        sum->cert_status = st[0].status;
        sum->reason = st[0].status == V_OCSP_CERTSTATUS_REVOKED ? st[0].reason : -1;
        OCSP_BASICRESP *bs = OCSP_BASICRESP_new();
        if (!bs || build_basic(bs, req, is, st, n) < 0) {
            char why[200], q[300];
            ca_ssl_error(why, sizeof why);
            log_err("ocsp", "event=sign_failed issuer=%s error=%s", is->a->name, log_quote(q, sizeof q, why));
            snprintf(sum->detail, sizeof sum->detail, "signing failed");
            OCSP_BASICRESP_free(bs);
            status = OCSP_RESPONSE_STATUS_INTERNALERROR;
        } else {
            *bs_out = bs;
        }
    }
    free(st);
    return status;
}

int ca_ocsp_respond(struct ca_ocsp *o, const unsigned char *req_der, size_t len, unsigned char **resp_der,
                    size_t *resp_len)
{
    *resp_der = NULL;
    *resp_len = 0;
    memset(&o->last, 0, sizeof o->last);
    o->last.cert_status = -1;
    o->last.reason = -1;
    OCSP_REQUEST *req = NULL;
    OCSP_BASICRESP *bs = NULL;
    int status = OCSP_RESPONSE_STATUS_MALFORMEDREQUEST;
    if (req_der && len > 0 && len <= CA_OCSP_MAX_REQUEST) {
        const unsigned char *p = req_der;
        req = d2i_OCSP_REQUEST(NULL, &p, (long)len);
        if (req && p != req_der + len) { /* trailing bytes */
            OCSP_REQUEST_free(req);
            req = NULL;
        }
    }
    if (req)
        status = answer(o, req, &bs);
    else
        snprintf(o->last.detail, sizeof o->last.detail, "%s",
                 len > CA_OCSP_MAX_REQUEST ? "request too large" : "undecodable request");
    ERR_clear_error();
    o->last.response_status = status;
    OCSP_RESPONSE *resp = OCSP_response_create(status, bs);
    *resp_der = encode_response(resp, resp_len);
    OCSP_RESPONSE_free(resp);
    OCSP_BASICRESP_free(bs);
    OCSP_REQUEST_free(req);
    return *resp_der ? 0 : -ERR_NOMEM;
}

/* pki-ca/ca_ocsp.c — the OCSP responder: match CertIDs to authorities by precomputed
 * hashes, look every serial up in one query, sign with the issuing authority's key.
 * Signed answers to single-CertID, nonce-less requests (what CPEs and RFC 5019 clients
 * send) are cached in a direct-mapped table keyed by the DER CertID: a hit costs a hash
 * and a copy instead of a query and a signature. Revocation reaches the cache through the
 * verifier's live revoked set, checked on every hit (revocations are permanent, so only a
 * good or unknown answer can go stale). */
#include "ca_ocsp.h"

#include <stdint.h>
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

#define CACHE_WAYS 4 /* slots a CertID may occupy: collisions rarely evict a live answer */

/* One cached signed response (refresh_at 0: empty). */
struct cache_slot {
    unsigned char key[CA_OCSP_CERTID_MAX]; /* DER CertID */
    size_t key_len;                        /* 0: empty slot */
    unsigned char *der;                    /* the whole OCSPResponse */
    size_t der_len;
    time_t refresh_at; /* served until then */
    struct ocsp_issuer *is;
    char serial[CA_SERIAL_HEX_MAX + 1];
    int status, reason;
};

struct ca_ocsp {
    struct ca_ctx *ca;
    struct ca_verifier *verifier; /* borrowed; NULL: no cache */
    struct ocsp_issuer *issuers;
    size_t nissuers;
    struct cache_slot *cache; /* CA_OCSP_CACHE_SLOTS, or NULL */
    struct ca_ocsp_summary last;
    struct ocsp_issuer *cur_issuer; /* authority of the last successful answer */
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
            return err_fail(errmsg, -ERR_CRYPTO, "cannot hash the certificate of CA %s", is->a->name);
        is->hash_len[h] = nlen;
    }
    return 0;
}

struct ca_ocsp *ca_ocsp_new(struct ca_ctx *ca, struct ca_verifier *verifier, char **errmsg)
{
    if (ca_authorities_load_all(ca, errmsg) < 0)
        return NULL;
    size_t n = ca_authority_count(ca);
    if (n == 0) {
        err_fail(errmsg, -ERR_NOENT, "no CA yet (run acs-ca init)");
        return NULL;
    }
    struct ca_ocsp *o = calloc(1, sizeof *o);
    if (!o || !(o->issuers = calloc(n, sizeof *o->issuers)) ||
        (verifier && !(o->cache = calloc(CA_OCSP_CACHE_SLOTS, sizeof *o->cache)))) {
        if (o)
            free(o->issuers);
        free(o);
        err_fail(errmsg, -ERR_NOMEM, "out of memory");
        return NULL;
    }
    o->ca = ca;
    o->verifier = verifier;
    for (size_t i = 0; i < n; i++) {
        struct ca_authority *a = ca_authority_at(ca, i);
        struct ocsp_issuer *is = &o->issuers[o->nissuers];
        /* an offline root (no root passphrase here) and a revoked issuer sign nothing: their
         * CertIDs are answered "unauthorized"; the root's CRL covers the issuers */
        char *why = NULL;
        if ((a->is_root || a->revoked) && !ca_authority_by_id(ca, a->id, 1, &why)) {
            log_info("ocsp", "event=ocsp_authority_skipped name=%s reason=%s", a->name,
                     a->revoked ? "revoked" : "root_offline");
            free(why);
            continue;
        }
        free(why);
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
    for (size_t i = 0; o->cache && i < CA_OCSP_CACHE_SLOTS; i++)
        free(o->cache[i].der);
    free(o->cache);
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
        o->cur_issuer = is;
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

/* ---- response cache ------------------------------------------------------------ */

/* The request's only CertID as DER into key (CA_OCSP_CERTID_MAX), when the request may be
 * answered from the cache: one CertID, no nonce. Returns the key length or 0. */
static size_t cache_key(OCSP_REQUEST *req, unsigned char *key)
{
    if (OCSP_request_onereq_count(req) != 1 || OCSP_REQUEST_get_ext_by_NID(req, NID_id_pkix_OCSP_Nonce, -1) >= 0)
        return 0;
    OCSP_CERTID *cid = OCSP_onereq_get0_id(OCSP_request_onereq_get0(req, 0));
    int n = cid ? i2d_OCSP_CERTID(cid, NULL) : -1;
    unsigned char *p = key;
    if (n <= 0 || n > CA_OCSP_CERTID_MAX || i2d_OCSP_CERTID(cid, &p) != n)
        return 0;
    return (size_t)n;
}

/* The slot holding key, or (want_free) the one to replace in its set of CACHE_WAYS: empty
 * or the oldest. NULL when key is not cached and !want_free. */
static struct cache_slot *cache_slot_for(struct ca_ocsp *o, const unsigned char *key, size_t len, int want_free)
{
    uint64_t h = 1469598103934665603ull;
    for (size_t i = 0; i < len; i++)
        h = (h ^ key[i]) * 1099511628211ull;
    struct cache_slot *set = &o->cache[h % (CA_OCSP_CACHE_SLOTS / CACHE_WAYS) * CACHE_WAYS], *victim = set;
    for (int w = 0; w < CACHE_WAYS; w++) {
        if (set[w].key_len == len && !memcmp(set[w].key, key, len))
            return &set[w];
        if (set[w].refresh_at < victim->refresh_at)
            victim = &set[w];
    }
    return want_free ? victim : NULL;
}

/* A fresh cached answer for key, copied into *resp_der; 1 on a hit. */
static int cache_get(struct ca_ocsp *o, const unsigned char *key, size_t len, unsigned char **resp_der,
                     size_t *resp_len)
{
    struct cache_slot *c = cache_slot_for(o, key, len, 0);
    if (!c || time(NULL) >= c->refresh_at)
        return 0;
    /* revoked since it was signed: look it up again (the query gives time and reason) */
    if (c->status != V_OCSP_CERTSTATUS_REVOKED && c->serial[0] && ca_verifier_is_revoked(o->verifier, c->serial))
        return 0;
    if (!(*resp_der = malloc(c->der_len)))
        return 0;
    memcpy(*resp_der, c->der, c->der_len);
    *resp_len = c->der_len;
    struct ca_ocsp_summary *sum = &o->last;
    sum->ncertids = 1;
    sum->cert_status = c->status;
    sum->reason = c->status == V_OCSP_CERTSTATUS_REVOKED ? c->reason : -1;
    sum->cached = 1;
    snprintf(sum->serial, sizeof sum->serial, "%s", c->serial);
    snprintf(sum->issuer, sizeof sum->issuer, "%s", c->is->a->name);
    return 1;
}

/* Remember a successful signed answer (replacing whatever shared its slot). */
static void cache_put(struct ca_ocsp *o, const unsigned char *key, size_t len, const unsigned char *der,
                      size_t der_len)
{
    struct cache_slot *c = cache_slot_for(o, key, len, 1);
    unsigned char *copy = malloc(der_len);
    if (!copy)
        return;
    memcpy(copy, der, der_len);
    free(c->der);
    memcpy(c->key, key, len);
    c->key_len = len;
    c->der = copy;
    c->der_len = der_len;
    c->refresh_at = time(NULL) + CA_OCSP_VALIDITY_SECONDS - CA_OCSP_REFRESH_SECONDS;
    c->is = o->cur_issuer;
    c->status = o->last.cert_status;
    c->reason = o->last.reason;
    snprintf(c->serial, sizeof c->serial, "%s", o->last.serial);
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
    unsigned char key[CA_OCSP_CERTID_MAX];
    size_t key_len = req && o->cache ? cache_key(req, key) : 0;
    if (key_len && cache_get(o, key, key_len, resp_der, resp_len)) {
        OCSP_REQUEST_free(req);
        return 0;
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
    if (key_len && bs && *resp_der)
        cache_put(o, key, key_len, *resp_der, *resp_len);
    OCSP_RESPONSE_free(resp);
    OCSP_BASICRESP_free(bs);
    OCSP_REQUEST_free(req);
    return *resp_der ? 0 : -ERR_NOMEM;
}

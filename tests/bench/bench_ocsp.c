/* tests/bench/bench_ocsp.c — OCSP responses/s and CRL build time, in-process.
 *   bench_ocsp N_REQUESTS N_REVOKED
 * Adds N_REVOKED revoked certificate rows (synthetic: serial and dates only, a dummy
 * DER: CRL and OCSP read only those columns) to the configured database, then times
 * ca_ocsp_respond() on N_REQUESTS single-CertID requests (a third each good, revoked,
 * unknown) three ways: cold (each one the first for its serial: lookup + sign + cache),
 * warm (the same requests again: served from the response cache, as for CPEs polling
 * their own status) and with a nonce (lookup + sign per request, never cached); then one
 * ca_crl_build(). Prints key=value lines. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/bn.h>
#include <openssl/ocsp.h>

#include "ca.h"
#include "ca_crl.h"
#include "ca_ocsp.h"
#include "ca_verify.h"
#include "cfg.h"
#include "db.h"
#include "log.h"

static double now_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static int fail(const char *what, char *err)
{
    fprintf(stderr, "bench_ocsp: %s: %s\n", what, err ? err : "?");
    free(err);
    return 1;
}

/* One DER OCSP request for serial (hex) under issuer, with a nonce if asked. */
static unsigned char *make_request(X509 *issuer, const char *serial_hex, int nonce, size_t *len)
{
    BIGNUM *bn = NULL;
    BN_hex2bn(&bn, serial_hex);
    ASN1_INTEGER *serial = BN_to_ASN1_INTEGER(bn, NULL);
    OCSP_CERTID *id = OCSP_cert_id_new(EVP_sha1(), X509_get_subject_name(issuer),
                                       X509_get0_pubkey_bitstr(issuer), serial);
    OCSP_REQUEST *req = OCSP_REQUEST_new();
    unsigned char *der = NULL;
    int n = id && req && OCSP_request_add0_id(req, id) && (!nonce || OCSP_request_add1_nonce(req, NULL, 16))
                ? i2d_OCSP_REQUEST(req, &der)
                : -1;
    OCSP_REQUEST_free(req);
    ASN1_INTEGER_free(serial);
    BN_free(bn);
    *len = n > 0 ? (size_t)n : 0;
    return n > 0 ? der : NULL;
}

/* Answer every request once; print the phase's counts and rate. */
static int run(struct ca_ocsp *o, unsigned char **reqs, const size_t *lens, long nreq, const char *phase)
{
    long counts[3] = {0, 0, 0}, cached = 0;
    double t0 = now_s();
    for (long i = 0; i < nreq; i++) {
        unsigned char *resp = NULL;
        size_t rlen = 0;
        if (ca_ocsp_respond(o, reqs[i], lens[i], &resp, &rlen) < 0 || ca_ocsp_last(o)->response_status != 0)
            return -1;
        int st = ca_ocsp_last(o)->cert_status;
        if (st >= 0 && st < 3)
            counts[st]++;
        cached += ca_ocsp_last(o)->cached;
        free(resp);
    }
    double secs = now_s() - t0;
    printf("ocsp_%s_requests=%ld good=%ld revoked=%ld unknown=%ld cached=%ld seconds=%.3f\n"
           "ocsp_%s_responses_per_s=%.0f\n",
           phase, nreq, counts[V_OCSP_CERTSTATUS_GOOD], counts[V_OCSP_CERTSTATUS_REVOKED],
           counts[V_OCSP_CERTSTATUS_UNKNOWN], cached, secs, phase, (double)nreq / secs);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: bench_ocsp N_REQUESTS N_REVOKED\n");
        return 2;
    }
    long nreq = strtol(argv[1], NULL, 10), nrev = strtol(argv[2], NULL, 10);
    static const struct cfg_key *const schemas[] = {db_cfg_schema, ca_cfg_schema, log_cfg_schema, NULL};
    char *err = NULL;
    struct cfg *cfg = cfg_new(schemas);
    const char *path = getenv("ACS_CONFIG");
    if (!cfg || (path && cfg_load_file(cfg, path, &err) < 0) || cfg_finish(cfg, &err) < 0)
        return fail("config", err);
    log_set_level(LOG_WARNING);
    struct db *db = db_connect_cfg(cfg, &err);
    struct ca_ctx *ca = db ? ca_new(cfg, db, "bench") : NULL;
    struct ca_authority *iss = ca ? ca_authority_get(ca, NULL, 1, &err) : NULL;
    if (!iss)
        return fail("setup", err);
    char count[24], issuer_id[16];
    snprintf(count, sizeof count, "%ld", nrev);
    snprintf(issuer_id, sizeof issuer_id, "%d", iss->id);
    const char *p[2] = {count, issuer_id};
    double t0 = now_s();
    if (db_run(db,
               "INSERT INTO certificates (serial, issuer_id, device_id, subject, profile, not_before, not_after,"
               " cert_der, issued_via) SELECT '1' || substr(md5('rev' || i), 2), $2::int, '00D09E-Bench-R' || i, 'CN=bench', 'device',"
               " now(), now() + interval '1 year', '\\x00', 'bench' FROM generate_series(1, $1::int) i",
               2, p, &err) < 0 ||
        db_run(db,
               "INSERT INTO revocations (serial, reason, actor) SELECT '1' || substr(md5('rev' || i), 2), 1 + i % 5, 'bench'"
               " FROM generate_series(1, $1::int) i",
               1, p, &err) < 0 ||
        db_run(db,
               "INSERT INTO certificates (serial, issuer_id, device_id, subject, profile, not_before, not_after,"
               " cert_der, issued_via) SELECT '1' || substr(md5('good' || i), 2), $2::int, '00D09E-Bench-G' || i, 'CN=bench',"
               " 'device', now(), now() + interval '1 year', '\\x00', 'bench' FROM generate_series(1, $1::int) i",
               2, p, &err) < 0)
        return fail("seed", err);
    printf("seeded_revoked=%ld seeded_good=%ld seconds=%.1f\n", nrev, nrev, now_s() - t0);

    const char *conninfo = cfg_str(cfg, "db", "conninfo");
    struct ca_verifier *v = ca_verifier_new(conninfo, &err);
    struct ca_ocsp *o = v ? ca_ocsp_new(ca, v, &err) : NULL;
    if (!o)
        return fail("ocsp", err);
    unsigned char **reqs = calloc((size_t)nreq, sizeof *reqs), **nreqs = calloc((size_t)nreq, sizeof *nreqs);
    size_t *lens = calloc((size_t)nreq, sizeof *lens), *nlens = calloc((size_t)nreq, sizeof *nlens);
    /* a third revoked, a third good, a third unknown */
    for (long i = 0; reqs && lens && nreqs && nlens && i < nreq; i++) {
        char text[40], hex[33];
        snprintf(text, sizeof text, "%s%ld", i % 3 == 0 ? "rev" : i % 3 == 1 ? "good" : "none", 1 + i % nrev);
        unsigned char md[EVP_MAX_MD_SIZE];
        unsigned int mdlen = 0;
        EVP_Digest(text, strlen(text), md, &mdlen, EVP_md5(), NULL);
        for (unsigned k = 0; k < 16; k++)
            snprintf(hex + 2 * k, 3, "%02x", md[k]);
        hex[0] = '1'; /* as seeded: canonical serials have no leading zero byte */
        if (!(reqs[i] = make_request(iss->cert, hex, 0, &lens[i])) ||
            !(nreqs[i] = make_request(iss->cert, hex, 1, &nlens[i])))
            return fail("request", NULL);
    }
    static const char *const phase[] = {"cold", "warm", "nonce"};
    for (int ph = 0; ph < 3; ph++)
        if (run(o, ph == 2 ? nreqs : reqs, ph == 2 ? nlens : lens, nreq, phase[ph]) < 0)
            return fail("respond", NULL);

    X509_CRL *crl = NULL;
    t0 = now_s();
    if (ca_crl_build(ca, NULL, &crl, &err) < 0)
        return fail("crl", err);
    double secs = now_s() - t0;
    unsigned char *der = NULL;
    int dlen = i2d_X509_CRL(crl, &der);
    printf("crl_entries=%d\ncrl_der_bytes=%d\ncrl_build_seconds=%.3f\n", sk_X509_REVOKED_num(X509_CRL_get_REVOKED(crl)),
           dlen, secs);
    OPENSSL_free(der);
    X509_CRL_free(crl);
    for (long i = 0; i < nreq; i++) {
        OPENSSL_free(reqs[i]);
        OPENSSL_free(nreqs[i]);
    }
    free(reqs);
    free(lens);
    free(nreqs);
    free(nlens);
    ca_ocsp_free(o);
    ca_verifier_free(v);
    ca_free(ca);
    db_free(db);
    cfg_free(cfg);
    return 0;
}

/* tests/bench/bench_ca.c — CA benchmarks, run by tests/bench/bench-ca.
 *   bench_ca ref-issue N         minimal in-process issuer (parse + verify CSR, build, sign)
 *   bench_ca issue N GROUP       libpkica issuance: policy + build + sign + DB write, GROUP per txn
 *   bench_ca pipe N GROUP        the same, recording on ca_writer's thread while the next group is signed
 *   bench_ca est N THREADS [SOCKET]  EST token enrollments (parse, token spent, issue, record: one
 *                                durable transaction each) by THREADS clients: in this process
 *                                (ca_est_handle), or through the signer at SOCKET (acsd's path)
 * Prints key=value lines. The DB and config come from ACS_CONFIG / ACS_DB_CONNINFO. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

#include <pthread.h>
#include <stdatomic.h>

#include "b64.h"
#include "ca.h"
#include "ca_est.h"
#include "ca_signer.h"
#include "ca_token.h"
#include "ca_util.h"
#include "ca_writer.h"
#include "cfg.h"
#include "db.h"
#include "log.h"

#define DEVICE_FMT "00D09E-Bench-%08d"

static double now_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

struct csr_set {
    unsigned char **der;
    size_t *len;
    char (*ids)[32];
    int n;
};

/* N EC P-256 CSRs with CN = device id, DER-encoded, made before any timing. */
static int make_csrs(struct csr_set *s, int n, int base)
{
    s->der = calloc((size_t)n, sizeof *s->der);
    s->len = calloc((size_t)n, sizeof *s->len);
    s->ids = calloc((size_t)n, sizeof *s->ids);
    s->n = n;
    if (!s->der || !s->len || !s->ids)
        return -1;
    for (int i = 0; i < n; i++) {
        snprintf(s->ids[i], sizeof s->ids[i], DEVICE_FMT, base + i);
        EVP_PKEY *key = EVP_EC_gen("P-256");
        X509_REQ *req = X509_REQ_new();
        X509_NAME *name = X509_REQ_get_subject_name(req);
        int ok = key && req && X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8,
                                                          (const unsigned char *)s->ids[i], -1, -1, 0) &&
                 X509_REQ_set_pubkey(req, key) && X509_REQ_sign(req, key, EVP_sha256()) > 0;
        int l = ok ? i2d_X509_REQ(req, &s->der[i]) : -1;
        X509_REQ_free(req);
        EVP_PKEY_free(key);
        if (l <= 0)
            return -1;
        s->len[i] = (size_t)l;
    }
    return 0;
}

/* The reference: what any issuer must do at least, with nothing of ours around it
 * (it copies the CSR's public key the cheap way too, so the ratio is not flattered). */
static int ref_issue(int n)
{
    struct csr_set s;
    EVP_PKEY *ca_key = EVP_EC_gen("P-256");
    X509_NAME *ca_name = X509_NAME_new();
    X509_NAME_add_entry_by_txt(ca_name, "CN", MBSTRING_UTF8, (const unsigned char *)"ref", -1, -1, 0);
    if (!ca_key || make_csrs(&s, n, 0) < 0)
        return 1;
    /* pass 0 warms OpenSSL's provider caches on 200 CSRs, untimed; pass 1 is measured */
    double t0 = 0;
    int issued = 0;
    for (int pass = 0; pass < 2; pass++)
    for (int i = 0; i < (pass ? n : (n < 200 ? n : 200)); i++) {
        if (pass == 1 && i == 0) {
            t0 = now_s();
            issued = 0;
        }
        const unsigned char *p = s.der[i];
        X509_REQ *req = d2i_X509_REQ(NULL, &p, (long)s.len[i]);
        EVP_PKEY *pub = req ? X509_REQ_get0_pubkey(req) : NULL;
        X509 *x = X509_new();
        int ok = pub && X509_REQ_verify(req, pub) == 1 && x && X509_set_version(x, 2) &&
                 ASN1_INTEGER_set(X509_get_serialNumber(x), i + 1) &&
                 X509_set_subject_name(x, X509_REQ_get_subject_name(req)) && X509_set_issuer_name(x, ca_name) &&
                 X509_gmtime_adj(X509_getm_notBefore(x), 0) && X509_gmtime_adj(X509_getm_notAfter(x), 86400L * 825) &&
                 ca_copy_spki(x, X509_REQ_get_X509_PUBKEY(req)) == 0 && X509_sign(x, ca_key, EVP_sha256()) > 0;
        unsigned char *der = NULL;
        if (ok && i2d_X509(x, &der) > 0)
            issued++;
        OPENSSL_free(der);
        X509_free(x);
        X509_REQ_free(req);
    }
    double secs = now_s() - t0;
    printf("ref_issued=%d\nref_seconds=%.3f\nref_certs_per_s=%.0f\n", issued, secs, issued / secs);
    return issued == n ? 0 : 1;
}

/* The configuration of $ACS_CONFIG (NULL, said on stderr, when it does not load). */
static struct cfg *bench_cfg(void)
{
    static const struct cfg_key *const schemas[] = {db_cfg_schema, ca_cfg_schema, log_cfg_schema, NULL};
    char *err = NULL;
    struct cfg *cfg = cfg_new(schemas);
    const char *path = getenv("ACS_CONFIG");
    if (!cfg || (path && cfg_load_file(cfg, path, &err) < 0) || cfg_finish(cfg, &err) < 0) {
        fprintf(stderr, "bench: config: %s\n", err ? err : "?");
        free(err);
        cfg_free(cfg);
        return NULL;
    }
    return cfg;
}

static int lib_issue(int n, int group, int pipelined)
{
    char *err = NULL;
    struct cfg *cfg = bench_cfg();
    if (!cfg)
        return 1;
    struct db *db = db_connect_cfg(cfg, &err);
    struct ca_ctx *ca = db ? ca_new(cfg, db, "bench") : NULL;
    struct csr_set s;
    if (!ca || make_csrs(&s, n, 0) < 0) {
        fprintf(stderr, "bench: setup: %s\n", err ? err : "?");
        return 1;
    }
    struct ca_csr_req *reqs = calloc((size_t)group, sizeof *reqs);
    log_set_level(LOG_WARNING); /* one info line per certificate would measure stderr */
    /* load the issuer key outside the timed part, as a running server has it */
    if (!reqs || !ca_authority_get(ca, NULL, 1, &err)) {
        fprintf(stderr, "bench: issuer: %s\n", err ? err : "?");
        return 1;
    }
    struct ca_writer *w = pipelined ? ca_writer_new(cfg, "bench", &err) : NULL;
    if (pipelined && !w) {
        fprintf(stderr, "bench: writer: %s\n", err ? err : "?");
        return 1;
    }
    double t0 = now_s();
    long issued = 0;
    for (int first = 0; first < n; first += group) {
        int k = n - first < group ? n - first : group;
        for (int i = 0; i < k; i++)
            reqs[i] = (struct ca_csr_req){.csr = s.der[first + i], .len = s.len[first + i],
                                          .device_id = s.ids[first + i]};
        struct ca_authority *iss = NULL;
        int rc = pipelined ? ca_issue_prepare(ca, NULL, reqs, (size_t)k, "bench", &iss, &err)
                           : ca_issue_from_csrs(ca, NULL, reqs, (size_t)k, "bench", &err);
        if (rc == 0 && pipelined)
            rc = ca_writer_submit(w, iss, reqs, (size_t)k, "bench");
        if (rc < 0) {
            fprintf(stderr, "bench: issue: %s\n", err ? err : "?");
            return 1;
        }
        for (int i = 0; i < k; i++) {
            issued += !pipelined && reqs[i].rc == 0;
            free(reqs[i].errmsg);
            ca_issued_cleanup(&reqs[i].out);
        }
    }
    if (pipelined && ca_writer_drain(w, &issued, &err) < 0) {
        fprintf(stderr, "bench: writer: %s\n", err ? err : "?");
        return 1;
    }
    ca_writer_free(w);
    double secs = now_s() - t0;
    printf("lib_issued=%ld\nlib_group=%d\nlib_pipelined=%d\nlib_seconds=%.3f\nlib_certs_per_s=%.0f\n", issued, group,
           pipelined, secs, (double)issued / secs);
    ca_free(ca);
    db_free(db);
    cfg_free(cfg);
    return issued == (long)n ? 0 : 1;
}

/* ---- EST enrollments, in-process or through the signer ---- */

struct est_bench {
    const struct cfg *cfg;
    const char *socket;           /* NULL: in-process */
    char **bodies, **auths;       /* base64 CSR, "Basic base64(id:token)" */
    int n;
    atomic_int next, ok;
};

static char *b64(const unsigned char *p, size_t n)
{
    char *out = malloc(B64_LEN(n) + 1);
    if (out && b64_encode(p, n, out, B64_LEN(n) + 1) < 0) {
        free(out);
        out = NULL;
    }
    return out;
}

static void *est_client(void *arg)
{
    struct est_bench *b = arg;
    char *err = NULL;
    struct db *db = b->socket ? NULL : db_connect_cfg(b->cfg, &err);
    struct ca_ctx *ca = db ? ca_new(b->cfg, db, "bench") : NULL;
    if (!b->socket && !ca) {
        fprintf(stderr, "bench: est client: %s\n", err ? err : "?");
        return NULL;
    }
    for (int i; (i = atomic_fetch_add(&b->next, 1)) < b->n;) {
        struct ca_est_request req = {.method = "POST", .path = "simpleenroll", .content_type = "application/pkcs10",
                                     .authorization = b->auths[i], .body = (const unsigned char *)b->bodies[i],
                                     .body_len = strlen(b->bodies[i]), .remote = "bench"};
        int status = 0;
        if (b->socket) {
            struct ca_signer_answer a;
            if (ca_signer_call(b->socket, 10000, &req, &a, &err) == 0) {
                status = a.est.status;
                ca_signer_answer_cleanup(&a);
            }
        } else {
            struct ca_est_response resp;
            ca_est_handle(ca, &req, &resp);
            status = resp.status;
            ca_est_response_cleanup(&resp);
        }
        if (status == 200)
            atomic_fetch_add(&b->ok, 1);
        else if (err)
            fprintf(stderr, "bench: est: %s\n", err);
        free(err);
        err = NULL;
    }
    ca_free(ca);
    db_free(db);
    return NULL;
}

static int est_bench(int n, int threads, const char *socket)
{
    char *err = NULL;
    struct cfg *cfg = bench_cfg();
    if (!cfg)
        return 1;
    log_set_level(LOG_WARNING);
    struct db *db = db_connect_cfg(cfg, &err);
    struct ca_ctx *ca = db ? ca_new(cfg, db, "bench") : NULL;
    struct csr_set s;
    /* distinct devices per run: the numbers start at the clock's seconds */
    if (!ca || make_csrs(&s, n, (int)(time(NULL) % 1000000) * 100) < 0) {
        fprintf(stderr, "bench: setup: %s\n", err ? err : "?");
        return 1;
    }
    struct est_bench b = {.cfg = cfg, .socket = socket, .n = n};
    b.bodies = calloc((size_t)n, sizeof *b.bodies);
    b.auths = calloc((size_t)n, sizeof *b.auths);
    for (int i = 0; i < n; i++) {
        char token[CA_TOKEN_LEN + 1], cred[128];
        if (ca_token_create(ca, s.ids[i], 3600, NULL, token, sizeof token, &err) < 0) {
            fprintf(stderr, "bench: token: %s\n", err ? err : "?");
            return 1;
        }
        int l = snprintf(cred, sizeof cred, "%s:%s", s.ids[i], token);
        char *c64 = b64((const unsigned char *)cred, (size_t)l);
        b.bodies[i] = b64(s.der[i], s.len[i]);
        size_t alen = c64 ? strlen(c64) + 7 : 0;
        b.auths[i] = c64 ? malloc(alen) : NULL;
        if (!b.bodies[i] || !b.auths[i])
            return 1;
        snprintf(b.auths[i], alen, "Basic %s", c64);
        free(c64);
    }
    pthread_t t[64];
    if (threads < 1 || threads > 64)
        threads = 1;
    double t0 = now_s();
    for (int i = 0; i < threads; i++)
        pthread_create(&t[i], NULL, est_client, &b);
    for (int i = 0; i < threads; i++)
        pthread_join(t[i], NULL);
    double secs = now_s() - t0;
    const char *how = socket ? "signer" : "inproc";
    printf("est_%s_threads=%d\nest_%s_enrolled=%d\nest_%s_seconds=%.3f\nest_%s_per_s=%.0f\n", how, threads, how,
           atomic_load(&b.ok), how, secs, how, atomic_load(&b.ok) / secs);
    ca_free(ca);
    db_free(db);
    cfg_free(cfg);
    return atomic_load(&b.ok) == n ? 0 : 1;
}

int main(int argc, char **argv)
{
    if (argc >= 4 && !strcmp(argv[1], "est"))
        return est_bench((int)strtol(argv[2], NULL, 10), (int)strtol(argv[3], NULL, 10), argc > 4 ? argv[4] : NULL);
    if (argc >= 3 && !strcmp(argv[1], "ref-issue"))
        return ref_issue((int)strtol(argv[2], NULL, 10));
    if (argc >= 4 && (!strcmp(argv[1], "issue") || !strcmp(argv[1], "pipe")))
        return lib_issue((int)strtol(argv[2], NULL, 10), (int)strtol(argv[3], NULL, 10), argv[1][0] == 'p');
    fprintf(stderr, "usage: bench_ca ref-issue N | issue N GROUP | pipe N GROUP | est N THREADS [SOCKET]\n");
    return 2;
}

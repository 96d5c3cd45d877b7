/* tests/unit/pki-ca/test_ca_verify.c — pki-ca/ca_verify.c and ca_vcache.c: the cache of
 * verdicts. Certificates are made here with OpenSSL (root, issuing CA, device leaves); every
 * cached verdict is compared with what a verifier without a cache says for the same chain
 * at the same time. */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include <openssl/evp.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "ca_util.h"
#include "ca_verify.h"

#define NLEAVES 64

struct der {
    unsigned char *p;
    size_t len;
};

struct pki {
    EVP_PKEY *root_key, *iss_key, *leaf_key, *rogue_key;
    X509 *root, *iss, *other_root, *rogue_iss, *junk;
    struct der root_der, iss_der, rogue_der, junk_der;
    struct der leaf[NLEAVES];        /* valid now for an hour, leaf[1] only until now + 600 */
    struct der early;                /* valid from now + 600 */
    struct der no_identity;          /* verifies, but CN != urn:dev:ops SAN */
    struct der rogue_leaf;           /* issued by the rogue CA */
    time_t now;
};

static struct pki P;

static struct der der_of(X509 *x)
{
    struct der d = {NULL, 0};
    int n = i2d_X509(x, &d.p);
    assert_true(n > 0);
    d.len = (size_t)n;
    return d;
}

static void ext(X509 *x, X509 *issuer, int nid, const char *value)
{
    assert_int_equal(ca_add_ext(x, issuer, nid, value), 0);
}

/* A certificate valid from now + nb to now + na, signed by issuer (NULL: self-signed). */
static X509 *make_cert(const char *cn, long serial, EVP_PKEY *key, X509 *issuer, EVP_PKEY *issuer_key, int is_ca,
                       long nb, long na, const char *san)
{
    X509 *x = X509_new();
    assert_non_null(x);
    X509_set_version(x, 2);
    ASN1_INTEGER_set(X509_get_serialNumber(x), serial);
    X509_NAME *name = X509_get_subject_name(x);
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, (const unsigned char *)cn, -1, -1, 0);
    X509_set_issuer_name(x, issuer ? X509_get_subject_name(issuer) : name);
    X509_time_adj_ex(X509_getm_notBefore(x), 0, nb, &P.now);
    X509_time_adj_ex(X509_getm_notAfter(x), 0, na, &P.now);
    assert_int_equal(ca_set_pubkey(x, key), 0);
    ext(x, issuer, NID_subject_key_identifier, "hash");
    if (issuer)
        ext(x, issuer, NID_authority_key_identifier, "keyid:always");
    if (is_ca) {
        ext(x, issuer, NID_basic_constraints, "critical,CA:TRUE");
        ext(x, issuer, NID_key_usage, "critical,keyCertSign,cRLSign");
    } else {
        ext(x, issuer, NID_basic_constraints, "critical,CA:FALSE");
        ext(x, issuer, NID_key_usage, "critical,digitalSignature");
        ext(x, issuer, NID_ext_key_usage, "clientAuth");
        char uri[300];
        snprintf(uri, sizeof uri, "URI:urn:dev:ops:%s", san ? san : cn);
        ext(x, issuer, NID_subject_alt_name, uri);
    }
    assert_int_equal(ca_sign(x, issuer_key ? issuer_key : key), 0);
    return x;
}

/* The certificate as a peer or the database would give it: parsed from its DER. */
static X509 *reparse(X509 *x)
{
    struct der d = der_of(x);
    const unsigned char *p = d.p;
    X509 *y = d2i_X509(NULL, &p, (long)d.len);
    assert_non_null(y);
    OPENSSL_free(d.p);
    X509_free(x);
    return y;
}

static struct der make_leaf(const char *id, long serial, long nb, long na, const char *san)
{
    X509 *x = make_cert(id, serial, P.leaf_key, P.iss, P.iss_key, 0, nb, na, san);
    struct der d = der_of(x);
    X509_free(x);
    return d;
}

static int setup(void **state)
{
    (void)state;
    P.now = time(NULL);
    P.root_key = EVP_EC_gen("P-256");
    P.iss_key = EVP_EC_gen("P-256");
    P.leaf_key = EVP_EC_gen("P-256");
    P.rogue_key = EVP_EC_gen("P-256");
    assert_true(P.root_key && P.iss_key && P.leaf_key && P.rogue_key);
    P.root = reparse(make_cert("Test Root", 1, P.root_key, NULL, NULL, 1, -86400, 10 * 86400, NULL));
    P.iss = reparse(make_cert("Test Devices CA", 2, P.iss_key, P.root, P.root_key, 1, -86400, 5 * 86400, NULL));
    P.other_root = reparse(make_cert("Other Root", 3, P.rogue_key, NULL, NULL, 1, -86400, 10 * 86400, NULL));
    /* same subject as the issuing CA, another key: chains through it must not verify */
    P.rogue_iss = make_cert("Test Devices CA", 4, P.rogue_key, P.other_root, P.rogue_key, 1, -86400, 5 * 86400, NULL);
    P.junk = make_cert("Unrelated", 5, P.rogue_key, NULL, NULL, 1, -86400, 10 * 86400, NULL);
    P.root_der = der_of(P.root);
    P.iss_der = der_of(P.iss);
    P.rogue_der = der_of(P.rogue_iss);
    P.junk_der = der_of(P.junk);
    for (int i = 0; i < NLEAVES; i++) {
        char id[64];
        snprintf(id, sizeof id, "00D09E-TestBox-%04d", i);
        P.leaf[i] = make_leaf(id, 0x1000 + i, -60, i == 1 ? 600 : 3600, NULL);
    }
    P.early = make_leaf("00D09E-TestBox-early", 0x2000, 600, 3600, NULL);
    P.no_identity = make_leaf("00D09E-TestBox-cn", 0x2001, -60, 3600, "00D09E-TestBox-san");
    X509 *x = make_cert("00D09E-TestBox-0007", 0x2002, P.leaf_key, P.rogue_iss, P.rogue_key, 0, -60, 3600, NULL);
    P.rogue_leaf = der_of(x);
    X509_free(x);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    for (int i = 0; i < NLEAVES; i++)
        OPENSSL_free(P.leaf[i].p);
    OPENSSL_free(P.early.p);
    OPENSSL_free(P.no_identity.p);
    OPENSSL_free(P.rogue_leaf.p);
    OPENSSL_free(P.root_der.p);
    OPENSSL_free(P.iss_der.p);
    OPENSSL_free(P.rogue_der.p);
    OPENSSL_free(P.junk_der.p);
    X509_free(P.root);
    X509_free(P.iss);
    X509_free(P.other_root);
    X509_free(P.rogue_iss);
    X509_free(P.junk);
    EVP_PKEY_free(P.root_key);
    EVP_PKEY_free(P.iss_key);
    EVP_PKEY_free(P.leaf_key);
    EVP_PKEY_free(P.rogue_key);
    return 0;
}

static struct ca_verifier *verifier(size_t cache)
{
    char *err = NULL;
    struct ca_verifier *v = ca_verifier_new_local(&err);
    assert_non_null(v);
    assert_int_equal(ca_verifier_set_trust(v, &P.root, 1, &P.iss, 1, &err), 0);
    assert_int_equal(ca_verifier_set_cache_size(v, cache), 0);
    assert_null(err);
    return v;
}

static int verify2(struct ca_verifier *v, struct der a, const struct der *b, const struct der *c, time_t at,
                   struct ca_verify_result *out)
{
    const unsigned char *ders[3] = {a.p, b ? b->p : NULL, c ? c->p : NULL};
    size_t lens[3] = {a.len, b ? b->len : 0, c ? c->len : 0};
    return ca_verify_peer_at(v, ders, lens, c ? 3 : b ? 2 : 1, at, out);
}

static struct ca_verify_cache_stats stats(struct ca_verifier *v)
{
    struct ca_verify_cache_stats st;
    ca_verifier_cache_stats(v, &st);
    return st;
}

/* The cached verifier v and the uncached u give the same verdict for this chain at `at`;
 * returns it. */
static int same_as_uncached(struct ca_verifier *v, struct ca_verifier *u, struct der a, const struct der *b,
                            const struct der *c, time_t at, struct ca_verify_result *out)
{
    struct ca_verify_result ref;
    int rc = verify2(v, a, b, c, at, out);
    int rrc = verify2(u, a, b, c, at, &ref);
    assert_int_equal(rc, rrc);
    assert_int_equal(out->reason, ref.reason);
    assert_string_equal(out->device_id, ref.device_id);
    assert_string_equal(out->serial, ref.serial);
    assert_string_equal(out->detail, ref.detail);
    return rc;
}

static void hit_returns_same_verdict(void **state)
{
    (void)state;
    struct ca_verifier *v = verifier(CA_VERIFY_CACHE_DEFAULT), *u = verifier(0);
    struct ca_verify_result r1, r2;
    assert_int_equal(same_as_uncached(v, u, P.leaf[0], &P.iss_der, NULL, P.now, &r1), 0);
    assert_int_equal(r1.reason, CA_VERIFY_OK);
    assert_string_equal(r1.device_id, "00D09E-TestBox-0000");
    struct ca_verify_cache_stats st = stats(v);
    assert_int_equal(st.hits, 0);
    assert_int_equal(st.misses, 1);
    assert_int_equal(st.entries, 1);
    assert_int_equal(verify2(v, P.leaf[0], &P.iss_der, NULL, P.now, &r2), 0);
    assert_memory_equal(&r1, &r2, sizeof r1);
    assert_int_equal(stats(v).hits, 1);
    /* the leaf alone (the verifier completes the chain) is another chain, cached on its own */
    assert_int_equal(same_as_uncached(v, u, P.leaf[0], NULL, NULL, P.now, &r2), 0);
    assert_int_equal(stats(v).entries, 2);
    assert_int_equal(verify2(v, P.leaf[0], NULL, NULL, P.now, &r2), 0);
    assert_int_equal(stats(v).hits, 2);
    assert_int_equal(stats(u).entries, 0); /* size 0: nothing is ever cached */
    ca_verifier_free(v);
    ca_verifier_free(u);
}

static void revoked_serial_refused_on_hit(void **state)
{
    (void)state;
    struct ca_verifier *v = verifier(CA_VERIFY_CACHE_DEFAULT), *u = verifier(0);
    struct ca_verify_result r;
    assert_int_equal(verify2(v, P.leaf[2], &P.iss_der, NULL, P.now, &r), 0);
    assert_int_equal(verify2(v, P.leaf[3], NULL, NULL, P.now, &r), 0);
    char serial2[CA_SERIAL_HEX_MAX + 1];
    assert_int_equal(verify2(v, P.leaf[2], &P.iss_der, NULL, P.now, &r), 0);
    snprintf(serial2, sizeof serial2, "%s", r.serial);
    unsigned long hits = stats(v).hits;
    assert_int_equal(ca_verifier_add_revoked(v, serial2), 0);
    assert_int_equal(ca_verifier_add_revoked(u, serial2), 0);
    assert_int_equal(same_as_uncached(v, u, P.leaf[2], &P.iss_der, NULL, P.now, &r), -ERR_REVOKED);
    assert_int_equal(r.reason, CA_VERIFY_REVOKED);
    assert_int_equal(stats(v).hits, hits + 1); /* answered from the cache, and refused */
    assert_int_equal(same_as_uncached(v, u, P.leaf[2], &P.iss_der, NULL, P.now, &r), -ERR_REVOKED);
    /* the issuing CA revoked (by the root): every cached chain under it is refused */
    char iss_serial[CA_SERIAL_HEX_MAX + 1];
    assert_int_equal(ca_serial_hex(X509_get0_serialNumber(P.iss), iss_serial, sizeof iss_serial), 0);
    assert_int_equal(ca_verifier_add_revoked(v, iss_serial), 0);
    assert_int_equal(ca_verifier_add_revoked(u, iss_serial), 0);
    hits = stats(v).hits;
    assert_int_equal(same_as_uncached(v, u, P.leaf[3], NULL, NULL, P.now, &r), -ERR_REVOKED);
    assert_int_equal(stats(v).hits, hits + 1);
    ca_verifier_free(v);
    ca_verifier_free(u);
}

static void expired_since_refused(void **state)
{
    (void)state;
    struct ca_verifier *v = verifier(CA_VERIFY_CACHE_DEFAULT), *u = verifier(0);
    struct ca_verify_result r;
    assert_int_equal(same_as_uncached(v, u, P.leaf[1], &P.iss_der, NULL, P.now, &r), 0);
    assert_int_equal(same_as_uncached(v, u, P.leaf[1], &P.iss_der, NULL, P.now + 590, &r), 0);
    unsigned long hits = stats(v).hits;
    assert_int_equal(same_as_uncached(v, u, P.leaf[1], &P.iss_der, NULL, P.now + 1200, &r), -ERR_EXPIRED);
    assert_int_equal(r.reason, CA_VERIFY_EXPIRED);
    assert_int_equal(stats(v).hits, hits + 1);
    assert_int_equal(stats(v).entries, 0); /* a refused hit is dropped */
    /* the issuing CA expires before the leaf: the chain's window is the narrowest */
    assert_int_equal(verify2(v, P.leaf[4], &P.iss_der, NULL, P.now, &r), 0);
    assert_int_equal(same_as_uncached(v, u, P.leaf[4], &P.iss_der, NULL, P.now + 6 * 86400, &r), -ERR_EXPIRED);
    /* and before the window opens */
    assert_int_equal(verify2(v, P.leaf[5], &P.iss_der, NULL, P.now, &r), 0);
    assert_int_equal(same_as_uncached(v, u, P.leaf[5], &P.iss_der, NULL, P.now - 3600, &r), -ERR_AUTH);
    assert_int_equal(r.reason, CA_VERIFY_NOT_YET_VALID);
    ca_verifier_free(v);
    ca_verifier_free(u);
}

static void other_intermediate_does_not_hit(void **state)
{
    (void)state;
    struct ca_verifier *v = verifier(CA_VERIFY_CACHE_DEFAULT), *u = verifier(0);
    struct ca_verify_result r;
    assert_int_equal(verify2(v, P.leaf[6], &P.iss_der, NULL, P.now, &r), 0);
    unsigned long hits = stats(v).hits;
    /* the same leaf with the root instead of the issuing CA: verifies, but is not the same chain */
    assert_int_equal(same_as_uncached(v, u, P.leaf[6], &P.root_der, NULL, P.now, &r), 0);
    assert_int_equal(stats(v).hits, hits);
    /* a rogue CA with the issuing CA's name: whatever full verification says, not the cached OK */
    int rc = same_as_uncached(v, u, P.leaf[6], &P.rogue_der, NULL, P.now, &r);
    assert_int_equal(stats(v).hits, hits);
    size_t entries = stats(v).entries;
    /* the same leaf padded with an unrelated certificate: verifies, never cached (a valid
     * device must not be able to fill the cache with variants of its chain) */
    assert_int_equal(same_as_uncached(v, u, P.leaf[6], &P.iss_der, &P.junk_der, P.now, &r), 0);
    assert_int_equal(stats(v).entries, entries);
    assert_int_equal(same_as_uncached(v, u, P.leaf[6], &P.iss_der, &P.junk_der, P.now, &r), 0);
    assert_int_equal(stats(v).hits, hits);
    (void)rc;
    ca_verifier_free(v);
    ca_verifier_free(u);
}

static void refusals_never_cached(void **state)
{
    (void)state;
    struct ca_verifier *v = verifier(CA_VERIFY_CACHE_DEFAULT), *u = verifier(0);
    struct ca_verify_result r;
    assert_int_equal(same_as_uncached(v, u, P.early, &P.iss_der, NULL, P.now, &r), -ERR_AUTH);
    assert_int_equal(r.reason, CA_VERIFY_NOT_YET_VALID);
    assert_int_equal(same_as_uncached(v, u, P.no_identity, &P.iss_der, NULL, P.now, &r), -ERR_AUTH);
    assert_int_equal(r.reason, CA_VERIFY_NO_IDENTITY);
    assert_int_equal(same_as_uncached(v, u, P.rogue_leaf, &P.rogue_der, NULL, P.now, &r), -ERR_AUTH);
    assert_int_equal(r.reason, CA_VERIFY_UNKNOWN_CA);
    /* random bytes, many times: the cache does not grow */
    unsigned char junk[300];
    for (int i = 0; i < 200; i++) {
        for (size_t k = 0; k < sizeof junk; k++)
            junk[k] = (unsigned char)(rand() & 0xff);
        struct der j = {junk, sizeof junk};
        assert_int_equal(verify2(v, j, NULL, NULL, P.now, &r), -ERR_AUTH);
        assert_int_equal(r.reason, CA_VERIFY_MALFORMED);
    }
    assert_int_equal(stats(v).entries, 0);
    /* the same chain once its window opened: verifies (no refusal stuck to it), then cached */
    assert_int_equal(same_as_uncached(v, u, P.early, &P.iss_der, NULL, P.now + 700, &r), 0);
    assert_int_equal(stats(v).entries, 1);
    ca_verifier_free(v);
    ca_verifier_free(u);
}

static void trust_reload_invalidates(void **state)
{
    (void)state;
    char *err = NULL;
    struct ca_verifier *v = verifier(CA_VERIFY_CACHE_DEFAULT);
    struct ca_verify_result r;
    assert_int_equal(verify2(v, P.leaf[8], &P.iss_der, NULL, P.now, &r), 0);
    assert_int_equal(stats(v).entries, 1);
    /* the authorities change (our root is no longer trusted): the cached OK must not survive */
    assert_int_equal(ca_verifier_set_trust(v, &P.other_root, 1, NULL, 0, &err), 0);
    assert_int_equal(stats(v).entries, 0);
    unsigned long hits = stats(v).hits;
    assert_int_equal(verify2(v, P.leaf[8], &P.iss_der, NULL, P.now, &r), -ERR_AUTH);
    assert_int_equal(r.reason, CA_VERIFY_UNKNOWN_CA);
    assert_int_equal(stats(v).hits, hits);
    assert_int_equal(ca_verifier_set_trust(v, &P.root, 1, &P.iss, 1, &err), 0);
    assert_int_equal(verify2(v, P.leaf[8], &P.iss_der, NULL, P.now, &r), 0);
    assert_null(err);
    ca_verifier_free(v);
}

static void eviction_keeps_the_bound(void **state)
{
    (void)state;
    const size_t bound = 32;
    struct ca_verifier *v = verifier(bound);
    struct ca_verify_result r;
    for (int pass = 0; pass < 2; pass++) {
        struct ca_verify_cache_stats before = stats(v);
        for (int i = 0; i < NLEAVES; i++) {
            assert_int_equal(verify2(v, P.leaf[i], &P.iss_der, NULL, P.now, &r), 0);
            assert_true(stats(v).entries <= bound);
        }
        struct ca_verify_cache_stats after = stats(v);
        assert_int_equal(after.hits + after.misses - before.hits - before.misses, NLEAVES);
        /* at most `bound` chains were held when the pass began, so at most that many hit */
        assert_true(after.hits - before.hits <= bound);
        assert_true(after.entries > 0);
    }
    /* a chain used again and again stays while others come and go */
    for (int i = 0; i < NLEAVES; i++) {
        assert_int_equal(verify2(v, P.leaf[0], &P.iss_der, NULL, P.now, &r), 0);
        assert_int_equal(verify2(v, P.leaf[i], &P.iss_der, NULL, P.now, &r), 0);
    }
    unsigned long hits = stats(v).hits;
    assert_int_equal(verify2(v, P.leaf[0], &P.iss_der, NULL, P.now, &r), 0);
    assert_int_equal(stats(v).hits, hits + 1);
    ca_verifier_free(v);
}

struct thread_arg {
    struct ca_verifier *v;
    int expect[16];
    int bad;
};

static void *hammer(void *p)
{
    struct thread_arg *a = p;
    struct ca_verify_result r;
    for (int k = 0; k < 400; k++) {
        int i = (k * 7) % 16;
        if (verify2(a->v, P.leaf[i], i % 2 ? &P.iss_der : NULL, NULL, P.now, &r) != a->expect[i])
            a->bad++;
    }
    return NULL;
}

/* Trust-set reloads (the same CAs) and revocations of other serials while others verify. */
static void *reloader(void *p)
{
    struct thread_arg *a = p;
    for (int k = 0; k < 50; k++) {
        char serial[32];
        snprintf(serial, sizeof serial, "ffff%04x", k);
        if (ca_verifier_set_trust(a->v, &P.root, 1, &P.iss, 1, NULL) < 0 || ca_verifier_add_revoked(a->v, serial) < 0)
            a->bad++;
    }
    return NULL;
}

static void concurrent_threads(void **state)
{
    (void)state;
    struct ca_verifier *v = verifier(8); /* smaller than the working set: evictions under load */
    /* four verifying threads, one reloading the trust set and adding revocations */
    struct ca_verify_result r;
    struct thread_arg a[4];
    memset(a, 0, sizeof a);
    assert_int_equal(verify2(v, P.leaf[9], NULL, NULL, P.now, &r), 0);
    assert_int_equal(ca_verifier_add_revoked(v, r.serial), 0);
    for (int t = 0; t < 4; t++) {
        a[t].v = v;
        for (int i = 0; i < 16; i++)
            a[t].expect[i] = i == 9 ? -ERR_REVOKED : 0;
    }
    struct thread_arg re = {.v = v};
    pthread_t th[4], rt;
    for (int t = 0; t < 4; t++)
        assert_int_equal(pthread_create(&th[t], NULL, hammer, &a[t]), 0);
    assert_int_equal(pthread_create(&rt, NULL, reloader, &re), 0);
    for (int t = 0; t < 4; t++) {
        pthread_join(th[t], NULL);
        assert_int_equal(a[t].bad, 0);
    }
    pthread_join(rt, NULL);
    assert_int_equal(re.bad, 0);
    assert_true(stats(v).entries <= 8);
    ca_verifier_free(v);
}

/* Per-call CPU of a verification answered from the cache against one that is not (the
 * figure is printed; callgrind gives repeatable instruction counts of the two loops). */
#define COST_CALLS 400

static double cpu_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

__attribute__((noinline)) static double cost_loop(struct ca_verifier *v)
{
    struct ca_verify_result r;
    double t0 = cpu_now();
    for (int k = 0; k < COST_CALLS; k++)
        assert_int_equal(verify2(v, P.leaf[k % 8], &P.iss_der, NULL, P.now, &r), 0);
    return (cpu_now() - t0) / COST_CALLS;
}

__attribute__((noipa)) static double cost_uncached(struct ca_verifier *u) { return cost_loop(u); }
__attribute__((noipa)) static double cost_cached(struct ca_verifier *v) { return cost_loop(v); }

static void cost_per_call(void **state)
{
    (void)state;
    struct ca_verifier *v = verifier(CA_VERIFY_CACHE_DEFAULT), *u = verifier(0);
    double cu = cost_uncached(u), cc = cost_cached(v);
    print_message("# ca_verify_peer per call: uncached %.1f us, cached %.1f us, ratio %.3f\n", cu * 1e6, cc * 1e6,
                  cc / cu);
    assert_true(stats(v).hits >= COST_CALLS - 8);
    /* a hit skips DER parsing and the ECDSA verifies: far below half, even under ASan */
    assert_true(cc < 0.5 * cu);
    ca_verifier_free(v);
    ca_verifier_free(u);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(hit_returns_same_verdict),
        cmocka_unit_test(revoked_serial_refused_on_hit),
        cmocka_unit_test(expired_since_refused),
        cmocka_unit_test(other_intermediate_does_not_hit),
        cmocka_unit_test(refusals_never_cached),
        cmocka_unit_test(trust_reload_invalidates),
        cmocka_unit_test(eviction_keeps_the_bound),
        cmocka_unit_test(concurrent_threads),
        cmocka_unit_test(cost_per_call),
    };
    return cmocka_run_group_tests_name("pki-ca/ca_verify", tests, setup, teardown);
}

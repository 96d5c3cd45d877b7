/* pki-ca/ca_batch.c — factory-mode batch issuance. Per group, opts->jobs threads each
 * generate keys, build and sign certificates and PEM-encode them for a share of the
 * devices (in OpenSSL 3 the PEM key encoding costs as much as the key generation); the
 * calling thread then writes the group in order and records it in one transaction. */
#include "ca_batch.h"

#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/pem.h>

#include "ca_priv.h"
#include "ca_util.h"
#include "file_write.h"
#include "log.h"

struct group {
    X509 *certs[CA_BATCH_GROUP];
    EVP_PKEY *keys[CA_BATCH_GROUP];
    char serials[CA_BATCH_GROUP][CA_SERIAL_HEX_MAX + 1];
    char ids[CA_BATCH_GROUP][CA_DEVICE_ID_MAX + 1];
    char *pem[CA_BATCH_GROUP]; /* bundle text of each device (bundle mode) */
    size_t pem_len[CA_BATCH_GROUP];
    size_t n;
};

/* One worker's share of a group: devices first + k * stride. */
struct worker {
    pthread_t thread;
    struct ca_ctx *ca;
    struct ca_authority *iss;
    const struct ca_batch_opts *o;
    struct group *g;
    long first, n;
    size_t k0, stride;
    int bundle, started;
    int rc;
    char *errmsg;
};

/* Device id's key (0600) and certificate files, both new (file_write_new); on failure
 * neither is left. */
static int write_device(const char *dir, const char *id, X509 *cert, EVP_PKEY *key, char **errmsg)
{
    char kpath[4096], cpath[4096];
    snprintf(kpath, sizeof kpath, "%s/%s.key.pem", dir, id);
    snprintf(cpath, sizeof cpath, "%s/%s.crt.pem", dir, id);
    char *pem = ca_cert_pem(cert);
    int rc = pem ? ca_key_write_plain(key, kpath, errmsg) : -ERR_NOMEM;
    if (rc == 0 && (rc = file_write_new(cpath, pem, strlen(pem), 0644, errmsg)) < 0)
        unlink(kpath);
    free(pem);
    return rc;
}

/* Remove the files of the group's first n devices (written by write_device). */
static void unlink_group(const char *dir, struct group *g, size_t n)
{
    char path[4096];
    for (size_t i = 0; i < n; i++) {
        snprintf(path, sizeof path, "%s/%s.key.pem", dir, g->ids[i]);
        unlink(path);
        snprintf(path, sizeof path, "%s/%s.crt.pem", dir, g->ids[i]);
        unlink(path);
    }
}

static void free_group(struct group *g)
{
    for (size_t i = 0; i < g->n; i++) {
        X509_free(g->certs[i]);
        EVP_PKEY_free(g->keys[i]);
        free(g->pem[i]);
        g->certs[i] = NULL;
        g->keys[i] = NULL;
        g->pem[i] = NULL;
    }
    g->n = 0;
}

/* The bundle text of one device: "# <device id> <serial>", its key, its certificate. */
static int encode_device(struct group *g, size_t i)
{
    BIO *mem = BIO_new(BIO_s_mem());
    char *data = NULL;
    int ok = mem && BIO_printf(mem, "# %s %s\n", g->ids[i], g->serials[i]) > 0 &&
             ca_key_pem_write(mem, g->keys[i]) &&
             PEM_write_bio_X509(mem, g->certs[i]);
    long len = ok ? BIO_get_mem_data(mem, &data) : 0;
    if (len > 0 && (g->pem[i] = malloc((size_t)len)) != NULL) {
        memcpy(g->pem[i], data, (size_t)len);
        g->pem_len[i] = (size_t)len;
    }
    BIO_free(mem);
    return g->pem[i] ? 0 : -ERR_NOMEM;
}

/* Append the group to the bundle in device order. On failure the bundle is cut back to
 * where it was. */
static int append_bundle(int fd, struct group *g)
{
    off_t before = lseek(fd, 0, SEEK_END);
    size_t total = 0;
    for (size_t i = 0; i < g->n; i++)
        total += g->pem_len[i];
    char *data = before >= 0 ? malloc(total ? total : 1) : NULL;
    int ok = data != NULL;
    for (size_t i = 0, at = 0; ok && i < g->n; at += g->pem_len[i++])
        memcpy(data + at, g->pem[i], g->pem_len[i]);
    ok = ok && write(fd, data, total) == (ssize_t)total && fsync(fd) == 0;
    free(data);
    if (!ok && before >= 0 && ftruncate(fd, before) != 0)
        return -ERR_IO;
    return ok ? 0 : -ERR_IO;
}

/* Key, certificate (and bundle text) for the worker's devices. */
static void *work(void *arg)
{
    struct worker *w = arg;
    struct group *g = w->g;
    for (size_t k = w->k0; k < (size_t)w->n && w->rc == 0; k += w->stride) {
        char *id = g->ids[k];
        snprintf(id, CA_DEVICE_ID_MAX + 1, "%s-%s-%s%08ld", w->o->oui, w->o->product_class, w->o->serial_prefix,
                 w->first + (long)k);
        if (!(g->keys[k] = ca_key_generate(w->o->key_type, &w->errmsg)) ||
            !(g->certs[k] = ca_build_leaf(w->ca, w->iss, g->keys[k], NULL, "device", id, NULL, NULL, g->serials[k],
                                          sizeof g->serials[k], &w->errmsg)))
            w->rc = -ERR_CRYPTO;
        else if (w->bundle && encode_device(g, k) < 0)
            w->rc = -ERR_NOMEM;
    }
    return NULL;
}

/* dir/chain.pem: the issuer and the root. Replaced, not appended to: a batch resumed
 * (--start) into the same directory rewrites it. */
static int write_chain(struct ca_ctx *ca, struct ca_authority *iss, const char *dir, char **errmsg)
{
    struct ca_authority *root = ca_authority_by_id(ca, iss->parent_id, 0, errmsg);
    if (!root)
        return -ERR_NOENT;
    char path[4096];
    snprintf(path, sizeof path, "%s/chain.pem", dir);
    BIO *mem = BIO_new(BIO_s_mem());
    char *text = NULL;
    long len = mem && PEM_write_bio_X509(mem, iss->cert) && PEM_write_bio_X509(mem, root->cert)
                   ? BIO_get_mem_data(mem, &text)
                   : 0;
    int rc = len > 0 ? file_write_replace(path, text, (size_t)len, 0644, errmsg) : -ERR_NOMEM;
    BIO_free(mem);
    return rc;
}

/* Build, write and record one group of devices [first, first + n). Files are written
 * before the DB commit and removed (or the bundle cut back) when the commit fails. */
static int issue_group(struct ca_ctx *ca, struct ca_authority *iss, const struct ca_batch_opts *o, long first,
                       long n, struct group *g, int bundle_fd, FILE *index, char **errmsg)
{
    int rc = 0;
    size_t jobs = (size_t)o->jobs;
    struct worker w[CA_BATCH_MAX_JOBS];
    for (size_t t = 0; t < jobs; t++) {
        w[t] = (struct worker){.ca = ca, .iss = iss, .o = o, .g = g, .first = first, .n = n, .k0 = t,
                               .stride = jobs, .bundle = bundle_fd >= 0};
        /* the calling thread takes the last share itself, and any a thread could not */
        w[t].started = t + 1 < jobs && pthread_create(&w[t].thread, NULL, work, &w[t]) == 0;
    }
    for (size_t t = 0; t < jobs; t++)
        if (!w[t].started)
            work(&w[t]);
    for (size_t t = 0; t < jobs; t++) {
        if (w[t].started)
            pthread_join(w[t].thread, NULL);
        if (w[t].rc < 0 && rc == 0) {
            rc = w[t].rc;
            if (errmsg) {
                *errmsg = w[t].errmsg;
                w[t].errmsg = NULL;
            }
        }
        free(w[t].errmsg);
    }
    /* every slot up to n is filled or NULL, so free_group can take them all */
    g->n = (size_t)n;
    if (rc < 0)
        return rc; /* nothing written yet */
    size_t written = 0;
    while (bundle_fd < 0 && written < g->n && rc == 0)
        if ((rc = write_device(o->out_dir, g->ids[written], g->certs[written], g->keys[written], errmsg)) == 0)
            written++;
    if (rc < 0) {
        unlink_group(o->out_dir, g, written);
        return rc;
    }
    if (rc == 0 && bundle_fd >= 0 && append_bundle(bundle_fd, g) < 0)
        return err_fail(errmsg, -ERR_IO, "cannot write %s/identities.pem", o->out_dir);
    const char *serials[CA_BATCH_GROUP], *ids[CA_BATCH_GROUP];
    for (size_t i = 0; i < g->n; i++) {
        serials[i] = g->serials[i];
        ids[i] = g->ids[i];
    }
    if (rc == 0)
        rc = ca_record_issued(ca, iss, g->certs, serials, ids, g->n, "device", "batch", errmsg);
    if (rc < 0) {
        unlink_group(o->out_dir, g, written);
        return rc;
    }
    for (size_t i = 0; i < g->n; i++)
        fprintf(index, "%s\t%s\n", g->ids[i], g->serials[i]);
    return fflush(index) == 0 ? 0 : err_fail(errmsg, -ERR_IO, "cannot write devices.tsv");
}

int ca_issue_batch(struct ca_ctx *ca, const struct ca_batch_opts *o, long *done, char **errmsg)
{
    *done = 0;
    if (o->count < 1 || o->count > CA_BATCH_MAX || o->start < 0 || o->start + o->count > 99999999L)
        return err_fail(errmsg, -ERR_INVAL, "--count must be 1..%ld and serial numbers must stay below 10^8",
                        CA_BATCH_MAX);
    char probe[CA_DEVICE_ID_MAX + 1], oui[7];
    snprintf(probe, sizeof probe, "%s-%s-%s%08ld", o->oui, o->product_class, o->serial_prefix, o->start);
    if (ca_device_id_normalise(probe, probe, sizeof probe) < 0)
        return err_fail(errmsg, -ERR_INVAL, "device identities like \"%s-%s-%s%08ld\" are invalid (OUI = 6 hex digits)",
                        o->oui, o->product_class, o->serial_prefix, o->start);
    memcpy(oui, probe, 6); /* the identities carry the OUI uppercased */
    oui[6] = '\0';
    struct ca_batch_opts canon = *o;
    canon.oui = oui;
    if (canon.jobs <= 0) {
        long cores = sysconf(_SC_NPROCESSORS_ONLN);
        canon.jobs = cores > 0 ? (int)cores : 1;
    }
    if (canon.jobs > CA_BATCH_MAX_JOBS)
        canon.jobs = CA_BATCH_MAX_JOBS;
    o = &canon;
    struct ca_authority *iss = ca_authority_get(ca, o->issuer, 1, errmsg);
    if (!iss)
        return -ERR_NOENT;
    if (iss->is_root)
        return err_fail(errmsg, -ERR_POLICY, "the root CA does not issue device certificates; name an issuer");
    if (mkdir(o->out_dir, 0700) < 0 && errno != EEXIST)
        return err_fail(errmsg, -ERR_IO, "cannot create %s: %s", o->out_dir, strerror(errno));
    int rc = write_chain(ca, iss, o->out_dir, errmsg);
    if (rc < 0)
        return rc;
    char path[4096];
    snprintf(path, sizeof path, "%s/devices.tsv", o->out_dir);
    /* devices.tsv and identities.pem grow with each batch (--start): appended to, but
     * never through a symlink, and the bundle of keys is made 0600 whatever it was */
    int index_fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_NOFOLLOW | O_CLOEXEC, 0644);
    FILE *index = index_fd >= 0 ? fdopen(index_fd, "a") : NULL;
    if (!index) {
        if (index_fd >= 0)
            close(index_fd);
        return err_fail(errmsg, -ERR_IO, "cannot write %s: %s", path, strerror(errno));
    }
    int bundle_fd = -1;
    if (!o->per_device_files) {
        snprintf(path, sizeof path, "%s/identities.pem", o->out_dir);
        bundle_fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_NOFOLLOW | O_CLOEXEC, 0600);
        if (bundle_fd < 0 || fchmod(bundle_fd, 0600) != 0) {
            if (bundle_fd >= 0)
                close(bundle_fd);
            fclose(index);
            return err_fail(errmsg, -ERR_IO, "cannot write %s: %s", path, strerror(errno));
        }
    }
    struct group *g = calloc(1, sizeof *g);
    if (!g) {
        fclose(index);
        if (bundle_fd >= 0)
            close(bundle_fd);
        return -ERR_NOMEM;
    }
    for (long first = o->start; rc == 0 && first < o->start + o->count; first += CA_BATCH_GROUP) {
        long n = o->start + o->count - first;
        rc = issue_group(ca, iss, o, first, n < CA_BATCH_GROUP ? n : CA_BATCH_GROUP, g, bundle_fd, index, errmsg);
        if (rc == 0)
            *done += (long)g->n;
        free_group(g);
    }
    free(g);
    if (bundle_fd >= 0 && close(bundle_fd) != 0 && rc == 0)
        rc = err_fail(errmsg, -ERR_IO, "cannot write %s/identities.pem", o->out_dir);
    if (fclose(index) != 0 && rc == 0)
        rc = err_fail(errmsg, -ERR_IO, "cannot write %s", path);
    log_info("ca", "event=batch issuer=%s oui=%s product_class=%s jobs=%d issued=%ld result=%s", iss->name, o->oui,
             o->product_class, o->jobs, *done, rc == 0 ? "ok" : "error");
    return rc;
}

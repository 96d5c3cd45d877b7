/* pki-ca/ca_writer.c — background recording of issued certificates.
 * Locking: w->mu guards the queue, counters and the error; w->cv signals both ways. */
#include "ca_writer.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ca_priv.h"
#include "ca_util.h"
#include "db.h"

#define WRITER_MAX_QUEUED 2

struct job {
    struct ca_authority iss; /* id and name only */
    char via[32];
    size_t n;
    X509 **certs;
    char (*serials)[CA_SERIAL_HEX_MAX + 1];
    char (*ids)[CA_DEVICE_ID_MAX + 1];
    struct job *next;
};

struct ca_writer {
    struct db *db;
    struct ca_ctx *ca;
    pthread_t thread;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    struct job *head, *tail;
    int queued, busy, stop, err;
    char *errmsg;
    long recorded;
};

static void job_free(struct job *j)
{
    if (!j)
        return;
    for (size_t i = 0; i < j->n && j->certs; i++)
        X509_free(j->certs[i]);
    free(j->certs);
    free(j->serials);
    free(j->ids);
    free(j);
}

static int record_job(struct ca_writer *w, struct job *j, char **errmsg)
{
    const char **serials = calloc(j->n, sizeof *serials), **ids = calloc(j->n, sizeof *ids);
    int rc = serials && ids ? 0 : -ERR_NOMEM;
    for (size_t i = 0; rc == 0 && i < j->n; i++) {
        serials[i] = j->serials[i];
        ids[i] = j->ids[i];
    }
    if (rc == 0)
        rc = ca_record_issued(w->ca, &j->iss, j->certs, serials, ids, j->n, "device", j->via, errmsg);
    free(serials);
    free(ids);
    return rc;
}

static void *writer_main(void *arg)
{
    struct ca_writer *w = arg;
    pthread_mutex_lock(&w->mu);
    for (;;) {
        while (!w->head && !w->stop)
            pthread_cond_wait(&w->cv, &w->mu);
        if (!w->head)
            break;
        struct job *j = w->head;
        w->head = j->next;
        if (!w->head)
            w->tail = NULL;
        w->busy = 1;
        pthread_mutex_unlock(&w->mu);
        char *err = NULL;
        int rc = w->err ? 0 : record_job(w, j, &err);
        pthread_mutex_lock(&w->mu);
        if (rc < 0 && !w->err) {
            w->err = rc;
            w->errmsg = err;
            err = NULL;
        } else if (rc == 0 && !w->err) {
            w->recorded += (long)j->n;
        }
        free(err);
        w->queued--;
        w->busy = 0;
        pthread_cond_broadcast(&w->cv);
        job_free(j);
    }
    pthread_mutex_unlock(&w->mu);
    return NULL;
}

struct ca_writer *ca_writer_new(const struct cfg *cfg, const char *actor, char **errmsg)
{
    struct ca_writer *w = calloc(1, sizeof *w);
    if (!w)
        return NULL;
    w->db = db_connect_cfg(cfg, errmsg);
    w->ca = w->db ? ca_new(cfg, w->db, actor) : NULL;
    pthread_mutex_init(&w->mu, NULL);
    pthread_cond_init(&w->cv, NULL);
    if (!w->ca || pthread_create(&w->thread, NULL, writer_main, w) != 0) {
        ca_free(w->ca);
        db_free(w->db);
        pthread_mutex_destroy(&w->mu);
        pthread_cond_destroy(&w->cv);
        free(w);
        return NULL;
    }
    return w;
}

static struct job *job_new(const struct ca_authority *iss, const struct ca_csr_req *reqs, size_t n, const char *via)
{
    struct job *j = calloc(1, sizeof *j);
    if (!j)
        return NULL;
    j->iss.id = iss->id;
    snprintf(j->iss.name, sizeof j->iss.name, "%s", iss->name);
    snprintf(j->via, sizeof j->via, "%s", via);
    j->certs = calloc(n ? n : 1, sizeof *j->certs);
    j->serials = calloc(n ? n : 1, sizeof *j->serials);
    j->ids = calloc(n ? n : 1, sizeof *j->ids);
    if (!j->certs || !j->serials || !j->ids) {
        job_free(j);
        return NULL;
    }
    for (size_t i = 0; i < n; i++) {
        if (reqs[i].rc != 0 || !reqs[i].out.cert || !X509_up_ref(reqs[i].out.cert))
            continue;
        j->certs[j->n] = reqs[i].out.cert;
        snprintf(j->serials[j->n], sizeof j->serials[j->n], "%s", reqs[i].out.serial);
        snprintf(j->ids[j->n], sizeof j->ids[j->n], "%s", reqs[i].id);
        j->n++;
    }
    return j;
}

int ca_writer_submit(struct ca_writer *w, const struct ca_authority *iss, const struct ca_csr_req *reqs, size_t n,
                     const char *via)
{
    struct job *j = job_new(iss, reqs, n, via);
    if (!j)
        return -ERR_NOMEM;
    if (j->n == 0) {
        job_free(j);
        return 0;
    }
    pthread_mutex_lock(&w->mu);
    while (w->queued >= WRITER_MAX_QUEUED && !w->err)
        pthread_cond_wait(&w->cv, &w->mu);
    int rc = w->err;
    if (rc == 0) {
        if (w->tail)
            w->tail->next = j;
        else
            w->head = j;
        w->tail = j;
        w->queued++;
        j = NULL;
        pthread_cond_broadcast(&w->cv);
    }
    pthread_mutex_unlock(&w->mu);
    job_free(j);
    return rc;
}

int ca_writer_drain(struct ca_writer *w, long *recorded, char **errmsg)
{
    pthread_mutex_lock(&w->mu);
    while (w->queued > 0)
        pthread_cond_wait(&w->cv, &w->mu);
    int rc = w->err;
    if (rc < 0 && errmsg && !*errmsg && w->errmsg)
        *errmsg = strdup(w->errmsg);
    if (recorded)
        *recorded = w->recorded;
    pthread_mutex_unlock(&w->mu);
    return rc;
}

void ca_writer_free(struct ca_writer *w)
{
    if (!w)
        return;
    pthread_mutex_lock(&w->mu);
    w->stop = 1;
    pthread_cond_broadcast(&w->cv);
    pthread_mutex_unlock(&w->mu);
    pthread_join(w->thread, NULL);
    ca_free(w->ca);
    db_free(w->db);
    free(w->errmsg);
    pthread_mutex_destroy(&w->mu);
    pthread_cond_destroy(&w->cv);
    free(w);
}

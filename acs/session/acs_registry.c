/* acs/session/acs_registry.c — open CWMP sessions in memory, hashed by cookie id and by device id.
 * One mutex guards both tables and every session's busy/expired/last_active fields. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "acs_session.h"

#define NBUCKETS 4096u

struct acs_registry {
    pthread_mutex_t lock;
    size_t count, max;
    struct acs_session *by_id[NBUCKETS];
    struct acs_session *by_dev[NBUCKETS];
};

static unsigned hash(const char *s)
{
    unsigned h = 2166136261u;
    while (*s)
        h = (h ^ (unsigned char)*s++) * 16777619u;
    return h % NBUCKETS;
}

struct acs_registry *acs_registry_new(size_t max_sessions)
{
    struct acs_registry *r = calloc(1, sizeof *r);
    if (!r)
        return NULL;
    pthread_mutex_init(&r->lock, NULL);
    r->max = max_sessions;
    return r;
}

void acs_registry_free(struct acs_registry *r)
{
    if (!r)
        return;
    pthread_mutex_destroy(&r->lock);
    free(r);
}

static struct acs_session *find_dev(struct acs_registry *r, const char *device_id)
{
    struct acs_session *s = r->by_dev[hash(device_id)];
    while (s && strcmp(s->device_id, device_id))
        s = s->next_dev;
    return s;
}

static void unlink_locked(struct acs_registry *r, struct acs_session *s)
{
    struct acs_session **pp = &r->by_id[hash(s->id)];
    while (*pp && *pp != s)
        pp = &(*pp)->next_id;
    if (*pp)
        *pp = s->next_id;
    pp = &r->by_dev[hash(s->device_id)];
    while (*pp && *pp != s)
        pp = &(*pp)->next_dev;
    if (*pp)
        *pp = s->next_dev;
    s->next_id = s->next_dev = NULL;
    r->count--;
}

int acs_registry_add(struct acs_registry *r, struct acs_session *s, struct acs_session **old)
{
    int rc = 0;
    *old = NULL;
    pthread_mutex_lock(&r->lock);
    struct acs_session *o = find_dev(r, s->device_id);
    if (o && o->busy) {
        rc = -ERR_EXIST;
    } else {
        if (o) {
            unlink_locked(r, o);
            *old = o;
        }
        if (r->count >= r->max) {
            rc = -ERR_TOO_BIG;
        } else {
            unsigned hi = hash(s->id), hd = hash(s->device_id);
            s->busy = 1;
            s->next_id = r->by_id[hi];
            r->by_id[hi] = s;
            s->next_dev = r->by_dev[hd];
            r->by_dev[hd] = s;
            r->count++;
        }
    }
    pthread_mutex_unlock(&r->lock);
    return rc;
}

struct acs_session *acs_registry_acquire(struct acs_registry *r, const char *id, int *busy)
{
    *busy = 0;
    if (!id || !*id)
        return NULL;
    pthread_mutex_lock(&r->lock);
    struct acs_session *s = r->by_id[hash(id)];
    while (s && strcmp(s->id, id))
        s = s->next_id;
    if (s && s->busy) {
        *busy = 1;
        s = NULL;
    } else if (s) {
        s->busy = 1;
    }
    pthread_mutex_unlock(&r->lock);
    return s;
}

void acs_registry_release(struct acs_registry *r, struct acs_session *s)
{
    pthread_mutex_lock(&r->lock);
    s->busy = 0;
    s->last_active = time(NULL);
    pthread_mutex_unlock(&r->lock);
}

void acs_registry_remove(struct acs_registry *r, struct acs_session *s)
{
    pthread_mutex_lock(&r->lock);
    unlink_locked(r, s);
    pthread_mutex_unlock(&r->lock);
}

size_t acs_registry_take_expired(struct acs_registry *r, time_t now, int idle_s, int total_s,
                                 int (*dead)(void *arg, const struct acs_session *s, time_t now), void *arg,
                                 struct acs_session **out, size_t max)
{
    size_t n = 0;
    pthread_mutex_lock(&r->lock);
    for (unsigned b = 0; b < NBUCKETS && n < max; b++) {
        struct acs_session *s = r->by_id[b], *next;
        for (; s && n < max; s = next) {
            next = s->next_id;
            int over = now - s->started >= total_s;
            if (s->busy) {
                s->expired |= over;
                continue;
            }
            if (over || now - s->last_active >= idle_s ||
                (dead && dead(arg, s, now))) {
                unlink_locked(r, s);
                out[n++] = s;
            }
        }
    }
    pthread_mutex_unlock(&r->lock);
    return n;
}

size_t acs_registry_take_idle(struct acs_registry *r, struct acs_session **out, size_t max)
{
    size_t n = 0;
    pthread_mutex_lock(&r->lock);
    for (unsigned b = 0; b < NBUCKETS && n < max; b++) {
        struct acs_session *s = r->by_id[b], *next;
        for (; s && n < max; s = next) {
            next = s->next_id;
            if (!s->busy) {
                unlink_locked(r, s);
                out[n++] = s;
            }
        }
    }
    pthread_mutex_unlock(&r->lock);
    return n;
}

size_t acs_registry_count(struct acs_registry *r)
{
    pthread_mutex_lock(&r->lock);
    size_t n = r->count;
    pthread_mutex_unlock(&r->lock);
    return n;
}

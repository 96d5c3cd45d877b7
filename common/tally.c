/* common/tally.c — refusal counts per source and window: open addressing over a short probe
 * window (no tombstones: lookups scan the whole window), an overflow entry "*", one mutex. */
#include "tally.h"

#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/rand.h>

#define PROBE 8

struct tally {
    pthread_mutex_t mu;
    int window_s;
    uint32_t seed;
    size_t mask;
    struct tally_entry *slots; /* source[0] == '\0': free */
    struct tally_entry overflow;
    unsigned long total;
};

struct tally *tally_new(size_t sources, int window_s)
{
    struct tally *t = calloc(1, sizeof *t);
    size_t n = 16;
    while (n < sources && n < ((size_t)1 << 24))
        n <<= 1;
    if (!t || !(t->slots = calloc(n, sizeof *t->slots))) {
        free(t);
        return NULL;
    }
    pthread_mutex_init(&t->mu, NULL);
    t->window_s = window_s > 0 ? window_s : 1;
    t->mask = n - 1;
    if (RAND_bytes((unsigned char *)&t->seed, sizeof t->seed) != 1)
        t->seed = (uint32_t)time(NULL);
    return t;
}

void tally_free(struct tally *t)
{
    if (!t)
        return;
    pthread_mutex_destroy(&t->mu);
    free(t->slots);
    free(t);
}

static void count(struct tally_entry *e, const char *reason, unsigned long n, time_t first, time_t last)
{
    if (!e->count || first < e->first)
        e->first = first;
    if (last > e->last)
        e->last = last;
    e->count += n;
    for (unsigned i = 0; i < TALLY_REASONS; i++) {
        if (!e->reason[i])
            e->reason[i] = reason;
        if (e->reason[i] == reason || !strcmp(e->reason[i], reason)) {
            e->reason_count[i] += n;
            return;
        }
    }
    e->other += n;
}

/* The entry counting source (created when absent; the overflow entry when no slot is free). */
static struct tally_entry *entry_for(struct tally *t, const char *source)
{
    uint32_t h = 2166136261u ^ t->seed;
    for (const char *p = source; *p; p++)
        h = (h ^ (unsigned char)*p) * 16777619u;
    struct tally_entry *free_slot = NULL;
    for (unsigned i = 0; i < PROBE; i++) {
        struct tally_entry *e = &t->slots[(h + i) & t->mask];
        if (e->source[0] && !strcmp(e->source, source))
            return e;
        if (!e->source[0] && !free_slot)
            free_slot = e;
    }
    if (!free_slot) {
        snprintf(t->overflow.source, sizeof t->overflow.source, "*");
        return &t->overflow;
    }
    snprintf(free_slot->source, sizeof free_slot->source, "%s", source);
    return free_slot;
}

void tally_add(struct tally *t, const char *source, const char *reason, time_t now)
{
    if (!source || !*source)
        source = "-";
    pthread_mutex_lock(&t->mu);
    count(entry_for(t, source), reason ? reason : "refused", 1, now, now);
    t->total++;
    pthread_mutex_unlock(&t->mu);
}

static int due(const struct tally *t, const struct tally_entry *e, time_t now, int all)
{
    return e->count && (all || now - e->first >= t->window_s);
}

size_t tally_take(struct tally *t, time_t now, int all, struct tally_entry **out)
{
    *out = NULL;
    pthread_mutex_lock(&t->mu);
    size_t n = due(t, &t->overflow, now, all) ? 1 : 0;
    for (size_t i = 0; i <= t->mask; i++)
        n += due(t, &t->slots[i], now, all);
    struct tally_entry *v = n ? malloc(n * sizeof *v) : NULL;
    size_t k = 0;
    for (size_t i = 0; v && i <= t->mask; i++) {
        if (due(t, &t->slots[i], now, all)) {
            v[k++] = t->slots[i];
            memset(&t->slots[i], 0, sizeof t->slots[i]);
        }
    }
    if (v && due(t, &t->overflow, now, all)) {
        v[k++] = t->overflow;
        memset(&t->overflow, 0, sizeof t->overflow);
    }
    pthread_mutex_unlock(&t->mu);
    *out = v;
    return k; /* 0 when out of memory: the counts stay for the next take */
}

void tally_put_back(struct tally *t, const struct tally_entry *v, size_t n)
{
    pthread_mutex_lock(&t->mu);
    for (size_t i = 0; i < n; i++) {
        struct tally_entry *e = entry_for(t, v[i].source);
        for (unsigned j = 0; j < TALLY_REASONS && v[i].reason[j]; j++)
            count(e, v[i].reason[j], v[i].reason_count[j], v[i].first, v[i].last);
        if (v[i].other)
            count(e, "other", v[i].other, v[i].first, v[i].last);
    }
    pthread_mutex_unlock(&t->mu);
}

unsigned long tally_total(struct tally *t)
{
    pthread_mutex_lock(&t->mu);
    unsigned long n = t->total;
    pthread_mutex_unlock(&t->mu);
    return n;
}

static void iso(time_t s, char *out, size_t n)
{
    struct tm tm;
    gmtime_r(&s, &tm);
    strftime(out, n, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

char *tally_format(const struct tally *t, const struct tally_entry *e, char *out, size_t n)
{
    char first[32], last[32];
    iso(e->first, first, sizeof first);
    iso(e->last, last, sizeof last);
    int w = snprintf(out, n, "source=%s count=%lu window_s=%d first=%s last=%s reasons=", e->source, e->count,
                     t->window_s, first, last);
    for (unsigned i = 0; i < TALLY_REASONS && e->reason[i] && w > 0 && (size_t)w < n; i++)
        w += snprintf(out + w, n - (size_t)w, "%s%s:%lu", i ? "," : "", e->reason[i], e->reason_count[i]);
    if (e->other && w > 0 && (size_t)w < n)
        snprintf(out + w, n - (size_t)w, ",other:%lu", e->other);
    return out;
}

/* pki-ca/ca_vcache.c — bounded, striped cache of chain verdicts with CLOCK eviction.
 * The key is a SHA-256, so its first bytes pick the stripe and the bucket. Each stripe has
 * a fixed array of entries (allocated once), hash chains by index, and a clock hand (a new
 * entry starts unreferenced, a hit sets its bit, the hand clears bits and evicts the first
 * entry without one);
 * the stripe's mutex is held only while an entry is looked up, copied or replaced. */
#include "ca_vcache.h"

#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define VCACHE_STRIPES 16

struct slot {
    struct ca_vcache_entry e;
    int32_t next; /* next slot in the bucket chain, -1 = end */
    unsigned char used, ref;
};

struct stripe {
    pthread_mutex_t lock;
    struct slot *slots;
    int32_t *heads; /* nbuckets chain heads, -1 = empty */
    uint32_t cap, nbuckets, n, hand;
};

struct ca_vcache {
    size_t max;
    unsigned nstripes;
    struct stripe stripes[VCACHE_STRIPES];
};

static uint32_t key_word(const unsigned char *key, int at)
{
    return (uint32_t)key[at] << 24 | (uint32_t)key[at + 1] << 16 | (uint32_t)key[at + 2] << 8 | key[at + 3];
}

static struct stripe *stripe_of(struct ca_vcache *c, const unsigned char *key)
{
    return &c->stripes[key_word(key, 0) % c->nstripes];
}

static uint32_t bucket_of(const struct stripe *s, const unsigned char *key)
{
    return key_word(key, 4) & (s->nbuckets - 1);
}

struct ca_vcache *ca_vcache_new(size_t max)
{
    struct ca_vcache *c = calloc(1, sizeof *c);
    if (!c)
        return NULL;
    c->max = max;
    c->nstripes = max == 0 ? 0 : max < VCACHE_STRIPES ? (unsigned)max : VCACHE_STRIPES;
    for (unsigned i = 0; i < c->nstripes; i++) {
        struct stripe *s = &c->stripes[i];
        pthread_mutex_init(&s->lock, NULL);
        s->cap = (uint32_t)(max / c->nstripes); /* floor: the stripes together never exceed max */
        for (s->nbuckets = 1; s->nbuckets < s->cap; s->nbuckets <<= 1)
            ;
        s->slots = calloc(s->cap, sizeof *s->slots);
        s->heads = malloc(s->nbuckets * sizeof *s->heads);
        if (!s->slots || !s->heads) {
            c->nstripes = i + 1;
            ca_vcache_free(c);
            return NULL;
        }
        for (uint32_t b = 0; b < s->nbuckets; b++)
            s->heads[b] = -1;
    }
    return c;
}

void ca_vcache_free(struct ca_vcache *c)
{
    if (!c)
        return;
    for (unsigned i = 0; i < c->nstripes; i++) {
        free(c->stripes[i].slots);
        free(c->stripes[i].heads);
        pthread_mutex_destroy(&c->stripes[i].lock);
    }
    free(c);
}

/* Index of the slot holding key, or -1; *link gets the pointer that refers to it. */
static int32_t find(struct stripe *s, const unsigned char *key, int32_t **link)
{
    int32_t *l = &s->heads[bucket_of(s, key)];
    while (*l >= 0 && memcmp(s->slots[*l].e.key, key, CA_VCACHE_KEY_LEN) != 0)
        l = &s->slots[*l].next;
    if (link)
        *link = l;
    return *l;
}

static void unlink_slot(struct stripe *s, int32_t i)
{
    int32_t *l;
    if (find(s, s->slots[i].e.key, &l) == i)
        *l = s->slots[i].next;
    s->slots[i].used = s->slots[i].ref = 0;
    s->n--;
}

int ca_vcache_get(struct ca_vcache *c, const unsigned char *key, struct ca_vcache_entry *out)
{
    if (!c || !c->nstripes)
        return 0;
    struct stripe *s = stripe_of(c, key);
    pthread_mutex_lock(&s->lock);
    int32_t i = find(s, key, NULL);
    if (i >= 0) {
        s->slots[i].ref = 1;
        *out = s->slots[i].e;
    }
    pthread_mutex_unlock(&s->lock);
    return i >= 0;
}

/* A slot to (re)use: a free one, else the first not referenced since the hand last passed. */
static int32_t victim(struct stripe *s)
{
    for (;;) {
        struct slot *sl = &s->slots[s->hand];
        int32_t i = (int32_t)s->hand;
        s->hand = (s->hand + 1) % s->cap;
        if (!sl->used)
            return i;
        if (!sl->ref) {
            unlink_slot(s, i);
            return i;
        }
        sl->ref = 0;
    }
}

void ca_vcache_put(struct ca_vcache *c, const struct ca_vcache_entry *e)
{
    if (!c || !c->nstripes)
        return;
    struct stripe *s = stripe_of(c, e->key);
    if (!s->cap)
        return;
    pthread_mutex_lock(&s->lock);
    int32_t i = find(s, e->key, NULL);
    if (i < 0) {
        i = victim(s);
        int32_t *head = &s->heads[bucket_of(s, e->key)];
        s->slots[i].next = *head;
        *head = i;
        s->slots[i].used = 1;
        s->slots[i].ref = 0; /* only a hit earns a pass of the hand */
        s->n++;
    }
    s->slots[i].e = *e;
    pthread_mutex_unlock(&s->lock);
}

void ca_vcache_del(struct ca_vcache *c, const unsigned char *key)
{
    if (!c || !c->nstripes)
        return;
    struct stripe *s = stripe_of(c, key);
    pthread_mutex_lock(&s->lock);
    int32_t i = find(s, key, NULL);
    if (i >= 0)
        unlink_slot(s, i);
    pthread_mutex_unlock(&s->lock);
}

void ca_vcache_flush(struct ca_vcache *c)
{
    for (unsigned i = 0; c && i < c->nstripes; i++) {
        struct stripe *s = &c->stripes[i];
        pthread_mutex_lock(&s->lock);
        for (uint32_t k = 0; k < s->cap; k++)
            s->slots[k].used = s->slots[k].ref = 0;
        for (uint32_t b = 0; b < s->nbuckets; b++)
            s->heads[b] = -1;
        s->n = 0;
        s->hand = 0;
        pthread_mutex_unlock(&s->lock);
    }
}

size_t ca_vcache_count(struct ca_vcache *c)
{
    size_t n = 0;
    for (unsigned i = 0; c && i < c->nstripes; i++) {
        pthread_mutex_lock(&c->stripes[i].lock);
        n += c->stripes[i].n;
        pthread_mutex_unlock(&c->stripes[i].lock);
    }
    return n;
}

size_t ca_vcache_max(const struct ca_vcache *c) { return c ? c->max : 0; }

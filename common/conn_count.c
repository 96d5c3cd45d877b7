/* common/conn_count.c — open connections per source address (see conn_count.h). */
#include "conn_count.h"

#include <netinet/in.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define BUCKETS 4096

struct entry {
    struct entry *next;
    unsigned char ip[16];
    unsigned int n;
};

struct conn_count {
    unsigned int limit;
    pthread_mutex_t lock;
    struct entry *buckets[BUCKETS];
};

static void key_of(const struct sockaddr_storage *a, unsigned char ip[16])
{
    memset(ip, 0, 16);
    if (a->ss_family == AF_INET) {
        ip[10] = ip[11] = 0xff;
        memcpy(ip + 12, &((const struct sockaddr_in *)(const void *)a)->sin_addr, 4);
    } else if (a->ss_family == AF_INET6) {
        memcpy(ip, &((const struct sockaddr_in6 *)(const void *)a)->sin6_addr, 16);
    }
}

static size_t bucket_of(const unsigned char ip[16])
{
    uint64_t h = 1469598103934665603ULL; /* FNV-1a */
    for (int i = 0; i < 16; i++)
        h = (h ^ ip[i]) * 1099511628211ULL;
    return (size_t)(h % BUCKETS);
}

struct conn_count *conn_count_new(unsigned int limit)
{
    struct conn_count *cc = calloc(1, sizeof *cc);
    if (!cc)
        return NULL;
    cc->limit = limit;
    pthread_mutex_init(&cc->lock, NULL);
    return cc;
}

void conn_count_free(struct conn_count *cc)
{
    if (!cc)
        return;
    for (size_t b = 0; b < BUCKETS; b++)
        while (cc->buckets[b]) {
            struct entry *e = cc->buckets[b];
            cc->buckets[b] = e->next;
            free(e);
        }
    pthread_mutex_destroy(&cc->lock);
    free(cc);
}

int conn_count_take(struct conn_count *cc, const struct sockaddr_storage *a)
{
    if (!cc->limit)
        return 1;
    unsigned char ip[16];
    key_of(a, ip);
    size_t b = bucket_of(ip);
    int ok = 1;
    pthread_mutex_lock(&cc->lock);
    struct entry *e = cc->buckets[b];
    while (e && memcmp(e->ip, ip, 16) != 0)
        e = e->next;
    if (!e && (e = calloc(1, sizeof *e))) {
        memcpy(e->ip, ip, 16);
        e->next = cc->buckets[b];
        cc->buckets[b] = e;
    }
    if (!e || e->n >= cc->limit)
        ok = 0;
    else
        e->n++;
    pthread_mutex_unlock(&cc->lock);
    return ok;
}

void conn_count_release(struct conn_count *cc, const struct sockaddr_storage *a)
{
    if (!cc->limit)
        return;
    unsigned char ip[16];
    key_of(a, ip);
    size_t b = bucket_of(ip);
    pthread_mutex_lock(&cc->lock);
    for (struct entry **pp = &cc->buckets[b]; *pp; pp = &(*pp)->next) {
        struct entry *e = *pp;
        if (memcmp(e->ip, ip, 16) != 0)
            continue;
        if (--e->n == 0) { /* a source with nothing open costs nothing */
            *pp = e->next;
            free(e);
        }
        break;
    }
    pthread_mutex_unlock(&cc->lock);
}

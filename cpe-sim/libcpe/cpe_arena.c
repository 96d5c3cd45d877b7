/* cpe-sim/libcpe/cpe_arena.c — bump allocator (see cpe_arena.h). */
#include "cpe_arena.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CHUNK_MIN 8192u

struct cpe_arena_chunk {
    struct cpe_arena_chunk *next;
    size_t size, used;
    _Alignas(16) unsigned char data[];
};

void cpe_arena_init(struct cpe_arena *a)
{
    a->head = NULL;
    a->total = 0;
}

void cpe_arena_reset(struct cpe_arena *a)
{
    struct cpe_arena_chunk *c = a->head;
    if (!c)
        return;
    /* keep the last (oldest, usually the smallest) chunk */
    while (c->next) {
        struct cpe_arena_chunk *n = c->next;
        free(c);
        c = n;
    }
    c->used = 0;
    a->head = c;
    a->total = c->size;
}

void cpe_arena_cleanup(struct cpe_arena *a)
{
    struct cpe_arena_chunk *c = a->head;
    while (c) {
        struct cpe_arena_chunk *n = c->next;
        free(c);
        c = n;
    }
    a->head = NULL;
    a->total = 0;
}

void *cpe_arena_alloc(struct cpe_arena *a, size_t n)
{
    n = (n + 15u) & ~(size_t)15u;
    if (n == 0)
        n = 16;
    struct cpe_arena_chunk *c = a->head;
    if (!c || c->size - c->used < n) {
        size_t size = n > CHUNK_MIN ? n : CHUNK_MIN;
        if (c && size < c->size * 2 && c->size * 2 <= CPE_ARENA_MAX / 4)
            size = c->size * 2;
        if (n > CPE_ARENA_MAX || a->total + size > CPE_ARENA_MAX)
            return NULL;
        c = malloc(sizeof *c + size);
        if (!c)
            return NULL;
        c->size = size;
        c->used = 0;
        c->next = a->head;
        a->head = c;
        a->total += size;
    }
    void *p = c->data + c->used;
    c->used += n;
    memset(p, 0, n);
    return p;
}

char *cpe_arena_strdup(struct cpe_arena *a, const char *s)
{
    if (!s)
        return NULL;
    size_t n = strlen(s) + 1;
    char *p = cpe_arena_alloc(a, n);
    if (p)
        memcpy(p, s, n);
    return p;
}

char *cpe_arena_printf(struct cpe_arena *a, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0)
        return NULL;
    char *p = cpe_arena_alloc(a, (size_t)n + 1);
    if (!p)
        return NULL;
    va_start(ap, fmt);
    vsnprintf(p, (size_t)n + 1, fmt, ap);
    va_end(ap);
    return p;
}

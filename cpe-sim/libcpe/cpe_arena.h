/* cpe-sim/libcpe/cpe_arena.h — bump allocator for the structs of one CWMP reply.
 * Owns: its chunks; everything allocated lives until cpe_arena_reset()/cleanup().
 * Thread-safety: none; one arena per session. Capped at CPE_ARENA_MAX bytes. */
#ifndef CPE_ARENA_H
#define CPE_ARENA_H

#include <stddef.h>

#define CPE_ARENA_MAX (4u << 20) /* a full-tree GetParameterNames fits many times over */

struct cpe_arena_chunk;

struct cpe_arena {
    struct cpe_arena_chunk *head;
    size_t total; /* bytes allocated in chunks */
};

void cpe_arena_init(struct cpe_arena *a);
/* Free every chunk but the first (kept for reuse); all pointers become invalid. */
void cpe_arena_reset(struct cpe_arena *a);
/* Free everything. */
void cpe_arena_cleanup(struct cpe_arena *a);
/* Zeroed, 16-byte aligned memory; NULL when out of memory or over CPE_ARENA_MAX. */
void *cpe_arena_alloc(struct cpe_arena *a, size_t n);
/* Copy of s (NULL -> NULL... and NULL on failure when s != NULL). */
char *cpe_arena_strdup(struct cpe_arena *a, const char *s);
char *cpe_arena_printf(struct cpe_arena *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif

/* common/ratelimit.h — the request budget of the pre-authentication paths (EST enrollment with a
 * token, legacy password mode): a token bucket per source in a bounded table plus one bucket for
 * all sources, checked before any work is done for the request. Also the [preauth] schema.
 * Owns: struct ratelimit (fixed-size table). Thread-safety: every function takes its mutex. */
#ifndef COMMON_RATELIMIT_H
#define COMMON_RATELIMIT_H

#include <stddef.h>
#include <stdint.h>

#include "cfg.h"

extern const struct cfg_key ratelimit_cfg_schema[];

/* [preauth] values. Rates in requests per second. */
struct ratelimit_cfg {
    double source_rate, source_burst; /* per source (an IPv4 address, an IPv6 /64) */
    double global_rate, global_burst; /* all sources together */
    size_t sources;                   /* sources tracked at once (table size) */
    size_t max_body;                  /* [preauth] max_body_bytes (for the caller) */
    int audit_window;                 /* [preauth] audit_window seconds (for the caller) */
};
/* Read [preauth] from cfg into *out. */
void ratelimit_cfg_load(const struct cfg *cfg, struct ratelimit_cfg *out);

enum ratelimit_verdict {
    RATELIMIT_OK,     /* one token taken from the source's and the global bucket */
    RATELIMIT_SOURCE, /* this source is over its budget (answer 429) */
    RATELIMIT_GLOBAL, /* all sources together are over theirs (answer 503) */
};

struct ratelimit;
/* NULL when out of memory or a rate/burst is not positive. */
struct ratelimit *ratelimit_new(const struct ratelimit_cfg *cfg);
void ratelimit_free(struct ratelimit *r);
/* Take one request from source's budget at now_ms (a monotonic clock in milliseconds). source is
 * the client address as text; IPv6 addresses count per /64, IPv4-mapped ones as IPv4. A source
 * over its budget does not consume the global one. *retry_s (may be NULL): whole seconds until a
 * request would pass again (>= 1) when refused. When the table is full the source whose bucket is
 * fullest among its candidate slots is forgotten (the global bucket still bounds the total). */
enum ratelimit_verdict ratelimit_take(struct ratelimit *r, const char *source, int64_t now_ms, int *retry_s);
/* A monotonic clock in milliseconds, for ratelimit_take. */
int64_t ratelimit_now_ms(void);

#endif

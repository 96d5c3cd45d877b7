/* common/ratelimit.c — token buckets per source (open addressing over a short probe window, no
 * tombstones: a lookup scans the whole window) and one global bucket, under one mutex. */
#include "ratelimit.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/rand.h>

#define PROBE 8
#define KEY_MAX 56 /* an IPv6 address as text and "/64", with room */

const struct cfg_key ratelimit_cfg_schema[] = {
    {"preauth", "source_rate", CFG_INT, "600", 1, 1000000, 0, NULL,
     "requests per minute one source (an IPv4 address, an IPv6 /64) may make on a pre-authentication path "
     "(EST enrollment, legacy password mode); beyond it 429 with Retry-After, before any work"},
    {"preauth", "source_burst", CFG_INT, "100", 1, 1000000, 0, NULL,
     "requests one source may make at once before source_rate applies"},
    {"preauth", "global_rate", CFG_INT, "200", 1, 1000000, 0, NULL,
     "requests per second all sources together may make on pre-authentication paths; beyond it 503 "
     "with Retry-After"},
    {"preauth", "global_burst", CFG_INT, "400", 1, 10000000, 0, NULL,
     "requests all sources may make at once before global_rate applies"},
    {"preauth", "sources", CFG_INT, "8192", 16, 1048576, 0, NULL,
     "sources tracked at once by the rate limit and by the refusal counts (memory: about 100 bytes each)"},
    {"preauth", "max_body_bytes", CFG_INT, "32768", 1024, 1048576, 0, NULL,
     "largest request body read before the client is authenticated (legacy password mode; EST never "
     "takes more than 16 KiB); larger ones get 413"},
    {"preauth", "audit_window", CFG_INT, "300", 1, 86400, 0, NULL,
     "seconds over which the refusals of one source are summed into one audit row and one log line"},
    CFG_END,
};

void ratelimit_cfg_load(const struct cfg *cfg, struct ratelimit_cfg *o)
{
    memset(o, 0, sizeof *o);
    o->source_rate = (double)cfg_int(cfg, "preauth", "source_rate") / 60.0;
    o->source_burst = (double)cfg_int(cfg, "preauth", "source_burst");
    o->global_rate = (double)cfg_int(cfg, "preauth", "global_rate");
    o->global_burst = (double)cfg_int(cfg, "preauth", "global_burst");
    o->sources = (size_t)cfg_int(cfg, "preauth", "sources");
    o->max_body = (size_t)cfg_int(cfg, "preauth", "max_body_bytes");
    o->audit_window = (int)cfg_int(cfg, "preauth", "audit_window");
}

struct bucket {
    double tokens;
    int64_t last_ms;
};

struct slot {
    char key[KEY_MAX];
    struct bucket b;
};

struct ratelimit {
    pthread_mutex_t mu;
    struct ratelimit_cfg cfg;
    uint32_t seed;
    size_t mask;
    struct slot *slots;
    struct bucket global;
};

int64_t ratelimit_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

struct ratelimit *ratelimit_new(const struct ratelimit_cfg *cfg)
{
    if (!(cfg->source_rate > 0 && cfg->source_burst >= 1 && cfg->global_rate > 0 && cfg->global_burst >= 1))
        return NULL;
    struct ratelimit *r = calloc(1, sizeof *r);
    size_t n = 16;
    while (n < cfg->sources && n < ((size_t)1 << 24))
        n <<= 1;
    if (!r || !(r->slots = calloc(n, sizeof *r->slots))) {
        free(r);
        return NULL;
    }
    pthread_mutex_init(&r->mu, NULL);
    r->cfg = *cfg;
    r->mask = n - 1;
    if (RAND_bytes((unsigned char *)&r->seed, sizeof r->seed) != 1) /* crafted collisions */
        r->seed = (uint32_t)time(NULL);
    r->global.tokens = cfg->global_burst;
    r->global.last_ms = INT64_MIN; /* set by the first take (callers choose their clock) */
    return r;
}

void ratelimit_free(struct ratelimit *r)
{
    if (!r)
        return;
    pthread_mutex_destroy(&r->mu);
    free(r->slots);
    free(r);
}

/* The budget key of an address: IPv6 by its /64, IPv4-mapped IPv6 as the IPv4 address. */
static void source_key(const char *source, char *out, size_t n)
{
    struct in6_addr a6;
    if (source && strchr(source, ':') && inet_pton(AF_INET6, source, &a6) == 1) {
        if (IN6_IS_ADDR_V4MAPPED(&a6)) {
            inet_ntop(AF_INET, &a6.s6_addr[12], out, (socklen_t)n);
            return;
        }
        memset(&a6.s6_addr[8], 0, 8);
        char t[INET6_ADDRSTRLEN];
        inet_ntop(AF_INET6, &a6, t, sizeof t);
        snprintf(out, n, "%s/64", t);
        return;
    }
    snprintf(out, n, "%s", source && *source ? source : "-");
}

static void refill(struct bucket *b, double rate, double burst, int64_t now_ms)
{
    if (b->last_ms == INT64_MIN)
        b->last_ms = now_ms;
    if (now_ms > b->last_ms) {
        double t = b->tokens + rate * (double)(now_ms - b->last_ms) / 1000.0;
        b->tokens = t < burst ? t : burst;
        b->last_ms = now_ms;
    }
}

static int retry_after(const struct bucket *b, double rate)
{
    double s = (1.0 - b->tokens) / rate; /* seconds until one token, rounded up */
    if (s > 86400)
        return 86400;
    int whole = (int)s;
    return whole < s ? whole + 1 : whole < 1 ? 1 : whole;
}

/* The source's slot, refilled; a new one (full bucket) when absent. Called locked. */
static struct slot *slot_for(struct ratelimit *r, const char *key, int64_t now_ms)
{
    uint32_t h = 2166136261u ^ r->seed;
    for (const char *p = key; *p; p++)
        h = (h ^ (unsigned char)*p) * 16777619u;
    struct slot *victim = NULL;
    double victim_tokens = -1;
    for (unsigned i = 0; i < PROBE; i++) {
        struct slot *s = &r->slots[(h + i) & r->mask];
        if (s->key[0] && !strcmp(s->key, key)) {
            refill(&s->b, r->cfg.source_rate, r->cfg.source_burst, now_ms);
            return s;
        }
        double t = r->cfg.source_burst + 1; /* an empty slot beats every used one */
        if (s->key[0]) {
            refill(&s->b, r->cfg.source_rate, r->cfg.source_burst, now_ms);
            t = s->b.tokens;
        }
        if (t > victim_tokens) {
            victim = s;
            victim_tokens = t;
        }
    }
    snprintf(victim->key, sizeof victim->key, "%s", key);
    victim->b.tokens = r->cfg.source_burst;
    victim->b.last_ms = now_ms;
    return victim;
}

enum ratelimit_verdict ratelimit_take(struct ratelimit *r, const char *source, int64_t now_ms, int *retry_s)
{
    char key[KEY_MAX];
    source_key(source, key, sizeof key);
    enum ratelimit_verdict v = RATELIMIT_OK;
    int retry = 0;
    pthread_mutex_lock(&r->mu);
    struct slot *s = slot_for(r, key, now_ms);
    refill(&r->global, r->cfg.global_rate, r->cfg.global_burst, now_ms);
    if (s->b.tokens < 1.0) {
        v = RATELIMIT_SOURCE;
        retry = retry_after(&s->b, r->cfg.source_rate);
    } else if (r->global.tokens < 1.0) {
        v = RATELIMIT_GLOBAL;
        retry = retry_after(&r->global, r->cfg.global_rate);
    } else {
        s->b.tokens -= 1.0;
        r->global.tokens -= 1.0;
    }
    pthread_mutex_unlock(&r->mu);
    if (retry_s)
        *retry_s = retry;
    return v;
}

/* cpe-sim/sim_stats.c — load-report counters: session latency in a log-linear histogram
 * (16 sub-buckets per power of two, ~6 % resolution), merge across workers, percentiles. */
#include <string.h>

#include "log.h"
#include "sim.h"

static unsigned bucket(uint64_t us)
{
    if (us < 16)
        return (unsigned)us;
    unsigned e = 63u - (unsigned)__builtin_clzll(us); /* >= 4 */
    unsigned sub = (unsigned)(us >> (e - 4)) & 15u;
    unsigned b = (e - 3) * 16 + sub;
    return b < 64 * 16 ? b : 64 * 16 - 1;
}

static uint64_t bucket_top(unsigned b)
{
    if (b < 16)
        return b;
    unsigned e = b / 16 + 3, sub = b % 16;
    return ((uint64_t)(16 + sub + 1) << (e - 4)) - 1;
}

void sim_stats_add_latency(struct sim_stats *s, uint64_t us)
{
    s->hist[bucket(us)]++;
    if (us > s->max_us)
        s->max_us = us;
}

void sim_stats_merge(struct sim_stats *into, const struct sim_stats *from)
{
    into->ok += from->ok;
    into->failed += from->failed;
    into->aborted += from->aborted;
    into->handshakes += from->handshakes;
    into->requests += from->requests;
    into->rpcs += from->rpcs;
    into->bytes_in += from->bytes_in;
    into->bytes_out += from->bytes_out;
    for (int i = 0; i < CPE_FAIL_COUNT; i++)
        into->fails[i] += from->fails[i];
    for (size_t i = 0; i < sizeof into->hist / sizeof *into->hist; i++)
        into->hist[i] += from->hist[i];
    if (from->max_us > into->max_us)
        into->max_us = from->max_us;
}

uint64_t sim_stats_percentile(const struct sim_stats *s, double pct)
{
    uint64_t total = 0;
    for (size_t i = 0; i < sizeof s->hist / sizeof *s->hist; i++)
        total += s->hist[i];
    if (!total)
        return 0;
    uint64_t want = (uint64_t)(pct / 100.0 * (double)total + 0.5), seen = 0;
    if (want == 0)
        want = 1;
    for (unsigned i = 0; i < sizeof s->hist / sizeof *s->hist; i++) {
        seen += s->hist[i];
        if (seen >= want) {
            uint64_t top = bucket_top(i);
            return top < s->max_us ? top : s->max_us;
        }
    }
    return s->max_us;
}

void sim_log_failure(struct sim *sim, const struct sim_dev *d, enum cpe_fail why, const char *detail)
{
    unsigned n = atomic_fetch_add(&sim->logged[why], 1);
    char q[160];
    log_quote(q, sizeof q, detail ? detail : "");
    if (n < SIM_LOG_FIRST)
        log_warn("cpe-sim", "event=session_failed session_id=%s-%u reason=%s detail=%s%s", d->ident->id,
                 d->sessions + 1, cpe_fail_str(why), q, n + 1 == SIM_LOG_FIRST ? " more=debug_level" : "");
    else
        log_debug("cpe-sim", "event=session_failed session_id=%s-%u reason=%s detail=%s", d->ident->id,
                  d->sessions + 1, cpe_fail_str(why), q);
}

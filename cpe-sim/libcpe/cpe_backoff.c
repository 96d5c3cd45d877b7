/* cpe-sim/libcpe/cpe_backoff.c — CWMP retry wait interval (cpe_backoff.h). */
#include "cpe_backoff.h"

void cpe_backoff_range(unsigned m, unsigned k, unsigned n, uint64_t *lo, uint64_t *hi)
{
    *lo = *hi = 0;
    if (n == 0)
        return;
    if (m < 1)
        m = 1;
    if (m > 65535)
        m = 65535;
    if (k < 1000)
        k = 1000;
    if (k > 65535)
        k = 65535;
    if (n > CPE_BACKOFF_MAX_N)
        n = CPE_BACKOFF_MAX_N;
    double f = k / 1000.0, low = m * 1000.0;
    for (unsigned i = 1; i < n; i++)
        low *= f;
    double high = low * f;
    *lo = low >= (double)CPE_BACKOFF_CAP_MS ? CPE_BACKOFF_CAP_MS : (uint64_t)low;
    *hi = high >= (double)CPE_BACKOFF_CAP_MS ? CPE_BACKOFF_CAP_MS : (uint64_t)high;
}

uint64_t cpe_backoff_ms(unsigned m, unsigned k, unsigned n, uint32_t rnd)
{
    uint64_t lo, hi;
    cpe_backoff_range(m, k, n, &lo, &hi);
    if (hi <= lo)
        return lo;
    return lo + (uint64_t)((double)(hi - lo) * ((double)rnd / 4294967296.0));
}

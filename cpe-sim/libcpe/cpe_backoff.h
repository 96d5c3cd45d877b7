/* cpe-sim/libcpe/cpe_backoff.h — CWMP session retry wait (TR-069 Amendment 6, 3.2.1.1).
 * The n-th retry (n >= 1) after a failed session waits a uniformly random time in
 *   [ m * (k/1000)^(n-1) , m * (k/1000)^n )  seconds,
 * m = ManagementServer.CWMPRetryMinimumWaitInterval (default 5, range 1..65535),
 * k = ManagementServer.CWMPRetryIntervalMultiplier (default 2000, range 1000..65535),
 * and n stops growing at CPE_BACKOFF_MAX_N (defaults: 5-10 s, 10-20 s, ... 2560-5120 s).
 * Pure functions. Thread-safety: none needed. */
#ifndef CPE_BACKOFF_H
#define CPE_BACKOFF_H

#include <stdint.h>

#define CPE_BACKOFF_DEFAULT_M 5u
#define CPE_BACKOFF_DEFAULT_K 2000u
#define CPE_BACKOFF_MAX_N 10u
#define CPE_BACKOFF_CAP_MS (7ull * 86400 * 1000) /* no wait longer than a week */

/* The wait interval for retry n in ms: [*lo, *hi). n = 0 gives [0, 0). Out-of-range m/k
 * are clamped to their TR-181 ranges. */
void cpe_backoff_range(unsigned m, unsigned k, unsigned n, uint64_t *lo, uint64_t *hi);
/* A wait in that range, picked with rnd (any 32-bit random number). */
uint64_t cpe_backoff_ms(unsigned m, unsigned k, unsigned n, uint32_t rnd);

#endif

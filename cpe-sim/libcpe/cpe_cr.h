/* cpe-sim/libcpe/cpe_cr.h — connection-request listener (TR-069 3.2.2): plain HTTP on a
 * loopback address, one listener for many devices, URL http://ADDR:PORT/cr/<device-id>,
 * HTTP Digest against the device's ConnectionRequestUsername/Password; 200 and a session
 * with "6 CONNECTION REQUEST" on success, 401 otherwise, 503 when rate-limited.
 * Non-blocking; runs on the caller's thread (cpe_cr_run) or in the caller's epoll (fd).
 * Owns: struct cpe_cr and its connections. Thread-safety: one thread drives it; the ops
 * callbacks run on that thread. */
#ifndef CPE_CR_H
#define CPE_CR_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"

#define CPE_CR_MAX_REQUEST 4096 /* request line + headers */
#define CPE_CR_TIMEOUT_MS 5000  /* per connection */

struct cpe_cr_ops {
    /* Device of a URL id: copy its credentials (size n each); return a handle >= 0, or -1
     * if unknown. */
    int (*lookup)(void *ud, const char *device_id, char *user, char *pass, size_t n);
    /* An authenticated, admitted request for the device: start a session. */
    void (*trigger)(void *ud, int handle);
};

struct cpe_cr_opts {
    const char *addr;          /* loopback address to bind ("127.0.0.1") */
    unsigned port;             /* 0: any free port (see cpe_cr_port) */
    unsigned max_conns;        /* open connections (default 256) */
    unsigned rate;             /* admitted requests per second, all devices (default 1000) */
    unsigned min_interval_ms;  /* per device between admitted requests (default 100) */
    unsigned ndevices;         /* handles are < ndevices (per-device rate state) */
    const char *realm;         /* Digest realm (default "cpe") */
};

struct cpe_cr_stats {
    uint64_t ok, unauthorized, limited, bad_request, timeouts;
};

struct cpe_cr;

/* Listen. NULL on failure with *errmsg (caller frees); a non-loopback addr is refused. */
struct cpe_cr *cpe_cr_new(const struct cpe_cr_opts *o, const struct cpe_cr_ops *ops, void *ud, char **errmsg);
void cpe_cr_free(struct cpe_cr *cr);
unsigned cpe_cr_port(const struct cpe_cr *cr);
/* An epoll fd that becomes readable when cpe_cr_run has work. */
int cpe_cr_fd(const struct cpe_cr *cr);
/* Serve whatever is ready, waiting at most timeout_ms. Returns 0 or -errno. */
int cpe_cr_run(struct cpe_cr *cr, int timeout_ms);
void cpe_cr_get_stats(const struct cpe_cr *cr, struct cpe_cr_stats *out);

#endif

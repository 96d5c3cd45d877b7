/* cpe-sim/sim.h — the fleet simulator's internal types: identities, TLS client, HTTP
 * response parser, connections, per-core workers and the load report.
 * Owns: nothing by itself; each struct's owner is named at its definition.
 * Thread-safety: a worker and its devices/connections belong to one thread; struct sim
 * is read-only after start except the atomics and the credential lock noted below. */
#ifndef CPESIM_SIM_H
#define CPESIM_SIM_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>

#include <gnutls/abstract.h>
#include <gnutls/gnutls.h>

#include "buf.h"
#include "cpe_cr.h"
#include "cpe_dev.h"
#include "cpe_session.h"
#include "cwmp.h"

#define SIM_MAX_HEAD 16384     /* HTTP response head */
#define SIM_MAX_COOKIES 1024   /* "a=b; c=d" sent back within a session */
#define SIM_MAX_THREADS 64
#define SIM_LOG_FIRST 5        /* failures of one kind logged at warning level */

/* ---- identities (sim_ident.c) ---- */
struct sim_ident {
    char *id;            /* OUI-ProductClass-Serial */
    char *cert_serial;   /* hex, from the "# id serial" line */
    gnutls_pcert_st pcert;
    gnutls_privkey_t key;
};
/* Load up to max identities (0: all) from an acs-ca batch bundle, sorted by id.
 * Returns the count (>0) or -1 with *errmsg. */
int sim_ident_load(const char *path, unsigned max, struct sim_ident **out, char **errmsg);
void sim_ident_free(struct sim_ident *ids, unsigned n);

/* ---- TLS client (sim_tls.c) ---- */
struct sim_tls {
    gnutls_certificate_credentials_t cred; /* shared, with the per-device retrieve callback */
    gnutls_priority_t prio;
    char host[256];   /* for certificate verification (and SNI when a name) */
    bool host_is_ip;
};
int sim_tls_init(struct sim_tls *t, const char *ca_file, const char *host, bool tls12, char **errmsg);
void sim_tls_cleanup(struct sim_tls *t);
/* Client session on fd presenting ident's certificate. 0 or -ERR_TLS. */
int sim_tls_session(struct sim_tls *t, int fd, struct sim_ident *ident, gnutls_session_t *out);

/* ---- HTTP/1.1 response parser (sim_http.c) ---- */
struct sim_http {
    int state;
    int status;
    bool chunked, has_len, close, until_close;
    size_t clen, chunk_left;
    unsigned retry_after;
    struct buf head, body;
    char cookies[SIM_MAX_COOKIES];
};
void sim_http_init(struct sim_http *h);
void sim_http_cleanup(struct sim_http *h);
/* Ready for the next response (cookies kept). */
void sim_http_reset(struct sim_http *h);
/* Consume data: 1 = a response is complete, 0 = need more, -ERR_PARSE / -ERR_TOO_BIG.
 * *used gets the bytes consumed. */
int sim_http_feed(struct sim_http *h, const char *data, size_t len, size_t *used);
/* The peer closed: 1 if that completes the response, else -ERR_IO. */
int sim_http_eof(struct sim_http *h);
/* Append a POST request for body (len may be 0: the empty POST) to out. */
int sim_http_request(struct buf *out, const char *host, const char *path, const struct sim_http *h,
                     const char *body, size_t len) WARN_UNUSED;

/* ---- the simulator ---- */
/* Data model of the devices (--model): TR-181 Device:2 + TR-104 v2, TR-098
 * InternetGatewayDevice:1 + TR-104 v1, or both (every second device of the sorted bundle). */
enum sim_model { SIM_MODEL_TR181, SIM_MODEL_TR098, SIM_MODEL_MIXED };

struct sim_cfg {
    enum sim_model model;
    const char *datamodel_tr098; /* --datamodel-tr098 TSV */
    const char *acs_url, *ca_file, *identities, *report_file;
    char host[256], port[16], path[512], hostport[300];
    struct sockaddr_storage addr;
    socklen_t addrlen;
    unsigned devices, threads, concurrency, sessions_per_device, periodic, duration_s, timeout_s;
    int cr_port;           /* -1: no listener */
    bool tls12, bootstrap;
    bool raw_request;      /* per session: handshake + the Inform POST + answer + close (bench) */
    unsigned raw_requests; /* ... that many POSTs on the keep-alive connection (0 or 1: one) */
    unsigned start_spread_ms; /* first sessions spread over this window */
};

struct sim_stats {
    uint64_t ok, failed, aborted, handshakes, requests, rpcs, bytes_out, bytes_in;
    uint64_t fails[CPE_FAIL_COUNT];
    uint64_t hist[64 * 16]; /* session latency, µs, log-linear buckets */
    uint64_t max_us;
};
void sim_stats_add_latency(struct sim_stats *s, uint64_t us);
void sim_stats_merge(struct sim_stats *into, const struct sim_stats *from);
/* Percentile (0-100) of the latency histogram, µs (bucket upper bound). */
uint64_t sim_stats_percentile(const struct sim_stats *s, double pct);

struct sim_worker;

struct sim_dev {
    struct cpe_dev *cpe;
    struct sim_ident *ident;
    struct sim_worker *w;
    struct sim_conn *conn;   /* NULL when idle */
    int64_t due;
    unsigned heap_pos;       /* UINT32_MAX: not scheduled */
    unsigned sessions;
    bool done;
    char *cr_user, *cr_pass; /* published copies for the CR thread (struct sim.cred_lock) */
};

struct sim {
    struct sim_cfg cfg;
    struct cpe_dev_cfg dev_cfg, dev_cfg_tr098;
    struct cpe_schema *schema, *schema_tr098; /* NULL when the model is not run */
    struct sim_tls tls;
    struct sim_ident *ids;
    struct sim_dev *devs;
    unsigned ndevs;
    struct sim_worker *workers[SIM_MAX_THREADS];
    unsigned nworkers;
    struct cpe_cr *cr;
    char cr_base[128];
    pthread_mutex_t cred_lock;
    atomic_int stop;
    atomic_uint logged[CPE_FAIL_COUNT];
};

/* ---- workers (sim_worker.c) ---- */
struct sim_worker *sim_worker_new(struct sim *sim, unsigned index);
void sim_worker_free(struct sim_worker *w);
void sim_worker_add(struct sim_worker *w, struct sim_dev *d);
int sim_worker_start(struct sim_worker *w);
void sim_worker_join(struct sim_worker *w);
/* From any thread: a connection request for d arrived. */
void sim_worker_poke(struct sim_worker *w, struct sim_dev *d);
const struct sim_stats *sim_worker_stats(const struct sim_worker *w);
struct sim *sim_worker_sim(const struct sim_worker *w);
/* The worker's loop has ended (all its devices done, or stop). */
bool sim_worker_exited(const struct sim_worker *w);
/* Wall-clock ms. */
int64_t sim_now_ms(void);

/* ---- connections (sim_conn.c), used by the worker ---- */
struct sim_conn;
/* Start d's session: socket, connect, Inform. NULL on failure (counted by the caller). */
struct sim_conn *sim_conn_start(struct sim_worker *w, struct sim_dev *d, int epfd, struct cwmp_codec *codec,
                                int64_t now, enum cpe_fail *why);
/* Progress on an epoll event. Returns 1 when the session ended (sim_conn_finish next). */
int sim_conn_drive(struct sim_conn *c, int64_t now);
/* End the session: stats, device outcome, free. ok is returned. */
bool sim_conn_finish(struct sim_conn *c, struct sim_stats *st, int64_t now);
/* Abort (timeout or shutdown) then finish. */
void sim_conn_abort(struct sim_conn *c, enum cpe_fail why);
int64_t sim_conn_deadline(const struct sim_conn *c);

/* Log a failure (warning for the first few of each kind, then debug). */
void sim_log_failure(struct sim *sim, const struct sim_dev *d, enum cpe_fail why, const char *detail);

#endif

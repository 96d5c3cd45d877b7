/* acs/listener/acs_http.h — acsd's HTTPS listener (libmicrohttpd + GnuTLS, thread pool): CWMP at any
 * path, EST under /.well-known/est/; client certificates verified once per connection; body,
 * connection and time limits (413, 503 + Retry-After, slow clients shut down).
 * Owns: the MHD daemon and the per-connection state. Thread-safety: MHD's pool threads call
 * in; acs_http_sweep() runs on the housekeeping thread. */
#ifndef ACS_HTTP_H
#define ACS_HTTP_H

#include <stddef.h>
#include <time.h>

#include "acs_ctx.h"

struct acs_http;

/* Start listening with the PEM server cert/key and the PEM trust list (CA certificates whose
 * clients are asked for a certificate). NULL with *errmsg. */
struct acs_http *acs_http_start(struct acs_ctx *ctx, const char *cert_pem, const char *key_pem,
                                const char *trust_pem, char **errmsg);
/* Bound port (useful with port 0). */
int acs_http_port(struct acs_http *h);
/* Stop accepting new connections (open ones continue). */
void acs_http_quiesce(struct acs_http *h);
/* Requests being handled right now and connections open. */
size_t acs_http_active(struct acs_http *h);
size_t acs_http_connections(struct acs_http *h);
/* Shut down connections over the request deadline or idle past it (slow clients). */
void acs_http_sweep(struct acs_http *h, time_t now);
/* Close every connection and free. NULL is a no-op. */
void acs_http_stop(struct acs_http *h);

#endif

/* pki-ca/ca_est_http.h — the EST handlers (ca_est.h) answering one libmicrohttpd request, for
 * every HTTPS listener that mounts /.well-known/est/ (acs-ca est-serve, acsd on :7547).
 * Owns: nothing. Thread-safety: as ca_est_handle (the caller's ca_ctx, one per thread). */
#ifndef PKICA_CA_EST_HTTP_H
#define PKICA_CA_EST_HTTP_H

#include <stddef.h>

#include <microhttpd.h>

#include "ca_est.h"

/* The EST request as the connection carries it (headers borrowed from MHD, body from the
 * caller; refused unset). */
void ca_est_http_request(struct MHD_Connection *c, const char *url, const char *method, const char *body, size_t len,
                         int too_big, const struct ca_verify_result *peer, const char *remote,
                         struct ca_est_request *req);
/* Queue resp as the HTTP answer to req (and log it at debug level). */
enum MHD_Result ca_est_http_send(struct MHD_Connection *c, const struct ca_est_request *req,
                                 const struct ca_est_response *resp);

/* Build the EST request from the connection (headers) and the body read by the caller
 * (too_big: the body was over the caller's cap), handle it and queue the answer.
 * peer: the connection's client-certificate verdict; refused/arg: see struct ca_est_request
 * (NULL: every refusal audited). Returns MHD's result of queueing. */
enum MHD_Result ca_est_http_answer(struct ca_ctx *ca, struct MHD_Connection *c, const char *url, const char *method,
                                   const char *body, size_t len, int too_big, const struct ca_verify_result *peer,
                                   const char *remote, void (*refused)(void *arg, const char *remote, const char *reason),
                                   void *arg);

#endif

/* pki-ca/ca_est_http.c — EST over libmicrohttpd: request from the connection, answer queued. */
#include "ca_est_http.h"

#include <stdio.h>
#include <string.h>

#include "httpd_tls.h"
#include "log.h"

void ca_est_http_request(struct MHD_Connection *c, const char *url, const char *method, const char *body, size_t len,
                         int too_big, const struct ca_verify_result *peer, const char *remote,
                         struct ca_est_request *req)
{
    size_t plen = strlen(CA_EST_PATH_PREFIX);
    *req = (struct ca_est_request){
        .method = method,
        .path = !strncmp(url, CA_EST_PATH_PREFIX, plen) ? url + plen : NULL,
        .content_type = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_TYPE),
        .authorization = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_AUTHORIZATION),
        .body = (const unsigned char *)body,
        .body_len = body ? len : 0,
        .body_too_big = too_big,
        .peer = peer,
        .remote = remote,
    };
}

enum MHD_Result ca_est_http_send(struct MHD_Connection *c, const struct ca_est_request *req,
                                 const struct ca_est_response *resp)
{
    char retry[16];
    snprintf(retry, sizeof retry, "%d", resp->retry_after);
    const char *const headers[] = {MHD_HTTP_HEADER_CONTENT_TYPE, resp->content_type,
                                   MHD_HTTP_HEADER_CACHE_CONTROL, "no-store",
                                   "Content-Transfer-Encoding", resp->transfer_encoding,
                                   MHD_HTTP_HEADER_WWW_AUTHENTICATE, resp->www_authenticate,
                                   MHD_HTTP_HEADER_ALLOW, resp->allow,
                                   MHD_HTTP_HEADER_RETRY_AFTER, resp->retry_after ? retry : NULL,
                                   NULL};
    enum MHD_Result ok =
        httpd_respond(c, (unsigned int)resp->status, resp->body, resp->body ? resp->body_len : 0, headers);
    char qp[300];
    log_debug("est", "event=request method=%s path=%s status=%d remote=%s", req->method,
              log_quote(qp, sizeof qp, req->path ? req->path : "-"), resp->status, req->remote ? req->remote : "-");
    return ok;
}

enum MHD_Result ca_est_http_answer(struct ca_ctx *ca, struct MHD_Connection *c, const char *url, const char *method,
                                   const char *body, size_t len, int too_big, const struct ca_verify_result *peer,
                                   const char *remote, void (*refused)(void *arg, const char *remote, const char *reason),
                                   void *arg)
{
    struct ca_est_request req;
    ca_est_http_request(c, url, method, body, len, too_big, peer, remote, &req);
    req.refused = refused;
    req.refused_arg = arg;
    struct ca_est_response resp;
    ca_est_handle(ca, &req, &resp);
    enum MHD_Result ok = ca_est_http_send(c, &req, &resp);
    ca_est_response_cleanup(&resp);
    return ok;
}

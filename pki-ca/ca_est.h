/* pki-ca/ca_est.h — EST enrollment (RFC 7030: cacerts, simpleenroll, simplereenroll) as
 * transport-independent request handlers plus the pure parsers they use (fuzzed).
 * Owns: nothing long-lived; a response's body is malloc'd (ca_est_response_cleanup).
 * Thread-safety: ca_est_handle() uses the caller's ca_ctx (one per thread); parsers are pure. */
#ifndef PKICA_CA_EST_H
#define PKICA_CA_EST_H

#include <stddef.h>

#include <openssl/x509.h>

#include "ca.h"
#include "ca_verify.h"

#define CA_EST_PATH_PREFIX "/.well-known/est/"
#define CA_EST_MAX_BODY (16u << 10) /* largest request body accepted (base64 or PEM CSR) */
#define CA_EST_SECRET_MAX 128       /* longest token/password accepted in Authorization */

/* One HTTP request as the transport saw it. All pointers are borrowed. */
struct ca_est_request {
    const char *method;
    const char *path;          /* after CA_EST_PATH_PREFIX ("cacerts"...); NULL: outside it */
    const char *content_type;  /* Content-Type header or NULL */
    const char *authorization; /* Authorization header or NULL; never logged */
    const unsigned char *body; /* not NUL-terminated */
    size_t body_len;
    int body_too_big;          /* the transport refused to read past CA_EST_MAX_BODY */
    const struct ca_verify_result *peer; /* TLS client verdict; NULL: no client TLS at all */
    const char *remote;        /* client address for logs/audit, or NULL */
    /* Refusals of unauthenticated requests (before the token or client certificate is known good):
     * when set, counted here (reason: "status_401"... static) and logged at debug level instead of
     * one audit row and one warning each; the caller aggregates them (common/tally.h). */
    void (*refused)(void *arg, const char *remote, const char *reason);
    void *refused_arg;
};

/* The answer. Header values are static strings (NULL: header absent). */
struct ca_est_response {
    int status;
    const char *content_type;
    const char *transfer_encoding; /* Content-Transfer-Encoding ("base64") */
    const char *www_authenticate;
    const char *allow;             /* with 405 */
    int retry_after;               /* seconds (Retry-After), 0: none */
    char *body;                    /* malloc'd, may be NULL when out of memory */
    size_t body_len;
};

/* Handle one request: routing (404/405), size (413), media type (415), authentication
 * (401/403), CSR policy (400), issuance (200), database failures (503). Every refusal of
 * an enrollment is audited (action est.enroll / est.reenroll, result refused) and logged
 * once, except the unauthenticated ones when req->refused is set (see there). Enrollment consumes its token, issues and records in one transaction. */
void ca_est_handle(struct ca_ctx *ca, const struct ca_est_request *req, struct ca_est_response *resp);
void ca_est_response_cleanup(struct ca_est_response *resp);
/* The static reason string (as given to req->refused) equal to text, "status_other" for any
 * other: a reason that crossed a process boundary becomes one the aggregator may keep. */
const char *ca_est_refusal_reason(const char *text);

/* ---- parsers (no database, no global state) ---- */

enum ca_est_auth_kind { CA_EST_AUTH_NONE, CA_EST_AUTH_BASIC, CA_EST_AUTH_BEARER };

struct ca_est_auth {
    enum ca_est_auth_kind kind;
    char user[CA_DEVICE_ID_MAX + 1];     /* Basic: the user-id (the device identity) */
    char secret[CA_EST_SECRET_MAX + 1];  /* Basic password or Bearer token */
};

/* Parse an Authorization header value: "Basic base64(user:password)" (split at the last
 * ':', tokens never contain one) or "Bearer token68". NULL/empty header: kind NONE, 0.
 * -ERR_AUTH with *errmsg for anything malformed or unsupported. */
int ca_est_parse_authorization(const char *header, struct ca_est_auth *out, char **errmsg) WARN_UNUSED;
/* Wipe the secret. */
void ca_est_auth_cleanup(struct ca_est_auth *a);

/* Is the Content-Type header's media type `type` (case-insensitive, parameters ignored)? */
int ca_est_media_type_is(const char *header, const char *type);

/* An EST request body: base64 DER PKCS#10, or PEM "CERTIFICATE REQUEST" as a convenience,
 * to DER (malloc'd). -ERR_TOO_BIG over CA_EST_MAX_BODY, -ERR_PARSE otherwise. */
int ca_est_decode_csr_body(const unsigned char *body, size_t len, unsigned char **der, size_t *der_len,
                           char **errmsg) WARN_UNUSED;
/* Same, parsed: the CSR (caller frees with X509_REQ_free) or NULL with *errmsg. With der
 * non-NULL the DER is handed over too (caller frees; untouched on failure). */
X509_REQ *ca_est_parse_csr_body(const unsigned char *body, size_t len, unsigned char **der,
                                size_t *der_len, char **errmsg);
/* CN of a CSR subject into out (NUL-free UTF-8). -ERR_NOENT when absent, -ERR_INVAL when
 * several or too long. */
int ca_est_csr_cn(X509_REQ *req, char *out, size_t n) WARN_UNUSED;

/* Base64 (64-column lines) of a degenerate PKCS#7 SignedData ("certs-only") holding certs.
 * malloc'd, NUL-terminated; *len without the NUL. NULL on failure. */
char *ca_est_pkcs7_certs(X509 *const *certs, size_t n, size_t *len);

#endif

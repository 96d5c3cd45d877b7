/* acs/nbi/acs_nbi_int.h — internals shared by the NBI's files (acs_nbi*.c) and their unit tests:
 * routing, request-body validation, redaction, API tokens, the answer being built.
 * Owns: struct acs_nbi_resp (its JSON and text). Thread-safety: everything here is reentrant. */
#ifndef ACS_NBI_INT_H
#define ACS_NBI_INT_H

#include <stddef.h>

#include <jansson.h>

#include "buf.h"
#include "db.h"
#include "err.h"

#define ACS_NBI_ARG_MAX 256         /* longest path argument (device id, number) */
#define ACS_NBI_TOKEN_MAX 128       /* longest bearer token accepted */
#define ACS_NBI_TOKEN_PREFIX "acs_" /* tokens are "acs_" + 43 base64url characters */
#define ACS_NBI_TOKEN_LEN (4 + 43)
#define ACS_NBI_NAME_MAX 64 /* token names */
#define ACS_NBI_LIST_DEFAULT 100
#define ACS_NBI_LIST_MAX 1000
#define ACS_NBI_MAX_PARAMS 20000 /* parameters returned with one device */

enum acs_nbi_role { ACS_NBI_ROLE_NONE = 0, ACS_NBI_ROLE_VIEWER, ACS_NBI_ROLE_OPERATOR, ACS_NBI_ROLE_ADMIN };

enum acs_nbi_endpoint {
    ACS_NBI_DEVICES,
    ACS_NBI_DEVICE,
    ACS_NBI_DEVICE_TASKS,
    ACS_NBI_TASK_CREATE,
    ACS_NBI_DEVICE_FAULTS,
    ACS_NBI_DEVICE_SESSIONS,
    ACS_NBI_TASK,
    ACS_NBI_TOKENS,
    ACS_NBI_TOKEN_CREATE,
    ACS_NBI_TOKEN_REVOKE,
    ACS_NBI_METRICS,
    ACS_NBI_PROVIDERS, /* provisioning: SIP providers and lines (provisioning/README.md) */
    ACS_NBI_PROVIDER_CREATE,
    ACS_NBI_PROVIDER,
    ACS_NBI_PROVIDER_DELETE,
    ACS_NBI_LINES,
    ACS_NBI_LINE_CREATE,
    ACS_NBI_LINE_IMPORT,
    ACS_NBI_LINE,
    ACS_NBI_LINE_REMOVE,
    ACS_NBI_LINE_ROTATE,
    ACS_NBI_DIRECTORY, /* the E.164 directory (provisioning/prov_directory.h) */
    ACS_NBI_DIR_CREATE,
    ACS_NBI_DIR_LOOKUP,
    ACS_NBI_DIR_DELETE,
};

struct acs_nbi_route {
    enum acs_nbi_endpoint ep;
    enum acs_nbi_role role;        /* least role allowed */
    char arg[ACS_NBI_ARG_MAX + 1]; /* the {id} of the path, "" when none */
};

/* Match method and path (no query string). 0 with *out; 404 (no such path); 405 with allow
 * (e.g. "GET, POST") when the path exists for other methods. */
int acs_nbi_route(const char *method, const char *path, struct acs_nbi_route *out, char *allow, size_t allow_n);
const char *acs_nbi_role_str(enum acs_nbi_role r);
enum acs_nbi_role acs_nbi_role_parse(const char *s); /* NONE when unknown */

/* A query value as a number in [min, max]; NULL/"" gives def. 0 or -ERR_INVAL. */
int acs_nbi_query_long(const char *s, long min, long max, long def, long *out);

/* POST /api/v1/devices/{id}/tasks: {"kind", "args"?, "connectionRequest"?, "maxAttempts"?,
 * "expiresIn"?}; unknown members refused. args_json is malloc'd compact JSON ("{}" if absent). */
struct acs_nbi_task_req {
    char kind[32];
    char *args_json;
    int connection_request;
    int max_attempts; /* 0 = default */
    long expires_in;  /* 0 = default */
};
int acs_nbi_task_req_parse(const char *body, size_t len, struct acs_nbi_task_req *out, char **errmsg) WARN_UNUSED;
void acs_nbi_task_req_cleanup(struct acs_nbi_task_req *r);

/* POST /api/v1/tokens: {"name", "role", "ttl"? (seconds, 0 or absent = no expiry), "tenant"? (a
 * tenant's name; absent: the caller's own tenant, or every tenant for a platform administrator)}. */
struct acs_nbi_token_req {
    char name[ACS_NBI_NAME_MAX + 1];
    char tenant[ACS_NBI_NAME_MAX + 1]; /* "" = absent */
    enum acs_nbi_role role;
    long ttl;
};
int acs_nbi_token_req_parse(const char *body, size_t len, struct acs_nbi_token_req *out, char **errmsg) WARN_UNUSED;
/* Is name acceptable for a token (1..64 printable ASCII characters, no quotes or backslash)? */
int acs_nbi_token_name_valid(const char *name);

/* ---- tokens (acs_nbi_token.c) ---- */
/* A new token (NUL-terminated, ACS_NBI_TOKEN_LEN chars, tok has room for + 1) and its hash. */
int acs_nbi_token_new(char *tok, size_t n, unsigned char hash[32]) WARN_UNUSED;
void acs_nbi_token_hash(const char *tok, size_t len, unsigned char hash[32]);
/* The token of an Authorization header value ("Bearer <token>"): 0 with *tok and *len borrowed
 * from authz, -ERR_AUTH when absent or malformed. */
int acs_nbi_bearer(const char *authz, const char **tok, size_t *len);

/* ---- the answer being built (acs_nbi_api.c) ---- */
struct acs_nbi_resp {
    int status;
    json_t *json;    /* the body as JSON, or NULL */
    struct buf text; /* a text body (metrics) when json is NULL */
    const char *content_type;
    char location[64]; /* Location header, "" = none */
    char allow[32];    /* Allow header for 405 */
    const char *www_authenticate;
};
void acs_nbi_resp_init(struct acs_nbi_resp *r);
void acs_nbi_resp_cleanup(struct acs_nbi_resp *r);
/* Set an {"error": msg} answer with this status (replaces any body). */
void acs_nbi_resp_error(struct acs_nbi_resp *r, int status, const char *msg);
/* Set a JSON answer, taking the reference (NULL: 500 out of memory). */
void acs_nbi_resp_json(struct acs_nbi_resp *r, int status, json_t *j);

/* What a handler sees of one request. */
struct acs_nbi;
struct secret_key;
struct acs_nbi_call {
    struct acs_nbi *nbi;
    struct db *db;
    const struct secret_key *secret; /* [acs] secret_key_file (seals task secrets), or NULL */
    const struct acs_nbi_route *route;
    const char *body;
    size_t body_len;
    /* query values (NULL when absent) */
    const char *q_prefix, *q_limit, *q_offset, *q_params, *q_state, *q_fields, *q_e164;
    long token_id;
    long tenant;                    /* the token's tenant, 0 for a platform administrator */
    char who[ACS_NBI_NAME_MAX + 8]; /* "nbi:<token name>" */
};
/* Run the endpoint (authentication and role already checked). */
void acs_nbi_dispatch(const struct acs_nbi_call *c, struct acs_nbi_resp *r);
/* Shared by the endpoints' files: a failed lookup or query (404 notfound, 400, 409, 503; frees
 * err); limit and offset from the query (0, or a 400 set); a list answer {key: items, limit, offset}. */
void acs_nbi_fail_rc(const struct acs_nbi_call *c, struct acs_nbi_resp *r, int rc, const char *notfound, char *err);
int acs_nbi_window(const struct acs_nbi_call *c, struct acs_nbi_resp *r, long *limit, long *offset);
void acs_nbi_list_answer(struct acs_nbi_resp *r, const char *key, json_t *items, long limit, long offset);
/* The provisioning endpoints: providers, lines, the E.164 directory (acs_nbi_prov.c). */
void acs_nbi_prov_dispatch(const struct acs_nbi_call *c, struct acs_nbi_resp *r);

/* Connection request for device_id after a task was queued (acs_nbi.c): the first attempt is made
 * at once (bounded by [nbi] cr_timeout_ms) and its outcome returned as {"outcome": "sent" |
 * "unreachable" | "refused" | "busy" | "timeout" | "blocked" | "not_sent" | "error", "httpStatus"?,
 * "detail", "reason"? (blocked, not_sent by the URL: acs_cr_verdict_name), "retrying"} (busy and
 * timeout: the pool tries again); a new reference, NULL without memory. */
json_t *acs_nbi_wake(struct acs_nbi *nbi, struct db *db, const char *device_id);

#endif

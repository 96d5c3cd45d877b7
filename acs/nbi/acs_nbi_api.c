/* acs/nbi/acs_nbi_api.c — the NBI's endpoints: one function per route, each turning a checked
 * request into a JSON answer (errors as {"error": "..."} with the HTTP status). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "acs_db.h"
#include "acs_devid.h"
#include "acs_metrics.h"
#include "acs_nbi_db.h"
#include "acs_nbi_int.h"
#include "acs_secret_params.h"
#include "acs_task.h"
#include "log.h"

#define METRICS_TYPE "text/plain; version=0.0.4; charset=utf-8"

void acs_nbi_resp_init(struct acs_nbi_resp *r)
{
    memset(r, 0, sizeof *r);
    buf_init(&r->text, ACS_METRICS_MAX_TEXT);
    r->status = 500;
}

void acs_nbi_resp_cleanup(struct acs_nbi_resp *r)
{
    json_decref(r->json);
    r->json = NULL;
    buf_cleanup(&r->text);
}

void acs_nbi_resp_json(struct acs_nbi_resp *r, int status, json_t *j)
{
    json_decref(r->json);
    r->json = j;
    r->status = j ? status : 500;
    if (!j)
        r->json = json_pack("{s:s}", "error", "out of memory");
}

void acs_nbi_resp_error(struct acs_nbi_resp *r, int status, const char *msg)
{
    acs_nbi_resp_json(r, status, json_pack("{s:s}", "error", msg ? msg : "error"));
    r->status = status;
}

/* A failed lookup or query: 404 for a missing row, 400 for refused input, 503 for the DB. */
void acs_nbi_fail_rc(const struct acs_nbi_call *c, struct acs_nbi_resp *r, int rc, const char *notfound, char *err)
{
    char q[300];
    if (rc == -ERR_NOENT) {
        acs_nbi_resp_error(r, 404, notfound);
    } else if (rc == -ERR_INVAL) {
        acs_nbi_resp_error(r, 400, err ? err : "invalid request");
    } else if (rc == -ERR_POLICY) { /* a valid request this acsd will not serve (e.g. no key to seal it) */
        acs_nbi_resp_error(r, 409, err ? err : "refused");
    } else {
        log_err("nbi", "event=db_error route=%d who=%s error=%s", (int)c->route->ep, c->who,
                log_quote(q, sizeof q, err ? err : err_str(rc)));
        acs_nbi_resp_error(r, 503, "database unavailable");
    }
    free(err);
}

/* limit and offset from the query; 0, or a 400 already set. */
int acs_nbi_window(const struct acs_nbi_call *c, struct acs_nbi_resp *r, long *limit, long *offset)
{
    if (acs_nbi_query_long(c->q_limit, 1, ACS_NBI_LIST_MAX, ACS_NBI_LIST_DEFAULT, limit) < 0 ||
        acs_nbi_query_long(c->q_offset, 0, 1000000000L, 0, offset) < 0) {
        acs_nbi_resp_error(r, 400, "limit must be 1..1000 and offset 0..1000000000");
        return -1;
    }
    return 0;
}

void acs_nbi_list_answer(struct acs_nbi_resp *r, const char *key, json_t *items, long limit, long offset)
{
    acs_nbi_resp_json(r, 200,
                      json_pack("{s:o,s:I,s:I}", key, items, "limit", (json_int_t)limit, "offset", (json_int_t)offset));
}

static void ep_devices(const struct acs_nbi_call *c, struct acs_nbi_resp *r)
{
    long limit, offset;
    char *err = NULL;
    if (acs_nbi_window(c, r, &limit, &offset) < 0)
        return;
    json_t *a = acs_nbi_db_devices(c->db, c->tenant, c->q_prefix, limit, offset, &err);
    if (!a) {
        acs_nbi_fail_rc(c, r, -ERR_DB, NULL, err);
        return;
    }
    acs_nbi_list_answer(r, "devices", a, limit, offset);
}

static void ep_device(const struct acs_nbi_call *c, struct acs_nbi_resp *r)
{
    json_t *d = NULL;
    char *err = NULL;
    int rc = acs_nbi_db_device(c->db, c->route->arg, c->q_params, &d, &err);
    if (rc < 0) {
        acs_nbi_fail_rc(c, r, rc, "unknown device", err);
        return;
    }
    acs_nbi_resp_json(r, 200, d);
}

static int state_valid(const char *s)
{
    static const char *const states[] = {"pending", "sent", "in_progress", "done", "fault", "expired", "cancelled", NULL};
    for (size_t i = 0; s && states[i]; i++)
        if (!strcmp(s, states[i]))
            return 1;
    return !s || !*s;
}

/* The device's tasks, faults or sessions. */
static void ep_device_list(const struct acs_nbi_call *c, struct acs_nbi_resp *r)
{
    long limit, offset;
    char *err = NULL;
    json_t *a = NULL;
    int rc;
    const char *key;
    if (acs_nbi_window(c, r, &limit, &offset) < 0)
        return;
    if (c->route->ep == ACS_NBI_DEVICE_TASKS) {
        if (!state_valid(c->q_state)) {
            acs_nbi_resp_error(r, 400, "state must be pending, sent, in_progress, done, fault, expired or cancelled");
            return;
        }
        key = "tasks";
        rc = acs_nbi_db_device_tasks(c->db, c->route->arg, c->q_state, limit, offset, &a, &err);
    } else if (c->route->ep == ACS_NBI_DEVICE_FAULTS) {
        key = "faults";
        rc = acs_nbi_db_device_faults(c->db, c->route->arg, limit, offset, &a, &err);
    } else {
        key = "sessions";
        rc = acs_nbi_db_device_sessions(c->db, c->route->arg, limit, offset, &a, &err);
    }
    if (rc < 0) {
        acs_nbi_fail_rc(c, r, rc, "unknown device", err);
        return;
    }
    acs_nbi_list_answer(r, key, a, limit, offset);
}

static void ep_task_create(const struct acs_nbi_call *c, struct acs_nbi_resp *r)
{
    struct acs_nbi_task_req t;
    char *err = NULL;
    long id = 0;
    if (acs_nbi_task_req_parse(c->body, c->body_len, &t, &err) < 0) {
        acs_nbi_fail_rc(c, r, -ERR_INVAL, NULL, err);
        return;
    }
    struct acs_task_opts o = {.max_attempts = t.max_attempts, .expires_in = t.expires_in, .created_by = c->who,
                              .secret = c->secret};
    int rc = acs_task_create_ex(c->db, c->route->arg, t.kind, t.args_json, &o, &id, &err);
    if (rc < 0) {
        acs_nbi_task_req_cleanup(&t);
        {
            acs_nbi_fail_rc(c, r, rc, "unknown device", err);
            return;
        }
    }
    free(err);
    log_info("nbi", "event=task_created task=%ld device=%s kind=%s who=%s cr=%d", id, c->route->arg, t.kind, c->who,
             t.connection_request);
    json_t *j = json_pack("{s:I}", "id", (json_int_t)id);
    if (j && t.connection_request)
        json_object_set_new(j, "connectionRequest", acs_nbi_wake(c->nbi, c->db, c->route->arg));
    snprintf(r->location, sizeof r->location, "/api/v1/tasks/%ld", id);
    acs_nbi_resp_json(r, 201, j);
    acs_nbi_task_req_cleanup(&t);
}

static void ep_task(const struct acs_nbi_call *c, struct acs_nbi_resp *r)
{
    long id;
    char *err = NULL, *text = NULL;
    if (acs_nbi_query_long(c->route->arg, 1, 0x7fffffffffffffffL, 0, &id) < 0) {
        acs_nbi_resp_error(r, 404, "no such task");
        return;
    }
    int rc = acs_task_get(c->db, id, &text, &err);
    if (rc < 0) {
        acs_nbi_fail_rc(c, r, rc, "no such task", err);
        return;
    }
    free(err);
    json_t *t = json_loads(text, 0, NULL);
    free(text);
    acs_secret_redact(json_object_get(t, "args"));
    acs_secret_redact(json_object_get(t, "result"));
    acs_nbi_resp_json(r, 200, t);
}

static void ep_tokens(const struct acs_nbi_call *c, struct acs_nbi_resp *r)
{
    char *err = NULL;
    json_t *a = acs_nbi_db_tokens(c->db, c->tenant, &err);
    if (!a) {
        acs_nbi_fail_rc(c, r, -ERR_DB, NULL, err);
        return;
    }
    acs_nbi_resp_json(r, 200, json_pack("{s:o}", "tokens", a));
}

static void ep_token_create(const struct acs_nbi_call *c, struct acs_nbi_resp *r)
{
    struct acs_nbi_token_req t;
    char *err = NULL, tok[ACS_NBI_TOKEN_LEN + 1];
    unsigned char hash[32];
    long id = 0;
    if (acs_nbi_token_req_parse(c->body, c->body_len, &t, &err) < 0) {
        acs_nbi_fail_rc(c, r, -ERR_INVAL, NULL, err);
        return;
    }
    long tenant = c->tenant; /* absent: the caller's own (a platform administrator's: every tenant) */
    if (t.tenant[0]) {
        int trc = acs_nbi_db_tenant_id(c->db, t.tenant, &tenant, &err);
        if (trc < 0 && trc != -ERR_NOENT) {
            acs_nbi_fail_rc(c, r, trc, NULL, err);
            return;
        }
        free(err);
        err = NULL;
        /* a tenant's administrator learns nothing of other tenants, not even whether they exist */
        if (c->tenant && (trc < 0 || tenant != c->tenant)) {
            acs_metrics_count(ACS_METRIC_AUTH_REFUSED, ACS_MA_NBI_ROLE);
            log_warn("nbi", "event=token_refused who=%s reason=other_tenant", c->who);
            acs_nbi_resp_error(r, 403, "a tenant's administrator creates tokens of its own tenant only");
            return;
        }
        if (trc < 0) {
            acs_nbi_resp_error(r, 400, "no such tenant");
            return;
        }
    }
    if (acs_nbi_token_new(tok, sizeof tok, hash) < 0) {
        acs_nbi_resp_error(r, 500, "no random numbers");
        return;
    }
    int rc = acs_nbi_db_token_insert(c->db, tenant, t.name, t.role, hash, t.ttl, c->who, &id, &err);
    if (rc < 0) {
        acs_nbi_fail_rc(c, r, rc, NULL, err);
        return;
    }
    log_info("nbi", "event=token_created token_id=%ld name=%s role=%s ttl_s=%ld tenant_id=%ld who=%s", id, t.name,
             acs_nbi_role_str(t.role), t.ttl, tenant, c->who);
    json_t *j = json_pack("{s:I,s:s,s:s,s:I,s:s}", "id", (json_int_t)id, "name", t.name, "role",
                          acs_nbi_role_str(t.role), "ttl", (json_int_t)t.ttl, "token", tok);
    if (j)
        json_object_set_new(j, "tenantId", tenant ? json_integer(tenant) : json_null());
    acs_nbi_resp_json(r, 201, j);
    memset(tok, 0, sizeof tok);
}

static void ep_token_revoke(const struct acs_nbi_call *c, struct acs_nbi_resp *r)
{
    long id;
    char *err = NULL;
    if (acs_nbi_query_long(c->route->arg, 1, 0x7fffffffffffffffL, 0, &id) < 0) {
        acs_nbi_resp_error(r, 404, "no such token");
        return;
    }
    int rc = acs_nbi_db_token_revoke(c->db, c->tenant, id, &err);
    if (rc < 0) {
        acs_nbi_fail_rc(c, r, rc, "no such token", err);
        return;
    }
    log_info("nbi", "event=token_revoked token_id=%ld who=%s", id, c->who);
    acs_nbi_resp_json(r, 200, json_pack("{s:I,s:s}", "id", (json_int_t)id, "state", "revoked"));
}

static void ep_metrics(const struct acs_nbi_call *c, struct acs_nbi_resp *r)
{
    (void)c;
    if (acs_metrics_format(&r->text) < 0) {
        acs_nbi_resp_error(r, 500, "metrics text over its cap");
        return;
    }
    r->status = 200;
    r->content_type = METRICS_TYPE;
}

/* The {id} of a device route as stored: operators type ids as printed on the box
 * ("00040E-FRITZ!Box-123") or percent-encoded ("00040E-FRITZ%21Box-123"). 0, or an answer set.
 * A device of another tenant is "unknown device", exactly as one that does not exist. */
static int resolve_device(const struct acs_nbi_call *c, struct acs_nbi_route *dev, struct acs_nbi_resp *r)
{
    char *err = NULL, id[ACS_DEVID_MAX + 1];
    int rc = acs_db_device_resolve(c->db, c->route->arg, id, sizeof id, &err);
    if (rc == 0)
        rc = acs_nbi_db_device_in_scope(c->db, c->tenant, id, &err);
    if (rc == -ERR_NOENT) {
        acs_nbi_resp_error(r, 404, "unknown device");
        free(err);
        return -1;
    }
    if (rc == -ERR_INVAL || rc == -ERR_EXIST) { /* malformed: no device has that id */
        acs_nbi_resp_error(r, rc == -ERR_EXIST ? 400 : 404, rc == -ERR_EXIST && err ? err : "unknown device");
        free(err);
        return -1;
    }
    if (rc < 0) {
        acs_nbi_fail_rc(c, r, rc, NULL, err);
        return -1;
    }
    snprintf(dev->arg, sizeof dev->arg, "%s", id);
    return 0;
}

/* A task of another tenant is "no such task". 0, or an answer set. */
static int task_in_scope(const struct acs_nbi_call *c, struct acs_nbi_resp *r)
{
    long id;
    char *err = NULL;
    if (acs_nbi_query_long(c->route->arg, 1, 0x7fffffffffffffffL, 0, &id) < 0)
        return 0; /* ep_task answers 404 */
    int rc = acs_nbi_db_task_in_scope(c->db, c->tenant, id, &err);
    if (rc < 0) {
        acs_nbi_fail_rc(c, r, rc, "no such task", err);
        return -1;
    }
    free(err);
    return 0;
}

void acs_nbi_dispatch(const struct acs_nbi_call *in, struct acs_nbi_resp *r)
{
    struct acs_nbi_route dev = *in->route;
    struct acs_nbi_call call = *in;
    const struct acs_nbi_call *c = &call;
    call.route = &dev;
    /* The tenant scope of every route that names a device or a task, checked here once: what
     * hangs off a device (tasks, faults, sessions, parameters) is only reached through it. */
    switch (dev.ep) {
    case ACS_NBI_DEVICE:
    case ACS_NBI_DEVICE_TASKS:
    case ACS_NBI_DEVICE_FAULTS:
    case ACS_NBI_DEVICE_SESSIONS:
    case ACS_NBI_TASK_CREATE:
        if (resolve_device(in, &dev, r) < 0)
            return;
        break;
    case ACS_NBI_TASK:
        if (task_in_scope(in, r) < 0)
            return;
        break;
    default: break;
    }
    switch (c->route->ep) {
    case ACS_NBI_DEVICES: ep_devices(c, r); break;
    case ACS_NBI_DEVICE: ep_device(c, r); break;
    case ACS_NBI_DEVICE_TASKS:
    case ACS_NBI_DEVICE_FAULTS:
    case ACS_NBI_DEVICE_SESSIONS: ep_device_list(c, r); break;
    case ACS_NBI_TASK_CREATE: ep_task_create(c, r); break;
    case ACS_NBI_TASK: ep_task(c, r); break;
    case ACS_NBI_TOKENS: ep_tokens(c, r); break;
    case ACS_NBI_TOKEN_CREATE: ep_token_create(c, r); break;
    case ACS_NBI_TOKEN_REVOKE: ep_token_revoke(c, r); break;
    case ACS_NBI_METRICS: ep_metrics(c, r); break;
    default: acs_nbi_prov_dispatch(c, r); break;
    }
}

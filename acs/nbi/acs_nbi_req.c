/* acs/nbi/acs_nbi_req.c — the NBI's pure parts: route table, query numbers, request bodies
 * (task and token creation). No DB, no network. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "acs_nbi_int.h"
#include "acs_rpc.h"

#define MAX_SEGS 6

struct route_def {
    const char *method;
    const char *pattern; /* segments; "*" takes the argument */
    enum acs_nbi_endpoint ep;
    enum acs_nbi_role role;
};

static const struct route_def routes[] = {
    {"GET", "/api/v1/devices", ACS_NBI_DEVICES, ACS_NBI_ROLE_VIEWER},
    {"GET", "/api/v1/devices/*", ACS_NBI_DEVICE, ACS_NBI_ROLE_VIEWER},
    {"GET", "/api/v1/devices/*/tasks", ACS_NBI_DEVICE_TASKS, ACS_NBI_ROLE_VIEWER},
    {"POST", "/api/v1/devices/*/tasks", ACS_NBI_TASK_CREATE, ACS_NBI_ROLE_OPERATOR},
    {"GET", "/api/v1/devices/*/faults", ACS_NBI_DEVICE_FAULTS, ACS_NBI_ROLE_VIEWER},
    {"GET", "/api/v1/devices/*/sessions", ACS_NBI_DEVICE_SESSIONS, ACS_NBI_ROLE_VIEWER},
    {"GET", "/api/v1/tasks/*", ACS_NBI_TASK, ACS_NBI_ROLE_VIEWER},
    {"GET", "/api/v1/tokens", ACS_NBI_TOKENS, ACS_NBI_ROLE_ADMIN},
    {"POST", "/api/v1/tokens", ACS_NBI_TOKEN_CREATE, ACS_NBI_ROLE_ADMIN},
    {"DELETE", "/api/v1/tokens/*", ACS_NBI_TOKEN_REVOKE, ACS_NBI_ROLE_ADMIN},
    {"GET", "/metrics", ACS_NBI_METRICS, ACS_NBI_ROLE_VIEWER},
    {"GET", "/api/v1/providers", ACS_NBI_PROVIDERS, ACS_NBI_ROLE_VIEWER},
    {"POST", "/api/v1/providers", ACS_NBI_PROVIDER_CREATE, ACS_NBI_ROLE_OPERATOR},
    {"GET", "/api/v1/providers/*", ACS_NBI_PROVIDER, ACS_NBI_ROLE_VIEWER},
    {"DELETE", "/api/v1/providers/*", ACS_NBI_PROVIDER_DELETE, ACS_NBI_ROLE_OPERATOR},
    {"GET", "/api/v1/lines", ACS_NBI_LINES, ACS_NBI_ROLE_VIEWER},
    {"POST", "/api/v1/lines", ACS_NBI_LINE_CREATE, ACS_NBI_ROLE_OPERATOR},
    {"POST", "/api/v1/lines/import", ACS_NBI_LINE_IMPORT, ACS_NBI_ROLE_OPERATOR},
    {"GET", "/api/v1/lines/*", ACS_NBI_LINE, ACS_NBI_ROLE_VIEWER},
    {"DELETE", "/api/v1/lines/*", ACS_NBI_LINE_REMOVE, ACS_NBI_ROLE_OPERATOR},
    {"POST", "/api/v1/lines/*/rotate-password", ACS_NBI_LINE_ROTATE, ACS_NBI_ROLE_OPERATOR},
    {"GET", "/api/v1/directory", ACS_NBI_DIRECTORY, ACS_NBI_ROLE_VIEWER},
    {"POST", "/api/v1/directory", ACS_NBI_DIR_CREATE, ACS_NBI_ROLE_OPERATOR},
    {"GET", "/api/v1/directory/lookup", ACS_NBI_DIR_LOOKUP, ACS_NBI_ROLE_VIEWER},
    {"DELETE", "/api/v1/directory/*", ACS_NBI_DIR_DELETE, ACS_NBI_ROLE_OPERATOR},
};
#define NROUTES (sizeof routes / sizeof routes[0])

/* Split "/a/b/c" into segments (pointers into copy). -1 when malformed or too deep. */
static int split(char *copy, char **segs)
{
    int n = 0;
    if (copy[0] != '/')
        return -1;
    char *p = copy + 1;
    for (;;) {
        char *slash = strchr(p, '/');
        if (slash)
            *slash = '\0';
        if (!*p || n == MAX_SEGS)
            return -1; /* empty segment ("//", trailing "/") */
        segs[n++] = p;
        if (!slash)
            return n;
        p = slash + 1;
    }
}

/* Does the path match the pattern? Sets *arg to the "*" segment. */
static int match(const struct route_def *d, char **segs, int n, const char **arg)
{
    char pat[64], *psegs[MAX_SEGS];
    snprintf(pat, sizeof pat, "%s", d->pattern);
    int pn = split(pat, psegs);
    if (pn != n)
        return 0;
    for (int i = 0; i < n; i++) {
        if (!strcmp(psegs[i], "*"))
            *arg = segs[i];
        else if (strcmp(psegs[i], segs[i]))
            return 0;
    }
    return 1;
}

int acs_nbi_route(const char *method, const char *path, struct acs_nbi_route *out, char *allow, size_t allow_n)
{
    char copy[1024], *segs[MAX_SEGS];
    memset(out, 0, sizeof *out);
    if (allow_n)
        allow[0] = '\0';
    if (!path || strlen(path) >= sizeof copy)
        return 404;
    snprintf(copy, sizeof copy, "%s", path);
    int n = split(copy, segs);
    if (n < 0)
        return 404;
    int path_known = 0;
    for (size_t i = 0; i < NROUTES; i++) {
        const char *arg = NULL;
        if (!match(&routes[i], segs, n, &arg))
            continue;
        if (arg && strlen(arg) > ACS_NBI_ARG_MAX)
            return 404;
        if (!strcmp(method, routes[i].method)) {
            out->ep = routes[i].ep;
            out->role = routes[i].role;
            snprintf(out->arg, sizeof out->arg, "%s", arg ? arg : "");
            return 0;
        }
        size_t used = strlen(allow);
        if (allow_n > used)
            snprintf(allow + used, allow_n - used, "%s%s", path_known ? ", " : "", routes[i].method);
        path_known = 1;
    }
    return path_known ? 405 : 404;
}

static const char *const role_names[] = {"none", "viewer", "operator", "admin"};

const char *acs_nbi_role_str(enum acs_nbi_role r)
{
    return (unsigned)r <= ACS_NBI_ROLE_ADMIN ? role_names[r] : "none";
}

enum acs_nbi_role acs_nbi_role_parse(const char *s)
{
    for (int i = ACS_NBI_ROLE_VIEWER; s && i <= ACS_NBI_ROLE_ADMIN; i++)
        if (!strcmp(s, role_names[i]))
            return (enum acs_nbi_role)i;
    return ACS_NBI_ROLE_NONE;
}

int acs_nbi_query_long(const char *s, long min, long max, long def, long *out)
{
    if (!s || !*s) {
        *out = def;
        return 0;
    }
    char *end = NULL;
    if (*s < '0' || *s > '9')
        return -ERR_INVAL;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno || *end || v < min || v > max)
        return -ERR_INVAL;
    *out = v;
    return 0;
}

/* The body as a JSON object; -ERR_INVAL with a message that never quotes the input. */
static int load_object(const char *body, size_t len, json_t **out, char **errmsg)
{
    json_error_t e;
    if (!body || len == 0)
        return err_fail(errmsg, -ERR_INVAL, "%s", "a JSON object is required");
    *out = json_loadb(body, len, JSON_REJECT_DUPLICATES, &e);
    if (!*out)
        return err_fail(errmsg, -ERR_INVAL, "%s", "malformed JSON");
    if (!json_is_object(*out)) {
        json_decref(*out);
        *out = NULL;
        return err_fail(errmsg, -ERR_INVAL, "%s", "a JSON object is required");
    }
    return 0;
}

/* Is every member of o in the NULL-terminated list? */
static int only_members(json_t *o, const char *const *names, char **errmsg)
{
    const char *k;
    json_t *v;
    json_object_foreach(o, k, v)
    {
        size_t i = 0;
        while (names[i] && strcmp(names[i], k))
            i++;
        if (!names[i])
            return err_fail(errmsg, -ERR_INVAL, "%s", "unknown member in the request object");
    }
    return 0;
}

/* An optional integer member in [min, max]; absent leaves *out. */
static int opt_int(json_t *o, const char *name, long min, long max, long *out, char **errmsg, const char *msg)
{
    json_t *v = json_object_get(o, name);
    if (!v)
        return 0;
    if (!json_is_integer(v) || json_integer_value(v) < min || json_integer_value(v) > max)
        return err_fail(errmsg, -ERR_INVAL, "%s", msg);
    *out = (long)json_integer_value(v);
    return 0;
}

static int task_fields(json_t *o, struct acs_nbi_task_req *out, char **errmsg)
{
    static const char *const names[] = {"kind", "args", "connectionRequest", "maxAttempts", "expiresIn", NULL};
    if (only_members(o, names, errmsg) < 0)
        return -ERR_INVAL;
    const char *kind = json_string_value(json_object_get(o, "kind"));
    if (!kind || !acs_rpc_kind_valid(kind))
        return err_fail(errmsg, -ERR_INVAL, "%s", "\"kind\" must be a task kind (getParameterValues, setParameterValues, ...)");
    snprintf(out->kind, sizeof out->kind, "%s", kind);
    json_t *args = json_object_get(o, "args");
    if (args && !json_is_object(args))
        return err_fail(errmsg, -ERR_INVAL, "%s", "\"args\" must be an object");
    json_t *cr = json_object_get(o, "connectionRequest");
    if (cr && !json_is_boolean(cr))
        return err_fail(errmsg, -ERR_INVAL, "%s", "\"connectionRequest\" must be true or false");
    out->connection_request = cr && json_is_true(cr);
    long attempts = 0;
    if (opt_int(o, "maxAttempts", 1, 100, &attempts, errmsg, "\"maxAttempts\" must be 1..100") < 0 ||
        opt_int(o, "expiresIn", 1, 366L * 86400, &out->expires_in, errmsg,
                "\"expiresIn\" must be 1..31622400 seconds") < 0)
        return -ERR_INVAL;
    out->max_attempts = (int)attempts;
    out->args_json = args ? json_dumps(args, JSON_COMPACT) : strdup("{}");
    return out->args_json ? 0 : -ERR_NOMEM;
}

int acs_nbi_task_req_parse(const char *body, size_t len, struct acs_nbi_task_req *out, char **errmsg)
{
    json_t *o = NULL;
    memset(out, 0, sizeof *out);
    int rc = load_object(body, len, &o, errmsg);
    if (rc == 0)
        rc = task_fields(o, out, errmsg);
    json_decref(o);
    if (rc < 0)
        acs_nbi_task_req_cleanup(out);
    return rc;
}

void acs_nbi_task_req_cleanup(struct acs_nbi_task_req *r)
{
    free(r->args_json);
    r->args_json = NULL;
}

int acs_nbi_token_name_valid(const char *name)
{
    size_t n = name ? strlen(name) : 0;
    if (n == 0 || n > ACS_NBI_NAME_MAX)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (name[i] < 0x21 || name[i] > 0x7e || name[i] == '"' || name[i] == '\\')
            return 0;
    return 1;
}

int acs_nbi_token_req_parse(const char *body, size_t len, struct acs_nbi_token_req *out, char **errmsg)
{
    static const char *const names[] = {"name", "role", "ttl", "tenant", NULL};
    json_t *o = NULL;
    memset(out, 0, sizeof *out);
    int rc = load_object(body, len, &o, errmsg);
    if (rc == 0)
        rc = only_members(o, names, errmsg);
    const char *name = rc == 0 ? json_string_value(json_object_get(o, "name")) : NULL;
    if (rc == 0 && !acs_nbi_token_name_valid(name))
        rc = err_fail(errmsg, -ERR_INVAL, "%s", "\"name\" must be 1..64 printable characters without spaces or quotes");
    if (rc == 0 && !(out->role = acs_nbi_role_parse(json_string_value(json_object_get(o, "role")))))
        rc = err_fail(errmsg, -ERR_INVAL, "%s", "\"role\" must be admin, operator or viewer");
    if (rc == 0)
        rc = opt_int(o, "ttl", 0, 10L * 366 * 86400, &out->ttl, errmsg, "\"ttl\" must be 0..316224000 seconds");
    json_t *tenant = rc == 0 ? json_object_get(o, "tenant") : NULL;
    if (tenant && !acs_nbi_token_name_valid(json_string_value(tenant))) /* a tenant's name: the same rules */
        rc = err_fail(errmsg, -ERR_INVAL, "%s", "\"tenant\" must be a tenant's name (1..64 printable characters)");
    if (rc == 0) {
        snprintf(out->name, sizeof out->name, "%s", name);
        snprintf(out->tenant, sizeof out->tenant, "%s", tenant ? json_string_value(tenant) : "");
    }
    json_decref(o);
    return rc;
}

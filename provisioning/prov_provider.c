/* provisioning/prov_provider.c — SIP providers: request validation and the rows' writes. */
#include "prov_provider.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define SCOPE(alias) "($1::int = 0 OR " alias ".tenant_id = $1::int)"

static const char SQL_PROVIDER_INSERT[] =
    "INSERT INTO sip_providers (tenant_id, name, sip_domain, registrar_host, registrar_port, proxy_host, proxy_port, "
    "outbound_proxy_host, outbound_proxy_port, transport, allow_insecure_transport, srtp, registration_period, "
    "max_sessions_per_line) VALUES ($1::int, $2, $3, $4, $5::int, $6, $7::int, $8, $9::int, $10, $11::boolean, $12, "
    "$13::int, $14::int) ON CONFLICT (tenant_id, name) DO NOTHING RETURNING id";
static const char SQL_PROVIDER_DELETE[] = /* a platform administrator names the oldest of that name */
    "SELECT s.id, EXISTS (SELECT 1 FROM sip_lines l WHERE l.provider_id = s.id) FROM sip_providers s "
    "WHERE s.name = $2 AND " SCOPE("s") " ORDER BY s.id LIMIT 1";
static const char SQL_PROVIDER_DELETE_ID[] = "DELETE FROM sip_providers s WHERE id = $2::int AND " SCOPE(
    "s") " AND NOT EXISTS "
         "(SELECT 1 FROM sip_lines l WHERE l.provider_id = s.id) RETURNING id";

int prov_err_set(struct prov_err *e, const char *field, const char *fmt, ...)
{
    if (e) {
        va_list ap;
        snprintf(e->field, sizeof e->field, "%s", field ? field : "");
        va_start(ap, fmt);
        vsnprintf(e->msg, sizeof e->msg, fmt, ap);
        va_end(ap);
    }
    return -ERR_INVAL;
}

int prov_name_valid(const char *s)
{
    size_t n = s ? strlen(s) : 0;
    if (n < 1 || n > PROV_NAME_MAX || !isalnum((unsigned char)s[0]))
        return 0;
    return strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._-") == n;
}

int prov_host_valid(const char *s)
{
    size_t n = s ? strlen(s) : 0;
    return n >= 1 && n <= PROV_HOST_MAX &&
           strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789.:-") == n;
}

static int has_word(const char *k, const char *w)
{
    size_t n = strlen(w);
    for (; *k; k++)
        if (!strncasecmp(k, w, n))
            return 1;
    return 0;
}

int prov_json_has_secret(json_t *o)
{
    const char *k;
    json_t *v;
    json_object_foreach(o, k, v)
    {
        if (has_word(k, "password") || has_word(k, "secret"))
            return 1;
    }
    return 0;
}

int prov_json_str(json_t *o, const char *name, char *out, size_t n, int required, struct prov_err *e)
{
    json_t *v = json_object_get(o, name);
    if (!v)
        return required ? prov_err_set(e, name, "\"%s\" is required", name) : 0;
    if (!json_is_string(v) || json_string_length(v) >= n)
        return prov_err_set(e, name, "\"%s\" must be a string of at most %zu characters", name, n - 1);
    snprintf(out, n, "%s", json_string_value(v));
    return 0;
}

int prov_json_members(json_t *o, const char *const *names, struct prov_err *e)
{
    const char *k;
    json_t *v;
    if (!json_is_object(o))
        return prov_err_set(e, "", "a JSON object is required");
    json_object_foreach(o, k, v)
    {
        size_t i = 0;
        while (names[i] && strcmp(names[i], k))
            i++;
        if (!names[i])
            return prov_err_set(e, "", "unknown member in the request object");
    }
    return 0;
}

static int opt_int(json_t *o, const char *name, int min, int max, int *out, struct prov_err *e)
{
    json_t *v = json_object_get(o, name);
    if (!v)
        return 0;
    if (!json_is_integer(v) || json_integer_value(v) < min || json_integer_value(v) > max)
        return prov_err_set(e, name, "\"%s\" must be an integer %d..%d", name, min, max);
    *out = (int)json_integer_value(v);
    return 0;
}

static int opt_host(json_t *o, const char *name, char *out, size_t n, int required, struct prov_err *e)
{
    if (prov_json_str(o, name, out, n, 0, e) < 0)
        return -ERR_INVAL;
    if ((required || *out) && !prov_host_valid(out))
        return prov_err_set(e, name, "\"%s\" must be a host name or address (1..253 of A-Z a-z 0-9 . : -)", name);
    return 0;
}

int prov_provider_parse(json_t *o, struct prov_provider *p, struct prov_err *e)
{
    static const char *const names[] = {
        "name",      "sipDomain",          "registrarHost",      "registrarPort", "proxyHost",
        "proxyPort", "outboundProxyHost",  "outboundProxyPort",  "transport",     "allowInsecureTransport",
        "srtp",      "registrationPeriod", "maxSessionsPerLine", "tenant",        NULL};
    memset(p, 0, sizeof *p);
    p->registrar_port = p->proxy_port = p->outbound_proxy_port = 5061;
    snprintf(p->transport, sizeof p->transport, "TLS");
    snprintf(p->srtp, sizeof p->srtp, "mandatory");
    p->registration_period = 3600;
    p->max_sessions_per_line = 2;
    if (prov_json_members(o, names, e) < 0)
        return -ERR_INVAL;
    if (prov_json_str(o, "name", p->name, sizeof p->name, 0, e) < 0 || !prov_name_valid(p->name))
        return prov_err_set(e, "name", "\"name\" must be 1..64 of A-Z a-z 0-9 . _ -, the first alphanumeric");
    if (prov_json_str(o, "tenant", p->tenant, sizeof p->tenant, 0, e) < 0)
        return -ERR_INVAL;
    if (opt_host(o, "sipDomain", p->sip_domain, sizeof p->sip_domain, 1, e) < 0 ||
        opt_host(o, "registrarHost", p->registrar_host, sizeof p->registrar_host, 1, e) < 0 ||
        opt_host(o, "proxyHost", p->proxy_host, sizeof p->proxy_host, 0, e) < 0 ||
        opt_host(o, "outboundProxyHost", p->outbound_proxy_host, sizeof p->outbound_proxy_host, 0, e) < 0 ||
        opt_int(o, "registrarPort", 1, 65535, &p->registrar_port, e) < 0 ||
        opt_int(o, "proxyPort", 1, 65535, &p->proxy_port, e) < 0 ||
        opt_int(o, "outboundProxyPort", 1, 65535, &p->outbound_proxy_port, e) < 0 ||
        opt_int(o, "registrationPeriod", 60, 86400, &p->registration_period, e) < 0 ||
        opt_int(o, "maxSessionsPerLine", 1, 64, &p->max_sessions_per_line, e) < 0)
        return -ERR_INVAL;
    if (prov_json_str(o, "transport", p->transport, sizeof p->transport, 0, e) < 0 ||
        (strcmp(p->transport, "TLS") && strcmp(p->transport, "TCP") && strcmp(p->transport, "UDP")))
        return prov_err_set(e, "transport", "\"transport\" must be TLS, TCP or UDP");
    if (prov_json_str(o, "srtp", p->srtp, sizeof p->srtp, 0, e) < 0 ||
        (strcmp(p->srtp, "mandatory") && strcmp(p->srtp, "optional") && strcmp(p->srtp, "off")))
        return prov_err_set(e, "srtp", "\"srtp\" must be mandatory, optional or off");
    json_t *ai = json_object_get(o, "allowInsecureTransport");
    if (ai && !json_is_boolean(ai))
        return prov_err_set(e, "allowInsecureTransport", "\"allowInsecureTransport\" must be true or false");
    p->allow_insecure_transport = ai && json_is_true(ai);
    if (strcmp(p->transport, "TLS") && !p->allow_insecure_transport)
        return prov_err_set(e, "transport",
                            "\"transport\" %s sends SIP in clear: refused unless \"allowInsecureTransport\" is true",
                            p->transport);
    return 0;
}

#define NUM(buf, v) (snprintf((buf), sizeof(buf), "%ld", (long)(v)), (buf))

int prov_provider_create(struct db *db, long tenant, const struct prov_provider *p, long *id, char **errmsg)
{
    char b1[16], b2[16], b3[16], b4[16], b5[16];
    if (tenant <= 0)
        return err_fail(errmsg, -ERR_INVAL, "%s", "a provider belongs to a tenant");
    const char *v[13] = {p->name,
                         p->sip_domain,
                         p->registrar_host,
                         NUM(b1, p->registrar_port),
                         p->proxy_host,
                         NUM(b2, p->proxy_port),
                         p->outbound_proxy_host,
                         NUM(b3, p->outbound_proxy_port),
                         p->transport,
                         p->allow_insecure_transport ? "true" : "false",
                         p->srtp,
                         NUM(b4, p->registration_period),
                         NUM(b5, p->max_sessions_per_line)};
    PGresult *r = db_exec_scoped(db, tenant, SQL_PROVIDER_INSERT, 13, v, errmsg);
    if (!r)
        return -ERR_DB;
    int rc = PQntuples(r) == 1 ? 0 : -ERR_EXIST;
    *id = rc == 0 ? db_get_long(r, 0, 0) : 0;
    PQclear(r);
    return rc;
}

int prov_provider_delete(struct db *db, long tenant, const char *name, char **errmsg)
{
    const char *v[1] = {name};
    PGresult *r = db_exec_scoped(db, tenant, SQL_PROVIDER_DELETE, 1, v, errmsg);
    if (!r)
        return -ERR_DB;
    if (PQntuples(r) != 1) {
        PQclear(r);
        return -ERR_NOENT;
    }
    int used = PQgetvalue(r, 0, 1)[0] == 't';
    char idb[24];
    snprintf(idb, sizeof idb, "%s", PQgetvalue(r, 0, 0));
    PQclear(r);
    if (used)
        return err_fail(errmsg, -ERR_POLICY, "%s", "the provider still has lines");
    const char *d[1] = {idb};
    if (!(r = db_exec_scoped(db, tenant, SQL_PROVIDER_DELETE_ID, 1, d, errmsg)))
        return -ERR_DB;
    int rc = PQntuples(r) == 1 ? 0 : -ERR_POLICY; /* a line arrived meanwhile */
    PQclear(r);
    if (rc < 0)
        return err_fail(errmsg, rc, "%s", "the provider still has lines");
    return 0;
}

/* provisioning/prov_provider.h — SIP providers of a tenant: the request a provider is created
 * from (validated field by field; a transport other than TLS only with allowInsecureTransport),
 * its row (db/0014), deletion while no line uses it. Reads as JSON are NBI views
 * (acs/nbi/acs_nbi_db.c). Owns: nothing. Thread-safety: per struct db. */
#ifndef PROV_PROVIDER_H
#define PROV_PROVIDER_H

#include <stddef.h>

#include <jansson.h>

#include "db.h"
#include "err.h"

#define PROV_NAME_MAX 64
#define PROV_HOST_MAX 253
#define PROV_FIELD_MAX 32
#define PROV_MSG_MAX 200

/* Which field of a request was refused, and why (never quoting a secret). */
struct prov_err {
    char field[PROV_FIELD_MAX];
    char msg[PROV_MSG_MAX];
};
/* Set e (may be NULL) and return -ERR_INVAL. */
int prov_err_set(struct prov_err *e, const char *field, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* The string member name of o into out (n bytes with the NUL); absent: out untouched, or
 * "is required" when required. -ERR_INVAL with e naming the member. */
int prov_json_str(json_t *o, const char *name, char *out, size_t n, int required, struct prov_err *e);
/* o is an object whose members are all in names (NULL-terminated); else -ERR_INVAL with e. */
int prov_json_members(json_t *o, const char *const *names, struct prov_err *e);

struct prov_provider {
    char name[PROV_NAME_MAX + 1];
    char tenant[PROV_NAME_MAX + 1]; /* "" = the caller's own */
    char sip_domain[PROV_HOST_MAX + 1];
    char registrar_host[PROV_HOST_MAX + 1], proxy_host[PROV_HOST_MAX + 1], outbound_proxy_host[PROV_HOST_MAX + 1];
    int registrar_port, proxy_port, outbound_proxy_port;
    char transport[4]; /* TLS, TCP, UDP */
    int allow_insecure_transport;
    char srtp[10]; /* mandatory, optional, off */
    int registration_period, max_sessions_per_line;
};

/* Is s a name (providers, tenants): 1..64 of [A-Za-z0-9._-], the first alphanumeric? */
int prov_name_valid(const char *s);
/* Is s a host name or address: 1..253 of [A-Za-z0-9.:-]? */
int prov_host_valid(const char *s);
/* Does a request object carry a secret member (a name containing "password" or "secret", any
 * case)? Such requests are refused whole: secrets are generated here, never accepted. */
int prov_json_has_secret(json_t *o);

/* {"name", "sipDomain", "registrarHost", "registrarPort"?, "proxyHost"?, "proxyPort"?,
 * "outboundProxyHost"?, "outboundProxyPort"?, "transport"? (TLS), "allowInsecureTransport"?,
 * "srtp"? (mandatory), "registrationPeriod"? (3600), "maxSessionsPerLine"? (2), "tenant"?}. */
int prov_provider_parse(json_t *o, struct prov_provider *p, struct prov_err *e) WARN_UNUSED;
/* Insert it in tenant (a tenants.id, not 0). -ERR_EXIST (name taken), -ERR_DB. */
int prov_provider_create(struct db *db, long tenant, const struct prov_provider *p, long *id,
                         char **errmsg) WARN_UNUSED;
/* Delete the provider called name of the caller's tenant (0: any). -ERR_NOENT, -ERR_POLICY when
 * lines still use it, -ERR_DB. */
int prov_provider_delete(struct db *db, long tenant, const char *name, char **errmsg) WARN_UNUSED;

#endif

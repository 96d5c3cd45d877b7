/* provisioning/prov_tr104.c — a SIP line mapped onto TR-104 v2 (TR-181) and v1 (TR-098). */
#include "prov_tr104.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "prov_e164.h"

#define T_STR  "xsd:string"
#define T_UINT "xsd:unsignedInt"
#define T_BOOL "xsd:boolean"

#define MAX_OBJS 4
#define PATH_MAX_LEN 256 /* longest path we build is < 100 characters */

struct plist {
    struct prov_param *v;
    size_t n, cap;
};

struct prov_tr104_plan {
    struct prov_obj obj[MAX_OBJS];
    size_t nobj;
    struct plist list[3];
    int has_key;
    unsigned char digest[32]; /* SHA-256 of the SET list (prov_tr104_parameter_key) */
    char key[PROV_TR104_KEY_MAX + 1];
};

/* ---- model detection ---------------------------------------------------- */

static int root_is(const char *root, const char *name)
{
    size_t n = strlen(name);
    return !strncmp(root, name, n) && (root[n] == '\0' || (root[n] == '.' && root[n + 1] == '\0'));
}

enum prov_model prov_tr104_detect(const struct prov_tr104_device *dev)
{
    if (!dev || !dev->root || dev->voice == 0)
        return PROV_MODEL_NONE;
    if (root_is(dev->root, "InternetGatewayDevice"))
        return PROV_MODEL_TR104V1;
    if (!root_is(dev->root, "Device"))
        return PROV_MODEL_NONE;
    const char *s = dev->supported;
    int v2 = s && (strstr(s, "tr-104-2") || strstr(s, "VoiceService:2"));
    int v1 = s && (strstr(s, "tr-104-1") || strstr(s, "VoiceService:1"));
    /* A TR-106 Device:1 with VoiceService:1 keeps VoiceProfile under Device.: not mapped. */
    if (v1 && !v2)
        return PROV_MODEL_NONE;
    return PROV_MODEL_TR104V2;
}

const char *prov_model_name(enum prov_model m)
{
    switch (m) {
    case PROV_MODEL_TR104V2: return "tr104v2";
    case PROV_MODEL_TR104V1: return "tr104v1";
    default: return "none";
    }
}

/* ---- plan building ------------------------------------------------------ */

struct build {
    struct prov_tr104_plan *p;
    char **errmsg;
    int rc;
};

/* Paths are far shorter than PATH_MAX_LEN; a truncated one is still refused, never sent. */
static void pathf(struct build *b, char *out, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void pathf(struct build *b, char *out, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(out, PATH_MAX_LEN, fmt, ap);
    va_end(ap);
    if ((n < 0 || n >= PATH_MAX_LEN) && !b->rc)
        b->rc = err_fail(b->errmsg, -ERR_TOO_BIG, "a parameter path longer than %d characters", PATH_MAX_LEN - 1);
}

static char *dup_str(struct build *b, const char *s)
{
    char *d = strdup(s);
    if (!d && !b->rc)
        b->rc = err_fail(b->errmsg, -ERR_NOMEM, "out of memory");
    return d;
}

static void add_obj(struct build *b, const char *table, unsigned instance, enum prov_obj_action action)
{
    char path[PATH_MAX_LEN];
    if (b->rc)
        return;
    pathf(b, path, "%s%u.", table, instance);
    struct prov_obj *o = &b->p->obj[b->p->nobj++];
    o->path = dup_str(b, path);
    o->table = dup_str(b, table);
    o->instance = instance;
    o->action = action;
}

static void append(struct build *b, enum prov_list l, const char *name, const char *value,
                   const char *type, int secret)
{
    struct plist *pl = &b->p->list[l];
    if (b->rc)
        return;
    if (pl->n == pl->cap) {
        size_t cap = pl->cap ? pl->cap * 2 : 16;
        struct prov_param *v = realloc(pl->v, cap * sizeof *v);
        if (!v) {
            b->rc = err_fail(b->errmsg, -ERR_NOMEM, "out of memory");
            return;
        }
        pl->v = v;
        pl->cap = cap;
    }
    struct prov_param *e = &pl->v[pl->n];
    e->name = dup_str(b, name);
    e->value = dup_str(b, value);
    e->type = type;
    e->secret = secret;
    pl->n++; /* counted even when a strdup failed, so that free() sees it */
}

/* Emit prefix+rel = value into SET (and VERIFY unless secret), after checking it fits max
 * (the data model's maxLength, 0 = none). field names the input in an error; the value never
 * appears in one. */
static void put(struct build *b, const char *prefix, const char *rel, const char *type, size_t max,
                const char *value, const char *field, int secret)
{
    char name[PATH_MAX_LEN];
    if (b->rc)
        return;
    pathf(b, name, "%s%s", prefix, rel);
    if (max && strlen(value) > max) {
        b->rc = err_fail(b->errmsg, -ERR_TOO_BIG, "%s: longer than the %zu characters of %s", field,
                         max, name);
        return;
    }
    append(b, PROV_LIST_SET, name, value, type, secret);
    if (!secret)
        append(b, PROV_LIST_VERIFY, name, value, type, 0);
}

static void put_uint(struct build *b, const char *prefix, const char *rel, unsigned v)
{
    char s[16];
    snprintf(s, sizeof s, "%u", v);
    put(b, prefix, rel, T_UINT, 0, s, rel, 0);
}

static int has_ctl(const char *s)
{
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        if (*p < 0x20 || *p == 0x7f)
            return 1;
    return 0;
}

/* A host name or IP address literal: letters, digits, '-', '.', and ':' '[' ']' for IPv6. */
static int host_ok(const char *s)
{
    static const char set[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-.:[]";
    return *s && strspn(s, set) == strlen(s);
}

static int empty(const char *s)
{
    return !s || !*s;
}

/* The policy inputs, checked before anything is built. */
struct norm {
    const char *transport; /* "TLS", "TCP", "UDP" */
    int srtp;              /* 1 = SRTP offered (mandatory, optional), 0 = off */
    unsigned max_sessions;
};

static int check_inputs(const struct prov_tr104_provider *pv, const struct prov_tr104_line *ln,
                        struct norm *nm, char **errmsg)
{
    if (!pv || !ln)
        return err_fail(errmsg, -ERR_INVAL, "no provider or line");
    if (empty(pv->sip_domain) || !host_ok(pv->sip_domain))
        return err_fail(errmsg, -ERR_INVAL, "provider.sip_domain: missing or not a host name");
    if (empty(pv->registrar_host) || !host_ok(pv->registrar_host))
        return err_fail(errmsg, -ERR_INVAL, "provider.registrar_host: missing or not a host name");
    if (pv->registrar_port < 1 || pv->registrar_port > 65535)
        return err_fail(errmsg, -ERR_INVAL, "provider.registrar_port: not in 1..65535");
    if (!empty(pv->proxy_host) && (!host_ok(pv->proxy_host) || pv->proxy_port < 1 || pv->proxy_port > 65535))
        return err_fail(errmsg, -ERR_INVAL, "provider.proxy_host/proxy_port: not a host name and a port in 1..65535");
    if (!empty(pv->outbound_proxy_host) &&
        (!host_ok(pv->outbound_proxy_host) || pv->outbound_proxy_port < 1 || pv->outbound_proxy_port > 65535))
        return err_fail(errmsg, -ERR_INVAL,
                        "provider.outbound_proxy_host/outbound_proxy_port: not a host name and a port in 1..65535");
    if (!pv->transport || (strcmp(pv->transport, "TLS") && strcmp(pv->transport, "TCP") &&
                           strcmp(pv->transport, "UDP")))
        return err_fail(errmsg, -ERR_INVAL, "provider.transport: not TLS, TCP or UDP");
    /* The provider row must say so explicitly: a plain transport sends the SIP digest exchange
     * and the SRTP keys in the clear. */
    if (strcmp(pv->transport, "TLS") && !pv->plain_allowed)
        return err_fail(errmsg, -ERR_POLICY, "provider.transport: %s without the provider allowing a plain transport",
                        pv->transport);
    nm->transport = pv->transport;
    if (pv->srtp && (!strcmp(pv->srtp, "mandatory") || !strcmp(pv->srtp, "optional")))
        nm->srtp = 1;
    else if (pv->srtp && !strcmp(pv->srtp, "off"))
        nm->srtp = 0;
    else
        return err_fail(errmsg, -ERR_POLICY, "provider.srtp: not mandatory, optional or off");
    if (pv->registration_period < 1)
        return err_fail(errmsg, -ERR_INVAL, "provider.registration_period: must be at least 1 s");
    if (!prov_e164_valid(ln->e164))
        return err_fail(errmsg, -ERR_INVAL, "line.e164: not an E.164 number");
    if (ln->line_index < 1 || ln->line_index > PROV_TR104_MAX_INDEX)
        return err_fail(errmsg, -ERR_INVAL, "line.line_index: not in 1..%d", PROV_TR104_MAX_INDEX);
    if (empty(ln->auth_username) || has_ctl(ln->auth_username))
        return err_fail(errmsg, -ERR_INVAL, "line.auth_username: missing or has control characters");
    if (empty(ln->password) || has_ctl(ln->password))
        return err_fail(errmsg, -ERR_INVAL, "line.password: missing or has control characters");
    if (ln->display_name && (has_ctl(ln->display_name) || strlen(ln->display_name) > 256))
        return err_fail(errmsg, ln->display_name && strlen(ln->display_name) > 256 ? -ERR_TOO_BIG : -ERR_INVAL,
                        "line.display_name: longer than 256 characters or has control characters");
    /* The smaller of the two caps; 0 (no limit) only when neither sets one. */
    unsigned a = pv->max_sessions, c = ln->max_sessions;
    nm->max_sessions = !a ? c : !c ? a : a < c ? a : c;
    return 0;
}

struct inst {
    unsigned vs, net, cli;
};

static int check_target(const struct prov_tr104_target *t, unsigned line_index, struct inst *in,
                        char **errmsg)
{
    if (!t || (t->model != PROV_MODEL_TR104V2 && t->model != PROV_MODEL_TR104V1))
        return err_fail(errmsg, -ERR_INVAL, "target.model: the device has no VoiceService we map");
    in->vs = t->voice_service ? t->voice_service : 1;
    in->net = t->network ? t->network : 1;
    in->cli = t->client ? t->client : line_index;
    if (in->vs > PROV_TR104_MAX_INDEX || in->net > PROV_TR104_MAX_INDEX || in->cli < 1 ||
        in->cli > PROV_TR104_MAX_INDEX)
        return err_fail(errmsg, -ERR_INVAL, "target: an instance number not in 1..%d", PROV_TR104_MAX_INDEX);
    return 0;
}

/* Object prefixes: vs = ".../VoiceService.1.", net (v2 SIP.Network / v1 VoiceProfile),
 * prof (v2 VoIPProfile / v1 the VoiceProfile again), cli (v2 SIP.Client / v1 Line). */
struct prefixes {
    char vs[PATH_MAX_LEN], net[PATH_MAX_LEN], prof[PATH_MAX_LEN], cli[PATH_MAX_LEN];
};

static void objects(struct build *b, enum prov_model m, const struct inst *in, struct prefixes *px)
{
    char t[PATH_MAX_LEN];
    const char *svc = m == PROV_MODEL_TR104V2 ? "Device.Services.VoiceService." :
                                               "InternetGatewayDevice.Services.VoiceService.";
    add_obj(b, svc, in->vs, PROV_OBJ_REQUIRED); /* readOnly in the data model: the CPE has it or not */
    pathf(b, px->vs, "%s%u.", svc, in->vs);
    if (m == PROV_MODEL_TR104V2) {
        /* The profile first: the Network's VoIPProfile is a strong reference to it. */
        pathf(b, t, "%sVoIPProfile.", px->vs);
        add_obj(b, t, in->net, PROV_OBJ_ADD);
        pathf(b, px->prof, "%s%u.", t, in->net);
        pathf(b, t, "%sSIP.Network.", px->vs);
        add_obj(b, t, in->net, PROV_OBJ_ADD);
        pathf(b, px->net, "%s%u.", t, in->net);
        pathf(b, t, "%sSIP.Client.", px->vs);
        add_obj(b, t, in->cli, PROV_OBJ_ADD);
        pathf(b, px->cli, "%s%u.", t, in->cli);
    } else {
        pathf(b, t, "%sVoiceProfile.", px->vs);
        add_obj(b, t, in->net, PROV_OBJ_ADD);
        pathf(b, px->net, "%s%u.", t, in->net);
        pathf(b, px->prof, "%s", px->net);
        pathf(b, t, "%sLine.", px->net);
        add_obj(b, t, in->cli, PROV_OBJ_ADD);
        pathf(b, px->cli, "%s%u.", t, in->cli);
    }
}

/* A path reference value: the object's path without its trailing dot (TR-106; the data
 * model's own examples read "Device.IP.Interface.1"). */
static void ref(char *out, size_t n, const char *objpath)
{
    snprintf(out, n, "%.*s", (int)strlen(objpath) - 1, objpath);
}

/* Servers of a provider; sp = "" (v2 SIP.Network) or "SIP." (v1 VoiceProfile). */
static void servers(struct build *b, const char *pfx, const char *sp, const struct prov_tr104_provider *pv,
                    const struct norm *nm)
{
    char r[PATH_MAX_LEN];
#define N(x) (pathf(b, r, "%s%s", sp, x), r)
    put(b, pfx, N("ProxyServer"), T_STR, 256, empty(pv->proxy_host) ? "" : pv->proxy_host,
        "provider.proxy_host", 0);
    if (!empty(pv->proxy_host))
        put_uint(b, pfx, N("ProxyServerPort"), pv->proxy_port);
    put(b, pfx, N("ProxyServerTransport"), T_STR, 0, nm->transport, "provider.transport", 0);
    put(b, pfx, N("RegistrarServer"), T_STR, 256, pv->registrar_host, "provider.registrar_host", 0);
    put_uint(b, pfx, N("RegistrarServerPort"), pv->registrar_port);
    put(b, pfx, N("RegistrarServerTransport"), T_STR, 0, nm->transport, "provider.transport", 0);
    put(b, pfx, N("UserAgentDomain"), T_STR, 256, pv->sip_domain, "provider.sip_domain", 0);
    put(b, pfx, N("UserAgentTransport"), T_STR, 0, nm->transport, "provider.transport", 0);
    put(b, pfx, N("OutboundProxy"), T_STR, 256, empty(pv->outbound_proxy_host) ? "" : pv->outbound_proxy_host,
        "provider.outbound_proxy_host", 0);
    if (!empty(pv->outbound_proxy_host))
        put_uint(b, pfx, N("OutboundProxyPort"), pv->outbound_proxy_port);
    /* The registration period is both the binding asked for and the re-registration interval. */
    put_uint(b, pfx, N("RegistrationPeriod"), pv->registration_period);
    put_uint(b, pfx, N("RegisterExpires"), pv->registration_period);
#undef N
}

/* SRTP: the data models have only SRTP.Enable and KeyingMethods; "optional" and "mandatory"
 * both make the CPE offer SRTP (SDES keys in SDP), refusing plain RTP is the edge's part. */
static void srtp(struct build *b, const char *prof, const struct norm *nm)
{
    put(b, prof, "RTP.SRTP.Enable", T_BOOL, 0, nm->srtp ? "true" : "false", "provider.srtp", 0);
    if (nm->srtp)
        put(b, prof, "RTP.SRTP.KeyingMethods", T_STR, 0, "SDP", "provider.srtp", 0);
}

static void set_v2(struct build *b, const struct prefixes *px, const struct prov_tr104_provider *pv,
                   const struct prov_tr104_line *ln, const struct norm *nm)
{
    char r[PATH_MAX_LEN], uri[512];
    put(b, px->prof, "Enable", T_BOOL, 0, "true", "VoIPProfile", 0);
    srtp(b, px->prof, nm);
    put(b, px->net, "Enable", T_BOOL, 0, "true", "SIP.Network", 0);
    servers(b, px->net, "", pv, nm);
    put(b, px->net, "Realm", T_STR, 0, pv->sip_domain, "provider.sip_domain", 0);
    ref(r, sizeof r, px->prof);
    put(b, px->net, "VoIPProfile", T_STR, 256, r, "target.network", 0);
    ref(r, sizeof r, px->net);
    put(b, px->cli, "Network", T_STR, 256, r, "target.network", 0);
    put(b, px->cli, "AuthUserName", T_STR, 128, ln->auth_username, "line.auth_username", 0);
    put(b, px->cli, "AuthPassword", T_STR, 128, ln->password, "line.password", 1);
    snprintf(uri, sizeof uri, "sip:%s@%s", ln->e164, pv->sip_domain);
    put(b, px->cli, "RegisterURI", T_STR, 389, uri, "line.e164/provider.sip_domain", 0);
    put_uint(b, px->cli, "MaxSessions", nm->max_sessions);
    put(b, px->cli, "Enable", T_BOOL, 0, "true", "SIP.Client", 0); /* last: the client is complete */
}

/* TR-104 v1: one VoiceProfile per provider. It has no per-line call cap, only the profile's
 * MaxSessions across its lines: the provider's per-line cap goes there (the same for every line
 * of the provider, so that lines do not overwrite each other's value). */
static void set_v1(struct build *b, const struct prefixes *px, const struct prov_tr104_provider *pv,
                   const struct prov_tr104_line *ln, const struct norm *nm)
{
    char uri[512];
    put(b, px->net, "Enable", T_STR, 0, "Enabled", "VoiceProfile", 0);
    servers(b, px->net, "SIP.", pv, nm);
    put_uint(b, px->net, "MaxSessions", pv->max_sessions);
    srtp(b, px->prof, nm);
    put(b, px->cli, "DirectoryNumber", T_STR, 32, ln->e164, "line.e164", 0);
    put(b, px->cli, "SIP.AuthUserName", T_STR, 128, ln->auth_username, "line.auth_username", 0);
    put(b, px->cli, "SIP.AuthPassword", T_STR, 128, ln->password, "line.password", 1);
    snprintf(uri, sizeof uri, "sip:%s@%s", ln->e164, pv->sip_domain);
    put(b, px->cli, "SIP.URI", T_STR, 389, uri, "line.e164/provider.sip_domain", 0);
    put(b, px->cli, "Enable", T_STR, 0, "Enabled", "Line", 0);
}

static void deprovision(struct build *b, enum prov_model m, const struct prefixes *px)
{
    char name[PATH_MAX_LEN];
    int v2 = m == PROV_MODEL_TR104V2;
#define D(rel, v, t, s) (pathf(b, name, "%s%s", px->cli, rel), \
                         append(b, PROV_LIST_DEPROVISION, name, v, t, s))
    D("Enable", v2 ? "false" : "Disabled", v2 ? T_BOOL : T_STR, 0);
    D(v2 ? "AuthUserName" : "SIP.AuthUserName", "", T_STR, 0);
    D(v2 ? "AuthPassword" : "SIP.AuthPassword", "", T_STR, 1);
    D(v2 ? "RegisterURI" : "SIP.URI", "", T_STR, 0);
    if (!v2)
        D("DirectoryNumber", "", T_STR, 0);
#undef D
}

static void sha256(const void *data, size_t n, unsigned char out[32])
{
    unsigned int len = 32;
    EVP_Digest(data, n, out, &len, EVP_sha256(), NULL);
}

/* SHA-256 over name NUL type NUL value NUL of each SET entry; a secret as its own SHA-256. */
static int digest_set(struct prov_tr104_plan *p)
{
    const struct plist *pl = &p->list[PROV_LIST_SET];
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    int ok = ctx && EVP_DigestInit_ex(ctx, EVP_sha256(), NULL);
    for (size_t i = 0; ok && i < pl->n; i++) {
        const struct prov_param *e = &pl->v[i];
        unsigned char h[32];
        ok = EVP_DigestUpdate(ctx, e->name, strlen(e->name) + 1) &&
             EVP_DigestUpdate(ctx, e->type, strlen(e->type) + 1);
        if (ok && e->secret) {
            sha256(e->value, strlen(e->value), h);
            ok = EVP_DigestUpdate(ctx, "sha256:", 7) && EVP_DigestUpdate(ctx, h, sizeof h) &&
                 EVP_DigestUpdate(ctx, "", 1);
        } else if (ok) {
            ok = EVP_DigestUpdate(ctx, e->value, strlen(e->value) + 1);
        }
    }
    unsigned int len = 0;
    ok = ok && EVP_DigestFinal_ex(ctx, p->digest, &len) && len == sizeof p->digest;
    EVP_MD_CTX_free(ctx);
    return ok ? 0 : -ERR_CRYPTO;
}

static int build_plan(const struct prov_tr104_provider *pv, const struct prov_tr104_line *ln,
                      const struct prov_tr104_target *t, unsigned line_index,
                      struct prov_tr104_plan **out, char **errmsg)
{
    struct norm nm = {0};
    struct inst in = {0};
    struct prefixes px;
    int rc;
    *out = NULL;
    if (ln && (rc = check_inputs(pv, ln, &nm, errmsg)) < 0)
        return rc;
    if ((rc = check_target(t, line_index, &in, errmsg)) < 0)
        return rc;
    struct build b = {.p = calloc(1, sizeof *b.p), .errmsg = errmsg};
    if (!b.p)
        return err_fail(errmsg, -ERR_NOMEM, "out of memory");
    objects(&b, t->model, &in, &px);
    if (ln) {
        if (t->model == PROV_MODEL_TR104V2)
            set_v2(&b, &px, pv, ln, &nm);
        else
            set_v1(&b, &px, pv, ln, &nm);
        char st[PATH_MAX_LEN];
        pathf(&b, st, "%sStatus", px.cli);
        append(&b, PROV_LIST_VERIFY, st, "Up", T_STR, 0);
    }
    deprovision(&b, t->model, &px);
    if (!b.rc && ln) {
        if (digest_set(b.p) < 0)
            b.rc = err_fail(errmsg, -ERR_CRYPTO, "SHA-256 failed");
        else {
            const struct prov_tr104_plan *one = b.p;
            b.p->has_key = 1;
            if (prov_tr104_device_key(&one, 1, b.p->key) < 0)
                b.rc = err_fail(errmsg, -ERR_CRYPTO, "SHA-256 failed");
        }
    }
    if (b.rc) {
        prov_tr104_plan_free(b.p);
        return b.rc;
    }
    *out = b.p;
    return 0;
}

int prov_tr104_plan_new(const struct prov_tr104_provider *prov, const struct prov_tr104_line *line,
                        const struct prov_tr104_target *target, struct prov_tr104_plan **out,
                        char **errmsg)
{
    if (!line) {
        *out = NULL;
        return err_fail(errmsg, -ERR_INVAL, "no line");
    }
    return build_plan(prov, line, target, line->line_index, out, errmsg);
}

int prov_tr104_deprovision_new(const struct prov_tr104_target *target, unsigned line_index,
                               struct prov_tr104_plan **out, char **errmsg)
{
    if (line_index < 1 || line_index > PROV_TR104_MAX_INDEX) {
        *out = NULL;
        return err_fail(errmsg, -ERR_INVAL, "line.line_index: not in 1..%d", PROV_TR104_MAX_INDEX);
    }
    return build_plan(NULL, NULL, target, line_index, out, errmsg);
}

void prov_tr104_plan_free(struct prov_tr104_plan *p)
{
    if (!p)
        return;
    for (size_t i = 0; i < p->nobj; i++) {
        free((char *)p->obj[i].path);
        free((char *)p->obj[i].table);
    }
    for (int l = 0; l < 3; l++) {
        for (size_t i = 0; i < p->list[l].n; i++) {
            struct prov_param *e = &p->list[l].v[i];
            if (e->secret && e->value)
                OPENSSL_cleanse((char *)e->value, strlen(e->value));
            free((char *)e->name);
            free((char *)e->value);
        }
        free(p->list[l].v);
    }
    OPENSSL_cleanse(p, sizeof *p);
    free(p);
}

size_t prov_tr104_object_count(const struct prov_tr104_plan *p)
{
    return p ? p->nobj : 0;
}

const struct prov_obj *prov_tr104_object(const struct prov_tr104_plan *p, size_t i)
{
    return p && i < p->nobj ? &p->obj[i] : NULL;
}

size_t prov_tr104_count(const struct prov_tr104_plan *p, enum prov_list l)
{
    return p && (unsigned)l < 3 ? p->list[l].n : 0;
}

const struct prov_param *prov_tr104_param(const struct prov_tr104_plan *p, enum prov_list l, size_t i)
{
    return p && (unsigned)l < 3 && i < p->list[l].n ? &p->list[l].v[i] : NULL;
}

const char *prov_tr104_parameter_key(const struct prov_tr104_plan *p)
{
    return p && p->has_key ? p->key : "";
}

static int cmp_digest(const void *a, const void *b)
{
    return memcmp(a, b, 32);
}

int prov_tr104_device_key(const struct prov_tr104_plan *const *plans, size_t n,
                          char out[PROV_TR104_KEY_MAX + 1])
{
    if (!plans || !n || n > 4096)
        return -ERR_INVAL;
    unsigned char *d = malloc(n * 32), h[32];
    if (!d)
        return -ERR_NOMEM;
    for (size_t i = 0; i < n; i++) {
        if (!plans[i] || !plans[i]->has_key) {
            free(d);
            return -ERR_INVAL;
        }
        memcpy(d + i * 32, plans[i]->digest, 32);
    }
    qsort(d, n, 32, cmp_digest); /* the order lines are listed in does not matter */
    sha256(d, n * 32, h);
    free(d);
    int k = snprintf(out, PROV_TR104_KEY_MAX + 1, "sip1-");
    for (int i = 0; i < 12; i++)
        k += snprintf(out + k, PROV_TR104_KEY_MAX + 1 - k, "%02x", h[i]);
    return 0;
}

static int parse_bool(const char *s)
{
    if (!strcmp(s, "true") || !strcmp(s, "1"))
        return 1;
    if (!strcmp(s, "false") || !strcmp(s, "0"))
        return 0;
    return -1;
}

static int parse_uint(const char *s, unsigned long long *v)
{
    char *end;
    if (!*s || strspn(s, "0123456789") != strlen(s) || strlen(s) > 19)
        return -1;
    *v = strtoull(s, &end, 10);
    return 0;
}

int prov_tr104_value_equal(const char *type, const char *want, const char *got)
{
    if (!type || !want || !got)
        return 0;
    if (!strcmp(type, T_BOOL)) {
        int a = parse_bool(want), b = parse_bool(got);
        return a >= 0 && a == b;
    }
    if (!strcmp(type, T_UINT)) {
        unsigned long long a, b;
        return !parse_uint(want, &a) && !parse_uint(got, &b) && a == b;
    }
    return !strcmp(want, got);
}

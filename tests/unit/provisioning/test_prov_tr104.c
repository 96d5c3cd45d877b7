/* tests/unit/provisioning/test_prov_tr104.c — provisioning/prov_tr104.c: a SIP line as TR-104
 * desired state. Every TR-104 v2 name emitted is checked against the Broadband Forum XML
 * ($TR104_XML, else ../shared/cwmp/datamodel/tr-104-2-0-2-cwmp-full.xml; those checks are
 * skipped when the file is absent). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <libxml/parser.h>
#include <libxml/tree.h>

#include "prov_tr104.h"

/* ---- the data model, as read from the XML -------------------------------- */

struct dm_item {
    char *name;  /* "VoiceService.{i}.SIP.Client.{i}.AuthPassword" or an object "....Client.{i}." */
    int object;
    int writable;
    int secured;
    const char *type; /* xsd type of a parameter */
    long max_len;     /* 0 = none */
    char enums[512];  /* "|UDP|TCP|TLS|SCTP|", "" = any */
};

static struct dm_item *dm;
static size_t ndm;

static const char *xml_path(void)
{
    const char *p = getenv("TR104_XML");
    return p && *p ? p : "../shared/cwmp/datamodel/tr-104-2-0-2-cwmp-full.xml";
}

static int is(const xmlNode *n, const char *name)
{
    return n->type == XML_ELEMENT_NODE && !strcmp((const char *)n->name, name);
}

static char *attr(const xmlNode *n, const char *a)
{
    return (char *)xmlGetProp(n, (const xmlChar *)a);
}

static void dm_add(const struct dm_item *it)
{
    dm = realloc(dm, (ndm + 1) * sizeof *dm);
    assert_non_null(dm);
    dm[ndm++] = *it;
}

/* The syntax element of a parameter: type, maxLength, enumerations, secured/hidden. */
static void read_syntax(const xmlNode *syn, struct dm_item *it)
{
    char *s = attr(syn, "secured"), *h = attr(syn, "hidden");
    it->secured = (s && !strcmp(s, "true")) || (h && !strcmp(h, "true"));
    xmlFree(s);
    xmlFree(h);
    int list = 0;
    for (const xmlNode *c = syn->children; c; c = c->next) {
        if (is(c, "list"))
            list = 1;
        else if (is(c, "boolean"))
            it->type = "xsd:boolean";
        else if (is(c, "unsignedInt"))
            it->type = "xsd:unsignedInt";
        else if (is(c, "int"))
            it->type = "xsd:int";
        else if (is(c, "dateTime"))
            it->type = "xsd:dateTime";
        else if (is(c, "string") || is(c, "dataType")) {
            it->type = "xsd:string";
            for (const xmlNode *d = c->children; d; d = d->next) {
                if (is(d, "size")) {
                    char *m = attr(d, "maxLength");
                    if (m)
                        it->max_len = strtol(m, NULL, 10);
                    xmlFree(m);
                } else if (is(d, "enumeration")) {
                    char *v = attr(d, "value");
                    size_t k = strlen(it->enums);
                    snprintf(it->enums + k, sizeof it->enums - k, "%s%s|", k ? "" : "|", v ? v : "");
                    xmlFree(v);
                }
            }
        }
    }
    if (list)
        it->type = "xsd:string"; /* a comma-separated list travels as a string */
}

static int load_dm(void **state)
{
    (void)state;
    if (access(xml_path(), R_OK) != 0)
        return 0; /* no ../shared: the XML checks skip */
    xmlDoc *doc = xmlReadFile(xml_path(), NULL, XML_PARSE_NONET | XML_PARSE_HUGE);
    assert_non_null(doc);
    for (const xmlNode *top = xmlDocGetRootElement(doc)->children; top; top = top->next) {
        if (!is(top, "model"))
            continue;
        for (const xmlNode *o = top->children; o; o = o->next) {
            if (!is(o, "object"))
                continue;
            char *oname = attr(o, "name"), *oacc = attr(o, "access");
            struct dm_item ob = {.name = strdup(oname), .object = 1, .writable = !strcmp(oacc, "readWrite")};
            dm_add(&ob);
            for (const xmlNode *p = o->children; p; p = p->next) {
                if (!is(p, "parameter"))
                    continue;
                char *pname = attr(p, "name"), *pacc = attr(p, "access");
                struct dm_item it = {.writable = pacc && !strcmp(pacc, "readWrite")};
                size_t n = strlen(oname) + strlen(pname) + 1;
                it.name = malloc(n);
                snprintf(it.name, n, "%s%s", oname, pname);
                for (const xmlNode *s = p->children; s; s = s->next)
                    if (is(s, "syntax"))
                        read_syntax(s, &it);
                dm_add(&it);
                xmlFree(pname);
                xmlFree(pacc);
            }
            xmlFree(oname);
            xmlFree(oacc);
        }
    }
    xmlFreeDoc(doc);
    if (ndm < 900) /* the whole VoiceService:2 model was read */
        fail_msg("read %zu items", ndm);
    return 0;
}

static int free_dm(void **state)
{
    (void)state;
    for (size_t i = 0; i < ndm; i++)
        free(dm[i].name);
    free(dm);
    xmlCleanupParser();
    return 0;
}

/* "Device.Services.VoiceService.1.SIP.Client.2.Enable" -> "VoiceService.{i}.SIP.Client.{i}.Enable" */
static void generic(const char *path, char *out, size_t n)
{
    const char *pre = "Device.Services.";
    assert_memory_equal(path, pre, strlen(pre));
    size_t k = 0;
    for (const char *p = path + strlen(pre); *p && k + 5 < n;) {
        if (p[-1] == '.' && *p >= '0' && *p <= '9') {
            while (*p >= '0' && *p <= '9')
                p++;
            memcpy(out + k, "{i}", 3);
            k += 3;
        } else {
            out[k++] = *p++;
        }
    }
    out[k] = '\0';
}

static const struct dm_item *dm_find(const char *path)
{
    char g[512];
    generic(path, g, sizeof g);
    for (size_t i = 0; i < ndm; i++)
        if (!strcmp(dm[i].name, g))
            return &dm[i];
    return NULL;
}

static int whyf(char *why, size_t n, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int whyf(char *why, size_t n, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(why, n, fmt, ap);
    va_end(ap);
    return -1;
}

/* Does (name, value, type, secret) agree with the XML: the name exists, writable unless
 * readonly_ok, same xsd type, secured <=> secret, value within maxLength and its
 * enumeration? 0, or a line saying why. */
static int dm_check(const struct prov_param *e, int want_writable, char *why, size_t n)
{
    const struct dm_item *it = dm_find(e->name);
    if (!it || it->object)
        return whyf(why, n, "%s: not in the data model", e->name);
    if (it->writable != want_writable)
        return whyf(why, n, "%s: writable=%d in the data model", e->name, it->writable);
    if (!it->type || strcmp(it->type, e->type))
        return whyf(why, n, "%s: type %s, data model %s", e->name, e->type, it->type ? it->type : "?");
    if (it->secured != e->secret)
        return whyf(why, n, "%s: secret=%d, data model secured=%d", e->name, e->secret, it->secured);
    if (it->max_len && (long)strlen(e->value) > it->max_len)
        return whyf(why, n, "%s: value longer than %ld", e->name, it->max_len);
    if (it->enums[0] && *e->value) {
        char item[64];
        for (const char *v = e->value; *v;) { /* each item of a list */
            size_t l = strcspn(v, ",");
            snprintf(item, sizeof item, "|%.*s|", (int)l, v);
            if (!strstr(it->enums, item))
                return whyf(why, n, "%s: %s not among %s", e->name, item, it->enums);
            v += l + (v[l] == ',');
        }
    }
    return 0;
}

static int have_dm(void)
{
    return ndm > 0;
}

/* ---- fixtures ------------------------------------------------------------ */

#define PASSWORD "Xq7-secret-9f3c2b1a0e4d6f8a"

static struct prov_tr104_provider provider(void)
{
    return (struct prov_tr104_provider){
        .sip_domain = "voice.example.net",
        .registrar_host = "registrar.voice.example.net",
        .registrar_port = 5061,
        .proxy_host = "proxy.voice.example.net",
        .proxy_port = 5061,
        .outbound_proxy_host = "edge.voice.example.net",
        .outbound_proxy_port = 5062,
        .transport = "TLS",
        .srtp = "mandatory",
        .registration_period = 600,
        .max_sessions = 4,
    };
}

static struct prov_tr104_line line(void)
{
    return (struct prov_tr104_line){
        .e164 = "+4930123456",
        .line_index = 2,
        .display_name = "Reception",
        .auth_username = "u4930123456",
        .password = PASSWORD,
        .max_sessions = 2,
    };
}

static const struct prov_tr104_target V2 = {.model = PROV_MODEL_TR104V2};
static const struct prov_tr104_target V1 = {.model = PROV_MODEL_TR104V1};

static struct prov_tr104_plan *plan_ok(const struct prov_tr104_provider *p, const struct prov_tr104_line *l,
                                       const struct prov_tr104_target *t)
{
    struct prov_tr104_plan *plan = NULL;
    char *err = NULL;
    int rc = prov_tr104_plan_new(p, l, t, &plan, &err);
    if (rc < 0)
        fail_msg("plan: %d %s", rc, err ? err : "");
    assert_non_null(plan);
    return plan;
}

static const struct prov_param *find(const struct prov_tr104_plan *plan, enum prov_list l, const char *name)
{
    for (size_t i = 0; i < prov_tr104_count(plan, l); i++)
        if (!strcmp(prov_tr104_param(plan, l, i)->name, name))
            return prov_tr104_param(plan, l, i);
    return NULL;
}

static void want(const struct prov_tr104_plan *plan, enum prov_list l, const char *name, const char *value,
                 const char *type)
{
    const struct prov_param *e = find(plan, l, name);
    if (!e)
        fail_msg("%s missing", name);
    assert_string_equal(e->value, value);
    assert_string_equal(e->type, type);
}

#define VS "Device.Services.VoiceService.1."
#define NET VS "SIP.Network.1."
#define CLI VS "SIP.Client.2."
#define PROF VS "VoIPProfile.1."

/* ---- tests --------------------------------------------------------------- */

/* The checker itself rejects what it must, or the XML test below would prove nothing. */
static void dm_checker_can_fail(void **state)
{
    (void)state;
    if (!have_dm())
        skip();
    char why[256];
    struct prov_param bad[] = {
        {CLI "AuthPasswd", "x", "xsd:string", 1},         /* no such name */
        {CLI "Status", "Up", "xsd:string", 0},            /* read-only */
        {CLI "MaxSessions", "2", "xsd:string", 0},        /* wrong type */
        {CLI "AuthPassword", "x", "xsd:string", 0},       /* secured but not flagged */
        {NET "ProxyServerTransport", "TLS1.3", "xsd:string", 0}, /* not in the enumeration */
        {CLI "AuthUserName", "", "xsd:string", 0},
    };
    char longname[200];
    memset(longname, 'a', 129);
    longname[129] = '\0';
    bad[5].value = longname; /* AuthUserName maxLength 128 */
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_int_equal(dm_check(&bad[i], 1, why, sizeof why), -1);
    struct prov_param good = {CLI "Status", "Up", "xsd:string", 0};
    assert_int_equal(dm_check(&good, 0, why, sizeof why), 0);
}

static void v2_tls_line_in_data_model(void **state)
{
    (void)state;
    struct prov_tr104_provider p = provider();
    struct prov_tr104_line l = line();
    struct prov_tr104_plan *plan = plan_ok(&p, &l, &V2);
    char why[512];

    size_t nset = prov_tr104_count(plan, PROV_LIST_SET), nsecret = 0;
    assert_true(nset >= 20);
    for (size_t i = 0; i < nset; i++) {
        const struct prov_param *e = prov_tr104_param(plan, PROV_LIST_SET, i);
        assert_memory_equal(e->name, VS, strlen(VS));
        nsecret += e->secret;
        if (have_dm() && dm_check(e, 1, why, sizeof why) < 0)
            fail_msg("%s", why);
    }
    assert_int_equal(nsecret, 1);
    const struct prov_param *pw = find(plan, PROV_LIST_SET, CLI "AuthPassword");
    assert_non_null(pw);
    assert_true(pw->secret);
    assert_string_equal(pw->value, PASSWORD);

    want(plan, PROV_LIST_SET, NET "ProxyServer", "proxy.voice.example.net", "xsd:string");
    want(plan, PROV_LIST_SET, NET "ProxyServerPort", "5061", "xsd:unsignedInt");
    want(plan, PROV_LIST_SET, NET "ProxyServerTransport", "TLS", "xsd:string");
    want(plan, PROV_LIST_SET, NET "RegistrarServer", "registrar.voice.example.net", "xsd:string");
    want(plan, PROV_LIST_SET, NET "RegistrarServerPort", "5061", "xsd:unsignedInt");
    want(plan, PROV_LIST_SET, NET "RegistrarServerTransport", "TLS", "xsd:string");
    want(plan, PROV_LIST_SET, NET "UserAgentTransport", "TLS", "xsd:string");
    want(plan, PROV_LIST_SET, NET "OutboundProxy", "edge.voice.example.net", "xsd:string");
    want(plan, PROV_LIST_SET, NET "OutboundProxyPort", "5062", "xsd:unsignedInt");
    want(plan, PROV_LIST_SET, NET "Realm", "voice.example.net", "xsd:string");
    want(plan, PROV_LIST_SET, NET "RegistrationPeriod", "600", "xsd:unsignedInt");
    want(plan, PROV_LIST_SET, NET "RegisterExpires", "600", "xsd:unsignedInt");
    want(plan, PROV_LIST_SET, NET "Enable", "true", "xsd:boolean");
    want(plan, PROV_LIST_SET, NET "VoIPProfile", "Device.Services.VoiceService.1.VoIPProfile.1", "xsd:string");
    want(plan, PROV_LIST_SET, PROF "Enable", "true", "xsd:boolean");
    want(plan, PROV_LIST_SET, CLI "Network", "Device.Services.VoiceService.1.SIP.Network.1", "xsd:string");
    want(plan, PROV_LIST_SET, CLI "AuthUserName", "u4930123456", "xsd:string");
    want(plan, PROV_LIST_SET, CLI "RegisterURI", "sip:+4930123456@voice.example.net", "xsd:string");
    want(plan, PROV_LIST_SET, CLI "MaxSessions", "2", "xsd:unsignedInt"); /* min(4, 2) */
    want(plan, PROV_LIST_SET, CLI "Enable", "true", "xsd:boolean");
    /* The client is enabled last, after everything it needs. */
    assert_string_equal(prov_tr104_param(plan, PROV_LIST_SET, nset - 1)->name, CLI "Enable");

    /* Objects: VoiceService (cannot be added), then the profile, the network, the client; an
     * ADD object is a writable table in the data model. */
    const char *objs[] = {VS, PROF, NET, CLI};
    assert_int_equal(prov_tr104_object_count(plan), 4);
    for (size_t i = 0; i < 4; i++) {
        const struct prov_obj *o = prov_tr104_object(plan, i);
        assert_string_equal(o->path, objs[i]);
        assert_int_equal(o->action, i == 0 ? PROV_OBJ_REQUIRED : PROV_OBJ_ADD);
        assert_memory_equal(o->path, o->table, strlen(o->table));
        if (have_dm()) {
            const struct dm_item *it = dm_find(o->path);
            assert_non_null(it);
            assert_true(it->object);
            assert_int_equal(it->writable, o->action == PROV_OBJ_ADD);
        }
    }
    assert_int_equal(prov_tr104_object(plan, 3)->instance, 2); /* line index 2 -> SIP.Client.2 */
    /* Each reference names an object of the plan (path without its dot). */
    assert_int_equal(strncmp(find(plan, PROV_LIST_SET, CLI "Network")->value, NET, strlen(NET) - 1), 0);

    /* Verify: every non-secret SET value, nothing secret, then Status = Up (read-only). */
    size_t nver = prov_tr104_count(plan, PROV_LIST_VERIFY);
    assert_int_equal(nver, nset - 1 + 1);
    for (size_t i = 0; i < nver; i++) {
        const struct prov_param *e = prov_tr104_param(plan, PROV_LIST_VERIFY, i);
        assert_false(e->secret);
        assert_null(strstr(e->value, PASSWORD));
        if (i + 1 < nver) {
            const struct prov_param *s = find(plan, PROV_LIST_SET, e->name);
            assert_non_null(s);
            assert_string_equal(s->value, e->value);
        }
    }
    const struct prov_param *st = prov_tr104_param(plan, PROV_LIST_VERIFY, nver - 1);
    assert_string_equal(st->name, CLI "Status");
    assert_string_equal(st->value, "Up");
    if (have_dm() && dm_check(st, 0, why, sizeof why) < 0)
        fail_msg("%s", why);

    /* Deprovision: credentials cleared, client disabled; all writable names. */
    want(plan, PROV_LIST_DEPROVISION, CLI "Enable", "false", "xsd:boolean");
    want(plan, PROV_LIST_DEPROVISION, CLI "AuthUserName", "", "xsd:string");
    want(plan, PROV_LIST_DEPROVISION, CLI "AuthPassword", "", "xsd:string");
    want(plan, PROV_LIST_DEPROVISION, CLI "RegisterURI", "", "xsd:string");
    assert_true(find(plan, PROV_LIST_DEPROVISION, CLI "AuthPassword")->secret);
    for (size_t i = 0; have_dm() && i < prov_tr104_count(plan, PROV_LIST_DEPROVISION); i++)
        if (dm_check(prov_tr104_param(plan, PROV_LIST_DEPROVISION, i), 1, why, sizeof why) < 0)
            fail_msg("%s", why);
    prov_tr104_plan_free(plan);
}

static void v2_instances(void **state)
{
    (void)state;
    struct prov_tr104_provider p = provider();
    struct prov_tr104_line l = line();
    p.proxy_host = NULL; /* no proxy: cleared, its port not sent */
    p.outbound_proxy_host = "";
    struct prov_tr104_target t = {.model = PROV_MODEL_TR104V2, .voice_service = 1, .network = 2, .client = 7};
    struct prov_tr104_plan *plan = plan_ok(&p, &l, &t);
    want(plan, PROV_LIST_SET, VS "SIP.Client.7.Network", "Device.Services.VoiceService.1.SIP.Network.2", "xsd:string");
    want(plan, PROV_LIST_SET, VS "SIP.Network.2.VoIPProfile", "Device.Services.VoiceService.1.VoIPProfile.2",
         "xsd:string");
    want(plan, PROV_LIST_SET, VS "SIP.Network.2.ProxyServer", "", "xsd:string");
    want(plan, PROV_LIST_SET, VS "SIP.Network.2.OutboundProxy", "", "xsd:string");
    assert_null(find(plan, PROV_LIST_SET, VS "SIP.Network.2.ProxyServerPort"));
    assert_null(find(plan, PROV_LIST_SET, VS "SIP.Network.2.OutboundProxyPort"));
    assert_string_equal(prov_tr104_object(plan, 3)->path, VS "SIP.Client.7.");
    prov_tr104_plan_free(plan);

    /* No cap on either side: 0 (no explicit limit); one side only: that one. */
    p.max_sessions = 0;
    l.max_sessions = 0;
    plan = plan_ok(&p, &l, &V2);
    want(plan, PROV_LIST_SET, CLI "MaxSessions", "0", "xsd:unsignedInt");
    prov_tr104_plan_free(plan);
    p.max_sessions = 3;
    plan = plan_ok(&p, &l, &V2);
    want(plan, PROV_LIST_SET, CLI "MaxSessions", "3", "xsd:unsignedInt");
    prov_tr104_plan_free(plan);
}

static void srtp_policies(void **state)
{
    (void)state;
    struct prov_tr104_provider p = provider();
    struct prov_tr104_line l = line();
    const char *on[] = {"mandatory", "optional"};
    for (int i = 0; i < 2; i++) {
        p.srtp = on[i];
        struct prov_tr104_plan *plan = plan_ok(&p, &l, &V2);
        want(plan, PROV_LIST_SET, PROF "RTP.SRTP.Enable", "true", "xsd:boolean");
        want(plan, PROV_LIST_SET, PROF "RTP.SRTP.KeyingMethods", "SDP", "xsd:string");
        want(plan, PROV_LIST_VERIFY, PROF "RTP.SRTP.Enable", "true", "xsd:boolean");
        prov_tr104_plan_free(plan);
        plan = plan_ok(&p, &l, &V1);
        want(plan, PROV_LIST_SET, "InternetGatewayDevice.Services.VoiceService.1.VoiceProfile.1.RTP.SRTP.Enable",
             "true", "xsd:boolean");
        prov_tr104_plan_free(plan);
    }
    p.srtp = "off";
    struct prov_tr104_plan *plan = plan_ok(&p, &l, &V2);
    want(plan, PROV_LIST_SET, PROF "RTP.SRTP.Enable", "false", "xsd:boolean");
    assert_null(find(plan, PROV_LIST_SET, PROF "RTP.SRTP.KeyingMethods"));
    prov_tr104_plan_free(plan);

    const char *bad[] = {NULL, "", "Mandatory", "on", "required"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char *err = NULL;
        p.srtp = bad[i];
        assert_int_equal(prov_tr104_plan_new(&p, &l, &V2, &plan, &err), -ERR_POLICY);
        assert_null(plan);
        assert_non_null(strstr(err, "provider.srtp"));
        free(err);
    }
}

/* TLS always; TCP or UDP only when the provider row allows a plain transport (plain_allowed,
 * the caller's reading of the row). */
static void plain_transport_only_when_allowed(void **state)
{
    (void)state;
    struct prov_tr104_provider p = provider();
    struct prov_tr104_line l = line();
    struct prov_tr104_plan *plan = NULL;
    const char *plain[] = {"UDP", "TCP"};
    for (int i = 0; i < 2; i++) {
        char *err = NULL;
        p.transport = plain[i];
        p.plain_allowed = 0;
        assert_int_equal(prov_tr104_plan_new(&p, &l, &V2, &plan, &err), -ERR_POLICY);
        assert_null(plan);
        assert_non_null(strstr(err, "provider.transport"));
        free(err);
        p.plain_allowed = 1;
        plan = plan_ok(&p, &l, &V2);
        want(plan, PROV_LIST_SET, NET "ProxyServerTransport", plain[i], "xsd:string");
        want(plan, PROV_LIST_SET, NET "RegistrarServerTransport", plain[i], "xsd:string");
        want(plan, PROV_LIST_SET, NET "UserAgentTransport", plain[i], "xsd:string");
        prov_tr104_plan_free(plan);
    }
    const char *bad[] = {NULL, "tls", "SCTP", "DTLS", ""};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char *err = NULL;
        p.transport = bad[i];
        assert_int_equal(prov_tr104_plan_new(&p, &l, &V2, &plan, &err), -ERR_INVAL);
        free(err);
    }
}

static void v1_names(void **state)
{
    (void)state;
    struct prov_tr104_provider p = provider();
    struct prov_tr104_line l = line();
    struct prov_tr104_plan *plan = plan_ok(&p, &l, &V1);
#define VP "InternetGatewayDevice.Services.VoiceService.1.VoiceProfile.1."
#define LN VP "Line.2."
    const struct prov_param expect[] = {
        {VP "Enable", "Enabled", "xsd:string", 0},
        {VP "SIP.ProxyServer", "proxy.voice.example.net", "xsd:string", 0},
        {VP "SIP.ProxyServerPort", "5061", "xsd:unsignedInt", 0},
        {VP "SIP.ProxyServerTransport", "TLS", "xsd:string", 0},
        {VP "SIP.RegistrarServer", "registrar.voice.example.net", "xsd:string", 0},
        {VP "SIP.RegistrarServerPort", "5061", "xsd:unsignedInt", 0},
        {VP "SIP.RegistrarServerTransport", "TLS", "xsd:string", 0},
        {VP "SIP.UserAgentDomain", "voice.example.net", "xsd:string", 0},
        {VP "SIP.UserAgentTransport", "TLS", "xsd:string", 0},
        {VP "SIP.OutboundProxy", "edge.voice.example.net", "xsd:string", 0},
        {VP "SIP.OutboundProxyPort", "5062", "xsd:unsignedInt", 0},
        {VP "SIP.RegistrationPeriod", "600", "xsd:unsignedInt", 0},
        {VP "SIP.RegisterExpires", "600", "xsd:unsignedInt", 0},
        {VP "MaxSessions", "4", "xsd:unsignedInt", 0}, /* the provider's cap: v1 has no per-line one */
        {VP "RTP.SRTP.Enable", "true", "xsd:boolean", 0},
        {VP "RTP.SRTP.KeyingMethods", "SDP", "xsd:string", 0},
        {LN "DirectoryNumber", "+4930123456", "xsd:string", 0},
        {LN "SIP.AuthUserName", "u4930123456", "xsd:string", 0},
        {LN "SIP.AuthPassword", PASSWORD, "xsd:string", 1},
        {LN "SIP.URI", "sip:+4930123456@voice.example.net", "xsd:string", 0},
        {LN "Enable", "Enabled", "xsd:string", 0},
    };
    size_t n = sizeof expect / sizeof expect[0];
    assert_int_equal(prov_tr104_count(plan, PROV_LIST_SET), n);
    for (size_t i = 0; i < n; i++) {
        const struct prov_param *e = prov_tr104_param(plan, PROV_LIST_SET, i);
        assert_string_equal(e->name, expect[i].name);
        assert_string_equal(e->value, expect[i].value);
        assert_string_equal(e->type, expect[i].type);
        assert_int_equal(e->secret, expect[i].secret);
    }
    size_t nver = prov_tr104_count(plan, PROV_LIST_VERIFY);
    assert_int_equal(nver, n);
    assert_null(find(plan, PROV_LIST_VERIFY, LN "SIP.AuthPassword"));
    want(plan, PROV_LIST_VERIFY, LN "Status", "Up", "xsd:string");
    assert_int_equal(prov_tr104_object_count(plan), 3);
    assert_string_equal(prov_tr104_object(plan, 0)->path, "InternetGatewayDevice.Services.VoiceService.1.");
    assert_int_equal(prov_tr104_object(plan, 0)->action, PROV_OBJ_REQUIRED);
    assert_string_equal(prov_tr104_object(plan, 1)->path, VP);
    assert_string_equal(prov_tr104_object(plan, 1)->table, "InternetGatewayDevice.Services.VoiceService.1.VoiceProfile.");
    assert_string_equal(prov_tr104_object(plan, 2)->path, LN);
    assert_int_equal(prov_tr104_object(plan, 2)->action, PROV_OBJ_ADD);
    want(plan, PROV_LIST_DEPROVISION, LN "Enable", "Disabled", "xsd:string");
    want(plan, PROV_LIST_DEPROVISION, LN "SIP.AuthPassword", "", "xsd:string");
    want(plan, PROV_LIST_DEPROVISION, LN "SIP.AuthUserName", "", "xsd:string");
    want(plan, PROV_LIST_DEPROVISION, LN "SIP.URI", "", "xsd:string");
    want(plan, PROV_LIST_DEPROVISION, LN "DirectoryNumber", "", "xsd:string");
    prov_tr104_plan_free(plan);
#undef VP
#undef LN
}

static void model_detection(void **state)
{
    (void)state;
    struct {
        struct prov_tr104_device d;
        enum prov_model m;
    } c[] = {
        {{"Device.", NULL, 1}, PROV_MODEL_TR104V2},
        {{"Device", NULL, -1}, PROV_MODEL_TR104V2},
        {{"Device.", "urn:broadband-forum-org:tr-181-2-17-0 urn:broadband-forum-org:tr-104-2-0-2", -1},
         PROV_MODEL_TR104V2},
        {{"Device.", "Device:2.17,VoiceService:2.0", 1}, PROV_MODEL_TR104V2},
        {{"Device.", NULL, 0}, PROV_MODEL_NONE},                              /* no VoiceService */
        {{"Device.", "urn:broadband-forum-org:tr-104-1-1-0", 1}, PROV_MODEL_NONE}, /* Device:1 + v1 */
        {{"InternetGatewayDevice.", NULL, -1}, PROV_MODEL_TR104V1},
        {{"InternetGatewayDevice.", NULL, 1}, PROV_MODEL_TR104V1},
        {{"InternetGatewayDevice", "VoiceService:1.0", 1}, PROV_MODEL_TR104V1},
        {{"InternetGatewayDevice.", NULL, 0}, PROV_MODEL_NONE},
        {{"Devices.", NULL, 1}, PROV_MODEL_NONE},
        {{"DeviceX", NULL, 1}, PROV_MODEL_NONE},
        {{"", NULL, 1}, PROV_MODEL_NONE},
        {{NULL, NULL, 1}, PROV_MODEL_NONE},
    };
    for (size_t i = 0; i < sizeof c / sizeof c[0]; i++)
        assert_int_equal(prov_tr104_detect(&c[i].d), c[i].m);
    assert_int_equal(prov_tr104_detect(NULL), PROV_MODEL_NONE);
    assert_string_equal(prov_model_name(PROV_MODEL_TR104V2), "tr104v2");
    assert_string_equal(prov_model_name(PROV_MODEL_TR104V1), "tr104v1");

    /* A device without a VoiceService we map gets no plan. */
    struct prov_tr104_provider p = provider();
    struct prov_tr104_line l = line();
    struct prov_tr104_target t = {.model = PROV_MODEL_NONE};
    struct prov_tr104_plan *plan = NULL;
    char *err = NULL;
    assert_int_equal(prov_tr104_plan_new(&p, &l, &t, &plan, &err), -ERR_INVAL);
    assert_null(plan);
    assert_non_null(strstr(err, "target.model"));
    free(err);
}

static void key_of(const struct prov_tr104_provider *p, const struct prov_tr104_line *l,
                   const struct prov_tr104_target *t, char out[PROV_TR104_KEY_MAX + 1])
{
    struct prov_tr104_plan *plan = plan_ok(p, l, t);
    snprintf(out, PROV_TR104_KEY_MAX + 1, "%s", prov_tr104_parameter_key(plan));
    prov_tr104_plan_free(plan);
}

static void parameter_key(void **state)
{
    (void)state;
    struct prov_tr104_provider p0 = provider(), p;
    struct prov_tr104_line l0 = line(), l;
    char k0[PROV_TR104_KEY_MAX + 1], k[PROV_TR104_KEY_MAX + 1];
    key_of(&p0, &l0, &V2, k0);
    assert_int_equal(strlen(k0), 29);
    assert_memory_equal(k0, "sip1-", 5);
    assert_int_equal(strspn(k0 + 5, "0123456789abcdef"), 24);
    key_of(&p0, &l0, &V2, k);
    assert_string_equal(k, k0); /* stable */

    /* Not changed by what is not sent: the display name; "optional" SRTP sends what "mandatory" does. */
    l = l0;
    l.display_name = "Front desk";
    key_of(&p0, &l, &V2, k);
    assert_string_equal(k, k0);
    p = p0;
    p.srtp = "optional";
    key_of(&p, &l0, &V2, k);
    assert_string_equal(k, k0);
    /* The same password in another buffer: the same key. */
    char pwcopy[] = PASSWORD;
    l = l0;
    l.password = pwcopy;
    key_of(&p0, &l, &V2, k);
    assert_string_equal(k, k0);

    /* Every desired value changes it. */
#define CHANGED(stmt_p, stmt_l) do { \
        p = p0; l = l0; stmt_p; stmt_l; key_of(&p, &l, &V2, k); \
        if (!strcmp(k, k0)) fail_msg("key unchanged by %s %s", #stmt_p, #stmt_l); \
    } while (0)
    CHANGED(p.sip_domain = "voice2.example.net", (void)0);
    CHANGED(p.registrar_host = "reg2.voice.example.net", (void)0);
    CHANGED(p.registrar_port = 5063, (void)0);
    CHANGED(p.proxy_host = "proxy2.voice.example.net", (void)0);
    CHANGED(p.proxy_port = 5065, (void)0);
    CHANGED(p.outbound_proxy_host = NULL, (void)0);
    CHANGED(p.outbound_proxy_port = 5066, (void)0);
    CHANGED((p.transport = "TCP", p.plain_allowed = 1), (void)0);
    CHANGED(p.srtp = "off", (void)0);
    CHANGED(p.registration_period = 3600, (void)0);
    CHANGED(p.max_sessions = 1, (void)0);
    CHANGED((void)0, l.e164 = "+4930123457");
    CHANGED((void)0, l.line_index = 1);
    CHANGED((void)0, l.auth_username = "u4930123457");
    CHANGED((void)0, l.password = PASSWORD "x");
    CHANGED((void)0, l.password = "Xq7-secret-9f3c2b1a0e4d6f8b"); /* one character */
    CHANGED((void)0, l.max_sessions = 1);
#undef CHANGED
    key_of(&p0, &l0, &V1, k); /* another model: other names */
    assert_string_not_equal(k, k0);

    /* A device's key over its lines: any order, n = 1 is the plan's own key. */
    struct prov_tr104_line l2 = l0;
    l2.line_index = 1;
    l2.e164 = "+4930123457";
    struct prov_tr104_plan *a = plan_ok(&p0, &l0, &V2), *b = plan_ok(&p0, &l2, &V2);
    const struct prov_tr104_plan *ab[] = {a, b}, *ba[] = {b, a}, *aa[] = {a};
    char kab[PROV_TR104_KEY_MAX + 1], kba[PROV_TR104_KEY_MAX + 1], ka[PROV_TR104_KEY_MAX + 1];
    assert_int_equal(prov_tr104_device_key(ab, 2, kab), 0);
    assert_int_equal(prov_tr104_device_key(ba, 2, kba), 0);
    assert_int_equal(prov_tr104_device_key(aa, 1, ka), 0);
    assert_string_equal(kab, kba);
    assert_string_equal(ka, prov_tr104_parameter_key(a));
    assert_string_not_equal(kab, ka);
    assert_int_equal(prov_tr104_device_key(ab, 0, kab), -ERR_INVAL);

    struct prov_tr104_plan *d = NULL;
    char *err = NULL;
    assert_int_equal(prov_tr104_deprovision_new(&V2, 2, &d, &err), 0);
    assert_string_equal(prov_tr104_parameter_key(d), "");
    assert_int_equal(prov_tr104_count(d, PROV_LIST_SET), 0);
    assert_int_equal(prov_tr104_count(d, PROV_LIST_DEPROVISION), prov_tr104_count(a, PROV_LIST_DEPROVISION));
    for (size_t i = 0; i < prov_tr104_count(d, PROV_LIST_DEPROVISION); i++)
        assert_string_equal(prov_tr104_param(d, PROV_LIST_DEPROVISION, i)->name,
                            prov_tr104_param(a, PROV_LIST_DEPROVISION, i)->name);
    const struct prov_tr104_plan *ad[] = {a, d};
    assert_int_equal(prov_tr104_device_key(ad, 2, kab), -ERR_INVAL);
    prov_tr104_plan_free(a);
    prov_tr104_plan_free(b);
    prov_tr104_plan_free(d);
}

static char *repeat(char c, size_t n)
{
    char *s = malloc(n + 1);
    assert_non_null(s);
    memset(s, c, n);
    s[n] = '\0';
    return s;
}

/* Too long for the data model: refused, the field named, its value nowhere in the message. */
static void overlong_values_refused(void **state)
{
    (void)state;
    char *u129 = repeat('u', 129), *u128 = repeat('u', 128), *pw129 = repeat('Q', 129), *pw128 = repeat('Q', 128);
    char *dom = repeat('d', 257), *reg = repeat('r', 257); /* maxLength 256 */
    struct {
        int what; /* 0 username, 1 password, 2 domain, 3 registrar */
        char *v;
        const char *field;
        int rc;
    } c[] = {
        {0, u129, "line.auth_username", -ERR_TOO_BIG},
        {0, u128, NULL, 0},
        {1, pw129, "line.password", -ERR_TOO_BIG},
        {1, pw128, NULL, 0},
        {2, dom, "provider.sip_domain", -ERR_TOO_BIG},
        {3, reg, "provider.registrar_host", -ERR_TOO_BIG},
    };
    for (size_t i = 0; i < sizeof c / sizeof c[0]; i++) {
        for (int m = 0; m < 2; m++) {
            struct prov_tr104_provider p = provider();
            struct prov_tr104_line l = line();
            if (c[i].what == 0)
                l.auth_username = c[i].v;
            else if (c[i].what == 1)
                l.password = c[i].v;
            else if (c[i].what == 2)
                p.sip_domain = c[i].v;
            else
                p.registrar_host = c[i].v;
            struct prov_tr104_plan *plan = NULL;
            char *err = NULL;
            int rc = prov_tr104_plan_new(&p, &l, m ? &V1 : &V2, &plan, &err);
            assert_int_equal(rc, c[i].rc);
            if (rc == 0) {
                prov_tr104_plan_free(plan);
                continue;
            }
            assert_null(plan);
            assert_non_null(err);
            assert_non_null(strstr(err, c[i].field));
            assert_null(strstr(err, "uuuuuuuu"));
            assert_null(strstr(err, "QQQQQQQQ"));
            assert_null(strstr(err, "dddddddd"));
            assert_null(strstr(err, "rrrrrrrr"));
            assert_null(strstr(err, PASSWORD));
            free(err);
        }
    }
    free(u129);
    free(u128);
    free(pw129);
    free(pw128);
    free(dom);
    free(reg);
}

static void bad_input_refused(void **state)
{
    (void)state;
    struct {
        int what;
        const char *v;
        unsigned u;
        const char *field;
    } c[] = {
        {0, "4930123456", 0, "line.e164"},
        {0, "+49 30 123456", 0, "line.e164"},
        {1, NULL, 0, "line.line_index"},
        {1, NULL, PROV_TR104_MAX_INDEX + 1, "line.line_index"},
        {2, "", 0, "line.auth_username"},
        {3, "", 0, "line.password"},
        {3, "pass\r\nword", 0, "line.password"},
        {4, "voice example net", 0, "provider.sip_domain"},
        {4, "a@b", 0, "provider.sip_domain"},
        {5, NULL, 0, "provider.registrar_port"},
        {5, NULL, 65536, "provider.registrar_port"},
        {6, NULL, 0, "provider.registration_period"},
        {7, NULL, 0, "provider.proxy_host"},
    };
    for (size_t i = 0; i < sizeof c / sizeof c[0]; i++) {
        struct prov_tr104_provider p = provider();
        struct prov_tr104_line l = line();
        switch (c[i].what) {
        case 0: l.e164 = c[i].v; break;
        case 1: l.line_index = c[i].u; break;
        case 2: l.auth_username = c[i].v; break;
        case 3: l.password = c[i].v; break;
        case 4: p.sip_domain = c[i].v; break;
        case 5: p.registrar_port = c[i].u; break;
        case 6: p.registration_period = c[i].u; break;
        case 7: p.proxy_port = 0; break;
        }
        struct prov_tr104_plan *plan = NULL;
        char *err = NULL;
        assert_int_equal(prov_tr104_plan_new(&p, &l, &V2, &plan, &err), -ERR_INVAL);
        assert_null(plan);
        if (!strstr(err, c[i].field))
            fail_msg("case %zu: %s", i, err);
        assert_null(strstr(err, "pass\r"));
        free(err);
    }
}

static void value_equal(void **state)
{
    (void)state;
    assert_true(prov_tr104_value_equal("xsd:boolean", "true", "1"));
    assert_true(prov_tr104_value_equal("xsd:boolean", "false", "0"));
    assert_true(prov_tr104_value_equal("xsd:boolean", "true", "true"));
    assert_false(prov_tr104_value_equal("xsd:boolean", "true", "0"));
    assert_false(prov_tr104_value_equal("xsd:boolean", "true", "yes"));
    assert_true(prov_tr104_value_equal("xsd:unsignedInt", "5061", "05061"));
    assert_false(prov_tr104_value_equal("xsd:unsignedInt", "5061", "5060"));
    assert_false(prov_tr104_value_equal("xsd:unsignedInt", "5061", "-5061"));
    assert_true(prov_tr104_value_equal("xsd:string", "TLS", "TLS"));
    assert_false(prov_tr104_value_equal("xsd:string", "TLS", "tls"));
    assert_false(prov_tr104_value_equal("xsd:string", "TLS", NULL));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(dm_checker_can_fail),
        cmocka_unit_test(v2_tls_line_in_data_model),
        cmocka_unit_test(v2_instances),
        cmocka_unit_test(srtp_policies),
        cmocka_unit_test(plain_transport_only_when_allowed),
        cmocka_unit_test(v1_names),
        cmocka_unit_test(model_detection),
        cmocka_unit_test(parameter_key),
        cmocka_unit_test(overlong_values_refused),
        cmocka_unit_test(bad_input_refused),
        cmocka_unit_test(value_equal),
    };
    return cmocka_run_group_tests(tests, load_dm, free_dm);
}

/* cpe-sim/libcpe/cpe_schema.c — load key-params.tsv into the shared schema: parameters,
 * the object tree derived from their paths, constraints, defaults and computed values. */
#include "cpe_schema.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct cpe_sindex {
    const char *path;
    int i;
    bool node;
};

/* Values a freshly booted simulated CPE reports where the TSV gives no default. Paths are
 * relative to the root, so the entries a TR-181 and a TR-098 model share (DeviceInfo.,
 * ManagementServer.) are written once. */
static const struct {
    const char *path, *value;
} product_defaults[] = {
    {"RootDataModelVersion", "2.17"},
    {"DeviceInfo.ModelName", "cpe-sim"},
    {"DeviceInfo.ModelNumber", "SIM-1"},
    {"DeviceInfo.Description", "Simulated VoIP CPE (libcpe)"},
    {"DeviceInfo.HardwareVersion", "sim-hw-1.0"},
    {"DeviceInfo.SoftwareVersion", "1.0.0"},
    {"DeviceInfo.FirstUseDate", "0001-01-01T00:00:00Z"},
    {"ManagementServer.EnableCWMP", "true"},
    {"ManagementServer.PeriodicInformEnable", "true"},
    {"ManagementServer.CWMPRetryMinimumWaitInterval", "5"},
    {"ManagementServer.CWMPRetryIntervalMultiplier", "2000"},
    {"ManagementServer.HTTPConnectionRequestEnable", "true"},
    {"ManagementServer.SupportedConnReqMethods", "HTTP"},
    {"ManagementServer.InstanceMode", "InstanceNumber"},
    {"ManagementServer.DefaultActiveNotificationThrottle", "0"},
    {"ManagementServer.STUNServerPort", "3478"},
    {"ManagementServer.HTTPCompressionSupported", ""},
    {"ManagementServer.LightweightNotificationProtocolsSupported", ""},
    {"Time.Enable", "true"},
    {"Time.Status", "Synchronized"},
    {"Time.NTPServer1", "ntp.example.net"},
    {"Time.LocalTimeZone", "UTC"},
    {"Ethernet.Interface.{i}.Enable", "true"},
    {"Ethernet.Interface.{i}.Status", "Up"},
    {"Ethernet.Interface.{i}.Upstream", "true"},
    {"Ethernet.Interface.{i}.MaxBitRate", "1000"},
    {"Ethernet.Interface.{i}.DuplexMode", "Auto"},
    {"IP.Interface.{i}.Enable", "true"},
    {"IP.Interface.{i}.IPv4Enable", "true"},
    {"IP.Interface.{i}.Status", "Up"},
    {"IP.Interface.{i}.IPv4Address.{i}.Enable", "true"},
    {"IP.Interface.{i}.IPv4Address.{i}.Status", "Enabled"},
    {"IP.Interface.{i}.IPv4Address.{i}.SubnetMask", "255.255.255.0"},
    {"Services.VoiceService.{i}.SIP.Client.{i}.RegisterMode", "RFC3261"},
    {"Services.VoiceService.{i}.SIP.Network.{i}.RegistrationPeriod", "3600"},
    {"Services.VoiceService.{i}.SIP.Network.{i}.RegisterExpires", "3600"},
    {"Services.VoiceService.{i}.SIP.Network.{i}.RegisterRetryInterval", "30"},
    {"Services.VoiceService.{i}.SIP.Network.{i}.InviteExpires", "180"},
    {"Services.VoiceService.{i}.SIP.Network.{i}.ReInviteExpires", "180"},
    {"Services.VoiceService.{i}.SIP.Network.{i}.TimerT1", "500"},
    {"Services.VoiceService.{i}.SIP.Network.{i}.TimerT2", "4000"},
    {"Services.VoiceService.{i}.SIP.Network.{i}.TimerT4", "5000"},
    {"Services.VoiceService.{i}.SIP.Network.{i}.CodecList", ""},
    {"Services.VoiceService.{i}.VoIPProfile.{i}.RTP.LocalPortMax", "65535"},
    {"Services.VoiceService.{i}.VoIPProfile.{i}.RTP.DSCPMark", "46"},
    {"Services.VoiceService.{i}.VoIPProfile.{i}.RTP.SRTP.KeyingMethods", "SDP"},
    {"Services.VoiceService.{i}.VoIPProfile.{i}.RTP.SRTP.EncryptionKeySizes", "128"},
    /* a factory client uses the factory network (TR-104 v2 strong reference) */
    {"Services.VoiceService.{i}.SIP.Client.{i}.Network", "Device.Services.VoiceService.1.SIP.Network.1"},
    /* TR-098 / TR-104 v1 */
    {"DeviceSummary", "InternetGatewayDevice:1.4[](Baseline:2), VoiceService:1.0[1](SIPEndpoint:1)"},
    {"DeviceInfo.SpecVersion", "1.0"},
    {"LANDevice.{i}.LANEthernetInterfaceConfig.{i}.Enable", "true"},
    {"LANDevice.{i}.LANEthernetInterfaceConfig.{i}.Status", "Up"},
    {"WANDevice.{i}.WANConnectionDevice.{i}.WANIPConnection.{i}.Enable", "true"},
    {"WANDevice.{i}.WANConnectionDevice.{i}.WANIPConnection.{i}.ConnectionStatus", "Connected"},
    {"Services.VoiceService.{i}.VoiceProfile.{i}.SignalingProtocol", "SIP"},
    {"Services.VoiceService.{i}.VoiceProfile.{i}.SIP.RegistrationPeriod", "3600"},
    {"Services.VoiceService.{i}.VoiceProfile.{i}.SIP.RegisterExpires", "3600"},
    {"Services.VoiceService.{i}.VoiceProfile.{i}.SIP.RegisterRetryInterval", "30"},
    {"Services.VoiceService.{i}.VoiceProfile.{i}.RTP.SRTP.KeyingMethods", "SDP"},
    {"Services.VoiceService.{i}.VoiceProfile.{i}.RTP.SRTP.EncryptionKeySizes", "128"},
};

/* Tables a factory-fresh device holds more than one instance of (every other one: 1). */
static const struct {
    const char *path;
    unsigned n;
} default_instances[] = {
    {"Services.VoiceService.{i}.SIP.Client.{i}.", 2},          /* two SIP clients (TR-104 v2) */
    {"Services.VoiceService.{i}.VoiceProfile.{i}.Line.{i}.", 2}, /* two lines (TR-104 v1) */
};

static const struct {
    const char *path;
    enum cpe_special sp;
} specials[] = {
    {"DeviceInfo.Manufacturer", CPE_SP_MANUFACTURER},
    {"DeviceInfo.ManufacturerOUI", CPE_SP_OUI},
    {"DeviceInfo.ProductClass", CPE_SP_PRODUCT_CLASS},
    {"DeviceInfo.SerialNumber", CPE_SP_SERIAL},
    {"DeviceInfo.UpTime", CPE_SP_UPTIME},
    {"ManagementServer.ConnectionRequestURL", CPE_SP_CR_URL},
    {"ManagementServer.URL", CPE_SP_ACS_URL},
    {"ManagementServer.PeriodicInformInterval", CPE_SP_PERIODIC_INTERVAL},
    {"Time.CurrentLocalTime", CPE_SP_LOCAL_TIME},
    {"Ethernet.Interface.{i}.MACAddress", CPE_SP_MAC},
    {"Ethernet.Interface.{i}.Name", CPE_SP_IFNAME},
    {"IP.Interface.{i}.Name", CPE_SP_IFNAME},
    {"IP.Interface.{i}.IPv4Address.{i}.IPAddress", CPE_SP_IPV4},
    {"Security.Certificate.{i}.SerialNumber", CPE_SP_CERT_SERIAL},
    {"Security.Certificate.{i}.Subject", CPE_SP_CERT_SUBJECT},
    {"Services.VoiceService.{i}.SIP.Client.{i}.Status", CPE_SP_SIP_STATUS},
    {"LANDevice.{i}.LANEthernetInterfaceConfig.{i}.MACAddress", CPE_SP_MAC},
    {"WANDevice.{i}.WANConnectionDevice.{i}.WANIPConnection.{i}.ExternalIPAddress", CPE_SP_IPV4},
    {"Services.VoiceService.{i}.VoiceProfile.{i}.Line.{i}.Status", CPE_SP_SIP_STATUS},
};

static const char *const roots[] = {"Device.", "InternetGatewayDevice."};

const char *cpe_schema_rel(const struct cpe_schema *s, const char *path)
{
    size_t l = strlen(s->root);
    return strncmp(path, s->root, l) == 0 ? path + l : NULL;
}

int cpe_schema_abs(const struct cpe_schema *s, const char *rel, char *out, size_t n)
{
    int w = snprintf(out, n, "%s%s", s->root, rel);
    return w < 0 || (size_t)w >= n ? -ERR_TOO_BIG : 0;
}

const char *cpe_type_xsd(const struct cpe_sparam *p)
{
    if (p->list)
        return "xsd:string";
    switch (p->type) {
    case CPE_T_UINT: return "xsd:unsignedInt";
    case CPE_T_INT: return "xsd:int";
    case CPE_T_BOOL: return "xsd:boolean";
    case CPE_T_DATETIME: return "xsd:dateTime";
    default: return "xsd:string";
    }
}

int cpe_path_template(const char *path, char *tmpl, size_t n, uint32_t idx[CPE_MAX_DEPTH])
{
    size_t o = 0;
    int depth = 0;
    const char *p = path;
    if (strlen(path) >= CPE_MAX_PATH)
        return -1;
    while (*p) {
        const char *dot = strchr(p, '.');
        size_t len = dot ? (size_t)(dot - p) : strlen(p);
        if (len == 0)
            return -1; /* ".." or a leading dot */
        bool digits = true;
        for (size_t i = 0; i < len; i++)
            digits = digits && isdigit((unsigned char)p[i]);
        const char *seg = p;
        size_t seglen = len;
        if (digits) {
            if (depth == CPE_MAX_DEPTH || len > 10)
                return -1;
            unsigned long v = strtoul(p, NULL, 10);
            if (v == 0 || v > 0x7fffffffUL)
                return -1;
            idx[depth++] = (uint32_t)v;
            seg = "{i}";
            seglen = 3;
        }
        if (o + seglen + 2 > n)
            return -1;
        memcpy(tmpl + o, seg, seglen);
        o += seglen;
        if (dot)
            tmpl[o++] = '.';
        p += len + (dot ? 1 : 0);
    }
    tmpl[o] = '\0';
    return depth;
}

int cpe_path_format(const char *tmpl, const uint32_t *idx, char *out, size_t n)
{
    size_t o = 0;
    unsigned d = 0;
    for (const char *p = tmpl; *p;) {
        if (strncmp(p, "{i}", 3) == 0) {
            int w = snprintf(out + o, n - o, "%u", (unsigned)idx[d++]);
            if (w < 0 || (size_t)w >= n - o)
                return -ERR_TOO_BIG;
            o += (size_t)w;
            p += 3;
        } else {
            if (o + 1 >= n)
                return -ERR_TOO_BIG;
            out[o++] = *p++;
        }
    }
    out[o] = '\0';
    return 0;
}

static int cmp_index(const void *a, const void *b)
{
    return strcmp(((const struct cpe_sindex *)a)->path, ((const struct cpe_sindex *)b)->path);
}

int cpe_schema_find(const struct cpe_schema *s, const char *tmpl, bool *is_node)
{
    struct cpe_sindex key = {tmpl, 0, false};
    const struct cpe_sindex *r = bsearch(&key, s->index, s->nindex, sizeof key, cmp_index);
    if (!r)
        return -1;
    *is_node = r->node;
    return r->i;
}

static int push_int(int **arr, unsigned *n, int v)
{
    int *p = realloc(*arr, (*n + 1) * sizeof **arr);
    if (!p)
        return -ERR_NOMEM;
    p[(*n)++] = v;
    *arr = p;
    return 0;
}

/* Node for a template prefix ending in '.', created with its parents. -1 on no memory. */
static int node_for(struct cpe_schema *s, const char *path, size_t len)
{
    for (unsigned i = 0; i < s->nnodes; i++)
        if (strlen(s->nodes[i].path) == len && memcmp(s->nodes[i].path, path, len) == 0)
            return (int)i;
    int parent = -1;
    /* parent prefix: up to the previous '.' */
    size_t plen = 0;
    for (size_t i = 0; i + 1 < len; i++)
        if (path[i] == '.')
            plen = i + 1;
    if (plen > 0) {
        parent = node_for(s, path, plen);
        if (parent < 0)
            return -1;
    }
    struct cpe_snode *nodes = realloc(s->nodes, (s->nnodes + 1) * sizeof *nodes);
    if (!nodes)
        return -1;
    s->nodes = nodes;
    struct cpe_snode *nd = &nodes[s->nnodes];
    memset(nd, 0, sizeof *nd);
    nd->path = strndup(path, len);
    if (!nd->path)
        return -1;
    nd->parent = parent;
    bool inst = len >= 4 && memcmp(path + len - 4, "{i}.", 4) == 0;
    nd->kind = inst ? CPE_NODE_INSTANCE : CPE_NODE_OBJECT;
    nd->ndefault = 1;
    const char *rel = cpe_schema_rel(s, nd->path);
    for (size_t i = 0; inst && rel && i < sizeof default_instances / sizeof *default_instances; i++)
        if (strcmp(default_instances[i].path, rel) == 0)
            nd->ndefault = default_instances[i].n;
    for (const char *q = nd->path; (q = strstr(q, "{i}")); q += 3)
        nd->depth++;
    int id = (int)s->nnodes++;
    if (parent >= 0) {
        if (inst)
            s->nodes[parent].kind = CPE_NODE_TABLE;
        if (push_int(&s->nodes[parent].kids, &s->nodes[parent].nkids, id) < 0)
            return -1;
    }
    return id;
}

static bool parse_ll(const char *s, size_t len, long long *out)
{
    char tmp[32];
    if (len == 0 || len >= sizeof tmp)
        return false;
    memcpy(tmp, s, len);
    tmp[len] = '\0';
    char *end;
    errno = 0;
    *out = strtoll(tmp, &end, 10);
    return errno == 0 && *end == '\0';
}

/* constraints: "maxLength=64;range=[1..65535];enum=A|B;default='x';units=..." */
static void parse_constraints(struct cpe_sparam *p, char *c, char **def)
{
    *def = NULL;
    while (c && *c && strcmp(c, "-") != 0) {
        char *end = c;
        bool quoted = false;
        while (*end && (quoted || *end != ';')) {
            if (*end == '\'')
                quoted = !quoted;
            end++;
        }
        char save = *end;
        *end = '\0';
        char *eq = strchr(c, '=');
        if (eq) {
            *eq = '\0';
            char *v = eq + 1;
            if (strcmp(c, "maxLength") == 0 && !p->list) {
                p->maxlen = (unsigned)strtoul(v, NULL, 10);
            } else if (strcmp(c, "range") == 0 && v[0] == '[') {
                char *dots = strstr(v, "..");
                char *close = strchr(v, ']');
                if (dots && close && dots < close) {
                    long long x;
                    if (parse_ll(v + 1, (size_t)(dots - v - 1), &x)) {
                        p->has_min = true;
                        p->min = x;
                    }
                    if (parse_ll(dots + 2, (size_t)(close - dots - 2), &x)) {
                        p->has_max = true;
                        p->max = x;
                    }
                }
            } else if (strcmp(c, "enum") == 0 && !p->list) {
                p->enums = strdup(v);
            } else if (strcmp(c, "default") == 0) {
                size_t l = strlen(v);
                if (l >= 2 && v[0] == '\'' && v[l - 1] == '\'') {
                    v[l - 1] = '\0';
                    v++;
                }
                *def = v;
            }
        }
        c = save ? end + 1 : end;
    }
}

static const char *type_default(const struct cpe_sparam *p, char *buf, size_t n)
{
    if (p->list)
        return "";
    switch (p->type) {
    case CPE_T_BOOL: return "false";
    case CPE_T_DATETIME: return "0001-01-01T00:00:00Z";
    case CPE_T_UINT:
    case CPE_T_INT:
        snprintf(buf, n, "%lld", p->has_min && p->min > 0 ? p->min : 0);
        return buf;
    default:
        if (p->enums) {
            size_t l = strcspn(p->enums, "|");
            snprintf(buf, n, "%.*s", (int)l, p->enums);
            return buf;
        }
        return "";
    }
}

static int parse_type(struct cpe_sparam *p, const char *t)
{
    if (strncmp(t, "list<", 5) == 0) {
        p->list = true;
        p->type = CPE_T_STRING;
        return 0;
    }
    if (strncmp(t, "string", 6) == 0 || strcmp(t, "base64") == 0 || strcmp(t, "hexBinary") == 0)
        p->type = CPE_T_STRING;
    else if (strcmp(t, "unsignedInt") == 0 || strcmp(t, "unsignedLong") == 0)
        p->type = CPE_T_UINT;
    else if (strcmp(t, "int") == 0 || strcmp(t, "long") == 0)
        p->type = CPE_T_INT;
    else if (strcmp(t, "boolean") == 0)
        p->type = CPE_T_BOOL;
    else if (strcmp(t, "dateTime") == 0)
        p->type = CPE_T_DATETIME;
    else
        return -1;
    return 0;
}

/* One TSV row into a new parameter. */
static int add_row(struct cpe_schema *s, char *line, char **why)
{
    char *f[8] = {0};
    int nf = 0;
    for (char *save = NULL, *tok = strtok_r(line, "\t", &save); tok && nf < 8;
         tok = strtok_r(NULL, "\t", &save))
        f[nf++] = tok;
    if (nf < 4) {
        *why = "fewer than 4 columns";
        return -1;
    }
    size_t plen = strlen(f[0]);
    if (!s->root) /* the first row names the model's root */
        for (size_t i = 0; i < sizeof roots / sizeof *roots; i++)
            if (strncmp(f[0], roots[i], strlen(roots[i])) == 0)
                s->root = roots[i];
    if (plen == 0 || plen >= CPE_MAX_PATH || f[0][plen - 1] == '.' || !s->root || !cpe_schema_rel(s, f[0])) {
        *why = "bad parameter path (every row under one root, Device. or InternetGatewayDevice.)";
        return -1;
    }
    struct cpe_sparam *params = realloc(s->params, (s->nparams + 1) * sizeof *params);
    if (!params)
        return -ERR_NOMEM;
    s->params = params;
    struct cpe_sparam *p = &params[s->nparams];
    memset(p, 0, sizeof *p);
    p->count_table = -1;
    if (parse_type(p, f[1]) < 0) {
        *why = "unknown type";
        return -1;
    }
    p->access = strcmp(f[2], "rw") == 0 ? CPE_RW : strcmp(f[2], "rw-once") == 0 ? CPE_RW_ONCE : CPE_RO;
    p->secured = strcmp(f[3], "secured") == 0;
    p->path = strdup(f[0]);
    if (!p->path)
        return -ERR_NOMEM;
    s->nparams++;
    const char *leaf = strrchr(p->path, '.') + 1;
    p->name = leaf;
    int node = node_for(s, p->path, (size_t)(leaf - p->path));
    if (node < 0)
        return -ERR_NOMEM;
    p->node = node;
    if (s->nodes[node].depth > CPE_MAX_DEPTH) {
        *why = "too many {i} levels";
        return -1;
    }
    char *def = NULL;
    parse_constraints(p, nf > 5 ? f[5] : NULL, &def);
    char buf[32];
    const char *rel = cpe_schema_rel(s, p->path);
    for (size_t i = 0; i < sizeof product_defaults / sizeof *product_defaults; i++)
        if (strcmp(product_defaults[i].path, rel) == 0)
            def = (char *)product_defaults[i].value;
    p->def = strdup(def ? def : type_default(p, buf, sizeof buf));
    if (!p->def)
        return -ERR_NOMEM;
    for (size_t i = 0; i < sizeof specials / sizeof *specials; i++)
        if (strcmp(specials[i].path, rel) == 0)
            p->special = specials[i].sp;
    return push_int(&s->nodes[node].params, &s->nodes[node].nparams, (int)(s->nparams - 1));
}

/* XNumberOfEntries counts the instances of table X in the same object. */
static void link_counters(struct cpe_schema *s)
{
    for (unsigned i = 0; i < s->nparams; i++) {
        struct cpe_sparam *p = &s->params[i];
        size_t l = strlen(p->name);
        const size_t sl = strlen("NumberOfEntries");
        if (l <= sl || strcmp(p->name + l - sl, "NumberOfEntries") != 0 || p->special)
            continue;
        char t[CPE_MAX_PATH + 16];
        snprintf(t, sizeof t, "%.*s%.*s.", (int)(p->name - p->path), p->path, (int)(l - sl), p->name);
        for (unsigned n = 0; n < s->nnodes; n++)
            if (s->nodes[n].kind == CPE_NODE_TABLE && strcmp(s->nodes[n].path, t) == 0) {
                p->special = CPE_SP_NUM_ENTRIES;
                p->count_table = (int)n;
            }
    }
}

static int build_index(struct cpe_schema *s)
{
    s->nindex = s->nparams + s->nnodes;
    s->index = calloc(s->nindex, sizeof *s->index);
    if (!s->index)
        return -ERR_NOMEM;
    unsigned k = 0;
    for (unsigned i = 0; i < s->nparams; i++)
        s->index[k++] = (struct cpe_sindex){s->params[i].path, (int)i, false};
    for (unsigned i = 0; i < s->nnodes; i++)
        s->index[k++] = (struct cpe_sindex){s->nodes[i].path, (int)i, true};
    qsort(s->index, s->nindex, sizeof *s->index, cmp_index);
    for (unsigned i = 1; i < s->nindex; i++)
        if (strcmp(s->index[i - 1].path, s->index[i].path) == 0)
            return -ERR_EXIST;
    return 0;
}

/* Append the rows of one TSV file to s. */
static int load_file(struct cpe_schema *s, const char *tsv_path, char **errmsg)
{
    FILE *f = fopen(tsv_path, "r");
    if (!f)
        return err_fail(errmsg, -ERR_NOENT, "%s: %s", tsv_path, strerror(errno));
    char *line = NULL;
    size_t cap = 0;
    unsigned lineno = 0;
    int rc = 0;
    while (rc == 0 && getline(&line, &cap, f) > 0) {
        lineno++;
        line[strcspn(line, "\r\n")] = '\0';
        if (line[0] == '#' || line[0] == '\0')
            continue;
        if (s->nparams >= CPE_SCHEMA_MAX_ROWS) {
            rc = err_fail(errmsg, -ERR_TOO_BIG, "%s:%u: more than %d rows", tsv_path, lineno, CPE_SCHEMA_MAX_ROWS);
            break;
        }
        char *why = "out of memory";
        rc = add_row(s, line, &why);
        if (rc < 0)
            err_fail(errmsg, rc, "%s:%u: %s", tsv_path, lineno, why);
    }
    free(line);
    fclose(f);
    return rc;
}

struct cpe_schema *cpe_schema_load(const char *tsv_path, char **errmsg)
{
    struct cpe_schema *s = calloc(1, sizeof *s);
    int rc = s ? 0 : -ERR_NOMEM;
    /* a ':'-separated list: the shared key parameters, then what a simulated device adds */
    char *list = s ? strdup(tsv_path) : NULL, *save = NULL;
    if (s && !list)
        rc = -ERR_NOMEM;
    for (char *one = list ? strtok_r(list, ":", &save) : NULL; rc == 0 && one; one = strtok_r(NULL, ":", &save))
        rc = load_file(s, one, errmsg);
    free(list);
    if (rc == 0 && (!s->nparams || !s->nnodes))
        rc = err_fail(errmsg, -ERR_PARSE, "%s: no parameters", tsv_path);
    if (rc == 0) {
        link_counters(s);
        rc = build_index(s);
        if (rc < 0)
            err_fail(errmsg, rc, "%s: %s", tsv_path, rc == -ERR_EXIST ? "duplicate path" : "out of memory");
    }
    if (rc < 0) {
        cpe_schema_free(s);
        return NULL;
    }
    return s;
}

void cpe_schema_free(struct cpe_schema *s)
{
    if (!s)
        return;
    for (unsigned i = 0; i < s->nparams; i++) {
        free(s->params[i].path);
        free(s->params[i].def);
        free(s->params[i].enums);
    }
    for (unsigned i = 0; i < s->nnodes; i++) {
        free(s->nodes[i].path);
        free(s->nodes[i].kids);
        free(s->nodes[i].params);
    }
    free(s->params);
    free(s->nodes);
    free(s->index);
    free(s);
}

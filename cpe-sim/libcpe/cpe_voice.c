/* cpe-sim/libcpe/cpe_voice.c — SIP client / line Status from the configuration (cpe_voice.h). */
#include "cpe_voice.h"

#include <stdio.h>
#include <string.h>

#define VAL_MAX 512

static bool ends_with(const char *s, const char *tail)
{
    size_t l = strlen(s), t = strlen(tail);
    return l >= t && strcmp(s + l - t, tail) == 0;
}

/* Value of obj + leaf ("" when unknown or the instance is missing). */
static const char *val(const struct cpe_dm *dm, const char *obj, const char *leaf, char *buf, size_t n)
{
    char path[CPE_MAX_PATH + 64];
    if (snprintf(path, sizeof path, "%s%s", obj, leaf) >= (int)sizeof path)
        return "";
    const char *v = cpe_dm_get(dm, path, buf, n);
    return v ? v : "";
}

static bool set(const struct cpe_dm *dm, const char *obj, const char *leaf)
{
    char buf[VAL_MAX];
    return *val(dm, obj, leaf, buf, sizeof buf) != '\0';
}

static bool is(const struct cpe_dm *dm, const char *obj, const char *leaf, const char *want)
{
    char buf[VAL_MAX];
    return strcmp(val(dm, obj, leaf, buf, sizeof buf), want) == 0;
}

/* The servers of sip (an object ending in '.'): at least one of registrar and proxy is
 * set, and each one set is reached over TLS (no credentials in clear). */
static bool servers_ok(const struct cpe_dm *dm, const char *sip)
{
    bool reg = set(dm, sip, "RegistrarServer"), proxy = set(dm, sip, "ProxyServer");
    return (reg || proxy) && (!reg || is(dm, sip, "RegistrarServerTransport", "TLS")) &&
           (!proxy || is(dm, sip, "ProxyServerTransport", "TLS"));
}

/* TR-104 v2: obj is "...VoiceService.N.SIP.Client.M."; its network is the row its Network
 * parameter references (with or without the trailing dot), in the same VoiceService. */
static const char *client_status(const struct cpe_dm *dm, const char *obj)
{
    if (!is(dm, obj, "Enable", "true"))
        return "Disabled";
    if (!set(dm, obj, "AuthUserName") || !set(dm, obj, "AuthPassword") || !set(dm, obj, "RegisterURI"))
        return "Error_Misconfigured";
    char buf[VAL_MAX], net[CPE_MAX_PATH + 2];
    const char *ref = val(dm, obj, "Network", buf, sizeof buf);
    const char *client = strstr(obj, "SIP.Client.");
    size_t vs_len = client ? (size_t)(client - obj) : 0; /* "...VoiceService.N." */
    size_t l = strlen(ref);
    if (!client || l == 0 || l >= CPE_MAX_PATH || strncmp(ref, obj, vs_len) != 0 ||
        strncmp(ref + vs_len, "SIP.Network.", 12) != 0)
        return "Error_Misconfigured";
    snprintf(net, sizeof net, "%s%s", ref, ref[l - 1] == '.' ? "" : ".");
    char tmpl[CPE_MAX_PATH];
    uint32_t idx[CPE_MAX_DEPTH];
    if (cpe_path_template(net, tmpl, sizeof tmpl, idx) != 2 || !ends_with(tmpl, "SIP.Network.{i}."))
        return "Error_Misconfigured"; /* not a Network row (a deeper object, a garbled name) */
    struct cpe_ref r;
    if (cpe_dm_resolve(dm, net, &r) != 0)
        return "Error_Misconfigured"; /* a dangling reference */
    return servers_ok(dm, net) ? "Up" : "Error_Misconfigured";
}

/* TR-104 v1: obj is "...VoiceProfile.P.Line.L."; the servers are the profile's SIP. */
static const char *line_status(const struct cpe_dm *dm, const char *obj)
{
    if (is(dm, obj, "Enable", "Quiescent"))
        return "Quiescent";
    if (!is(dm, obj, "Enable", "Enabled"))
        return "Disabled";
    if (!set(dm, obj, "SIP.AuthUserName") || !set(dm, obj, "SIP.AuthPassword") || !set(dm, obj, "SIP.URI"))
        return "Error";
    const char *line = strstr(obj, "Line.");
    char sip[CPE_MAX_PATH + 8];
    snprintf(sip, sizeof sip, "%.*sSIP.", (int)(line - obj), obj);
    return servers_ok(dm, sip) ? "Up" : "Error";
}

const char *cpe_voice_status(const struct cpe_dm *dm, const struct cpe_ref *ref)
{
    const struct cpe_schema *s = cpe_dm_schema(dm);
    const struct cpe_snode *nd = &s->nodes[ref->node];
    char obj[CPE_MAX_PATH + 64];
    if (cpe_path_format(nd->path, ref->idx, obj, sizeof obj) < 0)
        return "Error";
    if (ends_with(nd->path, ".Line.{i}."))
        return line_status(dm, obj);
    return client_status(dm, obj);
}

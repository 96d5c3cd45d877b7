/* cpe-sim/libcpe/cpe_digest.c — HTTP Digest (MD5) for the connection-request listener. */
#include "cpe_digest.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>

#define MAX_FIELD 256

static void hex(const uint8_t *in, size_t n, char *out)
{
    static const char digits[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = digits[in[i] >> 4];
        out[2 * i + 1] = digits[in[i] & 15];
    }
    out[2 * n] = '\0';
}

/* MD5 of "a:b:c..." (parts joined with ':') as 32 hex digits. */
static int md5_join(char out[33], const char *const *parts, size_t nparts)
{
    char buf[4 * MAX_FIELD + 64];
    size_t o = 0;
    for (size_t i = 0; i < nparts; i++) {
        size_t l = strlen(parts[i]);
        if (o + l + 1 >= sizeof buf)
            return -ERR_TOO_BIG;
        if (i)
            buf[o++] = ':';
        memcpy(buf + o, parts[i], l);
        o += l;
    }
    uint8_t md[16];
    if (gnutls_hash_fast(GNUTLS_DIG_MD5, buf, o, md) < 0)
        return -ERR_CRYPTO;
    hex(md, sizeof md, out);
    return 0;
}

int cpe_digest_init(struct cpe_digest *d, const char *realm)
{
    snprintf(d->realm, sizeof d->realm, "%s", realm ? realm : "cpe");
    return gnutls_rnd(GNUTLS_RND_KEY, d->secret, sizeof d->secret) < 0 ? -ERR_CRYPTO : 0;
}

/* nonce = 8 hex digits of the time (s) + 32 hex digits of HMAC-SHA256(secret, time) */
static int make_nonce(const struct cpe_digest *d, uint32_t t, char out[41])
{
    char ts[9];
    snprintf(ts, sizeof ts, "%08x", t);
    uint8_t mac[32];
    if (gnutls_hmac_fast(GNUTLS_MAC_SHA256, d->secret, sizeof d->secret, ts, 8, mac) < 0)
        return -ERR_CRYPTO;
    memcpy(out, ts, 8);
    hex(mac, 16, out + 8);
    return 0;
}

int cpe_digest_challenge(const struct cpe_digest *d, int64_t now_ms, int stale, char *out, size_t n)
{
    char nonce[41];
    int rc = make_nonce(d, (uint32_t)(now_ms / 1000), nonce);
    if (rc < 0)
        return rc;
    int w = snprintf(out, n, "Digest realm=\"%s\", qop=\"auth\", nonce=\"%s\", algorithm=MD5%s", d->realm, nonce,
                     stale ? ", stale=true" : "");
    return w < 0 || (size_t)w >= n ? -ERR_TOO_BIG : 0;
}

struct fields {
    char username[MAX_FIELD], realm[MAX_FIELD], nonce[MAX_FIELD], uri[MAX_FIELD], response[MAX_FIELD];
    char qop[MAX_FIELD], nc[MAX_FIELD], cnonce[MAX_FIELD], algorithm[MAX_FIELD];
};

/* Parse 'Digest k="v", k=v, ...' (quoted strings with backslash escapes). */
static int parse(const char *h, struct fields *f)
{
    memset(f, 0, sizeof *f);
    while (isspace((unsigned char)*h))
        h++;
    if (strncasecmp(h, "Digest", 6) != 0 || !isspace((unsigned char)h[6]))
        return -ERR_PARSE;
    h += 7;
    while (*h) {
        while (isspace((unsigned char)*h) || *h == ',')
            h++;
        if (!*h)
            break;
        const char *k = h;
        while (*h && *h != '=' && !isspace((unsigned char)*h))
            h++;
        size_t klen = (size_t)(h - k);
        while (isspace((unsigned char)*h))
            h++;
        if (*h++ != '=')
            return -ERR_PARSE;
        while (isspace((unsigned char)*h))
            h++;
        char v[MAX_FIELD];
        size_t vl = 0;
        if (*h == '"') {
            for (h++; *h && *h != '"'; h++) {
                if (*h == '\\' && h[1])
                    h++;
                if (vl + 1 >= sizeof v)
                    return -ERR_PARSE;
                v[vl++] = *h;
            }
            if (*h++ != '"')
                return -ERR_PARSE;
        } else {
            for (; *h && *h != ',' && !isspace((unsigned char)*h); h++) {
                if (vl + 1 >= sizeof v)
                    return -ERR_PARSE;
                v[vl++] = *h;
            }
        }
        v[vl] = '\0';
        struct {
            const char *name;
            char *dst;
        } map[] = {{"username", f->username}, {"realm", f->realm},   {"nonce", f->nonce},
                   {"uri", f->uri},           {"response", f->response}, {"qop", f->qop},
                   {"nc", f->nc},             {"cnonce", f->cnonce}, {"algorithm", f->algorithm}};
        for (size_t i = 0; i < sizeof map / sizeof *map; i++)
            if (strlen(map[i].name) == klen && strncasecmp(k, map[i].name, klen) == 0)
                memcpy(map[i].dst, v, vl + 1);
    }
    return f->username[0] && f->nonce[0] && f->response[0] ? 0 : -ERR_PARSE;
}

static int ct_equal(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    unsigned char diff = (unsigned char)(la != lb);
    for (size_t i = 0; i < la && i < lb; i++)
        diff |= (unsigned char)(a[i] ^ b[i]);
    return diff == 0;
}

static int response_for(const struct fields *f, const char *method, const char *pass, char out[33])
{
    char ha1[33], ha2[33];
    const char *p1[] = {f->username, f->realm, pass}, *p2[] = {method, f->uri};
    int rc = md5_join(ha1, p1, 3);
    if (rc == 0)
        rc = md5_join(ha2, p2, 2);
    if (rc < 0)
        return rc;
    if (f->qop[0]) {
        const char *p[] = {ha1, f->nonce, f->nc, f->cnonce, f->qop, ha2};
        return md5_join(out, p, 6);
    }
    const char *p[] = {ha1, f->nonce, ha2};
    return md5_join(out, p, 3);
}

int cpe_digest_verify(const struct cpe_digest *d, const char *authorization, const char *method, const char *uri,
                      const char *user, const char *pass, int64_t now_ms)
{
    struct fields f;
    if (!authorization || parse(authorization, &f) < 0)
        return -ERR_PARSE;
    if (f.algorithm[0] && strcasecmp(f.algorithm, "MD5") != 0)
        return -ERR_AUTH;
    if (f.qop[0] && (strcmp(f.qop, "auth") != 0 || !f.nc[0] || !f.cnonce[0]))
        return -ERR_AUTH;
    if (strcmp(f.realm, d->realm) != 0 || strcmp(f.uri, uri) != 0 || !user[0] || !ct_equal(f.username, user))
        return -ERR_AUTH;
    char want_nonce[41], ts[9];
    char *end;
    snprintf(ts, sizeof ts, "%.8s", f.nonce);
    unsigned long t = strtoul(ts, &end, 16);
    if (strlen(f.nonce) != 40 || end != ts + 8 || make_nonce(d, (uint32_t)t, want_nonce) < 0 ||
        !ct_equal(f.nonce, want_nonce))
        return -ERR_AUTH;
    char want[33];
    if (response_for(&f, method, pass, want) < 0 || !ct_equal(f.response, want))
        return -ERR_AUTH;
    int64_t age = now_ms / 1000 - (int64_t)t;
    if (age < -5 || age > CPE_DIGEST_NONCE_TTL)
        return -ERR_EXPIRED;
    return 0;
}

int cpe_digest_answer(const char *realm, const char *nonce, const char *method, const char *uri, const char *user,
                      const char *pass, const char *cnonce, unsigned nc, char *out, size_t n)
{
    struct fields f;
    memset(&f, 0, sizeof f);
    snprintf(f.username, sizeof f.username, "%s", user);
    snprintf(f.realm, sizeof f.realm, "%s", realm);
    snprintf(f.nonce, sizeof f.nonce, "%s", nonce);
    snprintf(f.uri, sizeof f.uri, "%s", uri);
    snprintf(f.qop, sizeof f.qop, "auth");
    snprintf(f.nc, sizeof f.nc, "%08x", nc);
    snprintf(f.cnonce, sizeof f.cnonce, "%s", cnonce);
    char resp[33];
    int rc = response_for(&f, method, pass, resp);
    if (rc < 0)
        return rc;
    int w = snprintf(out, n,
                     "Digest username=\"%s\", realm=\"%s\", nonce=\"%s\", uri=\"%s\", qop=auth, nc=%s, "
                     "cnonce=\"%s\", response=\"%s\", algorithm=MD5",
                     user, realm, nonce, uri, f.nc, cnonce, resp);
    return w < 0 || (size_t)w >= n ? -ERR_TOO_BIG : 0;
}

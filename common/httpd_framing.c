/* common/httpd_framing.c — request framing checks over libmicrohttpd's parsed headers. */
#include "httpd_framing.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "httpd_tls.h"

#define FOLD_SCAN_MAX 4096 /* longest run of SP/HT between a header's ':' and its value */

struct scan {
    unsigned cl, te, host;
    unsigned chunked;    /* "chunked" among the transfer codings */
    unsigned others;     /* other codings */
    int last_is_chunked; /* the final coding seen so far is chunked */
    int te_plain;        /* a Transfer-Encoding value exactly "chunked" (all MHD decodes) */
    int bad_name, folded;
};

static int is_tchar(unsigned char ch)
{
    return (ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
           (ch && strchr("!#$%&'*+-.^_`|~", ch));
}

static int is_token(const char *s, size_t n)
{
    if (n == 0)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (!is_tchar((unsigned char)s[i]))
            return 0;
    return 1;
}

/* libmicrohttpd 0.9.75 keeps a header as "Name\0<SP/HT>*value" in its read buffer; a folded one
 * is rebuilt elsewhere in the connection's pool with the value left behind, so the value no
 * longer follows the name. (A libmicrohttpd that replaces obs-fold with SP, as RFC 9112 §5.2
 * allows, keeps them adjacent and passes: it has then handled the fold itself.) */
static int adjacent(const char *key, size_t klen, const char *value)
{
    const char *p = key + klen;
    if (*p != '\0' || value < p + 1 || value > p + 1 + FOLD_SCAN_MAX)
        return 0;
    for (p++; p < value; p++)
        if (*p != ' ' && *p != '\t')
            return 0;
    return 1;
}

/* One Transfer-Encoding field value: a comma list of codings, each maybe with parameters. */
static void scan_codings(struct scan *s, const char *v, size_t n)
{
    size_t i = 0;
    while (i < n) {
        while (i < n && (v[i] == ' ' || v[i] == '\t' || v[i] == ','))
            i++;
        size_t start = i;
        while (i < n && v[i] != ',' && v[i] != ';' && v[i] != ' ' && v[i] != '\t')
            i++;
        size_t len = i - start;
        while (i < n && v[i] != ',') /* parameters and trailing whitespace */
            i++;
        if (len == 0)
            continue;
        int chunked = len == 7 && !strncasecmp(v + start, "chunked", 7);
        if (chunked)
            s->chunked++;
        else
            s->others++;
        s->last_is_chunked = chunked;
    }
}

static enum MHD_Result on_header(void *cls, enum MHD_ValueKind kind, const char *key, size_t klen, const char *value,
                                 size_t vlen)
{
    (void)kind;
    struct scan *s = cls;
    if (!key || !value)
        return MHD_YES;
    if (!is_token(key, klen))
        s->bad_name = 1;
    else if (!adjacent(key, klen, value))
        s->folded = 1;
    if (klen == 14 && !strncasecmp(key, "Content-Length", 14))
        s->cl++;
    else if (klen == 4 && !strncasecmp(key, "Host", 4))
        s->host++;
    else if (klen == 17 && !strncasecmp(key, "Transfer-Encoding", 17)) {
        s->te++;
        s->te_plain = vlen == 7 && !strncasecmp(value, "chunked", 7);
        scan_codings(s, value, vlen);
    }
    return MHD_YES;
}

enum httpd_framing httpd_framing_check(struct MHD_Connection *c, const char *version)
{
    struct scan s = {0};
    (void)MHD_get_connection_values_n(c, MHD_HEADER_KIND, on_header, &s);
    if (s.bad_name)
        return HTTPD_FRAMING_BAD_NAME;
    if (s.folded)
        return HTTPD_FRAMING_OBS_FOLD;
    if (s.host > 1)
        return HTTPD_FRAMING_HOST_REPEATED;
    if (s.cl > 1)
        return HTTPD_FRAMING_CL_REPEATED;
    if (!s.te)
        return HTTPD_FRAMING_OK;
    if (s.cl)
        return HTTPD_FRAMING_CL_AND_TE;
    if (version && !strcmp(version, MHD_HTTP_VERSION_1_0))
        return HTTPD_FRAMING_TE_HTTP10;
    if (s.chunked != 1 || !s.last_is_chunked)
        return HTTPD_FRAMING_TE_NOT_CHUNKED;
    if (s.others)
        return HTTPD_FRAMING_TE_UNSUPPORTED;
    /* libmicrohttpd decodes a body only for a value that is exactly "chunked" (any case): for
     * ", chunked" or "chunked " it would wait for a body of unknown length */
    return s.te_plain ? HTTPD_FRAMING_OK : HTTPD_FRAMING_TE_NOT_CHUNKED;
}

static const char *const names[HTTPD_FRAMING__COUNT] = {
    [HTTPD_FRAMING_OK] = "ok",
    [HTTPD_FRAMING_CL_AND_TE] = "content_length_and_transfer_encoding",
    [HTTPD_FRAMING_CL_REPEATED] = "content_length_repeated",
    [HTTPD_FRAMING_TE_NOT_CHUNKED] = "transfer_encoding_not_chunked",
    [HTTPD_FRAMING_TE_UNSUPPORTED] = "transfer_coding_unsupported",
    [HTTPD_FRAMING_TE_HTTP10] = "transfer_encoding_in_http_1_0",
    [HTTPD_FRAMING_OBS_FOLD] = "obsolete_line_folding",
    [HTTPD_FRAMING_BAD_NAME] = "bad_header_name",
    [HTTPD_FRAMING_HOST_REPEATED] = "host_repeated",
};

const char *httpd_framing_str(enum httpd_framing v)
{
    return (unsigned)v < HTTPD_FRAMING__COUNT ? names[v] : "unknown";
}

unsigned int httpd_framing_status(enum httpd_framing v)
{
    return v == HTTPD_FRAMING_TE_UNSUPPORTED ? 501 : 400;
}

enum MHD_Result httpd_framing_refuse(struct MHD_Connection *c, enum httpd_framing v)
{
    char text[96];
    snprintf(text, sizeof text, "malformed request framing: %s\n", httpd_framing_str(v));
    const char *const hdr[] = {MHD_HTTP_HEADER_CONTENT_TYPE, "text/plain; charset=utf-8", MHD_HTTP_HEADER_CONNECTION,
                               "close", NULL};
    return httpd_respond(c, httpd_framing_status(v), text, strlen(text), hdr);
}

/* cpe-sim/sim_http.c — the HTTP/1.1 client side of a CWMP session: POST requests with
 * Content-Length and the session's cookies; an incremental response parser (Content-Length,
 * chunked, or until close), bounded head and body, Set-Cookie and Retry-After kept. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "sim.h"

enum { H_HEAD, H_BODY, H_CHUNK_SIZE, H_CHUNK_DATA, H_CHUNK_CRLF, H_TRAILER, H_DONE };

void sim_http_init(struct sim_http *h)
{
    memset(h, 0, sizeof *h);
    buf_init(&h->head, SIM_MAX_HEAD);
    buf_init(&h->body, CPE_MAX_BODY);
}

void sim_http_cleanup(struct sim_http *h)
{
    buf_cleanup(&h->head);
    buf_cleanup(&h->body);
}

void sim_http_reset(struct sim_http *h)
{
    h->state = H_HEAD;
    h->status = 0;
    h->chunked = h->has_len = h->close = h->until_close = false;
    h->clen = h->chunk_left = 0;
    h->retry_after = 0;
    h->head.len = 0;
    h->body.len = 0;
}

/* Keep "name=value" of a Set-Cookie, replacing an earlier cookie of that name. */
static void keep_cookie(struct sim_http *h, const char *v, size_t vlen)
{
    size_t nv = 0;
    while (nv < vlen && v[nv] != ';')
        nv++;
    const char *eq = memchr(v, '=', nv);
    if (!eq || eq == v)
        return;
    size_t nlen = (size_t)(eq - v);
    char out[SIM_MAX_COOKIES];
    size_t o = 0;
    /* copy the other cookies */
    for (const char *c = h->cookies; *c;) {
        size_t l = strcspn(c, ";");
        bool same = l > nlen && strncmp(c, v, nlen) == 0 && c[nlen] == '=';
        if (!same && o + l + 2 < sizeof out) {
            if (o)
                out[o++] = ';', out[o++] = ' ';
            memcpy(out + o, c, l);
            o += l;
        }
        c += l;
        while (*c == ';' || *c == ' ')
            c++;
    }
    if (o + nv + 3 >= sizeof out)
        return; /* cap reached: drop it */
    if (o)
        out[o++] = ';', out[o++] = ' ';
    memcpy(out + o, v, nv);
    o += nv;
    out[o] = '\0';
    memcpy(h->cookies, out, o + 1);
}

static int parse_head(struct sim_http *h)
{
    char *p = h->head.data;
    if (strncmp(p, "HTTP/1.", 7) != 0 || !isdigit((unsigned char)p[9]))
        return -ERR_PARSE;
    h->status = (p[9] - '0') * 100 + (p[10] - '0') * 10 + (p[11] - '0');
    if (!isdigit((unsigned char)p[10]) || !isdigit((unsigned char)p[11]) || p[8] != ' ')
        return -ERR_PARSE;
    if (h->status < 100 || h->status > 599)
        return -ERR_PARSE;
    h->close = p[7] == '0'; /* HTTP/1.0: close unless keep-alive */
    for (char *l = strstr(p, "\r\n"); l && l[2] != '\r'; l = strstr(l + 2, "\r\n")) {
        char *name = l + 2, *colon = strchr(name, ':'), *eol = strstr(name, "\r\n");
        if (!colon || !eol || colon > eol)
            return -ERR_PARSE;
        size_t nlen = (size_t)(colon - name);
        char *v = colon + 1;
        while (*v == ' ' || *v == '\t')
            v++;
        size_t vlen = (size_t)(eol - v);
        while (vlen && (v[vlen - 1] == ' ' || v[vlen - 1] == '\t'))
            vlen--;
#define IS(n) (nlen == sizeof(n) - 1 && strncasecmp(name, n, nlen) == 0)
        if (IS("Content-Length")) {
            char *end;
            unsigned long long x = strtoull(v, &end, 10);
            if (end == v || end != v + vlen || x > CPE_MAX_BODY)
                return x > CPE_MAX_BODY ? -ERR_TOO_BIG : -ERR_PARSE;
            h->has_len = true;
            h->clen = (size_t)x;
        } else if (IS("Transfer-Encoding")) {
            h->chunked = vlen >= 7 && strncasecmp(v + vlen - 7, "chunked", 7) == 0;
        } else if (IS("Connection")) {
            if (vlen == 5 && strncasecmp(v, "close", 5) == 0)
                h->close = true;
            else if (vlen == 10 && strncasecmp(v, "keep-alive", 10) == 0)
                h->close = false;
        } else if (IS("Set-Cookie")) {
            keep_cookie(h, v, vlen);
        } else if (IS("Retry-After")) {
            unsigned long x = strtoul(v, NULL, 10);
            h->retry_after = x > 86400 ? 86400 : (unsigned)x;
        }
#undef IS
    }
    if (h->status == 204 || h->status == 304 || h->status < 200)
        h->state = H_DONE;
    else if (h->chunked)
        h->state = H_CHUNK_SIZE;
    else if (h->has_len)
        h->state = h->clen ? H_BODY : H_DONE;
    else {
        h->until_close = true; /* no length: the body runs to the end of the connection */
        h->close = true;
        h->state = H_BODY;
    }
    return 0;
}

/* Append up to n bytes of a line (ending in \n) to head; 1 when the line is complete. */
static int take_line(struct sim_http *h, const char *d, size_t len, size_t *used)
{
    const char *nl = memchr(d, '\n', len);
    size_t n = nl ? (size_t)(nl - d) + 1 : len;
    if (buf_append(&h->head, d, n) < 0)
        return -ERR_TOO_BIG;
    *used = n;
    return nl != NULL;
}

int sim_http_feed(struct sim_http *h, const char *d, size_t len, size_t *used)
{
    size_t off = 0;
    while (off < len && h->state != H_DONE) {
        size_t n = 0;
        int rc;
        switch (h->state) {
        case H_HEAD:
            rc = take_line(h, d + off, len - off, &n);
            if (rc < 0)
                return rc;
            off += n;
            if (rc == 1 && h->head.len >= 4 && memcmp(h->head.data + h->head.len - 4, "\r\n\r\n", 4) == 0) {
                rc = parse_head(h);
                if (rc < 0)
                    return rc;
                h->head.len = 0;
            }
            break;
        case H_BODY:
            n = len - off;
            if (!h->until_close && n > h->clen - h->body.len)
                n = h->clen - h->body.len;
            if (buf_append(&h->body, d + off, n) < 0)
                return -ERR_TOO_BIG;
            off += n;
            if (!h->until_close && h->body.len == h->clen)
                h->state = H_DONE;
            break;
        case H_CHUNK_SIZE:
        case H_CHUNK_CRLF:
        case H_TRAILER:
            rc = take_line(h, d + off, len - off, &n);
            if (rc < 0)
                return rc;
            off += n;
            if (rc == 0)
                break;
            if (h->state == H_CHUNK_SIZE) {
                char *end;
                unsigned long long x = strtoull(h->head.data, &end, 16);
                if (end == h->head.data || x > CPE_MAX_BODY)
                    return x > CPE_MAX_BODY ? -ERR_TOO_BIG : -ERR_PARSE;
                h->chunk_left = (size_t)x;
                h->state = x ? H_CHUNK_DATA : H_TRAILER;
            } else if (h->state == H_CHUNK_CRLF) {
                h->state = H_CHUNK_SIZE;
            } else if (h->head.len <= 2) { /* empty line ends the trailer */
                h->state = H_DONE;
            }
            h->head.len = 0;
            break;
        case H_CHUNK_DATA:
            n = len - off < h->chunk_left ? len - off : h->chunk_left;
            if (buf_append(&h->body, d + off, n) < 0)
                return -ERR_TOO_BIG;
            off += n;
            h->chunk_left -= n;
            if (!h->chunk_left)
                h->state = H_CHUNK_CRLF;
            break;
        }
    }
    *used = off;
    return h->state == H_DONE;
}

int sim_http_eof(struct sim_http *h)
{
    if (h->state == H_BODY && h->until_close) {
        h->state = H_DONE;
        return 1;
    }
    return -ERR_IO;
}

int sim_http_request(struct buf *out, const char *host, const char *path, const struct sim_http *h,
                     const char *body, size_t len)
{
    int rc = buf_printf(out, "POST %s HTTP/1.1\r\nHost: %s\r\nUser-Agent: cpe-sim/1.0 (libcpe)\r\n", path, host);
    if (rc == 0 && len)
        rc = buf_append_str(out, "Content-Type: text/xml; charset=\"utf-8\"\r\nSOAPAction: \"\"\r\n");
    if (rc == 0 && h->cookies[0])
        rc = buf_printf(out, "Cookie: %s\r\n", h->cookies);
    if (rc == 0)
        rc = buf_printf(out, "Content-Length: %zu\r\n\r\n", len);
    if (rc == 0 && len)
        rc = buf_append(out, body, len);
    return rc;
}

/* common/http_guard.c — the framing guard in front of libmicrohttpd (see http_guard.h). */
#include "http_guard.h"

#include <string.h>

/* An Upgrade (or CONNECT) ends HTTP on the connection once its message is complete: stop
 * there, whether the bytes came in one piece or many. */
static int message_complete(http_parser *p)
{
    if (p->upgrade)
        ((struct http_guard *)(void *)p)->off = 1; /* p is the guard's first member */
    return 0;
}

static const http_parser_settings callbacks = {.on_message_complete = message_complete};

static const char answer[] = "HTTP/1.1 400 Bad Request\r\n"
                             "Connection: close\r\n"
                             "Content-Type: text/plain; charset=utf-8\r\n"
                             "Content-Length: 27\r\n"
                             "\r\n"
                             "malformed request framing\r\n";

void http_guard_init(struct http_guard *g)
{
    memset(g, 0, sizeof *g);
    http_parser_init(&g->p, HTTP_REQUEST);
    g->p.lenient_http_headers = 1; /* be liberal: header syntax is libmicrohttpd's business */
}

enum http_guard_verdict http_guard_feed(struct http_guard *g, const char *data, size_t len)
{
    if (g->off || !len)
        return HTTP_GUARD_OK;
    size_t used = http_parser_execute(&g->p, &callbacks, data, len);
    enum http_errno e = HTTP_PARSER_ERRNO(&g->p);
    if (e == HPE_INVALID_CHUNK_SIZE || e == HPE_INVALID_CONTENT_LENGTH)
        return HTTP_GUARD_REFUSE; /* e.g. a chunk size past 64 bits: it cannot be framed */
    if (e != HPE_OK || used != len)
        g->off = 1; /* not ours to judge: libmicrohttpd answers (or refuses) it */
    return HTTP_GUARD_OK;
}

const char *http_guard_reason(const struct http_guard *g)
{
    if (HTTP_PARSER_ERRNO(&g->p) == HPE_INVALID_CHUNK_SIZE)
        return "bad_chunk_size";
    /* http-parser reports a size past 64 bits as an invalid length, chunked or not */
    return (g->p.flags & F_CHUNKED) ? "chunk_size_overflow" : "bad_content_length";
}

const char *http_guard_answer(size_t *len)
{
    *len = sizeof answer - 1;
    return answer;
}

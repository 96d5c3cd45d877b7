/* common/http_guard.h — a second look at the HTTP/1.1 framing of a client's bytes, before
 * libmicrohttpd reads them (tls_front feeds it the plaintext it relays). libmicrohttpd 0.9.75
 * answers a chunk size past 64 bits with 413; RFC 9112 framing errors are refused here with
 * 400 and a close. It follows the stream with Debian's http-parser and speaks up only about
 * sizes that cannot be numbers (chunk size, Content-Length); at anything else it cannot
 * follow (a quirk of a field CPE, an Upgrade) it stops looking and libmicrohttpd decides
 * (common/httpd_framing.c checks the rest on libmicrohttpd's parsed view).
 * Owns: nothing beyond the caller's struct. Thread-safety: one guard per connection. */
#ifndef COMMON_HTTP_GUARD_H
#define COMMON_HTTP_GUARD_H

#include <stddef.h>

#include <http_parser.h>

struct http_guard {
    http_parser p;
    int off; /* stopped looking */
};

enum http_guard_verdict {
    HTTP_GUARD_OK,     /* pass the bytes on */
    HTTP_GUARD_REFUSE, /* answer http_guard_answer() and close; pass nothing more on */
};

void http_guard_init(struct http_guard *g);
/* Look at the next bytes the client sent. */
enum http_guard_verdict http_guard_feed(struct http_guard *g, const char *data, size_t len);
/* Why the last REFUSE (one word, for logs). */
const char *http_guard_reason(const struct http_guard *g);
/* The 400 answer (static text), *len its length. */
const char *http_guard_answer(size_t *len);

#endif

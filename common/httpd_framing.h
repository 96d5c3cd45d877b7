/* common/httpd_framing.h — HTTP/1.1 request framing checks (RFC 9112 §5, §6) on libmicrohttpd's
 * parsed view of a request, for every listener's first request callback (acsd :7547, the NBI,
 * acs-ca est-serve and ocsp-serve). Owns: nothing. Thread-safety: reentrant.
 *
 * What libmicrohttpd 0.9.75 does by itself (measured, tests/unit/common/test_httpd_framing.c):
 * a Content-Length that is not one decimal number ("5, 5", "-5", "+5") gets 400 and a close; one
 * over 2^64 and a chunk size over 64 bits ("ffffffffffffffffff") get 413 and a close; a malformed
 * chunk size gets 400 and a close. What it lets through, and this check refuses: Content-Length
 * together with Transfer-Encoding (MHD silently uses the chunked body and keeps the connection),
 * Content-Length repeated (MHD uses the first), a Transfer-Encoding other than exactly one
 * "chunked" ("gzip, chunked", "chunked " or ", chunked": MHD waits for a body of unknown size),
 * Transfer-Encoding in HTTP/1.0, an obsolete line folding (MHD appends the continuation to the
 * header *name*: "X-A: b\r\n c" becomes "X-Ac: b"), whitespace or other non-token bytes in a
 * header name ("Content-Length : 5" is taken as an unknown header, so the body is read as the
 * next request) and a repeated Host. */
#ifndef COMMON_HTTPD_FRAMING_H
#define COMMON_HTTPD_FRAMING_H

#include <microhttpd.h>

enum httpd_framing {
    HTTPD_FRAMING_OK = 0,
    HTTPD_FRAMING_CL_AND_TE,      /* Content-Length and Transfer-Encoding (§6.1, §6.3 3) */
    HTTPD_FRAMING_CL_REPEATED,    /* more than one Content-Length, equal or not (§6.3 5) */
    HTTPD_FRAMING_TE_NOT_CHUNKED, /* chunked missing, not final, twice (§6.3 4), or not spelt
                                   * exactly "chunked" (MHD would wait for an unframed body) */
    HTTPD_FRAMING_TE_UNSUPPORTED, /* a coding before chunked that we do not decode (501, §6.1) */
    HTTPD_FRAMING_TE_HTTP10,      /* Transfer-Encoding in an HTTP/1.0 request (§6.1) */
    HTTPD_FRAMING_OBS_FOLD,       /* a header continued on the next line (§5.2) */
    HTTPD_FRAMING_BAD_NAME,       /* a header name that is no token, e.g. a space before ':' (§5.1) */
    HTTPD_FRAMING_HOST_REPEATED,  /* more than one Host (§3.2) */
    HTTPD_FRAMING__COUNT
};

/* Check the framing of the request on c as libmicrohttpd parsed it (call in the first request
 * callback, before any body is read). version: the request's HTTP version as MHD passes it. */
enum httpd_framing httpd_framing_check(struct MHD_Connection *c, const char *version);
/* Short reason for logs ("content_length_and_transfer_encoding", ...); never NULL. */
const char *httpd_framing_str(enum httpd_framing v);
/* The status a verdict is answered with: 501 for TE_UNSUPPORTED, else 400. */
unsigned int httpd_framing_status(enum httpd_framing v);
/* Queue the refusal of verdict v: its status, a one-line text body and Connection: close (the
 * connection is closed after the answer; nothing of the body is read). MHD's result. */
enum MHD_Result httpd_framing_refuse(struct MHD_Connection *c, enum httpd_framing v);

#endif

/* cpe-sim/libcpe/cpe_session.h — the CWMP session state machine of a CPE, free of I/O:
 * start() gives the Inform body; feed() takes each HTTP response (status + body) and gives
 * the next body to POST (TransferComplete, an empty POST, an RPC response) until the ACS
 * answers 204; end() applies the outcome to the device (retry back-off, Reboot...).
 *   Inform -> InformResponse -> [TransferComplete -> Response]* -> empty POST ->
 *   [ACS request -> our response]* -> 204.
 * Owns: struct cpe_session (caller-allocated) and its arena. Thread-safety: one thread. */
#ifndef CPE_SESSION_H
#define CPE_SESSION_H

#include <stdbool.h>
#include <stdint.h>

#include "buf.h"
#include "cpe_arena.h"
#include "cpe_dev.h"
#include "cwmp.h"

#define CPE_SESSION_MAX_EXCHANGES 256 /* HTTP requests in one session */
#define CPE_MAX_BODY CWMP_MAX_ENVELOPE

enum cpe_step {
    CPE_STEP_POST,   /* POST out (empty out = an empty POST) and feed the answer */
    CPE_STEP_DONE,   /* the ACS ended the session (204) */
    CPE_STEP_FAILED, /* session failed; see fail */
};

/* Why a session failed; the transport reports its own with cpe_session_abort(). */
enum cpe_fail {
    CPE_FAIL_NONE,
    CPE_FAIL_CONNECT,     /* TCP connect */
    CPE_FAIL_TLS,         /* handshake or certificate */
    CPE_FAIL_IO,          /* connection lost, bad HTTP */
    CPE_FAIL_TIMEOUT,
    CPE_FAIL_HTTP_AUTH,   /* 401/403 */
    CPE_FAIL_HTTP_BUSY,   /* 503 (Retry-After honoured) */
    CPE_FAIL_HTTP_STATUS, /* any other unexpected status */
    CPE_FAIL_SOAP,        /* an ACS message we could not decode */
    CPE_FAIL_PROTOCOL,    /* a valid message at the wrong time */
    CPE_FAIL_ACS_FAULT,   /* the ACS answered with a SOAP Fault */
    CPE_FAIL_TOO_LONG,    /* CPE_SESSION_MAX_EXCHANGES */
    CPE_FAIL_INTERNAL,    /* out of memory, encode failure */
    CPE_FAIL_ABORTED,     /* stopped by the caller (shutdown) */
    CPE_FAIL_COUNT
};
const char *cpe_fail_str(enum cpe_fail f);

struct cpe_session {
    struct cpe_dev *dev;
    int state;
    enum cwmp_version version;  /* of the ACS's messages (answers use the same) */
    unsigned exchanges;         /* HTTP requests so far */
    unsigned rpcs;              /* ACS requests answered */
    uint32_t sent_events;       /* events in our Inform, cleared by InformResponse */
    int xfer;                   /* transfer whose TransferComplete is in flight, -1 */
    bool hold;                  /* HoldRequests from the ACS */
    enum cpe_fail fail;
    int http_status;            /* last status seen */
    unsigned retry_after;       /* from a 503, seconds */
    int acs_fault;              /* FaultCode of an ACS fault */
    enum cwmp_msg_type last_rpc;
    uint32_t id_seq;
    char id[40];                /* cwmp:ID of our last request */
    struct cpe_arena arena;
};

void cpe_session_init(struct cpe_session *s);
void cpe_session_cleanup(struct cpe_session *s);

/* Begin a session for dev: collects due events and writes the Inform envelope to out.
 * Returns 0, -ERR_NOMEM, -ERR_INVAL (encode refused: a bug, logged by the caller). */
int cpe_session_start(struct cpe_session *s, struct cpe_dev *dev, int64_t now_ms, struct cwmp_codec *c,
                      struct buf *out) WARN_UNUSED;
/* Feed one HTTP response: status, body (len bytes, not NUL-terminated), Retry-After
 * seconds (0 if none). On CPE_STEP_POST, out holds the next request body (maybe empty). */
enum cpe_step cpe_session_feed(struct cpe_session *s, int status, const char *body, size_t len,
                               unsigned retry_after, int64_t now_ms, struct cwmp_codec *c, struct buf *out);
/* The transport failed (connect, TLS, timeout...): the session is over. */
void cpe_session_abort(struct cpe_session *s, enum cpe_fail why);
/* Apply the outcome to the device (back-off or reset of the retry count, Reboot,
 * FactoryReset, periodic timer). Call once per started session. Returns true if ok. */
bool cpe_session_end(struct cpe_session *s, int64_t now_ms);

/* Format wall-clock ms as an xsd:dateTime in UTC ("2024-05-01T12:00:00Z"). */
void cpe_format_time(int64_t ms, char *out, size_t n);

#endif

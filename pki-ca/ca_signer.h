/* pki-ca/ca_signer.h — the boundary between the internet-facing acsd and the CA's keys.
 * acsd serves EST on :7547 but holds no CA key: it forwards each EST request, as the transport
 * saw it, over a unix socket to `acs-ca sign-serve`, which runs the EST handlers (ca_est.h) with
 * the issuing key and the CA's database role and sends the answer back.
 *
 * Wire format (both directions): a frame is a 4-byte big-endian payload length (at most
 * CA_SIGNER_MAX_FRAME) and the payload, a sequence of fields: 1 tag byte, 4-byte big-endian
 * length, bytes. Unknown tags are refused (both ends are built together). One connection carries
 * one request and its answer.
 *
 * What acsd sends is what it saw (method, path, headers, body) plus its verdict of the client
 * certificate. The signer trusts that verdict only as far as the CA's own records confirm it:
 * re-enrollment is checked against the certificate's row (issued to that device, unrevoked), so
 * an acsd that lies can at most re-enroll a device that holds a valid certificate.
 *
 * Owns: nothing long-lived. Thread-safety: pure functions; a call uses its own socket. */
#ifndef PKICA_CA_SIGNER_H
#define PKICA_CA_SIGNER_H

#include <stddef.h>
#include <stdint.h>

#include "ca_est.h"
#include "cfg.h"

#define CA_SIGNER_MAX_FRAME (CA_EST_MAX_BODY + (16u << 10)) /* body + headers + verdict */
#define CA_SIGNER_MAX_ANSWER (64u << 10)                     /* a PKCS#7 of a few certificates */

extern const struct cfg_key ca_signer_cfg_schema[];

/* A decoded request: every pointer points into the frame it was decoded from. */
struct ca_signer_request {
    struct ca_est_request est;      /* est.refused unset: see aggregate */
    struct ca_verify_result peer;   /* valid when has_peer */
    int has_peer;
    int aggregate;                  /* the sender counts unauthenticated refusals itself */
};

/* A decoded answer: header values and the body are owned (ca_signer_answer_cleanup). */
struct ca_signer_answer {
    struct ca_est_response est;     /* its strings point into the owned copies below */
    char *refused_reason;           /* the aggregated refusal's reason (malloc'd) or NULL */
    char *strings[5];
};
void ca_signer_answer_cleanup(struct ca_signer_answer *a);

/* Encode an EST request (and the refusal mode: aggregate) into a malloc'd frame. */
int ca_signer_encode_request(const struct ca_est_request *req, int aggregate, unsigned char **frame,
                             size_t *len) WARN_UNUSED;
/* Decode a request payload (without the 4-byte length): -ERR_PARSE on anything malformed. */
int ca_signer_decode_request(const unsigned char *p, size_t len, struct ca_signer_request *out,
                             char **errmsg) WARN_UNUSED;
/* Encode an answer; refused_reason: what the refusal callback was given, or NULL. */
int ca_signer_encode_answer(const struct ca_est_response *resp, const char *refused_reason, unsigned char **frame,
                            size_t *len) WARN_UNUSED;
int ca_signer_decode_answer(const unsigned char *p, size_t len, struct ca_signer_answer *out,
                            char **errmsg) WARN_UNUSED;

/* Frames over a socket, within a deadline (ms since an arbitrary epoch, ca_signer_now_ms).
 * read: the payload into a malloc'd buffer of at most max bytes. */
int ca_signer_write_frame(int fd, const unsigned char *frame, size_t len, int64_t deadline_ms) WARN_UNUSED;
int ca_signer_read_frame(int fd, size_t max, unsigned char **payload, size_t *len, int64_t deadline_ms) WARN_UNUSED;
int64_t ca_signer_now_ms(void);

/* The client (acsd): forward req to the signer at socket_path and wait at most timeout_ms.
 * On success *out holds the signer's answer. Failures (no signer, timeout, garbage) return
 * < 0 with *errmsg; the caller answers 503 then. */
int ca_signer_call(const char *socket_path, int timeout_ms, const struct ca_est_request *req,
                   struct ca_signer_answer *out, char **errmsg) WARN_UNUSED;

#endif

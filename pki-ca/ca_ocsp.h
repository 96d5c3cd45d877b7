/* pki-ca/ca_ocsp.h — OCSP responder (RFC 6960) for every authority of the CA, in-process.
 * Owns: struct ca_ocsp (CertID hashes, a cache of signed responses; keys and certificates
 * borrowed from the ca_ctx for its life).
 * Thread-safety: no lock inside; one ca_ocsp (own ca_ctx, own DB connection) per thread. */
#ifndef PKICA_CA_OCSP_H
#define PKICA_CA_OCSP_H

#include <stddef.h>

#include "ca.h"
#include "ca_verify.h"

#define CA_OCSP_MAX_REQUEST (16u << 10) /* larger requests get malformedRequest */
#define CA_OCSP_MAX_CERTIDS 256         /* CertIDs per request; more: malformedRequest */
#define CA_OCSP_VALIDITY_SECONDS 3600   /* nextUpdate = thisUpdate + this */
#define CA_OCSP_CACHE_SLOTS 16384        /* signed responses kept (about 1 KiB each) */
#define CA_OCSP_REFRESH_SECONDS 300      /* a cached response is re-signed this long before nextUpdate */
#define CA_OCSP_CERTID_MAX 192           /* a longer DER CertID is answered but never cached */

struct ca_ocsp;

/* What the last ca_ocsp_respond() answered, for the caller's log line. */
struct ca_ocsp_summary {
    int response_status;                /* OCSP_RESPONSE_STATUS_* (0 successful) */
    int ncertids;                       /* CertIDs in the request (0 if undecodable) */
    int cert_status;                    /* first CertID: V_OCSP_CERTSTATUS_*, -1 if none */
    int reason;                         /* its CRLReason when revoked, else -1 */
    int nonce;                          /* the request carried a nonce (copied back) */
    int cached;                         /* answered from the response cache */
    char serial[CA_SERIAL_HEX_MAX + 1]; /* first CertID's serial, "" if none */
    char issuer[64];                    /* authority that signed, "" if none */
    char detail[128];                   /* why a non-successful status was chosen */
};

/* Load every authority with its private key (passphrase needed) and precompute the
 * issuerNameHash/issuerKeyHash of each for SHA-1, SHA-256, SHA-384 and SHA-512 CertIDs.
 * ca is borrowed and must outlive the responder. Authorities created later are not seen
 * until a new responder is made. With a verifier (borrowed, its revoked set kept current
 * by LISTEN), single-CertID requests without a nonce are answered from a cache of signed
 * responses (CA_OCSP_CACHE_SLOTS, keyed by the DER CertID) until CA_OCSP_REFRESH_SECONDS
 * before their nextUpdate; a cached good or unknown answer for a serial the verifier has
 * seen revoked is dropped and looked up anew. NULL verifier: every response is looked up
 * and signed. NULL with *errmsg on failure. */
struct ca_ocsp *ca_ocsp_new(struct ca_ctx *ca, struct ca_verifier *verifier, char **errmsg);
void ca_ocsp_free(struct ca_ocsp *o);

/* Answer one DER OCSPRequest; always produces a DER OCSPResponse in *resp_der (malloc'd,
 * caller free()s) unless out of memory:
 *  - undecodable, empty, > CA_OCSP_MAX_REQUEST bytes or > CA_OCSP_MAX_CERTIDS: malformedRequest;
 *  - a CertID naming an issuer that is not ours, or CertIDs naming two different
 *    authorities: unauthorized (a CA-signed response can vouch for one issuer only, and
 *    clients verify every SingleResponse against the one signer; RFC 5019 clients send
 *    one CertID per request anyway);
 *  - database unreachable: tryLater; signing failure: internalError;
 *  - else successful: per CertID good / revoked (time, reason unless unspecified) /
 *    unknown (serial never issued by that authority), looked up in one query; signed by
 *    the issuing authority's key (responder ID by key hash, its certificate included);
 *    thisUpdate now, nextUpdate now + CA_OCSP_VALIDITY_SECONDS; the nonce copied back.
 * Returns 0, or -ERR_NOMEM when no response could be encoded at all. */
int ca_ocsp_respond(struct ca_ocsp *o, const unsigned char *req_der, size_t len, unsigned char **resp_der,
                    size_t *resp_len) WARN_UNUSED;

/* Summary of the last response (borrowed, valid until the next ca_ocsp_respond). */
const struct ca_ocsp_summary *ca_ocsp_last(const struct ca_ocsp *o);

/* A response that only carries an error status (malformedRequest, tryLater, ...), for
 * callers that cannot even hand a request to the responder. malloc'd DER; NULL on OOM. */
unsigned char *ca_ocsp_error_response(int response_status, size_t *len);

#endif

/* pki-ca/ca_crl.h — certificate revocation lists (RFC 5280 §5) of one authority.
 * Owns: nothing; the CRL returned is caller-owned. Every build takes the next CRL number
 * from the database and writes one audit row. Thread-safety: as ca.h (per ca_ctx). */
#ifndef PKICA_CA_CRL_H
#define PKICA_CA_CRL_H

#include <openssl/x509.h>

#include "ca.h"

/* Build and sign a v2 CRL of the authority named issuer (NULL: [ca] default_issuer;
 * "root": the root, listing the revoked certificates it issued itself). Lists every
 * revoked serial of that issuer with its revocation time and reason (no reason extension
 * for "unspecified"); carries cRLNumber (ca_authorities.crl_number, incremented in the
 * same transaction) and the authority key identifier; thisUpdate = now, nextUpdate = now
 * + [ca] crl_validity_hours. Audits "crl.build". On success *out is the CRL (free with
 * X509_CRL_free); on failure *out is NULL, *errmsg set and no number is consumed. */
int ca_crl_build(struct ca_ctx *ca, const char *issuer, X509_CRL **out, char **errmsg) WARN_UNUSED;

/* The cRLNumber of crl, or -1 when it has none. */
long long ca_crl_number(const X509_CRL *crl);

#endif

/* pki-ca/ca_verify.h — peer certificate verification for every TLS listener of the project.
 * Owns: struct ca_verifier: the trusted CA certificates, an in-memory set of revoked
 * serials kept current by a background thread (its own DB connection, LISTEN
 * ca_revocation / ca_authority; full reload after a reconnect), and a bounded cache of the
 * verdicts of chains that verified (keyed by the SHA-256 of the chain as presented).
 * Thread-safety: ca_verify_peer() may be called from any number of threads at once. */
#ifndef PKICA_CA_VERIFY_H
#define PKICA_CA_VERIFY_H

#include <stddef.h>
#include <time.h>

#include "ca.h"

/* Verdicts a verifier remembers (about 600 bytes each); a device presents the same chain on
 * every connection, so a hit skips DER parsing and X509_verify_cert. */
#define CA_VERIFY_CACHE_DEFAULT 8192

enum ca_verify_reason {
    CA_VERIFY_OK = 0,
    CA_VERIFY_NO_CERT,        /* the peer sent no certificate */
    CA_VERIFY_MALFORMED,      /* undecodable certificate */
    CA_VERIFY_UNKNOWN_CA,     /* chain does not lead to our root (self-signed, other CA) */
    CA_VERIFY_EXPIRED,
    CA_VERIFY_NOT_YET_VALID,
    CA_VERIFY_REVOKED,
    CA_VERIFY_WRONG_EKU,      /* not for TLS client authentication */
    CA_VERIFY_NO_IDENTITY,    /* no urn:dev:ops: SAN equal to the CN */
    CA_VERIFY_INTERNAL,       /* our own failure (out of memory...) */
};

struct ca_verify_result {
    enum ca_verify_reason reason;
    char device_id[CA_DEVICE_ID_MAX + 1]; /* set when reason == OK and the cert is a device cert */
    char serial[CA_SERIAL_HEX_MAX + 1];   /* leaf serial, lowercase hex, when decodable */
    char detail[160];                     /* human-readable detail for logs/audit */
    char issuer_serial[CA_SERIAL_HEX_MAX + 1]; /* when OK: the serial of the CA above the leaf */
    time_t not_after;                     /* when OK: the earliest notAfter of the chain */
};

struct ca_verifier;

/* Load the CA certificates and revoked serials over conninfo and start the listener
 * thread. NULL with *errmsg on failure. */
struct ca_verifier *ca_verifier_new(const char *conninfo, char **errmsg);
/* A verifier without a database or thread (tools, tests): trust and revocations only from
 * ca_verifier_set_trust() and ca_verifier_add_revoked(). NULL with *errmsg on failure. */
struct ca_verifier *ca_verifier_new_local(char **errmsg);
/* Replace the trust set: roots as anchors, issuers offered to complete chains (both borrowed,
 * referenced). The revoked set stays; every cached verdict is dropped. */
int ca_verifier_set_trust(struct ca_verifier *v, X509 *const *roots, size_t nroots, X509 *const *issuers,
                          size_t nissuers, char **errmsg) WARN_UNUSED;
/* Add a serial (lowercase hex) to the revoked set, as a NOTIFY would. */
int ca_verifier_add_revoked(struct ca_verifier *v, const char *serial) WARN_UNUSED;
/* Replace the verdict cache by an empty one of at most max entries (0: no caching). */
int ca_verifier_set_cache_size(struct ca_verifier *v, size_t max) WARN_UNUSED;
struct ca_verify_cache_stats {
    unsigned long hits, misses; /* ca_verify_peer calls answered from the cache, and not */
    size_t entries, max;
};
void ca_verifier_cache_stats(struct ca_verifier *v, struct ca_verify_cache_stats *st);
/* Stop the thread and free everything. */
void ca_verifier_free(struct ca_verifier *v);

/* Verify a peer chain (leaf first, DER each) as a device client certificate: chain to
 * our root, validity now, EKU clientAuth, not revoked, identity from the urn:dev:ops SAN
 * (must equal the CN). Fills *out; returns 0 when OK, else -ERR_AUTH/-ERR_REVOKED/
 * -ERR_EXPIRED. */
int ca_verify_peer(struct ca_verifier *v, const unsigned char *const *ders, const size_t *lens, size_t n,
                   struct ca_verify_result *out);
/* The same at time now (validity windows are checked against it). A chain seen before is
 * answered from the cache: same verdict, with validity, revocation (leaf and CAs) checked
 * anew; only chains that verified are cached. */
int ca_verify_peer_at(struct ca_verifier *v, const unsigned char *const *ders, const size_t *lens, size_t n,
                      time_t now, struct ca_verify_result *out);
/* Is this serial (lowercase hex) revoked, as far as this process knows now? */
int ca_verifier_is_revoked(struct ca_verifier *v, const char *serial);
/* Reload CA certificates and the revoked set now (the thread also does this). */
int ca_verifier_reload(struct ca_verifier *v, char **errmsg) WARN_UNUSED;
/* "ok", "no certificate", "unknown CA", "expired", ... */
const char *ca_verify_reason_str(enum ca_verify_reason r);

#endif

/* pki-ca/ca_vcache.h — bounded cache of peer-chain verdicts for ca_verifier (private to pki-ca).
 * Owns: struct ca_vcache: a fixed number of entries in striped tables, CLOCK eviction.
 * Thread-safety: every call may run in any number of threads at once (one mutex per stripe,
 * held only to copy an entry in or out). */
#ifndef PKICA_CA_VCACHE_H
#define PKICA_CA_VCACHE_H

#include <stddef.h>
#include <time.h>

#include "ca.h"

#define CA_VCACHE_KEY_LEN 32  /* SHA-256 of the chain as presented */
#define CA_VCACHE_CHAIN_MAX 4 /* issuing CAs + root a cached chain may have above its leaf */

/* The verdict of a chain that verified, and what must still be checked on every use. */
struct ca_vcache_entry {
    unsigned char key[CA_VCACHE_KEY_LEN];
    time_t not_before, not_after;         /* the intersection of every chain certificate's window */
    char device_id[CA_DEVICE_ID_MAX + 1];
    char serial[CA_SERIAL_HEX_MAX + 1];   /* the leaf's */
    unsigned nchain;                      /* serials of the certificates above the leaf */
    char chain_serial[CA_VCACHE_CHAIN_MAX][CA_SERIAL_HEX_MAX + 1];
};

struct ca_vcache;

/* A cache of at most max entries (0: a cache that never holds anything). NULL on ENOMEM. */
struct ca_vcache *ca_vcache_new(size_t max);
void ca_vcache_free(struct ca_vcache *c);
/* Copy the entry with this key into *out and mark it used: 1, or 0 when absent. */
int ca_vcache_get(struct ca_vcache *c, const unsigned char *key, struct ca_vcache_entry *out);
/* Insert (or replace) e, evicting an entry not used since the clock hand last passed. */
void ca_vcache_put(struct ca_vcache *c, const struct ca_vcache_entry *e);
/* Remove the entry with this key, if any. */
void ca_vcache_del(struct ca_vcache *c, const unsigned char *key);
/* Remove every entry. */
void ca_vcache_flush(struct ca_vcache *c);
/* Entries held now, and the bound. */
size_t ca_vcache_count(struct ca_vcache *c);
size_t ca_vcache_max(const struct ca_vcache *c);

#endif

/* pki-ca/ca_batch.h — factory mode: many device keys + certificates at once.
 * Writes <out_dir>/identities.pem (0600: per device a "# <id> <serial>" line, its key and
 * its certificate), or with per_device_files <id>.key.pem (0600) and <id>.crt.pem;
 * always chain.pem (issuer, root) and devices.tsv (id, serial);
 * DB rows and audit rows are written per group of CA_BATCH_GROUP in one transaction;
 * keys and certificates of a group are made by opts->jobs threads (output order and
 * format do not depend on it).
 * Thread-safety: per ca_ctx. */
#ifndef PKICA_CA_BATCH_H
#define PKICA_CA_BATCH_H

#include "ca.h"

#define CA_BATCH_GROUP 1000
#define CA_BATCH_MAX 10000000L
#define CA_BATCH_MAX_JOBS 64

struct ca_batch_opts {
    const char *issuer;         /* NULL: default issuer */
    const char *oui;            /* 6 hex digits (lowercase ones are uppercased) */
    const char *product_class;
    const char *serial_prefix;  /* serial numbers are <prefix><start + i, 8 digits> */
    const char *out_dir;        /* created if missing */
    const char *key_type;       /* "ec-p256" default */
    long start, count;
    int per_device_files;       /* one key and one cert file per device (slow for big fleets) */
    int jobs;                   /* threads making keys and certificates; <= 0: online cores */
};

/* Issue opts->count device identities. *done gets the number fully issued (files written
 * and rows committed); a failed group leaves no files or rows behind. */
int ca_issue_batch(struct ca_ctx *ca, const struct ca_batch_opts *opts, long *done,
                   char **errmsg) WARN_UNUSED;

#endif

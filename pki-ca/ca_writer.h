/* pki-ca/ca_writer.h — records issued certificates on a thread with its own DB
 * connection, so that building and signing the next group overlaps with the commit of
 * the previous one (bulk issuance: factory lines, benchmarks). At most two groups wait.
 * Thread-safety: submit/drain from one producer thread. */
#ifndef PKICA_CA_WRITER_H
#define PKICA_CA_WRITER_H

#include "ca.h"

struct ca_writer;

/* Start the writer over cfg ([db], borrowed); actor goes into the audit rows. */
struct ca_writer *ca_writer_new(const struct cfg *cfg, const char *actor, char **errmsg);
/* Queue the accepted requests (rc == 0) of a prepared group for recording; the writer
 * takes its own references to the certificates. Blocks while two groups are queued.
 * Returns the first recording error seen so far, if any (then nothing more is queued). */
int ca_writer_submit(struct ca_writer *w, const struct ca_authority *iss, const struct ca_csr_req *reqs,
                     size_t n, const char *via) WARN_UNUSED;
/* Wait until every queued group is committed. *recorded (may be NULL) = certificates
 * recorded so far. 0, or the first error with *errmsg. */
int ca_writer_drain(struct ca_writer *w, long *recorded, char **errmsg) WARN_UNUSED;
/* Drain, stop the thread, free. */
void ca_writer_free(struct ca_writer *w);

#endif

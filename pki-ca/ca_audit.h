/* pki-ca/ca_audit.h — append-only, hash-chained audit log (audit_log + audit_head).
 * row_hash = SHA-256(prev_hash || id "\n" at "\n" actor "\n" action "\n" subject "\n"
 * result "\n" details); appends lock audit_head so they serialise across processes.
 * Thread-safety: per struct db. */
#ifndef PKICA_CA_AUDIT_H
#define PKICA_CA_AUDIT_H

#include <stdio.h>

#include "db.h"
#include "tally.h"

struct ca_audit_batch;

/* Start appending: locks the chain head. When the connection is idle a transaction
 * is opened (and committed by finish); inside the caller's transaction the rows commit
 * with it. NULL on failure with *errmsg. */
struct ca_audit_batch *ca_audit_begin(struct db *db, char **errmsg);
/* Queue one row. result: "ok", "refused" or "error". */
int ca_audit_add(struct ca_audit_batch *b, const char *actor, const char *action,
                 const char *subject, const char *result, const char *details) WARN_UNUSED;
/* Write queued rows and move the head; frees b in every case. */
int ca_audit_finish(struct ca_audit_batch *b, char **errmsg) WARN_UNUSED;
/* Abandon (rolls back a transaction begin opened); frees b. */
void ca_audit_abort(struct ca_audit_batch *b);

/* One-row convenience. */
int ca_audit(struct db *db, const char *actor, const char *action, const char *subject,
             const char *result, const char *details, char **errmsg) WARN_UNUSED;

/* Aggregated refusals: one row per summary of t (action, subject = the source, result "refused",
 * details = tally_format), all in one append, so a flood of unauthenticated requests costs one
 * row per source and window, never one per request. 0 or -ERR_x with *errmsg. */
int ca_audit_tally(struct db *db, const char *actor, const char *action, const struct tally *t,
                   const struct tally_entry *e, size_t n, char **errmsg) WARN_UNUSED;

/* Verify the whole chain. 0 when intact (*rows = rows checked); -ERR_INTEGRITY with
 * *errmsg naming the first bad row ("audit row 17: ..."). */
int ca_audit_verify(struct db *db, long *rows, char **errmsg) WARN_UNUSED;

#endif

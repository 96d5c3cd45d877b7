/* pki-ca/ca_audit.h — append-only, hash-chained audit log (audit_log + audit_head).
 * row_hash = SHA-256(prev_hash || 0x02 || for each of id, at, actor, action, subject, result,
 * details: 4-byte big-endian length || bytes) (hash_version 2; rows of version 1, written before
 * migration 0009, joined the fields with "\n" and are verified that way). Appends lock
 * audit_head so they serialise across processes. Thread-safety: per struct db. */
#ifndef PKICA_CA_AUDIT_H
#define PKICA_CA_AUDIT_H

#include <stdio.h>

#include "db.h"
#include "tally.h"

#define CA_AUDIT_HASH_V1 1
#define CA_AUDIT_HASH_V2 2 /* every new row */
#define CA_AUDIT_NFIELDS 7

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
/* The chain's head as of the rows queued so far (id 0 and zero hash: an empty log). */
void ca_audit_head(const struct ca_audit_batch *b, long *id, unsigned char hash[32]);
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

/* Take t's summaries of closed windows (all: every open one too, at shutdown), write them with
 * ca_audit_tally (once more on a fresh connection if that fails) and log one line each,
 * "event=<event> <summary>" under component, once. When the write fails they go back into t for
 * the next flush (unless all; the failure is logged). Returns the rows written (0: none due),
 * or -ERR_DB. db may be NULL (nothing written). */
int ca_audit_tally_flush(struct db *db, struct tally *t, const char *actor, const char *action,
                         const char *component, const char *event, int all);

/* Verify the whole chain. 0 when intact (*rows = rows checked); -ERR_INTEGRITY with
 * *errmsg naming the first bad row ("audit row 17: ..."). */
int ca_audit_verify(struct db *db, long *rows, char **errmsg) WARN_UNUSED;

/* The time now as audit rows record it ("YYYY-MM-DD HH:MM:SS.uuuuuu+00", UTC), as the verify
 * query prints a timestamptz back: what is hashed or signed round-trips exactly. */
void ca_audit_now_text(char *out, size_t n);
/* Parse bytea text output ("\\x" + hex) of exactly outlen bytes. 0 or -ERR_PARSE. */
int ca_audit_unhex(const char *text, unsigned char *out, size_t outlen) WARN_UNUSED;

#endif

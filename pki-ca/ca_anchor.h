/* pki-ca/ca_anchor.h — signed checkpoints ("anchors") of the audit chain's head.
 * An anchor is (head id, head hash, time) signed with [audit] anchor_key_file, a key of its
 * own that no online process holds; audit_anchors keeps them, a copy may go to a file kept
 * elsewhere. Whoever rewrites the chain end to end with database access alone cannot make it
 * match an anchor taken before. Owns: the [audit] schema. Thread-safety: per struct db. */
#ifndef PKICA_CA_ANCHOR_H
#define PKICA_CA_ANCHOR_H

#include <stddef.h>

#include "cfg.h"
#include "db.h"

#define CA_ANCHOR_FILE_MAX 4096 /* largest anchor file read */

extern const struct cfg_key ca_audit_cfg_schema[];

/* Generate an Ed25519 anchor key pair: the private key (PEM, 0600) at key_path, the public
 * key (PEM, 0644) at pub_path; neither may exist yet. 0 or -ERR_x with *errmsg. */
int ca_anchor_keygen(const char *key_path, const char *pub_path, char **errmsg) WARN_UNUSED;

/* Take an anchor of the chain's current head (locked while it is taken), store it in
 * audit_anchors and append an "audit.anchor" audit row; *text gets the anchor in its file
 * form (malloc'd) for --out. 0 or -ERR_x with *errmsg. */
int ca_anchor_take(struct db *db, const char *key_path, const char *actor, char **text,
                   char **errmsg) WARN_UNUSED;

/* Check every anchor of audit_anchors, and those in files[0..nfiles), against pub_path's key
 * and the chain (call after ca_audit_verify succeeded). 0 when all match (*count = anchors
 * checked); -ERR_INTEGRITY with *errmsg naming the anchor ("anchor 3 (head row 17): ...");
 * -ERR_CONFIG when there are anchors but no public key. */
int ca_anchor_verify(struct db *db, const char *pub_path, const char *const *files, size_t nfiles,
                     long *count, char **errmsg) WARN_UNUSED;

#endif

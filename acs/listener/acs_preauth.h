/* acs/listener/acs_preauth.h — acsd's pre-authentication paths (EST enrollment with a one-time token on
 * :7547, legacy password mode): their body cap, their request budget (common/ratelimit: per
 * source and in all, checked in the first request callback, before any work) and their refusals,
 * counted in memory per source and window (common/tally) and written as one audit row each
 * (est.refused, cwmp.legacy_refused) by the housekeeping thread and at shutdown.
 * Owns: struct acs_preauth (limiter, two tallies). Thread-safety: all functions, any thread. */
#ifndef ACS_PREAUTH_H
#define ACS_PREAUTH_H

#include <stddef.h>

#include <microhttpd.h>

#include "cfg.h"
#include "db.h"

enum acs_preauth_kind { ACS_PREAUTH_EST, ACS_PREAUTH_LEGACY };

struct acs_preauth;
/* From [preauth]. NULL with *errmsg. */
struct acs_preauth *acs_preauth_new(const struct cfg *cfg, char **errmsg);
void acs_preauth_free(struct acs_preauth *p);
/* Largest body read for a request not yet authenticated ([preauth] max_body_bytes). */
size_t acs_preauth_max_body(const struct acs_preauth *p);
/* Take one request of remote from the budget. 0: go on; else the status to answer (429: this
 * source, 503: all sources) and *retry_s; that refusal is counted (metric, tally) already. */
int acs_preauth_admit(struct acs_preauth *p, enum acs_preauth_kind kind, const char *remote, int *retry_s);
/* Answer a budget refusal: status, Retry-After, Connection: close. */
enum MHD_Result acs_preauth_answer(struct MHD_Connection *c, int status, int retry_s);
/* Count one refused attempt of remote (reason: static text). */
void acs_preauth_refused(struct acs_preauth *p, enum acs_preauth_kind kind, const char *remote, const char *reason);
/* The same, in the shape of struct ca_est_request's refused hook (arg: the acs_preauth). */
void acs_preauth_est_refused(void *arg, const char *remote, const char *reason);
/* Write the summaries of closed windows (all: every window, at shutdown) with db, one audit row
 * and one log line each; on a database failure they are kept for the next flush. */
void acs_preauth_flush(struct acs_preauth *p, struct db *db, const char *actor, int all);

#endif

/* acs/listener/acs_preauth.c — budget, body cap and aggregated refusals of acsd's pre-authentication paths. */
#include "acs_preauth.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "acs_metrics.h"
#include "ca_audit.h"
#include "httpd_tls.h"
#include "log.h"
#include "ratelimit.h"
#include "tally.h"

struct acs_preauth {
    struct ratelimit_cfg cfg;
    struct ratelimit *rl;
    struct tally *tally[2]; /* by enum acs_preauth_kind */
};

static const char *const actions[2] = {"est.refused", "cwmp.legacy_refused"};

struct acs_preauth *acs_preauth_new(const struct cfg *cfg, char **errmsg)
{
    struct acs_preauth *p = calloc(1, sizeof *p);
    if (!p) {
        err_fail(errmsg, -ERR_NOMEM, "out of memory");
        return NULL;
    }
    ratelimit_cfg_load(cfg, &p->cfg);
    p->rl = ratelimit_new(&p->cfg);
    p->tally[0] = tally_new(p->cfg.sources, p->cfg.audit_window);
    p->tally[1] = tally_new(p->cfg.sources, p->cfg.audit_window);
    if (!p->rl || !p->tally[0] || !p->tally[1]) {
        err_fail(errmsg, -ERR_NOMEM, "out of memory for [preauth] sources = %zu", p->cfg.sources);
        acs_preauth_free(p);
        return NULL;
    }
    return p;
}

void acs_preauth_free(struct acs_preauth *p)
{
    if (!p)
        return;
    ratelimit_free(p->rl);
    tally_free(p->tally[0]);
    tally_free(p->tally[1]);
    free(p);
}

size_t acs_preauth_max_body(const struct acs_preauth *p)
{
    return p->cfg.max_body;
}

void acs_preauth_refused(struct acs_preauth *p, enum acs_preauth_kind kind, const char *remote, const char *reason)
{
    tally_add(p->tally[kind == ACS_PREAUTH_LEGACY], remote, reason, time(NULL));
    acs_metrics_count(ACS_METRIC_PREAUTH, kind == ACS_PREAUTH_LEGACY ? ACS_MP_LEGACY_REFUSED : ACS_MP_EST_REFUSED);
}

void acs_preauth_est_refused(void *arg, const char *remote, const char *reason)
{
    acs_preauth_refused(arg, ACS_PREAUTH_EST, remote, reason);
}

int acs_preauth_admit(struct acs_preauth *p, enum acs_preauth_kind kind, const char *remote, int *retry_s)
{
    enum ratelimit_verdict v = ratelimit_take(p->rl, remote, ratelimit_now_ms(), retry_s);
    if (v == RATELIMIT_OK)
        return 0;
    /* counted, never logged one by one: a flood is one summary line per source and window */
    tally_add(p->tally[kind == ACS_PREAUTH_LEGACY], remote,
              v == RATELIMIT_SOURCE ? "over_source_budget" : "over_global_budget", time(NULL));
    acs_metrics_count(ACS_METRIC_PREAUTH, v == RATELIMIT_SOURCE ? ACS_MP_OVER_SOURCE : ACS_MP_OVER_GLOBAL);
    return v == RATELIMIT_SOURCE ? 429 : 503;
}

enum MHD_Result acs_preauth_answer(struct MHD_Connection *c, int status, int retry_s)
{
    static const char text[] = "too many unauthenticated requests, retry later\n";
    char ra[16];
    snprintf(ra, sizeof ra, "%d", retry_s > 0 ? retry_s : 1);
    const char *const hdr[] = {MHD_HTTP_HEADER_CONTENT_TYPE,
                               "text/plain; charset=utf-8",
                               MHD_HTTP_HEADER_RETRY_AFTER,
                               ra,
                               MHD_HTTP_HEADER_CONNECTION,
                               "close",
                               NULL};
    if (status == 503)
        acs_metrics_count(ACS_METRIC_HTTP_503, ACS_ML_CWMP);
    return httpd_respond(c, (unsigned int)status, text, sizeof text - 1, hdr);
}

void acs_preauth_flush(struct acs_preauth *p, struct db *db, const char *actor, int all)
{
    static const char *const events[2] = {"est_refusals", "legacy_refusals"};
    for (int k = 0; k < 2; k++) {
        int rows = ca_audit_tally_flush(db, p->tally[k], actor, actions[k], k ? "cwmp" : "est", events[k], all);
        for (int i = 0; i < rows; i++)
            acs_metrics_count(ACS_METRIC_PREAUTH, ACS_MP_AUDIT_ROWS);
    }
}

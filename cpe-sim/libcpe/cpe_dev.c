/* cpe-sim/libcpe/cpe_dev.c — per-device CWMP state and session scheduling (cpe_dev.h). */
#define _GNU_SOURCE /* asprintf */
#include "cpe_dev_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cpe_backoff.h"

#define NONE INT64_MAX

static const char *const event_codes[CPE_EV_COUNT] = {
    [CPE_EV_BOOTSTRAP] = "0 BOOTSTRAP",
    [CPE_EV_BOOT] = "1 BOOT",
    [CPE_EV_PERIODIC] = "2 PERIODIC",
    [CPE_EV_SCHEDULED] = "3 SCHEDULED",
    [CPE_EV_VALUE_CHANGE] = "4 VALUE CHANGE",
    [CPE_EV_CONNECTION_REQUEST] = "6 CONNECTION REQUEST",
    [CPE_EV_TRANSFER_COMPLETE] = "7 TRANSFER COMPLETE",
    [CPE_EV_M_REBOOT] = "M Reboot",
    [CPE_EV_M_SCHEDULE_INFORM] = "M ScheduleInform",
    [CPE_EV_M_DOWNLOAD] = "M Download",
    [CPE_EV_M_UPLOAD] = "M Upload",
};

const char *cpe_event_code(enum cpe_event e)
{
    return (unsigned)e < CPE_EV_COUNT ? event_codes[e] : "";
}

void cpe_key_copy(char dst[CPE_MAX_KEY], const char *src)
{
    snprintf(dst, CPE_MAX_KEY, "%s", src ? src : "");
}

static uint32_t fnv1a(const char *s)
{
    uint32_t h = 2166136261u;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 16777619u;
    return h;
}

uint32_t cpe_dev_rand(struct cpe_dev *d)
{
    uint32_t x = d->rng; /* xorshift32 */
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    d->rng = x;
    return x;
}

unsigned cpe_dev_uint(const struct cpe_dev *d, const char *rel, unsigned def)
{
    char buf[64];
    const char *v = cpe_dm_get_rel(d->dm, rel, buf, sizeof buf);
    if (!v || !*v)
        return def;
    char *end;
    unsigned long x = strtoul(v, &end, 10);
    return *end || x > 0xffffffffUL ? def : (unsigned)x;
}

static bool periodic_enabled(const struct cpe_dev *d)
{
    char buf[16];
    const char *v = cpe_dm_get_rel(d->dm, "ManagementServer.PeriodicInformEnable", buf, sizeof buf);
    return v && strcmp(v, "true") == 0;
}

/* Re-arm the periodic timer when the interval changed (or was never set). */
static void arm_periodic(struct cpe_dev *d, int64_t now_ms)
{
    unsigned iv = cpe_dev_uint(d, "ManagementServer.PeriodicInformInterval", 86400);
    if (iv == 0)
        iv = 86400;
    if (!periodic_enabled(d)) {
        d->periodic_at = NONE;
        d->periodic_interval = 0;
        return;
    }
    if (iv != d->periodic_interval || d->periodic_at == NONE) {
        /* first interval with a random phase so a fleet does not inform in lockstep */
        d->periodic_at = now_ms + (int64_t)iv * 1000 - (int64_t)(cpe_dev_rand(d) % (iv * 500u + 1));
        d->periodic_interval = iv;
    }
}

static int split_id(struct cpe_dev *d, const char *id)
{
    const char *a = strchr(id, '-'), *b = strrchr(id, '-');
    if (!a || a == b || a - id != 6 || !b[1] || b - a < 2)
        return -ERR_INVAL;
    d->oui = strndup(id, 6);
    d->product_class = strndup(a + 1, (size_t)(b - a - 1));
    d->serial = strdup(b + 1);
    d->id = strdup(id);
    return d->oui && d->product_class && d->serial && d->id ? 0 : -ERR_NOMEM;
}

struct cpe_dev *cpe_dev_new(const struct cpe_dev_cfg *cfg, const char *device_id, const char *cert_serial,
                            int64_t now_ms, bool bootstrap)
{
    struct cpe_dev *d = calloc(1, sizeof *d);
    if (!d)
        return NULL;
    d->cfg = cfg;
    if (split_id(d, device_id) < 0)
        goto fail;
    d->cert_serial = strdup(cert_serial ? cert_serial : "");
    if (asprintf(&d->cert_subject, "CN=%s", device_id) < 0)
        d->cert_subject = NULL;
    if (cfg->cr_url_base && asprintf(&d->cr_url, "%s%s", cfg->cr_url_base, device_id) < 0)
        d->cr_url = NULL;
    if (!d->cert_serial || !d->cert_subject || (cfg->cr_url_base && !d->cr_url))
        goto fail;
    d->ctx = (struct cpe_dm_ctx){
        .manufacturer = cfg->manufacturer ? cfg->manufacturer : "cpe-sim",
        .oui = d->oui,
        .product_class = d->product_class,
        .serial = d->serial,
        .cert_serial = d->cert_serial,
        .cert_subject = d->cert_subject,
        .cr_url = d->cr_url,
        .acs_url = cfg->acs_url,
        .periodic_interval = cfg->periodic_interval,
        .boot_ms = now_ms,
        .now_ms = now_ms,
        .hash = fnv1a(device_id),
    };
    d->dm = cpe_dm_new(cfg->schema, &d->ctx);
    if (!d->dm)
        goto fail;
    d->rng = d->ctx.hash ^ (uint32_t)now_ms;
    if (!d->rng)
        d->rng = 1;
    d->events = (1u << CPE_EV_BOOT) | (bootstrap ? 1u << CPE_EV_BOOTSTRAP : 0);
    d->wanted_at = now_ms;
    d->retry_at = d->sched_at = d->periodic_at = NONE;
    arm_periodic(d, now_ms);
    return d;
fail:
    cpe_dev_free(d);
    return NULL;
}

void cpe_dev_free(struct cpe_dev *d)
{
    if (!d)
        return;
    cpe_dm_free(d->dm);
    free(d->id);
    free(d->oui);
    free(d->product_class);
    free(d->serial);
    free(d->cert_serial);
    free(d->cert_subject);
    free(d->cr_url);
    free(d);
}

const char *cpe_dev_id(const struct cpe_dev *d)
{
    return d->id;
}

struct cpe_dm *cpe_dev_dm(struct cpe_dev *d)
{
    return d->dm;
}

size_t cpe_dev_mem(const struct cpe_dev *d)
{
    size_t n = sizeof *d + cpe_dm_mem(d->dm);
    const char *s[] = {d->id, d->oui, d->product_class, d->serial, d->cert_serial, d->cert_subject, d->cr_url};
    for (size_t i = 0; i < sizeof s / sizeof *s; i++)
        n += s[i] ? strlen(s[i]) + 1 : 0;
    return n;
}

unsigned cpe_dev_retry_count(const struct cpe_dev *d)
{
    return d->retry_count;
}

int64_t cpe_dev_due(const struct cpe_dev *d)
{
    if (d->retry_count > 0)
        return d->wanted_at < d->retry_at ? d->wanted_at : d->retry_at; /* CR overrides */
    int64_t t = d->wanted_at;
    if (d->periodic_at < t)
        t = d->periodic_at;
    if (d->sched_at < t)
        t = d->sched_at;
    for (unsigned i = 0; i < d->nxfers; i++) {
        if (d->xfers[i].done_ms < t)
            t = d->xfers[i].done_ms;
    }
    return t;
}

void cpe_dev_set_start(struct cpe_dev *d, int64_t at_ms)
{
    d->wanted_at = at_ms;
}

void cpe_dev_connection_request(struct cpe_dev *d, int64_t now_ms)
{
    d->events |= 1u << CPE_EV_CONNECTION_REQUEST;
    d->wanted_at = now_ms;
}

int cpe_dev_local_change(struct cpe_dev *d, const char *path, const char *value, int64_t now_ms)
{
    struct cpe_ref ref;
    if (cpe_dm_resolve(d->dm, path, &ref) != 0 || ref.param < 0)
        return -ERR_NOENT;
    int rc = cpe_dm_set(d->dm, &ref, value);
    if (rc < 0)
        return rc;
    int notify = cpe_dm_notify(d->dm, &ref);
    if (notify == 0)
        return 0;
    d->events |= 1u << CPE_EV_VALUE_CHANGE;
    bool listed = false;
    for (unsigned i = 0; i < d->nchanged; i++)
        listed = listed || memcmp(&d->changed[i], &ref, sizeof ref) == 0;
    if (!listed && d->nchanged < CPE_MAX_CHANGED)
        d->changed[d->nchanged++] = ref;
    if (notify == 2 && d->wanted_at > now_ms)
        d->wanted_at = now_ms;
    return 0;
}

void cpe_dev_cr_credentials(const struct cpe_dev *d, char *user, char *pass, size_t n)
{
    char buf[64];
    const char *u = cpe_dm_get_rel(d->dm, "ManagementServer.ConnectionRequestUsername", buf, sizeof buf);
    snprintf(user, n, "%s", u ? u : "");
    const char *p = cpe_dm_get_rel(d->dm, "ManagementServer.ConnectionRequestPassword", buf, sizeof buf);
    snprintf(pass, n, "%s", p ? p : "");
}

void cpe_dev_collect(struct cpe_dev *d, int64_t now_ms)
{
    d->ctx.now_ms = now_ms;
    if (d->periodic_at <= now_ms) {
        d->events |= 1u << CPE_EV_PERIODIC;
        int64_t iv = (int64_t)(d->periodic_interval ? d->periodic_interval : 86400) * 1000;
        while (d->periodic_at <= now_ms) /* skip the missed ones */
            d->periodic_at += iv;
    }
    if (d->sched_at <= now_ms) {
        d->events |= (1u << CPE_EV_SCHEDULED) | (1u << CPE_EV_M_SCHEDULE_INFORM);
        d->sched_at = NONE;
    }
    for (unsigned i = 0; i < d->nxfers; i++) {
        struct cpe_xfer *x = &d->xfers[i];
        if (x->state == CPE_XFER_QUEUED && x->done_ms <= now_ms)
            x->state = CPE_XFER_DONE;
    }
    if (d->wanted_at <= now_ms)
        d->wanted_at = NONE;
}

static void reboot(struct cpe_dev *d, int64_t now_ms)
{
    d->ctx.boot_ms = now_ms + d->cfg->reboot_ms;
    d->events |= 1u << CPE_EV_BOOT;
    d->wanted_at = now_ms + d->cfg->reboot_ms;
    /* queued transfers survive a reboot; a periodic phase restarts */
    d->periodic_at = NONE;
}

void cpe_dev_session_done(struct cpe_dev *d, bool ok, unsigned retry_after_s, int64_t now_ms)
{
    d->ctx.now_ms = now_ms;
    if (ok) {
        d->retry_count = 0;
        d->retry_at = NONE;
    } else {
        d->retry_count++;
        unsigned m = cpe_dev_uint(d, "ManagementServer.CWMPRetryMinimumWaitInterval", CPE_BACKOFF_DEFAULT_M);
        unsigned k = cpe_dev_uint(d, "ManagementServer.CWMPRetryIntervalMultiplier", CPE_BACKOFF_DEFAULT_K);
        uint64_t wait = cpe_backoff_ms(m, k, d->retry_count, cpe_dev_rand(d));
        if (retry_after_s && (uint64_t)retry_after_s * 1000 > wait)
            wait = (uint64_t)(retry_after_s < 86400 ? retry_after_s : 86400) * 1000;
        d->retry_at = now_ms + (int64_t)wait;
    }
    if (d->factory_reset_pending) {
        d->factory_reset_pending = d->reboot_pending = false;
        if (cpe_dm_reset(d->dm) < 0)
            d->factory_reset_pending = true; /* try again after the next session */
        d->nxfers = 0;
        d->nchanged = 0;
        d->sched_at = NONE;
        d->events = (1u << CPE_EV_BOOTSTRAP);
        d->retry_count = 0;
        d->retry_at = NONE;
        d->periodic_interval = 0;
        reboot(d, now_ms);
    } else if (d->reboot_pending) {
        d->reboot_pending = false;
        d->events |= 1u << CPE_EV_M_REBOOT;
        memcpy(d->reboot_key, d->pending_reboot_key, CPE_MAX_KEY);
        reboot(d, now_ms);
    }
    arm_periodic(d, now_ms);
}

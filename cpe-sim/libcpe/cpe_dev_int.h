/* cpe-sim/libcpe/cpe_dev_int.h — struct cpe_dev for libcpe's own modules (session, RPCs).
 * Not for the simulator or the edge agent: they use cpe_dev.h. */
#ifndef CPE_DEV_INT_H
#define CPE_DEV_INT_H

#include "cpe_dev.h"

#define CPE_MAX_XFERS 8        /* queued Download/Upload (more: fault 9004) */
#define CPE_MAX_CHANGED 32     /* parameters listed for 4 VALUE CHANGE */
#define CPE_MAX_KEY 33         /* CommandKey / ParameterKey: 32 chars + NUL */

enum cpe_xfer_state { CPE_XFER_QUEUED, CPE_XFER_DONE };

struct cpe_xfer {
    char key[CPE_MAX_KEY];
    bool download;
    enum cpe_xfer_state state;
    int64_t start_ms, done_ms;
    int fault;                 /* 0 ok, else the TransferComplete FaultCode */
};

struct cpe_dev {
    const struct cpe_dev_cfg *cfg;
    struct cpe_dm_ctx ctx;     /* strings below */
    char *id, *oui, *product_class, *serial, *cert_serial, *cert_subject, *cr_url;
    struct cpe_dm *dm;
    uint32_t events;           /* 1u << enum cpe_event (not the transfer ones: see xfers) */
    char reboot_key[CPE_MAX_KEY], sched_key[CPE_MAX_KEY];
    struct cpe_xfer xfers[CPE_MAX_XFERS];
    unsigned nxfers;
    struct cpe_ref changed[CPE_MAX_CHANGED];
    unsigned nchanged;
    unsigned retry_count;
    int64_t retry_at, periodic_at, sched_at, wanted_at; /* 0 / INT64_MAX: none */
    unsigned periodic_interval; /* the interval periodic_at was computed with */
    uint32_t rng;
    /* set by RPCs, applied when the session ends */
    bool reboot_pending, factory_reset_pending;
    char pending_reboot_key[CPE_MAX_KEY];
};

uint32_t cpe_dev_rand(struct cpe_dev *d);
/* Turn timers that are due into events (PERIODIC, SCHEDULED, finished transfers). */
void cpe_dev_collect(struct cpe_dev *d, int64_t now_ms);
/* Session outcome: ok resets the retry count, else schedules the retry (back-off);
 * then applies pending Reboot/FactoryReset and re-arms the periodic timer. */
void cpe_dev_session_done(struct cpe_dev *d, bool ok, unsigned retry_after_s, int64_t now_ms);
/* Unsigned value of a parameter (by path relative to the root), def if unset or unparsable. */
unsigned cpe_dev_uint(const struct cpe_dev *d, const char *rel, unsigned def);
/* Copy a key (CommandKey...) truncated to CPE_MAX_KEY - 1 bytes. */
void cpe_key_copy(char dst[CPE_MAX_KEY], const char *src);

#endif

/* cpe-sim/libcpe/cpe_dev.h — one CPE's persistent CWMP state: identity, data model,
 * pending events, queued transfers, periodic/scheduled inform timers, retry count.
 * Decides when the next session is due; the session machine (cpe_session.h) runs it.
 * Owns: struct cpe_dev. Thread-safety: one owner thread; the config is shared read-only. */
#ifndef CPE_DEV_H
#define CPE_DEV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cpe_dm.h"
#include "err.h"

/* Shared by every device of a process (borrowed; must outlive the devices). */
struct cpe_dev_cfg {
    const struct cpe_schema *schema;
    const char *acs_url;          /* ManagementServer.URL */
    const char *cr_url_base;      /* "http://127.0.0.1:7548/cr/" + device id; NULL: none */
    const char *manufacturer;     /* DeviceId.Manufacturer */
    unsigned periodic_interval;   /* default PeriodicInformInterval, s (0: 86400) */
    unsigned reboot_ms;           /* simulated reboot time */
    unsigned transfer_ms;         /* simulated Download/Upload duration */
};

/* Inform event codes (TR-069 Table 7); M events carry a CommandKey. */
enum cpe_event {
    CPE_EV_BOOTSTRAP,
    CPE_EV_BOOT,
    CPE_EV_PERIODIC,
    CPE_EV_SCHEDULED,
    CPE_EV_VALUE_CHANGE,
    CPE_EV_CONNECTION_REQUEST,
    CPE_EV_TRANSFER_COMPLETE,
    CPE_EV_M_REBOOT,
    CPE_EV_M_SCHEDULE_INFORM,
    CPE_EV_M_DOWNLOAD,
    CPE_EV_M_UPLOAD,
    CPE_EV_COUNT
};
/* "0 BOOTSTRAP", "M Reboot", ... */
const char *cpe_event_code(enum cpe_event e);

struct cpe_dev;

/* New device "OUI-ProductClass-SerialNumber" (serial after the last '-'), booted at
 * now_ms; bootstrap: first contact with this ACS (0 BOOTSTRAP + 1 BOOT), else 1 BOOT.
 * cert_serial may be NULL. NULL on bad id or no memory. */
struct cpe_dev *cpe_dev_new(const struct cpe_dev_cfg *cfg, const char *device_id, const char *cert_serial,
                            int64_t now_ms, bool bootstrap);
void cpe_dev_free(struct cpe_dev *d);

const char *cpe_dev_id(const struct cpe_dev *d);
struct cpe_dm *cpe_dev_dm(struct cpe_dev *d);
/* Heap bytes held by the device (struct, strings, data model). */
size_t cpe_dev_mem(const struct cpe_dev *d);

/* When the next session should start (wall-clock ms); INT64_MAX: nothing due. */
int64_t cpe_dev_due(const struct cpe_dev *d);
/* Postpone the first (boot) session to at_ms (to spread a fleet's start). */
void cpe_dev_set_start(struct cpe_dev *d, int64_t at_ms);
/* A connection request was accepted: "6 CONNECTION REQUEST", due now. */
void cpe_dev_connection_request(struct cpe_dev *d, int64_t now_ms);
/* The CPE changed one of its own values (not the ACS): stored, and if its notification
 * attribute is on, "4 VALUE CHANGE" (active: due now). Returns 0, -ERR_NOENT, -ERR_NOMEM. */
int cpe_dev_local_change(struct cpe_dev *d, const char *path, const char *value, int64_t now_ms) WARN_UNUSED;
/* Number of failed sessions in a row (the Inform RetryCount). */
unsigned cpe_dev_retry_count(const struct cpe_dev *d);
/* Connection-request credentials (ManagementServer.ConnectionRequestUsername/Password),
 * copied into user/pass (size n). */
void cpe_dev_cr_credentials(const struct cpe_dev *d, char *user, char *pass, size_t n);

#endif

/* cpe-sim/libcpe/cpe_dm.h — one device's data model over the shared schema: which
 * instances exist, the values that differ from the defaults, notification attributes, and
 * the computed values (serial, uptime, connection-request URL...) from struct cpe_dm_ctx.
 * Owns: struct cpe_dm (a few hundred bytes plus stored values). Thread-safety: one owner. */
#ifndef CPE_DM_H
#define CPE_DM_H

#include <stdbool.h>
#include <stdint.h>

#include "cpe_schema.h"

#define CPE_DM_MAX_VALUES 4096    /* stored values per device (SPV beyond: fault 9004) */
#define CPE_DM_MAX_INSTANCES 1024 /* object instances per device */
#define CPE_DM_MAX_VALUE 1024     /* longest value accepted (bytes) */

/* Inputs of the computed parameters; borrowed, owned by the device (cpe_dev). */
struct cpe_dm_ctx {
    const char *manufacturer, *oui, *product_class, *serial;
    const char *cert_serial, *cert_subject;
    const char *cr_url, *acs_url;
    unsigned periodic_interval; /* default PeriodicInformInterval (s) */
    int64_t boot_ms, now_ms;    /* wall clock, ms: UpTime and CurrentLocalTime */
    uint32_t hash;              /* per-device number for MAC and IP addresses */
};

/* A resolved path: a parameter (param >= 0) or an object node (param < 0). */
struct cpe_ref {
    int param;
    int node;
    unsigned depth;
    uint32_t idx[CPE_MAX_DEPTH];
};

struct cpe_dm;

/* New data model with every {i} table holding instance 1 and default values. */
struct cpe_dm *cpe_dm_new(const struct cpe_schema *s, const struct cpe_dm_ctx *ctx);
void cpe_dm_free(struct cpe_dm *dm);
/* Back to the factory state (FactoryReset). Returns 0 or -ERR_NOMEM. */
int cpe_dm_reset(struct cpe_dm *dm) WARN_UNUSED;
const struct cpe_schema *cpe_dm_schema(const struct cpe_dm *dm);
/* Heap bytes held by this device's model (for the memory report). */
size_t cpe_dm_mem(const struct cpe_dm *dm);

/* Resolve a concrete path ("" is the root, "Device." or "InternetGatewayDevice."). Returns 0, or a CWMP fault code:
 * 9005 unknown name or missing instance. */
int cpe_dm_resolve(const struct cpe_dm *dm, const char *path, struct cpe_ref *ref);

/* Value of a parameter (hidden ones too: masking is the RPC layer's job). Returns a
 * pointer to the stored value or into buf (size n >= 64). */
const char *cpe_dm_value(const struct cpe_dm *dm, const struct cpe_ref *ref, char *buf, size_t n);
/* Value by concrete path, NULL if unknown. */
const char *cpe_dm_get(const struct cpe_dm *dm, const char *path, char *buf, size_t n);

/* cpe_dm_get / cpe_dm_set_path by a path relative to the model's root
 * ("ManagementServer.URL"), so one call serves a Device: and an InternetGatewayDevice model. */
const char *cpe_dm_get_rel(const struct cpe_dm *dm, const char *rel, char *buf, size_t n);
int cpe_dm_set_rel(struct cpe_dm *dm, const char *rel, const char *value) WARN_UNUSED;

/* Would value be accepted for ref (a parameter)? 0, or 9007 (invalid value). Checks
 * type syntax, range, maxLength and enumerations; not writability. */
int cpe_dm_check_value(const struct cpe_dm *dm, const struct cpe_ref *ref, const char *value);
/* Store a value (booleans normalised to true/false). No writability check: callers check
 * access first; also used for read-only values the CPE itself changes (ParameterKey).
 * Returns 0, -ERR_NOMEM, -ERR_TOO_BIG (CPE_DM_MAX_VALUES). */
int cpe_dm_set(struct cpe_dm *dm, const struct cpe_ref *ref, const char *value) WARN_UNUSED;
/* cpe_dm_set by path; -ERR_NOENT if unknown. */
int cpe_dm_set_path(struct cpe_dm *dm, const char *path, const char *value) WARN_UNUSED;

/* Notification attribute (0 off, 1 passive, 2 active). */
int cpe_dm_notify(const struct cpe_dm *dm, const struct cpe_ref *ref);
int cpe_dm_set_notify(struct cpe_dm *dm, const struct cpe_ref *ref, int notify) WARN_UNUSED;

/* AddObject on a table node (ref->node of kind CPE_NODE_TABLE): *instance gets the new
 * number. Returns 0, a fault code (9005 not a table, 9004 too many instances). */
int cpe_dm_add(struct cpe_dm *dm, const struct cpe_ref *table, uint32_t *instance);
/* DeleteObject of an instance node (and everything below it). 0 or 9005. */
int cpe_dm_delete(struct cpe_dm *dm, const struct cpe_ref *inst);

/* Walk: callback per parameter and/or object below ref (ref itself included when it is an
 * object, unless CPE_WALK_NEXT_LEVEL: then only its direct children). path is the
 * concrete name (objects end in '.'). A non-zero callback return stops the walk and is
 * returned. */
#define CPE_WALK_PARAMS 0x1u
#define CPE_WALK_NODES 0x2u
#define CPE_WALK_NEXT_LEVEL 0x4u
typedef int (*cpe_walk_fn)(void *ud, const struct cpe_ref *ref, const char *path);
int cpe_dm_walk(const struct cpe_dm *dm, const struct cpe_ref *ref, unsigned flags, cpe_walk_fn fn,
                void *ud);

/* Parameter metadata of a resolved parameter reference. */
const struct cpe_sparam *cpe_dm_param(const struct cpe_dm *dm, const struct cpe_ref *ref);

#endif

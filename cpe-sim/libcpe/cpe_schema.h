/* cpe-sim/libcpe/cpe_schema.h — the data-model schema shared by every simulated device:
 * parameters and objects of TR-181 Device:2 + TR-104 (under Device.Services.) loaded from
 * key-params.tsv, or of a TR-098 InternetGatewayDevice:1 + TR-104 v1 model
 * (cpe-sim/datamodel/tr-098-voice.tsv), with types, access, secured flag, constraints and
 * default values. The root ("Device." or "InternetGatewayDevice.") is the TSV's.
 * Owns: struct cpe_schema (read-only after load). Thread-safety: share freely once loaded. */
#ifndef CPE_SCHEMA_H
#define CPE_SCHEMA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "err.h"

#define CPE_MAX_DEPTH 4         /* most {i} in one path */
#define CPE_MAX_PATH 256        /* longest parameter path accepted */
#define CPE_SCHEMA_MAX_ROWS 4096

enum cpe_type { CPE_T_STRING, CPE_T_UINT, CPE_T_INT, CPE_T_BOOL, CPE_T_DATETIME };
enum cpe_access { CPE_RO, CPE_RW, CPE_RW_ONCE };
enum cpe_node_kind {
    CPE_NODE_OBJECT,   /* "Device.DeviceInfo." */
    CPE_NODE_TABLE,    /* "Device.IP.Interface." (multi-instance; AddObject target) */
    CPE_NODE_INSTANCE, /* "Device.IP.Interface.{i}." */
};

/* Computed parameters (values derived from the device, not stored). */
enum cpe_special {
    CPE_SP_NONE,
    CPE_SP_MANUFACTURER,
    CPE_SP_OUI,
    CPE_SP_PRODUCT_CLASS,
    CPE_SP_SERIAL,
    CPE_SP_UPTIME,
    CPE_SP_CR_URL,
    CPE_SP_ACS_URL,
    CPE_SP_PERIODIC_INTERVAL,
    CPE_SP_LOCAL_TIME,
    CPE_SP_MAC,
    CPE_SP_IPV4,
    CPE_SP_CERT_SERIAL,
    CPE_SP_CERT_SUBJECT,
    CPE_SP_IFNAME,
    CPE_SP_NUM_ENTRIES, /* XNumberOfEntries: count_table counts the instances */
    CPE_SP_SIP_STATUS,  /* SIP.Client.{i}.Status / Line.{i}.Status: from the config (cpe_voice) */
};

struct cpe_sparam {
    char *path;         /* template, "Device.IP.Interface.{i}.Enable" */
    const char *name;   /* leaf name (points into path) */
    int node;           /* the object it belongs to */
    enum cpe_type type;
    bool list;          /* comma-separated list (an xsd:string on the wire) */
    enum cpe_access access;
    bool secured;       /* hidden: reads back as "" */
    char *def;          /* default value text */
    bool has_min, has_max;
    long long min, max; /* range (numbers) */
    unsigned maxlen;    /* string maxLength, 0 = none */
    char *enums;        /* "A|B|C" (single-valued strings only), or NULL */
    enum cpe_special special;
    int count_table;    /* CPE_SP_NUM_ENTRIES: the table node, else -1 */
};

struct cpe_snode {
    char *path;         /* template ending in '.' */
    int parent;         /* -1 for the root ("Device.") */
    enum cpe_node_kind kind;
    unsigned depth;     /* number of {i} in path */
    int *kids;          /* child nodes, in file order */
    unsigned nkids;
    int *params;        /* child parameters, in file order */
    unsigned nparams;
    unsigned ndefault;  /* CPE_NODE_INSTANCE: instances a factory-fresh device has (1..) */
};

struct cpe_schema {
    const char *root;   /* "Device." or "InternetGatewayDevice." (every row starts with it) */
    struct cpe_sparam *params;
    unsigned nparams;
    struct cpe_snode *nodes;
    unsigned nnodes;
    struct cpe_sindex *index; /* sorted by path: parameters and nodes */
    unsigned nindex;
};

/* Load key-params.tsv (see ../shared/cwmp/README.md). NULL on failure, *errmsg says why
 * ("file:line: ...", caller frees). */
struct cpe_schema *cpe_schema_load(const char *tsv_path, char **errmsg);
void cpe_schema_free(struct cpe_schema *s);

/* path without the schema's root ("DeviceInfo.SerialNumber"), or NULL if it lacks it. */
const char *cpe_schema_rel(const struct cpe_schema *s, const char *path);
/* Write root + rel into out (size n). Returns 0 or -ERR_TOO_BIG. */
int cpe_schema_abs(const struct cpe_schema *s, const char *rel, char *out, size_t n) WARN_UNUSED;

/* Find a template path. Returns the parameter index (>= 0, *is_node false) or node index
 * (*is_node true); -1 if unknown. */
int cpe_schema_find(const struct cpe_schema *s, const char *tmpl, bool *is_node);

/* Split a concrete path into its template ("Device.IP.Interface.{i}.Enable") and instance
 * numbers; a segment of digits becomes {i}. Returns the depth, or -1 if malformed
 * (too long, too deep, empty segment, instance 0 or over 2^31). */
int cpe_path_template(const char *path, char *tmpl, size_t n, uint32_t idx[CPE_MAX_DEPTH]);
/* Write the concrete path of a template with instance numbers idx. Returns 0 or
 * -ERR_TOO_BIG. */
int cpe_path_format(const char *tmpl, const uint32_t *idx, char *out, size_t n) WARN_UNUSED;

/* The xsi:type of a parameter ("xsd:unsignedInt"); lists and strings are xsd:string. */
const char *cpe_type_xsd(const struct cpe_sparam *p);

#endif

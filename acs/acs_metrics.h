/* acs/acs_metrics.h — process-wide counters, one gauge and one histogram for acsd, exported in
 * the Prometheus text format by the NBI's GET /metrics.
 * Owns: file-static atomic counters (no locks; relaxed atomics, a scrape may see a sample a
 * few increments apart across series). Thread-safety: every function, from any thread. */
#ifndef ACS_METRICS_H
#define ACS_METRICS_H

#include <stddef.h>

#include "buf.h"
#include "err.h"

/* Counter families; each has its own label enum below. */
enum acs_metric {
    ACS_METRIC_SESSIONS,     /* CWMP sessions ended, by enum acs_metric_session */
    ACS_METRIC_CWMP_FAULTS,  /* CWMP faults, by enum acs_metric_fault_class */
    ACS_METRIC_AUTH_REFUSED, /* refused peers, by enum acs_metric_auth */
    ACS_METRIC_HTTP_503,     /* 503 answers, by enum acs_metric_listener */
    ACS_METRIC_HTTP_413,     /* 413 answers, by enum acs_metric_listener */
    ACS_METRIC_RPCS,         /* RPCs, by enum acs_metric_rpc */
    ACS_METRIC_CONN_REQ,     /* connection requests, by enum acs_cr_status (acs_cr.h) */
    ACS_METRIC_CR_REFUSED,   /* connection requests refused by the address policy, by
                              * enum acs_cr_verdict - ACS_CRV_LOOPBACK (acs_cr_policy.h) */
    ACS_METRIC_PREAUTH,      /* pre-authentication refusals, by enum acs_metric_preauth */
    ACS_METRIC_CWMP_LENIENT, /* CPE messages accepted although wrong, by kind (the bit number of
                              * a CWMP_LENIENT_* bit, cwmp.h) */
    ACS_METRIC_TRANSFER_COMPLETE, /* TransferCompletes, by enum acs_metric_transfer */
    ACS_METRIC__COUNT
};

enum acs_metric_session { ACS_MS_OK, ACS_MS_REFUSED, ACS_MS_TIMEOUT, ACS_MS_ERROR, ACS_MS_ABORTED, ACS_MS__COUNT };

/* CWMP fault codes grouped (acs_metrics_fault_class() maps a code). */
enum acs_metric_fault_class {
    ACS_MF_ACS,       /* 8000-8999: faults the ACS sent to a CPE */
    ACS_MF_REQUEST,   /* 9000-9004: method, request denied, internal, invalid arguments, resources */
    ACS_MF_PARAMETER, /* 9005-9008: parameter name, type, value, not writable */
    ACS_MF_TRANSFER,  /* 9009-9032 other than the above: notification, download/upload, transfer */
    ACS_MF_VENDOR,    /* 9800-9899 */
    ACS_MF_OTHER,
    ACS_MF__COUNT
};

/* Refusal reasons: the first ones mirror enum ca_verify_reason (acs_metrics_auth_from_verify). */
enum acs_metric_auth {
    ACS_MA_NO_CERT,
    ACS_MA_MALFORMED,
    ACS_MA_UNKNOWN_CA,
    ACS_MA_EXPIRED,
    ACS_MA_NOT_YET_VALID,
    ACS_MA_REVOKED,
    ACS_MA_WRONG_EKU,
    ACS_MA_NO_IDENTITY,
    ACS_MA_IDENTITY_MISMATCH,
    ACS_MA_LEGACY_DENIED,
    ACS_MA_INTERNAL,
    ACS_MA_NBI_TOKEN, /* NBI bearer token missing, unknown, expired or revoked */
    ACS_MA_NBI_ROLE,  /* NBI token without the role for the request */
    ACS_MA__COUNT
};

/* Refusals on the pre-authentication paths (acs_preauth.h): EST and legacy password mode. */
enum acs_metric_preauth {
    ACS_MP_EST_REFUSED,    /* an unauthenticated EST request refused (401, 403, 413, ...) */
    ACS_MP_LEGACY_REFUSED, /* a legacy Digest/Basic attempt refused */
    ACS_MP_OVER_SOURCE,    /* a source over its request budget: 429 before any work */
    ACS_MP_OVER_GLOBAL,    /* all sources over theirs: 503 before any work */
    ACS_MP_AUDIT_ROWS,     /* aggregated audit rows written (one per source and window) */
    ACS_MP__COUNT
};

/* What a TransferComplete did (acs_cpe_rpc.c), or that none came in time (acs_transfer_timeout.c). */
enum acs_metric_transfer {
    ACS_MT_COMPLETED, /* finished its task */
    ACS_MT_DUPLICATE, /* its task had one already: acknowledged, nothing changed */
    ACS_MT_UNKNOWN,   /* no transfer task of the device has its CommandKey */
    ACS_MT_DB_ERROR,  /* not stored: answered with fault 8002, the CPE sends it again */
    ACS_MT_TIMEOUT,   /* none within [acs] transfer_timeout: the housekeeper made the task a fault */
    ACS_MT_LATE,      /* came after that: finished the task with its real outcome */
    ACS_MT__COUNT
};

enum acs_metric_listener { ACS_ML_CWMP, ACS_ML_NBI, ACS_ML_FILES, ACS_ML__COUNT };

/* RPC names: the ACS's task kinds (acs_rpc.h ACS_TASK_KINDS) and the CPE's requests. */
enum acs_metric_rpc {
    ACS_MR_GET_PARAMETER_VALUES,
    ACS_MR_SET_PARAMETER_VALUES,
    ACS_MR_GET_PARAMETER_NAMES,
    ACS_MR_GET_PARAMETER_ATTRIBUTES,
    ACS_MR_SET_PARAMETER_ATTRIBUTES,
    ACS_MR_ADD_OBJECT,
    ACS_MR_DELETE_OBJECT,
    ACS_MR_REBOOT,
    ACS_MR_FACTORY_RESET,
    ACS_MR_DOWNLOAD,
    ACS_MR_UPLOAD,
    ACS_MR_SCHEDULE_INFORM,
    ACS_MR_CANCEL_TRANSFER,
    ACS_MR_GET_RPC_METHODS,
    ACS_MR_INFORM,
    ACS_MR_TRANSFER_COMPLETE,
    ACS_MR_AUTONOMOUS_TRANSFER_COMPLETE,
    ACS_MR_REQUEST_DOWNLOAD,
    ACS_MR_OTHER,
    ACS_MR__COUNT
};

#define ACS_METRICS_MAX_TEXT (64 * 1024) /* cap of the exposition text */

/* Add one to a counter; an out-of-range label counts as the family's last label. */
void acs_metrics_count(enum acs_metric m, unsigned label);
/* Count an RPC by name ("getParameterValues", "Inform", "TransferComplete"...; case-insensitive;
 * unknown names count as "other"). */
void acs_metrics_rpc(const char *name);
/* Count one accepted CPE message for each CWMP_LENIENT_* bit set in lenient (cwmp.h). */
void acs_metrics_lenient(unsigned int lenient);
/* Count a CWMP fault code by class. */
void acs_metrics_fault(int code);
enum acs_metric_fault_class acs_metrics_fault_class(int code);
/* Map enum ca_verify_reason (as int, to keep pki-ca out of this header) to a refusal label. */
enum acs_metric_auth acs_metrics_auth_from_verify(int ca_verify_reason);
/* A CWMP session ended after ms milliseconds with result r: counts it and observes the
 * latency histogram. */
void acs_metrics_session_end(enum acs_metric_session r, long ms);
/* The label of a sessions.result text: "ok", "refused:...", "timeout", "error:...", else aborted
 * ("aborted:shutdown", "superseded"). */
enum acs_metric_session acs_metrics_session_result(const char *result);
/* Observe a session's duration only (acs_metrics_session_end does it already). */
void acs_metrics_observe_session(long ms);
/* Open sessions gauge: +1 when a session starts, -1 when it ends. */
void acs_metrics_sessions_open_add(int delta);

/* Append the exposition text (HELP/TYPE lines, every series, counters ending in _total).
 * 0 or -ERR_TOO_BIG/-ERR_NOMEM. */
int acs_metrics_format(struct buf *out) WARN_UNUSED;
/* Zero everything (tests). */
void acs_metrics_reset(void);

#endif

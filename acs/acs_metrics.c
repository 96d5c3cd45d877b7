/* acs/acs_metrics.c — lock-free counters (C11 relaxed atomics) and their Prometheus text form.
 * State: the file-static arrays below, owned by this module; writers only ever add. */
#include "acs_metrics.h"

#include <stdatomic.h>
#include <string.h>
#include <strings.h>

#include "acs_cr.h"
#include "acs_cr_policy.h"
#include "ca_verify.h"
#include "cwmp.h"

#define MAX_LABELS 20

static const long bucket_ms[] = {10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000, 30000, 60000};
#define NBUCKETS (sizeof bucket_ms / sizeof bucket_ms[0])

static atomic_ulong counters[ACS_METRIC__COUNT][MAX_LABELS];
static atomic_ulong hist[NBUCKETS + 1]; /* last: above every bound (+Inf only) */
static atomic_ulong hist_sum_ms, hist_count;
static atomic_long sessions_open;

struct family {
    const char *name, *help, *label;
    unsigned n;
    const char *const *values;
};

static const char *const session_vals[] = {"ok", "refused", "timeout", "error", "aborted"};
static const char *const fault_vals[] = {"acs_8xxx",           "request_9000_9004", "parameter_9005_9008",
                                         "transfer_9009_9032", "vendor_98xx",       "other"};
static const char *const auth_vals[] = {"no_cert",  "malformed", "unknown_ca",  "expired",           "not_yet_valid",
                                        "revoked",  "wrong_eku", "no_identity", "identity_mismatch", "legacy_denied",
                                        "internal", "nbi_token", "nbi_role"};
static const char *const listener_vals[] = {"cwmp", "nbi", "files"};
static const char *const rpc_vals[] = {"GetParameterValues",
                                       "SetParameterValues",
                                       "GetParameterNames",
                                       "GetParameterAttributes",
                                       "SetParameterAttributes",
                                       "AddObject",
                                       "DeleteObject",
                                       "Reboot",
                                       "FactoryReset",
                                       "Download",
                                       "Upload",
                                       "ScheduleInform",
                                       "CancelTransfer",
                                       "GetRPCMethods",
                                       "Inform",
                                       "TransferComplete",
                                       "AutonomousTransferComplete",
                                       "RequestDownload",
                                       "other"};
static const char *const preauth_vals[] = {"est_refused", "legacy_refused", "over_source_budget",
                                           "over_global_budget", "audit_rows"};
static const char *const lenient_vals[] = {
#define X(e, n, b) n,
    CWMP_LENIENT_LIST(X)
#undef X
};
static const char *const cr_vals[] = {"ok",      "auth_failed", "busy",           "timeout", "unreachable",
                                      "bad_url", "http_error",  "policy_refused", "internal"};
static const char *const cr_refused_vals[] = {"loopback",  "link_local", "unspecified", "multicast",
                                              "broadcast", "self",       "deny_range",  "bad_url"};

static const char *const transfer_vals[] = {"completed", "duplicate", "unknown", "db_error", "timeout", "late"};

#define N(a) (unsigned)(sizeof(a) / sizeof((a)[0]))
static const struct family families[ACS_METRIC__COUNT] = {
    [ACS_METRIC_SESSIONS] = {"acs_cwmp_sessions_total", "CWMP sessions ended, by result", "result", N(session_vals),
                             session_vals},
    [ACS_METRIC_CWMP_FAULTS] = {"acs_cwmp_faults_total", "CWMP faults, by fault code class", "class", N(fault_vals),
                                fault_vals},
    [ACS_METRIC_AUTH_REFUSED] = {"acs_auth_refusals_total", "Refused peers and API clients, by reason", "reason",
                                 N(auth_vals), auth_vals},
    [ACS_METRIC_HTTP_503] = {"acs_http_503_total", "HTTP 503 answers (overload), by listener", "listener",
                             N(listener_vals), listener_vals},
    [ACS_METRIC_HTTP_413] = {"acs_http_413_total", "HTTP 413 answers (body over the limit), by listener", "listener",
                             N(listener_vals), listener_vals},
    [ACS_METRIC_RPCS] = {"acs_cwmp_rpcs_total", "CWMP RPCs sent or received, by method", "method", N(rpc_vals),
                         rpc_vals},
    [ACS_METRIC_CONN_REQ] = {"acs_connection_requests_total", "Connection requests, by result", "result", N(cr_vals),
                             cr_vals},
    [ACS_METRIC_CR_REFUSED] = {"acs_cr_refused_total",
                               "Connection requests not sent: the URL or its address refused ([cr] policy), by reason",
                               "reason", N(cr_refused_vals), cr_refused_vals},
    [ACS_METRIC_PREAUTH] = {"acs_preauth_total",
                            "Pre-authentication paths (EST, legacy passwords): refusals, budget refusals, "
                            "aggregated audit rows",
                            "what", N(preauth_vals), preauth_vals},
    [ACS_METRIC_CWMP_LENIENT] = {"acs_cwmp_lenient_total",
                                 "CPE messages accepted although wrong (common/cwmp/README.md), by kind", "kind",
                                 N(lenient_vals), lenient_vals},
    [ACS_METRIC_TRANSFER_COMPLETE] = {"acs_cwmp_transfer_complete_total",
                                      "TransferCompletes received, by what they did to their task; timeout: "
                                      "none came within [acs] transfer_timeout",
                                      "outcome",
                                      N(transfer_vals), transfer_vals},
};

_Static_assert(N(session_vals) == ACS_MS__COUNT, "session labels");
_Static_assert(N(fault_vals) == ACS_MF__COUNT, "fault labels");
_Static_assert(N(auth_vals) == ACS_MA__COUNT, "auth labels");
_Static_assert(N(listener_vals) == ACS_ML__COUNT, "listener labels");
_Static_assert(N(rpc_vals) == ACS_MR__COUNT, "rpc labels");
_Static_assert(N(cr_vals) == ACS_CR_INTERNAL + 1, "connection request labels");
_Static_assert(N(cr_refused_vals) == ACS_CRV__COUNT - ACS_CRV_LOOPBACK, "cr refusal labels");
_Static_assert(N(preauth_vals) == ACS_MP__COUNT, "preauth labels");
_Static_assert(N(transfer_vals) == ACS_MT__COUNT, "transfer labels");
_Static_assert(N(lenient_vals) == CWMP_LENIENT_KINDS && CWMP_LENIENT_KINDS <= MAX_LABELS, "lenient labels");
_Static_assert(ACS_MR__COUNT <= MAX_LABELS && ACS_MA__COUNT <= MAX_LABELS, "label array size");

void acs_metrics_count(enum acs_metric m, unsigned label)
{
    if ((unsigned)m >= ACS_METRIC__COUNT)
        return;
    if (label >= families[m].n)
        label = families[m].n - 1;
    atomic_fetch_add_explicit(&counters[m][label], 1, memory_order_relaxed);
}

void acs_metrics_rpc(const char *name)
{
    unsigned i = 0;
    while (name && i < ACS_MR_OTHER && strcasecmp(name, rpc_vals[i]))
        i++;
    acs_metrics_count(ACS_METRIC_RPCS, name ? i : ACS_MR_OTHER);
}

void acs_metrics_lenient(unsigned int lenient)
{
    for (unsigned i = 0; i < CWMP_LENIENT_KINDS; i++)
        if (lenient & (1u << i))
            acs_metrics_count(ACS_METRIC_CWMP_LENIENT, i);
}

enum acs_metric_fault_class acs_metrics_fault_class(int code)
{
    if (code >= 8000 && code <= 8999)
        return ACS_MF_ACS;
    if (code >= 9000 && code <= 9004)
        return ACS_MF_REQUEST;
    if (code >= 9005 && code <= 9008)
        return ACS_MF_PARAMETER;
    if (code >= 9009 && code <= 9032)
        return ACS_MF_TRANSFER;
    if (code >= 9800 && code <= 9899)
        return ACS_MF_VENDOR;
    return ACS_MF_OTHER;
}

void acs_metrics_fault(int code)
{
    acs_metrics_count(ACS_METRIC_CWMP_FAULTS, acs_metrics_fault_class(code));
}

enum acs_metric_auth acs_metrics_auth_from_verify(int reason)
{
    switch ((enum ca_verify_reason)reason) {
    case CA_VERIFY_NO_CERT: return ACS_MA_NO_CERT;
    case CA_VERIFY_MALFORMED: return ACS_MA_MALFORMED;
    case CA_VERIFY_UNKNOWN_CA: return ACS_MA_UNKNOWN_CA;
    case CA_VERIFY_EXPIRED: return ACS_MA_EXPIRED;
    case CA_VERIFY_NOT_YET_VALID: return ACS_MA_NOT_YET_VALID;
    case CA_VERIFY_REVOKED: return ACS_MA_REVOKED;
    case CA_VERIFY_WRONG_EKU: return ACS_MA_WRONG_EKU;
    case CA_VERIFY_NO_IDENTITY: return ACS_MA_NO_IDENTITY;
    default: return ACS_MA_INTERNAL;
    }
}

void acs_metrics_observe_session(long ms)
{
    if (ms < 0)
        ms = 0;
    size_t i = 0;
    while (i < NBUCKETS && ms > bucket_ms[i])
        i++;
    atomic_fetch_add_explicit(&hist[i], 1, memory_order_relaxed);
    atomic_fetch_add_explicit(&hist_sum_ms, (unsigned long)ms, memory_order_relaxed);
    atomic_fetch_add_explicit(&hist_count, 1, memory_order_relaxed);
}

enum acs_metric_session acs_metrics_session_result(const char *result)
{
    if (!result)
        return ACS_MS_ERROR;
    if (!strcmp(result, "ok"))
        return ACS_MS_OK;
    if (!strncmp(result, "refused", 7))
        return ACS_MS_REFUSED;
    if (!strcmp(result, "timeout"))
        return ACS_MS_TIMEOUT;
    if (!strncmp(result, "error", 5))
        return ACS_MS_ERROR;
    return ACS_MS_ABORTED;
}

void acs_metrics_session_end(enum acs_metric_session r, long ms)
{
    acs_metrics_count(ACS_METRIC_SESSIONS, r);
    acs_metrics_observe_session(ms);
}

void acs_metrics_sessions_open_add(int delta)
{
    atomic_fetch_add_explicit(&sessions_open, delta, memory_order_relaxed);
}

static int format_family(struct buf *out, const struct family *f, atomic_ulong *vals)
{
    int rc = buf_printf(out, "# HELP %s %s.\n# TYPE %s counter\n", f->name, f->help, f->name);
    for (unsigned i = 0; rc == 0 && i < f->n; i++)
        rc = buf_printf(out, "%s{%s=\"%s\"} %lu\n", f->name, f->label, f->values[i],
                        atomic_load_explicit(&vals[i], memory_order_relaxed));
    return rc;
}

static int format_histogram(struct buf *out)
{
    static const char name[] = "acs_cwmp_session_duration_seconds";
    int rc = buf_printf(out,
                        "# HELP %s Duration of CWMP sessions, Inform to the last answer.\n"
                        "# TYPE %s histogram\n",
                        name, name);
    unsigned long cum = 0;
    for (size_t i = 0; rc == 0 && i < NBUCKETS; i++) {
        cum += atomic_load_explicit(&hist[i], memory_order_relaxed);
        rc = buf_printf(out, "%s_bucket{le=\"%ld.%03ld\"} %lu\n", name, bucket_ms[i] / 1000, bucket_ms[i] % 1000, cum);
    }
    /* +Inf must equal _count: take the count first and never report a smaller cumulative */
    unsigned long count = atomic_load_explicit(&hist_count, memory_order_relaxed);
    unsigned long sum = atomic_load_explicit(&hist_sum_ms, memory_order_relaxed);
    if (count < cum)
        count = cum;
    if (rc == 0)
        rc = buf_printf(out, "%s_bucket{le=\"+Inf\"} %lu\n%s_sum %lu.%03lu\n%s_count %lu\n", name, count, name,
                        sum / 1000, sum % 1000, name, count);
    return rc;
}

int acs_metrics_format(struct buf *out)
{
    int rc = 0;
    for (unsigned m = 0; rc == 0 && m < ACS_METRIC__COUNT; m++)
        rc = format_family(out, &families[m], counters[m]);
    if (rc == 0)
        rc = format_histogram(out);
    if (rc == 0)
        rc = buf_printf(out,
                        "# HELP acs_cwmp_sessions_open CWMP sessions open now.\n"
                        "# TYPE acs_cwmp_sessions_open gauge\nacs_cwmp_sessions_open %ld\n",
                        atomic_load_explicit(&sessions_open, memory_order_relaxed));
    return rc;
}

void acs_metrics_reset(void)
{
    for (unsigned m = 0; m < ACS_METRIC__COUNT; m++)
        for (unsigned i = 0; i < MAX_LABELS; i++)
            atomic_store(&counters[m][i], 0);
    for (size_t i = 0; i <= NBUCKETS; i++)
        atomic_store(&hist[i], 0);
    atomic_store(&hist_sum_ms, 0);
    atomic_store(&hist_count, 0);
    atomic_store(&sessions_open, 0);
}

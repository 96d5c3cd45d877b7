/* acs/session/acs_cpe_rpc.c — requests a CPE sends inside a session: TransferComplete and
 * AutonomousTransferComplete (stored on the task / as faults), GetRPCMethods, RequestDownload;
 * anything else is answered with fault 8000. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "acs_db.h"
#include "acs_metrics.h"
#include "acs_rpc.h"
#include "acs_session.h"
#include "cwmp_body.h"
#include "log.h"

static int fault_code_of(const struct cwmp__TransferCompleteFaultStruct *f)
{
    char *end = NULL;
    long c = f && f->FaultCode ? strtol(f->FaultCode, &end, 10) : 0;
    return end && !*end && c > 0 && c < 100000 ? (int)c : 0;
}

static json_t *transfer_json(const struct cwmp__TransferCompleteFaultStruct *f, const char *start,
                             const char *complete)
{
    return json_pack("{s:i,s:s,s:s,s:s}", "faultCode", fault_code_of(f), "faultString",
                     f && f->FaultString ? f->FaultString : "", "startTime", start ? start : "", "completeTime",
                     complete ? complete : "");
}

/* A TransferComplete, matched by acsd's CommandKey to one transfer task of this device (db/0008).
 * Returns -1 when it could not be stored: the caller answers fault 8002 and the CPE, which keeps
 * a TransferComplete until it is acknowledged, sends it again. */
static int transfer_complete(struct acs_worker *w, struct acs_session *s, const struct _cwmp__TransferComplete *tc)
{
    static const enum acs_metric_transfer outcome[] = {
        [ACS_TC_UNKNOWN] = ACS_MT_UNKNOWN, [ACS_TC_COMPLETED] = ACS_MT_COMPLETED, [ACS_TC_DUPLICATE] = ACS_MT_DUPLICATE,
        [ACS_TC_LATE] = ACS_MT_LATE};
    json_t *j = transfer_json(tc->FaultStruct, tc->StartTime, tc->CompleteTime);
    char *tj = j ? json_dumps(j, JSON_COMPACT) : NULL, *err = NULL, q[300];
    int code = fault_code_of(tc->FaultStruct);
    long task_id = 0;
    int rc = tj ? acs_db_transfer_complete(w->db, s->device_pk, tc->CommandKey, tj, code,
                                           tc->FaultStruct ? tc->FaultStruct->FaultString : "", &task_id, &err)
                : -ERR_NOMEM;
    acs_metrics_count(ACS_METRIC_TRANSFER_COMPLETE, rc < 0 ? ACS_MT_DB_ERROR : outcome[rc]);
    if (rc < 0)
        log_err("cwmp", "event=db_error session_id=%s what=transfer_complete msg=%s", s->id,
                log_quote(q, sizeof q, err ? err : "out of memory"));
    else if (rc == ACS_TC_DUPLICATE)
        log_info("cwmp", "event=transfer_complete_duplicate session_id=%s task_id=%ld", s->id, task_id);
    else if (rc == ACS_TC_UNKNOWN)
        log_warn("cwmp", "event=transfer_complete_unknown session_id=%s fault_code=%d", s->id, code);
    else if (rc == ACS_TC_LATE) /* after [acs] transfer_timeout: the CPE did it, the task says so now */
        log_info("cwmp", "event=transfer_complete_late session_id=%s task_id=%ld fault_code=%d", s->id, task_id,
                 code);
    else
        log_info("cwmp", "event=transfer_complete session_id=%s task_id=%ld fault_code=%d", s->id, task_id, code);
    free(err);
    free(tj);
    json_decref(j);
    return rc < 0 ? -1 : 0;
}

static void autonomous_transfer(struct acs_worker *w, struct acs_session *s,
                                const struct _cwmp__AutonomousTransferComplete *a)
{
    int code = fault_code_of(a->FaultStruct);
    char q[300], *err = NULL;
    log_info("cwmp", "event=autonomous_transfer_complete session_id=%s download=%d file_type=%s size=%u fault_code=%d",
             s->id, a->IsDownload == xsd__boolean__true_, log_quote(q, sizeof q, a->FileType ? a->FileType : ""),
             a->FileSize, code);
    if (code == 0)
        return;
    json_t *d = json_pack("[{s:s,s:i,s:s}]", "name", a->TransferURL ? a->TransferURL : "", "code", code, "string",
                          a->FaultStruct && a->FaultStruct->FaultString ? a->FaultStruct->FaultString : "");
    char *dj = d ? json_dumps(d, JSON_COMPACT) : NULL;
    if (acs_db_fault_add(w->db, s->device_pk, 0, code, a->FaultStruct ? a->FaultStruct->FaultString : "",
                         dj ? dj : "[]", &err) < 0)
        log_err("cwmp", "event=db_error session_id=%s what=fault_add msg=%s", s->id,
                log_quote(q, sizeof q, err ? err : "?"));
    free(err);
    free(dj);
    json_decref(d);
}

/* The methods this ACS answers (GetRPCMethodsResponse). */
static char *acs_methods[] = {"Inform", "GetRPCMethods", "TransferComplete", "AutonomousTransferComplete",
                              "RequestDownload"};

void acs_cpe_request(struct acs_worker *w, struct acs_session *s, const struct cwmp_msg *m,
                     struct acs_cwmp_reply *rep)
{
    struct cwmp_msg out = {0};
    struct _cwmp__TransferCompleteResponse tcr = {};
    struct _cwmp__AutonomousTransferCompleteResponse atcr = {};
    struct _cwmp__RequestDownloadResponse rdr = {};
    struct MethodList ml = {acs_methods, (int)(sizeof acs_methods / sizeof acs_methods[0])};
    struct _cwmp__GetRPCMethodsResponse gr = {&ml};
    char q[200];
    acs_metrics_rpc(cwmp_msg_name(m->type));
    switch (m->type) {
    case CWMP_MSG_TRANSFER_COMPLETE:
        if (transfer_complete(w, s, m->body.transfer_complete) < 0) {
            acs_reply_fault(w, s->version, m->header.id, CWMP_FAULT_ACS_INTERNAL, rep);
            return;
        }
        out.type = CWMP_MSG_TRANSFER_COMPLETE_RESPONSE;
        out.body.transfer_complete_response = &tcr;
        break;
    case CWMP_MSG_AUTONOMOUS_TRANSFER_COMPLETE:
        autonomous_transfer(w, s, m->body.autonomous_transfer_complete);
        out.type = CWMP_MSG_AUTONOMOUS_TRANSFER_COMPLETE_RESPONSE;
        out.body.autonomous_transfer_complete_response = &atcr;
        break;
    case CWMP_MSG_GET_RPC_METHODS:
        out.type = CWMP_MSG_GET_RPC_METHODS_RESPONSE;
        out.body.get_rpc_methods_response = &gr;
        break;
    case CWMP_MSG_REQUEST_DOWNLOAD:
        log_info("cwmp", "event=request_download session_id=%s file_type=%s", s->id,
                 log_quote(q, sizeof q, m->body.request_download->FileType ? m->body.request_download->FileType : ""));
        out.type = CWMP_MSG_REQUEST_DOWNLOAD_RESPONSE;
        out.body.request_download_response = &rdr;
        break;
    default:
        log_warn("cwmp", "event=method_not_supported session_id=%s rpc=%s", s->id, cwmp_msg_name(m->type));
        acs_reply_fault(w, s->version, m->header.id, CWMP_FAULT_ACS_METHOD_NOT_SUPPORTED, rep);
        return;
    }
    log_debug("cwmp", "event=cpe_request session_id=%s rpc=%s", s->id, cwmp_msg_name(m->type));
    (void)acs_reply_msg(w, s->version, m->header.id, &out, rep);
}

/* cpe-sim/libcpe/cpe_rpc_ops.c — device-level ACS requests: GetRPCMethods, Reboot,
 * FactoryReset, Download, Upload (simulated transfers: status 1 now, TransferComplete in a
 * later session), ScheduleInform, CancelTransfer; 9000 for anything else. */
#include <string.h>

#include "cpe_dev_int.h"
#include "cpe_rpc_int.h"
#include "cwmp_body.h"

static char *const methods[] = {
    "GetRPCMethods", "SetParameterValues", "GetParameterValues", "GetParameterNames",
    "SetParameterAttributes", "GetParameterAttributes", "AddObject", "DeleteObject",
    "Reboot", "Download", "Upload", "FactoryReset", "ScheduleInform", "CancelTransfer",
};

#define TIME_UNKNOWN "0001-01-01T00:00:00Z"

static void *empty_reply(struct cpe_arena *a, struct cwmp_msg *out, enum cwmp_msg_type t)
{
    out->type = t;
    out->body.any = cpe_arena_alloc(a, 16); /* the generated empty structs hold one char */
    return out->body.any;
}

static int rpc_methods(struct cpe_arena *a, struct cwmp_msg *out)
{
    struct _cwmp__GetRPCMethodsResponse *r = cpe_arena_alloc(a, sizeof *r);
    struct MethodList *l = cpe_arena_alloc(a, sizeof *l);
    if (!r || !l)
        return -ERR_NOMEM;
    l->__ptrstring = (char **)methods;
    l->__size = (int)(sizeof methods / sizeof *methods);
    r->MethodList = l;
    out->type = CWMP_MSG_GET_RPC_METHODS_RESPONSE;
    out->body.get_rpc_methods_response = r;
    return 0;
}

/* Queue a simulated transfer. URLs containing "fail" end in a transfer fault (for ACS
 * tests); the transfer itself is not performed. Returns 0 or a fault code. */
static int queue_transfer(struct cpe_dev *d, bool download, const char *key, const char *url, unsigned delay_s,
                          int64_t now_ms)
{
    if (!url || !*url || strlen(url) > 256)
        return CWMP_FAULT_INVALID_ARGS;
    if (strncmp(url, "http://", 7) != 0 && strncmp(url, "https://", 8) != 0)
        return 9013; /* unsupported protocol for file transfer */
    if (d->nxfers >= CPE_MAX_XFERS)
        return CWMP_FAULT_RESOURCES;
    struct cpe_xfer *x = &d->xfers[d->nxfers++];
    memset(x, 0, sizeof *x);
    cpe_key_copy(x->key, key);
    x->download = download;
    x->state = CPE_XFER_QUEUED;
    x->start_ms = now_ms + (int64_t)(delay_s > 86400 ? 86400 : delay_s) * 1000;
    x->done_ms = x->start_ms + d->cfg->transfer_ms;
    x->fault = strstr(url, "fail") ? (download ? 9010 : 9011) : 0;
    return 0;
}

static int transfer_reply(struct cpe_arena *a, struct cwmp_msg *out, bool download)
{
    /* Status 1: not yet completed; TransferComplete follows in a later session */
    if (download) {
        struct _cwmp__DownloadResponse *r = cpe_arena_alloc(a, sizeof *r);
        if (!r)
            return -ERR_NOMEM;
        r->Status = _cwmp__DownloadResponse_Status__1;
        r->StartTime = r->CompleteTime = (char *)TIME_UNKNOWN;
        out->type = CWMP_MSG_DOWNLOAD_RESPONSE;
        out->body.download_response = r;
    } else {
        struct _cwmp__UploadResponse *r = cpe_arena_alloc(a, sizeof *r);
        if (!r)
            return -ERR_NOMEM;
        r->Status = _cwmp__UploadResponse_Status__1;
        r->StartTime = r->CompleteTime = (char *)TIME_UNKNOWN;
        out->type = CWMP_MSG_UPLOAD_RESPONSE;
        out->body.upload_response = r;
    }
    return 0;
}

static int cancel_transfer(struct cpe_dev *d, const char *key, struct cpe_arena *a, struct cwmp_msg *out)
{
    for (unsigned i = 0; i < d->nxfers; i++) {
        if (strcmp(d->xfers[i].key, key ? key : "") != 0)
            continue;
        if (d->xfers[i].state != CPE_XFER_QUEUED)
            return cpe_rpc_reply_fault(a, out, 9021); /* cancelation not permitted now */
        memmove(&d->xfers[i], &d->xfers[i + 1], (d->nxfers - i - 1) * sizeof *d->xfers);
        d->nxfers--;
        return empty_reply(a, out, CWMP_MSG_CANCEL_TRANSFER_RESPONSE) ? 0 : -ERR_NOMEM;
    }
    return cpe_rpc_reply_fault(a, out, CWMP_FAULT_INVALID_ARGS);
}

int cpe_rpc_ops_answer(struct cpe_dev *d, const struct cwmp_msg *in, struct cpe_arena *a, int64_t now_ms,
                       struct cwmp_msg *out)
{
    int fault = 0;
    switch (in->type) {
    case CWMP_MSG_GET_RPC_METHODS:
        return rpc_methods(a, out);
    case CWMP_MSG_REBOOT:
        d->reboot_pending = true;
        cpe_key_copy(d->pending_reboot_key, in->body.reboot->CommandKey);
        return empty_reply(a, out, CWMP_MSG_REBOOT_RESPONSE) ? 0 : -ERR_NOMEM;
    case CWMP_MSG_FACTORY_RESET:
        d->factory_reset_pending = true;
        return empty_reply(a, out, CWMP_MSG_FACTORY_RESET_RESPONSE) ? 0 : -ERR_NOMEM;
    case CWMP_MSG_DOWNLOAD: {
        const struct _cwmp__Download *r = in->body.download;
        fault = queue_transfer(d, true, r->CommandKey, r->URL, r->DelaySeconds, now_ms);
        return fault ? cpe_rpc_reply_fault(a, out, fault) : transfer_reply(a, out, true);
    }
    case CWMP_MSG_UPLOAD: {
        const struct _cwmp__Upload *r = in->body.upload;
        fault = queue_transfer(d, false, r->CommandKey, r->URL, r->DelaySeconds, now_ms);
        return fault ? cpe_rpc_reply_fault(a, out, fault) : transfer_reply(a, out, false);
    }
    case CWMP_MSG_SCHEDULE_INFORM: {
        const struct _cwmp__ScheduleInform *r = in->body.schedule_inform;
        if (r->DelaySeconds == 0)
            return cpe_rpc_reply_fault(a, out, CWMP_FAULT_INVALID_ARGS);
        d->sched_at = now_ms + (int64_t)r->DelaySeconds * 1000;
        cpe_key_copy(d->sched_key, r->CommandKey);
        return empty_reply(a, out, CWMP_MSG_SCHEDULE_INFORM_RESPONSE) ? 0 : -ERR_NOMEM;
    }
    case CWMP_MSG_CANCEL_TRANSFER:
        return cancel_transfer(d, in->body.cancel_transfer->CommandKey, a, out);
    default:
        return cpe_rpc_reply_fault(a, out, CWMP_FAULT_METHOD_NOT_SUPPORTED);
    }
}

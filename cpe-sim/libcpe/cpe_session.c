/* cpe-sim/libcpe/cpe_session.c — CPE-side CWMP session state machine (cpe_session.h). */
#include "cpe_session.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cpe_dev_int.h"
#include "cpe_rpc.h"
#include "cwmp_body.h"

enum state {
    S_IDLE,
    S_INFORM,      /* Inform posted, waiting for InformResponse */
    S_XFER,        /* TransferComplete posted */
    S_EMPTY,       /* empty POST or an RPC response posted: an ACS request or 204 next */
    S_DONE,
    S_FAILED,
};

static const char *const fail_names[CPE_FAIL_COUNT] = {
    [CPE_FAIL_NONE] = "none",           [CPE_FAIL_CONNECT] = "connect",
    [CPE_FAIL_TLS] = "tls",             [CPE_FAIL_IO] = "io",
    [CPE_FAIL_TIMEOUT] = "timeout",     [CPE_FAIL_HTTP_AUTH] = "http_auth",
    [CPE_FAIL_HTTP_BUSY] = "http_503",  [CPE_FAIL_HTTP_STATUS] = "http_status",
    [CPE_FAIL_SOAP] = "soap",           [CPE_FAIL_PROTOCOL] = "protocol",
    [CPE_FAIL_ACS_FAULT] = "acs_fault", [CPE_FAIL_TOO_LONG] = "too_long",
    [CPE_FAIL_INTERNAL] = "internal",   [CPE_FAIL_ABORTED] = "aborted",
};

/* Parameters every Inform carries, relative to the root: TR-181 Device:2's forced inform
 * parameters and TR-098 InternetGatewayDevice:1's (DeviceSummary, SpecVersion), plus the
 * WAN address, which ACSes customarily expect. A name the model lacks is left out. */
static const char *const forced_params[] = {
    "RootDataModelVersion",
    "DeviceSummary",
    "DeviceInfo.SpecVersion",
    "DeviceInfo.HardwareVersion",
    "DeviceInfo.SoftwareVersion",
    "DeviceInfo.ProvisioningCode",
    "ManagementServer.ParameterKey",
    "ManagementServer.ConnectionRequestURL",
    "ManagementServer.AliasBasedAddressing",
    "IP.Interface.1.IPv4Address.1.IPAddress",
    "WANDevice.1.WANConnectionDevice.1.WANIPConnection.1.ExternalIPAddress",
};

const char *cpe_fail_str(enum cpe_fail f)
{
    return (unsigned)f < CPE_FAIL_COUNT ? fail_names[f] : "unknown";
}

void cpe_format_time(int64_t ms, char *out, size_t n)
{
    time_t t = (time_t)(ms / 1000);
    struct tm tm;
    if (!gmtime_r(&t, &tm) || !strftime(out, n, "%Y-%m-%dT%H:%M:%SZ", &tm))
        snprintf(out, n, "0001-01-01T00:00:00Z");
}

void cpe_session_init(struct cpe_session *s)
{
    memset(s, 0, sizeof *s);
    s->xfer = -1;
    cpe_arena_init(&s->arena);
}

void cpe_session_cleanup(struct cpe_session *s)
{
    cpe_arena_cleanup(&s->arena);
}

static enum cpe_step fail(struct cpe_session *s, enum cpe_fail why)
{
    s->state = S_FAILED;
    s->fail = why;
    return CPE_STEP_FAILED;
}

void cpe_session_abort(struct cpe_session *s, enum cpe_fail why)
{
    if (s->state != S_DONE && s->state != S_FAILED)
        (void)fail(s, why);
}

/* Encode msg (our request: fresh ID, or a response: the ACS's ID) into out. */
static int put(struct cpe_session *s, struct cwmp_msg *msg, const char *id, struct cwmp_codec *c, struct buf *out)
{
    if (!id) {
        snprintf(s->id, sizeof s->id, "cpe-%08x-%u", s->dev->ctx.hash, ++s->id_seq);
        id = s->id;
    }
    msg->version = s->version;
    msg->header.id = id;
    out->len = 0;
    if (out->data)
        out->data[0] = '\0';
    struct cwmp_error err;
    return cwmp_encode(c, msg, out, &err);
}

static int add_event(struct cpe_arena *a, struct EventList *l, enum cpe_event e, const char *key)
{
    struct cwmp__EventStruct *ev = cpe_arena_alloc(a, sizeof *ev);
    if (!ev)
        return -ERR_NOMEM;
    ev->EventCode = (char *)cpe_event_code(e);
    ev->CommandKey = cpe_arena_strdup(a, key ? key : "");
    if (!ev->CommandKey)
        return -ERR_NOMEM;
    l->__ptrEventStruct[l->__size++] = ev;
    return 0;
}

static struct EventList *inform_events(struct cpe_session *s)
{
    struct cpe_dev *d = s->dev;
    struct cpe_arena *a = &s->arena;
    struct EventList *l = cpe_arena_alloc(a, sizeof *l);
    if (!l || !(l->__ptrEventStruct = cpe_arena_alloc(a, (CPE_EV_COUNT + CPE_MAX_XFERS) * sizeof(void *))))
        return NULL;
    int rc = 0;
    s->sent_events = d->events;
    for (int e = 0; e < CPE_EV_COUNT && !rc; e++) {
        if (!(d->events & (1u << e)))
            continue;
        const char *key = e == CPE_EV_M_REBOOT ? d->reboot_key : e == CPE_EV_M_SCHEDULE_INFORM ? d->sched_key : "";
        rc = add_event(a, l, (enum cpe_event)e, key);
    }
    bool tc = false;
    for (unsigned i = 0; i < d->nxfers && !rc; i++) {
        if (d->xfers[i].state != CPE_XFER_DONE)
            continue;
        if (!tc)
            rc = add_event(a, l, CPE_EV_TRANSFER_COMPLETE, "");
        tc = true;
        if (!rc)
            rc = add_event(a, l, d->xfers[i].download ? CPE_EV_M_DOWNLOAD : CPE_EV_M_UPLOAD, d->xfers[i].key);
    }
    return rc ? NULL : l;
}

static int add_param(struct cpe_session *s, struct ParameterValueList *l, const struct cpe_ref *ref)
{
    struct cpe_dm *dm = s->dev->dm;
    const struct cpe_sparam *p = cpe_dm_param(dm, ref);
    char path[CPE_MAX_PATH + 64], buf[128];
    if (cpe_path_format(p->path, ref->idx, path, sizeof path) < 0)
        return 0;
    for (int i = 0; i < l->__size; i++)
        if (strcmp(l->__ptrParameterValueStruct[i]->Name, path) == 0)
            return 0;
    struct cwmp__ParameterValueStruct *pv = cpe_arena_alloc(&s->arena, sizeof *pv);
    if (!pv)
        return -ERR_NOMEM;
    pv->Name = cpe_arena_strdup(&s->arena, path);
    pv->Value.__item = cpe_arena_strdup(&s->arena, p->secured ? "" : cpe_dm_value(dm, ref, buf, sizeof buf));
    pv->Value.xsi__type = (char *)cpe_type_xsd(p);
    if (!pv->Name || !pv->Value.__item)
        return -ERR_NOMEM;
    l->__ptrParameterValueStruct[l->__size++] = pv;
    return 0;
}

static struct ParameterValueList *inform_params(struct cpe_session *s)
{
    struct cpe_dev *d = s->dev;
    size_t max = sizeof forced_params / sizeof *forced_params + d->nchanged;
    struct ParameterValueList *l = cpe_arena_alloc(&s->arena, sizeof *l);
    if (!l || !(l->__ptrParameterValueStruct = cpe_arena_alloc(&s->arena, max * sizeof(void *))))
        return NULL;
    for (size_t i = 0; i < sizeof forced_params / sizeof *forced_params; i++) {
        struct cpe_ref ref;
        char path[CPE_MAX_PATH];
        if (cpe_schema_abs(cpe_dm_schema(d->dm), forced_params[i], path, sizeof path) == 0 &&
            cpe_dm_resolve(d->dm, path, &ref) == 0 && ref.param >= 0 && add_param(s, l, &ref) < 0)
            return NULL;
    }
    for (unsigned i = 0; i < d->nchanged; i++)
        if (add_param(s, l, &d->changed[i]) < 0)
            return NULL;
    return l;
}

int cpe_session_start(struct cpe_session *s, struct cpe_dev *dev, int64_t now_ms, struct cwmp_codec *c,
                      struct buf *out)
{
    cpe_arena_reset(&s->arena);
    s->dev = dev;
    s->version = CWMP_V1_2;
    s->state = S_INFORM;
    s->fail = CPE_FAIL_NONE;
    s->exchanges = 1;
    s->rpcs = 0;
    s->xfer = -1;
    s->hold = false;
    s->http_status = 0;
    s->retry_after = 0;
    s->acs_fault = 0;
    s->last_rpc = CWMP_MSG_NONE;
    cpe_dev_collect(dev, now_ms);

    char now[32];
    cpe_format_time(now_ms, now, sizeof now);
    struct cwmp__DeviceIdStruct *id = cpe_arena_alloc(&s->arena, sizeof *id);
    struct _cwmp__Inform *inf = cpe_arena_alloc(&s->arena, sizeof *inf);
    if (!id || !inf)
        return -ERR_NOMEM;
    id->Manufacturer = (char *)dev->ctx.manufacturer;
    id->OUI = dev->oui;
    id->ProductClass = dev->product_class;
    id->SerialNumber = dev->serial;
    inf->DeviceId = id;
    inf->Event = inform_events(s);
    inf->MaxEnvelopes = 1;
    inf->CurrentTime = cpe_arena_strdup(&s->arena, now);
    inf->RetryCount = dev->retry_count;
    inf->ParameterList = inform_params(s);
    if (!inf->Event || !inf->CurrentTime || !inf->ParameterList)
        return -ERR_NOMEM;
    struct cwmp_msg msg = {.type = CWMP_MSG_INFORM, .body.inform = inf};
    return put(s, &msg, NULL, c, out);
}

/* Next request after InformResponse or a TransferCompleteResponse. */
static enum cpe_step next_request(struct cpe_session *s, struct cwmp_codec *c, struct buf *out)
{
    struct cpe_dev *d = s->dev;
    s->xfer = -1;
    for (unsigned i = 0; i < d->nxfers && !s->hold; i++)
        if (d->xfers[i].state == CPE_XFER_DONE) {
            s->xfer = (int)i;
            break;
        }
    cpe_arena_reset(&s->arena);
    if (s->xfer < 0) { /* empty POST: the ACS's turn */
        s->state = S_EMPTY;
        out->len = 0;
        return CPE_STEP_POST;
    }
    const struct cpe_xfer *x = &d->xfers[s->xfer];
    char start[32], done[32];
    cpe_format_time(x->start_ms, start, sizeof start);
    cpe_format_time(x->done_ms, done, sizeof done);
    struct _cwmp__TransferComplete *tc = cpe_arena_alloc(&s->arena, sizeof *tc);
    struct cwmp__TransferCompleteFaultStruct *fs = cpe_arena_alloc(&s->arena, sizeof *fs);
    if (!tc || !fs)
        return fail(s, CPE_FAIL_INTERNAL);
    tc->CommandKey = cpe_arena_strdup(&s->arena, x->key);
    fs->FaultCode = cpe_arena_printf(&s->arena, "%d", x->fault);
    fs->FaultString = (char *)(x->fault ? cwmp_fault_str(x->fault) : "");
    tc->FaultStruct = fs;
    tc->StartTime = cpe_arena_strdup(&s->arena, x->fault ? "0001-01-01T00:00:00Z" : start);
    tc->CompleteTime = cpe_arena_strdup(&s->arena, done);
    if (!tc->CommandKey || !fs->FaultCode || !tc->StartTime || !tc->CompleteTime)
        return fail(s, CPE_FAIL_INTERNAL);
    struct cwmp_msg msg = {.type = CWMP_MSG_TRANSFER_COMPLETE, .body.transfer_complete = tc};
    if (put(s, &msg, NULL, c, out) < 0)
        return fail(s, CPE_FAIL_INTERNAL);
    s->state = S_XFER;
    return CPE_STEP_POST;
}

static void drop_xfer(struct cpe_dev *d, int i)
{
    if (i < 0 || (unsigned)i >= d->nxfers)
        return;
    memmove(&d->xfers[i], &d->xfers[i + 1], (d->nxfers - (unsigned)i - 1) * sizeof *d->xfers);
    d->nxfers--;
}

/* An ACS request we could not decode: a fault if we can name its ID, else give up. */
static enum cpe_step answer_refused(struct cpe_session *s,
                                    const struct cwmp_error *err, struct cwmp_codec *c, struct buf *out)
{
    char id[64];
    /* the codec reports the cwmp:ID of a refused message when it got that far; copy it, the
     * encode below resets the codec */
    if (err->reason == CWMP_R_TRUNCATED || err->reason == CWMP_R_MALFORMED || err->reason == CWMP_R_ENCODING ||
        !err->id || strlen(err->id) >= sizeof id)
        return fail(s, CPE_FAIL_SOAP);
    snprintf(id, sizeof id, "%s", err->id);
    int code = err->reason == CWMP_R_UNKNOWN_METHOD ? CWMP_FAULT_METHOD_NOT_SUPPORTED
                                                    : cwmp_reason_fault(err->reason, CWMP_SIDE_CPE);
    cpe_arena_reset(&s->arena);
    struct cwmp_msg msg = {.type = CWMP_MSG_FAULT, .body.fault = cpe_rpc_fault(&s->arena, code)};
    if (!msg.body.fault || put(s, &msg, id, c, out) < 0)
        return fail(s, CPE_FAIL_INTERNAL);
    s->rpcs++;
    s->state = S_EMPTY;
    return CPE_STEP_POST;
}

static bool is_acs_request(enum cwmp_msg_type t)
{
    switch (t) {
    case CWMP_MSG_GET_RPC_METHODS: case CWMP_MSG_SET_PARAMETER_VALUES: case CWMP_MSG_GET_PARAMETER_VALUES:
    case CWMP_MSG_GET_PARAMETER_NAMES: case CWMP_MSG_SET_PARAMETER_ATTRIBUTES:
    case CWMP_MSG_GET_PARAMETER_ATTRIBUTES: case CWMP_MSG_ADD_OBJECT: case CWMP_MSG_DELETE_OBJECT:
    case CWMP_MSG_DOWNLOAD: case CWMP_MSG_REBOOT: case CWMP_MSG_GET_QUEUED_TRANSFERS:
    case CWMP_MSG_SCHEDULE_INFORM: case CWMP_MSG_SET_VOUCHERS: case CWMP_MSG_GET_OPTIONS: case CWMP_MSG_UPLOAD:
    case CWMP_MSG_FACTORY_RESET: case CWMP_MSG_GET_ALL_QUEUED_TRANSFERS: case CWMP_MSG_SCHEDULE_DOWNLOAD:
    case CWMP_MSG_CANCEL_TRANSFER: case CWMP_MSG_CHANGE_DU_STATE:
        return true;
    default:
        return false;
    }
}

static enum cpe_step answer_rpc(struct cpe_session *s, const struct cwmp_msg *in, int64_t now_ms,
                                struct cwmp_codec *c, struct buf *out)
{
    /* the request lives in the codec until the next encode: answer_rpc copies what the
     * device keeps, and the reply is built in the arena before encoding */
    char id[64];
    snprintf(id, sizeof id, "%s", in->header.id ? in->header.id : "");
    s->version = in->version;
    s->last_rpc = in->type;
    cpe_arena_reset(&s->arena);
    struct cwmp_msg reply = {0};
    if (cpe_rpc_answer(s->dev, in, &s->arena, now_ms, &reply) < 0)
        return fail(s, CPE_FAIL_INTERNAL);
    if (put(s, &reply, *id ? id : "0", c, out) < 0)
        return fail(s, CPE_FAIL_INTERNAL);
    s->rpcs++;
    s->state = S_EMPTY;
    return CPE_STEP_POST;
}

static enum cpe_step http_error(struct cpe_session *s, int status, unsigned retry_after)
{
    if (status == 401 || status == 403)
        return fail(s, CPE_FAIL_HTTP_AUTH);
    if (status == 503) {
        s->retry_after = retry_after;
        return fail(s, CPE_FAIL_HTTP_BUSY);
    }
    return fail(s, CPE_FAIL_HTTP_STATUS);
}

enum cpe_step cpe_session_feed(struct cpe_session *s, int status, const char *body, size_t len,
                               unsigned retry_after, int64_t now_ms, struct cwmp_codec *c, struct buf *out)
{
    if (s->state == S_DONE || s->state == S_FAILED || s->state == S_IDLE)
        return s->state == S_DONE ? CPE_STEP_DONE : CPE_STEP_FAILED;
    s->http_status = status;
    s->dev->ctx.now_ms = now_ms;
    if (++s->exchanges > CPE_SESSION_MAX_EXCHANGES)
        return fail(s, CPE_FAIL_TOO_LONG);
    bool empty = status == 204 || len == 0;
    if (status != 200 && status != 204)
        return http_error(s, status, retry_after);
    if (empty) {
        if (s->state != S_EMPTY)
            return fail(s, CPE_FAIL_PROTOCOL); /* the ACS must answer Inform/TransferComplete */
        s->state = S_DONE;
        return CPE_STEP_DONE;
    }
    const struct cwmp_msg *in = NULL;
    struct cwmp_error err;
    if (cwmp_decode(c, body, len, CWMP_DECODE_ALLOW_NO_ID, &in, &err) < 0)
        return s->state == S_EMPTY ? answer_refused(s, &err, c, out) : fail(s, CPE_FAIL_SOAP);
    if (in->type == CWMP_MSG_FAULT) {
        unsigned long code = 0;
        if (in->body.fault->FaultCode)
            code = strtoul(in->body.fault->FaultCode, NULL, 10);
        s->acs_fault = (int)code;
        if (code == CWMP_FAULT_ACS_RETRY)
            s->retry_after = retry_after;
        return fail(s, CPE_FAIL_ACS_FAULT);
    }
    if (in->has_header)
        s->hold = in->header.hold_requests;
    switch (s->state) {
    case S_INFORM:
        if (in->type != CWMP_MSG_INFORM_RESPONSE)
            return fail(s, CPE_FAIL_PROTOCOL);
        s->version = in->version;
        s->dev->events &= ~s->sent_events; /* delivered */
        if (s->sent_events & (1u << CPE_EV_VALUE_CHANGE))
            s->dev->nchanged = 0;
        return next_request(s, c, out);
    case S_XFER:
        if (in->type != CWMP_MSG_TRANSFER_COMPLETE_RESPONSE)
            return fail(s, CPE_FAIL_PROTOCOL);
        drop_xfer(s->dev, s->xfer);
        return next_request(s, c, out);
    case S_EMPTY:
        if (!is_acs_request(in->type))
            return fail(s, CPE_FAIL_PROTOCOL);
        return answer_rpc(s, in, now_ms, c, out);
    default:
        return fail(s, CPE_FAIL_INTERNAL);
    }
}

bool cpe_session_end(struct cpe_session *s, int64_t now_ms)
{
    bool ok = s->state == S_DONE;
    if (s->dev && s->state != S_IDLE)
        cpe_dev_session_done(s->dev, ok, s->retry_after, now_ms);
    s->state = S_IDLE;
    cpe_arena_reset(&s->arena);
    return ok;
}

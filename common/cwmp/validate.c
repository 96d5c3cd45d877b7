/* common/cwmp/validate.c — schema rules gSOAP does not enforce, checked on the parsed
 * structs (decode) and on the caller's structs (encode): header policy, required elements,
 * NULL array items, string lengths (XSD maxLength, in characters), patterns (EventCode,
 * FileType, OUI, ObjectName), fault code ranges, dateTime form, duplicate names in
 * SetParameterValues and Value text vs its xsi:type. Lexical helpers: lex.c. */
#include <stdlib.h>
#include <string.h>

#include "cwmp_body.h"
#include "cwmp_int.h"

#define TRY(x)                                                                            \
    do {                                                                                  \
        int rc_ = (x);                                                                    \
        if (rc_ < 0)                                                                      \
            return rc_;                                                                   \
    } while (0)

/* A SOAP-ENC array: present, sane size, no NULL item. */
#define CHECK_LIST(err, list, ptr, what)                                                  \
    do {                                                                                  \
        if (!(list))                                                                      \
            return cwmp_fail((err), CWMP_R_MISSING, "%s missing", (what));                \
        if ((list)->__size > CWMP_MAX_ARRAY)                                              \
            return cwmp_fail((err), CWMP_R_TOO_BIG, "%s: %d items", (what), (list)->__size); \
        if ((list)->__size < 0 || ((list)->__size > 0 && !(list)->ptr))                   \
            return cwmp_fail((err), CWMP_R_ARRAY_COUNT, "%s: bad size", (what));          \
        for (int i_ = 0; i_ < (list)->__size; i_++)                                       \
            if (!(list)->ptr[i_])                                                         \
                return cwmp_fail((err), CWMP_R_ARRAY_COUNT, "%s: item %d missing", (what), \
                                 i_);                                                     \
    } while (0)

/* Required string of at most max characters (0 = no limit). */
static int req(struct cwmp_error *err, const char *what, const char *s, size_t max)
{
    if (!s)
        return cwmp_fail(err, CWMP_R_MISSING, "%s missing", what);
    if (max && cwmp_lex_chars(s, max + 1) > max)
        return cwmp_fail(err, CWMP_R_TOO_LONG, "%s longer than %zu characters", what, max);
    if (!cwmp_lex_clean(s))
        return cwmp_fail(err, CWMP_R_ENCODING, "%s holds a character XML cannot carry", what);
    return 0;
}

/* Optional string of at most max characters. */
static int opt(struct cwmp_error *err, const char *what, const char *s, size_t max)
{
    return s ? req(err, what, s, max) : 0;
}

static int req_datetime(struct cwmp_error *err, const char *what, const char *s)
{
    TRY(req(err, what, s, 64));
    if (!cwmp_lex_datetime(s))
        return cwmp_fail(err, CWMP_R_BAD_VALUE, "%s is not an xsd:dateTime", what);
    return 0;
}

static int file_type(struct cwmp_error *err, const char *what, const char *s)
{
    TRY(req(err, what, s, 64));
    if (!cwmp_lex_file_type(s))
        return cwmp_fail(err, CWMP_R_BAD_VALUE, "%s does not match the FileType pattern", what);
    return 0;
}

static int command_key(struct cwmp_error *err, const char *s)
{
    return req(err, "CommandKey", s, 32);
}

static int names_list(struct cwmp_error *err, const struct ParameterNames *l)
{
    CHECK_LIST(err, l, __ptrstring, "ParameterNames");
    for (int i = 0; i < l->__size; i++)
        TRY(req(err, "ParameterNames/string", l->__ptrstring[i], 256));
    return 0;
}

static int access_list(struct cwmp_error *err, const struct AccessList *l)
{
    CHECK_LIST(err, l, __ptrstring, "AccessList");
    for (int i = 0; i < l->__size; i++)
        TRY(req(err, "AccessList/string", l->__ptrstring[i], 64));
    return 0;
}

static int value(struct cwmp_error *err, const struct cwmp__ParameterValueStruct *p)
{
    if ((p->Value.__item && !cwmp_lex_clean(p->Value.__item)) ||
        (p->Value.xsi__type && !cwmp_lex_clean(p->Value.xsi__type)))
        return cwmp_fail(err, CWMP_R_ENCODING,
                         "Value of %.100s holds a character XML cannot carry", p->Name);
    const char *type = p->Value.xsi__type;
    if (!type)
        return 0; /* untyped: xsd:string */
    const char *local = strchr(type, ':');
    local = local ? local + 1 : type;
    if (!cwmp_lex_typed_value(local, p->Value.__item ? p->Value.__item : ""))
        return cwmp_fail(err, CWMP_R_VALUE_TYPE, "Value of %.100s is not a valid %.32s",
                         p->Name, local);
    return 0;
}

static int value_list(struct cwmp_error *err, const struct ParameterValueList *l)
{
    CHECK_LIST(err, l, __ptrParameterValueStruct, "ParameterList");
    for (int i = 0; i < l->__size; i++) {
        const struct cwmp__ParameterValueStruct *p = l->__ptrParameterValueStruct[i];
        TRY(req(err, "ParameterValueStruct/Name", p->Name, 256));
        TRY(value(err, p));
    }
    return 0;
}

static int cmp_names(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Names are checked non-NULL before. Sorting a copy keeps this O(n log n). */
static int no_duplicates(struct cwmp_error *err, const struct ParameterValueList *l)
{
    if (l->__size < 2)
        return 0;
    const char **names = malloc((size_t)l->__size * sizeof *names);
    if (!names)
        return cwmp_fail(err, CWMP_R_NOMEM, "out of memory");
    for (int i = 0; i < l->__size; i++)
        names[i] = l->__ptrParameterValueStruct[i]->Name;
    qsort(names, (size_t)l->__size, sizeof *names, cmp_names);
    int rc = 0;
    for (int i = 1; i < l->__size && rc == 0; i++)
        if (strcmp(names[i - 1], names[i]) == 0)
            rc = cwmp_fail(err, CWMP_R_DUPLICATE, "parameter %.120s set twice", names[i]);
    free(names);
    return rc;
}

static int device_id(struct cwmp_error *err, const struct cwmp__DeviceIdStruct *d)
{
    if (!d)
        return cwmp_fail(err, CWMP_R_MISSING, "DeviceId missing");
    TRY(req(err, "DeviceId/Manufacturer", d->Manufacturer, 64));
    TRY(req(err, "DeviceId/OUI", d->OUI, 6));
    if (!cwmp_lex_oui(d->OUI))
        return cwmp_fail(err, CWMP_R_BAD_VALUE, "OUI is not 6 uppercase hex digits");
    TRY(req(err, "DeviceId/ProductClass", d->ProductClass, 64));
    return req(err, "DeviceId/SerialNumber", d->SerialNumber, 64);
}

static int inform(struct cwmp_error *err, const struct _cwmp__Inform *m)
{
    TRY(device_id(err, m->DeviceId));
    CHECK_LIST(err, m->Event, __ptrEventStruct, "Event");
    for (int i = 0; i < m->Event->__size; i++) {
        const struct cwmp__EventStruct *e = m->Event->__ptrEventStruct[i];
        TRY(req(err, "EventCode", e->EventCode, 64));
        if (!cwmp_lex_event_code(e->EventCode))
            return cwmp_fail(err, CWMP_R_EVENT_CODE, "EventCode %.64s", e->EventCode);
        TRY(command_key(err, e->CommandKey));
    }
    TRY(req_datetime(err, "CurrentTime", m->CurrentTime));
    return value_list(err, m->ParameterList);
}

/* FaultCode text: a number in range (0 allowed where zero means "no fault"). */
static int fault_code(struct cwmp_error *err, const char *what, const char *s, bool zero_ok,
                      bool cpe_only)
{
    unsigned long n;
    if (!s)
        return cwmp_fail(err, CWMP_R_MISSING, "%s missing", what);
    if (!cwmp_lex_ulong(s, 99999, &n))
        return cwmp_fail(err, CWMP_R_FAULT_CODE, "%s is not a number", what);
    if ((n == 0 && zero_ok) || (cwmp_fault_code_valid((int)n) && (!cpe_only || n >= 9000)))
        return 0;
    return cwmp_fail(err, CWMP_R_FAULT_CODE, "%s %lu out of range", what, n);
}

static int fault(struct cwmp_error *err, const struct _cwmp__Fault *f)
{
    TRY(fault_code(err, "FaultCode", f->FaultCode, false, false));
    TRY(opt(err, "FaultString", f->FaultString, 256));
    if (f->__sizeSetParameterValuesFault < 0 ||
        (f->__sizeSetParameterValuesFault > 0 && !f->SetParameterValuesFault))
        return cwmp_fail(err, CWMP_R_ARRAY_COUNT, "SetParameterValuesFault: bad size");
    for (int i = 0; i < f->__sizeSetParameterValuesFault; i++) {
        const struct _cwmp__Fault_SetParameterValuesFault *p = &f->SetParameterValuesFault[i];
        TRY(req(err, "SetParameterValuesFault/ParameterName", p->ParameterName, 256));
        TRY(fault_code(err, "SetParameterValuesFault/FaultCode", p->FaultCode, false, true));
        TRY(opt(err, "SetParameterValuesFault/FaultString", p->FaultString, 256));
    }
    return 0;
}

static int transfer_fault(struct cwmp_error *err, const struct cwmp__TransferCompleteFaultStruct *f)
{
    if (!f)
        return cwmp_fail(err, CWMP_R_MISSING, "FaultStruct missing");
    TRY(fault_code(err, "FaultStruct/FaultCode", f->FaultCode, true, true));
    return opt(err, "FaultStruct/FaultString", f->FaultString, 256);
}

static int set_parameter_values(struct cwmp_error *err, const struct _cwmp__SetParameterValues *m)
{
    TRY(value_list(err, m->ParameterList));
    TRY(no_duplicates(err, m->ParameterList));
    return req(err, "ParameterKey", m->ParameterKey, 32);
}

static int notification(struct cwmp_error *err, int n)
{
    if (n < 0 || n > 6)
        return cwmp_fail(err, CWMP_R_BAD_VALUE, "Notification %d out of range", n);
    return 0;
}

static int set_parameter_attributes(struct cwmp_error *err,
                                    const struct SetParameterAttributesList *l)
{
    CHECK_LIST(err, l, __ptrSetParameterAttributesStruct, "ParameterList");
    for (int i = 0; i < l->__size; i++) {
        const struct cwmp__SetParameterAttributesStruct *p =
            l->__ptrSetParameterAttributesStruct[i];
        TRY(req(err, "SetParameterAttributesStruct/Name", p->Name, 256));
        TRY(notification(err, (int)p->Notification));
        TRY(access_list(err, p->AccessList));
    }
    return 0;
}

static int parameter_attributes(struct cwmp_error *err, const struct ParameterAttributeList *l)
{
    CHECK_LIST(err, l, __ptrParameterAttributeStruct, "ParameterList");
    for (int i = 0; i < l->__size; i++) {
        const struct cwmp__ParameterAttributeStruct *p = l->__ptrParameterAttributeStruct[i];
        TRY(req(err, "ParameterAttributeStruct/Name", p->Name, 256));
        TRY(notification(err, (int)p->Notification));
        TRY(access_list(err, p->AccessList));
    }
    return 0;
}

static int parameter_infos(struct cwmp_error *err, const struct ParameterInfoList *l)
{
    CHECK_LIST(err, l, __ptrParameterInfoStruct, "ParameterList");
    for (int i = 0; i < l->__size; i++)
        TRY(req(err, "ParameterInfoStruct/Name", l->__ptrParameterInfoStruct[i]->Name, 256));
    return 0;
}

static int object(struct cwmp_error *err, const char *name, const char *key)
{
    TRY(req(err, "ObjectName", name, 256));
    size_t n = strlen(name);
    if (n == 0 || name[n - 1] != '.')
        return cwmp_fail(err, CWMP_R_BAD_VALUE, "ObjectName does not end with '.'");
    return req(err, "ParameterKey", key, 32);
}

static int download(struct cwmp_error *err, const struct _cwmp__Download *m)
{
    TRY(command_key(err, m->CommandKey));
    TRY(file_type(err, "FileType", m->FileType));
    TRY(req(err, "URL", m->URL, 256));
    TRY(req(err, "Username", m->Username, 256));
    TRY(req(err, "Password", m->Password, 256));
    TRY(req(err, "TargetFileName", m->TargetFileName, 256));
    TRY(req(err, "SuccessURL", m->SuccessURL, 256));
    return req(err, "FailureURL", m->FailureURL, 256);
}

static int upload(struct cwmp_error *err, const struct _cwmp__Upload *m)
{
    TRY(command_key(err, m->CommandKey));
    TRY(file_type(err, "FileType", m->FileType));
    TRY(req(err, "URL", m->URL, 256));
    TRY(req(err, "Username", m->Username, 256));
    return req(err, "Password", m->Password, 256);
}

static int schedule_download(struct cwmp_error *err, const struct _cwmp__ScheduleDownload *m)
{
    TRY(command_key(err, m->CommandKey));
    TRY(file_type(err, "FileType", m->FileType));
    TRY(req(err, "URL", m->URL, 256));
    TRY(req(err, "Username", m->Username, 256));
    TRY(req(err, "Password", m->Password, 256));
    TRY(req(err, "TargetFileName", m->TargetFileName, 256));
    CHECK_LIST(err, m->TimeWindowList, __ptrTimeWindowStruct, "TimeWindowList");
    if (m->TimeWindowList->__size < 1 || m->TimeWindowList->__size > 2)
        return cwmp_fail(err, CWMP_R_BAD_VALUE, "TimeWindowList needs 1 or 2 windows");
    for (int i = 0; i < m->TimeWindowList->__size; i++) {
        const struct cwmp__TimeWindowStruct *w = m->TimeWindowList->__ptrTimeWindowStruct[i];
        TRY(file_type(err, "WindowMode", w->WindowMode));
        TRY(req(err, "UserMessage", w->UserMessage, 256));
    }
    return 0;
}

static int transfer_complete(struct cwmp_error *err, const struct _cwmp__TransferComplete *m)
{
    TRY(command_key(err, m->CommandKey));
    TRY(transfer_fault(err, m->FaultStruct));
    TRY(req_datetime(err, "StartTime", m->StartTime));
    return req_datetime(err, "CompleteTime", m->CompleteTime);
}

static int autonomous_transfer_complete(struct cwmp_error *err,
                                        const struct _cwmp__AutonomousTransferComplete *m)
{
    TRY(req(err, "AnnounceURL", m->AnnounceURL, 1024));
    TRY(req(err, "TransferURL", m->TransferURL, 1024));
    TRY(file_type(err, "FileType", m->FileType));
    TRY(req(err, "TargetFileName", m->TargetFileName, 256));
    TRY(transfer_fault(err, m->FaultStruct));
    TRY(req_datetime(err, "StartTime", m->StartTime));
    return req_datetime(err, "CompleteTime", m->CompleteTime);
}

static int kicked(struct cwmp_error *err, const struct _cwmp__Kicked *m)
{
    TRY(req(err, "Command", m->Command, 32));
    TRY(req(err, "Referer", m->Referer, 64));
    TRY(req(err, "Arg", m->Arg, 256));
    return req(err, "Next", m->Next, 1024);
}

static int request_download(struct cwmp_error *err, const struct _cwmp__RequestDownload *m)
{
    TRY(file_type(err, "FileType", m->FileType));
    CHECK_LIST(err, m->FileTypeArg, __ptrArgStruct, "FileTypeArg");
    for (int i = 0; i < m->FileTypeArg->__size; i++) {
        TRY(req(err, "ArgStruct/Name", m->FileTypeArg->__ptrArgStruct[i]->Name, 64));
        TRY(req(err, "ArgStruct/Value", m->FileTypeArg->__ptrArgStruct[i]->Value, 256));
    }
    return 0;
}

static int method_list(struct cwmp_error *err, const struct MethodList *l)
{
    CHECK_LIST(err, l, __ptrstring, "MethodList");
    for (int i = 0; i < l->__size; i++)
        TRY(req(err, "MethodList/string", l->__ptrstring[i], 64));
    return 0;
}

static int transfers(struct cwmp_error *err, const struct TransferList *l)
{
    CHECK_LIST(err, l, __ptrQueuedTransferStruct, "TransferList");
    for (int i = 0; i < l->__size; i++)
        TRY(command_key(err, l->__ptrQueuedTransferStruct[i]->CommandKey));
    return 0;
}

static int all_transfers(struct cwmp_error *err, const struct AllTransferList *l)
{
    CHECK_LIST(err, l, __ptrAllQueuedTransferStruct, "TransferList");
    for (int i = 0; i < l->__size; i++) {
        const struct cwmp__AllQueuedTransferStruct *t = l->__ptrAllQueuedTransferStruct[i];
        TRY(command_key(err, t->CommandKey));
        TRY(file_type(err, "FileType", t->FileType));
        TRY(req(err, "TargetFileName", t->TargetFileName, 256));
    }
    return 0;
}

static int options(struct cwmp_error *err, const struct OptionList *l)
{
    CHECK_LIST(err, l, __ptrOptionStruct, "OptionList");
    for (int i = 0; i < l->__size; i++) {
        TRY(req(err, "OptionName", l->__ptrOptionStruct[i]->OptionName, 64));
        TRY(req_datetime(err, "StartDate", l->__ptrOptionStruct[i]->StartDate));
        if (l->__ptrOptionStruct[i]->ExpirationDate)
            TRY(req_datetime(err, "ExpirationDate", *l->__ptrOptionStruct[i]->ExpirationDate));
    }
    return 0;
}

static int du_fault(struct cwmp_error *err, const struct cwmp__DeploymentUnitFaultStruct *f)
{
    if (!f)
        return cwmp_fail(err, CWMP_R_MISSING, "Fault missing");
    TRY(fault_code(err, "Fault/FaultCode", f->FaultCode, true, true));
    return opt(err, "Fault/FaultString", f->FaultString, 256);
}

/* The fields OpResultStruct and AutonOpResultStruct share. */
#define DU_RESULT(err, r)                                                                 \
    do {                                                                                  \
        TRY(req(err, "UUID", (r)->UUID, 36));                                             \
        TRY(req(err, "DeploymentUnitRef", (r)->DeploymentUnitRef, 0));                    \
        TRY(req(err, "Version", (r)->Version, 32));                                       \
        TRY(req(err, "ExecutionUnitRefList", (r)->ExecutionUnitRefList, 0));              \
        TRY(req_datetime(err, "StartTime", (r)->StartTime));                              \
        TRY(req_datetime(err, "CompleteTime", (r)->CompleteTime));                        \
        TRY(du_fault(err, (r)->Fault));                                                   \
    } while (0)

static int du_results(struct cwmp_error *err, int n, const struct cwmp__OpResultStruct *r)
{
    if (n < 0 || n > CWMP_MAX_ARRAY || (n > 0 && !r))
        return cwmp_fail(err, CWMP_R_ARRAY_COUNT, "Results: bad size %d", n);
    for (int i = 0; i < n; i++)
        DU_RESULT(err, &r[i]);
    return 0;
}

static int auton_du_results(struct cwmp_error *err, int n,
                            const struct cwmp__AutonOpResultStruct *r)
{
    if (n < 0 || n > CWMP_MAX_ARRAY || (n > 0 && !r))
        return cwmp_fail(err, CWMP_R_ARRAY_COUNT, "Results: bad size %d", n);
    for (int i = 0; i < n; i++) {
        DU_RESULT(err, &r[i]);
        TRY(req(err, "OperationPerformed", r[i].OperationPerformed, 0));
    }
    return 0;
}

/* Structs that are arrays of values (not pointers): presence and size only. */
static int value_array(struct cwmp_error *err, const char *what, int size, const void *items)
{
    if (size < 0 || size > CWMP_MAX_ARRAY || (size > 0 && !items))
        return cwmp_fail(err, CWMP_R_ARRAY_COUNT, "%s: bad size %d", what, size);
    return 0;
}

static int transfer_times(struct cwmp_error *err, const char *start, const char *complete)
{
    TRY(req_datetime(err, "StartTime", start));
    return req_datetime(err, "CompleteTime", complete);
}

/* Messages that ACS sends (CPE methods and responses to the CPE's requests). */
static int body_to_cpe(struct cwmp_error *err, const struct cwmp_msg *m)
{
    const union cwmp_body *b = &m->body;
    switch (m->type) {
    case CWMP_MSG_SET_PARAMETER_VALUES:
        return set_parameter_values(err, b->set_parameter_values);
    case CWMP_MSG_GET_PARAMETER_VALUES:
        return names_list(err, b->get_parameter_values->ParameterNames);
    case CWMP_MSG_GET_PARAMETER_NAMES:
        return req(err, "ParameterPath", b->get_parameter_names->ParameterPath, 256);
    case CWMP_MSG_SET_PARAMETER_ATTRIBUTES:
        return set_parameter_attributes(err, b->set_parameter_attributes->ParameterList);
    case CWMP_MSG_GET_PARAMETER_ATTRIBUTES:
        return names_list(err, b->get_parameter_attributes->ParameterNames);
    case CWMP_MSG_ADD_OBJECT:
        return object(err, b->add_object->ObjectName, b->add_object->ParameterKey);
    case CWMP_MSG_DELETE_OBJECT:
        return object(err, b->delete_object->ObjectName, b->delete_object->ParameterKey);
    case CWMP_MSG_DOWNLOAD:
        return download(err, b->download);
    case CWMP_MSG_REBOOT:
        return command_key(err, b->reboot->CommandKey);
    case CWMP_MSG_SCHEDULE_INFORM:
        return command_key(err, b->schedule_inform->CommandKey);
    case CWMP_MSG_SET_VOUCHERS:
        if (!b->set_vouchers->VoucherList)
            return cwmp_fail(err, CWMP_R_MISSING, "VoucherList missing");
        return value_array(err, "VoucherList", b->set_vouchers->VoucherList->__size,
                           b->set_vouchers->VoucherList->__ptrbase64);
    case CWMP_MSG_GET_OPTIONS:
        return req(err, "OptionName", b->get_options->OptionName, 64);
    case CWMP_MSG_UPLOAD:
        return upload(err, b->upload);
    case CWMP_MSG_SCHEDULE_DOWNLOAD:
        return schedule_download(err, b->schedule_download);
    case CWMP_MSG_CANCEL_TRANSFER:
        return command_key(err, b->cancel_transfer->CommandKey);
    case CWMP_MSG_CHANGE_DU_STATE:
        TRY(value_array(err, "Operations", b->change_du_state->__sizeOperations,
                        b->change_du_state->Operations));
        return command_key(err, b->change_du_state->CommandKey);
    case CWMP_MSG_KICKED_RESPONSE:
        return req(err, "NextURL", b->kicked_response->NextURL, 1024);
    default:
        return 0; /* no fields, or only enums and numbers gSOAP checked */
    }
}

/* Messages that a CPE sends (ACS methods and responses to the ACS's requests). */
static int body_to_acs(struct cwmp_error *err, const struct cwmp_msg *m)
{
    const union cwmp_body *b = &m->body;
    switch (m->type) {
    case CWMP_MSG_INFORM:
        return inform(err, b->inform);
    case CWMP_MSG_GET_RPC_METHODS_RESPONSE:
        return method_list(err, b->get_rpc_methods_response->MethodList);
    case CWMP_MSG_GET_PARAMETER_VALUES_RESPONSE:
        return value_list(err, b->get_parameter_values_response->ParameterList);
    case CWMP_MSG_GET_PARAMETER_NAMES_RESPONSE:
        return parameter_infos(err, b->get_parameter_names_response->ParameterList);
    case CWMP_MSG_GET_PARAMETER_ATTRIBUTES_RESPONSE:
        return parameter_attributes(err, b->get_parameter_attributes_response->ParameterList);
    case CWMP_MSG_DOWNLOAD_RESPONSE:
        return transfer_times(err, b->download_response->StartTime,
                              b->download_response->CompleteTime);
    case CWMP_MSG_UPLOAD_RESPONSE:
        return transfer_times(err, b->upload_response->StartTime,
                              b->upload_response->CompleteTime);
    case CWMP_MSG_GET_QUEUED_TRANSFERS_RESPONSE:
        return transfers(err, b->get_queued_transfers_response->TransferList);
    case CWMP_MSG_GET_ALL_QUEUED_TRANSFERS_RESPONSE:
        return all_transfers(err, b->get_all_queued_transfers_response->TransferList);
    case CWMP_MSG_GET_OPTIONS_RESPONSE:
        return options(err, b->get_options_response->OptionList);
    case CWMP_MSG_TRANSFER_COMPLETE:
        return transfer_complete(err, b->transfer_complete);
    case CWMP_MSG_AUTONOMOUS_TRANSFER_COMPLETE:
        return autonomous_transfer_complete(err, b->autonomous_transfer_complete);
    case CWMP_MSG_KICKED:
        return kicked(err, b->kicked);
    case CWMP_MSG_REQUEST_DOWNLOAD:
        return request_download(err, b->request_download);
    case CWMP_MSG_DU_STATE_CHANGE_COMPLETE:
        TRY(du_results(err, b->du_state_change_complete->__sizeResults,
                       b->du_state_change_complete->Results));
        return command_key(err, b->du_state_change_complete->CommandKey);
    case CWMP_MSG_AUTONOMOUS_DU_STATE_CHANGE_COMPLETE:
        return auton_du_results(err, b->autonomous_du_state_change_complete->__sizeResults,
                                b->autonomous_du_state_change_complete->Results);
    case CWMP_MSG_FAULT:
        return fault(err, b->fault);
    default:
        return body_to_cpe(err, m);
    }
}

static int header(const struct cwmp_msg *m, unsigned int flags, struct cwmp_error *err)
{
    TRY(opt(err, "cwmp:ID", m->header.id, 0));
    TRY(opt(err, "cwmp:SupportedCWMPVersions", m->header.supported_versions, 0));
    TRY(opt(err, "cwmp:UseCWMPVersion", m->header.use_version, 0));
    if (m->header.id) {
        if (!(flags & CWMP_VALIDATE_ENCODING) && !m->header.id_must_understand &&
            !(flags & CWMP_DECODE_ALLOW_NO_ID))
            return cwmp_fail(err, CWMP_R_MUST_UNDERSTAND, "cwmp:ID without mustUnderstand=\"1\"");
        return 0;
    }
    if ((flags & CWMP_DECODE_ALLOW_NO_ID) && !(flags & CWMP_VALIDATE_ENCODING))
        return 0;
    return cwmp_fail(err, CWMP_R_NO_ID, "no cwmp:ID header");
}

int cwmp_validate(const struct cwmp_msg *m, unsigned int flags, struct cwmp_error *err)
{
    if (m->type == CWMP_MSG_NONE)
        return 0;
    if ((unsigned int)m->type >= CWMP_MSG_COUNT || (unsigned int)m->version >= CWMP_VERSION_COUNT)
        return cwmp_fail(err, CWMP_R_INTERNAL, "bad message type or version");
    TRY(header(m, flags, err));
    if (!m->body.any)
        return cwmp_fail(err, CWMP_R_MISSING, "%s: no body", cwmp_msg_name(m->type));
    return body_to_acs(err, m);
}

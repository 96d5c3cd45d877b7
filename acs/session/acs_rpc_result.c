/* acs/session/acs_rpc_result.c — CPE answers to JSON: tasks.result per response type, CPE faults with
 * their SetParameterValuesFault list, parameter lists for the cache (secret values masked). */
#include <stdlib.h>
#include <string.h>

#include "acs_rpc.h"
#include "acs_secret_params.h"
#include "cwmp_body.h"

/* json_string() refuses invalid UTF-8 (gSOAP re-encodes input, so this is a safety net). */
static json_t *str(const char *s)
{
    json_t *v = json_string(s ? s : "");
    return v ? v : json_string("");
}

json_t *acs_rpc_param_list(const struct ParameterValueList *l)
{
    json_t *a = json_array();
    for (int i = 0; a && l && i < l->__size; i++) {
        const struct cwmp__ParameterValueStruct *p = l->__ptrParameterValueStruct[i];
        if (!p || !p->Name)
            continue;
        const char *v = p->Value.__item ? p->Value.__item : "";
        if (*v && acs_secret_param(p->Name)) /* neither tasks.result nor the cache keep a secret */
            v = ACS_SECRET_MASK;
        json_t *name = json_string(p->Name), *value = json_string(v);
        if (!name || !value) {
            json_decref(name);
            json_decref(value);
            continue;
        }
        json_array_append_new(a, json_pack("{s:o,s:o,s:s}", "name", name, "value", value, "type",
                                           p->Value.xsi__type ? p->Value.xsi__type : "xsd:string"));
    }
    return a;
}

static json_t *strings(const char *const *v, int n)
{
    json_t *a = json_array();
    for (int i = 0; a && v && i < n; i++)
        if (v[i])
            json_array_append_new(a, str(v[i]));
    return a;
}

static json_t *gpn_result(const struct _cwmp__GetParameterNamesResponse *b)
{
    json_t *a = json_array();
    const struct ParameterInfoList *l = b->ParameterList;
    for (int i = 0; a && l && i < l->__size; i++) {
        const struct cwmp__ParameterInfoStruct *p = l->__ptrParameterInfoStruct[i];
        if (p && p->Name)
            json_array_append_new(a, json_pack("{s:o,s:b}", "name", str(p->Name), "writable",
                                               p->Writable == xsd__boolean__true_));
    }
    return json_pack("{s:o}", "parameters", a);
}

static json_t *gpa_result(const struct _cwmp__GetParameterAttributesResponse *b)
{
    json_t *a = json_array();
    const struct ParameterAttributeList *l = b->ParameterList;
    for (int i = 0; a && l && i < l->__size; i++) {
        const struct cwmp__ParameterAttributeStruct *p = l->__ptrParameterAttributeStruct[i];
        if (!p || !p->Name)
            continue;
        const struct AccessList *al = p->AccessList;
        json_array_append_new(a, json_pack("{s:o,s:i,s:o}", "name", str(p->Name), "notification",
                                           (int)p->Notification, "accessList",
                                           strings((const char *const *)(al ? al->__ptrstring : NULL),
                                                   al ? al->__size : 0)));
    }
    return json_pack("{s:o}", "attributes", a);
}

static json_t *transfer_result(int status, const char *start, const char *complete)
{
    return json_pack("{s:i,s:o,s:o}", "status", status, "startTime", str(start), "completeTime", str(complete));
}

json_t *acs_rpc_result(const struct cwmp_msg *m)
{
    const union cwmp_body *b = &m->body;
    switch (m->type) {
    case CWMP_MSG_GET_PARAMETER_VALUES_RESPONSE:
        return json_pack("{s:o}", "values", acs_rpc_param_list(b->get_parameter_values_response->ParameterList));
    case CWMP_MSG_SET_PARAMETER_VALUES_RESPONSE:
        return json_pack("{s:i}", "status", (int)b->set_parameter_values_response->Status);
    case CWMP_MSG_GET_PARAMETER_NAMES_RESPONSE: return gpn_result(b->get_parameter_names_response);
    case CWMP_MSG_GET_PARAMETER_ATTRIBUTES_RESPONSE: return gpa_result(b->get_parameter_attributes_response);
    case CWMP_MSG_ADD_OBJECT_RESPONSE:
        return json_pack("{s:I,s:i}", "instanceNumber", (json_int_t)b->add_object_response->InstanceNumber, "status",
                         (int)b->add_object_response->Status);
    case CWMP_MSG_DELETE_OBJECT_RESPONSE:
        return json_pack("{s:i}", "status", (int)b->delete_object_response->Status);
    case CWMP_MSG_DOWNLOAD_RESPONSE:
        return transfer_result((int)b->download_response->Status, b->download_response->StartTime,
                               b->download_response->CompleteTime);
    case CWMP_MSG_UPLOAD_RESPONSE:
        return transfer_result((int)b->upload_response->Status, b->upload_response->StartTime,
                               b->upload_response->CompleteTime);
    case CWMP_MSG_GET_RPC_METHODS_RESPONSE: {
        const struct MethodList *l = b->get_rpc_methods_response->MethodList;
        return json_pack("{s:o}", "methods",
                         strings((const char *const *)(l ? l->__ptrstring : NULL), l ? l->__size : 0));
    }
    default: return json_object();
    }
}

int acs_rpc_fault(const struct cwmp_msg *m, int *code, const char **string, json_t **details)
{
    const struct _cwmp__Fault *f = m->type == CWMP_MSG_FAULT ? m->body.fault : NULL;
    *details = NULL;
    if (!f || !f->FaultCode)
        return -ERR_INVAL;
    char *end = NULL;
    long c = strtol(f->FaultCode, &end, 10);
    *code = end != f->FaultCode && !*end && c > 0 && c < 100000 ? (int)c : 0;
    *string = f->FaultString ? f->FaultString : "";
    json_t *a = json_array();
    for (int i = 0; a && i < f->__sizeSetParameterValuesFault; i++) {
        const struct _cwmp__Fault_SetParameterValuesFault *s = &f->SetParameterValuesFault[i];
        long sc = s->FaultCode ? strtol(s->FaultCode, NULL, 10) : 0;
        json_array_append_new(a, json_pack("{s:o,s:I,s:o}", "name", str(s->ParameterName), "code", (json_int_t)sc,
                                           "string", str(s->FaultString)));
    }
    *details = a;
    return a ? 0 : -ERR_NOMEM;
}

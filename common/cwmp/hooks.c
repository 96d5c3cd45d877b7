/* common/cwmp/hooks.c — arrayType bookkeeping. Decode: gSOAP trusts
 * soap-enc:arrayType: a larger count leaves NULL items, a smaller one silently drops the
 * extra items, a missing one is fine. The generated code calls these hooks instead of
 * soap_match_array and soap_id_enter (gen_hooks.h). When an array element starts, its
 * declared size is noted and cleared, so that gSOAP reads it item by item and counts
 * them itself; soap_id_enter, called next, gives the struct that receives the items.
 * After the parse, cwmp_arrays_check() compares each count with its declaration.
 * Encode: gSOAP writes no arrayType for an empty array whose item pointer is NULL (the
 * schema requires one); soap_element_id tells which array is being written and
 * soap_array_begin_out gets its "type[0]". */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cwmp_int.h"

static struct cwmp_codec *decoding_codec(struct soap *soap)
{
    struct cwmp_codec *c = soap->user;
    return c && c->decoding ? c : NULL;
}

static void array_problem(struct cwmp_codec *c, enum cwmp_reason r, const char *what,
                          const char *tag)
{
    if (c->array_err.reason == CWMP_R_OK)
        (void)cwmp_fail(&c->array_err, r, "%s in array %.64s", what, tag);
}

/* "[N]" -> N; -1 if not a single non-negative dimension. */
static long parse_size(const char *s)
{
    if (s[0] != '[' || s[1] < '0' || s[1] > '9')
        return -1;
    char *end;
    long n = strtol(s + 1, &end, 10);
    if (end[0] != ']' || end[1] != '\0' || n < 0)
        return -1;
    return n;
}

int cwmp_hook_match_array(struct soap *soap, const char *type)
{
    int rc = soap_match_array(soap, type);
    struct cwmp_codec *c = decoding_codec(soap);
    if (rc != SOAP_OK || !c)
        return rc;
    c->pending = false;
    if (!*soap->arraySize) {
        array_problem(c, CWMP_R_ARRAY_TYPE, "no soap-enc:arrayType", soap->tag);
        return rc;
    }
    long n = parse_size(soap->arraySize);
    *soap->arraySize = '\0'; /* read item by item, whatever the declaration says */
    if (n < 0 || n > CWMP_MAX_ARRAY) {
        array_problem(c, n < 0 ? CWMP_R_ARRAY_COUNT : CWMP_R_TOO_BIG, "bad arrayType size",
                      soap->tag);
        return rc;
    }
    if (c->narrays == CWMP_MAX_ARRAYS) {
        array_problem(c, CWMP_R_TOO_BIG, "too many arrays", soap->tag);
        return soap->error = SOAP_OCCURS;
    }
    struct cwmp_array_rec *r = &c->arrays[c->narrays];
    r->declared = n;
    r->obj = NULL;
    snprintf(r->tag, sizeof r->tag, "%.*s", (int)sizeof r->tag - 1, soap->tag);
    c->pending = true;
    return rc;
}

void *cwmp_hook_id_enter(struct soap *soap, const char *id, void *p, int t, size_t n,
                         const char *type, const char *array_type,
                         void *(*finstantiate)(struct soap *, int, const char *, const char *,
                                               size_t *),
                         int (*fbase)(int, int))
{
    void *obj = soap_id_enter(soap, id, p, t, n, type, array_type, finstantiate, fbase);
    struct cwmp_codec *c = decoding_codec(soap);
    if (c && c->pending) {
        c->pending = false;
        if (obj) {
            c->arrays[c->narrays].obj = obj;
            c->arrays[c->narrays].soap_type = t;
            c->narrays++;
        }
    }
    return obj;
}

/* Items gSOAP stored in an array struct; -1 for a type that is no array. */
static long array_size(int soap_type, const void *obj)
{
    switch (soap_type) {
#define SIZE_OF(T)                                                                        \
    case SOAP_TYPE_##T:                                                                   \
        return ((const struct T *)obj)->__size;
        SIZE_OF(ParameterNames)
        SIZE_OF(ParameterValueList)
        SIZE_OF(MethodList)
        SIZE_OF(EventList)
        SIZE_OF(ParameterInfoList)
        SIZE_OF(AccessList)
        SIZE_OF(SetParameterAttributesList)
        SIZE_OF(ParameterAttributeList)
        SIZE_OF(TimeWindowList)
        SIZE_OF(TransferList)
        SIZE_OF(AllTransferList)
        SIZE_OF(VoucherList)
        SIZE_OF(OptionList)
        SIZE_OF(FileTypeArg)
#undef SIZE_OF
    default:
        return -1;
    }
}

int cwmp_arrays_check(struct cwmp_codec *c, struct cwmp_error *err)
{
    if (c->array_err.reason != CWMP_R_OK) {
        if (err)
            *err = c->array_err;
        return -ERR_POLICY;
    }
    for (unsigned int i = 0; i < c->narrays; i++) {
        const struct cwmp_array_rec *r = &c->arrays[i];
        long n = array_size(r->soap_type, r->obj);
        if (n < 0)
            continue; /* SOAP-ENC:Array and the like: not part of any CWMP message */
        if (n != r->declared)
            return cwmp_fail(err, CWMP_R_ARRAY_COUNT,
                             "array %s declares %ld items but holds %ld", r->tag, r->declared, n);
    }
    return 0;
}

int cwmp_hook_element_id(struct soap *soap, const char *tag, int id, const void *p,
                         const void *a, int n, const char *type, int t, char **mark)
{
    struct cwmp_codec *c = soap->user;
    if (c)
        c->out_type = t;
    return soap_element_id(soap, tag, id, p, a, n, type, t, mark);
}

/* arrayType of an empty array of each kind (as the generated code writes it). */
static const char *empty_array_type(int soap_type)
{
    switch (soap_type) {
    case SOAP_TYPE_ParameterNames:
    case SOAP_TYPE_MethodList:
    case SOAP_TYPE_AccessList:
        return "xsd:string[0]";
    case SOAP_TYPE_ParameterValueList:
        return "cwmp:ParameterValueStruct[0]";
    case SOAP_TYPE_EventList:
        return "cwmp:EventStruct[0]";
    case SOAP_TYPE_ParameterInfoList:
        return "cwmp:ParameterInfoStruct[0]";
    case SOAP_TYPE_SetParameterAttributesList:
        return "cwmp:SetParameterAttributesStruct[0]";
    case SOAP_TYPE_ParameterAttributeList:
        return "cwmp:ParameterAttributeStruct[0]";
    case SOAP_TYPE_TimeWindowList:
        return "cwmp:TimeWindowStruct[0]";
    case SOAP_TYPE_TransferList:
        return "cwmp:QueuedTransferStruct[0]";
    case SOAP_TYPE_AllTransferList:
        return "cwmp:AllQueuedTransferStruct[0]";
    case SOAP_TYPE_VoucherList:
        return "SOAP-ENC:base64[0]";
    case SOAP_TYPE_OptionList:
        return "cwmp:OptionStruct[0]";
    case SOAP_TYPE_FileTypeArg:
        return "cwmp:ArgStruct[0]";
    default:
        return NULL;
    }
}

int cwmp_hook_array_begin_out(struct soap *soap, const char *tag, int id, const char *type,
                              const char *offset)
{
    struct cwmp_codec *c = soap->user;
    if (!type && c)
        type = empty_array_type(c->out_type);
    return soap_array_begin_out(soap, tag, id, type, offset);
}

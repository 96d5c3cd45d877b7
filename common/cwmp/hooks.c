/* common/cwmp/hooks.c — arrayType bookkeeping. Decode: gSOAP trusts
 * soap-enc:arrayType: a larger count leaves NULL items, a smaller one silently skips the
 * extra items, a missing one is fine. The generated code calls these hooks instead of
 * soap_match_array and soap_id_enter (gen_hooks.h). When an array element starts, its
 * declared size N is noted; soap_id_enter, called next, gives the struct that receives the
 * items, and the size gSOAP will read is raised to N+1: a message with exactly N items
 * leaves slot N empty, one with more fills it, one with fewer leaves a hole. After the
 * parse, cwmp_arrays_check() looks at the slots and sets the size back to N.
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

/* Room for one more array record. 0, or soap->error set. */
static int grow(struct cwmp_codec *c, struct soap *soap)
{
    if (c->arrays_cap >= CWMP_MAX_ARRAYS) {
        array_problem(c, CWMP_R_TOO_BIG, "too many arrays", soap->tag);
        return soap->error = SOAP_OCCURS;
    }
    unsigned int cap = c->arrays_cap ? c->arrays_cap * 2 : 16;
    if (cap > CWMP_MAX_ARRAYS)
        cap = CWMP_MAX_ARRAYS;
    struct cwmp_array_rec *a = realloc(c->arrays, cap * sizeof *a);
    if (!a) {
        array_problem(c, CWMP_R_NOMEM, "out of memory", soap->tag);
        return soap->error = SOAP_EOM;
    }
    c->arrays = a;
    c->arrays_cap = cap;
    return 0;
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
    if (n < 0 || n > CWMP_MAX_ARRAY) {
        array_problem(c, n < 0 ? CWMP_R_ARRAY_COUNT : CWMP_R_TOO_BIG, "bad arrayType size",
                      soap->tag);
        *soap->arraySize = '\0';
        return soap->error = SOAP_OCCURS; /* stop here rather than read a bogus array */
    }
    if (c->narrays == c->arrays_cap && grow(c, soap) < 0)
        return soap->error;
    struct cwmp_array_rec *r = &c->arrays[c->narrays];
    r->declared = n;
    r->obj = NULL;
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
    if (!c || !c->pending)
        return obj;
    c->pending = false;
    if (!obj)
        return obj;
    struct cwmp_array_rec *r = &c->arrays[c->narrays++];
    r->obj = obj;
    r->soap_type = t;
    if (t == SOAP_TYPE_VoucherList) /* items are values, not pointers: count them */
        *soap->arraySize = '\0';
    else
        snprintf(soap->arraySize, sizeof soap->arraySize, "[%ld]", r->declared + 1);
    return obj;
}

/* Looks at the slots of a pointer array read as declared+1 items: slot N must be empty,
 * slots 0..N-1 filled. Sets the size back to N. */
#define CHECK_SLOTS(T, P)                                                                 \
    case SOAP_TYPE_##T: {                                                                 \
        struct T *a = r->obj;                                                             \
        *name = #T;                                                                       \
        if (a->__size == 0 && r->declared == 0)                                           \
            return 0;                                                                     \
        if (a->__size != r->declared + 1 || !a->P)                                        \
            return -1;                                                                    \
        if (a->P[r->declared])                                                            \
            return 1;                                                                     \
        for (long i = 0; i < r->declared; i++)                                            \
            if (!a->P[i])                                                                 \
                return 1;                                                                 \
        a->__size = (int)r->declared;                                                     \
        return 0;                                                                         \
    }

/* 0 if the array held as many items as declared, else nonzero. */
static int check_array(const struct cwmp_array_rec *r, const char **name)
{
    *name = "VoucherList";
    switch (r->soap_type) {
        CHECK_SLOTS(ParameterNames, __ptrstring)
        CHECK_SLOTS(MethodList, __ptrstring)
        CHECK_SLOTS(AccessList, __ptrstring)
        CHECK_SLOTS(ParameterValueList, __ptrParameterValueStruct)
        CHECK_SLOTS(EventList, __ptrEventStruct)
        CHECK_SLOTS(ParameterInfoList, __ptrParameterInfoStruct)
        CHECK_SLOTS(SetParameterAttributesList, __ptrSetParameterAttributesStruct)
        CHECK_SLOTS(ParameterAttributeList, __ptrParameterAttributeStruct)
        CHECK_SLOTS(TimeWindowList, __ptrTimeWindowStruct)
        CHECK_SLOTS(TransferList, __ptrQueuedTransferStruct)
        CHECK_SLOTS(AllTransferList, __ptrAllQueuedTransferStruct)
        CHECK_SLOTS(OptionList, __ptrOptionStruct)
        CHECK_SLOTS(FileTypeArg, __ptrArgStruct)
    case SOAP_TYPE_VoucherList:
        return ((const struct VoucherList *)r->obj)->__size != r->declared;
    default:
        return 0; /* SOAP-ENC:Array and the like: part of no CWMP message */
    }
}
#undef CHECK_SLOTS

int cwmp_arrays_check(struct cwmp_codec *c, struct cwmp_error *err)
{
    if (c->array_err.reason != CWMP_R_OK) {
        if (err)
            *err = c->array_err;
        return -ERR_POLICY;
    }
    const char *name;
    for (unsigned int i = 0; i < c->narrays; i++)
        if (check_array(&c->arrays[i], &name) != 0)
            return cwmp_fail(err, CWMP_R_ARRAY_COUNT, "%s array does not hold the %ld items "
                             "its arrayType declares", name, c->arrays[i].declared);
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

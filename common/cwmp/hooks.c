/* common/cwmp/hooks.c — arrayType bookkeeping. Decode: gSOAP trusts soap-enc:arrayType:
 * a larger count allocates that many slots and leaves NULL items, a smaller one silently
 * skips the extra items. CPEs in the field get the count wrong both ways, so the count is
 * not used to read: the generated code calls these hooks instead of soap_match_array and
 * soap_id_enter (gen_hooks.h); the first notes the declared count, the second (called next
 * with the struct that receives the items) clears it, so gSOAP reads the items present one
 * by one, all of them, up to soap->maxoccurs, allocating only for items read. After the
 * parse, cwmp_arrays_check() compares the items read with the declared count and reports a
 * difference as a leniency (CWMP_LENIENT_ARRAY_*).
 * Encode: gSOAP writes no arrayType for an empty array whose item pointer is NULL (the
 * schema requires one); soap_element_id tells which array is being written and
 * soap_array_begin_out gets its "type[0]". */
#include <limits.h>
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

/* "[N]" -> N (LONG_MAX when N does not fit); -1 for "" or "[]" (no count); -2 if not one
 * dimension of digits ("[1,2]", "[x]"). */
static long parse_size(const char *s)
{
    if (!s[0] || strcmp(s, "[]") == 0)
        return -1;
    if (s[0] != '[' || s[1] < '0' || s[1] > '9')
        return -2;
    long n = 0;
    const char *p = s + 1;
    for (; *p >= '0' && *p <= '9'; p++)
        n = n > (LONG_MAX - 9) / 10 ? LONG_MAX : n * 10 + (*p - '0');
    return p[0] == ']' && p[1] == '\0' ? n : -2;
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
    if (!c)
        return rc;
    c->pending = false;
    if (rc != SOAP_OK) { /* the schema fixes the item type: read the items as that */
        c->msg.lenient |= CWMP_LENIENT_ARRAY_ITEM_TYPE;
        rc = SOAP_OK;
    }
    long n = parse_size(soap->arraySize);
    if (n == -2 || *soap->arrayOffset) {
        array_problem(c, CWMP_R_ARRAY_TYPE,
                      n == -2 ? "malformed arrayType size" : "partial array (SOAP-ENC:offset)",
                      soap->tag);
        return soap->error = SOAP_OCCURS; /* stop here rather than guess */
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
    *soap->arraySize = '\0'; /* read what is there, one by one (and no SOAP-ENC:position) */
    return obj;
}

/* Read one by one, a pointer array has no NULL item; checked all the same, since callers
 * rely on it. */
#define CHECK_ITEMS(T, P)                                                                 \
    case SOAP_TYPE_##T: {                                                                 \
        const struct T *a = r->obj;                                                       \
        *name = #T;                                                                       \
        if (a->__size < 0 || (a->__size > 0 && !a->P))                                    \
            return -1;                                                                    \
        for (int i = 0; i < a->__size; i++)                                               \
            if (!a->P[i])                                                                 \
                return -1;                                                                \
        return a->__size;                                                                 \
    }

/* The number of items the array holds, -1 if one is missing; *name NULL for an array that
 * is part of no CWMP message (SOAP-ENC:Array and the like). */
static long check_array(const struct cwmp_array_rec *r, const char **name)
{
    switch (r->soap_type) {
        CHECK_ITEMS(ParameterNames, __ptrstring)
        CHECK_ITEMS(MethodList, __ptrstring)
        CHECK_ITEMS(AccessList, __ptrstring)
        CHECK_ITEMS(ParameterValueList, __ptrParameterValueStruct)
        CHECK_ITEMS(EventList, __ptrEventStruct)
        CHECK_ITEMS(ParameterInfoList, __ptrParameterInfoStruct)
        CHECK_ITEMS(SetParameterAttributesList, __ptrSetParameterAttributesStruct)
        CHECK_ITEMS(ParameterAttributeList, __ptrParameterAttributeStruct)
        CHECK_ITEMS(TimeWindowList, __ptrTimeWindowStruct)
        CHECK_ITEMS(TransferList, __ptrQueuedTransferStruct)
        CHECK_ITEMS(AllTransferList, __ptrAllQueuedTransferStruct)
        CHECK_ITEMS(OptionList, __ptrOptionStruct)
        CHECK_ITEMS(FileTypeArg, __ptrArgStruct)
    case SOAP_TYPE_VoucherList:
        *name = "VoucherList";
        return ((const struct VoucherList *)r->obj)->__size; /* values, not pointers */
    default:
        *name = NULL;
        return -1;
    }
}
#undef CHECK_ITEMS

int cwmp_arrays_check(struct cwmp_codec *c, struct cwmp_error *err)
{
    if (c->array_err.reason != CWMP_R_OK) {
        if (err)
            *err = c->array_err;
        return -ERR_POLICY;
    }
    const char *name;
    for (unsigned int i = 0; i < c->narrays; i++) {
        const struct cwmp_array_rec *r = &c->arrays[i];
        long items = check_array(r, &name);
        if (!name)
            continue;
        if (items < 0)
            return cwmp_fail(err, CWMP_R_ARRAY_COUNT, "%s array: an item is missing", name);
        if (r->declared < 0)
            c->msg.lenient |= CWMP_LENIENT_ARRAY_TYPE_MISSING;
        else if (r->declared > items)
            c->msg.lenient |= CWMP_LENIENT_ARRAY_COUNT_LARGER;
        else if (r->declared < items)
            c->msg.lenient |= CWMP_LENIENT_ARRAY_COUNT_SMALLER;
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

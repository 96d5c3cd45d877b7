/* cpe-sim/libcpe/cpe_rpc.c — answers to the ACS's parameter RPCs (GetParameterValues,
 * SetParameterValues, GetParameterNames, Get/SetParameterAttributes, Add/DeleteObject) and
 * the dispatch of every request; the device-level ones are in cpe_rpc_ops.c. */
#include "cpe_rpc.h"

#include <stdlib.h>
#include <string.h>

#include "cpe_dev_int.h"
#include "cpe_rpc_int.h"
#include "cwmp_body.h"

struct _cwmp__Fault *cpe_rpc_fault(struct cpe_arena *a, int code)
{
    struct _cwmp__Fault *f = cpe_arena_alloc(a, sizeof *f);
    if (!f)
        return NULL;
    f->FaultCode = cpe_arena_printf(a, "%d", code);
    f->FaultString = (char *)cwmp_fault_str(code);
    return f->FaultCode ? f : NULL;
}

int cpe_rpc_reply_fault(struct cpe_arena *a, struct cwmp_msg *out, int code)
{
    out->type = CWMP_MSG_FAULT;
    out->body.fault = cpe_rpc_fault(a, code);
    return out->body.fault ? 0 : -ERR_NOMEM;
}

/* A growing array of pointers, copied into the arena when done. */
struct coll {
    struct cpe_arena *a;
    const struct cpe_dm *dm;
    void **items;
    int n, cap;
    int err; /* -ERR_NOMEM, or a fault code (9004: too many) */
};

static int coll_push(struct coll *c, void *item)
{
    if (!item)
        return c->err = -ERR_NOMEM;
    if (c->n >= CWMP_MAX_ARRAY)
        return c->err = CWMP_FAULT_RESOURCES;
    if (c->n == c->cap) {
        int cap = c->cap ? c->cap * 2 : 64;
        void **p = realloc(c->items, (size_t)cap * sizeof *p);
        if (!p)
            return c->err = -ERR_NOMEM;
        c->items = p;
        c->cap = cap;
    }
    c->items[c->n++] = item;
    return 0;
}

/* Move the items into the arena; returns the array (NULL on no memory, or when empty). */
static void **coll_take(struct coll *c)
{
    void **out = cpe_arena_alloc(c->a, (size_t)(c->n ? c->n : 1) * sizeof *out);
    if (out && c->n)
        memcpy(out, c->items, (size_t)c->n * sizeof *out);
    free(c->items);
    c->items = NULL;
    return out;
}

static int collect_value(void *ud, const struct cpe_ref *ref, const char *path)
{
    struct coll *c = ud;
    const struct cpe_sparam *p = cpe_dm_param(c->dm, ref);
    char buf[128];
    struct cwmp__ParameterValueStruct *pv = cpe_arena_alloc(c->a, sizeof *pv);
    if (pv) {
        pv->Name = cpe_arena_strdup(c->a, path);
        pv->Value.__item = cpe_arena_strdup(c->a, p->secured ? "" : cpe_dm_value(c->dm, ref, buf, sizeof buf));
        pv->Value.xsi__type = (char *)cpe_type_xsd(p);
        if (!pv->Name || !pv->Value.__item)
            pv = NULL;
    }
    return coll_push(c, pv);
}

static int get_values(struct cpe_dev *d, const struct _cwmp__GetParameterValues *rq, struct cpe_arena *a,
                      struct cwmp_msg *out)
{
    struct coll c = {.a = a, .dm = d->dm};
    const struct ParameterNames *names = rq->ParameterNames;
    for (int i = 0; names && i < names->__size && !c.err; i++) {
        struct cpe_ref ref;
        const char *name = names->__ptrstring[i] ? names->__ptrstring[i] : "";
        int fault = cpe_dm_resolve(d->dm, name, &ref);
        if (fault) {
            free(c.items);
            return cpe_rpc_reply_fault(a, out, fault);
        }
        (void)cpe_dm_walk(d->dm, &ref, CPE_WALK_PARAMS, collect_value, &c);
    }
    if (c.err) {
        free(c.items);
        return c.err < 0 ? c.err : cpe_rpc_reply_fault(a, out, c.err);
    }
    struct _cwmp__GetParameterValuesResponse *r = cpe_arena_alloc(a, sizeof *r);
    struct ParameterValueList *l = cpe_arena_alloc(a, sizeof *l);
    int n = c.n;
    void **items = coll_take(&c);
    if (!r || !l || !items)
        return -ERR_NOMEM;
    l->__ptrParameterValueStruct = (struct cwmp__ParameterValueStruct **)items;
    l->__size = n;
    r->ParameterList = l;
    out->type = CWMP_MSG_GET_PARAMETER_VALUES_RESPONSE;
    out->body.get_parameter_values_response = r;
    return 0;
}

static int collect_name(void *ud, const struct cpe_ref *ref, const char *path)
{
    struct coll *c = ud;
    const struct cpe_schema *s = cpe_dm_schema(c->dm);
    bool writable = ref->param >= 0 ? s->params[ref->param].access != CPE_RO
                                    : s->nodes[ref->node].kind != CPE_NODE_OBJECT;
    struct cwmp__ParameterInfoStruct *pi = cpe_arena_alloc(c->a, sizeof *pi);
    if (pi) {
        pi->Name = cpe_arena_strdup(c->a, path);
        pi->Writable = writable ? xsd__boolean__true_ : xsd__boolean__false_;
        if (!pi->Name)
            pi = NULL;
    }
    return coll_push(c, pi);
}

static int get_names(struct cpe_dev *d, const struct _cwmp__GetParameterNames *rq, struct cpe_arena *a,
                     struct cwmp_msg *out)
{
    const char *path = rq->ParameterPath ? rq->ParameterPath : "";
    bool next = rq->NextLevel == xsd__boolean__true_;
    struct coll c = {.a = a, .dm = d->dm};
    struct cpe_ref ref;
    int fault = cpe_dm_resolve(d->dm, path, &ref);
    if (fault)
        return cpe_rpc_reply_fault(a, out, fault);
    if (ref.param >= 0 && next)
        return cpe_rpc_reply_fault(a, out, CWMP_FAULT_INVALID_ARGS);
    if (!*path && next) { /* the top of the hierarchy: just the root */
        ref.param = -1;
        (void)collect_name(&c, &ref, cpe_dm_schema(d->dm)->root);
    } else {
        (void)cpe_dm_walk(d->dm, &ref, CPE_WALK_PARAMS | CPE_WALK_NODES | (next ? CPE_WALK_NEXT_LEVEL : 0),
                          collect_name, &c);
    }
    if (c.err) {
        free(c.items);
        return c.err < 0 ? c.err : cpe_rpc_reply_fault(a, out, c.err);
    }
    struct _cwmp__GetParameterNamesResponse *r = cpe_arena_alloc(a, sizeof *r);
    struct ParameterInfoList *l = cpe_arena_alloc(a, sizeof *l);
    int n = c.n;
    void **items = coll_take(&c);
    if (!r || !l || !items)
        return -ERR_NOMEM;
    l->__ptrParameterInfoStruct = (struct cwmp__ParameterInfoStruct **)items;
    l->__size = n;
    r->ParameterList = l;
    out->type = CWMP_MSG_GET_PARAMETER_NAMES_RESPONSE;
    out->body.get_parameter_names_response = r;
    return 0;
}

static int collect_attr(void *ud, const struct cpe_ref *ref, const char *path)
{
    struct coll *c = ud;
    struct cwmp__ParameterAttributeStruct *pa = cpe_arena_alloc(c->a, sizeof *pa);
    if (pa) {
        pa->Name = cpe_arena_strdup(c->a, path);
        pa->Notification = (enum cwmp__ParameterAttributeNotificationValueType)cpe_dm_notify(c->dm, ref);
        pa->AccessList = cpe_arena_alloc(c->a, sizeof *pa->AccessList);
        if (!pa->Name || !pa->AccessList)
            pa = NULL;
    }
    return coll_push(c, pa);
}

static int get_attributes(struct cpe_dev *d, const struct _cwmp__GetParameterAttributes *rq,
                          struct cpe_arena *a, struct cwmp_msg *out)
{
    struct coll c = {.a = a, .dm = d->dm};
    const struct ParameterNames *names = rq->ParameterNames;
    for (int i = 0; names && i < names->__size && !c.err; i++) {
        struct cpe_ref ref;
        int fault = cpe_dm_resolve(d->dm, names->__ptrstring[i] ? names->__ptrstring[i] : "", &ref);
        if (fault) {
            free(c.items);
            return cpe_rpc_reply_fault(a, out, fault);
        }
        (void)cpe_dm_walk(d->dm, &ref, CPE_WALK_PARAMS, collect_attr, &c);
    }
    if (c.err) {
        free(c.items);
        return c.err < 0 ? c.err : cpe_rpc_reply_fault(a, out, c.err);
    }
    struct _cwmp__GetParameterAttributesResponse *r = cpe_arena_alloc(a, sizeof *r);
    struct ParameterAttributeList *l = cpe_arena_alloc(a, sizeof *l);
    int n = c.n;
    void **items = coll_take(&c);
    if (!r || !l || !items)
        return -ERR_NOMEM;
    l->__ptrParameterAttributeStruct = (struct cwmp__ParameterAttributeStruct **)items;
    l->__size = n;
    r->ParameterList = l;
    out->type = CWMP_MSG_GET_PARAMETER_ATTRIBUTES_RESPONSE;
    out->body.get_parameter_attributes_response = r;
    return 0;
}

/* Notification changes: validate all, then apply (all or nothing). */
struct attr_apply {
    struct cpe_dm *dm;
    int notify;
    int fault;
    bool apply;
};

static int attr_one(void *ud, const struct cpe_ref *ref, const char *path)
{
    (void)path;
    struct attr_apply *x = ud;
    const struct cpe_sparam *p = cpe_dm_param(x->dm, ref);
    if (!x->apply) {
        /* counters that change all the time cannot notify actively (9009) */
        if (x->notify == 2 && (p->special == CPE_SP_UPTIME || p->special == CPE_SP_LOCAL_TIME))
            x->fault = 9009;
        return 0;
    }
    int rc = cpe_dm_set_notify(x->dm, ref, x->notify);
    if (rc < 0)
        x->fault = rc == -ERR_TOO_BIG ? CWMP_FAULT_RESOURCES : CWMP_FAULT_INTERNAL;
    return rc;
}

static int set_attributes(struct cpe_dev *d, const struct _cwmp__SetParameterAttributes *rq,
                          struct cpe_arena *a, struct cwmp_msg *out)
{
    const struct SetParameterAttributesList *l = rq->ParameterList;
    for (int pass = 0; pass < 2; pass++)
        for (int i = 0; l && i < l->__size; i++) {
            const struct cwmp__SetParameterAttributesStruct *sa = l->__ptrSetParameterAttributesStruct[i];
            struct cpe_ref ref;
            int fault = cpe_dm_resolve(d->dm, sa->Name ? sa->Name : "", &ref);
            if (fault)
                return cpe_rpc_reply_fault(a, out, fault);
            if (sa->NotificationChange != xsd__boolean__true_)
                continue;
            if ((int)sa->Notification > 2)
                return cpe_rpc_reply_fault(a, out, 9009);
            struct attr_apply x = {d->dm, (int)sa->Notification, 0, pass == 1};
            (void)cpe_dm_walk(d->dm, &ref, CPE_WALK_PARAMS, attr_one, &x);
            if (x.fault)
                return cpe_rpc_reply_fault(a, out, x.fault);
        }
    out->type = CWMP_MSG_SET_PARAMETER_ATTRIBUTES_RESPONSE;
    out->body.set_parameter_attributes_response = cpe_arena_alloc(a, sizeof *out->body.set_parameter_attributes_response);
    return out->body.any ? 0 : -ERR_NOMEM;
}

/* The local part of an xsi:type ("xsd:unsignedInt" -> "unsignedInt"). */
static const char *local_type(const char *t)
{
    const char *colon = t ? strchr(t, ':') : NULL;
    return colon ? colon + 1 : t;
}

/* Fault code for one SetParameterValues entry, 0 if it can be applied. */
static int check_set(struct cpe_dev *d, const struct cwmp__ParameterValueStruct *pv, struct cpe_ref *ref)
{
    if (!pv->Name || cpe_dm_resolve(d->dm, pv->Name, ref) != 0 || ref->param < 0)
        return 9005;
    const struct cpe_sparam *p = cpe_dm_param(d->dm, ref);
    if (p->access == CPE_RO)
        return 9008;
    const char *want = local_type(cpe_type_xsd(p)), *got = local_type(pv->Value.xsi__type);
    if (got && *got && strcmp(got, want) != 0)
        return 9006;
    return cpe_dm_check_value(d->dm, ref, pv->Value.__item ? pv->Value.__item : "");
}

int cpe_rpc_set_key(struct cpe_dev *d, const char *key)
{
    char k[CPE_MAX_KEY];
    cpe_key_copy(k, key);
    return cpe_dm_set_rel(d->dm, "ManagementServer.ParameterKey", k);
}

static int set_values(struct cpe_dev *d, const struct _cwmp__SetParameterValues *rq, struct cpe_arena *a,
                      struct cwmp_msg *out)
{
    const struct ParameterValueList *l = rq->ParameterList;
    int n = l ? l->__size : 0, nfault = 0, code = 0;
    struct cpe_ref *refs = calloc((size_t)(n ? n : 1), sizeof *refs);
    struct _cwmp__Fault_SetParameterValuesFault *faults = cpe_arena_alloc(a, (size_t)(n ? n : 1) * sizeof *faults);
    if (!refs || !faults) {
        free(refs);
        return -ERR_NOMEM;
    }
    for (int i = 0; i < n; i++) {
        const struct cwmp__ParameterValueStruct *pv = l->__ptrParameterValueStruct[i];
        int f = check_set(d, pv, &refs[i]);
        if (!f)
            continue;
        faults[nfault].ParameterName = cpe_arena_strdup(a, pv->Name ? pv->Name : "");
        faults[nfault].FaultCode = cpe_arena_printf(a, "%d", f);
        faults[nfault].FaultString = (char *)cwmp_fault_str(f);
        nfault++;
        code = code == 0 || code == f ? f : CWMP_FAULT_INVALID_ARGS;
    }
    int rc = 0;
    if (nfault) {
        /* all or nothing: one code for all entries is the top-level code, mixed -> 9003 */
        rc = cpe_rpc_reply_fault(a, out, code);
        if (rc == 0) {
            out->body.fault->SetParameterValuesFault = faults;
            out->body.fault->__sizeSetParameterValuesFault = nfault;
        }
        free(refs);
        return rc;
    }
    for (int i = 0; i < n && rc == 0; i++) {
        const struct cwmp__ParameterValueStruct *pv = l->__ptrParameterValueStruct[i];
        rc = cpe_dm_set(d->dm, &refs[i], pv->Value.__item ? pv->Value.__item : "");
    }
    free(refs);
    if (rc == 0)
        rc = cpe_rpc_set_key(d, rq->ParameterKey);
    if (rc < 0)
        return rc == -ERR_TOO_BIG ? cpe_rpc_reply_fault(a, out, CWMP_FAULT_RESOURCES) : rc;
    struct _cwmp__SetParameterValuesResponse *r = cpe_arena_alloc(a, sizeof *r);
    if (!r)
        return -ERR_NOMEM;
    r->Status = _cwmp__SetParameterValuesResponse_Status__0; /* applied */
    out->type = CWMP_MSG_SET_PARAMETER_VALUES_RESPONSE;
    out->body.set_parameter_values_response = r;
    return 0;
}

static int add_object(struct cpe_dev *d, const struct _cwmp__AddObject *rq, struct cpe_arena *a,
                      struct cwmp_msg *out)
{
    struct cpe_ref ref;
    const char *name = rq->ObjectName ? rq->ObjectName : "";
    size_t len = strlen(name);
    if (len == 0 || name[len - 1] != '.' || cpe_dm_resolve(d->dm, name, &ref) != 0 || ref.param >= 0)
        return cpe_rpc_reply_fault(a, out, 9005);
    uint32_t inst = 0;
    int fault = cpe_dm_add(d->dm, &ref, &inst);
    if (fault)
        return cpe_rpc_reply_fault(a, out, fault);
    if (cpe_rpc_set_key(d, rq->ParameterKey) < 0)
        return -ERR_NOMEM;
    struct _cwmp__AddObjectResponse *r = cpe_arena_alloc(a, sizeof *r);
    if (!r)
        return -ERR_NOMEM;
    r->InstanceNumber = inst;
    r->Status = _cwmp__AddObjectResponse_Status__0;
    out->type = CWMP_MSG_ADD_OBJECT_RESPONSE;
    out->body.add_object_response = r;
    return 0;
}

static int delete_object(struct cpe_dev *d, const struct _cwmp__DeleteObject *rq, struct cpe_arena *a,
                         struct cwmp_msg *out)
{
    struct cpe_ref ref;
    const char *name = rq->ObjectName ? rq->ObjectName : "";
    size_t len = strlen(name);
    if (len == 0 || name[len - 1] != '.' || cpe_dm_resolve(d->dm, name, &ref) != 0)
        return cpe_rpc_reply_fault(a, out, 9005);
    int fault = cpe_dm_delete(d->dm, &ref);
    if (fault)
        return cpe_rpc_reply_fault(a, out, fault);
    for (unsigned i = 0; i < d->nchanged;) { /* forget VALUE CHANGE entries of deleted objects */
        struct cpe_ref r2;
        char path[CPE_MAX_PATH + 64];
        const struct cpe_sparam *p = cpe_dm_param(d->dm, &d->changed[i]);
        if (cpe_path_format(p->path, d->changed[i].idx, path, sizeof path) < 0 ||
            cpe_dm_resolve(d->dm, path, &r2) != 0)
            d->changed[i] = d->changed[--d->nchanged];
        else
            i++;
    }
    if (cpe_rpc_set_key(d, rq->ParameterKey) < 0)
        return -ERR_NOMEM;
    struct _cwmp__DeleteObjectResponse *r = cpe_arena_alloc(a, sizeof *r);
    if (!r)
        return -ERR_NOMEM;
    r->Status = _cwmp__DeleteObjectResponse_Status__0;
    out->type = CWMP_MSG_DELETE_OBJECT_RESPONSE;
    out->body.delete_object_response = r;
    return 0;
}

int cpe_rpc_answer(struct cpe_dev *d, const struct cwmp_msg *in, struct cpe_arena *a, int64_t now_ms,
                   struct cwmp_msg *out)
{
    out->type = CWMP_MSG_NONE;
    out->body.any = NULL;
    d->ctx.now_ms = now_ms;
    switch (in->type) {
    case CWMP_MSG_GET_PARAMETER_VALUES: return get_values(d, in->body.get_parameter_values, a, out);
    case CWMP_MSG_SET_PARAMETER_VALUES: return set_values(d, in->body.set_parameter_values, a, out);
    case CWMP_MSG_GET_PARAMETER_NAMES: return get_names(d, in->body.get_parameter_names, a, out);
    case CWMP_MSG_GET_PARAMETER_ATTRIBUTES: return get_attributes(d, in->body.get_parameter_attributes, a, out);
    case CWMP_MSG_SET_PARAMETER_ATTRIBUTES: return set_attributes(d, in->body.set_parameter_attributes, a, out);
    case CWMP_MSG_ADD_OBJECT: return add_object(d, in->body.add_object, a, out);
    case CWMP_MSG_DELETE_OBJECT: return delete_object(d, in->body.delete_object, a, out);
    default: return cpe_rpc_ops_answer(d, in, a, now_ms, out);
    }
}

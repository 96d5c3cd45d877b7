/* acs/session/acs_rpc.c — task args JSON → ACS RPC message bodies (one builder per kind), checked
 * with the codec's validation so a task the CPE would refuse is refused at creation. */
#define _GNU_SOURCE
#include "acs_rpc.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cwmp_body.h"

#define MAX_ITEMS 4096 /* names/values in one task */

struct acs_rpc_block {
    struct acs_rpc_block *next;
    max_align_t data[];
};

static void *ralloc(struct acs_rpc *r, size_t size)
{
    struct acs_rpc_block *b = calloc(1, sizeof *b + size);
    if (!b)
        return NULL;
    b->next = r->mem;
    r->mem = b;
    return b->data;
}

/* Members of args other than those listed (NULL-terminated) are errors. */
static int only_members(const json_t *args, const char *kind, const char *const *allowed, char **errmsg)
{
    const char *key;
    json_t *v;
    json_object_foreach((json_t *)args, key, v) {
        size_t i = 0;
        while (allowed[i] && strcmp(allowed[i], key))
            i++;
        if (!allowed[i] && strcmp(key, "holdRequests"))
            return err_fail(errmsg, -ERR_INVAL, "%s: unknown member \"%.64s\"", kind, key);
    }
    return 0;
}

/* String member: absent gives def (NULL def = required). */
static int get_str(const json_t *o, const char *key, const char *def, const char **out, char **errmsg)
{
    json_t *v = json_object_get(o, key);
    if (!v) {
        *out = def;
        return def ? 0 : err_fail(errmsg, -ERR_INVAL, "missing \"%s\"", key);
    }
    if (!json_is_string(v))
        return err_fail(errmsg, -ERR_INVAL, "\"%s\" must be a string", key);
    *out = json_string_value(v);
    return 0;
}

static int get_uint(const json_t *o, const char *key, unsigned int def, unsigned int *out, char **errmsg)
{
    json_t *v = json_object_get(o, key);
    if (!v) {
        *out = def;
        return 0;
    }
    if (!json_is_integer(v) || json_integer_value(v) < 0 || json_integer_value(v) > 4294967295LL)
        return err_fail(errmsg, -ERR_INVAL, "\"%s\" must be an integer 0..4294967295", key);
    *out = (unsigned int)json_integer_value(v);
    return 0;
}

static int get_bool(const json_t *o, const char *key, int def, enum xsd__boolean *out, char **errmsg)
{
    json_t *v = json_object_get(o, key);
    if (!v) {
        *out = def ? xsd__boolean__true_ : xsd__boolean__false_;
        return 0;
    }
    if (!json_is_boolean(v))
        return err_fail(errmsg, -ERR_INVAL, "\"%s\" must be true or false", key);
    *out = json_is_true(v) ? xsd__boolean__true_ : xsd__boolean__false_;
    return 0;
}

/* A non-empty array of strings → char ** in r's memory. */
static int get_strings(struct acs_rpc *r, const json_t *o, const char *key, int allow_empty, char ***out,
                       int *n, char **errmsg)
{
    json_t *a = json_object_get(o, key);
    if (!json_is_array(a) || (!allow_empty && json_array_size(a) == 0) || json_array_size(a) > MAX_ITEMS)
        return err_fail(errmsg, -ERR_INVAL, "\"%s\" must be a%s array of strings (at most 4096)", key,
                    allow_empty ? "n" : " non-empty");
    size_t cnt = json_array_size(a);
    char **v = ralloc(r, (cnt ? cnt : 1) * sizeof *v);
    if (!v)
        return -ERR_NOMEM;
    for (size_t i = 0; i < cnt; i++) {
        if (!json_is_string(json_array_get(a, i)))
            return err_fail(errmsg, -ERR_INVAL, "\"%s\" must be an array of strings", key);
        v[i] = (char *)json_string_value(json_array_get(a, i));
    }
    *out = v;
    *n = (int)cnt;
    return 0;
}

static const char *const known_types[] = {"xsd:string",  "xsd:int",      "xsd:unsignedInt", "xsd:boolean",
                                          "xsd:dateTime", "xsd:base64",  "xsd:long",        "xsd:unsignedLong",
                                          "xsd:hexBinary", NULL};

/* One {"name","value","type"} entry. Numbers and booleans are accepted as values. */
static int pvs(struct acs_rpc *r, const json_t *e, struct cwmp__ParameterValueStruct *p, char **errmsg)
{
    static const char *const allowed[] = {"name", "value", "type", NULL};
    const char *type = NULL;
    int rc;
    if (!json_is_object(e))
        return err_fail(errmsg, -ERR_INVAL, "each of \"values\" must be an object");
    json_t *v = json_object_get(e, "value");
    const char *inferred = json_is_boolean(v) ? "xsd:boolean" : json_is_integer(v) ? "xsd:int" : "xsd:string";
    if ((rc = only_members(e, "setParameterValues value", allowed, errmsg)) < 0 ||
        (rc = get_str(e, "name", NULL, (const char **)&p->Name, errmsg)) < 0 ||
        (rc = get_str(e, "type", inferred, &type, errmsg)) < 0)
        return rc;
    size_t t = 0;
    while (known_types[t] && strcmp(known_types[t], type))
        t++;
    if (!known_types[t])
        return err_fail(errmsg, -ERR_INVAL, "unknown parameter type \"%.32s\" for %.256s", type, p->Name);
    p->Value.xsi__type = (char *)known_types[t];
    if (json_is_string(v))
        p->Value.__item = (char *)json_string_value(v);
    else if (json_is_boolean(v))
        p->Value.__item = json_is_true(v) ? "true" : "false";
    else if (json_is_integer(v)) {
        char *s = ralloc(r, 24);
        if (!s)
            return -ERR_NOMEM;
        snprintf(s, 24, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
        p->Value.__item = s;
    } else
        return err_fail(errmsg, -ERR_INVAL, "the value of %.256s must be a string, integer or boolean", p->Name);
    return 0;
}

static int build_gpv(struct acs_rpc *r, const json_t *a, char **errmsg)
{
    static const char *const allowed[] = {"names", NULL};
    struct _cwmp__GetParameterValues *b = ralloc(r, sizeof *b);
    struct ParameterNames *l = ralloc(r, sizeof *l);
    if (!b || !l)
        return -ERR_NOMEM;
    b->ParameterNames = l;
    r->msg.body.get_parameter_values = b;
    int rc = only_members(a, "getParameterValues", allowed, errmsg);
    return rc < 0 ? rc : get_strings(r, a, "names", 0, &l->__ptrstring, &l->__size, errmsg);
}

static int build_gpa(struct acs_rpc *r, const json_t *a, char **errmsg)
{
    static const char *const allowed[] = {"names", NULL};
    struct _cwmp__GetParameterAttributes *b = ralloc(r, sizeof *b);
    struct ParameterNames *l = ralloc(r, sizeof *l);
    if (!b || !l)
        return -ERR_NOMEM;
    b->ParameterNames = l;
    r->msg.body.get_parameter_attributes = b;
    int rc = only_members(a, "getParameterAttributes", allowed, errmsg);
    return rc < 0 ? rc : get_strings(r, a, "names", 0, &l->__ptrstring, &l->__size, errmsg);
}

static int build_spv(struct acs_rpc *r, const json_t *a, char **errmsg)
{
    static const char *const allowed[] = {"values", "parameterKey", NULL};
    struct _cwmp__SetParameterValues *b = ralloc(r, sizeof *b);
    struct ParameterValueList *l = ralloc(r, sizeof *l);
    json_t *vals = json_object_get(a, "values");
    int rc;
    if (!b || !l)
        return -ERR_NOMEM;
    b->ParameterList = l;
    r->msg.body.set_parameter_values = b;
    if ((rc = only_members(a, "setParameterValues", allowed, errmsg)) < 0 ||
        (rc = get_str(a, "parameterKey", "", (const char **)&b->ParameterKey, errmsg)) < 0)
        return rc;
    r->command_key = b->ParameterKey;
    size_t n = json_array_size(vals);
    if (!json_is_array(vals) || n == 0 || n > MAX_ITEMS)
        return err_fail(errmsg, -ERR_INVAL, "\"values\" must be a non-empty array of {\"name\",\"value\",\"type\"}");
    struct cwmp__ParameterValueStruct *items = ralloc(r, n * sizeof *items);
    l->__ptrParameterValueStruct = ralloc(r, n * sizeof *l->__ptrParameterValueStruct);
    if (!items || !l->__ptrParameterValueStruct)
        return -ERR_NOMEM;
    for (size_t i = 0; i < n; i++) {
        if ((rc = pvs(r, json_array_get(vals, i), &items[i], errmsg)) < 0)
            return rc;
        l->__ptrParameterValueStruct[i] = &items[i];
    }
    l->__size = (int)n;
    return 0;
}

static int build_gpn(struct acs_rpc *r, const json_t *a, char **errmsg)
{
    static const char *const allowed[] = {"path", "nextLevel", NULL};
    struct _cwmp__GetParameterNames *b = ralloc(r, sizeof *b);
    int rc;
    if (!b)
        return -ERR_NOMEM;
    r->msg.body.get_parameter_names = b;
    if ((rc = only_members(a, "getParameterNames", allowed, errmsg)) < 0 ||
        (rc = get_str(a, "path", "", (const char **)&b->ParameterPath, errmsg)) < 0)
        return rc;
    return get_bool(a, "nextLevel", 0, &b->NextLevel, errmsg);
}

/* {"name", "notification" 0-6, "notificationChange", "accessList", "accessListChange"} */
static int spa_item(struct acs_rpc *r, const json_t *e, struct cwmp__SetParameterAttributesStruct *s, char **errmsg)
{
    static const char *const allowed[] = {"name", "notification", "notificationChange", "accessList",
                                          "accessListChange", NULL};
    unsigned int notif = 0;
    int rc;
    struct AccessList *al = ralloc(r, sizeof *al);
    if (!al)
        return -ERR_NOMEM;
    s->AccessList = al;
    if (!json_is_object(e))
        return err_fail(errmsg, -ERR_INVAL, "each of \"attributes\" must be an object");
    if ((rc = only_members(e, "setParameterAttributes attribute", allowed, errmsg)) < 0 ||
        (rc = get_str(e, "name", NULL, (const char **)&s->Name, errmsg)) < 0 ||
        (rc = get_uint(e, "notification", 0, &notif, errmsg)) < 0)
        return rc;
    if (notif > 6)
        return err_fail(errmsg, -ERR_INVAL, "\"notification\" must be 0..6");
    s->Notification = (enum cwmp__ParameterAttributeNotificationValueType)notif;
    if ((rc = get_bool(e, "notificationChange", json_object_get(e, "notification") != NULL, &s->NotificationChange,
                       errmsg)) < 0 ||
        (rc = get_bool(e, "accessListChange", json_object_get(e, "accessList") != NULL, &s->AccessListChange,
                       errmsg)) < 0)
        return rc;
    if (!json_object_get(e, "accessList"))
        return 0;
    return get_strings(r, e, "accessList", 1, &al->__ptrstring, &al->__size, errmsg);
}

static int build_spa(struct acs_rpc *r, const json_t *a, char **errmsg)
{
    static const char *const allowed[] = {"attributes", NULL};
    struct _cwmp__SetParameterAttributes *b = ralloc(r, sizeof *b);
    struct SetParameterAttributesList *l = ralloc(r, sizeof *l);
    json_t *attrs = json_object_get(a, "attributes");
    int rc;
    if (!b || !l)
        return -ERR_NOMEM;
    b->ParameterList = l;
    r->msg.body.set_parameter_attributes = b;
    if ((rc = only_members(a, "setParameterAttributes", allowed, errmsg)) < 0)
        return rc;
    size_t n = json_array_size(attrs);
    if (!json_is_array(attrs) || n == 0 || n > MAX_ITEMS)
        return err_fail(errmsg, -ERR_INVAL, "\"attributes\" must be a non-empty array");
    struct cwmp__SetParameterAttributesStruct *items = ralloc(r, n * sizeof *items);
    l->__ptrSetParameterAttributesStruct = ralloc(r, n * sizeof *l->__ptrSetParameterAttributesStruct);
    if (!items || !l->__ptrSetParameterAttributesStruct)
        return -ERR_NOMEM;
    for (size_t i = 0; i < n; i++) {
        if ((rc = spa_item(r, json_array_get(attrs, i), &items[i], errmsg)) < 0)
            return rc;
        l->__ptrSetParameterAttributesStruct[i] = &items[i];
    }
    l->__size = (int)n;
    return 0;
}

/* AddObject and DeleteObject share their shape. */
static int build_object(struct acs_rpc *r, const json_t *a, char **errmsg)
{
    static const char *const allowed[] = {"path", "parameterKey", NULL};
    struct _cwmp__AddObject *b = ralloc(r, sizeof(struct _cwmp__AddObject) + sizeof(struct _cwmp__DeleteObject));
    int rc;
    if (!b)
        return -ERR_NOMEM;
    const char *kind = r->msg.type == CWMP_MSG_ADD_OBJECT ? "addObject" : "deleteObject";
    if ((rc = only_members(a, kind, allowed, errmsg)) < 0 ||
        (rc = get_str(a, "path", NULL, (const char **)&b->ObjectName, errmsg)) < 0 ||
        (rc = get_str(a, "parameterKey", "", (const char **)&b->ParameterKey, errmsg)) < 0)
        return rc;
    size_t len = strlen(b->ObjectName);
    if (len == 0 || b->ObjectName[len - 1] != '.')
        return err_fail(errmsg, -ERR_INVAL, "%s: \"path\" must name an object (end with '.')", kind);
    r->command_key = b->ParameterKey;
    if (r->msg.type == CWMP_MSG_ADD_OBJECT) {
        r->msg.body.add_object = b;
    } else {
        struct _cwmp__DeleteObject *d = (struct _cwmp__DeleteObject *)(b + 1);
        d->ObjectName = b->ObjectName;
        d->ParameterKey = b->ParameterKey;
        r->msg.body.delete_object = d;
    }
    return 0;
}

static int build_reboot(struct acs_rpc *r, const json_t *a, char **errmsg)
{
    static const char *const allowed[] = {"commandKey", NULL};
    struct _cwmp__Reboot *b = ralloc(r, sizeof *b);
    int rc;
    if (!b)
        return -ERR_NOMEM;
    r->msg.body.reboot = b;
    if ((rc = only_members(a, "reboot", allowed, errmsg)) < 0 ||
        (rc = get_str(a, "commandKey", "", (const char **)&b->CommandKey, errmsg)) < 0)
        return rc;
    r->command_key = b->CommandKey;
    return 0;
}

static int build_empty(struct acs_rpc *r, const json_t *a, char **errmsg)
{
    static const char *const allowed[] = {NULL};
    /* FactoryReset and GetRPCMethods have empty bodies (one dummy byte in gSOAP's C structs) */
    if (!(r->msg.body.any = ralloc(r, sizeof(struct _cwmp__FactoryReset) + sizeof(struct _cwmp__GetRPCMethods))))
        return -ERR_NOMEM;
    return only_members(a, cwmp_msg_name(r->msg.type), allowed, errmsg);
}

static int build_download(struct acs_rpc *r, const json_t *a, char **errmsg)
{
    static const char *const allowed[] = {"fileType", "url", "username", "password", "fileSize", "targetFileName",
                                          "delaySeconds", "successUrl", "failureUrl", "commandKey", NULL};
    struct _cwmp__Download *b = ralloc(r, sizeof *b);
    int rc;
    if (!b)
        return -ERR_NOMEM;
    r->msg.body.download = b;
    if ((rc = only_members(a, "download", allowed, errmsg)) < 0 ||
        (rc = get_str(a, "fileType", NULL, (const char **)&b->FileType, errmsg)) < 0 ||
        (rc = get_str(a, "url", NULL, (const char **)&b->URL, errmsg)) < 0 ||
        (rc = get_str(a, "username", "", (const char **)&b->Username, errmsg)) < 0 ||
        (rc = get_str(a, "password", "", (const char **)&b->Password, errmsg)) < 0 ||
        (rc = get_uint(a, "fileSize", 0, &b->FileSize, errmsg)) < 0 ||
        (rc = get_str(a, "targetFileName", "", (const char **)&b->TargetFileName, errmsg)) < 0 ||
        (rc = get_uint(a, "delaySeconds", 0, &b->DelaySeconds, errmsg)) < 0 ||
        (rc = get_str(a, "successUrl", "", (const char **)&b->SuccessURL, errmsg)) < 0 ||
        (rc = get_str(a, "failureUrl", "", (const char **)&b->FailureURL, errmsg)) < 0 ||
        (rc = get_str(a, "commandKey", "", (const char **)&b->CommandKey, errmsg)) < 0)
        return rc;
    r->command_key = b->CommandKey;
    return *b->URL ? 0 : err_fail(errmsg, -ERR_INVAL, "download: \"url\" must not be empty");
}

static int build_upload(struct acs_rpc *r, const json_t *a, char **errmsg)
{
    static const char *const allowed[] = {"fileType", "url", "username", "password", "delaySeconds", "commandKey",
                                          NULL};
    struct _cwmp__Upload *b = ralloc(r, sizeof *b);
    int rc;
    if (!b)
        return -ERR_NOMEM;
    r->msg.body.upload = b;
    if ((rc = only_members(a, "upload", allowed, errmsg)) < 0 ||
        (rc = get_str(a, "fileType", NULL, (const char **)&b->FileType, errmsg)) < 0 ||
        (rc = get_str(a, "url", NULL, (const char **)&b->URL, errmsg)) < 0 ||
        (rc = get_str(a, "username", "", (const char **)&b->Username, errmsg)) < 0 ||
        (rc = get_str(a, "password", "", (const char **)&b->Password, errmsg)) < 0 ||
        (rc = get_uint(a, "delaySeconds", 0, &b->DelaySeconds, errmsg)) < 0 ||
        (rc = get_str(a, "commandKey", "", (const char **)&b->CommandKey, errmsg)) < 0)
        return rc;
    r->command_key = b->CommandKey;
    return *b->URL ? 0 : err_fail(errmsg, -ERR_INVAL, "upload: \"url\" must not be empty");
}

static int build_schedule_inform(struct acs_rpc *r, const json_t *a, char **errmsg)
{
    static const char *const allowed[] = {"delaySeconds", "commandKey", NULL};
    struct _cwmp__ScheduleInform *b = ralloc(r, sizeof *b);
    int rc;
    if (!b)
        return -ERR_NOMEM;
    r->msg.body.schedule_inform = b;
    if ((rc = only_members(a, "scheduleInform", allowed, errmsg)) < 0 ||
        (rc = get_uint(a, "delaySeconds", 1, &b->DelaySeconds, errmsg)) < 0 ||
        (rc = get_str(a, "commandKey", "", (const char **)&b->CommandKey, errmsg)) < 0)
        return rc;
    r->command_key = b->CommandKey;
    return b->DelaySeconds ? 0 : err_fail(errmsg, -ERR_INVAL, "scheduleInform: \"delaySeconds\" must be at least 1");
}

static int build_cancel_transfer(struct acs_rpc *r, const json_t *a, char **errmsg)
{
    static const char *const allowed[] = {"commandKey", NULL};
    struct _cwmp__CancelTransfer *b = ralloc(r, sizeof *b);
    int rc;
    if (!b)
        return -ERR_NOMEM;
    r->msg.body.cancel_transfer = b;
    if ((rc = only_members(a, "cancelTransfer", allowed, errmsg)) < 0 ||
        (rc = get_str(a, "commandKey", NULL, (const char **)&b->CommandKey, errmsg)) < 0)
        return rc;
    r->command_key = b->CommandKey;
    return 0;
}

typedef int (*build_fn)(struct acs_rpc *r, const json_t *args, char **errmsg);

static const struct kind {
    const char *name;
    enum cwmp_msg_type type;
    build_fn build;
} kinds[] = {
    {"getParameterValues", CWMP_MSG_GET_PARAMETER_VALUES, build_gpv},
    {"setParameterValues", CWMP_MSG_SET_PARAMETER_VALUES, build_spv},
    {"getParameterNames", CWMP_MSG_GET_PARAMETER_NAMES, build_gpn},
    {"getParameterAttributes", CWMP_MSG_GET_PARAMETER_ATTRIBUTES, build_gpa},
    {"setParameterAttributes", CWMP_MSG_SET_PARAMETER_ATTRIBUTES, build_spa},
    {"addObject", CWMP_MSG_ADD_OBJECT, build_object},
    {"deleteObject", CWMP_MSG_DELETE_OBJECT, build_object},
    {"reboot", CWMP_MSG_REBOOT, build_reboot},
    {"factoryReset", CWMP_MSG_FACTORY_RESET, build_empty},
    {"download", CWMP_MSG_DOWNLOAD, build_download},
    {"upload", CWMP_MSG_UPLOAD, build_upload},
    {"scheduleInform", CWMP_MSG_SCHEDULE_INFORM, build_schedule_inform},
    {"cancelTransfer", CWMP_MSG_CANCEL_TRANSFER, build_cancel_transfer},
    {"getRPCMethods", CWMP_MSG_GET_RPC_METHODS, build_empty},
};
#define NKINDS (sizeof kinds / sizeof kinds[0])

static const struct kind *kind_find(const char *name)
{
    for (size_t i = 0; name && i < NKINDS; i++)
        if (!strcmp(kinds[i].name, name))
            return &kinds[i];
    return NULL;
}

int acs_rpc_kind_valid(const char *kind)
{
    return kind_find(kind) != NULL;
}

void acs_rpc_cleanup(struct acs_rpc *r)
{
    while (r->mem) {
        struct acs_rpc_block *next = r->mem->next;
        free(r->mem);
        r->mem = next;
    }
    json_decref(r->args);
    memset(r, 0, sizeof *r);
}

/* Validate the built message as the codec would before encoding it. */
static int check_message(struct acs_rpc *r, const char *kind, char **errmsg)
{
    struct cwmp_error err;
    struct cwmp_msg m = r->msg;
    m.version = CWMP_V1_2;
    m.header.id = "task";
    m.header.id_must_understand = true;
    if (cwmp_validate(&m, 0, &err) < 0)
        return err_fail(errmsg, -ERR_INVAL, "%s: %s", kind, err.msg);
    return 0;
}

int acs_rpc_build(const char *kind, const char *args_json, struct acs_rpc *out, char **errmsg)
{
    memset(out, 0, sizeof *out);
    out->command_key = "";
    const struct kind *k = kind_find(kind);
    if (!k)
        return err_fail(errmsg, -ERR_INVAL, "unknown task kind \"%.64s\"", kind ? kind : "(null)");
    json_error_t jerr;
    out->args = args_json && *args_json ? json_loads(args_json, JSON_REJECT_DUPLICATES, &jerr) : json_object();
    if (!out->args || !json_is_object(out->args)) {
        acs_rpc_cleanup(out);
        return err_fail(errmsg, -ERR_INVAL, "%s: args must be a JSON object", k->name);
    }
    out->msg.type = k->type;
    json_t *hold = json_object_get(out->args, "holdRequests");
    int rc = hold && !json_is_boolean(hold) ? err_fail(errmsg, -ERR_INVAL, "\"holdRequests\" must be true or false")
                                            : k->build(out, out->args, errmsg);
    if (rc == 0)
        rc = check_message(out, k->name, errmsg);
    if (rc < 0) {
        if (rc == -ERR_NOMEM)
            err_fail(errmsg, -ERR_INVAL, "%s: out of memory", k->name);
        acs_rpc_cleanup(out);
        return rc;
    }
    out->hold_requests = json_is_true(hold);
    return 0;
}

void acs_rpc_set_transfer_key(struct acs_rpc *r, const char *key)
{
    char **ck = r->msg.type == CWMP_MSG_DOWNLOAD          ? &r->msg.body.download->CommandKey
                : r->msg.type == CWMP_MSG_UPLOAD          ? &r->msg.body.upload->CommandKey
                : r->msg.type == CWMP_MSG_CANCEL_TRANSFER ? &r->msg.body.cancel_transfer->CommandKey
                                                          : NULL;
    if (ck && key) {
        *ck = (char *)key;
        r->command_key = key;
    }
}

enum cwmp_msg_type acs_rpc_response_type(enum cwmp_msg_type request)
{
    switch (request) {
    case CWMP_MSG_GET_PARAMETER_VALUES: return CWMP_MSG_GET_PARAMETER_VALUES_RESPONSE;
    case CWMP_MSG_SET_PARAMETER_VALUES: return CWMP_MSG_SET_PARAMETER_VALUES_RESPONSE;
    case CWMP_MSG_GET_PARAMETER_NAMES: return CWMP_MSG_GET_PARAMETER_NAMES_RESPONSE;
    case CWMP_MSG_GET_PARAMETER_ATTRIBUTES: return CWMP_MSG_GET_PARAMETER_ATTRIBUTES_RESPONSE;
    case CWMP_MSG_SET_PARAMETER_ATTRIBUTES: return CWMP_MSG_SET_PARAMETER_ATTRIBUTES_RESPONSE;
    case CWMP_MSG_ADD_OBJECT: return CWMP_MSG_ADD_OBJECT_RESPONSE;
    case CWMP_MSG_DELETE_OBJECT: return CWMP_MSG_DELETE_OBJECT_RESPONSE;
    case CWMP_MSG_REBOOT: return CWMP_MSG_REBOOT_RESPONSE;
    case CWMP_MSG_FACTORY_RESET: return CWMP_MSG_FACTORY_RESET_RESPONSE;
    case CWMP_MSG_DOWNLOAD: return CWMP_MSG_DOWNLOAD_RESPONSE;
    case CWMP_MSG_UPLOAD: return CWMP_MSG_UPLOAD_RESPONSE;
    case CWMP_MSG_SCHEDULE_INFORM: return CWMP_MSG_SCHEDULE_INFORM_RESPONSE;
    case CWMP_MSG_CANCEL_TRANSFER: return CWMP_MSG_CANCEL_TRANSFER_RESPONSE;
    case CWMP_MSG_GET_RPC_METHODS: return CWMP_MSG_GET_RPC_METHODS_RESPONSE;
    default: return CWMP_MSG_NONE;
    }
}

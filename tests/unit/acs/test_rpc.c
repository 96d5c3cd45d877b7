/* tests/unit/acs/test_rpc.c — acs/session/acs_rpc.c and acs_rpc_result.c: task args JSON → ACS RPC
 * message for every kind (fields, defaults, refusals), encodable by the codec; CPE answers →
 * result JSON; CPE faults with SetParameterValuesFault details. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "acs_rpc.h"
#include "acs_task.h"
#include "cwmp_body.h"

/* Build, check the type, and encode it as acsd would (codec validation included). */
static struct acs_rpc build_ok(const char *kind, const char *args, enum cwmp_msg_type type)
{
    struct acs_rpc r;
    char *err = NULL;
    int rc = acs_rpc_build(kind, args, &r, &err);
    if (rc != 0)
        fail_msg("%s %s: %s", kind, args ? args : "(null)", err ? err : "?");
    assert_int_equal(r.msg.type, type);
    struct cwmp_codec *c = cwmp_codec_new();
    struct buf out;
    buf_init(&out, CWMP_MAX_ENVELOPE);
    struct cwmp_error e;
    r.msg.version = CWMP_V1_2;
    r.msg.header.id = "t-1";
    if (cwmp_encode(c, &r.msg, &out, &e) != 0)
        fail_msg("%s: encode: %s", kind, e.msg);
    assert_non_null(strstr(out.data, cwmp_msg_name(type)));
    buf_cleanup(&out);
    cwmp_codec_free(c);
    return r;
}

static void build_refused(const char *kind, const char *args, const char *needle)
{
    struct acs_rpc r;
    char *err = NULL;
    assert_int_equal(acs_rpc_build(kind, args, &r, &err), -ERR_INVAL);
    assert_non_null(err);
    if (needle && !strstr(err, needle))
        fail_msg("%s %s: error \"%s\" lacks \"%s\"", kind, args, err, needle);
    free(err);
}

static void every_kind_builds(void **state)
{
    (void)state;
    static const struct { const char *kind, *args; enum cwmp_msg_type type; } cases[] = {
        {"getParameterValues", "{\"names\":[\"Device.DeviceInfo.\"]}", CWMP_MSG_GET_PARAMETER_VALUES},
        {"setParameterValues", "{\"values\":[{\"name\":\"Device.X.A\",\"value\":\"1\",\"type\":\"xsd:unsignedInt\"}]}",
         CWMP_MSG_SET_PARAMETER_VALUES},
        {"getParameterNames", "{\"path\":\"Device.\",\"nextLevel\":true}", CWMP_MSG_GET_PARAMETER_NAMES},
        {"getParameterAttributes", "{\"names\":[\"Device.A\"]}", CWMP_MSG_GET_PARAMETER_ATTRIBUTES},
        {"setParameterAttributes", "{\"attributes\":[{\"name\":\"Device.A\",\"notification\":2,"
                                   "\"accessList\":[\"Subscriber\"]}]}", CWMP_MSG_SET_PARAMETER_ATTRIBUTES},
        {"addObject", "{\"path\":\"Device.IP.Interface.\",\"parameterKey\":\"k\"}", CWMP_MSG_ADD_OBJECT},
        {"deleteObject", "{\"path\":\"Device.IP.Interface.2.\"}", CWMP_MSG_DELETE_OBJECT},
        {"reboot", "{\"commandKey\":\"r1\"}", CWMP_MSG_REBOOT},
        {"factoryReset", NULL, CWMP_MSG_FACTORY_RESET},
        {"download", "{\"fileType\":\"1 Firmware Upgrade Image\",\"url\":\"https://f/x.bin\",\"fileSize\":10}",
         CWMP_MSG_DOWNLOAD},
        {"upload", "{\"fileType\":\"2 Vendor Log File\",\"url\":\"https://f/up\"}", CWMP_MSG_UPLOAD},
        {"scheduleInform", "{\"delaySeconds\":30,\"commandKey\":\"s\"}", CWMP_MSG_SCHEDULE_INFORM},
        {"cancelTransfer", "{\"commandKey\":\"fw-1\"}", CWMP_MSG_CANCEL_TRANSFER},
        {"getRPCMethods", "{}", CWMP_MSG_GET_RPC_METHODS},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct acs_rpc r = build_ok(cases[i].kind, cases[i].args, cases[i].type);
        assert_true(acs_rpc_kind_valid(cases[i].kind));
        assert_int_not_equal(acs_rpc_response_type(r.msg.type), CWMP_MSG_NONE);
        acs_rpc_cleanup(&r);
    }
}

static void fields_and_defaults(void **state)
{
    (void)state;
    struct acs_rpc r = build_ok("setParameterValues",
                                "{\"values\":[{\"name\":\"Device.A\",\"value\":5},{\"name\":\"Device.B\",\"value\":true},"
                                "{\"name\":\"Device.C\",\"value\":\"x\"}],\"parameterKey\":\"pk\"}",
                                CWMP_MSG_SET_PARAMETER_VALUES);
    const struct ParameterValueList *l = r.msg.body.set_parameter_values->ParameterList;
    assert_int_equal(l->__size, 3);
    assert_string_equal(l->__ptrParameterValueStruct[0]->Value.__item, "5");
    assert_string_equal(l->__ptrParameterValueStruct[0]->Value.xsi__type, "xsd:int");
    assert_string_equal(l->__ptrParameterValueStruct[1]->Value.__item, "true");
    assert_string_equal(l->__ptrParameterValueStruct[1]->Value.xsi__type, "xsd:boolean");
    assert_string_equal(l->__ptrParameterValueStruct[2]->Value.xsi__type, "xsd:string");
    assert_string_equal(r.command_key, "pk");
    acs_rpc_cleanup(&r);

    r = build_ok("download", "{\"fileType\":\"1 Firmware Upgrade Image\",\"url\":\"https://f/x\",\"password\":\"pw\","
                             "\"delaySeconds\":7,\"commandKey\":\"fw\"}", CWMP_MSG_DOWNLOAD);
    const struct _cwmp__Download *d = r.msg.body.download;
    assert_string_equal(d->Password, "pw");
    assert_string_equal(d->Username, "");
    assert_int_equal(d->DelaySeconds, 7);
    assert_int_equal(d->FileSize, 0);
    assert_string_equal(r.command_key, "fw");
    assert_int_equal(r.hold_requests, 0);
    acs_rpc_cleanup(&r);

    r = build_ok("getParameterNames", "{\"holdRequests\":true}", CWMP_MSG_GET_PARAMETER_NAMES);
    assert_string_equal(r.msg.body.get_parameter_names->ParameterPath, "");
    assert_int_equal(r.msg.body.get_parameter_names->NextLevel, xsd__boolean__false_);
    assert_int_equal(r.hold_requests, 1);
    acs_rpc_cleanup(&r);

    r = build_ok("scheduleInform", NULL, CWMP_MSG_SCHEDULE_INFORM);
    assert_int_equal(r.msg.body.schedule_inform->DelaySeconds, 1);
    acs_rpc_cleanup(&r);
}

/* acsd's own key replaces the operator's in Download, Upload and CancelTransfer, nowhere else. */
static void transfer_key_set(void **state)
{
    (void)state;
    static const struct {
        const char *kind, *args;
        enum cwmp_msg_type type;
        int replaced;
    } cases[] = {
        {"download", "{\"fileType\":\"1 Firmware Upgrade Image\",\"url\":\"https://f/x\",\"commandKey\":\"op\"}",
         CWMP_MSG_DOWNLOAD, 1},
        {"upload", "{\"fileType\":\"1 Vendor Configuration File\",\"url\":\"https://f/u\",\"commandKey\":\"op\"}",
         CWMP_MSG_UPLOAD, 1},
        {"cancelTransfer", "{\"commandKey\":\"op\"}", CWMP_MSG_CANCEL_TRANSFER, 1},
        {"reboot", "{\"commandKey\":\"op\"}", CWMP_MSG_REBOOT, 0},
        {"scheduleInform", "{\"commandKey\":\"op\"}", CWMP_MSG_SCHEDULE_INFORM, 0},
    };
    const char *key = "acs-12-0123456789abcdef0123456";
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct acs_rpc r = build_ok(cases[i].kind, cases[i].args, cases[i].type);
        acs_rpc_set_transfer_key(&r, key);
        const char *sent = cases[i].type == CWMP_MSG_DOWNLOAD   ? r.msg.body.download->CommandKey
                           : cases[i].type == CWMP_MSG_UPLOAD   ? r.msg.body.upload->CommandKey
                           : cases[i].type == CWMP_MSG_REBOOT   ? r.msg.body.reboot->CommandKey
                           : cases[i].type == CWMP_MSG_SCHEDULE_INFORM ? r.msg.body.schedule_inform->CommandKey
                                                                       : r.msg.body.cancel_transfer->CommandKey;
        assert_string_equal(sent, cases[i].replaced ? key : "op");
        assert_string_equal(r.command_key, cases[i].replaced ? key : "op");
        acs_rpc_set_transfer_key(&r, NULL); /* NULL: no change */
        assert_string_equal(r.command_key, cases[i].replaced ? key : "op");
        acs_rpc_cleanup(&r);
    }
}

static void bad_args_refused(void **state)
{
    (void)state;
    build_refused("formatDisk", "{}", "unknown task kind");
    build_refused(NULL, "{}", "unknown task kind");
    build_refused("reboot", "[1,2]", "JSON object");
    build_refused("reboot", "{not json", "JSON object");
    build_refused("reboot", "{\"commandKey\":\"a\",\"commandKey\":\"b\"}", "JSON object");
    build_refused("reboot", "{\"bogus\":1}", "unknown member");
    build_refused("getParameterValues", "{}", "names");
    build_refused("getParameterValues", "{\"names\":[]}", "non-empty");
    build_refused("getParameterValues", "{\"names\":[1]}", "strings");
    build_refused("setParameterValues", "{\"values\":[]}", "values");
    build_refused("setParameterValues", "{\"values\":[{\"value\":\"1\"}]}", "name");
    build_refused("setParameterValues", "{\"values\":[{\"name\":\"Device.A\",\"value\":\"1\",\"type\":\"xsd:float\"}]}",
                  "unknown parameter type");
    build_refused("setParameterValues", "{\"values\":[{\"name\":\"Device.A\",\"value\":\"abc\",\"type\":\"xsd:unsignedInt\"}]}",
                  NULL);
    build_refused("setParameterValues", "{\"values\":[{\"name\":\"Device.A\",\"value\":\"1\"},"
                                        "{\"name\":\"Device.A\",\"value\":\"2\"}]}", NULL);
    build_refused("setParameterValues", "{\"values\":[{\"name\":\"Device.A\",\"value\":1.5}]}", "string, integer");
    build_refused("addObject", "{\"path\":\"Device.IP.Interface\"}", "end with");
    build_refused("download", "{\"fileType\":\"1 Firmware Upgrade Image\"}", "url");
    build_refused("download", "{\"fileType\":\"1 Firmware Upgrade Image\",\"url\":\"\"}", "empty");
    build_refused("download", "{\"fileType\":\"1 Firmware Upgrade Image\",\"url\":\"u\",\"fileSize\":-1}", "fileSize");
    build_refused("scheduleInform", "{\"delaySeconds\":0}", "at least 1");
    build_refused("cancelTransfer", "{}", "commandKey");
    build_refused("setParameterAttributes", "{\"attributes\":[{\"name\":\"Device.A\",\"notification\":7}]}", "0..6");
    build_refused("factoryReset", "{\"holdRequests\":1}", "holdRequests");
    /* a CommandKey longer than the schema's 32 characters */
    build_refused("reboot", "{\"commandKey\":\"0123456789012345678901234567890123456789\"}", NULL);
    char *err = NULL;
    assert_int_equal(acs_task_validate("reboot", "{}", &err), 0);
    assert_null(err);
    assert_int_equal(acs_task_validate("reboot", "{\"x\":1}", &err), -ERR_INVAL);
    free(err);
}

static void results_to_json(void **state)
{
    (void)state;
    struct cwmp__ParameterValueStruct p1 = {"Device.A", {"1", "xsd:unsignedInt"}}, p2 = {"Device.B", {NULL, NULL}};
    struct cwmp__ParameterValueStruct *pv[] = {&p1, NULL, &p2};
    struct ParameterValueList l = {pv, 3};
    struct _cwmp__GetParameterValuesResponse gpv = {&l};
    struct cwmp_msg m = {.type = CWMP_MSG_GET_PARAMETER_VALUES_RESPONSE, .body.get_parameter_values_response = &gpv};
    json_t *j = acs_rpc_result(&m);
    char *s = json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS);
    assert_string_equal(s, "{\"values\":[{\"name\":\"Device.A\",\"type\":\"xsd:unsignedInt\",\"value\":\"1\"},"
                           "{\"name\":\"Device.B\",\"type\":\"xsd:string\",\"value\":\"\"}]}");
    free(s);
    json_decref(j);

    struct _cwmp__AddObjectResponse ao = {7, _cwmp__AddObjectResponse_Status__1};
    m = (struct cwmp_msg){.type = CWMP_MSG_ADD_OBJECT_RESPONSE, .body.add_object_response = &ao};
    j = acs_rpc_result(&m);
    s = json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS);
    assert_string_equal(s, "{\"instanceNumber\":7,\"status\":1}");
    free(s);
    json_decref(j);

    struct cwmp__ParameterInfoStruct i1 = {"Device.X.", xsd__boolean__true_};
    struct cwmp__ParameterInfoStruct *pi[] = {&i1};
    struct ParameterInfoList il = {pi, 1};
    struct _cwmp__GetParameterNamesResponse gpn = {&il};
    m = (struct cwmp_msg){.type = CWMP_MSG_GET_PARAMETER_NAMES_RESPONSE, .body.get_parameter_names_response = &gpn};
    j = acs_rpc_result(&m);
    s = json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS);
    assert_string_equal(s, "{\"parameters\":[{\"name\":\"Device.X.\",\"writable\":true}]}");
    free(s);
    json_decref(j);
}

static void faults_with_details(void **state)
{
    (void)state;
    struct _cwmp__Fault_SetParameterValuesFault d[2] = {
        {"Device.A.Status", "9008", "Attempt to set a non-writable parameter"},
        {"Device.A.X", "9005", NULL},
    };
    struct _cwmp__Fault f = {"9008", "Attempt to set a non-writable parameter", 2, d};
    struct cwmp_msg m = {.type = CWMP_MSG_FAULT, .body.fault = &f};
    int code = 0;
    const char *str = NULL;
    json_t *details = NULL;
    assert_int_equal(acs_rpc_fault(&m, &code, &str, &details), 0);
    assert_int_equal(code, 9008);
    assert_string_equal(str, "Attempt to set a non-writable parameter");
    char *s = json_dumps(details, JSON_COMPACT | JSON_SORT_KEYS);
    assert_string_equal(s, "[{\"code\":9008,\"name\":\"Device.A.Status\",\"string\":\"Attempt to set a non-writable "
                           "parameter\"},{\"code\":9005,\"name\":\"Device.A.X\",\"string\":\"\"}]");
    free(s);
    json_decref(details);
    struct _cwmp__Fault bad = {"90x8", NULL, 0, NULL};
    m.body.fault = &bad;
    assert_int_equal(acs_rpc_fault(&m, &code, &str, &details), 0);
    assert_int_equal(code, 0);
    json_decref(details);
    m.type = CWMP_MSG_REBOOT_RESPONSE;
    assert_int_equal(acs_rpc_fault(&m, &code, &str, &details), -ERR_INVAL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(every_kind_builds),
        cmocka_unit_test(fields_and_defaults),
        cmocka_unit_test(transfer_key_set),
        cmocka_unit_test(bad_args_refused),
        cmocka_unit_test(results_to_json),
        cmocka_unit_test(faults_with_details),
    };
    return cmocka_run_group_tests_name("acs/rpc", tests, NULL, NULL);
}

/* tests/unit/cwmp/test_validate.c — common/cwmp validation (validate.c, lex.c): each rule
 * gSOAP does not enforce refuses with its reason; the lexical checks of the XSD types. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "cwmp_int.h"
#include "cwmp_body.h"

#define PVS(name, value, type) (&(struct cwmp__ParameterValueStruct){name, {value, type}})

/* Validate body as a message of type t (header with ID and mustUnderstand). */
static enum cwmp_reason check(enum cwmp_msg_type t, void *body)
{
    struct cwmp_msg m = {.type = t, .version = CWMP_V1_2, .body.any = body};
    m.header.id = "1";
    m.header.id_must_understand = true;
    struct cwmp_error e = {.reason = CWMP_R_OK};
    int rc = cwmp_validate(&m, 0, &e);
    assert_true((rc == 0) == (e.reason == CWMP_R_OK));
    if (rc < 0)
        assert_true(e.msg[0] != '\0');
    return e.reason;
}

static enum cwmp_reason value_as(const char *type, const char *text);

static void lengths(void **state)
{
    (void)state;
    char key33[34], name257[258];
    memset(key33, 'k', 33);
    key33[33] = '\0';
    memset(name257, 'n', 257);
    name257[257] = '\0';
    assert_int_equal(check(CWMP_MSG_REBOOT, &(struct _cwmp__Reboot){key33 + 1}), CWMP_R_OK);
    assert_int_equal(check(CWMP_MSG_REBOOT, &(struct _cwmp__Reboot){key33}), CWMP_R_TOO_LONG);
    /* characters, not bytes: 32 two-byte characters fit */
    char utf[65];
    for (int i = 0; i < 64; i += 2)
        memcpy(utf + i, "\xc3\xa9", 2);
    utf[64] = '\0';
    assert_int_equal(check(CWMP_MSG_REBOOT, &(struct _cwmp__Reboot){utf}), CWMP_R_OK);
    assert_int_equal(check(CWMP_MSG_GET_PARAMETER_VALUES, &(struct _cwmp__GetParameterValues){
                               &(struct ParameterNames){(char *[]){name257}, 1}}),
                     CWMP_R_TOO_LONG);
    assert_int_equal(check(CWMP_MSG_SET_PARAMETER_VALUES,
                           &(struct _cwmp__SetParameterValues){
                               &(struct ParameterValueList){
                                   (struct cwmp__ParameterValueStruct *[]){PVS("A.b", "1", NULL)}, 1},
                               key33}),
                     CWMP_R_TOO_LONG);
    assert_int_equal(check(CWMP_MSG_REBOOT, &(struct _cwmp__Reboot){NULL}), CWMP_R_MISSING);
    /* control characters XML cannot carry */
    assert_int_equal(check(CWMP_MSG_REBOOT, &(struct _cwmp__Reboot){"a\x01"}), CWMP_R_ENCODING);
    assert_int_equal(check(CWMP_MSG_REBOOT, &(struct _cwmp__Reboot){"a\x7f"}), CWMP_R_ENCODING);
    assert_int_equal(check(CWMP_MSG_REBOOT, &(struct _cwmp__Reboot){"a\xef\xbf\xbf"}),
                     CWMP_R_ENCODING);
    assert_int_equal(check(CWMP_MSG_REBOOT, &(struct _cwmp__Reboot){"a\xc3"}), CWMP_R_ENCODING);
    assert_int_equal(check(CWMP_MSG_REBOOT, &(struct _cwmp__Reboot){"a\tb\r\n\xc3\xa9"}),
                     CWMP_R_OK);
    assert_int_equal(value_as("xsd:string", "x\x1b[0m"), CWMP_R_ENCODING);
}

static void arrays(void **state)
{
    (void)state;
    assert_int_equal(check(CWMP_MSG_GET_PARAMETER_VALUES, &(struct _cwmp__GetParameterValues){NULL}),
                     CWMP_R_MISSING);
    assert_int_equal(check(CWMP_MSG_GET_PARAMETER_VALUES, &(struct _cwmp__GetParameterValues){
                               &(struct ParameterNames){(char *[]){"A.", NULL}, 2}}),
                     CWMP_R_ARRAY_COUNT);
    assert_int_equal(check(CWMP_MSG_GET_PARAMETER_VALUES, &(struct _cwmp__GetParameterValues){
                               &(struct ParameterNames){NULL, 3}}),
                     CWMP_R_ARRAY_COUNT);
    assert_int_equal(check(CWMP_MSG_GET_PARAMETER_VALUES, &(struct _cwmp__GetParameterValues){
                               &(struct ParameterNames){NULL, -1}}),
                     CWMP_R_ARRAY_COUNT);
    assert_int_equal(check(CWMP_MSG_GET_PARAMETER_VALUES, &(struct _cwmp__GetParameterValues){
                               &(struct ParameterNames){NULL, 0}}),
                     CWMP_R_OK);
}

static struct _cwmp__SetParameterValues *spv(struct cwmp__ParameterValueStruct **p, int n)
{
    static struct ParameterValueList l;
    static struct _cwmp__SetParameterValues m;
    l.__ptrParameterValueStruct = p;
    l.__size = n;
    m.ParameterList = &l;
    m.ParameterKey = "";
    return &m;
}

static void duplicates(void **state)
{
    (void)state;
    struct cwmp__ParameterValueStruct *p[] = {
        PVS("A.x", "1", "xsd:int"), PVS("A.y", "2", "xsd:int"), PVS("A.z", "", NULL),
        PVS("A.y", "3", "xsd:int"),
    };
    assert_int_equal(check(CWMP_MSG_SET_PARAMETER_VALUES, spv(p, 3)), CWMP_R_OK);
    assert_int_equal(check(CWMP_MSG_SET_PARAMETER_VALUES, spv(p, 4)), CWMP_R_DUPLICATE);
    /* the same name twice is fine where the schema allows it (a CPE's response) */
    struct _cwmp__GetParameterValuesResponse r = {spv(p, 4)->ParameterList};
    assert_int_equal(check(CWMP_MSG_GET_PARAMETER_VALUES_RESPONSE, &r), CWMP_R_OK);
}

static enum cwmp_reason value_as(const char *type, const char *text)
{
    struct cwmp__ParameterValueStruct *p[] = {PVS("A.v", (char *)text, (char *)type)};
    return check(CWMP_MSG_SET_PARAMETER_VALUES, spv(p, 1));
}

static void typed_values(void **state)
{
    (void)state;
    static const struct {
        const char *type, *text;
        bool ok;
    } cases[] = {
        {"xsd:unsignedInt", "300", true},        {"xsd:unsignedInt", " 300 ", true},
        {"xsd:unsignedInt", "4294967295", true}, {"xsd:unsignedInt", "4294967296", false},
        {"xsd:unsignedInt", "-1", false},        {"xsd:unsignedInt", "one hour", false},
        {"xsd:unsignedInt", "", false},          {"xsd:int", "-2147483648", true},
        {"xsd:int", "2147483648", false},        {"xsd:int", "+5", true},
        {"xsd:int", "5.0", false},               {"xsd:long", "-9223372036854775808", true},
        {"xsd:unsignedLong", "18446744073709551615", true},
        {"xsd:unsignedLong", "18446744073709551616", false},
        {"xsd:boolean", "true", true},           {"xsd:boolean", "0", true},
        {"xsd:boolean", "TRUE", false},          {"xsd:boolean", "yes", false},
        {"xsd:dateTime", "2024-05-01T12:00:00Z", true},
        {"xsd:dateTime", "0001-01-01T00:00:00Z", true},
        {"xsd:dateTime", "2024-05-01T12:00:00.123+02:00", true},
        {"xsd:dateTime", "2024-05-01T12:00:00", true},
        {"xsd:dateTime", "2024-13-01T12:00:00Z", false},
        {"xsd:dateTime", "2024-05-01 12:00:00", false},
        {"xsd:dateTime", "yesterday", false},
        {"xsd:base64Binary", "QUJD", true},      {"xsd:base64Binary", "QUJ", false},
        {"xsd:hexBinary", "00ff", true},         {"xsd:hexBinary", "0g", false},
        {"xsd:string", "anything at all", true}, {"xs:int", "7", true},
        {"xs:int", "x", false},                  {"tns:vendorType", "x", true},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        enum cwmp_reason r = value_as(cases[i].type, cases[i].text);
        if ((r == CWMP_R_OK) != cases[i].ok)
            fail_msg("%s \"%s\": got %s", cases[i].type, cases[i].text, cwmp_reason_str(r));
        if (!cases[i].ok)
            assert_int_equal(r, CWMP_R_VALUE_TYPE);
    }
}

static void patterns(void **state)
{
    (void)state;
    static const struct {
        const char *s;
        bool event, file;
    } cases[] = {
        {"0 BOOTSTRAP", true, false},  {"2 PERIODIC", true, true},   {"4 VALUE CHANGE", true, true},
        {"M Reboot", true, false},     {"M X_00D09E_Foo", true, false}, {"X 00D09E SIPRegFail", true, true},
        {"X CPE-VENDOR some thing", true, true}, {"1 Firmware Upgrade Image", true, true},
        {"PERIODIC", false, false},    {"2", false, false},          {"2  PERIODIC", false, false},
        {"2 PERIODIC ", false, false}, {"M ", false, false},         {"M a b", false, false},
        {"X 00D09E", false, false},    {"X 00D09E ", false, false},  {"", false, false},
        {"01 File", true, false},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        if (cwmp_lex_event_code(cases[i].s) != cases[i].event)
            fail_msg("event code \"%s\"", cases[i].s);
        if (cwmp_lex_file_type(cases[i].s) != cases[i].file)
            fail_msg("file type \"%s\"", cases[i].s);
    }
    assert_true(cwmp_lex_oui("00D09E"));
    assert_false(cwmp_lex_oui("00d09e"));
    assert_false(cwmp_lex_oui("00D09"));
    assert_false(cwmp_lex_oui("00D09EF"));
    assert_false(cwmp_lex_oui("00D0-E"));
}

static struct _cwmp__Inform *inform_with(const char *oui, const char *event, const char *time)
{
    static struct cwmp__DeviceIdStruct dev;
    static struct _cwmp__Inform m;
    static struct cwmp__EventStruct ev;
    static struct cwmp__EventStruct *evp[] = {&ev};
    static struct EventList events = {evp, 1};
    static struct ParameterValueList params = {NULL, 0};
    dev = (struct cwmp__DeviceIdStruct){"M", (char *)oui, "P", "S"};
    ev = (struct cwmp__EventStruct){(char *)event, ""};
    m = (struct _cwmp__Inform){&dev, &events, 1, (char *)time, 0, &params};
    return &m;
}

static void inform_rules(void **state)
{
    (void)state;
    const char *t = "2024-05-01T12:00:00Z";
    assert_int_equal(check(CWMP_MSG_INFORM, inform_with("00D09E", "1 BOOT", t)), CWMP_R_OK);
    assert_int_equal(check(CWMP_MSG_INFORM, inform_with("00d09e", "1 BOOT", t)), CWMP_R_BAD_VALUE);
    assert_int_equal(check(CWMP_MSG_INFORM, inform_with("00D09E", "BOOT", t)), CWMP_R_EVENT_CODE);
    assert_int_equal(check(CWMP_MSG_INFORM, inform_with("00D09E", "1 BOOT", "now")), CWMP_R_BAD_VALUE);
    assert_int_equal(check(CWMP_MSG_INFORM, inform_with("00D09E", "1 BOOT", NULL)), CWMP_R_MISSING);
}

static void fault_rules(void **state)
{
    (void)state;
    struct _cwmp__Fault f = {"9003", "Invalid arguments", 0, NULL};
    assert_int_equal(check(CWMP_MSG_FAULT, &f), CWMP_R_OK);
    f.FaultCode = "8899";
    assert_int_equal(check(CWMP_MSG_FAULT, &f), CWMP_R_OK);
    f.FaultCode = "7000";
    assert_int_equal(check(CWMP_MSG_FAULT, &f), CWMP_R_FAULT_CODE);
    f.FaultCode = "8900";
    assert_int_equal(check(CWMP_MSG_FAULT, &f), CWMP_R_FAULT_CODE);
    f.FaultCode = "90x3";
    assert_int_equal(check(CWMP_MSG_FAULT, &f), CWMP_R_FAULT_CODE);
    f.FaultCode = "9003";
    struct _cwmp__Fault_SetParameterValuesFault spvf = {"A.b", "8003", NULL};
    f.__sizeSetParameterValuesFault = 1;
    f.SetParameterValuesFault = &spvf;
    assert_int_equal(check(CWMP_MSG_FAULT, &f), CWMP_R_FAULT_CODE); /* must be a CPE code */
    spvf.FaultCode = "9007";
    assert_int_equal(check(CWMP_MSG_FAULT, &f), CWMP_R_OK);
    struct cwmp__TransferCompleteFaultStruct tf = {"0", ""};
    struct _cwmp__TransferComplete tc = {"k", &tf, "0001-01-01T00:00:00Z", "0001-01-01T00:00:00Z"};
    assert_int_equal(check(CWMP_MSG_TRANSFER_COMPLETE, &tc), CWMP_R_OK);
    tf.FaultCode = "8002";
    assert_int_equal(check(CWMP_MSG_TRANSFER_COMPLETE, &tc), CWMP_R_FAULT_CODE);
}

static void other_rules(void **state)
{
    (void)state;
    assert_int_equal(check(CWMP_MSG_ADD_OBJECT, &(struct _cwmp__AddObject){"Device.X.", "k"}),
                     CWMP_R_OK);
    assert_int_equal(check(CWMP_MSG_ADD_OBJECT, &(struct _cwmp__AddObject){"Device.X", "k"}),
                     CWMP_R_BAD_VALUE);
    struct _cwmp__Download d = {"k", "1 Firmware Upgrade Image", "http://x/", "", "", 0, "", 0, "", ""};
    assert_int_equal(check(CWMP_MSG_DOWNLOAD, &d), CWMP_R_OK);
    d.FileType = "Firmware";
    assert_int_equal(check(CWMP_MSG_DOWNLOAD, &d), CWMP_R_BAD_VALUE);
    struct cwmp__SetParameterAttributesStruct a = {"A.", xsd__boolean__true_,
                                                   (enum cwmp__ParameterAttributeNotificationValueType)7,
                                                   xsd__boolean__false_, &(struct AccessList){NULL, 0}};
    struct _cwmp__SetParameterAttributes spa = {
        &(struct SetParameterAttributesList){(struct cwmp__SetParameterAttributesStruct *[]){&a}, 1}};
    assert_int_equal(check(CWMP_MSG_SET_PARAMETER_ATTRIBUTES, &spa), CWMP_R_BAD_VALUE);
    a.Notification = cwmp__ParameterAttributeNotificationValueType__6;
    assert_int_equal(check(CWMP_MSG_SET_PARAMETER_ATTRIBUTES, &spa), CWMP_R_OK);
    a.AccessList = NULL;
    assert_int_equal(check(CWMP_MSG_SET_PARAMETER_ATTRIBUTES, &spa), CWMP_R_MISSING);
}

static void header_rules(void **state)
{
    (void)state;
    struct cwmp_msg m = {.type = CWMP_MSG_FACTORY_RESET, .body.any = &(struct _cwmp__FactoryReset){}};
    struct cwmp_error e;
    assert_int_equal(cwmp_validate(&m, 0, &e), -ERR_POLICY);
    assert_int_equal(e.reason, CWMP_R_NO_ID);
    assert_int_equal(cwmp_validate(&m, CWMP_DECODE_ALLOW_NO_ID, &e), 0);
    m.header.id = "1";
    assert_int_equal(cwmp_validate(&m, 0, &e), -ERR_POLICY);
    assert_int_equal(e.reason, CWMP_R_MUST_UNDERSTAND);
    assert_int_equal(cwmp_validate(&m, CWMP_DECODE_ALLOW_NO_ID, &e), 0);
    m.header.id_must_understand = true;
    assert_int_equal(cwmp_validate(&m, 0, NULL), 0);
    m.type = CWMP_MSG_COUNT;
    assert_int_equal(cwmp_validate(&m, 0, &e), -ERR_POLICY);
    m.type = CWMP_MSG_NONE;
    assert_int_equal(cwmp_validate(&m, 0, &e), 0);
}

static void chars(void **state)
{
    (void)state;
    assert_int_equal(cwmp_lex_chars("", 10), 0);
    assert_int_equal(cwmp_lex_chars("abc", 10), 3);
    assert_int_equal(cwmp_lex_chars("\xc3\xa9\xe2\x82\xac", 10), 2);
    assert_int_equal(cwmp_lex_chars("abcdef", 3), 3);
    unsigned long n;
    assert_true(cwmp_lex_ulong(" 42 ", 100, &n));
    assert_int_equal(n, 42);
    assert_false(cwmp_lex_ulong("101", 100, &n));
    assert_false(cwmp_lex_ulong("", 100, &n));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(lengths),      cmocka_unit_test(arrays),
        cmocka_unit_test(duplicates),   cmocka_unit_test(typed_values),
        cmocka_unit_test(patterns),     cmocka_unit_test(inform_rules),
        cmocka_unit_test(fault_rules),  cmocka_unit_test(other_rules),
        cmocka_unit_test(header_rules), cmocka_unit_test(chars),
    };
    return cmocka_run_group_tests_name("cwmp/validate", tests, NULL, NULL);
}

/* tests/unit/cpe/test_cpe_session.c — the CPE session machine and RPC answers, fed with
 * ACS messages encoded by the shared codec: Inform with events, the empty POST, every RPC
 * (GetParameterValues, SPV read-only -> 9008 with SetParameterValuesFault, AddObject
 * numbering, ...), Reboot -> "1 BOOT" + "M Reboot", Download -> TransferComplete, unknown
 * method -> 9000, 503 -> retry back-off. Every message the CPE produces is written to
 * $CPE_OUT (default $BUILD/cpe-out) for tests/integration/060-cpe-messages.sh. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "cpe_session.h"
#include "cpe_test.h"
#include "cwmp_body.h"

#define PVS(name, value, type) (&(struct cwmp__ParameterValueStruct){name, {value, type}})
#define STRINGS(...) (char *[]){__VA_ARGS__}, (int)(sizeof((char *[]){__VA_ARGS__}) / sizeof(char *))

static struct cpe_schema *schema;
static struct cwmp_codec *cpe_codec, *acs_codec;
static struct cpe_dev_cfg cfg = {
    .acs_url = "https://127.0.0.1:7547/",
    .cr_url_base = "http://127.0.0.1:7548/cr/",
    .manufacturer = "ExampleVoIP",
    .periodic_interval = 300,
};

struct fixture {
    struct cpe_dev *dev;
    struct cpe_session s;
    struct buf out;  /* what the CPE posts */
    struct buf acs;  /* what the "ACS" answers */
    int64_t now;
    int acs_id;
};

static int group_setup(void **state)
{
    (void)state;
    char *err = NULL;
    schema = cpe_schema_load(datamodel_path(), &err);
    free(err);
    cfg.schema = schema;
    cpe_codec = cwmp_codec_new();
    acs_codec = cwmp_codec_new();
    return schema && cpe_codec && acs_codec ? 0 : -1;
}

static int group_teardown(void **state)
{
    (void)state;
    cwmp_codec_free(cpe_codec);
    cwmp_codec_free(acs_codec);
    cpe_schema_free(schema);
    return 0;
}

static int setup(void **state)
{
    struct fixture *f = calloc(1, sizeof *f);
    if (!f)
        return -1;
    f->now = T0_MS;
    f->dev = cpe_dev_new(&cfg, "00D09E-SimBox-SIM00000001", "0123abcd", f->now, true);
    cpe_session_init(&f->s);
    buf_init(&f->out, CPE_MAX_BODY);
    buf_init(&f->acs, CPE_MAX_BODY);
    *state = f;
    return f->dev ? 0 : -1;
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    cpe_session_cleanup(&f->s);
    cpe_dev_free(f->dev);
    buf_cleanup(&f->out);
    buf_cleanup(&f->acs);
    free(f);
    return 0;
}

/* Decode what the CPE posted (as the ACS would); optionally save it for the validator. */
static const struct cwmp_msg *posted(struct fixture *f, const char *save_as)
{
    const struct cwmp_msg *m = NULL;
    struct cwmp_error err;
    if (save_as)
        assert_int_equal(write_out(save_as, f->out.data, f->out.len), 0);
    int rc = cwmp_decode(acs_codec, f->out.data, f->out.len, 0, &m, &err);
    if (rc < 0)
        fail_msg("CPE message refused: %s", err.msg);
    return m;
}

/* The ACS sends type/body (NULL: 204); returns the CPE's step. */
static enum cpe_step acs_says(struct fixture *f, enum cwmp_msg_type type, void *body)
{
    char id[32];
    f->acs.len = 0;
    if (type == CWMP_MSG_NONE)
        return cpe_session_feed(&f->s, 204, NULL, 0, 0, f->now, cpe_codec, &f->out);
    snprintf(id, sizeof id, "acs-%04d", ++f->acs_id);
    struct cwmp_msg m = {.type = type, .version = CWMP_V1_2, .header.id = id, .body.any = body};
    struct cwmp_error err;
    if (cwmp_encode(acs_codec, &m, &f->acs, &err) < 0)
        fail_msg("ACS message refused: %s", err.msg);
    return cpe_session_feed(&f->s, 200, f->acs.data, f->acs.len, 0, f->now, cpe_codec, &f->out);
}

static bool has_event(const struct _cwmp__Inform *inf, const char *code, const char *key)
{
    for (int i = 0; i < inf->Event->__size; i++)
        if (strcmp(inf->Event->__ptrEventStruct[i]->EventCode, code) == 0)
            return !key || strcmp(inf->Event->__ptrEventStruct[i]->CommandKey, key) == 0;
    return false;
}

static const char *param(const struct ParameterValueList *l, const char *name)
{
    for (int i = 0; i < l->__size; i++)
        if (strcmp(l->__ptrParameterValueStruct[i]->Name, name) == 0)
            return l->__ptrParameterValueStruct[i]->Value.__item;
    return NULL;
}

/* Inform -> InformResponse -> the empty POST. */
static void open_session(struct fixture *f, const char *save_as)
{
    assert_int_equal(cpe_session_start(&f->s, f->dev, f->now, cpe_codec, &f->out), 0);
    const struct cwmp_msg *m = posted(f, save_as);
    assert_int_equal(m->type, CWMP_MSG_INFORM);
    assert_int_equal(acs_says(f, CWMP_MSG_INFORM_RESPONSE, &(struct _cwmp__InformResponse){1}), CPE_STEP_POST);
}

static void bootstrap_inform(void **state)
{
    struct fixture *f = *state;
    assert_int_equal(cpe_dev_due(f->dev), f->now);
    assert_int_equal(cpe_session_start(&f->s, f->dev, f->now, cpe_codec, &f->out), 0);
    const struct cwmp_msg *m = posted(f, "cpe-inform-bootstrap");
    const struct _cwmp__Inform *inf = m->body.inform;
    assert_string_equal(inf->DeviceId->OUI, "00D09E");
    assert_string_equal(inf->DeviceId->ProductClass, "SimBox");
    assert_string_equal(inf->DeviceId->SerialNumber, "SIM00000001");
    assert_string_equal(inf->DeviceId->Manufacturer, "ExampleVoIP");
    assert_true(has_event(inf, "0 BOOTSTRAP", ""));
    assert_true(has_event(inf, "1 BOOT", ""));
    assert_int_equal(inf->RetryCount, 0);
    assert_string_equal(inf->CurrentTime, "2024-05-01T12:00:00Z");
    assert_string_equal(param(inf->ParameterList, "Device.ManagementServer.ConnectionRequestURL"),
                        "http://127.0.0.1:7548/cr/00D09E-SimBox-SIM00000001");
    assert_non_null(param(inf->ParameterList, "Device.RootDataModelVersion"));
    assert_non_null(param(inf->ParameterList, "Device.ManagementServer.ParameterKey"));
    assert_int_equal(acs_says(f, CWMP_MSG_INFORM_RESPONSE, &(struct _cwmp__InformResponse){1}), CPE_STEP_POST);
    assert_int_equal(f->out.len, 0); /* empty POST */
    assert_int_equal(acs_says(f, CWMP_MSG_NONE, NULL), CPE_STEP_DONE);
    assert_true(cpe_session_end(&f->s, f->now));
    /* nothing due until the periodic inform (300 s, with a random phase) */
    int64_t due = cpe_dev_due(f->dev);
    assert_true(due > f->now + 149000 && due <= f->now + 300000);
    f->now = due;
    assert_int_equal(cpe_session_start(&f->s, f->dev, f->now, cpe_codec, &f->out), 0);
    const struct _cwmp__Inform *p = posted(f, "cpe-inform-periodic")->body.inform;
    assert_true(has_event(p, "2 PERIODIC", ""));
    assert_false(has_event(p, "0 BOOTSTRAP", NULL));
    cpe_session_abort(&f->s, CPE_FAIL_IO);
    assert_false(cpe_session_end(&f->s, f->now));
}

static void get_values(void **state)
{
    struct fixture *f = *state;
    open_session(f, NULL);
    struct _cwmp__GetParameterValues gpv = {&(struct ParameterNames){STRINGS(
        "Device.DeviceInfo.SerialNumber", "Device.ManagementServer.PeriodicInformInterval",
        "Device.Services.VoiceService.1.SIP.Client.1.")}};
    assert_int_equal(acs_says(f, CWMP_MSG_GET_PARAMETER_VALUES, &gpv), CPE_STEP_POST);
    const struct cwmp_msg *m = posted(f, "cpe-getparametervaluesresponse");
    assert_int_equal(m->type, CWMP_MSG_GET_PARAMETER_VALUES_RESPONSE);
    assert_string_equal(m->header.id, "acs-0002");
    const struct ParameterValueList *l = m->body.get_parameter_values_response->ParameterList;
    assert_string_equal(param(l, "Device.DeviceInfo.SerialNumber"), "SIM00000001");
    assert_string_equal(param(l, "Device.ManagementServer.PeriodicInformInterval"), "300");
    assert_string_equal(param(l, "Device.Services.VoiceService.1.SIP.Client.1.AuthPassword"), "");
    assert_string_equal(param(l, "Device.Services.VoiceService.1.SIP.Client.1.Enable"), "false");
    for (int i = 0; i < l->__size; i++)
        if (strcmp(l->__ptrParameterValueStruct[i]->Name, "Device.ManagementServer.PeriodicInformInterval") == 0)
            assert_string_equal(l->__ptrParameterValueStruct[i]->Value.xsi__type, "xsd:unsignedInt");
    /* unknown name: fault 9005 for the whole request */
    struct _cwmp__GetParameterValues bad = {&(struct ParameterNames){STRINGS("Device.NoSuch.")}};
    assert_int_equal(acs_says(f, CWMP_MSG_GET_PARAMETER_VALUES, &bad), CPE_STEP_POST);
    m = posted(f, "cpe-fault-9005");
    assert_int_equal(m->type, CWMP_MSG_FAULT);
    assert_string_equal(m->body.fault->FaultCode, "9005");
    assert_int_equal(acs_says(f, CWMP_MSG_NONE, NULL), CPE_STEP_DONE);
    assert_true(cpe_session_end(&f->s, f->now));
}

/* The codec's leniency reaches libcpe: an ACS whose arrayType counts are wrong (1 declared for
 * 3 names, 9 for 2) gets every value asked for. */
static void lenient_counts(void **state)
{
    struct fixture *f = *state;
    open_session(f, NULL);
    static const char *const gpv[] = {
        "<soap-env:Envelope xmlns:soap-env=\"http://schemas.xmlsoap.org/soap/envelope/\" "
        "xmlns:soap-enc=\"http://schemas.xmlsoap.org/soap/encoding/\" "
        "xmlns:cwmp=\"urn:dslforum-org:cwmp-1-2\"><soap-env:Header><cwmp:ID soap-env:mustUnderstand=\"1\">"
        "l-1</cwmp:ID></soap-env:Header><soap-env:Body><cwmp:GetParameterValues><ParameterNames "
        "soap-enc:arrayType=\"xsd:string[1]\"><string>Device.DeviceInfo.SerialNumber</string>"
        "<string>Device.ManagementServer.PeriodicInformInterval</string>"
        "<string>Device.DeviceInfo.Manufacturer</string></ParameterNames></cwmp:GetParameterValues>"
        "</soap-env:Body></soap-env:Envelope>",
        "<soap-env:Envelope xmlns:soap-env=\"http://schemas.xmlsoap.org/soap/envelope/\" "
        "xmlns:soap-enc=\"http://schemas.xmlsoap.org/soap/encoding/\" "
        "xmlns:cwmp=\"urn:dslforum-org:cwmp-1-2\"><soap-env:Header><cwmp:ID soap-env:mustUnderstand=\"1\">"
        "l-2</cwmp:ID></soap-env:Header><soap-env:Body><cwmp:GetParameterValues><ParameterNames "
        "soap-enc:arrayType=\"xsd:string[9]\"><string>Device.DeviceInfo.SerialNumber</string>"
        "<string>Device.ManagementServer.PeriodicInformInterval</string></ParameterNames>"
        "</cwmp:GetParameterValues></soap-env:Body></soap-env:Envelope>",
    };
    for (size_t i = 0; i < 2; i++) {
        assert_int_equal(cpe_session_feed(&f->s, 200, gpv[i], strlen(gpv[i]), 0, f->now, cpe_codec, &f->out),
                         CPE_STEP_POST);
        const struct cwmp_msg *m = posted(f, NULL);
        assert_int_equal(m->type, CWMP_MSG_GET_PARAMETER_VALUES_RESPONSE);
        const struct ParameterValueList *l = m->body.get_parameter_values_response->ParameterList;
        assert_int_equal(l->__size, i == 0 ? 3 : 2);
        assert_string_equal(param(l, "Device.DeviceInfo.SerialNumber"), "SIM00000001");
        assert_string_equal(param(l, "Device.ManagementServer.PeriodicInformInterval"), "300");
        if (i == 0)
            assert_non_null(param(l, "Device.DeviceInfo.Manufacturer"));
    }
    assert_int_equal(acs_says(f, CWMP_MSG_NONE, NULL), CPE_STEP_DONE);
    assert_true(cpe_session_end(&f->s, f->now));
}

static void set_values(void **state)
{
    struct fixture *f = *state;
    open_session(f, NULL);
    struct ParameterValueList ro = {(struct cwmp__ParameterValueStruct *[]){
        PVS("Device.DeviceInfo.SerialNumber", "X", "xsd:string"),
        PVS("Device.Services.VoiceService.1.SIP.Client.1.Status", "Up", "xsd:string"),
    }, 2};
    assert_int_equal(acs_says(f, CWMP_MSG_SET_PARAMETER_VALUES, &(struct _cwmp__SetParameterValues){&ro, "k1"}),
                     CPE_STEP_POST);
    const struct cwmp_msg *m = posted(f, "cpe-fault-9008-spv");
    assert_int_equal(m->type, CWMP_MSG_FAULT);
    assert_string_equal(m->body.fault->FaultCode, "9008");
    assert_int_equal(m->body.fault->__sizeSetParameterValuesFault, 2);
    assert_string_equal(m->body.fault->SetParameterValuesFault[0].ParameterName, "Device.DeviceInfo.SerialNumber");
    assert_string_equal(m->body.fault->SetParameterValuesFault[0].FaultCode, "9008");

    struct ParameterValueList mixed = {(struct cwmp__ParameterValueStruct *[]){
        PVS("Device.Services.VoiceService.1.SIP.Network.1.ProxyServerPort", "70000", "xsd:unsignedInt"),
        PVS("Device.Services.VoiceService.1.SIP.Network.1.ProxyServer", "sip.example.net", "xsd:string"),
        PVS("Device.Services.VoiceService.1.SIP.Network.1.RegistrarServerPort", "5060", "xsd:string"),
        PVS("Device.Services.VoiceService.1.SIP.Client.1.NoSuchParam", "1", "xsd:string"),
    }, 4};
    assert_int_equal(acs_says(f, CWMP_MSG_SET_PARAMETER_VALUES,
                              &(struct _cwmp__SetParameterValues){&mixed, "k2"}), CPE_STEP_POST);
    m = posted(f, "cpe-fault-9003-spv");
    assert_string_equal(m->body.fault->FaultCode, "9003");
    assert_int_equal(m->body.fault->__sizeSetParameterValuesFault, 3);
    assert_string_equal(m->body.fault->SetParameterValuesFault[0].FaultCode, "9007");
    assert_string_equal(m->body.fault->SetParameterValuesFault[1].FaultCode, "9006");
    assert_string_equal(m->body.fault->SetParameterValuesFault[2].FaultCode, "9005");
    char buf[64];
    assert_string_equal(cpe_dm_get(cpe_dev_dm(f->dev), "Device.Services.VoiceService.1.SIP.Network.1.ProxyServer",
                                   buf, sizeof buf), ""); /* nothing applied */

    struct ParameterValueList good = {(struct cwmp__ParameterValueStruct *[]){
        PVS("Device.ManagementServer.ConnectionRequestUsername", "cr-user", "xsd:string"),
        PVS("Device.ManagementServer.ConnectionRequestPassword", "cr-secret", "xsd:string"),
        PVS("Device.Services.VoiceService.1.SIP.Client.1.AuthPassword", "sip-secret", NULL),
        PVS("Device.Services.VoiceService.1.SIP.Network.1.ProxyServerPort", "5061", "xsd:unsignedInt"),
        PVS("Device.ManagementServer.PeriodicInformEnable", "1", "xsd:boolean"),
    }, 5};
    assert_int_equal(acs_says(f, CWMP_MSG_SET_PARAMETER_VALUES,
                              &(struct _cwmp__SetParameterValues){&good, "prov-42"}), CPE_STEP_POST);
    m = posted(f, "cpe-setparametervaluesresponse");
    assert_int_equal(m->type, CWMP_MSG_SET_PARAMETER_VALUES_RESPONSE);
    assert_int_equal(m->body.set_parameter_values_response->Status, 0);
    char user[64], pass[64];
    cpe_dev_cr_credentials(f->dev, user, pass, sizeof user);
    assert_string_equal(user, "cr-user");
    assert_string_equal(pass, "cr-secret");
    struct _cwmp__GetParameterValues gpv = {&(struct ParameterNames){STRINGS(
        "Device.ManagementServer.ParameterKey", "Device.ManagementServer.ConnectionRequestPassword",
        "Device.Services.VoiceService.1.SIP.Network.1.ProxyServerPort", "Device.ManagementServer.PeriodicInformEnable")}};
    assert_int_equal(acs_says(f, CWMP_MSG_GET_PARAMETER_VALUES, &gpv), CPE_STEP_POST);
    const struct ParameterValueList *l = posted(f, NULL)->body.get_parameter_values_response->ParameterList;
    assert_string_equal(param(l, "Device.ManagementServer.ParameterKey"), "prov-42");
    assert_string_equal(param(l, "Device.ManagementServer.ConnectionRequestPassword"), ""); /* hidden */
    assert_string_equal(param(l, "Device.Services.VoiceService.1.SIP.Network.1.ProxyServerPort"), "5061");
    assert_string_equal(param(l, "Device.ManagementServer.PeriodicInformEnable"), "true");
    assert_int_equal(acs_says(f, CWMP_MSG_NONE, NULL), CPE_STEP_DONE);
    assert_true(cpe_session_end(&f->s, f->now));
}

static void objects_names_attributes(void **state)
{
    struct fixture *f = *state;
    open_session(f, NULL);
    struct _cwmp__AddObject add = {"Device.Services.VoiceService.1.SIP.Client.", "add-1"};
    assert_int_equal(acs_says(f, CWMP_MSG_ADD_OBJECT, &add), CPE_STEP_POST);
    const struct cwmp_msg *m = posted(f, "cpe-addobjectresponse");
    assert_int_equal(m->body.add_object_response->InstanceNumber, 3);
    assert_int_equal(acs_says(f, CWMP_MSG_ADD_OBJECT, &add), CPE_STEP_POST);
    assert_int_equal(posted(f, NULL)->body.add_object_response->InstanceNumber, 4);
    struct _cwmp__DeleteObject del = {"Device.Services.VoiceService.1.SIP.Client.4.", "del-1"};
    assert_int_equal(acs_says(f, CWMP_MSG_DELETE_OBJECT, &del), CPE_STEP_POST);
    assert_int_equal(posted(f, "cpe-deleteobjectresponse")->type, CWMP_MSG_DELETE_OBJECT_RESPONSE);
    assert_int_equal(acs_says(f, CWMP_MSG_DELETE_OBJECT, &del), CPE_STEP_POST);
    assert_string_equal(posted(f, NULL)->body.fault->FaultCode, "9005");
    assert_int_equal(acs_says(f, CWMP_MSG_ADD_OBJECT, &add), CPE_STEP_POST);
    assert_int_equal(posted(f, NULL)->body.add_object_response->InstanceNumber, 5);
    struct _cwmp__AddObject notable = {"Device.DeviceInfo.", "add-2"};
    assert_int_equal(acs_says(f, CWMP_MSG_ADD_OBJECT, &notable), CPE_STEP_POST);
    assert_string_equal(posted(f, NULL)->body.fault->FaultCode, "9005");

    struct _cwmp__GetParameterNames gpn = {"Device.Services.VoiceService.1.SIP.Client.", xsd__boolean__true_};
    assert_int_equal(acs_says(f, CWMP_MSG_GET_PARAMETER_NAMES, &gpn), CPE_STEP_POST);
    m = posted(f, "cpe-getparameternamesresponse");
    const struct ParameterInfoList *pl = m->body.get_parameter_names_response->ParameterList;
    assert_int_equal(pl->__size, 4); /* the two factory clients, 3 and 5 */
    assert_string_equal(pl->__ptrParameterInfoStruct[0]->Name, "Device.Services.VoiceService.1.SIP.Client.1.");
    assert_string_equal(pl->__ptrParameterInfoStruct[1]->Name, "Device.Services.VoiceService.1.SIP.Client.2.");
    assert_string_equal(pl->__ptrParameterInfoStruct[2]->Name, "Device.Services.VoiceService.1.SIP.Client.3.");
    assert_string_equal(pl->__ptrParameterInfoStruct[3]->Name, "Device.Services.VoiceService.1.SIP.Client.5.");
    assert_int_equal(pl->__ptrParameterInfoStruct[2]->Writable, xsd__boolean__true_);
    struct _cwmp__GetParameterNames all = {"", xsd__boolean__false_};
    assert_int_equal(acs_says(f, CWMP_MSG_GET_PARAMETER_NAMES, &all), CPE_STEP_POST);
    m = posted(f, "cpe-getparameternamesresponse-all");
    assert_true(m->body.get_parameter_names_response->ParameterList->__size > 250);
    struct _cwmp__GetParameterNames leaf = {"Device.DeviceInfo.SerialNumber", xsd__boolean__true_};
    assert_int_equal(acs_says(f, CWMP_MSG_GET_PARAMETER_NAMES, &leaf), CPE_STEP_POST);
    assert_string_equal(posted(f, NULL)->body.fault->FaultCode, "9003");

    struct cwmp__SetParameterAttributesStruct spa = {
        "Device.DeviceInfo.SoftwareVersion", xsd__boolean__true_, cwmp__ParameterAttributeNotificationValueType__2,
        xsd__boolean__false_, &(struct AccessList){NULL, 0}};
    assert_int_equal(acs_says(f, CWMP_MSG_SET_PARAMETER_ATTRIBUTES,
                              &(struct _cwmp__SetParameterAttributes){&(struct SetParameterAttributesList){
                                  (struct cwmp__SetParameterAttributesStruct *[]){&spa}, 1}}),
                     CPE_STEP_POST);
    assert_int_equal(posted(f, "cpe-setparameterattributesresponse")->type, CWMP_MSG_SET_PARAMETER_ATTRIBUTES_RESPONSE);
    struct _cwmp__GetParameterAttributes gpa = {&(struct ParameterNames){STRINGS("Device.DeviceInfo.SoftwareVersion")}};
    assert_int_equal(acs_says(f, CWMP_MSG_GET_PARAMETER_ATTRIBUTES, &gpa), CPE_STEP_POST);
    m = posted(f, "cpe-getparameterattributesresponse");
    assert_int_equal(m->body.get_parameter_attributes_response->ParameterList->__ptrParameterAttributeStruct[0]->Notification, 2);
    assert_int_equal(acs_says(f, CWMP_MSG_GET_RPC_METHODS, &(struct _cwmp__GetRPCMethods){}), CPE_STEP_POST);
    assert_true(posted(f, "cpe-getrpcmethodsresponse")->body.get_rpc_methods_response->MethodList->__size >= 14);
    assert_int_equal(acs_says(f, CWMP_MSG_NONE, NULL), CPE_STEP_DONE);
    assert_true(cpe_session_end(&f->s, f->now));

    /* a change the CPE makes itself to an active-notification parameter: 4 VALUE CHANGE */
    assert_int_equal(cpe_dev_local_change(f->dev, "Device.DeviceInfo.SoftwareVersion", "1.0.1", f->now), 0);
    assert_int_equal(cpe_dev_due(f->dev), f->now);
    assert_int_equal(cpe_session_start(&f->s, f->dev, f->now, cpe_codec, &f->out), 0);
    const struct _cwmp__Inform *inf = posted(f, "cpe-inform-value-change")->body.inform;
    assert_true(has_event(inf, "4 VALUE CHANGE", ""));
    assert_string_equal(param(inf->ParameterList, "Device.DeviceInfo.SoftwareVersion"), "1.0.1");
    cpe_session_abort(&f->s, CPE_FAIL_ABORTED);
    (void)cpe_session_end(&f->s, f->now);
}

static void reboot_and_transfers(void **state)
{
    struct fixture *f = *state;
    open_session(f, NULL);
    struct _cwmp__Download dl = {"fw-2.1", "1 Firmware Upgrade Image", "https://127.0.0.1:7567/f/fw.bin", "", "",
                                 1000, "fw.bin", 0, "", ""};
    assert_int_equal(acs_says(f, CWMP_MSG_DOWNLOAD, &dl), CPE_STEP_POST);
    const struct cwmp_msg *m = posted(f, "cpe-downloadresponse");
    assert_int_equal(m->body.download_response->Status, 1);
    struct _cwmp__Upload up = {"cdr-1", "X 00D09E CDR", "https://127.0.0.1:7567/u/fail", "", "", 0};
    assert_int_equal(acs_says(f, CWMP_MSG_UPLOAD, &up), CPE_STEP_POST);
    assert_int_equal(posted(f, "cpe-uploadresponse")->body.upload_response->Status, 1);
    struct _cwmp__Upload up2 = {"cdr-2", "X 00D09E CDR", "https://127.0.0.1:7567/u/2", "", "", 3600};
    assert_int_equal(acs_says(f, CWMP_MSG_UPLOAD, &up2), CPE_STEP_POST);
    assert_int_equal(acs_says(f, CWMP_MSG_CANCEL_TRANSFER, &(struct _cwmp__CancelTransfer){"cdr-2"}), CPE_STEP_POST);
    assert_int_equal(posted(f, "cpe-canceltransferresponse")->type, CWMP_MSG_CANCEL_TRANSFER_RESPONSE);
    assert_int_equal(acs_says(f, CWMP_MSG_CANCEL_TRANSFER, &(struct _cwmp__CancelTransfer){"nope"}), CPE_STEP_POST);
    assert_string_equal(posted(f, NULL)->body.fault->FaultCode, "9003");
    assert_int_equal(acs_says(f, CWMP_MSG_SCHEDULE_INFORM, &(struct _cwmp__ScheduleInform){3600, "sched-1"}),
                     CPE_STEP_POST);
    assert_int_equal(posted(f, "cpe-scheduleinformresponse")->type, CWMP_MSG_SCHEDULE_INFORM_RESPONSE);
    assert_int_equal(acs_says(f, CWMP_MSG_REBOOT, &(struct _cwmp__Reboot){"reboot-7"}), CPE_STEP_POST);
    assert_int_equal(posted(f, "cpe-rebootresponse")->type, CWMP_MSG_REBOOT_RESPONSE);
    assert_int_equal(acs_says(f, CWMP_MSG_NONE, NULL), CPE_STEP_DONE);
    assert_true(cpe_session_end(&f->s, f->now));

    /* after the reboot: 1 BOOT + M Reboot, and the finished transfers */
    assert_int_equal(cpe_dev_due(f->dev), f->now);
    assert_int_equal(cpe_session_start(&f->s, f->dev, f->now, cpe_codec, &f->out), 0);
    const struct _cwmp__Inform *inf = posted(f, "cpe-inform-reboot-transfer")->body.inform;
    assert_true(has_event(inf, "1 BOOT", ""));
    assert_true(has_event(inf, "M Reboot", "reboot-7"));
    assert_true(has_event(inf, "7 TRANSFER COMPLETE", ""));
    assert_true(has_event(inf, "M Download", "fw-2.1"));
    assert_false(has_event(inf, "0 BOOTSTRAP", NULL));
    assert_int_equal(acs_says(f, CWMP_MSG_INFORM_RESPONSE, &(struct _cwmp__InformResponse){1}), CPE_STEP_POST);
    m = posted(f, "cpe-transfercomplete");
    assert_int_equal(m->type, CWMP_MSG_TRANSFER_COMPLETE);
    assert_string_equal(m->body.transfer_complete->CommandKey, "fw-2.1");
    assert_string_equal(m->body.transfer_complete->FaultStruct->FaultCode, "0");
    assert_int_equal(acs_says(f, CWMP_MSG_TRANSFER_COMPLETE_RESPONSE, &(struct _cwmp__TransferCompleteResponse){}),
                     CPE_STEP_POST);
    m = posted(f, "cpe-transfercomplete-9011");
    assert_string_equal(m->body.transfer_complete->CommandKey, "cdr-1");
    assert_string_equal(m->body.transfer_complete->FaultStruct->FaultCode, "9011");
    assert_int_equal(acs_says(f, CWMP_MSG_TRANSFER_COMPLETE_RESPONSE, &(struct _cwmp__TransferCompleteResponse){}),
                     CPE_STEP_POST);
    assert_int_equal(f->out.len, 0);
    assert_int_equal(acs_says(f, CWMP_MSG_FACTORY_RESET, &(struct _cwmp__FactoryReset){}), CPE_STEP_POST);
    assert_int_equal(posted(f, "cpe-factoryresetresponse")->type, CWMP_MSG_FACTORY_RESET_RESPONSE);
    assert_int_equal(acs_says(f, CWMP_MSG_NONE, NULL), CPE_STEP_DONE);
    assert_true(cpe_session_end(&f->s, f->now));
    assert_int_equal(cpe_session_start(&f->s, f->dev, f->now, cpe_codec, &f->out), 0);
    inf = posted(f, NULL)->body.inform;
    assert_true(has_event(inf, "0 BOOTSTRAP", ""));
    assert_true(has_event(inf, "1 BOOT", ""));
    assert_false(has_event(inf, "M Reboot", NULL));
    cpe_session_abort(&f->s, CPE_FAIL_ABORTED);
    (void)cpe_session_end(&f->s, f->now);
}

static void unknown_and_errors(void **state)
{
    struct fixture *f = *state;
    open_session(f, NULL);
    /* an RPC the CPE does not support, and one that is no CWMP method at all */
    assert_int_equal(acs_says(f, CWMP_MSG_GET_QUEUED_TRANSFERS, &(struct _cwmp__GetQueuedTransfers){}),
                     CPE_STEP_POST);
    assert_string_equal(posted(f, "cpe-fault-9000")->body.fault->FaultCode, "9000");
    static const char unknown[] =
        "<soap-env:Envelope xmlns:soap-env=\"http://schemas.xmlsoap.org/soap/envelope/\" "
        "xmlns:cwmp=\"urn:dslforum-org:cwmp-1-2\"><soap-env:Header><cwmp:ID soap-env:mustUnderstand=\"1\">"
        "x-77</cwmp:ID></soap-env:Header><soap-env:Body><cwmp:X_Frobnicate/></soap-env:Body></soap-env:Envelope>";
    assert_int_equal(cpe_session_feed(&f->s, 200, unknown, sizeof unknown - 1, 0, f->now, cpe_codec, &f->out),
                     CPE_STEP_POST);
    const struct cwmp_msg *m = posted(f, "cpe-fault-9000-unknown");
    assert_string_equal(m->header.id, "x-77");
    assert_string_equal(m->body.fault->FaultCode, "9000");
    /* garbage from the ACS ends the session */
    assert_int_equal(cpe_session_feed(&f->s, 200, "<nope", 5, 0, f->now, cpe_codec, &f->out), CPE_STEP_FAILED);
    assert_int_equal(f->s.fail, CPE_FAIL_SOAP);
    assert_false(cpe_session_end(&f->s, f->now));
    assert_int_equal(cpe_dev_retry_count(f->dev), 1);

    /* 503 on the Inform: retry with back-off, Retry-After honoured, RetryCount sent */
    assert_int_equal(cpe_session_start(&f->s, f->dev, f->now, cpe_codec, &f->out), 0);
    assert_int_equal(cpe_session_feed(&f->s, 503, NULL, 0, 60, f->now, cpe_codec, &f->out), CPE_STEP_FAILED);
    assert_int_equal(f->s.fail, CPE_FAIL_HTTP_BUSY);
    assert_false(cpe_session_end(&f->s, f->now));
    assert_int_equal(cpe_dev_retry_count(f->dev), 2);
    assert_int_equal(cpe_dev_due(f->dev), f->now + 60000); /* 10-20 s back-off < Retry-After */
    f->now += 60000;
    assert_int_equal(cpe_session_start(&f->s, f->dev, f->now, cpe_codec, &f->out), 0);
    const struct _cwmp__Inform *inf = posted(f, "cpe-inform-retry")->body.inform;
    assert_int_equal(inf->RetryCount, 2);
    assert_false(has_event(inf, "0 BOOTSTRAP", NULL)); /* delivered by the first InformResponse */
    assert_int_equal(cpe_session_feed(&f->s, 500, NULL, 0, 0, f->now, cpe_codec, &f->out), CPE_STEP_FAILED);
    assert_false(cpe_session_end(&f->s, f->now));
    int64_t due = cpe_dev_due(f->dev);
    assert_true(due >= f->now + 20000 && due < f->now + 40000); /* third retry: 20-40 s */
    /* an ACS that answers the Inform with 204 breaks the protocol */
    f->now = due;
    assert_int_equal(cpe_session_start(&f->s, f->dev, f->now, cpe_codec, &f->out), 0);
    assert_int_equal(acs_says(f, CWMP_MSG_NONE, NULL), CPE_STEP_FAILED);
    assert_int_equal(f->s.fail, CPE_FAIL_PROTOCOL);
    (void)cpe_session_end(&f->s, f->now);
    /* a connection request during back-off is served at once */
    cpe_dev_connection_request(f->dev, f->now + 1);
    assert_int_equal(cpe_dev_due(f->dev), f->now + 1);
    f->now += 1;
    open_session(f, NULL);
    assert_int_equal(acs_says(f, CWMP_MSG_NONE, NULL), CPE_STEP_DONE);
    assert_true(cpe_session_end(&f->s, f->now));
    assert_int_equal(cpe_dev_retry_count(f->dev), 0);
    assert_true(cpe_dev_mem(f->dev) < 8192);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(bootstrap_inform, setup, teardown),
        cmocka_unit_test_setup_teardown(get_values, setup, teardown),
        cmocka_unit_test_setup_teardown(lenient_counts, setup, teardown),
        cmocka_unit_test_setup_teardown(set_values, setup, teardown),
        cmocka_unit_test_setup_teardown(objects_names_attributes, setup, teardown),
        cmocka_unit_test_setup_teardown(reboot_and_transfers, setup, teardown),
        cmocka_unit_test_setup_teardown(unknown_and_errors, setup, teardown),
    };
    return cmocka_run_group_tests_name("cpe/session", tests, group_setup, group_teardown);
}

/* tests/unit/cwmp/test_encode.c — common/cwmp encode: every message the ACS sends and the
 * CPE side's messages are encoded, written to $CWMP_OUT (default $BUILD/cwmp-out) for
 * tests/integration/040-cwmp-codec.sh to check with the shared validator, decoded back and
 * re-encoded to the same bytes (round trip of every field); header rules; caps. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>

#include <cmocka.h>

#include "cwmp_body.h"
#include "cwmp_test.h"

/* A message to encode: file-scope compound literals have static storage. */
struct sample {
    const char *file; /* output name (without .xml) */
    enum cwmp_msg_type type;
    enum cwmp_version version;
    void *body;
    bool hold_requests;
};

#define PVS(name, value, type) (&(struct cwmp__ParameterValueStruct){name, {value, type}})
#define STRINGS(...) (char *[]){__VA_ARGS__}, (int)(sizeof((char *[]){__VA_ARGS__}) / sizeof(char *))
#define TIME_UNKNOWN "0001-01-01T00:00:00Z"

static struct ParameterValueList spv_list = {
    (struct cwmp__ParameterValueStruct *[]){
        PVS("Device.ManagementServer.PeriodicInformInterval", "300", "xsd:unsignedInt"),
        PVS("Device.ManagementServer.PeriodicInformEnable", "true", "xsd:boolean"),
        PVS("Device.Services.VoiceService.1.SIP.Client.1.AuthUserName", "+4930123<&>\"'", "xsd:string"),
        PVS("Device.Services.VoiceService.1.SIP.Network.1.ProxyServerPort", "5061", "xsd:unsignedInt"),
        PVS("Device.X_000000_Test.Offset", "-12", "xsd:int"),
        PVS("Device.ManagementServer.PeriodicInformTime", TIME_UNKNOWN, "xsd:dateTime"),
        PVS("Device.DeviceInfo.Description", "caf\xc3\xa9 \xe2\x82\xac", "xsd:string"),
    },
    7};

static struct cwmp__ParameterAttributeStruct pa1 = {
    "Device.ManagementServer.ConnectionRequestURL", cwmp__ParameterAttributeNotificationValueType__2,
    &(struct AccessList){STRINGS("Subscriber")}};
static struct cwmp__SetParameterAttributesStruct spa1 = {
    "Device.DeviceInfo.SoftwareVersion", xsd__boolean__true_,
    cwmp__ParameterAttributeNotificationValueType__2, xsd__boolean__true_,
    &(struct AccessList){NULL, 0}};

/* Messages the ACS sends. */
static const struct sample acs_samples[] = {
    {"acs-informresponse-1-2", CWMP_MSG_INFORM_RESPONSE, CWMP_V1_2,
     &(struct _cwmp__InformResponse){1}, false},
    {"acs-informresponse-hold-1-0", CWMP_MSG_INFORM_RESPONSE, CWMP_V1_0,
     &(struct _cwmp__InformResponse){1}, true},
    {"acs-getparametervalues-1-2", CWMP_MSG_GET_PARAMETER_VALUES, CWMP_V1_2,
     &(struct _cwmp__GetParameterValues){&(struct ParameterNames){
         STRINGS("Device.DeviceInfo.", "Device.ManagementServer.URL")}}, false},
    {"acs-setparametervalues-1-2", CWMP_MSG_SET_PARAMETER_VALUES, CWMP_V1_2,
     &(struct _cwmp__SetParameterValues){&spv_list, "prov-42"}, false},
    {"acs-setparametervalues-1-0", CWMP_MSG_SET_PARAMETER_VALUES, CWMP_V1_0,
     &(struct _cwmp__SetParameterValues){&spv_list, ""}, false},
    {"acs-getparameternames-1-2", CWMP_MSG_GET_PARAMETER_NAMES, CWMP_V1_2,
     &(struct _cwmp__GetParameterNames){"Device.Services.", xsd__boolean__true_}, false},
    {"acs-getparameterattributes-1-2", CWMP_MSG_GET_PARAMETER_ATTRIBUTES, CWMP_V1_2,
     &(struct _cwmp__GetParameterAttributes){&(struct ParameterNames){
         STRINGS("Device.DeviceInfo.SoftwareVersion")}}, false},
    {"acs-setparameterattributes-1-2", CWMP_MSG_SET_PARAMETER_ATTRIBUTES, CWMP_V1_2,
     &(struct _cwmp__SetParameterAttributes){&(struct SetParameterAttributesList){
         (struct cwmp__SetParameterAttributesStruct *[]){&spa1}, 1}}, false},
    {"acs-addobject-1-2", CWMP_MSG_ADD_OBJECT, CWMP_V1_2,
     &(struct _cwmp__AddObject){"Device.Services.VoiceService.1.SIP.Client.", "prov-43"}, false},
    {"acs-deleteobject-1-2", CWMP_MSG_DELETE_OBJECT, CWMP_V1_2,
     &(struct _cwmp__DeleteObject){"Device.Services.VoiceService.1.SIP.Client.2.", "prov-44"}, false},
    {"acs-reboot-1-2", CWMP_MSG_REBOOT, CWMP_V1_2, &(struct _cwmp__Reboot){"reboot-7"}, false},
    {"acs-factoryreset-1-2", CWMP_MSG_FACTORY_RESET, CWMP_V1_2, &(struct _cwmp__FactoryReset){},
     false},
    {"acs-download-1-2", CWMP_MSG_DOWNLOAD, CWMP_V1_2,
     &(struct _cwmp__Download){"fw-2.1", "1 Firmware Upgrade Image",
                               "https://acs.example.net:7567/f/0123abcd/fw.bin", "", "", 7340032,
                               "fw.bin", 0, "", ""}, false},
    {"acs-download-config-1-0", CWMP_MSG_DOWNLOAD, CWMP_V1_0,
     &(struct _cwmp__Download){"cfg-1", "3 Vendor Configuration File",
                               "https://acs.example.net:7567/f/99/cfg.xml", "u", "p", 0, "", 30,
                               "", ""}, false},
    {"acs-upload-1-2", CWMP_MSG_UPLOAD, CWMP_V1_2,
     &(struct _cwmp__Upload){"cdr-2024-05-01", "X 00D09E CDR",
                             "https://acs.example.net:7567/u/5f3a/cdr.csv", "", "", 0}, false},
    {"acs-scheduleinform-1-2", CWMP_MSG_SCHEDULE_INFORM, CWMP_V1_2,
     &(struct _cwmp__ScheduleInform){60, "sched-1"}, false},
    {"acs-canceltransfer-1-2", CWMP_MSG_CANCEL_TRANSFER, CWMP_V1_2,
     &(struct _cwmp__CancelTransfer){"fw-2.1"}, false},
    {"acs-getrpcmethods-1-2", CWMP_MSG_GET_RPC_METHODS, CWMP_V1_2,
     &(struct _cwmp__GetRPCMethods){}, false},
    {"acs-getrpcmethodsresponse-1-2", CWMP_MSG_GET_RPC_METHODS_RESPONSE, CWMP_V1_2,
     &(struct _cwmp__GetRPCMethodsResponse){&(struct MethodList){
         STRINGS("Inform", "GetRPCMethods", "TransferComplete", "AutonomousTransferComplete",
                 "RequestDownload")}}, false},
    {"acs-transfercompleteresponse-1-2", CWMP_MSG_TRANSFER_COMPLETE_RESPONSE, CWMP_V1_2,
     &(struct _cwmp__TransferCompleteResponse){}, false},
    {"acs-autonomoustransfercompleteresponse-1-2", CWMP_MSG_AUTONOMOUS_TRANSFER_COMPLETE_RESPONSE,
     CWMP_V1_2, &(struct _cwmp__AutonomousTransferCompleteResponse){}, false},
    {"acs-requestdownloadresponse-1-2", CWMP_MSG_REQUEST_DOWNLOAD_RESPONSE, CWMP_V1_2,
     &(struct _cwmp__RequestDownloadResponse){}, false},
    {"acs-fault-8005-1-2", CWMP_MSG_FAULT, CWMP_V1_2,
     &(struct _cwmp__Fault){"8005", "Retry request", 0, NULL}, false},
    {"acs-fault-8003-1-0", CWMP_MSG_FAULT, CWMP_V1_0,
     &(struct _cwmp__Fault){"8003", "Invalid arguments", 0, NULL}, false},
};

static struct cwmp__DeviceIdStruct device = {"ExampleVoIP", "00D09E", "ATA-2FXS", "EX0123456789"};

static struct ParameterValueList inform_params = {
    (struct cwmp__ParameterValueStruct *[]){
        PVS("Device.RootDataModelVersion", "2.17", "xsd:string"),
        PVS("Device.DeviceInfo.Manufacturer", "ExampleVoIP", "xsd:string"),
        PVS("Device.DeviceInfo.ManufacturerOUI", "00D09E", "xsd:string"),
        PVS("Device.DeviceInfo.ProductClass", "ATA-2FXS", "xsd:string"),
        PVS("Device.DeviceInfo.SerialNumber", "EX0123456789", "xsd:string"),
        PVS("Device.DeviceInfo.HardwareVersion", "HW-1.0", "xsd:string"),
        PVS("Device.DeviceInfo.SoftwareVersion", "1.2.3", "xsd:string"),
        PVS("Device.DeviceInfo.ProvisioningCode", "", "xsd:string"),
        PVS("Device.DeviceInfo.UpTime", "86400", "xsd:unsignedInt"),
        PVS("Device.ManagementServer.ParameterKey", "prov-42", "xsd:string"),
        PVS("Device.ManagementServer.ConnectionRequestURL", "http://192.0.2.10:7547/cr", "xsd:string"),
        PVS("Device.ManagementServer.PeriodicInformInterval", "3600", "xsd:unsignedInt"),
        PVS("Device.IP.Interface.1.IPv4Address.1.IPAddress", "192.0.2.10", "xsd:string"),
        PVS("Device.Services.VoiceService.1.SIP.Client.1.Enable", "true", "xsd:boolean"),
        PVS("Device.Services.VoiceService.1.SIP.Client.1.Status", "Up", "xsd:string"),
    },
    15};

static struct EventList inform_events = {
    (struct cwmp__EventStruct *[]){
        &(struct cwmp__EventStruct){"1 BOOT", ""},
        &(struct cwmp__EventStruct){"M Reboot", "reboot-7"},
        &(struct cwmp__EventStruct){"X 00D09E SIPRegFail", ""},
    },
    3};

static struct cwmp__TransferCompleteFaultStruct no_fault = {"0", ""};

/* Messages a CPE sends (libcpe, cpe-sim). */
static const struct sample cpe_samples[] = {
    {"cpe-inform-1-2", CWMP_MSG_INFORM, CWMP_V1_2,
     &(struct _cwmp__Inform){&device, &inform_events, 1, "2024-05-01T12:00:00Z", 0,
                             &inform_params}, false},
    {"cpe-inform-1-0", CWMP_MSG_INFORM, CWMP_V1_0,
     &(struct _cwmp__Inform){&device, &inform_events, 1, TIME_UNKNOWN, 3, &inform_params}, false},
    {"cpe-getparametervaluesresponse-1-2", CWMP_MSG_GET_PARAMETER_VALUES_RESPONSE, CWMP_V1_2,
     &(struct _cwmp__GetParameterValuesResponse){&inform_params}, false},
    {"cpe-setparametervaluesresponse-1-2", CWMP_MSG_SET_PARAMETER_VALUES_RESPONSE, CWMP_V1_2,
     &(struct _cwmp__SetParameterValuesResponse){_cwmp__SetParameterValuesResponse_Status__1}, false},
    {"cpe-getparameternamesresponse-1-2", CWMP_MSG_GET_PARAMETER_NAMES_RESPONSE, CWMP_V1_2,
     &(struct _cwmp__GetParameterNamesResponse){&(struct ParameterInfoList){
         (struct cwmp__ParameterInfoStruct *[]){
             &(struct cwmp__ParameterInfoStruct){"Device.Services.VoiceService.", xsd__boolean__false_},
             &(struct cwmp__ParameterInfoStruct){"Device.Services.StorageService.", xsd__boolean__false_},
         },
         2}}, false},
    {"cpe-getparameterattributesresponse-1-2", CWMP_MSG_GET_PARAMETER_ATTRIBUTES_RESPONSE, CWMP_V1_2,
     &(struct _cwmp__GetParameterAttributesResponse){&(struct ParameterAttributeList){
         (struct cwmp__ParameterAttributeStruct *[]){&pa1}, 1}}, false},
    {"cpe-setparameterattributesresponse-1-2", CWMP_MSG_SET_PARAMETER_ATTRIBUTES_RESPONSE, CWMP_V1_2,
     &(struct _cwmp__SetParameterAttributesResponse){}, false},
    {"cpe-addobjectresponse-1-2", CWMP_MSG_ADD_OBJECT_RESPONSE, CWMP_V1_2,
     &(struct _cwmp__AddObjectResponse){3, _cwmp__AddObjectResponse_Status__0}, false},
    {"cpe-deleteobjectresponse-1-2", CWMP_MSG_DELETE_OBJECT_RESPONSE, CWMP_V1_2,
     &(struct _cwmp__DeleteObjectResponse){_cwmp__DeleteObjectResponse_Status__0}, false},
    {"cpe-rebootresponse-1-2", CWMP_MSG_REBOOT_RESPONSE, CWMP_V1_2,
     &(struct _cwmp__RebootResponse){}, false},
    {"cpe-factoryresetresponse-1-2", CWMP_MSG_FACTORY_RESET_RESPONSE, CWMP_V1_2,
     &(struct _cwmp__FactoryResetResponse){}, false},
    {"cpe-downloadresponse-1-2", CWMP_MSG_DOWNLOAD_RESPONSE, CWMP_V1_2,
     &(struct _cwmp__DownloadResponse){_cwmp__DownloadResponse_Status__1, TIME_UNKNOWN,
                                       TIME_UNKNOWN}, false},
    {"cpe-uploadresponse-1-2", CWMP_MSG_UPLOAD_RESPONSE, CWMP_V1_2,
     &(struct _cwmp__UploadResponse){_cwmp__UploadResponse_Status__0, "2024-05-01T12:00:01Z",
                                     "2024-05-01T12:00:03.250+02:00"}, false},
    {"cpe-scheduleinformresponse-1-2", CWMP_MSG_SCHEDULE_INFORM_RESPONSE, CWMP_V1_2,
     &(struct _cwmp__ScheduleInformResponse){}, false},
    {"cpe-canceltransferresponse-1-2", CWMP_MSG_CANCEL_TRANSFER_RESPONSE, CWMP_V1_2,
     &(struct _cwmp__CancelTransferResponse){}, false},
    {"cpe-getrpcmethods-1-2", CWMP_MSG_GET_RPC_METHODS, CWMP_V1_2,
     &(struct _cwmp__GetRPCMethods){}, false},
    {"cpe-getrpcmethodsresponse-1-2", CWMP_MSG_GET_RPC_METHODS_RESPONSE, CWMP_V1_2,
     &(struct _cwmp__GetRPCMethodsResponse){&(struct MethodList){
         STRINGS("GetRPCMethods", "SetParameterValues", "GetParameterValues",
                 "GetParameterNames", "SetParameterAttributes", "GetParameterAttributes",
                 "AddObject", "DeleteObject", "Reboot", "Download", "Upload", "FactoryReset")}},
     false},
    {"cpe-transfercomplete-1-2", CWMP_MSG_TRANSFER_COMPLETE, CWMP_V1_2,
     &(struct _cwmp__TransferComplete){"fw-2.1", &no_fault, "2024-05-01T12:00:00Z",
                                       "2024-05-01T12:01:30Z"}, false},
    {"cpe-transfercomplete-9010-1-0", CWMP_MSG_TRANSFER_COMPLETE, CWMP_V1_0,
     &(struct _cwmp__TransferComplete){"fw-2.1", &(struct cwmp__TransferCompleteFaultStruct){
         "9010", "File transfer failure"}, TIME_UNKNOWN, TIME_UNKNOWN}, false},
    {"cpe-autonomoustransfercomplete-1-2", CWMP_MSG_AUTONOMOUS_TRANSFER_COMPLETE, CWMP_V1_2,
     &(struct _cwmp__AutonomousTransferComplete){
         "", "https://acs.example.net:7567/u/auto/cdr.csv", xsd__boolean__false_, "X 00D09E CDR",
         20480, "cdr-0001.csv", &no_fault, "2024-05-01T12:00:00Z", "2024-05-01T12:00:02Z"}, false},
    {"cpe-requestdownload-1-2", CWMP_MSG_REQUEST_DOWNLOAD, CWMP_V1_2,
     &(struct _cwmp__RequestDownload){"3 Vendor Configuration File", &(struct FileTypeArg){
         (struct cwmp__ArgStruct *[]){&(struct cwmp__ArgStruct){"Version", "2"}}, 1}}, false},
    {"cpe-fault-9003-1-2", CWMP_MSG_FAULT, CWMP_V1_2,
     &(struct _cwmp__Fault){"9003", "Invalid arguments", 2,
                            (struct _cwmp__Fault_SetParameterValuesFault[]){
                                {"Device.Services.VoiceService.1.SIP.Network.1.ProxyServerPort",
                                 "9007", "Invalid parameter value"},
                                {"Device.Services.VoiceService.1.SIP.Client.1.Status", "9008",
                                 "Attempt to set a non-writable parameter"},
                            }}, false},
};

static struct cwmp_codec *enc, *dec;

static int group_setup(void **state)
{
    (void)state;
    enc = cwmp_codec_new();
    dec = cwmp_codec_new();
    return enc && dec ? 0 : -1;
}

static int group_teardown(void **state)
{
    (void)state;
    cwmp_codec_free(enc);
    cwmp_codec_free(dec);
    return 0;
}

/* $CWMP_OUT, else $BUILD/cwmp-out, else build/cwmp-out; created. */
static const char *out_dir(void)
{
    static char dir[512];
    const char *o = getenv("CWMP_OUT");
    const char *b = getenv("BUILD");
    if (o && *o)
        snprintf(dir, sizeof dir, "%s", o);
    else
        snprintf(dir, sizeof dir, "%s/cwmp-out", b && *b ? b : "build");
    if (mkdir(dir, 0755) != 0 && errno != EEXIST)
        fail_msg("mkdir %s: %s", dir, strerror(errno));
    return dir;
}

static void write_out(const char *name, const struct buf *b)
{
    char path[700];
    snprintf(path, sizeof path, "%s/%s.xml", out_dir(), name);
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(b->data, 1, b->len, f), b->len);
    assert_int_equal(fclose(f), 0);
}

static void msg_from(const struct sample *s, struct cwmp_msg *m, const char *id)
{
    memset(m, 0, sizeof *m);
    m->type = s->type;
    m->version = s->version;
    m->header.id = id;
    m->header.hold_requests = s->hold_requests;
    m->body.any = s->body;
}

/* encode -> write -> decode -> encode again: same bytes, so every field survived. */
static void round_trip(void **state)
{
    const struct sample *s = *state;
    struct cwmp_msg m;
    struct cwmp_error e;
    struct buf b1, b2;
    buf_init(&b1, CWMP_MAX_ENVELOPE);
    buf_init(&b2, CWMP_MAX_ENVELOPE);
    msg_from(s, &m, "id-4711");
    int rc = cwmp_encode(enc, &m, &b1, &e);
    if (rc != 0)
        fail_msg("%s: encode: %s: %s", s->file, cwmp_reason_str(e.reason), e.msg);
    write_out(s->file, &b1);
    assert_non_null(strstr(b1.data, "<SOAP-ENV:Header><cwmp:ID SOAP-ENV:mustUnderstand=\"1\">"
                                    "id-4711</cwmp:ID>"));
    assert_non_null(strstr(b1.data, cwmp_version_ns(s->version)));
    const struct cwmp_msg *d;
    rc = cwmp_decode(dec, b1.data, b1.len, 0, &d, &e);
    if (rc != 0)
        fail_msg("%s: decode: %s: %s", s->file, cwmp_reason_str(e.reason), e.msg);
    assert_int_equal(d->type, s->type);
    assert_int_equal(d->version, s->version);
    assert_string_equal(d->header.id, "id-4711");
    assert_int_equal(d->header.hold_requests, s->hold_requests);
    assert_int_equal(cwmp_encode(enc, d, &b2, &e), 0);
    assert_int_equal(b1.len, b2.len);
    assert_memory_equal(b1.data, b2.data, b1.len);
    buf_cleanup(&b1);
    buf_cleanup(&b2);
}

static const struct sample *find(const struct sample *tab, size_t n, const char *file)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(tab[i].file, file) == 0)
            return &tab[i];
    fail_msg("no sample %s", file);
    return NULL;
}

static const struct cwmp_msg *encode_decode(const struct sample *s, struct buf *b)
{
    struct cwmp_msg m;
    struct cwmp_error e;
    const struct cwmp_msg *d;
    msg_from(s, &m, "1");
    assert_int_equal(cwmp_encode(enc, &m, b, &e), 0);
    assert_int_equal(cwmp_decode(dec, b->data, b->len, 0, &d, &e), 0);
    return d;
}

/* Typed values, special characters, UTF-8 and the unknown time survive as text. */
static void spv_fields(void **state)
{
    (void)state;
    struct buf b;
    buf_init(&b, CWMP_MAX_ENVELOPE);
    const struct sample *s = find(acs_samples, sizeof acs_samples / sizeof acs_samples[0],
                                  "acs-setparametervalues-1-2");
    const struct _cwmp__SetParameterValues *spv = encode_decode(s, &b)->body.set_parameter_values;
    assert_string_equal(spv->ParameterKey, "prov-42");
    assert_int_equal(spv->ParameterList->__size, spv_list.__size);
    for (int i = 0; i < spv_list.__size; i++) {
        const struct cwmp__ParameterValueStruct *want = spv_list.__ptrParameterValueStruct[i];
        const struct cwmp__ParameterValueStruct *got = spv->ParameterList->__ptrParameterValueStruct[i];
        assert_string_equal(got->Name, want->Name);
        assert_string_equal(got->Value.__item, want->Value.__item);
        assert_string_equal(got->Value.xsi__type, want->Value.xsi__type);
    }
    assert_non_null(strstr(b.data, "<Value xsi:type=\"xsd:unsignedInt\">300</Value>"));
    assert_non_null(strstr(b.data, "+4930123&lt;&amp;&gt;\"'</Value>"));
    assert_non_null(strstr(b.data, "caf\xc3\xa9 \xe2\x82\xac</Value>"));
    assert_non_null(strstr(b.data, "SOAP-ENC:arrayType=\"cwmp:ParameterValueStruct[7]\""));
    buf_cleanup(&b);
}

static void header_extras(void **state)
{
    (void)state;
    struct cwmp_msg m;
    struct cwmp_error e;
    struct buf b;
    const struct cwmp_msg *d;
    buf_init(&b, CWMP_MAX_ENVELOPE);
    msg_from(&acs_samples[0], &m, "s1");
    m.header.session_timeout = 120;
    m.header.supported_versions = "1.0,1.1,1.2,1.3,1.4";
    m.header.use_version = "1.4";
    assert_int_equal(cwmp_encode(enc, &m, &b, &e), 0);
    assert_int_equal(cwmp_decode(dec, b.data, b.len, 0, &d, &e), 0);
    assert_int_equal(d->header.session_timeout, 120);
    assert_string_equal(d->header.supported_versions, "1.0,1.1,1.2,1.3,1.4");
    assert_string_equal(d->header.use_version, "1.4");
    buf_cleanup(&b);
}

static void fault_soap_codes(void **state)
{
    (void)state;
    struct buf b;
    buf_init(&b, CWMP_MAX_ENVELOPE);
    const struct cwmp_msg *d = encode_decode(&acs_samples[sizeof acs_samples / sizeof acs_samples[0] - 2], &b);
    assert_int_equal(d->type, CWMP_MSG_FAULT);
    assert_string_equal(d->body.fault->FaultCode, "8005");
    assert_string_equal(d->soap_faultcode, "SOAP-ENV:Server");
    assert_string_equal(d->soap_faultstring, "CWMP fault");
    b.len = 0;
    d = encode_decode(&cpe_samples[sizeof cpe_samples / sizeof cpe_samples[0] - 1], &b);
    assert_string_equal(d->soap_faultcode, "SOAP-ENV:Client");
    assert_int_equal(d->body.fault->__sizeSetParameterValuesFault, 2);
    assert_string_equal(d->body.fault->SetParameterValuesFault[1].FaultCode, "9008");
    buf_cleanup(&b);
}

/* The buffer cap holds; a failed encode leaves the buffer as it was; encode appends. */
static void caps_and_appending(void **state)
{
    (void)state;
    struct cwmp_msg m;
    struct cwmp_error e;
    struct buf b;
    buf_init(&b, 300);
    assert_int_equal(buf_append_str(&b, "keep"), 0);
    msg_from(find(cpe_samples, sizeof cpe_samples / sizeof cpe_samples[0], "cpe-inform-1-2"), &m, "x");
    assert_int_equal(cwmp_encode(enc, &m, &b, &e), -ERR_TOO_BIG);
    assert_int_equal(e.reason, CWMP_R_TOO_BIG);
    assert_int_equal(b.len, 4);
    assert_string_equal(b.data, "keep");
    b.max = CWMP_MAX_ENVELOPE;
    assert_int_equal(cwmp_encode(enc, &m, &b, &e), 0);
    assert_memory_equal(b.data, "keep<?xml", 9);
    size_t len = b.len;
    m.type = CWMP_MSG_NONE; /* an empty message writes nothing */
    assert_int_equal(cwmp_encode(enc, &m, &b, &e), 0);
    assert_int_equal(b.len, len);
    buf_cleanup(&b);
}

/* Strings that are not UTF-8 never reach the wire. */
static void refuses_bad_utf8(void **state)
{
    (void)state;
    struct cwmp_msg m;
    struct cwmp_error e;
    struct buf b;
    buf_init(&b, CWMP_MAX_ENVELOPE);
    struct _cwmp__Reboot r = {"k\xc3"};
    msg_from(&acs_samples[0], &m, "1");
    m.type = CWMP_MSG_REBOOT;
    m.body.reboot = &r;
    assert_int_equal(cwmp_encode(enc, &m, &b, &e), -ERR_INVAL);
    assert_int_equal(e.reason, CWMP_R_ENCODING);
    assert_int_equal(b.len, 0);
    buf_cleanup(&b);
}

static void refuses_without_id(void **state)
{
    (void)state;
    struct cwmp_msg m;
    struct cwmp_error e;
    struct buf b;
    buf_init(&b, CWMP_MAX_ENVELOPE);
    msg_from(&acs_samples[0], &m, NULL);
    assert_int_equal(cwmp_encode(enc, &m, &b, &e), -ERR_INVAL);
    assert_int_equal(e.reason, CWMP_R_NO_ID);
    m.header.id = "1";
    m.version = (enum cwmp_version)9;
    assert_int_equal(cwmp_encode(enc, &m, &b, &e), -ERR_INVAL);
    m.version = CWMP_V1_2;
    m.body.any = NULL;
    assert_int_equal(cwmp_encode(enc, &m, &b, &e), -ERR_INVAL);
    assert_int_equal(e.reason, CWMP_R_MISSING);
    assert_int_equal(b.len, 0);
    buf_cleanup(&b);
}

static struct CMUnitTest *sample_tests(const struct sample *tab, size_t n)
{
    struct CMUnitTest *t = calloc(n, sizeof *t);
    for (size_t i = 0; t && i < n; i++) {
        t[i].name = tab[i].file;
        t[i].test_func = round_trip;
        t[i].initial_state = (void *)&tab[i];
    }
    return t;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(spv_fields),
        cmocka_unit_test(header_extras),
        cmocka_unit_test(fault_soap_codes),
        cmocka_unit_test(caps_and_appending),
        cmocka_unit_test(refuses_without_id),
        cmocka_unit_test(refuses_bad_utf8),
    };
    int rc = cmocka_run_group_tests_name("cwmp/encode", tests, group_setup, group_teardown);
    size_t na = sizeof acs_samples / sizeof acs_samples[0];
    size_t nc = sizeof cpe_samples / sizeof cpe_samples[0];
    struct CMUnitTest *acs = sample_tests(acs_samples, na);
    struct CMUnitTest *cpe = sample_tests(cpe_samples, nc);
    if (!acs || !cpe)
        return 1;
    rc |= _cmocka_run_group_tests("cwmp/encode-acs", acs, na, group_setup, group_teardown);
    rc |= _cmocka_run_group_tests("cwmp/encode-cpe", cpe, nc, group_setup, group_teardown);
    free(acs);
    free(cpe);
    return rc;
}

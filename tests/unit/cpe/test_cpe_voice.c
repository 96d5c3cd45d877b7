/* tests/unit/cpe/test_cpe_voice.c — the simulated voice service over the RPC layer: a
 * complete TLS SIP configuration makes SIP.Client.{i}.Status "Up"; a missing password, a
 * UDP transport, a dangling Network reference make it "Error_Misconfigured"; Status is
 * read-only; AuthPassword reads back ""; AddObject of a client; FactoryReset clears the
 * VoiceService; the TR-098 model (InternetGatewayDevice., TR-104 v1 Line names) with the
 * same Status rule and an Inform under its own root. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "cpe_dev_int.h" /* cpe_dev_session_done: what a session end applies */
#include "cpe_rpc.h"
#include "cpe_session.h"
#include "cpe_test.h"
#include "cwmp_body.h"

#define VS "Device.Services.VoiceService.1."
#define IGD_VP "InternetGatewayDevice.Services.VoiceService.1.VoiceProfile.1."

static struct cpe_schema *tr181, *tr098;
static struct cpe_dev_cfg cfg181 = {.acs_url = "https://127.0.0.1:7547/", .cr_url_base = "http://127.0.0.1:7548/cr/",
                                    .manufacturer = "ExampleVoIP", .periodic_interval = 300};
static struct cpe_dev_cfg cfg098;

struct fixture {
    struct cpe_dev *dev;
    struct cpe_arena a;
    struct cwmp_msg out;
};

static const char *tr098_path(void)
{
    const char *p = getenv("CPE_DATAMODEL_TR098");
    return p && *p ? p : "cpe-sim/datamodel/tr-098-voice.tsv";
}

static int group_setup(void **state)
{
    (void)state;
    char *err = NULL;
    tr181 = cpe_schema_load(datamodel_path(), &err);
    if (!tr181)
        fprintf(stderr, "tr181: %s\n", err);
    free(err);
    err = NULL;
    tr098 = cpe_schema_load(tr098_path(), &err);
    if (!tr098)
        fprintf(stderr, "tr098: %s\n", err);
    free(err);
    cfg181.schema = tr181;
    cfg098 = cfg181;
    cfg098.schema = tr098;
    return tr181 && tr098 ? 0 : -1;
}

static int group_teardown(void **state)
{
    (void)state;
    cpe_schema_free(tr181);
    cpe_schema_free(tr098);
    return 0;
}

static int setup_cfg(void **state, const struct cpe_dev_cfg *cfg)
{
    struct fixture *f = calloc(1, sizeof *f);
    if (!f)
        return -1;
    f->dev = cpe_dev_new(cfg, "00D09E-SimBox-SIM00000001", "0123abcd", T0_MS, true);
    cpe_arena_init(&f->a);
    *state = f;
    return f->dev ? 0 : -1;
}
static int setup181(void **state) { return setup_cfg(state, &cfg181); }
static int setup098(void **state) { return setup_cfg(state, &cfg098); }

static int teardown(void **state)
{
    struct fixture *f = *state;
    cpe_dev_free(f->dev);
    cpe_arena_cleanup(&f->a);
    free(f);
    return 0;
}

static const struct cwmp_msg *rpc(struct fixture *f, enum cwmp_msg_type type, void *body)
{
    struct cwmp_msg in = {.type = type, .version = CWMP_V1_2, .body.any = body};
    assert_int_equal(cpe_rpc_answer(f->dev, &in, &f->a, T0_MS + 1000, &f->out), 0);
    return &f->out;
}

/* SetParameterValues of n name/value pairs (no xsi:type); returns 0 or the fault code. */
static int spv(struct fixture *f, const char *const *nv, int n)
{
    struct cwmp__ParameterValueStruct pv[16], *ptr[16];
    assert_true(n <= 16);
    for (int i = 0; i < n; i++) {
        pv[i] = (struct cwmp__ParameterValueStruct){(char *)nv[2 * i], {(char *)nv[2 * i + 1], NULL}};
        ptr[i] = &pv[i];
    }
    struct ParameterValueList l = {ptr, n};
    const struct cwmp_msg *m = rpc(f, CWMP_MSG_SET_PARAMETER_VALUES, &(struct _cwmp__SetParameterValues){&l, "voice-1"});
    if (m->type == CWMP_MSG_FAULT)
        return (int)strtol(m->body.fault->FaultCode, NULL, 10);
    assert_int_equal(m->type, CWMP_MSG_SET_PARAMETER_VALUES_RESPONSE);
    return 0;
}
#define SPV(f, ...) spv(f, (const char *const[]){__VA_ARGS__}, (int)(sizeof((const char *[]){__VA_ARGS__}) / sizeof(char *) / 2))

/* One value through GetParameterValues, as the ACS reads it. */
static const char *gpv(struct fixture *f, const char *name)
{
    static char v[512];
    struct ParameterNames names = {(char *[]){(char *)name}, 1};
    const struct cwmp_msg *m = rpc(f, CWMP_MSG_GET_PARAMETER_VALUES, &(struct _cwmp__GetParameterValues){&names});
    assert_int_equal(m->type, CWMP_MSG_GET_PARAMETER_VALUES_RESPONSE);
    const struct ParameterValueList *l = m->body.get_parameter_values_response->ParameterList;
    assert_int_equal(l->__size, 1);
    assert_string_equal(l->__ptrParameterValueStruct[0]->Name, name);
    snprintf(v, sizeof v, "%s", l->__ptrParameterValueStruct[0]->Value.__item);
    return v;
}

/* What a provisioning engine pushes for line 1: TLS everywhere, SRTP, credentials. */
static void push_full(struct fixture *f)
{
    assert_int_equal(SPV(f, VS "SIP.Network.1.ProxyServer", "sip.example.net", VS "SIP.Network.1.ProxyServerPort", "5061",
                         VS "SIP.Network.1.ProxyServerTransport", "TLS", VS "SIP.Network.1.RegistrarServer", "sip.example.net",
                         VS "SIP.Network.1.RegistrarServerPort", "5061", VS "SIP.Network.1.RegistrarServerTransport", "TLS",
                         VS "SIP.Network.1.OutboundProxy", "edge.example.net", VS "SIP.Network.1.OutboundProxyPort", "5061",
                         VS "SIP.Network.1.RegisterExpires", "600", VS "SIP.Network.1.Realm", "example.net",
                         VS "SIP.Client.1.AuthUserName", "u4930123456", VS "SIP.Client.1.AuthPassword", "s3cret-pw",
                         VS "SIP.Client.1.RegisterURI", "sip:+4930123456@example.net", VS "SIP.Client.1.MaxSessions", "2",
                         VS "SIP.Client.1.Enable", "true", VS "VoIPProfile.1.RTP.SRTP.Enable", "true"),
                     0);
}

static void tls_config_up(void **state)
{
    struct fixture *f = *state;
    assert_string_equal(gpv(f, VS "SIP.Client.1.Status"), "Disabled");
    assert_string_equal(gpv(f, VS "SIP.Client.2.Status"), "Disabled"); /* two factory clients */
    assert_string_equal(gpv(f, VS "SIP.Client.1.Network"), "Device.Services.VoiceService.1.SIP.Network.1");
    push_full(f);
    assert_string_equal(gpv(f, VS "SIP.Client.1.Status"), "Up");
    assert_string_equal(gpv(f, VS "SIP.Client.2.Status"), "Disabled");
    assert_string_equal(gpv(f, VS "SIP.Client.1.AuthPassword"), ""); /* secured: never read back */
    assert_string_equal(gpv(f, VS "SIP.Client.1.AuthUserName"), "u4930123456");
    assert_string_equal(gpv(f, VS "SIP.Client.1.MaxSessions"), "2");
    assert_string_equal(gpv(f, VS "SIP.Network.1.RegistrarServerTransport"), "TLS");
    assert_string_equal(gpv(f, VS "VoIPProfile.1.RTP.SRTP.Enable"), "true");
    assert_string_equal(gpv(f, "Device.ManagementServer.ParameterKey"), "voice-1");
    /* the subtree read masks the password too */
    struct ParameterNames names = {(char *[]){VS "SIP.Client.1."}, 1};
    const struct cwmp_msg *m = rpc(f, CWMP_MSG_GET_PARAMETER_VALUES, &(struct _cwmp__GetParameterValues){&names});
    const struct ParameterValueList *l = m->body.get_parameter_values_response->ParameterList;
    for (int i = 0; i < l->__size; i++)
        assert_null(strstr(l->__ptrParameterValueStruct[i]->Value.__item, "s3cret"));
    /* disabling the client: Disabled */
    assert_int_equal(SPV(f, VS "SIP.Client.1.Enable", "false"), 0);
    assert_string_equal(gpv(f, VS "SIP.Client.1.Status"), "Disabled");
    /* a proxy alone over TLS is enough */
    assert_int_equal(SPV(f, VS "SIP.Client.1.Enable", "true", VS "SIP.Network.1.RegistrarServer", "",
                         VS "SIP.Network.1.RegistrarServerTransport", "UDP"),
                     0);
    assert_string_equal(gpv(f, VS "SIP.Client.1.Status"), "Up");
}

static void misconfigured(void **state)
{
    struct fixture *f = *state;
    push_full(f);
    assert_int_equal(SPV(f, VS "SIP.Client.1.AuthPassword", ""), 0);
    assert_string_equal(gpv(f, VS "SIP.Client.1.Status"), "Error_Misconfigured");
    assert_int_equal(SPV(f, VS "SIP.Client.1.AuthPassword", "again"), 0);
    assert_string_equal(gpv(f, VS "SIP.Client.1.Status"), "Up");
    assert_int_equal(SPV(f, VS "SIP.Network.1.RegistrarServerTransport", "UDP"), 0);
    assert_string_equal(gpv(f, VS "SIP.Client.1.Status"), "Error_Misconfigured");
    assert_int_equal(SPV(f, VS "SIP.Network.1.RegistrarServerTransport", "TLS", VS "SIP.Network.1.ProxyServerTransport", "TCP"), 0);
    assert_string_equal(gpv(f, VS "SIP.Client.1.Status"), "Error_Misconfigured"); /* every server set: TLS */
    assert_int_equal(SPV(f, VS "SIP.Network.1.ProxyServerTransport", "TLS", VS "SIP.Client.1.RegisterURI", ""), 0);
    assert_string_equal(gpv(f, VS "SIP.Client.1.Status"), "Error_Misconfigured");
    assert_int_equal(SPV(f, VS "SIP.Client.1.RegisterURI", "sip:+4930123456@example.net", VS "SIP.Client.1.AuthUserName", ""), 0);
    assert_string_equal(gpv(f, VS "SIP.Client.1.Status"), "Error_Misconfigured");
    assert_int_equal(SPV(f, VS "SIP.Client.1.AuthUserName", "u4930123456", VS "SIP.Client.1.Network",
                         "Device.Services.VoiceService.1.SIP.Network.7"),
                     0);
    assert_string_equal(gpv(f, VS "SIP.Client.1.Status"), "Error_Misconfigured"); /* dangling reference */
    assert_int_equal(SPV(f, VS "SIP.Client.1.Network", ""), 0);
    assert_string_equal(gpv(f, VS "SIP.Client.1.Status"), "Error_Misconfigured");
    assert_int_equal(SPV(f, VS "SIP.Client.1.Network", "Device.Services.VoiceService.1.SIP.Network.1."), 0);
    assert_string_equal(gpv(f, VS "SIP.Client.1.Status"), "Up"); /* with the trailing dot too */
    /* no servers at all */
    assert_int_equal(SPV(f, VS "SIP.Network.1.RegistrarServer", "", VS "SIP.Network.1.ProxyServer", ""), 0);
    assert_string_equal(gpv(f, VS "SIP.Client.1.Status"), "Error_Misconfigured");
    /* Status is read-only; a bad transport is refused (the enumeration) */
    assert_int_equal(SPV(f, VS "SIP.Client.1.Status", "Up"), 9008);
    assert_int_equal(SPV(f, VS "SIP.Network.1.ProxyServerTransport", "tls"), 9007);
}

static void add_client(void **state)
{
    struct fixture *f = *state;
    push_full(f);
    const struct cwmp_msg *m = rpc(f, CWMP_MSG_ADD_OBJECT, &(struct _cwmp__AddObject){VS "SIP.Client.", "add-1"});
    assert_int_equal(m->type, CWMP_MSG_ADD_OBJECT_RESPONSE);
    assert_int_equal(m->body.add_object_response->InstanceNumber, 3);
    assert_string_equal(gpv(f, VS "SIP.Client.3.Status"), "Disabled");
    assert_int_equal(SPV(f, VS "SIP.Client.3.Enable", "true", VS "SIP.Client.3.AuthUserName", "u3",
                         VS "SIP.Client.3.AuthPassword", "p3", VS "SIP.Client.3.RegisterURI", "sip:u3@example.net"),
                     0);
    assert_string_equal(gpv(f, VS "SIP.Client.3.Status"), "Up"); /* default Network: Network.1 */
}

static void factory_reset_clears(void **state)
{
    struct fixture *f = *state;
    push_full(f);
    assert_int_equal(rpc(f, CWMP_MSG_ADD_OBJECT, &(struct _cwmp__AddObject){VS "SIP.Client.", "add-1"})->type,
                     CWMP_MSG_ADD_OBJECT_RESPONSE);
    assert_string_equal(gpv(f, VS "SIP.Client.1.Status"), "Up");
    assert_int_equal(rpc(f, CWMP_MSG_FACTORY_RESET, &(struct _cwmp__FactoryReset){})->type, CWMP_MSG_FACTORY_RESET_RESPONSE);
    assert_string_equal(gpv(f, VS "SIP.Client.1.Status"), "Up"); /* after the session, not during it */
    cpe_dev_session_done(f->dev, true, 0, T0_MS + 2000);
    assert_string_equal(gpv(f, VS "SIP.Client.1.Status"), "Disabled");
    assert_string_equal(gpv(f, VS "SIP.Client.1.Enable"), "false");
    assert_string_equal(gpv(f, VS "SIP.Client.1.AuthUserName"), "");
    assert_string_equal(gpv(f, VS "SIP.Client.1.RegisterURI"), "");
    assert_string_equal(gpv(f, VS "SIP.Client.1.MaxSessions"), "0");
    assert_string_equal(gpv(f, VS "SIP.Network.1.RegistrarServer"), "");
    assert_string_equal(gpv(f, VS "SIP.Network.1.RegistrarServerTransport"), "UDP");
    assert_string_equal(gpv(f, VS "SIP.Network.1.RegistrarServerPort"), "5060");
    assert_string_equal(gpv(f, VS "VoIPProfile.1.RTP.SRTP.Enable"), "false");
    assert_string_equal(gpv(f, "Device.ManagementServer.ParameterKey"), "");
    char buf[64];
    assert_string_equal(cpe_dm_get(cpe_dev_dm(f->dev), VS "SIP.Client.1.AuthPassword", buf, sizeof buf), "");
    struct cpe_ref r;
    assert_int_equal(cpe_dm_resolve(cpe_dev_dm(f->dev), VS "SIP.Client.3.", &r), 9005); /* added client gone */
    assert_int_equal(cpe_dm_resolve(cpe_dev_dm(f->dev), VS "SIP.Client.2.", &r), 0);
}

static void tr098_model(void **state)
{
    struct fixture *f = *state;
    assert_string_equal(tr098->root, "InternetGatewayDevice.");
    assert_string_equal(gpv(f, IGD_VP "Line.1.Status"), "Disabled");
    assert_string_equal(gpv(f, IGD_VP "Line.2.Status"), "Disabled");
    assert_int_equal(SPV(f, IGD_VP "SIP.ProxyServer", "sip.example.net", IGD_VP "SIP.ProxyServerPort", "5061",
                         IGD_VP "SIP.ProxyServerTransport", "TLS", IGD_VP "SIP.RegistrarServer", "sip.example.net",
                         IGD_VP "SIP.RegistrarServerPort", "5061", IGD_VP "SIP.RegistrarServerTransport", "TLS",
                         IGD_VP "SIP.OutboundProxy", "edge.example.net", IGD_VP "SIP.OutboundProxyPort", "5061",
                         IGD_VP "SIP.RegisterExpires", "600", IGD_VP "MaxSessions", "2", IGD_VP "RTP.SRTP.Enable", "true",
                         IGD_VP "Enable", "Enabled", IGD_VP "Line.1.DirectoryNumber", "+4930123456",
                         IGD_VP "Line.1.SIP.AuthUserName", "u4930123456", IGD_VP "Line.1.SIP.AuthPassword", "s3cret-pw",
                         IGD_VP "Line.1.SIP.URI", "sip:+4930123456@example.net"),
                     0);
    assert_string_equal(gpv(f, IGD_VP "Line.1.Status"), "Disabled"); /* Line.1.Enable still "Disabled" */
    assert_int_equal(SPV(f, IGD_VP "Line.1.Enable", "Enabled"), 0);
    assert_string_equal(gpv(f, IGD_VP "Line.1.Status"), "Up");
    assert_string_equal(gpv(f, IGD_VP "Line.2.Status"), "Disabled");
    assert_string_equal(gpv(f, IGD_VP "Line.1.SIP.AuthPassword"), "");
    assert_string_equal(gpv(f, IGD_VP "Line.1.SIP.AuthUserName"), "u4930123456");
    assert_string_equal(gpv(f, "InternetGatewayDevice.ManagementServer.ParameterKey"), "voice-1");
    assert_int_equal(SPV(f, IGD_VP "SIP.RegistrarServerTransport", "UDP"), 0);
    assert_string_equal(gpv(f, IGD_VP "Line.1.Status"), "Error"); /* v1 has no Error_Misconfigured */
    assert_int_equal(SPV(f, IGD_VP "SIP.RegistrarServerTransport", "TLS", IGD_VP "Line.1.SIP.AuthPassword", ""), 0);
    assert_string_equal(gpv(f, IGD_VP "Line.1.Status"), "Error");
    assert_int_equal(SPV(f, IGD_VP "Line.1.SIP.AuthPassword", "x", IGD_VP "Line.1.Enable", "Quiescent"), 0);
    assert_string_equal(gpv(f, IGD_VP "Line.1.Status"), "Quiescent");
    assert_int_equal(SPV(f, IGD_VP "Line.1.Enable", "true"), 9007); /* v1 Enable is a string enumeration */
    assert_int_equal(SPV(f, IGD_VP "Line.1.Status", "Up"), 9008);
    assert_int_equal(SPV(f, "Device.ManagementServer.URL", "https://x/"), 9005); /* no TR-181 names */
    /* AddObject of a line */
    const struct cwmp_msg *m = rpc(f, CWMP_MSG_ADD_OBJECT, &(struct _cwmp__AddObject){IGD_VP "Line.", "add-1"});
    assert_int_equal(m->body.add_object_response->InstanceNumber, 3);
    /* the top of the hierarchy */
    m = rpc(f, CWMP_MSG_GET_PARAMETER_NAMES, &(struct _cwmp__GetParameterNames){"", xsd__boolean__true_});
    assert_int_equal(m->body.get_parameter_names_response->ParameterList->__size, 1);
    assert_string_equal(m->body.get_parameter_names_response->ParameterList->__ptrParameterInfoStruct[0]->Name,
                        "InternetGatewayDevice.");
    /* factory reset clears the v1 config too */
    assert_int_equal(rpc(f, CWMP_MSG_FACTORY_RESET, &(struct _cwmp__FactoryReset){})->type, CWMP_MSG_FACTORY_RESET_RESPONSE);
    cpe_dev_session_done(f->dev, true, 0, T0_MS + 2000);
    assert_string_equal(gpv(f, IGD_VP "SIP.RegistrarServer"), "");
    assert_string_equal(gpv(f, IGD_VP "Line.1.Enable"), "Disabled");
    assert_string_equal(gpv(f, IGD_VP "Line.1.Status"), "Disabled");
}

static const char *param(const struct ParameterValueList *l, const char *name)
{
    for (int i = 0; i < l->__size; i++)
        if (strcmp(l->__ptrParameterValueStruct[i]->Name, name) == 0)
            return l->__ptrParameterValueStruct[i]->Value.__item;
    return NULL;
}

/* The Inform of a TR-098 device: its own root and forced parameters (the ACS tells the
 * model from them). */
static void tr098_inform(void **state)
{
    struct fixture *f = *state;
    struct cwmp_codec *c = cwmp_codec_new(), *acs = cwmp_codec_new();
    struct cpe_session s;
    struct buf out;
    const struct cwmp_msg *m = NULL;
    struct cwmp_error err;
    assert_non_null(c);
    assert_non_null(acs);
    cpe_session_init(&s);
    buf_init(&out, CPE_MAX_BODY);
    assert_int_equal(cpe_session_start(&s, f->dev, T0_MS, c, &out), 0);
    assert_int_equal(write_out("cpe-inform-tr098", out.data, out.len), 0);
    assert_int_equal(cwmp_decode(acs, out.data, out.len, 0, &m, &err), 0);
    assert_int_equal(m->type, CWMP_MSG_INFORM);
    const struct ParameterValueList *l = m->body.inform->ParameterList;
    for (int i = 0; i < l->__size; i++)
        assert_int_equal(strncmp(l->__ptrParameterValueStruct[i]->Name, "InternetGatewayDevice.", 22), 0);
    assert_non_null(param(l, "InternetGatewayDevice.DeviceSummary"));
    assert_string_equal(param(l, "InternetGatewayDevice.DeviceInfo.SpecVersion"), "1.0");
    assert_string_equal(param(l, "InternetGatewayDevice.DeviceInfo.SoftwareVersion"), "1.0.0");
    assert_string_equal(param(l, "InternetGatewayDevice.ManagementServer.ConnectionRequestURL"),
                        "http://127.0.0.1:7548/cr/00D09E-SimBox-SIM00000001");
    assert_string_equal(param(l, "InternetGatewayDevice.ManagementServer.ParameterKey"), "");
    const char *ip = param(l, "InternetGatewayDevice.WANDevice.1.WANConnectionDevice.1.WANIPConnection.1.ExternalIPAddress");
    assert_non_null(ip);
    assert_int_equal(strncmp(ip, "10.", 3), 0);
    assert_string_equal(m->body.inform->DeviceId->OUI, "00D09E");
    buf_cleanup(&out);
    cpe_session_cleanup(&s);
    cwmp_codec_free(c);
    cwmp_codec_free(acs);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(tls_config_up, setup181, teardown),
        cmocka_unit_test_setup_teardown(misconfigured, setup181, teardown),
        cmocka_unit_test_setup_teardown(add_client, setup181, teardown),
        cmocka_unit_test_setup_teardown(factory_reset_clears, setup181, teardown),
        cmocka_unit_test_setup_teardown(tr098_model, setup098, teardown),
        cmocka_unit_test_setup_teardown(tr098_inform, setup098, teardown),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}

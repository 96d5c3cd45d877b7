/* tests/unit/acs/test_secret_params.c — acs/tasks/acs_secret_params.c: the secret rule (data model
 * entries with {i}, configured patterns and exclusions), display redaction, sealing task args
 * and opening them (key, device and parameter bound), refusal without a key, RPC masking. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "acs_rpc.h"
#include "acs_secret_params.h"
#include "cwmp_body.h"
#include "secret.h"

static void rule(void **state)
{
    (void)state;
    assert_int_equal(acs_secret_params_configure(NULL, NULL), 0);
    /* the data model: TR-104 (under Device.Services.) and TR-181, any instance numbers */
    assert_true(acs_secret_param("Device.Services.VoiceService.1.DECT.Base.12.PIN"));
    assert_true(acs_secret_param("Device.WiFi.AccessPoint.3.WPS.PIN"));
    assert_true(acs_secret_param("Device.USPAgent.ControllerTrust.Challenge.2.Value"));
    assert_false(acs_secret_param("Device.WiFi.AccessPoint.x.WPS.PIN")); /* not an instance number */
    assert_false(acs_secret_param("Device.WiFi.AccessPoint.1.WPS.PINs"));
    assert_false(acs_secret_param("device.wifi.accesspoint.1.wps.pin")); /* the data model's exact spelling */
    /* the default patterns: leaf suffixes, case-insensitive, minus ParameterKey/CommandKey */
    assert_true(acs_secret_param("Device.Services.VoiceService.1.SIP.Client.1.AuthPassword"));
    assert_true(acs_secret_param("Device.WiFi.AccessPoint.1.Security.KeyPassphrase"));
    assert_true(acs_secret_param("Device.X_ACME_Thing.apikey"));
    assert_false(acs_secret_param("Device.ManagementServer.ParameterKey"));
    assert_false(acs_secret_param("Device.X_ACME_CommandKey"));
    assert_false(acs_secret_param("Device.DeviceInfo.SerialNumber"));
    assert_false(acs_secret_param("Device.DeviceInfo.KeyCount"));
    assert_false(acs_secret_param(NULL));
    /* configured: full-name patterns with {i}, leaf patterns, exclusions; the data model stays */
    assert_int_equal(acs_secret_params_configure("Device.X_ACME.Tok.{i}.Value, *Token !Device.X.Token", NULL), 0);
    assert_true(acs_secret_param("Device.X_ACME.Tok.7.Value"));
    assert_false(acs_secret_param("Device.X_ACME.Tok.7.Name"));
    assert_true(acs_secret_param("Device.Y.AccessToken"));
    assert_false(acs_secret_param("Device.X.Token"));
    assert_false(acs_secret_param("Device.S.AuthPassword")); /* the defaults are replaced */
    assert_true(acs_secret_param("Device.Services.VoiceService.1.SIP.Client.1.AuthPassword")); /* data model */
    /* globs: '*' across dots, several stars, backtracking */
    assert_int_equal(acs_secret_params_configure("Device.*.Tok*n.{i} *x*y*z", NULL), 0);
    assert_true(acs_secret_param("Device.A.B.Tokkken.12"));
    assert_false(acs_secret_param("Device.A.B.Token.x"));
    assert_true(acs_secret_param("Device.A.aaxbbxyyzq-z"));
    assert_false(acs_secret_param("Device.A.zyx"));
    char *err = NULL;
    char big[200];
    memset(big, 'a', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    assert_int_equal(acs_secret_params_configure(big, &err), -ERR_CONFIG);
    assert_non_null(err);
    free(err);
    assert_int_equal(acs_secret_params_configure(NULL, NULL), 0);
}

static void redaction(void **state)
{
    (void)state;
    assert_int_equal(acs_secret_params_configure(NULL, NULL), 0);
    json_t *a = json_loads("{\"values\":[{\"name\":\"Device.S.AuthPassword\",\"value\":\"hunter2\"},"
                           "{\"name\":\"Device.S.AuthUserName\",\"value\":\"alice\"},"
                           "{\"name\":\"Device.S.Other\",\"value\":\"$acs-sealed$00\"}]}", 0, NULL);
    json_t *r = acs_secret_args_redacted("setParameterValues", a);
    char *s = json_dumps(r, JSON_COMPACT);
    assert_null(strstr(s, "hunter2"));
    assert_null(strstr(s, "sealed"));
    assert_non_null(strstr(s, "alice"));
    free(s);
    json_decref(r);
    json_decref(a);
    a = json_loads("{\"url\":\"u\",\"password\":\"pw-secret\"}", 0, NULL);
    r = acs_secret_args_redacted("download", a);
    assert_string_equal(json_string_value(json_object_get(r, "password")), "***");
    assert_string_equal(json_string_value(json_object_get(a, "password")), "pw-secret"); /* a copy */
    json_decref(r);
    json_decref(a);
    json_t *j = json_loads("{\"values\":[{\"name\":\"Device.X.AuthPassword\",\"value\":\"s3cret\"},"
                           "{\"name\":\"Device.X.Enable\",\"value\":\"1\"}],\"nested\":{\"p\":[{\"name\":"
                           "\"Device.WiFi.AccessPoint.1.WPS.PIN\",\"value\":\"s3cret\"}]},"
                           "\"name\":\"Device.ManagementServer.ParameterKey\",\"value\":\"pk\"}",
                           0, NULL);
    acs_secret_redact(j);
    s = json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS);
    assert_null(strstr(s, "s3cret"));
    assert_non_null(strstr(s, "\"value\":\"1\""));
    assert_non_null(strstr(s, "\"value\":\"pk\""));
    free(s);
    json_decref(j);
    acs_secret_redact(NULL);
}

static const char SPV[] = "{\"values\":[{\"name\":\"Device.Services.VoiceService.1.DECT.Base.1.PIN\",\"value\":"
                          "\"4711-pin\"},{\"name\":\"Device.X.Enable\",\"value\":true},{\"name\":"
                          "\"Device.X.Password\",\"value\":987654321}],\"parameterKey\":\"pk1\"}";

static void seal_and_open(void **state)
{
    (void)state;
    unsigned char kb[SECRET_KEY_LEN] = {1, 2, 3}, kb2[SECRET_KEY_LEN] = {9};
    struct secret_key *k = secret_key_from_bytes(kb, sizeof kb), *k2 = secret_key_from_bytes(kb2, sizeof kb2);
    char *err = NULL, *plain = NULL;
    assert_int_equal(acs_secret_params_configure(NULL, NULL), 0);
    json_t *a = json_loads(SPV, 0, NULL);
    assert_int_equal(acs_secret_args_seal(NULL, "D-1", "setParameterValues", a, &err), -ERR_POLICY);
    assert_non_null(strstr(err, "secret_key_file"));
    free(err);
    err = NULL;
    assert_int_equal(acs_secret_args_seal(k, "D-1", "setParameterValues", a, &err), 0);
    char *stored = json_dumps(a, JSON_COMPACT);
    assert_null(strstr(stored, "4711-pin"));
    assert_null(strstr(stored, "987654321"));
    assert_non_null(strstr(stored, "\"value\":true")); /* not a secret: as it was */
    assert_non_null(strstr(stored, "\"type\":\"xsd:int\"")); /* the integer keeps its type */
    assert_true(acs_secret_value_sealed(json_string_value(
        json_object_get(json_array_get(json_object_get(a, "values"), 0), "value"))));
    /* opened with the key, for the same device */
    assert_int_equal(acs_secret_args_open(k, "D-1", "setParameterValues", stored, &plain, &err), 0);
    assert_non_null(strstr(plain, "\"value\":\"4711-pin\""));
    assert_non_null(strstr(plain, "\"value\":\"987654321\""));
    struct acs_rpc rpc;
    assert_int_equal(acs_rpc_build("setParameterValues", plain, &rpc, &err), 0);
    const struct ParameterValueList *l = rpc.msg.body.set_parameter_values->ParameterList;
    assert_string_equal(l->__ptrParameterValueStruct[2]->Value.xsi__type, "xsd:int");
    assert_int_equal(acs_secret_rpc_mask(&rpc.msg, "setParameterValues", stored), 2);
    assert_string_equal(l->__ptrParameterValueStruct[0]->Value.__item, "***");
    assert_string_equal(l->__ptrParameterValueStruct[1]->Value.__item, "true");
    assert_string_equal(l->__ptrParameterValueStruct[2]->Value.__item, "***");
    acs_rpc_cleanup(&rpc);
    secret_wipe_free(plain);
    /* another device, another key, no key: refused without quoting the value */
    assert_int_equal(acs_secret_args_open(k, "D-2", "setParameterValues", stored, &plain, &err), -ERR_INTEGRITY);
    assert_null(plain);
    free(err);
    err = NULL;
    assert_int_equal(acs_secret_args_open(k2, "D-1", "setParameterValues", stored, &plain, &err), -ERR_INTEGRITY);
    free(err);
    err = NULL;
    assert_int_equal(acs_secret_args_open(NULL, "D-1", "setParameterValues", stored, &plain, &err), -ERR_CONFIG);
    free(err);
    err = NULL;
    /* clear args (rows written before sealing) pass as they are */
    assert_int_equal(acs_secret_args_open(NULL, "D-1", "setParameterValues", SPV, &plain, &err), 0);
    assert_string_equal(plain, SPV);
    secret_wipe_free(plain);
    free(stored);
    json_decref(a);
    /* Download: the password; an empty one needs no key */
    a = json_loads("{\"fileType\":\"1 Firmware Upgrade Image\",\"url\":\"u\",\"password\":\"dl-pw\"}", 0, NULL);
    assert_int_equal(acs_secret_args_seal(k, "D-1", "download", a, &err), 0);
    stored = json_dumps(a, JSON_COMPACT);
    assert_null(strstr(stored, "dl-pw"));
    assert_int_equal(acs_secret_args_open(k, "D-1", "download", stored, &plain, &err), 0);
    assert_int_equal(acs_rpc_build("download", plain, &rpc, &err), 0);
    assert_string_equal(rpc.msg.body.download->Password, "dl-pw");
    assert_int_equal(acs_secret_rpc_mask(&rpc.msg, "download", stored), 1);
    assert_string_equal(rpc.msg.body.download->Password, "***");
    acs_rpc_cleanup(&rpc);
    secret_wipe_free(plain);
    free(stored);
    json_decref(a);
    a = json_loads("{\"url\":\"u\",\"password\":\"\"}", 0, NULL);
    assert_int_equal(acs_secret_args_seal(NULL, "D-1", "upload", a, &err), 0);
    json_decref(a);
    a = json_loads("{\"names\":[\"Device.X.Password\"]}", 0, NULL); /* names only: nothing to seal */
    assert_int_equal(acs_secret_args_seal(NULL, "D-1", "getParameterValues", a, &err), 0);
    json_decref(a);
    secret_key_free(k);
    secret_key_free(k2);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(rule),
        cmocka_unit_test(redaction),
        cmocka_unit_test(seal_and_open),
    };
    int rc = cmocka_run_group_tests_name("acs/secret_params", tests, NULL, NULL);
    acs_secret_params_reset();
    return rc;
}

/* tests/unit/acs/test_nbi_req.c — the NBI's pure parts: routing (404/405 and Allow, arguments,
 * roles), query numbers, task and token request bodies, bearer tokens. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "acs_nbi_int.h"

static void test_routes(void **state)
{
    (void)state;
    struct acs_nbi_route r;
    char allow[32];
    assert_int_equal(acs_nbi_route("GET", "/api/v1/devices", &r, allow, sizeof allow), 0);
    assert_int_equal(r.ep, ACS_NBI_DEVICES);
    assert_int_equal(r.role, ACS_NBI_ROLE_VIEWER);
    assert_string_equal(r.arg, "");
    assert_int_equal(acs_nbi_route("GET", "/api/v1/devices/00D09E-Box-1", &r, allow, sizeof allow), 0);
    assert_int_equal(r.ep, ACS_NBI_DEVICE);
    assert_string_equal(r.arg, "00D09E-Box-1");
    assert_int_equal(acs_nbi_route("POST", "/api/v1/devices/D-1/tasks", &r, allow, sizeof allow), 0);
    assert_int_equal(r.ep, ACS_NBI_TASK_CREATE);
    assert_int_equal(r.role, ACS_NBI_ROLE_OPERATOR);
    assert_int_equal(acs_nbi_route("GET", "/api/v1/devices/D-1/tasks", &r, allow, sizeof allow), 0);
    assert_int_equal(r.ep, ACS_NBI_DEVICE_TASKS);
    assert_int_equal(acs_nbi_route("GET", "/api/v1/devices/D-1/faults", &r, allow, sizeof allow), 0);
    assert_int_equal(r.ep, ACS_NBI_DEVICE_FAULTS);
    assert_int_equal(acs_nbi_route("GET", "/api/v1/devices/D-1/sessions", &r, allow, sizeof allow), 0);
    assert_int_equal(r.ep, ACS_NBI_DEVICE_SESSIONS);
    assert_int_equal(acs_nbi_route("GET", "/api/v1/tasks/42", &r, allow, sizeof allow), 0);
    assert_int_equal(r.ep, ACS_NBI_TASK);
    assert_string_equal(r.arg, "42");
    assert_int_equal(acs_nbi_route("DELETE", "/api/v1/tokens/3", &r, allow, sizeof allow), 0);
    assert_int_equal(r.ep, ACS_NBI_TOKEN_REVOKE);
    assert_int_equal(r.role, ACS_NBI_ROLE_ADMIN);
    assert_int_equal(acs_nbi_route("POST", "/api/v1/tokens", &r, allow, sizeof allow), 0);
    assert_int_equal(r.role, ACS_NBI_ROLE_ADMIN);
    /* provisioning: reads for viewers, writes for operators; "import" is no line number for POST */
    assert_int_equal(acs_nbi_route("POST", "/api/v1/lines/import", &r, allow, sizeof allow), 0);
    assert_int_equal(r.ep, ACS_NBI_LINE_IMPORT);
    assert_int_equal(r.role, ACS_NBI_ROLE_OPERATOR);
    assert_int_equal(acs_nbi_route("POST", "/api/v1/lines/+4930123456/rotate-password", &r, allow, sizeof allow), 0);
    assert_int_equal(r.ep, ACS_NBI_LINE_ROTATE);
    assert_string_equal(r.arg, "+4930123456");
    assert_int_equal(acs_nbi_route("GET", "/api/v1/lines/+4930123456", &r, allow, sizeof allow), 0);
    assert_int_equal(r.ep, ACS_NBI_LINE);
    assert_int_equal(r.role, ACS_NBI_ROLE_VIEWER);
    assert_int_equal(acs_nbi_route("DELETE", "/api/v1/providers/telco", &r, allow, sizeof allow), 0);
    assert_int_equal(r.ep, ACS_NBI_PROVIDER_DELETE);
    assert_int_equal(r.role, ACS_NBI_ROLE_OPERATOR);
    assert_int_equal(acs_nbi_route("PUT", "/api/v1/lines/+4930123456", &r, allow, sizeof allow), 405);
    assert_string_equal(allow, "GET, DELETE");
    assert_int_equal(acs_nbi_route("GET", "/metrics", &r, allow, sizeof allow), 0);
    assert_int_equal(r.ep, ACS_NBI_METRICS);
}

static void test_route_refusals(void **state)
{
    (void)state;
    struct acs_nbi_route r;
    char allow[32], longid[400];
    assert_int_equal(acs_nbi_route("DELETE", "/api/v1/devices", &r, allow, sizeof allow), 405);
    assert_string_equal(allow, "GET");
    assert_int_equal(acs_nbi_route("PUT", "/api/v1/devices/D-1/tasks", &r, allow, sizeof allow), 405);
    assert_string_equal(allow, "GET, POST");
    assert_int_equal(acs_nbi_route("PUT", "/api/v1/tokens", &r, allow, sizeof allow), 405);
    assert_string_equal(allow, "GET, POST");
    const char *missing[] = {"/",
                             "",
                             "api/v1/devices",
                             "/api/v1/devices/",
                             "/api/v1//devices",
                             "/api/v2/devices",
                             "/api/v1/devices/D-1/tasks/7",
                             "/api/v1/devices/D-1/other",
                             "/metrics/x",
                             "/a/b/c/d/e/f/g/h",
                             NULL};
    for (size_t i = 0; missing[i]; i++)
        assert_int_equal(acs_nbi_route("GET", missing[i], &r, allow, sizeof allow), 404);
    assert_int_equal(acs_nbi_route("GET", NULL, &r, allow, sizeof allow), 404);
    memset(longid, 'a', sizeof longid - 1);
    longid[sizeof longid - 1] = '\0';
    memcpy(longid, "/api/v1/tasks/", 14);
    assert_int_equal(acs_nbi_route("GET", longid, &r, allow, sizeof allow), 404);
}

static void test_roles_and_numbers(void **state)
{
    (void)state;
    long v = -1;
    assert_int_equal(acs_nbi_role_parse("admin"), ACS_NBI_ROLE_ADMIN);
    assert_int_equal(acs_nbi_role_parse("operator"), ACS_NBI_ROLE_OPERATOR);
    assert_int_equal(acs_nbi_role_parse("viewer"), ACS_NBI_ROLE_VIEWER);
    assert_int_equal(acs_nbi_role_parse("root"), ACS_NBI_ROLE_NONE);
    assert_int_equal(acs_nbi_role_parse("none"), ACS_NBI_ROLE_NONE);
    assert_int_equal(acs_nbi_role_parse(NULL), ACS_NBI_ROLE_NONE);
    assert_string_equal(acs_nbi_role_str(ACS_NBI_ROLE_OPERATOR), "operator");
    assert_int_equal(acs_nbi_query_long(NULL, 1, 10, 5, &v), 0);
    assert_int_equal(v, 5);
    assert_int_equal(acs_nbi_query_long("", 1, 10, 7, &v), 0);
    assert_int_equal(v, 7);
    assert_int_equal(acs_nbi_query_long("10", 1, 10, 5, &v), 0);
    assert_int_equal(v, 10);
    const char *bad[] = {"11", "0", "-1", "+3", " 3", "3 ", "3x", "0x10", "99999999999999999999999", NULL};
    for (size_t i = 0; bad[i]; i++)
        assert_int_equal(acs_nbi_query_long(bad[i], 1, 10, 5, &v), -ERR_INVAL);
}

static int task_parse(const char *body, struct acs_nbi_task_req *t)
{
    char *err = NULL;
    int rc = acs_nbi_task_req_parse(body, body ? strlen(body) : 0, t, &err);
    if (rc < 0) {
        assert_non_null(err);               /* every refusal says why */
        assert_null(strstr(err, "s3cret")); /* and never quotes a value */
    }
    free(err);
    return rc;
}

static void test_task_body(void **state)
{
    (void)state;
    struct acs_nbi_task_req t;
    assert_int_equal(task_parse("{\"kind\":\"reboot\"}", &t), 0);
    assert_string_equal(t.kind, "reboot");
    assert_string_equal(t.args_json, "{}");
    assert_int_equal(t.connection_request, 0);
    assert_int_equal(t.max_attempts, 0);
    acs_nbi_task_req_cleanup(&t);
    assert_int_equal(task_parse("{\"kind\":\"getParameterValues\",\"args\":{\"names\":[\"Device.\"]},"
                                "\"connectionRequest\":true,\"maxAttempts\":5,\"expiresIn\":60}",
                                &t),
                     0);
    assert_string_equal(t.args_json, "{\"names\":[\"Device.\"]}");
    assert_int_equal(t.connection_request, 1);
    assert_int_equal(t.max_attempts, 5);
    assert_int_equal(t.expires_in, 60);
    acs_nbi_task_req_cleanup(&t);
    const char *bad[] = {NULL,
                         "",
                         "{",
                         "[]",
                         "\"reboot\"",
                         "{}",
                         "{\"kind\":\"format\"}",
                         "{\"kind\":7}",
                         "{\"kind\":\"reboot\",\"extra\":\"s3cret\"}",
                         "{\"kind\":\"reboot\",\"args\":[]}",
                         "{\"kind\":\"reboot\",\"connectionRequest\":\"yes\"}",
                         "{\"kind\":\"reboot\",\"maxAttempts\":0}",
                         "{\"kind\":\"reboot\",\"maxAttempts\":101}",
                         "{\"kind\":\"reboot\",\"maxAttempts\":1.5}",
                         "{\"kind\":\"reboot\",\"expiresIn\":0}",
                         "{\"kind\":\"reboot\",\"kind\":\"reboot\"}",
                         "{\"kind\":\"reboot\"} trailing",
                         NULL};
    assert_int_equal(task_parse(bad[0], &t), -ERR_INVAL);
    for (size_t i = 1; bad[i]; i++)
        assert_int_equal(task_parse(bad[i], &t), -ERR_INVAL);
}

static void test_token_body(void **state)
{
    (void)state;
    struct acs_nbi_token_req t;
    char *err = NULL;
    const char *ok = "{\"name\":\"noc-bot\",\"role\":\"operator\",\"ttl\":3600}";
    assert_int_equal(acs_nbi_token_req_parse(ok, strlen(ok), &t, &err), 0);
    assert_string_equal(t.name, "noc-bot");
    assert_int_equal(t.role, ACS_NBI_ROLE_OPERATOR);
    assert_int_equal(t.ttl, 3600);
    assert_string_equal(t.tenant, ""); /* absent */
    const char *with_tenant = "{\"name\":\"b\",\"role\":\"viewer\",\"tenant\":\"provA\"}";
    assert_int_equal(acs_nbi_token_req_parse(with_tenant, strlen(with_tenant), &t, &err), 0);
    assert_string_equal(t.tenant, "provA");
    const char *bad[] = {"{\"name\":\"x\",\"role\":\"viewer\",\"tenant\":7}",
                         "{\"name\":\"x\",\"role\":\"viewer\",\"tenant\":\"\"}",
                         "{\"name\":\"x\",\"role\":\"viewer\",\"tenant\":null}","{\"name\":\"a b\",\"role\":\"viewer\"}",
                         "{\"name\":\"\",\"role\":\"viewer\"}",
                         "{\"name\":\"x\",\"role\":\"root\"}",
                         "{\"name\":\"x\"}",
                         "{\"name\":\"x\",\"role\":\"viewer\",\"ttl\":-1}",
                         "{\"name\":\"x\",\"role\":\"viewer\",\"token\":\"mine\"}",
                         "{\"name\":\"q\\\"\",\"role\":\"viewer\"}",
                         NULL};
    for (size_t i = 0; bad[i]; i++) {
        assert_int_equal(acs_nbi_token_req_parse(bad[i], strlen(bad[i]), &t, &err), -ERR_INVAL);
        assert_non_null(err);
        free(err);
        err = NULL;
    }
    char longname[80];
    memset(longname, 'n', sizeof longname - 1);
    longname[sizeof longname - 1] = '\0';
    assert_false(acs_nbi_token_name_valid(longname));
    longname[64] = '\0';
    assert_true(acs_nbi_token_name_valid(longname));
}

static void test_tokens(void **state)
{
    (void)state;
    char a[ACS_NBI_TOKEN_LEN + 1], b[ACS_NBI_TOKEN_LEN + 1], small[8];
    unsigned char ha[32], hb[32], hc[32];
    assert_int_equal(acs_nbi_token_new(a, sizeof a, ha), 0);
    assert_int_equal(acs_nbi_token_new(b, sizeof b, hb), 0);
    assert_int_equal(strlen(a), ACS_NBI_TOKEN_LEN);
    assert_memory_equal(a, "acs_", 4);
    assert_true(strspn(a + 4, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_") == 43);
    assert_string_not_equal(a, b);
    assert_memory_not_equal(ha, hb, 32);
    acs_nbi_token_hash(a, strlen(a), hc);
    assert_memory_equal(ha, hc, 32);
    assert_int_equal(acs_nbi_token_new(small, sizeof small, hc), -ERR_CRYPTO);
    /* SHA-256("abc") */
    static const unsigned char abc[32] = {0xba, 0x78, 0x16, 0xbf, 0x8f, 0x01, 0xcf, 0xea, 0x41, 0x41, 0x40,
                                          0xde, 0x5d, 0xae, 0x22, 0x23, 0xb0, 0x03, 0x61, 0xa3, 0x96, 0x17,
                                          0x7a, 0x9c, 0xb4, 0x10, 0xff, 0x61, 0xf2, 0x00, 0x15, 0xad};
    acs_nbi_token_hash("abc", 3, hc);
    assert_memory_equal(hc, abc, 32);
}

static void test_bearer(void **state)
{
    (void)state;
    const char *tok = NULL;
    size_t len = 0;
    assert_int_equal(acs_nbi_bearer("Bearer acs_abc-_9", &tok, &len), 0);
    assert_int_equal(len, 10);
    assert_memory_equal(tok, "acs_abc-_9", 10);
    assert_int_equal(acs_nbi_bearer("bearer  tok  ", &tok, &len), 0);
    assert_int_equal(len, 3);
    char big[200] = "Bearer ";
    memset(big + 7, 'a', 150);
    big[157] = '\0';
    const char *bad[] = {"",           "Bearer",      "Bearer ",   "Basic dXNlcjpwYXNz",
                         "Bearer a b", "Bearer a\"b", "Bearertok", "Bearer tok\r\nX: y",
                         big,          NULL};
    assert_int_equal(acs_nbi_bearer(NULL, &tok, &len), -ERR_AUTH);
    for (size_t i = 0; bad[i]; i++)
        assert_int_equal(acs_nbi_bearer(bad[i], &tok, &len), -ERR_AUTH);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_routes),
        cmocka_unit_test(test_route_refusals),
        cmocka_unit_test(test_roles_and_numbers),
        cmocka_unit_test(test_task_body),
        cmocka_unit_test(test_token_body),
        cmocka_unit_test(test_tokens),
        cmocka_unit_test(test_bearer),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

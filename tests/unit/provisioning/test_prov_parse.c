/* tests/unit/provisioning/test_prov_parse.c — provisioning/prov_provider.c and prov_line.c without
 * a database: requests validated field by field, the field named in the error. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "prov_line.h"
#include "prov_provider.h"

static int provider(const char *text, struct prov_provider *p, struct prov_err *e)
{
    json_t *o = json_loads(text, 0, NULL);
    assert_non_null(o);
    memset(e, 0, sizeof *e);
    int rc = prov_provider_parse(o, p, e);
    json_decref(o);
    return rc;
}

#define BASE "\"name\":\"telco\",\"sipDomain\":\"sip.example\",\"registrarHost\":\"reg.example\""

static void providers(void **state)
{
    (void)state;
    struct prov_provider p;
    struct prov_err e;
    assert_int_equal(provider("{" BASE "}", &p, &e), 0);
    assert_string_equal(p.transport, "TLS");
    assert_string_equal(p.srtp, "mandatory");
    assert_int_equal(p.max_sessions_per_line, 2);
    assert_int_equal(p.registrar_port, 5061);
    assert_int_equal(provider("{" BASE ",\"transport\":\"UDP\"}", &p, &e), -ERR_INVAL);
    assert_string_equal(e.field, "transport");
    assert_int_equal(provider("{" BASE ",\"transport\":\"TCP\",\"allowInsecureTransport\":true}", &p, &e), 0);
    assert_int_equal(provider("{" BASE ",\"transport\":\"SCTP\",\"allowInsecureTransport\":true}", &p, &e), -ERR_INVAL);
    assert_string_equal(e.field, "transport");
    assert_int_equal(provider("{" BASE ",\"srtp\":\"on\"}", &p, &e), -ERR_INVAL);
    assert_string_equal(e.field, "srtp");
    assert_int_equal(provider("{" BASE ",\"registrarPort\":0}", &p, &e), -ERR_INVAL);
    assert_string_equal(e.field, "registrarPort");
    assert_int_equal(provider("{" BASE ",\"proxyHost\":\"a b\"}", &p, &e), -ERR_INVAL);
    assert_string_equal(e.field, "proxyHost");
    assert_int_equal(provider("{\"name\":\"-x\",\"sipDomain\":\"s\",\"registrarHost\":\"r\"}", &p, &e), -ERR_INVAL);
    assert_string_equal(e.field, "name");
    assert_int_equal(provider("{" BASE ",\"color\":1}", &p, &e), -ERR_INVAL);
    assert_int_equal(provider("{\"name\":\"x\",\"registrarHost\":\"r\"}", &p, &e), -ERR_INVAL);
    assert_string_equal(e.field, "sipDomain");
}

static void secrets(void **state)
{
    (void)state;
    const char *yes[] = {"{\"password\":1}", "{\"authPassword\":\"x\"}", "{\"SIP_SECRET\":0}"};
    for (size_t i = 0; i < sizeof yes / sizeof yes[0]; i++) {
        json_t *o = json_loads(yes[i], 0, NULL);
        assert_true(prov_json_has_secret(o));
        json_decref(o);
    }
    json_t *o = json_loads("{\"e164\":\"+4930123456\",\"displayName\":\"password\"}", 0, NULL);
    assert_false(prov_json_has_secret(o)); /* a value is not a member name */
    json_decref(o);
}

static int line(const char *text, struct prov_line_req *l, struct prov_err *e)
{
    json_t *o = json_loads(text, 0, NULL);
    assert_non_null(o);
    memset(e, 0, sizeof *e);
    int rc = prov_line_parse(o, l, e);
    json_decref(o);
    return rc;
}

static void lines(void **state)
{
    (void)state;
    struct prov_line_req l;
    struct prov_err e;
    assert_int_equal(
        line("{\"e164\":\"+49 30 123456\",\"device\":\"D-1\",\"lineIndex\":2,\"provider\":\"telco\"}", &l, &e), 0);
    assert_string_equal(l.e164, "+4930123456");
    assert_string_equal(l.auth_username, "4930123456");
    assert_int_equal(l.max_sessions, 0);
    assert_int_equal(line("{\"e164\":\"+0301\",\"device\":\"D\",\"lineIndex\":1,\"provider\":\"t\"}", &l, &e),
                     -ERR_INVAL);
    assert_string_equal(e.field, "e164");
    assert_int_equal(line("{\"e164\":\"+4930123456\",\"lineIndex\":1,\"provider\":\"t\"}", &l, &e), -ERR_INVAL);
    assert_string_equal(e.field, "device");
    assert_int_equal(line("{\"e164\":\"+4930123456\",\"device\":\"D\",\"lineIndex\":17,\"provider\":\"t\"}", &l, &e),
                     -ERR_INVAL);
    assert_string_equal(e.field, "lineIndex");
    assert_int_equal(
        line("{\"e164\":\"+4930123456\",\"device\":\"D\",\"lineIndex\":1,\"provider\":\"t\",\"maxSessions\":0}", &l,
             &e),
        -ERR_INVAL);
    assert_string_equal(e.field, "maxSessions");
    assert_int_equal(
        line("{\"e164\":\"+4930123456\",\"device\":\"D\",\"lineIndex\":1,\"provider\":\"t\",\"authUsername\":\"a b\"}",
             &l, &e),
        -ERR_INVAL);
    assert_string_equal(e.field, "authUsername");
    assert_int_equal(prov_line_from_text("+4930123456", "D", "1x", "t", "", &l, &e), -ERR_INVAL);
    assert_string_equal(e.field, "lineIndex");
    assert_int_equal(prov_line_from_text("+4930123456", "D", "3", "t", "Desk", &l, &e), 0);
    assert_int_equal(l.line_index, 3);
    assert_string_equal(l.display_name, "Desk");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(providers),
        cmocka_unit_test(secrets),
        cmocka_unit_test(lines),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

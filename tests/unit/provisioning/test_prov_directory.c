/* tests/unit/provisioning/test_prov_directory.c — provisioning/prov_directory.c: what a
 * directory prefix, SIP URI and request may be. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "prov_directory.h"

static void prefixes(void **state)
{
    (void)state;
    assert_true(prov_dir_prefix_valid("+4"));
    assert_true(prov_dir_prefix_valid("+4930"));
    assert_true(prov_dir_prefix_valid("+123456789012345")); /* 15 digits */
    const char *bad[] = {NULL, "", "+", "49", "+1234567890123456", "+49 30", "+49%", "+49_", "++49", "+49\n"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_false(prov_dir_prefix_valid(bad[i]));
}

static void uris(void **state)
{
    (void)state;
    assert_true(prov_dir_uri_valid("sip:gw.example.net"));
    assert_true(prov_dir_uri_valid("sips:+4930@sbc.example.net:5061;transport=tls"));
    char longest[5 + 250 + 1];
    memcpy(longest, "sips:", 5);
    memset(longest + 5, 'a', 250);
    longest[255] = '\0';
    assert_true(prov_dir_uri_valid(longest));
    longest[4] = 'a'; /* "sipsa" + 250: no scheme */
    assert_false(prov_dir_uri_valid(longest));
    const char *bad[] = {NULL, "", "sip:", "sips:", "tel:+4930", "http://x", "SIP:gw", "sip:gw x", "sip:<gw>",
                         "sip:\"gw\"", "sip:gw\\x", "sip:gw\r\nX: y", "sip:gw\x7f", "sip:g\xc3\xa9"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_false(prov_dir_uri_valid(bad[i]));
}

static int parse(const char *text, struct prov_dir_entry *d, struct prov_err *e)
{
    json_t *o = json_loads(text, 0, NULL);
    int rc = prov_dir_parse(o, d, e);
    json_decref(o);
    return rc;
}

static void requests(void **state)
{
    (void)state;
    struct prov_dir_entry d;
    struct prov_err e;
    assert_int_equal(parse("{\"prefix\":\"+4930\",\"sipUri\":\"sips:sbc.example.net\"}", &d, &e), 0);
    assert_string_equal(d.prefix, "+4930");
    assert_string_equal(d.sip_uri, "sips:sbc.example.net");
    assert_int_equal(d.ttl_s, 300);
    assert_string_equal(d.tenant, "");
    assert_int_equal(parse("{\"prefix\":\"+1\",\"sipUri\":\"sip:a\",\"ttl\":86400,\"tenant\":\"t1\"}", &d, &e), 0);
    assert_int_equal(d.ttl_s, 86400);
    assert_string_equal(d.tenant, "t1");

    static const struct {
        const char *body, *field;
    } bad[] = {
        {"{\"sipUri\":\"sip:a\"}", "prefix"},
        {"{\"prefix\":\"4930\",\"sipUri\":\"sip:a\"}", "prefix"},
        {"{\"prefix\":4930,\"sipUri\":\"sip:a\"}", "prefix"},
        {"{\"prefix\":\"+49\"}", "sipUri"},
        {"{\"prefix\":\"+49\",\"sipUri\":\"tel:+49\"}", "sipUri"},
        {"{\"prefix\":\"+49\",\"sipUri\":\"sip:a\",\"ttl\":0}", "ttl"},
        {"{\"prefix\":\"+49\",\"sipUri\":\"sip:a\",\"ttl\":86401}", "ttl"},
        {"{\"prefix\":\"+49\",\"sipUri\":\"sip:a\",\"ttl\":\"300\"}", "ttl"},
        {"{\"prefix\":\"+49\",\"sipUri\":\"sip:a\",\"source\":\"line\"}", ""},
        {"[]", ""},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        memset(&e, 0, sizeof e);
        assert_int_equal(parse(bad[i].body, &d, &e), -ERR_INVAL);
        assert_string_equal(e.field, bad[i].field);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(prefixes),
        cmocka_unit_test(uris),
        cmocka_unit_test(requests),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

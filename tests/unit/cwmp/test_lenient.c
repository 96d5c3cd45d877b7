/* tests/unit/cwmp/test_lenient.c — what decode accepts although the peer got it wrong
 * (common/cwmp/README.md, "Leniency"): arrayType counts larger and smaller than the items in
 * every kind of array (every item present decoded, in order, none invented, no NULL entry),
 * counts beyond any cap, missing counts, other item types; every header any CWMP version
 * defines, with mustUnderstand (NoMoreRequests of CWMP 1.0 included); and the refusals that
 * stay (too many items, malformed or partial arrays, unknown mustUnderstand headers). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "cwmp_body.h"
#include "cwmp_test.h"

static struct cwmp_codec *codec;

static int group_setup(void **state)
{
    (void)state;
    codec = cwmp_codec_new();
    return codec ? 0 : -1;
}

static int group_teardown(void **state)
{
    (void)state;
    cwmp_codec_free(codec);
    return 0;
}

#define ENV_HEAD                                                                          \
    "<?xml version=\"1.0\"?><e:Envelope xmlns:e=\"http://schemas.xmlsoap.org/soap/envelope/\" " \
    "xmlns:enc=\"http://schemas.xmlsoap.org/soap/encoding/\" "                              \
    "xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" "                              \
    "xmlns:xs=\"http://www.w3.org/2001/XMLSchema\" xmlns:u=\"urn:dslforum-org:cwmp-%s\">"    \
    "<e:Header>%s</e:Header><e:Body>"
#define ENV_TAIL "</e:Body></e:Envelope>"
#define ID_HDR "<u:ID e:mustUnderstand=\"1\">7</u:ID>"

static struct buf doc;

/* Decode ENV_HEAD(ns, hdr) + body + ENV_TAIL; 0 or the decode error. */
static int decode(const char *ns, const char *hdr, const char *body, unsigned int flags,
                  const struct cwmp_msg **m, struct cwmp_error *e)
{
    buf_cleanup(&doc);
    buf_init(&doc, CWMP_MAX_ENVELOPE);
    assert_int_equal(buf_printf(&doc, ENV_HEAD, ns, hdr), 0);
    assert_int_equal(buf_append_str(&doc, body), 0);
    assert_int_equal(buf_append_str(&doc, ENV_TAIL), 0);
    return cwmp_decode(codec, doc.data, doc.len, flags, m, e);
}

static void must_decode(const char *ns, const char *hdr, const char *body, unsigned int flags,
                        const struct cwmp_msg **m)
{
    struct cwmp_error e;
    if (decode(ns, hdr, body, flags, m, &e) != 0)
        fail_msg("refused: %s: %s", cwmp_reason_str(e.reason), e.msg);
}

/* "<ParameterValueStruct>..." x n, names Device.P0 .. Device.P<n-1>, in buf b. */
static void pv_items(struct buf *b, int n)
{
    for (int i = 0; i < n; i++)
        assert_int_equal(buf_printf(b, "<ParameterValueStruct><Name>Device.P%d</Name>"
                                       "<Value xsi:type=\"xs:unsignedInt\">%d</Value>"
                                       "</ParameterValueStruct>", i, i), 0);
}

/* The list holds exactly Device.P0 .. Device.P<n-1> with their values, no NULL entry. */
static void check_pv(const struct ParameterValueList *l, int n)
{
    assert_non_null(l);
    assert_int_equal(l->__size, n);
    for (int i = 0; i < n; i++) {
        char want[32];
        const struct cwmp__ParameterValueStruct *p = l->__ptrParameterValueStruct[i];
        assert_non_null(p);
        snprintf(want, sizeof want, "Device.P%d", i);
        assert_string_equal(p->Name, want);
        snprintf(want, sizeof want, "%d", i);
        assert_string_equal(p->Value.__item, want);
    }
}

static const char *const counts[] = {"[3]", "[16]", "[64]", "[213]", "[16384]", "[99999999]",
                                     "[99999999999999999999999999]", "[0]", "[1]", "[2]"};

/* Inform: ParameterList and EventList with counts larger and smaller than the items. */
static void inform_counts(void **state)
{
    (void)state;
    for (size_t k = 0; k < sizeof counts / sizeof counts[0]; k++) {
        struct buf b;
        buf_init(&b, CWMP_MAX_ENVELOPE);
        assert_int_equal(buf_printf(&b, "<u:Inform><DeviceId><Manufacturer>M</Manufacturer>"
                                        "<OUI>00D09E</OUI><ProductClass>P</ProductClass>"
                                        "<SerialNumber>S</SerialNumber></DeviceId>"
                                        "<Event enc:arrayType=\"u:EventStruct%s\">"
                                        "<EventStruct><EventCode>1 BOOT</EventCode><CommandKey/>"
                                        "</EventStruct><EventStruct><EventCode>2 PERIODIC"
                                        "</EventCode><CommandKey/></EventStruct></Event>"
                                        "<MaxEnvelopes>1</MaxEnvelopes><CurrentTime>"
                                        "2024-05-01T12:00:00Z</CurrentTime><RetryCount>0"
                                        "</RetryCount><ParameterList enc:arrayType="
                                        "\"u:ParameterValueStruct%s\">", counts[k], counts[k]), 0);
        pv_items(&b, 7);
        assert_int_equal(buf_append_str(&b, "</ParameterList></u:Inform>"), 0);
        const struct cwmp_msg *m;
        must_decode("1-0", ID_HDR, b.data, 0, &m);
        buf_cleanup(&b);
        check_pv(m->body.inform->ParameterList, 7);
        const struct EventList *ev = m->body.inform->Event;
        assert_int_equal(ev->__size, 2);
        assert_string_equal(ev->__ptrEventStruct[0]->EventCode, "1 BOOT");
        assert_string_equal(ev->__ptrEventStruct[1]->EventCode, "2 PERIODIC");
        unsigned int want = 0;
        long declared = strtol(counts[k] + 1, NULL, 10);
        if (strlen(counts[k]) > 12 || declared > 7)
            want |= CWMP_LENIENT_ARRAY_COUNT_LARGER; /* of ParameterList */
        else if (declared < 7)
            want |= CWMP_LENIENT_ARRAY_COUNT_SMALLER;
        if (strlen(counts[k]) > 12 || declared > 2)
            want |= CWMP_LENIENT_ARRAY_COUNT_LARGER; /* of Event */
        else if (declared < 2)
            want |= CWMP_LENIENT_ARRAY_COUNT_SMALLER;
        if (m->lenient != want)
            fail_msg("count %s: lenient 0x%x, want 0x%x", counts[k], m->lenient, want);
    }
}

/* GetParameterValuesResponse as captured (64 and 213 declared for fewer items), and a count
 * smaller than a large response. */
static void gpv_response_counts(void **state)
{
    (void)state;
    static const struct {
        const char *count;
        int items;
        unsigned int lenient;
    } cases[] = {
        {"[64]", 23, CWMP_LENIENT_ARRAY_COUNT_LARGER},
        {"[213]", 150, CWMP_LENIENT_ARRAY_COUNT_LARGER},
        {"[16]", 500, CWMP_LENIENT_ARRAY_COUNT_SMALLER},
        {"[1]", 2, CWMP_LENIENT_ARRAY_COUNT_SMALLER},
        {"[0]", 3, CWMP_LENIENT_ARRAY_COUNT_SMALLER},
        {"[5]", 5, 0},
        {"[]", 4, CWMP_LENIENT_ARRAY_TYPE_MISSING},
    };
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        struct buf b;
        buf_init(&b, CWMP_MAX_ENVELOPE);
        assert_int_equal(buf_printf(&b, "<u:GetParameterValuesResponse><ParameterList "
                                        "enc:arrayType=\"u:ParameterValueStruct%s\">",
                                    cases[k].count), 0);
        pv_items(&b, cases[k].items);
        assert_int_equal(buf_append_str(&b, "</ParameterList></u:GetParameterValuesResponse>"), 0);
        const struct cwmp_msg *m;
        must_decode("1-2", ID_HDR, b.data, 0, &m);
        buf_cleanup(&b);
        assert_int_equal(m->type, CWMP_MSG_GET_PARAMETER_VALUES_RESPONSE);
        check_pv(m->body.get_parameter_values_response->ParameterList, cases[k].items);
        assert_int_equal(m->lenient, cases[k].lenient);
    }
}

/* The other arrays: GetParameterNamesResponse, GetParameterAttributesResponse (an AccessList
 * per item), SetParameterValues, GetParameterValues, GetRPCMethodsResponse, SetParameter-
 * Attributes, each with a wrong count. */
static void other_arrays(void **state)
{
    (void)state;
    const struct cwmp_msg *m;
    must_decode("1-2", ID_HDR,
                "<u:GetParameterNamesResponse><ParameterList enc:arrayType=\"u:ParameterInfoStruct[9]\">"
                "<ParameterInfoStruct><Name>Device.A.</Name><Writable>0</Writable></ParameterInfoStruct>"
                "<ParameterInfoStruct><Name>Device.B</Name><Writable>1</Writable></ParameterInfoStruct>"
                "</ParameterList></u:GetParameterNamesResponse>", 0, &m);
    const struct ParameterInfoList *pi = m->body.get_parameter_names_response->ParameterList;
    assert_int_equal(pi->__size, 2);
    assert_string_equal(pi->__ptrParameterInfoStruct[1]->Name, "Device.B");
    assert_int_equal(m->lenient, CWMP_LENIENT_ARRAY_COUNT_LARGER);

    must_decode("1-2", ID_HDR,
                "<u:GetParameterAttributesResponse><ParameterList "
                "enc:arrayType=\"u:ParameterAttributeStruct[1]\">"
                "<ParameterAttributeStruct><Name>Device.A</Name><Notification>0</Notification>"
                "<AccessList enc:arrayType=\"xs:string[4]\"><string>Subscriber</string></AccessList>"
                "</ParameterAttributeStruct><ParameterAttributeStruct><Name>Device.B</Name>"
                "<Notification>2</Notification><AccessList enc:arrayType=\"xs:string[0]\">"
                "<string>Subscriber</string><string>X_Vendor</string></AccessList>"
                "</ParameterAttributeStruct></ParameterList></u:GetParameterAttributesResponse>",
                0, &m);
    const struct ParameterAttributeList *pa = m->body.get_parameter_attributes_response->ParameterList;
    assert_int_equal(pa->__size, 2);
    assert_int_equal(pa->__ptrParameterAttributeStruct[0]->AccessList->__size, 1);
    assert_int_equal(pa->__ptrParameterAttributeStruct[1]->AccessList->__size, 2);
    assert_string_equal(pa->__ptrParameterAttributeStruct[1]->AccessList->__ptrstring[1], "X_Vendor");
    assert_int_equal(m->lenient, CWMP_LENIENT_ARRAY_COUNT_LARGER | CWMP_LENIENT_ARRAY_COUNT_SMALLER);

    must_decode("1-2", ID_HDR,
                "<u:SetParameterValues><ParameterList enc:arrayType=\"u:ParameterValueStruct[1]\">"
                "<ParameterValueStruct><Name>Device.A</Name><Value>1</Value></ParameterValueStruct>"
                "<ParameterValueStruct><Name>Device.B</Name><Value>2</Value></ParameterValueStruct>"
                "<ParameterValueStruct><Name>Device.C</Name><Value>3</Value></ParameterValueStruct>"
                "</ParameterList><ParameterKey>k</ParameterKey></u:SetParameterValues>", 0, &m);
    const struct ParameterValueList *sp = m->body.set_parameter_values->ParameterList;
    assert_int_equal(sp->__size, 3);
    assert_string_equal(sp->__ptrParameterValueStruct[2]->Name, "Device.C");
    assert_int_equal(m->lenient, CWMP_LENIENT_ARRAY_COUNT_SMALLER);

    must_decode("1-2", ID_HDR,
                "<u:GetRPCMethodsResponse><MethodList enc:arrayType=\"xs:string[30]\">"
                "<string>Inform</string><string>TransferComplete</string></MethodList>"
                "</u:GetRPCMethodsResponse>", 0, &m);
    assert_int_equal(m->body.get_rpc_methods_response->MethodList->__size, 2);
    assert_int_equal(m->lenient, CWMP_LENIENT_ARRAY_COUNT_LARGER);

    /* a duplicate in SetParameterValues is still refused however the count reads */
    struct cwmp_error e;
    assert_int_not_equal(decode("1-2", ID_HDR,
                                "<u:SetParameterValues><ParameterList enc:arrayType=\"u:ParameterValueStruct[1]\">"
                                "<ParameterValueStruct><Name>Device.A</Name><Value>1</Value></ParameterValueStruct>"
                                "<ParameterValueStruct><Name>Device.A</Name><Value>2</Value></ParameterValueStruct>"
                                "</ParameterList><ParameterKey>k</ParameterKey></u:SetParameterValues>",
                                0, &m, &e), 0);
    assert_int_equal(e.reason, CWMP_R_DUPLICATE);
}

/* No arrayType, "type[]", another item type: the schema says what the items are. */
static void missing_and_other_types(void **state)
{
    (void)state;
    const struct cwmp_msg *m;
    must_decode("1-2", ID_HDR,
                "<u:GetParameterValues><ParameterNames><string>A.</string><string>B.</string>"
                "</ParameterNames></u:GetParameterValues>", 0, &m);
    assert_int_equal(m->body.get_parameter_values->ParameterNames->__size, 2);
    assert_int_equal(m->lenient, CWMP_LENIENT_ARRAY_TYPE_MISSING);
    must_decode("1-2", ID_HDR,
                "<u:GetParameterValues><ParameterNames enc:arrayType=\"xs:int[2]\"><string>A.</string>"
                "<string>B.</string></ParameterNames></u:GetParameterValues>", 0, &m);
    assert_string_equal(m->body.get_parameter_values->ParameterNames->__ptrstring[1], "B.");
    assert_int_equal(m->lenient, CWMP_LENIENT_ARRAY_ITEM_TYPE);
    /* a prefix the peer never declared */
    must_decode("1-2", ID_HDR,
                "<u:GetParameterValuesResponse><ParameterList enc:arrayType=\"cwmp:ParameterValueStruct[1]\">"
                "<ParameterValueStruct><Name>Device.A</Name><Value>1</Value></ParameterValueStruct>"
                "</ParameterList></u:GetParameterValuesResponse>", 0, &m);
    assert_int_equal(m->body.get_parameter_values_response->ParameterList->__size, 1);
    assert_int_equal(m->lenient, CWMP_LENIENT_ARRAY_ITEM_TYPE);
}

/* What stays refused: more items than CWMP_MAX_ARRAY whatever the count says, malformed and
 * partial arrays. A huge declared count allocates nothing (the items are read one by one:
 * ASan and the 1 MiB envelope cap would catch a 16384 x 16384 allocation). */
static void refusals_that_stay(void **state)
{
    (void)state;
    const struct cwmp_msg *m;
    struct cwmp_error e;
    static const char *const small_counts[] = {"[16384]", "[1]", ""};
    for (size_t k = 0; k < sizeof small_counts / sizeof small_counts[0]; k++) {
        struct buf b;
        buf_init(&b, CWMP_MAX_ENVELOPE);
        if (*small_counts[k])
            assert_int_equal(buf_printf(&b, "<u:GetParameterValues><ParameterNames "
                                            "enc:arrayType=\"xs:string%s\">", small_counts[k]), 0);
        else
            assert_int_equal(buf_append_str(&b, "<u:GetParameterValues><ParameterNames>"), 0);
        for (int i = 0; i < CWMP_MAX_ARRAY + 1; i++)
            assert_int_equal(buf_append_str(&b, "<s>A</s>"), 0);
        assert_int_equal(buf_append_str(&b, "</ParameterNames></u:GetParameterValues>"), 0);
        int rc = decode("1-2", ID_HDR, b.data, 0, &m, &e);
        buf_cleanup(&b);
        assert_true(rc < 0);
        assert_int_equal(e.reason, CWMP_R_TOO_BIG);
    }
    /* exactly CWMP_MAX_ARRAY items under a far smaller count: all of them */
    struct buf b;
    buf_init(&b, CWMP_MAX_ENVELOPE);
    assert_int_equal(buf_append_str(&b, "<u:GetParameterValues><ParameterNames "
                                        "enc:arrayType=\"xs:string[2]\">"), 0);
    for (int i = 0; i < CWMP_MAX_ARRAY; i++)
        assert_int_equal(buf_append_str(&b, "<s>A</s>"), 0);
    assert_int_equal(buf_append_str(&b, "</ParameterNames></u:GetParameterValues>"), 0);
    must_decode("1-2", ID_HDR, b.data, 0, &m);
    buf_cleanup(&b);
    assert_int_equal(m->body.get_parameter_values->ParameterNames->__size, CWMP_MAX_ARRAY);
    assert_int_equal(m->lenient, CWMP_LENIENT_ARRAY_COUNT_SMALLER);
    /* many arrays each declaring the most: nothing is allocated for the declared counts */
    buf_init(&b, CWMP_MAX_ENVELOPE);
    assert_int_equal(buf_append_str(&b, "<u:GetParameterAttributesResponse><ParameterList "
                                        "enc:arrayType=\"u:ParameterAttributeStruct[3000]\">"), 0);
    for (int i = 0; i < 3000; i++)
        assert_int_equal(buf_printf(&b, "<ParameterAttributeStruct><Name>Device.P%d</Name>"
                                        "<Notification>0</Notification><AccessList enc:arrayType="
                                        "\"xs:string[16384]\"/></ParameterAttributeStruct>", i), 0);
    assert_int_equal(buf_append_str(&b, "</ParameterList></u:GetParameterAttributesResponse>"), 0);
    must_decode("1-2", ID_HDR, b.data, 0, &m);
    buf_cleanup(&b);
    assert_int_equal(m->body.get_parameter_attributes_response->ParameterList->__size, 3000);
    assert_int_equal(m->lenient, CWMP_LENIENT_ARRAY_COUNT_LARGER);
    /* a partial array: which items are missing is not ours to guess */
    assert_int_not_equal(decode("1-2", ID_HDR,
                                "<u:GetParameterValues><ParameterNames enc:arrayType=\"xs:string[3]\" "
                                "enc:offset=\"[1]\"><string>A.</string><string>B.</string>"
                                "</ParameterNames></u:GetParameterValues>", 0, &m, &e), 0);
    assert_int_equal(e.reason, CWMP_R_ARRAY_TYPE);
    assert_int_not_equal(decode("1-2", ID_HDR,
                                "<u:GetParameterValues><ParameterNames enc:arrayType=\"xs:string[-1]\">"
                                "<string>A.</string></ParameterNames></u:GetParameterValues>", 0, &m, &e),
                         0);
    assert_int_equal(e.reason, CWMP_R_ARRAY_TYPE);
    /* an Inform without its ParameterList is still incomplete */
    assert_int_not_equal(decode("1-2", ID_HDR,
                                "<u:GetParameterValuesResponse/>", 0, &m, &e), 0);
    assert_int_equal(e.reason, CWMP_R_MISSING);
}

/* Every header of every CWMP version, each with mustUnderstand="1". */
static void all_headers(void **state)
{
    (void)state;
    const struct cwmp_msg *m;
    must_decode("1-0",
                ID_HDR "<u:NoMoreRequests e:mustUnderstand=\"1\">1</u:NoMoreRequests>"
                       "<u:HoldRequests e:mustUnderstand=\"1\">0</u:HoldRequests>",
                "<u:GetRPCMethods/>", 0, &m);
    assert_true(m->header.no_more_requests);
    assert_false(m->header.hold_requests);
    assert_int_equal(m->version, CWMP_V1_0);
    assert_int_equal(m->lenient, 0);
    must_decode("1-0", ID_HDR "<u:NoMoreRequests>false</u:NoMoreRequests>", "<u:GetRPCMethods/>",
                0, &m);
    assert_false(m->header.no_more_requests);
    must_decode("1-0", ID_HDR "<u:NoMoreRequests e:mustUnderstand=\"0\"> true </u:NoMoreRequests>",
                "<u:GetRPCMethods/>", 0, &m);
    assert_true(m->header.no_more_requests);
    /* deprecated after 1.0: understood, reported */
    must_decode("1-2", ID_HDR "<u:NoMoreRequests e:mustUnderstand=\"1\">1</u:NoMoreRequests>",
                "<u:GetRPCMethods/>", 0, &m);
    assert_true(m->header.no_more_requests);
    assert_int_equal(m->lenient, CWMP_LENIENT_NO_MORE_REQUESTS_DEPRECATED);
    must_decode("1-4",
                ID_HDR "<u:SessionTimeout e:mustUnderstand=\"1\">30</u:SessionTimeout>"
                       "<u:SupportedCWMPVersions e:mustUnderstand=\"1\">1.0,1.4</u:SupportedCWMPVersions>"
                       "<u:UseCWMPVersion e:mustUnderstand=\"1\">1.4</u:UseCWMPVersion>"
                       "<u:HoldRequests e:mustUnderstand=\"1\">1</u:HoldRequests>",
                "<u:GetRPCMethods/>", 0, &m);
    assert_int_equal(m->header.session_timeout, 30);
    assert_string_equal(m->header.supported_versions, "1.0,1.4");
    assert_string_equal(m->header.use_version, "1.4");
    assert_true(m->header.hold_requests);
    assert_int_equal(m->lenient, 0);
    /* not a boolean, an unknown mustUnderstand header: refused */
    struct cwmp_error e;
    assert_int_not_equal(decode("1-0", ID_HDR "<u:NoMoreRequests>yes</u:NoMoreRequests>",
                                "<u:GetRPCMethods/>", 0, &m, &e), 0);
    assert_int_equal(e.reason, CWMP_R_BAD_VALUE);
    assert_int_not_equal(decode("1-2", ID_HDR "<x:Foo xmlns:x=\"urn:x\" e:mustUnderstand=\"1\"/>",
                                "<u:GetRPCMethods/>", 0, &m, &e), 0);
    assert_int_equal(e.reason, CWMP_R_NOT_UNDERSTOOD);
    /* an unknown header without mustUnderstand is ignored */
    must_decode("1-2", ID_HDR "<x:Foo xmlns:x=\"urn:x\">1</x:Foo>", "<u:GetRPCMethods/>", 0, &m);
}

/* A missing Header or cwmp:ID, an ID without mustUnderstand: reported under
 * CWMP_DECODE_ALLOW_NO_ID, refused without it. */
static void header_leniency(void **state)
{
    (void)state;
    const struct cwmp_msg *m;
    struct cwmp_error e;
    must_decode("1-2", "", "<u:GetRPCMethods/>", CWMP_DECODE_ALLOW_NO_ID, &m);
    assert_int_equal(m->lenient, CWMP_LENIENT_NO_ID);
    must_decode("1-2", "<u:ID>5</u:ID>", "<u:GetRPCMethods/>", CWMP_DECODE_ALLOW_NO_ID, &m);
    assert_int_equal(m->lenient, CWMP_LENIENT_ID_MUST_UNDERSTAND);
    assert_int_not_equal(decode("1-2", "<u:ID>5</u:ID>", "<u:GetRPCMethods/>", 0, &m, &e), 0);
    assert_int_equal(e.reason, CWMP_R_MUST_UNDERSTAND);
    /* an empty POST is no message: nothing to be lenient about */
    assert_int_equal(cwmp_decode(codec, "", 0, CWMP_DECODE_ALLOW_NO_ID, &m, &e), 0);
    assert_int_equal(m->lenient, 0);
}

static void names(void **state)
{
    (void)state;
    char out[256];
    assert_string_equal(cwmp_lenient_names(0, out, sizeof out), "");
    assert_string_equal(cwmp_lenient_names(CWMP_LENIENT_ARRAY_COUNT_LARGER | CWMP_LENIENT_NO_ID,
                                           out, sizeof out),
                        "array_count_larger,no_id");
    assert_string_equal(cwmp_lenient_names(CWMP_LENIENT_ARRAY_COUNT_LARGER |
                                               CWMP_LENIENT_ARRAY_COUNT_SMALLER, out, 25),
                        "array_count_larger"); /* what does not fit is left out whole */
    int n = 0;
    for (unsigned int bit = 1; bit; bit <<= 1)
        if (cwmp_lenient_str(bit)) {
            n++;
            assert_non_null(strstr(cwmp_lenient_names(bit, out, sizeof out), cwmp_lenient_str(bit)));
        }
    assert_int_equal(n, CWMP_LENIENT_KINDS);
    assert_null(cwmp_lenient_str(0));
    assert_null(cwmp_lenient_str(CWMP_LENIENT_NO_ID | CWMP_LENIENT_ARRAY_ITEM_TYPE));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(inform_counts),
        cmocka_unit_test(gpv_response_counts),
        cmocka_unit_test(other_arrays),
        cmocka_unit_test(missing_and_other_types),
        cmocka_unit_test(refusals_that_stay),
        cmocka_unit_test(all_headers),
        cmocka_unit_test(header_leniency),
        cmocka_unit_test(names),
    };
    int rc = cmocka_run_group_tests_name("cwmp/lenient", tests, group_setup, group_teardown);
    buf_cleanup(&doc);
    return rc;
}

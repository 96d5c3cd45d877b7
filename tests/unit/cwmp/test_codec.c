/* tests/unit/cwmp/test_codec.c — common/cwmp decode: every shared valid sample decodes to
 * the RPC in its file name (fault-NNNN: that fault code), every invalid sample is refused
 * with a reason; lenient header mode; robustness against truncation and odd inputs. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <strings.h>

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

/* "getrpcmethodsresponse-acs-1-0.xml" -> CWMP_MSG_GET_RPC_METHODS_RESPONSE */
static enum cwmp_msg_type type_from_name(const char *file)
{
    char word[64];
    size_t n = strcspn(file, "-.");
    if (n >= sizeof word)
        return CWMP_MSG_NONE;
    memcpy(word, file, n);
    word[n] = '\0';
    for (int t = 1; t < CWMP_MSG_COUNT; t++)
        if (strcasecmp(cwmp_msg_name((enum cwmp_msg_type)t), word) == 0)
            return (enum cwmp_msg_type)t;
    return CWMP_MSG_NONE;
}

/* "...-1-0.xml" -> CWMP_V1_0 */
static enum cwmp_version version_from_name(const char *file)
{
    size_t l = strlen(file);
    return l > 7 ? (enum cwmp_version)(file[l - 5] - '0') : CWMP_V1_2;
}

static void decode_valid(void **state)
{
    const char *file = *state;
    char path[512];
    snprintf(path, sizeof path, "%s/valid/%s", samples_dir(), file);
    size_t len;
    char *data = read_whole(path, &len);
    assert_non_null(data);
    const struct cwmp_msg *m = NULL;
    struct cwmp_error e;
    int rc = cwmp_decode(codec, data, len, 0, &m, &e);
    if (rc != 0)
        print_error("%s: %s: %s\n", file, cwmp_reason_str(e.reason), e.msg);
    assert_int_equal(rc, 0);
    enum cwmp_msg_type want = type_from_name(file);
    assert_int_not_equal(want, CWMP_MSG_NONE);
    assert_int_equal(m->type, want);
    assert_int_equal(m->version, version_from_name(file));
    assert_non_null(m->header.id);
    assert_true(m->header.id_must_understand);
    assert_non_null(m->body.any);
    int code;
    if (want == CWMP_MSG_FAULT && sscanf(file, "fault-%d-", &code) == 1)
        assert_int_equal(strtol(m->body.fault->FaultCode, NULL, 10), code);
    else if (want == CWMP_MSG_FAULT) /* fault-spv-list */
        assert_true(m->body.fault->__sizeSetParameterValuesFault > 0);
    free(data);
}

/* Invalid samples accepted on purpose (common/cwmp/README.md, "Leniency"): what decode must
 * report for them, and the items it must keep. */
static const struct {
    const char *file;
    unsigned int lenient;
    int items;
} lenient_samples[] = {
    {"bad-arraytype-count.xml", CWMP_LENIENT_ARRAY_COUNT_LARGER, 2},
    {"missing-arraytype.xml", CWMP_LENIENT_ARRAY_TYPE_MISSING, 1},
};

/* What each invalid sample must be refused for. */
static const struct {
    const char *file;
    enum cwmp_reason reason;
} invalid_reasons[] = {
    {"bad-event-code.xml", CWMP_R_EVENT_CODE},
    {"billion-laughs.xml", CWMP_R_DTD},
    {"duplicate-parameter-spv.xml", CWMP_R_DUPLICATE},
    {"fault-code-out-of-range.xml", CWMP_R_FAULT_CODE},
    {"id-without-mustunderstand.xml", CWMP_R_MUST_UNDERSTAND},
    {"missing-body.xml", CWMP_R_NO_BODY},
    {"missing-id-header.xml", CWMP_R_NO_ID},
    {"non-utf8.xml", CWMP_R_ENCODING},
    {"oversized-commandkey.xml", CWMP_R_TOO_LONG},
    {"oversized-parameter-name.xml", CWMP_R_TOO_LONG},
    {"soap12-envelope.xml", CWMP_R_SOAP_VERSION},
    {"truncated.xml", CWMP_R_TRUNCATED},
    {"two-rpcs-in-body.xml", CWMP_R_TWO_BODIES},
    {"unknown-rpc.xml", CWMP_R_UNKNOWN_METHOD},
    {"wrong-element-type.xml", CWMP_R_BAD_VALUE},
    {"wrong-namespace.xml", CWMP_R_NAMESPACE},
    {"wrong-value-type.xml", CWMP_R_VALUE_TYPE},
};

/* Invalid samples the decoder accepts on purpose (README: leniency table), each with a
 * check of what it made of them. */
static void lowercase_oui_uppercased(const struct cwmp_msg *m)
{
    assert_int_equal(m->type, CWMP_MSG_INFORM);
    assert_string_equal(m->body.inform->DeviceId->OUI, "00D09E");
    assert_string_equal(m->body.inform->DeviceId->ProductClass, "ATA-2FXS"); /* case kept */
    assert_int_equal(m->lenient, CWMP_LENIENT_OUI_LOWERCASE);
}

static const struct {
    const char *file;
    void (*check)(const struct cwmp_msg *m);
} lenient[] = {
    {"lowercase-oui.xml", lowercase_oui_uppercased},
};

static void decode_invalid(void **state)
{
    const char *file = *state;
    char path[512];
    snprintf(path, sizeof path, "%s/invalid/%s", samples_dir(), file);
    size_t len;
    char *data = read_whole(path, &len);
    assert_non_null(data);
    const struct cwmp_msg *m = NULL;
    struct cwmp_error e;
    int rc = cwmp_decode(codec, data, len, 0, &m, &e);
    for (size_t i = 0; i < sizeof lenient / sizeof lenient[0]; i++)
        if (strcmp(lenient[i].file, file) == 0) {
            if (rc < 0)
                fail_msg("%s: refused for %s (%s), but it is accepted leniently", file, cwmp_reason_str(e.reason),
                         e.msg);
            lenient[i].check(m);
            free(data);
            return;
        }
    for (size_t i = 0; i < sizeof lenient_samples / sizeof lenient_samples[0]; i++) {
        if (strcmp(lenient_samples[i].file, file) != 0)
            continue;
        if (rc != 0)
            fail_msg("%s: refused (%s: %s), should be accepted leniently", file,
                     cwmp_reason_str(e.reason), e.msg);
        assert_int_equal(m->lenient, lenient_samples[i].lenient);
        const struct ParameterNames *l = m->body.get_parameter_values->ParameterNames;
        assert_int_equal(l->__size, lenient_samples[i].items);
        for (int k = 0; k < l->__size; k++)
            assert_non_null(l->__ptrstring[k]);
        free(data);
        return;
    }
    assert_true(rc < 0);
    assert_null(m);
    assert_int_not_equal(e.reason, CWMP_R_OK);
    assert_true(e.msg[0] != '\0');
    int fault = cwmp_reason_fault(e.reason, CWMP_SIDE_ACS);
    assert_true(fault >= 8000 && fault <= 8006);
    for (size_t i = 0; i < sizeof invalid_reasons / sizeof invalid_reasons[0]; i++)
        if (strcmp(invalid_reasons[i].file, file) == 0 && e.reason != invalid_reasons[i].reason)
            fail_msg("%s: refused for %s (%s), expected %s", file, cwmp_reason_str(e.reason),
                     e.msg, cwmp_reason_str(invalid_reasons[i].reason));
    /* the codec is reusable after a refusal */
    const char ok[] = "<SOAP-ENV:Envelope xmlns:SOAP-ENV=\"http://schemas.xmlsoap.org/soap/envelope/\" "
                      "xmlns:cwmp=\"urn:dslforum-org:cwmp-1-2\"><SOAP-ENV:Header><cwmp:ID "
                      "SOAP-ENV:mustUnderstand=\"1\">x</cwmp:ID></SOAP-ENV:Header><SOAP-ENV:Body>"
                      "<cwmp:GetRPCMethods/></SOAP-ENV:Body></SOAP-ENV:Envelope>";
    assert_int_equal(cwmp_decode(codec, ok, sizeof ok - 1, 0, &m, &e), 0);
    assert_int_equal(m->type, CWMP_MSG_GET_RPC_METHODS);
    free(data);
}

static void decode_file(const char *sub, const char *file, unsigned int flags,
                        const struct cwmp_msg **m, struct cwmp_error *e, int *rc)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s/%s", samples_dir(), sub, file);
    size_t len;
    char *data = read_whole(path, &len);
    assert_non_null(data);
    *rc = cwmp_decode(codec, data, len, flags, m, e);
    free(data);
}

/* TR-069 lets a CPE omit the Header; CWMP_DECODE_ALLOW_NO_ID accepts that. */
static void lenient_header(void **state)
{
    (void)state;
    const struct cwmp_msg *m;
    struct cwmp_error e;
    int rc;
    decode_file("invalid", "missing-id-header.xml", CWMP_DECODE_ALLOW_NO_ID, &m, &e, &rc);
    assert_int_equal(rc, 0);
    assert_null(m->header.id);
    decode_file("invalid", "id-without-mustunderstand.xml", CWMP_DECODE_ALLOW_NO_ID, &m, &e, &rc);
    assert_int_equal(rc, 0);
    assert_string_equal(m->header.id, "77");
    assert_false(m->header.id_must_understand);
    decode_file("invalid", "bad-event-code.xml", CWMP_DECODE_ALLOW_NO_ID, &m, &e, &rc);
    assert_int_equal(e.reason, CWMP_R_EVENT_CODE); /* only the header is lenient */
}

/* A lowercase OUI is uppercased (only a full 6 hex digits); other parts keep their case;
 * what is not hex is still refused. The encoder stays strict. */
static void oui_case(void **state)
{
    (void)state;
    char path[512];
    snprintf(path, sizeof path, "%s/valid/inform-periodic-1-2.xml", samples_dir());
    size_t len;
    char *data = read_whole(path, &len);
    assert_non_null(data);
    data[len] = '\0';
    char *at = strstr(data, "<OUI>00D09E</OUI>");
    assert_non_null(at);
    static const struct {
        const char *oui, *want; /* want NULL: refused for reason */
        enum cwmp_reason reason;
    } cases[] = {{"00d09e", "00D09E", 0},         {"00D09e", "00D09E", 0},         {"abcdef", "ABCDEF", 0},
                 {"00D09E", "00D09E", 0},         {"00d0g9", NULL, CWMP_R_BAD_VALUE}, {"00d09", NULL, CWMP_R_BAD_VALUE},
                 {"00d09ef", NULL, CWMP_R_TOO_LONG}, {"00d0 9", NULL, CWMP_R_BAD_VALUE}};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *msg = malloc(len + 32);
        assert_non_null(msg);
        snprintf(msg, len + 32, "%.*s<OUI>%s</OUI>%s", (int)(at - data), data, cases[i].oui,
                 at + strlen("<OUI>00D09E</OUI>"));
        const struct cwmp_msg *m = NULL;
        struct cwmp_error e;
        int rc = cwmp_decode(codec, msg, strlen(msg), 0, &m, &e);
        if (cases[i].want) {
            assert_int_equal(rc, 0);
            assert_string_equal(m->body.inform->DeviceId->OUI, cases[i].want);
            /* counted as a leniency only when a digit was lowercase */
            assert_int_equal(m->lenient & CWMP_LENIENT_OUI_LOWERCASE,
                             strcmp(cases[i].oui, cases[i].want) ? CWMP_LENIENT_OUI_LOWERCASE : 0);
            assert_string_equal(m->body.inform->DeviceId->SerialNumber, "EX0123456789");
        } else {
            assert_true(rc < 0);
            assert_int_equal(e.reason, cases[i].reason);
        }
        free(msg);
    }
    free(data);
}

static void header_fields(void **state)
{
    (void)state;
    const struct cwmp_msg *m;
    struct cwmp_error e;
    int rc;
    decode_file("valid", "informresponse-holdrequests-1-0.xml", 0, &m, &e, &rc);
    assert_int_equal(rc, 0);
    assert_true(m->has_header);
    assert_false(m->header.hold_requests); /* the sample says 0 */
    assert_int_equal(m->version, CWMP_V1_0);
    assert_int_equal(m->body.inform_response->MaxEnvelopes, 1);
    decode_file("valid", "inform-periodic-1-2.xml", 0, &m, &e, &rc);
    assert_int_equal(rc, 0);
    assert_false(m->header.hold_requests);
    const struct _cwmp__Inform *in = m->body.inform;
    assert_string_equal(in->DeviceId->OUI, "00D09E");
    assert_int_equal(in->Event->__size, 1);
    assert_string_equal(in->Event->__ptrEventStruct[0]->EventCode, "2 PERIODIC");
    assert_string_equal(in->CurrentTime, "2024-05-01T12:00:00Z");
    assert_int_equal(in->ParameterList->__size, 6);
    assert_string_equal(in->ParameterList->__ptrParameterValueStruct[0]->Value.xsi__type,
                        "xsd:string");
}

#define ENV_HEAD                                                                          \
    "<?xml version=\"1.0\"?><e:Envelope xmlns:e=\"http://schemas.xmlsoap.org/soap/envelope/\" " \
    "xmlns:enc=\"http://schemas.xmlsoap.org/soap/encoding/\" "                              \
    "xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" "                              \
    "xmlns:xs=\"http://www.w3.org/2001/XMLSchema\" xmlns:u=\"urn:dslforum-org:cwmp-%s\">"    \
    "<e:Header><u:ID e:mustUnderstand=\"1\">7</u:ID>%s</e:Header><e:Body>"
#define ENV_TAIL "</e:Body></e:Envelope>"

static int decode_fmt(const char *ns, const char *hdr, const char *body, const struct cwmp_msg **m,
                      struct cwmp_error *e)
{
    char doc[4096];
    int n = snprintf(doc, sizeof doc, ENV_HEAD "%s" ENV_TAIL, ns, hdr, body);
    assert_true(n > 0 && (size_t)n < sizeof doc);
    return cwmp_decode(codec, doc, (size_t)n, 0, m, e);
}

/* Other prefixes, CWMP 1.3/1.4 namespaces, session header fields. */
static void prefixes_and_versions(void **state)
{
    (void)state;
    const struct cwmp_msg *m;
    struct cwmp_error e;
    assert_int_equal(decode_fmt("1-4", "<u:SessionTimeout>60</u:SessionTimeout>"
                                       "<u:SupportedCWMPVersions>1.0,1.4</u:SupportedCWMPVersions>",
                                "<u:Reboot><CommandKey>k</CommandKey></u:Reboot>", &m, &e), 0);
    assert_int_equal(m->type, CWMP_MSG_REBOOT);
    assert_int_equal(m->version, CWMP_V1_4);
    assert_int_equal(m->header.session_timeout, 60);
    assert_string_equal(m->header.supported_versions, "1.0,1.4");
    assert_string_equal(m->body.reboot->CommandKey, "k");
    assert_int_equal(decode_fmt("1-1", "<u:HoldRequests e:mustUnderstand=\"1\">true</u:HoldRequests>",
                                "<u:InformResponse><MaxEnvelopes>1</MaxEnvelopes></u:InformResponse>",
                                &m, &e), 0);
    assert_int_equal(m->version, CWMP_V1_1);
    assert_true(m->header.hold_requests);
    assert_int_equal(decode_fmt("1-3", "", "<u:FactoryReset/>", &m, &e), 0);
    assert_int_equal(m->version, CWMP_V1_3);
    assert_int_not_equal(decode_fmt("1-5", "", "<u:FactoryReset/>", &m, &e), 0);
    assert_int_equal(e.reason, CWMP_R_NAMESPACE);
    /* xsi:type on the body element, an unknown body element, an empty Body */
    assert_int_not_equal(decode_fmt("1-2", "", "<u:Reboot xsi:type=\"xs:string\">x</u:Reboot>", &m, &e), 0);
    assert_int_equal(e.reason, CWMP_R_BODY_XSI_TYPE);
    assert_int_not_equal(decode_fmt("1-2", "", "<u:ID e:mustUnderstand=\"1\">x</u:ID>", &m, &e), 0);
    assert_int_equal(e.reason, CWMP_R_UNKNOWN_METHOD);
    assert_int_not_equal(decode_fmt("1-2", "", "", &m, &e), 0);
    assert_int_equal(e.reason, CWMP_R_NO_BODY);
    /* an unknown mustUnderstand header element */
    assert_int_not_equal(decode_fmt("1-2", "<x:Foo xmlns:x=\"urn:x\" e:mustUnderstand=\"1\"/>",
                                    "<u:FactoryReset/>", &m, &e), 0);
    assert_int_equal(e.reason, CWMP_R_NOT_UNDERSTOOD);
}

/* arrayType counts (tests/unit/cwmp/test_lenient.c has the rest): multi-dimensional and
 * non-numeric sizes stay refused, empty arrays written both ways. */
static void array_counts(void **state)
{
    (void)state;
    const struct cwmp_msg *m;
    struct cwmp_error e;
    assert_int_not_equal(
        decode_fmt("1-2", "", "<u:GetParameterValues><ParameterNames enc:arrayType=\"xs:string[1,1]\">"
                              "<string>A.</string></ParameterNames></u:GetParameterValues>", &m, &e), 0);
    assert_int_equal(e.reason, CWMP_R_ARRAY_TYPE);
    assert_int_not_equal(
        decode_fmt("1-2", "", "<u:GetParameterValues><ParameterNames enc:arrayType=\"xs:string[x]\">"
                              "<string>A.</string></ParameterNames></u:GetParameterValues>", &m, &e), 0);
    assert_int_equal(e.reason, CWMP_R_ARRAY_TYPE);
    assert_int_equal(
        decode_fmt("1-2", "", "<u:GetParameterValues><ParameterNames enc:arrayType=\"xs:string[0]\"/>"
                              "</u:GetParameterValues>", &m, &e), 0);
    assert_int_equal(m->body.get_parameter_values->ParameterNames->__size, 0);
    assert_int_equal(m->lenient, 0);
    assert_int_equal(
        decode_fmt("1-2", "", "<u:GetParameterValues><ParameterNames enc:arrayType=\"xs:string[0]\">"
                              "</ParameterNames></u:GetParameterValues>", &m, &e), 0);
    assert_int_equal(m->lenient, 0);
}

/* A list whose every item holds an array (one AccessList per parameter). */
static void many_arrays(void **state)
{
    (void)state;
    enum { N = 600 };
    struct buf d;
    buf_init(&d, CWMP_MAX_ENVELOPE);
    assert_int_equal(buf_printf(&d, ENV_HEAD "<u:GetParameterAttributesResponse><ParameterList "
                                "enc:arrayType=\"u:ParameterAttributeStruct[%d]\">", "1-2", "", N), 0);
    for (int i = 0; i < N; i++)
        assert_int_equal(buf_printf(&d, "<ParameterAttributeStruct><Name>Device.P%d</Name>"
                                    "<Notification>0</Notification><AccessList "
                                    "enc:arrayType=\"xs:string[1]\"><string>Subscriber</string>"
                                    "</AccessList></ParameterAttributeStruct>", i), 0);
    assert_int_equal(buf_append_str(&d, "</ParameterList></u:GetParameterAttributesResponse>" ENV_TAIL), 0);
    const struct cwmp_msg *m;
    struct cwmp_error e;
    int rc = cwmp_decode(codec, d.data, d.len, 0, &m, &e);
    if (rc != 0)
        fail_msg("%s: %s", cwmp_reason_str(e.reason), e.msg);
    const struct ParameterAttributeList *l = m->body.get_parameter_attributes_response->ParameterList;
    assert_int_equal(l->__size, N);
    assert_string_equal(l->__ptrParameterAttributeStruct[N - 1]->AccessList->__ptrstring[0],
                        "Subscriber");
    buf_cleanup(&d);
}

/* Every prefix of a valid message is refused without a crash; so are odd inputs. */
static void truncations_and_odd_inputs(void **state)
{
    (void)state;
    char path[512];
    snprintf(path, sizeof path, "%s/valid/inform-bootstrap-boot-1-2.xml", samples_dir());
    size_t len;
    char *data = read_whole(path, &len);
    assert_non_null(data);
    const struct cwmp_msg *m;
    struct cwmp_error e;
    for (size_t n = 1; n < len - 20; n += 7) {
        char *copy = malloc(n);
        memcpy(copy, data, n);
        assert_int_not_equal(cwmp_decode(codec, copy, n, 0, &m, &e), 0);
        free(copy);
    }
    free(data);
    assert_int_equal(cwmp_decode(codec, "", 0, 0, &m, &e), 0);
    assert_int_equal(m->type, CWMP_MSG_NONE);
    assert_int_not_equal(cwmp_decode(codec, "   ", 3, 0, &m, &e), 0);
    assert_int_not_equal(cwmp_decode(codec, "<a>\0</a>", 8, 0, &m, &e), 0);
    assert_int_equal(e.reason, CWMP_R_ENCODING);
    assert_int_not_equal(cwmp_decode(codec, "<x/>", 4, 0, &m, &e), 0);
    assert_int_equal(cwmp_decode(codec, "x", CWMP_MAX_ENVELOPE + 1, 0, &m, &e), -ERR_TOO_BIG);
}

/* Deep nesting in unknown elements: gSOAP skips them without recursion (the skipped
 * content is not data, so accepting it is fine). */
static void deep_nesting(void **state)
{
    (void)state;
    struct buf d;
    buf_init(&d, 1 << 20);
    assert_int_equal(buf_printf(&d, ENV_HEAD "<u:Reboot><CommandKey>k</CommandKey>", "1-2", ""), 0);
    for (int i = 0; i < 100000; i++)
        assert_int_equal(buf_append_str(&d, "<a>"), 0);
    for (int i = 0; i < 100000; i++)
        assert_int_equal(buf_append_str(&d, "</a>"), 0);
    assert_int_equal(buf_append_str(&d, "</u:Reboot>" ENV_TAIL), 0);
    const struct cwmp_msg *m;
    struct cwmp_error e;
    assert_int_equal(cwmp_decode(codec, d.data, d.len, 0, &m, &e), 0);
    assert_string_equal(m->body.reboot->CommandKey, "k");
    /* elements inside a string: refused */
    buf_cleanup(&d);
    assert_int_equal(buf_printf(&d, ENV_HEAD "<u:Reboot><CommandKey>", "1-2", ""), 0);
    for (int i = 0; i < 100; i++)
        assert_int_equal(buf_append_str(&d, "<a>"), 0);
    assert_int_equal(buf_append_str(&d, "</CommandKey></u:Reboot>" ENV_TAIL), 0);
    assert_int_not_equal(cwmp_decode(codec, d.data, d.len, 0, &m, &e), 0);
    buf_cleanup(&d);
}

static enum cwmp_reason command_key(const char *text, const char **decoded)
{
    const struct cwmp_msg *m;
    struct cwmp_error e = {.reason = CWMP_R_OK};
    char body[256];
    snprintf(body, sizeof body, "<u:Reboot><CommandKey>%s</CommandKey></u:Reboot>", text);
    if (decode_fmt("1-2", "", body, &m, &e) == 0)
        *decoded = m->body.reboot->CommandKey;
    return e.reason;
}

/* Only references gSOAP decodes faithfully to XML characters; what it would turn into
 * something else (unknown entity -> DEL, surrogates, long references) is refused. */
static void references(void **state)
{
    (void)state;
    static const struct {
        const char *in, *out;
    } good[] = {
        {"&lt;&gt;&amp;&quot;&apos;", "<>&\"'"}, {"&#65;&#x42;&#x0043;", "ABC"},
        {"&#233;", "\xc3\xa9"},                  {"<![CDATA[a & <b>]]>", "a & <b>"},
        {"a<!-- & -->b", "ab"},                   {"\xf0\x9f\x98\x80", "\xf0\x9f\x98\x80"},
    };
    static const char *const bad[] = {
        "&foo;", "&amp", "&#1;", "&#0;", "&#xD800;", "&#xFFFE;", "&#x10FFFF;", "&#X41;",
        "&#x00041;", "&#x7f;", "\x7f", "\x01", "\xc3", "\xed\xa0\x80", "\xef\xbf\xbf",
        "\xc0\xaf", "\xf4\x90\x80\x80",
    };
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
        const char *d = NULL;
        enum cwmp_reason r = command_key(good[i].in, &d);
        if (r != CWMP_R_OK || !d || strcmp(d, good[i].out) != 0)
            fail_msg("\"%s\": %s", good[i].in, cwmp_reason_str(r));
    }
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        const char *d = NULL;
        enum cwmp_reason r = command_key(bad[i], &d);
        if (r != CWMP_R_MALFORMED && r != CWMP_R_ENCODING)
            fail_msg("\"%s\" accepted (%s)", bad[i], cwmp_reason_str(r));
    }
    /* an unterminated comment or CDATA section */
    const char *d;
    assert_int_equal(command_key("<!-- x", &d), CWMP_R_TRUNCATED);
}

static struct CMUnitTest *sample_tests(const char *sub, void (*fn)(void **), char ***names,
                                       size_t *n)
{
    char dir[512];
    snprintf(dir, sizeof dir, "%s/%s", samples_dir(), sub);
    *names = list_xml(dir, n);
    if (!*names || !*n)
        return NULL;
    struct CMUnitTest *t = calloc(*n, sizeof *t);
    for (size_t i = 0; t && i < *n; i++) {
        t[i].name = (*names)[i];
        t[i].test_func = fn;
        t[i].initial_state = (*names)[i];
    }
    return t;
}

/* A refused message still tells its cwmp:ID and namespace version when the codec got that
 * far, so the refusing side can answer with a Fault the peer matches. */
static void refusal_reports_id_and_version(void **state)
{
    (void)state;
    static const char unknown[] =
        "<soap:Envelope xmlns:soap=\"http://schemas.xmlsoap.org/soap/envelope/\" "
        "xmlns:cwmp=\"urn:dslforum-org:cwmp-1-0\"><soap:Header>"
        "<cwmp:ID soap:mustUnderstand=\"1\">req-42</cwmp:ID></soap:Header>"
        "<soap:Body><cwmp:NoSuchMethod/></soap:Body></soap:Envelope>";
    const struct cwmp_msg *m = NULL;
    struct cwmp_error e;
    assert_int_not_equal(cwmp_decode(codec, unknown, sizeof unknown - 1, 0, &m, &e), 0);
    assert_null(m);
    assert_int_equal(e.reason, CWMP_R_UNKNOWN_METHOD);
    assert_non_null(e.id);
    assert_string_equal(e.id, "req-42");
    assert_int_equal(e.version, CWMP_V1_0);
    /* not even an envelope: nothing to report */
    assert_int_not_equal(cwmp_decode(codec, "<x/>", 4, 0, &m, &e), 0);
    assert_null(e.id);
    assert_int_equal(e.version, -1);
    /* a good decode leaves them unset */
    static const char empty[] = "";
    assert_int_equal(cwmp_decode(codec, empty, 0, 0, &m, &e), 0);
    assert_null(e.id);
}

static void free_names(char **names)
{
    for (size_t i = 0; names && names[i]; i++)
        free(names[i]);
    free(names);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(lenient_header),
        cmocka_unit_test(oui_case),
        cmocka_unit_test(header_fields),
        cmocka_unit_test(prefixes_and_versions),
        cmocka_unit_test(array_counts),
        cmocka_unit_test(many_arrays),
        cmocka_unit_test(truncations_and_odd_inputs),
        cmocka_unit_test(deep_nesting),
        cmocka_unit_test(references),
        cmocka_unit_test(refusal_reports_id_and_version),
    };
    int rc = cmocka_run_group_tests_name("cwmp/codec", tests, group_setup, group_teardown);
    char **valid_names, **invalid_names;
    size_t nv, ni;
    struct CMUnitTest *valid = sample_tests("valid", decode_valid, &valid_names, &nv);
    struct CMUnitTest *invalid = sample_tests("invalid", decode_invalid, &invalid_names, &ni);
    if (!valid || !invalid) {
        fprintf(stderr, "no samples under %s (set CWMP_SAMPLES)\n", samples_dir());
        return 1;
    }
    rc |= _cmocka_run_group_tests("cwmp/samples-valid", valid, nv, group_setup, group_teardown);
    rc |= _cmocka_run_group_tests("cwmp/samples-invalid", invalid, ni, group_setup,
                                  group_teardown);
    free(valid);
    free(invalid);
    free_names(valid_names);
    free_names(invalid_names);
    return rc;
}

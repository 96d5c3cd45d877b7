/* common/cwmp/encode.c — encode: one envelope per call into a capped struct buf, always
 * with a SOAP Header carrying cwmp:ID mustUnderstand="1", written with the namespace
 * table of the message's version (SOAP-ENV, SOAP-ENC, xsi, xsd and cwmp prefixes). */
#include <stdio.h>
#include <string.h>

#include "cwmp_int.h"

/* Header structs on the caller's stack for the duration of one encode. */
struct out_header {
    struct SOAP_ENV__Header h;
    struct cwmp__IDHeader id;
    struct _cwmp__HoldRequests hold;
    struct _cwmp__SessionTimeout timeout;
    struct _cwmp__SupportedCWMPVersions supported;
    struct _cwmp__UseCWMPVersion use;
};

static char must_understand_1[] = "1";
static char must_understand_0[] = "0";

static void build_header(const struct cwmp_header *in, struct out_header *o)
{
    memset(o, 0, sizeof *o);
    o->id.__item = (char *)in->id;
    o->id.SOAP_ENV__mustUnderstand = must_understand_1;
    o->h.cwmp__ID = &o->id;
    if (in->hold_requests) {
        o->hold.__item = xsd__boolean__true_;
        o->hold.SOAP_ENV__mustUnderstand = must_understand_1;
        o->h.cwmp__HoldRequests = &o->hold;
    }
    if (in->session_timeout) {
        o->timeout.__item = in->session_timeout;
        o->timeout.SOAP_ENV__mustUnderstand = must_understand_0;
        o->h.cwmp__SessionTimeout = &o->timeout;
    }
    if (in->supported_versions) {
        o->supported.__item = (char *)in->supported_versions;
        o->supported.SOAP_ENV__mustUnderstand = must_understand_0;
        o->h.cwmp__SupportedCWMPVersions = &o->supported;
    }
    if (in->use_version) {
        o->use.__item = (char *)in->use_version;
        o->use.SOAP_ENV__mustUnderstand = must_understand_1;
        o->h.cwmp__UseCWMPVersion = &o->use;
    }
}

/* SOAP-ENV:Fault wrapping a cwmp:Fault. */
static int put_fault(struct soap *s, struct _cwmp__Fault *cf)
{
    struct SOAP_ENV__Detail detail;
    struct SOAP_ENV__Fault f;
    char code[32];
    memset(&detail, 0, sizeof detail);
    memset(&f, 0, sizeof f);
    detail.cwmp__Fault = cf;
    unsigned long n = 0;
    if (cf->FaultCode && !cwmp_lex_ulong(cf->FaultCode, 99999, &n))
        n = 0;
    snprintf(code, sizeof code, "SOAP-ENV:%s", cwmp_fault_soap_code((int)n));
    f.faultcode = code;
    f.faultstring = (char *)"CWMP fault";
    f.detail = &detail;
    soap_serialize_SOAP_ENV__Fault(s, &f);
    return soap_out_SOAP_ENV__Fault(s, "SOAP-ENV:Fault", -1, &f, NULL);
}

static int put_envelope(struct cwmp_codec *c, const struct cwmp_msg *msg)
{
    struct soap *s = c->soap;
    struct out_header oh;
    build_header(&msg->header, &oh);
    s->header = &oh.h;
    int type = cwmp_msg_soap_type(msg->type);
    soap_serializeheader(s);
    if (msg->type != CWMP_MSG_FAULT)
        soap_markelement(s, msg->body.any, type);
    if (soap_begin_send(s) || soap_envelope_begin_out(s) || soap_putheader(s) ||
        soap_body_begin_out(s))
        goto out;
    if (msg->type == CWMP_MSG_FAULT)
        (void)put_fault(s, msg->body.fault);
    else
        (void)soap_putelement(s, msg->body.any, cwmp_msg_tag(msg->type), -1, type);
    if (!s->error) {
        if (soap_body_end_out(s) == SOAP_OK && soap_envelope_end_out(s) == SOAP_OK)
            (void)soap_end_send(s);
    }
out:
    s->header = NULL;
    return s->error;
}

int cwmp_encode(struct cwmp_codec *c, const struct cwmp_msg *msg, struct buf *out,
                struct cwmp_error *err)
{
    cwmp_codec_reset(c);
    if (err) {
        err->reason = CWMP_R_OK;
        err->msg[0] = '\0';
    }
    const struct Namespace *ns = cwmp_ns_encode(msg->version);
    if (!ns || (unsigned int)msg->type >= CWMP_MSG_COUNT) {
        (void)cwmp_fail(err, CWMP_R_INTERNAL, "bad version or message type");
        return -ERR_INVAL;
    }
    if (msg->type == CWMP_MSG_NONE)
        return 0;
    if (cwmp_validate(msg, CWMP_VALIDATE_ENCODING, err) < 0)
        return -ERR_INVAL;
    size_t start = out->len;
    soap_set_namespaces(c->soap, ns);
    c->out = out;
    int e = put_envelope(c, msg);
    int rc = 0;
    if (e != SOAP_OK) {
        rc = c->out_rc < 0 ? c->out_rc : -ERR_NOMEM;
        (void)cwmp_fail(err, rc == -ERR_TOO_BIG ? CWMP_R_TOO_BIG : CWMP_R_NOMEM,
                        "encode %s: %s", cwmp_msg_name(msg->type), err_str(rc));
    } else if (cwmp_check_utf8((const unsigned char *)out->data + start, out->len - start,
                               err) < 0) {
        rc = -ERR_INVAL; /* a string in msg was not UTF-8 */
    }
    if (rc < 0) {
        out->len = start;
        if (out->data)
            out->data[start] = '\0';
    }
    c->out = NULL; /* the rest is freed by the next call's reset */
    return rc;
}

/* common/cwmp/codec.c — the codec context and decode: one reused gSOAP context reads a
 * complete body from memory (custom frecv, SOAP_ENC_PLAIN), dispatches on the body element
 * (SOAP-ENV:Fault by hand, the rest through the generated soap_getelement) and hands the
 * result to validate.c. Encoding is in encode.c. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cwmp_int.h"

#define IN_MODE (SOAP_ENC_PLAIN | SOAP_C_UTFSTRING | SOAP_XML_TREE) /* tree: no id/href */
#define OUT_MODE (SOAP_ENC_PLAIN | SOAP_C_UTFSTRING | SOAP_XML_TREE)

int cwmp_fail(struct cwmp_error *err, enum cwmp_reason reason, const char *fmt, ...)
{
    if (err) {
        err->reason = reason;
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err->msg, sizeof err->msg, fmt, ap);
        va_end(ap);
    }
    return -ERR_POLICY;
}

static size_t mem_recv(struct soap *soap, char *dst, size_t len)
{
    struct cwmp_codec *c = soap->user;
    size_t n = c->in_len - c->in_pos;
    if (n > len)
        n = len;
    memcpy(dst, c->in + c->in_pos, n);
    c->in_pos += n;
    return n;
}

static int buf_send(struct soap *soap, const char *s, size_t n)
{
    struct cwmp_codec *c = soap->user;
    int rc = c->out ? buf_append(c->out, s, n) : -ERR_INVAL;
    if (rc < 0) {
        c->out_rc = rc;
        return SOAP_EOM;
    }
    return SOAP_OK;
}

struct cwmp_codec *cwmp_codec_new(void)
{
    struct cwmp_codec *c = calloc(1, sizeof *c);
    if (!c)
        return NULL;
    c->soap = soap_new1(IN_MODE);
    if (!c->soap) {
        free(c);
        return NULL;
    }
    soap_set_omode(c->soap, OUT_MODE);
    c->soap->user = c;
    c->soap->frecv = mem_recv;
    c->soap->fsend = buf_send;
    c->soap->maxlevel = CWMP_MAX_DEPTH;
    c->soap->maxoccurs = CWMP_MAX_ARRAY; /* items read one by one (hooks.c) stop past it */
    c->soap->recv_maxlength = CWMP_MAX_ENVELOPE;
    c->soap->encodingStyle = NULL; /* no SOAP-ENV:encodingStyle on every element */
    return c;
}

void cwmp_codec_free(struct cwmp_codec *c)
{
    if (!c)
        return;
    soap_destroy(c->soap);
    soap_end(c->soap);
    soap_free(c->soap);
    free(c->arrays);
    free(c);
}

void cwmp_codec_reset(struct cwmp_codec *c)
{
    soap_destroy(c->soap);
    soap_end(c->soap);
    memset(&c->msg, 0, sizeof c->msg);
    c->in = NULL;
    c->in_len = c->in_pos = 0;
    c->decoding = false;
    c->version_known = false;
    c->no_more_requests_seen = false;
    c->out = NULL;
    c->out_rc = 0;
    c->narrays = 0;
    c->pending = false;
    c->array_err.reason = CWMP_R_OK;
    c->array_err.msg[0] = '\0';
}

/* The namespace URI of a prefixed tag as the peer wrote it (for a table entry with a
 * pattern, gSOAP keeps the matched URI in .out). */
static const char *tag_uri(struct soap *s, const char *tag)
{
    const char *colon = strchr(tag, ':');
    struct soap_nlist *np = soap_lookup_ns(s, tag, colon ? (size_t)(colon - tag) : 0);
    if (!np)
        return NULL;
    if (np->index >= 0 && s->local_namespaces) {
        const struct Namespace *ns = &s->local_namespaces[np->index];
        return ns->out ? ns->out : ns->ns;
    }
    return np->ns;
}

/* Map a gSOAP error after a failed read to a reason. */
static int soap_failure(struct cwmp_codec *c, const char *where, struct cwmp_error *err)
{
    struct soap *s = c->soap;
    enum cwmp_reason r = CWMP_R_MALFORMED;
    int rc = -ERR_PARSE;
    switch (s->error) {
    case SOAP_EOF:
        r = c->in_pos >= c->in_len ? CWMP_R_TRUNCATED : CWMP_R_MALFORMED;
        break;
    case SOAP_VERSIONMISMATCH:
        r = CWMP_R_SOAP_VERSION;
        break;
    case SOAP_MUSTUNDERSTAND: {
        const char *uri = tag_uri(s, s->tag);
        r = uri && strncmp(uri, "urn:dslforum-org:cwmp-", 22) == 0 ? CWMP_R_NAMESPACE
                                                                  : CWMP_R_NOT_UNDERSTOOD;
        rc = -ERR_POLICY;
        break;
    }
    case SOAP_LENGTH:
        r = CWMP_R_TOO_LONG;
        rc = -ERR_POLICY;
        break;
    case SOAP_EOM:
        r = CWMP_R_NOMEM;
        rc = -ERR_NOMEM;
        break;
    case SOAP_LEVEL:
    case SOAP_OCCURS:
        r = CWMP_R_TOO_BIG;
        rc = -ERR_TOO_BIG;
        break;
    case SOAP_TYPE:
    case SOAP_NULL:
        r = CWMP_R_BAD_VALUE;
        rc = -ERR_POLICY;
        break;
    default:
        /* parse error where the input ends: the body was cut short */
        if (c->in_pos == c->in_len && s->bufidx >= s->buflen)
            r = CWMP_R_TRUNCATED;
        break;
    }
    if (c->array_err.reason != CWMP_R_OK) { /* hooks.c stopped the parse */
        if (err)
            *err = c->array_err;
        return c->array_err.reason == CWMP_R_TOO_BIG ? -ERR_TOO_BIG : -ERR_POLICY;
    }
    (void)cwmp_fail(err, r, "%s: gSOAP error %d", where, s->error);
    return rc;
}

/* Version from a namespace URI: urn:dslforum-org:cwmp-1-0 .. cwmp-1-4. */
static int uri_version(struct cwmp_codec *c, const char *uri, struct cwmp_error *err)
{
    static const char prefix[] = "urn:dslforum-org:cwmp-1-";
    if (!uri || strncmp(uri, prefix, sizeof prefix - 1) != 0)
        return cwmp_fail(err, CWMP_R_NAMESPACE, "body not in a cwmp namespace: %.80s",
                         uri ? uri : "(none)");
    const char *v = uri + sizeof prefix - 1;
    if (v[0] < '0' || v[0] > '4' || v[1] != '\0')
        return cwmp_fail(err, CWMP_R_NAMESPACE, "unknown namespace %.80s", uri);
    c->msg.version = (enum cwmp_version)(v[0] - '0');
    c->version_known = true;
    return 0;
}

/* For a Fault: the URI the cwmp pattern matched (gSOAP keeps it in .out). */
static int fault_version(struct cwmp_codec *c, struct cwmp_error *err)
{
    const struct Namespace *ns = c->soap->local_namespaces;
    const char *uri = NULL;
    if (ns)
        uri = ns[CWMP_NS_INDEX].out ? ns[CWMP_NS_INDEX].out : ns[CWMP_NS_INDEX].ns;
    return uri_version(c, uri, err);
}

/* xsd:boolean text (whitespace collapsed): 1 true, 0 false, -1 neither. */
static int boolean_text(const char *s)
{
    static const char *const words[] = {"0", "false", "1", "true"};
    s += strspn(s, " \t\r\n");
    size_t n = strcspn(s, " \t\r\n");
    if (s[n + strspn(s + n, " \t\r\n")] != '\0')
        return -1;
    for (size_t i = 0; i < sizeof words / sizeof words[0]; i++)
        if (strlen(words[i]) == n && strncmp(s, words[i], n) == 0)
            return i >= 2;
    return -1;
}

static int take_header(struct cwmp_codec *c, struct cwmp_error *err)
{
    const struct SOAP_ENV__Header *h = c->soap->header;
    struct cwmp_header *out = &c->msg.header;
    c->msg.has_header = h != NULL;
    if (!h)
        return 0;
    if (h->cwmp__ID) {
        out->id = h->cwmp__ID->__item ? h->cwmp__ID->__item : "";
        out->id_must_understand = h->cwmp__ID->SOAP_ENV__mustUnderstand &&
                                  strcmp(h->cwmp__ID->SOAP_ENV__mustUnderstand, "1") == 0;
    }
    if (h->cwmp__HoldRequests)
        out->hold_requests = h->cwmp__HoldRequests->__item == xsd__boolean__true_;
    if (h->cwmp__SessionTimeout)
        out->session_timeout = h->cwmp__SessionTimeout->__item;
    if (h->cwmp__SupportedCWMPVersions)
        out->supported_versions = h->cwmp__SupportedCWMPVersions->__item;
    if (h->cwmp__UseCWMPVersion)
        out->use_version = h->cwmp__UseCWMPVersion->__item;
    if (h->cwmp__NoMoreRequests) {
        int v = boolean_text(h->cwmp__NoMoreRequests->__item ? h->cwmp__NoMoreRequests->__item
                                                             : "");
        if (v < 0)
            return cwmp_fail(err, CWMP_R_BAD_VALUE, "cwmp:NoMoreRequests is not a boolean");
        out->no_more_requests = v == 1;
        c->no_more_requests_seen = true;
    }
    return 0;
}

static int read_fault(struct cwmp_codec *c, struct cwmp_error *err)
{
    struct SOAP_ENV__Fault *f = soap_in_SOAP_ENV__Fault(c->soap, "SOAP-ENV:Fault", NULL, NULL);
    if (!f)
        return soap_failure(c, "SOAP-ENV:Fault", err);
    if (!f->detail || !f->detail->cwmp__Fault)
        return cwmp_fail(err, CWMP_R_MISSING, "SOAP-ENV:Fault without cwmp:Fault detail");
    c->msg.type = CWMP_MSG_FAULT;
    c->msg.body.fault = f->detail->cwmp__Fault;
    c->msg.soap_faultcode = f->faultcode;
    c->msg.soap_faultstring = f->faultstring;
    return fault_version(c, err);
}

static int read_rpc(struct cwmp_codec *c, struct cwmp_error *err)
{
    struct soap *s = c->soap;
    char tag[80]; /* for messages: soap_getelement overwrites s->tag */
    snprintf(tag, sizeof tag, "%.79s", s->tag);
    int rc = uri_version(c, tag_uri(s, s->tag), err);
    if (rc < 0)
        return rc;
    int type = 0;
    void *p = soap_getelement(s, NULL, &type);
    enum cwmp_msg_type t = cwmp_msg_by_soap_type(type);
    if (t == CWMP_MSG_NONE)
        return cwmp_fail(err, CWMP_R_UNKNOWN_METHOD, "unknown method %.64s", tag);
    if (!p)
        return soap_failure(c, cwmp_msg_name(t), err);
    c->msg.type = t;
    c->msg.body.any = p;
    return 0;
}

/* The one body element: a SOAP-ENV:Fault or a CWMP RPC; nothing after it. */
static int read_body(struct cwmp_codec *c, struct cwmp_error *err)
{
    struct soap *s = c->soap;
    int e = soap_peek_element(s);
    if (e == SOAP_NO_TAG)
        return cwmp_fail(err, CWMP_R_NO_BODY, "empty SOAP Body");
    if (e != SOAP_OK)
        return soap_failure(c, "Body", err);
    if (*s->type || *s->id || *s->href || *s->arrayType)
        return cwmp_fail(err, CWMP_R_BODY_XSI_TYPE, "xsi:type, arrayType, id or href on %.64s",
                         s->tag);
    int rc = soap_match_tag(s, s->tag, "SOAP-ENV:Fault") == SOAP_OK ? read_fault(c, err)
                                                                     : read_rpc(c, err);
    if (rc < 0)
        return rc;
    e = soap_peek_element(s);
    if (e == SOAP_OK)
        return cwmp_fail(err, CWMP_R_TWO_BODIES, "second body element %.64s", s->tag);
    if (e != SOAP_NO_TAG)
        return soap_failure(c, "Body", err);
    return 0;
}

/* Envelope, Header, Body, end. */
static int read_envelope(struct cwmp_codec *c, struct cwmp_error *err)
{
    struct soap *s = c->soap;
    if (soap_begin_recv(s) || soap_envelope_begin_in(s))
        return soap_failure(c, "Envelope", err);
    if (s->version != 1)
        return cwmp_fail(err, CWMP_R_SOAP_VERSION, "SOAP version %d envelope", s->version);
    if (soap_recv_header(s))
        return soap_failure(c, "Header", err);
    int rc = take_header(c, err);
    if (rc < 0)
        return rc;
    if (soap_body_begin_in(s))
        return s->error == SOAP_TAG_MISMATCH || s->error == SOAP_NO_TAG
                   ? cwmp_fail(err, CWMP_R_NO_BODY, "no SOAP Body")
                   : soap_failure(c, "Body", err);
    rc = read_body(c, err);
    if (rc < 0)
        return rc;
    if (soap_body_end_in(s) || soap_envelope_end_in(s) || soap_end_recv(s))
        return soap_failure(c, "end of Envelope", err);
    return 0;
}

/* Header leniencies of an accepted message (validate let them pass under the flags). */
static void header_leniency(struct cwmp_codec *c)
{
    struct cwmp_msg *m = &c->msg;
    if (m->type == CWMP_MSG_NONE)
        return;
    if (!m->header.id)
        m->lenient |= CWMP_LENIENT_NO_ID;
    else if (!m->header.id_must_understand)
        m->lenient |= CWMP_LENIENT_ID_MUST_UNDERSTAND;
    if (c->no_more_requests_seen && m->version != CWMP_V1_0)
        m->lenient |= CWMP_LENIENT_NO_MORE_REQUESTS_DEPRECATED;
}

/* What a refused message did reveal: its cwmp:ID and the version of its namespace. */
static int refused(struct cwmp_codec *c, int rc, struct cwmp_error *err)
{
    if (err) {
        err->id = c->msg.has_header ? c->msg.header.id : NULL;
        err->version = c->version_known ? (int)c->msg.version : -1;
    }
    return rc;
}

/* Leniency (README): an Inform's OUI of 6 hex digits in lowercase ("00a859", as real CPEs
 * send it) is uppercased in place, so that the device identity built from it has one
 * spelling. Anything else in the OUI is left for validate.c to refuse. */
static void uppercase_oui(struct cwmp_msg *m)
{
    char *o = m->type == CWMP_MSG_INFORM && m->body.inform && m->body.inform->DeviceId
                  ? m->body.inform->DeviceId->OUI
                  : NULL;
    size_t n = 0;
    while (o && n < 7 && ((o[n] >= '0' && o[n] <= '9') || (o[n] >= 'a' && o[n] <= 'f') ||
                          (o[n] >= 'A' && o[n] <= 'F')))
        n++;
    for (size_t i = 0; n == 6 && !o[6] && i < 6; i++)
        if (o[i] >= 'a' && o[i] <= 'f') {
            o[i] = (char)(o[i] - 'a' + 'A');
            m->lenient |= CWMP_LENIENT_OUI_LOWERCASE;
        }
}

int cwmp_decode(struct cwmp_codec *c, const char *data, size_t len, unsigned int flags,
                const struct cwmp_msg **out, struct cwmp_error *err)
{
    cwmp_codec_reset(c);
    *out = NULL;
    if (err) {
        err->reason = CWMP_R_OK;
        err->msg[0] = '\0';
        err->id = NULL;
        err->version = -1;
    }
    if (len > CWMP_MAX_ENVELOPE) {
        (void)cwmp_fail(err, CWMP_R_TOO_BIG, "envelope of %zu bytes", len);
        return -ERR_TOO_BIG;
    }
    int rc = cwmp_prescan(data, len, err);
    if (rc < 0)
        return -ERR_PARSE;
    if (len > 0) {
        c->in = data;
        c->in_len = len;
        c->decoding = true;
        soap_set_namespaces(c->soap, cwmp_ns_decode);
        rc = read_envelope(c, err);
        c->decoding = false;
        if (rc == 0)
            rc = cwmp_arrays_check(c, err);
        if (rc == 0) {
            uppercase_oui(&c->msg);
            rc = cwmp_validate(&c->msg, flags, err);
        }
        if (rc < 0)
            return refused(c, rc, err);
        header_leniency(c);
    }
    *out = &c->msg;
    return 0;
}

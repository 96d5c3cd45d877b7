/* common/cwmp/nsmap.c — XML namespace tables: one that parses CWMP 1.0-1.4, one per
 * version for writing. gSOAP copies the table it is given into the context
 * (soap->local_namespaces) and records there which URI a pattern matched. */
#include "cwmp_int.h"

#define NS_SOAP_ENV "http://schemas.xmlsoap.org/soap/envelope/"
#define NS_SOAP_ENC "http://schemas.xmlsoap.org/soap/encoding/"
#define NS_XSI "http://www.w3.org/2001/XMLSchema-instance"
#define NS_XSD "http://www.w3.org/2001/XMLSchema"

/* libgsoap refers to a global table named `namespaces` (the default of soap_init). It is
 * never used here (every decode and encode sets its own table), never written, and is
 * the decode table so that a context that missed soap_set_namespaces still parses.
 * Required by the library, hence not static and not const. */
struct Namespace namespaces[] = {
    {"SOAP-ENV", NS_SOAP_ENV, NULL, NULL},
    {"SOAP-ENC", NS_SOAP_ENC, NULL, NULL},
    {"xsi", NS_XSI, NULL, NULL},
    {"xsd", NS_XSD, NULL, NULL},
    {"cwmp", "urn:dslforum-org:cwmp-1-2", "urn:dslforum-org:cwmp-1-*", NULL},
    {NULL, NULL, NULL, NULL},
};

/* SOAP 1.1 only: no pattern for SOAP-ENV/SOAP-ENC, so a SOAP 1.2 envelope does not match. */
const struct Namespace cwmp_ns_decode[] = {
    {"SOAP-ENV", NS_SOAP_ENV, NULL, NULL},
    {"SOAP-ENC", NS_SOAP_ENC, NULL, NULL},
    {"xsi", NS_XSI, NULL, NULL},
    {"xsd", NS_XSD, NULL, NULL},
    {"cwmp", "urn:dslforum-org:cwmp-1-2", "urn:dslforum-org:cwmp-1-*", NULL},
    {NULL, NULL, NULL, NULL},
};

#define ENCODE_TABLE(uri)                                                                 \
    {                                                                                     \
        {"SOAP-ENV", NS_SOAP_ENV, NULL, NULL}, {"SOAP-ENC", NS_SOAP_ENC, NULL, NULL},     \
            {"xsi", NS_XSI, NULL, NULL}, {"xsd", NS_XSD, NULL, NULL},                     \
            {"cwmp", uri, NULL, NULL}, { NULL, NULL, NULL, NULL }                         \
    }

static const struct Namespace ns_1_0[] = ENCODE_TABLE("urn:dslforum-org:cwmp-1-0");
static const struct Namespace ns_1_1[] = ENCODE_TABLE("urn:dslforum-org:cwmp-1-1");
static const struct Namespace ns_1_2[] = ENCODE_TABLE("urn:dslforum-org:cwmp-1-2");

const struct Namespace *cwmp_ns_encode(enum cwmp_version v)
{
    switch (v) {
    case CWMP_V1_0:
        return ns_1_0;
    case CWMP_V1_1:
        return ns_1_1;
    case CWMP_V1_2:
    case CWMP_V1_3:
    case CWMP_V1_4:
        return ns_1_2;
    }
    return NULL;
}

const char *cwmp_version_ns(enum cwmp_version v)
{
    const struct Namespace *t = cwmp_ns_encode(v);
    return t ? t[CWMP_NS_INDEX].ns : NULL;
}

const char *cwmp_version_str(enum cwmp_version v)
{
    static const char *const names[CWMP_VERSION_COUNT] = {"1.0", "1.1", "1.2", "1.3", "1.4"};
    return (unsigned int)v < CWMP_VERSION_COUNT ? names[v] : NULL;
}

/* common/cwmp/cwmp_env.h — soapcpp2 input: the wsdl2h output plus the SOAP envelope parts
 * that an XSD alone does not give (the CWMP header fields and the Fault detail).
 * Not a C header: never #include it; cwmp.mk feeds it to soapcpp2. */
#import "cwmp.h"

/* cwmp:ID with mustUnderstand as sent: the schema's fixed value would make gSOAP fill in
 * "1" when the attribute is missing. */
struct cwmp__IDHeader {
    char *__item;
    @char *SOAP_ENV__mustUnderstand;
};

/* cwmp:NoMoreRequests of CWMP 1.0 (TR-069 Issue 1; in no XSD): boolean text, kept as sent
 * and read by codec.c, so that any mustUnderstand and any spelling of the boolean pass. */
struct cwmp__NoMoreRequestsHeader {
    char *__item;
    @char *SOAP_ENV__mustUnderstand;
};

struct SOAP_ENV__Header {
    struct cwmp__IDHeader *cwmp__ID;
    struct _cwmp__HoldRequests *cwmp__HoldRequests;
    struct _cwmp__SessionTimeout *cwmp__SessionTimeout;
    struct _cwmp__SupportedCWMPVersions *cwmp__SupportedCWMPVersions;
    struct _cwmp__UseCWMPVersion *cwmp__UseCWMPVersion;
    struct cwmp__NoMoreRequestsHeader *cwmp__NoMoreRequests;
};

struct SOAP_ENV__Detail {
    struct _cwmp__Fault *cwmp__Fault;
    int __type;   /* any other detail element, kept by type id */
    void *fault;
    char *__any;
};

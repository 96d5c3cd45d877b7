/* common/cwmp/fault.c — the one table of CWMP fault codes (text, SOAP faultcode) and the
 * mapping of every refusal reason to the fault code each side sends and an HTTP status.
 * Read-only tables. */
#include <stddef.h>

#include "cwmp.h"

struct fault_info {
    int code;
    bool server; /* SOAP faultcode Server (the receiver's trouble), else Client */
    const char *text;
};

/* Texts as in the XSD (ACSFaultCodeType, CPEFaultCodeType). */
static const struct fault_info faults[] = {
    {8000, false, "Method not supported"},
    {8001, false, "Request denied (no reason specified)"},
    {8002, true, "Internal error"},
    {8003, false, "Invalid arguments"},
    {8004, true, "Resources exceeded"},
    {8005, true, "Retry request"},
    {8006, false, "ACS version incompatible with CPE"},
    {9000, false, "Method not supported"},
    {9001, false, "Request denied (no reason specified)"},
    {9002, true, "Internal error"},
    {9003, false, "Invalid arguments"},
    {9004, true, "Resources exceeded"},
    {9005, false, "Invalid parameter name"},
    {9006, false, "Invalid parameter type"},
    {9007, false, "Invalid parameter value"},
    {9008, false, "Attempt to set a non-writable parameter"},
    {9009, true, "Notification request rejected"},
    {9010, true, "File transfer failure"},
    {9011, true, "Upload failure"},
    {9012, true, "File transfer server authentication failure"},
    {9013, true, "Unsupported protocol for file transfer"},
    {9014, true, "File transfer failure: unable to join multicast group"},
    {9015, true, "File transfer failure: unable to contact file server"},
    {9016, true, "File transfer failure: unable to access file"},
    {9017, true, "File transfer failure: unable to complete download"},
    {9018, true, "File transfer failure: file corrupted"},
    {9019, true, "File transfer failure: file authentication failure"},
    {9020, true, "File transfer failure: unable to complete download within specified time windows"},
    {9021, false, "Cancelation of file transfer not permitted in current transfer state"},
    {9022, false, "Invalid UUID Format"},
    {9023, false, "Unknown Execution Environment"},
    {9024, false, "Disabled Execution Environment"},
    {9025, false, "Deployment Unit to Execution Environment Mismatch"},
    {9026, false, "Duplicate Deployment Unit"},
    {9027, true, "System Resources Exceeded"},
    {9028, false, "Unknown Deployment Unit"},
    {9029, false, "Invalid Deployment Unit State"},
    {9030, false, "Invalid Deployment Unit Update - Downgrade not permitted"},
    {9031, false, "Invalid Deployment Unit Update - Version not specified"},
    {9032, false, "Invalid Deployment Unit Update - Version already exists"},
};

struct reason_info {
    const char *name;
    int acs_fault; /* what the ACS answers a CPE with */
    int cpe_fault; /* what a CPE answers the ACS with */
    int http;      /* status of the answer (200 = SOAP Fault in the body) */
};

static const struct reason_info reasons[CWMP_R_COUNT] = {
    [CWMP_R_OK] = {"ok", 0, 0, 200},
    [CWMP_R_TRUNCATED] = {"truncated", 8003, 9003, 400},
    [CWMP_R_MALFORMED] = {"malformed", 8003, 9003, 400},
    [CWMP_R_ENCODING] = {"encoding", 8003, 9003, 400},
    [CWMP_R_DTD] = {"dtd", 8003, 9003, 400},
    [CWMP_R_SOAP_VERSION] = {"soap_version", 8003, 9003, 400},
    [CWMP_R_NAMESPACE] = {"namespace", 8006, 9003, 200},
    [CWMP_R_NO_BODY] = {"no_body", 8003, 9003, 200},
    [CWMP_R_TWO_BODIES] = {"two_bodies", 8003, 9003, 200},
    [CWMP_R_UNKNOWN_METHOD] = {"unknown_method", 8000, 9000, 200},
    [CWMP_R_BODY_XSI_TYPE] = {"body_xsi_type", 8003, 9003, 200},
    [CWMP_R_NO_ID] = {"no_id", 8003, 9003, 200},
    [CWMP_R_MUST_UNDERSTAND] = {"must_understand", 8003, 9003, 200},
    [CWMP_R_NOT_UNDERSTOOD] = {"not_understood", 8003, 9003, 200},
    [CWMP_R_ARRAY_TYPE] = {"array_type", 8003, 9003, 200},
    [CWMP_R_ARRAY_COUNT] = {"array_count", 8003, 9003, 200},
    [CWMP_R_MISSING] = {"missing", 8003, 9003, 200},
    [CWMP_R_DUPLICATE] = {"duplicate", 8003, 9003, 200},
    [CWMP_R_EVENT_CODE] = {"event_code", 8003, 9003, 200},
    [CWMP_R_FAULT_CODE] = {"fault_code", 8003, 9003, 200},
    [CWMP_R_TOO_LONG] = {"too_long", 8003, 9003, 200},
    [CWMP_R_BAD_VALUE] = {"bad_value", 8003, 9003, 200},
    [CWMP_R_VALUE_TYPE] = {"value_type", 8003, 9006, 200},
    [CWMP_R_TOO_BIG] = {"too_big", 8004, 9004, 413},
    [CWMP_R_NOMEM] = {"nomem", 8005, 9002, 503},
    [CWMP_R_INTERNAL] = {"internal", 8002, 9002, 500},
};

static const struct fault_info *find_fault(int code)
{
    for (size_t i = 0; i < sizeof faults / sizeof faults[0]; i++)
        if (faults[i].code == code)
            return &faults[i];
    return NULL;
}

bool cwmp_fault_code_valid(int code)
{
    return (code >= 8000 && code <= 8899) || (code >= 9000 && code <= 9899);
}

const char *cwmp_fault_str(int code)
{
    const struct fault_info *f = find_fault(code);
    if (f)
        return f->text;
    if ((code >= 8800 && code <= 8899) || (code >= 9800 && code <= 9899))
        return "Vendor defined fault";
    if (cwmp_fault_code_valid(code))
        return "Reserved fault code";
    return "Unknown fault";
}

const char *cwmp_fault_soap_code(int code)
{
    const struct fault_info *f = find_fault(code);
    return f && f->server ? "Server" : "Client";
}

int cwmp_reason_fault(enum cwmp_reason r, enum cwmp_side side)
{
    if ((unsigned int)r >= CWMP_R_COUNT)
        r = CWMP_R_INTERNAL;
    return side == CWMP_SIDE_ACS ? reasons[r].acs_fault : reasons[r].cpe_fault;
}

int cwmp_reason_http_status(enum cwmp_reason r)
{
    return (unsigned int)r < CWMP_R_COUNT ? reasons[r].http : 500;
}

const char *cwmp_reason_str(enum cwmp_reason r)
{
    return (unsigned int)r < CWMP_R_COUNT ? reasons[r].name : "unknown";
}

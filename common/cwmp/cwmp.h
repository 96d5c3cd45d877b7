/* common/cwmp/cwmp.h — CWMP (TR-069) SOAP codec over gSOAP, shared by the ACS and the CPE side.
 * Owns: struct cwmp_codec (one reused gSOAP context); what cwmp_decode() returns lives in the
 * codec until its next decode, encode or cwmp_codec_reset(). Thread-safety: one codec per
 * thread; codecs share only read-only tables. Field access to bodies: cwmp_body.h. */
#ifndef COMMON_CWMP_H
#define COMMON_CWMP_H

#include <stdbool.h>
#include <stddef.h>

#include "buf.h"
#include "err.h"

/* Hard cap on one envelope, decoded or encoded (a full-tree GetParameterValuesResponse of
 * a VoIP CPE is ~200 KB). Decode refuses longer input; use it as struct buf max. */
#define CWMP_MAX_ENVELOPE (1u << 20)
/* Most items accepted in one SOAP-ENC array. */
#define CWMP_MAX_ARRAY 16384

/* The CWMP version a message uses. 1.0 and 1.1 have their own namespace; 1.2-1.4 share
 * urn:dslforum-org:cwmp-1-2 (decode reports 1.3/1.4 only for a peer that wrote
 * cwmp-1-3/cwmp-1-4, which some do; encode writes cwmp-1-2 for 1.2-1.4). */
enum cwmp_version {
    CWMP_V1_0,
    CWMP_V1_1,
    CWMP_V1_2,
    CWMP_V1_3,
    CWMP_V1_4,
};
#define CWMP_VERSION_COUNT 5

/* Every RPC of cwmp-1-4.xsd, both directions: X(ENUM_SUFFIX, ElementName, union_member).
 * Who sends it: the ACS sends the CPE methods and the responses to ACS methods; the CPE
 * the rest. GetRPCMethods and its response go both ways. */
#define CWMP_MSG_LIST(X)                                                                  \
    X(GET_RPC_METHODS, GetRPCMethods, get_rpc_methods)                                    \
    X(GET_RPC_METHODS_RESPONSE, GetRPCMethodsResponse, get_rpc_methods_response)          \
    X(SET_PARAMETER_VALUES, SetParameterValues, set_parameter_values)                     \
    X(SET_PARAMETER_VALUES_RESPONSE, SetParameterValuesResponse,                          \
      set_parameter_values_response)                                                      \
    X(GET_PARAMETER_VALUES, GetParameterValues, get_parameter_values)                     \
    X(GET_PARAMETER_VALUES_RESPONSE, GetParameterValuesResponse,                          \
      get_parameter_values_response)                                                      \
    X(GET_PARAMETER_NAMES, GetParameterNames, get_parameter_names)                        \
    X(GET_PARAMETER_NAMES_RESPONSE, GetParameterNamesResponse, get_parameter_names_response) \
    X(SET_PARAMETER_ATTRIBUTES, SetParameterAttributes, set_parameter_attributes)         \
    X(SET_PARAMETER_ATTRIBUTES_RESPONSE, SetParameterAttributesResponse,                  \
      set_parameter_attributes_response)                                                  \
    X(GET_PARAMETER_ATTRIBUTES, GetParameterAttributes, get_parameter_attributes)         \
    X(GET_PARAMETER_ATTRIBUTES_RESPONSE, GetParameterAttributesResponse,                  \
      get_parameter_attributes_response)                                                  \
    X(ADD_OBJECT, AddObject, add_object)                                                  \
    X(ADD_OBJECT_RESPONSE, AddObjectResponse, add_object_response)                        \
    X(DELETE_OBJECT, DeleteObject, delete_object)                                         \
    X(DELETE_OBJECT_RESPONSE, DeleteObjectResponse, delete_object_response)               \
    X(DOWNLOAD, Download, download)                                                       \
    X(DOWNLOAD_RESPONSE, DownloadResponse, download_response)                             \
    X(REBOOT, Reboot, reboot)                                                             \
    X(REBOOT_RESPONSE, RebootResponse, reboot_response)                                   \
    X(GET_QUEUED_TRANSFERS, GetQueuedTransfers, get_queued_transfers)                     \
    X(GET_QUEUED_TRANSFERS_RESPONSE, GetQueuedTransfersResponse,                          \
      get_queued_transfers_response)                                                      \
    X(SCHEDULE_INFORM, ScheduleInform, schedule_inform)                                   \
    X(SCHEDULE_INFORM_RESPONSE, ScheduleInformResponse, schedule_inform_response)         \
    X(SET_VOUCHERS, SetVouchers, set_vouchers)                                            \
    X(SET_VOUCHERS_RESPONSE, SetVouchersResponse, set_vouchers_response)                  \
    X(GET_OPTIONS, GetOptions, get_options)                                               \
    X(GET_OPTIONS_RESPONSE, GetOptionsResponse, get_options_response)                     \
    X(UPLOAD, Upload, upload)                                                             \
    X(UPLOAD_RESPONSE, UploadResponse, upload_response)                                   \
    X(FACTORY_RESET, FactoryReset, factory_reset)                                         \
    X(FACTORY_RESET_RESPONSE, FactoryResetResponse, factory_reset_response)               \
    X(GET_ALL_QUEUED_TRANSFERS, GetAllQueuedTransfers, get_all_queued_transfers)          \
    X(GET_ALL_QUEUED_TRANSFERS_RESPONSE, GetAllQueuedTransfersResponse,                   \
      get_all_queued_transfers_response)                                                  \
    X(SCHEDULE_DOWNLOAD, ScheduleDownload, schedule_download)                             \
    X(SCHEDULE_DOWNLOAD_RESPONSE, ScheduleDownloadResponse, schedule_download_response)   \
    X(CANCEL_TRANSFER, CancelTransfer, cancel_transfer)                                   \
    X(CANCEL_TRANSFER_RESPONSE, CancelTransferResponse, cancel_transfer_response)         \
    X(CHANGE_DU_STATE, ChangeDUState, change_du_state)                                    \
    X(CHANGE_DU_STATE_RESPONSE, ChangeDUStateResponse, change_du_state_response)          \
    X(INFORM, Inform, inform)                                                             \
    X(INFORM_RESPONSE, InformResponse, inform_response)                                   \
    X(TRANSFER_COMPLETE, TransferComplete, transfer_complete)                             \
    X(TRANSFER_COMPLETE_RESPONSE, TransferCompleteResponse, transfer_complete_response)   \
    X(AUTONOMOUS_TRANSFER_COMPLETE, AutonomousTransferComplete,                           \
      autonomous_transfer_complete)                                                       \
    X(AUTONOMOUS_TRANSFER_COMPLETE_RESPONSE, AutonomousTransferCompleteResponse,          \
      autonomous_transfer_complete_response)                                              \
    X(KICKED, Kicked, kicked)                                                             \
    X(KICKED_RESPONSE, KickedResponse, kicked_response)                                   \
    X(REQUEST_DOWNLOAD, RequestDownload, request_download)                                \
    X(REQUEST_DOWNLOAD_RESPONSE, RequestDownloadResponse, request_download_response)      \
    X(DU_STATE_CHANGE_COMPLETE, DUStateChangeComplete, du_state_change_complete)          \
    X(DU_STATE_CHANGE_COMPLETE_RESPONSE, DUStateChangeCompleteResponse,                   \
      du_state_change_complete_response)                                                  \
    X(AUTONOMOUS_DU_STATE_CHANGE_COMPLETE, AutonomousDUStateChangeComplete,               \
      autonomous_du_state_change_complete)                                                \
    X(AUTONOMOUS_DU_STATE_CHANGE_COMPLETE_RESPONSE, AutonomousDUStateChangeCompleteResponse, \
      autonomous_du_state_change_complete_response)                                       \
    X(FAULT, Fault, fault)

enum cwmp_msg_type {
    CWMP_MSG_NONE = 0, /* empty body (an empty HTTP POST) */
#define CWMP_X_ENUM(e, n, m) CWMP_MSG_##e,
    CWMP_MSG_LIST(CWMP_X_ENUM)
#undef CWMP_X_ENUM
    CWMP_MSG_COUNT
};

/* The generated body structs (struct _cwmp__Inform, ...); their fields: cwmp_body.h. */
#define CWMP_X_DECL(e, n, m) struct _cwmp__##n;
CWMP_MSG_LIST(CWMP_X_DECL)
#undef CWMP_X_DECL

/* The body of a message: the member named after its type (body.inform for
 * CWMP_MSG_INFORM); body.fault is the cwmp:Fault inside SOAP-ENV:Fault/detail. */
union cwmp_body {
    void *any;
#define CWMP_X_MEMBER(e, n, m) struct _cwmp__##n *m;
    CWMP_MSG_LIST(CWMP_X_MEMBER)
#undef CWMP_X_MEMBER
};

/* SOAP Header fields (cwmp namespace). Strings are borrowed from the codec (decode) or the
 * caller (encode). */
struct cwmp_header {
    const char *id;                 /* cwmp:ID; required to encode */
    bool id_must_understand;        /* decode: mustUnderstand="1" on cwmp:ID (encode: always) */
    bool hold_requests;             /* cwmp:HoldRequests = true (ACS -> CPE only) */
    unsigned int session_timeout;   /* cwmp:SessionTimeout seconds, 0 = absent */
    const char *supported_versions; /* cwmp:SupportedCWMPVersions ("1.0,1.1,..."), or NULL */
    const char *use_version;        /* cwmp:UseCWMPVersion, or NULL */
    bool no_more_requests;          /* decode: cwmp:NoMoreRequests = true (CWMP 1.0, CPE ->
                                     * ACS: no more requests from the CPE in this session;
                                     * deprecated since 1.1 but still understood). Never
                                     * encoded (no XSD defines it). */
};

/* What decode accepted although the peer got it wrong (common/cwmp/README.md has the table):
 * X(ENUM_SUFFIX, "name for logs and metrics", bit). */
#define CWMP_LENIENT_LIST(X)                                                              \
    X(ARRAY_COUNT_LARGER, "array_count_larger", 0x01u) /* arrayType count > items */      \
    X(ARRAY_COUNT_SMALLER, "array_count_smaller", 0x02u) /* arrayType count < items */    \
    X(ARRAY_TYPE_MISSING, "array_type_missing", 0x04u) /* no arrayType, or "type[]" */    \
    X(ARRAY_ITEM_TYPE, "array_item_type", 0x08u) /* arrayType names another item type */  \
    X(NO_ID, "no_id", 0x10u) /* no Header or no cwmp:ID (CWMP_DECODE_ALLOW_NO_ID) */      \
    X(ID_MUST_UNDERSTAND, "id_must_understand", 0x20u) /* cwmp:ID not mustUnderstand="1" */ \
    X(NO_MORE_REQUESTS_DEPRECATED, "no_more_requests_deprecated", 0x40u) /* in 1.1+ */ \
    X(OUI_LOWERCASE, "oui_lowercase", 0x80u) /* an Inform's OUI in lowercase: uppercased */

enum cwmp_lenient {
#define CWMP_X_LENIENT(e, n, b) CWMP_LENIENT_##e = b,
    CWMP_LENIENT_LIST(CWMP_X_LENIENT)
#undef CWMP_X_LENIENT
};
#define CWMP_LENIENT_KINDS 8 /* bits in CWMP_LENIENT_LIST */

/* One message. Decode fills it (fields borrowed from the codec); to encode, the caller
 * fills type, version, header and the body member (all borrowed for the call). */
struct cwmp_msg {
    enum cwmp_msg_type type;
    enum cwmp_version version;      /* namespace the peer used / to write */
    bool has_header;                /* decode: a SOAP Header was present */
    struct cwmp_header header;
    union cwmp_body body;
    const char *soap_faultcode;     /* decode of CWMP_MSG_FAULT: SOAP faultcode ("Client") */
    const char *soap_faultstring;   /* ... and faultstring ("CWMP fault") */
    unsigned int lenient;           /* decode: CWMP_LENIENT_* bits of what was accepted
                                     * although wrong (0 = nothing); ignored by encode */
};

/* Why a message was refused. fault.c maps each to a CWMP fault code and an HTTP status. */
enum cwmp_reason {
    CWMP_R_OK = 0,
    CWMP_R_TRUNCATED,       /* ends before the envelope does */
    CWMP_R_MALFORMED,       /* not well-formed XML, or not a SOAP envelope */
    CWMP_R_ENCODING,        /* not UTF-8 */
    CWMP_R_DTD,             /* carries a DOCTYPE (never expanded) */
    CWMP_R_SOAP_VERSION,    /* SOAP 1.2 or another envelope namespace */
    CWMP_R_NAMESPACE,       /* body not in a urn:dslforum-org:cwmp-1-0..1-4 namespace */
    CWMP_R_NO_BODY,         /* no SOAP Body, or an empty one where a message is needed */
    CWMP_R_TWO_BODIES,      /* more than one element in the Body */
    CWMP_R_UNKNOWN_METHOD,  /* body element is no CWMP RPC */
    CWMP_R_BODY_XSI_TYPE,   /* xsi:type, id or href on the body element */
    CWMP_R_NO_ID,           /* no cwmp:ID header */
    CWMP_R_MUST_UNDERSTAND, /* cwmp:ID without mustUnderstand="1" */
    CWMP_R_NOT_UNDERSTOOD,  /* a mustUnderstand header element we do not know */
    CWMP_R_ARRAY_TYPE,      /* malformed arrayType ("type[1,2]", "type[x]") or a partial
                             * array (SOAP-ENC:offset) */
    CWMP_R_ARRAY_COUNT,     /* sparse array (SOAP-ENC:position left a hole): the items
                             * could not be taken as sent */
    CWMP_R_MISSING,         /* a required element is missing or NULL */
    CWMP_R_DUPLICATE,       /* a parameter name appears twice in SetParameterValues */
    CWMP_R_EVENT_CODE,      /* EventCode does not match the schema pattern */
    CWMP_R_FAULT_CODE,      /* fault code out of range */
    CWMP_R_TOO_LONG,        /* string longer than the schema allows */
    CWMP_R_BAD_VALUE,       /* a value outside its type: OUI, enum, dateTime, boolean... */
    CWMP_R_VALUE_TYPE,      /* Value text contradicts its xsi:type */
    CWMP_R_TOO_BIG,         /* envelope, array or nesting over the caps */
    CWMP_R_NOMEM,
    CWMP_R_INTERNAL,
    CWMP_R_COUNT
};

/* Details of a refusal, filled by decode/encode/validate (caller-allocated: no allocation
 * on the refusal path). */
struct cwmp_error {
    enum cwmp_reason reason;
    char msg[200]; /* one line, safe to log (never contains parameter values) */
    /* cwmp_decode refusals only, so the refusing side can answer with a Fault the peer
     * can match: the cwmp:ID when the Header was read (borrowed from the codec until its
     * next call), else NULL; the enum cwmp_version of the body's namespace, -1 if unknown. */
    const char *id;
    int version;
};

/* Decode flags. */
#define CWMP_DECODE_ALLOW_NO_ID 0x1u /* accept a message without cwmp:ID or mustUnderstand
                                      * (TR-069 allows a missing Header; FACTS.md) */

struct cwmp_codec;

/* New codec (one gSOAP context, ~75 KB resident when idle). NULL on failure. */
struct cwmp_codec *cwmp_codec_new(void);
/* Free the codec and everything it decoded. NULL is a no-op. */
void cwmp_codec_free(struct cwmp_codec *c);
/* Drop the decoded data now (also done at the start of each decode and encode). */
void cwmp_codec_reset(struct cwmp_codec *c);

/* Decode one complete envelope from data[0..len) (not NUL-terminated) and validate it.
 * Zero bytes decode to CWMP_MSG_NONE. On success *out points into the codec (valid until
 * the next call on it). Returns 0, or -ERR_PARSE (malformed), -ERR_POLICY (well-formed but
 * refused), -ERR_TOO_BIG, -ERR_NOMEM; err (may be NULL) says why. */
int cwmp_decode(struct cwmp_codec *c, const char *data, size_t len, unsigned int flags,
                const struct cwmp_msg **out, struct cwmp_error *err) WARN_UNUSED;

/* Validate msg, then append its envelope to out (SOAP-ENV prefix, Header with cwmp:ID
 * mustUnderstand="1", the namespace of msg->version). Returns 0, -ERR_INVAL (msg refused
 * by validation: see err), -ERR_TOO_BIG (out->max reached), -ERR_NOMEM. On failure out
 * keeps its previous length. Data in msg is only read. */
int cwmp_encode(struct cwmp_codec *c, const struct cwmp_msg *msg, struct buf *out,
                struct cwmp_error *err) WARN_UNUSED;

/* Check a message against the schema rules gSOAP does not enforce (lengths, patterns,
 * counts, NULL entries, duplicates, Value vs xsi:type, fault ranges). Returns 0 or
 * -ERR_POLICY with err filled. Used by decode and encode. */
int cwmp_validate(const struct cwmp_msg *msg, unsigned int flags, struct cwmp_error *err)
    WARN_UNUSED;

/* Element name of a message type ("Inform"), "" for CWMP_MSG_NONE, NULL if out of range. */
const char *cwmp_msg_name(enum cwmp_msg_type t);
/* Message type for an element name (exact case), CWMP_MSG_NONE if unknown. */
enum cwmp_msg_type cwmp_msg_by_name(const char *name);
/* Name of one CWMP_LENIENT_* bit ("array_count_larger"), NULL if not exactly one known bit. */
const char *cwmp_lenient_str(unsigned int bit);
/* Write the names of the bits set in lenient, comma-separated ("array_count_larger,no_id"),
 * into out (always NUL-terminated; "" for 0). Returns out. */
char *cwmp_lenient_names(unsigned int lenient, char *out, size_t n);

/* Namespace URI written for a version; NULL if out of range. */
const char *cwmp_version_ns(enum cwmp_version v);
/* "1.0".."1.4"; NULL if out of range. */
const char *cwmp_version_str(enum cwmp_version v);

/* ---- faults (fault.c: the one table) ---- */

/* Well-known fault codes. */
enum {
    CWMP_FAULT_ACS_METHOD_NOT_SUPPORTED = 8000,
    CWMP_FAULT_ACS_REQUEST_DENIED = 8001,
    CWMP_FAULT_ACS_INTERNAL = 8002,
    CWMP_FAULT_ACS_INVALID_ARGS = 8003,
    CWMP_FAULT_ACS_RESOURCES = 8004,
    CWMP_FAULT_ACS_RETRY = 8005,
    CWMP_FAULT_ACS_VERSION = 8006,
    CWMP_FAULT_METHOD_NOT_SUPPORTED = 9000,
    CWMP_FAULT_REQUEST_DENIED = 9001,
    CWMP_FAULT_INTERNAL = 9002,
    CWMP_FAULT_INVALID_ARGS = 9003,
    CWMP_FAULT_RESOURCES = 9004,
};

/* Which side refuses: the ACS answers a CPE with 8xxx codes, a CPE the ACS with 9xxx. */
enum cwmp_side { CWMP_SIDE_ACS, CWMP_SIDE_CPE };

/* Text for a fault code (the XSD's description, e.g. 9003 "Invalid arguments"); vendor
 * and extension ranges get a generic text; "Unknown fault" outside 8000-8899/9000-9899. */
const char *cwmp_fault_str(int code);
/* True if code is within 8000-8899 or 9000-9899. */
bool cwmp_fault_code_valid(int code);
/* SOAP faultcode for a CWMP fault: "Server" for internal/retry/resources, else "Client". */
const char *cwmp_fault_soap_code(int code);
/* Fault code the refusing side sends for a reason (e.g. CWMP_R_DUPLICATE -> 8003/9003). */
int cwmp_reason_fault(enum cwmp_reason r, enum cwmp_side side);
/* HTTP status to answer a refused request with (200 with a SOAP Fault, or 400/413/500). */
int cwmp_reason_http_status(enum cwmp_reason r);
/* Short name of a reason ("array_count"), for logs. */
const char *cwmp_reason_str(enum cwmp_reason r);

#endif

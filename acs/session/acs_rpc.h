/* acs/session/acs_rpc.h — ACS RPCs from tasks (kind + args JSON → CWMP message body) and CPE answers
 * back to JSON (tasks.result, fault details, parameter lists). Pure: no DB, no network.
 * Owns: struct acs_rpc (the parsed args and every allocation its body points into).
 * Thread-safety: reentrant. */
#ifndef ACS_RPC_H
#define ACS_RPC_H

#include <jansson.h>

#include "cwmp.h"

/* Every task kind, in the order of the tasks.kind CHECK constraint. */
#define ACS_TASK_KINDS(X)                                                                  \
    X(getParameterValues, GET_PARAMETER_VALUES) X(setParameterValues, SET_PARAMETER_VALUES) \
    X(getParameterNames, GET_PARAMETER_NAMES) X(getParameterAttributes, GET_PARAMETER_ATTRIBUTES) \
    X(setParameterAttributes, SET_PARAMETER_ATTRIBUTES) X(addObject, ADD_OBJECT)            \
    X(deleteObject, DELETE_OBJECT) X(reboot, REBOOT) X(factoryReset, FACTORY_RESET)         \
    X(download, DOWNLOAD) X(upload, UPLOAD) X(scheduleInform, SCHEDULE_INFORM)              \
    X(cancelTransfer, CANCEL_TRANSFER) X(getRPCMethods, GET_RPC_METHODS)

struct acs_rpc_block;
struct ParameterValueList;

/* An ACS request built from a task. msg.type and msg.body are set; the session fills the
 * header and version. hold_requests: the task asked for cwmp:HoldRequests. */
struct acs_rpc {
    struct cwmp_msg msg;
    int hold_requests;
    const char *command_key; /* CommandKey/ParameterKey sent, or "" (borrowed from args) */
    json_t *args;
    struct acs_rpc_block *mem;
};

/* Is kind one of ACS_TASK_KINDS? */
int acs_rpc_kind_valid(const char *kind);
/* Parse args_json (NULL or "" = {}) for kind and build the message. Unknown members, wrong
 * types and values the CWMP schema refuses are errors: -ERR_INVAL with *errmsg (caller
 * frees; never quotes a value). On success release with acs_rpc_cleanup(). */
int acs_rpc_build(const char *kind, const char *args_json, struct acs_rpc *out, char **errmsg) WARN_UNUSED;
void acs_rpc_cleanup(struct acs_rpc *r);

/* Send key (borrowed: it must outlive r's encoding) as the CommandKey of a Download, Upload or
 * CancelTransfer instead of the operator's args.commandKey: acsd's own key of the transfer
 * (tasks.command_key, db/0008), which its TransferComplete names. Other kinds: no change. */
void acs_rpc_set_transfer_key(struct acs_rpc *r, const char *key);

/* The response type that answers a request type (CWMP_MSG_NONE if none). */
enum cwmp_msg_type acs_rpc_response_type(enum cwmp_msg_type request);

/* tasks.result JSON for a CPE response (new reference; NULL when out of memory). Values of
 * secret parameters (acs_secret_param) are "***" (CPEs mostly send "" for those: kept). */
json_t *acs_rpc_result(const struct cwmp_msg *resp);
/* The CPE fault of a SOAP Fault message: code, string and the SetParameterValuesFault list
 * as [{"name","code","string"}] (new reference in *details). */
int acs_rpc_fault(const struct cwmp_msg *fault, int *code, const char **string, json_t **details) WARN_UNUSED;

/* Parameter list of an Inform or GetParameterValuesResponse as [{"name","value","type"}]
 * (new reference; entries that are NULL or not valid UTF-8 are skipped; a secret parameter's
 * non-empty value is "***"). */
json_t *acs_rpc_param_list(const struct ParameterValueList *l);

#endif

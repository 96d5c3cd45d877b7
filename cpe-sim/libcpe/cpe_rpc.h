/* cpe-sim/libcpe/cpe_rpc.h — a CPE's answers to the ACS's RPCs over its data model:
 * GetRPCMethods, Get/SetParameterValues, GetParameterNames, Get/SetParameterAttributes,
 * Add/DeleteObject, Reboot, FactoryReset, Download, Upload, ScheduleInform, CancelTransfer;
 * anything else: fault 9000. Reboot/FactoryReset/transfers are recorded on the device and
 * happen after the session (cpe_dev_session_done).
 * Owns nothing: replies live in the caller's arena. Thread-safety: one thread per device. */
#ifndef CPE_RPC_H
#define CPE_RPC_H

#include <stdint.h>

#include "cpe_arena.h"
#include "cpe_dev.h"
#include "cwmp.h"

/* Answer request in (an ACS->CPE message): fills out->type and out->body (allocated in a).
 * The caller sets version and header. Returns 0 or -ERR_NOMEM. */
int cpe_rpc_answer(struct cpe_dev *dev, const struct cwmp_msg *in, struct cpe_arena *a, int64_t now_ms,
                   struct cwmp_msg *out) WARN_UNUSED;
/* A cwmp:Fault reply body for code (FaultString from the codec's table); NULL on no memory. */
struct _cwmp__Fault *cpe_rpc_fault(struct cpe_arena *a, int code);

#endif

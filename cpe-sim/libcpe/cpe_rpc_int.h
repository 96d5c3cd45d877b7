/* cpe-sim/libcpe/cpe_rpc_int.h — shared between cpe_rpc.c and cpe_rpc_ops.c. */
#ifndef CPE_RPC_INT_H
#define CPE_RPC_INT_H

#include "cpe_rpc.h"

/* Make out a Fault reply with code. 0 or -ERR_NOMEM. */
int cpe_rpc_reply_fault(struct cpe_arena *a, struct cwmp_msg *out, int code) WARN_UNUSED;
/* Store ManagementServer.ParameterKey. 0 or -ERR_NOMEM. */
int cpe_rpc_set_key(struct cpe_dev *d, const char *key) WARN_UNUSED;
/* Device-level requests (cpe_rpc_ops.c); anything unknown gets fault 9000. */
int cpe_rpc_ops_answer(struct cpe_dev *d, const struct cwmp_msg *in, struct cpe_arena *a, int64_t now_ms,
                       struct cwmp_msg *out) WARN_UNUSED;

#endif

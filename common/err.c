/* common/err.c — error code text. */
#include "err.h"

#include <string.h>

const char *err_str(int code)
{
    if (code < 0)
        code = -code;
    switch (code) {
    case ERR_OK: return "success";
    case ERR_DB: return "database error";
    case ERR_TLS: return "TLS error";
    case ERR_CRYPTO: return "cryptographic operation failed";
    case ERR_PARSE: return "malformed input";
    case ERR_POLICY: return "refused by policy";
    case ERR_AUTH: return "authentication failed";
    case ERR_REVOKED: return "certificate revoked";
    case ERR_EXPIRED: return "expired";
    case ERR_CONFIG: return "invalid configuration";
    case ERR_INTEGRITY: return "integrity check failed";
    default: return strerror(code);
    }
}

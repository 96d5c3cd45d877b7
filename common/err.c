/* common/err.c — error code text. */
#define _GNU_SOURCE /* vasprintf */
#include "err.h"

#include <stdio.h>
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

int err_vfail(char **errmsg, int code, const char *fmt, va_list ap)
{
    if (errmsg && !*errmsg && vasprintf(errmsg, fmt, ap) < 0)
        *errmsg = NULL;
    return code;
}

int err_fail(char **errmsg, int code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    err_vfail(errmsg, code, fmt, ap);
    va_end(ap);
    return code;
}

/* common/err.h — project-wide error codes (negative ints) and their text.
 * Functions return 0 on success or -ERR_x; errno-compatible where one exists.
 * Thread-safety: err_str() returns static strings, safe everywhere. */
#ifndef COMMON_ERR_H
#define COMMON_ERR_H

#include <errno.h>

enum err {
    ERR_OK = 0,
    ERR_PERM = EPERM,
    ERR_NOENT = ENOENT,
    ERR_IO = EIO,
    ERR_TOO_BIG = E2BIG,
    ERR_NOMEM = ENOMEM,
    ERR_EXIST = EEXIST,
    ERR_INVAL = EINVAL,
    ERR_TIMEOUT = ETIMEDOUT,
    /* project-specific codes start above errno's range */
    ERR_DB = 1000,   /* database unreachable or a query failed */
    ERR_TLS,         /* TLS library failure */
    ERR_CRYPTO,      /* OpenSSL failure (key, signature, encoding) */
    ERR_PARSE,       /* malformed input (PEM, DER, XML, INI) */
    ERR_POLICY,      /* input well-formed but refused by policy */
    ERR_AUTH,        /* missing or wrong credential */
    ERR_REVOKED,     /* certificate revoked */
    ERR_EXPIRED,     /* certificate or token expired */
    ERR_CONFIG,      /* configuration invalid */
    ERR_INTEGRITY,   /* stored data failed an integrity check */
};

/* Text for an error code (positive or negative). Never NULL. */
const char *err_str(int code);

#include <stdarg.h>
/* Set *errmsg from a printf format (malloc'd, caller frees) unless errmsg is NULL or
 * *errmsg is already set (the first cause wins). Returns code, for `return err_fail(...)`. */
int err_fail(char **errmsg, int code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
int err_vfail(char **errmsg, int code, const char *fmt, va_list ap) __attribute__((format(printf, 3, 0)));

#define WARN_UNUSED __attribute__((warn_unused_result))

#endif

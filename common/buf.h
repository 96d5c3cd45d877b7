/* common/buf.h — growable byte buffer with a hard size cap. Its bytes never stay behind in freed
 * memory (growth copies and wipes, cleanup wipes): a buffer may hold a secret.
 * Owns: its data; buf_take() hands the bytes to the caller.
 * Thread-safety: none; one owner at a time. */
#ifndef COMMON_BUF_H
#define COMMON_BUF_H

#include <stdarg.h>
#include <stddef.h>

#include "err.h"

struct buf {
    char *data;   /* always NUL-terminated when non-NULL */
    size_t len;
    size_t cap;   /* allocated bytes */
    size_t max;   /* hard limit on len; appends beyond it fail with -ERR_TOO_BIG */
};

/* Initialise an empty buffer that may grow to max bytes. */
void buf_init(struct buf *b, size_t max);
/* Free the data and reset to empty (keeps max). */
void buf_cleanup(struct buf *b);
int buf_append(struct buf *b, const void *data, size_t len) WARN_UNUSED;
int buf_append_str(struct buf *b, const char *s) WARN_UNUSED;
int buf_printf(struct buf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3))) WARN_UNUSED;
int buf_vprintf(struct buf *b, const char *fmt, va_list ap) WARN_UNUSED;
/* Return the data (caller frees with free()) and reset the buffer. Never NULL
 * unless out of memory: an empty buffer yields "". */
char *buf_take(struct buf *b);

#endif

/* common/buf.c — growable, capped byte buffer. */
#include "buf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void buf_init(struct buf *b, size_t max)
{
    b->data = NULL;
    b->len = 0;
    b->cap = 0;
    b->max = max;
}

void buf_cleanup(struct buf *b)
{
    if (b->data)
        explicit_bzero(b->data, b->cap); /* see reserve(): no bytes left in freed memory */
    free(b->data);
    buf_init(b, b->max);
}

static int reserve(struct buf *b, size_t extra)
{
    if (extra > b->max || b->len > b->max - extra)
        return -ERR_TOO_BIG;
    size_t need = b->len + extra + 1;
    if (need <= b->cap)
        return 0;
    size_t ncap = b->cap ? b->cap : 64;
    while (ncap < need)
        ncap *= 2;
    /* not realloc: a buffer may hold a secret (a request body, a SOAP message with a password),
     * and the block realloc leaves behind would keep it in freed memory */
    char *p = malloc(ncap);
    if (!p)
        return -ERR_NOMEM;
    if (b->data) {
        memcpy(p, b->data, b->len + 1);
        explicit_bzero(b->data, b->cap);
        free(b->data);
    }
    b->data = p;
    b->cap = ncap;
    return 0;
}

int buf_append(struct buf *b, const void *data, size_t len)
{
    int rc = reserve(b, len);
    if (rc < 0)
        return rc;
    if (len)
        memcpy(b->data + b->len, data, len);
    b->len += len;
    b->data[b->len] = '\0';
    return 0;
}

int buf_append_str(struct buf *b, const char *s)
{
    return buf_append(b, s, strlen(s));
}

int buf_vprintf(struct buf *b, const char *fmt, va_list ap)
{
    va_list ap2;
    va_copy(ap2, ap);
    int n = vsnprintf(NULL, 0, fmt, ap2);
    va_end(ap2);
    if (n < 0)
        return -ERR_INVAL;
    int rc = reserve(b, (size_t)n);
    if (rc < 0)
        return rc;
    vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
    b->len += (size_t)n;
    return 0;
}

int buf_printf(struct buf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int rc = buf_vprintf(b, fmt, ap);
    va_end(ap);
    return rc;
}

char *buf_take(struct buf *b)
{
    char *p = b->data;
    if (!p)
        p = calloc(1, 1);
    buf_init(b, b->max);
    return p;
}

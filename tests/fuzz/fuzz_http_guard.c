/* tests/fuzz/fuzz_http_guard.c — libFuzzer target for common/http_guard (the framing guard of
 * tls_front over http-parser): the input is a client's byte stream; the first byte picks the
 * size of the pieces it arrives in. Fed whole or in pieces, the verdict must be the same. */
#include <stdint.h>
#include <stdlib.h>

#include "http_guard.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static enum http_guard_verdict run(const char *p, size_t n, size_t step)
{
    struct http_guard g;
    http_guard_init(&g);
    for (size_t off = 0; off < n;) {
        size_t k = n - off > step ? step : n - off;
        if (http_guard_feed(&g, p + off, k) == HTTP_GUARD_REFUSE) {
            (void)http_guard_reason(&g);
            return HTTP_GUARD_REFUSE;
        }
        off += k;
    }
    return HTTP_GUARD_OK;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    size_t step = (size_t)data[0] % 32 + 1;
    const char *p = (const char *)data + 1;
    if (run(p, size - 1, size) != run(p, size - 1, step))
        abort();
    return 0;
}

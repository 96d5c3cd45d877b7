/* tests/fuzz/fuzz_soap.c — libFuzzer target for the CWMP codec (common/cwmp): decode and
 * validate arbitrary bytes as one envelope; whatever is accepted must encode again, the
 * encoding must decode with nothing to be lenient about (what we write is strict), and a
 * second encode must give the same bytes. Refusals must carry
 * a reason that maps to a CWMP fault. Codecs are reused across inputs, as a worker does. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cwmp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct cwmp_codec *dec, *enc;

static void check_refusal(int rc, const struct cwmp_error *e)
{
    if (rc >= 0 || e->reason == CWMP_R_OK || e->reason >= CWMP_R_COUNT || !e->msg[0])
        abort();
    int f = cwmp_reason_fault(e->reason, CWMP_SIDE_ACS);
    if (f < 8000 || f > 8006)
        abort();
}

static void round_trip(const struct cwmp_msg *m)
{
    struct buf b1, b2;
    struct cwmp_error e;
    buf_init(&b1, CWMP_MAX_ENVELOPE);
    buf_init(&b2, CWMP_MAX_ENVELOPE);
    int rc = cwmp_encode(enc, m, &b1, &e);
    if (rc == -ERR_TOO_BIG) /* escaping can make a near-cap input too big */
        goto out;
    if (rc != 0) {
        fprintf(stderr, "encode of a decoded %s failed: %s\n", cwmp_msg_name(m->type), e.msg);
        abort();
    }
    const struct cwmp_msg *m2;
    if (cwmp_decode(dec, b1.data, b1.len, 0, &m2, &e) != 0) {
        fprintf(stderr, "re-decode failed: %s: %s\n%s\n", cwmp_reason_str(e.reason), e.msg,
                b1.data);
        abort();
    }
    if (m2->lenient != 0) {
        fprintf(stderr, "our own encoding needed leniency 0x%x:\n%s\n", m2->lenient, b1.data);
        abort();
    }
    if (cwmp_encode(enc, m2, &b2, &e) != 0 || b1.len != b2.len ||
        memcmp(b1.data, b2.data, b1.len) != 0) {
        fprintf(stderr, "second encode differs:\n%s\n%s\n", b1.data, b2.data ? b2.data : "");
        abort();
    }
out:
    buf_cleanup(&b1);
    buf_cleanup(&b2);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!dec && !(dec = cwmp_codec_new()))
        abort();
    if (!enc && !(enc = cwmp_codec_new()))
        abort();
    const struct cwmp_msg *m;
    struct cwmp_error e;
    int rc = cwmp_decode(dec, (const char *)data, size, 0, &m, &e);
    if (rc != 0) {
        check_refusal(rc, &e);
        return 0;
    }
    if (m->type != CWMP_MSG_NONE)
        round_trip(m);
    /* the lenient header mode must accept at least what the strict one does */
    if (cwmp_decode(dec, (const char *)data, size, CWMP_DECODE_ALLOW_NO_ID, &m, &e) != 0)
        abort();
    return 0;
}

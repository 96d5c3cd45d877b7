/* acs/session/acs_devid.c — device ids: the percent-encoding of a part (the Inform's DeviceId, acsctl and
 * the NBI use the same one) and the stored forms an operator's spelling may stand for. */
#include "acs_devid.h"

#include <string.h>

#include "err.h"

static int unreserved(unsigned char c)
{
    return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || strchr("._~+:", c);
}

static int hexval(unsigned char c)
{
    return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

/* One byte of a part, encoded, at out[at]; the new length, or n when it does not fit. */
static size_t put(char *out, size_t n, size_t at, unsigned char c)
{
    static const char hex[] = "0123456789ABCDEF";
    if (c && unreserved(c)) {
        if (at + 1 >= n)
            return n;
        out[at++] = (char)c;
    } else {
        if (at + 3 >= n)
            return n;
        out[at++] = '%';
        out[at++] = hex[c >> 4];
        out[at++] = hex[c & 15];
    }
    out[at] = '\0';
    return at;
}

size_t acs_devid_append_part(char *out, size_t n, size_t at, const char *s)
{
    for (; s && *s; s++) {
        size_t next = put(out, n, at, (unsigned char)*s);
        if (next >= n)
            break;
        at = next;
    }
    return at;
}

/* s[0..len) as a typed part (escapes understood, '-' encoded) appended to out; n on overflow or
 * an empty part. */
static size_t typed_part(char *out, size_t n, size_t at, const char *s, size_t len)
{
    if (len == 0)
        return n;
    for (size_t i = 0; i < len && at < n; i++) {
        unsigned char c = (unsigned char)s[i];
        int h1 = -1, h2 = -1;
        if (c == '%' && i + 2 < len) {
            h1 = hexval((unsigned char)s[i + 1]);
            h2 = hexval((unsigned char)s[i + 2]);
        }
        if (h1 >= 0 && h2 >= 0) {
            c = (unsigned char)(h1 * 16 + h2);
            i += 2;
        }
        at = put(out, n, at, c);
    }
    return at;
}

/* OUI + '-' + the rest split at dash (NULL: no ProductClass) into out; 0 or -1. */
static int candidate(const char *oui, const char *rest, const char *dash, char *out, size_t n)
{
    memcpy(out, oui, 6);
    out[6] = '-';
    out[7] = '\0';
    size_t at = 7;
    if (dash) {
        at = typed_part(out, n, at, rest, (size_t)(dash - rest));
        if (at + 1 >= n)
            return -1;
        out[at++] = '-';
        out[at] = '\0';
        rest = dash + 1;
    }
    at = typed_part(out, n, at, rest, strlen(rest));
    return at < n ? 0 : -1;
}

int acs_devid_candidates(const char *in, char (*out)[ACS_DEVID_MAX + 1], int max)
{
    if (!in || strlen(in) > 3 * ACS_DEVID_MAX || max < 1)
        return -ERR_INVAL;
    char oui[6];
    for (int i = 0; i < 6; i++) {
        if (hexval((unsigned char)in[i]) < 0)
            return -ERR_INVAL;
        oui[i] = in[i] >= 'a' && in[i] <= 'f' ? (char)(in[i] - 'a' + 'A') : in[i];
    }
    if (in[6] != '-')
        return -ERR_INVAL;
    const char *rest = in + 7, *dashes[ACS_DEVID_MAX_CANDIDATES];
    int nd = 0;
    for (const char *p = rest; *p; p++) {
        if ((unsigned char)*p < 0x20 || *p == 0x7f)
            return -ERR_INVAL;
        if (*p == '-') {
            if (nd == ACS_DEVID_MAX_CANDIDATES - 1)
                return -ERR_INVAL;
            dashes[nd++] = p;
        }
    }
    const size_t n = ACS_DEVID_MAX + 1;
    if (nd <= 1)
        return candidate(oui, rest, nd ? dashes[0] : NULL, out[0], n) < 0 ? -ERR_INVAL : 1;
    int k = 0;
    for (int i = 0; i < nd && k < max; i++) /* ProductClass ends at the i-th '-' */
        if (candidate(oui, rest, dashes[i], out[k], n) == 0)
            k++;
    if (k < max && candidate(oui, rest, NULL, out[k], n) == 0) /* no ProductClass */
        k++;
    return k > 0 ? k : -ERR_INVAL;
}

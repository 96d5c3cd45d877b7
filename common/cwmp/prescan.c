/* common/cwmp/prescan.c — byte-level checks before gSOAP sees an envelope: what gSOAP
 * would accept silently or decode wrongly (invalid UTF-8 is re-encoded, unknown entities
 * become DEL, long character references lose digits, DTDs are skipped). */
#include <string.h>

#include "cwmp_int.h"

static int lex_hexdigit(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

static const char *find(const char *p, size_t len, const char *needle)
{
    size_t n = strlen(needle);
    for (size_t i = 0; i + n <= len; i++)
        if (p[i] == needle[0] && memcmp(p + i, needle, n) == 0)
            return p + i;
    return NULL;
}

/* UTF-8 only, and only characters XML allows: no C0 controls but tab/CR/LF, no DEL
 * (gSOAP turns unknown entities into DEL), no surrogates, no U+FFFE/U+FFFF. */
static int check_utf8(const unsigned char *p, size_t len, struct cwmp_error *err)
{
    for (size_t i = 0; i < len;) {
        unsigned char b = p[i];
        if (b < 0x80) {
            if ((b < 0x20 && b != '\t' && b != '\r' && b != '\n') || b == 0x7f)
                return cwmp_fail(err, CWMP_R_ENCODING, "control byte 0x%02x at %zu", b, i);
            i++;
            continue;
        }
        size_t n = b >= 0xf0 ? 4 : b >= 0xe0 ? 3 : 2;
        unsigned int cp = b & (n == 2 ? 0x1f : n == 3 ? 0x0f : 0x07);
        bool ok = b >= 0xc2 && b <= 0xf4 && len - i >= n;
        for (size_t k = 1; ok && k < n; k++) {
            ok = (p[i + k] & 0xc0) == 0x80;
            cp = (cp << 6) | (p[i + k] & 0x3f);
        }
        if (!ok || (n == 3 && cp < 0x800) || (n == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
            (cp >= 0xd800 && cp <= 0xdfff) || cp == 0xfffe || cp == 0xffff)
            return cwmp_fail(err, CWMP_R_ENCODING, "invalid UTF-8 at byte %zu", i);
        i += n;
    }
    return 0;
}

/* Length of a reference at p ("&amp;", "&#65;", "&#x41;") that gSOAP decodes faithfully
 * to a character XML allows; 0 if it is none. gSOAP reads at most a few digits. */
static size_t char_ref(const char *p, size_t left)
{
    static const char *const named[] = {"&lt;", "&gt;", "&amp;", "&quot;", "&apos;"};
    for (size_t i = 0; i < sizeof named / sizeof named[0]; i++) {
        size_t n = strlen(named[i]);
        if (left >= n && memcmp(p, named[i], n) == 0)
            return n;
    }
    if (left < 4 || p[1] != '#')
        return 0;
    bool hex = p[2] == 'x';
    size_t i = hex ? 3 : 2, maxd = hex ? 4 : 5;
    unsigned long v = 0;
    for (; i < left && i - (hex ? 3 : 2) < maxd; i++) {
        int d = lex_hexdigit(p[i]);
        if (d < 0 || (!hex && d > 9))
            break;
        v = v * (hex ? 16 : 10) + (unsigned long)d;
    }
    if (i == (hex ? 3u : 2u) || i >= left || p[i] != ';')
        return 0;
    bool legal = v == 0x9 || v == 0xa || v == 0xd || (v >= 0x20 && v < 0x7f) ||
                 (v >= 0x80 && v < 0xd800) || (v >= 0xe000 && v <= 0xfffd);
    return legal ? i + 1 : 0;
}

/* Markup checks: no DOCTYPE (gSOAP skips DTDs, but a SOAP message must not carry one),
 * only references gSOAP decodes faithfully. Comments, CDATA and PIs are skipped. */
static int check_markup(const char *p, size_t len, struct cwmp_error *err)
{
    static const struct {
        const char *open, *close;
    } skip[] = {{"<!--", "-->"}, {"<![CDATA[", "]]>"}, {"<?", "?>"}};
    for (size_t i = 0; i < len; i++) {
        if (p[i] == '&') {
            size_t n = char_ref(p + i, len - i);
            if (!n)
                return cwmp_fail(err, CWMP_R_MALFORMED, "bad reference at byte %zu", i);
            i += n - 1;
            continue;
        }
        if (p[i] != '<')
            continue;
        if (len - i >= 9 && memcmp(p + i, "<!DOCTYPE", 9) == 0)
            return cwmp_fail(err, CWMP_R_DTD, "DOCTYPE at byte %zu", i);
        for (size_t k = 0; k < sizeof skip / sizeof skip[0]; k++) {
            size_t ol = strlen(skip[k].open);
            if (len - i < ol || memcmp(p + i, skip[k].open, ol) != 0)
                continue;
            const char *end = find(p + i + ol, len - i - ol, skip[k].close);
            if (!end)
                return cwmp_fail(err, CWMP_R_TRUNCATED, "unterminated %s at byte %zu",
                                 skip[k].open, i);
            i = (size_t)(end - p) + strlen(skip[k].close) - 1;
            break;
        }
    }
    return 0;
}

int cwmp_prescan(const char *data, size_t len, struct cwmp_error *err)
{
    int rc = check_utf8((const unsigned char *)data, len, err);
    return rc < 0 ? rc : check_markup(data, len, err);
}

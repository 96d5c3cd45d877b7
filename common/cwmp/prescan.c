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
int cwmp_check_utf8(const unsigned char *p, size_t len, struct cwmp_error *err)
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

/* A reference at p[i]: its length, or a refusal. */
static long reference(const char *p, size_t len, size_t i, struct cwmp_error *err)
{
    size_t n = char_ref(p + i, len - i);
    if (!n)
        return cwmp_fail(err, CWMP_R_MALFORMED, "bad reference at byte %zu", i);
    return (long)n;
}

/* A start or end tag from p[i] == '<': attribute values must be quoted (gSOAP takes any
 * character after '=' as the quote) and hold no '<'. Returns the index of the closing '>',
 * or a refusal. */
static long tag(const char *p, size_t len, size_t i, struct cwmp_error *err)
{
    for (i++; i < len && p[i] != '>'; i++) {
        if (p[i] == '<')
            return cwmp_fail(err, CWMP_R_MALFORMED, "'<' inside a tag at byte %zu", i);
        if (p[i] != '=')
            continue;
        do
            i++;
        while (i < len && (p[i] == ' ' || p[i] == '\t' || p[i] == '\r' || p[i] == '\n'));
        if (i == len)
            break;
        char q = p[i];
        if (q != '"' && q != '\'')
            return cwmp_fail(err, CWMP_R_MALFORMED, "unquoted attribute value at byte %zu", i);
        for (i++; i < len && p[i] != q; i++) {
            if (p[i] == '<')
                return cwmp_fail(err, CWMP_R_MALFORMED, "'<' in an attribute at byte %zu", i);
            if (p[i] == '&') {
                long n = reference(p, len, i, err);
                if (n < 0)
                    return n;
                i += (size_t)n - 1;
            }
        }
        if (i == len)
            break;
    }
    if (i >= len)
        return cwmp_fail(err, CWMP_R_TRUNCATED, "unterminated tag");
    return (long)i;
}

/* Comment, CDATA section or PI at p[i]: index of its last byte; 0 if none starts there;
 * a refusal if it does not end. */
static long skipped(const char *p, size_t len, size_t i, struct cwmp_error *err)
{
    static const struct {
        const char *open, *close;
    } skip[] = {{"<!--", "-->"}, {"<![CDATA[", "]]>"}, {"<?", "?>"}};
    for (size_t k = 0; k < sizeof skip / sizeof skip[0]; k++) {
        size_t ol = strlen(skip[k].open);
        if (len - i < ol || memcmp(p + i, skip[k].open, ol) != 0)
            continue;
        const char *end = find(p + i + ol, len - i - ol, skip[k].close);
        if (!end)
            return cwmp_fail(err, CWMP_R_TRUNCATED, "unterminated %s at byte %zu", skip[k].open, i);
        return (long)((size_t)(end - p) + strlen(skip[k].close) - 1);
    }
    return 0;
}

/* Markup checks: no DOCTYPE (gSOAP skips DTDs, but a SOAP message must not carry one),
 * only references gSOAP decodes faithfully, quoted attributes. The lexical layer only:
 * nesting and names are gSOAP's job. */
static int check_markup(const char *p, size_t len, struct cwmp_error *err)
{
    for (size_t i = 0; i < len; i++) {
        long n = 0;
        if (p[i] == '&') {
            n = reference(p, len, i, err);
            if (n > 0)
                n += (long)i - 1;
        } else if (p[i] == '<') {
            if (len - i >= 9 && memcmp(p + i, "<!DOCTYPE", 9) == 0)
                return cwmp_fail(err, CWMP_R_DTD, "DOCTYPE at byte %zu", i);
            n = skipped(p, len, i, err);
            if (n == 0)
                n = tag(p, len, i, err);
        } else {
            continue;
        }
        if (n < 0)
            return (int)n;
        i = (size_t)n;
    }
    return 0;
}

int cwmp_prescan(const char *data, size_t len, struct cwmp_error *err)
{
    int rc = cwmp_check_utf8((const unsigned char *)data, len, err);
    return rc < 0 ? rc : check_markup(data, len, err);
}

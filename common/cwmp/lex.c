/* common/cwmp/lex.c — lexical forms of the XSD types and CWMP patterns that validate.c
 * checks: integers, booleans, dateTime, base64/hex, OUI, EventCode, FileType. Pure
 * functions over NUL-terminated strings. */
#include <limits.h>
#include <stdint.h>
#include <string.h>

#include "cwmp_int.h"

static bool is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

size_t cwmp_lex_chars(const char *s, size_t stop)
{
    size_t n = 0;
    for (; *s && n < stop; s++)
        if (((unsigned char)*s & 0xc0) != 0x80)
            n++;
    return n;
}

bool cwmp_lex_clean(const char *s)
{
    return cwmp_check_utf8((const unsigned char *)s, strlen(s), NULL) == 0;
}

/* Trimmed [b, e) of s. */
static void trim(const char *s, const char **b, const char **e)
{
    while (is_space(*s))
        s++;
    const char *end = s + strlen(s);
    while (end > s && is_space(end[-1]))
        end--;
    *b = s;
    *e = end;
}

/* Digits [p, e) as a number <= max. */
static bool digits(const char *p, const char *e, uint64_t max, uint64_t *out)
{
    uint64_t v = 0;
    if (p == e)
        return false;
    for (; p < e; p++) {
        if (!is_digit(*p))
            return false;
        unsigned int d = (unsigned int)(*p - '0');
        if (d > max || v > (max - d) / 10)
            return false;
        v = v * 10 + d;
    }
    *out = v;
    return true;
}

/* Signed integer within [-neg_max, pos_max]. */
static bool lex_int(const char *s, uint64_t neg_max, uint64_t pos_max)
{
    const char *p, *e;
    uint64_t v;
    trim(s, &p, &e);
    bool neg = p < e && *p == '-';
    if (p < e && (*p == '-' || *p == '+'))
        p++;
    return digits(p, e, neg ? neg_max : pos_max, &v);
}

bool cwmp_lex_ulong(const char *s, unsigned long max, unsigned long *out)
{
    const char *p, *e;
    uint64_t v;
    trim(s, &p, &e);
    if (p < e && *p == '+')
        p++;
    if (!digits(p, e, max, &v))
        return false;
    *out = (unsigned long)v;
    return true;
}

static bool lex_bool(const char *s)
{
    const char *p, *e;
    trim(s, &p, &e);
    size_t n = (size_t)(e - p);
    return (n == 4 && memcmp(p, "true", 4) == 0) || (n == 5 && memcmp(p, "false", 5) == 0) ||
           (n == 1 && (*p == '0' || *p == '1'));
}

/* n digits at *p, value within [lo, hi]; advances *p. */
static bool field(const char **p, int n, int lo, int hi)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        if (!is_digit((*p)[i]))
            return false;
        v = v * 10 + ((*p)[i] - '0');
    }
    *p += n;
    return v >= lo && v <= hi;
}

static bool expect(const char **p, char c)
{
    if (**p != c)
        return false;
    (*p)++;
    return true;
}

/* [-]YYYY[Y...]-MM-DDThh:mm:ss[.s+][Z|(+|-)hh:mm] */
bool cwmp_lex_datetime(const char *s)
{
    const char *p, *e;
    trim(s, &p, &e);
    if (p < e && *p == '-')
        p++;
    const char *y = p;
    while (p < e && is_digit(*p))
        p++;
    if (p - y < 4 || (p - y > 4 && *y == '0'))
        return false;
    if (!expect(&p, '-') || !field(&p, 2, 1, 12) || !expect(&p, '-') || !field(&p, 2, 1, 31) ||
        !expect(&p, 'T') || !field(&p, 2, 0, 24) || !expect(&p, ':') || !field(&p, 2, 0, 59) ||
        !expect(&p, ':') || !field(&p, 2, 0, 60))
        return false;
    if (p < e && *p == '.') {
        const char *f = ++p;
        while (p < e && is_digit(*p))
            p++;
        if (p == f)
            return false;
    }
    if (p < e && *p == 'Z')
        p++;
    else if (p < e && (*p == '+' || *p == '-')) {
        p++;
        if (e - p < 5 || !field(&p, 2, 0, 14) || !expect(&p, ':') || !field(&p, 2, 0, 59))
            return false;
    }
    return p == e;
}

static bool lex_base64(const char *s)
{
    size_t n = 0, pad = 0;
    for (; *s; s++) {
        char c = *s;
        if (is_space(c))
            continue;
        if (c == '=') {
            pad++;
        } else if (pad || !((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || is_digit(c) ||
                            c == '+' || c == '/')) {
            return false;
        }
        n++;
    }
    return n % 4 == 0 && pad <= 2;
}

static bool lex_hex(const char *s)
{
    const char *p, *e;
    trim(s, &p, &e);
    if ((e - p) % 2)
        return false;
    for (; p < e; p++)
        if (!strchr("0123456789abcdefABCDEF", *p))
            return false;
    return true;
}

bool cwmp_lex_typed_value(const char *type, const char *text)
{
    if (strcmp(type, "int") == 0)
        return lex_int(text, (uint64_t)INT32_MAX + 1, INT32_MAX);
    if (strcmp(type, "unsignedInt") == 0)
        return lex_int(text, 0, UINT32_MAX);
    if (strcmp(type, "long") == 0)
        return lex_int(text, (uint64_t)INT64_MAX + 1, INT64_MAX);
    if (strcmp(type, "unsignedLong") == 0)
        return lex_int(text, 0, UINT64_MAX);
    if (strcmp(type, "boolean") == 0)
        return lex_bool(text);
    if (strcmp(type, "dateTime") == 0)
        return cwmp_lex_datetime(text);
    if (strcmp(type, "base64Binary") == 0 || strcmp(type, "base64") == 0)
        return lex_base64(text);
    if (strcmp(type, "hexBinary") == 0)
        return lex_hex(text);
    return true; /* string, anyURI, vendor types: any text */
}

bool cwmp_lex_oui(const char *s)
{
    for (int i = 0; i < 6; i++)
        if (!is_digit(s[i]) && !(s[i] >= 'A' && s[i] <= 'F'))
            return false;
    return s[6] == '\0';
}

/* XSD \S: anything but space, tab, CR, LF. */
static bool non_space_run(const char **p)
{
    const char *s = *p;
    while (**p && !is_space(**p))
        (*p)++;
    return *p > s;
}

/* "( \S+)+" up to the end. */
static bool words(const char *p)
{
    if (*p != ' ')
        return false;
    while (*p == ' ') {
        p++;
        if (!non_space_run(&p))
            return false;
    }
    return *p == '\0';
}

/* "X \S+ .+" ('.' is any character but CR and LF). */
static bool vendor(const char *p)
{
    if (p[0] != 'X' || p[1] != ' ')
        return false;
    p += 2;
    if (!non_space_run(&p) || *p != ' ' || p[1] == '\0')
        return false;
    return strpbrk(p, "\r\n") == NULL;
}

/* "\d+( \S+)+|M \S+|M X_\S+|X [0-9A-F]{6} .+|X \S+ .+" */
bool cwmp_lex_event_code(const char *s)
{
    if (is_digit(*s)) {
        while (is_digit(*s))
            s++;
        return words(s);
    }
    if (s[0] == 'M' && s[1] == ' ') {
        s += 2;
        return non_space_run(&s) && *s == '\0';
    }
    return vendor(s);
}

/* "[1-9]\d*( \S+)+|[1-9]\d*( \S+)+ [1-9]\d*|X [0-9A-F]{6} .+|X \S+ .+" (the second form
 * is a case of the first). */
bool cwmp_lex_file_type(const char *s)
{
    if (*s >= '1' && *s <= '9') {
        while (is_digit(*s))
            s++;
        return words(s);
    }
    return vendor(s);
}

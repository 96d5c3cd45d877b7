/* provisioning/prov_e164.c — E.164 validation and canonical form. */
#include "prov_e164.h"

#include <string.h>

int prov_e164_valid(const char *s)
{
    if (!s || s[0] != '+' || s[1] < '1' || s[1] > '9')
        return 0;
    size_t n = strlen(s + 1);
    if (n < 8 || n > 15)
        return 0;
    return strspn(s + 1, "0123456789") == n;
}

int prov_e164_canonical(const char *s, char *out, size_t n)
{
    if (!s || n < PROV_E164_MAX + 1)
        return -1;
    size_t k = 0;
    for (const char *p = s; *p; p++) {
        if (!strncmp(p, "(0)", 3)) { /* the national trunk prefix some write after the code */
            p += 2;
            continue;
        }
        if (*p == ' ' || *p == '-' || *p == '.' || *p == '(' || *p == ')')
            continue;
        if (k == PROV_E164_MAX)
            return -1;
        out[k++] = *p;
    }
    out[k] = '\0';
    return prov_e164_valid(out) ? 0 : -1;
}

/* provisioning/prov_e164.h — E.164 numbers as lines and the directory store them: "+" and 8-15
 * digits, the first not 0 (ITU-T E.164: at most 15 digits; 8 is the shortest national number
 * plus country code a telco assigns as a line). Owns: nothing. Thread-safety: pure. */
#ifndef PROV_E164_H
#define PROV_E164_H

#include <stddef.h>

#define PROV_E164_MAX 16 /* "+" and 15 digits */

/* Is s a valid E.164 line number? */
int prov_e164_valid(const char *s);
/* A number as operators write it ("+49 30 1234-567", "+49(0)30...": spaces, dashes, dots and
 * parentheses dropped; a "(0)" trunk prefix dropped) into its canonical form (out, at least
 * PROV_E164_MAX + 1 bytes). 0, or -1 when what remains is no valid E.164 number. */
int prov_e164_canonical(const char *s, char *out, size_t n);

#endif

/* acs/session/acs_devid.h — device ids as acsd stores them and as operators type them.
 * The stored form is what the certificate carries: OUI-ProductClass-SerialNumber (OUI-SerialNumber
 * without a ProductClass), the OUI uppercased, each part percent-encoded as in RFC 9039 device
 * URNs ('-' and anything outside [A-Za-z0-9._~+:] as %XX, uppercase hex).
 * Owns: nothing. Thread-safety: pure functions. */
#ifndef ACS_DEVID_H
#define ACS_DEVID_H

#include <stddef.h>

#include "ca.h"

#define ACS_DEVID_MAX CA_DEVICE_ID_MAX
#define ACS_DEVID_MAX_CANDIDATES 8 /* spellings with up to 7 '-' after the OUI's */

/* Append s percent-encoded as one part to out (size n) from offset at; stops before overflowing.
 * Returns the new length (out stays NUL-terminated). */
size_t acs_devid_append_part(char *out, size_t n, size_t at, const char *s);

/* The stored forms an operator's spelling may stand for, into out[0..max): as printed on the box
 * ("00040E-FRITZ!Box-123"), percent-encoded ("00040E-FRITZ%21Box-123"), or mixed; the OUI in
 * either case, %xx in either case. "%" with two hex digits is an escape (decoded when it names an
 * unreserved character, else kept as %XX), any other character outside the unreserved set is
 * encoded. With at most two '-' they separate the parts: one candidate. With more, a '-' inside
 * ProductClass or SerialNumber cannot be told from a separator: every split is a candidate and the
 * caller looks up which exists (acs_db_device_resolve). Returns the number of candidates (>= 1),
 * or -ERR_INVAL (no OUI, an empty part, a control character, too long, too many '-'). */
int acs_devid_candidates(const char *in, char (*out)[ACS_DEVID_MAX + 1], int max);

#endif

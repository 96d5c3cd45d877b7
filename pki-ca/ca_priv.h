/* pki-ca/ca_priv.h — internals shared by pki-ca's own files (not for other modules).
 * Owns: nothing. Thread-safety: as ca.h. */
#ifndef PKICA_CA_PRIV_H
#define PKICA_CA_PRIV_H

#include "ca.h"

/* The CA passphrase (loaded once from file or environment); NULL with *errmsg if none. */
const char *ca_passphrase(struct ca_ctx *ca, char **errmsg);
/* The root key's own passphrase ([ca] root_passphrase_file or ACS_CA_ROOT_PASSPHRASE). */
const char *ca_root_passphrase(struct ca_ctx *ca, char **errmsg);
/* key_dir/file into out. */
int ca_key_path(struct ca_ctx *ca, const char *file, char *out, size_t n);
/* Inside the caller's transaction: revoke serial as superseded by the certificate by (a
 * re-enrollment's), with its audit row. -ERR_EXIST when it is revoked already. */
int ca_revoke_superseded(struct ca_ctx *ca, const char *serial, const char *by, char **errmsg) WARN_UNUSED;
/* Record a refusal in the audit log (best effort: a DB failure is logged, not returned). */
void ca_audit_refusal(struct ca_ctx *ca, const char *action, const char *subject, const char *why);


#include <openssl/x509.h>

/* Build and sign an end-entity certificate for pub under iss (key loaded); when spki is
 * given (a CSR's), it is copied as encoded, which is much cheaper than re-encoding pub.
 * profile "device": CN=device_id, SAN urn:dev:ops:<id>, EKU clientAuth.
 * profile "server": CN=name, SAN DNS/IP from the comma lists, EKU serverAuth.
 * serial_hex receives the serial. NULL with *errmsg on failure. */
X509 *ca_build_leaf(struct ca_ctx *ca, struct ca_authority *iss, EVP_PKEY *pub, X509_PUBKEY *spki,
                    const char *profile,
                    const char *name, const char *dns_names, const char *ips, char *serial_hex,
                    size_t hexlen, char **errmsg);
/* Record n issued certificates (DB rows + one audit row each) in one transaction
 * (or inside the caller's). device_ids[i] may be NULL for server certs. */
int ca_record_issued(struct ca_ctx *ca, struct ca_authority *iss, X509 *const *certs,
                     const char *const *serials, const char *const *device_ids, size_t n,
                     const char *profile, const char *via, char **errmsg);
/* CSR policy for device_id (canonical, ca_device_id_valid): identity syntax, key type/size,
 * signature, CN, SAN (their OUI may be lowercase). *pub_out is borrowed from req. */
int ca_check_csr(X509_REQ *req, const char *device_id, EVP_PKEY **pub_out, char **errmsg);
#endif

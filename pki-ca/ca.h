/* pki-ca/ca.h — the certificate authority: context, authorities, issuance, revocation.
 * Owns: struct ca_ctx (config view, DB handle borrowed, passphrase, cached authorities
 * with their decrypted keys). All state lives in PostgreSQL; CA keys live encrypted in
 * [ca] key_dir. Thread-safety: one ca_ctx per thread (it holds one DB connection). */
#ifndef PKICA_CA_H
#define PKICA_CA_H

#include <stddef.h>
#include <time.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "cfg.h"
#include "db.h"
#include "err.h"

#define CA_DEVICE_ID_MAX 192    /* OUI(6) + '-' + ProductClass(64) + '-' + Serial(64) + slack */
#define CA_SERIAL_HEX_MAX 48    /* hex text of a serial number */
#define CA_PEM_MAX (64u << 10)  /* largest PEM/DER input accepted anywhere */

extern const struct cfg_key ca_cfg_schema[];

struct ca_ctx;

/* An authority (root or issuing CA), cached in the context; borrowed pointers. */
struct ca_authority {
    int id;
    char name[64];
    int is_root;
    int parent_id;
    X509 *cert;
    EVP_PKEY *key;      /* NULL until ca_authority_get(..., need_key=1) */
    char key_file[256];
    char key_type[16];
    int revoked;        /* a revoked issuer: its key is never loaded, it signs nothing more */
};

/* Create a context over cfg ([ca] section) and db (both borrowed, must outlive it).
 * actor names who acts, for the audit log ("cli:root", "est", ...). */
struct ca_ctx *ca_new(const struct cfg *cfg, struct db *db, const char *actor);
void ca_free(struct ca_ctx *ca);
struct db *ca_db(struct ca_ctx *ca);
const struct cfg *ca_cfg(struct ca_ctx *ca);
const char *ca_actor(struct ca_ctx *ca);

/* Which keys a context may open: an online signer never the root's, acsd none at all. */
enum ca_key_policy { CA_KEYS_ALL = 0, CA_KEYS_ISSUERS, CA_KEYS_NONE };
void ca_set_key_policy(struct ca_ctx *ca, enum ca_key_policy p);

/* Root and issuing CAs. key_type: "ec-p256" (default), "ec-p384", "rsa-3072", "rsa-4096".
 * The key is written encrypted: the root's with its own passphrase ([ca] root_passphrase_file or
 * ACS_CA_ROOT_PASSPHRASE), an issuer's with [ca] passphrase_file or ACS_CA_PASSPHRASE,
 * with mode 0600 under key_dir. path_len < 0 means unlimited (root only). */
int ca_init_root(struct ca_ctx *ca, const char *common_name, const char *key_type,
                 char **errmsg) WARN_UNUSED;
/* tenant: the tenant (tenants.name) whose devices this issuer certifies; NULL = "default". */
int ca_issuer_create(struct ca_ctx *ca, const char *name, const char *key_type, int path_len, const char *tenant,
                     char **errmsg) WARN_UNUSED;
/* A new tenant (tenants.name: 1-64 of A-Z a-z 0-9 . _ -, first alphanumeric), audited.
 * -ERR_EXIST when it exists, -ERR_INVAL for a bad name. */
int ca_tenant_create(struct ca_ctx *ca, const char *name, char **errmsg) WARN_UNUSED;
/* Look an authority up by name (NULL: the configured default issuer). With need_key the
 * private key is decrypted (passphrase needed). NULL on failure with *errmsg set. */
struct ca_authority *ca_authority_get(struct ca_ctx *ca, const char *name, int need_key,
                                      char **errmsg);
struct ca_authority *ca_authority_by_id(struct ca_ctx *ca, int id, int need_key, char **errmsg);
/* All authorities' certificates, root first (borrowed stack, owned by ca). */
int ca_authorities_load_all(struct ca_ctx *ca, char **errmsg) WARN_UNUSED;
size_t ca_authority_count(struct ca_ctx *ca);
struct ca_authority *ca_authority_at(struct ca_ctx *ca, size_t i);

/* PEM of every CA certificate (root and issuers): the trust list a TLS listener gives the
 * TLS library so that it asks clients for a certificate. malloc'd; NULL with *errmsg when
 * there is no CA yet or on failure. */
char *ca_trust_pem(struct ca_ctx *ca, char **errmsg);

/* Result of an issuance: serial (lowercase hex) and the certificate (caller frees). */
struct ca_issued {
    char serial[CA_SERIAL_HEX_MAX + 1];
    X509 *cert;
};
void ca_issued_cleanup(struct ca_issued *out);

/* Issue a device certificate from a PKCS#10 CSR (PEM or DER bytes) for device_id,
 * after policy checks: CSR signature, key type/size, CN (if any) = device_id, SANs (if
 * any) = urn:dev:ops:<device_id>. The OUI may be lowercase in device_id, CN and SAN alike:
 * the certificate names the canonical identity (OUI uppercased, ca_device_id_normalise).
 * via names the channel ("cli", "est-enroll", ...).
 * Refusals are audited; nothing is written on failure. */
int ca_issue_from_csr(struct ca_ctx *ca, const char *issuer, const unsigned char *csr,
                      size_t csr_len, const char *device_id, const char *via,
                      struct ca_issued *out, char **errmsg) WARN_UNUSED;
/* Many CSRs in one go (factory lines, benchmarks): each request is checked and built
 * on its own (reqs[i].rc, reqs[i].errmsg malloc'd, reqs[i].out), and every accepted
 * certificate is recorded in ONE transaction. Returns < 0 only when the group could not
 * be recorded (then no request has a certificate). */
struct ca_csr_req {
    const unsigned char *csr;
    size_t len;
    const char *device_id;
    int rc;
    char *errmsg;
    struct ca_issued out;
    char id[CA_DEVICE_ID_MAX + 1]; /* out: the canonical identity issued for */
};
int ca_issue_from_csrs(struct ca_ctx *ca, const char *issuer, struct ca_csr_req *reqs, size_t n,
                       const char *via, char **errmsg) WARN_UNUSED;
/* The first half of ca_issue_from_csrs: policy, build and sign, nothing recorded.
 * Accepted requests have rc 0 and a certificate that must not leave before it is
 * recorded (ca_writer_submit, or ca_record_issued). *iss_out: the issuer used. */
int ca_issue_prepare(struct ca_ctx *ca, const char *issuer, struct ca_csr_req *reqs, size_t n,
                     const char *via, struct ca_authority **iss_out, char **errmsg) WARN_UNUSED;
/* Issue a TLS server certificate for a freshly generated key (dns_names/ips: comma lists). */
int ca_issue_server(struct ca_ctx *ca, const char *issuer, const char *common_name,
                    const char *dns_names, const char *ips, EVP_PKEY **key_out,
                    struct ca_issued *out, char **errmsg) WARN_UNUSED;

/* Revocation. reason: RFC 5280 CRLReason code (0..10, not 7). Revoking twice fails
 * with -ERR_EXIST. The revocation is NOTIFYed to every verifier. */
int ca_revoke(struct ca_ctx *ca, const char *serial, int reason, char **errmsg) WARN_UNUSED;
/* Revoke every live certificate of a device (identity in either OUI case), in one
 * transaction, one audit row each; *count gets how many (0 is no error). */
int ca_revoke_device(struct ca_ctx *ca, const char *device_id, int reason, long *count,
                     char **errmsg) WARN_UNUSED;
/* Revoke an issuing CA (the root's key must open: the CA passphrase). Its serial joins every
 * verifier's revoked set, so each chain through it is refused from then on. */
int ca_issuer_revoke(struct ca_ctx *ca, const char *name, int reason, char **errmsg) WARN_UNUSED;
/* Map "keyCompromise", "superseded", ... or a number to a reason code; -1 if unknown. */
int ca_reason_parse(const char *text);
const char *ca_reason_name(int reason);

#endif

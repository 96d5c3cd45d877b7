/* pki-ca/ca_authority.c — creating the root CA and issuing (intermediate) CAs. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ca.h"
#include "ca_audit.h"
#include "ca_db.h"
#include "ca_priv.h"
#include "ca_util.h"
#include "log.h"

static int ensure_key_dir(struct ca_ctx *ca, char **errmsg)
{
    const char *dir = cfg_str(ca_cfg(ca), "ca", "key_dir");
    char path[1024];
    snprintf(path, sizeof path, "%s", dir);
    for (char *s = path + 1; *s; s++) {
        if (*s != '/')
            continue;
        *s = '\0';
        if (mkdir(path, 0755) < 0 && errno != EEXIST)
            return err_fail(errmsg, -ERR_IO, "cannot create %s: %s", path, strerror(errno));
        *s = '/';
    }
    if (mkdir(path, 0700) < 0 && errno != EEXIST)
        return err_fail(errmsg, -ERR_IO, "cannot create key directory %s: %s", path, strerror(errno));
    return 0;
}

static int valid_ca_name(const char *name)
{
    size_t n = strlen(name);
    if (n < 1 || n > 48)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (!((name[i] >= 'a' && name[i] <= 'z') || (name[i] >= '0' && name[i] <= '9') || name[i] == '-' ||
              name[i] == '_'))
            return 0;
    return 1;
}

/* Build and sign a CA certificate for key, signed by (issuer_cert, issuer_key) or
 * self-signed when issuer_cert is NULL. */
static X509 *build_ca_cert(struct ca_ctx *ca, EVP_PKEY *key, const char *cn, long days, int path_len,
                           X509 *issuer_cert, EVP_PKEY *issuer_key, char *serial_hex, size_t hexlen)
{
    const struct cfg *cfg = ca_cfg(ca);
    X509 *x = X509_new();
    ASN1_INTEGER *serial = ca_serial_random(serial_hex, hexlen);
    X509_NAME *name = X509_NAME_new();
    char bc[48];
    int ok = x && serial && name && X509_set_version(x, 2) && X509_set_serialNumber(x, serial) &&
             X509_NAME_add_entry_by_txt(name, "O", MBSTRING_UTF8,
                                        (const unsigned char *)cfg_str(cfg, "ca", "organization"), -1, -1, 0) &&
             X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8, (const unsigned char *)cn, -1, -1, 0) &&
             X509_set_subject_name(x, name) &&
             X509_set_issuer_name(x, issuer_cert ? X509_get_subject_name(issuer_cert) : name) &&
             X509_gmtime_adj(X509_getm_notBefore(x), -cfg_int(cfg, "ca", "backdate_seconds")) &&
             X509_time_adj_ex(X509_getm_notAfter(x), (int)days, 0, NULL) && X509_set_pubkey(x, key);
    if (path_len >= 0)
        snprintf(bc, sizeof bc, "critical,CA:TRUE,pathlen:%d", path_len);
    else
        snprintf(bc, sizeof bc, "critical,CA:TRUE");
    ok = ok && ca_add_ext(x, issuer_cert, NID_basic_constraints, bc) == 0 &&
         ca_add_ext(x, issuer_cert, NID_key_usage, "critical,keyCertSign,cRLSign,digitalSignature") == 0 &&
         ca_add_ext(x, issuer_cert, NID_subject_key_identifier, "hash") == 0;
    /* AKI needs the issuer's SKI, which a self-signed cert only has after the line above */
    ok = ok && ca_add_ext(x, issuer_cert ? issuer_cert : x, NID_authority_key_identifier, "keyid:always") == 0;
    ok = ok && ca_sign(x, issuer_key ? issuer_key : key) == 0;
    ASN1_INTEGER_free(serial);
    X509_NAME_free(name);
    if (!ok) {
        X509_free(x);
        return NULL;
    }
    return x;
}

static int store_authority(struct ca_ctx *ca, X509 *cert, EVP_PKEY *key, const char *name, const char *tenant,
                           const char *kind, int parent_id, const char *key_type, const char *serial, int path_len, char **errmsg)
{
    /* the root's key has its own passphrase: whoever may open an issuer's cannot open it */
    const char *pass = !strcmp(kind, "root") ? ca_root_passphrase(ca, errmsg) : ca_passphrase(ca, errmsg);
    if (!pass)
        return -ERR_AUTH;
    int rc = ensure_key_dir(ca, errmsg);
    if (rc < 0)
        return rc;
    struct ca_db_authority row = {.parent_id = parent_id, .tenant = tenant};
    snprintf(row.name, sizeof row.name, "%s", name);
    snprintf(row.kind, sizeof row.kind, "%s", kind);
    snprintf(row.key_type, sizeof row.key_type, "%s", key_type);
    snprintf(row.key_file, sizeof row.key_file, "%s.key.pem", name);
    char path[1024], nb[40], na[40];
    if (ca_key_path(ca, row.key_file, path, sizeof path) < 0)
        return err_fail(errmsg, -ERR_TOO_BIG, "key path too long");
    row.cert_der = ca_cert_der(cert, &row.cert_der_len);
    char *subject = ca_name_text(X509_get_subject_name(cert));
    if (!row.cert_der || !subject || ca_time_text(X509_get0_notBefore(cert), nb, sizeof nb) < 0 ||
        ca_time_text(X509_get0_notAfter(cert), na, sizeof na) < 0) {
        rc = err_fail(errmsg, -ERR_CRYPTO, "cannot encode CA certificate");
        goto out;
    }
    if ((rc = db_begin(ca_db(ca), errmsg)) < 0)
        goto out;
    int id = 0;
    rc = ca_db_authority_insert(ca_db(ca), &row, subject, serial, nb, na, path_len, &id, errmsg);
    if (rc == -ERR_EXIST)
        rc =
            err_fail(errmsg, rc, !strcmp(kind, "root") ? "a root CA already exists" : "CA \"%s\" already exists", name);
    char details[256];
    snprintf(details, sizeof details, "kind=%s key_type=%s serial=%s", kind, key_type, serial);
    if (rc == 0)
        rc = ca_audit(ca_db(ca), ca_actor(ca), !strcmp(kind, "root") ? "ca.init" : "ca.issuer.create", name, "ok",
                      details, errmsg);
    /* the key file goes last before commit: a failure after it removes it again */
    if (rc == 0)
        rc = ca_key_write_encrypted(key, path, pass, errmsg);
    if (rc == 0 && (rc = db_commit(ca_db(ca), errmsg)) < 0)
        unlink(path);
    if (rc < 0)
        db_rollback(ca_db(ca));
    if (rc == -ERR_EXIST)
        ca_audit_refusal(ca, !strcmp(kind, "root") ? "ca.init" : "ca.issuer.create", name,
                         errmsg && *errmsg ? *errmsg : "exists");
out:
    OPENSSL_free(row.cert_der);
    free(subject);
    return rc;
}

int ca_init_root(struct ca_ctx *ca, const char *common_name, const char *key_type, char **errmsg)
{
    if (!key_type)
        key_type = "ec-p256";
    if (strcmp(key_type, "ec-p256") && strcmp(key_type, "ec-p384") && strcmp(key_type, "rsa-3072") &&
        strcmp(key_type, "rsa-4096"))
        return err_fail(errmsg, -ERR_INVAL, "root key type must be ec-p256, ec-p384, rsa-3072 or rsa-4096");
    const char *root_pass = ca_root_passphrase(ca, errmsg);
    if (!root_pass)
        return -ERR_AUTH;
    char *ignored = NULL;
    const char *issuer_pass = ca_passphrase(ca, &ignored);
    free(ignored);
    if (issuer_pass && !strcmp(issuer_pass, root_pass))
        return err_fail(errmsg, -ERR_POLICY, "the root passphrase must differ from the issuing CAs' passphrase");
    EVP_PKEY *key = ca_key_generate(key_type, errmsg);
    if (!key)
        return -ERR_CRYPTO;
    char serial[40];
    X509 *cert = build_ca_cert(ca, key, common_name, cfg_int(ca_cfg(ca), "ca", "root_validity_days"), -1, NULL,
                               NULL, serial, sizeof serial);
    int rc = cert ? store_authority(ca, cert, key, "root", NULL, "root", 0, key_type, serial, -1, errmsg)
                  : err_fail(errmsg, -ERR_CRYPTO, "cannot build root certificate");
    if (rc == 0)
        log_info("ca", "event=ca_init serial=%s key_type=%s", serial, key_type);
    X509_free(cert);
    EVP_PKEY_free(key);
    return rc;
}

int ca_issuer_create(struct ca_ctx *ca, const char *name, const char *key_type, int path_len, const char *tenant,
                     char **errmsg)
{
    if (!key_type)
        key_type = "ec-p256";
    if (!valid_ca_name(name) || !strcmp(name, "root"))
        return err_fail(errmsg, -ERR_INVAL, "invalid CA name \"%s\": 1-48 of a-z 0-9 - _ (and not \"root\")", name);
    if (path_len < 0 || path_len > 4)
        return err_fail(errmsg, -ERR_INVAL, "path length must be 0..4");
    struct ca_authority *root = ca_authority_get(ca, "root", 1, errmsg);
    if (!root)
        return -ERR_NOENT;
    EVP_PKEY *key = ca_key_generate(key_type, errmsg);
    if (!key)
        return -ERR_CRYPTO;
    char serial[40], cn[96];
    snprintf(cn, sizeof cn, "%s Issuing CA %s", cfg_str(ca_cfg(ca), "ca", "organization"), name);
    X509 *cert = build_ca_cert(ca, key, cn, cfg_int(ca_cfg(ca), "ca", "issuer_validity_days"), path_len,
                               root->cert, root->key, serial, sizeof serial);
    int rc = cert ? store_authority(ca, cert, key, name, tenant, "issuer", root->id, key_type, serial, path_len, errmsg)
                  : err_fail(errmsg, -ERR_CRYPTO, "cannot build issuer certificate");
    if (rc == 0)
        log_info("ca", "event=issuer_create name=%s serial=%s key_type=%s", name, serial, key_type);
    X509_free(cert);
    EVP_PKEY_free(key);
    return rc;
}

int ca_tenant_create(struct ca_ctx *ca, const char *name, char **errmsg)
{
    int rc = db_begin(ca_db(ca), errmsg);
    if (rc < 0)
        return rc;
    rc = ca_db_tenant_insert(ca_db(ca), name, errmsg);
    if (rc == -ERR_EXIST)
        rc = err_fail(errmsg, rc, "tenant \"%s\" already exists", name);
    else if (rc == -ERR_INVAL)
        rc = err_fail(errmsg, rc, "invalid tenant name: 1-64 of A-Z a-z 0-9 . _ -, starting with a letter or digit");
    if (rc == 0)
        rc = ca_audit(ca_db(ca), ca_actor(ca), "ca.tenant.create", name, "ok", "", errmsg);
    if (rc == 0)
        rc = db_commit(ca_db(ca), errmsg);
    if (rc < 0)
        db_rollback(ca_db(ca));
    return rc;
}

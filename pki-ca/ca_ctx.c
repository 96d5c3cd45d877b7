/* pki-ca/ca_ctx.c — CA context: configuration, passphrase, cached authorities. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "ca.h"
#include "ca_db.h"
#include "ca_priv.h"
#include "ca_util.h"
#include "log.h"

#define CA_PASSPHRASE_MAX 1024
#define CA_MAX_AUTHORITIES 64

const struct cfg_key ca_cfg_schema[] = {
    {"ca", "key_dir", CFG_PATH, "/var/lib/acs/ca", 0, 0, 0, NULL,
     "directory of the encrypted CA private keys (created 0700, keys 0600)"},
    {"ca", "passphrase_file", CFG_PATH, "", 0, 0, 0, NULL,
     "file holding the passphrase that encrypts the CA keys (else the environment variable below)"},
    {"ca", "passphrase_env", CFG_STR, "ACS_CA_PASSPHRASE", 0, 0, 0, NULL,
     "name of the environment variable holding the CA passphrase when no file is set"},
    {"ca", "root_passphrase_file", CFG_PATH, "", 0, 0, 0, NULL,
     "file holding the root CA key's own passphrase (offline ceremonies only: init, issuer create/revoke, "
     "the root's CRL); never on a host that runs acsd or sign-serve"},
    {"ca", "root_passphrase_env", CFG_STR, "ACS_CA_ROOT_PASSPHRASE", 0, 0, 0, NULL,
     "name of the environment variable holding the root passphrase when no file is set"},
    {"ca", "organization", CFG_STR, "ACS", 0, 0, 0, NULL, "O= of every subject the CA writes"},
    {"ca", "default_issuer", CFG_STR, "devices", 0, 0, 0, NULL,
     "issuing CA used when a command names none"},
    {"ca", "root_validity_days", CFG_INT, "7300", 1, 36500, 0, NULL, "validity of the root CA"},
    {"ca", "issuer_validity_days", CFG_INT, "3650", 1, 36500, 0, NULL, "validity of issuing CAs"},
    {"ca", "device_validity_days", CFG_INT, "825", 1, 36500, 0, NULL, "validity of device certificates"},
    {"ca", "server_validity_days", CFG_INT, "397", 1, 36500, 0, NULL, "validity of server certificates"},
    {"ca", "backdate_seconds", CFG_INT, "300", 0, 86400, 0, NULL,
     "notBefore is set this far in the past to tolerate clock skew on CPEs"},
    {"ca", "crl_validity_hours", CFG_INT, "24", 1, 8760, 0, NULL, "nextUpdate of CRLs, from thisUpdate"},
    {"ca", "ocsp_url", CFG_STR, "http://127.0.0.1:7580/ocsp", 0, 0, 0, NULL,
     "OCSP responder URL put in the AIA of issued certificates (empty: none)"},
    {"ca", "crl_url_base", CFG_STR, "http://127.0.0.1:7580/crl", 0, 0, 0, NULL,
     "CRL distribution point base; the issuer's CRL is <base>/<issuer>.crl (empty: none)"},
    {"ca", "token_ttl_seconds", CFG_INT, "86400", 60, 31536000, 0, NULL,
     "default lifetime of one-time enrollment tokens"},
    {"est", "revoke_on_reenroll", CFG_BOOL, "true", 0, 0, 0, NULL,
     "a successful simplereenroll revokes the certificate that authenticated it (reason superseded), "
     "in the transaction of the new one"},
    CFG_END,
};

struct ca_ctx {
    const struct cfg *cfg;
    struct db *db;
    char actor[64];
    char *passphrase;      /* the issuing CAs' */
    char *root_passphrase; /* the root's own */
    enum ca_key_policy key_policy;
    struct ca_authority *auth[CA_MAX_AUTHORITIES];
    size_t nauth;
    int all_loaded;
};

struct ca_ctx *ca_new(const struct cfg *cfg, struct db *db, const char *actor)
{
    struct ca_ctx *ca = calloc(1, sizeof *ca);
    if (!ca)
        return NULL;
    ca->cfg = cfg;
    ca->db = db;
    snprintf(ca->actor, sizeof ca->actor, "%s", actor ? actor : "unknown");
    return ca;
}

static void authority_free(struct ca_authority *a)
{
    if (!a)
        return;
    X509_free(a->cert);
    EVP_PKEY_free(a->key);
    free(a);
}

void ca_free(struct ca_ctx *ca)
{
    if (!ca)
        return;
    for (size_t i = 0; i < ca->nauth; i++)
        authority_free(ca->auth[i]);
    if (ca->passphrase) {
        OPENSSL_cleanse(ca->passphrase, strlen(ca->passphrase));
        free(ca->passphrase);
    }
    if (ca->root_passphrase) {
        OPENSSL_cleanse(ca->root_passphrase, strlen(ca->root_passphrase));
        free(ca->root_passphrase);
    }
    free(ca);
}

struct db *ca_db(struct ca_ctx *ca) { return ca->db; }
const struct cfg *ca_cfg(struct ca_ctx *ca) { return ca->cfg; }
const char *ca_actor(struct ca_ctx *ca) { return ca->actor; }
void ca_set_key_policy(struct ca_ctx *ca, enum ca_key_policy p) { ca->key_policy = p; }

static int read_passphrase_file(const char *path, char **out, char **errmsg)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return err_fail(errmsg, -ERR_AUTH, "cannot read CA passphrase file %s: %s", path, strerror(errno));
    struct stat st;
    if (fstat(fd, &st) == 0 && (st.st_mode & 0077)) {
        char q[600];
        log_warn("ca", "event=passphrase_file_permissions path=%s mode=%03o advice=\"chmod 600\"",
                 log_quote(q, sizeof q, path), (unsigned)(st.st_mode & 0777));
    }
    char tmp[CA_PASSPHRASE_MAX + 2];
    ssize_t n = read(fd, tmp, sizeof tmp - 1);
    close(fd);
    if (n < 0)
        return err_fail(errmsg, -ERR_AUTH, "cannot read CA passphrase file %s: %s", path, strerror(errno));
    if (n > CA_PASSPHRASE_MAX)
        return err_fail(errmsg, -ERR_AUTH, "CA passphrase file %s: longer than %d bytes", path, CA_PASSPHRASE_MAX);
    tmp[n] = '\0';
    tmp[strcspn(tmp, "\r\n")] = '\0'; /* the first line is the passphrase */
    *out = strdup(tmp);
    OPENSSL_cleanse(tmp, sizeof tmp);
    return *out ? 0 : -ERR_NOMEM;
}

/* A passphrase from [ca] <file_key> or the environment variable named by [ca] <env_key>. */
static char *load_passphrase(struct ca_ctx *ca, const char *file_key, const char *env_key, const char *what,
                             const char *def_env, char **errmsg)
{
    const char *file = cfg_str(ca->cfg, "ca", file_key);
    const char *envname = cfg_str(ca->cfg, "ca", env_key);
    char *p = NULL;
    if (file && *file) {
        if (read_passphrase_file(file, &p, errmsg) < 0)
            return NULL;
    } else if (envname && *envname && getenv(envname)) {
        p = strdup(getenv(envname));
    }
    if (!p || !*p) {
        free(p);
        err_fail(errmsg, -ERR_AUTH, "no %s: set [ca] %s or the %s environment variable", what, file_key,
                 envname && *envname ? envname : def_env);
        return NULL;
    }
    if (strlen(p) < 8) {
        OPENSSL_cleanse(p, strlen(p));
        free(p);
        err_fail(errmsg, -ERR_AUTH, "%s too short (need at least 8 characters)", what);
        return NULL;
    }
    return p;
}

const char *ca_passphrase(struct ca_ctx *ca, char **errmsg)
{
    if (!ca->passphrase)
        ca->passphrase = load_passphrase(ca, "passphrase_file", "passphrase_env", "CA passphrase",
                                         "ACS_CA_PASSPHRASE", errmsg);
    return ca->passphrase;
}

const char *ca_root_passphrase(struct ca_ctx *ca, char **errmsg)
{
    if (!ca->root_passphrase)
        ca->root_passphrase = load_passphrase(ca, "root_passphrase_file", "root_passphrase_env",
                                              "root CA passphrase (the root key has its own)",
                                              "ACS_CA_ROOT_PASSPHRASE", errmsg);
    return ca->root_passphrase;
}

int ca_key_path(struct ca_ctx *ca, const char *file, char *out, size_t n)
{
    int len = snprintf(out, n, "%s/%s", cfg_str(ca->cfg, "ca", "key_dir"), file);
    return len > 0 && (size_t)len < n ? 0 : -ERR_TOO_BIG;
}

static struct ca_authority *load_authority(struct ca_ctx *ca, const char *name, int id, char **errmsg)
{
    for (size_t i = 0; i < ca->nauth; i++)
        if ((id > 0 && ca->auth[i]->id == id) || (id <= 0 && !strcmp(ca->auth[i]->name, name)))
            return ca->auth[i];
    if (ca->nauth == CA_MAX_AUTHORITIES) {
        err_fail(errmsg, -ERR_TOO_BIG, "more than %d CAs", CA_MAX_AUTHORITIES);
        return NULL;
    }
    struct ca_db_authority row;
    if (ca_db_authority_get(ca->db, name, id, ca->key_policy != CA_KEYS_NONE, &row, errmsg) < 0)
        return NULL;
    struct ca_authority *a = calloc(1, sizeof *a);
    if (!a) {
        free(row.cert_der);
        return NULL;
    }
    a->id = row.id;
    a->is_root = !strcmp(row.kind, "root");
    a->parent_id = row.parent_id;
    a->revoked = row.revoked;
    snprintf(a->name, sizeof a->name, "%s", row.name);
    snprintf(a->key_file, sizeof a->key_file, "%s", row.key_file);
    snprintf(a->key_type, sizeof a->key_type, "%s", row.key_type);
    a->cert = ca_cert_parse(row.cert_der, row.cert_der_len, errmsg);
    free(row.cert_der);
    if (!a->cert) {
        free(a);
        return NULL;
    }
    ca->auth[ca->nauth++] = a;
    return a;
}

static int load_key(struct ca_ctx *ca, struct ca_authority *a, char **errmsg)
{
    if (a->key)
        return 0;
    if (a->revoked)
        return err_fail(errmsg, -ERR_POLICY, "issuing CA \"%s\" is revoked", a->name);
    if (ca->key_policy == CA_KEYS_NONE)
        return err_fail(errmsg, -ERR_PERM, "this process holds no CA key (acs-ca sign-serve signs)");
    if (a->is_root && ca->key_policy == CA_KEYS_ISSUERS)
        return err_fail(errmsg, -ERR_PERM, "the root CA key is offline: this process never opens it");
    const char *pass = a->is_root ? ca_root_passphrase(ca, errmsg) : ca_passphrase(ca, errmsg);
    if (!pass)
        return -ERR_AUTH;
    char path[1024];
    if (ca_key_path(ca, a->key_file, path, sizeof path) < 0)
        return err_fail(errmsg, -ERR_TOO_BIG, "key path too long");
    a->key = ca_key_read_encrypted(path, pass, errmsg);
    if (!a->key)
        return -ERR_AUTH;
    if (X509_check_private_key(a->cert, a->key) != 1) {
        EVP_PKEY_free(a->key);
        a->key = NULL;
        return err_fail(errmsg, -ERR_INTEGRITY, "CA key %s does not match the certificate of CA %s", path, a->name);
    }
    return 0;
}

struct ca_authority *ca_authority_get(struct ca_ctx *ca, const char *name, int need_key, char **errmsg)
{
    if (!name || !*name)
        name = cfg_str(ca->cfg, "ca", "default_issuer");
    struct ca_authority *a = load_authority(ca, name, 0, errmsg);
    if (a && need_key && load_key(ca, a, errmsg) < 0)
        return NULL;
    return a;
}

struct ca_authority *ca_authority_by_id(struct ca_ctx *ca, int id, int need_key, char **errmsg)
{
    struct ca_authority *a = load_authority(ca, NULL, id, errmsg);
    if (a && need_key && load_key(ca, a, errmsg) < 0)
        return NULL;
    return a;
}

int ca_authorities_load_all(struct ca_ctx *ca, char **errmsg)
{
    if (ca->all_loaded)
        return 0;
    int ids[CA_MAX_AUTHORITIES];
    int n = ca_db_authority_ids(ca->db, ids, CA_MAX_AUTHORITIES, errmsg);
    if (n < 0)
        return n;
    for (int i = 0; i < n; i++)
        if (!load_authority(ca, NULL, ids[i], errmsg))
            return -ERR_DB;
    /* keep the root first */
    for (size_t i = 1; i < ca->nauth; i++)
        if (ca->auth[i]->is_root) {
            struct ca_authority *t = ca->auth[0];
            ca->auth[0] = ca->auth[i];
            ca->auth[i] = t;
        }
    ca->all_loaded = 1;
    return 0;
}

size_t ca_authority_count(struct ca_ctx *ca) { return ca->nauth; }
struct ca_authority *ca_authority_at(struct ca_ctx *ca, size_t i) { return i < ca->nauth ? ca->auth[i] : NULL; }

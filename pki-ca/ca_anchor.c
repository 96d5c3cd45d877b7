/* pki-ca/ca_anchor.c — signed checkpoints of the audit chain's head. */
#define _GNU_SOURCE
#include "ca_anchor.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include "ca_audit.h"
#include "ca_util.h"
#include "file_write.h"
#include "log.h"

#define ANCHOR_MAGIC "acs-audit-anchor"
#define ANCHOR_VERSION 1
#define ANCHOR_SIG_MAX 256
#define ANCHOR_MSG_MAX 160

const struct cfg_key ca_audit_cfg_schema[] = {
    {"audit", "anchor_key_file", CFG_PATH, "", 0, 0, 0, NULL,
     "private key signing audit anchors (acs-ca audit anchor-key writes it, 0600); keep it away from "
     "every online process"},
    {"audit", "anchor_pub_file", CFG_PATH, "", 0, 0, 0, NULL,
     "public key of the anchor key: acs-ca audit verify checks every anchor with it"},
    CFG_END,
};

struct anchor {
    char label[64]; /* "anchor 3" or the file name, for messages */
    long head_id;
    unsigned char head_hash[32];
    char at[40];
    char key_id[65];
    unsigned char sig[ANCHOR_SIG_MAX];
    size_t siglen;
};

static void put_field(unsigned char *msg, size_t *n, const void *data, size_t len)
{
    msg[(*n)++] = (unsigned char)(len >> 24);
    msg[(*n)++] = (unsigned char)(len >> 16);
    msg[(*n)++] = (unsigned char)(len >> 8);
    msg[(*n)++] = (unsigned char)len;
    memcpy(msg + *n, data, len);
    *n += len;
}

/* What is signed: the magic, a version byte, then head id, head hash and time, each
 * length-prefixed (as audit rows are), so no two anchors share an encoding. */
static size_t anchor_message(const struct anchor *a, unsigned char msg[ANCHOR_MSG_MAX])
{
    char id[24];
    snprintf(id, sizeof id, "%ld", a->head_id);
    size_t n = sizeof ANCHOR_MAGIC - 1;
    memcpy(msg, ANCHOR_MAGIC, n);
    msg[n++] = ANCHOR_VERSION;
    put_field(msg, &n, id, strlen(id));
    put_field(msg, &n, a->head_hash, 32);
    put_field(msg, &n, a->at, strlen(a->at));
    return n;
}

static int key_id(EVP_PKEY *key, char out[65])
{
    unsigned char *der = NULL, md[32];
    int len = i2d_PUBKEY(key, &der);
    unsigned int mdlen = 0;
    int ok = len > 0 && EVP_Digest(der, (size_t)len, md, &mdlen, EVP_sha256(), NULL) && mdlen == 32;
    OPENSSL_free(der);
    if (ok)
        ca_hex(md, 32, out);
    return ok ? 0 : -ERR_CRYPTO;
}

/* Ed25519 signs the message itself; an EC key signs its SHA-256. */
static const EVP_MD *sig_digest(EVP_PKEY *key)
{
    return EVP_PKEY_get_id(key) == EVP_PKEY_ED25519 ? NULL : EVP_sha256();
}

static EVP_PKEY *read_key(const char *path, int private_key, char **errmsg)
{
    FILE *f = path && *path ? fopen(path, "r") : NULL;
    if (!f) {
        err_fail(errmsg, -ERR_CONFIG, "cannot open the anchor %s key %s: %s", private_key ? "private" : "public",
                 path && *path ? path : "(not configured: [audit] anchor_key_file / anchor_pub_file)",
                 path && *path ? strerror(errno) : "");
        return NULL;
    }
    struct stat st;
    if (private_key && fstat(fileno(f), &st) == 0 && (st.st_mode & 0077))
        log_warn("ca", "event=anchor_key_permissions mode=%03o advice=\"chmod 600\"", (unsigned)(st.st_mode & 0777));
    EVP_PKEY *key = private_key ? PEM_read_PrivateKey(f, NULL, NULL, (void *)"") : PEM_read_PUBKEY(f, NULL, NULL, NULL);
    fclose(f);
    if (!key) {
        ERR_clear_error();
        err_fail(errmsg, -ERR_CONFIG, "%s: not a PEM %s key", path, private_key ? "private" : "public");
    }
    return key;
}

int ca_anchor_keygen(const char *key_path, const char *pub_path, char **errmsg)
{
    if (!key_path || !*key_path || !pub_path || !*pub_path)
        return err_fail(errmsg, -ERR_CONFIG, "set [audit] anchor_key_file and anchor_pub_file first");
    EVP_PKEY *key = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
    BIO *bio = BIO_new(BIO_s_mem());
    char *pem = NULL;
    long len = 0;
    int rc = key && bio && PEM_write_bio_PUBKEY(bio, key) ? 0 : -ERR_CRYPTO;
    if (rc == 0)
        len = BIO_get_mem_data(bio, &pem);
    if (rc < 0)
        err_fail(errmsg, rc, "cannot generate the anchor key");
    /* the public key first: a stale one must not be left beside a new private key */
    if (rc == 0 && (rc = file_write_new(pub_path, pem, (size_t)len, 0644, errmsg)) == 0 &&
        (rc = ca_key_write_plain(key, key_path, errmsg)) < 0)
        unlink(pub_path);
    BIO_free(bio);
    EVP_PKEY_free(key);
    return rc;
}

static char *anchor_text(const struct anchor *a)
{
    char hash[65], sig[2 * ANCHOR_SIG_MAX + 1], *text = NULL;
    ca_hex(a->head_hash, 32, hash);
    ca_hex(a->sig, a->siglen, sig);
    if (asprintf(&text, ANCHOR_MAGIC " v%d\nhead_id=%ld\nhead_hash=%s\nat=%s\nkey_id=%s\nsignature=%s\n",
                 ANCHOR_VERSION, a->head_id, hash, a->at, a->key_id, sig) < 0)
        return NULL;
    return text;
}

static int sign(EVP_PKEY *key, struct anchor *a, char **errmsg)
{
    unsigned char msg[ANCHOR_MSG_MAX];
    size_t n = anchor_message(a, msg);
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    a->siglen = sizeof a->sig;
    int ok = md && EVP_DigestSignInit(md, NULL, sig_digest(key), NULL, key) == 1 &&
             EVP_DigestSign(md, a->sig, &a->siglen, msg, n) == 1;
    EVP_MD_CTX_free(md);
    return ok ? 0 : err_fail(errmsg, -ERR_CRYPTO, "cannot sign the anchor");
}

int ca_anchor_take(struct db *db, const char *key_path, const char *actor, char **text, char **errmsg)
{
    *text = NULL;
    EVP_PKEY *key = read_key(key_path, 1, errmsg);
    if (!key)
        return -ERR_CONFIG;
    struct anchor a = {0};
    int rc = key_id(key, a.key_id);
    struct ca_audit_batch *b = rc == 0 ? ca_audit_begin(db, errmsg) : NULL; /* locks the head */
    if (!b) {
        EVP_PKEY_free(key);
        return rc < 0 ? rc : -ERR_DB;
    }
    ca_audit_head(b, &a.head_id, a.head_hash);
    ca_audit_now_text(a.at, sizeof a.at);
    rc = sign(key, &a, errmsg);
    EVP_PKEY_free(key);
    char id[24], hash[67] = "\\x", sig[2 * ANCHOR_SIG_MAX + 3] = "\\x", details[160], subject[40];
    snprintf(id, sizeof id, "%ld", a.head_id);
    ca_hex(a.head_hash, 32, hash + 2);
    ca_hex(a.sig, a.siglen, sig + 2);
    const char *p[6] = {id, hash, a.at, a.key_id, sig, actor};
    PGresult *r = rc == 0 ? db_exec(db,
                                    "INSERT INTO audit_anchors (head_id, head_hash, at, key_id, signature, actor)"
                                    " VALUES ($1::bigint, $2::bytea, $3::timestamptz, $4, $5::bytea, $6) RETURNING id",
                                    6, p, errmsg)
                          : NULL;
    if (rc == 0 && !r)
        rc = -ERR_DB;
    if (rc == 0) {
        snprintf(subject, sizeof subject, "anchor %s", PQgetvalue(r, 0, 0));
        snprintf(details, sizeof details, "head_id=%ld key_id=%.16s", a.head_id, a.key_id);
        rc = ca_audit_add(b, actor, "audit.anchor", subject, "ok", details);
    }
    if (rc < 0) {
        ca_audit_abort(b);
    } else if ((rc = ca_audit_finish(b, errmsg)) == 0) {
        log_info("ca", "event=audit_anchor id=%s head_id=%ld key_id=%.16s", PQgetvalue(r, 0, 0), a.head_id, a.key_id);
        if (!(*text = anchor_text(&a)))
            rc = -ERR_NOMEM;
    }
    PQclear(r);
    return rc;
}

static int unhex_n(const char *text, unsigned char *out, size_t max, size_t *len)
{
    size_t n = strlen(text);
    if (n % 2 || n / 2 > max)
        return -ERR_PARSE;
    for (size_t i = 0; i < n / 2; i++) {
        unsigned v;
        if (sscanf(text + 2 * i, "%2x", &v) != 1)
            return -ERR_PARSE;
        out[i] = (unsigned char)v;
    }
    *len = n / 2;
    return 0;
}

/* The file form written by anchor_text: every line "key=value" after the magic line. */
static int parse_file(const char *path, struct anchor *a, char **errmsg)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return err_fail(errmsg, -ERR_IO, "cannot open anchor file %s: %s", path, strerror(errno));
    char line[2 * ANCHOR_SIG_MAX + 32];
    int seen = 0, bad = !fgets(line, sizeof line, f) || strncmp(line, ANCHOR_MAGIC " v1\n", sizeof ANCHOR_MAGIC + 3);
    size_t n;
    while (!bad && fgets(line, sizeof line, f)) {
        line[strcspn(line, "\n")] = '\0';
        char *v = strchr(line, '=');
        if (!v) {
            bad = 1;
            break;
        }
        *v++ = '\0';
        char *end;
        if (!strcmp(line, "head_id")) {
            a->head_id = strtol(v, &end, 10);
            bad = *end || a->head_id < 0;
        } else if (!strcmp(line, "head_hash")) {
            bad = unhex_n(v, a->head_hash, 32, &n) < 0 || n != 32;
        } else if (!strcmp(line, "at")) {
            bad = snprintf(a->at, sizeof a->at, "%s", v) >= (int)sizeof a->at;
        } else if (!strcmp(line, "key_id")) {
            bad = snprintf(a->key_id, sizeof a->key_id, "%s", v) >= (int)sizeof a->key_id;
        } else if (!strcmp(line, "signature")) {
            bad = unhex_n(v, a->sig, sizeof a->sig, &a->siglen) < 0;
        } else {
            continue; /* room for later fields */
        }
        seen++;
    }
    fclose(f);
    if (bad || seen != 5)
        return err_fail(errmsg, -ERR_INTEGRITY, "anchor file %s: unreadable", path);
    snprintf(a->label, sizeof a->label, "anchor file %.48s", path);
    return 0;
}

/* One anchor: signed by our key, and the chain's row at its head still has its hash. */
static int check_one(struct db *db, EVP_PKEY *pub, const char *pub_id, const struct anchor *a, char **errmsg)
{
    if (strcmp(a->key_id, pub_id))
        return err_fail(errmsg, -ERR_INTEGRITY,
                        "%s (head row %ld): signed by another key (key_id %.16s, expected %.16s)", a->label, a->head_id,
                        a->key_id, pub_id);
    unsigned char msg[ANCHOR_MSG_MAX];
    size_t n = anchor_message(a, msg);
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    int ok = md && EVP_DigestVerifyInit(md, NULL, sig_digest(pub), NULL, pub) == 1 &&
             EVP_DigestVerify(md, a->sig, a->siglen, msg, n) == 1;
    EVP_MD_CTX_free(md);
    ERR_clear_error();
    if (!ok)
        return err_fail(errmsg, -ERR_INTEGRITY, "%s (head row %ld): bad signature (forged or damaged)", a->label,
                        a->head_id);
    unsigned char row[32] = {0};
    if (a->head_id > 0) {
        char id[24];
        snprintf(id, sizeof id, "%ld", a->head_id);
        const char *p[1] = {id};
        PGresult *r = db_exec(db, "SELECT row_hash FROM audit_log WHERE id = $1::bigint", 1, p, errmsg);
        if (!r)
            return -ERR_DB;
        int found = PQntuples(r) == 1 && ca_audit_unhex(PQgetvalue(r, 0, 0), row, 32) == 0;
        PQclear(r);
        if (!found)
            return err_fail(errmsg, -ERR_INTEGRITY,
                            "%s (head row %ld): the chain no longer reaches its head (rows deleted)", a->label,
                            a->head_id);
    }
    if (memcmp(row, a->head_hash, 32))
        return err_fail(errmsg, -ERR_INTEGRITY, "%s (head row %ld): the chain does not match it (rewritten)", a->label,
                        a->head_id);
    return 0;
}

static int row_anchor(const PGresult *r, int i, struct anchor *a)
{
    size_t n = 0;
    const char *sig = PQgetvalue(r, i, 5);
    snprintf(a->label, sizeof a->label, "anchor %s", PQgetvalue(r, i, 0));
    a->head_id = strtol(PQgetvalue(r, i, 1), NULL, 10);
    snprintf(a->at, sizeof a->at, "%s", PQgetvalue(r, i, 3));
    snprintf(a->key_id, sizeof a->key_id, "%s", PQgetvalue(r, i, 4));
    if (ca_audit_unhex(PQgetvalue(r, i, 2), a->head_hash, 32) < 0 || strncmp(sig, "\\x", 2) ||
        unhex_n(sig + 2, a->sig, sizeof a->sig, &n) < 0)
        return -ERR_INTEGRITY;
    a->siglen = n;
    return 0;
}

int ca_anchor_verify(struct db *db, const char *pub_path, const char *const *files, size_t nfiles, long *count,
                     char **errmsg)
{
    *count = 0;
    PGresult *r = db_exec(db,
                          "SELECT id, head_id, head_hash, to_char(at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.US')"
                          " || '+00', key_id, signature FROM audit_anchors ORDER BY id",
                          0, NULL, errmsg);
    if (!r)
        return -ERR_DB;
    if (PQntuples(r) == 0 && nfiles == 0) {
        PQclear(r);
        return 0;
    }
    char pub_id[65];
    EVP_PKEY *pub = read_key(pub_path, 0, errmsg);
    int rc = pub ? key_id(pub, pub_id) : -ERR_CONFIG;
    /* the files first: copies kept off the database host are the stronger evidence */
    for (size_t i = 0; rc == 0 && i < nfiles; i++) {
        struct anchor a = {0};
        rc = parse_file(files[i], &a, errmsg);
        if (rc == 0)
            rc = check_one(db, pub, pub_id, &a, errmsg);
        (*count)++;
    }
    for (int i = 0; rc == 0 && i < PQntuples(r); i++) {
        struct anchor a = {0};
        if (row_anchor(r, i, &a) < 0)
            rc = err_fail(errmsg, -ERR_INTEGRITY, "anchor %s: damaged row", PQgetvalue(r, i, 0));
        else
            rc = check_one(db, pub, pub_id, &a, errmsg);
        (*count)++;
    }
    EVP_PKEY_free(pub);
    PQclear(r);
    return rc;
}

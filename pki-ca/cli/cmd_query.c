/* pki-ca/cli/cmd_query.c — read-only acs-ca commands: list, show, cacerts, audit. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/pem.h>

#include "ca_anchor.h"
#include "ca_audit.h"
#include "ca_db.h"
#include "ca_util.h"
#include "ca_verify.h"
#include "cli.h"
#include "log.h"

int cmd_list(struct cli *c, int argc, char **argv)
{
    static const char use[] = "list [--device ID] [--revoked] [--limit N]";
    static const struct option opts[] = {{"device", required_argument, NULL, 'd'},
                                         {"revoked", no_argument, NULL, 'r'},
                                         {"limit", required_argument, NULL, 'l'},
                                         {0, 0, 0, 0}};
    const char *device = NULL;
    int revoked = 0, o;
    long limit = 1000;
    while ((o = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        char *end;
        if (o == 'd') {
            device = optarg;
        } else if (o == 'r') {
            revoked = 1;
        } else if (o == 'l') {
            limit = strtol(optarg, &end, 10);
            if (*end || limit <= 0)
                return cli_usage(use, "--limit needs a positive number");
        } else {
            return cli_usage(use, NULL);
        }
    }
    if (optind != argc)
        return cli_usage(use, "unexpected argument");
    char *err = NULL, canon[CA_DEVICE_ID_MAX + 1];
    if (device && ca_device_id_normalise(device, canon, sizeof canon) == 0)
        device = canon; /* the OUI as the certificates carry it */
    PGresult *r = ca_db_cert_list(c->db, device, revoked, limit, &err);
    if (!r)
        return cli_fail_free(-ERR_DB, err);
    printf("%-32s  %-40s  %-10s  %-8s  %-20s  %s\n", "SERIAL", "DEVICE/SUBJECT", "ISSUER", "STATUS", "NOT_AFTER",
           "VIA");
    for (int i = 0; i < PQntuples(r); i++)
        printf("%-32s  %-40s  %-10s  %-8s  %-20s  %s\n", PQgetvalue(r, i, 0), PQgetvalue(r, i, 1),
               PQgetvalue(r, i, 2), PQgetvalue(r, i, 3), PQgetvalue(r, i, 4), PQgetvalue(r, i, 5));
    PQclear(r);
    return CLI_OK;
}

int cmd_show(struct cli *c, int argc, char **argv)
{
    static const char use[] = "show --serial HEX [--pem]";
    static const struct option opts[] = {
        {"serial", required_argument, NULL, 's'}, {"pem", no_argument, NULL, 'p'}, {0, 0, 0, 0}};
    const char *serial_text = NULL;
    int pem = 0, o;
    while ((o = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        if (o == 's') serial_text = optarg;
        else if (o == 'p') pem = 1;
        else return cli_usage(use, NULL);
    }
    if (!serial_text && optind < argc)
        serial_text = argv[optind++];
    if (!serial_text || optind != argc)
        return cli_usage(use, "--serial is required");
    char serial[CA_SERIAL_HEX_MAX + 1], *err = NULL;
    if (ca_serial_normalise(serial_text, serial, sizeof serial) < 0)
        return cli_fail(-ERR_INVAL, "invalid serial: expected hex");
    PGresult *r = ca_db_cert_get(c->db, serial, &err);
    if (!r)
        return cli_fail_free(-ERR_DB, err);
    if (PQntuples(r) != 1) {
        PQclear(r);
        fprintf(stderr, "acs-ca: error: no certificate with serial %s\n", serial);
        return CLI_FAILED;
    }
    int revoked = !PQgetisnull(r, 0, 8);
    printf("serial:     %s\ndevice:     %s\nsubject:    %s\nissuer:     %s\nprofile:    %s\n"
           "not_before: %s\nnot_after:  %s\nissued_via: %s\nstatus:     %s\n",
           PQgetvalue(r, 0, 0), PQgetvalue(r, 0, 1), PQgetvalue(r, 0, 2), PQgetvalue(r, 0, 3), PQgetvalue(r, 0, 4),
           PQgetvalue(r, 0, 5), PQgetvalue(r, 0, 6), PQgetvalue(r, 0, 7), revoked ? "revoked" : "valid");
    if (revoked)
        printf("revoked_at: %s\nreason:     %s\n", PQgetvalue(r, 0, 9), ca_reason_name((int)db_get_long(r, 0, 8)));
    if (pem) {
        size_t n = 0;
        unsigned char *der = PQunescapeBytea((const unsigned char *)PQgetvalue(r, 0, 10), &n);
        X509 *x = der ? ca_cert_parse(der, n, NULL) : NULL;
        char *text = x ? ca_cert_pem(x) : NULL;
        if (text)
            fputs(text, stdout);
        free(text);
        X509_free(x);
        PQfreemem(der);
    }
    PQclear(r);
    return CLI_OK;
}

int cmd_cacerts(struct cli *c, int argc, char **argv)
{
    static const char use[] = "cacerts [--issuer NAME] [--out FILE]";
    static const struct option opts[] = {
        {"out", required_argument, NULL, 'o'}, {"issuer", required_argument, NULL, 'i'}, {0, 0, 0, 0}};
    const char *out = NULL, *issuer = NULL;
    int o;
    while ((o = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        if (o == 'o') out = optarg;
        else if (o == 'i') issuer = optarg;
        else return cli_usage(use, NULL);
    }
    char *err = NULL;
    int rc = ca_authorities_load_all(c->ca, &err);
    if (rc < 0)
        return cli_fail_free(rc, err);
    if (ca_authority_count(c->ca) == 0)
        return cli_fail(-ERR_NOENT, "no CA yet (run acs-ca init)");
    struct buf_like { char *p; size_t n; } all = {NULL, 0};
    FILE *mem = open_memstream(&all.p, &all.n);
    if (!mem)
        return cli_fail(-ERR_NOMEM, "out of memory");
    /* issuers first, root last: the order of a TLS chain */
    struct ca_authority *only = NULL;
    if (issuer && !(only = ca_authority_get(c->ca, issuer, 0, &err))) {
        fclose(mem);
        free(all.p);
        return cli_fail_free(-ERR_NOENT, err);
    }
    for (size_t i = ca_authority_count(c->ca); i-- > 0;) {
        struct ca_authority *a = ca_authority_at(c->ca, i);
        if (only && a != only && !a->is_root)
            continue;
        char *pem = ca_cert_pem(a->cert);
        if (pem)
            fputs(pem, mem);
        free(pem);
    }
    fclose(mem);
    rc = cli_write_file(out, all.p, all.n, 0, &err);
    free(all.p);
    return rc < 0 ? cli_fail_free(rc, err) : CLI_OK;
}

int cmd_audit_verify(struct cli *c, int argc, char **argv)
{
    static const char use[] = "audit verify [--chain-only] [--anchor FILE]...";
    static const struct option opts[] = {
        {"chain-only", no_argument, NULL, 'c'}, {"anchor", required_argument, NULL, 'a'}, {0, 0, 0, 0}};
    const char *files[CLI_ANCHOR_FILES_MAX];
    size_t nfiles = 0;
    int chain_only = 0, o;
    while ((o = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        if (o == 'c')
            chain_only = 1;
        else if (o == 'a' && nfiles < CLI_ANCHOR_FILES_MAX)
            files[nfiles++] = optarg;
        else
            return cli_usage(use, o == 'a' ? "too many --anchor files" : NULL);
    }
    if (optind != argc || (chain_only && nfiles))
        return cli_usage(use, optind != argc ? "unexpected argument" : "--chain-only checks no anchor");
    char *err = NULL;
    long rows = 0, anchors = 0;
    int rc = ca_audit_verify(c->db, &rows, &err);
    if (rc == 0 && !chain_only)
        rc = ca_anchor_verify(c->db, cfg_str(c->cfg, "audit", "anchor_pub_file"), files, nfiles, &anchors, &err);
    if (rc < 0) {
        char q[300];
        log_err("ca", "event=audit_verify result=failed reason=%s", log_quote(q, sizeof q, err ? err : ""));
        return cli_fail_free(rc, err);
    }
    if (chain_only)
        printf("audit log intact: %ld rows (anchors not checked)\n", rows);
    else
        printf("audit log intact: %ld rows, %ld anchor%s match\n", rows, anchors, anchors == 1 ? "" : "s");
    return CLI_OK;
}

int cmd_audit_list(struct cli *c, int argc, char **argv)
{
    static const char use[] = "audit list [--limit N]";
    static const struct option opts[] = {{"limit", required_argument, NULL, 'l'}, {0, 0, 0, 0}};
    long limit = 100;
    int o;
    while ((o = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        char *end;
        if (o != 'l')
            return cli_usage(use, NULL);
        limit = strtol(optarg, &end, 10);
        if (*end || limit <= 0)
            return cli_usage(use, "--limit needs a positive number");
    }
    char *err = NULL;
    PGresult *r = ca_db_audit_list(c->db, limit, &err);
    if (!r)
        return cli_fail_free(-ERR_DB, err);
    for (int i = 0; i < PQntuples(r); i++) {
        char subject[300], details[600];
        printf("%s %s actor=%s action=%s subject=%s result=%s details=%s\n", PQgetvalue(r, i, 0),
               PQgetvalue(r, i, 1), PQgetvalue(r, i, 2), PQgetvalue(r, i, 3),
               log_quote(subject, sizeof subject, PQgetvalue(r, i, 4)), PQgetvalue(r, i, 5),
               log_quote(details, sizeof details, PQgetvalue(r, i, 6)));
    }
    PQclear(r);
    return CLI_OK;
}

int cmd_verify(struct cli *c, int argc, char **argv)
{
    static const char use[] = "verify --cert FILE   (PEM: leaf first, optional chain after it)";
    static const struct option opts[] = {{"cert", required_argument, NULL, 'c'}, {0, 0, 0, 0}};
    const char *path = NULL;
    int o;
    while ((o = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        if (o == 'c') path = optarg;
        else return cli_usage(use, NULL);
    }
    if (!path || optind != argc)
        return cli_usage(use, "--cert is required");
    unsigned char *pem = NULL, *ders[8] = {0};
    size_t len = 0, lens[8] = {0}, n = 0;
    char *err = NULL;
    int rc = cli_read_file(path, CA_PEM_MAX, &pem, &len, &err);
    if (rc < 0)
        return cli_fail_free(rc, err);
    BIO *b = BIO_new_mem_buf(pem, (int)len);
    X509 *x;
    while (b && n < 8 && (x = PEM_read_bio_X509(b, NULL, NULL, NULL)) != NULL) {
        int l = i2d_X509(x, &ders[n]);
        lens[n] = l > 0 ? (size_t)l : 0;
        n += l > 0;
        X509_free(x);
    }
    BIO_free(b);
    free(pem);
    ERR_clear_error();
    struct ca_verifier *v = ca_verifier_new(cfg_str(c->cfg, "db", "conninfo"), &err);
    if (!v) {
        for (size_t i = 0; i < n; i++)
            OPENSSL_free(ders[i]);
        return cli_fail_free(-ERR_DB, err);
    }
    struct ca_verify_result res;
    rc = ca_verify_peer(v, (const unsigned char *const *)ders, lens, n, &res);
    ca_verifier_free(v);
    for (size_t i = 0; i < n; i++)
        OPENSSL_free(ders[i]);
    if (rc < 0) {
        printf("refused: %s (%s)\n", ca_verify_reason_str(res.reason), res.detail);
        return CLI_FAILED;
    }
    printf("ok: device %s serial %s\n", res.device_id, res.serial);
    return CLI_OK;
}

/* pki-ca/cli/cmd_ca.c — acs-ca commands that change CA state: migrate, init, issuer,
 * issue, server-cert, revoke, token. */
#define _GNU_SOURCE
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/pem.h>

#include "ca_anchor.h"
#include "ca_token.h"
#include "ca_util.h"
#include "cli.h"

int cmd_db_migrate(struct cli *c, int argc, char **argv)
{
    (void)argc;
    (void)argv;
    char *err = NULL;
    int applied = 0;
    int rc = db_migrate(c->db, db_migrations_dir(c->cfg), &applied, &err);
    if (rc < 0)
        return cli_fail_free(rc, err);
    printf("migrations applied: %d\n", applied);
    return CLI_OK;
}

int cmd_init(struct cli *c, int argc, char **argv)
{
    static const char use[] = "init [--cn NAME] [--key-type ec-p256|ec-p384|rsa-3072|rsa-4096]";
    static const struct option opts[] = {
        {"cn", required_argument, NULL, 'n'}, {"key-type", required_argument, NULL, 't'}, {0, 0, 0, 0}};
    const char *cn = "ACS Root CA", *type = "ec-p256";
    int o;
    while ((o = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        if (o == 'n') cn = optarg;
        else if (o == 't') type = optarg;
        else return cli_usage(use, NULL);
    }
    if (optind != argc)
        return cli_usage(use, "unexpected argument");
    char *err = NULL;
    int rc = ca_init_root(c->ca, cn, type, &err);
    if (rc < 0)
        return cli_fail_free(rc, err);
    printf("root CA created (%s)\n", type);
    /* the audit anchor key comes with the root when it is configured and not there yet */
    const char *akey = cfg_str(c->cfg, "audit", "anchor_key_file"), *apub = cfg_str(c->cfg, "audit", "anchor_pub_file");
    if (akey && *akey && apub && *apub && access(akey, F_OK) != 0) {
        if ((rc = ca_anchor_keygen(akey, apub, &err)) < 0)
            return cli_fail_free(rc, err);
        printf("anchor key written: %s (private, 0600), %s (public)\n", akey, apub);
    }
    return CLI_OK;
}

int cmd_issuer_create(struct cli *c, int argc, char **argv)
{
    static const char use[] = "issuer create NAME [--key-type T] [--path-len N] [--tenant T]";
    static const struct option opts[] = {{"key-type", required_argument, NULL, 't'},
                                         {"path-len", required_argument, NULL, 'p'},
                                         {"tenant", required_argument, NULL, 'n'},
                                         {0, 0, 0, 0}};
    const char *type = "ec-p256", *tenant = NULL;
    int path_len = 0, o;
    while ((o = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        char *end;
        if (o == 't') {
            type = optarg;
        } else if (o == 'n') {
            tenant = optarg;
        } else if (o == 'p') {
            path_len = (int)strtol(optarg, &end, 10);
            if (*end || end == optarg)
                return cli_usage(use, "--path-len needs a number");
        } else {
            return cli_usage(use, NULL);
        }
    }
    if (optind + 1 != argc)
        return cli_usage(use, "give exactly one issuer NAME");
    char *err = NULL;
    int rc = ca_issuer_create(c->ca, argv[optind], type, path_len, tenant, &err);
    if (rc < 0)
        return cli_fail_free(rc, err);
    printf("issuing CA \"%s\" created (%s, pathlen %d, tenant %s)\n", argv[optind], type, path_len,
           tenant ? tenant : "default");
    return CLI_OK;
}

int cmd_tenant_create(struct cli *c, int argc, char **argv)
{
    if (argc != 2)
        return cli_usage("tenant create NAME", "give exactly one tenant NAME");
    char *err = NULL;
    int rc = ca_tenant_create(c->ca, argv[1], &err);
    if (rc < 0)
        return cli_fail_free(rc, err);
    printf("tenant \"%s\" created\n", argv[1]);
    return CLI_OK;
}

int cmd_issuer_revoke(struct cli *c, int argc, char **argv)
{
    static const char use[] = "issuer revoke NAME [--reason cACompromise|superseded|...|0-10]";
    static const struct option opts[] = {{"reason", required_argument, NULL, 'r'}, {0, 0, 0, 0}};
    const char *reason_text = "cessationOfOperation";
    int o;
    while ((o = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        if (o != 'r')
            return cli_usage(use, NULL);
        reason_text = optarg;
    }
    if (optind + 1 != argc)
        return cli_usage(use, "give exactly one issuer NAME");
    int reason = ca_reason_parse(reason_text);
    if (reason < 0)
        return cli_usage(use, "unknown revocation reason");
    char *err = NULL;
    int rc = ca_issuer_revoke(c->ca, argv[optind], reason, &err);
    if (rc < 0)
        return cli_fail_free(rc, err);
    printf("issuing CA \"%s\" revoked (%s)\n", argv[optind], ca_reason_name(reason));
    return CLI_OK;
}

/* PEM of cert, followed by the issuer chain (issuer, root) when chain is set. */
static char *pem_with_chain(struct cli *c, X509 *cert, const char *issuer, int chain)
{
    char *pem = ca_cert_pem(cert);
    if (!pem || !chain)
        return pem;
    char *err = NULL;
    struct ca_authority *iss = ca_authority_get(c->ca, issuer, 0, &err);
    struct ca_authority *root = ca_authority_get(c->ca, "root", 0, &err);
    free(err);
    char *ip = iss ? ca_cert_pem(iss->cert) : NULL, *rp = root ? ca_cert_pem(root->cert) : NULL;
    char *all = NULL;
    if (asprintf(&all, "%s%s%s", pem, ip ? ip : "", rp && iss != root ? rp : "") < 0)
        all = NULL;
    free(pem);
    free(ip);
    free(rp);
    return all;
}

int cmd_issue(struct cli *c, int argc, char **argv)
{
    static const char use[] = "issue --csr FILE --device OUI-ProductClass-Serial [--issuer NAME] [--out FILE] [--chain]";
    static const struct option opts[] = {{"csr", required_argument, NULL, 'r'},
                                         {"device", required_argument, NULL, 'd'},
                                         {"issuer", required_argument, NULL, 'i'},
                                         {"out", required_argument, NULL, 'o'},
                                         {"chain", no_argument, NULL, 'C'},
                                         {0, 0, 0, 0}};
    const char *csr_path = NULL, *device = NULL, *issuer = NULL, *out = NULL;
    int chain = 0, o;
    while ((o = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (o) {
        case 'r': csr_path = optarg; break;
        case 'd': device = optarg; break;
        case 'i': issuer = optarg; break;
        case 'o': out = optarg; break;
        case 'C': chain = 1; break;
        default: return cli_usage(use, NULL);
        }
    }
    if (!csr_path || !device || optind != argc)
        return cli_usage(use, "--csr and --device are required");
    unsigned char *csr = NULL;
    size_t len = 0;
    char *err = NULL;
    int rc = cli_out_check(out, &err);
    if (rc == 0)
        rc = cli_read_file(csr_path, CA_PEM_MAX, &csr, &len, &err);
    if (rc < 0)
        return cli_fail_free(rc, err);
    struct ca_issued issued;
    rc = ca_issue_from_csr(c->ca, issuer, csr, len, device, "cli", &issued, &err);
    free(csr);
    if (rc < 0)
        return cli_fail_free(rc, err);
    char *pem = pem_with_chain(c, issued.cert, issuer, chain);
    rc = pem ? cli_write_file(out, pem, strlen(pem), 0, &err) : -ERR_NOMEM;
    free(pem);
    if (rc == 0)
        fprintf(stderr, "acs-ca: issued serial %s for %s\n", issued.serial, device);
    ca_issued_cleanup(&issued);
    return rc < 0 ? cli_fail_free(rc, err) : CLI_OK;
}

int cmd_server_cert(struct cli *c, int argc, char **argv)
{
    static const char use[] =
        "server-cert --cn NAME [--dns a,b] [--ip 127.0.0.1,::1] [--issuer NAME] --out-cert F --out-key F";
    static const struct option opts[] = {
        {"cn", required_argument, NULL, 'n'},       {"dns", required_argument, NULL, 'd'},
        {"ip", required_argument, NULL, 'p'},       {"issuer", required_argument, NULL, 'i'},
        {"out-cert", required_argument, NULL, 'c'}, {"out-key", required_argument, NULL, 'k'},
        {0, 0, 0, 0}};
    const char *cn = NULL, *dns = NULL, *ip = NULL, *issuer = NULL, *cert_path = NULL, *key_path = NULL;
    int o;
    while ((o = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (o) {
        case 'n': cn = optarg; break;
        case 'd': dns = optarg; break;
        case 'p': ip = optarg; break;
        case 'i': issuer = optarg; break;
        case 'c': cert_path = optarg; break;
        case 'k': key_path = optarg; break;
        default: return cli_usage(use, NULL);
        }
    }
    if (!cn || !cert_path || !key_path || optind != argc)
        return cli_usage(use, "--cn, --out-cert and --out-key are required");
    char *err = NULL;
    EVP_PKEY *key = NULL;
    struct ca_issued issued;
    int rc = cli_out_check(cert_path, &err);
    if (rc == 0 && (rc = cli_out_check(key_path, &err)) == 0)
        rc = ca_issue_server(c->ca, issuer, cn, dns ? dns : cn, ip, &key, &issued, &err);
    if (rc < 0)
        return cli_fail_free(rc, err);
    char *pem = pem_with_chain(c, issued.cert, issuer, 1);
    char *kpem = ca_key_pem(key);
    rc = pem && kpem ? cli_write_file(key_path, kpem, strlen(kpem), 1, &err) : -ERR_NOMEM;
    if (rc == 0 && (rc = cli_write_file(cert_path, pem, strlen(pem), 0, &err)) < 0 && strcmp(key_path, "-"))
        unlink(key_path); /* no key without its certificate */
    if (kpem)
        OPENSSL_cleanse(kpem, strlen(kpem));
    free(kpem);
    free(pem);
    EVP_PKEY_free(key);
    if (rc == 0)
        fprintf(stderr, "acs-ca: issued server certificate serial %s for %s\n", issued.serial, cn);
    ca_issued_cleanup(&issued);
    return rc < 0 ? cli_fail_free(rc, err) : CLI_OK;
}

int cmd_revoke(struct cli *c, int argc, char **argv)
{
    static const char use[] = "revoke --serial HEX | --device ID  [--reason keyCompromise|superseded|...|0-10]";
    static const struct option opts[] = {{"serial", required_argument, NULL, 's'},
                                         {"device", required_argument, NULL, 'd'},
                                         {"reason", required_argument, NULL, 'r'},
                                         {0, 0, 0, 0}};
    const char *serial = NULL, *device = NULL, *reason_text = "unspecified";
    int o;
    while ((o = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        if (o == 's') serial = optarg;
        else if (o == 'd') device = optarg;
        else if (o == 'r') reason_text = optarg;
        else return cli_usage(use, NULL);
    }
    if (!serial == !device || optind != argc)
        return cli_usage(use, "one of --serial or --device is required");
    int reason = ca_reason_parse(reason_text);
    if (reason < 0)
        return cli_usage(use, "unknown revocation reason");
    char *err = NULL;
    long n = 0;
    int rc = serial ? ca_revoke(c->ca, serial, reason, &err) : ca_revoke_device(c->ca, device, reason, &n, &err);
    if (rc < 0)
        return cli_fail_free(rc, err);
    if (serial)
        printf("revoked %s (%s)\n", serial, ca_reason_name(reason));
    else
        printf("revoked %ld live certificate%s of %s (%s)\n", n, n == 1 ? "" : "s", device, ca_reason_name(reason));
    return CLI_OK;
}

int cmd_token_create(struct cli *c, int argc, char **argv)
{
    static const char use[] = "token create --device ID [--ttl SECONDS] [--issuer NAME]";
    static const struct option opts[] = {{"device", required_argument, NULL, 'd'},
                                         {"ttl", required_argument, NULL, 't'},
                                         {"issuer", required_argument, NULL, 'i'},
                                         {0, 0, 0, 0}};
    const char *device = NULL, *issuer = NULL;
    long ttl = 0;
    int o;
    while ((o = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        char *end;
        if (o == 'd') {
            device = optarg;
        } else if (o == 'i') {
            issuer = optarg;
        } else if (o == 't') {
            ttl = strtol(optarg, &end, 10);
            if (*end || ttl <= 0)
                return cli_usage(use, "--ttl needs a positive number of seconds");
        } else {
            return cli_usage(use, NULL);
        }
    }
    if (!device || optind != argc)
        return cli_usage(use, "--device is required");
    char token[CA_TOKEN_LEN + 1], *err = NULL;
    int rc = ca_token_create(c->ca, device, ttl, issuer, token, sizeof token, &err);
    if (rc < 0)
        return cli_fail_free(rc, err);
    /* the token goes to stdout only, for the factory or NOC to hand to the device */
    printf("%s\n", token);
    OPENSSL_cleanse(token, sizeof token);
    return CLI_OK;
}

/* pki-ca/cli/cmd_crl.c — acs-ca crl: build, sign and write the CRL of one issuer. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/pem.h>

#include "ca_crl.h"
#include "ca_util.h"
#include "cli.h"

/* DER or PEM of crl into a malloc'd buffer. */
static int crl_encode(X509_CRL *crl, int der, unsigned char **out, size_t *len)
{
    BIO *b = BIO_new(BIO_s_mem());
    int ok = b && (der ? i2d_X509_CRL_bio(b, crl) : PEM_write_bio_X509_CRL(b, crl));
    char *data = NULL;
    long n = ok ? BIO_get_mem_data(b, &data) : -1;
    *out = n > 0 ? malloc((size_t)n) : NULL;
    if (*out) {
        memcpy(*out, data, (size_t)n);
        *len = (size_t)n;
    }
    BIO_free(b);
    return *out ? 0 : -ERR_NOMEM;
}

int cmd_crl(struct cli *c, int argc, char **argv)
{
    static const char use[] = "crl [--issuer NAME|root] [--out FILE] [--der]";
    static const struct option opts[] = {{"issuer", required_argument, NULL, 'i'},
                                         {"out", required_argument, NULL, 'o'},
                                         {"der", no_argument, NULL, 'd'},
                                         {0, 0, 0, 0}};
    const char *issuer = NULL, *out = NULL;
    int der = 0, o;
    while ((o = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (o) {
        case 'i': issuer = optarg; break;
        case 'o': out = optarg; break;
        case 'd': der = 1; break;
        default: return cli_usage(use, NULL);
        }
    }
    if (optind != argc)
        return cli_usage(use, "unexpected argument");
    char *err = NULL;
    X509_CRL *crl = NULL;
    int rc = cli_out_check(out, &err); /* before a CRL number is spent */
    if (rc == 0)
        rc = ca_crl_build(c->ca, issuer, &crl, &err);
    if (rc < 0)
        return cli_fail_free(rc, err);
    unsigned char *data = NULL;
    size_t len = 0;
    rc = crl_encode(crl, der, &data, &len);
    if (rc == 0)
        rc = cli_write_file(out, data, len, 0, &err);
    int count = sk_X509_REVOKED_num(X509_CRL_get_REVOKED(crl)); /* -1: no list at all */
    if (rc == 0)
        fprintf(stderr, "acs-ca: CRL number %lld, %d revoked\n", ca_crl_number(crl), count > 0 ? count : 0);
    free(data);
    X509_CRL_free(crl);
    return rc < 0 ? cli_fail_free(rc, err) : CLI_OK;
}

/* pki-ca/cli/cmd_audit.c — acs-ca audit anchor-key and audit anchor: signed checkpoints of
 * the audit chain (verify and list are in cmd_query.c). */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ca_anchor.h"
#include "ca_util.h"
#include "cli.h"

int cmd_audit_anchor_key(struct cli *c, int argc, char **argv)
{
    (void)argv;
    if (argc != 1)
        return cli_usage("audit anchor-key", "unexpected argument");
    const char *key = cfg_str(c->cfg, "audit", "anchor_key_file"), *pub = cfg_str(c->cfg, "audit", "anchor_pub_file");
    char *err = NULL;
    int rc = ca_anchor_keygen(key, pub, &err);
    if (rc < 0)
        return cli_fail_free(rc, err);
    printf("anchor key written: %s (private, 0600), %s (public)\n", key, pub);
    return CLI_OK;
}

int cmd_audit_anchor(struct cli *c, int argc, char **argv)
{
    static const char use[] = "audit anchor [--out FILE]";
    static const struct option opts[] = {{"out", required_argument, NULL, 'o'}, {0, 0, 0, 0}};
    const char *out = NULL;
    int o;
    while ((o = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        if (o != 'o')
            return cli_usage(use, NULL);
        out = optarg;
    }
    if (optind != argc)
        return cli_usage(use, "unexpected argument");
    char *err = NULL, *text = NULL;
    int rc = cli_out_check(out, &err); /* before an anchor is recorded */
    if (rc == 0)
        rc = ca_anchor_take(c->db, cfg_str(c->cfg, "audit", "anchor_key_file"), c->actor, &text, &err);
    if (rc == 0 && out)
        rc = cli_write_file(out, text, strlen(text), 0, &err);
    else if (rc == 0)
        fputs(text, stdout);
    free(text);
    return rc < 0 ? cli_fail_free(rc, err) : CLI_OK;
}

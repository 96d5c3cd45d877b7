/* pki-ca/cli/main.c — acs-ca: the CA's command line (dispatch, config, exit codes). */
#define _GNU_SOURCE
#include <getopt.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "acs_cfg.h"
#include "ca_util.h"
#include "cli.h"
#include "file_write.h"
#include "log.h"

#define DEFAULT_CONFIG "/etc/acs/acs.ini"

/* one list for every binary reading the shared acs.ini (acs/acs_cfg.c) */
#define schemas acs_all_schemas

struct command {
    const char *name, *sub;
    cli_cmd_fn fn;
    int needs_db;
    const char *help;
};

static const struct command commands[] = {
    {"db", "migrate", cmd_db_migrate, 1, "apply the database migrations in [db] migrations_dir"},
    {"init", NULL, cmd_init, 1, "create the root CA  [--cn NAME] [--key-type ec-p256|ec-p384|rsa-3072]"},
    {"tenant", "create", cmd_tenant_create, 1, "create a tenant (a provider with its own issuers)  NAME"},
    {"issuer", "create", cmd_issuer_create, 1, "create an issuing CA  NAME [--key-type T] [--path-len N] [--tenant T]"},
    {"issuer", "revoke", cmd_issuer_revoke, 1, "revoke an issuing CA (needs the root passphrase)  NAME [--reason R]"},
    {"issue", NULL, cmd_issue, 1, "issue a device certificate  --csr FILE --device ID [--issuer NAME] [--out FILE]"},
    {"server-cert", NULL, cmd_server_cert, 1,
     "issue a TLS server certificate  --cn NAME [--dns a,b] [--ip x,y] --out-cert F --out-key F"},
    {"batch", NULL, cmd_batch, 1,
     "factory mode: N device keys + certs  --count N --oui OUI --product-class PC --out DIR"},
    {"revoke", NULL, cmd_revoke, 1, "revoke a certificate, or every live one of a device  --serial S | --device ID  [--reason R]"},
    {"crl", NULL, cmd_crl, 1, "write the signed CRL of an issuer  [--issuer NAME] [--out FILE] [--der]"},
    {"ocsp-serve", NULL, cmd_ocsp_serve, 1, "OCSP responder and CRL server over HTTP  [--port 7580] [--bind ADDR]"},
    {"list", NULL, cmd_list, 1, "list certificates  [--device ID] [--revoked] [--limit N]"},
    {"show", NULL, cmd_show, 1, "show one certificate  --serial S [--pem]"},
    {"verify", NULL, cmd_verify, 1, "check a certificate as a TLS listener would  --cert FILE"},
    {"cacerts", NULL, cmd_cacerts, 1, "print the CA certificates (issuers, then root) as PEM  [--issuer NAME] [--out FILE]"},
    {"token", "create", cmd_token_create, 1, "one-time EST enrollment token  --device ID [--ttl SECONDS]"},
    {"est-serve", NULL, cmd_est_serve, 1, "EST enrollment server over HTTPS  [--port 8445] --cert F --key F"},
    {"sign-serve", NULL, cmd_sign_serve, 1, "the signer acsd forwards EST enrollments to  [--socket PATH]"},
    {"audit", "verify", cmd_audit_verify, 1,
     "check the audit log's hash chain and every anchor  [--chain-only] [--anchor FILE]..."},
    {"audit", "anchor", cmd_audit_anchor, 1, "sign a checkpoint of the chain's head  [--out FILE]"},
    {"audit", "anchor-key", cmd_audit_anchor_key, 0, "generate the anchor key pair ([audit] anchor_key_file, anchor_pub_file)"},
    {"audit", "list", cmd_audit_list, 1, "print the audit log  [--limit N]"},
    {"check-config", NULL, NULL, 0, "validate the configuration and exit"},
    {"config-doc", NULL, NULL, 0, "print the configuration reference (Markdown)"},
    {"config-sample", NULL, NULL, 0, "print a sample configuration file"},
};
#define NCOMMANDS (sizeof commands / sizeof commands[0])

static void usage(FILE *out)
{
    fprintf(out, "usage: acs-ca [-c CONFIG] [-v|-q] COMMAND [options]\n\n"
                 "Configuration: -c FILE, else $ACS_CONFIG, else " DEFAULT_CONFIG " if it exists.\n"
                 "The CA passphrase comes from [ca] passphrase_file or $ACS_CA_PASSPHRASE, never\n"
                 "from the command line.\n\ncommands:\n");
    for (size_t i = 0; i < NCOMMANDS; i++) {
        char name[40];
        snprintf(name, sizeof name, "%s%s%s", commands[i].name, commands[i].sub ? " " : "",
                 commands[i].sub ? commands[i].sub : "");
        fprintf(out, "  %-16s %s\n", name, commands[i].help);
    }
    fprintf(out, "\nexit codes: 0 ok, 1 refused or failed, 2 usage, 3 configuration, 4 database, 5 integrity\n");
}

int cli_fail(int rc, const char *msg)
{
    fprintf(stderr, "acs-ca: error: %s\n", msg && *msg ? msg : err_str(rc));
    switch (rc < 0 ? -rc : rc) {
    case ERR_CONFIG: return CLI_CONFIG;
    case ERR_DB: return CLI_DB;
    case ERR_INTEGRITY: return CLI_INTEGRITY;
    default: return CLI_FAILED;
    }
}

int cli_fail_free(int rc, char *msg)
{
    int code = cli_fail(rc, msg);
    free(msg);
    return code;
}

int cli_usage(const char *usage_line, const char *msg)
{
    if (msg)
        fprintf(stderr, "acs-ca: error: %s\n", msg);
    fprintf(stderr, "usage: acs-ca %s\n", usage_line);
    return CLI_USAGE;
}

int cli_connect(struct cli *c)
{
    char *err = NULL;
    c->db = db_connect_cfg(c->cfg, &err);
    if (!c->db)
        return cli_fail_free(-ERR_DB, err);
    c->ca = ca_new(c->cfg, c->db, c->actor);
    return c->ca ? 0 : cli_fail(-ERR_NOMEM, "out of memory");
}

int cli_read_file(const char *path, size_t max, unsigned char **data, size_t *len, char **errmsg)
{
    FILE *f = strcmp(path, "-") ? fopen(path, "rb") : stdin;
    if (!f)
        return err_fail(errmsg, -ERR_IO, "cannot open %s: %s", path, strerror(errno));
    unsigned char *buf = malloc(max + 1);
    size_t n = buf ? fread(buf, 1, max + 1, f) : 0;
    int err = ferror(f);
    if (f != stdin)
        fclose(f);
    if (!buf)
        return -ERR_NOMEM;
    if (err || n > max) {
        free(buf);
        return err_fail(errmsg, err ? -ERR_IO : -ERR_TOO_BIG, "%s: %s", path, err ? "read error" : "file too large");
    }
    buf[n] = '\0';
    *data = buf;
    *len = n;
    return 0;
}

int cli_write_file(const char *path, const void *data, size_t len, int private_file, char **errmsg)
{
    if (!path || !strcmp(path, "-"))
        return fwrite(data, 1, len, stdout) == len ? 0 : err_fail(errmsg, -ERR_IO, "write to stdout failed");
    return file_write_new(path, data, len, private_file ? 0600 : 0644, errmsg);
}

int cli_out_check(const char *path, char **errmsg)
{
    return !path || !strcmp(path, "-") ? 0 : file_check_new(path, errmsg);
}

static int load_config(struct cli *c, const char *path)
{
    char *err = NULL;
    c->cfg = cfg_new(schemas);
    if (!c->cfg)
        return cli_fail(-ERR_NOMEM, "out of memory");
    if (!path)
        path = getenv("ACS_CONFIG");
    if (!path && access(DEFAULT_CONFIG, F_OK) == 0)
        path = DEFAULT_CONFIG;
    if ((path && cfg_load_file(c->cfg, path, &err) < 0) || cfg_finish(c->cfg, &err) < 0)
        return cli_fail_free(-ERR_CONFIG, err);
    int level = log_level_parse(cfg_str(c->cfg, "log", "level"));
    if (level < 0)
        return cli_fail(-ERR_CONFIG, "[log] level must be error, warning, info or debug");
    if (log_get_level() == LOG_INFO)
        log_set_level(level);
    return 0;
}

int main(int argc, char **argv)
{
    const char *config = NULL;
    int opt;
    static const struct option opts[] = {
        {"config", required_argument, NULL, 'c'}, {"verbose", no_argument, NULL, 'v'},
        {"quiet", no_argument, NULL, 'q'}, {"help", no_argument, NULL, 'h'}, {0, 0, 0, 0}};
    while ((opt = getopt_long(argc, argv, "+c:vqh", opts, NULL)) != -1) {
        switch (opt) {
        case 'c': config = optarg; break;
        case 'v': log_set_level(LOG_DEBUG); break;
        case 'q': log_set_level(LOG_ERR); break;
        case 'h': usage(stdout); return CLI_OK;
        default: usage(stderr); return CLI_USAGE;
        }
    }
    if (optind >= argc) {
        usage(stderr);
        return CLI_USAGE;
    }
    const struct command *cmd = NULL;
    for (size_t i = 0; i < NCOMMANDS && !cmd; i++)
        if (!strcmp(argv[optind], commands[i].name) &&
            (!commands[i].sub || (optind + 1 < argc && !strcmp(argv[optind + 1], commands[i].sub))))
            cmd = &commands[i];
    if (!cmd) {
        fprintf(stderr, "acs-ca: error: unknown command \"%s\"\n", argv[optind]);
        usage(stderr);
        return CLI_USAGE;
    }
    if (!strcmp(cmd->name, "config-doc") || !strcmp(cmd->name, "config-sample")) {
        (cmd->name[7] == 'd' ? cfg_write_doc : cfg_write_sample)(stdout, schemas);
        return CLI_OK;
    }
    struct cli c = {0};
    struct passwd *pw = getpwuid(getuid());
    snprintf(c.actor, sizeof c.actor, "cli:%s", pw ? pw->pw_name : "unknown");
    int rc = load_config(&c, config);
    if (rc == 0 && !strcmp(cmd->name, "check-config")) {
        cfg_dump(stdout, c.cfg);
        fprintf(stderr, "acs-ca: configuration ok\n");
    } else if (rc == 0 && (!cmd->needs_db || (rc = cli_connect(&c)) == 0)) {
        /* the command sees its last word as argv[0], then its own options */
        int first = optind + (cmd->sub ? 1 : 0);
        optind = 0; /* make getopt start afresh for the command */
        rc = cmd->fn(&c, argc - first, argv + first);
    }
    ca_free(c.ca);
    db_free(c.db);
    cfg_free(c.cfg);
    return rc;
}

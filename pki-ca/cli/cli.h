/* pki-ca/cli/cli.h — the acs-ca command line: shared state and command prototypes.
 * Owns: struct cli (config, DB connection, CA context) for one invocation.
 * Exit codes: 0 ok, 1 refused/failed, 2 usage, 3 configuration, 4 database, 5 integrity. */
#ifndef PKICA_CLI_H
#define PKICA_CLI_H

#include <stddef.h>

#include "ca.h"
#include "cfg.h"
#include "db.h"

enum cli_exit {
    CLI_OK = 0,
    CLI_FAILED = 1,
    CLI_USAGE = 2,
    CLI_CONFIG = 3,
    CLI_DB = 4,
    CLI_INTEGRITY = 5,
};

struct cli {
    struct cfg *cfg;
    struct db *db;
    struct ca_ctx *ca;
    char actor[64];
};

/* Print "acs-ca: error: ..." (one line) and return the exit code for the error. */
int cli_fail(int rc, const char *msg);
/* Same, freeing msg. */
int cli_fail_free(int rc, char *msg);
/* Usage error: prints the message and the command's usage line. */
int cli_usage(const char *usage, const char *msg);
/* Connect to the database (config [db]) and create the CA context. */
int cli_connect(struct cli *c);
/* Read a whole file (max bytes) into a malloc'd buffer; "-" is stdin. */
int cli_read_file(const char *path, size_t max, unsigned char **data, size_t *len, char **errmsg);
/* Write data to a new file path (0644, or 0600 when private) as file_write_new: an
 * existing path is refused, never overwritten; "-" or NULL is stdout. */
int cli_write_file(const char *path, const void *data, size_t len, int private_file, char **errmsg);
/* 0 if cli_write_file can create path (nothing there yet, or stdout): checked before a
 * command records anything, so a refused --out costs no certificate. */
int cli_out_check(const char *path, char **errmsg);

#define CLI_ANCHOR_FILES_MAX 16 /* --anchor files one audit verify checks */

typedef int (*cli_cmd_fn)(struct cli *c, int argc, char **argv);

int cmd_db_migrate(struct cli *c, int argc, char **argv);
int cmd_init(struct cli *c, int argc, char **argv);
int cmd_issuer_create(struct cli *c, int argc, char **argv);
int cmd_issuer_revoke(struct cli *c, int argc, char **argv);
int cmd_tenant_create(struct cli *c, int argc, char **argv);
int cmd_issue(struct cli *c, int argc, char **argv);
int cmd_server_cert(struct cli *c, int argc, char **argv);
int cmd_batch(struct cli *c, int argc, char **argv);
int cmd_revoke(struct cli *c, int argc, char **argv);
int cmd_list(struct cli *c, int argc, char **argv);
int cmd_show(struct cli *c, int argc, char **argv);
int cmd_cacerts(struct cli *c, int argc, char **argv);
int cmd_verify(struct cli *c, int argc, char **argv);
int cmd_audit_verify(struct cli *c, int argc, char **argv);
int cmd_audit_anchor(struct cli *c, int argc, char **argv);
int cmd_audit_anchor_key(struct cli *c, int argc, char **argv);
int cmd_audit_list(struct cli *c, int argc, char **argv);
int cmd_token_create(struct cli *c, int argc, char **argv);
int cmd_crl(struct cli *c, int argc, char **argv);
int cmd_ocsp_serve(struct cli *c, int argc, char **argv);
int cmd_est_serve(struct cli *c, int argc, char **argv);
int cmd_sign_serve(struct cli *c, int argc, char **argv);

#endif

/* acs/cli/acsctl.h — the NOC's command line: API tokens straight in the database (bootstrap),
 * everything else through the NBI over HTTPS (libcurl, OpenSSL flavour).
 * Owns: struct acsctl (config, options) for one invocation.
 * Exit codes: 0 ok, 1 refused or failed, 2 usage, 3 configuration, 4 unreachable (NBI or DB). */
#ifndef ACS_ACSCTL_H
#define ACS_ACSCTL_H

#include <jansson.h>

#include "cfg.h"

enum acsctl_exit { ACSCTL_OK = 0, ACSCTL_FAILED = 1, ACSCTL_USAGE = 2, ACSCTL_CONFIG = 3, ACSCTL_UNREACHABLE = 4 };

struct acsctl {
    struct cfg *cfg;
    const char *config_path; /* NULL when no file was found */
    const char *url;         /* NBI base URL, "https://host:port" */
    const char *cacert;      /* CA bundle for the NBI certificate, or NULL (system default) */
    const char *token_file;  /* from --token-file or $ACS_TOKEN_FILE */
    int json;                /* print raw JSON instead of tables */
};

/* "acsctl: error: msg" on stderr; returns code. */
int acsctl_fail(int code, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int acsctl_usage(const char *usage, const char *msg);
/* Connect to the database of [db] (the commands that work without the NBI); on failure
 * prints the cause and returns ACSCTL_UNREACHABLE. */
struct db;
int acsctl_db_open(struct acsctl *a, struct db **db);

/* One NBI request: method, path (already escaped) and an optional JSON body. Returns an exit code;
 * on ACSCTL_OK *out holds the answer (new reference; NULL for an empty body) and *status the HTTP
 * status. HTTP errors (>= 400) print the NBI's "error" and return ACSCTL_FAILED. */
int acsctl_nbi(struct acsctl *a, const char *method, const char *path, const char *body, long *status, json_t **out);

int acsctl_cmd_token(struct acsctl *a, int argc, char **argv);
int acsctl_cmd_devices(struct acsctl *a, int argc, char **argv);
int acsctl_cmd_device(struct acsctl *a, int argc, char **argv);
/* device set-auth / set-legacy (database, acsctl_device.c), else acsctl_cmd_device. */
int acsctl_cmd_device_any(struct acsctl *a, int argc, char **argv);
int acsctl_cmd_task(struct acsctl *a, int argc, char **argv);
int acsctl_cmd_faults(struct acsctl *a, int argc, char **argv);
int acsctl_cmd_sessions(struct acsctl *a, int argc, char **argv);
/* SIP provisioning over the NBI (acsctl_prov.c). */
int acsctl_cmd_provider(struct acsctl *a, int argc, char **argv);
int acsctl_cmd_line(struct acsctl *a, int argc, char **argv);
/* vault rotate-key, in the database (acsctl_vault.c). */
int acsctl_cmd_vault(struct acsctl *a, int argc, char **argv);

/* Build task args from "k=v" (v as JSON when it parses, else a string) and "k[]=v" (append to
 * an array). *args must be a JSON object. 0 or -1 with *errmsg (static text). */
int acsctl_arg_apply(json_t *args, const char *kv, const char **errmsg);
/* An NBI answer on stdout, indented (acsctl_nbi.c). */
void acsctl_print_json(json_t *j);
/* The string member k of o, or def when absent or not a string. */
const char *acsctl_str_or(json_t *o, const char *k, const char *def);

#endif

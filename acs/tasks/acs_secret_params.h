/* acs/tasks/acs_secret_params.h — the one rule of which values are secrets, and what follows from it.
 * A parameter is secret when the data model marks it secured or hidden (acs/tasks/secured-params.txt,
 * extracted from the TR-181 and TR-104 XML by scripts/secured-params) or its name matches
 * [acs] secret_param_patterns. A task's secrets — the "password" of a Download or Upload, the
 * value of a secret parameter in SetParameterValues — are sealed with common/secret before the
 * task is stored, opened only to build the RPC sent to the CPE, and shown as "***" everywhere
 * else (NBI, tasks.result, the dump directory).
 * Owns: the configured pattern list (set once at start-up, before any thread reads it).
 * Thread-safety: read-only after acs_secret_params_configure(). */
#ifndef ACS_SECRET_PARAMS_H
#define ACS_SECRET_PARAMS_H

#include <jansson.h>

#include "cwmp.h"
#include "err.h"

struct secret_key;

#define ACS_SECRET_MASK "***"
/* What a sealed value looks like in tasks.args: this prefix, then the sealed blob in hex. */
#define ACS_SECRET_SEALED_PREFIX "$acs-sealed$"
/* [acs] secret_param_patterns' default: the leaf-name suffixes acsd always treated as secrets. */
#define ACS_SECRET_DEFAULT_PATTERNS "*Password *Passwd *Passphrase *Secret *Key *PSK !*ParameterKey !*CommandKey"

/* Set the configured patterns (NULL = the default), separated by spaces or commas. A pattern
 * without a dot matches the last name component, one with a dot the whole name; '*' matches
 * any characters, "{i}" an instance number; case does not matter. A leading '!' excludes (a
 * name the data model marks secured stays secret). -ERR_CONFIG with *errmsg on a bad list. */
int acs_secret_params_configure(const char *patterns, char **errmsg) WARN_UNUSED;
void acs_secret_params_reset(void);

/* Is this parameter's value a secret? */
int acs_secret_param(const char *name);
/* Is this a sealed value (ACS_SECRET_SEALED_PREFIX...)? */
int acs_secret_value_sealed(const char *value);

/* Display copy of task args: every secret (sealed or not) as "***". New reference, NULL on failure. */
json_t *acs_secret_args_redacted(const char *kind, const json_t *args);
/* In place, at any depth: every object with a secret "name" (or a sealed "value") gets its
 * "value" replaced by "***" (task results, parameter lists). NULL is a no-op. */
void acs_secret_redact(json_t *v);

/* Seal the secrets of task args (parsed, valid for kind) in place for device_id. Integer and
 * boolean values are sealed as their text, with their "type" kept. -ERR_POLICY when the args
 * carry a secret and k is NULL (no [acs] secret_key_file): the task must not be stored. */
int acs_secret_args_seal(const struct secret_key *k, const char *device_id, const char *kind, json_t *args,
                         char **errmsg) WARN_UNUSED;
/* The stored args_json with its sealed values opened (*plain malloc'd: free with
 * secret_wipe_free). Values stored in clear pass as they are. -ERR_CONFIG (no key) or
 * -ERR_INTEGRITY (another key or another device's value) with *errmsg, which quotes no value. */
int acs_secret_args_open(const struct secret_key *k, const char *device_id, const char *kind, const char *args_json,
                         char **plain, char **errmsg) WARN_UNUSED;
/* After the RPC built from stored args_json was encoded: its secret values in msg are wiped
 * and replaced by "***" (so a re-encode is fit for the dump directory). Returns how many. */
int acs_secret_rpc_mask(struct cwmp_msg *msg, const char *kind, const char *args_json);

#endif

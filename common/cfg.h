/* common/cfg.h — INI configuration checked against declarative schema tables.
 * Each module owns a table of struct cfg_key (section, name, type, bounds, default,
 * secret flag, env override); unknown sections/keys are errors, never ignored.
 * Owns: struct cfg and its value strings. Thread-safety: read-only after cfg_finish(). */
#ifndef COMMON_CFG_H
#define COMMON_CFG_H

#include <stdio.h>

#include "err.h"

enum cfg_type { CFG_STR, CFG_INT, CFG_BOOL, CFG_PATH };

#define CFG_REQUIRED 0x1u /* must be set (file, env or cfg_set) */
#define CFG_SECRET 0x2u   /* value is never printed, not even in the sample */

struct cfg_key {
    const char *section;
    const char *name;
    enum cfg_type type;
    const char *def;  /* default as text, NULL = unset */
    long min, max;    /* CFG_INT bounds (inclusive) */
    unsigned flags;
    const char *env;  /* environment variable that overrides the file, or NULL */
    const char *help; /* one line for docs/config.md and the sample file */
};
#define CFG_END {0}

struct cfg;

/* Build a config over the NULL-terminated list of schema tables (borrowed, must
 * outlive the cfg). All keys start at their defaults. NULL on out of memory. */
struct cfg *cfg_new(const struct cfg_key *const *schemas);
void cfg_free(struct cfg *c);

/* Parse INI text or a file into c. On error fills *errmsg ("file:line: ...", caller frees). */
int cfg_load_string(struct cfg *c, const char *text, const char *origin, char **errmsg) WARN_UNUSED;
int cfg_load_file(struct cfg *c, const char *path, char **errmsg) WARN_UNUSED;
/* Set one key from code (e.g. a command-line option), validated like the file. */
int cfg_set(struct cfg *c, const char *section, const char *name, const char *value,
            char **errmsg) WARN_UNUSED;
/* Apply environment overrides and check required keys. Call once after loading. */
int cfg_finish(struct cfg *c, char **errmsg) WARN_UNUSED;

/* Accessors; the key must exist in a schema (abort() otherwise: a programming error).
 * cfg_str returns NULL when unset; the string is borrowed from c. */
const char *cfg_str(const struct cfg *c, const char *section, const char *name);
long cfg_int(const struct cfg *c, const char *section, const char *name);
int cfg_bool(const struct cfg *c, const char *section, const char *name);

/* Write the schema as Markdown (docs/config.md) or as a commented sample INI. */
void cfg_write_doc(FILE *out, const struct cfg_key *const *schemas);
void cfg_write_sample(FILE *out, const struct cfg_key *const *schemas);
/* Write the effective configuration as INI, secrets shown as "***". */
void cfg_dump(FILE *out, const struct cfg *c);

#endif

/* common/cfg.c — INI parsing (libinih) against schema tables. */
#include "cfg.h"

#include <ini.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define CFG_VALUE_MAX 4096

struct cfg {
    const struct cfg_key **keys; /* flattened schema */
    char **values;
    size_t n;
    char *error;    /* first error during a parse */
    const char *origin;
};

struct cfg *cfg_new(const struct cfg_key *const *schemas)
{
    struct cfg *c = calloc(1, sizeof *c);
    if (!c)
        return NULL;
    for (size_t s = 0; schemas[s]; s++)
        for (const struct cfg_key *k = schemas[s]; k->name; k++)
            c->n++;
    c->keys = calloc(c->n ? c->n : 1, sizeof *c->keys);
    c->values = calloc(c->n ? c->n : 1, sizeof *c->values);
    if (!c->keys || !c->values) {
        cfg_free(c);
        return NULL;
    }
    size_t i = 0;
    for (size_t s = 0; schemas[s]; s++)
        for (const struct cfg_key *k = schemas[s]; k->name; k++) {
            c->keys[i] = k;
            if (k->def && !(c->values[i] = strdup(k->def))) {
                cfg_free(c);
                return NULL;
            }
            i++;
        }
    return c;
}

void cfg_free(struct cfg *c)
{
    if (!c)
        return;
    for (size_t i = 0; i < c->n && c->values; i++)
        free(c->values[i]);
    free(c->values);
    free(c->keys);
    free(c->error);
    free(c);
}

static void set_err(char **errmsg, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void set_err(char **errmsg, const char *fmt, ...)
{
    if (!errmsg || *errmsg)
        return;
    char tmp[CFG_VALUE_MAX + 512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(tmp, sizeof tmp, fmt, ap);
    va_end(ap);
    *errmsg = strdup(tmp);
}

static long find(const struct cfg *c, const char *section, const char *name)
{
    for (size_t i = 0; i < c->n; i++)
        if (strcmp(c->keys[i]->section, section) == 0 && strcmp(c->keys[i]->name, name) == 0)
            return (long)i;
    return -1;
}

static int section_known(const struct cfg *c, const char *section)
{
    for (size_t i = 0; i < c->n; i++)
        if (strcmp(c->keys[i]->section, section) == 0)
            return 1;
    return 0;
}

/* Check value against the key's type; write a reason into why on failure. */
static int validate(const struct cfg_key *k, const char *v, char *why, size_t n)
{
    if (strlen(v) > CFG_VALUE_MAX) {
        snprintf(why, n, "value longer than %d bytes", CFG_VALUE_MAX);
        return -ERR_TOO_BIG;
    }
    switch (k->type) {
    case CFG_INT: {
        char *end;
        errno = 0;
        long x = strtol(v, &end, 10);
        if (errno || end == v || *end) {
            snprintf(why, n, "not an integer: \"%s\"", v);
            return -ERR_INVAL;
        }
        if (x < k->min || x > k->max) {
            snprintf(why, n, "%ld out of range [%ld, %ld]", x, k->min, k->max);
            return -ERR_INVAL;
        }
        return 0;
    }
    case CFG_BOOL:
        if (strcasecmp(v, "yes") && strcasecmp(v, "no") && strcasecmp(v, "true") &&
            strcasecmp(v, "false") && strcmp(v, "1") && strcmp(v, "0") &&
            strcasecmp(v, "on") && strcasecmp(v, "off")) {
            snprintf(why, n, "not a boolean (yes/no): \"%s\"", v);
            return -ERR_INVAL;
        }
        return 0;
    default:
        return 0;
    }
}

static int store(struct cfg *c, long i, const char *value)
{
    char *dup = strdup(value);
    if (!dup)
        return -ERR_NOMEM;
    free(c->values[i]);
    c->values[i] = dup;
    return 0;
}

int cfg_set(struct cfg *c, const char *section, const char *name, const char *value, char **errmsg)
{
    long i = find(c, section, name);
    if (i < 0) {
        set_err(errmsg, "unknown key [%s] %s", section, name);
        return -ERR_CONFIG;
    }
    char why[CFG_VALUE_MAX + 128];
    if (validate(c->keys[i], value, why, sizeof why) < 0) {
        set_err(errmsg, "[%s] %s: %s", section, name, why);
        return -ERR_CONFIG;
    }
    return store(c, i, value);
}

/* libinih (Debian build) gives no line number to the handler; ini_parse() returns the
 * line of the first handler refusal, and finish_parse() puts it in front of the message. */
static int on_ini(void *user, const char *section, const char *name, const char *value)
{
    struct cfg *c = user;
    if (c->error)
        return 0;
    if (!name) { /* new section line (INI_CALL_HANDLER_ON_NEW_SECTION builds) */
        if (!section_known(c, section))
            set_err(&c->error, "unknown section [%s]", section);
        return !c->error;
    }
    if (!section_known(c, section)) {
        set_err(&c->error, "unknown section [%s]", section);
        return 0;
    }
    long i = find(c, section, name);
    if (i < 0) {
        set_err(&c->error, "unknown key \"%s\" in [%s]", name, section);
        return 0;
    }
    char why[CFG_VALUE_MAX + 128];
    if (validate(c->keys[i], value, why, sizeof why) < 0) {
        set_err(&c->error, "[%s] %s: %s", section, name, why);
        return 0;
    }
    if (store(c, i, value) < 0) {
        set_err(&c->error, "out of memory");
        return 0;
    }
    return 1;
}

static int finish_parse(struct cfg *c, int rc, char **errmsg)
{
    if (c->error) {
        set_err(errmsg, "%s:%d: %s", c->origin, rc, c->error);
        free(c->error);
        c->error = NULL;
        return -ERR_CONFIG;
    }
    if (rc == -1) {
        set_err(errmsg, "%s: cannot open: %s", c->origin, strerror(errno));
        return -ERR_NOENT;
    }
    if (rc != 0) {
        set_err(errmsg, "%s:%d: syntax error", c->origin, rc);
        return -ERR_CONFIG;
    }
    return 0;
}

int cfg_load_string(struct cfg *c, const char *text, const char *origin, char **errmsg)
{
    c->origin = origin ? origin : "<string>";
    int rc = ini_parse_string(text, on_ini, c);
    return finish_parse(c, rc, errmsg);
}

int cfg_load_file(struct cfg *c, const char *path, char **errmsg)
{
    c->origin = path;
    int rc = ini_parse(path, on_ini, c);
    return finish_parse(c, rc, errmsg);
}

int cfg_finish(struct cfg *c, char **errmsg)
{
    for (size_t i = 0; i < c->n; i++) {
        const struct cfg_key *k = c->keys[i];
        const char *ev = k->env ? getenv(k->env) : NULL;
        if (ev && *ev) {
            char why[CFG_VALUE_MAX + 128];
            if (validate(k, ev, why, sizeof why) < 0) {
                set_err(errmsg, "environment %s: %s", k->env, why);
                return -ERR_CONFIG;
            }
            if (store(c, (long)i, ev) < 0)
                return -ERR_NOMEM;
        }
        if ((k->flags & CFG_REQUIRED) && (!c->values[i] || !*c->values[i])) {
            set_err(errmsg, "[%s] %s is required%s%s", k->section, k->name,
                    k->env ? " (or environment " : "", k->env ? k->env : "");
            if (k->env && errmsg && *errmsg) {
                size_t l = strlen(*errmsg);
                char *p = realloc(*errmsg, l + 2);
                if (p) {
                    p[l] = ')';
                    p[l + 1] = '\0';
                    *errmsg = p;
                }
            }
            return -ERR_CONFIG;
        }
    }
    return 0;
}

static long must_find(const struct cfg *c, const char *section, const char *name)
{
    long i = find(c, section, name);
    if (i < 0) {
        fprintf(stderr, "cfg: no schema entry for [%s] %s\n", section, name);
        abort();
    }
    return i;
}

const char *cfg_str(const struct cfg *c, const char *section, const char *name)
{
    return c->values[must_find(c, section, name)];
}

long cfg_int(const struct cfg *c, const char *section, const char *name)
{
    const char *v = c->values[must_find(c, section, name)];
    return v ? strtol(v, NULL, 10) : 0;
}

int cfg_bool(const struct cfg *c, const char *section, const char *name)
{
    const char *v = c->values[must_find(c, section, name)];
    return v && (!strcasecmp(v, "yes") || !strcasecmp(v, "true") || !strcmp(v, "1") ||
                 !strcasecmp(v, "on"));
}

static const char *type_name(enum cfg_type t)
{
    switch (t) {
    case CFG_INT: return "integer";
    case CFG_BOOL: return "boolean";
    case CFG_PATH: return "path";
    default: return "string";
    }
}

void cfg_write_doc(FILE *out, const struct cfg_key *const *schemas)
{
    fprintf(out, "# Configuration reference\n\n"
                 "Generated from the schema tables in the source (`acs-ca config-doc`); "
                 "`make test` checks that this file is current.\n"
                 "Unknown sections and keys are errors. Keys marked secret are never printed.\n");
    const char *cur = "";
    for (size_t s = 0; schemas[s]; s++)
        for (const struct cfg_key *k = schemas[s]; k->name; k++) {
            if (strcmp(cur, k->section)) {
                cur = k->section;
                fprintf(out, "\n## [%s]\n\n| key | type | default | env | notes |\n|---|---|---|---|---|\n", cur);
            }
            char range[64] = "";
            if (k->type == CFG_INT)
                snprintf(range, sizeof range, " (%ld..%ld)", k->min, k->max);
            fprintf(out, "| `%s` | %s%s | %s | %s | %s%s%s |\n", k->name, type_name(k->type), range,
                    k->def ? (*k->def ? k->def : "\"\"") : "(none)", k->env ? k->env : "",
                    (k->flags & CFG_REQUIRED) ? "**required.** " : "",
                    (k->flags & CFG_SECRET) ? "secret. " : "", k->help);
        }
}

void cfg_write_sample(FILE *out, const struct cfg_key *const *schemas)
{
    fprintf(out, "# Sample configuration; every key with its default. Generated by `acs-ca config-sample`.\n");
    const char *cur = "";
    for (size_t s = 0; schemas[s]; s++)
        for (const struct cfg_key *k = schemas[s]; k->name; k++) {
            if (strcmp(cur, k->section)) {
                cur = k->section;
                fprintf(out, "\n[%s]\n", cur);
            }
            fprintf(out, "# %s%s\n", k->help, k->env ? "" : "");
            if (k->env)
                fprintf(out, "# environment override: %s\n", k->env);
            if (k->def && !(k->flags & CFG_SECRET))
                fprintf(out, "%s%s = %s\n", (k->flags & CFG_REQUIRED) ? "" : ";", k->name, k->def);
            else
                fprintf(out, ";%s =\n", k->name);
        }
}

void cfg_dump(FILE *out, const struct cfg *c)
{
    const char *cur = "";
    for (size_t i = 0; i < c->n; i++) {
        const struct cfg_key *k = c->keys[i];
        if (strcmp(cur, k->section)) {
            cur = k->section;
            fprintf(out, "[%s]\n", cur);
        }
        const char *v = c->values[i];
        fprintf(out, "%s = %s\n", k->name, !v ? "" : (k->flags & CFG_SECRET) ? "***" : v);
    }
}

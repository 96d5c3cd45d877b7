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
    int error_line; /* its line */
    const char *origin;
    /* the text being parsed, fed to inih line by line so we know the line number */
    const char *cursor;
    int lineno;
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
        return err_fail(errmsg, -ERR_CONFIG, "unknown key [%s] %s", section, name);
    }
    char why[CFG_VALUE_MAX + 128];
    if (validate(c->keys[i], value, why, sizeof why) < 0) {
        return err_fail(errmsg, -ERR_CONFIG, "[%s] %s: %s", section, name, why);
    }
    return store(c, i, value);
}

/* libinih (Debian build) gives no line number to the handler: our reader counts
 * lines, and the handler runs right after the reader returned its line. */
static char *read_line(char *str, int num, void *stream)
{
    struct cfg *c = stream;
    if (!*c->cursor)
        return NULL;
    const char *nl = strchr(c->cursor, '\n');
    size_t len = nl ? (size_t)(nl - c->cursor) + 1 : strlen(c->cursor);
    /* A line of CFG_LINE_MAX characters fills str without its '\n': hand inih the
     * line alone but consume the newline too, so it is not read as an extra line
     * (which shifted every later line number by one). Longer lines were refused. */
    size_t copy = len < (size_t)num ? len : (size_t)num - 1;
    memcpy(str, c->cursor, copy);
    str[copy] = '\0';
    c->cursor += len;
    c->lineno++;
    return str;
}

static void handler_error(struct cfg *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void handler_error(struct cfg *c, const char *fmt, ...)
{
    if (c->error)
        return;
    char tmp[CFG_VALUE_MAX + 512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(tmp, sizeof tmp, fmt, ap);
    va_end(ap);
    c->error = strdup(tmp);
    c->error_line = c->lineno;
}

static int on_ini(void *user, const char *section, const char *name, const char *value)
{
    struct cfg *c = user;
    if (c->error)
        return 0;
    if (!name) { /* new section line (INI_CALL_HANDLER_ON_NEW_SECTION builds) */
        if (!section_known(c, section))
            handler_error(c, "unknown section [%s]", section);
        return !c->error;
    }
    if (!section_known(c, section)) {
        handler_error(c, "unknown section [%s]", section);
        return 0;
    }
    long i = find(c, section, name);
    if (i < 0) {
        handler_error(c, "unknown key \"%s\" in [%s]", name, section);
        return 0;
    }
    char why[CFG_VALUE_MAX + 128];
    if (validate(c->keys[i], value, why, sizeof why) < 0) {
        handler_error(c, "[%s] %s: %s", section, name, why);
        return 0;
    }
    if (store(c, i, value) < 0) {
        handler_error(c, "out of memory");
        return 0;
    }
    return 1;
}

static int finish_parse(struct cfg *c, int rc, char **errmsg)
{
    /* report whichever came first: a syntax error (inih's rc) or a handler refusal */
    if (c->error && (rc <= 0 || c->error_line <= rc)) {
        err_fail(errmsg, -ERR_CONFIG, "%s:%d: %s", c->origin, c->error_line, c->error);
        free(c->error);
        c->error = NULL;
        return -ERR_CONFIG;
    }
    if (rc == -1) {
        return err_fail(errmsg, -ERR_NOENT, "%s: cannot open: %s", c->origin, strerror(errno));
    }
    free(c->error);
    c->error = NULL;
    if (rc != 0) {
        return err_fail(errmsg, -ERR_CONFIG, "%s:%d: syntax error", c->origin, rc);
    }
    return 0;
}

/* inih's line buffer holds INI_MAX_LINE (200) bytes in Debian's build: refuse longer
 * lines with a clear message instead of letting inih split them. */
#define CFG_LINE_MAX 199

int cfg_load_string(struct cfg *c, const char *text, const char *origin, char **errmsg)
{
    c->origin = origin ? origin : "<string>";
    int line = 1;
    for (const char *p = text; *p; line++) {
        const char *nl = strchr(p, '\n');
        size_t len = nl ? (size_t)(nl - p) : strlen(p);
        if (len > CFG_LINE_MAX) {
            return err_fail(errmsg, -ERR_CONFIG, "%s:%d: line longer than %d characters", c->origin, line,
                            CFG_LINE_MAX);
        }
        p += len + (nl ? 1 : 0);
    }
    c->cursor = text;
    c->lineno = 0;
    int rc = ini_parse_stream(read_line, c, on_ini, c);
    return finish_parse(c, rc, errmsg);
}

#define CFG_FILE_MAX (1u << 20)

int cfg_load_file(struct cfg *c, const char *path, char **errmsg)
{
    c->origin = path;
    FILE *f = fopen(path, "r");
    if (!f) {
        return err_fail(errmsg, -ERR_NOENT, "%s: cannot open: %s", path, strerror(errno));
    }
    char *text = malloc(CFG_FILE_MAX + 1);
    size_t n = text ? fread(text, 1, CFG_FILE_MAX + 1, f) : 0;
    int bad = !text || ferror(f) || n > CFG_FILE_MAX;
    fclose(f);
    if (bad) {
        free(text);
        return err_fail(errmsg, -ERR_CONFIG, "%s: %s", path,
                        text ? "unreadable or larger than 1 MiB" : "out of memory");
    }
    text[n] = '\0';
    int rc = cfg_load_string(c, text, path, errmsg);
    free(text);
    return rc;
}

int cfg_finish(struct cfg *c, char **errmsg)
{
    for (size_t i = 0; i < c->n; i++) {
        const struct cfg_key *k = c->keys[i];
        const char *ev = k->env ? getenv(k->env) : NULL;
        if (ev && *ev) {
            char why[CFG_VALUE_MAX + 128];
            if (validate(k, ev, why, sizeof why) < 0) {
                return err_fail(errmsg, -ERR_CONFIG, "environment %s: %s", k->env, why);
            }
            if (store(c, (long)i, ev) < 0)
                return -ERR_NOMEM;
        }
        if ((k->flags & CFG_REQUIRED) && (!c->values[i] || !*c->values[i])) {
            return err_fail(errmsg, -ERR_CONFIG, "[%s] %s is required%s%s%s", k->section, k->name,
                            k->env ? " (or environment " : "", k->env ? k->env : "", k->env ? ")" : "");
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
            const char *def = (k->flags & CFG_SECRET) ? "(secret)" : !k->def ? "(none)" : *k->def ? k->def : "\"\"";
            fprintf(out, "| `%s` | %s%s | %s | %s | %s%s%s |\n", k->name, type_name(k->type), range, def,
                    k->env ? k->env : "",
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

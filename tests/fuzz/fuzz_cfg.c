/* tests/fuzz/fuzz_cfg.c — libFuzzer target for the INI loader (cfg_load_string against a
 * small schema, cfg_finish, cfg_dump) and the log line helpers (log_redact, log_quote).
 * The input is used as one NUL-terminated text. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cfg.h"
#include "log.h"

#define FUZZ_SECRET_DEFAULT "s3cr3t-default-value"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const struct cfg_key fuzz_schema_main[] = {
    {"main", "name", CFG_STR, "acs", 0, 0, 0, NULL, "a string"},
    {"main", "port", CFG_INT, "7547", 1, 65535, 0, NULL, "an integer"},
    {"main", "offset", CFG_INT, NULL, -1000, 1000, 0, "FUZZ_CFG_UNSET_OFFSET", "a signed integer"},
    {"main", "enabled", CFG_BOOL, "no", 0, 0, 0, NULL, "a boolean"},
    {"main", "state_dir", CFG_PATH, "/var/lib/acs", 0, 0, 0, NULL, "a path"},
    CFG_END,
};
static const struct cfg_key fuzz_schema_db[] = {
    {"db", "conninfo", CFG_STR, "", 0, 0, 0, NULL, "a string"},
    {"db", "password", CFG_STR, FUZZ_SECRET_DEFAULT, 0, 0, CFG_SECRET, "FUZZ_CFG_UNSET_PASSWORD", "a secret"},
    {"db", "pool", CFG_INT, "4", 1, 64, 0, NULL, "an integer"},
    {"db", "tls", CFG_BOOL, NULL, 0, 0, 0, NULL, "an unset boolean"},
    CFG_END,
};
static const struct cfg_key *const fuzz_schemas[] = {fuzz_schema_main, fuzz_schema_db, NULL};

static void fuzz_cfg(const char *text)
{
    struct cfg *c = cfg_new(fuzz_schemas);
    if (!c)
        return;
    char *err = NULL;
    int rc = cfg_load_string(c, text, "fuzz.ini", &err);
    if (rc < 0 && !err)
        abort(); /* every failure explains itself */
    if (err && !strncmp(err, "fuzz.ini:", 9)) {
        /* the line named in the message exists */
        int lines = 0, line = (int)strtol(err + 9, NULL, 10);
        for (const char *p = text; *p; lines++) {
            const char *nl = strchr(p, '\n');
            p = nl ? nl + 1 : p + strlen(p);
        }
        if (line < 1 || line > lines)
            abort();
    }
    free(err);
    err = NULL;
    if (rc == 0) {
        if (cfg_finish(c, &err) == 0) {
            (void)cfg_str(c, "main", "name");
            (void)cfg_int(c, "main", "port");
            (void)cfg_int(c, "main", "offset");
            (void)cfg_bool(c, "main", "enabled");
            (void)cfg_bool(c, "db", "tls");
        }
        free(err);
        err = NULL;
    }
    char *dump = NULL;
    size_t dlen = 0;
    FILE *f = open_memstream(&dump, &dlen);
    if (f) {
        cfg_dump(f, c);
        fclose(f);
        /* a secret value is never printed, whatever the input set it to */
        const char *pw = cfg_str(c, "db", "password");
        size_t ll = pw ? strlen(pw) + 16 : 0;
        char *leak = pw && strcmp(pw, "***") ? malloc(ll) : NULL;
        if (leak) {
            snprintf(leak, ll, "\npassword = %s\n", pw);
            if (dump && strstr(dump, leak))
                abort();
            free(leak);
        }
        free(dump);
    }
    cfg_free(c);
}

static void fuzz_log(const char *text, size_t len)
{
    char *line = malloc(len + 1);
    if (!line)
        return;
    memcpy(line, text, len + 1);
    (void)log_redact(line);
    if (strlen(line) > len)
        abort(); /* the line never grows */
    free(line);

    static const size_t sizes[] = {1, 2, 3, 8, 64};
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
        /* exact-size heap buffers so ASan sees any write past the end */
        char *dst = malloc(sizes[i]);
        if (!dst)
            return;
        if (log_quote(dst, sizes[i], text) != dst || strnlen(dst, sizes[i]) >= sizes[i])
            abort(); /* always NUL-terminated inside the buffer */
        free(dst);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = malloc(size + 1);
    if (!text)
        return 0;
    memcpy(text, data, size);
    text[size] = '\0';
    fuzz_cfg(text);
    fuzz_log(text, strlen(text));
    free(text);
    return 0;
}

/* tests/unit/common/test_cfg.c — common/cfg: schema-checked INI loading, env
 * overrides, required keys, secrets in dumps, generated docs. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "cfg.h"

#define SECRET "hunter2-s3cr3t"

static const struct cfg_key schema_t[] = {
    {"t", "name", CFG_STR, "dflt", 0, 0, 0, NULL, "a string"},
    {"t", "port", CFG_INT, "8080", 1, 65535, 0, "TEST_CFG_PORT", "a port number"},
    {"t", "offset", CFG_INT, "0", -10, 10, 0, NULL, "a signed integer"},
    {"t", "debug", CFG_BOOL, "no", 0, 0, 0, NULL, "a boolean"},
    {"t", "password", CFG_STR, NULL, 0, 0, CFG_SECRET, "TEST_CFG_PASSWORD", "a secret"},
    {"t", "api_key", CFG_STR, "default-" SECRET, 0, 0, CFG_SECRET, NULL, "a secret with a default"},
    CFG_END,
};
static const struct cfg_key schema_u[] = {
    {"u", "dir", CFG_PATH, "/var/lib/x", 0, 0, 0, NULL, "a path"},
    {"u", "must", CFG_STR, NULL, 0, 0, CFG_REQUIRED, NULL, "required, no env"},
    {"u", "must_env", CFG_STR, NULL, 0, 0, CFG_REQUIRED, "TEST_CFG_MUST", "required, env"},
    CFG_END,
};
static const struct cfg_key *const schemas[] = {schema_t, schema_u, NULL};

/* The two required keys, so cfg_finish() can succeed. */
#define REQ "[u]\nmust = m\nmust_env = e\n"

static int setup(void **state)
{
    unsetenv("TEST_CFG_PORT");
    unsetenv("TEST_CFG_PASSWORD");
    unsetenv("TEST_CFG_MUST");
    struct cfg *c = cfg_new(schemas);
    if (!c)
        return -1;
    *state = c;
    return 0;
}

static int teardown(void **state)
{
    cfg_free(*state);
    unsetenv("TEST_CFG_PORT");
    unsetenv("TEST_CFG_PASSWORD");
    unsetenv("TEST_CFG_MUST");
    return 0;
}

/* Load text expecting failure; check the error names origin:line and mentions want. */
static void load_fails(struct cfg *c, const char *text, const char *where, const char *want)
{
    char *err = NULL;
    int rc = cfg_load_string(c, text, "test.ini", &err);
    if (rc != -ERR_CONFIG || !err || !strstr(err, where) || !strstr(err, want))
        print_error("text:\n%.300s\nrc=%d err=\"%.300s\", want \"%s\" and \"%s\"\n", text, rc,
                    err ? err : "(null)", where, want);
    assert_int_equal(rc, -ERR_CONFIG);
    assert_non_null(err);
    assert_non_null(strstr(err, where));
    assert_non_null(strstr(err, want));
    free(err);
}

static void load_ok(struct cfg *c, const char *text)
{
    char *err = NULL;
    int rc = cfg_load_string(c, text, "test.ini", &err);
    if (rc != 0 || err)
        print_error("text:\n%.300s\nrc=%d err=%.300s\n", text, rc, err ? err : "(null)");
    int had_err = err != NULL;
    free(err);
    assert_int_equal(rc, 0);
    assert_false(had_err);
}

static void defaults(void **state)
{
    struct cfg *c = *state;
    assert_string_equal(cfg_str(c, "t", "name"), "dflt");
    assert_int_equal(cfg_int(c, "t", "port"), 8080);
    assert_int_equal(cfg_int(c, "t", "offset"), 0);
    assert_false(cfg_bool(c, "t", "debug"));
    assert_null(cfg_str(c, "t", "password"));
    assert_string_equal(cfg_str(c, "u", "dir"), "/var/lib/x");
    assert_null(cfg_str(c, "u", "must"));
}

static void load_values(void **state)
{
    struct cfg *c = *state;
    load_ok(c, "; comment\n# another\n[t]\nname = hello world\nport=443\noffset = -10\n"
               "debug = yes\n\n[u]\ndir = /srv/acs\n");
    assert_string_equal(cfg_str(c, "t", "name"), "hello world");
    assert_int_equal(cfg_int(c, "t", "port"), 443);
    assert_int_equal(cfg_int(c, "t", "offset"), -10);
    assert_true(cfg_bool(c, "t", "debug"));
    assert_string_equal(cfg_str(c, "u", "dir"), "/srv/acs");
    /* a later load overrides only what it sets */
    load_ok(c, "[t]\nport = 80\n");
    assert_int_equal(cfg_int(c, "t", "port"), 80);
    assert_string_equal(cfg_str(c, "t", "name"), "hello world");
}

static void unknown_key(void **state)
{
    struct cfg *c = *state;
    load_fails(c, "[t]\nname = x\nnmae = y\n", "test.ini:3:", "nmae");
    /* nothing after the error was applied, and the cfg stays usable */
    assert_string_equal(cfg_str(c, "t", "name"), "x");
    load_fails(c, "[t]\n\n\n\n\nbogus = 1\nname = z\n", "test.ini:6:", "bogus");
    assert_string_equal(cfg_str(c, "t", "name"), "x");
}

static void unknown_section(void **state)
{
    struct cfg *c = *state;
    char *err = NULL;
    /* the section header is line 3, its first key line 4: either is acceptable */
    int rc = cfg_load_string(c, "[t]\nname = x\n[tt]\nname = y\n", "test.ini", &err);
    assert_int_equal(rc, -ERR_CONFIG);
    assert_non_null(err);
    if (!strstr(err, "test.ini:3:") && !strstr(err, "test.ini:4:"))
        print_error("err=%s\n", err);
    assert_true(strstr(err, "test.ini:3:") || strstr(err, "test.ini:4:"));
    assert_non_null(strstr(err, "[tt]"));
    free(err);
    /* keys before any section header */
    load_fails(c, "name = x\n", "test.ini:1:", "section");
}

/* The line in the message must be the line of the error it describes. */
static void syntax_error_then_unknown_key(void **state)
{
    struct cfg *c = *state;
    char *err = NULL;
    int rc = cfg_load_string(c, "[t]\nthis line has no equals sign\nbogus = 1\n", "test.ini", &err);
    assert_int_equal(rc, -ERR_CONFIG);
    assert_non_null(err);
    int line2_syntax = strstr(err, "test.ini:2:") && strstr(err, "syntax");
    int line3_key = strstr(err, "test.ini:3:") && strstr(err, "bogus");
    if (!line2_syntax && !line3_key)
        print_error("err=\"%s\": want line 2 (syntax error) or line 3 (bogus)\n", err);
    free(err);
    assert_true(line2_syntax || line3_key);
    load_fails(c, "[t]\nname = ok\n[broken\n", "test.ini:3:", "syntax");
}

static void int_checks(void **state)
{
    struct cfg *c = *state;
    load_fails(c, "[t]\nport = 0\n", "test.ini:2:", "out of range");
    load_fails(c, "[t]\nport = 65536\n", "test.ini:2:", "out of range");
    load_fails(c, "[t]\noffset = -11\n", "test.ini:2:", "out of range");
    load_fails(c, "[t]\nport = http\n", "test.ini:2:", "not an integer");
    load_fails(c, "[t]\nport = 80x\n", "test.ini:2:", "not an integer");
    load_fails(c, "[t]\nport = 0x50\n", "test.ini:2:", "not an integer");
    load_fails(c, "[t]\nport = 99999999999999999999999\n", "test.ini:2:", "port");
    load_fails(c, "[t]\nport =\n", "test.ini:2:", "not an integer");
    assert_int_equal(cfg_int(c, "t", "port"), 8080);
    load_ok(c, "[t]\nport = 1\noffset = 10\n");
    assert_int_equal(cfg_int(c, "t", "port"), 1);
    load_ok(c, "[t]\nport = 65535\n");
    assert_int_equal(cfg_int(c, "t", "port"), 65535);
}

static void bool_parsing(void **state)
{
    struct cfg *c = *state;
    static const struct { const char *text; int value; } cases[] = {
        {"yes", 1}, {"YES", 1}, {"true", 1}, {"True", 1}, {"on", 1}, {"1", 1},
        {"no", 0}, {"No", 0}, {"false", 0}, {"FALSE", 0}, {"off", 0}, {"0", 0},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *err = NULL;
        assert_int_equal(cfg_set(c, "t", "debug", cases[i].text, &err), 0);
        assert_null(err);
        if (cfg_bool(c, "t", "debug") != cases[i].value)
            print_error("\"%s\" parsed as %d\n", cases[i].text, !cases[i].value);
        assert_int_equal(cfg_bool(c, "t", "debug"), cases[i].value);
    }
    load_fails(c, "[t]\ndebug = maybe\n", "test.ini:2:", "boolean");
    load_fails(c, "[t]\ndebug = 2\n", "test.ini:2:", "boolean");
}

static void set_from_code(void **state)
{
    struct cfg *c = *state;
    char *err = NULL;
    assert_int_equal(cfg_set(c, "t", "port", "9000", &err), 0);
    assert_int_equal(cfg_int(c, "t", "port"), 9000);
    assert_int_equal(cfg_set(c, "t", "port", "70000", &err), -ERR_CONFIG);
    assert_non_null(strstr(err, "port"));
    free(err);
    err = NULL;
    assert_int_equal(cfg_int(c, "t", "port"), 9000);
    assert_int_equal(cfg_set(c, "t", "nope", "1", &err), -ERR_CONFIG);
    assert_non_null(strstr(err, "nope"));
    free(err);
    err = NULL;
    assert_int_equal(cfg_set(c, "zz", "name", "1", &err), -ERR_CONFIG);
    free(err);
    /* the documented CFG_VALUE_MAX (4096) */
    char *big = malloc(5000);
    assert_non_null(big);
    memset(big, 'v', 4999);
    big[4999] = '\0';
    err = NULL;
    assert_int_equal(cfg_set(c, "t", "name", big, &err), -ERR_CONFIG);
    assert_non_null(err);
    free(err);
    big[4096] = '\0';
    err = NULL;
    assert_int_equal(cfg_set(c, "t", "name", big, &err), 0);
    assert_string_equal(cfg_str(c, "t", "name"), big);
    free(big);
}

/* Values such as libpq conninfo strings easily pass 200 characters. */
/* Debian's libinih splits lines over 200 bytes; cfg refuses them with a clear message
 * naming the line rather than misparsing the rest (long values go in the environment). */
static void long_value_in_file(void **state)
{
    struct cfg *c = *state;
    char value[1001], text[1200];
    for (size_t i = 0; i < sizeof value - 1; i++)
        value[i] = (char)('a' + i % 26);
    value[sizeof value - 1] = '\0';
    snprintf(text, sizeof text, "[t]\nname = %s\nport = 81\n", value);
    load_fails(c, text, "test.ini:2:", "longer than 199");
    load_ok(c, "[t]\nname = a-value-of-exactly-enough-length\nport = 81\n");
    assert_int_equal(cfg_int(c, "t", "port"), 81);
}

/* A line of exactly 199 characters is accepted, and the lines after it keep their
 * numbers (its newline was once read as an extra line: errors named line n+1). */
static void longest_line_keeps_numbering(void **state)
{
    struct cfg *c = *state;
    char value[200], text[400];
    size_t vlen = 199 - strlen("name = ");
    memset(value, 'v', vlen);
    value[vlen] = '\0';
    snprintf(text, sizeof text, "[t]\nname = %s\nport = 81\n", value);
    load_ok(c, text);
    assert_string_equal(cfg_str(c, "t", "name"), value);
    assert_int_equal(cfg_int(c, "t", "port"), 81);
    snprintf(text, sizeof text, "[t]\nname = %s\nport = 0\n", value);
    load_fails(c, text, "test.ini:3:", "out of range");
    value[vlen - 1] = '\0'; /* 198 + "\r": 199 characters again */
    snprintf(text, sizeof text, "[t]\nname = %s\r\nbogus = 1", value);
    load_fails(c, text, "test.ini:3:", "bogus");
}

static void env_override(void **state)
{
    struct cfg *c = *state;
    char *err = NULL;
    load_ok(c, "[t]\nport = 443\npassword = from-file\n" REQ);
    setenv("TEST_CFG_PORT", "9443", 1);
    setenv("TEST_CFG_PASSWORD", SECRET, 1);
    assert_int_equal(cfg_finish(c, &err), 0);
    assert_null(err);
    assert_int_equal(cfg_int(c, "t", "port"), 9443);
    assert_string_equal(cfg_str(c, "t", "password"), SECRET);
}

static void env_empty_is_ignored(void **state)
{
    struct cfg *c = *state;
    char *err = NULL;
    load_ok(c, "[t]\nport = 443\n" REQ);
    setenv("TEST_CFG_PORT", "", 1);
    assert_int_equal(cfg_finish(c, &err), 0);
    assert_int_equal(cfg_int(c, "t", "port"), 443);
}

static void env_invalid(void **state)
{
    struct cfg *c = *state;
    char *err = NULL;
    load_ok(c, REQ);
    setenv("TEST_CFG_PORT", "not-a-port", 1);
    assert_int_equal(cfg_finish(c, &err), -ERR_CONFIG);
    assert_non_null(err);
    assert_non_null(strstr(err, "TEST_CFG_PORT"));
    free(err);
}

static void required_missing(void **state)
{
    struct cfg *c = *state;
    char *err = NULL;
    assert_int_equal(cfg_finish(c, &err), -ERR_CONFIG);
    assert_non_null(err);
    assert_non_null(strstr(err, "must"));
    assert_non_null(strstr(err, "required"));
    free(err);

    err = NULL;
    load_ok(c, "[u]\nmust = m\n");
    assert_int_equal(cfg_finish(c, &err), -ERR_CONFIG);
    assert_non_null(err);
    assert_non_null(strstr(err, "must_env"));
    assert_non_null(strstr(err, "TEST_CFG_MUST")); /* tells the operator about the env var */
    assert_non_null(strchr(err, ')'));
    free(err);

    err = NULL; /* an empty value does not satisfy "required" */
    load_ok(c, "[u]\nmust =\n");
    setenv("TEST_CFG_MUST", "from-env", 1);
    assert_int_equal(cfg_finish(c, &err), -ERR_CONFIG);
    assert_non_null(strstr(err, "must"));
    free(err);

    err = NULL;
    load_ok(c, "[u]\nmust = m\n");
    assert_int_equal(cfg_finish(c, &err), 0);
    assert_string_equal(cfg_str(c, "u", "must_env"), "from-env");
}

static void load_file(void **state)
{
    struct cfg *c = *state;
    char path[] = "/tmp/test_cfg.XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    FILE *f = fdopen(fd, "w");
    assert_non_null(f);
    fputs("[t]\nname = from file\n\n[u]\ndir = /x\ncolour = blue\n", f);
    fclose(f);
    char *err = NULL;
    assert_int_equal(cfg_load_file(c, path, &err), -ERR_CONFIG);
    assert_non_null(err);
    char where[64];
    snprintf(where, sizeof where, "%s:6:", path);
    if (!strstr(err, where))
        print_error("err=%s, want %s\n", err, where);
    assert_non_null(strstr(err, where));
    assert_non_null(strstr(err, "colour"));
    free(err);
    assert_string_equal(cfg_str(c, "t", "name"), "from file");
    unlink(path);

    err = NULL;
    assert_int_equal(cfg_load_file(c, path, &err), -ERR_NOENT);
    assert_non_null(err);
    assert_non_null(strstr(err, path));
    free(err);
}

static char *capture(void (*fn)(FILE *, const void *), const void *arg)
{
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    assert_non_null(f);
    fn(f, arg);
    fclose(f);
    return text;
}
static void dump_fn(FILE *f, const void *c) { cfg_dump(f, c); }
static void doc_fn(FILE *f, const void *s) { cfg_write_doc(f, s); }
static void sample_fn(FILE *f, const void *s) { cfg_write_sample(f, s); }

static void dump_hides_secrets(void **state)
{
    struct cfg *c = *state;
    load_ok(c, "[t]\nname = visible\npassword = " SECRET "\n");
    char *out = capture(dump_fn, c);
    if (strstr(out, "s3cr3t"))
        print_error("secret in dump:\n%s", out);
    assert_null(strstr(out, "s3cr3t"));
    assert_non_null(strstr(out, "[t]\n"));
    assert_non_null(strstr(out, "name = visible\n"));
    assert_non_null(strstr(out, "password = ***\n"));
    assert_non_null(strstr(out, "api_key = ***\n"));
    assert_non_null(strstr(out, "port = 8080\n"));
    assert_non_null(strstr(out, "[u]\n"));
    free(out);
}

static void doc_and_sample_mention_every_key(void **state)
{
    (void)state;
    char *doc = capture(doc_fn, schemas);
    char *sample = capture(sample_fn, schemas);
    for (size_t s = 0; schemas[s]; s++)
        for (const struct cfg_key *k = schemas[s]; k->name; k++) {
            char want[128];
            snprintf(want, sizeof want, "`%s`", k->name);
            if (!strstr(doc, want))
                print_error("doc lacks %s:\n%s", want, doc);
            assert_non_null(strstr(doc, want));
            assert_non_null(strstr(doc, k->help));
            snprintf(want, sizeof want, "%s =", k->name);
            assert_non_null(strstr(sample, want));
            assert_non_null(strstr(sample, k->help));
            if (k->env) {
                assert_non_null(strstr(doc, k->env));
                assert_non_null(strstr(sample, k->env));
            }
        }
    assert_non_null(strstr(doc, "## [t]"));
    assert_non_null(strstr(doc, "## [u]"));
    assert_non_null(strstr(doc, "1..65535"));
    assert_non_null(strstr(doc, "required"));
    assert_non_null(strstr(sample, "[t]\n"));
    assert_non_null(strstr(sample, "[u]\n"));
    /* CFG_SECRET: "never printed, not even in the sample" -- nor in the docs */
    if (strstr(doc, "s3cr3t"))
        print_error("a secret's default is printed by cfg_write_doc\n");
    assert_null(strstr(doc, "s3cr3t"));
    assert_null(strstr(sample, "s3cr3t"));
    free(doc);
    free(sample);
}

/* The generated sample must itself load against the schema. */
static void sample_loads(void **state)
{
    struct cfg *c = *state;
    char *sample = capture(sample_fn, schemas);
    load_ok(c, sample);
    free(sample);
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
    const struct CMUnitTest tests[] = {
        T(defaults),
        T(load_values),
        T(unknown_key),
        T(unknown_section),
        T(syntax_error_then_unknown_key),
        T(int_checks),
        T(bool_parsing),
        T(set_from_code),
        T(long_value_in_file),
        T(longest_line_keeps_numbering),
        T(env_override),
        T(env_empty_is_ignored),
        T(env_invalid),
        T(required_missing),
        T(load_file),
        T(dump_hides_secrets),
        T(doc_and_sample_mention_every_key),
        T(sample_loads),
    };
    return cmocka_run_group_tests_name("common/cfg", tests, NULL, NULL);
}

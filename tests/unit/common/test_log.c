/* tests/unit/common/test_log.c — common/log: redaction, quoting, levels, output format. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "log.h"

#if defined(__has_feature)
#if __has_feature(address_sanitizer) && !defined(__SANITIZE_ADDRESS__)
#define __SANITIZE_ADDRESS__ 1
#endif
#endif
#ifdef __SANITIZE_ADDRESS__
#include <sanitizer/common_interface_defs.h>
#endif

#define SECRET "hunter2-s3cr3t"

/* ---- log_redact ---------------------------------------------------------- */

static void redact_one(const char *in, const char *want, int want_count)
{
    char line[512];
    snprintf(line, sizeof line, "%s", in);
    int n = log_redact(line);
    if (strcmp(line, want) != 0 || n != want_count)
        print_error("log_redact(\"%s\") = \"%s\" (%d), want \"%s\" (%d)\n", in, line, n, want,
                    want_count);
    assert_string_equal(line, want);
    assert_int_equal(n, want_count);
}

static void redact_secret_keys(void **state)
{
    (void)state;
    redact_one("user=bob password=" SECRET " result=ok", "user=bob password=*** result=ok", 1);
    redact_one("token=" SECRET, "token=***", 1);
    redact_one("passphrase=" SECRET " x=1", "passphrase=*** x=1", 1);
    redact_one("secret=" SECRET, "secret=***", 1);
    redact_one("db_password=" SECRET " sip_passwd=" SECRET, "db_password=*** sip_passwd=***", 2);
    redact_one("PASSWORD=" SECRET, "PASSWORD=***", 1);
    redact_one("private_key=" SECRET, "private_key=***", 1);
    redact_one("access_token=" SECRET " serial=42", "access_token=*** serial=42", 1);
}

static void redact_quoted_values(void **state)
{
    (void)state;
    redact_one("password=\"two " SECRET " words\" next=1", "password=*** next=1", 1);
    redact_one("secret=\"a\\\"b " SECRET "\" z=1", "secret=*** z=1", 1);
    redact_one("token=\"unterminated " SECRET, "token=***", 1);
    /* a quoted non-secret value is skipped as a whole */
    redact_one("msg=\"a b=c\" token=" SECRET, "msg=\"a b=c\" token=***", 1);
}

static void redact_leaves_harmless_keys(void **state)
{
    (void)state;
    const char *keep[] = {
        "key_id=abc123 key_type=ec-p256 key_file=root.pem key_dir=/var/lib/acs/keys",
        "passphrase_file=/etc/acs/pass token_id=7 secret_file=/x keyid=01:02",
        "component=ca serial=00ff cert_serial=1a subject=\"CN=dev 1\" result=ok",
        "no pairs here at all",
        "password= user=bob", /* empty value: nothing to hide */
        "",
    };
    for (size_t i = 0; i < sizeof keep / sizeof keep[0]; i++)
        redact_one(keep[i], keep[i], 0);
}

/* Redaction happens in place, so it must never lengthen the line: log_msg()
 * fills a fixed buffer to the brim and then redacts it. */
static void redact_never_grows_line(void **state)
{
    (void)state;
    const char *in[] = {"token=a", "password=ab", "secret=\"\"", "x=1 key=k"};
    for (size_t i = 0; i < sizeof in / sizeof in[0]; i++) {
        char line[64];
        size_t len = strlen(in[i]);
        memset(line, '#', sizeof line);
        memcpy(line, in[i], len + 1);
        log_redact(line);
        for (size_t j = len + 1; j < sizeof line; j++)
            if (line[j] != '#') {
                print_error("log_redact(\"%s\") wrote past the end of the line (byte %zu)\n",
                            in[i], j);
                fail();
            }
    }
}

/* A key name longer than the internal key buffer must still be checked. */
static void redact_long_key_names(void **state)
{
    (void)state;
    char line[256], want[256];
    const char *key = "very_long_component_specific_prefix_for_the_upstream_sip_trunk_password";
    snprintf(line, sizeof line, "%s=%s", key, SECRET);
    snprintf(want, sizeof want, "%s=***", key);
    redact_one(line, want, 1);
}

/* ---- log_quote ----------------------------------------------------------- */

static void quote_cases(void **state)
{
    (void)state;
    char d[64];
    assert_string_equal(log_quote(d, sizeof d, "plain"), "plain");
    assert_string_equal(log_quote(d, sizeof d, "a b"), "\"a b\"");
    assert_string_equal(log_quote(d, sizeof d, ""), "\"\"");
    assert_string_equal(log_quote(d, sizeof d, NULL), "\"\"");
    assert_string_equal(log_quote(d, sizeof d, "say \"hi\""), "\"say \\\"hi\\\"\"");
    assert_string_equal(log_quote(d, sizeof d, "a=b"), "\"a=b\"");
    assert_string_equal(log_quote(d, sizeof d, "back\\slash x"), "\"back\\\\slash x\"");
    assert_string_equal(log_quote(d, sizeof d, "tab\there"), "\"tab?here\"");
    assert_string_equal(log_quote(d, sizeof d, "bell\x07"), "\"bell?\"");
    assert_string_equal(log_quote(d, sizeof d, "CN=dev,O=x"), "\"CN=dev,O=x\"");
    assert_ptr_equal(log_quote(d, sizeof d, "x"), d);
}

/* Quoting into a small buffer truncates inside it and stays NUL-terminated. */
static void quote_truncates_within_buffer(void **state)
{
    (void)state;
    const char *vals[] = {"plain-but-long-value", "with spaces and \"quotes\" \\ inside", "\"\"\"\"\"\""};
    for (size_t v = 0; v < sizeof vals / sizeof vals[0]; v++)
        for (size_t n = 1; n <= 12; n++) {
            char d[16];
            memset(d, '#', sizeof d);
            log_quote(d, n, vals[v]);
            assert_true(memchr(d, '\0', n) != NULL);
            for (size_t j = n; j < sizeof d; j++)
                if (d[j] != '#') {
                    print_error("log_quote(n=%zu, \"%s\") wrote byte %zu\n", n, vals[v], j);
                    fail();
                }
        }
    char d[4] = {'#', '#', '#', '#'};
    log_quote(d, 0, "x y");
    assert_int_equal(d[0], '#'); /* n == 0 writes nothing */
}

/* ---- levels -------------------------------------------------------------- */

static void level_parse(void **state)
{
    (void)state;
    assert_int_equal(log_level_parse("error"), LOG_ERR);
    assert_int_equal(log_level_parse("warning"), LOG_WARNING);
    assert_int_equal(log_level_parse("warn"), LOG_WARNING);
    assert_int_equal(log_level_parse("INFO"), LOG_INFO);
    assert_int_equal(log_level_parse("Debug"), LOG_DEBUG);
    assert_int_equal(log_level_parse("verbose"), -1);
    assert_int_equal(log_level_parse(""), -1);
}

/* ---- log_msg output, captured by pointing stderr at a temp file ---------- */

struct capture {
    int saved;
    FILE *f;
};

static void capture_start(struct capture *c)
{
    fflush(stderr);
    c->f = tmpfile();
    assert_non_null(c->f);
    c->saved = dup(STDERR_FILENO);
    assert_true(c->saved >= 0);
    assert_true(dup2(fileno(c->f), STDERR_FILENO) >= 0);
}

/* Restore stderr; return what was written (caller frees). */
static char *capture_end(struct capture *c)
{
    fflush(stderr);
    assert_true(dup2(c->saved, STDERR_FILENO) >= 0);
    close(c->saved);
    assert_int_equal(fseek(c->f, 0, SEEK_END), 0);
    long len = ftell(c->f);
    assert_true(len >= 0);
    rewind(c->f);
    char *s = calloc(1, (size_t)len + 1);
    assert_non_null(s);
    assert_int_equal(fread(s, 1, (size_t)len, c->f), (size_t)len);
    fclose(c->f);
    return s;
}

static int count_lines(const char *s)
{
    int n = 0;
    for (; *s; s++)
        n += *s == '\n';
    return n;
}

static int setup_plain(void **state)
{
    (void)state;
    log_set_format(LOG_FORMAT_PLAIN);
    log_set_level(LOG_INFO);
    return 0;
}

static void msg_plain_format(void **state)
{
    (void)state;
    struct capture c;
    capture_start(&c);
    log_msg(LOG_WARNING, "ca", "event=issue serial=%s result=%s", "00ff", "ok");
    char *out = capture_end(&c);
    assert_int_equal(count_lines(out), 1);
    assert_true(strncmp(out, "ts=", 3) == 0);
    assert_non_null(strstr(out, " level=warning component=ca event=issue serial=00ff result=ok\n"));
    free(out);
}

static void msg_journal_format(void **state)
{
    (void)state;
    struct capture c;
    log_set_format(LOG_FORMAT_JOURNAL);
    capture_start(&c);
    log_msg(LOG_ERR, "est", "event=enroll result=error");
    char *out = capture_end(&c);
    log_set_format(LOG_FORMAT_PLAIN);
    char want[64];
    snprintf(want, sizeof want, "<%d>component=est event=enroll result=error\n", LOG_ERR);
    assert_string_equal(out, want);
    free(out);
}

static int evaluated;
static int side_effect(void)
{
    return ++evaluated;
}

static void msg_level_filter(void **state)
{
    (void)state;
    struct capture c;
    log_set_level(LOG_WARNING);
    assert_int_equal(log_get_level(), LOG_WARNING);
    evaluated = 0;
    capture_start(&c);
    log_info("ca", "n=%d", side_effect());
    log_debug("ca", "n=%d", side_effect());
    log_msg(LOG_INFO, "ca", "direct=1");
    log_warn("ca", "shown=%d", 1);
    log_err("ca", "shown=%d", 2);
    char *out = capture_end(&c);
    log_set_level(LOG_INFO);
    assert_int_equal(evaluated, 0); /* macros skip argument evaluation below the level */
    assert_int_equal(count_lines(out), 2);
    assert_null(strstr(out, "direct=1"));
    assert_non_null(strstr(out, "level=warning component=ca shown=1"));
    assert_non_null(strstr(out, "level=error component=ca shown=2"));
    free(out);
}

static void msg_folds_newlines(void **state)
{
    (void)state;
    struct capture c;
    capture_start(&c);
    log_msg(LOG_INFO, "ca", "detail=%s", "line1\nline2\r\nline3");
    char *out = capture_end(&c);
    assert_int_equal(count_lines(out), 1);
    assert_non_null(strstr(out, "detail=line1 line2  line3\n"));
    free(out);
}

static void msg_never_prints_secrets(void **state)
{
    (void)state;
    struct capture c;
    char q[128];
    capture_start(&c);
    log_msg(LOG_INFO, "ca", "event=unlock key_id=root-1 passphrase=%s", SECRET);
    log_msg(LOG_ERR, "db", "event=connect password=%s user=acs", SECRET);
    log_msg(LOG_INFO, "est", "event=enroll token=%s", log_quote(q, sizeof q, "x " SECRET " y"));
    log_msg(LOG_INFO, "sip", "event=apply secret=\"%s\"", SECRET);
    log_msg(LOG_INFO, "sip", "event=apply auth_password=%s\nnext_password=%s", SECRET, SECRET);
    char *out = capture_end(&c);
    assert_int_equal(count_lines(out), 5);
    if (strstr(out, "s3cr3t")) {
        print_error("secret leaked into log output:\n%s", out);
        fail();
    }
    assert_non_null(strstr(out, "key_id=root-1 passphrase=***"));
    assert_non_null(strstr(out, "password=*** user=acs"));
    assert_non_null(strstr(out, "token=***\n"));
    free(out);
}

/* A line at the size limit with a short secret at its end must neither
 * overflow nor leak. */
static void msg_long_line_with_secret(void **state)
{
    (void)state;
    static char pad[8192];
    memset(pad, 'p', sizeof pad - 1);
    struct capture c;
    capture_start(&c);
    for (size_t n = 4070; n < 4100; n++) {
        pad[n] = '\0';
        log_msg(LOG_INFO, "ca", "pad=%s token=a password=" SECRET, pad);
        pad[n] = 'p';
    }
    char *out = capture_end(&c);
    assert_int_equal(count_lines(out), 30);
    assert_null(strstr(out, "s3cr3t"));
    free(out);
}

int main(void)
{
#ifdef __SANITIZE_ADDRESS__
    /* Sanitizer reports must reach the real stderr even while a test captures it. */
    int report_fd = dup(STDERR_FILENO);
    if (report_fd >= 0)
        __sanitizer_set_report_fd((void *)(intptr_t)report_fd);
#endif
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(redact_secret_keys),
        cmocka_unit_test(redact_quoted_values),
        cmocka_unit_test(redact_leaves_harmless_keys),
        cmocka_unit_test(redact_never_grows_line),
        cmocka_unit_test(redact_long_key_names),
        cmocka_unit_test(quote_cases),
        cmocka_unit_test(quote_truncates_within_buffer),
        cmocka_unit_test(level_parse),
        cmocka_unit_test_setup(msg_plain_format, setup_plain),
        cmocka_unit_test_setup(msg_journal_format, setup_plain),
        cmocka_unit_test_setup(msg_level_filter, setup_plain),
        cmocka_unit_test_setup(msg_folds_newlines, setup_plain),
        cmocka_unit_test_setup(msg_never_prints_secrets, setup_plain),
        cmocka_unit_test_setup(msg_long_line_with_secret, setup_plain),
    };
    return cmocka_run_group_tests_name("common/log", tests, NULL, NULL);
}

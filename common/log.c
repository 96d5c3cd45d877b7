/* common/log.c — key=value event logging to stderr with secret redaction.
 * State: level and format are file-static, written only at start-up. */
#include "log.h"

#include "cfg.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#define LOG_LINE_MAX 4096

const struct cfg_key log_cfg_schema[] = {
    {"log", "level", CFG_STR, "info", 0, 0, 0, "ACS_LOG_LEVEL", "error, warning, info or debug"},
    CFG_END,
};

static int log_level = LOG_INFO;
static enum log_format log_format = LOG_FORMAT_AUTO;

void log_set_level(int level) { log_level = level; }
int log_get_level(void) { return log_level; }
void log_set_format(enum log_format fmt) { log_format = fmt; }

int log_level_parse(const char *name)
{
    static const struct { const char *name; int level; } names[] = {
        {"error", LOG_ERR}, {"warning", LOG_WARNING}, {"warn", LOG_WARNING},
        {"info", LOG_INFO}, {"debug", LOG_DEBUG},
    };
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (strcasecmp(name, names[i].name) == 0)
            return names[i].level;
    return -1;
}

static const char *level_name(int level)
{
    switch (level) {
    case LOG_EMERG: case LOG_ALERT: case LOG_CRIT: case LOG_ERR: return "error";
    case LOG_WARNING: return "warning";
    case LOG_NOTICE: case LOG_INFO: return "info";
    default: return "debug";
    }
}

static int contains_ci(const char *key, size_t len, const char *needle)
{
    size_t n = strlen(needle);
    for (size_t i = 0; i + n <= len; i++)
        if (strncasecmp(key + i, needle, n) == 0)
            return 1;
    return 0;
}

/* A key is secret when its name mentions a secret, except for names that only
 * describe one (key_id, key_type, key_file...). Any key length is examined. */
static int key_is_secret(const char *key, size_t len)
{
    static const char *const harmless[] = {"key_id", "key_type", "key_file", "keyid", "key_dir",
                                           "token_id", "secret_file", "passphrase_file", "passphrase_env",
                                           "key_usage"};
    static const char *const secret[] = {"password", "passwd", "passphrase", "secret", "token", "key",
                                         "authorization", "credential"};
    for (size_t i = 0; i < sizeof harmless / sizeof harmless[0]; i++)
        if (len == strlen(harmless[i]) && strncasecmp(key, harmless[i], len) == 0)
            return 0;
    for (size_t i = 0; i < sizeof secret / sizeof secret[0]; i++)
        if (contains_ci(key, len, secret[i]))
            return 1;
    return 0;
}

static int is_key_char(char c)
{
    return isalnum((unsigned char)c) || c == '_' || c == '-' || c == '.';
}

int log_redact(char *line)
{
    int count = 0;
    char *p = line;
    while (*p) {
        char *eq = strchr(p, '=');
        if (!eq)
            break;
        char *key = eq;
        while (key > line && is_key_char(key[-1]))
            key--;
        if (key == eq || !key_is_secret(key, (size_t)(eq - key))) {
            /* keep scanning inside the value: url=...?token=x must be caught too */
            p = eq + 1;
            continue;
        }
        char *val = eq + 1, *end = val;
        if (*val == '"') {
            end++;
            while (*end && *end != '"') {
                if (*end == '\\' && end[1])
                    end++;
                end++;
            }
            if (*end == '"')
                end++;
        } else {
            while (*end && !isspace((unsigned char)*end) && *end != '&' && *end != ',' && *end != ';')
                end++;
        }
        size_t vlen = (size_t)(end - val);
        if (vlen > 0) {
            /* never grow the line: a value shorter than 3 becomes as many stars */
            size_t stars = vlen < 3 ? vlen : 3;
            memset(val, '*', stars);
            memmove(val + stars, end, strlen(end) + 1);
            end = val + stars;
            count++;
        }
        p = end;
    }
    return count;
}

const char *log_quote(char *dst, size_t n, const char *value)
{
    if (n == 0)
        return dst;
    if (n < 3) { /* no room for a quoted value */
        dst[0] = '\0';
        return dst;
    }
    if (!value)
        value = "";
    int needs = *value == '\0';
    for (const char *s = value; *s && !needs; s++)
        needs = isspace((unsigned char)*s) || *s == '"' || *s == '=' || iscntrl((unsigned char)*s);
    if (!needs) {
        snprintf(dst, n, "%s", value);
        return dst;
    }
    size_t o = 0;
    dst[o++] = '"';
    for (const char *s = value; *s && o + 4 <= n; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\') {
            dst[o++] = '\\';
            dst[o++] = (char)c;
        } else if (iscntrl(c)) {
            dst[o++] = '?';
        } else {
            dst[o++] = (char)c;
        }
    }
    if (o + 1 < n)
        dst[o++] = '"';
    dst[o] = '\0';
    return dst;
}

void log_msg(int level, const char *component, const char *fmt, ...)
{
    if (level > log_level)
        return;
    char body[LOG_LINE_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(body, sizeof body, fmt, ap);
    va_end(ap);
    /* one event is one line: fold any newline an argument carried */
    for (char *s = body; *s; s++)
        if (*s == '\n' || *s == '\r')
            *s = ' ';
    log_redact(body);

    enum log_format f = log_format;
    if (f == LOG_FORMAT_AUTO)
        f = (getenv("JOURNAL_STREAM") && !isatty(STDERR_FILENO)) ? LOG_FORMAT_JOURNAL : LOG_FORMAT_PLAIN;
    if (f == LOG_FORMAT_JOURNAL) {
        fprintf(stderr, "<%d>component=%s %s\n", level, component, body);
        return;
    }
    char ts[40];
    struct timespec now;
    struct tm tm;
    clock_gettime(CLOCK_REALTIME, &now);
    gmtime_r(&now.tv_sec, &tm);
    size_t l = strftime(ts, sizeof ts, "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(ts + l, sizeof ts - l, ".%03ldZ", now.tv_nsec / 1000000);
    fprintf(stderr, "ts=%s level=%s component=%s %s\n", ts, level_name(level), component, body);
}

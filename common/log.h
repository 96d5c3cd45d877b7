/* common/log.h — one line per event on stderr: key=value pairs, lowercase keys.
 * Every line passes through log_redact() so values of secret-looking keys never print.
 * Thread-safety: log_msg() is safe from any thread; set level/format at start-up. */
#ifndef COMMON_LOG_H
#define COMMON_LOG_H

#include <stdarg.h>
#include <stddef.h>

#include "cfg.h"

#include <syslog.h> /* LOG_ERR, LOG_WARNING, LOG_INFO, LOG_DEBUG */

enum log_format {
    LOG_FORMAT_AUTO,    /* TTY: plain "ts= level=" prefix; else systemd-style "<N>" when JOURNAL_STREAM set */
    LOG_FORMAT_PLAIN,
    LOG_FORMAT_JOURNAL,
};

/* The [log] section (level), for every binary's schema list. */
extern const struct cfg_key log_cfg_schema[];

void log_set_level(int level);
int log_get_level(void);
/* Parse "error", "warning", "info", "debug"; returns -1 if unknown. */
int log_level_parse(const char *name);
void log_set_format(enum log_format fmt);

/* Emit one event. component is a short name ("ca", "est"); fmt yields key=value pairs. */
void log_msg(int level, const char *component, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#define log_at_(lvl, comp, ...) \
    do { if ((lvl) <= log_get_level()) log_msg((lvl), (comp), __VA_ARGS__); } while (0)
#define log_err(comp, ...) log_at_(LOG_ERR, comp, __VA_ARGS__)
#define log_warn(comp, ...) log_at_(LOG_WARNING, comp, __VA_ARGS__)
#define log_info(comp, ...) log_at_(LOG_INFO, comp, __VA_ARGS__)
#define log_debug(comp, ...) log_at_(LOG_DEBUG, comp, __VA_ARGS__)

/* Rewrite a key=value line in place: the value of every key whose name contains
 * password, passwd, passphrase, secret, token, key, authorization or credential (but not
 * key_id, key_type, key_file...) becomes "***" (shorter values: as many stars; the line
 * never grows). Pairs nested inside other values (url=...?token=x) are found too.
 * Returns the number of values redacted. */
int log_redact(char *line);

/* Quote a value for key=value output into dst (size n): values with spaces,
 * quotes, '=' or control characters are double-quoted with escapes. Returns dst. */
const char *log_quote(char *dst, size_t n, const char *value);

#endif

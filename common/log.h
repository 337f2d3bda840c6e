/* log.h - leveled logging to stderr as one line of key=value fields.
 *
 *   2026-11-23T14:30:00.123Z level=info pid=42 msg="fetched" url=... ms=12
 *
 * cf_log(level, msg, fmt, ...) writes msg quoted, then the fields that fmt
 * formats (already key=value, space separated; may be NULL). Values that
 * can hold spaces or quotes should be passed through cf_log_quote(). Never
 * log a Redis password: use cf_redis_addr_format(), which masks it. */
#ifndef CF_LOG_H
#define CF_LOG_H

#include <stddef.h>

enum cf_log_level {
    CF_LOG_DEBUG = 0,
    CF_LOG_INFO,
    CF_LOG_WARN,
    CF_LOG_ERROR,
    CF_LOG_OFF
};

/* Set the minimum level written; default CF_LOG_INFO. */
void cf_log_set_level(enum cf_log_level level);
enum cf_log_level cf_log_get_level(void);
/* Parse "debug", "info", "warn", "error", "off"; -1 if unknown. */
int cf_log_level_parse(const char *s);
/* Tag every line with name=<tag> (e.g. "worker"); tag is copied. */
void cf_log_set_tag(const char *tag);

void cf_log(enum cf_log_level level, const char *msg, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#define cf_debug(...) \
    do { \
        if (cf_log_get_level() <= CF_LOG_DEBUG) \
            cf_log(CF_LOG_DEBUG, __VA_ARGS__); \
    } while (0)
#define cf_info(...) cf_log(CF_LOG_INFO, __VA_ARGS__)
#define cf_warn(...) cf_log(CF_LOG_WARN, __VA_ARGS__)
#define cf_error(...) cf_log(CF_LOG_ERROR, __VA_ARGS__)

/* Quote s for a log value: "..." with \" \\ \n and control bytes escaped,
 * truncated to fit. Writes into buf (len >= 4) and returns buf. */
char *cf_log_quote(const char *s, char *buf, size_t len);

#endif

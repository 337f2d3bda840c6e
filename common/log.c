/* log.c - leveled key=value logging to stderr. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "log.h"

static enum cf_log_level min_level = CF_LOG_INFO;
static char log_tag[32];

static const char *const level_names[] = {"debug", "info", "warn", "error",
                                          "off"};

void cf_log_set_level(enum cf_log_level level)
{
    min_level = level;
}

enum cf_log_level cf_log_get_level(void)
{
    return min_level;
}

int cf_log_level_parse(const char *s)
{
    for (int i = 0; i <= CF_LOG_OFF; i++)
        if (strcmp(s, level_names[i]) == 0)
            return i;
    return -1;
}

void cf_log_set_tag(const char *tag)
{
    snprintf(log_tag, sizeof(log_tag), "%s", tag ? tag : "");
}

char *cf_log_quote(const char *s, char *buf, size_t len)
{
    size_t o = 0;

    buf[o++] = '"';
    for (; s && *s && o + 6 < len; s++) {
        unsigned char c = (unsigned char)*s;

        if (c == '"' || c == '\\') {
            buf[o++] = '\\';
            buf[o++] = (char)c;
        } else if (c == '\n') {
            buf[o++] = '\\';
            buf[o++] = 'n';
        } else if (c < 0x20 || c == 0x7f) {
            o += (size_t)snprintf(buf + o, len - o, "\\x%02x", c);
        } else {
            buf[o++] = (char)c;
        }
    }
    buf[o++] = '"';
    buf[o] = '\0';
    return buf;
}

void cf_log(enum cf_log_level level, const char *msg, const char *fmt, ...)
{
    char line[2048], ts[32], q[512];
    struct timeval tv;
    struct tm tm;
    size_t o;
    va_list ap;

    if (level < min_level || level >= CF_LOG_OFF)
        return;
    gettimeofday(&tv, NULL);
    gmtime_r(&tv.tv_sec, &tm);
    strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%S", &tm);
    o = (size_t)snprintf(line, sizeof(line), "%s.%03dZ level=%s pid=%d%s%s msg=%s",
                         ts, (int)(tv.tv_usec / 1000), level_names[level],
                         (int)getpid(), log_tag[0] ? " name=" : "", log_tag,
                         cf_log_quote(msg, q, sizeof(q)));
    if (fmt && *fmt && o < sizeof(line) - 2) {
        line[o++] = ' ';
        va_start(ap, fmt);
        vsnprintf(line + o, sizeof(line) - o, fmt, ap);
        va_end(ap);
    }
    o = strlen(line);
    if (o > sizeof(line) - 2)
        o = sizeof(line) - 2;
    line[o++] = '\n';
    /* One write per line so lines of concurrent processes do not mix. */
    if (write(STDERR_FILENO, line, o) < 0) {
        /* nothing sensible to do */
    }
}

/* test_log.c - common/log.c
 *
 * cf_log_quote (escapes, truncation, bounds), cf_log_level_parse, and the
 * lines cf_log writes, read back from fd 2 redirected to a temp file. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "test.h"

static void test_level_parse(void)
{
    const struct {
        const char *s;
        int want;
    } t[] = {
        {"debug", CF_LOG_DEBUG},
        {"info", CF_LOG_INFO},
        {"warn", CF_LOG_WARN},
        {"error", CF_LOG_ERROR},
        {"off", CF_LOG_OFF},
        {"", -1},
        {"INFO", -1},
        {"Debug", -1},
        {"warning", -1},
        {"inf", -1},
        {"info ", -1},
        {"err", -1},
        {"none", -1},
        {"4", -1},
    };

    for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++)
        CHECKF(cf_log_level_parse(t[i].s) == t[i].want,
               "parse(\"%s\") = %d, want %d", t[i].s,
               cf_log_level_parse(t[i].s), t[i].want);
    for (int l = CF_LOG_DEBUG; l <= CF_LOG_OFF; l++) {
        cf_log_set_level((enum cf_log_level)l);
        CHECK_INT(cf_log_get_level(), l);
    }
    cf_log_set_level(CF_LOG_INFO);
}

/* Undo cf_log_quote's escapes of the text between the quotes; returns
 * NULL if q is not a well-formed quoted value. */
static char *unquote(const char *q, char *out)
{
    size_t n = strlen(q), o = 0;
    unsigned x;

    if (n < 2 || q[0] != '"' || q[n - 1] != '"')
        return NULL;
    for (size_t i = 1; i < n - 1; i++) {
        if (q[i] == '"')
            return NULL;
        if (q[i] != '\\') {
            out[o++] = q[i];
            continue;
        }
        if (++i >= n - 1)
            return NULL;
        if (q[i] == '"' || q[i] == '\\') {
            out[o++] = q[i];
        } else if (q[i] == 'n') {
            out[o++] = '\n';
        } else if (q[i] == 'x' && i + 2 < n - 1 &&
                   sscanf(q + i + 1, "%2x", &x) == 1) {
            out[o++] = (char)x;
            i += 2;
        } else {
            return NULL;
        }
    }
    out[o] = '\0';
    return out;
}

static void test_quote(void)
{
    const struct {
        const char *in;
        size_t len;
        const char *want;
    } t[] = {
        {"", 64, "\"\""},
        {NULL, 64, "\"\""},
        {"abc", 64, "\"abc\""},
        {"a b", 64, "\"a b\""},
        {"say \"hi\"", 64, "\"say \\\"hi\\\"\""},
        {"C:\\dir", 64, "\"C:\\\\dir\""},
        {"two\nlines", 64, "\"two\\nlines\""},
        {"tab\there", 64, "\"tab\\x09here\""},
        {"cr\r", 64, "\"cr\\x0d\""},
        {"\x01\x1f\x7f", 64, "\"\\x01\\x1f\\x7f\""},
        {"caf\xc3\xa9 \xe2\x98\x83", 64, "\"caf\xc3\xa9 \xe2\x98\x83\""},
        /* truncation: room for at most len - 7 input bytes */
        {"abc", 4, "\"\""},
        {"abc", 7, "\"\""},
        {"abc", 8, "\"a\""},
        {"abcdefghij", 10, "\"abc\""},
        {"abcdefghij", 16, "\"abcdefghi\""},
        {"abcdefghij", 17, "\"abcdefghij\""},
        {"\"\"\"\"", 10, "\"\\\"\\\"\""},
        {"\t\t\t", 12, "\"\\x09\\x09\""},
    };
    char buf[128];

    for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
        memset(buf, 0x55, sizeof(buf));
        CHECK(cf_log_quote(t[i].in, buf, t[i].len) == buf);
        CHECKF(strcmp(buf, t[i].want) == 0, "quote(\"%s\", %zu) = %s, want %s",
               t[i].in ? t[i].in : "(null)", t[i].len, buf, t[i].want);
    }
}

/* For every buffer size: the output fits, is well formed, never splits an
 * escape, and is an escaped prefix of the input. */
static void test_quote_bounds(void)
{
    const char *in = "a\"b\\c\nd\te\x01"
                     "f\x7fg \xc3\xa9h";
    char buf[80], plain[80];
    size_t bad = 0;

    for (size_t len = 4; len < 48; len++) {
        memset(buf, 0x55, sizeof(buf));
        cf_log_quote(in, buf, len);
        for (size_t i = len; i < sizeof(buf); i++)
            if ((unsigned char)buf[i] != 0x55)
                bad = len;
        if (strlen(buf) >= len || unquote(buf, plain) == NULL ||
            strncmp(plain, in, strlen(plain)) != 0)
            bad = len;
    }
    CHECKF(bad == 0, "quote bounds broken at len %zu", bad);
    /* with room, the whole input survives */
    cf_log_quote(in, buf, sizeof(buf));
    CHECK(unquote(buf, plain) != NULL && strcmp(plain, in) == 0);
}

/* Run fn with fd 2 pointed at a temp file; return what it wrote. */
static char *capture(void (*fn)(void))
{
    FILE *f = tmpfile();
    int saved = dup(STDERR_FILENO);
    char *out;
    off_t n;

    fflush(stderr);
    dup2(fileno(f), STDERR_FILENO);
    fn();
    dup2(saved, STDERR_FILENO);
    close(saved);
    n = lseek(fileno(f), 0, SEEK_END);
    out = calloc(1, (size_t)n + 1);
    if (pread(fileno(f), out, (size_t)n, 0) != n)
        out[0] = '\0';
    fclose(f);
    return out;
}

static int count_lines(const char *s)
{
    int n = 0;

    for (; *s; s++)
        n += *s == '\n';
    return n;
}

static void log_one(void)
{
    cf_log_set_tag("tester");
    cf_info("hello \"world\"", "k=%d s=%s", 42, "x");
}

static void check_one_line(const char *s)
{
    char want[64];
    struct tm tm;
    const char *p;
    time_t t;
    int ms = -1;

    CHECK_INT(count_lines(s), 1);
    memset(&tm, 0, sizeof(tm));
    p = strptime(s, "%Y-%m-%dT%H:%M:%S", &tm);
    CHECKF(p != NULL && sscanf(p, ".%3dZ ", &ms) == 1 && ms >= 0 && ms < 1000 &&
               p[4] == 'Z',
           "timestamp in \"%s\"", s);
    t = timegm(&tm);
    CHECKF(llabs((long long)(t - time(NULL))) < 60, "time %lld", (long long)t);
    CHECK(strstr(s, "Z level=info ") != NULL);
    snprintf(want, sizeof(want), " pid=%d ", (int)getpid());
    CHECK(strstr(s, want) != NULL);
    CHECK(strstr(s, " name=tester ") != NULL);
    CHECK(strstr(s, " msg=\"hello \\\"world\\\"\" k=42 s=x\n") != NULL);
}

static void log_filtered(void)
{
    cf_log_set_tag("");
    cf_log_set_level(CF_LOG_WARN);
    cf_info("dropped", NULL);
    cf_debug("dropped", "n=%d", 1);
    cf_warn("kept", NULL);
    cf_error("kept too", "code=%d", 7);
    cf_log_set_level(CF_LOG_OFF);
    cf_error("dropped", NULL);
    cf_log_set_level(CF_LOG_INFO);
}

static void log_long(void)
{
    char *big = malloc(5000);

    memset(big, 'y', 4999);
    big[4999] = '\0';
    cf_log_set_tag("t");
    cf_info(big, "v=%s", big);
    free(big);
}

static void test_log_lines(void)
{
    char *s;
    const char *nl;

    s = capture(log_one);
    check_one_line(s);
    free(s);

    s = capture(log_filtered);
    CHECK_INT(count_lines(s), 2);
    CHECK(strstr(s, "dropped") == NULL);
    CHECK(strstr(s, " level=warn ") != NULL);
    CHECK(strstr(s, " name=") == NULL);
    CHECK(strstr(s, " msg=\"kept\"\n") != NULL);
    CHECK(strstr(s, " level=error ") != NULL);
    CHECK(strstr(s, " msg=\"kept too\" code=7\n") != NULL);
    free(s);

    /* one line, capped, still newline-terminated */
    s = capture(log_long);
    nl = strchr(s, '\n');
    CHECK_INT(count_lines(s), 1);
    CHECK(nl != NULL && nl[1] == '\0' && strlen(s) <= 2048);
    CHECK(strstr(s, " name=t msg=\"yyy") != NULL);
    free(s);
}

int main(void)
{
    test_level_parse();
    test_quote();
    test_quote_bounds();
    test_log_lines();
    return test_summary("test_log");
}

/* test_err.c - common/err.c */
#include <limits.h>
#include <string.h>

#include "err.h"
#include "test.h"

static void test_err_names(void)
{
    const struct {
        int code;
        const char *name;
    } t[] = {
        {CF_OK, "ok"},
        {CF_ERR, "error"},
        {CF_EINVAL, "invalid"},
        {CF_ETOOBIG, "too big"},
        {CF_EREDIS, "redis"},
        {CF_ENOTFOUND, "not found"},
        {CF_EAGAIN, "again"},
        /* out of range */
        {1, "unknown error"},
        {42, "unknown error"},
        {-7, "unknown error"},
        {-1000, "unknown error"},
        {INT_MAX, "unknown error"},
        {INT_MIN + 1, "unknown error"},
        {INT_MIN, "unknown error"},
    };

    for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++)
        CHECK_STR(cf_err_name(t[i].code), t[i].name);
}

/* The names are part of the on-Redis format (stats fields err_<name>,
 * result records): they must not change. */
static void test_outcome_names(void)
{
    static const char *const want[CF_OUT__COUNT] = {
        [CF_OUT_OK] = "ok",
        [CF_OUT_HTTP] = "http",
        [CF_OUT_TIMEOUT] = "timeout",
        [CF_OUT_DNS] = "dns",
        [CF_OUT_CONNECT] = "connect",
        [CF_OUT_TLS] = "tls",
        [CF_OUT_TOO_LARGE] = "too_large",
        [CF_OUT_NOT_HTML] = "not_html",
        [CF_OUT_ROBOTS_DENIED] = "robots_denied",
        [CF_OUT_OUT_OF_SCOPE] = "out_of_scope",
        [CF_OUT_PARSE] = "parse",
        [CF_OUT_REDIS] = "redis",
        [CF_OUT_REDIRECT] = "redirect",
        [CF_OUT_BLOCKED] = "blocked",
        [CF_OUT_PROTOCOL] = "protocol",
        [CF_OUT_PROXY] = "proxy",
        [CF_OUT_ROBOTS_UNREACHABLE] = "robots_unreachable",
        [CF_OUT_OTHER] = "other",
        [CF_OUT_EXTRACT] = "extract",
    };

    for (int o = 0; o < CF_OUT__COUNT; o++) {
        const char *n = cf_outcome_name((enum cf_outcome)o);

        CHECK_STR(n, want[o]);
        /* round trip */
        CHECKF(cf_outcome_from_name(n) == o, "from_name(%s) = %d, want %d", n,
               cf_outcome_from_name(n), o);
        /* usable in a stats field name: [a-z_] only */
        CHECKF(n[0] != '\0' &&
                   strspn(n, "abcdefghijklmnopqrstuvwxyz_") == strlen(n),
               "outcome %d name \"%s\"", o, n);
    }
}

static void test_outcome_bad(void)
{
    const char *const unknown[] = {"",         "OK",        "Http",
                                   "ok ",      " ok",       "err_ok",
                                   "timeouts", "too-large", "unknown"};

    for (size_t i = 0; i < sizeof(unknown) / sizeof(unknown[0]); i++)
        CHECKF(cf_outcome_from_name(unknown[i]) == -1, "from_name(\"%s\")",
               unknown[i]);
    CHECK_STR(cf_outcome_name(CF_OUT__COUNT), "other");
    CHECK_STR(cf_outcome_name((enum cf_outcome)(CF_OUT__COUNT + 100)), "other");
    CHECK_STR(cf_outcome_name((enum cf_outcome) - 1), "other");
}

int main(void)
{
    test_err_names();
    test_outcome_names();
    test_outcome_bad();
    return test_summary("test_err");
}

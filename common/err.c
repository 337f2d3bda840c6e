/* err.c - names of return codes and outcomes. */
#include <string.h>

#include "err.h"

static const char *const err_names[] = {
    [0] = "ok",       [1] = "error",     [2] = "invalid",
    [3] = "too big",  [4] = "redis",     [5] = "not found",
    [6] = "again",
};

const char *cf_err_name(int err)
{
    int n = (int)(sizeof(err_names) / sizeof(err_names[0]));

    if (err > 0 || err <= -n)
        return "unknown error";
    return err_names[-err];
}

static const char *const outcome_names[CF_OUT__COUNT] = {
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

const char *cf_outcome_name(enum cf_outcome o)
{
    if ((int)o < 0 || o >= CF_OUT__COUNT)
        return "other";
    return outcome_names[o];
}

int cf_outcome_from_name(const char *s)
{
    for (int i = 0; i < CF_OUT__COUNT; i++)
        if (strcmp(outcome_names[i], s) == 0)
            return i;
    return -1;
}

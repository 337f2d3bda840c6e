/* err.h - return codes and the typed outcomes of a fetch.
 *
 * Functions return 0 (CF_OK) on success and a negative cf_err on failure;
 * where a caller needs words, the function also fills an errstr buffer of
 * CF_ERRSTR_LEN bytes. */
#ifndef CF_ERR_H
#define CF_ERR_H

#define CF_ERRSTR_LEN 256

enum cf_err {
    CF_OK = 0,
    CF_ERR = -1,      /* generic failure, see errstr */
    CF_EINVAL = -2,   /* bad argument or malformed input */
    CF_ETOOBIG = -3,  /* a cap was hit */
    CF_EREDIS = -4,   /* Redis unreachable or replied with an error */
    CF_ENOTFOUND = -5,/* no such crawl, key or entry */
    CF_EAGAIN = -6,   /* nothing to do now, try later */
};

const char *cf_err_name(int err);

/* What became of one request. The names are part of the on-Redis format
 * (counter fields err_<name> in the stats hash, result records). */
enum cf_outcome {
    CF_OUT_OK = 0,        /* 2xx (and 3xx not followed) */
    CF_OUT_HTTP,          /* 4xx/5xx status */
    CF_OUT_TIMEOUT,
    CF_OUT_DNS,
    CF_OUT_CONNECT,
    CF_OUT_TLS,
    CF_OUT_TOO_LARGE,     /* body or decoded size over the cap */
    CF_OUT_NOT_HTML,      /* fetched, recorded, not parsed */
    CF_OUT_ROBOTS_DENIED,
    CF_OUT_OUT_OF_SCOPE,  /* e.g. a redirect leaving the scope */
    CF_OUT_PARSE,
    CF_OUT_REDIS,
    CF_OUT_REDIRECT,      /* too many redirects, or to a bad scheme */
    CF_OUT_BLOCKED,       /* SSRF guard refused the address */
    CF_OUT_PROTOCOL,      /* a broken answer: framing, truncated body */
    CF_OUT_PROXY,         /* the proxy could not be resolved or reached */
    CF_OUT_ROBOTS_UNREACHABLE, /* robots.txt unanswered past max_attempts */
    CF_OUT_OTHER,
    CF_OUT_EXTRACT,       /* fetched and parsed; an --extract field could
                           * not be evaluated (left empty, links taken) */
    CF_OUT__COUNT
};

const char *cf_outcome_name(enum cf_outcome o);
/* Returns the outcome named s, or -1. */
int cf_outcome_from_name(const char *s);

#endif

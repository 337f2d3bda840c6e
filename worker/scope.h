/* scope.h - which discovered links a crawl follows.
 *
 * A scope is compiled once per crawl config: the scope rule, the include
 * and exclude POSIX extended regexes, max_depth. Checks are in this order
 * and the first failing one is the verdict: depth, skipped extension,
 * scope rule, include, exclude.
 *
 * Scope rules (config "scope"):
 *   "host"            the link's host key (scheme://host:port) equals the
 *                     linking page's
 *   "domain"          same registrable domain (cf_url_registrable) as the
 *                     linking page, any scheme and port
 *   "hosts:a,b:8080"  the link's host is listed bare, or host:port is
 *                     listed (IPv6 as "[::1]:8080")
 *   "any"             no host rule */
#ifndef SCOPE_H
#define SCOPE_H

#include <stdint.h>

struct cf_config;
struct cf_url_parts;
struct scope;

enum scope_verdict {
    SCOPE_IN = 0,      /* follow it */
    SCOPE_OUT,         /* scope rule, include or exclude said no */
    SCOPE_TOO_DEEP,    /* link_depth > max_depth (max_depth >= 0) */
    SCOPE_SKIP_EXT,    /* a non-page extension (.jpg, .pdf, ...) */
    SCOPE_BAD_URL,     /* link_url not a normalised URL */
};

/* Compile cfg's scope, include, exclude and max_depth (cfg is not kept).
 * Returns NULL with a one-line message in errstr (CF_ERRSTR_LEN bytes),
 * e.g. "include: bad regex: Unmatched ( or \\(", "scope: unknown rule: x".
 * Caller frees with scope_free(). */
struct scope *scope_new(const struct cf_config *cfg, char *errstr);
void scope_free(struct scope *s);

/* The verdict for link_url (normalised) found on page_url (normalised;
 * NULL for a seed, which passes the host and domain rules) at link_depth
 * (the depth the link would be queued with). */
enum scope_verdict scope_check(const struct scope *s, const char *page_url,
                               const char *link_url, int64_t link_depth);
/* The same for a sitemap (a request flagged CF_REQ_SITEMAP): its file
 * extension (.xml.gz) does not keep it out. */
enum scope_verdict scope_check_sitemap(const struct scope *s,
                                       const char *page_url,
                                       const char *link_url,
                                       int64_t link_depth);

/* scope_check or, when sitemap is set, scope_check_sitemap, that also
 * leaves link_url split in *lp (pointing into link_url) for every verdict
 * but SCOPE_BAD_URL: a caller that needs the link's host key takes it
 * from there (cf_url_hostkey_parts) instead of splitting it again. */
enum scope_verdict scope_check_split(const struct scope *s,
                                     const char *page_url,
                                     const char *link_url,
                                     int64_t link_depth, int sitemap,
                                     struct cf_url_parts *lp);

/* "in", "out", "too_deep", "skip_ext", "bad_url". */
const char *scope_verdict_name(enum scope_verdict v);

/* 1 when the path of url (query ignored) ends in a skipped extension. */
int scope_skipped_ext(const char *url);

#endif

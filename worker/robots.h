/* robots.h - robots.txt (RFC 9309) for one user agent.
 *
 * A robots.txt body is parsed once into the rules of the group that
 * applies to our product token: all groups naming the token (case-
 * insensitive; groups naming it twice are merged), else all "*" groups,
 * else none (everything allowed). Paths are matched with "*" (any run)
 * and a final "$" (end), longest pattern wins, Allow wins a tie, and
 * percent-encoding is normalised on both sides (hex upper case,
 * unreserved characters decoded, raw non-ASCII encoded). Matching cost is
 * linear in the path per rule (no backtracking). "/robots.txt" is always
 * allowed. At most ROBOTS_MAX_BYTES of a body are parsed, the rest is
 * counted in info.bytes_ignored. */
#ifndef ROBOTS_H
#define ROBOTS_H

#include <stddef.h>
#include <stdint.h>

#define ROBOTS_MAX_BYTES (500 * 1024)
#define ROBOTS_MAX_RULES 20000    /* rules kept for our group, rest counted */
#define ROBOTS_MAX_SITEMAPS 100   /* Sitemap URLs kept, rest counted */
#define ROBOTS_TOKEN_LEN 64

struct robots;

struct robots_info {
    uint32_t lines;          /* lines read */
    uint32_t groups;         /* groups (runs of user-agent lines) seen */
    uint32_t rules;          /* allow/disallow rules of the selected group */
    uint32_t rules_dropped;  /* over ROBOTS_MAX_RULES */
    uint32_t bad_lines;      /* not "key: value" or an unknown key */
    uint32_t sitemaps_dropped; /* over ROBOTS_MAX_SITEMAPS */
    uint64_t bytes_ignored;  /* body bytes past ROBOTS_MAX_BYTES */
    int matched;             /* 2: a group names our token, 1: "*" group,
                                0: no group applies */
};

/* Parse len bytes of a robots.txt body (not necessarily terminated) for
 * the product token ua_token (e.g. "crawlfleet"; see robots_ua_token()).
 * Never fails: garbage yields an allow-all result. Caller frees. */
struct robots *robots_parse(const char *body, size_t len,
                            const char *ua_token);
/* No robots.txt (4xx): everything allowed. Caller frees. */
struct robots *robots_allow_all(void);
/* Server error or unreachable (5xx, network): everything disallowed
 * (except /robots.txt). Caller frees. */
struct robots *robots_disallow_all(void);
/* The RFC 9309 status rules in one place: 2xx parses body, 4xx (and 3xx
 * left over after redirects) allows all, 5xx and status 0 (unreachable)
 * disallow all. Caller frees. */
struct robots *robots_from_status(long status, const char *body, size_t len,
                                  const char *ua_token);
/* The same rules as a robots.txt text, for whoever parses it later (the
 * frontier stores it for every worker): body itself for a 2xx (body may
 * be NULL when len is 0), "" for a 3xx or 4xx, a disallow-all group for
 * anything else. Sets *out_len; the result is body or a constant. */
const char *robots_body_for_status(long status, const char *body,
                                   size_t len, size_t *out_len);
void robots_free(struct robots *r);

/* 1 when path_and_query (from the first '/' of a normalised URL; "" is
 * "/") may be fetched, 0 when disallowed. */
int robots_allowed(const struct robots *r, const char *path_and_query);

/* The selected group's Crawl-delay in milliseconds (fractional seconds
 * allowed; the largest when given more than once; at most one day), or -1
 * when none. The caller applies its own cap (max_crawl_delay_ms). */
int64_t robots_crawl_delay_ms(const struct robots *r);

/* Sitemap URLs (any group), as written, in file order. */
size_t robots_nsitemaps(const struct robots *r);
const char *robots_sitemap(const struct robots *r, size_t i);

/* Counters about the parse (owned by r). */
const struct robots_info *robots_info(const struct robots *r);

/* The product token of a User-Agent string: its leading run of letters,
 * '_' and '-' ("crawlfleet/0.1 (+http://x)" -> "crawlfleet"), lower case,
 * into buf of len bytes (ROBOTS_TOKEN_LEN is enough). Returns buf. */
char *robots_ua_token(const char *user_agent, char *buf, size_t len);

#endif

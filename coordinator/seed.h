/* seed.h - creating a crawl and pushing seed URLs (seed and crawl). */
#ifndef SEED_H
#define SEED_H

#include <stddef.h>
#include <stdint.h>

#include <hiredis/hiredis.h>

#include "config.h"

/* Normalised seed URLs, checked before anything goes to Redis. */
struct seedlist {
    char **urls; /* normalised, heap */
    uint32_t *flags; /* each URL's request flags (CF_REQ_SEED, ...) */
    size_t n;
    size_t cap;
    size_t rejected; /* inputs that were not valid URLs */
};

void seedlist_init(struct seedlist *s);
void seedlist_cleanup(struct seedlist *s);
/* Normalise text and add it, or print "rejected: TEXT: reason" on stderr
 * and count it. maxlen is the crawl's max_url_len. */
void seedlist_add(struct seedlist *s, const char *text, size_t maxlen);
/* The same with the request flags given: CF_REQ_SEED | CF_REQ_SITEMAP
 * for a --sitemap URL. */
void seedlist_add_flags(struct seedlist *s, const char *text, size_t maxlen,
                        uint32_t flags);
/* Add every URL line of path ("-" = stdin; blank lines and '#' comments
 * skipped). Returns 0, or CLI_FAIL after printing why. */
int seedlist_read(const char *cmd, struct seedlist *s, const char *path,
                  size_t maxlen);

/* Create crawl with cfg unless it exists, and add it to cf:crawls.
 * *created says which. Returns 0 or CLI_FAIL (printed). */
int seed_create(const char *cmd, redisContext *rc, const char *crawl,
                const struct cf_config *cfg, int *created);

/* Push the seeds in batches; counts new and duplicate ones. Returns 0,
 * CLI_FAIL or, when the crawl refuses seeds whatever is tried (another
 * frontier layout, docs/keys.md), CLI_USAGE; errors are printed. */
int seed_push(const char *cmd, redisContext *rc, const char *crawl,
              const struct seedlist *s, size_t *fresh, size_t *dup);

#endif

/* robocache.h - parsed robots.txt rules per (crawl, host), in memory.
 *
 * The frontier keeps each host's rules in cf:{C}:robots (hostkey -> the
 * body to apply: as fetched for a 2xx, "" for a 4xx, a disallow-all
 * group for a 5xx or an unreachable server; the worker that fetched it
 * wrote it so). Page jobs of a crawl that obeys robots ask this cache;
 * on a miss it reads the hash field once (async HGET) and parks the
 * askers until the reply, then calls each one's callback. Entries expire
 * after ttl_ms; the cache holds at most cap entries and evicts the least
 * recently used idle one. The cache knows nothing of jobs: a waiter is a
 * struct robocache_wait the caller embeds in its own object. */
#ifndef WORKER_ROBOCACHE_H
#define WORKER_ROBOCACHE_H

#include <stddef.h>
#include <stdint.h>
#include <sys/queue.h>

struct rclient;
struct robots;
struct robocache;
struct robocache_wait;

/* The rules a parked waiter asked for have arrived. The waiter is off
 * the cache's lists when this runs, so the callback may free the object
 * it is embedded in. rules belong to the cache. */
typedef void robocache_ready_fn(struct robocache_wait *wt,
                                const struct robots *rules, void *arg);

/* A place in an entry's queue of waiters; embedded by the caller. */
struct robocache_wait {
    TAILQ_ENTRY(robocache_wait) link; /* in the entry's waiters */
    void *entry;                      /* entry waited on; NULL: not parked */
    robocache_ready_fn *fn;           /* called once when rules arrive */
    void *arg;                        /* fn's last argument */
};

/* A cache reading rules through rc (not owned; it must outlive the
 * cache). */
struct robocache *robocache_new(size_t cap, int64_t ttl_ms,
                                struct rclient *rc);
/* Free every entry; parked waiters are forgotten (never called). */
void robocache_free(struct robocache *c);

/* The rules of (crawl, hostkey) if cached and fresh. Otherwise NULL: wt
 * is parked and fn(wt, rules, arg) is called once when the rules arrive
 * (a later event, never from inside this call). token is the crawl's
 * robots product token, copied: the rules are parsed for it. */
const struct robots *robocache_get(struct robocache *c, const char *crawl,
                                   const char *hostkey, const char *token,
                                   struct robocache_wait *wt,
                                   robocache_ready_fn *fn, void *arg);
/* Forget a parked waiter (its owner is going away); no-op when wt is
 * not parked. */
void robocache_unpark(struct robocache *c, struct robocache_wait *wt);
/* Drop the entry of (crawl, hostkey), e.g. after a robots lease stored
 * new rules. */
void robocache_invalidate(struct robocache *c, const char *crawl,
                          const char *hostkey);
/* Retry reads that failed (Redis away); called from the cron. */
void robocache_tick(struct robocache *c);

#endif

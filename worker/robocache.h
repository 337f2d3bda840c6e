/* robocache.h - parsed robots.txt rules per (crawl, host), in memory.
 *
 * The frontier keeps each host's rules in cf:{C}:robots (hostkey -> the
 * body to apply: as fetched for a 2xx, "" for a 4xx, a disallow-all
 * group for a 5xx or an unreachable server; the worker that fetched it
 * wrote it so). Page jobs of a crawl that obeys robots ask this cache;
 * on a miss it reads the hash field once (async HGET) and parks the jobs
 * until the reply. Entries expire after ttl_ms; the cache holds at most
 * cap entries and evicts the least recently used idle one. */
#ifndef WORKER_ROBOCACHE_H
#define WORKER_ROBOCACHE_H

#include <stddef.h>
#include <stdint.h>

struct worker;
struct job;
struct robots;
struct robocache;

struct robocache *robocache_new(size_t cap, int64_t ttl_ms);
/* Free every entry; waiting jobs are left to their owner. */
void robocache_free(struct robocache *c);

/* The rules for j's crawl and host if cached and fresh. Otherwise NULL:
 * j is parked (state JOB_ROBOTS_WAIT) and job_robots_ready() is called
 * for it when the rules arrive. */
const struct robots *robocache_get(struct robocache *c, struct worker *w,
                                   struct job *j);
/* Forget a parked job (aborted). */
void robocache_unpark(struct robocache *c, struct job *j);
/* Drop the entry of (crawl, hostkey), e.g. after a robots lease stored
 * new rules. */
void robocache_invalidate(struct robocache *c, const char *crawl,
                          const char *hostkey);
/* Retry reads that failed (Redis away); called from the cron. */
void robocache_tick(struct robocache *c, struct worker *w);

size_t robocache_size(const struct robocache *c);

#endif

/* coord.h - the coordinator loop's work, shared by `crawlfleet run` and
 * `crawlfleet crawl`. Every change goes through an atomic script (reap)
 * or is an append-only sample, so any number of coordinators may run on
 * one Redis at once, and a crawl progresses with none. */
#ifndef COORD_H
#define COORD_H

#include <stdint.h>

#include <hiredis/hiredis.h>

#define COORD_REAP_LIMIT 1000   /* leases re-queued per crawl per tick */
#define COORD_SAMPLE_MIN_MS 900 /* skip a sample if one is this fresh */

/* One pass over one crawl at now: re-queue expired leases, then LPUSH
 * "<ms> <done>" to cf:{C}:rate (trimmed) unless a fresh sample exists or
 * the crawl finished and its last sample is current. *reaped gets the
 * number re-queued. 0 or CF_EREDIS with errstr. */
int coord_tick_crawl(redisContext *rc, const char *crawl, int64_t now,
                     long long *reaped, char *errstr);

/* coord_tick_crawl for every crawl in cf:crawls. Returns the number of
 * crawls visited, or -1 with errstr. */
int coord_tick_all(redisContext *rc, long long *reaped, char *errstr);

#endif

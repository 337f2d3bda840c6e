/* qmem.h - Redis memory per queued URL, measured (the frontier's memory
 * test in the integration suite and the frontier bench share it).
 *
 * qmem_fill() creates crawl `crawl` and pushes hosts x per_host new URLs
 * of QMEM_URL_LEN bytes each (a 29-byte origin "http://www.siteNNNNNN.example"
 * and a path; URLs of one host share most of their path), as the workers
 * push them: encoded cf_requests at depth 1, grouped by host, 1,000 links
 * per push call. It reports Redis' used_memory after create and after the
 * last push; everything the crawl holds counts (queues, seen set,
 * schedule). */
#ifndef CF_QMEM_H
#define CF_QMEM_H

#include <hiredis/hiredis.h>

#define QMEM_URL_LEN 63

struct qmem {
    long urls;          /* URLs pushed (all new) */
    double before;      /* used_memory after create, bytes */
    double after;       /* used_memory after the last push */
    double per_url;     /* (after - before) / urls */
};

/* 0, or -1 with the reason on stderr. */
int qmem_fill(redisContext *rc, const char *crawl, long hosts, long per_host,
              struct qmem *out);

#endif

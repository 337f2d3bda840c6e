/* seen.h - a bounded set of URL fingerprints, local to one worker.
 *
 * The worker's dedup cache: a link whose fingerprint is here was pushed
 * by an ack this process saw accepted, so it is in the crawl's seen set
 * in Redis and need not be sent again. Open addressing with linear
 * probing over a power-of-two table that grows from a few thousand slots
 * up to twice the entry cap (load <= 1/2). When the cap is reached the
 * set is cleared and starts over (counted): forgetting is always safe,
 * the frontier dedups whatever the cache lets through. */
#ifndef WORKER_SEEN_H
#define WORKER_SEEN_H

#include <stddef.h>
#include <stdint.h>

struct seen;

/* A set of at most max (>= 1) fingerprints; free with seen_free(). */
struct seen *seen_new(size_t max);
void seen_free(struct seen *s);

/* 1 if fp is in the set. */
int seen_has(const struct seen *s, uint64_t fp);
/* Add fp: 1 if it was new, 0 if it was there. A full set is cleared
 * first. */
int seen_add(struct seen *s, uint64_t fp);
/* Forget everything (the table keeps its size). */
void seen_clear(struct seen *s);

size_t seen_count(const struct seen *s);   /* fingerprints held */
size_t seen_slots(const struct seen *s);   /* table size */
uint64_t seen_clears(const struct seen *s); /* times the cap was hit */

#endif

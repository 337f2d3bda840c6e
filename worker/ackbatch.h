/* ackbatch.h - a crawl's page acks, batched into one ack call.
 *
 * Internal to crawlfleet-worker. Each page's ack is added to its crawl's
 * batch (struct crawl's acks); a batch goes to Redis as one ack call
 * when it holds ACK_BATCH_MAX pages, when its first page is ACK_WAIT_MS
 * old (the worker's ack_ev timer), or while the crawl's frontier is
 * short of work at the end of a burst of results (none waits to be
 * parsed) or when it holds a quarter of the crawl's jobs. The reply puts an accepted page's links into the
 * crawl's dedup cache and wakes the crawl's pops. */
#ifndef WORKER_ACKBATCH_H
#define WORKER_ACKBATCH_H

#include "frontier.h"

struct worker;
struct crawl;
struct page_links;
struct ack_ctx;

/* Drop pl's links that the crawl's dedup cache knows (counted in
 * dup_local; they stay in links_found) and return the context the ack of
 * the rest needs (their fingerprints). pl may be NULL (no links). The
 * context goes to ackbatch_add(). */
struct ack_ctx *ackbatch_ctx_new(struct crawl *cr, struct page_links *pl);
/* Add page a to cr's batch, with its context ac (taken over). a's
 * fields are copied into the batch's command; the batch goes now or is
 * left for the worker's ack_ev timer. */
void ackbatch_add(struct worker *w, struct crawl *cr, const struct cf_ack *a,
                  struct ack_ctx *ac);
/* The results queue is empty: send the batches held back for more
 * pages of the burst while their frontier is short of work. */
void ackbatch_results_done(struct worker *w);
/* Send every crawl's batch now (the ack_ev timer; the drain). */
void ackbatch_send_all(struct worker *w);
/* 1 if some crawl has acks not sent yet (no exit before they go). */
int ackbatch_unsent(const struct worker *w);
/* Drop a crawl's unsent acks (the worker is going away). */
void ackbatch_drop(struct crawl *cr);

#endif

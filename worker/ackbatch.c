/* ackbatch.c - a crawl's page acks, batched into one ack call. */
#include "ackbatch.h"

#include "alloc.h"
#include "clock.h"
#include "log.h"
#include "page.h"
#include "rclient.h"
#include "seen.h"
#include "worker.h"

/* What an ack's reply needs per page: the fingerprints of the links it
 * pushed (they go into the dedup cache once it is accepted). */
struct ack_ctx {
    size_t n;        /* entries in fp */
    uint64_t fp[];   /* links sent with the ack */
};

/* A crawl's acks waiting to go out in one call: at most ACK_BATCH_MAX
 * pages, the first of them at most ACK_WAIT_MS old. */
#define ACK_BATCH_MAX 64
#define ACK_WAIT_MS 10

struct ack_batch {
    struct crawl *cr;
    struct cf_cmd cmd;                   /* the ack call being built */
    int64_t first_ms;                    /* when its first page came
                                          * (monotonic) */
    size_t n;                            /* pages in it */
    int pop_asked;                       /* leases asked for with it
                                          * (cf_frontier_ack_pop), 0:
                                          * none */
    int64_t pop_sent_us;                 /* when (monotonic us) */
    struct ack_ctx *page[ACK_BATCH_MAX]; /* their contexts */
};

static void ack_batch_free(struct ack_batch *b)
{
    if (!b)
        return;
    for (size_t i = 0; i < b->n; i++)
        free(b->page[i]);
    cf_cmd_cleanup(&b->cmd);
    free(b);
}

/* Whether the crawl's frontier is short of work for this worker: its
 * pops are waiting out a backoff (the last one came back short, empty or
 * failed) and no transfer waits for a slot. The links of a page acked now
 * may be the next fetches. */
static int short_of_work(const struct worker *w, const struct crawl *cr)
{
    return cr->next_pop_ms != 0 && w->nready == 0;
}

static void send_batch(struct worker *w, struct crawl *cr);

/* Whether the crawl's batch goes now, not at ACK_WAIT_MS or when full:
 * while the frontier is short of work and no ack call of the crawl is
 * out, a batch of n pages goes when no fetched page waits to be parsed
 * (the end of a burst: nothing more would join it soon), or when it
 * holds 1/ACK_SHARE of the crawl's jobs in this worker. A worker that is
 * behind on parsing (CPU-bound) so sends a few calls of many pages, not
 * one of 2 or 3 pages per round trip: on the rust-doc crawl (one host,
 * 32 slots) that took it from 0.27-0.42 ack calls a result to 0.15, and
 * redis-server from 117-125 to 71-79 us a result (bench/README.md). One
 * whose fetches wait on the network (a result at a time, the queue
 * empty) acks each page at once, as before. */
#define ACK_SHARE 4

static int goes_now(const struct worker *w, const struct crawl *cr)
{
    return cr->acks && cr->acks_out == 0 && short_of_work(w, cr) &&
           (w->nresults == 0 ||
            (int)cr->acks->n * ACK_SHARE >= cr->inflight);
}

static void on_ack(redisReply *r, void *arg)
{
    struct ack_batch *b = arg;
    struct crawl *cr = b->cr;
    struct worker *w = cr->w;
    int acc[ACK_BATCH_MAX];
    char errstr[CF_ERRSTR_LEN];
    size_t i, k;

    cr->acks_out--;
    if (!r) {
        w->n.redis_lost += b->n;
        goto out;
    }
    if (r->type == REDIS_REPLY_ERROR) {
        if (worker_crawl_missing(cr, r->str))
            goto out;
        cf_warn("ack refused", "crawl=%s pages=%zu error=\"%s\"", cr->name,
                b->n, r->str);
        goto out;
    }
    if (cf_frontier_ack_parse(r, b->n, acc, errstr) != 0) {
        cf_warn("bad ack reply", "crawl=%s error=\"%s\"", cr->name, errstr);
        goto out;
    }
    for (i = 0; i < b->n; i++) {
        if (!acc[i]) {
            w->n.stale++;
            continue;
        }
        /* Accepted: its links are in the crawl's seen set now. Never on
         * a stale, refused or lost ack (they may not have been pushed). */
        for (k = 0; cr->seen && k < b->page[i]->n; k++)
            seen_add(cr->seen, b->page[i]->fp[k]);
    }
    if (b->pop_asked) {
        /* the pop came after the batch's links and freed slots */
        popper_ack_done(cr, cf_frontier_ack_popped(r, b->n), b->pop_asked,
                        b->pop_sent_us);
        b->pop_asked = 0;
    } else {
        /* new links may be poppable now */
        worker_crawl_wake(cr);
    }
out:
    if (b->pop_asked)
        popper_ack_done(cr, NULL, b->pop_asked, b->pop_sent_us);
    ack_batch_free(b);
    /* what came while this call was out goes now (ackbatch_add) */
    if (goes_now(w, cr))
        send_batch(w, cr);
}

static void send_batch(struct worker *w, struct crawl *cr)
{
    struct ack_batch *b = cr->acks;

    cr->acks = NULL;
    cr->acks_out++;
    /* the worker's next leases in the same call */
    b->pop_asked = popper_ack_want(w, cr);
    if (b->pop_asked) {
        b->pop_sent_us = cf_mono_us();
        cf_frontier_ack_pop(&b->cmd, w->id, b->pop_asked, cf_wall_ms());
    }
    /* the client takes the command over; on_ack frees b (a durable send
     * never fails: rclient.h) */
    rclient_send_tail(w->rc, &b->cmd, RC_SCRIPT | RC_DURABLE,
                      b->pop_asked ? CF_ACK_POP_ARGS : 0, on_ack, b);
}

void ackbatch_results_done(struct worker *w)
{
    for (int i = 0; i < w->ncrawls; i++)
        if (goes_now(w, w->crawls[i]))
            send_batch(w, w->crawls[i]);
}

void ackbatch_send_all(struct worker *w)
{
    for (int i = 0; i < w->ncrawls; i++)
        if (w->crawls[i]->acks)
            send_batch(w, w->crawls[i]);
}

int ackbatch_unsent(const struct worker *w)
{
    for (int i = 0; i < w->ncrawls; i++)
        if (w->crawls[i]->acks)
            return 1;
    return 0;
}

void ackbatch_drop(struct crawl *cr)
{
    ack_batch_free(cr->acks);
    cr->acks = NULL;
}


/* Add page a (with its context) to the crawl's batch. A batch goes when
 * it is full or ACK_WAIT_MS old (w->ack_ev, a timer armed by its first
 * page), or at once while the frontier is short of work (the start and
 * the end of a crawl): a page's links wait a few ms for Redis at most,
 * its transfer slot does not wait at all. */
void ackbatch_add(struct worker *w, struct crawl *cr, const struct cf_ack *a,
                  struct ack_ctx *ac)
{
    struct ack_batch *b = cr->acks;
    int64_t now = cf_mono_ms();

    if (!b) {
        b = cf_calloc(1, sizeof(*b));
        b->cr = cr;
        b->first_ms = now;
        cf_cmd_init(&b->cmd);
        cf_frontier_ack_cmd(&b->cmd, cr->name, a);
        cr->acks = b;
    } else {
        cf_frontier_ack_add(&b->cmd, a);
    }
    b->page[b->n++] = ac;
    if (b->n == ACK_BATCH_MAX || !w->ack_ev ||
        now - b->first_ms >= ACK_WAIT_MS || goes_now(w, cr)) {
        send_batch(w, cr);
    } else if (!evtimer_pending(w->ack_ev, NULL)) {
        struct timeval tv = {0, ACK_WAIT_MS * 1000};

        evtimer_add(w->ack_ev, &tv);
    }
}

/* Drop the links the dedup cache knows (counted in dup_local; they stay
 * in links_found) and return the context of the ack that sends the
 * rest. */
struct ack_ctx *ackbatch_ctx_new(struct crawl *cr, struct page_links *pl)
{
    size_t n = pl ? pl->n : 0, i, k = 0;
    struct ack_ctx *ac = cf_malloc(sizeof(*ac) + n * sizeof(ac->fp[0]));

    for (i = 0; i < n; i++) {
        struct cf_link *l = &pl->links[i];

        if (cr->seen && seen_has(cr->seen, l->fp)) {
            cr->w->n.dup_local++;
            page_link_free(l);
            continue;
        }
        pl->links[k] = *l;
        ac->fp[k++] = l->fp;
    }
    if (pl)
        pl->n = k;
    ac->n = k;
    return ac;
}

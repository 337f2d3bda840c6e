/* drain.c - the end of a SIGTERM grace period: leases of transfers still
 * running go back to the frontier (release) instead of waiting for their
 * expiry, so another worker can take them at once, attempts unchanged. */
#include "worker.h"

#include <stdlib.h>

#include "alloc.h"
#include "clock.h"
#include "log.h"
#include "rclient.h"

static void on_release(redisReply *r, void *arg)
{
    struct worker *w = arg;
    struct cf_release_info info;
    char errstr[CF_ERRSTR_LEN];

    w->releasing--;
    if (!r) {
        cf_warn("release not answered, leases will expire", NULL);
    } else if (r->type == REDIS_REPLY_ERROR) {
        cf_warn("release refused", "error=\"%s\"", r->str);
    } else if (cf_frontier_release_parse(r, &info, errstr) != 0) {
        cf_warn("bad release reply", "error=\"%s\"", errstr);
    } else {
        w->n.released += (uint64_t)(info.pages + info.robots);
        w->n.stale += (uint64_t)info.stale;
        cf_info("leases released", "pages=%lld robots=%lld stale=%lld",
                (long long)info.pages, (long long)info.robots,
                (long long)info.stale);
    }
    /* let the housekeeping timer see whether we are done */
    event_active(w->cron, EV_TIMEOUT, 0);
}

/* Send one release call for up to n refs of crawl cr. */
static void send_release(struct worker *w, struct crawl *cr,
                         const struct cf_lease_ref *refs, size_t n)
{
    struct cf_cmd c;

    if (n == 0)
        return;
    cf_cmd_init(&c);
    cf_frontier_release_cmd(&c, cr->name, cf_wall_ms(), refs, n);
    /* counted first: a durable send never fails, and its callback may
     * run inside the call (queue full; rclient.h) */
    w->releasing++;
    rclient_send(w->rc, &c, RC_SCRIPT | RC_DURABLE, on_release, w);
    cf_cmd_cleanup(&c);
}

void drain_release_one(struct worker *w, struct job *j)
{
    struct cf_lease_ref ref = {0};

    ref.kind = j->lease.kind;
    ref.fp = j->lease.fp;
    ref.token = j->lease.token;
    ref.hostkey = j->lease.hostkey;
    send_release(w, j->cr, &ref, 1);
}

void drain_release(struct worker *w, int64_t wait_ms)
{
    struct cf_lease_ref *refs;
    struct job *j;
    size_t n, cap;
    int i;

    cap = (size_t)w->inflight < CF_RELEASE_MAX ? (size_t)w->inflight
                                               : CF_RELEASE_MAX;
    refs = cf_calloc(cap ? cap : 1, sizeof(*refs));
    for (i = 0; i < w->ncrawls; i++) {
        struct crawl *cr = w->crawls[i];

        if (cr->inflight == 0)
            continue;
        n = 0;
        TAILQ_FOREACH(j, &w->jobs, link) {
            if (j->cr != cr)
                continue;
            refs[n].kind = j->lease.kind;
            refs[n].fp = j->lease.fp;
            refs[n].token = j->lease.token;
            refs[n].hostkey = j->lease.hostkey;
            if (++n == cap) {
                send_release(w, cr, refs, n);
                n = 0;
            }
        }
        send_release(w, cr, refs, n);
    }
    free(refs);
    while ((j = TAILQ_FIRST(&w->jobs)) != NULL)
        job_abort(j);
    w->release_deadline = cf_mono_ms() + wait_ms;
}

/* popper.c - leases from the frontier: when to pop, for which crawl,
 * how many, and how long to back off after a short or empty pop. */
#include "worker.h"

#include <string.h>

#include "alloc.h"
#include "clock.h"
#include "log.h"
#include "rclient.h"

/* An empty pop with nothing scheduled waits IDLE_POP_MIN_MS, then twice
 * as long after each further one, up to LEASED_POP_MAX_MS while leases are
 * out (other workers' acks may bring links at any moment) and up to
 * IDLE_POP_MAX_MS when none is; an ack of this worker's own starts over
 * (worker_crawl_wake). */
#define IDLE_POP_MAX_MS 1000
#define LEASED_POP_MAX_MS 100
#define IDLE_POP_MIN_MS 10
#define PARTIAL_POP_MS 20
#define ENDED_POP_MS 2000
#define LOST_POP_MS 500 /* after a pop lost with the link */
#define CRAWL_POPS_MAX 2 /* pops of one crawl outstanding at once */
#define POP_SLOW_US 5000 /* a pop answered after this is counted slow */
static const struct {
    const char *name;
    enum crawl_state state;
} crawl_states[] = {
    {"running", CS_RUNNING}, {"paused", CS_PAUSED},
    {"cancelled", CS_CANCELLED}, {"done", CS_DONE},
    {"missing", CS_MISSING},
};

struct pop_ctx {
    struct crawl *cr;
    int asked;
    int64_t sent_us;    /* monotonic us when sent */
};

static enum crawl_state state_from_name(const char *s)
{
    size_t i;

    for (i = 0; i < sizeof(crawl_states) / sizeof(crawl_states[0]); i++)
        if (strcmp(crawl_states[i].name, s) == 0)
            return crawl_states[i].state;
    return CS_UNKNOWN;
}

/* Count a pop's round trip (send to reply). */
static void pop_rtt_count(struct worker *w, int64_t sent_us)
{
    uint64_t rtt = (uint64_t)(cf_mono_us() - sent_us);

    w->n.pop_rtt_us += rtt;
    if (rtt > w->n.pop_rtt_max_us)
        w->n.pop_rtt_max_us = rtt;
    if (rtt >= POP_SLOW_US)
        w->n.pop_slow++;
}

/* How long to wait after a pop that leased nothing. */
static int64_t empty_pop_wait(struct crawl *cr, const struct cf_pop_info *info)
{
    int64_t wait;

    if (cr->state != CS_RUNNING)
        return ENDED_POP_MS;
    if (info->wait_ms < 0) {
        int64_t cap = info->wait_ms == CF_POP_WAIT_LEASED ? LEASED_POP_MAX_MS
                                          : IDLE_POP_MAX_MS;

        cr->w->n.idle_pops++;
        wait = cr->idle_ms > 0 ? cr->idle_ms : IDLE_POP_MIN_MS;
        if (wait > cap)
            wait = cap;
        cr->idle_ms = wait * 2 < cap ? wait * 2 : cap;
        return wait;
    }
    wait = info->wait_ms;
    if (wait > IDLE_POP_MAX_MS)
        wait = IDLE_POP_MAX_MS;
    return wait < IDLE_POP_MIN_MS ? IDLE_POP_MIN_MS : wait;
}

void worker_crawl_wake(struct crawl *cr)
{
    cr->next_pop_ms = 0;
    cr->idle_ms = 0;
    worker_pump(cr->w);
}

/* Whether cr may be sent a pop now, as far as the crawl itself goes. */
static int crawl_poppable(const struct crawl *cr)
{
    return cr->listed && cr->have_cfg && cr->pops < CRAWL_POPS_MAX &&
           !cr->warc_failed;
}

/* A pop of n leases for cr goes out (pop_begin) or has come back or been
 * called off (pop_end): the counts the slots and the next pops go by. */
static void pop_begin(struct worker *w, struct crawl *cr, int n)
{
    worker_slots_note(w);
    cr->popping += n;
    cr->pops++;
    w->popping += n;
}

static void pop_end(struct worker *w, struct crawl *cr, int n)
{
    worker_slots_note(w);
    cr->popping -= n;
    cr->pops--;
    w->popping -= n;
}

/* A pop for cr of asked leases, sent at sent_us, answered with r (NULL:
 * no answer): the leases go to jobs, the next pop is timed. */
static void pop_done(struct crawl *cr, const redisReply *r, int asked,
                     int64_t sent_us)
{
    struct worker *w = cr->w;
    struct cf_lease *ls = NULL;
    struct cf_pop_info info;
    char errstr[CF_ERRSTR_LEN];
    int64_t now = cf_mono_ms(), wait;
    size_t n = 0, i;

    pop_end(w, cr, asked);
    pop_rtt_count(w, sent_us);
    if (!r) {
        cr->next_pop_ms = now + LOST_POP_MS;
        return;
    }
    if (r->type == REDIS_REPLY_ERROR) {
        if (!worker_crawl_missing(cr, r->str) && !cr->refused) {
            /* it exists but refuses pops (another frontier layout,
             * docs/keys.md): said once */
            cr->refused = 1;
            cf_warn("pop refused", "crawl=%s error=\"%s\"", cr->name,
                    r->str);
        }
        cr->next_pop_ms = now + ENDED_POP_MS;
        cf_debug("pop refused", "crawl=%s error=\"%s\"", cr->name, r->str);
        worker_pump(w);
        return;
    }
    if (cf_frontier_pop_parse(r, &ls, &n, &info, errstr) != 0) {
        cf_warn("bad pop reply", "crawl=%s error=\"%s\"", cr->name, errstr);
        cr->next_pop_ms = now + IDLE_POP_MAX_MS;
        return;
    }
    cr->state = state_from_name(info.state);
    if (cr->state != CS_MISSING)
        cr->missing_since = 0;
    /* the crawl ended: see now, not at the next tick, whether to leave */
    if ((cr->state == CS_DONE || cr->state == CS_CANCELLED) &&
        w->o->exit_when_done)
        event_active(w->cron, EV_TIMEOUT, 0);
    w->n.pops++;
    if (n == 0) {
        w->n.empty_pops++;
        wait = empty_pop_wait(cr, &info);
        cr->next_pop_ms = now + wait;
    } else {
        cr->idle_ms = 0;
        cr->next_pop_ms = (int)n < asked ? now + PARTIAL_POP_MS : 0;
    }
    for (i = 0; i < n; i++)
        job_start(w, cr, &ls[i]);
    cf_leases_free(ls, n);
    worker_pump(w);
}

static void on_pop(redisReply *r, void *arg)
{
    struct pop_ctx *pc = arg;
    struct crawl *cr = pc->cr;
    int asked = pc->asked;
    int64_t sent_us = pc->sent_us;

    free(pc);
    pop_done(cr, r, asked, sent_us);
}

int popper_ack_want(struct worker *w, struct crawl *cr)
{
    int free_slots, want;

    if (w->state != WS_RUNNING || cr->state != CS_RUNNING ||
        !crawl_poppable(cr))
        return 0;
    free_slots = w->lease_cap - w->inflight - w->popping;
    want = free_slots < w->o->batch ? free_slots : w->o->batch;
    if (want < 1)
        return 0;
    pop_begin(w, cr, want);
    return want;
}

void popper_ack_done(struct crawl *cr, const redisReply *r, int asked,
                     int64_t sent_us)
{
    struct worker *w = cr->w;

    if (r) {
        w->n.ack_pops++;
        pop_done(cr, r, asked, sent_us);
        return;
    }
    /* not asked after all: as if never sent, and pop as usual */
    pop_end(w, cr, asked);
    worker_crawl_wake(cr);
}

static void pop_timer_arm(struct worker *w, int64_t at, int64_t now)
{
    int64_t ms = at - now;
    struct timeval tv;

    if (ms < 1)
        ms = 1;
    tv.tv_sec = ms / 1000;
    tv.tv_usec = (ms % 1000) * 1000;
    evtimer_add(w->pop_ev, &tv);
}

void worker_pump(struct worker *w)
{
    int64_t now = cf_mono_ms(), next = 0;
    int free_slots, low, i, k, want;

    if (w->state != WS_RUNNING || !rclient_up(w->rc) ||
        !rclient_up(w->rc_pop))
        return;
    free_slots = w->lease_cap - w->inflight - w->popping;
    /* refill when 3/4 of a batch is free, or at once when idle (the
     * leases beyond --concurrency cover the pop's round trip) */
    low = w->o->batch < w->o->concurrency ? w->o->batch : w->o->concurrency;
    low = low * 3 / 4 > 1 ? low * 3 / 4 : 1;
    if (w->inflight > 0 && free_slots < low)
        return;
    for (k = 0; k < w->ncrawls && free_slots > 0; k++) {
        struct crawl *cr = w->crawls[(w->pop_rr + k) % w->ncrawls];
        struct pop_ctx *pc;
        struct cf_cmd c;
        if (!crawl_poppable(cr))
            continue;
        /* a second pop only while the last one came back full */
        if (cr->pops > 0 && (cr->next_pop_ms || cr->state != CS_RUNNING))
            continue;
        if (cr->next_pop_ms > now) {
            if (!next || cr->next_pop_ms < next)
                next = cr->next_pop_ms;
            continue;
        }
        want = free_slots < w->o->batch ? free_slots : w->o->batch;
        pc = cf_calloc(1, sizeof(*pc));
        pc->cr = cr;
        pc->asked = want;
        pc->sent_us = cf_mono_us();
        cf_cmd_init(&c);
        cf_frontier_pop_cmd(&c, cr->name, w->id, want, cf_wall_ms());
        i = rclient_send(w->rc_pop, &c, RC_SCRIPT, on_pop, pc);
        cf_cmd_cleanup(&c);
        if (i != 0) {
            free(pc);
            break;
        }
        pop_begin(w, cr, want);
        free_slots -= want;
    }
    w->pop_rr++;
    if (next)
        pop_timer_arm(w, next, now);
}

void popper_on_timer(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    worker_pump(arg);
}

/* worker.c - the event loop: crawls, configs, heartbeat, shutdown. */
#include "worker.h"

#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "ackbatch.h"
#include "alloc.h"
#include "clock.h"
#include "warc.h"
#include "keys.h"
#include "log.h"
#include "metrics.h"
#include "rclient.h"
#include "robocache.h"
#include "robots.h"
#include "extract.h"
#include "scope.h"
#include "seen.h"

#define CRON_MS 250
#define LIST_EVERY_MS (WORKER_LIST_EVERY_S * 1000)
#define CONFIG_EVERY_MS (WORKER_CONFIG_EVERY_S * 1000)
#define HEARTBEAT_EVERY_MS 3000
#define HEARTBEAT_TTL_MS 15000
#define MISSING_GIVEUP_MS 30000
#define STARTUP_GIVEUP_MS 30000
#define ROBOTS_CACHE_MAX 4096
#define ROBOTS_CACHE_TTL_MS 60000
#define RELEASE_WAIT_MS 2000
/* pages/s in the heartbeat: each 1 s sample weighs half, the past half */
#define RATE_WEIGHT_OLD 0.5

static const char *const ws_names[] = {
    "starting", "running", "draining", "stopping",
};

static void worker_set_state(struct worker *w, enum worker_state s)
{
    if (w->state == s)
        return;
    worker_slots_note(w);
    cf_debug("worker state", "from=%s to=%s", ws_names[w->state],
             ws_names[s]);
    w->state = s;
}

static void worker_stop(struct worker *w, int code)
{
    worker_set_state(w, WS_STOPPING);
    w->exit_code = code;
    event_base_loopbreak(w->base);
}

/* ---- slot accounting -------------------------------------------------- */

void worker_slots_note(struct worker *w)
{
    struct worker_slots *s = &w->slots;
    int64_t now = cf_mono_us();
    uint64_t dt;

    if (s->t_us == 0 || w->state != WS_RUNNING) {
        s->t_us = w->state == WS_RUNNING ? now : 0;
        return;
    }
    dt = (uint64_t)(now - s->t_us);
    s->t_us = now;
    s->run_us += dt;
    s->fetch_us += dt * (uint64_t)w->fetching;
    s->ready_us += dt * (uint64_t)w->nready;
    s->result_us += dt * (uint64_t)w->nresults;
    s->pop_us += dt * (uint64_t)w->popping;
    s->lease_us += dt * (uint64_t)w->inflight;
}

static void slots_report(struct worker *w)
{
    struct worker_slots *s = &w->slots;
    double t;

    worker_slots_note(w);
    t = (double)s->run_us;
    if (t <= 0)
        return;
    cf_info("slot use",
            "run_s=%.2f transfers=%.1f%% mean_transfers=%.1f leases=%.1f "
            "ready=%.1f results=%.1f popping=%.1f pops=%llu empty=%llu "
            "idle=%llu leased=%llu pop_rtt_ms=%.2f max=%.1f slow=%llu",
            t / 1e6, 100.0 * (double)s->fetch_us / t / w->o->concurrency,
            (double)s->fetch_us / t, (double)s->lease_us / t,
            (double)s->ready_us / t, (double)s->result_us / t,
            (double)s->pop_us / t, (unsigned long long)w->n.pops,
            (unsigned long long)w->n.empty_pops,
            (unsigned long long)w->n.idle_pops,
            (unsigned long long)w->n.leases,
            w->n.pops ? (double)w->n.pop_rtt_us / 1000.0 / (double)w->n.pops
                      : 0.0, (double)w->n.pop_rtt_max_us / 1000.0,
            (unsigned long long)w->n.pop_slow);
}

/* ---- crawls and their configs ---------------------------------------- */

static struct crawl *crawl_find(struct worker *w, const char *name)
{
    int i;

    for (i = 0; i < w->ncrawls; i++)
        if (strcmp(w->crawls[i]->name, name) == 0)
            return w->crawls[i];
    return NULL;
}

static struct crawl *crawl_add(struct worker *w, const char *name)
{
    struct crawl *cr = crawl_find(w, name);

    if (cr || !cf_crawl_name_valid(name))
        return cr;
    if (w->ncrawls >= WORKER_CRAWLS_MAX) {
        cf_warn("too many crawls, ignored", "crawl=%s max=%d", name,
                WORKER_CRAWLS_MAX);
        return NULL;
    }
    cr = cf_calloc(1, sizeof(*cr));
    cr->w = w;
    snprintf(cr->name, sizeof(cr->name), "%s", name);
    cf_config_init(&cr->cfg);
    cr->jar = fetch_jar_new();
    if (w->o->seen_cache)
        cr->seen = seen_new(w->o->seen_cache);
    w->crawls[w->ncrawls++] = cr;
    cf_info("serving crawl", "crawl=%s", name);
    return cr;
}

/* The crawl is gone (or Redis may have lost data): a crawl created again
 * under its name starts with an empty seen set, so the cache must too. */
void worker_crawl_forget(struct crawl *cr)
{
    if (cr->seen)
        seen_clear(cr->seen);
}

int worker_crawl_missing(struct crawl *cr, const char *err)
{
    if (!err || !strstr(err, CF_NO_CRAWL_ERR))
        return 0;
    if (cr->state != CS_UNKNOWN && cr->state != CS_MISSING && !cr->deleted) {
        /* it existed: deleted (crawlfleet delete), not yet seeded */
        cr->deleted = 1;
        cf_info("crawl deleted, dropping its work", "crawl=%s inflight=%d",
                cr->name, cr->inflight);
    }
    if (!cr->missing_since)
        cr->missing_since = cf_mono_ms();
    cr->state = CS_MISSING;
    worker_crawl_forget(cr);
    return 1;
}

/* Put the config's cookies in the crawl's jar once (and again only if the
 * config's cookies change): reloading them each time the config is read
 * would undo what the sites set since. */
static void jar_update(struct crawl *cr)
{
    const char *want = cr->cfg.cookies;

    if (!want || (cr->jar_loaded && strcmp(cr->jar_loaded, want) == 0))
        return;
    if (fetch_jar_load(cr->jar, want) != 0)
        cf_warn("crawl cookies not all taken by curl", "crawl=%s",
                cr->name);
    free(cr->jar_loaded);
    cr->jar_loaded = cf_strdup(want);
}

/* Parse the config's extra CAs once (transfers hold pointers to them; a
 * crawl's config does not change after it is created), and say loudly
 * when a crawl turns certificate checks off. */
static void tls_update(struct crawl *cr)
{
    if (cr->cfg.ca_file && !cr->cas) {
        cr->cas = fetch_cas_new(cr->cfg.ca_file);
        if (!cr->cas)
            cf_error("crawl ca_file holds no certificate OpenSSL reads; "
                     "using the system CAs only", "crawl=%s", cr->name);
        else
            cf_info("crawl trusts extra CAs", "crawl=%s certs=%d", cr->name,
                    fetch_cas_count(cr->cas));
    }
    if (cr->cfg.insecure && !cr->insecure_told) {
        cf_warn("TLS CERTIFICATE CHECKS ARE OFF for this crawl (insecure): "
                "any server can pose as any https host",
                "crawl=%s", cr->name);
        cr->insecure_told = 1;
    }
}

static void on_config(redisReply *r, void *arg)
{
    struct crawl *cr = arg;
    struct cf_config cfg;
    char errstr[CF_ERRSTR_LEN];
    struct scope *sc;
    size_t i;

    cr->cfg_loading = 0;
    if (!r || r->type != REDIS_REPLY_ARRAY)
        return;
    if (r->elements == 0) {
        if (!cr->missing_since)
            cr->missing_since = cf_mono_ms();
        worker_crawl_forget(cr);
        return;
    }
    cf_config_init(&cfg);
    for (i = 0; i + 1 < r->elements; i += 2) {
        const char *k = r->element[i]->str, *v = r->element[i + 1]->str;
        if (!k || !v)
            continue;
        if (cf_config_set_stored(&cfg, k, v, errstr) == CF_EINVAL)
            cf_warn("bad config field", "crawl=%s error=\"%s\"", cr->name,
                    errstr);
    }
    sc = scope_new(&cfg, errstr);
    if (!sc)
        cf_error("bad crawl scope, links will not be followed",
                 "crawl=%s error=\"%s\"", cr->name, errstr);
    scope_free(cr->scope);
    cr->scope = sc;
    extract_plan_free(cr->plan);
    cr->plan = extract_plan_new(&cfg, errstr);
    if (cr->plan == NULL && errstr[0] != '\0')
        cf_error("bad extraction rule, nothing will be extracted",
                 "crawl=%s error=\"%s\"", cr->name, errstr);
    cf_config_cleanup(&cr->cfg);
    cr->cfg = cfg;
    robots_ua_token(cfg.user_agent ? cfg.user_agent : "crawlfleet",
                    cr->robots_token, sizeof(cr->robots_token));
    jar_update(cr);
    tls_update(cr);
    if (!cr->have_cfg)
        cf_debug("crawl config loaded", "crawl=%s", cr->name);
    cr->have_cfg = 1;
    cr->missing_since = 0;
    cr->cfg_ms = cf_mono_ms();
    worker_pump(cr->w);
}

static void config_load(struct worker *w, struct crawl *cr)
{
    char key[CF_KEY_MAX];

    if (cr->cfg_loading)
        return;
    cf_key(key, cr->name, "config");
    if (rclient_sendv(w->rc, 0, on_config, cr, "HGETALL", key,
                      (const char *)NULL) == 0)
        cr->cfg_loading = 1;
}

static void on_crawl_list(redisReply *r, void *arg)
{
    struct worker *w = arg;
    size_t i;
    int k;

    w->list_loading = 0;
    if (!r || r->type != REDIS_REPLY_ARRAY)
        return;
    for (k = 0; k < w->ncrawls; k++)
        w->crawls[k]->listed = 0;
    for (i = 0; i < r->elements; i++) {
        struct crawl *cr;
        if (r->element[i]->type != REDIS_REPLY_STRING)
            continue;
        cr = crawl_add(w, r->element[i]->str);
        if (cr) {
            cr->listed = 1;
            if (!cr->have_cfg)
                config_load(w, cr);
        }
    }
    w->list_ms = cf_mono_ms();
}

static void refresh(struct worker *w, int64_t now)
{
    int i;

    if (!rclient_up(w->rc))
        return;
    if (w->o->ncrawls == 0 && !w->list_loading &&
        now - w->list_ms >= LIST_EVERY_MS) {
        if (rclient_sendv(w->rc, 0, on_crawl_list, w, "SMEMBERS",
                          CF_KEY_CRAWLS, (const char *)NULL) == 0)
            w->list_loading = 1;
    }
    for (i = 0; i < w->ncrawls; i++) {
        struct crawl *cr = w->crawls[i];
        if (cr->listed && (!cr->have_cfg ||
                           now - cr->cfg_ms >= CONFIG_EVERY_MS))
            config_load(w, cr);
    }
}

static int crawl_ended(const struct crawl *cr, int64_t now)
{
    if (cr->state == CS_DONE || cr->state == CS_CANCELLED)
        return 1;
    if (cr->deleted)
        return 1;
    return cr->missing_since && now - cr->missing_since > MISSING_GIVEUP_MS;
}

static void on_ack_ev(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    ackbatch_send_all(arg);
}

/* ---- heartbeat -------------------------------------------------------- */

static void heartbeat(struct worker *w, int64_t now)
{
    char key[CF_KEY_MAX], pid[16], started[24], inflight[16], pages[24];
    char bytes[24], errors[24], rate[32], crawls[1024];
    size_t off = 0;
    int i;

    /* stopping: the key is being deleted, and must stay deleted */
    if (!rclient_up(w->rc) || w->state == WS_STOPPING)
        return;
    if (now - w->rate_ms >= 1000) {
        double inst = (double)(w->n.pages - w->rate_pages) * 1000.0 /
                      (double)(now - w->rate_ms);
        w->rate = w->rate_ms ? RATE_WEIGHT_OLD * w->rate +
                                   (1 - RATE_WEIGHT_OLD) * inst
                             : inst;
        w->rate_pages = w->n.pages;
        w->rate_ms = now;
    }
    if (now - w->hb_ms < HEARTBEAT_EVERY_MS)
        return;
    w->hb_ms = now;
    crawls[0] = '\0';
    for (i = 0; i < w->ncrawls && off + CF_CRAWL_NAME_MAX + 2 <
                                      sizeof(crawls); i++) {
        if (!w->crawls[i]->listed)
            continue;
        off += (size_t)snprintf(crawls + off, sizeof(crawls) - off, "%s%s",
                                off ? "," : "", w->crawls[i]->name);
    }
    snprintf(key, sizeof(key), "%s%s", CF_KEY_WORKER_PREFIX, w->id);
    snprintf(pid, sizeof(pid), "%d", (int)getpid());
    snprintf(started, sizeof(started), "%lld", (long long)w->started_ms);
    snprintf(inflight, sizeof(inflight), "%d", w->inflight);
    snprintf(pages, sizeof(pages), "%llu", (unsigned long long)w->n.pages);
    snprintf(bytes, sizeof(bytes), "%llu", (unsigned long long)w->n.bytes);
    snprintf(errors, sizeof(errors), "%llu",
             (unsigned long long)w->n.errors);
    snprintf(rate, sizeof(rate), "%.2f", w->rate);
    /* one transaction: a key without its TTL would outlive the worker */
    rclient_sendv(w->rc, 0, NULL, NULL, "MULTI", (const char *)NULL);
    rclient_sendv(w->rc, 0, NULL, NULL, "HSET", key, "host", w->host, "pid",
                  pid, "started_ms", started, "inflight", inflight, "pages",
                  pages, "bytes", bytes, "errors", errors, "rate", rate,
                  "crawls", crawls, (const char *)NULL);
    snprintf(pid, sizeof(pid), "%d", HEARTBEAT_TTL_MS);
    rclient_sendv(w->rc, 0, NULL, NULL, "PEXPIRE", key, pid,
                  (const char *)NULL);
    /* a crawl whose archive cannot be written gets no work from us */
    for (i = 0; i < w->ncrawls; i++)
        if (w->crawls[i]->warc_failed)
            rclient_sendv(w->rc, 0, NULL, NULL, "HSET", key, "warc_error",
                          w->crawls[i]->warc_error, (const char *)NULL);
    rclient_sendv(w->rc, 0, NULL, NULL, "EXEC", (const char *)NULL);
}

/* ---- lifecycle -------------------------------------------------------- */

static void on_bye(redisReply *r, void *arg)
{
    (void)r;
    worker_stop(arg, 0);
}

/* Drained: remove the heartbeat and leave. */
static void finish(struct worker *w)
{
    char key[CF_KEY_MAX];

    if (w->state == WS_STOPPING)
        return;
    worker_set_state(w, WS_STOPPING);
    snprintf(key, sizeof(key), "%s%s", CF_KEY_WORKER_PREFIX, w->id);
    if (rclient_sendv(w->rc, 0, on_bye, w, "DEL", key, (const char *)NULL))
        worker_stop(w, 0);
}

static void check_exit(struct worker *w, int64_t now)
{
    int i, ended = 0, listed = 0;

    if (w->o->exit_when_done &&
        rclient_refused_ms(w->rc) > STARTUP_GIVEUP_MS) {
        cf_error("giving up: redis refuses our credentials",
                 "waited_ms=%d", STARTUP_GIVEUP_MS);
        worker_stop(w, 1);
        return;
    }
    if (w->state == WS_STARTING && w->o->exit_when_done &&
        now - w->start_mono_ms > STARTUP_GIVEUP_MS) {
        cf_error("giving up: redis unreachable", "waited_ms=%d",
                 STARTUP_GIVEUP_MS);
        worker_stop(w, 1);
        return;
    }
    if (w->state == WS_DRAINING) {
        if (w->inflight == 0 && !ackbatch_unsent(w) &&
            rclient_pending(w->rc) == 0) {
            cf_info("drained, exiting", NULL);
            finish(w);
        } else if (w->release_deadline && now >= w->release_deadline) {
            cf_warn("no answer in time, leaving the rest to expire",
                    "releasing=%d pending=%zu", w->releasing,
                    rclient_pending(w->rc));
            worker_stop(w, 0);
        } else if (!w->release_deadline && now >= w->drain_deadline) {
            cf_warn("grace period over, releasing leases",
                    "inflight=%d pending=%zu", w->inflight,
                    rclient_pending(w->rc));
            drain_release(w, RELEASE_WAIT_MS);
            ackbatch_send_all(w);
            if (w->releasing == 0 && rclient_pending(w->rc) == 0)
                finish(w);
        }
        return;
    }
    if (w->state != WS_RUNNING || !w->o->exit_when_done)
        return;
    for (i = 0; i < w->ncrawls; i++) {
        if (!w->crawls[i]->listed)
            continue;
        listed++;
        ended += crawl_ended(w->crawls[i], now);
    }
    if (listed > 0 && ended == listed && w->inflight == 0 &&
        w->popping == 0 && !ackbatch_unsent(w) &&
        rclient_pending(w->rc) == 0 && rclient_pending(w->rc_pop) == 0) {
        cf_info("every crawl ended, exiting", "pages=%llu",
                (unsigned long long)w->n.pages);
        finish(w);
    }
}

static void on_cron(evutil_socket_t fd, short what, void *arg)
{
    struct worker *w = arg;
    int64_t now = cf_mono_ms();

    (void)fd;
    (void)what;
    /* First: the exit check waits for no command pending on the link, and
     * refresh() sends a config load on every tick for a crawl not yet
     * seeded; checked after it, a draining worker never saw the link
     * idle and stayed up for the whole grace period. */
    check_exit(w, now);
    if (w->state == WS_STOPPING)
        return;
    refresh(w, now);
    heartbeat(w, now);
    robocache_tick(w->robots);
    worker_pump(w);
}

static void on_signal(evutil_socket_t sig, short what, void *arg)
{
    struct worker *w = arg;
    struct job *j;

    (void)what;
    if (w->state == WS_DRAINING || w->state == WS_STOPPING) {
        cf_warn("second signal, exiting now", "signal=%d", (int)sig);
        while ((j = TAILQ_FIRST(&w->jobs)) != NULL)
            job_abort(j);
        worker_stop(w, 1);
        return;
    }
    cf_info("signal, draining", "signal=%d inflight=%d grace_ms=%lld",
            (int)sig, w->inflight, (long long)w->o->grace_ms);
    worker_set_state(w, WS_DRAINING);
    w->drain_deadline = cf_mono_ms() + w->o->grace_ms;
    check_exit(w, cf_mono_ms());
}

static void on_link(int up, void *arg)
{
    struct worker *w = arg;

    if (up && w->state == WS_STARTING) {
        worker_set_state(w, WS_RUNNING);
        cf_info("worker running", "id=%s concurrency=%d", w->id,
                w->o->concurrency);
    }
    if (up && rclient_stats(w->rc)->connects > 1) {
        /* a Redis that restarted may have lost what the caches hold */
        for (int i = 0; i < w->ncrawls; i++)
            worker_crawl_forget(w->crawls[i]);
    }
    if (up) {
        refresh(w, cf_mono_ms());
        worker_pump(w);
    } else {
        cf_warn("redis lost: no new work until it is back",
                "inflight=%d", w->inflight);
    }
}

/* The pop link: work may be had again once it is up. */
static void on_pop_link(int up, void *arg)
{
    if (up)
        worker_pump(arg);
}

/* Descriptors beside the transfers' own: Redis links, metrics, logs. */
#define FD_SPARE 64

/* How many connections curl keeps (busy and idle). Room for idle ones
 * beside the busy: a transfer takes one kept alive to its host instead of
 * opening another, and a pop's leases come grouped by host. The soft
 * descriptor limit is raised to what that needs, as far as the hard limit
 * allows; below it the cache shrinks. */
static long connection_cache(long concurrency)
{
    long want = concurrency > 32 ? 4 * concurrency : 128;
    rlim_t need = (rlim_t)(want + FD_SPARE);
    struct rlimit rl;
    long fit;

    if (getrlimit(RLIMIT_NOFILE, &rl) != 0 || rl.rlim_cur == RLIM_INFINITY ||
        rl.rlim_cur >= need)
        return want;
    rl.rlim_cur = rl.rlim_max != RLIM_INFINITY && rl.rlim_max < need
                      ? rl.rlim_max
                      : need;
    if (setrlimit(RLIMIT_NOFILE, &rl) != 0 ||
        getrlimit(RLIMIT_NOFILE, &rl) != 0)
        return want;
    if (rl.rlim_cur >= need)
        return want;
    fit = (long)rl.rlim_cur - FD_SPARE;
    if (fit < concurrency)
        cf_warn("descriptor limit below --concurrency",
                "limit=%ld concurrency=%ld", (long)rl.rlim_cur, concurrency);
    return fit > concurrency ? fit : concurrency;
}

int worker_run(const struct worker_opts *o, const struct cf_redis_addr *a)
{
    struct worker *w = cf_calloc(1, sizeof(*w));
    struct timeval cron = {0, CRON_MS * 1000};
    struct event_config *ecfg;
    struct job *j;
    char errstr[CF_ERRSTR_LEN];
    int i, code;

    w->o = o;
    /* Priorities: 0 unused, 1 every event by default, 2 the results
     * queue, which makes one result per loop pass (a callback that puts
     * itself back would otherwise run again in the same pass) so that
     * sockets are polled between two pages. */
    ecfg = event_config_new();
    event_config_set_max_dispatch_interval(ecfg, NULL, 1, 2);
    w->base = event_base_new_with_config(ecfg);
    event_config_free(ecfg);
    if (!w->base)
        w->base = event_base_new();
    event_base_priority_init(w->base, 3);
    w->started_ms = cf_wall_ms();
    w->start_mono_ms = cf_mono_ms();
    /* what a killed worker left cut in the WARC directory */
    if (o->warc_dir && warc_repair_dir(o->warc_dir, errstr) < 0)
        cf_warn("warc repair skipped", "error=\"%s\"", errstr);
    TAILQ_INIT(&w->jobs);
    TAILQ_INIT(&w->ready);
    TAILQ_INIT(&w->results);
    w->lease_cap = o->concurrency +
                   (o->batch < o->concurrency ? o->batch : o->concurrency);
    if (gethostname(w->host, sizeof(w->host)) != 0)
        snprintf(w->host, sizeof(w->host), "unknown");
    w->host[sizeof(w->host) - 1] = '\0';
    if (o->id)
        snprintf(w->id, sizeof(w->id), "%s", o->id);
    else
        snprintf(w->id, sizeof(w->id), "%s:%d", w->host, (int)getpid());
    for (i = 0; i < o->ncrawls; i++) {
        struct crawl *cr = crawl_add(w, o->crawls[i]);
        if (cr)
            cr->listed = 1;
    }
    w->fetch = fetch_new(w->base, connection_cache(o->concurrency));
    if (getenv("CF_SSRF_PUBLIC")) {
        char err[CF_ERRSTR_LEN];
        if (fetch_set_public(w->fetch, getenv("CF_SSRF_PUBLIC"), err) != 0) {
            cf_error("bad CF_SSRF_PUBLIC", "error=\"%s\"", err);
            code = 1;
            goto out;
        }
        cf_warn("CF_SSRF_PUBLIC set (a test hook): the SSRF guard lets "
                "these private addresses through",
                "addrs=\"%s\"", getenv("CF_SSRF_PUBLIC"));
    }
    w->metrics = metrics_new(w, o->metrics_port);
    if (!w->metrics) {
        code = 1;
        goto out;
    }
    w->cron = event_new(w->base, -1, EV_PERSIST, on_cron, w);
    event_add(w->cron, &cron);
    w->pop_ev = evtimer_new(w->base, popper_on_timer, w);
    w->ack_ev = evtimer_new(w->base, on_ack_ev, w);
    w->result_ev = event_new(w->base, -1, 0, job_results_run, w);
    event_priority_set(w->result_ev, 2);
    w->sig_term = evsignal_new(w->base, SIGTERM, on_signal, w);
    w->sig_int = evsignal_new(w->base, SIGINT, on_signal, w);
    event_add(w->sig_term, NULL);
    event_add(w->sig_int, NULL);
    signal(SIGPIPE, SIG_IGN);
    cf_info("worker starting", "id=%s", w->id);
    w->rc = rclient_new(w->base, a, o->queue_cap, on_link, w);
    w->rc_pop = rclient_new(w->base, a, 0, on_pop_link, w);
    w->robots = robocache_new(ROBOTS_CACHE_MAX, ROBOTS_CACHE_TTL_MS, w->rc);

    event_base_dispatch(w->base);
    code = w->exit_code;
    /* first: the WARC files closed (renamed) before a second signal can
     * end the process the default way (its handler goes below) */
    for (i = 0; i < w->ncrawls; i++) {
        if (w->crawls[i]->warc_ev)
            event_free(w->crawls[i]->warc_ev);
        w->crawls[i]->warc_ev = NULL;
        warc_free(w->crawls[i]->warc); /* writes what is queued */
        w->crawls[i]->warc = NULL;
    }
    slots_report(w);

out:
    while ((j = TAILQ_FIRST(&w->jobs)) != NULL)
        job_abort(j);
    rclient_free(w->rc_pop);
    rclient_free(w->rc);
    robocache_free(w->robots);
    metrics_free(w->metrics);
    fetch_free(w->fetch);
    if (w->cron)
        event_free(w->cron);
    if (w->pop_ev)
        event_free(w->pop_ev);
    if (w->ack_ev)
        event_free(w->ack_ev);
    if (w->result_ev)
        event_free(w->result_ev);
    if (w->sig_term)
        event_free(w->sig_term);
    if (w->sig_int)
        event_free(w->sig_int);
    for (i = 0; i < w->ncrawls; i++) {
        ackbatch_drop(w->crawls[i]);
        cf_config_cleanup(&w->crawls[i]->cfg);
        scope_free(w->crawls[i]->scope);
        extract_plan_free(w->crawls[i]->plan);
        seen_free(w->crawls[i]->seen);
        fetch_jar_free(w->crawls[i]->jar);
        fetch_cas_free(w->crawls[i]->cas);
        free(w->crawls[i]->jar_loaded);
        if (w->crawls[i]->warc_ev)
            event_free(w->crawls[i]->warc_ev);
        warc_free(w->crawls[i]->warc); /* closes (renames) its file */
        free(w->crawls[i]);
    }
    event_base_free(w->base);
    cf_info("worker stopped", "pages=%llu code=%d",
            (unsigned long long)w->n.pages, code);
    free(w);
    return code;
}

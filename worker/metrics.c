/* metrics.c - the worker's HTTP endpoints for probes and Prometheus. */
#include "metrics.h"

#include <event2/buffer.h>
#include <event2/http.h>
#include <string.h>

#include "alloc.h"
#include "fetch.h"
#include "log.h"
#include "rclient.h"
#include "seen.h"
#include "worker.h"

/* Upper bounds of the fetch-time histogram, in milliseconds. */
static const uint32_t bounds_ms[] = {
    10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000, 30000,
};
#define NBOUNDS (sizeof(bounds_ms) / sizeof(bounds_ms[0]))

struct metrics {
    struct worker *w;             /* what to report */
    struct evhttp *http;          /* server, NULL when off */
    int port;                     /* bound port */
    uint64_t buckets[NBOUNDS + 1];/* counts per bucket, last is +Inf */
    uint64_t count;               /* observations */
    uint64_t sum_ms;              /* their sum */
};

void metrics_observe_fetch(struct metrics *m, uint32_t ms)
{
    size_t i;

    if (!m)
        return;
    for (i = 0; i < NBOUNDS && ms > bounds_ms[i]; i++)
        ;
    m->buckets[i]++;
    m->count++;
    m->sum_ms += ms;
}

static void counter(struct evbuffer *b, const char *name, const char *help,
                    const char *type, uint64_t v)
{
    evbuffer_add_printf(b, "# HELP %s %s\n# TYPE %s %s\n%s %llu\n", name,
                        help, name, type, name, (unsigned long long)v);
}

/* The dedup caches of all crawls: entries and clears (cap reached). */
static void metrics_seen(struct evbuffer *b, const struct worker *w)
{
    uint64_t entries = 0, clears = 0;
    int i;

    for (i = 0; i < w->ncrawls; i++) {
        if (!w->crawls[i]->seen)
            continue;
        entries += seen_count(w->crawls[i]->seen);
        clears += seen_clears(w->crawls[i]->seen);
    }
    counter(b, "crawlfleet_worker_seen_cache_entries",
            "Fingerprints in the dedup caches.", "gauge", entries);
    counter(b, "crawlfleet_worker_seen_cache_clears_total",
            "Dedup caches cleared at their cap.", "counter", clears);
}

static void on_metrics(struct evhttp_request *req, void *arg)
{
    struct metrics *m = arg;
    struct worker *w = m->w;
    struct evbuffer *b = evbuffer_new();
    const struct rclient_stats *rs = rclient_stats(w->rc);
    uint64_t cum = 0;
    size_t i;

    counter(b, "crawlfleet_worker_pages_total", "Page results acked.",
            "counter", w->n.pages);
    counter(b, "crawlfleet_worker_bytes_total", "Decoded body bytes.",
            "counter", w->n.bytes);
    counter(b, "crawlfleet_worker_inflight", "Leases being worked on.",
            "gauge", (uint64_t)w->inflight);
    counter(b, "crawlfleet_worker_transfers", "Transfers running.", "gauge",
            (uint64_t)w->fetching);
    counter(b, "crawlfleet_worker_ready",
            "Leases waiting for a transfer slot.", "gauge",
            (uint64_t)w->nready);
    counter(b, "crawlfleet_worker_results_waiting",
            "Transfers over whose result is not made yet.", "gauge",
            (uint64_t)w->nresults);
    counter(b, "crawlfleet_worker_pops_total", "Pop calls answered.",
            "counter", w->n.pops);
    counter(b, "crawlfleet_worker_ack_pops_total",
            "Pops answered inside an ack call (counted in pops_total too).",
            "counter", w->n.ack_pops);
    counter(b, "crawlfleet_worker_empty_pops_total",
            "Pops that leased nothing.", "counter", w->n.empty_pops);
    counter(b, "crawlfleet_worker_idle_pops_total",
            "Empty pops with nothing scheduled (idle backoff).", "counter",
            w->n.idle_pops);
    worker_slots_note(w);
    counter(b, "crawlfleet_worker_transfer_slot_seconds_total",
            "Transfer slots in use, summed over time (busy slot-seconds; "
            "divide by the run time and --concurrency for the use).",
            "counter", w->slots.fetch_us / 1000000);
    counter(b, "crawlfleet_worker_run_seconds_total",
            "Time spent running (not starting or draining).", "counter",
            w->slots.run_us / 1000000);
    counter(b, "crawlfleet_worker_retries_total",
            "Transient failures sent back for retry.", "counter",
            w->n.retries);
    counter(b, "crawlfleet_worker_stale_total", "Stale acks and fails.",
            "counter", w->n.stale);
    counter(b, "crawlfleet_worker_released_total",
            "Leases given back unfinished at shutdown.", "counter",
            w->n.released);
    counter(b, "crawlfleet_worker_dup_local_total",
            "Links not sent: already pushed by this worker (dedup cache; "
            "not in the crawl's dup_links).", "counter", w->n.dup_local);
    metrics_seen(b, w);
    counter(b, "crawlfleet_worker_robots_fetched_total",
            "robots.txt files fetched.", "counter", w->n.robots_fetched);
    counter(b, "crawlfleet_worker_robots_unreachable_total",
            "robots.txt fetches without a usable answer (retried).",
            "counter", w->n.robots_unreachable);
    counter(b, "crawlfleet_worker_links_total", "Links pushed.", "counter",
            w->n.links);
    counter(b, "crawlfleet_worker_links_out_of_scope_total",
            "Links not queued: the scope rule, --include or --exclude.",
            "counter", w->n.out_of_scope);
    counter(b, "crawlfleet_worker_links_too_deep_total",
            "Links not queued: past --max-depth.", "counter",
            w->n.too_deep);
    counter(b, "crawlfleet_worker_links_skipped_ext_total",
            "Links not queued: a skipped file extension (.jpg, .pdf, ...).",
            "counter", w->n.skipped_ext);
    counter(b, "crawlfleet_worker_noindex_total",
            "Pages marked noindex (robots meta tag or X-Robots-Tag).",
            "counter", w->n.noindex);
    counter(b, "crawlfleet_worker_nofollow_total",
            "Pages whose links were not queued (robots nofollow).",
            "counter", w->n.nofollow);
    counter(b, "crawlfleet_worker_warc_noindex_skipped_total",
            "Pages marked noindex left out of the archive "
            "(--warc-skip-noindex).",
            "counter", w->n.warc_noindex);
    counter(b, "crawlfleet_worker_links_over_cap_total",
            "Links not taken: their page had more than --max-links.",
            "counter", w->n.links_over_cap);
    counter(b, "crawlfleet_worker_pages_over_cap_total",
            "Pages with more links than --max-links.", "counter",
            w->n.pages_over_cap);
    counter(b, "crawlfleet_worker_sitemaps_total", "Sitemap files read.",
            "counter", w->n.sitemaps);
    counter(b, "crawlfleet_worker_sitemap_capped_total",
            "Sitemap entries past the 50,000 per file cap, not taken.",
            "counter", w->n.sitemap_capped);
    counter(b, "crawlfleet_worker_redis_up", "1 while Redis is reachable.",
            "gauge", (uint64_t)rclient_up(w->rc));
    counter(b, "crawlfleet_worker_redis_pending",
            "Redis commands sent or queued, not answered.", "gauge",
            rclient_pending(w->rc));
    counter(b, "crawlfleet_worker_redis_dropped_total",
            "Results dropped: queue full while Redis was away.", "counter",
            rs->dropped);
    evbuffer_add_printf(b, "# HELP crawlfleet_worker_errors_total "
                           "Results by error type.\n"
                           "# TYPE crawlfleet_worker_errors_total counter\n");
    for (i = 1; i < CF_OUT__COUNT; i++)
        evbuffer_add_printf(b, "crawlfleet_worker_errors_total{type=\"%s\"}"
                               " %llu\n",
                            cf_outcome_name((enum cf_outcome)i),
                            (unsigned long long)w->n.by_outcome[i]);
    evbuffer_add_printf(b, "# HELP crawlfleet_worker_fetch_seconds "
                           "Time from request start to last byte.\n"
                           "# TYPE crawlfleet_worker_fetch_seconds "
                           "histogram\n");
    for (i = 0; i < NBOUNDS; i++) {
        cum += m->buckets[i];
        evbuffer_add_printf(b, "crawlfleet_worker_fetch_seconds_bucket"
                               "{le=\"%g\"} %llu\n",
                            bounds_ms[i] / 1000.0, (unsigned long long)cum);
    }
    cum += m->buckets[NBOUNDS];
    evbuffer_add_printf(b, "crawlfleet_worker_fetch_seconds_bucket"
                           "{le=\"+Inf\"} %llu\n"
                           "crawlfleet_worker_fetch_seconds_sum %.3f\n"
                           "crawlfleet_worker_fetch_seconds_count %llu\n",
                        (unsigned long long)cum, m->sum_ms / 1000.0,
                        (unsigned long long)m->count);
    evhttp_add_header(evhttp_request_get_output_headers(req),
                      "Content-Type", "text/plain; version=0.0.4");
    evhttp_send_reply(req, 200, "OK", b);
    evbuffer_free(b);
}

/* Answer a probe: 200 with "ok", or 503 with why not. */
static void probe_reply(struct evhttp_request *req, const char *why)
{
    struct evbuffer *b = evbuffer_new();

    evbuffer_add_printf(b, "%s\n", why ? why : "ok");
    evhttp_add_header(evhttp_request_get_output_headers(req),
                      "Content-Type", "text/plain");
    evhttp_send_reply(req, why ? 503 : 200,
                      why ? "Service Unavailable" : "OK", b);
    evbuffer_free(b);
}

/* Liveness: the answer itself comes from the event loop, so a loop that
 * is stuck (or a process that is gone) fails the probe by its timeout.
 * Never depends on Redis: a Redis restart must not restart workers. A
 * draining worker is still alive: killing it would lose its grace. */
static void on_livez(struct evhttp_request *req, void *arg)
{
    probe_reply(req, NULL);
}

/* Why the worker cannot take work now, or NULL when it can: running (not
 * starting or draining), both Redis links up, and the crawls it serves
 * read (the crawl list, or each --crawl's config or its absence). */
static const char *not_ready(const struct worker *w)
{
    int i;

    if (w->state == WS_STARTING)
        return "starting: redis not reached yet";
    if (w->state != WS_RUNNING)
        return "draining";
    if (!rclient_up(w->rc) || !rclient_up(w->rc_pop))
        return "redis unavailable";
    if (w->o->ncrawls == 0)
        return w->list_ms ? NULL : "crawl list not read yet";
    for (i = 0; i < w->ncrawls; i++)
        if (!w->crawls[i]->have_cfg && !w->crawls[i]->missing_since)
            return "crawl config not read yet";
    return NULL;
}

static void on_readyz(struct evhttp_request *req, void *arg)
{
    struct metrics *m = arg;

    probe_reply(req, not_ready(m->w));
}

/* The probe of earlier releases, kept as it was: Redis reachable. */
static void on_health(struct evhttp_request *req, void *arg)
{
    struct metrics *m = arg;

    const char *why = rclient_up(m->w->rc) ? NULL : "redis unavailable";

    for (int i = 0; !why && i < m->w->ncrawls; i++)
        if (m->w->crawls[i]->warc_failed)
            why = m->w->crawls[i]->warc_error;
    probe_reply(req, why);
}

struct metrics *metrics_new(struct worker *w, int port)
{
    struct metrics *m = cf_calloc(1, sizeof(*m));
    struct evhttp_bound_socket *s;

    m->w = w;
    if (port <= 0)
        return m;
    m->http = evhttp_new(w->base);
    s = evhttp_bind_socket_with_handle(m->http, "0.0.0.0", (uint16_t)port);
    if (!s) {
        cf_error("cannot serve metrics", "port=%d", port);
        evhttp_free(m->http);
        free(m);
        return NULL;
    }
    m->port = port;
    evhttp_set_allowed_methods(m->http, EVHTTP_REQ_GET | EVHTTP_REQ_HEAD);
    evhttp_set_cb(m->http, "/metrics", on_metrics, m);
    evhttp_set_cb(m->http, "/livez", on_livez, m);
    evhttp_set_cb(m->http, "/readyz", on_readyz, m);
    evhttp_set_cb(m->http, "/healthz", on_health, m);
    cf_info("metrics listening", "port=%d", port);
    return m;
}

void metrics_free(struct metrics *m)
{
    if (!m)
        return;
    if (m->http)
        evhttp_free(m->http);
    free(m);
}

int metrics_port(const struct metrics *m)
{
    return m ? m->port : 0;
}

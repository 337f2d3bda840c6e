/* run.c - crawlfleet run: the coordinator daemon for fleets.
 *
 * One libevent loop: a timer runs the coordinator tick (coord.c) every
 * interval, evhttp serves /metrics and the probes, signals stop it. The
 * Redis connection is re-made on the next tick after an error.
 *
 * Probes (200 "ok", or 503 and the reason): /livez answers from the loop
 * and never asks Redis; /readyz is 200 while the last tick reached Redis
 * and read every crawl; /healthz is the earlier name of /readyz. */
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>

#include "alloc.h"
#include "buf.h"
#include "cli.h"
#include "clock.h"
#include "commands.h"
#include "coord.h"
#include "frontier.h"
#include "err.h"
#include "keys.h"
#include "log.h"
#include "redisaddr.h"
#include "stats.h"

#define METRICS_CAP (4 << 20) /* bytes of one /metrics answer */
#define METRICS_CRAWLS_MAX 1000

struct daemon {
    struct event_base *base;
    struct evhttp *http;
    struct event *timer;
    struct event *sigint, *sigterm;
    const char *redis_flag; /* --redis, or NULL */
    redisContext *rc;       /* NULL while disconnected */
    long long ticks;        /* ticks run */
    long long tick_errors;  /* ticks that failed */
    long long reaped;       /* leases re-queued by this daemon */
    int once;               /* --once */
    int redis_up;           /* last tick reached Redis */
};

static int daemon_connect(struct daemon *d)
{
    struct cf_redis_addr a;
    char err[CF_ERRSTR_LEN], where[256];

    if (d->rc)
        return 0;
    if (cf_redis_addr_resolve(d->redis_flag, &a, err) != CF_OK) {
        cf_error("bad redis address", "err=\"%s\"", err);
        return -1;
    }
    d->rc = cf_redis_connect(&a, 2000, err);
    if (!d->rc)
        cf_warn("redis unreachable", "redis=%s err=\"%s\"",
                cf_redis_addr_format(&a, where, sizeof(where)), err);
    cf_redis_addr_cleanup(&a);
    return d->rc ? 0 : -1;
}

static void on_tick(evutil_socket_t fd, short ev, void *arg)
{
    struct daemon *d = arg;
    char err[CF_ERRSTR_LEN];
    int n;

    d->ticks++;
    if (daemon_connect(d) != 0) {
        d->redis_up = 0;
        d->tick_errors++;
        goto out;
    }
    n = coord_tick_all(d->rc, &d->reaped, err);
    if (n < 0) {
        cf_warn("tick failed", "err=\"%s\"", err);
        d->tick_errors++;
        d->redis_up = 0;
        redisFree(d->rc);
        d->rc = NULL;
    } else {
        d->redis_up = 1;
    }
out:
    if (d->once)
        event_base_loopbreak(d->base);
}

/* A crawl's hosts by what they wait for (docs/keys.md): in ready, or in
 * sched with a next allowed time already past (the next pop moves them),
 * are ready now; the rest of sched waits for politeness. Hosts with no
 * free slot are in neither. */
struct host_counts {
    long long ready;   /* hosts the fleet may fetch from now */
    long long waiting; /* hosts whose next allowed time is to come */
};

static long long reply_int(redisReply *r)
{
    return r && r->type == REDIS_REPLY_INTEGER ? r->integer : 0;
}

static void host_counts_load(redisContext *rc, const char *crawl,
                             struct host_counts *h)
{
    char ready[CF_KEY_MAX], sched[CF_KEY_MAX], now[24];
    redisReply *r[3] = {NULL, NULL, NULL};

    cf_key(ready, crawl, "ready");
    cf_key(sched, crawl, "sched");
    snprintf(now, sizeof(now), "%lld", (long long)cf_wall_ms());
    redisAppendCommand(rc, "ZCARD %s", ready);
    redisAppendCommand(rc, "ZCOUNT %s -inf %s", sched, now);
    redisAppendCommand(rc, "ZCOUNT %s (%s +inf", sched, now);
    for (int i = 0; i < 3; i++)
        if (redisGetReply(rc, (void **)&r[i]) != REDIS_OK)
            break;
    h->ready = reply_int(r[0]) + reply_int(r[1]);
    h->waiting = reply_int(r[2]);
    for (int i = 0; i < 3; i++)
        if (r[i])
            freeReplyObject(r[i]);
}

static void gauge(struct cf_buf *b, const char *name, const char *help)
{
    cf_buf_addf(b, "# HELP crawlfleet_%s %s\n# TYPE crawlfleet_%s gauge\n",
                name, help, name);
}

/* Per-crawl gauges, one family at a time as Prometheus wants. */
static void metrics_crawls(struct daemon *d, struct cf_buf *b)
{
    static const struct {
        const char *name;
        const char *help;
    } fams[] = {
        {"crawl_queued", "Requests waiting in the frontier."},
        {"crawl_inflight", "Requests leased to workers."},
        {"crawl_done", "Requests completed."},
        {"crawl_dead", "Requests in the dead-letter list."},
        {"crawl_discovered", "URLs admitted to the frontier."},
        {"crawl_pages_per_second", "Completion rate over the last minute."},
        {"crawl_workers", "Live workers on the crawl."},
        {"crawl_hosts_ready",
         "Hosts with work that politeness allows now, 0 unless the crawl "
         "runs (the backlog the fleet can act on)."},
        {"crawl_hosts_waiting",
         "Hosts with work waiting for their next allowed time."},
    };
    enum { NF = sizeof(fams) / sizeof(fams[0]) };
    redisReply *r = redisCommand(d->rc, "SMEMBERS %s", CF_KEY_CRAWLS);
    char err[CF_ERRSTR_LEN];
    char **ids = NULL;
    struct kv *hb = NULL;
    struct progress *p = NULL;
    struct host_counts *hosts = NULL;
    long nw;
    size_t n;

    if (!r || r->type != REDIS_REPLY_ARRAY)
        goto out;
    n = r->elements < METRICS_CRAWLS_MAX ? r->elements : METRICS_CRAWLS_MAX;
    p = cf_calloc(n + 1, sizeof(*p));
    hosts = cf_calloc(n + 1, sizeof(*hosts));
    nw = stats_workers(d->rc, &ids, &hb, err);
    for (size_t i = 0; i < n; i++) {
        struct kv st;

        if (stats_load(d->rc, r->element[i]->str, &st, &p[i], err) != CF_OK)
            p[i].state[0] = '\0';
        else
            kv_cleanup(&st);
        /* nothing may be fetched from a crawl that is not running */
        if (strcmp(p[i].state, "running") == 0)
            host_counts_load(d->rc, r->element[i]->str, &hosts[i]);
    }
    for (int f = 0; f < NF; f++) {
        gauge(b, fams[f].name, fams[f].help);
        for (size_t i = 0; i < n; i++) {
            const char *crawl = r->element[i]->str;
            double v = 0;

            if (!p[i].state[0])
                continue;
            switch (f) {
            case 0:
                v = (double)p[i].queued;
                break;
            case 1:
                v = (double)p[i].inflight;
                break;
            case 2:
                v = (double)p[i].done;
                break;
            case 3:
                v = (double)p[i].dead;
                break;
            case 4:
                v = (double)p[i].discovered;
                break;
            case 5:
                v = p[i].rate > 0 ? p[i].rate : 0;
                break;
            case 6:
                for (long w = 0; w < nw; w++)
                    v += stats_worker_on(&hb[w], crawl);
                break;
            case 7:
                v = (double)hosts[i].ready;
                break;
            default:
                v = (double)hosts[i].waiting;
            }
            cf_buf_addf(b, "crawlfleet_%s{crawl=\"%s\"} %g\n", fams[f].name,
                        crawl, v);
        }
    }
    if (nw >= 0)
        stats_workers_free(ids, hb, nw);
out:
    free(hosts);
    free(p);
    if (r)
        freeReplyObject(r);
}

static void on_metrics(struct evhttp_request *req, void *arg)
{
    struct daemon *d = arg;
    struct evbuffer *out = evbuffer_new();
    struct cf_buf b;

    cf_buf_init(&b, METRICS_CAP);
    gauge(&b, "redis_up", "1 if the last tick reached Redis.");
    cf_buf_addf(&b, "crawlfleet_redis_up %d\n", d->redis_up);
    cf_buf_addf(&b,
                "# TYPE crawlfleet_coordinator_ticks_total counter\n"
                "crawlfleet_coordinator_ticks_total %lld\n"
                "# TYPE crawlfleet_coordinator_tick_errors_total "
                "counter\n"
                "crawlfleet_coordinator_tick_errors_total %lld\n"
                "# TYPE crawlfleet_coordinator_reaped_total counter\n"
                "crawlfleet_coordinator_reaped_total %lld\n",
                d->ticks, d->tick_errors, d->reaped);
    if (d->rc)
        metrics_crawls(d, &b);
    evbuffer_add(out, b.data ? b.data : "", b.len);
    evhttp_add_header(evhttp_request_get_output_headers(req), "Content-Type",
                      "text/plain; version=0.0.4");
    evhttp_send_reply(req, 200, "OK", out);
    evbuffer_free(out);
    cf_buf_cleanup(&b);
}

static void probe_reply(struct evhttp_request *req, const char *why)
{
    struct evbuffer *out = evbuffer_new();

    evbuffer_add_printf(out, "%s\n", why ? why : "ok");
    evhttp_add_header(evhttp_request_get_output_headers(req), "Content-Type",
                      "text/plain");
    evhttp_send_reply(req, why ? 503 : 200, why ? "Service Unavailable" : "OK",
                      out);
    evbuffer_free(out);
}

/* Liveness: answered by the loop itself; Redis is not asked. */
static void on_livez(struct evhttp_request *req, void *arg)
{
    probe_reply(req, NULL);
}

/* Readiness (and /healthz): the last tick reached Redis and read every
 * crawl's state. */
static void on_readyz(struct evhttp_request *req, void *arg)
{
    struct daemon *d = arg;

    probe_reply(req, d->redis_up ? NULL : "redis down");
}

static void on_signal(evutil_socket_t sig, short ev, void *arg)
{
    struct daemon *d = arg;

    cf_info("stopping", "signal=%d", (int)sig);
    event_base_loopbreak(d->base);
}

static const struct option run_opts[] = {
    {"metrics-port", required_argument, NULL, 'p'},
    {"metrics-addr", required_argument, NULL, 'a'},
    {"interval", required_argument, NULL, 'i'},
    {"once", no_argument, NULL, '1'},
    {"redis", required_argument, NULL, 'R'},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};

int cmd_run(int argc, char **argv)
{
    const char *cmd = "run";
    struct daemon d;
    long long port = 9464, interval = 1000;
    const char *addr = "0.0.0.0";
    struct timeval tv;
    int c, ret = CLI_FAIL;

    memset(&d, 0, sizeof(d));
    opterr = 0;
    optind = 0;
    while ((c = getopt_long(argc, argv, ":h", run_opts, NULL)) != -1) {
        switch (c) {
        case 'p':
            if (cli_parse_int(optarg, 0, 65535, &port))
                return cli_usage(cmd,
                                 "bad value for --metrics-port: %s "
                                 "(0-65535)",
                                 optarg);
            break;
        case 'a':
            addr = optarg;
            break;
        case 'i':
            if (cli_parse_int(optarg, 10, 3600000, &interval))
                return cli_usage(cmd,
                                 "bad value for --interval: %s "
                                 "(10-3600000 ms)",
                                 optarg);
            break;
        case '1':
            d.once = 1;
            break;
        case 'R':
            d.redis_flag = optarg;
            break;
        case 'h':
            cli_print_help(cli_command_find(cmd));
            return CLI_OK;
        default:
            return cli_bad_option(cmd, c, argv);
        }
    }
    if (optind < argc)
        return cli_usage(cmd, "unexpected argument '%s'", argv[optind]);
    cf_log_set_tag("coordinator");
    signal(SIGPIPE, SIG_IGN);
    if (daemon_connect(&d) != 0)
        return cli_fail(cmd, "cannot reach redis (see the log line above)");
    d.base = event_base_new();
    if (port > 0 && !d.once) {
        d.http = evhttp_new(d.base);
        if (evhttp_bind_socket(d.http, addr, (unsigned short)port) != 0) {
            ret = cli_fail(cmd, "cannot listen on %s:%lld", addr, port);
            goto out;
        }
        evhttp_set_cb(d.http, "/metrics", on_metrics, &d);
        evhttp_set_cb(d.http, "/livez", on_livez, &d);
        evhttp_set_cb(d.http, "/readyz", on_readyz, &d);
        evhttp_set_cb(d.http, "/healthz", on_readyz, &d);
    }
    d.timer = event_new(d.base, -1, EV_PERSIST, on_tick, &d);
    tv.tv_sec = interval / 1000;
    tv.tv_usec = (interval % 1000) * 1000;
    event_add(d.timer, &tv);
    d.sigint = evsignal_new(d.base, SIGINT, on_signal, &d);
    d.sigterm = evsignal_new(d.base, SIGTERM, on_signal, &d);
    event_add(d.sigint, NULL);
    event_add(d.sigterm, NULL);
    cf_info("coordinator started", "metrics_port=%lld interval_ms=%lld", port,
            interval);
    on_tick(-1, 0, &d);
    if (!d.once)
        event_base_dispatch(d.base);
    ret = d.once && d.tick_errors ? CLI_FAIL : CLI_OK;
out:
    if (d.timer)
        event_free(d.timer);
    if (d.sigint)
        event_free(d.sigint);
    if (d.sigterm)
        event_free(d.sigterm);
    if (d.http)
        evhttp_free(d.http);
    if (d.base)
        event_base_free(d.base);
    if (d.rc)
        redisFree(d.rc);
    return ret;
}

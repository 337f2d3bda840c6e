/* status.c - crawlfleet status, watch, list and workers. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "alloc.h"
#include "cli.h"
#include "clock.h"
#include "commands.h"
#include "err.h"
#include "frontier.h"
#include "keys.h"
#include "stats.h"

#define BAR_WIDTH 40

/* Stats values that are numbers become JSON integers. */
static json_t *kv_json(const struct kv *h)
{
    json_t *o = json_object();

    for (size_t i = 0; i < h->n; i++) {
        char *end = NULL;
        long long v = strtoll(h->v[i], &end, 10);

        if (h->v[i][0] && end && *end == '\0')
            json_object_set_new(o, h->k[i], json_integer(v));
        else
            json_object_set_new(o, h->k[i], json_string(h->v[i]));
    }
    return o;
}

static json_t *workers_json(redisContext *rc, const char *crawl)
{
    json_t *a = json_array();
    char err[CF_ERRSTR_LEN];
    char **ids = NULL;
    struct kv *hb = NULL;
    long n = stats_workers(rc, &ids, &hb, err);

    for (long i = 0; i < n; i++) {
        json_t *o;

        if (crawl && !stats_worker_on(&hb[i], crawl))
            continue;
        o = kv_json(&hb[i]);
        json_object_set_new(o, "id", json_string(ids[i]));
        json_array_append_new(a, o);
    }
    if (n >= 0)
        stats_workers_free(ids, hb, n);
    return a;
}

static json_t *status_json(redisContext *rc, const char *crawl,
                           const struct kv *stats, const struct progress *p)
{
    json_t *o = json_object(), *errs = json_object();
    static const char *const counters[] = {
        "seeded",       "discovered", "queued",     "inflight",
        "done",         "dead",       "fetched",    "ok",
        "status_2xx",   "status_3xx", "status_4xx", "status_5xx",
        "bytes",        "retries",    "reaped",     "robots_denied",
        "out_of_scope", "too_deep",   "skipped_ext", "noindex",
        "nofollow",     "dup_links",  "links_found"};

    json_object_set_new(o, "crawl", json_string(crawl));
    json_object_set_new(o, "state", json_string(p->state));
    for (size_t i = 0; i < sizeof(counters) / sizeof(counters[0]); i++)
        json_object_set_new(o, counters[i],
                            json_integer(kv_int(stats, counters[i])));
    for (size_t i = 0; i < stats->n; i++)
        if (strncmp(stats->k[i], "err_", 4) == 0)
            json_object_set_new(errs, stats->k[i] + 4,
                                json_integer(kv_int(stats, stats->k[i])));
    json_object_set_new(o, "errors", errs);
    json_object_set_new(o, "errors_total", json_integer(p->errors));
    json_object_set_new(o, "rate",
                        p->rate >= 0 ? json_real(p->rate) : json_null());
    json_object_set_new(o, "eta_s",
                        p->eta_s >= 0 ? json_integer(p->eta_s) : json_null());
    json_object_set_new(o, "finished", json_boolean(p->finished));
    json_object_set_new(o, "stats", kv_json(stats));
    json_object_set_new(o, "workers", workers_json(rc, crawl));
    return o;
}

static void print_bar(FILE *out, const struct progress *p)
{
    long long total = p->discovered;
    long long fin = p->done + p->dead;
    int fill;

    if (p->max_pages > 0 && p->max_pages < total)
        total = p->max_pages;
    fill = total > 0 ? (int)(fin * BAR_WIDTH / total) : 0;
    if (fill > BAR_WIDTH)
        fill = BAR_WIDTH;
    fputc('[', out);
    for (int i = 0; i < BAR_WIDTH; i++)
        fputc(i < fill ? '#' : '.', out);
    fprintf(out, "] %lld%%\n", total > 0 ? fin * 100 / total : 0);
}

static void status_text(FILE *out, redisContext *rc, const char *crawl,
                        const struct kv *stats, const struct progress *p)
{
    char b1[32], b2[32];
    char err[CF_ERRSTR_LEN];
    char **ids = NULL;
    struct kv *hb = NULL;
    long n;
    int first = 1, shown = 0;

    fprintf(out, "crawl %s: %s\n", crawl, p->state);
    fprintf(out,
            "  seeded %lld, discovered %lld, queued %lld, in flight "
            "%lld, done %lld, dead %lld\n",
            kv_int(stats, "seeded"), p->discovered, p->queued, p->inflight,
            p->done, p->dead);
    fprintf(out, "  fetched %lld: 2xx %lld, 3xx %lld, 4xx %lld, 5xx %lld\n",
            kv_int(stats, "fetched"), kv_int(stats, "status_2xx"),
            kv_int(stats, "status_3xx"), kv_int(stats, "status_4xx"),
            kv_int(stats, "status_5xx"));
    fprintf(out, "  errors %lld", p->errors);
    for (size_t i = 0; i < stats->n; i++) {
        if (strncmp(stats->k[i], "err_", 4) != 0 ||
            strcmp(stats->k[i], "err_ok") == 0 ||
            kv_int(stats, stats->k[i]) == 0)
            continue;
        fprintf(out, "%s%s %s", first ? ": " : ", ", stats->k[i] + 4,
                stats->v[i]);
        first = 0;
    }
    fprintf(out,
            "\n  retries %lld, reaped %lld, robots denied %lld\n"
            "  links not followed: out of scope %lld, too deep %lld, "
            "skipped extension %lld\n",
            kv_int(stats, "retries"), kv_int(stats, "reaped"),
            kv_int(stats, "robots_denied"), kv_int(stats, "out_of_scope"),
            kv_int(stats, "too_deep"), kv_int(stats, "skipped_ext"));
    fprintf(out, "  pages marked noindex %lld, nofollow %lld\n",
            kv_int(stats, "noindex"), kv_int(stats, "nofollow"));
    if (p->rate >= 0)
        snprintf(b2, sizeof(b2), "%.1f", p->rate);
    else
        snprintf(b2, sizeof(b2), "-");
    fprintf(out, "  bytes %s, %s pages/s (last minute), ETA %s\n",
            stats_fmt_bytes(kv_int(stats, "bytes"), b1, sizeof(b1)), b2,
            stats_fmt_duration(p->eta_s, err, sizeof(err)));
    n = stats_workers(rc, &ids, &hb, err);
    for (long i = 0; i < n; i++) {
        if (!stats_worker_on(&hb[i], crawl))
            continue;
        if (!shown)
            fprintf(out, "  workers:\n");
        shown++;
        fprintf(out,
                "    %-28s %s pid %s, %s in flight, %s pages, %s "
                "pages/s\n",
                ids[i], kv_str(&hb[i], "host") ? kv_str(&hb[i], "host") : "?",
                kv_str(&hb[i], "pid") ? kv_str(&hb[i], "pid") : "?",
                kv_str(&hb[i], "inflight") ? kv_str(&hb[i], "inflight") : "0",
                kv_str(&hb[i], "pages") ? kv_str(&hb[i], "pages") : "0",
                kv_str(&hb[i], "rate") ? kv_str(&hb[i], "rate") : "0");
    }
    if (!shown)
        fprintf(out, "  workers: none live\n");
    if (n >= 0)
        stats_workers_free(ids, hb, n);
}

/* Options shared by status/watch/list/workers. */
struct view_opts {
    const char *redis;
    const char *name;
    int json;
    long long interval;
};

static int parse_view(const char *cmd, int argc, char **argv,
                      struct view_opts *v, int max_pos, int *done)
{
    static const struct option opts[] = {
        {"json", no_argument, NULL, 'j'},
        {"interval", required_argument, NULL, 'i'},
        {"redis", required_argument, NULL, 'R'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    int c;

    memset(v, 0, sizeof(*v));
    v->interval = 1000;
    *done = 0;
    opterr = 0;
    optind = 0;
    while ((c = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
        switch (c) {
        case 'j':
            v->json = 1;
            break;
        case 'R':
            v->redis = optarg;
            break;
        case 'i':
            if (cli_parse_int(optarg, 50, 3600000, &v->interval))
                return cli_usage(cmd,
                                 "bad value for --interval: %s "
                                 "(50-3600000 ms)",
                                 optarg);
            break;
        case 'h':
            cli_print_help(cli_command_find(cmd));
            *done = 1;
            return CLI_OK;
        default:
            return cli_bad_option(cmd, c, argv);
        }
    }
    if (argc - optind > max_pos)
        return cli_usage(cmd, "unexpected argument '%s'", argv[argc - 1]);
    if (optind < argc)
        v->name = argv[optind];
    return CLI_OK;
}

int cmd_status(int argc, char **argv)
{
    const char *cmd = "status";
    struct view_opts v;
    struct kv stats;
    struct progress p;
    char err[CF_ERRSTR_LEN];
    redisContext *rc = NULL;
    char *crawl = NULL;
    int ret, done;

    ret = parse_view(cmd, argc, argv, &v, 1, &done);
    if (ret || done)
        return ret;
    if (v.name && cli_check_name(cmd, v.name))
        return CLI_USAGE;
    rc = cli_connect(cmd, v.redis);
    if (!rc)
        return cli_connect_err;
    crawl = cli_pick_crawl(cmd, rc, v.name, &ret);
    if (!crawl)
        goto out;
    if (stats_load(rc, crawl, &stats, &p, err) != CF_OK) {
        ret = cli_fail(cmd, "%s", err);
        goto out;
    }
    if (v.json) {
        json_t *o = status_json(rc, crawl, &stats, &p);

        json_dumpf(o, stdout, JSON_COMPACT);
        fputc('\n', stdout);
        json_decref(o);
    } else {
        status_text(stdout, rc, crawl, &stats, &p);
    }
    kv_cleanup(&stats);
    ret = CLI_OK;
out:
    free(crawl);
    redisFree(rc);
    return ret;
}

int cmd_watch(int argc, char **argv)
{
    const char *cmd = "watch";
    struct view_opts v;
    struct kv stats;
    struct progress p;
    char err[CF_ERRSTR_LEN];
    redisContext *rc = NULL;
    char *crawl = NULL;
    int ret, done, tty = isatty(1);
    int64_t prev_ms = 0;
    long long prev_done = 0;

    ret = parse_view(cmd, argc, argv, &v, 1, &done);
    if (ret || done)
        return ret;
    if (v.name && cli_check_name(cmd, v.name))
        return CLI_USAGE;
    rc = cli_connect(cmd, v.redis);
    if (!rc)
        return cli_connect_err;
    crawl = cli_pick_crawl(cmd, rc, v.name, &ret);
    if (!crawl)
        goto out;
    cli_catch_signals();
    for (;;) {
        if (stats_load(rc, crawl, &stats, &p, err) != CF_OK) {
            ret = cli_fail(cmd, "%s", err);
            goto out;
        }
        /* No coordinator sampling: the rate between our own polls. */
        if (p.rate < 0 && prev_ms > 0 && cf_mono_ms() > prev_ms) {
            p.rate = (double)(p.done - prev_done) * 1000.0 /
                     (double)(cf_mono_ms() - prev_ms);
            if (!p.finished)
                p.eta_s = stats_eta(p.queued + p.inflight, p.rate);
        }
        prev_ms = cf_mono_ms();
        prev_done = p.done;
        if (tty)
            fputs("\033[H\033[2J", stdout);
        status_text(stdout, rc, crawl, &stats, &p);
        print_bar(stdout, &p);
        fflush(stdout);
        kv_cleanup(&stats);
        if (p.finished) {
            ret = CLI_OK;
            break;
        }
        cli_nap((int)v.interval);
        if (cli_interrupted) {
            ret = CLI_INTERRUPTED;
            break;
        }
    }
out:
    free(crawl);
    redisFree(rc);
    return ret;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

int cmd_list(int argc, char **argv)
{
    const char *cmd = "list";
    struct view_opts v;
    redisContext *rc;
    redisReply *r;
    char **names;
    int ret, done;

    ret = parse_view(cmd, argc, argv, &v, 0, &done);
    if (ret || done)
        return ret;
    rc = cli_connect(cmd, v.redis);
    if (!rc)
        return cli_connect_err;
    r = cli_redis(cmd, rc, "SMEMBERS %s", CF_KEY_CRAWLS);
    if (!r) {
        redisFree(rc);
        return CLI_FAIL;
    }
    names = cf_calloc(r->elements + 1, sizeof(*names));
    for (size_t i = 0; i < r->elements; i++)
        names[i] = r->element[i]->str;
    if (r->elements)
        qsort(names, r->elements, sizeof(*names), cmp_str);
    if (!v.json && r->elements)
        printf("%-24s %-10s %10s %10s %10s %8s\n", "CRAWL", "STATE", "DONE",
               "DISCOVERED", "QUEUED", "DEAD");
    for (size_t i = 0; i < r->elements; i++) {
        struct kv stats;
        struct progress p;
        char err[CF_ERRSTR_LEN];

        if (stats_load(rc, names[i], &stats, &p, err) != CF_OK)
            continue;
        if (v.json) {
            json_t *o = json_pack(
                "{s:s,s:s,s:I,s:I,s:I,s:I,s:I}", "crawl", names[i], "state",
                p.state, "done", (json_int_t)p.done, "discovered",
                (json_int_t)p.discovered, "queued", (json_int_t)p.queued,
                "inflight", (json_int_t)p.inflight, "dead", (json_int_t)p.dead);

            json_dumpf(o, stdout, JSON_COMPACT);
            fputc('\n', stdout);
            json_decref(o);
        } else {
            printf("%-24s %-10s %10lld %10lld %10lld %8lld\n", names[i],
                   p.state, p.done, p.discovered, p.queued, p.dead);
        }
        kv_cleanup(&stats);
    }
    free(names);
    freeReplyObject(r);
    redisFree(rc);
    return CLI_OK;
}

int cmd_workers(int argc, char **argv)
{
    const char *cmd = "workers";
    struct view_opts v;
    char err[CF_ERRSTR_LEN];
    redisContext *rc;
    char **ids = NULL;
    struct kv *hb = NULL;
    long n;
    int ret, done;

    ret = parse_view(cmd, argc, argv, &v, 0, &done);
    if (ret || done)
        return ret;
    rc = cli_connect(cmd, v.redis);
    if (!rc)
        return cli_connect_err;
    n = stats_workers(rc, &ids, &hb, err);
    if (n < 0) {
        redisFree(rc);
        return cli_fail(cmd, "%s", err);
    }
    if (!v.json && n > 0)
        printf("%-28s %-16s %7s %8s %8s %8s %7s %s\n", "WORKER", "HOST", "PID",
               "INFLIGHT", "PAGES", "ERRORS", "RATE", "CRAWLS");
    for (long i = 0; i < n; i++) {
        const struct kv *h = &hb[i];

        if (v.json) {
            json_t *o = kv_json(h);

            json_object_set_new(o, "id", json_string(ids[i]));
            json_dumpf(o, stdout, JSON_COMPACT);
            fputc('\n', stdout);
            json_decref(o);
            continue;
        }
        printf("%-28s %-16s %7s %8s %8s %8s %7s %s\n", ids[i],
               kv_str(h, "host") ? kv_str(h, "host") : "?",
               kv_str(h, "pid") ? kv_str(h, "pid") : "?",
               kv_str(h, "inflight") ? kv_str(h, "inflight") : "0",
               kv_str(h, "pages") ? kv_str(h, "pages") : "0",
               kv_str(h, "errors") ? kv_str(h, "errors") : "0",
               kv_str(h, "rate") ? kv_str(h, "rate") : "0",
               kv_str(h, "crawls") ? kv_str(h, "crawls") : "");
    }
    if (!v.json && n == 0)
        printf("no live workers\n");
    stats_workers_free(ids, hb, n);
    redisFree(rc);
    return CLI_OK;
}

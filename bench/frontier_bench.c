/* frontier_bench.c - frontier throughput and seen-set memory, no HTTP.
 *
 *   [FB_LINKS=40] [FB_NEW=10] [FB_BATCH=16] [FB_FILTER=1]
 *       frontier_bench [pages [urls [queued]]]
 *
 * Starts a private redis-server (tests/lib/testredis). Throughput: seeds
 * HOSTS hosts, then pops batches of PIPE leases and acks them FB_BATCH
 * pages per ack call, the calls pipelined (hiredis
 * redisAppendCommandArgv), each page carrying FB_LINKS links of which
 * FB_NEW are new; with FB_FILTER (default), links the seen set holds are
 * dropped before the ack by pipelined SISMEMBERs, as a worker may do;
 * reports pages/s and redis-server CPU microseconds per page (INFO cpu
 * delta). Memory: pushes urls new URLs
 * (default 1,000,000) into a fresh crawl, drops everything but the seen
 * set and reports (used_memory after - before) / urls, and checks every
 * seen bucket is still an intset. Queue memory (with queued > 0): pushes
 * queued URLs of 63 bytes into a fresh crawl, 1,000 per host, then again
 * 100 per host, and reports (used_memory after - before) / queued, all
 * the crawl holds included (tests/lib/qmem.h; docs/keys.md, "Memory"). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "config.h"
#include "frontier.h"
#include "keys.h"
#include "qmem.h"
#include "testredis.h"

#define HOSTS 2000
#define PIPE 64
#define MAX_LINKS 200

/* links per page and new ones among them (env FB_LINKS, FB_NEW), pages
 * per ack call (FB_BATCH) */
static int LINKS = 40, NEW_LINKS = 10, ACK_BATCH = 16, FILTER = 1;

static char errstr[CF_ERRSTR_LEN];

static double info_field(redisContext *rc, const char *section,
                         const char *field)
{
    redisReply *r = redisCommand(rc, "INFO %s", section);
    double v = -1;
    const char *p;

    if (r && r->type == REDIS_REPLY_STRING) {
        p = strstr(r->str, field);
        if (p)
            v = atof(p + strlen(field) + 1);
    }
    freeReplyObject(r);
    return v;
}

static double cpu_s(redisContext *rc)
{
    return info_field(rc, "cpu", "used_cpu_sys") +
           info_field(rc, "cpu", "used_cpu_user");
}

/* Fill link i of a page: new ones get fresh fingerprints, the rest
 * repeat fingerprints already seen. */
static uint64_t next_fp = 1000000007;

static void make_link(struct cf_link *l, char (*hk)[48], int i,
                      const char *rec, size_t rec_len)
{
    int host = rand() % HOSTS;

    snprintf(*hk, sizeof(*hk), "http://host%d.bench:80", host);
    if (i < NEW_LINKS)
        l->fp = (next_fp++ * UINT64_C(0x9E3779B97F4A7C15)) >> 1;
    else
        l->fp = ((next_fp - 1 - (uint64_t)(rand() % 5000)) *
                 UINT64_C(0x9E3779B97F4A7C15)) >> 1;
    l->hostkey = *hk;
    l->priority = 1;
    l->rec = rec;
    l->rec_len = rec_len;
}

static int create(redisContext *rc, struct cf_cmd *c, const char *crawl)
{
    struct cf_config cfg;
    redisReply *r;

    cf_config_init(&cfg);
    cfg.obey_robots = 0;
    cf_frontier_create_cmd(c, crawl, &cfg, cf_wall_ms());
    r = cf_frontier_call(rc, c, errstr);
    cf_config_cleanup(&cfg);
    freeReplyObject(r);
    return r ? 0 : -1;
}

/* Pipelined FCALLs cannot load the library one by one: load it first. */
static void load_scripts(redisContext *rc)
{
    char errstr[CF_ERRSTR_LEN];

    if (cf_frontier_load(rc, errstr) != CF_OK)
        fprintf(stderr, "frontier_bench: %s\n", errstr);
}

/* Drop the links the seen set already holds, as a worker may before its
 * ack: one pipelined SISMEMBER per link on the bucket the pop's seen
 * level names (cf_frontier_seen_key). */
static int filter(redisContext *rc, struct cf_link (*all)[MAX_LINKS],
                  size_t *nl, size_t n, const struct cf_pop_info *info,
                  long *dropped)
{
    char key[CF_KEY_MAX], fp[32];

    for (size_t i = 0; i < n; i++)
        for (size_t k = 0; k < nl[i]; k++) {
            cf_frontier_seen_key(key, "bench", all[i][k].fp,
                                 info->seen_level, info->seen_split);
            snprintf(fp, sizeof(fp), "%llu",
                     (unsigned long long)all[i][k].fp);
            redisAppendCommand(rc, "SISMEMBER %s %s", key, fp);
        }
    for (size_t i = 0; i < n; i++) {
        size_t keep = 0;

        for (size_t k = 0; k < nl[i]; k++) {
            void *rp = NULL;
            int seen;

            if (redisGetReply(rc, &rp) != REDIS_OK || !rp) {
                fprintf(stderr, "filter: %s\n", rc->errstr);
                return -1;
            }
            seen = ((redisReply *)rp)->type == REDIS_REPLY_INTEGER &&
                   ((redisReply *)rp)->integer == 1;
            freeReplyObject(rp);
            if (seen)
                (*dropped)++;
            else
                all[i][keep++] = all[i][k];
        }
        nl[i] = keep;
    }
    return 0;
}

static int bench_pages(redisContext *rc, long pages)
{
    static const char rec[] = "\x87\xa1v\x01\xa1u\xd9\x30http://host.bench/some/path/"
                              "page-000000.html\xa1" "d\x02\xa1p\x02";
    struct cf_cmd pop, acks[PIPE];
    static struct cf_link all[PIPE][MAX_LINKS];
    static char hks[PIPE][MAX_LINKS][48];
    struct cf_link *links = all[0];
    size_t nl[PIPE];
    long filtered = 0;
    long done = 0, stale = 0;
    size_t nc, inbatch[PIPE];
    double cpu0, cpu1;
    int64_t t0, t1;

    cf_cmd_init(&pop);
    for (int i = 0; i < PIPE; i++)
        cf_cmd_init(&acks[i]);
    load_scripts(rc);
    if (create(rc, &pop, "bench") != 0)
        return -1;
    for (int h = 0; h < HOSTS; h++) {
        redisReply *r;

        make_link(&links[0], &hks[0][0], 0, rec, sizeof(rec) - 1);
        snprintf(hks[0][0], sizeof(hks[0][0]), "http://host%d.bench:80", h);
        cf_frontier_push_cmd(&pop, "bench", cf_wall_ms(), links, 1, 1);
        r = cf_frontier_call(rc, &pop, errstr);
        freeReplyObject(r);
    }
    if (getenv("BENCH_STATS")) {
        redisReply *r = redisCommand(rc, "CONFIG SET slowlog-log-slower-than 0");

        freeReplyObject(r);
    }
    cpu0 = cpu_s(rc);
    t0 = cf_wall_ms();
    while (done < pages) {
        struct cf_lease *ls = NULL;
        struct cf_pop_info info;
        size_t n = 0;
        redisReply *r;

        cf_frontier_pop_cmd(&pop, "bench", "b", PIPE, cf_wall_ms());
        r = cf_frontier_call(rc, &pop, errstr);
        if (!r || cf_frontier_pop_parse(r, &ls, &n, &info, errstr) != 0) {
            fprintf(stderr, "pop: %s\n", errstr);
            freeReplyObject(r);
            return -1;
        }
        freeReplyObject(r);
        if (n == 0) {
            fprintf(stderr, "frontier ran dry (%s)\n", info.state);
            break;
        }
        for (size_t i = 0; i < n; i++) {
            for (int k = 0; k < LINKS; k++)
                make_link(&all[i][k], &hks[i][k], k, rec, sizeof(rec) - 1);
            nl[i] = (size_t)LINKS;
        }
        if (FILTER && filter(rc, all, nl, n, &info, &filtered) != 0)
            return -1;
        nc = 0;
        for (size_t i = 0; i < n; i++) {
            struct cf_ack a = {0};

            a.fp = ls[i].fp;
            a.token = ls[i].token;
            a.hostkey = ls[i].hostkey;
            a.now_ms = cf_wall_ms();
            a.result = rec;
            a.result_len = sizeof(rec) - 1;
            a.outcome = "ok";
            a.status = 200;
            a.bytes = 20000;
            a.links_found = LINKS;
            a.links = all[i];
            a.nlinks = nl[i];
            if (i % (size_t)ACK_BATCH == 0) {
                cf_frontier_ack_cmd(&acks[nc], "bench", &a);
                inbatch[nc++] = 1;
            } else {
                cf_frontier_ack_add(&acks[nc - 1], &a);
                inbatch[nc - 1]++;
            }
        }
        for (size_t i = 0; i < nc; i++) {
            const char **argv;
            const size_t *lens;
            int argc = cf_cmd_argv(&acks[i], &argv, &lens);

            redisAppendCommandArgv(rc, argc, argv, lens);
        }
        for (size_t i = 0; i < nc; i++) {
            void *rp = NULL;
            int acc[PIPE];

            if (redisGetReply(rc, &rp) != REDIS_OK || !rp ||
                cf_frontier_ack_parse(rp, inbatch[i], acc, errstr) != 0) {
                fprintf(stderr, "ack: %s\n",
                        rp ? errstr : rc->errstr);
                return -1;
            }
            for (size_t k = 0; k < inbatch[i]; k++)
                stale += !acc[k];
            freeReplyObject(rp);
        }
        done += (long)n;
        cf_leases_free(ls, n);
    }
    t1 = cf_wall_ms();
    cpu1 = cpu_s(rc);
    printf("pages: %ld in %.3f s = %.0f pages/s, %d links/page "
           "(%d new), %d pages per ack call, %s, redis cpu %.1f us/page"
           "%s\n",
           done, (double)(t1 - t0) / 1000.0,
           (double)done * 1000.0 / (double)(t1 - t0 ? t1 - t0 : 1), LINKS,
           NEW_LINKS, ACK_BATCH,
           FILTER ? "seen links dropped before the ack" : "no look-ups",
           (cpu1 - cpu0) * 1e6 / (double)(done ? done : 1),
           stale ? " (STALE ACKS)" : "");
    if (FILTER)
        printf("look-ups: %.1f of %d links per page found seen\n",
               (double)filtered / (double)(done ? done : 1), LINKS);
    if (getenv("BENCH_STATS")) {
        redisReply *r = redisCommand(rc, "SLOWLOG GET 200");

        for (size_t i = 0; r && i < r->elements; i++) {
            redisReply *e = r->element[i];
            redisReply *a = e->element[3];

            printf("slow %lld us %s %s\n", e->element[2]->integer,
                   a->elements > 1 ? a->element[1]->str : "",
                   a->elements > 4 ? a->element[4]->str : "");
        }
        freeReplyObject(r);
    }
    cf_cmd_cleanup(&pop);
    for (int i = 0; i < PIPE; i++)
        cf_cmd_cleanup(&acks[i]);
    return 0;
}

static int bench_seen(redisContext *rc, long urls)
{
    enum { BATCH = 1000 };
    struct cf_cmd c;
    struct cf_link *ls = calloc(BATCH, sizeof(*ls));
    double before, after;
    long pushed = 0, notint = 0, buckets;
    int level, split;
    redisReply *r;

    cf_cmd_init(&c);
    r = redisCommand(rc, "FLUSHALL");
    freeReplyObject(r);
    if (create(rc, &c, "mem") != 0)
        return -1;
    before = info_field(rc, "memory", "used_memory");
    while (pushed < urls) {
        size_t n = (size_t)(urls - pushed < BATCH ? urls - pushed : BATCH);

        for (size_t i = 0; i < n; i++) {
            ls[i].fp = ((uint64_t)(pushed + (long)i + 1) *
                        UINT64_C(0x9E3779B97F4A7C15)) >> 1;
            ls[i].hostkey = "http://m.bench:80";
            ls[i].rec = "r";
            ls[i].rec_len = 1;
        }
        cf_frontier_push_cmd(&c, "mem", 1, ls, n, 0);
        r = cf_frontier_call(rc, &c, errstr);
        if (!r) {
            fprintf(stderr, "push: %s\n", errstr);
            return -1;
        }
        freeReplyObject(r);
        pushed += (long)n;
    }
    /* Keep the seen set only: drop the queue and schedule (all links
     * went to priority level 0 of the one host). */
    r = redisCommand(rc, "DEL cf:{mem}:q:0:http://m.bench:80 "
                         "cf:{mem}:ql:http://m.bench:80 cf:{mem}:ready "
                         "cf:{mem}:sched cf:{mem}:h:http://m.bench:80");
    freeReplyObject(r);
    r = redisCommand(rc, "HMGET cf:{mem}:frontier L s");
    level = atoi(r->element[0]->str);
    split = atoi(r->element[1]->str);
    freeReplyObject(r);
    buckets = (1L << level) + split;
    for (long b = 0; b < buckets; b++) {
        /* bucket names: b in binary, level + 1 digits if split */
        int w = b < split || b >> level ? level + 1 : level;
        char name[64];

        for (int k = 0; k < w; k++)
            name[k] = (char)('0' + ((b >> (w - 1 - k)) & 1));
        name[w] = '\0';
        r = redisCommand(rc, "OBJECT ENCODING cf:{mem}:seen:%s", name);
        notint += !(r && r->type == REDIS_REPLY_STRING &&
                    strcmp(r->str, "intset") == 0);
        freeReplyObject(r);
    }
    after = info_field(rc, "memory", "used_memory");
    printf("seen: %ld URLs, %ld buckets (L=%d s=%d), %ld not intset, "
           "%.2f bytes/URL (used_memory %.0f -> %.0f)\n",
           pushed, buckets, level, split, notint,
           (after - before) / (double)pushed, before, after);
    free(ls);
    cf_cmd_cleanup(&c);
    return notint ? -1 : 0;
}

/* Queue memory at queued URLs, per_host a host. */
static int bench_queue(redisContext *rc, long queued, long per_host)
{
    struct qmem m;
    redisReply *r = redisCommand(rc, "FLUSHALL");

    freeReplyObject(r);
    if (qmem_fill(rc, "q", queued / per_host, per_host, &m) != 0)
        return -1;
    printf("queue: %ld URLs of %d bytes (%ld hosts x %ld), %.1f bytes/URL "
           "(used_memory %.0f -> %.0f)\n", m.urls, QMEM_URL_LEN,
           queued / per_host, per_host, m.per_url, m.before, m.after);
    return 0;
}

int main(int argc, char **argv)
{
    long pages = argc > 1 ? atol(argv[1]) : 100000;
    long urls = argc > 2 ? atol(argv[2]) : 1000000;
    long queued = argc > 3 ? atol(argv[3]) : 0;
    struct testredis tr;
    redisContext *rc;
    int rv = 1;

    srand(1);
    if (getenv("FB_LINKS"))
        LINKS = atoi(getenv("FB_LINKS"));
    if (getenv("FB_NEW"))
        NEW_LINKS = atoi(getenv("FB_NEW"));
    if (getenv("FB_FILTER"))
        FILTER = atoi(getenv("FB_FILTER")) != 0;
    if (getenv("FB_BATCH"))
        ACK_BATCH = atoi(getenv("FB_BATCH"));
    if (LINKS < 0 || LINKS > MAX_LINKS || NEW_LINKS < 0 ||
        NEW_LINKS > LINKS || ACK_BATCH < 1 || ACK_BATCH > PIPE) {
        fprintf(stderr, "FB_LINKS: 0..%d, FB_NEW: 0..FB_LINKS, "
                "FB_BATCH: 1..%d\n", MAX_LINKS, PIPE);
        return 2;
    }
    if (testredis_start(&tr, NULL) != 0)
        return 1;
    rc = testredis_connect(&tr, 0);
    if (rc && getenv("FB_TIMEOUT_S")) {
        /* a slow server (under valgrind) answers a pipeline late */
        struct timeval tv = {atoi(getenv("FB_TIMEOUT_S")), 0};

        redisSetTimeout(rc, tv);
    }
    if (rc && bench_pages(rc, pages) == 0 &&
        (urls == 0 || bench_seen(rc, urls) == 0) &&
        (queued == 0 || (bench_queue(rc, queued, 1000) == 0 &&
                         bench_queue(rc, queued, 100) == 0)))
        rv = 0;
    if (rc && getenv("BENCH_STATS")) {
        redisReply *cs = redisCommand(rc, "INFO commandstats");
        if (cs && cs->type == REDIS_REPLY_STRING)
            fputs(cs->str, stderr);
        freeReplyObject(cs);
    }
    redisFree(rc);
    testredis_stop(&tr);
    return rv;
}

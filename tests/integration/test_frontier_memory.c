/* test_frontier_memory.c - Redis memory per queued URL (docs/keys.md's
 * figure), and what the compact queue entries give back.
 *
 * Memory, unlike time, is deterministic: 200,000 URLs of 63 bytes pushed
 * into an empty redis-server must cost at most 64 bytes each (1,000 per
 * host) and at most 1.2 x 64 (100 per host), everything included. The
 * bench (bench/run.sh frontier) measures the same at 10,000,000. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../unit/test.h"
#include "frontier.h"
#include "qmem.h"
#include "record.h"
#include "testredis.h"

#define BYTES_PER_URL_MAX 64.0
#define SMALL_HOSTS_FACTOR 1.2

static redisContext *rc;
static char errstr[CF_ERRSTR_LEN];

static long long stat(const char *crawl, const char *f)
{
    redisReply *r = redisCommand(rc, "HGET cf:{%s}:stats %s", crawl, f);
    long long v = r && r->type == REDIS_REPLY_STRING ? atoll(r->str) : -1;

    freeReplyObject(r);
    return v;
}

static void measure(const char *crawl, long hosts, long per_host,
                    double max)
{
    struct qmem m;

    CHECK(qmem_fill(rc, crawl, hosts, per_host, &m) == 0);
    printf("# %ld hosts x %ld URLs of %d bytes: %.1f bytes/URL "
           "(used_memory %.0f -> %.0f)\n", hosts, per_host, QMEM_URL_LEN,
           m.per_url, m.before, m.after);
    CHECK_INT(stat(crawl, "queued"), hosts * per_host);
    CHECKF(m.per_url <= max, "%.1f bytes per queued URL, at most %.1f",
           m.per_url, max);
}

/* Leases come back as the requests pushed: each host's first URL. */
static void pop_back(const char *crawl)
{
    struct cf_cmd c;
    struct cf_lease *ls = NULL;
    struct cf_pop_info info;
    size_t n = 0;
    redisReply *r;

    cf_cmd_init(&c);
    cf_frontier_pop_cmd(&c, crawl, "w", 3, 2000);
    r = cf_frontier_call(rc, &c, errstr);
    CHECK(r && cf_frontier_pop_parse(r, &ls, &n, &info, errstr) == 0);
    CHECK(n >= 1);
    for (size_t i = 0; i < n; i++) {
        struct cf_request q;

        CHECK(cf_request_decode(ls[i].rec, ls[i].rec_len, &q, errstr) == 0);
        char want[128];
        long h = atol(ls[i].hostkey + strlen("http://www.site"));

        snprintf(want, sizeof(want), "http://www.site%06ld.example/articles/"
                 "00/pages-%010ld.html", h, h * 100000);
        CHECKF(q.url && strcmp(q.url, want) == 0, "lease %zu: %s, want %s",
               i, q.url ? q.url : "(none)", want);
        CHECK_INT(q.depth, 1);
        CHECK_INT(q.priority, 1);
        cf_request_cleanup(&q);
    }
    cf_leases_free(ls, n);
    freeReplyObject(r);
    cf_cmd_cleanup(&c);
}

/* Fingerprints leave a queue as they went in: the scripts turn an
 * entry's 8 bytes into decimal by hand (entry.lua), so the edges. */
static void fingerprints(void)
{
    static const uint64_t fps[] = {
        0, 1, 999999999, 1000000000, 4294967295, 4294967296,
        UINT64_C(9007199254740993), UINT64_C(1000000000000000000),
        UINT64_C(999999999999999999), UINT64_C(9223372036854775807),
        UINT64_C(9223372036854775806), UINT64_C(0x7edcba9876543210),
    };
    enum { N = sizeof(fps) / sizeof(fps[0]) };
    struct cf_link ls[N];
    char hks[N][32], urls[N][64];
    struct cf_lease *got = NULL;
    struct cf_pop_info info;
    struct cf_config cfg;
    struct cf_cmd c;
    size_t n = 0;
    int seen[N] = {0};
    redisReply *r;

    cf_cmd_init(&c);
    cf_config_init(&cfg);
    cfg.obey_robots = 0;
    cf_frontier_create_cmd(&c, "fp", &cfg, 1000);
    freeReplyObject(cf_frontier_call(rc, &c, errstr));
    cf_config_cleanup(&cfg);
    for (int i = 0; i < N; i++) {
        snprintf(hks[i], sizeof(hks[i]), "http://h%d.test:80", i);
        snprintf(urls[i], sizeof(urls[i]), "http://h%d.test/", i);
        ls[i].fp = fps[i];
        ls[i].hostkey = hks[i];
        ls[i].priority = 0;
        ls[i].rec = urls[i];
        ls[i].rec_len = strlen(urls[i]);
    }
    cf_frontier_push_cmd(&c, "fp", 1000, ls, N, 1);
    freeReplyObject(cf_frontier_call(rc, &c, errstr));
    cf_frontier_pop_cmd(&c, "fp", "w", 100, 1000);
    r = cf_frontier_call(rc, &c, errstr);
    CHECK(r && cf_frontier_pop_parse(r, &got, &n, &info, errstr) == 0);
    CHECK_INT(n, N);
    for (size_t i = 0; i < n; i++) {
        int j = atoi(got[i].hostkey + strlen("http://h"));

        CHECKF(j >= 0 && j < N && got[i].fp == fps[j],
               "host %d: fp %llu, want %llu", j,
               (unsigned long long)got[i].fp,
               (unsigned long long)fps[j < N ? j : 0]);
        CHECK(got[i].rec_len == strlen(urls[j]) &&
              !memcmp(got[i].rec, urls[j], got[i].rec_len));
        seen[j]++;
    }
    for (int j = 0; j < N; j++)
        CHECKF(seen[j] == 1, "fp %d popped %d times", j, seen[j]);
    cf_leases_free(got, n);
    freeReplyObject(r);
    cf_cmd_cleanup(&c);
}

/* A crawl of another frontier layout (stats field layout; none: layout
 * 1, the builds before the per-level lists) is refused by name. */
static void layout(void)
{
    struct cf_config cfg;
    struct cf_link l = {0};
    struct cf_cmd c;
    redisReply *r;

    cf_cmd_init(&c);
    cf_config_init(&cfg);
    cf_frontier_create_cmd(&c, "old", &cfg, 1000);
    freeReplyObject(cf_frontier_call(rc, &c, errstr));
    cf_config_cleanup(&cfg);
    CHECK(stat("old", "layout") == 2);
    r = redisCommand(rc, "HDEL cf:{old}:stats layout");
    freeReplyObject(r);
    l.fp = 7;
    l.hostkey = "http://a.test:80";
    l.rec = "http://a.test/";
    l.rec_len = strlen(l.rec);
    cf_frontier_push_cmd(&c, "old", 1000, &l, 1, 1);
    r = cf_frontier_call(rc, &c, errstr);
    CHECK(r == NULL);
    CHECKF(strstr(errstr, "frontier layout 1;") &&
               strstr(errstr, "reads layout 2"), "%s", errstr);
    freeReplyObject(r);
    r = redisCommand(rc, "HSET cf:{old}:stats layout 3");
    freeReplyObject(r);
    cf_frontier_pop_cmd(&c, "old", "w", 1, 1000);
    r = cf_frontier_call(rc, &c, errstr);
    CHECK(r == NULL);
    CHECKF(strstr(errstr, "frontier layout 3;"), "%s", errstr);
    freeReplyObject(r);
    cf_cmd_cleanup(&c);
}

/* The settings the figure needs are checked (what seed warns about). */
static void settings(void)
{
    static const struct {
        const char *value;
        int warn;
    } cases[] = {{"-2", 0}, {"-1", 0}, {"-5", 0}, {"128", 0}, {"1000", 0},
                 {"16", 1}, {"127", 1}, {"1", 1}};
    char warn[CF_ERRSTR_LEN];

    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        redisReply *r = redisCommand(rc, "CONFIG SET list-max-listpack-size "
                                     "%s", cases[i].value);

        CHECK(r && r->type == REDIS_REPLY_STATUS);
        freeReplyObject(r);
        warn[0] = '\0';
        CHECKF(cf_frontier_check_redis(rc, warn) == cases[i].warn,
               "list-max-listpack-size %s: %s", cases[i].value, warn);
        if (cases[i].warn)
            CHECKF(strstr(warn, cases[i].value) != NULL, "%s", warn);
    }
    freeReplyObject(redisCommand(rc, "CONFIG SET list-max-listpack-size -2"));
}

int main(void)
{
    struct testredis tr;
    redisReply *r;

    if (testredis_start(&tr, NULL) != 0)
        return 1;
    rc = testredis_connect(&tr, 0);
    CHECK(rc != NULL);
    if (!rc)
        goto out;
    settings();
    fingerprints();
    layout();
    measure("mem", 200, 1000, BYTES_PER_URL_MAX);
    pop_back("mem");
    r = redisCommand(rc, "FLUSHALL");
    freeReplyObject(r);
    measure("mem2", 2000, 100, BYTES_PER_URL_MAX * SMALL_HOSTS_FACTOR);
    redisFree(rc);
out:
    testredis_stop(&tr);
    return test_summary("test_frontier_memory");
}

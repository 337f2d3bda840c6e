/* test_stats.c - coordinator/stats.c: rate, ETA, finished, formatting. */
#include <stdlib.h>
#include <string.h>

#include "stats.h"
#include "test.h"

static void test_samples(void)
{
    static const struct {
        const char *s;
        int ok;
        long long ms, done;
    } cases[] = {
        {"1000 5", 1, 1000, 5},
        {"1700000000000 123456", 1, 1700000000000LL, 123456},
        {"1000", 0, 0, 0},
        {"1000 5 6", 0, 0, 0},
        {"x 5", 0, 0, 0},
        {"", 0, 0, 0},
    };

    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        int64_t ms = 0, done = 0;
        int r = stats_parse_sample(cases[i].s, &ms, &done);

        CHECKF((r == 0) == cases[i].ok, "sample '%s'", cases[i].s);
        if (cases[i].ok) {
            CHECK_INT(ms, cases[i].ms);
            CHECK_INT(done, cases[i].done);
        }
    }
}

static void test_rate(void)
{
    /* newest first */
    const char *steady[] = {"10000 100", "9000 90", "8000 80", "5000 50"};
    const char *window[] = {"100000 600", "70000 300", "40000 0"};
    const char *one[] = {"1000 10"};
    const char *junk[] = {"2000 20", "bad", "1000 10"};
    const char *reset[] = {"2000 5", "1000 10"};

    CHECK(stats_rate(steady, 4, 60000) > 9.99 &&
          stats_rate(steady, 4, 60000) < 10.01);
    /* only samples within 60 s of the newest count: 300 in 30 s */
    CHECK(stats_rate(window, 3, 60000) > 9.99 &&
          stats_rate(window, 3, 60000) < 10.01);
    CHECK(stats_rate(one, 1, 60000) < 0);
    CHECK(stats_rate(NULL, 0, 60000) < 0);
    CHECK(stats_rate(junk, 3, 60000) > 9.99 &&
          stats_rate(junk, 3, 60000) < 10.01);
    CHECK(stats_rate(reset, 2, 60000) == 0);
}

static void test_eta(void)
{
    CHECK_INT(stats_eta(100, 10.0), 10);
    CHECK_INT(stats_eta(0, 10.0), 0);
    CHECK_INT(stats_eta(100, 0), -1);
    CHECK_INT(stats_eta(100, -1), -1);
    CHECK_INT(stats_eta(5, 2.0), 3);
}

static void kv_set(struct kv *h, const char *const *pairs)
{
    size_t n = 0;

    while (pairs[2 * n])
        n++;
    h->k = calloc(n + 1, sizeof(*h->k));
    h->v = calloc(n + 1, sizeof(*h->v));
    for (size_t i = 0; i < n; i++) {
        h->k[i] = strdup(pairs[2 * i]);
        h->v[i] = strdup(pairs[2 * i + 1]);
    }
    h->n = n;
}

static void test_finished_progress(void)
{
    static const struct {
        const char *pairs[16];
        int finished;
    } cases[] = {
        {{"state", "done", NULL}, 1},
        {{"state", "cancelled", "queued", "5", NULL}, 1},
        {{"state", "running", "discovered", "3", "queued", "0", "inflight", "0",
          "done", "3", NULL},
         1},
        {{"state", "running", "discovered", "3", "queued", "1", NULL}, 0},
        {{"state", "running", "discovered", "0", NULL}, 0},
        {{"state", "paused", "discovered", "3", NULL}, 0},
    };
    struct kv h;
    struct progress p;
    const char *full[] = {"state",    "running", "discovered",  "100",
                          "queued",   "40",      "inflight",    "10",
                          "done",     "45",      "dead",        "5",
                          "err_http", "3",       "err_timeout", "2",
                          "err_ok",   "9",       NULL};

    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        memset(&h, 0, sizeof(h));
        kv_set(&h, cases[i].pairs);
        CHECKF(stats_finished(&h) == cases[i].finished, "finished case %zu", i);
        kv_cleanup(&h);
    }
    memset(&h, 0, sizeof(h));
    kv_set(&h, full);
    stats_progress(&p, &h, 0, 5.0);
    CHECK_STR(p.state, "running");
    CHECK_INT(p.discovered, 100);
    CHECK_INT(p.queued + p.inflight + p.done + p.dead, p.discovered);
    CHECK_INT(p.errors, 5);
    CHECK_INT(p.eta_s, 10);
    CHECK(!p.finished);
    stats_progress(&p, &h, 50, 5.0); /* budget: 5 pages left */
    CHECK_INT(p.eta_s, 1);
    CHECK_INT(kv_int(&h, "missing"), 0);
    CHECK_STR(kv_str(&h, "done"), "45");
    kv_cleanup(&h);
}

static void test_format(void)
{
    char b[32];

    CHECK_STR(stats_fmt_duration(-1, b, sizeof(b)), "-");
    CHECK_STR(stats_fmt_duration(0, b, sizeof(b)), "0s");
    CHECK_STR(stats_fmt_duration(59, b, sizeof(b)), "59s");
    CHECK_STR(stats_fmt_duration(65, b, sizeof(b)), "1m05s");
    CHECK_STR(stats_fmt_duration(3723, b, sizeof(b)), "1h02m");
    CHECK_STR(stats_fmt_bytes(999, b, sizeof(b)), "999 B");
    CHECK_STR(stats_fmt_bytes(12300000, b, sizeof(b)), "12.3 MB");
}

static void test_worker_on(void)
{
    static const struct {
        const char *crawls;
        const char *crawl;
        int on;
    } cases[] = {
        {NULL, "a", 1},     {"", "a", 1},
        {"*", "a", 1},      {"a", "a", 1},
        {"b,a", "a", 1},    {"ab", "a", 0},
        {"a b", "b", 1},    {"news,shop", "shop", 1},
        {"news", "new", 0},
    };

    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct kv h;
        const char *pairs[] = {"crawls", cases[i].crawls, NULL};

        memset(&h, 0, sizeof(h));
        if (cases[i].crawls)
            kv_set(&h, pairs);
        CHECKF(stats_worker_on(&h, cases[i].crawl) == cases[i].on,
               "worker on case %zu", i);
        kv_cleanup(&h);
    }
}

int main(void)
{
    test_samples();
    test_rate();
    test_eta();
    test_finished_progress();
    test_format();
    test_worker_on();
    return test_summary("test_stats");
}

/* test_frontier_release.c - the release script's contract against a real
 * redis-server, with a simulated clock: leases given back unfinished go
 * back to their queues at once, attempts and order unchanged; robots
 * leases free their host; stale tokens are counted and skipped. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../unit/test.h"
#include "config.h"
#include "fp.h"
#include "frontier.h"
#include "keys.h"
#include "testredis.h"
#include "testreply.h"

static struct testredis tr;
static redisContext *rc;
static struct cf_cmd cmd;
static char errstr[CF_ERRSTR_LEN];

/* ---- helpers ------------------------------------------------------------ */

struct tlink {
    char url[128];
    char hk[64];
    struct cf_link l;
};

static void tlink_make(struct tlink *t, int host, int page, int64_t prio)
{
    snprintf(t->hk, sizeof(t->hk), "http://h%d.test:80", host);
    snprintf(t->url, sizeof(t->url), "%s/p%d", t->hk, page);
    t->l.fp = cf_fp(t->url, strlen(t->url));
    t->l.hostkey = t->hk;
    t->l.priority = prio;
    t->l.rec = t->url;
    t->l.rec_len = strlen(t->url);
}

static redisReply *call(void)
{
    return cf_frontier_call(rc, &cmd, errstr);
}

static long long call_int(void)
{
    return testreply_int(call());
}

/* A one-page ack's reply: 1 accepted, 0 stale, -999 for anything else. */
static long long call_ack(void)
{
    return testreply_ack(call());
}

static void create(const char *crawl, int robots, int conc)
{
    struct cf_config cfg;

    cf_config_init(&cfg);
    cfg.obey_robots = robots;
    cfg.per_host_concurrency = conc;
    cfg.delay_ms = 0;
    cfg.lease_ms = 1000;
    cfg.backoff_ms = 100;
    cfg.breaker_failures = 0;
    cf_frontier_create_cmd(&cmd, crawl, &cfg, 1);
    CHECK_INT(call_int(), 1);
    cf_config_cleanup(&cfg);
}

static int push(const char *crawl, int64_t now, struct tlink *t, size_t n)
{
    struct cf_link *ls = calloc(n, sizeof(*ls));
    int *is_new = calloc(n, sizeof(*is_new));
    redisReply *r;
    int rv = -1;

    for (size_t i = 0; i < n; i++)
        ls[i] = t[i].l;
    cf_frontier_push_cmd(&cmd, crawl, now, ls, n, 1);
    r = call();
    if (r && cf_frontier_push_parse(r, n, is_new, errstr) == CF_OK) {
        rv = 0;
        for (size_t i = 0; i < n; i++)
            rv += is_new[i];
    }
    freeReplyObject(r);
    free(ls);
    free(is_new);
    return rv;
}

/* Pop up to n leases; returns the count (-1 on error). */
static int pop(const char *crawl, int n, int64_t now, struct cf_lease **out)
{
    struct cf_pop_info info;
    redisReply *r;
    size_t got = 0;
    int rv = -1;

    *out = NULL;
    cf_frontier_pop_cmd(&cmd, crawl, "w1", n, now);
    r = call();
    if (r && cf_frontier_pop_parse(r, out, &got, &info, errstr) == CF_OK)
        rv = (int)got;
    freeReplyObject(r);
    return rv;
}

static struct cf_lease_ref ref_of(const struct cf_lease *l)
{
    struct cf_lease_ref ref;

    ref.kind = l->kind;
    ref.fp = l->fp;
    ref.token = l->token;
    ref.hostkey = l->hostkey;
    return ref;
}

/* Release n leases; info filled, returns 0 or -1 (error reply). */
static int release(const char *crawl, int64_t now,
                   const struct cf_lease_ref *refs, size_t n,
                   struct cf_release_info *info)
{
    redisReply *r;
    int rv = -1;

    memset(info, 0, sizeof(*info));
    cf_frontier_release_cmd(&cmd, crawl, now, refs, n);
    r = call();
    if (r && cf_frontier_release_parse(r, info, errstr) == CF_OK)
        rv = 0;
    freeReplyObject(r);
    return rv;
}

static long long ack(const char *crawl, const struct cf_lease *l,
                     int64_t now)
{
    struct cf_ack a = {0};

    a.fp = l->fp;
    a.token = l->token;
    a.hostkey = l->hostkey;
    a.now_ms = now;
    a.result = "R";
    a.result_len = 1;
    a.outcome = "ok";
    a.status = 200;
    cf_frontier_ack_cmd(&cmd, crawl, &a);
    return call_ack();
}

static void fail(const char *crawl, const struct cf_lease *l, int64_t now)
{
    struct cf_fail f = {0};

    f.fp = l->fp;
    f.token = l->token;
    f.hostkey = l->hostkey;
    f.now_ms = now;
    f.outcome = "timeout";
    f.retry_after_ms = -1;
    f.result = "F";
    f.result_len = 1;
    cf_frontier_fail_cmd(&cmd, crawl, &f);
    freeReplyObject(call());
}

static long long stat(const char *crawl, const char *field)
{
    char key[CF_KEY_MAX];
    redisReply *r = redisCommand(rc, "HGET %s %s",
                                 cf_key(key, crawl, "stats"), field);
    long long v = r && r->type == REDIS_REPLY_STRING ? atoll(r->str) : 0;

    freeReplyObject(r);
    return v;
}

static void check_sum(const char *crawl, int line)
{
    long long q = stat(crawl, "queued"), i = stat(crawl, "inflight");
    long long d = stat(crawl, "done"), x = stat(crawl, "dead");
    long long disc = stat(crawl, "discovered");

    CHECKF(q + i + d + x == disc && q >= 0 && i >= 0,
           "line %d: queued %lld + inflight %lld + done %lld + dead %lld "
           "!= discovered %lld", line, q, i, d, x, disc);
}
#define CHECK_SUM(c) check_sum((c), __LINE__)

static long long hlen(const char *crawl, const char *what)
{
    char key[CF_KEY_MAX];
    redisReply *r = redisCommand(rc, "HLEN %s", cf_key(key, crawl, what));
    long long v = r && r->type == REDIS_REPLY_INTEGER ? r->integer : -1;

    freeReplyObject(r);
    return v;
}

static long long zcard(const char *crawl, const char *what)
{
    char key[CF_KEY_MAX];
    redisReply *r = redisCommand(rc, "ZCARD %s", cf_key(key, crawl, what));
    long long v = r && r->type == REDIS_REPLY_INTEGER ? r->integer : -1;

    freeReplyObject(r);
    return v;
}

/* ---- cases ------------------------------------------------------------- */

/* Page leases come back at once, in their order, attempts unchanged. */
static void test_pages(void)
{
    struct tlink t[4];
    struct cf_lease *ls = NULL, *ls2 = NULL;
    struct cf_lease_ref refs[3];
    struct cf_release_info info;
    int n, n2, i;

    create("rel", 0, 2);
    for (i = 0; i < 3; i++)
        tlink_make(&t[i], 1, i, 0);
    tlink_make(&t[3], 2, 0, 0);
    CHECK_INT(push("rel", 10, t, 4), 4);
    /* p0 fails once, so its next lease has attempts 1 */
    n = pop("rel", 1, 20, &ls);
    CHECK(n == 1 && ls[0].fp == t[0].l.fp);
    if (n == 1)
        fail("rel", &ls[0], 20);
    cf_leases_free(ls, (size_t)(n > 0 ? n : 0));
    n = pop("rel", 10, 200, &ls);
    CHECK_INT(n, 3); /* host 1: two slots (p0 retried, p1); host 2: p0 */
    if (n != 3)
        goto out;
    CHECK_INT(stat("rel", "inflight"), 3);
    CHECK_INT(stat("rel", "queued"), 1);
    for (i = 0; i < 3; i++)
        refs[i] = ref_of(&ls[i]);
    CHECK_INT(release("rel", 300, refs, 3, &info), 0);
    CHECK_INT(info.pages, 3);
    CHECK_INT(info.robots, 0);
    CHECK_INT(info.stale, 0);
    CHECK_INT(stat("rel", "inflight"), 0);
    CHECK_INT(stat("rel", "queued"), 4);
    CHECK_INT(stat("rel", "stale_acks"), 0);
    CHECK_INT(stat("rel", "reaped"), 0);
    CHECK_INT(hlen("rel", "inflight"), 0);
    CHECK_INT(zcard("rel", "leases"), 0);
    CHECK_SUM("rel");
    /* the same leases again, and a made-up token: all stale */
    refs[2].token += 1000;
    CHECK_INT(release("rel", 301, refs, 3, &info), 0);
    CHECK_INT(info.pages, 0);
    CHECK_INT(info.stale, 3);
    CHECK_INT(stat("rel", "stale_acks"), 3);
    CHECK_INT(stat("rel", "queued"), 4);
    CHECK_SUM("rel");
    /* an ack of a released lease is stale: its result is not recorded */
    CHECK_INT(ack("rel", &ls[0], 302), 0);
    CHECK_INT(stat("rel", "done"), 0);

    /* poppable at once (no lease expiry), in the same order within each
     * host (hosts may take turns differently), same attempts */
    n2 = pop("rel", 10, 303, &ls2);
    CHECK_INT(n2, 3);
    for (i = 0; i < n2 && i < 3; i++) {
        int j, k, before = 0, before2 = 0;

        for (j = 0; j < 3 && ls[j].fp != ls2[i].fp; j++)
            ;
        CHECKF(j < 3, "lease %d came back", i);
        if (j == 3)
            continue;
        CHECK(ls2[i].token != ls[j].token);
        CHECK_INT(ls2[i].attempts, ls[j].attempts);
        /* as many of its host's leases before it as the first time */
        for (k = 0; k < i; k++)
            before2 += !strcmp(ls2[k].hostkey, ls2[i].hostkey);
        for (k = 0; k < j; k++)
            before += !strcmp(ls[k].hostkey, ls[j].hostkey);
        CHECK_INT(before2, before);
    }
    for (i = 0; i < n2; i++)
        if (ls2[i].fp == t[0].l.fp)
            CHECK_INT(ls2[i].attempts, 1);
    for (i = 0; i < n2; i++)
        CHECK_INT(ack("rel", &ls2[i], 400), 1);
    CHECK_SUM("rel");
    cf_leases_free(ls2, (size_t)(n2 > 0 ? n2 : 0));
    n2 = pop("rel", 10, 401, &ls2);
    CHECK(n2 == 1 && ls2[0].fp == t[2].l.fp);
    if (n2 == 1)
        CHECK_INT(ack("rel", &ls2[0], 402), 1);
    CHECK_INT(stat("rel", "done"), 4);
    CHECK_INT(stat("rel", "queued"), 0);
    CHECK_SUM("rel");
    cf_leases_free(ls2, (size_t)(n2 > 0 ? n2 : 0));
out:
    cf_leases_free(ls, (size_t)(n > 0 ? n : 0));
}

/* A robots lease released: the host's robots fetch is no longer pending,
 * the next pop hands out a new robots lease without waiting for expiry;
 * one call mixes robots and page leases. */
static void test_robots(void)
{
    struct tlink t[2];
    struct cf_lease *ls = NULL, *ls2 = NULL, *ls3 = NULL;
    struct cf_lease_ref refs[3];
    struct cf_release_info info;
    int n, n2 = 0, n3 = 0;

    create("rrob", 1, 1);
    tlink_make(&t[0], 1, 0, 0);
    tlink_make(&t[1], 2, 0, 0);
    CHECK_INT(push("rrob", 10, t, 1), 1);
    n = pop("rrob", 5, 100, &ls);
    CHECK(n == 1 && ls[0].kind == CF_LEASE_ROBOTS);
    if (n != 1)
        goto out;
    /* held by the pending robots fetch */
    CHECK_INT(pop("rrob", 5, 100, &ls2), 0);
    refs[0] = ref_of(&ls[0]);
    CHECK_INT(release("rrob", 110, refs, 1, &info), 0);
    CHECK_INT(info.robots, 1);
    CHECK_INT(info.pages, 0);
    CHECK_INT(zcard("rrob", "leases"), 0);
    /* the old robots token is stale now */
    cf_frontier_robots_cmd(&cmd, "rrob", t[0].hk, ls[0].token, 111, 200,
                           "", 0, -1);
    CHECK_INT(call_int(), 0);
    n2 = pop("rrob", 5, 112, &ls2);
    CHECK(n2 == 1 && ls2[0].kind == CF_LEASE_ROBOTS &&
          ls2[0].token != ls[0].token);
    if (n2 != 1)
        goto out;
    cf_frontier_robots_cmd(&cmd, "rrob", t[0].hk, ls2[0].token, 113, 404,
                           "", 0, -1);
    CHECK_INT(call_int(), 1);
    CHECK_INT(push("rrob", 114, t + 1, 1), 1);
    n3 = pop("rrob", 5, 115, &ls3); /* page of h1, robots of h2 */
    CHECK_INT(n3, 2);
    if (n3 != 2)
        goto out;
    refs[0] = ref_of(&ls3[0]);
    refs[1] = ref_of(&ls3[1]);
    refs[2] = ref_of(&ls2[0]); /* completed robots lease: stale */
    CHECK_INT(release("rrob", 120, refs, 3, &info), 0);
    CHECK_INT(info.pages, 1);
    CHECK_INT(info.robots, 1);
    CHECK_INT(info.stale, 1);
    CHECK_INT(stat("rrob", "inflight"), 0);
    CHECK_INT(stat("rrob", "queued"), 2);
    CHECK_INT(stat("rrob", "robots_fetched"), 1);
    CHECK_SUM("rrob");
    cf_leases_free(ls3, 2);
    n3 = pop("rrob", 5, 121, &ls3); /* the same two again */
    CHECK_INT(n3, 2);
out:
    cf_leases_free(ls, (size_t)(n > 0 ? n : 0));
    cf_leases_free(ls2, (size_t)(n2 > 0 ? n2 : 0));
    cf_leases_free(ls3, (size_t)(n3 > 0 ? n3 : 0));
}

/* Releasing the last lease of a crawl with its page budget spent ends
 * it; a cancelled crawl takes its leases back too; no leases is fine. */
static void test_edges(void)
{
    struct tlink t[2];
    struct cf_lease *ls = NULL;
    struct cf_lease_ref ref;
    struct cf_release_info info;
    int n;

    create("redge", 0, 1);
    tlink_make(&t[0], 1, 0, 0);
    tlink_make(&t[1], 2, 0, 0);
    CHECK_INT(push("redge", 10, t, 2), 2);
    CHECK_INT(release("redge", 11, NULL, 0, &info), 0);
    CHECK(info.pages == 0 && info.robots == 0 && info.stale == 0);
    n = pop("redge", 1, 20, &ls);
    CHECK_INT(n, 1);
    if (n != 1)
        return;
    cf_frontier_control_cmd(&cmd, "redge", "cancel", 21);
    freeReplyObject(call());
    ref = ref_of(&ls[0]);
    CHECK_INT(release("redge", 22, &ref, 1, &info), 0);
    CHECK_INT(info.pages, 1);
    CHECK_INT(stat("redge", "inflight"), 0);
    CHECK_INT(stat("redge", "queued"), 2);
    CHECK_SUM("redge");
    cf_leases_free(ls, 1);
}

/* Every argument is checked before anything is written. */
static void test_malformed(void)
{
    struct cf_lease_ref ref = {CF_LEASE_PAGE, 42, 1, "http://h1.test:80"};
    struct cf_release_info info;
    char key[CF_KEY_MAX];
    static const struct {
        const char *args[6];
        int n;
        const char *err;
    } cases[] = {
        {{"x", "0"}, 2, "now_ms"},
        {{"5", "-1"}, 2, "bad argument: n"},
        {{"5", "10001"}, 2, "bad argument: n"},
        {{"5", "1", "0", "1", "1"}, 5, "argument count"},
        {{"5", "1", "2", "1", "1", "http://h:80"}, 6, "kind"},
        {{"5", "1", "0", "01", "1", "http://h:80"}, 6, "fp"},
        {{"5", "1", "1", "7", "1", "http://h:80"}, 6, "fp"},
        {{"5", "1", "0", "7", "t", "http://h:80"}, 6, "token"},
        {{"5", "1", "0", "7", "1", "http://h :80"}, 6, "hostkey"},
    };
    size_t i;

    create("rbad", 0, 1);
    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        redisReply *r;

        cf_cmd_reset(&cmd);
        cmd.script = CF_SCRIPT_RELEASE;
        cf_cmd_adds(&cmd, "FCALL");
        cf_cmd_adds(&cmd, cf_script_get(CF_SCRIPT_RELEASE)->fn);
        cf_cmd_adds(&cmd, "1");
        cf_cmd_adds(&cmd, cf_key(key, "rbad", "stats"));
        for (int k = 0; k < cases[i].n; k++)
            cf_cmd_adds(&cmd, cases[i].args[k]);
        r = call();
        CHECKF(r == NULL && strstr(errstr, cases[i].err),
               "case %zu: error \"%s\", want \"%s\"", i,
               r ? "(reply)" : errstr, cases[i].err);
        freeReplyObject(r);
    }
    CHECK_INT(stat("rbad", "stale_acks"), 0);
    CHECK_INT(release("nope", 5, &ref, 1, &info), -1);
    CHECK(strstr(errstr, "no such crawl") != NULL);
    /* the parser refuses what is not a 3-integer array */
    CHECK(cf_frontier_release_parse(NULL, &info, errstr) == CF_EINVAL);
}

int main(void)
{
    if (testredis_start(&tr, NULL) != 0)
        return 1;
    rc = testredis_connect(&tr, 0);
    if (!rc)
        return 1;
    cf_cmd_init(&cmd);
    test_pages();
    test_robots();
    test_edges();
    test_malformed();
    cf_cmd_cleanup(&cmd);
    redisFree(rc);
    testredis_stop(&tr);
    return test_summary("test_frontier_release");
}

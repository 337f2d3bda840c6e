/* test_frontier_model.c - random push / pop / ack / fail / expire / reap
 * steps against a reference model of every URL's state. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../unit/test.h"
#include "config.h"
#include "fp.h"
#include "frontier.h"
#include "testredis.h"

enum { URLS = 400, HOSTS = 6, CONC = 2, STEPS = 3000, LEASE = 500 };
enum ustate { U_NEW, U_QUEUED, U_LEASED, U_DONE, U_DEAD };

struct url {
    char text[64];
    char hk[32];
    uint64_t fp;
    enum ustate st;
    int64_t token;
};

static struct url urls[URLS];
static redisContext *rc;
static struct cf_cmd cmd;
static char errstr[CF_ERRSTR_LEN];
static int64_t now = 1000;

static long long stat(const char *f)
{
    redisReply *r = redisCommand(rc, "HGET cf:{m}:stats %s", f);
    long long v = r && r->type == REDIS_REPLY_STRING ? atoll(r->str) : -1;

    freeReplyObject(r);
    return v;
}

static struct url *by_fp(uint64_t fp)
{
    for (int i = 0; i < URLS; i++)
        if (urls[i].fp == fp)
            return &urls[i];
    return NULL;
}

static void step_push(void)
{
    struct cf_link ls[8];
    int idx[8], n = 1 + rand() % 8, is_new[8];
    redisReply *r;

    for (int i = 0; i < n; i++) {
        idx[i] = rand() % URLS;
        ls[i].fp = urls[idx[i]].fp;
        ls[i].hostkey = urls[idx[i]].hk;
        ls[i].priority = rand() % 3;
        ls[i].rec = urls[idx[i]].text;
        ls[i].rec_len = strlen(urls[idx[i]].text);
    }
    cf_frontier_push_cmd(&cmd, "m", now, ls, (size_t)n, 1);
    r = cf_frontier_call(rc, &cmd, errstr);
    CHECK(r && cf_frontier_push_parse(r, (size_t)n, is_new, errstr) == 0);
    for (int i = 0; r && i < n; i++) {
        struct url *u = &urls[idx[i]];
        int want = u->st == U_NEW;

        CHECKF(is_new[i] == want, "push %s: new %d want %d", u->text,
               is_new[i], want);
        if (is_new[i])
            u->st = U_QUEUED;
    }
    freeReplyObject(r);
}

static void step_pop(void)
{
    struct cf_lease *ls = NULL;
    struct cf_pop_info info;
    size_t n = 0;
    redisReply *r;

    cf_frontier_pop_cmd(&cmd, "m", "w", 1 + rand() % 5, now);
    r = cf_frontier_call(rc, &cmd, errstr);
    CHECK(r && cf_frontier_pop_parse(r, &ls, &n, &info, errstr) == 0);
    for (size_t i = 0; i < n; i++) {
        struct url *u = by_fp(ls[i].fp);

        /* queued, or leased before and re-queued by this pop's reap */
        CHECK(u && (u->st == U_QUEUED ||
                    (u->st == U_LEASED && u->token != ls[i].token)));
        if (u) {
            u->st = U_LEASED;
            u->token = ls[i].token;
        }
    }
    cf_leases_free(ls, n);
    freeReplyObject(r);
}

static struct url *random_leased(void)
{
    int start = rand() % URLS;

    for (int i = 0; i < URLS; i++) {
        struct url *u = &urls[(start + i) % URLS];

        if (u->st == U_LEASED)
            return u;
    }
    return NULL;
}

static void step_finish(int ok)
{
    struct url *u = random_leased();
    redisReply *r;

    if (!u)
        return;
    if (ok) {
        struct cf_ack a = {0};

        a.fp = u->fp;
        a.token = u->token;
        a.hostkey = u->hk;
        a.now_ms = now;
        a.result = u->text;
        a.result_len = strlen(u->text);
        a.outcome = "ok";
        a.status = 200;
        cf_frontier_ack_cmd(&cmd, "m", &a);
    } else {
        struct cf_fail f = {0};

        f.fp = u->fp;
        f.token = u->token;
        f.hostkey = u->hk;
        f.now_ms = now;
        f.outcome = "connect";
        f.retry_after_ms = -1;
        f.result = u->text;
        f.result_len = strlen(u->text);
        cf_frontier_fail_cmd(&cmd, "m", &f);
    }
    r = cf_frontier_call(rc, &cmd, errstr);
    CHECK(r != NULL);
    if (r && ok && r->type == REDIS_REPLY_ARRAY && r->elements == 1 &&
        r->element[0]->type == REDIS_REPLY_INTEGER) {
        /* a lease past its deadline may have been reaped by a pop */
        if (r->element[0]->integer == 1)
            u->st = U_DONE;
    } else if (r && r->type == REDIS_REPLY_STATUS) {
        if (!strcmp(r->str, "dead"))
            u->st = U_DEAD;
        else if (!strcmp(r->str, "retry"))
            u->st = U_QUEUED;
    }
    freeReplyObject(r);
}

/* Sync the model with leases the frontier re-queued (expired): every
 * leased URL whose in-flight token changed or vanished is queued or dead. */
static void sync_expired(void)
{
    for (int i = 0; i < URLS; i++) {
        struct url *u = &urls[i];
        char fps[CF_FP_STRLEN + 1];
        redisReply *r;

        if (u->st != U_LEASED)
            continue;
        cf_fp_format(u->fp, fps);
        r = redisCommand(rc, "HEXISTS cf:{m}:inflight %s", fps);
        if (r && r->integer == 0) {
            freeReplyObject(r);
            r = redisCommand(rc, "HEXISTS cf:{m}:deadreq %s", fps);
            u->st = r && r->integer ? U_DEAD : U_QUEUED;
        }
        freeReplyObject(r);
    }
}

static void check_model(int step)
{
    long long cnt[5] = {0};
    long long q = stat("queued"), in = stat("inflight");
    long long d = stat("done"), x = stat("dead"), disc = stat("discovered");
    int per_host[HOSTS] = {0}, over = 0;

    for (int i = 0; i < URLS; i++) {
        cnt[urls[i].st]++;
        if (urls[i].st == U_LEASED)
            over += ++per_host[i % HOSTS] > CONC;
    }
    CHECKF(q + in + d + x == disc, "step %d: sum", step);
    CHECKF(in == cnt[U_LEASED] && d == cnt[U_DONE] && x == cnt[U_DEAD] &&
               q == cnt[U_QUEUED],
           "step %d: redis q%lld i%lld d%lld x%lld, model q%lld i%lld "
           "d%lld x%lld", step, q, in, d, x, cnt[U_QUEUED], cnt[U_LEASED],
           cnt[U_DONE], cnt[U_DEAD]);
    CHECKF(over == 0, "step %d: per-host limit", step);
}

int main(void)
{
    struct testredis tr;
    struct cf_config cfg;
    redisReply *r;

    if (testredis_start(&tr, NULL) != 0)
        return 1;
    rc = testredis_connect(&tr, 0);
    cf_cmd_init(&cmd);
    cf_config_init(&cfg);
    cfg.obey_robots = 0;
    cfg.per_host_concurrency = CONC;
    cfg.lease_ms = LEASE;
    cfg.backoff_ms = 50;
    cfg.backoff_max_ms = 200;
    cfg.max_attempts = 3;
    cfg.breaker_failures = 0;
    cf_frontier_create_cmd(&cmd, "m", &cfg, now);
    freeReplyObject(cf_frontier_call(rc, &cmd, errstr));
    cf_config_cleanup(&cfg);
    for (int i = 0; i < URLS; i++) {
        snprintf(urls[i].hk, sizeof(urls[i].hk), "http://m%d.test:80",
                 i % HOSTS);
        snprintf(urls[i].text, sizeof(urls[i].text), "%s/%d", urls[i].hk, i);
        urls[i].fp = cf_fp(urls[i].text, strlen(urls[i].text));
    }
    srand(12345);
    for (int step = 0; step < STEPS; step++) {
        int k = rand() % 100;

        now += rand() % 20;
        if (k < 20)
            step_push();
        else if (k < 50)
            step_pop();
        else if (k < 75)
            step_finish(1);
        else if (k < 85)
            step_finish(0);
        else if (k < 90)
            now += LEASE; /* expire */
        else {
            cf_frontier_reap_cmd(&cmd, "m", now, 1 + rand() % 10);
            freeReplyObject(cf_frontier_call(rc, &cmd, errstr));
        }
        sync_expired();
        check_model(step);
    }
    /* Drain: push everything, then pop and ack until the crawl is done. */
    for (int i = 0; i < 200; i++)
        step_push();
    for (int i = 0; i < 20000 && stat("inflight") + stat("queued") > 0;
         i++) {
        now += 100;
        step_pop();
        step_finish(1);
        sync_expired();
    }
    check_model(-1);
    r = redisCommand(rc, "XLEN cf:{m}:results");
    /* one result per URL: acked, or dead (its final result) */
    CHECK(r && r->integer == stat("done") + stat("dead"));
    freeReplyObject(r);
    CHECK(stat("done") + stat("dead") == stat("discovered"));
    r = redisCommand(rc, "HGET cf:{m}:stats state");
    CHECK(r && r->type == REDIS_REPLY_STRING && !strcmp(r->str, "done"));
    freeReplyObject(r);
    cf_cmd_cleanup(&cmd);
    redisFree(rc);
    testredis_stop(&tr);
    return test_summary("test_frontier_model");
}

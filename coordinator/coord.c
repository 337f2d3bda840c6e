/* coord.c - reaping and rate sampling for every crawl. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "clock.h"
#include "coord.h"
#include "err.h"
#include "frontier.h"
#include "keys.h"
#include "stats.h"

static int reap(redisContext *rc, const char *crawl, int64_t now,
                long long *reaped, char *errstr)
{
    struct cf_cmd c;
    redisReply *r;

    cf_cmd_init(&c);
    cf_frontier_reap_cmd(&c, crawl, now, COORD_REAP_LIMIT);
    r = cf_frontier_call(rc, &c, errstr);
    cf_cmd_cleanup(&c);
    if (!r)
        return CF_EREDIS;
    if (r->type == REDIS_REPLY_INTEGER)
        *reaped += r->integer;
    freeReplyObject(r);
    return CF_OK;
}

/* Should a sample be taken, given the state, done and the newest one? */
static int want_sample(const redisReply *st, const redisReply *last,
                       int64_t now)
{
    int64_t ms = 0, d = 0;
    const char *state = NULL;
    long long done = 0;
    int fin;

    if (st->type != REDIS_REPLY_ARRAY || st->elements != 2 ||
        st->element[0]->type != REDIS_REPLY_STRING)
        return 0; /* no such crawl (any more) */
    state = st->element[0]->str;
    if (st->element[1]->type == REDIS_REPLY_STRING)
        done = strtoll(st->element[1]->str, NULL, 10);
    if (last->type != REDIS_REPLY_STRING ||
        stats_parse_sample(last->str, &ms, &d) != 0)
        return 1;
    if (now - ms < COORD_SAMPLE_MIN_MS)
        return 0;
    fin = strcmp(state, "done") == 0 || strcmp(state, "cancelled") == 0;
    return !(fin && d == done);
}

static int sample(redisContext *rc, const char *crawl, int64_t now,
                  char *errstr)
{
    char skey[CF_KEY_MAX], rkey[CF_KEY_MAX];
    redisReply *st = NULL, *last = NULL, *r = NULL;
    char val[64];
    int ret = CF_EREDIS;

    cf_key(skey, crawl, "stats");
    cf_key(rkey, crawl, "rate");
    redisAppendCommand(rc, "HMGET %s state done", skey);
    redisAppendCommand(rc, "LINDEX %s 0", rkey);
    if (redisGetReply(rc, (void **)&st) != REDIS_OK ||
        redisGetReply(rc, (void **)&last) != REDIS_OK) {
        snprintf(errstr, CF_ERRSTR_LEN, "redis: %s", rc->errstr);
        goto out;
    }
    if (st->type == REDIS_REPLY_ERROR || last->type == REDIS_REPLY_ERROR) {
        snprintf(errstr, CF_ERRSTR_LEN, "redis: %s",
                 st->type == REDIS_REPLY_ERROR ? st->str : last->str);
        goto out;
    }
    ret = CF_OK;
    if (!want_sample(st, last, now))
        goto out;
    snprintf(val, sizeof(val), "%lld %s", (long long)now,
             st->element[1]->type == REDIS_REPLY_STRING ? st->element[1]->str
                                                        : "0");
    redisAppendCommand(rc, "MULTI");
    redisAppendCommand(rc, "LPUSH %s %s", rkey, val);
    redisAppendCommand(rc, "LTRIM %s 0 %d", rkey, STATS_RATE_KEEP - 1);
    redisAppendCommand(rc, "EXEC");
    for (int i = 0; i < 4; i++) {
        if (redisGetReply(rc, (void **)&r) != REDIS_OK) {
            snprintf(errstr, CF_ERRSTR_LEN, "redis: %s", rc->errstr);
            ret = CF_EREDIS;
            goto out;
        }
        freeReplyObject(r);
    }
out:
    if (st)
        freeReplyObject(st);
    if (last)
        freeReplyObject(last);
    return ret;
}

int coord_tick_crawl(redisContext *rc, const char *crawl, int64_t now,
                     long long *reaped, char *errstr)
{
    if (reap(rc, crawl, now, reaped, errstr) != CF_OK)
        return CF_EREDIS;
    return sample(rc, crawl, now, errstr);
}

int coord_tick_all(redisContext *rc, long long *reaped, char *errstr)
{
    redisReply *r = redisCommand(rc, "SMEMBERS %s", CF_KEY_CRAWLS);
    int n = 0;

    if (!r || r->type != REDIS_REPLY_ARRAY) {
        snprintf(errstr, CF_ERRSTR_LEN, "redis: %s",
                 r && r->type == REDIS_REPLY_ERROR ? r->str : rc->errstr);
        if (r)
            freeReplyObject(r);
        return -1;
    }
    for (size_t i = 0; i < r->elements; i++) {
        if (r->element[i]->type != REDIS_REPLY_STRING ||
            !cf_crawl_name_valid(r->element[i]->str))
            continue;
        if (coord_tick_crawl(rc, r->element[i]->str, cf_wall_ms(), reaped,
                             errstr) != CF_OK) {
            freeReplyObject(r);
            return -1;
        }
        n++;
    }
    freeReplyObject(r);
    return n;
}

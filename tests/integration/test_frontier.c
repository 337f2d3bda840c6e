/* test_frontier.c - the frontier scripts' contracts against a real
 * redis-server, with a simulated clock (every call passes now_ms). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../unit/test.h"
#include "config.h"
#include "fp.h"
#include "frontier.h"
#include "keys.h"
#include "record.h"
#include "testredis.h"
#include "wire.h"
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

static void create(const char *crawl, const struct cf_config *cfg)
{
    cf_frontier_create_cmd(&cmd, crawl, cfg, 1000);
    CHECK_INT(call_int(), 1);
}

static void base_config(struct cf_config *cfg)
{
    cf_config_init(cfg);
    cfg->obey_robots = 0;
    cfg->per_host_concurrency = 1;
    cfg->delay_ms = 0;
}

static int push_links(const char *crawl, int64_t now, struct tlink *t,
                      size_t n, int seeds, int *is_new)
{
    struct cf_link *ls = calloc(n, sizeof(*ls));
    redisReply *r;
    int rv = -1;

    for (size_t i = 0; i < n; i++)
        ls[i] = t[i].l;
    cf_frontier_push_cmd(&cmd, crawl, now, ls, n, seeds);
    r = call();
    if (r && cf_frontier_push_parse(r, n, is_new, errstr) == CF_OK) {
        rv = 0;
        for (size_t i = 0; i < n; i++)
            rv += is_new[i];
    }
    freeReplyObject(r);
    free(ls);
    return rv;
}

/* Pop up to n leases; returns the count (-1 on error). */
static int pop(const char *crawl, int n, int64_t now, struct cf_lease **out,
               struct cf_pop_info *info)
{
    redisReply *r;
    size_t got = 0;
    int rv = -1;

    cf_frontier_pop_cmd(&cmd, crawl, "w1", n, now);
    r = call();
    if (r && cf_frontier_pop_parse(r, out, &got, info, errstr) == CF_OK)
        rv = (int)got;
    freeReplyObject(r);
    return rv;
}

static long long ack(const char *crawl, const struct cf_lease *l, int64_t now,
                     const char *outcome, struct tlink *links, size_t n)
{
    struct cf_link *ls = calloc(n + 1, sizeof(*ls));
    struct cf_ack a = {0};
    long long v;

    for (size_t i = 0; i < n; i++)
        ls[i] = links[i].l;
    a.fp = l->fp;
    a.token = l->token;
    a.hostkey = l->hostkey;
    a.now_ms = now;
    a.result = "R";
    a.result_len = 1;
    a.outcome = outcome;
    a.status = 200;
    a.bytes = 10;
    a.links_found = (int64_t)n;
    a.links = ls;
    a.nlinks = n;
    a.first_attempt = l->attempts == 0; /* as the worker says it */
    cf_frontier_ack_cmd(&cmd, crawl, &a);
    v = call_ack();
    free(ls);
    return v;
}

static char *fail(const char *crawl, const struct cf_lease *l, int64_t now,
                  int64_t retry_after, char *out, size_t cap)
{
    struct cf_fail f = {0};
    redisReply *r;

    f.fp = l->fp;
    f.token = l->token;
    f.hostkey = l->hostkey;
    f.now_ms = now;
    f.outcome = "timeout";
    f.retry_after_ms = retry_after;
    f.result = "F";
    f.result_len = 1;
    cf_frontier_fail_cmd(&cmd, crawl, &f);
    r = call();
    snprintf(out, cap, "%s",
             r && r->type == REDIS_REPLY_STATUS ? r->str : "?");
    freeReplyObject(r);
    return out;
}

static long long stat(const char *crawl, const char *field)
{
    char key[CF_KEY_MAX];
    redisReply *r = redisCommand(rc, "HGET %s %s",
                                 cf_key(key, crawl, "stats"), field);
    long long v = r && r->type == REDIS_REPLY_STRING ? atoll(r->str) : -1;

    freeReplyObject(r);
    return v;
}

static void stat_str(const char *crawl, const char *field, char *out,
                     size_t cap)
{
    char key[CF_KEY_MAX];
    redisReply *r = redisCommand(rc, "HGET %s %s",
                                 cf_key(key, crawl, "stats"), field);

    snprintf(out, cap, "%s",
             r && r->type == REDIS_REPLY_STRING ? r->str : "");
    freeReplyObject(r);
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

static int state_is(const char *crawl, const char *want)
{
    char s[32];

    stat_str(crawl, "state", s, sizeof(s));
    return strcmp(s, want) == 0;
}

/* A raw call of script id with string arguments after the stats key. */
static redisReply *raw(enum cf_script_id id, const char *crawl, int n,
                       const char **args)
{
    char key[CF_KEY_MAX];

    cf_cmd_reset(&cmd);
    cmd.script = id;
    cf_cmd_adds(&cmd, "FCALL");
    cf_cmd_adds(&cmd, cf_script_get(id)->fn);
    cf_cmd_adds(&cmd, "1");
    cf_cmd_adds(&cmd, cf_key(key, crawl, "stats"));
    for (int i = 0; i < n; i++) {
        unsigned char nums[8 * CF_ACK_NUMS];
        size_t k = 0;

        if (strncmp(args[i], "#N ", 3) != 0) {
            cf_cmd_adds(&cmd, args[i]);
            continue;
        }
        /* "#N x y ...": an ack's page numbers, packed as the worker
         * packs them (wire.h) but any doubles, to try the script's
         * checks; fewer than CF_ACK_NUMS make a short argument */
        for (const char *p = args[i] + 3; *p && k < CF_ACK_NUMS; k++) {
            char *end;
            double d = strtod(p, &end);
            uint64_t u;

            memcpy(&u, &d, sizeof(u));
            for (int b = 0; b < 8; b++)
                nums[8 * k + b] = (unsigned char)(u >> (8 * b));
            p = end;
        }
        cf_cmd_add(&cmd, (const char *)nums, 8 * k);
    }
    return call();
}

static long long dbsize(void)
{
    redisReply *r = redisCommand(rc, "DBSIZE");
    long long v = r ? r->integer : -1;

    freeReplyObject(r);
    return v;
}

/* ---- cases ------------------------------------------------------------- */

static void test_create_and_unknown(void)
{
    struct cf_config cfg;
    const char *pop_args[] = {"w", "1", "5"};
    const char *ctl_args[] = {"pause", "5"};
    redisReply *r;

    base_config(&cfg);
    create("c1", &cfg);
    cf_frontier_create_cmd(&cmd, "c1", &cfg, 2000);
    CHECK_INT(call_int(), 0);
    CHECK(state_is("c1", "running"));
    CHECK_INT(stat("c1", "created_ms"), 1000);
    cf_config_cleanup(&cfg);

    r = raw(CF_SCRIPT_POP, "nope", 3, pop_args);
    CHECK(r == NULL && strstr(errstr, "no such crawl"));
    r = raw(CF_SCRIPT_CONTROL, "nope", 2, ctl_args);
    CHECK(r == NULL && strstr(errstr, "no such crawl"));
    cf_frontier_reap_cmd(&cmd, "nope", 5, 10);
    CHECK(call() == NULL && strstr(errstr, "no such crawl"));
}

/* fp mod 2^25 in binary for 12 and 13 */
#define B12 "0000000000000000000001100"
#define B13 "0000000000000000000001101"
/* priorities 0 and 1, 20 binary digits */
#define P0 "00000000000000000000"
#define P1 "00000000000000000001"

static void test_malformed(void)
{
    struct cf_config cfg;
    struct {
        enum cf_script_id id;
        int n;
        const char *args[23];
    } bad[] = {
        /* push: now, seeds, order, then the links: n, hosts "hk k ...",
         * bits (25 per link: fp mod 2^25), priorities (20 binary
         * digits per link), members "<fp> <record>" */
        /* fingerprints: not a number, negative, over 2^63 - 1, a leading
         * zero, no record after it */
        {CF_SCRIPT_PUSH, 8,
         {"5", "0", "0", "1", "http://a:80 1", B12, P0, "abc r"}},
        {CF_SCRIPT_PUSH, 8,
         {"5", "0", "0", "1", "http://a:80 1", B12, P0, "-1 r"}},
        {CF_SCRIPT_PUSH, 8,
         {"5", "0", "0", "1", "http://a:80 1", B12, P0,
          "9223372036854775808 r"}},
        {CF_SCRIPT_PUSH, 8,
         {"5", "0", "0", "1", "http://a:80 1", B12, P0, "012 r"}},
        {CF_SCRIPT_PUSH, 8,
         {"5", "0", "0", "1", "http://a:80 1", B12, P0, "12"}},
        {CF_SCRIPT_PUSH, 8,
         {"5", "0", "0", "1", "http://a:80 1", B12, P0, " 12 r"}},
        /* host keys and counts */
        {CF_SCRIPT_PUSH, 8,
         {"5", "0", "0", "1", "http://a :80 1", B12, P0, "12 r"}},
        {CF_SCRIPT_PUSH, 8,
         {"5", "0", "0", "1", "http://a:80 01", B12, P0, "12 r"}},
        {CF_SCRIPT_PUSH, 8,
         {"5", "0", "0", "1", "http://a:80 +1", B12, P0, "12 r"}},
        {CF_SCRIPT_PUSH, 8,
         {"5", "0", "0", "1", "http://a:80 1 ", B12, P0, "12 r"}},
        /* priorities, bits */
        {CF_SCRIPT_PUSH, 8,
         {"5", "0", "0", "1", "http://a:80 1", B12, "x0000000000000000000", "12 r"}},
        {CF_SCRIPT_PUSH, 8,
         {"5", "0", "0", "1", "http://a:80 1", B12, " 0000000000000000000", "12 r"}},
        {CF_SCRIPT_PUSH, 8,
         {"5", "0", "0", "1", "http://a:80 1", B12, "0000000000000000000", "12 r"}},
        {CF_SCRIPT_PUSH, 8,
         {"5", "0", "0", "1", "http://a:80 1", "0000000000000000000001102",
          P0, "12 r"}},
        {CF_SCRIPT_PUSH, 8,
         {"5", "0", "0", "1", "http://a:80 1", "-000000000000000000001100",
          P0, "12 r"}},
        {CF_SCRIPT_PUSH, 8,
         {"5", "0", "0", "1", "http://a:80 1", "1100", P0, "12 r"}},
        /* a member missing */
        {CF_SCRIPT_PUSH, 7,
         {"5", "0", "0", "1", "http://a:80 1", B12, P0}},
        /* order: index past the link count, an index twice */
        {CF_SCRIPT_PUSH, 8,
         {"5", "0", "1", "1", "http://a:80 1", B12, P0, "12 r"}},
        {CF_SCRIPT_PUSH, 9,
         {"5", "0", "0 0", "2", "http://a:80 2", B12 B13,
          P0 P0, "12 r", "13 r"}},
        /* host counts that do not add up to n */
        {CF_SCRIPT_PUSH, 8,
         {"5", "0", "0", "1", "http://a:80 2", B12, P0, "12 r"}},
        {CF_SCRIPT_PUSH, 8,
         {"5", "0", "0", "1", "http://a:80 1 http://b:80 1", B12,
          P0, "12 r"}},
        /* valid first link, bad second: nothing may be written */
        {CF_SCRIPT_PUSH, 9,
         {"5", "0", "0 1", "2", "http://a:80 2", B12 B13,
          P0 "000000000000000000.1", "12 r", "13 r"}},
        {CF_SCRIPT_PUSH, 9,
         {"5", "0", "0 1", "2", "http://a:80 2", B12 B13,
          P0 P1, "12 r", "1x r"}},
        {CF_SCRIPT_PUSH, 3, {"5x", "0", "0"}},
        {CF_SCRIPT_POP, 3, {"w", "ten", "5"}},
        {CF_SCRIPT_POP, 2, {"w", "1"}},
        /* ack: now, then per page fp, token, outcome, numbers ("#N"
         * below: status, bytes, links_found, out_of_scope, too_deep,
         * skipped_ext, flags, started_ms as 8 doubles), result, links
         * (n, then when n > 0 hosts, bits, prios, members) */
        {CF_SCRIPT_ACK, 7, {"5", "12", "1", "ok", "#N 200 0 0 0 0 0 16 0", "R", "0"}},
        {CF_SCRIPT_ACK, 7, {"5", "12", "tok", "ok", "#N 200 0 0 0 0 0 0 0", "R", "0"}},
        {CF_SCRIPT_ACK, 10, {"5", "12", "1", "ok", "#N 200 0 0 0 0 0 0 0", "R", "1", "", "", ""}},
        {CF_SCRIPT_ACK, 7, {"5", "12", "1", "OK", "#N 200 0 0 0 0 0 0 0", "R", "0"}},
        {CF_SCRIPT_ACK, 7, {"5", "12", "1", "ok", "#N 200 0 0 0 0 0 0 -5", "R", "0"}},
        /* counters that are negative: too_deep, skipped_ext */
        {CF_SCRIPT_ACK, 7, {"5", "12", "1", "ok", "#N 200 0 0 0 -1 0 0 0", "R", "0"}},
        {CF_SCRIPT_ACK, 7, {"5", "12", "1", "ok", "#N 200 0 0 0 0 -1 0 0", "R", "0"}},
        /* numbers that are no whole numbers in range, or too few bytes */
        {CF_SCRIPT_ACK, 7, {"5", "12", "1", "ok", "#N 1000 0 0 0 0 0 0 0", "R", "0"}},
        {CF_SCRIPT_ACK, 7, {"5", "12", "1", "ok", "#N 200 0.5 0 0 0 0 0 0", "R", "0"}},
        {CF_SCRIPT_ACK, 7, {"5", "12", "1", "ok", "#N 200 0 nan 0 0 0 0 0", "R", "0"}},
        {CF_SCRIPT_ACK, 7, {"5", "12", "1", "ok", "#N 200 0 0 inf 0 0 0 0", "R", "0"}},
        {CF_SCRIPT_ACK, 7, {"5", "12", "1", "ok", "#N 200 9007199254740992 0 0 0 0 0 0", "R", "0"}},
        {CF_SCRIPT_ACK, 7, {"5", "12", "1", "ok", "#N 200 0 0 0 0 0 0", "R", "0"}},
        {CF_SCRIPT_ACK, 6, {"5", "12", "1", "ok", "#N 200 0 0 0 0 0 0 0", "R"}},
        {CF_SCRIPT_ACK, 1, {"5"}},
        /* a good page, then a bad one: nothing may be written */
        {CF_SCRIPT_ACK, 8, {"5", "12", "1", "ok", "#N 200 0 0 0 0 0 0 0", "R", "0", "13"}},
        /* the pop tail (worker, n, now_ms): not last, no pages before
         * it, a bad n or now_ms, no worker */
        {CF_SCRIPT_ACK, 12, {"5", "12", "1", "ok", "#N 200 0 0 0 0 0 0 0", "R", "0", "pop", "w", "3", "5", "x"}},
        {CF_SCRIPT_ACK, 5, {"5", "pop", "w", "3", "5"}},
        {CF_SCRIPT_ACK, 11, {"5", "12", "1", "ok", "#N 200 0 0 0 0 0 0 0", "R", "0", "pop", "w", "-1", "5"}},
        {CF_SCRIPT_ACK, 11, {"5", "12", "1", "ok", "#N 200 0 0 0 0 0 0 0", "R", "0", "pop", "w", "3", "soon"}},
        {CF_SCRIPT_ACK, 11, {"5", "12", "1", "ok", "#N 200 0 0 0 0 0 0 0", "R", "0", "pop", "", "3", "5"}},
        {CF_SCRIPT_FAIL, 7, {"5", "12", "1", "http://a:80", "timeout", "0",
                             "-1"}},
        {CF_SCRIPT_ROBOTS, 6, {"5", "http://a:80", "1", "abc", "-1", "b"}},
        {CF_SCRIPT_REAP, 2, {"5", "0"}},
        {CF_SCRIPT_CONTROL, 2, {"explode", "5"}},
        {CF_SCRIPT_CREATE, 2, {"5", "max_pages"}},
    };
    long long before;

    base_config(&cfg);
    create("bad", &cfg);
    cf_config_cleanup(&cfg);
    before = dbsize();
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        redisReply *r = raw(bad[i].id, "bad", bad[i].n, bad[i].args);

        CHECKF(r == NULL && strstr(errstr, "ERR bad argument"),
               "case %zu: %s", i, r ? "accepted" : errstr);
        freeReplyObject(r);
    }
    CHECK_INT(dbsize(), before);
    CHECK_INT(stat("bad", "discovered"), 0);
    CHECK_INT(stat("bad", "stale_acks"), 0);
}

/* The names of the cf_* libraries loaded, comma-separated and sorted by
 * Redis' order, into buf; their count. */
static int libraries(char *buf, size_t cap)
{
    redisReply *r = redisCommand(rc, "FUNCTION LIST LIBRARYNAME cf_*");
    int n = 0;

    buf[0] = '\0';
    CHECK(r && r->type == REDIS_REPLY_ARRAY);
    for (size_t i = 0; r && r->type == REDIS_REPLY_ARRAY && i < r->elements;
         i++) {
        const redisReply *e = r->element[i];

        for (size_t k = 0; k + 1 < e->elements; k += 2)
            if (strcmp(e->element[k]->str, "library_name") == 0) {
                size_t len = strlen(buf);

                snprintf(buf + len, cap - len, "%s%s", n ? "," : "",
                         e->element[k + 1]->str);
                n++;
            }
    }
    freeReplyObject(r);
    return n;
}

/* Load a copy of this build's library as another build's, version v (16
 * hex digits): its text with every "cf_<our version>" made "cf_<v>" and a
 * line of its own, so its hash differs as another build's would. */
static int load_other(const char *v)
{
    const struct cf_library *l = cf_library_get();
    const char *own = l->name;
    size_t on = strlen(own), vn = strlen(v) + 3;
    struct cf_buf b;
    redisReply *r;
    int rv;

    cf_buf_init(&b, (size_t)1 << 24);
    for (size_t i = 0; i < l->len;) {
        if (i + on <= l->len && memcmp(l->text + i, own, on) == 0) {
            cf_buf_add(&b, "cf_", 3);
            cf_buf_add(&b, v, vn - 3);
            i += on;
        } else {
            cf_buf_add(&b, l->text + i, 1);
            i++;
        }
    }
    cf_buf_add(&b, "-- another build\n", 17);
    r = redisCommand(rc, "FUNCTION LOAD %b", b.data, b.len);
    rv = r && r->type == REDIS_REPLY_STRING ? 0 : -1;
    CHECKF(rv == 0, "load %s: %s", v, r && r->str ? r->str : "no reply");
    freeReplyObject(r);
    cf_buf_cleanup(&b);
    return rv;
}

/* An FCALL of version v's pop for crawl (n = 0: leases nothing). */
static redisReply *pop_as(const char *v, const char *crawl)
{
    char fn[64], key[CF_KEY_MAX];

    snprintf(fn, sizeof(fn), "cf_%s_pop", v);
    return redisCommand(rc, "FCALL %s 1 %s w 0 20", fn,
                        cf_key(key, crawl, "stats"));
}

/* A fresh Redis (no functions) gets the library on the first call, and
 * again after a FUNCTION FLUSH or a restart; a restarted Redis without
 * its data has no crawl. */
static void test_library_load_and_restart(void)
{
    struct cf_config cfg;
    struct tlink t[2];
    int is_new[2];
    char names[512];
    redisReply *r;

    base_config(&cfg);
    r = redisCommand(rc, "FUNCTION FLUSH");
    freeReplyObject(r);
    CHECK_INT(libraries(names, sizeof(names)), 0);
    create("ns", &cfg);
    CHECK_INT(libraries(names, sizeof(names)), 1);
    CHECK_STR(names, cf_library_get()->name);
    tlink_make(&t[0], 1, 1, 0);
    tlink_make(&t[1], 1, 2, 0);
    r = redisCommand(rc, "FUNCTION FLUSH");
    freeReplyObject(r);
    CHECK_INT(push_links("ns", 10, t, 2, 1, is_new), 2);
    CHECK_INT(stat("ns", "queued"), 2);
    CHECK_INT(libraries(names, sizeof(names)), 1);

    CHECK_INT(testredis_restart(&tr), 0);
    redisFree(rc);
    rc = testredis_connect(&tr, 0);
    CHECK(rc != NULL);
    cf_frontier_pop_cmd(&cmd, "ns", "w", 1, 20);
    r = call();
    CHECK(r == NULL && strstr(errstr, "no such crawl"));
    create("ns", &cfg);
    CHECK_INT(push_links("ns", 10, t, 2, 1, is_new), 2);
    CHECK_INT(stat("ns", "queued"), 2);
    cf_config_cleanup(&cfg);
}

/* Two builds share a Redis: each library callable by its own names, and
 * one build's calls leave the other's library alone; at CF_LIBS_MAX
 * other libraries, a load deletes them. */
static void test_library_versions(void)
{
    struct cf_config cfg;
    char names[2048], want[128], v[17];
    redisReply *r;

    base_config(&cfg);
    r = redisCommand(rc, "FUNCTION FLUSH");
    freeReplyObject(r);
    create("lv", &cfg);
    cf_config_cleanup(&cfg);
    CHECK_INT(load_other("0000000000000001"), 0);
    CHECK_INT(libraries(names, sizeof(names)), 2);

    /* each version's pop answers (nothing queued: the crawl is done) */
    r = pop_as("0000000000000001", "lv");
    CHECK(r && r->type == REDIS_REPLY_ARRAY && r->elements == 4 &&
          strcmp(r->element[0]->str, "done") == 0);
    freeReplyObject(r);
    r = pop_as(cf_library_get()->name + 3, "lv");
    CHECK(r && r->type == REDIS_REPLY_ARRAY && r->elements == 4 &&
          strcmp(r->element[0]->str, "done") == 0);
    freeReplyObject(r);

    /* ours deleted (as another build's prune would): our next call loads
     * it and keeps the other one */
    r = redisCommand(rc, "FUNCTION DELETE %s", cf_library_get()->name);
    freeReplyObject(r);
    cf_frontier_pop_cmd(&cmd, "lv", "w", 1, 20);
    r = call();
    CHECKF(r != NULL, "pop after delete: %s", errstr);
    freeReplyObject(r);
    CHECK_INT(libraries(names, sizeof(names)), 2);
    CHECK(strstr(names, "cf_0000000000000001") != NULL);

    /* CF_LIBS_MAX others: the next load deletes them and keeps ours */
    for (int i = 2; i <= CF_LIBS_MAX; i++) {
        snprintf(v, sizeof(v), "%016x", i);
        CHECK_INT(load_other(v), 0);
    }
    CHECK_INT(libraries(names, sizeof(names)), CF_LIBS_MAX + 1);
    r = redisCommand(rc, "FUNCTION DELETE %s", cf_library_get()->name);
    freeReplyObject(r);
    cf_frontier_pop_cmd(&cmd, "lv", "w", 1, 20);
    r = call();
    CHECKF(r != NULL, "pop after prune: %s", errstr);
    freeReplyObject(r);
    snprintf(want, sizeof(want), "%s", cf_library_get()->name);
    CHECK_INT(libraries(names, sizeof(names)), 1);
    CHECK_STR(names, want);
    /* and the deleted build's call finds its function missing */
    r = pop_as("0000000000000001", "lv");
    CHECK(cf_frontier_missing(r));
    freeReplyObject(r);
}

static void test_priority_fifo(void)
{
    struct cf_config cfg;
    struct tlink t[6];
    int is_new[6];
    struct cf_lease *ls = NULL;
    struct cf_pop_info info;
    int64_t prio[6] = {2, 1, 1, 0, 5000000, -3};
    /* expected pop order by index: prio -3->0 and 0 (FIFO), 1, 1, 2, cap */
    int order[6] = {3, 5, 1, 2, 0, 4};
    int n;

    base_config(&cfg);
    cfg.per_host_concurrency = 10;
    create("prio", &cfg);
    cf_config_cleanup(&cfg);
    for (int i = 0; i < 6; i++)
        tlink_make(&t[i], 1, i, prio[i]);
    CHECK_INT(push_links("prio", 10, t, 6, 1, is_new), 6);
    CHECK_INT(push_links("prio", 11, t, 6, 1, is_new), 0);
    CHECK_INT(stat("prio", "dup_links"), 6);
    n = pop("prio", 10, 20, &ls, &info);
    CHECK_INT(n, 6);
    for (int i = 0; i < n && i < 6; i++)
        CHECKF(ls[i].fp == t[order[i]].l.fp, "pop %d: got %.*s", i,
               (int)ls[i].rec_len, ls[i].rec);
    CHECK(n > 0 && ls[0].kind == CF_LEASE_PAGE && ls[0].attempts == 0 &&
          strcmp(ls[0].hostkey, t[0].hk) == 0);
    CHECK_INT(stat("prio", "inflight"), 6);
    CHECK_SUM("prio");
    cf_leases_free(ls, (size_t)(n > 0 ? n : 0));

    /* Across hosts: the host whose head has the best priority first. */
    base_config(&cfg);
    create("prio2", &cfg);
    cf_config_cleanup(&cfg);
    tlink_make(&t[0], 1, 0, 3);
    tlink_make(&t[1], 2, 0, 1);
    tlink_make(&t[2], 3, 0, 2);
    CHECK_INT(push_links("prio2", 10, t, 3, 1, is_new), 3);
    tlink_make(&t[3], 1, 1, 0); /* improves host 1's head: ZADD XX LT */
    CHECK_INT(push_links("prio2", 10, t + 3, 1, 0, is_new), 1);
    n = pop("prio2", 3, 20, &ls, &info);
    CHECK_INT(n, 3);
    if (n == 3) {
        CHECK(ls[0].fp == t[3].l.fp);
        CHECK(ls[1].fp == t[1].l.fp);
        CHECK(ls[2].fp == t[2].l.fp);
    }
    cf_leases_free(ls, (size_t)(n > 0 ? n : 0));
}

/* A host with a delay holds back neither other hosts nor the caller. */
static void test_no_head_of_line(void)
{
    struct cf_config cfg;
    struct tlink t[10];
    int is_new[10];
    struct cf_lease *ls = NULL;
    struct cf_pop_info info;
    int n, slow = 0;

    base_config(&cfg);
    cfg.per_host_concurrency = 10;
    cfg.delay_ms = 0;
    create("hol", &cfg);
    cf_config_cleanup(&cfg);
    for (int i = 0; i < 5; i++) {
        tlink_make(&t[i], 1, i, 0);
        tlink_make(&t[5 + i], 2, i, 1);
    }
    CHECK_INT(push_links("hol", 10, t, 10, 1, is_new), 10);
    /* host 1 gets a 10 s delay through a robots Crawl-delay-like field */
    redisReply *r = redisCommand(rc, "HSET cf:{hol}:h:%s d 10000", t[0].hk);
    freeReplyObject(r);
    n = pop("hol", 10, 100, &ls, &info);
    for (int i = 0; i < n; i++)
        slow += strcmp(ls[i].hostkey, t[0].hk) == 0;
    CHECK_INT(n, 6);
    CHECK_INT(slow, 1);
    cf_leases_free(ls, (size_t)(n > 0 ? n : 0));
    n = pop("hol", 10, 200, &ls, &info);
    CHECK_INT(n, 0);
    CHECK_INT(info.wait_ms, 9900);
    n = pop("hol", 10, 10100, &ls, &info);
    CHECK_INT(n, 1);
    cf_leases_free(ls, (size_t)(n > 0 ? n : 0));
    CHECK_SUM("hol");
}

static void test_leases_stale_double(void)
{
    struct cf_config cfg;
    struct tlink t[2];
    int is_new[2];
    struct cf_lease *ls = NULL, *ls2 = NULL;
    struct cf_pop_info info;
    int n, n2;

    base_config(&cfg);
    cfg.lease_ms = 1000;
    create("lease", &cfg);
    cf_config_cleanup(&cfg);
    tlink_make(&t[0], 1, 0, 0);
    CHECK_INT(push_links("lease", 10, t, 1, 1, is_new), 1);
    n = pop("lease", 5, 100, &ls, &info);
    CHECK_INT(n, 1);
    /* concurrency 1: nothing more from that host; nothing scheduled, but
     * a lease is out (its ack may bring links) */
    CHECK_INT(pop("lease", 5, 100, &ls2, &info), 0);
    CHECK_INT(info.wait_ms, -2);
    cf_frontier_reap_cmd(&cmd, "lease", 1099, 10);
    CHECK_INT(call_int(), 0);
    cf_frontier_reap_cmd(&cmd, "lease", 1100, 10);
    CHECK_INT(call_int(), 1);
    CHECK_INT(stat("lease", "reaped"), 1);
    CHECK_SUM("lease");
    if (n == 1)
        CHECK_INT(ack("lease", &ls[0], 1200, "ok", NULL, 0), 0);
    CHECK_INT(stat("lease", "stale_acks"), 1);
    n2 = pop("lease", 5, 1300, &ls2, &info);
    CHECK_INT(n2, 1);
    if (n == 1 && n2 == 1) {
        CHECK(ls2[0].fp == ls[0].fp && ls2[0].token != ls[0].token);
        CHECK_INT(ls2[0].attempts, 1);
        CHECK_INT(ack("lease", &ls2[0], 1400, "ok", NULL, 0), 1);
        /* a lease that was not a first attempt clears its attempts */
        CHECK_INT(testreply_int(
                      redisCommand(rc, "HLEN cf:{lease}:attempts")), 0);
        CHECK_INT(ack("lease", &ls2[0], 1401, "ok", NULL, 0), 0);
    }
    CHECK_INT(stat("lease", "stale_acks"), 2);
    CHECK_INT(stat("lease", "done"), 1);
    CHECK(state_is("lease", "done"));
    CHECK_INT(stat("lease", "ended_ms"), 1400);
    CHECK_SUM("lease");
    cf_leases_free(ls, (size_t)(n > 0 ? n : 0));
    cf_leases_free(ls2, (size_t)(n2 > 0 ? n2 : 0));
}

static void test_control(void)
{
    struct cf_config cfg;
    struct tlink t[3];
    int is_new[3];
    struct cf_lease *ls = NULL, *ls2 = NULL;
    struct cf_pop_info info;
    redisReply *r;
    int n;

    base_config(&cfg);
    create("ctl", &cfg);
    cf_config_cleanup(&cfg);
    for (int i = 0; i < 3; i++)
        tlink_make(&t[i], i, 0, 0);
    CHECK_INT(push_links("ctl", 10, t, 2, 1, is_new), 2);
    cf_frontier_control_cmd(&cmd, "ctl", "pause", 20);
    r = call();
    CHECK(r && r->type == REDIS_REPLY_STRING && !strcmp(r->str, "paused"));
    freeReplyObject(r);
    CHECK_INT(pop("ctl", 5, 30, &ls, &info), 0);
    CHECK_STR(info.state, "paused");
    cf_frontier_control_cmd(&cmd, "ctl", "resume", 40);
    freeReplyObject(call());
    CHECK(state_is("ctl", "running"));
    n = pop("ctl", 1, 50, &ls, &info);
    CHECK_INT(n, 1);
    cf_frontier_control_cmd(&cmd, "ctl", "cancel", 60);
    freeReplyObject(call());
    CHECK(state_is("ctl", "cancelled"));
    CHECK_INT(pop("ctl", 5, 70, &ls2, &info), 0);
    CHECK_STR(info.state, "cancelled");
    CHECK_INT(push_links("ctl", 80, t + 2, 1, 1, is_new), 0);
    if (n == 1)
        CHECK_INT(ack("ctl", &ls[0], 90, "ok", t + 2, 1), 1);
    CHECK_INT(stat("ctl", "done"), 1);
    CHECK_INT(stat("ctl", "discovered"), 2);
    CHECK(state_is("ctl", "cancelled"));
    CHECK_SUM("ctl");
    cf_leases_free(ls, (size_t)(n > 0 ? n : 0));
}

static void test_budget_and_host_cap(void)
{
    struct cf_config cfg;
    struct tlink t[10];
    int is_new[10];
    struct cf_lease *ls = NULL;
    struct cf_pop_info info;
    int n, total = 0;

    base_config(&cfg);
    cfg.max_pages = 3;
    create("budget", &cfg);
    cf_config_cleanup(&cfg);
    for (int i = 0; i < 10; i++)
        tlink_make(&t[i], i, 0, 0);
    CHECK_INT(push_links("budget", 10, t, 10, 1, is_new), 10);
    n = pop("budget", 10, 20, &ls, &info);
    CHECK_INT(n, 3);
    for (int i = 0; i < n; i++)
        total += (int)ack("budget", &ls[i], 30, "ok", NULL, 0);
    CHECK_INT(total, 3);
    cf_leases_free(ls, (size_t)(n > 0 ? n : 0));
    CHECK(state_is("budget", "done"));
    CHECK_INT(stat("budget", "queued"), 7);
    CHECK_SUM("budget");
    CHECK_INT(pop("budget", 10, 40, &ls, &info), 0);
    CHECK_STR(info.state, "done");

    base_config(&cfg);
    cfg.max_host_pages = 2;
    create("hcap", &cfg);
    cf_config_cleanup(&cfg);
    for (int i = 0; i < 5; i++)
        tlink_make(&t[i], 1, i, 0);
    tlink_make(&t[5], 2, 0, 0);
    CHECK_INT(push_links("hcap", 10, t, 6, 1, is_new), 3);
    CHECK_INT(stat("hcap", "host_capped"), 3);
    CHECK_INT(stat("hcap", "discovered"), 3);
    CHECK_SUM("hcap");
}

/* Delete every key of crawl name (as crawlfleet delete does). */
static void drop_crawl(const char *name)
{
    redisReply *r = redisCommand(rc, "KEYS cf:{%s}:*", name);

    for (size_t i = 0; r && r->type == REDIS_REPLY_ARRAY && i < r->elements;
         i++)
        freeReplyObject(redisCommand(rc, "DEL %s", r->element[i]->str));
    freeReplyObject(r);
}

/* The scripts keep a crawl's config across calls (config.lua): a crawl
 * deleted and created again under the same name, in the same
 * millisecond, with another config is read anew; so is one whose stats
 * have no cfgid (a crawl created by an older build). */
static void test_config_cache(void)
{
    struct cf_config cfg;
    struct tlink t[5];
    int is_new[5];
    struct cf_lease *ls = NULL;
    struct cf_pop_info info;

    for (int i = 0; i < 5; i++)
        tlink_make(&t[i], 7, i, 0);
    base_config(&cfg);
    create("cfgc", &cfg);
    CHECK_INT(push_links("cfgc", 10, t, 5, 1, is_new), 5);
    CHECK_INT(pop("cfgc", 5, 20, &ls, &info), 1);
    cf_leases_free(ls, 1);
    drop_crawl("cfgc");
    cfg.per_host_concurrency = 3;
    create("cfgc", &cfg);
    CHECK_INT(push_links("cfgc", 10, t, 5, 1, is_new), 5);
    CHECK_INT(pop("cfgc", 5, 20, &ls, &info), 3);
    cf_leases_free(ls, 3);
    /* the same config and millisecond again, but no cfgid: the config
     * hash itself is read (and here changed behind the scripts' back) */
    drop_crawl("cfgc");
    create("cfgc", &cfg);
    freeReplyObject(redisCommand(rc, "HDEL cf:{cfgc}:stats cfgid"));
    freeReplyObject(
        redisCommand(rc, "HSET cf:{cfgc}:config per_host_concurrency 2"));
    CHECK_INT(push_links("cfgc", 10, t, 5, 1, is_new), 5);
    CHECK_INT(pop("cfgc", 5, 20, &ls, &info), 2);
    cf_leases_free(ls, 2);
    cf_config_cleanup(&cfg);
    CHECK_SUM("cfgc");
}

/* The due checks (lease.lua) are skipped while nothing can be due
 * (state.lua, "due"): a pop's check with nothing waiting allows skipping
 * for up to 100 ms, so anything written to sched, delayed or leases due
 * sooner must bring the next check forward (due_at): a lease's, an ack's,
 * a failure's and a short lease's write each fail a step below without
 * it. */
static void test_due_checks(void)
{
    struct cf_config cfg;
    struct tlink t[4];
    int is_new[4];
    struct cf_lease *ls = NULL, *ls2 = NULL;
    struct cf_pop_info info;
    char out[32];
    int n;

    for (int i = 0; i < 4; i++)
        tlink_make(&t[i], 9, i, 0);
    base_config(&cfg);
    cfg.delay_ms = 30;
    cfg.per_host_concurrency = 2;
    cfg.backoff_ms = 10;
    cfg.backoff_max_ms = 10;
    create("due", &cfg);
    cf_config_cleanup(&cfg);
    CHECK_INT(push_links("due", 10, t, 4, 1, is_new), 4);
    /* the lease puts the host in sched at 1030 (a free slot left) */
    n = pop("due", 1, 1000, &ls, &info);
    CHECK_INT(n, 1);
    CHECK_INT(pop("due", 1, 1040, &ls2, &info), 1);
    cf_leases_free(ls2, 1);
    /* both slots taken: nothing due, the next check may wait 100 ms */
    CHECK_INT(pop("due", 1, 1042, &ls2, &info), 0);
    /* an ack puts the host in sched at its next allowed time */
    if (n == 1)
        CHECK_INT(ack("due", &ls[0], 1045, "ok", NULL, 0), 1);
    cf_leases_free(ls, (size_t)(n > 0 ? n : 0));
    n = pop("due", 1, 1080, &ls, &info);
    CHECK_INT(n, 1);
    CHECK_INT(pop("due", 1, 1085, &ls2, &info), 0);
    /* a failure puts the request in delayed, due 10 ms later */
    if (n == 1)
        CHECK_STR(fail("due", &ls[0], 1120, -1, out, sizeof(out)), "retry");
    cf_leases_free(ls, (size_t)(n > 0 ? n : 0));
    CHECK_INT(pop("due", 2, 1160, &ls, &info), 1);
    if (ls)
        CHECK_INT(ls[0].attempts, 1);
    cf_leases_free(ls, 1);
    CHECK_SUM("due");

    /* a lease shorter than the skip: its expiry brings the check forward */
    base_config(&cfg);
    cfg.lease_ms = 20;
    create("due2", &cfg);
    cf_config_cleanup(&cfg);
    CHECK_INT(push_links("due2", 10, t, 1, 1, is_new), 1);
    n = pop("due2", 1, 1000, &ls, &info);
    CHECK_INT(n, 1);
    cf_leases_free(ls, (size_t)(n > 0 ? n : 0));
    n = pop("due2", 1, 1030, &ls, &info);
    CHECK_INT(n, 1);
    if (n == 1)
        CHECK_INT(ls[0].attempts, 1);
    cf_leases_free(ls, (size_t)(n > 0 ? n : 0));
    CHECK_SUM("due2");
}

static void test_robots(void)
{
    struct cf_config cfg;
    struct tlink t[3];
    int is_new[3];
    struct cf_lease *ls = NULL, *ls2 = NULL;
    struct cf_pop_info info;
    redisReply *r;
    int n, n2;

    base_config(&cfg);
    cfg.obey_robots = 1;
    cfg.lease_ms = 1000;
    cfg.max_crawl_delay_ms = 4000;
    create("rob", &cfg);
    cf_config_cleanup(&cfg);
    tlink_make(&t[0], 1, 0, 0);
    tlink_make(&t[1], 1, 1, 0);
    tlink_make(&t[2], 2, 0, 0);
    CHECK_INT(push_links("rob", 10, t, 2, 1, is_new), 2);
    n = pop("rob", 5, 100, &ls, &info);
    CHECK_INT(n, 1);
    if (n != 1)
        return;
    CHECK_INT(ls[0].kind, CF_LEASE_ROBOTS);
    CHECK(ls[0].fp == 0 && ls[0].rec == NULL);
    CHECK_STR(ls[0].hostkey, t[0].hk);
    CHECK_INT(stat("rob", "inflight"), 0);
    /* the host waits for its robots */
    CHECK_INT(pop("rob", 5, 100, &ls2, &info), 0);
    CHECK_INT(info.wait_ms, -1);
    cf_frontier_robots_cmd(&cmd, "rob", t[0].hk, ls[0].token + 99, 200, 200,
                           "x", 1, -1);
    CHECK_INT(call_int(), 0);
    /* Crawl-delay 9 s is capped at 4 s */
    cf_frontier_robots_cmd(&cmd, "rob", t[0].hk, ls[0].token, 200, 200,
                           "User-agent: *\nCrawl-delay: 9\n", 29, 9000);
    CHECK_INT(call_int(), 1);
    CHECK_INT(stat("rob", "robots_fetched"), 1);
    r = redisCommand(rc, "HGET cf:{rob}:robots %s", t[0].hk);
    CHECK(r && r->type == REDIS_REPLY_STRING && r->len == 29);
    freeReplyObject(r);
    CHECK_INT(pop("rob", 5, 300, &ls2, &info), 0);
    CHECK_INT(info.wait_ms, 3900);
    n2 = pop("rob", 5, 4200, &ls2, &info);
    CHECK_INT(n2, 1);
    CHECK(n2 == 1 && ls2[0].kind == CF_LEASE_PAGE);
    cf_leases_free(ls2, (size_t)(n2 > 0 ? n2 : 0));
    cf_leases_free(ls, 1);

    /* A robots lease that expires releases the host for another try. */
    CHECK_INT(push_links("rob", 5000, t + 2, 1, 1, is_new), 1);
    n = pop("rob", 1, 5000, &ls, &info);
    CHECK(n == 1 && ls[0].kind == CF_LEASE_ROBOTS);
    n2 = pop("rob", 1, 6001, &ls2, &info);
    CHECK(n2 == 1 && ls2[0].kind == CF_LEASE_ROBOTS &&
          ls2[0].token != ls[0].token);
    if (n == 1 && n2 == 1) {
        cf_frontier_robots_cmd(&cmd, "rob", t[2].hk, ls[0].token, 6002, 404,
                               "", 0, -1);
        CHECK_INT(call_int(), 0);
        cf_frontier_robots_cmd(&cmd, "rob", t[2].hk, ls2[0].token, 6002, 404,
                               "", 0, -1);
        CHECK_INT(call_int(), 1);
    }
    cf_leases_free(ls, (size_t)(n > 0 ? n : 0));
    cf_leases_free(ls2, (size_t)(n2 > 0 ? n2 : 0));
    CHECK_SUM("rob");
}

static void test_retry_dead_breaker(void)
{
    struct cf_config cfg;
    struct tlink t[3];
    int is_new[3];
    struct cf_lease *ls = NULL;
    struct cf_pop_info info;
    char s[16];
    redisReply *r;
    int n;

    base_config(&cfg);
    cfg.max_attempts = 3;
    cfg.backoff_ms = 1000;
    cfg.backoff_max_ms = 1500;
    cfg.breaker_failures = 0;
    create("retry", &cfg);
    cf_config_cleanup(&cfg);
    tlink_make(&t[0], 1, 0, 0);
    CHECK_INT(push_links("retry", 10, t, 1, 1, is_new), 1);
    int64_t now = 100, waits[2] = {1000, 1500};
    for (int round = 0; round < 3; round++) {
        n = pop("retry", 1, now, &ls, &info);
        CHECK_INT(n, 1);
        if (n != 1)
            return;
        CHECK_INT(ls[0].attempts, round);
        fail("retry", &ls[0], now, -1, s, sizeof(s));
        CHECK_STR(s, round < 2 ? "retry" : "dead");
        CHECK_SUM("retry");
        cf_leases_free(ls, 1);
        if (round == 2)
            break;
        CHECK_INT(pop("retry", 1, now, &ls, &info), 0);
        CHECK_INT(info.wait_ms, waits[round]);
        CHECK_INT(pop("retry", 1, now + waits[round] - 1, &ls, &info), 0);
        now += waits[round];
    }
    CHECK_INT(stat("retry", "retries"), 2);
    CHECK_INT(stat("retry", "dead"), 1);
    CHECK_INT(stat("retry", "err_timeout"), 1);
    CHECK(state_is("retry", "done"));
    r = redisCommand(rc, "LLEN cf:{retry}:dead");
    CHECK(r && r->integer == 1);
    freeReplyObject(r);
    /* the last attempt's result is the URL's final one, in the stream */
    r = redisCommand(rc, "XRANGE cf:{retry}:results - +");
    CHECK(r && r->type == REDIS_REPLY_ARRAY && r->elements == 1 &&
          strcmp(r->element[0]->element[1]->element[1]->str, "F") == 0);
    freeReplyObject(r);
    cf_frontier_control_cmd(&cmd, "retry", "requeue-dead", now + 1);
    freeReplyObject(call());
    CHECK(state_is("retry", "running"));
    CHECK_INT(stat("retry", "dead"), 0);
    CHECK_INT(stat("retry", "queued"), 1);
    n = pop("retry", 1, now + 2, &ls, &info);
    CHECK(n == 1 && ls[0].attempts == 0);
    if (n == 1) {
        /* Retry-After wins over a shorter backoff */
        fail("retry", &ls[0], now + 3, 1400, s, sizeof(s));
        CHECK_STR(s, "retry");
        cf_leases_free(ls, 1);
        ls = NULL;
        CHECK_INT(pop("retry", 1, now + 3, &ls, &info), 0);
        CHECK_INT(info.wait_ms, 1400);
    }
    CHECK_SUM("retry");

    /* Breaker: 2 failures hold the host 10 s even after the backoff. */
    base_config(&cfg);
    cfg.max_attempts = 10;
    cfg.backoff_ms = 10;
    cfg.breaker_failures = 2;
    cfg.breaker_ms = 10000;
    create("brk", &cfg);
    cf_config_cleanup(&cfg);
    tlink_make(&t[0], 1, 0, 0);
    tlink_make(&t[1], 1, 1, 0);
    CHECK_INT(push_links("brk", 10, t, 2, 1, is_new), 2);
    for (int i = 0; i < 2; i++) {
        n = pop("brk", 1, 100 + i, &ls, &info);
        CHECK_INT(n, 1);
        if (n == 1)
            fail("brk", &ls[0], 100 + i, -1, s, sizeof(s));
        cf_leases_free(ls, (size_t)(n > 0 ? n : 0));
    }
    CHECK_INT(stat("brk", "breaker_trips"), 1);
    CHECK_INT(pop("brk", 1, 5000, &ls, &info), 0);
    CHECK_INT(info.wait_ms, 10101 - 5000);
    n = pop("brk", 1, 10101, &ls, &info);
    CHECK_INT(n, 1);
    cf_leases_free(ls, (size_t)(n > 0 ? n : 0));
}

/* A lease that expires max_attempts times dies with a result made by the
 * script: the request's URL, depth and fingerprint, outcome timeout,
 * attempts, the dead flag. url NULL: the test link's own (its queue entry
 * keeps the record whole, docs/keys.md); else url (compact). */
static void reap_dead_result(const char *crawl, const char *url,
                             uint32_t depth)
{
    struct cf_config cfg;
    struct tlink t[1];
    struct cf_request req = {0};
    struct cf_result res;
    struct cf_buf enc;
    struct cf_lease *ls = NULL;
    struct cf_pop_info info;
    int is_new[1], n;
    redisReply *r;

    base_config(&cfg);
    cfg.lease_ms = 1000;
    cfg.max_attempts = 1;
    create(crawl, &cfg);
    cf_config_cleanup(&cfg);
    tlink_make(&t[0], 1, 0, 0);
    if (url)
        snprintf(t[0].url, sizeof(t[0].url), "%s", url);
    req.url = t[0].url;
    req.depth = depth;
    cf_buf_init(&enc, 4096);
    cf_request_encode(&req, &enc);
    t[0].l.rec = enc.data;
    t[0].l.rec_len = enc.len;
    CHECK_INT(push_links(crawl, 10, t, 1, 1, is_new), 1);
    n = pop(crawl, 1, 100, &ls, &info);
    CHECK_INT(n, 1);
    cf_leases_free(ls, (size_t)(n > 0 ? n : 0));
    cf_frontier_reap_cmd(&cmd, crawl, 1100, 10);
    CHECK_INT(call_int(), 1);
    CHECK_INT(stat(crawl, "dead"), 1);
    CHECK_SUM(crawl);
    r = redisCommand(rc, "XRANGE cf:{%s}:results - +", crawl);
    CHECK(r && r->type == REDIS_REPLY_ARRAY && r->elements == 1);
    if (r && r->type == REDIS_REPLY_ARRAY && r->elements == 1) {
        redisReply *v = r->element[0]->element[1]->element[1];

        CHECK_INT(cf_result_decode(v->str, v->len, &res, errstr), 0);
        CHECK_STR(res.url ? res.url : "", t[0].url);
        CHECK(res.fp == t[0].l.fp);
        CHECK_INT(res.depth, depth);
        CHECK_STR(res.error_type ? res.error_type : "", "timeout");
        CHECK_INT(res.attempts, 1);
        CHECK_INT(res.flags, CF_RES_DEAD);
        CHECK(res.done_ms == 1100);
        cf_result_cleanup(&res);
    }
    freeReplyObject(r);
    cf_buf_cleanup(&enc);
}

static void test_reap_dead_result(void)
{
    reap_dead_result("rdead", NULL, 2);
    reap_dead_result("rdead2", "http://h1.test/a/b?c=d", 2);
    reap_dead_result("rdead3", "http://h1.test/deep", 200);
}

static void test_completion_reopen(void)
{
    struct cf_config cfg;
    struct tlink t[2];
    int is_new[2];
    struct cf_lease *ls = NULL;
    struct cf_pop_info info;
    int n;

    base_config(&cfg);
    create("fin", &cfg);
    cf_config_cleanup(&cfg);
    tlink_make(&t[0], 1, 0, 0);
    tlink_make(&t[1], 1, 1, 0);
    CHECK_INT(push_links("fin", 10, t, 1, 1, is_new), 1);
    n = pop("fin", 1, 20, &ls, &info);
    CHECK_INT(n, 1);
    if (n == 1)
        CHECK_INT(ack("fin", &ls[0], 30, "ok", NULL, 0), 1);
    cf_leases_free(ls, (size_t)(n > 0 ? n : 0));
    CHECK(state_is("fin", "done"));
    CHECK_INT(stat("fin", "ended_ms"), 30);
    CHECK_INT(push_links("fin", 40, t + 1, 1, 0, is_new), 0);
    CHECK_INT(push_links("fin", 40, t + 1, 1, 1, is_new), 1);
    CHECK(state_is("fin", "running"));
    CHECK_INT(stat("fin", "ended_ms"), 0);
    CHECK_SUM("fin");
}

/* C's view of the linear-hashing bucket, to check Lua's exact modulo. */
/* Seen bucket b's key suffix (docs/keys.md): b in binary, width digits.
 * Buckets below split (and their new halves from 2^level up) have
 * level + 1 digits, the others level. */
static const char *bucket_name(char *out, uint64_t b, int level,
                               uint64_t split)
{
    int width = b < split || b >> level ? level + 1 : level;

    for (int k = 0; k < width; k++)
        out[k] = (char)('0' + ((b >> (width - 1 - k)) & 1));
    out[width] = '\0';
    return out;
}

static uint64_t bucket_of(uint64_t fp, int level, uint64_t split)
{
    uint64_t b = fp & ((UINT64_C(1) << level) - 1);

    if (b < split)
        b = fp & ((UINT64_C(1) << (level + 1)) - 1);
    return b;
}

static void test_dedup(void)
{
    enum { N = 30000, BATCH = 500 };
    struct cf_config cfg;
    struct cf_link *ls = calloc(BATCH, sizeof(*ls));
    uint64_t *fps = calloc(N, sizeof(*fps));
    int *is_new = calloc(BATCH, sizeof(*is_new));
    uint64_t x = 88172645463325252ULL;
    long long total = 0, members = 0, misplaced = 0, notint = 0;
    long long misplaced_api = 0;
    char key[CF_KEY_MAX];
    int level, pass;
    uint64_t split;
    redisReply *r;

    base_config(&cfg);
    create("dd", &cfg);
    cf_config_cleanup(&cfg);
    for (int i = 0; i < N; i++) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        /* small and huge values: every digit count */
        fps[i] = (x & INT64_MAX) >> (i % 7 == 0 ? i % 60 : 0);
    }
    for (pass = 0; pass < 2; pass++) {
        for (int i = 0; i < N; i += BATCH) {
            for (int j = 0; j < BATCH; j++) {
                ls[j].fp = fps[i + j];
                ls[j].hostkey = "http://d.test:80";
                ls[j].rec = "r";
                ls[j].rec_len = 1;
            }
            cf_frontier_push_cmd(&cmd, "dd", 10, ls, BATCH, 1);
            r = call();
            if (r && cf_frontier_push_parse(r, BATCH, is_new, errstr) == 0)
                for (int j = 0; j < BATCH; j++)
                    total += is_new[j];
            else
                CHECKF(0, "push: %s", errstr);
            freeReplyObject(r);
        }
    }
    /* xorshift values are distinct except for the shifted ones */
    r = redisCommand(rc, "HMGET cf:{dd}:frontier L s n");
    CHECK(r && r->elements == 3);
    level = atoi(r->element[0]->str);
    split = strtoull(r->element[1]->str, NULL, 10);
    CHECK_INT(atoll(r->element[2]->str), total);
    freeReplyObject(r);
    CHECK_INT(stat("dd", "discovered"), total);
    CHECK_INT(stat("dd", "dup_links"), 2LL * N - total);
    CHECK(level >= 7); /* 30000 / 192 buckets: splits happened */
    for (uint64_t b = 0; b < (UINT64_C(1) << level) + split; b++) {
        char name[64];

        bucket_name(name, b, level, split);
        r = redisCommand(rc, "SCARD cf:{dd}:seen:%s", name);
        members += r ? r->integer : 0;
        freeReplyObject(r);
        r = redisCommand(rc, "OBJECT ENCODING cf:{dd}:seen:%s", name);
        notint += !(r && r->type == REDIS_REPLY_STRING &&
                    strcmp(r->str, "intset") == 0);
        freeReplyObject(r);
    }
    CHECK_INT(members, total);
    CHECK_INT(notint, 0);
    for (int i = 0; i < N; i += 7) {
        char name[64];

        bucket_name(name, bucket_of(fps[i], level, split), level, split);
        r = redisCommand(rc, "SISMEMBER cf:{dd}:seen:%s %llu", name,
                         (unsigned long long)fps[i]);
        misplaced += !(r && r->integer == 1);
        freeReplyObject(r);
        /* the key a caller computes for its look-ups before an ack */
        cf_frontier_seen_key(key, "dd", fps[i], level, (int64_t)split);
        r = redisCommand(rc, "SISMEMBER %s %llu", key,
                         (unsigned long long)fps[i]);
        misplaced_api += !(r && r->integer == 1);
        freeReplyObject(r);
    }
    CHECK_INT(misplaced, 0);
    CHECK_INT(misplaced_api, 0);
    CHECK_INT(cf_frontier_seen_key(key, "dd", 12, -1, 0), -1);
    free(ls);
    free(fps);
    free(is_new);
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

    return x < y ? -1 : x > y;
}

/* Dedup count cross-checked against a sort in C. */
static void test_dedup_exact(void)
{
    enum { N = 4000 };
    struct cf_config cfg;
    struct tlink *t = calloc(N, sizeof(*t));
    uint64_t *fps = calloc(N, sizeof(*fps));
    int *is_new = calloc(N, sizeof(*is_new));
    long long distinct = 0;

    base_config(&cfg);
    create("dx", &cfg);
    cf_config_cleanup(&cfg);
    srand(7);
    for (int i = 0; i < N; i++) {
        tlink_make(&t[i], rand() % 5, rand() % 3000, 0);
        fps[i] = t[i].l.fp;
    }
    qsort(fps, N, sizeof(*fps), cmp_u64);
    for (int i = 0; i < N; i++)
        distinct += i == 0 || fps[i] != fps[i - 1];
    CHECK_INT(push_links("dx", 10, t, N, 0, is_new), distinct);
    CHECK_INT(stat("dx", "queued"), distinct);
    free(t);
    free(fps);
    free(is_new);
}

/* Delay D, concurrency 1, several connections driven by one simulated
 * clock: no host is handed out twice within D, never two at once. */
/* A host's delay counts from its fetch's start when the ack gives one
 * later than the pop: a lease that waited in a worker does not shorten
 * the gap to the host's next fetch. */
static void test_delay_from_fetch_start(void)
{
    struct cf_config cfg;
    struct tlink t[2];
    struct cf_lease *ls = NULL;
    struct cf_pop_info info;
    struct cf_ack a = {0};
    int is_new[2], n;

    base_config(&cfg);
    cfg.delay_ms = 200;
    create("dfs", &cfg);
    cf_config_cleanup(&cfg);
    tlink_make(&t[0], 1, 0, 0);
    tlink_make(&t[1], 1, 1, 0);
    CHECK_INT(push_links("dfs", 10, t, 2, 1, is_new), 2);
    n = pop("dfs", 1, 1000, &ls, &info);
    CHECK_INT(n, 1);
    if (n != 1) {
        cf_leases_free(ls, (size_t)(n > 0 ? n : 0));
        return;
    }
    /* the fetch started 150 ms after the pop, ended at 1160 */
    a.fp = ls[0].fp;
    a.token = ls[0].token;
    a.hostkey = ls[0].hostkey;
    a.now_ms = 1160;
    a.started_ms = 1150;
    a.result = "R";
    a.result_len = 1;
    a.outcome = "ok";
    a.status = 200;
    cf_frontier_ack_cmd(&cmd, "dfs", &a);
    CHECK_INT(call_ack(), 1);
    cf_leases_free(ls, 1);
    ls = NULL;
    /* 1200 = pop + delay, but only 50 ms after the fetch start */
    CHECK_INT(pop("dfs", 1, 1300, &ls, &info), 0);
    CHECK_INT(info.wait_ms, 50);
    n = pop("dfs", 1, 1350, &ls, &info);
    CHECK_INT(n, 1);
    cf_leases_free(ls, (size_t)(n > 0 ? n : 0));
}

static void test_politeness(void)
{
    enum { HOSTS = 12, PAGES = 8, CONNS = 4, D = 100, MAXL = 64 };
    struct cf_config cfg;
    struct tlink t[HOSTS * PAGES];
    int is_new[HOSTS * PAGES];
    redisContext *conns[CONNS];
    struct cf_lease held[MAXL];
    int64_t last[HOSTS], now = 1000;
    int busy[HOSTS] = {0}, nheld = 0, done = 0, violations = 0, over = 0;
    redisContext *saved = rc;

    base_config(&cfg);
    cfg.delay_ms = D;
    create("pol", &cfg);
    cf_config_cleanup(&cfg);
    for (int i = 0; i < HOSTS * PAGES; i++)
        tlink_make(&t[i], i % HOSTS, i, rand() % 3);
    CHECK_INT(push_links("pol", 10, t, HOSTS * PAGES, 1, is_new),
              HOSTS * PAGES);
    for (int i = 0; i < HOSTS; i++)
        last[i] = -1000000;
    for (int c = 0; c < CONNS; c++)
        conns[c] = testredis_connect(&tr, c % 2);
    srand(11);
    for (int step = 0; step < 5000 && done < HOSTS * PAGES; step++) {
        rc = conns[rand() % CONNS];
        now += rand() % 30;
        if (nheld > 0 && rand() % 2) {
            int k = rand() % nheld;
            int h = atoi(held[k].hostkey + strlen("http://h"));

            CHECK_INT(ack("pol", &held[k], now, "ok", NULL, 0), 1);
            busy[h]--;
            done++;
            cf_lease_cleanup(&held[k]);
            held[k] = held[--nheld];
        } else {
            struct cf_lease *ls = NULL;
            struct cf_pop_info info;
            int n = pop("pol", 1 + rand() % 4, now, &ls, &info);

            for (int i = 0; i < n; i++) {
                int h = atoi(ls[i].hostkey + strlen("http://h"));

                violations += now - last[h] < D;
                last[h] = now;
                over += ++busy[h] > 1;
                if (nheld < MAXL)
                    held[nheld++] = ls[i];
            }
            free(ls);
        }
    }
    rc = saved;
    CHECK_INT(violations, 0);
    CHECK_INT(over, 0);
    CHECK_INT(done, HOSTS * PAGES);
    CHECK(state_is("pol", "done"));
    CHECK_SUM("pol");
    for (int i = 0; i < nheld; i++)
        cf_lease_cleanup(&held[i]);
    for (int c = 0; c < CONNS; c++)
        redisFree(conns[c]);
}

/* Several pages in one ack call: each is judged on its own (a lease
 * acked twice in one batch, a wrong token), links of all of them are
 * pushed, and a host's slots come back in one go. */
static void test_ack_batch(void)
{
    struct cf_config cfg;
    struct tlink seed[3], out[4];
    struct cf_lease *ls = NULL;
    struct cf_pop_info info;
    struct cf_ack a[4];
    int is_new[3], acc[4] = {-1, -1, -1, -1}, n;
    redisReply *r;

    base_config(&cfg);
    cfg.per_host_concurrency = 3;
    create("ab", &cfg);
    cf_config_cleanup(&cfg);
    for (int i = 0; i < 3; i++)
        tlink_make(&seed[i], 1, i, 0);
    CHECK_INT(push_links("ab", 10, seed, 3, 1, is_new), 3);
    n = pop("ab", 3, 20, &ls, &info);
    CHECK_INT(n, 3);
    CHECK_INT(info.seen_level, 0); /* 3 fingerprints: one bucket */
    CHECK_INT(info.seen_split, 0);
    if (n != 3) {
        cf_leases_free(ls, (size_t)(n > 0 ? n : 0));
        return;
    }
    /* two links on a new host per page, one of them on every page */
    for (int i = 0; i < 4; i++)
        tlink_make(&out[i], 2, i, 1);
    memset(a, 0, sizeof(a));
    for (int i = 0; i < 4; i++) {
        const struct cf_lease *l = &ls[i < 2 ? i : i == 2 ? 0 : 2];

        a[i].fp = l->fp;
        a[i].token = l->token + (i == 3); /* page 3: a wrong token */
        a[i].hostkey = l->hostkey;
        a[i].now_ms = 30;
        a[i].result = "R";
        a[i].result_len = 1;
        a[i].outcome = "ok";
        a[i].status = 200;
        a[i].links = &out[i].l;
        a[i].nlinks = 1;
        /* distinct per counter, so a swapped argument shows */
        a[i].out_of_scope = 1;
        a[i].too_deep = 10;
        a[i].skipped_ext = 100;
        a[i].robots_denied = 0;
        a[i].noindex = i == 0;  /* accepted */
        a[i].nofollow = i <= 2; /* accepted twice, stale once */
    }
    {
        struct cf_link two[2] = {out[0].l, out[3].l};

        a[0].links = two;
        a[0].nlinks = 2;
        cf_frontier_ack_cmd(&cmd, "ab", &a[0]);
        for (int i = 1; i < 4; i++)
            cf_frontier_ack_add(&cmd, &a[i]);
        r = call();
    }
    CHECK(r && cf_frontier_ack_parse(r, 4, acc, errstr) == CF_OK);
    freeReplyObject(r);
    CHECK_INT(acc[0], 1);
    CHECK_INT(acc[1], 1);
    CHECK_INT(acc[2], 0); /* the same lease again */
    CHECK_INT(acc[3], 0); /* token mismatch */
    CHECK_INT(stat("ab", "done"), 2);
    CHECK_INT(stat("ab", "stale_acks"), 2);
    CHECK_INT(stat("ab", "inflight"), 1);
    /* the link counters of the two accepted pages, each in its field */
    CHECK_INT(stat("ab", "out_of_scope"), 2);
    CHECK_INT(stat("ab", "too_deep"), 20);
    CHECK_INT(stat("ab", "skipped_ext"), 200);
    /* the robots bits of the accepted pages */
    CHECK_INT(stat("ab", "noindex"), 1);
    CHECK_INT(stat("ab", "nofollow"), 2);
    CHECK_INT(stat("ab", "robots_denied"), 0);
    /* links of the two accepted pages only: p0, p3 (page 0), p1 */
    CHECK_INT(stat("ab", "discovered"), 6);
    CHECK_INT(stat("ab", "queued"), 3);
    r = redisCommand(rc, "HGET cf:{ab}:h:%s i", ls[0].hostkey);
    CHECK(r && r->type == REDIS_REPLY_STRING && atoi(r->str) == 1);
    freeReplyObject(r);
    r = redisCommand(rc, "XLEN cf:{ab}:results");
    CHECK(r && r->type == REDIS_REPLY_INTEGER && r->integer == 2);
    freeReplyObject(r);
    /* the third lease, properly */
    a[3].token = ls[2].token;
    cf_frontier_ack_cmd(&cmd, "ab", &a[3]);
    CHECK_INT(call_ack(), 1);
    CHECK_INT(stat("ab", "done"), 3);
    CHECK_INT(stat("ab", "inflight"), 0);
    CHECK_INT(stat("ab", "discovered"), 6); /* p3 was known */
    CHECK_INT(stat("ab", "dup_links"), 1);
    cf_leases_free(ls, 3);
}

/* An ack that asks for its worker's next leases (cf_frontier_ack_pop):
 * they come after the batch's links and freed slots, in the same call. */
static int ack_pop(const char *crawl, const struct cf_lease *l, int64_t now,
                   struct tlink *links, size_t n, int want, int *accepted,
                   struct cf_lease **out, struct cf_pop_info *info)
{
    struct cf_link ls[4];
    struct cf_ack a = {0};
    redisReply *r;
    size_t got = 0;
    int rv = -1;

    for (size_t i = 0; i < n && i < 4; i++)
        ls[i] = links[i].l;
    a.fp = l->fp;
    a.token = l->token;
    a.hostkey = l->hostkey;
    a.now_ms = now;
    a.result = "R";
    a.result_len = 1;
    a.outcome = "ok";
    a.status = 200;
    a.links = ls;
    a.nlinks = n;
    cf_frontier_ack_cmd(&cmd, crawl, &a);
    cf_frontier_ack_pop(&cmd, "w1", want, now + 1);
    r = call();
    *accepted = -1;
    if (r && cf_frontier_ack_parse(r, 1, accepted, errstr) == CF_OK &&
        cf_frontier_pop_parse(cf_frontier_ack_popped(r, 1), out, &got, info,
                              errstr) == CF_OK)
        rv = (int)got;
    freeReplyObject(r);
    return rv;
}

static void test_ack_pop(void)
{
    struct cf_config cfg;
    struct tlink seed, out[2];
    struct cf_lease *ls = NULL, *next = NULL, *none = NULL;
    struct cf_pop_info info;
    int is_new, acc, n;

    base_config(&cfg); /* one fetch per host at a time */
    create("ap", &cfg);
    cf_config_cleanup(&cfg);
    tlink_make(&seed, 1, 0, 0);
    tlink_make(&out[0], 1, 1, 1);
    tlink_make(&out[1], 1, 2, 1);
    CHECK_INT(push_links("ap", 10, &seed, 1, 1, &is_new), 1);
    CHECK_INT(pop("ap", 1, 20, &ls, &info), 1);
    if (!ls)
        return;
    /* the host's one slot is freed and its first new link leased */
    n = ack_pop("ap", &ls[0], 30, out, 2, 5, &acc, &next, &info);
    CHECK_INT(acc, 1);
    CHECK_INT(n, 1);
    CHECK_STR(info.state, "running");
    CHECK_INT(info.wait_ms, 0);
    CHECK(n == 1 && next[0].fp == out[0].l.fp);
    CHECK_INT(stat("ap", "done"), 1);
    CHECK_INT(stat("ap", "inflight"), 1);
    CHECK_INT(stat("ap", "queued"), 1);
    /* the same page again: stale, and nothing free to lease (the lease
     * out may bring links: -2) */
    n = ack_pop("ap", &ls[0], 40, NULL, 0, 5, &acc, &none, &info);
    CHECK_INT(acc, 0);
    CHECK_INT(n, 0);
    CHECK_INT(info.wait_ms, CF_POP_WAIT_LEASED);
    CHECK_INT(stat("ap", "stale_acks"), 1);
    CHECK_INT(stat("ap", "inflight"), 1);
    /* paused: the ack counts, no lease comes with it */
    cf_frontier_control_cmd(&cmd, "ap", "pause", 50);
    freeReplyObject(call());
    if (n == 0 && next) {
        n = ack_pop("ap", &next[0], 60, NULL, 0, 5, &acc, &none, &info);
        CHECK_INT(acc, 1);
        CHECK_INT(n, 0);
        CHECK_STR(info.state, "paused");
        CHECK_INT(info.seen_level, -1);
        CHECK_INT(stat("ap", "done"), 2);
        CHECK_INT(stat("ap", "inflight"), 0);
        CHECK_INT(stat("ap", "queued"), 1);
    }
    /* resumed: the last page, its ack sent again without its pop (as a
     * worker's client does after a drop: cf_cmd_drop) */
    cf_frontier_control_cmd(&cmd, "ap", "resume", 70);
    freeReplyObject(call());
    CHECK_INT(pop("ap", 1, 80, &none, &info), 1);
    if (none) {
        struct cf_ack a = {0};
        const char **argv;
        const size_t *lens;
        redisReply *r;
        int argc;

        a.fp = none[0].fp;
        a.token = none[0].token;
        a.hostkey = none[0].hostkey;
        a.now_ms = 90;
        a.result = "R";
        a.result_len = 1;
        a.outcome = "ok";
        cf_frontier_ack_cmd(&cmd, "ap", &a);
        argc = cf_cmd_argv(&cmd, &argv, &lens);
        cf_frontier_ack_pop(&cmd, "w1", 5, 90);
        cf_cmd_drop(&cmd, CF_ACK_POP_ARGS);
        CHECK_INT(cf_cmd_argv(&cmd, &argv, &lens), argc);
        /* the page's last argument: its link count, 0 */
        CHECK(lens[argc - 1] == 1 && argv[argc - 1][0] == '0');
        r = call();
        CHECK(r && r->type == REDIS_REPLY_ARRAY && r->elements == 1);
        CHECK(r && cf_frontier_ack_parse(r, 1, &acc, errstr) == CF_OK &&
              acc == 1);
        CHECK(cf_frontier_ack_popped(r, 1) == NULL);
        freeReplyObject(r);
        CHECK_INT(stat("ap", "done"), 3);
        CHECK(state_is("ap", "done"));
        CHECK_SUM("ap");
        cf_leases_free(none, 1);
    }
    cf_leases_free(next, next ? 1 : 0);
    cf_leases_free(ls, 1);
}

static void run_cases(void)
{
    test_create_and_unknown();
    test_malformed();
    test_priority_fifo();
    test_no_head_of_line();
    test_leases_stale_double();
    test_ack_batch();
    test_ack_pop();
    test_control();
    test_budget_and_host_cap();
    test_config_cache();
    test_due_checks();
    test_robots();
    test_retry_dead_breaker();
    test_reap_dead_result();
    test_completion_reopen();
    test_dedup();
    test_dedup_exact();
    test_politeness();
    test_delay_from_fetch_start();
    test_library_load_and_restart();
    test_library_versions();
}

int main(void)
{
    if (testredis_start(&tr, NULL) != 0)
        return 1;
    rc = testredis_connect(&tr, 0);
    if (!rc)
        return 1;
    cf_cmd_init(&cmd);
    run_cases();
    cf_cmd_cleanup(&cmd);
    redisFree(rc);
    testredis_stop(&tr);
    return test_summary("test_frontier");
}

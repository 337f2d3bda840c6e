/* test_gexport.c - the group exporter's acknowledgement against a real
 * redis-server: results written and still pending on this consumer are
 * acknowledged in one call; if another consumer took some over before
 * that, nothing is acknowledged, the output is cut back to the last
 * checkpoint and the consumer's own pending entries are read again. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../unit/test.h"
#include "buf.h"
#include "err.h"
#include "gexport.h"
#include "keys.h"
#include "record.h"
#include "testredis.h"

static struct testredis tr;
static redisContext *rc;
static char errstr[CF_ERRSTR_LEN];

static long long num(const char *fmt, const char *a, const char *b)
{
    redisReply *r = redisCommand(rc, fmt, a, b);
    long long v = r && r->type == REDIS_REPLY_INTEGER ? r->integer : -1;

    freeReplyObject(r);
    return v;
}

/* n results of pages http://a.test/<i>. */
static void add_results(const char *key, int n)
{
    for (int i = 0; i < n; i++) {
        struct cf_result res = {0};
        struct cf_buf b;
        char url[64];
        redisReply *r;

        snprintf(url, sizeof(url), "http://a.test/%d", i);
        res.url = url;
        res.error_type = (char *)"ok";
        res.status = 200;
        cf_buf_init(&b, 4096);
        CHECK_INT(cf_result_encode(&res, &b), 0);
        r = redisCommand(rc, "XADD %s * r %b", key, b.data, b.len);
        CHECK(r && r->type == REDIS_REPLY_STRING);
        freeReplyObject(r);
        cf_buf_cleanup(&b);
    }
}

/* Every entry read and written by g, and still ours: acknowledged. */
static void test_ack_all(void)
{
    struct gexport g;
    FILE *out = tmpfile();
    long got = 0;
    char key[CF_KEY_MAX];

    cf_key(key, "ga", "results");
    add_results(key, 1500);
    CHECK_INT(gexport_open(&g, rc, "ga", "grp", "me", out, NULL,
                           EXPORT_JSONL, errstr), 0);
    CHECK_INT(gexport_step(&g, rc, 0, &got, errstr), 0);
    CHECK_INT(got, 1000);
    CHECK_INT(gexport_step(&g, rc, 0, &got, errstr), 0);
    CHECK_INT(got, 500);
    CHECK_INT(gexport_sync(&g, rc, errstr), 0);
    CHECK_INT(g.lost, 0);
    CHECK_INT(g.written, 1500);
    CHECK_INT(gexport_group_pending(&g, rc, errstr), 0);
    gexport_cleanup(&g);
    fclose(out);
}

/* Some taken over by another consumer before the sync: none is
 * acknowledged, and the rest come again. */
static void test_taken_over(void)
{
    struct gexport g;
    FILE *out = tmpfile();
    long got = 0;
    char key[CF_KEY_MAX], first[64] = "", last[64] = "";
    redisReply *r;

    cf_key(key, "gb", "results");
    add_results(key, 300);
    CHECK_INT(gexport_open(&g, rc, "gb", "grp", "me", out, NULL,
                           EXPORT_JSONL, errstr), 0);
    CHECK_INT(gexport_step(&g, rc, 0, &got, errstr), 0);
    CHECK_INT(got, 300);
    /* the first and the last entry move to consumer "other" */
    r = redisCommand(rc, "XRANGE %s - + COUNT 1", key);
    if (r && r->type == REDIS_REPLY_ARRAY && r->elements == 1)
        snprintf(first, sizeof(first), "%s", r->element[0]->element[0]->str);
    freeReplyObject(r);
    r = redisCommand(rc, "XREVRANGE %s + - COUNT 1", key);
    if (r && r->type == REDIS_REPLY_ARRAY && r->elements == 1)
        snprintf(last, sizeof(last), "%s", r->element[0]->element[0]->str);
    freeReplyObject(r);
    r = redisCommand(rc, "XCLAIM %s grp other 0 %s %s JUSTID", key, first,
                     last);
    CHECK(r && r->type == REDIS_REPLY_ARRAY && r->elements == 2);
    freeReplyObject(r);
    CHECK_INT(gexport_sync(&g, rc, errstr), 0);
    CHECK_INT(g.lost, 1);
    /* nothing acknowledged: 298 still ours, 2 the other's */
    CHECK_INT(gexport_group_pending(&g, rc, errstr), 300);
    CHECK_INT(num("XACK %s grp %s", key, first), 1);
    /* ours are read again (pending first), then acknowledged */
    CHECK_INT(gexport_step(&g, rc, 0, &got, errstr), 0);
    CHECK_INT(got, 298);
    CHECK_INT(gexport_sync(&g, rc, errstr), 0);
    CHECK_INT(g.lost, 1);
    CHECK_INT(gexport_group_pending(&g, rc, errstr), 1); /* "last" */
    gexport_cleanup(&g);
    fclose(out);
}

/* Two ids far apart, many more of ours pending between them than the
 * one range look-up asks for: checked one by one, acknowledged. */
static void test_wide_range(void)
{
    struct gexport g;
    FILE *out = tmpfile();
    long got = 0;
    char key[CF_KEY_MAX];

    cf_key(key, "gc", "results");
    add_results(key, 300);
    CHECK_INT(gexport_open(&g, rc, "gc", "grp", "me", out, NULL,
                           EXPORT_JSONL, errstr), 0);
    CHECK_INT(gexport_step(&g, rc, 0, &got, errstr), 0);
    CHECK_INT(got, 300);
    CHECK_INT(g.nunacked, 300);
    if (g.nunacked != 300)
        goto out;
    for (size_t i = 1; i < 299; i++)
        free(g.unacked[i]);
    g.unacked[1] = g.unacked[299];
    g.nunacked = 2;
    CHECK_INT(gexport_sync(&g, rc, errstr), 0);
    CHECK_INT(g.lost, 0);
    CHECK_INT(gexport_group_pending(&g, rc, errstr), 298);
out:
    gexport_cleanup(&g);
    fclose(out);
}

/* Another consumer of the group has entries of its own pending: the
 * summary count that settles the acknowledgement is this consumer's. One
 * of ours taken over leaves "other" with as many pending as we hold:
 * nothing is acknowledged. Without the takeover ours are acknowledged
 * and the other's stay. */
static void test_other_pending(void)
{
    struct gexport g;
    FILE *out = tmpfile();
    long got = 0;
    char key[CF_KEY_MAX];
    redisReply *r;

    cf_key(key, "gd", "results");
    add_results(key, 49);
    CHECK_INT(gexport_open(&g, rc, "gd", "grp", "me", out, NULL,
                           EXPORT_JSONL, errstr), 0);
    /* "other" reads the first 24 and keeps them */
    r = redisCommand(rc, "XREADGROUP GROUP grp other COUNT 24 STREAMS %s >",
                     key);
    CHECK(r && r->type == REDIS_REPLY_ARRAY);
    freeReplyObject(r);
    CHECK_INT(gexport_step(&g, rc, 0, &got, errstr), 0);
    CHECK_INT(got, 25);
    CHECK_INT(g.pending, 0);
    r = redisCommand(rc, "XCLAIM %s grp other 0 %s JUSTID", key,
                     g.nunacked ? g.unacked[0] : "0-0");
    CHECK(r && r->type == REDIS_REPLY_ARRAY && r->elements == 1);
    freeReplyObject(r);
    CHECK_INT(gexport_sync(&g, rc, errstr), 0);
    CHECK_INT(g.lost, 1);
    CHECK_INT(gexport_group_pending(&g, rc, errstr), 49);
    /* ours read again and acknowledged; "other"'s 25 stay */
    CHECK_INT(gexport_step(&g, rc, 0, &got, errstr), 0);
    CHECK_INT(got, 24);
    CHECK_INT(gexport_step(&g, rc, 0, &got, errstr), 0);
    CHECK_INT(got, 0);
    CHECK_INT(g.pending, 0);
    add_results(key, 3);
    CHECK_INT(gexport_step(&g, rc, 0, &got, errstr), 0);
    CHECK_INT(got, 3);
    CHECK_INT(gexport_sync(&g, rc, errstr), 0);
    CHECK_INT(g.lost, 1);
    CHECK_INT(g.nunacked, 0);
    CHECK_INT(gexport_group_pending(&g, rc, errstr), 25);
    gexport_cleanup(&g);
    fclose(out);
}

/* A restarted exporter reads its earlier deliveries again (1001, in two
 * reads); after the first read one of them is taken over. It then holds
 * as many as are pending on it (999 of those read and the one not read
 * yet), but not the same ones: nothing is acknowledged. */
static void test_reread_taken(void)
{
    struct gexport g;
    FILE *out = tmpfile();
    long got = 0;
    char key[CF_KEY_MAX];
    redisReply *r;

    cf_key(key, "ge", "results");
    add_results(key, 1001);
    CHECK_INT(gexport_open(&g, rc, "ge", "grp", "me", out, NULL,
                           EXPORT_JSONL, errstr), 0);
    CHECK_INT(gexport_step(&g, rc, 0, &got, errstr), 0);
    CHECK_INT(gexport_step(&g, rc, 0, &got, errstr), 0);
    CHECK_INT(g.nunacked, 1001);
    gexport_cleanup(&g); /* gone without acknowledging */
    rewind(out);
    CHECK_INT(gexport_open(&g, rc, "ge", "grp", "me", out, NULL,
                           EXPORT_JSONL, errstr), 0);
    CHECK_INT(gexport_step(&g, rc, 0, &got, errstr), 0);
    CHECK_INT(got, 1000);
    CHECK_INT(g.pending, 1);
    r = redisCommand(rc, "XCLAIM %s grp other 0 %s JUSTID", key,
                     g.nunacked ? g.unacked[500] : "0-0");
    CHECK(r && r->type == REDIS_REPLY_ARRAY && r->elements == 1);
    freeReplyObject(r);
    CHECK_INT(gexport_sync(&g, rc, errstr), 0);
    CHECK_INT(g.lost, 1);
    CHECK_INT(gexport_group_pending(&g, rc, errstr), 1001);
    gexport_cleanup(&g);
    fclose(out);
}

/* The last-delivered-id of group grp on key (XINFO GROUPS), "" if none. */
static void group_place(const char *key, const char *grp, char *out,
                        size_t len)
{
    redisReply *r = redisCommand(rc, "XINFO GROUPS %s", key);

    out[0] = '\0';
    for (size_t i = 0; r && r->type == REDIS_REPLY_ARRAY && i < r->elements;
         i++) {
        const redisReply *gi = r->element[i];
        const char *name = NULL, *last = NULL;

        for (size_t k = 0; gi->type == REDIS_REPLY_ARRAY && k + 1 < gi->elements;
             k += 2) {
            if (strcmp(gi->element[k]->str, "name") == 0)
                name = gi->element[k + 1]->str;
            if (strcmp(gi->element[k]->str, "last-delivered-id") == 0)
                last = gi->element[k + 1]->str;
        }
        if (name && last && strcmp(name, grp) == 0)
            snprintf(out, len, "%s", last);
    }
    freeReplyObject(r);
}

static long lines_of(FILE *f)
{
    long n = 0;
    int c;

    fflush(f);
    rewind(f);
    while ((c = getc(f)) != EOF)
        n += c == '\n';
    fseeko(f, 0, SEEK_END);
    return n;
}

/* The only consumer reads with NOACK (gexport_noack): nothing pending,
 * the stream trimmed at each sync. One that goes away between a read and
 * its sync is read again after its checkpoint when it comes back: each
 * result in the output once. */
static void test_noack(void)
{
    struct gexport g;
    char path[] = "/tmp/cf-test-gexport.XXXXXX", cursor[64], place[64];
    int fd = mkstemp(path);
    FILE *out = fd >= 0 ? fdopen(fd, "a+") : NULL;
    long got = 0;
    char key[CF_KEY_MAX];

    CHECK(out != NULL);
    if (!out)
        return;
    snprintf(cursor, sizeof(cursor), "%s.cursor", path);
    cf_key(key, "gn", "results");
    add_results(key, 300);
    CHECK_INT(gexport_open(&g, rc, "gn", "crawl", "crawl", out, cursor,
                           EXPORT_JSONL, errstr), 0);
    CHECK_INT(gexport_noack(&g, rc, errstr), 0);
    CHECK_INT(gexport_step(&g, rc, 0, &got, errstr), 0);
    CHECK_INT(got, 300);
    CHECK_INT(gexport_group_pending(&g, rc, errstr), 0);
    CHECK_INT(gexport_sync(&g, rc, errstr), 0);
    CHECK_INT(g.written, 300);
    CHECK_INT(num("XLEN %s%s", key, ""), 0);
    CHECK_INT(lines_of(out), 300);
    /* the group's place is the checkpoint: every exporter's trim keeps
     * what follows it */
    group_place(key, "crawl", place, sizeof(place));
    CHECK_STR(place, g.done_id);
    /* 50 more read and written, then gone before the sync; meanwhile the
     * group stays at the checkpoint */
    add_results(key, 50);
    CHECK_INT(gexport_step(&g, rc, 0, &got, errstr), 0);
    CHECK_INT(got, 50);
    CHECK_INT(lines_of(out), 350);
    group_place(key, "crawl", place, sizeof(place));
    CHECK_STR(place, g.done_id);
    CHECK(strcmp(g.read_id, g.done_id) != 0);
    gexport_cleanup(&g);
    /* back: the output cut to the checkpoint, the 50 read again */
    CHECK_INT(gexport_open(&g, rc, "gn", "crawl", "crawl", out, cursor,
                           EXPORT_JSONL, errstr), 0);
    CHECK_INT(lines_of(out), 300);
    CHECK_INT(gexport_noack(&g, rc, errstr), 0);
    CHECK_INT(gexport_step(&g, rc, 0, &got, errstr), 0);
    CHECK_INT(got, 50);
    CHECK_INT(gexport_sync(&g, rc, errstr), 0);
    CHECK_INT(lines_of(out), 350);
    CHECK_INT(gexport_group_pending(&g, rc, errstr), 0);
    CHECK_INT(num("XLEN %s%s", key, ""), 0);
    /* entries left pending by an acknowledging run are dropped with the
     * group, and the trim goes on past them */
    add_results(key, 20);
    gexport_cleanup(&g);
    CHECK_INT(gexport_open(&g, rc, "gn", "crawl", "crawl", out, cursor,
                           EXPORT_JSONL, errstr), 0);
    CHECK_INT(gexport_step(&g, rc, 0, &got, errstr), 0);
    CHECK_INT(got, 20);
    CHECK_INT(gexport_group_pending(&g, rc, errstr), 20);
    gexport_cleanup(&g); /* gone without acknowledging */
    CHECK_INT(gexport_open(&g, rc, "gn", "crawl", "crawl", out, cursor,
                           EXPORT_JSONL, errstr), 0);
    CHECK_INT(gexport_noack(&g, rc, errstr), 0);
    CHECK_INT(gexport_group_pending(&g, rc, errstr), 0);
    CHECK_INT(gexport_step(&g, rc, 0, &got, errstr), 0);
    CHECK_INT(got, 20);
    CHECK_INT(gexport_sync(&g, rc, errstr), 0);
    CHECK_INT(lines_of(out), 370);
    CHECK_INT(num("XLEN %s%s", key, ""), 0);
    gexport_cleanup(&g);
    fclose(out);
    unlink(path);
    unlink(cursor);
}

int main(void)
{
    if (testredis_start(&tr, NULL) != 0)
        return 1;
    rc = testredis_connect(&tr, 0);
    if (!rc)
        return 1;
    test_ack_all();
    test_taken_over();
    test_wide_range();
    test_other_pending();
    test_reread_taken();
    test_noack();
    redisFree(rc);
    testredis_stop(&tr);
    return test_summary("test_gexport");
}

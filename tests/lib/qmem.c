/* qmem.c - Redis memory per queued URL (qmem.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "fp.h"
#include "frontier.h"
#include "qmem.h"
#include "record.h"

enum { PUSH_BATCH = 1000 };

static double used_memory(redisContext *rc)
{
    redisReply *r = redisCommand(rc, "INFO memory");
    double v = -1;
    const char *p;

    if (r && r->type == REDIS_REPLY_STRING) {
        p = strstr(r->str, "used_memory:");
        if (p)
            v = atof(p + strlen("used_memory:"));
    }
    freeReplyObject(r);
    return v;
}

/* One link: URL i of host h, its record in rec. */
static void make_link(long h, long i, char *url, char *hk,
                      struct cf_buf *rec, struct cf_link *l)
{
    struct cf_request q = {0};

    snprintf(hk, 64, "http://www.site%06ld.example:80", h);
    snprintf(url, 128, "http://www.site%06ld.example/articles/%02ld/"
             "pages-%010ld.html", h, i % 97, h * 100000 + i);
    q.url = url;
    q.depth = 1;
    q.priority = 1;
    q.discovered_ms = 1765000000000 + i;
    q.parent_fp = UINT64_C(0x1234567890abcdef);
    cf_buf_reset(rec);
    cf_request_encode(&q, rec);
    l->fp = cf_fp(url, strlen(url));
    l->hostkey = hk;
    l->priority = 1;
    l->rec = rec->data;
    l->rec_len = rec->len;
}

int qmem_fill(redisContext *rc, const char *crawl, long hosts, long per_host,
              struct qmem *out)
{
    struct cf_link *ls = calloc(PUSH_BATCH, sizeof(*ls));
    char(*urls)[128] = calloc(PUSH_BATCH, sizeof(*urls));
    char(*hks)[64] = calloc(PUSH_BATCH, sizeof(*hks));
    struct cf_buf *recs = calloc(PUSH_BATCH, sizeof(*recs));
    char errstr[CF_ERRSTR_LEN];
    struct cf_config cfg;
    struct cf_cmd c;
    long total = hosts * per_host, done = 0;
    redisReply *r;
    int rv = -1;

    memset(out, 0, sizeof(*out));
    cf_cmd_init(&c);
    for (int i = 0; i < PUSH_BATCH; i++)
        cf_buf_init(&recs[i], 4096);
    cf_config_init(&cfg);
    cfg.obey_robots = 0;
    cf_frontier_create_cmd(&c, crawl, &cfg, 1000);
    r = cf_frontier_call(rc, &c, errstr);
    cf_config_cleanup(&cfg);
    if (!r) {
        fprintf(stderr, "qmem: create: %s\n", errstr);
        goto out;
    }
    freeReplyObject(r);
    out->before = used_memory(rc);
    while (done < total) {
        long n = total - done < PUSH_BATCH ? total - done : PUSH_BATCH;

        for (long k = 0; k < n; k++) {
            long x = done + k;

            make_link(x / per_host, x % per_host, urls[k], hks[k], &recs[k],
                      &ls[k]);
            if (strlen(urls[k]) != QMEM_URL_LEN) {
                fprintf(stderr, "qmem: URL of %zu bytes\n", strlen(urls[k]));
                goto out;
            }
        }
        cf_frontier_push_cmd(&c, crawl, 1000, ls, (size_t)n, 0);
        r = cf_frontier_call(rc, &c, errstr);
        if (!r || r->type != REDIS_REPLY_ARRAY || (long)r->elements != n) {
            fprintf(stderr, "qmem: push: %s\n", r ? "bad reply" : errstr);
            freeReplyObject(r);
            goto out;
        }
        for (size_t k = 0; k < r->elements; k++)
            if (r->element[k]->integer != 1) {
                fprintf(stderr, "qmem: a URL was not new\n");
                freeReplyObject(r);
                goto out;
            }
        freeReplyObject(r);
        done += n;
    }
    out->after = used_memory(rc);
    out->urls = done;
    out->per_url = (out->after - out->before) / (double)done;
    rv = 0;
out:
    for (int i = 0; i < PUSH_BATCH; i++)
        cf_buf_cleanup(&recs[i]);
    free(recs);
    free(hks);
    free(urls);
    free(ls);
    cf_cmd_cleanup(&c);
    return rv;
}

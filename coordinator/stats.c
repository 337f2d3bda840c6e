/* stats.c - progress numbers from a crawl's keys. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "err.h"
#include "keys.h"
#include "stats.h"

#define WORKERS_MAX 10000 /* heartbeats read by one listing */

void kv_cleanup(struct kv *h)
{
    for (size_t i = 0; i < h->n; i++) {
        free(h->k[i]);
        free(h->v[i]);
    }
    free(h->k);
    free(h->v);
    memset(h, 0, sizeof(*h));
}

void kv_from_reply(struct kv *h, const redisReply *r)
{
    memset(h, 0, sizeof(*h));
    if (!r || r->type != REDIS_REPLY_ARRAY || r->elements < 2)
        return;
    h->k = cf_calloc(r->elements / 2, sizeof(*h->k));
    h->v = cf_calloc(r->elements / 2, sizeof(*h->v));
    for (size_t i = 0; i + 1 < r->elements; i += 2) {
        const redisReply *k = r->element[i], *v = r->element[i + 1];

        if (k->type != REDIS_REPLY_STRING || v->type != REDIS_REPLY_STRING)
            continue;
        h->k[h->n] = cf_memdup(k->str, k->len);
        h->v[h->n] = cf_memdup(v->str, v->len);
        h->n++;
    }
}

const char *kv_str(const struct kv *h, const char *name)
{
    for (size_t i = 0; i < h->n; i++)
        if (strcmp(h->k[i], name) == 0)
            return h->v[i];
    return NULL;
}

long long kv_int(const struct kv *h, const char *name)
{
    const char *s = kv_str(h, name);
    char *end = NULL;
    long long v;

    if (!s)
        return 0;
    v = strtoll(s, &end, 10);
    return end && end != s ? v : 0;
}

int stats_parse_sample(const char *s, int64_t *ms, int64_t *done)
{
    long long a, b;
    int used = 0;

    if (sscanf(s, "%lld %lld%n", &a, &b, &used) != 2 || s[used] != '\0')
        return -1;
    *ms = a;
    *done = b;
    return 0;
}

double stats_rate(const char *const *samples, size_t n, int64_t window_ms)
{
    int64_t ms0 = 0, d0 = 0, ms1 = 0, d1 = 0, ms, d;
    int have = 0;

    for (size_t i = 0; i < n; i++) {
        if (stats_parse_sample(samples[i], &ms, &d) != 0)
            continue;
        if (!have) {
            ms1 = ms;
            d1 = d;
            ms0 = ms;
            d0 = d;
            have = 1;
            continue;
        }
        if (ms1 - ms > window_ms)
            break;
        ms0 = ms;
        d0 = d;
    }
    if (!have || ms1 <= ms0)
        return -1;
    if (d1 < d0)
        return 0;
    return (double)(d1 - d0) * 1000.0 / (double)(ms1 - ms0);
}

long long stats_eta(long long remaining, double rate)
{
    if (remaining <= 0)
        return 0;
    if (rate <= 0)
        return -1;
    return (long long)((double)remaining / rate + 0.5);
}

int stats_finished(const struct kv *stats)
{
    const char *state = kv_str(stats, "state");

    if (state &&
        (strcmp(state, "done") == 0 || strcmp(state, "cancelled") == 0))
        return 1;
    if (state && strcmp(state, "paused") == 0)
        return 0;
    return kv_int(stats, "discovered") > 0 && kv_int(stats, "queued") == 0 &&
           kv_int(stats, "inflight") == 0;
}

void stats_progress(struct progress *p, const struct kv *stats,
                    long long max_pages, double rate)
{
    const char *state = kv_str(stats, "state");
    long long remaining;

    memset(p, 0, sizeof(*p));
    snprintf(p->state, sizeof(p->state), "%s", state ? state : "unknown");
    p->discovered = kv_int(stats, "discovered");
    p->queued = kv_int(stats, "queued");
    p->inflight = kv_int(stats, "inflight");
    p->done = kv_int(stats, "done");
    p->dead = kv_int(stats, "dead");
    for (size_t i = 0; i < stats->n; i++)
        if (strncmp(stats->k[i], "err_", 4) == 0 &&
            strcmp(stats->k[i], "err_ok") != 0) {
            long long n = strtoll(stats->v[i], NULL, 10);

            p->errors += n;
            if (n > p->top_errors) {
                p->top_errors = n;
                snprintf(p->top_error, sizeof(p->top_error), "%s",
                         stats->k[i] + 4);
            }
        }
    p->ok = kv_int(stats, "ok");
    p->max_pages = max_pages;
    p->rate = rate;
    p->finished = stats_finished(stats);
    remaining = p->queued + p->inflight;
    if (max_pages > 0 && max_pages - p->done < remaining)
        remaining = max_pages - p->done;
    p->eta_s = p->finished ? 0 : stats_eta(remaining, rate);
}

char *stats_fmt_duration(long long s, char *buf, size_t len)
{
    if (s < 0)
        snprintf(buf, len, "-");
    else if (s >= 3600)
        snprintf(buf, len, "%lldh%02lldm", s / 3600, s % 3600 / 60);
    else if (s >= 60)
        snprintf(buf, len, "%lldm%02llds", s / 60, s % 60);
    else
        snprintf(buf, len, "%llds", s);
    return buf;
}

char *stats_fmt_bytes(long long b, char *buf, size_t len)
{
    static const char *const units[] = {"B", "kB", "MB", "GB", "TB"};
    double v = (double)b;
    int u = 0;

    while (v >= 1000.0 && u < 4) {
        v /= 1000.0;
        u++;
    }
    if (u == 0)
        snprintf(buf, len, "%lld B", b);
    else
        snprintf(buf, len, "%.1f %s", v, units[u]);
    return buf;
}

int stats_load(redisContext *rc, const char *crawl, struct kv *stats,
               struct progress *p, char *errstr)
{
    char key[CF_KEY_MAX];
    redisReply *r[3];
    const char **samples = NULL;
    long long max_pages = 0;
    double rate;
    int ret = CF_OK;

    memset(stats, 0, sizeof(*stats));
    redisAppendCommand(rc, "HGETALL %s", cf_key(key, crawl, "stats"));
    redisAppendCommand(rc, "HGET %s max_pages", cf_key(key, crawl, "config"));
    redisAppendCommand(rc, "LRANGE %s 0 %d", cf_key(key, crawl, "rate"),
                       STATS_RATE_KEEP - 1);
    for (int i = 0; i < 3; i++) {
        r[i] = NULL;
        if (redisGetReply(rc, (void **)&r[i]) != REDIS_OK) {
            snprintf(errstr, CF_ERRSTR_LEN, "redis: %s", rc->errstr);
            for (int j = 0; j < i; j++)
                freeReplyObject(r[j]);
            return CF_EREDIS;
        }
    }
    for (int i = 0; i < 3; i++) {
        if (r[i]->type == REDIS_REPLY_ERROR) {
            snprintf(errstr, CF_ERRSTR_LEN, "redis: %s", r[i]->str);
            ret = CF_EREDIS;
            goto out;
        }
    }
    if (r[0]->type != REDIS_REPLY_ARRAY || r[0]->elements == 0) {
        snprintf(errstr, CF_ERRSTR_LEN, "unknown crawl '%s'", crawl);
        ret = CF_ENOTFOUND;
        goto out;
    }
    kv_from_reply(stats, r[0]);
    if (r[1]->type == REDIS_REPLY_STRING)
        max_pages = strtoll(r[1]->str, NULL, 10);
    samples = cf_calloc(r[2]->elements + 1, sizeof(*samples));
    for (size_t i = 0; i < r[2]->elements; i++)
        samples[i] = r[2]->element[i]->type == REDIS_REPLY_STRING
                         ? r[2]->element[i]->str
                         : "";
    rate = stats_rate(samples, r[2]->elements, STATS_RATE_WINDOW_MS);
    stats_progress(p, stats, max_pages, rate);
out:
    free(samples);
    for (int i = 0; i < 3; i++)
        freeReplyObject(r[i]);
    return ret;
}

int stats_worker_on(const struct kv *h, const char *crawl)
{
    const char *s = kv_str(h, "crawls");
    size_t n = strlen(crawl);

    if (!s || !*s || strcmp(s, "*") == 0)
        return 1;
    while (*s) {
        size_t len = strcspn(s, ", ");

        if (len == n && strncmp(s, crawl, n) == 0)
            return 1;
        s += len;
        s += strspn(s, ", ");
    }
    return 0;
}

void stats_workers_free(char **ids, struct kv *hb, long n)
{
    for (long i = 0; i < n; i++) {
        free(ids[i]);
        kv_cleanup(&hb[i]);
    }
    free(ids);
    free(hb);
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

long stats_workers(redisContext *rc, char ***ids_out, struct kv **hb_out,
                   char *errstr)
{
    char **keys = NULL, **ids = NULL;
    struct kv *hb = NULL;
    size_t nkeys = 0, plen = strlen(CF_KEY_WORKER_PREFIX);
    char cursor[32] = "0";
    long n = 0;

    do {
        redisReply *r = redisCommand(rc, "SCAN %s MATCH %s* COUNT 1000", cursor,
                                     CF_KEY_WORKER_PREFIX);

        if (!r || r->type != REDIS_REPLY_ARRAY || r->elements != 2) {
            snprintf(errstr, CF_ERRSTR_LEN, "redis: %s",
                     r && r->type == REDIS_REPLY_ERROR ? r->str : rc->errstr);
            if (r)
                freeReplyObject(r);
            for (size_t i = 0; i < nkeys; i++)
                free(keys[i]);
            free(keys);
            return -1;
        }
        snprintf(cursor, sizeof(cursor), "%s", r->element[0]->str);
        for (size_t i = 0; i < r->element[1]->elements && nkeys < WORKERS_MAX;
             i++) {
            keys = cf_realloc(keys, (nkeys + 1) * sizeof(*keys));
            keys[nkeys++] = cf_strdup(r->element[1]->element[i]->str);
        }
        freeReplyObject(r);
    } while (strcmp(cursor, "0") != 0 && nkeys < WORKERS_MAX);
    if (nkeys)
        qsort(keys, nkeys, sizeof(*keys), cmp_str);
    ids = cf_calloc(nkeys + 1, sizeof(*ids));
    hb = cf_calloc(nkeys + 1, sizeof(*hb));
    for (size_t i = 0; i < nkeys; i++) {
        redisReply *r = redisCommand(rc, "HGETALL %s", keys[i]);

        if (r && r->type == REDIS_REPLY_ARRAY && r->elements > 0) {
            ids[n] = cf_strdup(keys[i] + plen);
            kv_from_reply(&hb[n], r);
            n++;
        }
        if (r)
            freeReplyObject(r);
    }
    for (size_t i = 0; i < nkeys; i++)
        free(keys[i]);
    free(keys);
    *ids_out = ids;
    *hb_out = hb;
    return n;
}

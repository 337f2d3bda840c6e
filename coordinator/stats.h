/* stats.h - a crawl's progress from its documented keys: the stats hash,
 * the rate samples (cf:{C}:rate, "ms done", newest first) and the worker
 * heartbeats. The arithmetic (rate, ETA, "finished") is pure and unit
 * tested; loading does the Redis reads. */
#ifndef STATS_H
#define STATS_H

#include <stddef.h>
#include <stdint.h>

#include <hiredis/hiredis.h>

#define STATS_RATE_WINDOW_MS 60000 /* pages/s is over the last minute */
#define STATS_RATE_KEEP 300        /* samples kept in cf:{C}:rate */

/* The fields of a hash, as text. */
struct kv {
    char **k; /* heap names */
    char **v; /* heap values */
    size_t n;
};

void kv_cleanup(struct kv *h);
/* Take a HGETALL reply's pairs into h (zeroed first). */
void kv_from_reply(struct kv *h, const redisReply *r);
/* The value of name, or NULL. */
const char *kv_str(const struct kv *h, const char *name);
/* The integer value of name, or 0 when absent or not a number. */
long long kv_int(const struct kv *h, const char *name);

/* Progress numbers derived from the stats hash and the rate samples. */
struct progress {
    char state[16]; /* running, paused, cancelled, done, ... */
    long long discovered;
    long long queued;
    long long inflight;
    long long done;
    long long dead;
    long long errors;    /* sum of the err_<outcome> counters */
    long long ok;        /* pages acked with outcome ok */
    char top_error[32];  /* the err_<outcome> counted most, "" if none */
    long long top_errors; /* its count */
    long long max_pages; /* the crawl's page budget, 0 none */
    double rate;         /* pages/s over the window, -1 unknown */
    long long eta_s;     /* seconds left, -1 unknown */
    int finished;        /* done or cancelled: nothing more will come */
};

/* Parse one sample "ms done"; 0 or -1. */
int stats_parse_sample(const char *s, int64_t *ms, int64_t *done);
/* Pages/s from samples (newest first) over the window ending at the
 * newest one; -1 if fewer than two samples fall in it. */
double stats_rate(const char *const *samples, size_t n, int64_t window_ms);
/* Seconds until done at rate, or -1 when unknown (rate <= 0). */
long long stats_eta(long long remaining, double rate);
/* Fill p from a stats hash (and max_pages from config, 0 if unknown). */
void stats_progress(struct progress *p, const struct kv *stats,
                    long long max_pages, double rate);
/* 1 when a crawl with these stats has nothing more to do. */
int stats_finished(const struct kv *stats);
/* "1h02m", "4m05s", "12s" or "-" for an unknown duration. */
char *stats_fmt_duration(long long s, char *buf, size_t len);
/* "12.3 MB" style. */
char *stats_fmt_bytes(long long b, char *buf, size_t len);

/* Load stats, config max_pages and rate samples of crawl. 0, CF_ENOTFOUND
 * (no such crawl) or CF_EREDIS with errstr. */
int stats_load(redisContext *rc, const char *crawl, struct kv *stats,
               struct progress *p, char *errstr);

/* Live workers: every cf:worker:* hash. ids[i] is the id, hb[i] its
 * fields. Returns the count, or -1 with errstr. */
long stats_workers(redisContext *rc, char ***ids, struct kv **hb, char *errstr);
void stats_workers_free(char **ids, struct kv *hb, long n);
/* 1 if heartbeat h works on crawl (its "crawls" field names it, or is
 * absent or "*"). */
int stats_worker_on(const struct kv *h, const char *crawl);

#endif

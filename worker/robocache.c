/* robocache.c - an LRU of parsed robots rules over a chained hash. */
#include "robocache.h"

#include <string.h>
#include <sys/queue.h>

#include "alloc.h"
#include "fp.h"
#include "keys.h"
#include "log.h"
#include "rclient.h"
#include "robots.h"
#include "worker.h"

#define NBUCKETS 1024

struct entry {
    char *key;                  /* "<crawl> <hostkey>" */
    uint64_t hash;              /* cf_fp of key */
    struct crawl *cr;           /* the crawl (outlives the cache) */
    char *hostkey;              /* points into key */
    struct robots *rules;       /* NULL until loaded */
    int64_t loaded_ms;          /* when rules were read */
    int loading;                /* HGET outstanding */
    int retry;                  /* the read failed: send it again */
    struct job_list waiters;    /* jobs parked on this entry */
    struct entry *next;         /* bucket chain */
    TAILQ_ENTRY(entry) lru;     /* most recent first */
};

TAILQ_HEAD(entry_list, entry);

struct robocache {
    struct entry *buckets[NBUCKETS];
    struct entry_list lru;      /* every entry, most recently used first */
    size_t n;                   /* entries */
    size_t cap;                 /* bound on n (loading ones excepted) */
    int64_t ttl_ms;             /* freshness */
    struct worker *w;           /* for the async reads */
};

struct robocache *robocache_new(size_t cap, int64_t ttl_ms)
{
    struct robocache *c = cf_calloc(1, sizeof(*c));

    TAILQ_INIT(&c->lru);
    c->cap = cap;
    c->ttl_ms = ttl_ms;
    return c;
}

static void entry_unlink(struct robocache *c, struct entry *e)
{
    struct entry **pp = &c->buckets[e->hash % NBUCKETS];

    while (*pp && *pp != e)
        pp = &(*pp)->next;
    if (*pp)
        *pp = e->next;
    TAILQ_REMOVE(&c->lru, e, lru);
    c->n--;
    robots_free(e->rules);
    free(e->key);
    free(e);
}

void robocache_free(struct robocache *c)
{
    if (!c)
        return;
    while (!TAILQ_EMPTY(&c->lru))
        entry_unlink(c, TAILQ_FIRST(&c->lru));
    free(c);
}

static struct entry *lookup(struct robocache *c, const char *crawl,
                            const char *hostkey, int create)
{
    char *key = cf_asprintf("%s %s", crawl, hostkey);
    uint64_t h = cf_fp(key, strlen(key));
    struct entry *e;

    for (e = c->buckets[h % NBUCKETS]; e; e = e->next) {
        if (e->hash == h && strcmp(e->key, key) == 0)
            break;
    }
    if (e || !create) {
        free(key);
        return e;
    }
    e = cf_calloc(1, sizeof(*e));
    e->key = key;
    e->hash = h;
    e->hostkey = key + strlen(crawl) + 1;
    TAILQ_INIT(&e->waiters);
    e->next = c->buckets[h % NBUCKETS];
    c->buckets[h % NBUCKETS] = e;
    TAILQ_INSERT_HEAD(&c->lru, e, lru);
    c->n++;
    return e;
}

/* Evict idle entries from the cold end while over the cap. */
static void trim(struct robocache *c)
{
    struct entry *e = TAILQ_LAST(&c->lru, entry_list);

    while (c->n > c->cap && e) {
        struct entry *prev = TAILQ_PREV(e, entry_list, lru);
        if (!e->loading && TAILQ_EMPTY(&e->waiters))
            entry_unlink(c, e);
        e = prev;
    }
}

static void wake(struct entry *e)
{
    struct job_list ready;
    struct job *j;

    TAILQ_INIT(&ready);
    while ((j = TAILQ_FIRST(&e->waiters)) != NULL) {
        TAILQ_REMOVE(&e->waiters, j, wait);
        TAILQ_INSERT_TAIL(&ready, j, wait);
    }
    /* job_robots_ready may free the job: it is off every list by now */
    while ((j = TAILQ_FIRST(&ready)) != NULL) {
        TAILQ_REMOVE(&ready, j, wait);
        job_robots_ready(j, e->rules);
    }
}

static void on_rules(redisReply *r, void *arg)
{
    struct entry *e = arg;

    e->loading = 0;
    if (!r || (r->type != REDIS_REPLY_STRING && r->type != REDIS_REPLY_NIL)) {
        e->retry = 1; /* Redis away or an error: ask again later */
        return;
    }
    robots_free(e->rules);
    if (r->type == REDIS_REPLY_NIL)
        e->rules = robots_allow_all(); /* frontier has none: allow */
    else
        e->rules = robots_parse(r->str, r->len, e->cr->robots_token);
    e->loaded_ms = cf_now_ms();
    wake(e);
}

static void load(struct worker *w, struct entry *e)
{
    char key[CF_KEY_MAX];

    cf_key(key, e->cr->name, "robots");
    e->retry = 0;
    if (rclient_sendv(w->rc, 0, on_rules, e, "HGET", key, e->hostkey,
                      (const char *)NULL) == 0)
        e->loading = 1;
    else
        e->retry = 1;
}

const struct robots *robocache_get(struct robocache *c, struct worker *w,
                                   struct job *j)
{
    struct entry *e = lookup(c, j->cr->name, j->lease.hostkey, 1);
    int64_t now = cf_now_ms();

    c->w = w;
    TAILQ_REMOVE(&c->lru, e, lru);
    TAILQ_INSERT_HEAD(&c->lru, e, lru);
    if (!e->cr)
        e->cr = j->cr;
    if (e->rules && now - e->loaded_ms < c->ttl_ms)
        return e->rules;
    j->state = JOB_ROBOTS_WAIT;
    TAILQ_INSERT_TAIL(&e->waiters, j, wait);
    if (!e->loading)
        load(w, e);
    trim(c);
    return NULL;
}

void robocache_unpark(struct robocache *c, struct job *j)
{
    struct entry *e = lookup(c, j->cr->name, j->lease.hostkey, 0);

    if (e && j->state == JOB_ROBOTS_WAIT)
        TAILQ_REMOVE(&e->waiters, j, wait);
}

void robocache_invalidate(struct robocache *c, const char *crawl,
                          const char *hostkey)
{
    struct entry *e = lookup(c, crawl, hostkey, 0);

    if (e && e->rules)
        e->loaded_ms = 0;
}

void robocache_tick(struct robocache *c, struct worker *w)
{
    struct entry *e;

    TAILQ_FOREACH(e, &c->lru, lru) {
        if (e->retry && !e->loading && !TAILQ_EMPTY(&e->waiters))
            load(w, e);
    }
}

size_t robocache_size(const struct robocache *c)
{
    return c->n;
}

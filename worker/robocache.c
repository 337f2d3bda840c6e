/* robocache.c - an LRU of parsed robots rules over a chained hash. */
#include "robocache.h"

#include <string.h>
#include <sys/queue.h>

#include "alloc.h"
#include "clock.h"
#include "fp.h"
#include "keys.h"
#include "log.h"
#include "rclient.h"
#include "robots.h"

#define NBUCKETS 1024

TAILQ_HEAD(wait_list, robocache_wait);

struct entry {
    char *key;                  /* "<crawl> <hostkey>" */
    uint64_t hash;              /* cf_fp of key */
    char crawl[CF_CRAWL_NAME_MAX + 1]; /* the crawl's name */
    char token[64];             /* robots token (of the latest ask) */
    char *hostkey;              /* points into key */
    struct robots *rules;       /* NULL until loaded */
    int64_t loaded_ms;          /* when rules were read (monotonic) */
    int stale;                  /* invalidated: read them again */
    int loading;                /* HGET outstanding */
    int retry;                  /* the read failed: send it again */
    struct wait_list waiters;   /* parked on this entry */
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
    struct rclient *rc;         /* for the async reads (not owned) */
};

struct robocache *robocache_new(size_t cap, int64_t ttl_ms,
                                struct rclient *rc)
{
    struct robocache *c = cf_calloc(1, sizeof(*c));

    TAILQ_INIT(&c->lru);
    c->cap = cap;
    c->ttl_ms = ttl_ms;
    c->rc = rc;
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
    snprintf(e->crawl, sizeof(e->crawl), "%s", crawl);
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
    struct wait_list ready;
    struct robocache_wait *wt;

    TAILQ_INIT(&ready);
    while ((wt = TAILQ_FIRST(&e->waiters)) != NULL) {
        TAILQ_REMOVE(&e->waiters, wt, link);
        TAILQ_INSERT_TAIL(&ready, wt, link);
    }
    /* a callback may free its waiter: it is off every list by now */
    while ((wt = TAILQ_FIRST(&ready)) != NULL) {
        TAILQ_REMOVE(&ready, wt, link);
        wt->entry = NULL;
        wt->fn(wt, e->rules, wt->arg);
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
        e->rules = robots_parse(r->str, r->len, e->token);
    e->loaded_ms = cf_mono_ms();
    e->stale = 0;
    wake(e);
}

static void load(struct robocache *c, struct entry *e)
{
    char key[CF_KEY_MAX];

    cf_key(key, e->crawl, "robots");
    e->retry = 0;
    if (rclient_sendv(c->rc, 0, on_rules, e, "HGET", key, e->hostkey,
                      (const char *)NULL) == 0)
        e->loading = 1;
    else
        e->retry = 1;
}

const struct robots *robocache_get(struct robocache *c, const char *crawl,
                                   const char *hostkey, const char *token,
                                   struct robocache_wait *wt,
                                   robocache_ready_fn *fn, void *arg)
{
    struct entry *e = lookup(c, crawl, hostkey, 1);
    int64_t now = cf_mono_ms();

    TAILQ_REMOVE(&c->lru, e, lru);
    TAILQ_INSERT_HEAD(&c->lru, e, lru);
    snprintf(e->token, sizeof(e->token), "%s", token);
    if (e->rules && !e->stale && now - e->loaded_ms < c->ttl_ms)
        return e->rules;
    wt->entry = e;
    wt->fn = fn;
    wt->arg = arg;
    TAILQ_INSERT_TAIL(&e->waiters, wt, link);
    if (!e->loading)
        load(c, e);
    trim(c);
    return NULL;
}

void robocache_unpark(struct robocache *c, struct robocache_wait *wt)
{
    struct entry *e = wt->entry;

    (void)c;
    if (!e)
        return;
    TAILQ_REMOVE(&e->waiters, wt, link);
    wt->entry = NULL;
}

void robocache_invalidate(struct robocache *c, const char *crawl,
                          const char *hostkey)
{
    struct entry *e = lookup(c, crawl, hostkey, 0);

    if (e && e->rules)
        e->stale = 1;
}

void robocache_tick(struct robocache *c)
{
    struct entry *e;

    TAILQ_FOREACH(e, &c->lru, lru) {
        if (e->retry && !e->loading && !TAILQ_EMPTY(&e->waiters))
            load(c, e);
    }
}

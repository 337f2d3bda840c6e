/* gexport.c - the results stream through a consumer group, written
 * durably, acknowledged and trimmed (contract in gexport.h). */
#include "gexport.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "alloc.h"
#include "clock.h"
#include "cli.h"
#include "err.h"

#define GEXPORT_BATCH 1000 /* entries per XREADGROUP, ids per XACK */

/* "ms-seq" as two numbers; 0 or -1. */
static int id_parse(const char *s, uint64_t *ms, uint64_t *seq)
{
    char *end;

    errno = 0;
    *ms = strtoull(s, &end, 10);
    *seq = 0;
    if (errno || end == s)
        return -1;
    if (*end == '-')
        *seq = strtoull(end + 1, &end, 10);
    return *end ? -1 : 0;
}

/* a < b: -1, a == b: 0, a > b: 1 (unparsable ids sort first). */
static int id_cmp(const char *a, const char *b)
{
    uint64_t am, as, bm, bs;

    if (id_parse(a, &am, &as) != 0)
        return -1;
    if (id_parse(b, &bm, &bs) != 0)
        return 1;
    if (am != bm)
        return am < bm ? -1 : 1;
    return as < bs ? -1 : as > bs;
}

static int redis_err(redisContext *rc, redisReply *r, char *errstr)
{
    snprintf(errstr, CF_ERRSTR_LEN, "redis: %s",
             r && r->type == REDIS_REPLY_ERROR ? r->str
             : rc->err                          ? rc->errstr
                                                : "unexpected reply");
    freeReplyObject(r);
    return CF_EREDIS;
}

static int load_cursor(struct gexport *g, char *errstr)
{
    FILE *f = fopen(g->cursor, "r");
    char id[64];
    long long size = 0;
    int fd = fileno(g->out);

    if (!f && errno != ENOENT) {
        snprintf(errstr, CF_ERRSTR_LEN, "%s: %s", g->cursor, strerror(errno));
        return CF_ERR;
    }
    snprintf(g->done_id, sizeof(g->done_id), "0-0");
    if (f) {
        if (fscanf(f, "%63s %lld", id, &size) != 2 || size < 0) {
            fclose(f);
            snprintf(errstr, CF_ERRSTR_LEN, "%s: not a checkpoint",
                     g->cursor);
            return CF_ERR;
        }
        fclose(f);
        snprintf(g->done_id, sizeof(g->done_id), "%s", id);
    }
    /* what was written after the checkpoint comes again: cut it */
    fflush(g->out);
    if (ftruncate(fd, (off_t)size) != 0 || fseeko(g->out, 0, SEEK_END) != 0) {
        snprintf(errstr, CF_ERRSTR_LEN, "cannot cut the output back to its "
                 "checkpoint: %s", strerror(errno));
        return CF_ERR;
    }
    return 0;
}

int gexport_open(struct gexport *g, redisContext *rc, const char *crawl,
                 const char *group, const char *consumer, FILE *out,
                 const char *cursor, enum export_format fmt, char *errstr)
{
    redisReply *r;

    memset(g, 0, sizeof(*g));
    cf_key(g->key, crawl, "results");
    g->group = cf_strdup(group);
    g->consumer = cf_strdup(consumer);
    g->out = out;
    g->cursor = cursor ? cf_strdup(cursor) : NULL;
    g->fmt = fmt;
    g->pending = 1;
    g->synced_ms = cf_mono_ms();
    snprintf(g->pend_id, sizeof(g->pend_id), "0");
    snprintf(g->done_id, sizeof(g->done_id), "0-0");
    r = redisCommand(rc, "XGROUP CREATE %s %s 0 MKSTREAM", g->key, group);
    if (!r || (r->type == REDIS_REPLY_ERROR &&
               strncmp(r->str, "BUSYGROUP", 9) != 0))
        return redis_err(rc, r, errstr);
    freeReplyObject(r);
    if (g->cursor)
        return load_cursor(g, errstr);
    return 0;
}

static void note_unacked(struct gexport *g, const char *id)
{
    if (g->nunacked == g->cap) {
        g->cap = g->cap ? 2 * g->cap : 256;
        g->unacked = cf_realloc(g->unacked, g->cap * sizeof(*g->unacked));
    }
    g->unacked[g->nunacked++] = cf_strdup(id);
}

/* Write (or skip) the entries of one stream's reply. */
static void take(struct gexport *g, const redisReply *entries, long *got)
{
    char err[CF_ERRSTR_LEN];

    for (size_t i = 0; i < entries->elements; i++) {
        const redisReply *e = entries->element[i], *fields;
        const char *id;

        if (e->type != REDIS_REPLY_ARRAY || e->elements != 2 ||
            e->element[0]->type != REDIS_REPLY_STRING)
            continue;
        id = e->element[0]->str;
        (*got)++;
        if (g->pending)
            snprintf(g->pend_id, sizeof(g->pend_id), "%s", id);
        note_unacked(g, id);
        fields = e->element[1];
        /* a pending entry trimmed away has no fields: just ack it */
        if (fields->type != REDIS_REPLY_ARRAY)
            continue;
        if (id_cmp(id, g->done_id) <= 0) {
            g->skipped++; /* written before the last checkpoint */
            continue;
        }
        for (size_t j = 0; j + 1 < fields->elements; j += 2) {
            const redisReply *k = fields->element[j];
            const redisReply *v = fields->element[j + 1];

            if (k->len != 1 || k->str[0] != 'r')
                continue;
            if (export_write(g->out, g->fmt, NULL, v->str, v->len, err) !=
                CF_OK) {
                g->bad++;
                fprintf(stderr, "%s: skipped result %s: %s\n", CLI_PROG, id,
                        err);
            } else {
                g->written++;
            }
        }
    }
}

static int read_once(struct gexport *g, redisContext *rc, int block_ms,
                     long *got, char *errstr)
{
    redisReply *r;
    char count[16], block[16];
    const char *argv[12];
    int n = 0;

    snprintf(count, sizeof(count), "%d", GEXPORT_BATCH);
    snprintf(block, sizeof(block), "%d", block_ms);
    argv[n++] = "XREADGROUP";
    argv[n++] = "GROUP";
    argv[n++] = g->group;
    argv[n++] = g->consumer;
    argv[n++] = "COUNT";
    argv[n++] = count;
    if (!g->pending && block_ms > 0) {
        argv[n++] = "BLOCK";
        argv[n++] = block;
    }
    argv[n++] = "STREAMS";
    argv[n++] = g->key;
    argv[n++] = g->pending ? g->pend_id : ">";
    r = redisCommandArgv(rc, n, argv, NULL);
    if (!r || r->type == REDIS_REPLY_ERROR)
        return redis_err(rc, r, errstr);
    if (r->type == REDIS_REPLY_ARRAY) {
        for (size_t i = 0; i < r->elements; i++) {
            const redisReply *s = r->element[i];

            if (s->type == REDIS_REPLY_ARRAY && s->elements == 2 &&
                s->element[1]->type == REDIS_REPLY_ARRAY)
                take(g, s->element[1], got);
        }
    }
    freeReplyObject(r);
    return 0;
}

int gexport_step(struct gexport *g, redisContext *rc, int block_ms,
                 long *got, char *errstr)
{
    *got = 0;
    if (g->pending) {
        if (read_once(g, rc, 0, got, errstr) != 0)
            return CF_EREDIS;
        if (*got == 0)
            g->pending = 0; /* every earlier delivery is back */
    }
    if (!g->pending && *got == 0 &&
        read_once(g, rc, block_ms, got, errstr) != 0)
        return CF_EREDIS;
    if (g->nunacked && cf_mono_ms() - g->synced_ms >= GEXPORT_SYNC_MS)
        return gexport_sync(g, rc, errstr);
    return 0;
}

static int write_cursor(struct gexport *g, const char *id, char *errstr)
{
    char *tmp = cf_asprintf("%s.tmp", g->cursor);
    FILE *f = fopen(tmp, "w");
    int ok;

    ok = f && fprintf(f, "%s %lld\n", id, (long long)ftello(g->out)) > 0;
    ok = f && fflush(f) == 0 && fsync(fileno(f)) == 0 && ok;
    if (f)
        ok = fclose(f) == 0 && ok;
    ok = ok && rename(tmp, g->cursor) == 0;
    if (!ok)
        snprintf(errstr, CF_ERRSTR_LEN, "checkpoint %s: %s", g->cursor,
                 strerror(errno));
    free(tmp);
    return ok ? 0 : CF_ERR;
}

int gexport_sync(struct gexport *g, redisContext *rc, char *errstr)
{
    const char **argv;
    size_t i, k, n;
    int rv = 0;

    g->synced_ms = cf_mono_ms();
    if (g->nunacked == 0)
        return 0;
    if (fflush(g->out) != 0 ||
        (fsync(fileno(g->out)) != 0 && errno != EINVAL && errno != EROFS)) {
        snprintf(errstr, CF_ERRSTR_LEN, "write: %s", strerror(errno));
        return CF_ERR;
    }
    /* ids come in order: the last is the newest */
    if (id_cmp(g->unacked[g->nunacked - 1], g->done_id) > 0)
        snprintf(g->done_id, sizeof(g->done_id), "%s",
                 g->unacked[g->nunacked - 1]);
    if (g->cursor && write_cursor(g, g->done_id, errstr) != 0)
        return CF_ERR;
    argv = cf_calloc(GEXPORT_BATCH + 3, sizeof(*argv));
    for (i = 0; i < g->nunacked && rv == 0; i += n) {
        redisReply *r;

        n = g->nunacked - i < GEXPORT_BATCH ? g->nunacked - i : GEXPORT_BATCH;
        argv[0] = "XACK";
        argv[1] = g->key;
        argv[2] = g->group;
        for (k = 0; k < n; k++)
            argv[3 + k] = g->unacked[i + k];
        r = redisCommandArgv(rc, (int)(3 + n), argv, NULL);
        if (!r || r->type == REDIS_REPLY_ERROR)
            rv = redis_err(rc, r, errstr);
        else
            freeReplyObject(r);
    }
    free(argv);
    for (i = 0; i < g->nunacked; i++)
        free(g->unacked[i]);
    g->nunacked = 0;
    if (rv == 0 && !g->keep) {
        long long t = gexport_trim(rc, g->key, errstr);

        if (t < 0)
            return CF_EREDIS;
        g->trimmed += t;
    }
    return rv;
}

void gexport_cleanup(struct gexport *g)
{
    if (!g)
        return;
    for (size_t i = 0; i < g->nunacked; i++)
        free(g->unacked[i]);
    free(g->unacked);
    free(g->group);
    free(g->consumer);
    free(g->cursor);
    memset(g, 0, sizeof(*g));
}

/* The value of field name in a flat [k, v, k, v...] reply, or NULL. */
static const redisReply *field(const redisReply *m, const char *name)
{
    for (size_t i = 0; m->type == REDIS_REPLY_ARRAY && i + 1 < m->elements;
         i += 2)
        if (m->element[i]->type == REDIS_REPLY_STRING &&
            strcmp(m->element[i]->str, name) == 0)
            return m->element[i + 1];
    return NULL;
}

long long gexport_trim(redisContext *rc, const char *key, char *errstr)
{
    redisReply *r = redisCommand(rc, "XINFO GROUPS %s", key), *p, *t;
    char need[64] = "", cand[64];
    long long removed = 0;

    if (r && r->type == REDIS_REPLY_ERROR &&
        strstr(r->str, "no such key") != NULL) {
        freeReplyObject(r);
        return 0;
    }
    if (!r || r->type != REDIS_REPLY_ARRAY) {
        redis_err(rc, r, errstr);
        return -1;
    }
    for (size_t i = 0; i < r->elements; i++) {
        const redisReply *gi = r->element[i];
        const redisReply *name = field(gi, "name");
        const redisReply *pend = field(gi, "pending");
        const redisReply *last = field(gi, "last-delivered-id");
        uint64_t ms, seq;

        if (!name || !pend || !last || last->type != REDIS_REPLY_STRING)
            continue;
        cand[0] = '\0';
        if (pend->integer > 0) {
            /* its oldest entry delivered and not acknowledged (none if
             * another consumer acknowledged them meanwhile) */
            p = redisCommand(rc, "XPENDING %s %s", key, name->str);
            if (!p || p->type != REDIS_REPLY_ARRAY) {
                freeReplyObject(r);
                redis_err(rc, p, errstr);
                return -1;
            }
            if (p->elements >= 2 && p->element[1]->type == REDIS_REPLY_STRING)
                snprintf(cand, sizeof(cand), "%s", p->element[1]->str);
            freeReplyObject(p);
        }
        if (cand[0]) {
            /* found above */
        } else if (id_parse(last->str, &ms, &seq) == 0) {
            /* everything it read is acknowledged: keep what follows */
            snprintf(cand, sizeof(cand), "%" PRIu64 "-%" PRIu64, ms,
                     seq + 1);
        } else {
            continue;
        }
        if (!need[0] || id_cmp(cand, need) < 0)
            snprintf(need, sizeof(need), "%s", cand);
    }
    freeReplyObject(r);
    if (!need[0])
        return 0;
    t = redisCommand(rc, "XTRIM %s MINID %s", key, need);
    if (!t || t->type != REDIS_REPLY_INTEGER) {
        redis_err(rc, t, errstr);
        return -1;
    }
    removed = t->integer;
    freeReplyObject(t);
    return removed;
}

/* gexport.c - the results stream through a consumer group, written
 * durably, acknowledged and trimmed (contract in gexport.h). */
#include "gexport.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
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

/* Where the output goes on: the Redis checkpoint of this consumer when
 * the output has a file checkpoint (it was checkpointed before), else
 * the file checkpoint; a new output starts empty. The output is cut back
 * to the checkpoint's size. */
static int load_cursor(struct gexport *g, redisContext *rc, char *errstr)
{
    FILE *f = fopen(g->cursor, "r");
    char id[64];
    long long size = 0;
    int fd = fileno(g->out);
    struct stat st;
    redisReply *r;

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
        g->skip_old = 1;
        r = redisCommand(rc, "HGET %s %s", g->ckpt_key, g->ckpt_field);
        if (!r || r->type == REDIS_REPLY_ERROR)
            return redis_err(rc, r, errstr);
        if (r->type == REDIS_REPLY_STRING &&
            sscanf(r->str, "%63s %lld", id, &size) == 2 && size >= 0) {
            /* acknowledged together with it: what Redis holds as done */
            snprintf(g->done_id, sizeof(g->done_id), "%s", id);
            g->skip_old = 0;
        }
        freeReplyObject(r);
    }
    fflush(g->out);
    if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size < size) {
        snprintf(errstr, CF_ERRSTR_LEN, "the checkpoint of consumer %s "
                 "names %lld bytes, the output holds %lld: not its file",
                 g->consumer, size, (long long)st.st_size);
        return CF_ERR;
    }
    /* what was written after the checkpoint comes again: cut it */
    if (ftruncate(fd, (off_t)size) != 0 || fseeko(g->out, 0, SEEK_END) != 0) {
        snprintf(errstr, CF_ERRSTR_LEN, "cannot cut the output back to its "
                 "checkpoint: %s", strerror(errno));
        return CF_ERR;
    }
    g->ckpt_size = size;
    return 0;
}

int gexport_open(struct gexport *g, redisContext *rc, const char *crawl,
                 const char *group, const char *consumer, FILE *out,
                 const char *cursor, enum export_format fmt, char *errstr)
{
    redisReply *r;

    memset(g, 0, sizeof(*g));
    cf_key(g->key, crawl, "results");
    cf_key(g->ckpt_key, crawl, "export");
    g->group = cf_strdup(group);
    g->consumer = cf_strdup(consumer);
    g->ckpt_field = cf_asprintf("%s %s", group, consumer);
    g->claim_idle_ms = GEXPORT_CLAIM_IDLE_MS;
    g->claimed_ms = cf_mono_ms();
    snprintf(g->claim_from, sizeof(g->claim_from), "0-0");
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
        return load_cursor(g, rc, errstr);
    return 0;
}

static void note_unacked(struct gexport *g, const char *id)
{
    if (g->noack) {
        /* ids come in order and nothing is acknowledged: the last */
        snprintf(g->read_id, sizeof(g->read_id), "%s", id);
        g->nunacked++;
        return;
    }
    if (g->nunacked == g->cap) {
        g->cap = g->cap ? 2 * g->cap : 256;
        g->unacked = cf_realloc(g->unacked, g->cap * sizeof(*g->unacked));
    }
    g->unacked[g->nunacked++] = cf_strdup(id);
}

/* Write (or skip) the entries of one stream's reply. */
static void take(struct gexport *g, const redisReply *entries, long *got)
{
    /* only this consumer's own re-delivered entries can be in the file
     * already (before a file checkpoint): those taken over from another
     * consumer come with any id */
    int may_skip = g->pending && g->skip_old;

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
        if (may_skip && id_cmp(id, g->done_id) <= 0) {
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
    if (g->noack) {
        /* past the last id read, no group (gexport_noack) */
        argv[n++] = "XREAD";
        argv[n++] = "COUNT";
        argv[n++] = count;
        if (block_ms > 0) {
            argv[n++] = "BLOCK";
            argv[n++] = block;
        }
        argv[n++] = "STREAMS";
        argv[n++] = g->key;
        argv[n++] = g->read_id;
        goto send;
    }
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
send:
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

/* One XAUTOCLAIM step: entries idle claim_idle_ms on any consumer of
 * the group become ours, and are written like the others. Run only with
 * nothing unacknowledged, so none of ours still in memory is among
 * them. */
static int claim_once(struct gexport *g, redisContext *rc, long *got,
                      char *errstr)
{
    char idle[32], count[16];
    const char *argv[8];
    redisReply *r;
    long before = *got;

    snprintf(idle, sizeof(idle), "%lld", (long long)g->claim_idle_ms);
    snprintf(count, sizeof(count), "%d", GEXPORT_BATCH);
    argv[0] = "XAUTOCLAIM";
    argv[1] = g->key;
    argv[2] = g->group;
    argv[3] = g->consumer;
    argv[4] = idle;
    argv[5] = g->claim_from;
    argv[6] = "COUNT";
    argv[7] = count;
    g->claimed_ms = cf_mono_ms();
    r = redisCommandArgv(rc, 8, argv, NULL);
    if (!r || r->type != REDIS_REPLY_ARRAY || r->elements < 2 ||
        r->element[0]->type != REDIS_REPLY_STRING)
        return redis_err(rc, r, errstr);
    /* where the scan goes on ("0-0": from the start again); entries
     * trimmed away meanwhile (element 2) left the pending list */
    snprintf(g->claim_from, sizeof(g->claim_from), "%s", r->element[0]->str);
    if (r->element[1]->type == REDIS_REPLY_ARRAY)
        take(g, r->element[1], got);
    g->claimed += *got - before;
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
    if (!g->pending && *got == 0 && g->claim_idle_ms > 0 &&
        g->nunacked == 0 &&
        cf_mono_ms() - g->claimed_ms >= GEXPORT_CLAIM_EVERY_MS &&
        claim_once(g, rc, got, errstr) != 0)
        return CF_EREDIS;
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

/* Acknowledge ids and record the checkpoint value (empty: none) in one
 * call, only if every id is still pending on this consumer; else
 * nothing, and the number of ids another consumer has taken. ARGV 7 is
 * "1" when the ids are everything pending on this consumer (it holds
 * every entry delivered to it since its last acknowledgement: not while
 * it reads its earlier deliveries again; only it claims entries for its
 * name). Then the summary form of XPENDING settles it: this consumer's
 * count equal to the number of ids means none was taken over. Else, or
 * when the counts differ: one XPENDING of this consumer's entries
 * between the lowest and the highest id (ARGV 5 and 6; an XPENDING per
 * id cost Redis some 10 us a result), or per id when that range holds
 * more than it asks for. The entry list and its table cost redis-server
 * some 2.5 us a result, the summary next to nothing (bench/README.md). */
static const char ack_script[] =
    "local n = #ARGV - 7\n"
    "local lost = -1\n"
    "if ARGV[7] == '1' then\n"
    "  local s = redis.call('XPENDING', KEYS[1], ARGV[1])\n"
    "  for _, c in ipairs(s[4] or {}) do\n"
    "    if c[1] == ARGV[2] and tonumber(c[2]) == n then lost = 0 end\n"
    "  end\n"
    "end\n"
    "if lost < 0 then\n"
    "  local cap = 2 * n + 100\n"
    "  local mine = redis.call('XPENDING', KEYS[1], ARGV[1], ARGV[5],\n"
    "                          ARGV[6], cap, ARGV[2])\n"
    "  lost = 0\n"
    "  if #mine < cap then\n"
    "    local have = {}\n"
    "    for _, e in ipairs(mine) do have[e[1]] = true end\n"
    "    for i = 8, #ARGV do\n"
    "      if not have[ARGV[i]] then lost = lost + 1 end\n"
    "    end\n"
    "  else\n"
    "    for i = 8, #ARGV do\n"
    "      if #redis.call('XPENDING', KEYS[1], ARGV[1], ARGV[i], ARGV[i],\n"
    "                     1, ARGV[2]) == 0 then lost = lost + 1 end\n"
    "    end\n"
    "  end\n"
    "end\n"
    "if lost > 0 then return lost end\n"
    "for i = 8, #ARGV, 1000 do\n"
    "  redis.call('XACK', KEYS[1], ARGV[1],\n"
    "             unpack(ARGV, i, math.min(i + 999, #ARGV)))\n"
    "end\n"
    "if ARGV[4] ~= '' then redis.call('HSET', KEYS[2], ARGV[3], ARGV[4]) end\n"
    "return 0\n";

/* Some of what we wrote was taken over by another consumer before we
 * acknowledged it: cut the output back to the last checkpoint and read
 * our pending entries again (those still ours come back). */
static int lost_some(struct gexport *g, long long n, char *errstr)
{
    int fd = fileno(g->out);

    g->lost++;
    fprintf(stderr, "%s: %lld results were taken over by another exporter "
            "before this one acknowledged them; writing again from the "
            "last checkpoint\n", CLI_PROG, n);
    if (ftruncate(fd, (off_t)g->ckpt_size) != 0 ||
        fseeko(g->out, 0, SEEK_END) != 0) {
        snprintf(errstr, CF_ERRSTR_LEN, "cannot cut the output back to its "
                 "checkpoint: %s", strerror(errno));
        return CF_ERR;
    }
    if (g->cursor && write_cursor(g, g->done_id, errstr) != 0)
        return CF_ERR;
    g->pending = 1;
    snprintf(g->pend_id, sizeof(g->pend_id), "0");
    return 0;
}

/* Run a command whose reply is not an error; 0, or CF_EREDIS with
 * errstr. */
static int command_ok(redisContext *rc, char *errstr, const char *fmt, ...)
{
    va_list ap;
    redisReply *r;

    va_start(ap, fmt);
    r = redisvCommand(rc, fmt, ap);
    va_end(ap);
    if (!r || r->type == REDIS_REPLY_ERROR)
        return redis_err(rc, r, errstr);
    freeReplyObject(r);
    return 0;
}

/* A sync's end: done (size bytes of output) is the checkpoint; the
 * stream is trimmed unless kept. */
static int checkpointed(struct gexport *g, redisContext *rc,
                        const char *done, long long size, char *errstr)
{
    snprintf(g->done_id, sizeof(g->done_id), "%s", done);
    g->ckpt_size = size;
    if (!g->keep) {
        long long t = gexport_trim(rc, g->key, errstr);

        if (t < 0)
            return CF_EREDIS;
        g->trimmed += t;
    }
    return 0;
}

/* gexport_sync without acknowledgements (gexport_noack): the file
 * checkpoint, then Redis', then the trim. */
static int noack_sync(struct gexport *g, redisContext *rc, long long size,
                      char *errstr)
{
    redisReply *r;

    if (g->cursor) {
        char val[128];

        if (write_cursor(g, g->read_id, errstr) != 0)
            return CF_ERR;
        snprintf(val, sizeof(val), "%s %lld", g->read_id, size);
        r = redisCommand(rc, "HSET %s %s %s", g->ckpt_key, g->ckpt_field,
                         val);
        if (!r || r->type != REDIS_REPLY_INTEGER)
            return redis_err(rc, r, errstr);
        freeReplyObject(r);
    }
    /* the group's place: what is durable, for every exporter's trim */
    if (command_ok(rc, errstr, "XGROUP SETID %s %s %s", g->key, g->group,
                   g->read_id) != 0)
        return CF_EREDIS;
    g->nunacked = 0;
    return checkpointed(g, rc, g->read_id, size, errstr);
}

int gexport_noack(struct gexport *g, redisContext *rc, char *errstr)
{
    /* made again at the checkpoint, not just moved there: entries left
     * pending by a run that acknowledged them (an older crawlfleet) would
     * hold the trim back for good */
    if (command_ok(rc, errstr, "XGROUP DESTROY %s %s", g->key,
                   g->group) != 0 ||
        command_ok(rc, errstr, "XGROUP CREATE %s %s %s MKSTREAM", g->key,
                   g->group, g->done_id) != 0)
        return CF_EREDIS;
    g->noack = 1;
    g->pending = 0;
    g->skip_old = 0;
    snprintf(g->read_id, sizeof(g->read_id), "%s", g->done_id);
    return 0;
}

int gexport_sync(struct gexport *g, redisContext *rc, char *errstr)
{
    const char **argv;
    char done[64], first[64], val[128];
    long long size;
    size_t i;
    redisReply *r;
    int rv = 0;

    g->synced_ms = cf_mono_ms();
    if (g->nunacked == 0)
        return 0;
    if (fflush(g->out) != 0 ||
        (fsync(fileno(g->out)) != 0 && errno != EINVAL && errno != EROFS)) {
        snprintf(errstr, CF_ERRSTR_LEN, "write: %s", strerror(errno));
        return CF_ERR;
    }
    size = (long long)ftello(g->out);
    if (g->noack)
        return noack_sync(g, rc, size, errstr);
    /* ids come in order, but those taken over are older: the newest */
    snprintf(done, sizeof(done), "%s", g->done_id);
    snprintf(first, sizeof(first), "%s", g->unacked[0]);
    for (i = 0; i < g->nunacked; i++) {
        if (id_cmp(g->unacked[i], done) > 0)
            snprintf(done, sizeof(done), "%s", g->unacked[i]);
        if (id_cmp(g->unacked[i], first) < 0)
            snprintf(first, sizeof(first), "%s", g->unacked[i]);
    }
    if (g->cursor && write_cursor(g, done, errstr) != 0)
        return CF_ERR;
    val[0] = '\0';
    if (g->cursor)
        snprintf(val, sizeof(val), "%s %lld", done, size);
    argv = cf_calloc(g->nunacked + 12, sizeof(*argv));
    argv[0] = "EVAL";
    argv[1] = ack_script;
    argv[2] = "2";
    argv[3] = g->key;
    argv[4] = g->ckpt_key;
    argv[5] = g->group;
    argv[6] = g->consumer;
    argv[7] = g->ckpt_field;
    argv[8] = val;
    argv[9] = first;
    argv[10] = done;
    argv[11] = g->pending ? "0" : "1";
    for (i = 0; i < g->nunacked; i++)
        argv[12 + i] = g->unacked[i];
    r = redisCommandArgv(rc, (int)(12 + g->nunacked), argv, NULL);
    free(argv);
    for (i = 0; i < g->nunacked; i++)
        free(g->unacked[i]);
    g->nunacked = 0;
    if (!r || r->type != REDIS_REPLY_INTEGER)
        return redis_err(rc, r, errstr);
    if (r->integer > 0) {
        rv = lost_some(g, r->integer, errstr);
        freeReplyObject(r);
        return rv;
    }
    freeReplyObject(r);
    return checkpointed(g, rc, done, size, errstr);
}

long long gexport_group_pending(struct gexport *g, redisContext *rc,
                                char *errstr)
{
    redisReply *r = redisCommand(rc, "XPENDING %s %s", g->key, g->group);
    long long n;

    if (!r || r->type != REDIS_REPLY_ARRAY || r->elements < 1 ||
        r->element[0]->type != REDIS_REPLY_INTEGER) {
        redis_err(rc, r, errstr);
        return -1;
    }
    n = r->element[0]->integer;
    freeReplyObject(r);
    return n;
}

void gexport_done(struct gexport *g, redisContext *rc)
{
    redisReply *r;

    if (!g->cursor)
        return;
    r = redisCommand(rc, "HDEL %s %s", g->ckpt_key, g->ckpt_field);
    freeReplyObject(r);
}

void gexport_cleanup(struct gexport *g)
{
    if (!g)
        return;
    /* noack counts what it read without keeping the ids */
    for (size_t i = 0; g->unacked && i < g->nunacked; i++)
        free(g->unacked[i]);
    free(g->unacked);
    free(g->group);
    free(g->consumer);
    free(g->ckpt_field);
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

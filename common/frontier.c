/* frontier.c - command builders and reply parsers for the frontier
 * scripts (common/scripts/<name>.lua, documented in docs/keys.md). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "alloc.h"
#include "entry.h"
#include "fp.h"
#include "frontier.h"
#include "keys.h"
#include "wire.h"

/* Largest command (all of a page's links) we build. */
#define CMD_CAP ((size_t)256 << 20)

/* ---- cf_cmd ------------------------------------------------------------ */

void cf_cmd_init(struct cf_cmd *c)
{
    memset(c, 0, sizeof(*c));
    cf_buf_init(&c->bytes, CMD_CAP);
}

void cf_cmd_cleanup(struct cf_cmd *c)
{
    if (!c)
        return;
    cf_buf_cleanup(&c->bytes);
    free(c->off);
    free(c->len);
    free(c->argv);
    memset(c, 0, sizeof(*c));
}

void cf_cmd_reset(struct cf_cmd *c)
{
    cf_buf_reset(&c->bytes);
    c->argc = 0;
}

void cf_cmd_add(struct cf_cmd *c, const void *p, size_t n)
{
    if (c->argc == c->cap) {
        int cap = c->cap ? c->cap * 2 : 16;

        c->off = cf_realloc(c->off, (size_t)cap * sizeof(*c->off));
        c->len = cf_realloc(c->len, (size_t)cap * sizeof(*c->len));
        c->argv = cf_realloc(c->argv, (size_t)cap * sizeof(*c->argv));
        c->cap = cap;
    }
    c->off[c->argc] = c->bytes.len;
    c->len[c->argc] = n;
    /* Over the cap the argument is sent empty and the script rejects the
     * command (a cap of 256 MiB is far above Redis' proto limits). */
    if (n > 0 && cf_buf_add(&c->bytes, p, n) != CF_OK)
        c->len[c->argc] = 0;
    c->argc++;
}

/* One argument made of a and b, with a space between them. */
static void cmd_add_pair(struct cf_cmd *c, const char *a, size_t na,
                         const void *b, size_t nb)
{
    size_t mark = c->bytes.len;

    cf_cmd_add(c, a, na);
    if (c->len[c->argc - 1] != na ||
        cf_buf_add(&c->bytes, " ", 1) != CF_OK ||
        (nb > 0 && cf_buf_add(&c->bytes, b, nb) != CF_OK)) {
        c->bytes.len = mark; /* over the cap: sent empty, as above */
        if (c->bytes.data)
            c->bytes.data[mark] = '\0';
        c->len[c->argc - 1] = 0;
        return;
    }
    c->len[c->argc - 1] = na + 1 + nb;
}

void cf_cmd_adds(struct cf_cmd *c, const char *s)
{
    cf_cmd_add(c, s, strlen(s));
}

void cf_cmd_addll(struct cf_cmd *c, long long v)
{
    char tmp[32];
    int n = snprintf(tmp, sizeof(tmp), "%lld", v);

    cf_cmd_add(c, tmp, (size_t)n);
}

static void cmd_addfp(struct cf_cmd *c, uint64_t fp)
{
    char tmp[CF_FP_STRLEN + 1];
    size_t n = cf_fp_format(fp, tmp);

    cf_cmd_add(c, tmp, n);
}

void cf_cmd_drop(struct cf_cmd *c, int n)
{
    if (n <= 0)
        return;
    c->argc = n < c->argc ? c->argc - n : 0;
    /* the first dropped argument's bytes start where the kept ones end */
    c->bytes.len = c->off[c->argc];
    if (c->bytes.data)
        c->bytes.data[c->bytes.len] = '\0';
}

int cf_cmd_argv(struct cf_cmd *c, const char ***argv, const size_t **argvlen)
{
    static const char empty[1] = "";

    for (int i = 0; i < c->argc; i++)
        c->argv[i] = c->bytes.data ? c->bytes.data + c->off[i] : empty;
    *argv = c->argv;
    *argvlen = c->len;
    return c->argc;
}

/* ---- the library ----------------------------------------------------- */

/* Redis 7's reply to FCALL of a function no library registers. */
#define MISSING_ERR "ERR Function not found"

int cf_frontier_missing(const redisReply *r)
{
    return r && r->type == REDIS_REPLY_ERROR &&
           strncmp(r->str, MISSING_ERR, sizeof(MISSING_ERR) - 1) == 0;
}

int cf_frontier_load_argv(const char ***argv, const size_t **argvlen)
{
    static const char *args[4];
    static size_t lens[4];
    const struct cf_library *l = cf_library_get();

    args[0] = "FUNCTION";
    args[1] = "LOAD";
    args[2] = "REPLACE";
    args[3] = l->text;
    lens[0] = 8;
    lens[1] = 4;
    lens[2] = 7;
    lens[3] = l->len;
    *argv = args;
    *argvlen = lens;
    return 4;
}

/* Redis 7 quotes the name with ', 6.x with a backquote; the command's
 * case is the caller's. */
int cf_frontier_no_functions(const char *err)
{
    static const char head[] = "ERR unknown command ";
    static const char *const names[] = {"FCALL", "FUNCTION"};

    if (!err || strncmp(err, head, sizeof(head) - 1) != 0)
        return 0;
    err += sizeof(head) - 1;
    if (*err != '\'' && *err != '`')
        return 0;
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        size_t n = strlen(names[i]);

        if (strncasecmp(err + 1, names[i], n) == 0 && err[1 + n] == err[0])
            return 1;
    }
    return 0;
}

/* The name of library entry e of a FUNCTION LIST reply, or NULL. */
static const char *library_name(const redisReply *e)
{
    if (e->type != REDIS_REPLY_ARRAY)
        return NULL;
    for (size_t i = 0; i + 1 < e->elements; i += 2)
        if (e->element[i]->type == REDIS_REPLY_STRING &&
            strcmp(e->element[i]->str, "library_name") == 0 &&
            e->element[i + 1]->type == REDIS_REPLY_STRING)
            return e->element[i + 1]->str;
    return NULL;
}

/* Delete the other builds' libraries when there are CF_LIBS_MAX or more.
 * Housekeeping: a Redis that refuses FUNCTION LIST or DELETE (an ACL)
 * keeps them, and the load goes ahead. */
static void prune_libraries(redisContext *rc)
{
    const char *own = cf_library_get()->name;
    redisReply *r = redisCommand(rc, "FUNCTION LIST LIBRARYNAME cf_*");
    size_t others = 0;

    if (!r || r->type != REDIS_REPLY_ARRAY) {
        freeReplyObject(r);
        return;
    }
    for (size_t i = 0; i < r->elements; i++) {
        const char *name = library_name(r->element[i]);

        if (name && strncmp(name, "cf_", 3) == 0 && strcmp(name, own) != 0)
            others++;
    }
    for (size_t i = 0; others >= CF_LIBS_MAX && i < r->elements; i++) {
        const char *name = library_name(r->element[i]);

        if (name && strncmp(name, "cf_", 3) == 0 && strcmp(name, own) != 0)
            freeReplyObject(redisCommand(rc, "FUNCTION DELETE %s", name));
    }
    freeReplyObject(r);
}

int cf_frontier_load(redisContext *rc, char *errstr)
{
    const char **argv;
    const size_t *lens;
    int argc = cf_frontier_load_argv(&argv, &lens);
    redisReply *r;

    prune_libraries(rc);
    r = redisCommandArgv(rc, argc, argv, lens);
    if (!r || r->type == REDIS_REPLY_ERROR) {
        snprintf(errstr, CF_ERRSTR_LEN,
                 "redis: loading the frontier's functions: %s",
                 r && cf_frontier_no_functions(r->str)
                     ? CF_FRONTIER_NO_FUNCTIONS
                 : r ? r->str
                 : rc->errstr[0] ? rc->errstr
                                 : "no reply");
        freeReplyObject(r);
        return CF_EREDIS;
    }
    freeReplyObject(r);
    return CF_OK;
}

/* "FCALL cf_<version>_<name> 1 cf:{crawl}:stats" */
static void cmd_start(struct cf_cmd *c, enum cf_script_id id,
                      const char *crawl)
{
    char key[CF_KEY_MAX];

    cf_cmd_reset(c);
    c->script = id;
    cf_cmd_adds(c, "FCALL");
    cf_cmd_adds(c, cf_script_get(id)->fn);
    cf_cmd_adds(c, "1");
    cf_cmd_adds(c, cf_key(key, crawl, "stats"));
}

/* ---- builders ---------------------------------------------------------- */

void cf_frontier_create_cmd(struct cf_cmd *c, const char *crawl,
                            const struct cf_config *cfg, int64_t now_ms)
{
    size_t n = cf_config_nfields();

    cmd_start(c, CF_SCRIPT_CREATE, crawl);
    cf_cmd_addll(c, now_ms);
    for (size_t i = 0; i < n; i++) {
        char *v = cf_config_field_value(cfg, i);

        if (!v)
            continue; /* unset string fields are absent from the hash */
        cf_cmd_adds(c, cf_config_field_name(i));
        cf_cmd_adds(c, v);
        free(v);
    }
}

/* A link's place in the host-grouped order. */
struct link_ord {
    const char *hostkey; /* the link's host key */
    size_t i;            /* its index in the caller's array */
};

static int cmp_link(const void *a, const void *b)
{
    const struct link_ord *x = a, *y = b;
    int c = strcmp(x->hostkey, y->hostkey);

    if (c != 0)
        return c;
    return x->i < y->i ? -1 : x->i > y->i;
}

/* Priorities travel clamped to [0, CF_PRIO_MAX] as CF_PRIO_BITS binary
 * digits; seen-bucket bits as CF_SEEN_BITS '0'/'1' characters (wire.h). */

/* The argument that ends up as buf's text (buf is reset). */
static void cmd_addbuf(struct cf_cmd *c, struct cf_buf *b)
{
    cf_cmd_add(c, b->data, b->len);
    cf_buf_reset(b);
}

/* Links grouped by host, packed into a few arguments (docs/keys.md): n;
 * then, when n > 0, hosts "hk k hk k ..."; bits, per link fp mod 2^25 in 25 binary digits
 * (its seen bucket is a suffix of them); priorities, per link 20 binary
 * digits; then the n queue members "<fp> <record>" (fp in decimal), one
 * argument each. All in host-grouped order; with order (push), an
 * argument before them with each link's index in the caller's array (the
 * push reply is in that order). */
static void add_links(struct cf_cmd *c, const struct cf_link *links,
                      size_t n, int order)
{
    struct link_ord *o = NULL;
    struct cf_buf b;
    int sorted = 1;

    cf_buf_init(&b, CMD_CAP);
    if (n > 0)
        o = cf_malloc(n * sizeof(*o));
    for (size_t i = 0; i < n; i++) {
        o[i].hostkey = links[i].hostkey;
        o[i].i = i;
        if (i > 0 && strcmp(o[i - 1].hostkey, o[i].hostkey) > 0)
            sorted = 0;
    }
    /* A page's links on its own host come in one group: no sort. */
    if (!sorted)
        qsort(o, n, sizeof(*o), cmp_link);
    if (order) {
        for (size_t i = 0; i < n; i++)
            cf_buf_addf(&b, i ? " %zu" : "%zu", o[i].i);
        cmd_addbuf(c, &b);
    }
    cf_cmd_addll(c, (long long)n);
    if (n == 0) {
        /* no links: the count alone */
        cf_buf_cleanup(&b);
        return;
    }
    for (size_t i = 0; i < n;) {
        size_t j = i;

        while (j < n && strcmp(o[j].hostkey, o[i].hostkey) == 0)
            j++;
        cf_buf_addf(&b, i ? " %s %zu" : "%s %zu", o[i].hostkey, j - i);
        i = j;
    }
    cmd_addbuf(c, &b);
    for (size_t i = 0; i < n; i++) {
        char bits[CF_SEEN_BITS];
        uint64_t fp = links[o[i].i].fp;

        for (int k = 0; k < CF_SEEN_BITS; k++)
            bits[k] = (char)('0' + ((fp >> (CF_SEEN_BITS - 1 - k)) & 1));
        cf_buf_add(&b, bits, sizeof(bits));
    }
    cmd_addbuf(c, &b);
    for (size_t i = 0; i < n; i++) {
        int64_t p = links[o[i].i].priority;
        char d[CF_PRIO_BITS];

        p = p < 0 ? 0 : p > CF_PRIO_MAX ? CF_PRIO_MAX : p;
        for (int k = 0; k < CF_PRIO_BITS; k++)
            d[k] = (char)('0' + ((p >> (CF_PRIO_BITS - 1 - k)) & 1));
        cf_buf_add(&b, d, sizeof(d));
    }
    cmd_addbuf(c, &b);
    for (size_t i = 0; i < n; i++) {
        const struct cf_link *l = &links[o[i].i];
        char tmp[CF_FP_STRLEN + 1];
        size_t len = cf_fp_format(l->fp, tmp);

        cf_buf_reset(&b);
        if (cf_entry_encode(&b, l->fp, l->hostkey, l->rec, l->rec_len) !=
            CF_OK)
            b.len = 0; /* over the cap: an empty entry, which push refuses */
        cmd_add_pair(c, tmp, len, b.data, b.len);
    }
    cf_buf_cleanup(&b);
    free(o);
}

void cf_frontier_push_cmd(struct cf_cmd *c, const char *crawl, int64_t now_ms,
                          const struct cf_link *links, size_t n, int seeds)
{
    cmd_start(c, CF_SCRIPT_PUSH, crawl);
    cf_cmd_addll(c, now_ms);
    cf_cmd_addll(c, seeds ? 1 : 0);
    add_links(c, links, n, 1);
}

void cf_frontier_pop_cmd(struct cf_cmd *c, const char *crawl,
                         const char *worker, int n, int64_t now_ms)
{
    cmd_start(c, CF_SCRIPT_POP, crawl);
    cf_cmd_adds(c, worker);
    cf_cmd_addll(c, n);
    cf_cmd_addll(c, now_ms);
}

/* A page's numbers as the ack script reads them (wire.h, CF_ACK_NUMS):
 * little-endian IEEE doubles. A number outside [0, 2^53) is sent as -1,
 * which the script refuses (a counter that large is a bug, not data). */
static void put_num(unsigned char *p, int64_t v)
{
    double d = v >= 0 && v < ((int64_t)1 << 53) ? (double)v : -1.0;
    uint64_t u;

    memcpy(&u, &d, sizeof(u));
    for (int i = 0; i < 8; i++)
        p[i] = (unsigned char)(u >> (8 * i));
}

void cf_frontier_ack_add(struct cf_cmd *c, const struct cf_ack *a)
{
    int64_t v[CF_ACK_NUMS] = {
        a->status, a->bytes, a->links_found, a->out_of_scope, a->too_deep,
        a->skipped_ext,
        /* the script's flag bits */
        (a->robots_denied ? 1 : 0) | (a->noindex ? 2 : 0) |
            (a->nofollow ? 4 : 0) | (a->first_attempt ? 8 : 0),
        a->started_ms > 0 ? a->started_ms : 0};
    unsigned char nums[8 * CF_ACK_NUMS];

    for (int i = 0; i < CF_ACK_NUMS; i++)
        put_num(nums + 8 * i, v[i]);
    cmd_addfp(c, a->fp);
    cf_cmd_addll(c, a->token);
    cf_cmd_adds(c, a->outcome);
    cf_cmd_add(c, (const char *)nums, sizeof(nums));
    cf_cmd_add(c, a->result, a->result_len);
    add_links(c, a->links, a->nlinks, 0);
}

void cf_frontier_ack_cmd(struct cf_cmd *c, const char *crawl,
                         const struct cf_ack *a)
{
    cmd_start(c, CF_SCRIPT_ACK, crawl);
    cf_cmd_addll(c, a->now_ms);
    cf_frontier_ack_add(c, a);
}

void cf_frontier_ack_pop(struct cf_cmd *c, const char *worker, int n,
                         int64_t now_ms)
{
    cf_cmd_adds(c, "pop");
    cf_cmd_adds(c, worker);
    cf_cmd_addll(c, n);
    cf_cmd_addll(c, now_ms);
}

const redisReply *cf_frontier_ack_popped(const redisReply *r, size_t n)
{
    if (!r || r->type != REDIS_REPLY_ARRAY || r->elements != n + 1 ||
        r->element[n]->type != REDIS_REPLY_ARRAY)
        return NULL;
    return r->element[n];
}

int cf_frontier_ack_parse(const redisReply *r, size_t n, int *accepted,
                          char *errstr)
{
    if (!r || r->type != REDIS_REPLY_ARRAY ||
        (r->elements != n && !cf_frontier_ack_popped(r, n))) {
        snprintf(errstr, CF_ERRSTR_LEN, "ack: expected %zu replies", n);
        return CF_EREDIS;
    }
    for (size_t i = 0; i < n; i++) {
        const redisReply *e = r->element[i];

        if (e->type != REDIS_REPLY_INTEGER ||
            (e->integer != 0 && e->integer != 1)) {
            snprintf(errstr, CF_ERRSTR_LEN, "ack: reply %zu is not 0 or 1", i);
            return CF_EREDIS;
        }
        accepted[i] = (int)e->integer;
    }
    return CF_OK;
}

void cf_frontier_fail_cmd(struct cf_cmd *c, const char *crawl,
                          const struct cf_fail *f)
{
    cmd_start(c, CF_SCRIPT_FAIL, crawl);
    cf_cmd_addll(c, f->now_ms);
    cmd_addfp(c, f->fp);
    cf_cmd_addll(c, f->token);
    cf_cmd_adds(c, f->hostkey);
    cf_cmd_adds(c, f->outcome);
    cf_cmd_addll(c, f->status);
    cf_cmd_addll(c, f->retry_after_ms);
    cf_cmd_add(c, f->result, f->result_len);
}

void cf_frontier_robots_cmd(struct cf_cmd *c, const char *crawl,
                            const char *hostkey, int64_t token,
                            int64_t now_ms, int status, const char *body,
                            size_t len, int64_t crawl_delay_ms)
{
    cmd_start(c, CF_SCRIPT_ROBOTS, crawl);
    cf_cmd_addll(c, now_ms);
    cf_cmd_adds(c, hostkey);
    cf_cmd_addll(c, token);
    cf_cmd_addll(c, status);
    cf_cmd_addll(c, crawl_delay_ms);
    cf_cmd_add(c, body, len);
}

void cf_frontier_robots_fail_cmd(struct cf_cmd *c, const char *crawl,
                                 const char *hostkey, int64_t token,
                                 int64_t now_ms, int status,
                                 const char *outcome, const char *msg,
                                 int final)
{
    cf_frontier_robots_cmd(c, crawl, hostkey, token, now_ms, status, "", 0,
                           -1);
    cf_cmd_adds(c, outcome);
    cf_cmd_adds(c, msg ? msg : "");
    cf_cmd_addll(c, final ? 1 : 0);
}

void cf_frontier_reap_cmd(struct cf_cmd *c, const char *crawl,
                          int64_t now_ms, int limit)
{
    cmd_start(c, CF_SCRIPT_REAP, crawl);
    cf_cmd_addll(c, now_ms);
    cf_cmd_addll(c, limit);
}

void cf_frontier_control_cmd(struct cf_cmd *c, const char *crawl,
                             const char *op, int64_t now_ms)
{
    cmd_start(c, CF_SCRIPT_CONTROL, crawl);
    cf_cmd_adds(c, op);
    cf_cmd_addll(c, now_ms);
}

/* ---- parsers ----------------------------------------------------------- */

int cf_frontier_push_parse(const redisReply *r, size_t n, int *is_new,
                           char *errstr)
{
    if (!r || r->type != REDIS_REPLY_ARRAY || r->elements != n) {
        snprintf(errstr, CF_ERRSTR_LEN, "push: malformed reply");
        return CF_EINVAL;
    }
    for (size_t i = 0; i < n; i++) {
        const redisReply *e = r->element[i];

        if (e->type != REDIS_REPLY_INTEGER ||
            (e->integer != 0 && e->integer != 1)) {
            snprintf(errstr, CF_ERRSTR_LEN, "push: malformed reply entry");
            return CF_EINVAL;
        }
        if (is_new)
            is_new[i] = (int)e->integer;
    }
    return CF_OK;
}

void cf_lease_cleanup(struct cf_lease *l)
{
    if (!l)
        return;
    free(l->hostkey);
    free(l->rec);
    memset(l, 0, sizeof(*l));
}

void cf_leases_free(struct cf_lease *l, size_t n)
{
    if (!l)
        return;
    for (size_t i = 0; i < n; i++)
        cf_lease_cleanup(&l[i]);
    free(l);
}

/* One lease from the six reply entries at e (a page's record is the
 * record part of its queue entry, made back into what was pushed). */
static int parse_lease(redisReply **e, struct cf_lease *l, char *errstr)
{
    if (e[0]->type != REDIS_REPLY_INTEGER ||
        e[1]->type != REDIS_REPLY_STRING ||
        e[2]->type != REDIS_REPLY_INTEGER ||
        e[3]->type != REDIS_REPLY_STRING || e[3]->len == 0 ||
        e[4]->type != REDIS_REPLY_STRING ||
        e[5]->type != REDIS_REPLY_INTEGER)
        return CF_EINVAL;
    if (e[0]->integer != CF_LEASE_PAGE && e[0]->integer != CF_LEASE_ROBOTS)
        return CF_EINVAL;
    if (cf_fp_parse(e[1]->str, e[1]->len, &l->fp) != CF_OK)
        return CF_EINVAL;
    if (e[5]->integer < 0 || e[5]->integer > UINT32_MAX)
        return CF_EINVAL;
    l->kind = (enum cf_lease_kind)e[0]->integer;
    l->token = e[2]->integer;
    l->attempts = (uint32_t)e[5]->integer;
    l->hostkey = cf_strndup(e[3]->str, e[3]->len);
    if (l->kind == CF_LEASE_PAGE) {
        struct cf_buf b;

        cf_buf_init(&b, CMD_CAP);
        if (cf_entry_record(e[4]->str, e[4]->len, l->hostkey, &b, errstr) !=
            CF_OK) {
            cf_buf_cleanup(&b);
            return CF_EINVAL;
        }
        if (b.len == 0) {
            l->rec = cf_memdup("", 0);
            l->rec_len = 0;
            cf_buf_cleanup(&b);
        } else {
            l->rec = cf_buf_take(&b, &l->rec_len);
        }
    }
    return CF_OK;
}

int cf_frontier_pop_parse(const redisReply *r, struct cf_lease **out,
                          size_t *n, struct cf_pop_info *info, char *errstr)
{
    struct cf_lease *ls = NULL;
    size_t count, i;

    *out = NULL;
    *n = 0;
    if (!r || r->type != REDIS_REPLY_ARRAY || r->elements < 4 ||
        (r->elements - 4) % 6 != 0 ||
        r->element[0]->type != REDIS_REPLY_STRING ||
        r->element[0]->len >= sizeof(info->state) ||
        r->element[1]->type != REDIS_REPLY_INTEGER ||
        r->element[2]->type != REDIS_REPLY_INTEGER ||
        r->element[3]->type != REDIS_REPLY_INTEGER ||
        r->element[2]->integer < -1 || r->element[2]->integer > 62) {
        snprintf(errstr, CF_ERRSTR_LEN, "pop: malformed reply");
        return CF_EINVAL;
    }
    memcpy(info->state, r->element[0]->str, r->element[0]->len);
    info->state[r->element[0]->len] = '\0';
    info->wait_ms = r->element[1]->integer;
    info->seen_level = (int)r->element[2]->integer;
    info->seen_split = r->element[3]->integer;
    count = (r->elements - 4) / 6;
    if (count == 0)
        return CF_OK;
    ls = cf_calloc(count, sizeof(*ls));
    for (i = 0; i < count; i++) {
        char why[CF_ERRSTR_LEN] = "";

        if (parse_lease(r->element + 4 + 6 * i, &ls[i], why) != CF_OK) {
            snprintf(errstr, CF_ERRSTR_LEN, "pop: malformed lease %zu%s%.200s",
                     i, why[0] ? ": " : "", why);
            cf_leases_free(ls, i + 1);
            return CF_EINVAL;
        }
    }
    *out = ls;
    *n = count;
    return CF_OK;
}

int cf_frontier_seen_key(char *buf, const char *crawl, uint64_t fp,
                         int level, int64_t split)
{
    char name[16 + 64];
    int w = level;
    size_t off;

    buf[0] = '\0';
    if (level < 0 || level > 62)
        return -1;
    if ((int64_t)(fp & ((UINT64_C(1) << level) - 1)) < split)
        w = level + 1;
    off = (size_t)snprintf(name, sizeof(name), "seen:");
    for (int k = w - 1; k >= 0; k--)
        name[off++] = (char)('0' + ((fp >> k) & 1));
    name[off] = '\0';
    cf_key(buf, crawl, name);
    return 0;
}

/* ---- release ----------------------------------------------------------- */

void cf_frontier_release_cmd(struct cf_cmd *c, const char *crawl,
                             int64_t now_ms, const struct cf_lease_ref *refs,
                             size_t n)
{
    cmd_start(c, CF_SCRIPT_RELEASE, crawl);
    cf_cmd_addll(c, now_ms);
    cf_cmd_addll(c, (long long)n);
    for (size_t i = 0; i < n; i++) {
        cf_cmd_addll(c, refs[i].kind);
        cmd_addfp(c, refs[i].kind == CF_LEASE_ROBOTS ? 0 : refs[i].fp);
        cf_cmd_addll(c, refs[i].token);
        cf_cmd_adds(c, refs[i].hostkey);
    }
}

int cf_frontier_release_parse(const redisReply *r,
                              struct cf_release_info *info, char *errstr)
{
    memset(info, 0, sizeof(*info));
    if (!r || r->type != REDIS_REPLY_ARRAY || r->elements != 3 ||
        r->element[0]->type != REDIS_REPLY_INTEGER ||
        r->element[1]->type != REDIS_REPLY_INTEGER ||
        r->element[2]->type != REDIS_REPLY_INTEGER) {
        snprintf(errstr, CF_ERRSTR_LEN, "release: malformed reply");
        return CF_EINVAL;
    }
    info->pages = r->element[0]->integer;
    info->robots = r->element[1]->integer;
    info->stale = r->element[2]->integer;
    return CF_OK;
}

/* ---- synchronous calls ------------------------------------------------- */

static redisReply *send_cmd(redisContext *rc, struct cf_cmd *c)
{
    const char **argv;
    const size_t *lens;
    int argc = cf_cmd_argv(c, &argv, &lens);

    return redisCommandArgv(rc, argc, argv, lens);
}

redisReply *cf_frontier_call(redisContext *rc, struct cf_cmd *c,
                             char *errstr)
{
    redisReply *r = send_cmd(rc, c);

    if (cf_frontier_missing(r)) {
        freeReplyObject(r);
        if (cf_frontier_load(rc, errstr) != CF_OK)
            return NULL;
        r = send_cmd(rc, c);
    }
    if (!r) {
        snprintf(errstr, CF_ERRSTR_LEN, "redis: %s",
                 rc->errstr[0] ? rc->errstr : "no reply");
        return NULL;
    }
    if (r->type == REDIS_REPLY_ERROR) {
        if (cf_frontier_no_functions(r->str))
            snprintf(errstr, CF_ERRSTR_LEN, "%s", CF_FRONTIER_NO_FUNCTIONS);
        else
            snprintf(errstr, CF_ERRSTR_LEN, "%s %s",
                     cf_script_get(c->script)->name, r->str);
        freeReplyObject(r);
        return NULL;
    }
    return r;
}

int cf_frontier_check_redis(redisContext *rc, char *warn)
{
    static const char *const names[] = {"list-max-listpack-size",
                                        "list-max-ziplist-size"};
    redisReply *r = NULL;
    long long v = 0;
    int found = 0;

    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]) && !found;
         i++) {
        r = redisCommand(rc, "CONFIG GET %s", names[i]);
        if (!r || r->type != REDIS_REPLY_ARRAY) {
            snprintf(warn, CF_ERRSTR_LEN,
                     "cannot read Redis' list settings (CONFIG GET: %s); "
                     "the frontier's memory per URL assumes "
                     "list-max-listpack-size -2 (docs/keys.md)",
                     r && r->type == REDIS_REPLY_ERROR ? r->str
                                                        : "no reply");
            freeReplyObject(r);
            return 1;
        }
        if (r->elements == 2 && r->element[1]->type == REDIS_REPLY_STRING) {
            v = atoll(r->element[1]->str);
            found = 1;
        }
        freeReplyObject(r);
    }
    if (found && ((v <= -1 && v >= -5) || v >= CF_LIST_NODE_MIN))
        return 0;
    if (found)
        snprintf(warn, CF_ERRSTR_LEN,
                 "Redis has list-max-listpack-size %lld: the frontier's "
                 "host queues take more memory per URL than with -2, the "
                 "default (docs/keys.md)", v);
    else
        snprintf(warn, CF_ERRSTR_LEN,
                 "Redis names no list-max-listpack-size: the frontier "
                 "needs Redis 7.0 or later (docs/keys.md)");
    return 1;
}

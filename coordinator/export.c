/* export.c - crawlfleet export, and results records as JSON or CSV. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "cli.h"
#include "commands.h"
#include "err.h"
#include "export.h"
#include "stats.h"

#define FOLLOW_BATCH 1000    /* entries per XREAD */
#define FOLLOW_BLOCK_MS 1000 /* wait per XREAD when following */

int export_format_parse(const char *s, enum export_format *f)
{
    if (strcmp(s, "jsonl") == 0 || strcmp(s, "json") == 0) {
        *f = EXPORT_JSONL;
        return 0;
    }
    if (strcmp(s, "csv") == 0) {
        *f = EXPORT_CSV;
        return 0;
    }
    return -1;
}

static json_t *str_or_null(const char *s)
{
    json_t *j;

    if (!s)
        return json_null();
    /* Page titles are not always valid UTF-8: keep what is valid. */
    j = json_string(s);
    if (!j) {
        char *copy = cf_strdup(s);

        for (unsigned char *p = (unsigned char *)copy; *p; p++)
            if (*p >= 0x80)
                *p = '?';
        j = json_string(copy);
        free(copy);
    }
    return j ? j : json_null();
}

json_t *export_result_json(const struct cf_result *r)
{
    json_t *o = json_object();

    json_object_set_new(o, "url", str_or_null(r->url));
    json_object_set_new(o, "final_url", str_or_null(r->final_url));
    json_object_set_new(o, "status", json_integer(r->status));
    json_object_set_new(o, "content_type", str_or_null(r->content_type));
    json_object_set_new(o, "bytes", json_integer(r->bytes));
    json_object_set_new(o, "title", str_or_null(r->title));
    json_object_set_new(o, "depth", json_integer(r->depth));
    json_object_set_new(o, "links", json_integer(r->nlinks));
    json_object_set_new(o, "fetch_ms", json_integer(r->fetch_ms));
    json_object_set_new(o, "worker", str_or_null(r->worker));
    json_object_set_new(o, "error_type", str_or_null(r->error_type));
    json_object_set_new(o, "error", str_or_null(r->error));
    json_object_set_new(o, "started_ms", json_integer(r->started_ms));
    json_object_set_new(o, "done_ms", json_integer(r->done_ms));
    json_object_set_new(o, "attempts", json_integer(r->attempts));
    if (r->outlinks) {
        json_t *a = json_array();

        for (size_t i = 0; i < r->noutlinks; i++)
            json_array_append_new(a, str_or_null(r->outlinks[i]));
        json_object_set_new(o, "outlinks", a);
    }
    return o;
}

static const char *const csv_columns =
    "url,final_url,status,content_type,bytes,title,depth,links,fetch_ms,"
    "worker,error_type,error,started_ms,done_ms,attempts\n";

void export_csv_header(FILE *out)
{
    fputs(csv_columns, out);
}

static void csv_field(FILE *out, const char *s, int last)
{
    if (s && strpbrk(s, ",\"\r\n")) {
        fputc('"', out);
        for (; *s; s++) {
            if (*s == '"')
                fputc('"', out);
            fputc(*s, out);
        }
        fputc('"', out);
    } else if (s) {
        fputs(s, out);
    }
    fputc(last ? '\n' : ',', out);
}

static void csv_num(FILE *out, long long v)
{
    fprintf(out, "%lld,", v);
}

void export_csv_row(FILE *out, const struct cf_result *r)
{
    csv_field(out, r->url, 0);
    csv_field(out, r->final_url, 0);
    csv_num(out, r->status);
    csv_field(out, r->content_type, 0);
    csv_num(out, r->bytes);
    csv_field(out, r->title, 0);
    csv_num(out, r->depth);
    csv_num(out, r->nlinks);
    csv_num(out, r->fetch_ms);
    csv_field(out, r->worker, 0);
    csv_field(out, r->error_type, 0);
    csv_field(out, r->error, 0);
    csv_num(out, r->started_ms);
    csv_num(out, r->done_ms);
    fprintf(out, "%u\n", r->attempts);
}

int export_write(FILE *out, enum export_format fmt, const char *p,
                 size_t len, char *errstr)
{
    struct cf_result r;

    if (cf_result_decode(p, len, &r, errstr) != CF_OK)
        return CF_EINVAL;
    if (fmt == EXPORT_CSV) {
        export_csv_row(out, &r);
    } else {
        json_t *o = export_result_json(&r);

        json_dumpf(o, out, JSON_COMPACT);
        fputc('\n', out);
        json_decref(o);
    }
    cf_result_cleanup(&r);
    return CF_OK;
}

void follower_init(struct follower *f, const char *crawl,
                   enum export_format fmt)
{
    memset(f, 0, sizeof(*f));
    cf_key(f->key, crawl, "results");
    snprintf(f->last_id, sizeof(f->last_id), "0-0");
    f->fmt = fmt;
}

/* Write the entries of one XREAD stream reply. */
static void follower_take(struct follower *f, const redisReply *entries,
                          FILE *out, long *got)
{
    char err[CF_ERRSTR_LEN];

    for (size_t i = 0; i < entries->elements; i++) {
        const redisReply *e = entries->element[i], *fields;

        if (e->type != REDIS_REPLY_ARRAY || e->elements != 2)
            continue;
        snprintf(f->last_id, sizeof(f->last_id), "%s", e->element[0]->str);
        (*got)++;
        fields = e->element[1];
        for (size_t j = 0; j + 1 < fields->elements; j += 2) {
            const redisReply *k = fields->element[j];
            const redisReply *v = fields->element[j + 1];

            if (k->len != 1 || k->str[0] != 'r')
                continue;
            if (export_write(out, f->fmt, v->str, v->len, err) != CF_OK) {
                f->bad++;
                fprintf(stderr, "%s: skipped result %s: %s\n", CLI_PROG,
                        f->last_id, err);
            } else {
                f->written++;
            }
        }
    }
}

int follower_step(struct follower *f, redisContext *rc, FILE *out,
                  int block_ms, long *got, char *errstr)
{
    redisReply *r;

    *got = 0;
    if (block_ms > 0)
        r = redisCommand(rc, "XREAD COUNT %d BLOCK %d STREAMS %s %s",
                         FOLLOW_BATCH, block_ms, f->key, f->last_id);
    else
        r = redisCommand(rc, "XREAD COUNT %d STREAMS %s %s", FOLLOW_BATCH,
                         f->key, f->last_id);
    if (!r || r->type == REDIS_REPLY_ERROR) {
        snprintf(errstr, CF_ERRSTR_LEN, "redis: %s",
                 r ? r->str : rc->errstr);
        if (r)
            freeReplyObject(r);
        return CF_EREDIS;
    }
    if (r->type == REDIS_REPLY_ARRAY) {
        for (size_t i = 0; i < r->elements; i++) {
            const redisReply *s = r->element[i];

            if (s->type == REDIS_REPLY_ARRAY && s->elements == 2 &&
                s->element[1]->type == REDIS_REPLY_ARRAY)
                follower_take(f, s->element[1], out, got);
        }
    }
    freeReplyObject(r);
    return CF_OK;
}

static const struct option export_opts[] = {
    {"format", required_argument, NULL, 'F'},
    {"follow", no_argument, NULL, 'w'},
    {"output", required_argument, NULL, 'o'},
    {"redis", required_argument, NULL, 'R'},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};

/* Is the crawl finished? -1 on a Redis error (printed). */
static int crawl_finished(const char *cmd, redisContext *rc,
                          const char *crawl)
{
    struct kv stats;
    struct progress p;
    char err[CF_ERRSTR_LEN];

    if (stats_load(rc, crawl, &stats, &p, err) != CF_OK) {
        cli_fail(cmd, "%s", err);
        return -1;
    }
    kv_cleanup(&stats);
    return p.finished;
}

int cmd_export(int argc, char **argv)
{
    const char *cmd = "export";
    const char *redis = NULL, *output = NULL;
    enum export_format fmt = EXPORT_JSONL;
    struct follower fl;
    struct cli_out out;
    char err[CF_ERRSTR_LEN];
    redisContext *rc = NULL;
    char *crawl = NULL;
    int follow = 0, ret, c, opened = 0;
    long got;

    opterr = 0;
    optind = 0;
    while ((c = getopt_long(argc, argv, ":o:h", export_opts, NULL)) != -1) {
        switch (c) {
        case 'F':
            if (export_format_parse(optarg, &fmt))
                return cli_usage(cmd, "bad value for --format: %s (jsonl "
                                 "or csv)", optarg);
            break;
        case 'w': follow = 1; break;
        case 'o': output = optarg; break;
        case 'R': redis = optarg; break;
        case 'h':
            cli_print_help(cli_command_find(cmd));
            return CLI_OK;
        default:
            return cli_bad_option(cmd, c, argv);
        }
    }
    if (optind >= argc)
        return cli_usage(cmd, "missing crawl NAME");
    if (argc - optind > 1)
        return cli_usage(cmd, "unexpected argument '%s'", argv[optind + 1]);
    if (cli_check_name(cmd, argv[optind]))
        return CLI_USAGE;
    rc = cli_connect(cmd, redis);
    if (!rc)
        return cli_connect_err;
    crawl = cli_pick_crawl(cmd, rc, argv[optind], &ret);
    if (!crawl)
        goto out;
    ret = cli_out_open(cmd, &out, output);
    if (ret)
        goto out;
    opened = 1;
    follower_init(&fl, crawl, fmt);
    if (fmt == EXPORT_CSV)
        export_csv_header(out.f);
    if (follow)
        cli_catch_signals();
    for (;;) {
        int fin = 0;

        if (follow) {
            fin = crawl_finished(cmd, rc, crawl);
            if (fin < 0) {
                ret = CLI_FAIL;
                goto out;
            }
        }
        if (follower_step(&fl, rc, out.f, follow && !fin ? FOLLOW_BLOCK_MS
                                                         : 0,
                          &got, err) != CF_OK) {
            ret = cli_fail(cmd, "%s", err);
            goto out;
        }
        if (follow)
            fflush(out.f);
        if (got == 0 && (!follow || fin))
            break;
        if (cli_interrupted)
            break;
    }
    ret = cli_out_commit(cmd, &out);
    opened = 0;
    if (ret == CLI_OK && fl.bad > 0)
        ret = cli_fail(cmd, "%lld records could not be decoded", fl.bad);
    if (ret == CLI_OK && cli_interrupted)
        ret = CLI_INTERRUPTED;
out:
    if (opened)
        cli_out_abort(&out, 1);
    free(crawl);
    redisFree(rc);
    return ret;
}

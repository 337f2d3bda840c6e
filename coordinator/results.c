/* results.c - results records as JSON Lines or CSV; reading the results
 * stream. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "cli.h"
#include "err.h"
#include "results.h"

#define FOLLOW_BATCH 1000 /* entries per XREAD */

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

int export_write(FILE *out, enum export_format fmt, const char *p, size_t len,
                 char *errstr)
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

int follower_step(struct follower *f, redisContext *rc, FILE *out, int block_ms,
                  long *got, char *errstr)
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
        snprintf(errstr, CF_ERRSTR_LEN, "redis: %s", r ? r->str : rc->errstr);
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

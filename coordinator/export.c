/* export.c - crawlfleet export: a crawl's results as JSON Lines or CSV. */
#include <getopt.h>
#include <stdio.h>
#include <sys/stat.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "cli.h"
#include "commands.h"
#include "err.h"
#include "gexport.h"
#include "results.h"
#include "stats.h"

#include <errno.h>
#include <unistd.h>

#define FOLLOW_BLOCK_MS 1000 /* wait per XREAD when following */

static const struct option export_opts[] = {
    {"format", required_argument, NULL, 'F'},
    {"follow", no_argument, NULL, 'w'},
    {"group", required_argument, NULL, 'g'},
    {"consumer", required_argument, NULL, 'c'},
    {"claim-idle", required_argument, NULL, 'I'},
    {"output", required_argument, NULL, 'o'},
    {"redis", required_argument, NULL, 'R'},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};

/* Is the crawl finished? -1 on a Redis error (printed). */
static int crawl_finished(const char *cmd, redisContext *rc, const char *crawl)
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

static int cmp_line(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The lines of p[0..len) in byte order (CDXJ's sort, LC_ALL=C). */
static void write_sorted(FILE *out, char *p, size_t len)
{
    char **lines = NULL, *s = p, *nl;
    size_t n = 0, cap = 0;

    while (s && s < p + len) {
        nl = memchr(s, '\n', (size_t)(p + len - s));
        if (!nl)
            break;
        *nl = '\0';
        if (n == cap) {
            cap = cap ? 2 * cap : 1024;
            lines = cf_realloc(lines, cap * sizeof(*lines));
        }
        lines[n++] = s;
        s = nl + 1;
    }
    qsort(lines, n, sizeof(*lines), cmp_line);
    for (size_t i = 0; i < n; i++)
        fprintf(out, "%s\n", lines[i]);
    free(lines);
}

/* Is path a non-empty regular file with no checkpoint beside its tmp
 * file, i.e. the product of an earlier, finished --follow? */
static int finished_file(const char *path, const char *cursor)
{
    struct stat st;

    return path && stat(path, &st) == 0 && S_ISREG(st.st_mode) &&
           st.st_size > 0 && access(cursor, F_OK) != 0;
}

/* --follow: through consumer group group as consumer, until the crawl is
 * done and this consumer has nothing left. */
static int follow_group(const char *cmd, redisContext *rc, const char *crawl,
                        struct cli_out *out, enum export_format fmt,
                        const char *group, const char *consumer,
                        long long claim_idle)
{
    struct gexport g = {0};
    char err[CF_ERRSTR_LEN], *cursor;
    int ret = CLI_OK, waiting = 0;
    long got;

    cursor = out->tmp ? cf_asprintf("%s.cursor", out->tmp) : NULL;
    if (cursor && finished_file(out->path, cursor)) {
        /* Started again on its own finished file, the group would hand
         * out only what is new, and the rename would replace what the
         * file holds with that. */
        ret = cli_fail(cmd, "%s holds a finished --follow export; name "
                            "another file (or remove it first)", out->name);
        cli_out_abort(out, 0);
        goto out;
    }
    if (gexport_open(&g, rc, crawl, group, consumer, out->f, cursor, fmt,
                     err) != 0) {
        ret = cli_fail(cmd, "%s", err);
        cli_out_abort(out, 1);
        goto out;
    }
    g.claim_idle_ms = claim_idle;
    if (fmt == EXPORT_CSV && ftello(out->f) == 0)
        export_csv_header(out->f, NULL); /* no --extract columns */
    for (;;) {
        int fin = crawl_finished(cmd, rc, crawl);
        long long others;

        if (fin < 0) {
            ret = CLI_FAIL;
            break;
        }
        /* finished, yet results pending elsewhere: wait (blocking reads)
         * for their exporters, or to take them over */
        if (gexport_step(&g, rc, fin && !waiting ? 0 : FOLLOW_BLOCK_MS,
                         &got, err)) {
            ret = cli_fail(cmd, "%s", err);
            break;
        }
        if (got == 0 && fin && !g.pending) {
            if (claim_idle == 0)
                break;
            if (gexport_sync(&g, rc, err) != 0) {
                ret = cli_fail(cmd, "%s", err);
                break;
            }
            others = gexport_group_pending(&g, rc, err);
            if (others < 0) {
                ret = cli_fail(cmd, "%s", err);
                break;
            }
            if (others == 0 && !g.pending)
                break;
            waiting = 1;
        }
        if (cli_interrupted) {
            ret = CLI_INTERRUPTED;
            break;
        }
    }
    if (ret != CLI_FAIL && gexport_sync(&g, rc, err) != 0)
        ret = cli_fail(cmd, "%s", err);
    if (g.claimed > 0)
        fprintf(stderr, "%s: took over %lld results left unacknowledged by "
                "other consumers\n", CLI_PROG, g.claimed);
    if (ret == CLI_OK) {
        ret = cli_out_commit(cmd, out);
        if (ret == CLI_OK && cursor) {
            unlink(cursor);
            gexport_done(&g, rc);
        }
    } else {
        cli_out_abort(out, 1); /* kept, with its checkpoint, to go on */
    }
    if (ret == CLI_OK && g.bad > 0)
        ret = cli_fail(cmd, "%lld records could not be decoded", g.bad);
out:
    gexport_cleanup(&g);
    free(cursor);
    return ret;
}

int cmd_export(int argc, char **argv)
{
    const char *cmd = "export";
    const char *redis = NULL, *output = NULL;
    const char *group = GEXPORT_DEFAULT_GROUP, *consumer = NULL, *name;
    char host[256], *own = NULL;
    enum export_format fmt = EXPORT_JSONL;
    struct follower fl = {0};
    struct cli_out out;
    char err[CF_ERRSTR_LEN];
    redisContext *rc = NULL;
    char *crawl = NULL;
    int follow = 0, ret, c, opened = 0;
    long long claim_idle = GEXPORT_CLAIM_IDLE_MS;
    long got;
    FILE *sink = NULL;
    char *mem = NULL;
    size_t mem_len = 0;

    opterr = 0;
    optind = 0;
    while ((c = getopt_long(argc, argv, ":o:h", export_opts, NULL)) != -1) {
        switch (c) {
        case 'F':
            if (export_format_parse(optarg, &fmt))
                return cli_usage(cmd,
                                 "bad value for --format: %s (jsonl, "
                                 "csv or cdxj)",
                                 optarg);
            break;
        case 'w':
            follow = 1;
            break;
        case 'g':
            group = optarg;
            break;
        case 'c':
            consumer = optarg;
            break;
        case 'I': {
            char *end;

            errno = 0;
            claim_idle = strtoll(optarg, &end, 10);
            if (errno || end == optarg || *end || claim_idle < 0)
                return cli_usage(cmd, "bad value for --claim-idle: %s (ms, "
                                      "0 or more)", optarg);
            break;
        }
        case 'o':
            output = optarg;
            break;
        case 'R':
            redis = optarg;
            break;
        case 'h':
            cli_print_help(cli_command_find(cmd));
            return CLI_OK;
        default:
            return cli_bad_option(cmd, c, argv);
        }
    }
    if (cli_name_arg(cmd, argc, argv, optind, &name))
        return CLI_USAGE;
    if (follow && fmt == EXPORT_CDXJ)
        return cli_usage(cmd, "--format cdxj is sorted: not with --follow");
    rc = cli_connect(cmd, redis);
    if (!rc)
        return cli_connect_err;
    crawl = cli_pick_crawl(cmd, rc, name, &ret);
    if (!crawl)
        goto out;
    if (follow) {
        ret = cli_out_open_keep(cmd, &out, output);
        if (ret)
            goto out;
        if (!consumer) {
            if (gethostname(host, sizeof(host)) != 0)
                snprintf(host, sizeof(host), "localhost");
            host[sizeof(host) - 1] = '\0';
            own = cf_asprintf("%s:%s", host, output ? output : "-");
            consumer = own;
        }
        cli_catch_signals();
        ret = follow_group(cmd, rc, crawl, &out, fmt, group, consumer,
                           claim_idle);
        goto out;
    }
    ret = cli_out_open(cmd, &out, output);
    if (ret)
        goto out;
    opened = 1;
    sink = out.f;
    if (fmt == EXPORT_CDXJ) {
        /* CDXJ is sorted by key: collect, then sort */
        sink = open_memstream(&mem, &mem_len);
        if (!sink) {
            ret = cli_fail(cmd, "out of memory");
            goto out;
        }
    }
    follower_init(&fl, crawl, fmt);
    if (fmt == EXPORT_CSV) {
        /* one column per --extract field, named by the crawl's config */
        char key[CF_KEY_MAX];
        redisReply *r;

        cf_key(key, crawl, "config");
        r = redisCommand(rc, "HGET %s extract", key);
        if (r == NULL || r->type == REDIS_REPLY_ERROR) {
            ret = cli_fail(cmd, "cannot read the crawl's config: %s",
                           r ? r->str : rc->errstr);
            freeReplyObject(r);
            goto out;
        }
        export_fields_init(&fl.fields,
                           r->type == REDIS_REPLY_STRING ? r->str : NULL);
        freeReplyObject(r);
        export_csv_header(out.f, &fl.fields);
    }
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
        if (follower_step(&fl, rc, sink, follow && !fin ? FOLLOW_BLOCK_MS : 0,
                          &got, err) != CF_OK) {
            ret = cli_fail(cmd, "%s", err);
            goto out;
        }
        if (follow)
            fflush(out.f);
        if (cli_out_check(cmd, &out)) {
            ret = CLI_FAIL;
            goto out;
        }
        if (got == 0 && (!follow || fin))
            break;
        if (cli_interrupted)
            break;
    }
    if (fmt == EXPORT_CDXJ) {
        fclose(sink);
        sink = NULL;
        write_sorted(out.f, mem, mem_len);
    }
    ret = cli_out_commit(cmd, &out);
    opened = 0;
    if (ret == CLI_OK && fl.bad > 0)
        ret = cli_fail(cmd, "%lld records could not be decoded", fl.bad);
    if (ret == CLI_OK && cli_interrupted)
        ret = CLI_INTERRUPTED;
out:
    if (fmt == EXPORT_CDXJ && sink)
        fclose(sink);
    free(mem);
    free(own);
    if (opened)
        cli_out_abort(&out, 0);
    export_fields_cleanup(&fl.fields);
    free(crawl);
    redisFree(rc);
    return ret;
}

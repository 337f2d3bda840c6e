/* control.c - crawlfleet pause, resume, cancel and dead. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "clock.h"
#include "commands.h"
#include "err.h"
#include "results.h"
#include "frontier.h"
#include "keys.h"

/* Send control op for crawl; prints the new state. */
static int control(const char *cmd, redisContext *rc, const char *crawl,
                   const char *op, int quiet)
{
    struct cf_cmd c;
    char err[CF_ERRSTR_LEN];
    redisReply *r;
    int ret = CLI_FAIL;

    cf_cmd_init(&c);
    cf_frontier_control_cmd(&c, crawl, op, cf_wall_ms());
    r = cf_frontier_call(rc, &c, err);
    if (!r) {
        cli_fail(cmd, "%s: %s", crawl, err);
        goto out;
    }
    if (!quiet) {
        if (r->type == REDIS_REPLY_STRING || r->type == REDIS_REPLY_STATUS)
            printf("%s: %s\n", crawl, r->str);
        else if (r->type == REDIS_REPLY_INTEGER)
            printf("%s: %lld\n", crawl, r->integer);
    }
    freeReplyObject(r);
    ret = CLI_OK;
out:
    cf_cmd_cleanup(&c);
    return ret;
}

static const struct option control_opts[] = {
    {"redis", required_argument, NULL, 'R'},
    {"help", no_argument, NULL, 'h'},
    {"requeue", no_argument, NULL, 'q'},
    {"limit", required_argument, NULL, 'l'},
    {NULL, 0, NULL, 0},
};

struct control_args {
    const char *redis;
    const char *name;
    int requeue;
    long long limit;
};

static int parse(const char *cmd, int argc, char **argv, struct control_args *a,
                 int extra, int *done)
{
    int c;

    memset(a, 0, sizeof(*a));
    a->limit = 1000;
    *done = 0;
    opterr = 0;
    optind = 0;
    while ((c = getopt_long(argc, argv, ":h", control_opts, NULL)) != -1) {
        switch (c) {
        case 'R':
            a->redis = optarg;
            break;
        case 'h':
            cli_print_help(cli_command_find(cmd));
            *done = 1;
            return CLI_OK;
        case 'q':
            if (!extra)
                return cli_bad_option(cmd, '?', argv);
            a->requeue = 1;
            break;
        case 'l':
            if (!extra)
                return cli_bad_option(cmd, '?', argv);
            if (cli_parse_int(optarg, 1, 100000000, &a->limit))
                return cli_usage(cmd, "bad value for --limit: %s", optarg);
            break;
        default:
            return cli_bad_option(cmd, c, argv);
        }
    }
    return cli_name_arg(cmd, argc, argv, optind, &a->name);
}

int cmd_control(int argc, char **argv)
{
    const char *cmd = argv[0];
    struct control_args a;
    redisContext *rc;
    char *crawl;
    char state[32];
    int ret, done;

    ret = parse(cmd, argc, argv, &a, 0, &done);
    if (ret || done)
        return ret;
    rc = cli_connect(cmd, a.redis);
    if (!rc)
        return cli_connect_err;
    crawl = cli_pick_crawl(cmd, rc, a.name, &ret);
    if (crawl && strcmp(cmd, "cancel") != 0 &&
        cli_crawl_state(cmd, rc, crawl, state, sizeof(state)) == CF_OK &&
        (strcmp(state, "done") == 0 || strcmp(state, "cancelled") == 0)) {
        /* nothing to pause or resume: say so, and fail for scripts */
        ret = cli_fail(cmd, "crawl '%s' is %s; only a running crawl can be "
                            "paused and a paused one resumed", crawl, state);
    } else if (crawl) {
        ret = control(cmd, rc, crawl, cmd, 0);
    }
    free(crawl);
    redisFree(rc);
    return ret;
}

/* Print one dead letter, "<fp> <outcome> <encoded cf_result>" (the fail
 * script's format), as one JSON line: the result's fields plus fp and
 * outcome. */
static void print_dead(const redisReply *e)
{
    const char *p, *sp1, *sp2, *end;
    struct cf_result res;
    char err[CF_ERRSTR_LEN];
    json_t *o = NULL;

    if (e->type != REDIS_REPLY_STRING)
        return;
    p = e->str;
    end = e->str + e->len;
    sp1 = memchr(p, ' ', e->len);
    sp2 = sp1 ? memchr(sp1 + 1, ' ', (size_t)(end - sp1 - 1)) : NULL;
    if (sp2 && cf_result_decode(sp2 + 1, (size_t)(end - sp2 - 1), &res, err) ==
                   CF_OK) {
        o = export_result_json(&res);
        cf_result_cleanup(&res);
    } else {
        o = json_object();
    }
    if (sp1) {
        json_object_set_new(o, "fp", json_stringn(p, (size_t)(sp1 - p)));
        if (sp2)
            json_object_set_new(o, "outcome",
                                json_stringn(sp1 + 1, (size_t)(sp2 - sp1 - 1)));
    } else {
        json_object_set_new(o, "entry", json_stringn(p, e->len));
    }
    json_dumpf(o, stdout, JSON_COMPACT);
    fputc('\n', stdout);
    json_decref(o);
}

int cmd_dead(int argc, char **argv)
{
    const char *cmd = "dead";
    struct control_args a;
    char key[CF_KEY_MAX];
    redisContext *rc;
    redisReply *r = NULL;
    char *crawl;
    int ret, done;

    ret = parse(cmd, argc, argv, &a, 1, &done);
    if (ret || done)
        return ret;
    rc = cli_connect(cmd, a.redis);
    if (!rc)
        return cli_connect_err;
    crawl = cli_pick_crawl(cmd, rc, a.name, &ret);
    if (!crawl)
        goto out;
    if (a.requeue) {
        ret = control(cmd, rc, crawl, "requeue-dead", 0);
        goto out;
    }
    cf_key(key, crawl, "dead");
    r = cli_redis(cmd, rc, "TYPE %s", key);
    if (!r) {
        ret = CLI_FAIL;
        goto out;
    }
    if (strcmp(r->str, "list") == 0) {
        freeReplyObject(r);
        r = cli_redis(cmd, rc, "LRANGE %s 0 %lld", key, a.limit - 1);
    } else if (strcmp(r->str, "hash") == 0) {
        freeReplyObject(r);
        r = cli_redis(cmd, rc, "HVALS %s", key);
    } else if (strcmp(r->str, "zset") == 0) {
        freeReplyObject(r);
        r = cli_redis(cmd, rc, "ZRANGE %s 0 %lld", key, a.limit - 1);
    } else {
        freeReplyObject(r);
        r = NULL;
        ret = CLI_OK;
        goto out;
    }
    if (!r) {
        ret = CLI_FAIL;
        goto out;
    }
    for (size_t i = 0; i < r->elements && (long long)i < a.limit; i++)
        print_dead(r->element[i]);
    ret = CLI_OK;
out:
    if (r)
        freeReplyObject(r);
    free(crawl);
    redisFree(rc);
    return ret;
}

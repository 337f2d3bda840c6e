/* delete.c - crawlfleet delete: remove every key of a crawl.
 *
 * All of a crawl's keys share the prefix cf:{NAME}: (docs/keys.md), so a
 * SCAN of that pattern finds them all. The stats hash goes first (every
 * script then answers "no such crawl" and writes nothing), then the name
 * in cf:crawls, then the rest. A running or paused
 * crawl is refused unless --force, which cancels it first: its workers
 * then take nothing new, and the acks they still send are refused as
 * "no such crawl", which a worker takes as the crawl's end. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "clock.h"
#include "commands.h"
#include "err.h"
#include "frontier.h"
#include "keys.h"

#define DELETE_SCAN_COUNT 1000 /* keys asked of each SCAN step */
#define DELETE_BATCH 500       /* keys per UNLINK */
#define DELETE_ANSWER_MAX 16   /* bytes of the confirmation read */

static const struct option delete_opts[] = {
    {"yes", no_argument, NULL, 'y'},
    {"force", no_argument, NULL, 'f'},
    {"redis", required_argument, NULL, 'R'},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};

/* Count (or, with unlink set, remove) the keys of crawl. -1 on a Redis
 * error (printed). */
static long long crawl_keys(const char *cmd, redisContext *rc,
                            const char *crawl, int unlink)
{
    char pattern[CF_KEY_MAX + 8], cursor[32] = "0";
    long long n = 0;

    snprintf(pattern, sizeof(pattern), "cf:{%s}:*", crawl);
    do {
        redisReply *r = cli_redis(cmd, rc, "SCAN %s MATCH %s COUNT %d",
                                  cursor, pattern, DELETE_SCAN_COUNT);
        redisReply *keys;

        if (!r)
            return -1;
        if (r->type != REDIS_REPLY_ARRAY || r->elements != 2 ||
            r->element[0]->type != REDIS_REPLY_STRING ||
            r->element[1]->type != REDIS_REPLY_ARRAY) {
            freeReplyObject(r);
            cli_fail(cmd, "redis: unexpected SCAN reply");
            return -1;
        }
        snprintf(cursor, sizeof(cursor), "%s", r->element[0]->str);
        keys = r->element[1];
        n += (long long)keys->elements;
        for (size_t i = 0; unlink && i < keys->elements; i += DELETE_BATCH) {
            size_t k = keys->elements - i;
            const char *argv[DELETE_BATCH + 1];
            size_t lens[DELETE_BATCH + 1];
            redisReply *u;

            if (k > DELETE_BATCH)
                k = DELETE_BATCH;
            argv[0] = "UNLINK";
            lens[0] = 6;
            for (size_t j = 0; j < k; j++) {
                argv[j + 1] = keys->element[i + j]->str;
                lens[j + 1] = keys->element[i + j]->len;
            }
            u = redisCommandArgv(rc, (int)k + 1, argv, lens);
            if (!u || u->type == REDIS_REPLY_ERROR) {
                cli_fail(cmd, "redis: %s",
                         u ? u->str : rc->errstr[0] ? rc->errstr : "no reply");
                freeReplyObject(u);
                freeReplyObject(r);
                return -1;
            }
            freeReplyObject(u);
        }
        freeReplyObject(r);
    } while (strcmp(cursor, "0") != 0);
    return n;
}

/* Ask on the terminal; 1 for yes. Without a terminal, no one can
 * answer: the caller asks for --yes. */
static int confirm(const char *crawl, long long nkeys)
{
    char answer[DELETE_ANSWER_MAX];

    fprintf(stderr, "delete crawl '%s' and its %lld keys? [y/N] ", crawl,
            nkeys);
    fflush(stderr);
    if (!fgets(answer, sizeof(answer), stdin))
        return 0;
    return strcmp(answer, "y\n") == 0 || strcmp(answer, "yes\n") == 0 ||
           strcmp(answer, "Y\n") == 0;
}

int cmd_delete(int argc, char **argv)
{
    const char *cmd = "delete";
    const char *redis = NULL, *name;
    char state[32];
    redisContext *rc = NULL;
    redisReply *r;
    long long nkeys;
    char key[CF_KEY_MAX];
    int yes = 0, force = 0, active = 0, c, st, ret = CLI_FAIL;

    opterr = 0;
    optind = 0;
    while ((c = getopt_long(argc, argv, ":yfh", delete_opts, NULL)) != -1) {
        switch (c) {
        case 'y':
            yes = 1;
            break;
        case 'f':
            force = 1;
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
    if (!yes && !isatty(0))
        return cli_usage(cmd, "stdin is not a terminal to confirm on; "
                              "give --yes to delete crawl '%s'", name);
    rc = cli_connect(cmd, redis);
    if (!rc)
        return cli_connect_err;
    st = cli_crawl_state(cmd, rc, name, state, sizeof(state));
    if (st == CF_EREDIS)
        goto out;
    nkeys = crawl_keys(cmd, rc, name, 0);
    if (nkeys < 0)
        goto out;
    if (st == CF_ENOTFOUND && nkeys == 0) {
        /* a name left in the index alone is still worth removing */
        r = cli_redis(cmd, rc, "SREM %s %s", CF_KEY_CRAWLS, name);
        if (r && r->type == REDIS_REPLY_INTEGER && r->integer == 1)
            ret = CLI_OK;
        else
            cli_fail(cmd, "unknown crawl '%s' (see '%s list')", name,
                     CLI_PROG);
        freeReplyObject(r);
        goto out;
    }
    if (st == CF_OK)
        active = strcmp(state, "running") == 0 || strcmp(state, "paused") == 0;
    if (active && !force) {
        cli_fail(cmd, "crawl '%s' is %s; cancel it first, or --force to "
                      "cancel and delete it now", name, state);
        goto out;
    }
    if (!yes && !confirm(name, nkeys)) {
        cli_fail(cmd, "not deleted");
        goto out;
    }
    if (active) {
        struct cf_cmd cc;
        char err[CF_ERRSTR_LEN];

        /* cancelled first: workers stop taking its requests at once */
        cf_cmd_init(&cc);
        cf_frontier_control_cmd(&cc, name, "cancel", cf_wall_ms());
        r = cf_frontier_call(rc, &cc, err);
        cf_cmd_cleanup(&cc);
        if (!r) {
            cli_fail(cmd, "%s: %s", name, err);
            goto out;
        }
        freeReplyObject(r);
    }
    /* The stats hash first: every script answers "no such crawl" from
     * then on, so none writes a key behind the scan. */
    r = cli_redis(cmd, rc, "UNLINK %s", cf_key(key, name, "stats"));
    if (!r)
        goto out;
    freeReplyObject(r);
    r = cli_redis(cmd, rc, "SREM %s %s", CF_KEY_CRAWLS, name);
    if (!r)
        goto out;
    freeReplyObject(r);
    nkeys = crawl_keys(cmd, rc, name, 1);
    if (nkeys < 0)
        goto out;
    printf("%s: deleted (%lld keys)\n", name, nkeys + (st == CF_OK));
    ret = CLI_OK;
out:
    redisFree(rc);
    return ret;
}

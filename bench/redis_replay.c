/* redis_replay.c - a real crawl's frontier calls, replayed.
 *
 *   redis_replay CALLS [RESULTS]
 *
 * CALLS is bench/redis_capture.sh's calls.bin: every FCALL of one crawl,
 * in order. The functions take the time from their arguments, so the
 * same calls into an empty server do the same work again. This program
 * starts a private redis-server (tests/lib/testredis: `redis-server`
 * from PATH, so a wrapper that runs it under valgrind works), with the
 * embedded server's settings (append-only file, fsync every second;
 * sorted sets and hashes past 16 members unpacked: coordinator/proc.c),
 * loads this build's function library, renames each call's function
 * ("cf_<version>_<name>") to this build's and sends the calls, pipelined
 * 64 at a time. It prints redis-server's CPU for them (INFO cpu), per
 * result when RESULTS (the crawl's result count) is given, and counts
 * error replies (a build whose functions take other arguments than the
 * captured ones fails there, and says so). With REPLAY_STATS set it also
 * prints INFO commandstats (the functions' commands, counted and timed).
 *
 * Why: a crawl's Redis CPU per result depends on how its acks happened
 * to batch (0.17 to 0.61 calls a result on this machine), so two builds
 * cannot be compared by crawling; a replay gives both the same calls.
 * Under callgrind (a `redis-server` wrapper first in PATH) it gives
 * instruction counts per result. bench/README.md has the figures. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <hiredis/hiredis.h>

#include "frontier.h"
#include "testredis.h"

#define PIPE_DEFAULT 64

struct call {
    int argc;
    char **argv;
    size_t *len;
};

static double cpu_s(redisContext *rc)
{
    redisReply *r = redisCommand(rc, "INFO cpu");
    double v = -1;

    if (r && r->type == REDIS_REPLY_STRING) {
        const char *u = strstr(r->str, "used_cpu_user:");
        const char *s = strstr(r->str, "used_cpu_sys:");

        if (u && s)
            v = atof(u + 14) + atof(s + 13);
    }
    freeReplyObject(r);
    return v;
}

/* One call from f; 1, 0 at the end, -1 on a malformed file. */
static int read_call(FILE *f, struct call *c)
{
    int argc;

    if (fscanf(f, "%d\n", &argc) != 1)
        return feof(f) ? 0 : -1;
    if (argc < 2 || argc > 10000000)
        return -1;
    c->argc = argc;
    c->argv = calloc((size_t)argc, sizeof(*c->argv));
    c->len = calloc((size_t)argc, sizeof(*c->len));
    if (!c->argv || !c->len)
        return -1;
    for (int i = 0; i < argc; i++) {
        size_t n;

        if (fscanf(f, "%zu", &n) != 1 || fgetc(f) != '\n' || n > (1u << 30))
            return -1;
        c->argv[i] = malloc(n + 1);
        if (!c->argv[i] || fread(c->argv[i], 1, n, f) != n ||
            fgetc(f) != '\n')
            return -1;
        c->argv[i][n] = '\0';
        c->len[i] = n;
    }
    return 1;
}

static void free_call(struct call *c)
{
    for (int i = 0; i < c->argc; i++)
        free(c->argv[i]);
    free(c->argv);
    free(c->len);
}

/* argv[1] "cf_<version>_<name>" becomes lib "_<name>" (this build's). */
static int rename_fn(struct call *c, const char *lib)
{
    const char *name = c->argv[1];
    const char *us;
    char *n;
    size_t ln = strlen(lib);

    if (strncmp(name, "cf_", 3) != 0 || !(us = strchr(name + 3, '_')))
        return -1;
    n = malloc(ln + strlen(us) + 1);
    if (!n)
        return -1;
    memcpy(n, lib, ln);
    strcpy(n + ln, us);
    free(c->argv[1]);
    c->argv[1] = n;
    c->len[1] = strlen(n);
    return 0;
}

int main(int argc, char **argv)
{
    /* the embedded server's settings (coordinator/proc.c) */
    static const char *const persist[] = {
        "--appendonly", "yes", "--appendfsync", "everysec",
        "--zset-max-listpack-entries", "16", "--hash-max-listpack-entries",
        "16", NULL};
    struct testredis tr;
    redisContext *rc;
    FILE *f;
    char errstr[CF_ERRSTR_LEN];
    long calls = 0, errors = 0, results = 0;
    int pending = 0, rv = 1, got;
    double cpu0, cpu1;
    struct timeval tv = {600, 0};
    int pipe_n = getenv("REPLAY_PIPE") ? atoi(getenv("REPLAY_PIPE")) : PIPE_DEFAULT;

    if (argc < 2 || argc > 3) {
        fprintf(stderr, "usage: redis_replay CALLS [RESULTS]\n");
        return 2;
    }
    if (argc == 3)
        results = atol(argv[2]);
    if (!(f = fopen(argv[1], "rb"))) {
        perror(argv[1]);
        return 2;
    }
    if (testredis_start(&tr, persist) != 0)
        return 1;
    rc = testredis_connect(&tr, 0);
    if (!rc)
        goto out;
    /* a server under valgrind answers a pipeline late */
    redisSetTimeout(rc, tv);
    if (cf_frontier_load(rc, errstr) != CF_OK) {
        fprintf(stderr, "redis_replay: %s\n", errstr);
        goto out;
    }
    cpu0 = cpu_s(rc);
    for (;;) {
        struct call c = {0, NULL, NULL};

        got = read_call(f, &c);
        if (got == 1 && rename_fn(&c, cf_library_get()->name) != 0)
            got = -1;
        if (got < 0) {
            fprintf(stderr, "redis_replay: %s: malformed call %ld\n",
                    argv[1], calls + 1);
            free_call(&c);
            goto out;
        }
        if (got == 1) {
            redisAppendCommandArgv(rc, c.argc, (const char **)c.argv, c.len);
            free_call(&c);
            pending++;
            calls++;
        }
        while (pending > 0 && (pending >= pipe_n || got == 0)) {
            void *p = NULL;

            if (redisGetReply(rc, &p) != REDIS_OK || !p) {
                fprintf(stderr, "redis_replay: %s\n", rc->errstr);
                goto out;
            }
            if (((redisReply *)p)->type == REDIS_REPLY_ERROR &&
                errors++ < 3)
                fprintf(stderr, "redis_replay: error reply: %s\n",
                        ((redisReply *)p)->str);
            freeReplyObject(p);
            pending--;
        }
        if (got == 0)
            break;
    }
    cpu1 = cpu_s(rc);
    printf("%ld calls, %ld error replies; redis-server %.3f s of CPU",
           calls, errors, cpu1 - cpu0);
    if (results > 0)
        printf(" = %.1f us per result (%ld results)",
               (cpu1 - cpu0) * 1e6 / (double)results, results);
    printf("\n");
    if (getenv("REPLAY_STATS")) {
        redisReply *cs = redisCommand(rc, "INFO commandstats");

        if (cs && cs->type == REDIS_REPLY_STRING)
            fputs(cs->str, stdout);
        freeReplyObject(cs);
    }
    rv = errors ? 1 : 0;
out:
    fclose(f);
    if (rc)
        redisFree(rc);
    testredis_stop(&tr);
    return rv;
}

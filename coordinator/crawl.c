/* crawl.c - crawlfleet crawl: a whole crawl on this machine.
 *
 * A private redis-server (unless --redis), the crawl created and seeded,
 * N local workers with --exit-when-done, and the coordinator loop here:
 * reap and sample once a second, follow the results stream into the
 * output, draw the progress line, and finish when the crawl is done and
 * the stream drained. Ctrl-C stops the workers, then redis, and leaves
 * the state for --resume. */
#define _GNU_SOURCE /* pipe2 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "alloc.h"
#include "cfgflags.h"
#include "cli.h"
#include "clock.h"
#include "commands.h"
#include "coord.h"
#include "err.h"
#include "results.h"
#include "frontier.h"
#include "gexport.h"
#include "keys.h"
#include "proc.h"
#include "seed.h"
#include "stats.h"
#include "url.h"

#define CRAWL_WORKERS_MAX 256
#define REDIS_START_MS 60000 /* a large AOF takes a while to load */
#define REDIS_STOP_MS 60000
#define WORKER_STOP_MS 20000 /* after SIGTERM: finish or release leases */
#define TICK_MS 1000
#define PROGRESS_MIN_MS 100 /* the progress line: at most 10 draws/s */
#define STATE_PARENT ".crawlfleet" /* the default state dir's parent */
/* How long one read of the results stream waits for more. A crawl whose
 * last events add no result (dead letters) is seen done after at most
 * this. */
#define READ_BLOCK_MS 50
/* A read that finds fewer than READ_FEW results is caught up with the
 * stream: the next read (and stats load) waits READ_NAP_MS, so results
 * come tens per read instead of one or two. Each read and load costs the
 * embedded Redis some 50 us: read after read, about a tenth of its CPU
 * per result on rust-doc (bench/README.md). A crawl that is finished is
 * read at once. */
#define READ_FEW 100
#define READ_NAP_MS 20
#define CRAWL_GROUP "crawl" /* consumer group and consumer of the output */

#define CRAWL_SITEMAPS_MAX 64 /* --sitemap flags per command */

struct crawl_args {
    const char *name;
    const char *output;
    const char *state_dir;
    const char *redis;
    long long workers;
    long long concurrency; /* 0: the worker's default */
    const char *warc_dir;  /* --warc DIR: archive into DIR */
    int resume;
    int fresh;
    int quiet;
    int keep_state; /* keep the state dir after a crawl that is done */
    const char *sitemaps[CRAWL_SITEMAPS_MAX]; /* --sitemap URLs */
    int nsitemaps;
};

struct crawl_run {
    struct crawl_args a;
    char *name;               /* crawl name */
    char *dir;                /* state directory */
    struct embedded_redis er; /* when no --redis */
    const char *redis_url;    /* what workers get */
    redisContext *rc;
    pid_t pids[CRAWL_WORKERS_MAX];
    int nworkers;
    int alive;
    int gate;     /* write end of the workers' stdin until they may start;
                   * -1 after (gate_open, gate_close) */
    int released; /* the workers were let start */
    int progress; /* draw the progress line */
    int dir_made; /* this run created the state dir */
    int64_t started_ms; /* monotonic ms at start (elapsed, rate) */
    int64_t drawn_ms;   /* monotonic ms the progress line was last drawn */
    long long done_at_start; /* done count when we started (-1 unset) */
    struct progress last;     /* the main loop's last reading */
};

/* A crawl name from a URL's host (and port when not the default). */
static char *name_from_url(const char *url)
{
    struct cf_url_parts p;
    char *s;

    if (cf_url_split(url, &p) != 0)
        return NULL;
    if ((p.port == 80 && p.scheme_len == 4) ||
        (p.port == 443 && p.scheme_len == 5))
        s = cf_asprintf("%.*s", (int)p.host_len, p.host);
    else
        s = cf_asprintf("%.*s-%d", (int)p.host_len, p.host, p.port);
    for (char *q = s; *q; q++)
        if (!((*q >= 'a' && *q <= 'z') || (*q >= 'A' && *q <= 'Z') ||
              (*q >= '0' && *q <= '9') || *q == '.' || *q == '-' || *q == '_'))
            *q = '_';
    if (strlen(s) > CF_CRAWL_NAME_MAX)
        s[CF_CRAWL_NAME_MAX] = '\0';
    return s;
}

static int mkdir_p(const char *path)
{
    char *tmp = cf_strdup(path);
    int ret = 0;

    for (char *p = tmp + 1; *p; p++) {
        if (*p != '/')
            continue;
        *p = '\0';
        if (mkdir(tmp, 0700) != 0 && errno != EEXIST)
            ret = -1;
        *p = '/';
    }
    if (ret == 0 && mkdir(tmp, 0700) != 0 && errno != EEXIST)
        ret = -1;
    free(tmp);
    return ret;
}

static int dir_exists(const char *path)
{
    struct stat st;

    return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

/* Remove what a crawl leaves in its state dir, then the dir. Other
 * files are left alone (and the dir with them): 0 or -1. */
static int remove_state(const char *dir)
{
    static const char *const files[] = {
        "redis.sock",  "redis.log",      "dump.rdb",
        "workers.log", "appendonly.aof", "temp-rewriteaof.aof"};
    char *aof = cf_asprintf("%s/appendonlydir", dir);
    DIR *d = opendir(aof);
    struct dirent *e;
    int ret;

    while (d && (e = readdir(d)) != NULL) {
        char *p;

        if (e->d_name[0] == '.')
            continue;
        p = cf_asprintf("%s/%s", aof, e->d_name);
        unlink(p);
        free(p);
    }
    if (d)
        closedir(d);
    rmdir(aof);
    free(aof);
    for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
        char *p = cf_asprintf("%s/%s", dir, files[i]);

        unlink(p);
        free(p);
    }
    ret = rmdir(dir) == 0 || errno == ENOENT ? 0 : -1;
    return ret;
}

static void progress_line(struct crawl_run *cr, const struct progress *p)
{
    struct progress q = *p;
    int64_t now = cf_mono_ms(), ms = now - cr->started_ms;
    char eta[32], rate[32];

    if (!cr->progress)
        return;
    /* a redraw per result was 400 KB of escape codes in 6 s */
    if (!q.finished && now - cr->drawn_ms < PROGRESS_MIN_MS)
        return;
    cr->drawn_ms = now;
    if (cr->done_at_start < 0)
        cr->done_at_start = p->done;
    /* Until the rate samples span a second, our own average. */
    if (q.rate < 0 && ms >= 500) {
        q.rate = (double)(q.done - cr->done_at_start) * 1000.0 / (double)ms;
        if (!q.finished)
            q.eta_s = stats_eta(q.queued + q.inflight, q.rate);
    }
    if (q.rate >= 0)
        snprintf(rate, sizeof(rate), "%.1f", q.rate);
    else
        snprintf(rate, sizeof(rate), "-");
    fprintf(stderr,
            "\r\033[K%s: %lld of %lld done, %s pages/s, %lld "
            "errors, %lld dead, ETA %s, %d workers",
            cr->name, q.done, q.discovered, rate, q.errors, q.dead,
            stats_fmt_duration(q.eta_s, eta, sizeof(eta)), cr->alive);
    fflush(stderr);
}

/* CPU seconds the embedded redis-server has used (INFO cpu), or -1. */
static double redis_cpu_s(redisContext *rc)
{
    redisReply *r = rc ? redisCommand(rc, "INFO cpu") : NULL;
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

/* Frontier script calls the embedded redis-server has run (INFO
 * commandstats, FCALL), or -1. A crawl's Redis CPU per result depends on
 * how many pages its ack calls carry (bench/README.md: some 350,000
 * redis-server instructions a call besides its pages), so the two are
 * said together. */
static long long redis_fcalls(redisContext *rc)
{
    redisReply *r = rc ? redisCommand(rc, "INFO commandstats") : NULL;
    long long v = -1;

    if (r && r->type == REDIS_REPLY_STRING) {
        const char *f = strstr(r->str, "cmdstat_fcall:calls=");

        if (f)
            v = atoll(f + 20);
    }
    freeReplyObject(r);
    return v;
}

static void progress_end(struct crawl_run *cr)
{
    if (cr->progress)
        fputs("\r\033[K", stderr);
}

/* What becomes of the state dir once Redis is stopped. A crawl that is
 * done needs it no more: it goes (with ./.crawlfleet when that is left
 * empty) so the same command runs again, unless --keep-state. After a
 * failure or Ctrl-C it stays for --resume; with --redis it holds only
 * workers.log, so one this run made goes when no worker ever ran. */
static void state_finish(struct crawl_run *cr, int ret)
{
    int done = ret == CLI_OK || ret == CLI_NOPAGES;

    if (!cr->dir || (!done && !(cr->a.redis && cr->dir_made &&
                                !cr->released)))
        return;
    if (done && cr->a.keep_state)
        return;
    if (!done && !dir_exists(cr->dir))
        return;
    if (remove_state(cr->dir) != 0) {
        cli_warn("crawl", "kept %s: it holds files crawlfleet did not put "
                          "there", cr->dir);
        return;
    }
    if (!cr->a.state_dir)
        rmdir(STATE_PARENT); /* fails, as it should, unless empty */
}

/* Start the workers held at their gate (--wait-stdin): they load and
 * initialise while redis-server starts and the crawl is seeded, and
 * begin the moment gate_open() says so. Process start-up is tens of ms
 * on a loaded machine (the worker loads 46 shared libraries), as long
 * as redis-server's; one after the other they were most of the time to
 * the first request (docs/cli.md). */
static int start_workers(struct crawl_run *cr)
{
    char *bin = proc_find("crawlfleet-worker");
    char *log = cf_asprintf("%s/workers.log", cr->dir);
    char conc[32], err[CF_ERRSTR_LEN];
    int ret = CLI_FAIL, fds[2] = {-1, -1};

    if (!bin) {
        cli_fail("crawl", "crawlfleet-worker not found next to crawlfleet "
                          "or on PATH");
        goto out;
    }
    if (pipe2(fds, O_CLOEXEC) != 0) {
        cli_fail("crawl", "pipe: %s", strerror(errno));
        goto out;
    }
    cr->gate = fds[1];
    snprintf(conc, sizeof(conc), "%lld", cr->a.concurrency);
    for (int i = 0; i < cr->a.workers; i++) {
        const char *argv[] = {bin,
                              "--redis",
                              (char *)cr->redis_url,
                              "--crawl",
                              cr->name,
                              "--exit-when-done",
                              "--wait-stdin",
                              "--metrics-port",
                              "0",
                              "--warc-dir",
                              cr->a.warc_dir ? cr->a.warc_dir : "warc",
                              cr->a.concurrency ? "--concurrency" : NULL,
                              conc,
                              NULL};
        pid_t pid = proc_spawn(argv, log, fds[0], NULL, err);

        if (pid < 0) {
            cli_fail("crawl", "cannot start a worker: %s", err);
            goto out;
        }
        cr->pids[cr->nworkers++] = pid;
        cr->alive++;
    }
    ret = CLI_OK;
out:
    if (fds[0] >= 0)
        close(fds[0]);
    free(bin);
    free(log);
    return ret;
}

/* Let the workers start: a byte each on the pipe that is their stdin. */
static void gate_open(struct crawl_run *cr)
{
    char go[CRAWL_WORKERS_MAX];
    ssize_t n;

    if (cr->gate < 0)
        return;
    memset(go, 'g', sizeof(go));
    do
        n = write(cr->gate, go, (size_t)cr->nworkers);
    while (n < 0 && errno == EINTR);
    /* a short write or EPIPE: some worker is gone, which the main loop
     * sees (reap_workers) */
    close(cr->gate);
    cr->gate = -1;
    cr->released = 1;
}

/* Workers that were never let start read the end of their stdin and
 * exit 0 without touching the crawl. */
static void gate_close(struct crawl_run *cr)
{
    if (cr->gate >= 0)
        close(cr->gate);
    cr->gate = -1;
}

/* Reap workers that exited; returns how many are still running. */
static int reap_workers(struct crawl_run *cr, int *failed)
{
    for (int i = 0; i < cr->nworkers; i++) {
        int st;

        if (cr->pids[i] <= 0)
            continue;
        if (waitpid(cr->pids[i], &st, WNOHANG) == cr->pids[i]) {
            cr->pids[i] = 0;
            cr->alive--;
            if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
                (*failed)++;
        }
    }
    return cr->alive;
}

/* Signal every worker still running, once (a second signal tells a
 * worker to drop its work), then wait for each. */
static void stop_workers(struct crawl_run *cr, int sig)
{
    gate_close(cr);
    for (int i = 0; i < cr->nworkers; i++)
        if (cr->pids[i] > 0)
            kill(cr->pids[i], sig);
    for (int i = 0; i < cr->nworkers; i++) {
        proc_reap(cr->pids[i], WORKER_STOP_MS);
        cr->pids[i] = 0;
    }
    cr->alive = 0;
}

static const struct option crawl_opts[] = {
    {"output", required_argument, NULL, 'o'},
    {"sitemap", required_argument, NULL, 'S'},
    {"workers", required_argument, NULL, 'w'},
    {"concurrency", required_argument, NULL, 'C'},
    {"name", required_argument, NULL, 'n'},
    {"state-dir", required_argument, NULL, 'd'},
    {"resume", no_argument, NULL, 'r'},
    {"fresh", no_argument, NULL, 'F'},
    {"quiet", no_argument, NULL, 'q'},
    {"keep-state", no_argument, NULL, 'K'},
    {"redis", required_argument, NULL, 'R'},
    /* before the generated switch of the same name: here it takes DIR */
    {"warc", required_argument, NULL, 'W'},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};

static int parse_args(struct crawl_args *a, struct cfgflags *flags, int argc,
                      char **argv, int *done)
{
    const char *cmd = "crawl";
    long nproc = sysconf(_SC_NPROCESSORS_ONLN);
    int c;

    memset(a, 0, sizeof(*a));
    a->workers = nproc > 0 ? nproc : 1;
    *done = 0;
    opterr = 0;
    optind = 0;
    while ((c = getopt_long(argc, argv, ":o:qh", flags->opts, NULL)) != -1) {
        if (cfgflags_take(flags, c, optarg, argv))
            continue;
        switch (c) {
        case 'o':
            a->output = optarg;
            break;
        case 'S':
            if (a->nsitemaps == CRAWL_SITEMAPS_MAX)
                return cli_usage(cmd, "more than %d --sitemap",
                                 CRAWL_SITEMAPS_MAX);
            a->sitemaps[a->nsitemaps++] = optarg;
            break;
        case 'w':
            if (cli_parse_int(optarg, 1, CRAWL_WORKERS_MAX, &a->workers))
                return cli_usage(cmd, "bad value for --workers: %s (1-%d)",
                                 optarg, CRAWL_WORKERS_MAX);
            break;
        case 'C':
            if (cli_parse_int(optarg, 1, 100000, &a->concurrency))
                return cli_usage(cmd,
                                 "bad value for --concurrency: %s "
                                 "(1-100000)",
                                 optarg);
            break;
        case 'n':
            a->name = optarg;
            break;
        case 'd':
            a->state_dir = optarg;
            break;
        case 'r':
            a->resume = 1;
            break;
        case 'F':
            a->fresh = 1;
            break;
        case 'q':
            a->quiet = 1;
            break;
        case 'K':
            a->keep_state = 1;
            break;
        case 'R':
            a->redis = optarg;
            break;
        case 'W':
            if (!*optarg)
                return cli_usage(cmd, "--warc needs a directory");
            a->warc_dir = optarg;
            break;
        case 'h':
            cli_print_help(cli_command_find(cmd));
            *done = 1;
            return CLI_OK;
        default:
            return cli_bad_option(cmd, c, argv);
        }
    }
    if (a->resume && a->fresh)
        return cli_usage(cmd, "--resume and --fresh exclude each other");
    if (a->fresh && a->redis)
        return cli_usage(cmd, "--fresh deletes the private redis's state; "
                              "with --redis pick another --name");
    return CLI_OK;
}

/* Prepare the state dir and the Redis; create and seed the crawl. */
static int setup(struct crawl_run *cr, const struct cf_config *cfg,
                 const struct seedlist *seeds, int cfg_given)
{
    const char *cmd = "crawl";
    char err[CF_ERRSTR_LEN], state[32];
    size_t fresh = 0, dup = 0;
    int created = 0, st;

    if (!cr->a.redis) {
        int exists = dir_exists(cr->dir);

        if (exists && cr->a.fresh && remove_state(cr->dir) != 0)
            return cli_fail(cmd,
                            "cannot remove %s (it holds other files; "
                            "remove it yourself)",
                            cr->dir);
        if (exists && !cr->a.fresh && !cr->a.resume)
            return cli_fail(cmd,
                            "crawl '%s' already has state in %s; use "
                            "--resume to continue it or --fresh to start "
                            "over",
                            cr->name, cr->dir);
        if (!exists && cr->a.resume)
            return cli_fail(cmd, "nothing to resume: no state in %s", cr->dir);
    }
    cr->dir_made = !dir_exists(cr->dir);
    if (mkdir_p(cr->dir) != 0)
        return cli_fail(cmd, "cannot create %s: %s", cr->dir, strerror(errno));
    if (!cr->a.redis) {
        if (redis_embed_spawn(&cr->er, cr->dir, err) != 0)
            return cli_fail(cmd, "%s", err);
        cr->redis_url = cr->er.url;
    } else {
        cr->redis_url = cr->a.redis;
    }
    /* the workers start up while redis-server does (start_workers) */
    if (start_workers(cr) != CLI_OK)
        return CLI_FAIL;
    if (!cr->a.redis &&
        redis_embed_wait(&cr->er, REDIS_START_MS, err) != 0)
        return cli_fail(cmd, "%s", err);
    cr->rc = cli_connect(cmd, cr->redis_url);
    if (!cr->rc)
        return cli_connect_err;
    st = cli_crawl_state(cmd, cr->rc, cr->name, state, sizeof(state));
    if (st == CF_EREDIS)
        return CLI_FAIL;
    if (st == CF_OK && !cr->a.resume)
        return cli_fail(cmd,
                        "crawl '%s' already exists on that redis; use "
                        "--resume to continue it or another --name",
                        cr->name);
    if (st == CF_ENOTFOUND && cr->a.resume)
        return cli_fail(cmd, "nothing to resume: no crawl '%s'", cr->name);
    if (st == CF_OK) {
        if (cfg_given)
            cli_warn(cmd,
                     "resuming '%s' with the config it was created "
                     "with; config flags ignored",
                     cr->name);
        return CLI_OK;
    }
    if (seeds->n == 0)
        return cli_fail(cmd, "no valid seed URLs");
    if (seed_create(cmd, cr->rc, cr->name, cfg, &created))
        return CLI_FAIL;
    if (seed_push(cmd, cr->rc, cr->name, seeds, &fresh, &dup))
        return CLI_FAIL;
    if (!cr->a.quiet)
        fprintf(stderr,
                "%s: crawl '%s': %zu seeds (%zu rejected), %lld "
                "workers, state in %s\n",
                CLI_PROG, cr->name, fresh, seeds->rejected, cr->a.workers,
                cr->dir);
    return CLI_OK;
}

/* Open the output of a resumed crawl: FILE.tmp as the interrupted run
 * left it (gexport cuts it back to its checkpoint), or, when that run
 * finished, FILE's results copied into FILE.tmp (they have left Redis)
 * with a checkpoint at their end. */
static int out_resume(const char *cmd, struct cli_out *out, const char *path)
{
    char buf[65536], *cur;
    struct stat st;
    FILE *in, *f;
    size_t n;
    int ret = cli_out_open_keep(cmd, out, path);

    if (ret || !out->tmp || !out->path || stat(out->tmp, &st) != 0 ||
        st.st_size > 0 || !(in = fopen(out->path, "r")))
        return ret;
    while ((n = fread(buf, 1, sizeof(buf), in)) > 0)
        fwrite(buf, 1, n, out->f);
    fclose(in);
    fflush(out->f);
    cur = cf_asprintf("%s.cursor", out->tmp);
    f = fopen(cur, "w");
    if (f) {
        fprintf(f, "0-0 %lld\n", (long long)ftello(out->f));
        fclose(f);
    }
    free(cur);
    return CLI_OK;
}

/* Read the crawl's stats into cr->last and draw the progress line. */
static int progress_load(struct crawl_run *cr, char *err)
{
    struct kv stats;
    struct progress p;

    if (stats_load(cr->rc, cr->name, &stats, &p, err) != CF_OK)
        return CF_EREDIS;
    kv_cleanup(&stats);
    cr->last = p;
    progress_line(cr, &p);
    return CF_OK;
}

/* Follow results until the crawl is done and the stream drained.
 *
 * Each pass reads the stream, then the stats. The crawl is over when a
 * read that found nothing came after stats that said finished (results
 * go into the stream before the state says done, so nothing is left).
 * The stats after a read also decide the nap: when the last results
 * have just come, the crawl is finished and the next read, at once and
 * without blocking, ends it (a nap there was the last 20 ms of every
 * crawl). */
static int main_loop(struct crawl_run *cr, struct cli_out *out,
                     struct gexport *fl)
{
    const char *cmd = "crawl";
    char err[CF_ERRSTR_LEN];
    int64_t last_tick = 0;
    long long reaped = 0;
    int failed = 0;

    if (progress_load(cr, err) != CF_OK)
        return cli_fail(cmd, "%s", err);
    for (;;) {
        int64_t now = cf_mono_ms();
        long got = 0;
        int finished;

        if (cli_interrupted)
            return CLI_INTERRUPTED;
        if (now - last_tick >= TICK_MS) {
            if (coord_tick_crawl(cr->rc, cr->name, cf_wall_ms(), &reaped,
                                 err))
                return cli_fail(cmd, "%s", err);
            last_tick = now;
        }
        reap_workers(cr, &failed);
        finished = cr->last.finished; /* as seen before this read */
        if (gexport_step(fl, cr->rc, finished ? 0 : READ_BLOCK_MS, &got,
                         err) != CF_OK)
            return cli_fail(cmd, "%s", err);
        if (got > 0 && out->f == stdout)
            fflush(stdout);
        if (cli_out_check(cmd, out))
            return CLI_FAIL;
        if (got == 0 && finished && !fl->pending)
            return gexport_sync(fl, cr->rc, err) == 0 ? CLI_OK
                                                      : cli_fail(cmd, "%s",
                                                                 err);
        /* read after the reap: workers that left because the crawl is
         * done show it here */
        if (progress_load(cr, err) != CF_OK)
            return cli_fail(cmd, "%s", err);
        if (got == 0 && cr->alive == 0 && !cr->last.finished) {
            progress_end(cr);
            return cli_fail(cmd,
                            "all workers exited before the crawl was "
                            "done (see %s/workers.log); --resume continues "
                            "it",
                            cr->dir);
        }
        if (got > 0 && got < READ_FEW && !cr->last.finished)
            cli_nap(READ_NAP_MS);
    }
}

int cmd_crawl(int argc, char **argv)
{
    const char *cmd = "crawl";
    struct crawl_run cr;
    struct cfgflags flags;
    struct cf_config cfg;
    struct seedlist seeds;
    struct gexport fl;
    struct cli_out out;
    char *cursor = NULL;
    char err[CF_ERRSTR_LEN];
    int ret, done, opened = 0, fl_open = 0;

    memset(&cr, 0, sizeof(cr));
    cr.gate = -1;
    memset(&out, 0, sizeof(out));
    cfgflags_init(&flags, crawl_opts);
    cf_config_init(&cfg);
    seedlist_init(&seeds);
    ret = parse_args(&cr.a, &flags, argc, argv, &done);
    if (ret || done)
        goto out;
    if (cfgflags_apply(&flags, &cfg, err) != CF_OK) {
        ret = cli_usage(cmd, "%s", err);
        goto out;
    }
    if (cfg.insecure)
        cli_warn(cmd, "--insecure: TLS certificate checks are OFF for this "
                      "crawl; its https results carry the flag 'insecure'");
    if (cr.a.warc_dir)
        cfg.warc = 1;
    for (int i = 0; i < cr.a.nsitemaps; i++)
        seedlist_add_flags(&seeds, cr.a.sitemaps[i], (size_t)cfg.max_url_len,
                           CF_REQ_SEED | CF_REQ_SITEMAP);
    for (int i = optind; i < argc; i++)
        seedlist_add(&seeds, argv[i], (size_t)cfg.max_url_len);
    if (optind >= argc && cr.a.nsitemaps == 0 && !cr.a.resume) {
        ret = cli_usage(cmd, "no seed URLs (see --help)");
        goto out;
    }
    ret = CLI_FAIL;
    if (seeds.n == 0 && !cr.a.resume) {
        cli_fail(cmd, "no valid seed URLs (%zu rejected)", seeds.rejected);
        goto out;
    }
    if (cr.a.name) {
        cr.name = cf_strdup(cr.a.name);
    } else if (seeds.n > 0) {
        cr.name = name_from_url(seeds.urls[0]);
    } else {
        ret = cli_usage(cmd, "give --name or the seed URLs to resume");
        goto out;
    }
    if (!cr.name || cli_check_name(cmd, cr.name)) {
        ret = CLI_USAGE;
        goto out;
    }
    cr.dir = cr.a.state_dir ? cf_strdup(cr.a.state_dir)
                            : cf_asprintf("%s/%s", STATE_PARENT, cr.name);
    cr.started_ms = cf_mono_ms();
    cr.done_at_start = -1;
    cr.progress = !cr.a.quiet && isatty(2);
    cli_catch_signals();
    ret = cr.a.resume ? out_resume(cmd, &out, cr.a.output)
                      : cli_out_open(cmd, &out, cr.a.output);
    if (ret)
        goto out;
    opened = 1;
    if (out.tmp) {
        cursor = cf_asprintf("%s.cursor", out.tmp);
        if (!cr.a.resume)
            unlink(cursor); /* an older crawl's */
    }
    ret = setup(&cr, &cfg, &seeds, cfgflags_given(&flags));
    if (ret)
        goto out;
    /* results leave Redis as they are written (gexport.h) */
    if (gexport_open(&fl, cr.rc, cr.name, CRAWL_GROUP, CRAWL_GROUP, out.f,
                     cursor, EXPORT_JSONL, err) != 0) {
        ret = cli_fail(cmd, "%s", err);
        goto out;
    }
    fl_open = 1;
    fl.claim_idle_ms = 0; /* its one consumer: nobody to take over from */
    /* on a shared Redis the results stay for export (docs/cli.md) */
    fl.keep = cr.a.redis != NULL;
    /* the embedded redis-server's stream has one reader, this one */
    if (!fl.keep && gexport_noack(&fl, cr.rc, err) != CF_OK) {
        ret = cli_fail(cmd, "%s", err);
        goto out;
    }
    gate_open(&cr);
    ret = main_loop(&cr, &out, &fl);
    progress_end(&cr);
    if (ret == CLI_OK) {
        /* Every request is answered: an idle worker would only learn
         * that from its next pop, up to a backoff later. */
        double cpu = -1;
        long long calls = -1;

        stop_workers(&cr, SIGTERM);
        if (cr.er.pid > 0 && !cr.a.quiet) {
            cpu = redis_cpu_s(cr.rc);
            calls = redis_fcalls(cr.rc);
        }
        /* Every result is written and acknowledged: the embedded
         * redis-server flushes its AOF and exits while the output is
         * committed (redis_embed_stop below waits for it). */
        if (cr.er.pid > 0)
            redis_embed_shutdown(&cr.er);
        ret = cli_out_commit(cmd, &out);
        opened = 0;
        if (ret == CLI_OK && cursor)
            unlink(cursor);
        if (ret == CLI_OK && !cr.a.quiet) {
            fprintf(stderr,
                    "%s: crawl '%s' done: %lld results (%lld ok, %lld "
                    "dead) in %.1fs%s%s\n",
                    CLI_PROG, cr.name, fl.written, cr.last.ok, cr.last.dead,
                    (double)(cf_mono_ms() - cr.started_ms) / 1000.0,
                    cr.a.output ? " to " : "", cr.a.output ? cr.a.output : "");
            /* per result only means something past the start-up */
            if (cpu >= 0 && fl.written >= 1000) {
                fprintf(stderr, "%s: embedded redis-server: %.2f s of CPU, "
                        "%.0f us per result", CLI_PROG, cpu,
                        cpu * 1e6 / (double)fl.written);
                if (calls >= 0)
                    fprintf(stderr, ", %lld script calls (%.3f per result)",
                            calls, (double)calls / (double)fl.written);
                fputc('\n', stderr);
            }
        }
        if (ret == CLI_OK && cr.last.ok == 0) {
            /* the product is empty: say why, in an exit code scripts see */
            if (cr.last.top_errors > 0)
                fprintf(stderr, "%s: crawl: not one page fetched "
                        "successfully; most common cause: %s (%lld of "
                        "%lld results)\n", CLI_PROG, cr.last.top_error,
                        cr.last.top_errors, fl.written);
            else
                fprintf(stderr, "%s: crawl: not one page fetched "
                        "successfully\n", CLI_PROG);
            ret = CLI_NOPAGES;
        }
    } else if (ret == CLI_INTERRUPTED) {
        fprintf(stderr,
                "%s: interrupted; stopping workers and redis. Run "
                "the same command with --resume to continue.\n",
                CLI_PROG);
    }
out:
    stop_workers(&cr, SIGTERM);
    if (fl_open && ret == CLI_INTERRUPTED && cr.rc)
        gexport_sync(&fl, cr.rc, err); /* what is written, checkpointed */
    if (fl_open)
        gexport_cleanup(&fl);
    free(cursor);
    if (opened)
        /* Ctrl-C keeps FILE.tmp: the results so far (--resume rewrites
         * FILE from the start); any failure removes it. */
        cli_out_abort(&out, ret == CLI_INTERRUPTED);
    if (cr.rc)
        redisFree(cr.rc);
    if (cr.er.pid > 0)
        redis_embed_stop(&cr.er, REDIS_STOP_MS);
    else
        redis_embed_stop(&cr.er, 0);
    state_finish(&cr, ret);
    free(cr.name);
    free(cr.dir);
    seedlist_cleanup(&seeds);
    cf_config_cleanup(&cfg);
    cfgflags_cleanup(&flags);
    return ret;
}

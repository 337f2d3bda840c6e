/* main.c - crawlfleet-worker: flags, the --procs supervisor, start-up. */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <malloc.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>

#include "alloc.h"
#include "clock.h"
#include "err.h"
#include "frontier.h"
#include "keys.h"
#include "log.h"
#include "redisaddr.h"
#include "worker.h"

#define VERSION WORKER_VERSION
#define PROCS_MAX 256
#define RESTART_MIN_MS 500
#define RESTART_MAX_MS 30000
/* Defaults: written once, the usage text prints them (STR). */
#define CONCURRENCY_DEFAULT 256
#define BATCH_DEFAULT 64
#define GRACE_MS_DEFAULT 20000
#define QUEUE_CAP_DEFAULT 100000
#define SEEN_CACHE_DEFAULT 1048576
#define PROCS_DEFAULT 1
#define WARC_DIR_DEFAULT "warc"
/* glibc's heap: free memory at the top is given back to the kernel only
 * above HEAP_TRIM_BYTES, and blocks below HEAP_MMAP_BYTES come from the
 * heap, not from a mmap of their own. With glibc's defaults (128 KB,
 * grown as large blocks come and go) a worker gave back megabytes of
 * heap every few hundred pages and faulted them in again, zeroed, for
 * the next pages (9 trims and 36 MB in 3,000 rust-doc pages; see
 * bench/README.md). The heap stays at its peak instead (tens of MB). */
#define HEAP_TRIM_BYTES (64 << 20)
#define HEAP_MMAP_BYTES (8 << 20)
#define STR_(x) #x
#define STR(x) STR_(x)
#define SEEN_CACHE_MAX 16777216
/* WARC file sizes: a number of GiB, MiB and TiB, shown with their suffix. */
#define WARC_MAX_SIZE_DEFAULT_G 1
#define WARC_MAX_SIZE_MIN_M 1
#define WARC_MAX_SIZE_MAX_T 1
#define WARC_MAX_SIZE_DEFAULT ((int64_t)WARC_MAX_SIZE_DEFAULT_G << 30)
#define WARC_MAX_SIZE_MIN ((int64_t)WARC_MAX_SIZE_MIN_M << 20)
#define WARC_MAX_SIZE_MAX ((int64_t)WARC_MAX_SIZE_MAX_T << 40)
#define WARC_SIZES_TEXT \
    "from " STR(WARC_MAX_SIZE_MIN_M) "M to " STR(WARC_MAX_SIZE_MAX_T) "T"

/* "100M", "1G", "4096": bytes with a binary suffix, in range. */
static int size_flag(const char *s, long long *out)
{
    char *end;
    unsigned long long v;
    long long mult = 1;

    if (*s < '0' || *s > '9')
        return -1;
    errno = 0;
    v = strtoull(s, &end, 10);
    if (errno || v > (unsigned long long)WARC_MAX_SIZE_MAX)
        return -1;
    if (*end == 'k' || *end == 'K')
        mult = 1LL << 10;
    else if (*end == 'm' || *end == 'M')
        mult = 1LL << 20;
    else if (*end == 'g' || *end == 'G')
        mult = 1LL << 30;
    else if (*end == 't' || *end == 'T')
        mult = 1LL << 40;
    if (mult > 1)
        end++;
    if (*end || (long long)v * mult < WARC_MAX_SIZE_MIN ||
        (long long)v * mult > WARC_MAX_SIZE_MAX)
        return -1;
    *out = (long long)v * mult;
    return 0;
}

static const char usage[] =
    "usage: crawlfleet-worker [options]\n"
    "\n"
    "Fetch, parse and push for the crawls in Redis until stopped.\n"
    "\n"
    "  --redis URL          redis://[user:pass@]host[:port][/db] or\n"
    "                       unix:///path (default: $CRAWLFLEET_REDIS, else\n"
    "                       " CF_REDIS_DEFAULT ")\n"
    "  --crawl NAME         serve this crawl (repeatable; default: every\n"
    "                       crawl in cf:crawls, re-read every "
    STR(WORKER_LIST_EVERY_S) " s);\n"
    "                       each crawl's config is re-read every "
    STR(WORKER_CONFIG_EVERY_S) " s\n"
    "  --concurrency N      transfers in flight per process (default "
    STR(CONCURRENCY_DEFAULT) ")\n"
    "  --batch N            leases per pop at most (default "
    STR(BATCH_DEFAULT) ")\n"
    "  --procs N            run N worker processes under a supervisor that\n"
    "                       restarts one that dies (default "
    STR(PROCS_DEFAULT) ")\n"
    "  --metrics-port P     serve /metrics, /livez and /readyz on P\n"
    "                       (process i of --procs uses P+i; 0 = off,\n"
    "                       the default)\n"
    "  --id ID              worker id (default host:pid)\n"
    "  --grace-ms MS        on SIGTERM, time to finish in-flight work\n"
    "                       (default " STR(GRACE_MS_DEFAULT) ")\n"
    "  --exit-when-done     exit 0 once every served crawl is done or\n"
    "                       cancelled\n"
    "  --wait-stdin         start only when a byte arrives on stdin; exit 0\n"
    "                       at its end (crawlfleet crawl starts its workers\n"
    "                       this way while redis-server starts)\n"
    "  --queue-cap N        results kept in memory while Redis is away\n"
    "                       (default " STR(QUEUE_CAP_DEFAULT) ")\n"
    "  --seen-cache N       per crawl, remember up to N links this worker\n"
    "                       pushed and do not send them again (up to 16\n"
    "                       bytes each; default "
    STR(SEEN_CACHE_DEFAULT) ", 0 = off)\n"
    "  --warc-dir DIR       WARC files of crawls with --warc go here; cut\n"
    "                       .open files left in it are repaired at start\n"
    "                       (default ./" WARC_DIR_DEFAULT ")\n"
    "  --warc-max-size N    close a WARC file at N bytes (k, M, G, T\n"
    "                       suffixes, " WARC_SIZES_TEXT "; default "
    STR(WARC_MAX_SIZE_DEFAULT_G) "G)\n"
    "  --log-level L        debug, info, warn, error, off (default info)\n"
    "  --help, --version\n";

enum {
    OPT_REDIS = 1, OPT_CRAWL, OPT_CONC, OPT_BATCH, OPT_PROCS, OPT_METRICS,
    OPT_ID, OPT_GRACE, OPT_EXIT, OPT_QCAP, OPT_LOG, OPT_HELP, OPT_VERSION,
    OPT_SEEN, OPT_WARC_DIR, OPT_WARC_MAX, OPT_WAIT_STDIN,
};

static const struct option long_opts[] = {
    {"redis", required_argument, NULL, OPT_REDIS},
    {"crawl", required_argument, NULL, OPT_CRAWL},
    {"concurrency", required_argument, NULL, OPT_CONC},
    {"batch", required_argument, NULL, OPT_BATCH},
    {"procs", required_argument, NULL, OPT_PROCS},
    {"metrics-port", required_argument, NULL, OPT_METRICS},
    {"id", required_argument, NULL, OPT_ID},
    {"grace-ms", required_argument, NULL, OPT_GRACE},
    {"exit-when-done", no_argument, NULL, OPT_EXIT},
    {"wait-stdin", no_argument, NULL, OPT_WAIT_STDIN},
    {"queue-cap", required_argument, NULL, OPT_QCAP},
    {"seen-cache", required_argument, NULL, OPT_SEEN},
    {"warc-dir", required_argument, NULL, OPT_WARC_DIR},
    {"warc-max-size", required_argument, NULL, OPT_WARC_MAX},
    {"log-level", required_argument, NULL, OPT_LOG},
    {"help", no_argument, NULL, OPT_HELP},
    {"version", no_argument, NULL, OPT_VERSION},
    {NULL, 0, NULL, 0},
};

static int bad_usage(const char *fmt, const char *a, const char *b)
{
    fprintf(stderr, "crawlfleet-worker: ");
    fprintf(stderr, fmt, a, b);
    fprintf(stderr, " (see --help)\n");
    return 2;
}

/* Parse an integer flag within [lo, hi]; 0 or -1. */
static int int_flag(const char *s, long long lo, long long hi,
                    long long *out)
{
    char *end;
    long long v;

    errno = 0;
    v = strtoll(s, &end, 10);
    if (errno || end == s || *end || v < lo || v > hi)
        return -1;
    *out = v;
    return 0;
}

/* --wait-stdin: block until stdin gives a byte (1) or ends (0), -1 on a
 * read error. Everything before it (loading the libraries, flags, TLS
 * set-up) is done while the caller gets Redis and the crawl ready; the
 * start-up give-up clocks start after it. */
static int stdin_gate(void)
{
    char c;
    ssize_t n;

    do
        n = read(0, &c, 1);
    while (n < 0 && errno == EINTR);
    if (n < 0)
        fprintf(stderr, "crawlfleet-worker: --wait-stdin: %s\n",
                strerror(errno));
    return n > 0 ? 1 : (int)n;
}

/* ---- --procs: a supervisor that restarts dead children --------------- */

static volatile sig_atomic_t sup_signal;

static void sup_on_signal(int sig)
{
    sup_signal = sig;
}

static pid_t spawn(struct worker_opts *o, const struct cf_redis_addr *a,
                   int idx, int base_port, const char *base_id)
{
    pid_t pid = fork();
    char id[200];

    if (pid != 0)
        return pid;
    signal(SIGTERM, SIG_DFL);
    signal(SIGINT, SIG_DFL);
    if (base_port)
        o->metrics_port = base_port + idx;
    if (base_id) {
        snprintf(id, sizeof(id), "%s-%d", base_id, idx);
        o->id = id;
    }
    _exit(worker_run(o, a));
}

static int supervise(struct worker_opts *o, const struct cf_redis_addr *a,
                     int procs)
{
    pid_t pids[PROCS_MAX];
    int64_t backoff[PROCS_MAX], due[PROCS_MAX], now, next;
    int done[PROCS_MAX], live = 0, stopping = 0, failed = 0, i, st;
    int base_port = o->metrics_port;
    const char *base_id = o->id;
    struct sigaction sa;
    pid_t pid;

    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = sup_on_signal; /* no SA_RESTART: waits get EINTR */
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    for (i = 0; i < procs; i++) {
        pids[i] = 0;
        backoff[i] = RESTART_MIN_MS;
        due[i] = 0;
        done[i] = 0;
    }
    cf_info("supervising worker processes", "procs=%d", procs);
    for (;;) {
        now = cf_mono_ms();
        next = 0;
        for (i = 0; i < procs; i++) {
            if (pids[i] || done[i])
                continue;
            if (stopping) {
                done[i] = 1;
            } else if (now >= due[i]) {
                pids[i] = spawn(o, a, i, base_port, base_id);
                live++;
            } else if (!next || due[i] < next) {
                next = due[i];
            }
        }
        if (live == 0 && !next)
            break;
        if (sup_signal) {
            /* forward each signal to every child; they drain or quit */
            for (i = 0; i < procs; i++)
                if (pids[i] > 0)
                    kill(pids[i], sup_signal);
            sup_signal = 0;
            stopping = 1;
            continue;
        }
        pid = waitpid(-1, &st, next ? WNOHANG : 0);
        if (pid <= 0) {
            if (next)
                usleep(50 * 1000); /* a restart is pending */
            continue;
        }
        for (i = 0; i < procs && pids[i] != pid; i++)
            ;
        if (i == procs)
            continue;
        pids[i] = 0;
        live--;
        if (WIFEXITED(st) && WEXITSTATUS(st) == 0) {
            done[i] = 1;
        } else if (stopping) {
            done[i] = 1;
            failed = 1;
        } else {
            cf_warn("worker process died, restarting",
                    "pid=%d status=%d backoff_ms=%lld", (int)pid, st,
                    (long long)backoff[i]);
            due[i] = cf_mono_ms() + backoff[i];
            backoff[i] = backoff[i] * 2 > RESTART_MAX_MS ? RESTART_MAX_MS
                                                         : backoff[i] * 2;
        }
    }
    return failed;
}

int main(int argc, char **argv)
{
    struct worker_opts o = {0};
    struct cf_redis_addr a;
    char errstr[CF_ERRSTR_LEN], addr[256];
    const char *redis = NULL;
    long long v, procs = PROCS_DEFAULT;
    int c, rv, lvl, wait_stdin = 0;

    mallopt(M_TRIM_THRESHOLD, HEAP_TRIM_BYTES);
    mallopt(M_MMAP_THRESHOLD, HEAP_MMAP_BYTES);
    o.concurrency = CONCURRENCY_DEFAULT;
    o.batch = BATCH_DEFAULT;
    o.grace_ms = GRACE_MS_DEFAULT;
    o.queue_cap = QUEUE_CAP_DEFAULT;
    o.seen_cache = SEEN_CACHE_DEFAULT;
    o.warc_dir = WARC_DIR_DEFAULT;
    o.warc_max_size = WARC_MAX_SIZE_DEFAULT;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "", long_opts, NULL)) != -1) {
        switch (c) {
        case OPT_REDIS:
            redis = optarg;
            break;
        case OPT_CRAWL:
            if (!cf_crawl_name_valid(optarg))
                return bad_usage("--crawl: invalid crawl name '%s'%s",
                                 optarg, "");
            o.crawls = cf_realloc(o.crawls, (size_t)(o.ncrawls + 1) *
                                                sizeof(*o.crawls));
            o.crawls[o.ncrawls++] = optarg;
            break;
        case OPT_CONC:
        case OPT_BATCH:
        case OPT_PROCS:
        case OPT_METRICS:
        case OPT_GRACE:
        case OPT_QCAP:
        case OPT_SEEN: {
            static const struct {
                int opt;
                const char *name;
                long long lo, hi;
            } lim[] = {
                {OPT_CONC, "--concurrency", 1, 100000},
                {OPT_BATCH, "--batch", 1, 10000},
                {OPT_PROCS, "--procs", 1, PROCS_MAX},
                {OPT_METRICS, "--metrics-port", 0, 65535},
                {OPT_GRACE, "--grace-ms", 0, 86400000},
                {OPT_QCAP, "--queue-cap", 1, 100000000},
                {OPT_SEEN, "--seen-cache", 0, SEEN_CACHE_MAX},
            };
            size_t k;
            for (k = 0; lim[k].opt != c; k++)
                ;
            if (int_flag(optarg, lim[k].lo, lim[k].hi, &v) != 0)
                return bad_usage("%s: not a valid number: '%s'",
                                 lim[k].name, optarg);
            if (c == OPT_CONC)
                o.concurrency = (int)v;
            else if (c == OPT_BATCH)
                o.batch = (int)v;
            else if (c == OPT_PROCS)
                procs = v;
            else if (c == OPT_METRICS)
                o.metrics_port = (int)v;
            else if (c == OPT_GRACE)
                o.grace_ms = v;
            else if (c == OPT_QCAP)
                o.queue_cap = (size_t)v;
            else
                o.seen_cache = (size_t)v;
            break;
        }
        case OPT_ID:
            o.id = optarg;
            break;
        case OPT_WARC_DIR:
            if (!*optarg)
                return bad_usage("--warc-dir: empty%s%s", "", "");
            o.warc_dir = optarg;
            break;
        case OPT_WARC_MAX:
            if (size_flag(optarg, &v) != 0)
                return bad_usage("--warc-max-size: not a size "
                                 WARC_SIZES_TEXT ": '%s'%s", optarg, "");
            o.warc_max_size = v;
            break;
        case OPT_EXIT:
            o.exit_when_done = 1;
            break;
        case OPT_WAIT_STDIN:
            wait_stdin = 1;
            break;
        case OPT_LOG:
            lvl = cf_log_level_parse(optarg);
            if (lvl < 0)
                return bad_usage("--log-level: unknown level '%s'%s",
                                 optarg, "");
            cf_log_set_level((enum cf_log_level)lvl);
            break;
        case OPT_HELP:
            fputs(usage, stdout);
            return 0;
        case OPT_VERSION:
            printf("crawlfleet-worker %s\n", VERSION);
            return 0;
        default:
            return bad_usage("unknown or incomplete option '%s'%s",
                             argv[optind - 1], "");
        }
    }
    if (optind < argc)
        return bad_usage("unexpected argument '%s'%s", argv[optind], "");
    if (cf_redis_addr_resolve(redis, &a, errstr) != 0)
        return bad_usage("--redis: %s%s", errstr, "");
    cf_log_set_tag("worker");
    curl_global_init(CURL_GLOBAL_ALL);
    if (wait_stdin) {
        int go = stdin_gate();

        if (go <= 0) {
            curl_global_cleanup();
            cf_redis_addr_cleanup(&a);
            free(o.crawls);
            return go < 0 ? 1 : 0;
        }
    }
    cf_info("redis address", "addr=%s",
            cf_redis_addr_format(&a, addr, sizeof(addr)));
    if (procs > 1)
        rv = supervise(&o, &a, (int)procs);
    else
        rv = worker_run(&o, &a);
    cf_redis_addr_cleanup(&a);
    free(o.crawls);
    curl_global_cleanup();
    return rv;
}

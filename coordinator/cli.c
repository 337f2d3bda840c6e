/* cli.c - shared helpers of the crawlfleet subcommands. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <getopt.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "alloc.h"
#include "cli.h"
#include "err.h"
#include "keys.h"
#include "redisaddr.h"

#define CLI_CONNECT_TIMEOUT_MS 5000
#define CLI_OUT_MAX_LINKS 40 /* symlink hops followed for -o (SYMLOOP_MAX) */

volatile int cli_interrupted;
int cli_connect_err = CLI_FAIL;

static void vmsg(const char *cmd, const char *fmt, va_list ap)
{
    if (cmd)
        fprintf(stderr, "%s %s: ", CLI_PROG, cmd);
    else
        fprintf(stderr, "%s: ", CLI_PROG);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
}

int cli_usage(const char *cmd, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vmsg(cmd, fmt, ap);
    va_end(ap);
    return CLI_USAGE;
}

int cli_fail(const char *cmd, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vmsg(cmd, fmt, ap);
    va_end(ap);
    return CLI_FAIL;
}

void cli_warn(const char *cmd, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vmsg(cmd, fmt, ap);
    va_end(ap);
}

int cli_bad_option(const char *cmd, int c, char **argv)
{
    const char *arg = optind > 0 ? argv[optind - 1] : "?";

    if (c == ':')
        return cli_usage(cmd, "option %s needs a value (see --help)", arg);
    if (optopt && optopt != '?')
        return cli_usage(cmd, "unknown option -%c (see --help)", optopt);
    return cli_usage(cmd, "unknown option %s (see --help)", arg);
}

int cli_parse_int(const char *s, long long min, long long max, long long *out)
{
    char *end = NULL;
    long long v;

    if (!s || !*s)
        return -1;
    errno = 0;
    v = strtoll(s, &end, 10);
    if (errno || *end || v < min || v > max)
        return -1;
    *out = v;
    return 0;
}

redisContext *cli_connect(const char *cmd, const char *flag)
{
    struct cf_redis_addr a;
    char err[CF_ERRSTR_LEN];
    redisContext *rc = NULL;

    if (cf_redis_addr_resolve(flag, &a, err) != CF_OK) {
        cli_connect_err = cli_usage(cmd, "%s", err);
        return NULL;
    }
    rc = cf_redis_connect(&a, CLI_CONNECT_TIMEOUT_MS, err);
    if (!rc)
        cli_connect_err = cli_fail(cmd, "%s", err);
    cf_redis_addr_cleanup(&a);
    return rc;
}

redisReply *cli_redis(const char *cmd, redisContext *rc, const char *fmt, ...)
{
    va_list ap;
    redisReply *r;

    va_start(ap, fmt);
    r = redisvCommand(rc, fmt, ap);
    va_end(ap);
    if (!r) {
        cli_fail(cmd, "redis: %s", rc->errstr[0] ? rc->errstr : "no reply");
        return NULL;
    }
    if (r->type == REDIS_REPLY_ERROR) {
        cli_fail(cmd, "redis: %s", r->str);
        freeReplyObject(r);
        return NULL;
    }
    return r;
}

int cli_crawl_state(const char *cmd, redisContext *rc, const char *crawl,
                    char *state, size_t len)
{
    char key[CF_KEY_MAX];
    redisReply *r;
    int ret = CF_OK;

    r = cli_redis(cmd, rc, "HGET %s state", cf_key(key, crawl, "stats"));
    if (!r)
        return CF_EREDIS;
    if (r->type != REDIS_REPLY_STRING)
        ret = CF_ENOTFOUND;
    else
        snprintf(state, len, "%s", r->str);
    freeReplyObject(r);
    return ret;
}

int cli_name_arg(const char *cmd, int argc, char **argv, int optind,
                 const char **name)
{
    if (optind >= argc)
        return cli_usage(cmd, "missing crawl NAME");
    if (argc - optind > 1)
        return cli_usage(cmd, "unexpected argument '%s'", argv[optind + 1]);
    *name = argv[optind];
    return cli_check_name(cmd, *name);
}

int cli_check_name(const char *cmd, const char *name)
{
    if (!cf_crawl_name_valid(name))
        return cli_usage(cmd,
                         "bad crawl name '%s' (1-%d characters of "
                         "A-Z a-z 0-9 _ . -)",
                         name, CF_CRAWL_NAME_MAX);
    return CLI_OK;
}

char *cli_pick_crawl(const char *cmd, redisContext *rc, const char *name,
                     int *rc_exit)
{
    char state[32];
    redisReply *r;
    char *out = NULL;
    int st;

    if (name) {
        *rc_exit = cli_check_name(cmd, name);
        if (*rc_exit)
            return NULL;
        st = cli_crawl_state(cmd, rc, name, state, sizeof(state));
        if (st == CF_ENOTFOUND)
            *rc_exit = cli_fail(cmd, "unknown crawl '%s' (see '%s list')", name,
                                CLI_PROG);
        else if (st != CF_OK)
            *rc_exit = CLI_FAIL;
        else
            out = cf_strdup(name);
        return out;
    }
    r = cli_redis(cmd, rc, "SMEMBERS %s", CF_KEY_CRAWLS);
    if (!r) {
        *rc_exit = CLI_FAIL;
        return NULL;
    }
    if (r->type == REDIS_REPLY_ARRAY && r->elements == 1 &&
        r->element[0]->type == REDIS_REPLY_STRING) {
        out = cf_strdup(r->element[0]->str);
        *rc_exit = CLI_OK;
    } else if (r->type == REDIS_REPLY_ARRAY && r->elements == 0) {
        *rc_exit =
            cli_fail(cmd, "no crawls (create one with '%s seed')", CLI_PROG);
    } else {
        *rc_exit = cli_usage(cmd,
                             "%zu crawls exist; name one (see '%s "
                             "list')",
                             r->elements, CLI_PROG);
    }
    freeReplyObject(r);
    return out;
}

static void on_signal(int sig)
{
    cli_interrupted = sig;
}

void cli_catch_signals(void)
{
    struct sigaction sa;

    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);
}

void cli_nap(int ms)
{
    struct timespec ts;

    while (ms > 0 && !cli_interrupted) {
        int step = ms > 50 ? 50 : ms;

        ts.tv_sec = 0;
        ts.tv_nsec = (long)step * 1000000L;
        nanosleep(&ts, NULL);
        ms -= step;
    }
}

/* Follow symlinks from path to the name that is really written: a heap
 * string, or NULL with errno set (ELOOP past CLI_OUT_MAX_LINKS hops). A
 * dangling link yields its missing target, which is then created. */
static char *out_follow_links(const char *path)
{
    char *cur = cf_strdup(path);

    for (int hops = 0; hops < CLI_OUT_MAX_LINKS; hops++) {
        struct stat st;
        char link[PATH_MAX];
        ssize_t n;
        char *next, *slash;

        if (lstat(cur, &st) != 0 || !S_ISLNK(st.st_mode))
            return cur; /* not a link (or missing): the name to write */
        n = readlink(cur, link, sizeof(link) - 1);
        if (n < 0)
            break;
        link[n] = '\0';
        slash = strrchr(cur, '/');
        if (link[0] == '/' || !slash)
            next = cf_strdup(link);
        else
            next = cf_asprintf("%.*s/%s", (int)(slash - cur), cur, link);
        free(cur);
        cur = next;
    }
    free(cur);
    errno = ELOOP;
    return NULL;
}

static int out_open(const char *cmd, struct cli_out *o, const char *path,
                    int keep);

int cli_out_open(const char *cmd, struct cli_out *o, const char *path)
{
    return out_open(cmd, o, path, 0);
}

int cli_out_open_keep(const char *cmd, struct cli_out *o, const char *path)
{
    return out_open(cmd, o, path, 1);
}

static int out_open(const char *cmd, struct cli_out *o, const char *path,
                    int keep)
{
    struct stat st;
    char *real = NULL;
    int fd, e, exists, mode = 0666;

    memset(o, 0, sizeof(*o));
    if (!path || strcmp(path, "-") == 0) {
        o->f = stdout;
        return CLI_OK;
    }
    if (!*path)
        return cli_usage(cmd, "empty output file name (use - for stdout)");
    real = out_follow_links(path);
    if (!real)
        return cli_fail(cmd, "cannot write %s: %s", path, strerror(errno));
    exists = stat(real, &st) == 0;
    if (!exists && errno != ENOENT) {
        e = errno;
        free(real);
        return cli_fail(cmd, "cannot write %s: %s", path, strerror(e));
    }
    if (exists && S_ISDIR(st.st_mode)) {
        free(real);
        return cli_fail(cmd, "cannot write %s: it is a directory; name a "
                             "file in it", path);
    }
    o->name = cf_strdup(path);
    if (exists && !S_ISREG(st.st_mode)) {
        /* A device, FIFO or socket: replacing it would be wrong. */
        free(real);
        o->f = fopen(path, "w");
        if (!o->f)
            goto fail;
        return CLI_OK;
    }
    if (exists)
        mode = st.st_mode & 07777;
    o->path = real;
    o->tmp = cf_asprintf("%s.tmp", real);
    /* O_NOFOLLOW: a planted NAME.tmp link must not redirect the write. */
    fd = open(o->tmp,
              O_WRONLY | O_CREAT | (keep ? 0 : O_TRUNC) | O_NOFOLLOW |
                  O_CLOEXEC,
              0666);
    if (fd < 0)
        goto fail;
    if (exists)
        (void)fchmod(fd, (mode_t)mode);
    o->f = fdopen(fd, "w");
    if (!o->f) {
        e = errno;
        close(fd);
        unlink(o->tmp);
        errno = e;
        goto fail;
    }
    return CLI_OK;
fail:
    e = errno;
    cli_fail(cmd, "cannot write %s: %s", path, strerror(e));
    free(o->name);
    free(o->path);
    free(o->tmp);
    memset(o, 0, sizeof(*o));
    return CLI_FAIL;
}

int cli_out_check(const char *cmd, struct cli_out *o)
{
    /* stdio keeps no error code of its own: call this right after the
     * writes, while errno still holds the failed write's */
    int e = errno ? errno : EIO;

    if (!o->f || !ferror(o->f))
        return CLI_OK;
    cli_fail(cmd, "write error on %s: %s", o->name ? o->name : "stdout",
             strerror(e));
    return CLI_FAIL;
}

static void out_free(struct cli_out *o)
{
    free(o->name);
    free(o->path);
    free(o->tmp);
    memset(o, 0, sizeof(*o));
}

int cli_out_commit(const char *cmd, struct cli_out *o)
{
    const char *name = o->name ? o->name : "stdout";
    int ret = CLI_OK, e;

    if (!o->f)
        return CLI_OK;
    errno = 0;
    if (fflush(o->f) != 0 || ferror(o->f)) {
        e = errno ? errno : EIO;
        ret = cli_fail(cmd, "write error on %s: %s", name, strerror(e));
    }
    if (o->tmp && ret == CLI_OK && fsync(fileno(o->f)) != 0 && errno != EINVAL)
        ret = cli_fail(cmd, "write error on %s: %s", name, strerror(errno));
    if (o->name && fclose(o->f) != 0 && ret == CLI_OK)
        ret = cli_fail(cmd, "write error on %s: %s", name, strerror(errno));
    if (o->tmp && ret == CLI_OK && rename(o->tmp, o->path) != 0)
        ret = cli_fail(cmd, "cannot rename %s to %s: %s", o->tmp, o->path,
                       strerror(errno));
    if (o->tmp && ret != CLI_OK)
        unlink(o->tmp);
    out_free(o);
    return ret;
}

void cli_out_abort(struct cli_out *o, int keep)
{
    if (!o->f)
        return;
    if (o->name) {
        fclose(o->f);
        if (o->tmp && !keep)
            unlink(o->tmp);
    } else {
        fflush(o->f);
    }
    out_free(o);
}

/* proc.c - spawning and stopping children; the embedded redis-server. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "alloc.h"
#include "clock.h"
#include "err.h"
#include "frontier.h"
#include "proc.h"

static void nap_ms(int ms)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};

    nanosleep(&ts, NULL);
}

/* Sleep *ms, then make the next nap twice as long, up to 20 ms: a child
 * that answers within a few ms is seen within a few ms. */
static void nap_grow(int *ms)
{
    nap_ms(*ms);
    *ms = *ms < 16 ? *ms * 2 : 20;
}

pid_t proc_spawn(const char *const argv[], const char *log_path, char *errstr)
{
    pid_t parent = getpid(), pid;
    int fd;

    fd = open(log_path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (fd < 0) {
        snprintf(errstr, CF_ERRSTR_LEN, "cannot open %s: %s", log_path,
                 strerror(errno));
        return -1;
    }
    pid = fork();
    if (pid < 0) {
        snprintf(errstr, CF_ERRSTR_LEN, "fork: %s", strerror(errno));
        close(fd);
        return -1;
    }
    if (pid == 0) {
        int null = open("/dev/null", O_RDONLY);

        setpgid(0, 0);
        prctl(PR_SET_PDEATHSIG, SIGTERM);
        if (getppid() != parent)
            _exit(127);
        signal(SIGINT, SIG_DFL);
        signal(SIGTERM, SIG_DFL);
        signal(SIGPIPE, SIG_DFL);
        if (null >= 0)
            dup2(null, 0);
        dup2(fd, 1);
        dup2(fd, 2);
        execv(argv[0], (char *const *)argv);
        dprintf(2, "crawlfleet: cannot run %s: %s\n", argv[0], strerror(errno));
        _exit(127);
    }
    close(fd);
    return pid;
}

int proc_wait(pid_t pid, int timeout_ms, int *status)
{
    int64_t deadline = cf_mono_ms() + timeout_ms;
    int st = 0, nap = 1;

    for (;;) {
        pid_t r = waitpid(pid, &st, WNOHANG);

        if (r == pid || (r < 0 && errno == ECHILD)) {
            if (status)
                *status = st;
            return 1;
        }
        if (cf_mono_ms() >= deadline)
            return 0;
        nap_grow(&nap);
    }
}

void proc_reap(pid_t pid, int timeout_ms)
{
    if (pid <= 0)
        return;
    if (!proc_wait(pid, timeout_ms, NULL)) {
        kill(pid, SIGKILL);
        proc_wait(pid, 5000, NULL);
    }
}

void proc_stop(pid_t pid, int sig, int timeout_ms)
{
    if (pid <= 0)
        return;
    kill(pid, sig);
    proc_reap(pid, timeout_ms);
}

static int executable(const char *path)
{
    return access(path, X_OK) == 0;
}

char *proc_find(const char *name)
{
    char self[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
    const char *path = getenv("PATH");

    if (n > 0) {
        char *slash, *cand;

        self[n] = '\0';
        slash = strrchr(self, '/');
        if (slash) {
            *slash = '\0';
            cand = cf_asprintf("%s/%s", self, name);
            if (executable(cand))
                return cand;
            free(cand);
        }
    }
    while (path && *path) {
        size_t len = strcspn(path, ":");
        char *cand = cf_asprintf("%.*s/%s", (int)len, len ? path : ".", name);

        if (executable(cand))
            return cand;
        free(cand);
        path += len;
        path += *path == ':';
    }
    return NULL;
}

/* Is redis up? 1 yes, 0 not yet (no socket, loading), -1 never. */
static int redis_ready(const char *sock)
{
    struct timeval tv = {1, 0};
    redisContext *rc = redisConnectUnixWithTimeout(sock, tv);
    redisReply *r;
    int ok = 0;

    if (!rc || rc->err) {
        if (rc)
            redisFree(rc);
        return 0;
    }
    r = redisCommand(rc, "PING");
    if (r && r->type == REDIS_REPLY_STATUS && strcmp(r->str, "PONG") == 0)
        ok = 1;
    if (r)
        freeReplyObject(r);
    redisFree(rc);
    return ok;
}

int redis_embed_start(struct embedded_redis *r, const char *dir, int timeout_ms,
                      char *errstr)
{
    char *server = getenv("CRAWLFLEET_REDIS_SERVER");
    char *bin = server ? cf_strdup(server) : proc_find("redis-server");
    char *log = NULL;
    char abs[PATH_MAX];
    int64_t deadline;
    int ret = -1, st, nap = 1;

    memset(r, 0, sizeof(*r));
    if (!bin) {
        snprintf(errstr, CF_ERRSTR_LEN,
                 "redis-server not found on PATH (install redis-server, "
                 "or pass --redis URL)");
        return -1;
    }
    if (!realpath(dir, abs)) {
        snprintf(errstr, CF_ERRSTR_LEN, "%s: %s", dir, strerror(errno));
        goto out;
    }
    r->dir = cf_strdup(abs);
    r->sock = cf_asprintf("%s/redis.sock", abs);
    r->url = cf_asprintf("unix://%s", r->sock);
    if (strlen(r->sock) >= sizeof(((struct sockaddr_un *)0)->sun_path)) {
        snprintf(errstr, CF_ERRSTR_LEN,
                 "state dir path too long for a "
                 "unix socket: %.200s",
                 abs);
        goto out;
    }
    unlink(r->sock);
    log = cf_asprintf("%s/redis.log", abs);
    {
        const char *argv[] = {
            bin,        "--port",
            "0",        "--unixsocket",
            r->sock,    "--unixsocketperm",
            "700",      "--dir",
            r->dir,     "--appendonly",
            "yes",      "--appendfsync",
            "everysec", "--save",
            "",         "--daemonize",
            "no",       "--logfile",
            "",         "--protected-mode",
            "yes",      "--latency-tracking",
            "no",       NULL,
        };

        r->pid = proc_spawn(argv, log, errstr);
    }
    if (r->pid < 0) {
        r->pid = 0;
        goto out;
    }
    deadline = cf_mono_ms() + timeout_ms;
    for (;;) {
        if (redis_ready(r->sock) == 1)
            break;
        if (proc_wait(r->pid, 0, &st)) {
            r->pid = 0;
            snprintf(errstr, CF_ERRSTR_LEN,
                     "redis-server exited at start "
                     "(see %.200s)",
                     log);
            goto out;
        }
        if (cf_mono_ms() > deadline) {
            snprintf(errstr, CF_ERRSTR_LEN,
                     "redis-server did not answer "
                     "within %d ms (see %.180s)",
                     timeout_ms, log);
            goto out;
        }
        nap_grow(&nap);
    }
    ret = 0;
out:
    if (ret != 0) {
        proc_stop(r->pid, SIGTERM, 5000);
        r->pid = 0;
    }
    free(log);
    free(bin);
    return ret;
}

void redis_embed_stop(struct embedded_redis *r, int timeout_ms)
{
    if (r->pid > 0) {
        struct timeval tv = {2, 0};
        redisContext *rc = redisConnectUnixWithTimeout(r->sock, tv);

        if (rc && !rc->err) {
            /* the append-only file holds everything (a restart loads
             * it, not an RDB snapshot): SHUTDOWN flushes and fsyncs it */
            redisReply *rep = redisCommand(rc, "SHUTDOWN");

            if (rep)
                freeReplyObject(rep);
        }
        if (rc)
            redisFree(rc);
        if (!proc_wait(r->pid, timeout_ms, NULL))
            proc_stop(r->pid, SIGTERM, 5000);
    }
    free(r->dir);
    free(r->sock);
    free(r->url);
    memset(r, 0, sizeof(*r));
}

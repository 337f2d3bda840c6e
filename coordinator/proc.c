/* proc.c - spawning and stopping children; the embedded redis-server. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <poll.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
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
 * that answers within a few ms is seen within a few ms. Only where no
 * event says it (no pidfd, a redis-server that does not notify). */
static void nap_grow(int *ms)
{
    nap_ms(*ms);
    *ms = *ms < 16 ? *ms * 2 : 20;
}

/* A descriptor that turns readable when pid exits (Linux 5.3), or -1
 * (an older kernel, a seccomp filter that refuses it). */
static int pid_fd(pid_t pid)
{
#ifdef SYS_pidfd_open
    return (int)syscall(SYS_pidfd_open, pid, 0);
#else
    (void)pid;
    return -1;
#endif
}

pid_t proc_spawn(const char *const argv[], const char *log_path, int in_fd,
                 const char *env_add, char *errstr)
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
        int in = in_fd >= 0 ? in_fd : open("/dev/null", O_RDONLY);

        setpgid(0, 0);
        prctl(PR_SET_PDEATHSIG, SIGTERM);
        if (getppid() != parent)
            _exit(127);
        signal(SIGINT, SIG_DFL);
        signal(SIGTERM, SIG_DFL);
        signal(SIGPIPE, SIG_DFL);
        if (in >= 0)
            dup2(in, 0);
        dup2(fd, 1);
        dup2(fd, 2);
        if (env_add)
            putenv((char *)env_add); /* the child's copy of environ */
        execv(argv[0], (char *const *)argv);
        dprintf(2, "crawlfleet: cannot run %s: %s\n", argv[0], strerror(errno));
        _exit(127);
    }
    close(fd);
    return pid;
}

int proc_wait(pid_t pid, int timeout_ms, int *status)
{
    int64_t deadline = cf_mono_ms() + timeout_ms, left;
    int st = 0, nap = 1, fd = -1, tried = 0, ret;

    for (;;) {
        pid_t r = waitpid(pid, &st, WNOHANG);

        if (r == pid || (r < 0 && errno == ECHILD)) {
            if (status)
                *status = st;
            ret = 1;
            break;
        }
        left = deadline - cf_mono_ms();
        if (left <= 0) {
            ret = 0;
            break;
        }
        if (!tried) {
            fd = pid_fd(pid); /* readable from the exit on, so no race */
            tried = 1;
        }
        if (fd >= 0) {
            struct pollfd pfd = {fd, POLLIN, 0};

            poll(&pfd, 1, (int)left); /* EINTR: look again */
        } else {
            nap_grow(&nap);
        }
    }
    if (fd >= 0)
        close(fd);
    return ret;
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

/* A datagram socket for redis-server's readiness notice (systemd's
 * sd_notify protocol: "READY=1" once it accepts connections, after
 * loading the AOF): bound by the kernel to a fresh abstract name, which
 * goes to env as NOTIFY_SOCKET=@name. -1 if there is none to be had. */
static int notify_open(char *env, size_t envlen)
{
    struct sockaddr_un sa;
    socklen_t len = sizeof(sa);
    int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);

    if (fd < 0)
        return -1;
    memset(&sa, 0, sizeof(sa));
    sa.sun_family = AF_UNIX;
    /* an address of the family alone: autobind picks a unique name */
    if (bind(fd, (struct sockaddr *)&sa, sizeof(sa_family_t)) != 0 ||
        getsockname(fd, (struct sockaddr *)&sa, &len) != 0 ||
        len <= sizeof(sa_family_t) + 1 || sa.sun_path[0] != '\0') {
        close(fd);
        return -1;
    }
    snprintf(env, envlen, "NOTIFY_SOCKET=@%.*s",
             (int)(len - sizeof(sa_family_t) - 1), sa.sun_path + 1);
    return fd;
}

/* Wait up to ms for a notice on fd, and read every one queued. */
static void notify_wait(int fd, int ms)
{
    struct pollfd pfd = {fd, POLLIN, 0};
    char buf[512];

    if (poll(&pfd, 1, ms) <= 0)
        return;
    while (recv(fd, buf, sizeof(buf), MSG_DONTWAIT) >= 0)
        ;
}

int redis_embed_spawn(struct embedded_redis *r, const char *dir, char *errstr)
{
    char *server = getenv("CRAWLFLEET_REDIS_SERVER");
    char *bin = server ? cf_strdup(server) : proc_find("redis-server");
    char abs[PATH_MAX], env[64];
    int ret = -1;

    memset(r, 0, sizeof(*r));
    r->notify = -1;
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
    r->log = cf_asprintf("%s/redis.log", abs);
    r->notify = notify_open(env, sizeof(env));
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
            "no",
            /* sorted sets and hashes past 16 members as skiplists and
             * hash tables, not listpacks: the leases, the ready hosts and
             * the in-flight and stats hashes are looked up and changed
             * on every call, and a listpack is searched end to end
             * (bench/README.md, "A real crawl's calls, replayed": 4% of
             * redis-server's instructions each). The per-host hashes and
             * level sets stay small and packed. */
            "--zset-max-listpack-entries", "16",
            "--hash-max-listpack-entries", "16",
            /* last: left off when there is no socket to notify */
            r->notify >= 0 ? "--supervised" : NULL, "systemd",
            NULL,
        };

        r->pid = proc_spawn(argv, r->log, -1, r->notify >= 0 ? env : NULL,
                            errstr);
    }
    if (r->pid < 0) {
        r->pid = 0;
        goto out;
    }
    ret = 0;
out:
    free(bin);
    return ret;
}

int redis_embed_wait(struct embedded_redis *r, int timeout_ms, char *errstr)
{
    int64_t deadline = cf_mono_ms() + timeout_ms;
    int ret = -1, st, nap = 1;

    for (;;) {
        if (redis_ready(r->sock) == 1)
            break;
        if (proc_wait(r->pid, 0, &st)) {
            r->pid = 0;
            snprintf(errstr, CF_ERRSTR_LEN,
                     "redis-server exited at start "
                     "(see %.200s)",
                     r->log);
            goto out;
        }
        if (cf_mono_ms() > deadline) {
            snprintf(errstr, CF_ERRSTR_LEN,
                     "redis-server did not answer "
                     "within %d ms (see %.180s)",
                     timeout_ms, r->log);
            goto out;
        }
        /* The notice wakes us the moment it is ready; the naps remain
         * for a redis-server built without it (it then only logs a
         * warning) and for the notices before READY=1. */
        if (r->notify >= 0) {
            notify_wait(r->notify, nap);
            nap = nap < 16 ? nap * 2 : 20;
        } else {
            nap_grow(&nap);
        }
    }
    ret = 0;
out:
    if (ret != 0) {
        proc_stop(r->pid, SIGTERM, 5000);
        r->pid = 0;
    }
    return ret;
}

/* Connect and send SHUTDOWN; the reply (the connection closing) is not
 * waited for. The append-only file holds everything (a restart loads
 * it, not an RDB snapshot): SHUTDOWN flushes and fsyncs it, and stops an
 * AOF rewrite child and removes its files. NULL if it cannot be told. */
static redisContext *redis_bye(const char *sock)
{
    struct timeval tv = {2, 0};
    redisContext *rc = redisConnectUnixWithTimeout(sock, tv);
    int done = 0;

    if (!rc || rc->err || redisAppendCommand(rc, "SHUTDOWN") != REDIS_OK)
        goto fail;
    while (!done)
        if (redisBufferWrite(rc, &done) != REDIS_OK)
            goto fail;
    return rc;
fail:
    if (rc)
        redisFree(rc);
    return NULL;
}

void redis_embed_shutdown(struct embedded_redis *r)
{
    if (r->pid > 0 && !r->bye)
        r->bye = redis_bye(r->sock);
}

void redis_embed_stop(struct embedded_redis *r, int timeout_ms)
{
    if (r->pid > 0) {
        redis_embed_shutdown(r); /* its exit is the answer */
        if (!proc_wait(r->pid, timeout_ms, NULL))
            proc_stop(r->pid, SIGTERM, 5000);
    }
    if (r->bye)
        redisFree(r->bye);
    /* open until now: its STOPPING=1 at shutdown finds a reader (a
     * closed socket makes it log an error) */
    if (r->dir && r->notify >= 0)
        close(r->notify);
    free(r->dir);
    free(r->sock);
    free(r->url);
    free(r->log);
    memset(r, 0, sizeof(*r));
}

/* testredis.c - start and stop a private redis-server for a test. */
#include "testredis.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define START_TRIES 5 /* fresh ports tried when one is taken */
#define START_DEADLINE_MS 15000
#define STOP_DEADLINE_MS 10000
#define POLL_NS 10000000L /* 10 ms between readiness probes */

enum { SPAWN_OK = 0, SPAWN_FAIL = -1, SPAWN_PORT_TAKEN = -2 };

static long long now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void pause_poll(void)
{
    struct timespec ts = {0, POLL_NS};

    nanosleep(&ts, NULL);
}

/* Ask the kernel for a free loopback port. Another process may take it
 * before redis binds it; the caller retries with a new one then. */
static int free_port(void)
{
    struct sockaddr_in sa;
    socklen_t len = sizeof(sa);
    int fd = socket(AF_INET, SOCK_STREAM, 0), port = -1;

    if (fd < 0)
        return -1;
    memset(&sa, 0, sizeof(sa));
    sa.sin_family = AF_INET;
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0 &&
        getsockname(fd, (struct sockaddr *)&sa, &len) == 0)
        port = ntohs(sa.sin_port);
    close(fd);
    return port;
}

static void remove_dir(const char *dir)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    char path[PATH_MAX + 256];

    if (!d)
        return;
    while ((e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
        unlink(path);
    }
    closedir(d);
    rmdir(dir);
}

/* Does file dir/name contain needle? Prints it to stderr if loud. */
static int log_has(const struct testredis *r, const char *name,
                   const char *needle, int loud)
{
    char path[PATH_MAX + 32], line[1024];
    FILE *fp;
    int found = 0;

    snprintf(path, sizeof(path), "%s/%s", r->dir, name);
    fp = fopen(path, "r");
    if (!fp)
        return 0;
    while (fgets(line, sizeof(line), fp)) {
        if (strstr(line, needle))
            found = 1;
        if (loud)
            fprintf(stderr, "  %s: %s", name, line);
    }
    fclose(fp);
    return found;
}

static void child_exec(const struct testredis *r, pid_t parent)
{
    char port[16], logfile[PATH_MAX + 16], out[PATH_MAX + 16];
    const char *argv[32 + TESTREDIS_MAX_ARGS];
    int n = 0, fd;

    /* Die with the test, even if it crashes before testredis_stop(). */
    if (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0 || getppid() != parent)
        _exit(126);
    snprintf(port, sizeof(port), "%d", r->port);
    snprintf(logfile, sizeof(logfile), "%s/redis.log", r->dir);
    snprintf(out, sizeof(out), "%s/stdout.log", r->dir);
    fd = open(out, O_WRONLY | O_CREAT | O_APPEND, 0600);
    if (fd >= 0) {
        dup2(fd, 1);
        dup2(fd, 2);
        close(fd);
    }
    fd = open("/dev/null", O_RDONLY);
    if (fd >= 0) {
        dup2(fd, 0);
        close(fd);
    }
    argv[n++] = "redis-server";
    argv[n++] = "--port";
    argv[n++] = port;
    argv[n++] = "--bind";
    argv[n++] = "127.0.0.1";
    argv[n++] = "--unixsocket";
    argv[n++] = r->sock;
    argv[n++] = "--unixsocketperm";
    argv[n++] = "700";
    argv[n++] = "--dir";
    argv[n++] = r->dir;
    argv[n++] = "--logfile";
    argv[n++] = logfile;
    argv[n++] = "--save";
    argv[n++] = "";
    argv[n++] = "--appendonly";
    argv[n++] = "no";
    argv[n++] = "--daemonize";
    argv[n++] = "no";
    for (int i = 0; r->args[i]; i++)
        argv[n++] = r->args[i];
    argv[n] = NULL;
    execvp(argv[0], (char *const *)argv);
    fprintf(stderr, "exec redis-server: %s\n", strerror(errno));
    _exit(127);
}

/* Is the server answering? Any reply (even NOAUTH) means ready. */
static int answers(const struct testredis *r)
{
    struct timeval tv = {0, 500000};
    redisContext *c = redisConnectUnixWithTimeout(r->sock, tv);
    redisReply *reply;
    int ok = 0;

    if (c && !c->err) {
        reply = redisCommand(c, "PING");
        ok = reply != NULL;
        freeReplyObject(reply);
    }
    redisFree(c);
    return ok;
}

static int spawn(struct testredis *r)
{
    pid_t parent = getpid(), pid;
    long long deadline = now_ms() + START_DEADLINE_MS;
    int status;

    unlink(r->sock);
    pid = fork();
    if (pid < 0) {
        perror("testredis: fork");
        return SPAWN_FAIL;
    }
    if (pid == 0)
        child_exec(r, parent);
    r->pid = pid;
    while (now_ms() < deadline) {
        if (waitpid(pid, &status, WNOHANG) == pid) {
            r->pid = 0;
            if (log_has(r, "redis.log", "Address already in use", 0))
                return SPAWN_PORT_TAKEN;
            fprintf(stderr, "testredis: redis-server exited (status %d)\n",
                    WIFEXITED(status) ? WEXITSTATUS(status) : -1);
            log_has(r, "stdout.log", "", 1);
            log_has(r, "redis.log", "", 1);
            return SPAWN_FAIL;
        }
        if (answers(r))
            return SPAWN_OK;
        pause_poll();
    }
    fprintf(stderr, "testredis: redis-server not ready after %d ms\n",
            START_DEADLINE_MS);
    return SPAWN_FAIL;
}

/* SIGTERM, then SIGKILL if it will not go; always reaps. */
static int kill_wait(struct testredis *r)
{
    long long deadline = now_ms() + STOP_DEADLINE_MS;
    int status, rc = 0;

    if (r->pid <= 0)
        return 0;
    kill(r->pid, SIGTERM);
    while (waitpid(r->pid, &status, WNOHANG) == 0) {
        if (now_ms() >= deadline) {
            fprintf(stderr, "testredis: SIGKILL after %d ms\n",
                    STOP_DEADLINE_MS);
            kill(r->pid, SIGKILL);
            waitpid(r->pid, &status, 0);
            rc = -1;
            break;
        }
        pause_poll();
    }
    r->pid = 0;
    return rc;
}

static int make_dir(struct testredis *r)
{
    const char *base = getenv("TMPDIR");
    const char *tail = "/cf-redis-XXXXXX/redis.sock";

    if (!base || !*base || strlen(base) + strlen(tail) >= sizeof(r->sock))
        base = "/tmp";
    snprintf(r->dir, sizeof(r->dir), "%s/cf-redis-XXXXXX", base);
    if (!mkdtemp(r->dir)) {
        fprintf(stderr, "testredis: mkdtemp %s: %s\n", r->dir, strerror(errno));
        r->dir[0] = '\0';
        return -1;
    }
    if (snprintf(r->sock, sizeof(r->sock), "%s/redis.sock", r->dir) >=
        (int)sizeof(r->sock))
        return -1; /* cannot happen: base was checked */
    snprintf(r->url, sizeof(r->url), "unix://%s", r->sock);
    return 0;
}

int testredis_start(struct testredis *r, const char *const *extra)
{
    int n = 0, rc = SPAWN_FAIL;

    memset(r, 0, sizeof(*r));
    for (; extra && extra[n]; n++) {
        if (n == TESTREDIS_MAX_ARGS) {
            fprintf(stderr, "testredis: too many extra args\n");
            goto fail;
        }
        r->args[n] = strdup(extra[n]);
        if (!r->args[n])
            abort();
    }
    if (make_dir(r) != 0)
        goto fail;
    for (int i = 0; i < START_TRIES; i++) {
        r->port = free_port();
        if (r->port <= 0) {
            perror("testredis: no free port");
            goto fail;
        }
        snprintf(r->tcp_url, sizeof(r->tcp_url), "redis://127.0.0.1:%d",
                 r->port);
        rc = spawn(r);
        if (rc != SPAWN_PORT_TAKEN)
            break;
    }
    if (rc == SPAWN_OK)
        return 0;
fail:
    testredis_stop(r);
    return -1;
}

int testredis_stop(struct testredis *r)
{
    int rc = kill_wait(r);

    if (r->dir[0])
        remove_dir(r->dir);
    r->dir[0] = '\0';
    for (int i = 0; i < TESTREDIS_MAX_ARGS && r->args[i]; i++) {
        free(r->args[i]);
        r->args[i] = NULL;
    }
    return rc;
}

int testredis_restart(struct testredis *r)
{
    kill_wait(r);
    return spawn(r) == SPAWN_OK ? 0 : -1;
}

redisContext *testredis_connect(const struct testredis *r, int tcp)
{
    struct timeval tv = {2, 0};
    redisContext *c;

    if (tcp)
        c = redisConnectWithTimeout("127.0.0.1", r->port, tv);
    else
        c = redisConnectUnixWithTimeout(r->sock, tv);
    if (c && c->err) {
        fprintf(stderr, "testredis: connect: %s\n", c->errstr);
        redisFree(c);
        return NULL;
    }
    if (c)
        redisSetTimeout(c, tv);
    return c;
}

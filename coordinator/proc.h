/* proc.h - child processes of `crawlfleet crawl`: the private
 * redis-server and the local workers. Children get their own process
 * group (a terminal's Ctrl-C reaches only us, and we stop them in order)
 * and die with us (PR_SET_PDEATHSIG). */
#ifndef PROC_H
#define PROC_H

#include <sys/types.h>

#include <hiredis/hiredis.h>

/* Start argv[0] (a path) with stdout and stderr appended to log_path,
 * stdin from in_fd (-1: /dev/null; the caller keeps its own copy) and
 * env_add ("NAME=value", or NULL) added to its environment. Returns the
 * pid, or -1 with errstr. */
pid_t proc_spawn(const char *const argv[], const char *log_path, int in_fd,
                 const char *env_add, char *errstr);

/* Wait up to timeout_ms for pid to exit; 1 if it did (status in
 * *status, may be NULL), 0 if it is still running. Woken by the exit
 * itself (a pidfd), not by a poll interval, where the kernel has them. */
int proc_wait(pid_t pid, int timeout_ms, int *status);

/* Wait up to timeout_ms for pid (already asked to leave), then SIGKILL
 * and reap it. */
void proc_reap(pid_t pid, int timeout_ms);

/* Stop pid: signal sig, then proc_reap. */
void proc_stop(pid_t pid, int sig, int timeout_ms);

/* Path of a program: next to our own executable (/proc/self/exe), else
 * found on PATH. Heap string or NULL. */
char *proc_find(const char *name);

/* A private redis-server on a unix socket in a state directory, with
 * appendonly persistence. */
struct embedded_redis {
    pid_t pid;  /* redis-server, or 0 */
    char *dir;  /* absolute state directory */
    char *sock; /* dir/redis.sock */
    char *url;  /* unix://<sock> */
    char *log;  /* dir/redis.log */
    int notify; /* its notices (sd_notify) come here; -1: none */
    redisContext *bye; /* the connection SHUTDOWN went out on, or NULL */
};

/* Start redis-server in dir (which exists) and return at once: url is
 * known, the server not yet up (redis_embed_wait). 0, or -1 with errstr
 * (redis_embed_stop frees r either way). */
int redis_embed_spawn(struct embedded_redis *r, const char *dir,
                      char *errstr);
/* Wait until the server redis_embed_spawn started answers PING (loading
 * the AOF may take a while), up to timeout_ms: woken by its readiness
 * notice, with growing naps as the fallback. 0, or -1 with errstr (the
 * child is stopped). */
int redis_embed_wait(struct embedded_redis *r, int timeout_ms, char *errstr);
/* Send SHUTDOWN and return at once: the server flushes and exits while
 * the caller does other work; redis_embed_stop waits for it. Once. */
void redis_embed_shutdown(struct embedded_redis *r);
/* SHUTDOWN (the AOF flushed and fsynced; no RDB is written) and reap it
 * (SIGTERM after timeout_ms); frees r. Safe on a zeroed r. */
void redis_embed_stop(struct embedded_redis *r, int timeout_ms);

#endif

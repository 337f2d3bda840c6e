/* testredis.h - a real redis-server for integration tests.
 *
 * testredis_start() runs `redis-server` from PATH in a fresh temp dir,
 * listening on a unix socket in that dir and on a free loopback TCP port,
 * with no persistence, and returns once it answers PING. The server gets
 * SIGKILL if the test process dies, so a crashed test leaves nothing
 * running (its temp dir may stay behind). */
#ifndef CF_TESTREDIS_H
#define CF_TESTREDIS_H

#include <limits.h>
#include <sys/types.h>

#include <hiredis/hiredis.h>

#define TESTREDIS_MAX_ARGS 16

struct testredis {
    char dir[PATH_MAX];                 /* temp dir holding socket and logs */
    char sock[108];                     /* unix socket path (fits sun_path) */
    char url[128];                      /* "unix://<sock>" */
    char tcp_url[64];                   /* "redis://127.0.0.1:<port>" */
    int port;                           /* loopback TCP port */
    pid_t pid;                          /* redis-server, 0 when stopped */
    char *args[TESTREDIS_MAX_ARGS + 1]; /* extra args (heap), NULL ended */
};

/* Start a server. extra is NULL or a NULL-terminated list of extra
 * redis-server arguments, e.g. {"--requirepass", "s3cret", NULL}; they are
 * copied and reused by testredis_restart(). Returns 0, or -1 with a reason
 * on stderr (r is then stopped and cleaned up). */
int testredis_start(struct testredis *r, const char *const *extra);

/* Kill the server (SIGTERM, SIGKILL after a deadline), reap it and remove
 * the temp dir. Safe to call twice. Returns 0, -1 if it had to SIGKILL. */
int testredis_stop(struct testredis *r);

/* Stop the server and start a new one on the same socket, port and dir
 * with the same arguments (the data is gone unless extra turned on
 * persistence, e.g. "--appendonly", "yes"). Returns 0 or -1. */
int testredis_restart(struct testredis *r);

/* A fresh connection over the unix socket (tcp != 0: over TCP), or NULL.
 * No AUTH is sent. The caller frees it with redisFree(). */
redisContext *testredis_connect(const struct testredis *r, int tcp);

#endif

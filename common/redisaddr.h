/* redisaddr.h - where Redis is, and how to connect to it.
 *
 *   redis://[[user]:password@]host[:port][/db]   (port 6379, db 0)
 *   unix:///path/to/redis.sock[?db=N]           (password from the env)
 *
 * The address comes from --redis, else CRAWLFLEET_REDIS, else
 * redis://127.0.0.1:6379. CRAWLFLEET_REDIS_PASSWORD (and
 * CRAWLFLEET_REDIS_USER) supply credentials that are not in the URL. The
 * password never appears in logs or error messages: print addresses with
 * cf_redis_addr_format(), which masks it. */
#ifndef CF_REDISADDR_H
#define CF_REDISADDR_H

#include <hiredis/hiredis.h>

#define CF_REDIS_DEFAULT "redis://127.0.0.1:6379"

struct cf_redis_addr {
    char *host;     /* TCP host, NULL for a unix socket */
    int port;       /* TCP port */
    char *path;     /* unix socket path, NULL for TCP */
    char *user;     /* ACL user, NULL for the default user */
    char *password; /* NULL for no AUTH */
    int db;         /* SELECT index */
};

/* Parse s into a (zeroed first). On error returns CF_EINVAL and writes a
 * message without the password into errstr (CF_ERRSTR_LEN bytes). */
int cf_redis_addr_parse(const char *s, struct cf_redis_addr *a, char *errstr);
/* flag if not NULL, else $CRAWLFLEET_REDIS, else the default; then the
 * credential variables. */
int cf_redis_addr_resolve(const char *flag, struct cf_redis_addr *a,
                          char *errstr);
void cf_redis_addr_cleanup(struct cf_redis_addr *a);
/* "redis://user:***@host:port/db" or "unix:///path"; returns buf. */
char *cf_redis_addr_format(const struct cf_redis_addr *a, char *buf,
                           size_t len);

/* Connect, AUTH and SELECT synchronously with a timeout. Returns NULL and
 * fills errstr on failure ("cannot connect to redis://host:port: ..."). */
redisContext *cf_redis_connect(const struct cf_redis_addr *a, int timeout_ms,
                               char *errstr);

#endif

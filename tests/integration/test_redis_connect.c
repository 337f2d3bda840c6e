/* test_redis_connect.c - cf_redis_connect against a real redis-server,
 * and the testredis helper itself. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "err.h"
#include "redisaddr.h"
#include "../unit/test.h"
#include "testredis.h"

#define PW "c0rrect-h0rse"

/* Connect to text (resolved without env); NULL and err on failure. */
static redisContext *dial(const char *text, char *err)
{
    struct cf_redis_addr a;
    redisContext *c;

    if (cf_redis_addr_parse(text, &a, err) != CF_OK)
        return NULL;
    c = cf_redis_connect(&a, 2000, err);
    cf_redis_addr_cleanup(&a);
    return c;
}

static int set_get(redisContext *c, const char *key, const char *val)
{
    redisReply *r = redisCommand(c, "SET %s %s", key, val);
    int ok = r && r->type == REDIS_REPLY_STATUS;

    freeReplyObject(r);
    r = redisCommand(c, "GET %s", key);
    ok = ok && r && r->type == REDIS_REPLY_STRING && strcmp(r->str, val) == 0;
    freeReplyObject(r);
    return ok;
}

static long long dbsize(redisContext *c)
{
    redisReply *r = redisCommand(c, "DBSIZE");
    long long n = r && r->type == REDIS_REPLY_INTEGER ? r->integer : -1;

    freeReplyObject(r);
    return n;
}

static void test_plain(void)
{
    struct testredis r;
    char err[CF_ERRSTR_LEN], url[160];
    redisContext *c, *c2;

    if (testredis_start(&r, NULL) != 0) {
        CHECKF(0, "testredis_start");
        return;
    }
    c = dial(r.url, err);
    CHECKF(c != NULL, "unix: %s", err);
    if (c) {
        CHECK(set_get(c, "k", "unix"));
        redisFree(c);
    }
    c = dial(r.tcp_url, err);
    CHECKF(c != NULL, "tcp: %s", err);
    if (c) {
        CHECK(set_get(c, "k", "tcp"));
        redisFree(c);
    }

    /* SELECT: db 5 is a different keyspace from db 0. */
    snprintf(url, sizeof(url), "%s/5", r.tcp_url);
    c = dial(url, err);
    CHECKF(c != NULL, "tcp db 5: %s", err);
    snprintf(url, sizeof(url), "%s?db=5", r.url);
    c2 = dial(url, err);
    CHECKF(c2 != NULL, "unix db 5: %s", err);
    if (c && c2) {
        CHECK_INT(dbsize(c), 0);
        CHECK(set_get(c, "in5", "x"));
        CHECK_INT(dbsize(c2), 1);
    }
    redisFree(c);
    redisFree(c2);

    /* A db the server does not have. */
    snprintf(url, sizeof(url), "%s/99", r.tcp_url);
    c = dial(url, err);
    CHECK(c == NULL);
    CHECKF(strstr(err, "redis SELECT 99 failed for redis://127.0.0.1:") == err,
           "got: %s", err);

    /* The restart helper: same socket and port, data gone. */
    pid_t old = r.pid;
    CHECK_INT(testredis_restart(&r), 0);
    CHECK(r.pid > 0 && r.pid != old);
    CHECK(kill(old, 0) != 0);
    c = dial(r.url, err);
    CHECKF(c != NULL, "after restart: %s", err);
    if (c) {
        CHECK_INT(dbsize(c), 0);
        redisFree(c);
    }
    c = testredis_connect(&r, 1);
    CHECK(c != NULL);
    redisFree(c);

    /* Stopped: the same address now fails with a clear message. */
    char dir[PATH_MAX];
    snprintf(dir, sizeof(dir), "%s", r.dir);
    CHECK_INT(testredis_stop(&r), 0);
    CHECK_INT(testredis_stop(&r), 0);
    CHECK(access(dir, F_OK) != 0);
    CHECK(r.pid == 0);
}

static void test_auth(void)
{
    const char *extra[] = {"--requirepass", PW, NULL};
    struct testredis r;
    char err[CF_ERRSTR_LEN], url[200];
    redisContext *c;
    redisReply *reply;

    if (testredis_start(&r, extra) != 0) {
        CHECKF(0, "testredis_start requirepass");
        return;
    }
    snprintf(url, sizeof(url), "redis://:%s@127.0.0.1:%d", PW, r.port);
    c = dial(url, err);
    CHECKF(c != NULL, "good password: %s", err);
    if (c) {
        CHECK(set_get(c, "a", "b"));
        redisFree(c);
    }

    /* ACL form: AUTH default <password>. */
    snprintf(url, sizeof(url), "redis://default:%s@127.0.0.1:%d/2", PW, r.port);
    c = dial(url, err);
    CHECKF(c != NULL, "user default: %s", err);
    redisFree(c);

    /* Wrong password: clear message, never the password. */
    snprintf(url, sizeof(url), "redis://:wr0ng-" PW "@127.0.0.1:%d", r.port);
    c = dial(url, err);
    CHECK(c == NULL);
    CHECKF(strstr(err, "redis AUTH failed for redis://:***@127.0.0.1:") == err,
           "got: %s", err);
    CHECKF(strstr(err, "WRONGPASS") != NULL, "got: %s", err);
    CHECKF(strstr(err, "h0rse") == NULL, "password shown: %s", err);

    /* Password from the environment, socket address. */
    unsetenv("CRAWLFLEET_REDIS");
    setenv("CRAWLFLEET_REDIS_PASSWORD", PW, 1);
    {
        struct cf_redis_addr a;
        CHECK_INT(cf_redis_addr_resolve(r.url, &a, err), CF_OK);
        c = cf_redis_connect(&a, 2000, err);
        CHECKF(c != NULL, "env password: %s", err);
        redisFree(c);
        cf_redis_addr_cleanup(&a);
    }
    unsetenv("CRAWLFLEET_REDIS_PASSWORD");

    /* No password at all: told so at connect time. */
    c = dial(r.url, err);
    CHECK(c == NULL);
    CHECKF(strstr(err, "needs a password") != NULL, "got: %s", err);

    /* The helper's plain connection gets NOAUTH until it authenticates. */
    c = testredis_connect(&r, 0);
    CHECK(c != NULL);
    if (c) {
        reply = redisCommand(c, "GET a");
        CHECK(reply && reply->type == REDIS_REPLY_ERROR);
        freeReplyObject(reply);
        redisFree(c);
    }
    testredis_stop(&r);
}

static void test_unreachable(void)
{
    struct testredis r;
    char err[CF_ERRSTR_LEN], url[256], sock[160];
    redisContext *c;
    int port;

    /* A port and socket that just stopped listening. */
    if (testredis_start(&r, NULL) != 0) {
        CHECKF(0, "testredis_start");
        return;
    }
    port = r.port;
    snprintf(sock, sizeof(sock), "%s", r.url);
    testredis_stop(&r);

    snprintf(url, sizeof(url), "redis://:" PW "@127.0.0.1:%d", port);
    c = dial(url, err);
    CHECK(c == NULL);
    snprintf(url, sizeof(url),
             "cannot connect to redis://:***@127.0.0.1:%d: ", port);
    CHECKF(strncmp(err, url, strlen(url)) == 0 && strlen(err) > strlen(url),
           "got: %s", err);
    CHECKF(strstr(err, "h0rse") == NULL, "password shown: %s", err);

    c = dial(sock, err);
    CHECK(c == NULL);
    snprintf(url, sizeof(url), "cannot connect to %s: ", sock);
    CHECKF(strncmp(err, url, strlen(url)) == 0, "got: %s", err);

    c = dial("redis://no-such-host.invalid:6379", err);
    CHECK(c == NULL);
    CHECKF(
        strstr(err, "cannot connect to redis://no-such-host.invalid:6379:") ==
            err,
        "got: %s", err);
}

int main(void)
{
    test_plain();
    test_auth();
    test_unreachable();
    return test_summary("test_redis_connect");
}

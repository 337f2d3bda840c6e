/* test_redisaddr.c - common/redisaddr.c (parsing and formatting) */
#include <stdlib.h>

#include "err.h"
#include "redisaddr.h"
#include "test.h"

#define PW "hunter2-s3cret"

static const struct {
    const char *in;
    const char *host, *path, *user, *password;
    int port, db;
    const char *shown; /* cf_redis_addr_format */
} good[] = {
    {"redis://127.0.0.1:6379", "127.0.0.1", NULL, NULL, NULL, 6379, 0,
     "redis://127.0.0.1:6379"},
    {"redis://localhost", "localhost", NULL, NULL, NULL, 6379, 0,
     "redis://localhost:6379"},
    {"REDIS://redis.internal:7000/2", "redis.internal", NULL, NULL, NULL, 7000,
     2, "redis://redis.internal:7000/2"},
    {"redis://h/", "h", NULL, NULL, NULL, 6379, 0, "redis://h:6379"},
    {"redis://:" PW "@h:1", "h", NULL, NULL, PW, 1, 0, "redis://:***@h:1"},
    {"redis://alice:" PW "@h:65535/15", "h", NULL, "alice", PW, 65535, 15,
     "redis://alice:***@h:65535/15"},
    {"redis://bob:p%40ss%3Aw%2Fd@h", "h", NULL, "bob", "p@ss:w/d", 6379, 0,
     "redis://bob:***@h:6379"},
    /* control bytes but NUL are a password's own business */
    {"redis://u:p%0Aw%1f@h", "h", NULL, "u", "p\nw\x1f", 6379, 0,
     "redis://u:***@h:6379"},
    /* what curl normalises: a port's leading zeros, a %-escaped host */
    {"redis://h:06380", "h", NULL, NULL, NULL, 6380, 0, "redis://h:6380"},
    {"redis://r%65dis", "redis", NULL, NULL, NULL, 6379, 0,
     "redis://redis:6379"},
    {"REDIS://Cache.Local:7/3", "Cache.Local", NULL, NULL, NULL, 7, 3,
     "redis://Cache.Local:7/3"},
    {"redis://bob:@h", "h", NULL, "bob", NULL, 6379, 0, "redis://bob@h:6379"},
    {"redis://[::1]:6380/3", "::1", NULL, NULL, NULL, 6380, 3,
     "redis://[::1]:6380/3"},
    {"redis://[fe80::1]", "fe80::1", NULL, NULL, NULL, 6379, 0,
     "redis://[fe80::1]:6379"},
    {"unix:///run/redis.sock", NULL, "/run/redis.sock", NULL, NULL, 0, 0,
     "unix:///run/redis.sock"},
    {"unix:///tmp/r.sock?db=4", NULL, "/tmp/r.sock", NULL, NULL, 0, 4,
     "unix:///tmp/r.sock?db=4"},
};

/* Bad addresses and the message; none may show PW. */
static const struct {
    const char *in, *err;
} bad[] = {
    {"", "empty Redis address"},
    {"http://h:80", "bad Redis address 'http://h:80': use "
                    "redis://[[user]:password@]host[:port][/db] or "
                    "unix:///path.sock[?db=N]"},
    {"http://u:" PW "@h", NULL},
    {"127.0.0.1:6379", NULL},
    {"u:" PW "@127.0.0.1:6379", NULL},
    {"rediss://:" PW "@h", "bad Redis address 'rediss://:***@h': TLS "
                           "(rediss://) is not supported"},
    {"redis://", "bad Redis address 'redis://': empty host"},
    {"redis://:" PW "@", "bad Redis address 'redis://:***@': empty host"},
    {"redis://:" PW "@:6379", "bad Redis address 'redis://:***@:6379': "
                              "empty host"},
    {"redis://h:0", "bad Redis address 'redis://h:0': port must be a number "
                    "from 1 to 65535"},
    {"redis://h:65536", NULL},
    {"redis://h:", NULL},
    {"redis://h:x", NULL},
    {"redis://u:" PW "@h:-1", "bad Redis address 'redis://u:***@h:-1': port "
                              "must be a number from 1 to 65535"},
    {"redis://h/x", "bad Redis address 'redis://h/x': db must be a number "
                    "from 0 to 1000000"},
    {"redis://:" PW "@h/-1", NULL},
    {"redis://h/1000001", NULL},
    {"redis://h?db=1", "bad Redis address 'redis://h?db=1': no ?query or "
                       "#fragment (the db is the path: redis://host/N)"},
    {"redis://h/1#x", NULL},
    {"redis://h/1/2", NULL},
    /* a bare '@' in the password: curl refuses it, redis-cli would try
     * host "ss@h" */
    {"redis://bob:p@" PW "@h", "bad Redis address 'redis://bob:***@h': an "
                               "'@' in the user or password must be "
                               "written %40"},
    /* an empty port: curl takes it as none, redis-cli as port 0 */
    {"redis://:" PW "@h:/1", "bad Redis address 'redis://:***@h:/1': port "
                             "must be a number from 1 to 65535"},
    {"redis://[::1]:", NULL},
    {"redis://[fe80::1%25eth0]:7", "bad Redis address "
                                   "'redis://[fe80::1%25eth0]:7': IPv6 zone "
                                   "ids are not supported"},
    {"redis://[::1]x", NULL},
    {"redis://h~x", "bad Redis address 'redis://h~x': bad character in "
                    "host"},
    {"redis://h%2Fx", NULL},
    {"redis://u:" PW "%2@h", NULL},
    {"redis://u:" PW "%@h", NULL},
    {"redis://u%zz:" PW "@h", NULL},
    {"redis://" PW "@h", "bad Redis address 'redis://***@h': credentials "
                         "must be user:password or :password"},
    {"redis://u:" PW "%zz@h", "bad Redis address 'redis://u:***@h': bad "
                              "%-escape in credentials"},
    {"redis://u:" PW "%00@h", NULL},
    {"redis://[::1", NULL},
    {"redis://a b", "bad Redis address 'redis://a b': bad character in "
                    "host"},
    {"unix://", NULL},
    {"unix://relative.sock", "bad Redis address 'unix://relative.sock': "
                             "socket path must be absolute "
                             "(unix:///path.sock)"},
    {"unix:///s.sock?db=x", NULL},
    {"unix:///s.sock?timeout=1", "bad Redis address "
                                 "'unix:///s.sock?timeout=1': the only "
                                 "parameter is ?db=N"},
    {"unix:///"
     "0123456789012345678901234567890123456789"
     "0123456789012345678901234567890123456789"
     "0123456789012345678901234567890123456789.sock",
     NULL},
};

static void test_good(void)
{
    char err[CF_ERRSTR_LEN], buf[256];

    for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
        struct cf_redis_addr a;
        int rc = cf_redis_addr_parse(good[i].in, &a, err);

        CHECKF(rc == CF_OK, "parse %s: %s", good[i].in, err);
        if (rc != CF_OK)
            continue;
        CHECK_STR(a.host, good[i].host);
        CHECK_STR(a.path, good[i].path);
        CHECK_STR(a.user, good[i].user);
        CHECK_STR(a.password, good[i].password);
        if (good[i].host)
            CHECK_INT(a.port, good[i].port);
        CHECK_INT(a.db, good[i].db);
        CHECK_STR(cf_redis_addr_format(&a, buf, sizeof(buf)), good[i].shown);
        CHECKF(strstr(buf, "s3cret") == NULL, "format shows password: %s", buf);
        cf_redis_addr_cleanup(&a);
        CHECK(a.host == NULL && a.password == NULL);
    }
}

static void test_bad(void)
{
    char err[CF_ERRSTR_LEN];

    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        struct cf_redis_addr a;

        err[0] = '\0';
        CHECKF(cf_redis_addr_parse(bad[i].in, &a, err) == CF_EINVAL,
               "parse %s should fail", bad[i].in);
        CHECK(a.host == NULL && a.path == NULL && a.password == NULL &&
              a.user == NULL);
        CHECKF(err[0] != '\0', "message for %s", bad[i].in);
        CHECKF(strstr(err, "s3cret") == NULL && strstr(err, "hunter") == NULL,
               "password in message: %s", err);
        if (bad[i].err)
            CHECK_STR(err, bad[i].err);
    }
    CHECK_INT(cf_redis_addr_parse(NULL, &(struct cf_redis_addr){0}, err),
              CF_EINVAL);
}

static void test_resolve(void)
{
    struct cf_redis_addr a;
    char err[CF_ERRSTR_LEN], buf[256];

    unsetenv("CRAWLFLEET_REDIS");
    unsetenv("CRAWLFLEET_REDIS_USER");
    unsetenv("CRAWLFLEET_REDIS_PASSWORD");
    CHECK_INT(cf_redis_addr_resolve(NULL, &a, err), CF_OK);
    CHECK_STR(cf_redis_addr_format(&a, buf, sizeof(buf)),
              "redis://127.0.0.1:6379");
    cf_redis_addr_cleanup(&a);

    setenv("CRAWLFLEET_REDIS", "redis://env-host:7001/1", 1);
    CHECK_INT(cf_redis_addr_resolve(NULL, &a, err), CF_OK);
    CHECK_STR(a.host, "env-host");
    CHECK_INT(a.db, 1);
    cf_redis_addr_cleanup(&a);

    /* The flag wins over the variable. */
    CHECK_INT(cf_redis_addr_resolve("unix:///f.sock", &a, err), CF_OK);
    CHECK_STR(a.path, "/f.sock");
    cf_redis_addr_cleanup(&a);

    /* Credentials from the environment fill what the URL lacks. */
    setenv("CRAWLFLEET_REDIS_USER", "envuser", 1);
    setenv("CRAWLFLEET_REDIS_PASSWORD", "env-" PW, 1);
    CHECK_INT(cf_redis_addr_resolve("unix:///f.sock", &a, err), CF_OK);
    CHECK_STR(a.user, "envuser");
    CHECK_STR(a.password, "env-" PW);
    CHECK_STR(cf_redis_addr_format(&a, buf, sizeof(buf)), "unix:///f.sock");
    cf_redis_addr_cleanup(&a);
    CHECK_INT(cf_redis_addr_resolve("redis://me:mine@h", &a, err), CF_OK);
    CHECK_STR(a.user, "me");
    CHECK_STR(a.password, "mine");
    CHECK_STR(cf_redis_addr_format(&a, buf, sizeof(buf)),
              "redis://me:***@h:6379");
    cf_redis_addr_cleanup(&a);
    CHECK_INT(cf_redis_addr_resolve("redis://:mine@h", &a, err), CF_OK);
    CHECK_STR(a.user, "envuser");
    CHECK_STR(a.password, "mine");
    cf_redis_addr_cleanup(&a);

    /* An empty variable counts as unset; a bad one is an error. */
    setenv("CRAWLFLEET_REDIS", "", 1);
    setenv("CRAWLFLEET_REDIS_PASSWORD", "", 1);
    unsetenv("CRAWLFLEET_REDIS_USER");
    CHECK_INT(cf_redis_addr_resolve(NULL, &a, err), CF_OK);
    CHECK_STR(a.host, "127.0.0.1");
    CHECK(a.password == NULL);
    cf_redis_addr_cleanup(&a);
    setenv("CRAWLFLEET_REDIS", "redis://:" PW "@h:99999", 1);
    CHECK_INT(cf_redis_addr_resolve(NULL, &a, err), CF_EINVAL);
    CHECKF(strstr(err, "s3cret") == NULL, "password in: %s", err);
    unsetenv("CRAWLFLEET_REDIS");
    unsetenv("CRAWLFLEET_REDIS_PASSWORD");
    cf_redis_addr_cleanup(NULL);
}

/* A small format buffer truncates, never overflows. */
static void test_format_small(void)
{
    struct cf_redis_addr a;
    char err[CF_ERRSTR_LEN], buf[12];

    CHECK_INT(cf_redis_addr_parse("redis://u:" PW "@long-host-name:1", &a, err),
              CF_OK);
    CHECK_STR(cf_redis_addr_format(&a, buf, sizeof(buf)), "redis://u:*");
    cf_redis_addr_cleanup(&a);
}

int main(void)
{
    test_good();
    test_bad();
    test_resolve();
    test_format_small();
    return test_summary("test_redisaddr");
}

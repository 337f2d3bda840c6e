/* test_robots.c - RFC 9309 parsing and matching. */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "alloc.h"
#include "robots.h"
#include "test.h"

struct pcase {
    const char *path;
    int allowed;
};

static void check_paths(const char *what, const char *txt, const char *ua,
                        const struct pcase *cases)
{
    struct robots *r = robots_parse(txt, strlen(txt), ua);

    for (; cases->path != NULL; cases++)
        CHECKF(robots_allowed(r, cases->path) == cases->allowed,
               "%s: %s should be %s", what, cases->path,
               cases->allowed ? "allowed" : "disallowed");
    robots_free(r);
}

/* RFC 9309 section 5.1 (simple example) and 2.2.2 matching examples. */
static void test_rfc(void)
{
    static const char rfc[] =
        "User-Agent: *\n"
        "Disallow: *.gif$\n"
        "Disallow: /example/\n"
        "Allow: /publications/\n"
        "\n"
        "User-Agent: foobot\n"
        "Disallow:/\n"
        "Allow:/example/page.html\n"
        "Allow:/example/allowed.gif\n"
        "\n"
        "User-Agent: barbot\n"
        "User-Agent: bazbot\n"
        "Disallow: /example/page.html\n"
        "\n"
        "User-Agent: quxbot\n";
    static const struct pcase foo[] = {
        {"/", 0}, {"/example/page.html", 1}, {"/example/allowed.gif", 1},
        {"/other", 0}, {"/robots.txt", 1}, {NULL, 0}};
    static const struct pcase bar[] = {
        {"/", 1}, {"/example/page.html", 0}, {"/example/other", 1},
        {NULL, 0}};
    static const struct pcase star[] = {
        {"/", 1}, {"/a.gif", 0}, {"/a.gif?x", 1}, {"/example/", 0},
        {"/example/x", 0}, {"/publications/", 1}, {NULL, 0}};
    static const struct pcase qux[] = {{"/", 1}, {"/example/", 1},
                                       {NULL, 0}};

    check_paths("foobot", rfc, "foobot", foo);
    check_paths("FooBot", rfc, "FOOBOT", foo);
    check_paths("barbot", rfc, "barbot", bar);
    check_paths("bazbot", rfc, "bazbot", bar);
    check_paths("other", rfc, "crawlfleet", star);
    check_paths("quxbot", rfc, "quxbot", qux);
}

static void test_precedence(void)
{
    static const struct pcase c1[] = {
        {"/page", 1}, {"/page.html", 1}, {"/p", 0}, {NULL, 0}};
    static const struct pcase c2[] = {
        {"/folder/page", 1}, {"/folder/", 0}, {"/folder", 1}, {NULL, 0}};
    static const struct pcase c3[] = {{"/x", 1}, {NULL, 0}}; /* tie */
    static const struct pcase c4[] = {
        {"/", 1}, {"/page.htm", 1}, {"/page.html", 0}, {NULL, 0}};

    check_paths("longest", "user-agent: *\nallow: /page\ndisallow: /p\n",
                "a", c1);
    check_paths("longest2",
                "user-agent: *\nallow: /folder/page\ndisallow: /folder/\n",
                "a", c2);
    check_paths("tie", "user-agent: *\ndisallow: /x\nallow: /x\n", "a", c3);
    check_paths("dollar", "user-agent: *\ndisallow: /*.html$\nallow: /$\n",
                "a", c4);
}

static void test_wildcards(void)
{
    static const struct pcase c1[] = {
        {"/fish", 0}, {"/fish.html", 0}, {"/fish/salmon.html", 0},
        {"/fishheads", 0}, {"/Fish.asp", 1}, {"/catfish", 1},
        {"/?id=fish", 1}, {NULL, 0}};
    static const struct pcase c2[] = {
        {"/filename.php", 0}, {"/folder/filename.php", 0},
        {"/filename.php?parameters", 1}, {"/filename.php/", 1},
        {"/windows.PHP", 1}, {NULL, 0}};
    static const struct pcase c3[] = {
        {"/a/b/c/d", 0}, {"/a/x", 1}, {"/a/b/x/d", 0}, {"/a/bd", 0},
        {"/ab", 1}, {NULL, 0}};
    static const struct pcase c4[] = {
        {"/", 0}, {"/anything", 0}, {"/robots.txt", 1}, {NULL, 0}};

    check_paths("prefix", "User-agent: *\nDisallow: /fish*\n", "a", c1);
    check_paths("dollar", "User-agent: *\nDisallow: /*.php$\n", "a", c2);
    check_paths("mid", "User-agent: *\nDisallow: /a/*b*d\n", "a", c3);
    check_paths("all", "User-agent: *\nDisallow: *\n", "a", c4);
}

static void test_encoding(void)
{
    static const struct pcase c1[] = {
        {"/foo/bar", 0}, {"/foo/%62ar", 0}, {"/~user", 0}, {"/%7Euser", 0},
        {"/%E2%82%AC", 0}, {"/a%2fb", 0}, {"/a/b", 1}, {NULL, 0}};

    check_paths("pct",
                "User-agent: *\nDisallow: /foo/b%61r\nDisallow: /%7euser\n"
                "Disallow: /\xE2\x82\xAC\nDisallow: /a%2Fb\n",
                "a", c1);
}

static void test_groups(void)
{
    struct robots *r;
    static const char merged[] =
        "user-agent: crawlfleet\ndisallow: /a\n\n"
        "user-agent: other\ndisallow: /b\n\n"
        "user-agent: CrawlFleet/2.0\ndisallow: /c\n";
    static const struct pcase m[] = {
        {"/a", 0}, {"/b", 1}, {"/c", 0}, {"/d", 1}, {NULL, 0}};
    static const struct pcase none[] = {{"/a", 1}, {"/x", 1}, {NULL, 0}};
    static const struct pcase early[] = {{"/a", 1}, {"/b", 0}, {NULL, 0}};
    static const struct pcase prefix[] = {{"/a", 1}, {NULL, 0}};

    check_paths("merged", merged, "crawlfleet", m);
    check_paths("no group", "user-agent: other\ndisallow: /\n", "crawlfleet",
                none);
    check_paths("rules before agent",
                "disallow: /a\nuser-agent: *\ndisallow: /b\n", "x", early);
    /* Product tokens match whole, not as prefixes. */
    check_paths("prefix", "user-agent: crawl\ndisallow: /a\n", "crawlfleet",
                prefix);
    /* Specific beats "*" entirely. */
    {
        const char *t = "user-agent: *\ndisallow: /\n\nuser-agent: bot\n"
                        "disallow: /x\n";
        r = robots_parse(t, strlen(t), "bot");
    }
    CHECK_INT(robots_allowed(r, "/y"), 1);
    CHECK_INT(robots_allowed(r, "/x"), 0);
    CHECK_INT(robots_info(r)->matched, 2);
    CHECK_INT(robots_info(r)->groups, 2);
    robots_free(r);
}

static const struct {
    const char *txt;
    const char *ua;
    int64_t ms;
} delays[] = {
    {"user-agent: *\ncrawl-delay: 2\n", "a", 2000},
    {"user-agent: *\ncrawl-delay: 0.5\n", "a", 500},
    {"user-agent: *\ncrawl-delay: 1.25\n", "a", 1250},
    {"user-agent: *\ncrawl-delay: soon\n", "a", -1},
    {"user-agent: *\ncrawl-delay: -3\n", "a", -1},
    {"user-agent: *\ndisallow: /\n", "a", -1},
    {"user-agent: *\ncrawl-delay: 99999999999999\n", "a", 86400000},
    {"user-agent: *\ncrawl-delay: 5\n\nuser-agent: a\ncrawl-delay: 1\n",
     "a", 1000},
    {"user-agent: b\ncrawl-delay: 5\n", "a", -1},
    {"user-agent: a\ncrawl-delay: 1\ncrawl-delay: 3\n", "a", 3000},
};

static void test_delay_sitemaps(void)
{
    size_t i;
    struct robots *r;
    static const char sm[] = "Sitemap: http://a.example/s1.xml\n"
                             "user-agent: *\nsitemap: http://a.example/s2.xml"
                             "   # comment\ndisallow: /x\n";

    for (i = 0; i < sizeof(delays) / sizeof(delays[0]); i++) {
        r = robots_parse(delays[i].txt, strlen(delays[i].txt), delays[i].ua);
        CHECKF(robots_crawl_delay_ms(r) == delays[i].ms, "delay %zu: %lld",
               i, (long long)robots_crawl_delay_ms(r));
        robots_free(r);
    }
    r = robots_parse(sm, strlen(sm), "a");
    CHECK_INT(robots_nsitemaps(r), 2);
    CHECK_STR(robots_sitemap(r, 0), "http://a.example/s1.xml");
    CHECK_STR(robots_sitemap(r, 1), "http://a.example/s2.xml");
    CHECK(robots_sitemap(r, 2) == NULL);
    CHECK_INT(robots_allowed(r, "/x"), 0);
    robots_free(r);
}

/* The text stored for other workers stands for the same rules as
 * robots_from_status() for every status. */
static void test_body_for_status(void)
{
    static const long statuses[] = {0, 200, 204, 301, 399, 404, 410, 429,
                                    500, 503, 599, 600};
    static const char body[] = "user-agent: *\ndisallow: /p\n";
    static const char *const paths[] = {"/", "/p", "/q", "/robots.txt"};
    size_t i, k, n;
    const char *t;

    for (i = 0; i < sizeof(statuses) / sizeof(statuses[0]); i++) {
        struct robots *a = robots_from_status(statuses[i], body,
                                              sizeof(body) - 1, "a");
        struct robots *b;
        int same = 1;

        t = robots_body_for_status(statuses[i], body, sizeof(body) - 1, &n);
        b = robots_parse(t, n, "a");
        for (k = 0; k < sizeof(paths) / sizeof(paths[0]); k++)
            same &= robots_allowed(a, paths[k]) == robots_allowed(b, paths[k]);
        CHECKF(same, "status %ld: stored text and rules differ", statuses[i]);
        robots_free(a);
        robots_free(b);
    }
    t = robots_body_for_status(200, body, sizeof(body) - 1, &n);
    CHECK(t == body && n == sizeof(body) - 1);
    t = robots_body_for_status(404, body, sizeof(body) - 1, &n);
    CHECK_STR(t, "");
    CHECK_INT(n, 0);
    t = robots_body_for_status(0, NULL, 0, &n);
    CHECK_INT(n, strlen(t));
    CHECK(strstr(t, "Disallow: /") != NULL);
    t = robots_body_for_status(200, NULL, 0, &n);
    CHECK_STR(t, "");
}

static void test_status_and_garbage(void)
{
    struct robots *r;
    char tok[ROBOTS_TOKEN_LEN];
    char *big, *bin;
    size_t i, n = ROBOTS_MAX_BYTES + 1000;

    r = robots_from_status(404, NULL, 0, "a");
    CHECK_INT(robots_allowed(r, "/x"), 1);
    robots_free(r);
    r = robots_from_status(503, NULL, 0, "a");
    CHECK_INT(robots_allowed(r, "/x"), 0);
    CHECK_INT(robots_allowed(r, "/robots.txt"), 1);
    robots_free(r);
    r = robots_from_status(0, NULL, 0, "a");
    CHECK_INT(robots_allowed(r, "/"), 0);
    robots_free(r);
    r = robots_from_status(200, "user-agent: *\ndisallow: /p\n", 27, "a");
    CHECK_INT(robots_allowed(r, "/p"), 0);
    CHECK_INT(robots_allowed(r, ""), 1);
    robots_free(r);
    test_body_for_status();

    r = robots_parse("", 0, "a");
    CHECK_INT(robots_allowed(r, "/"), 1);
    CHECK_INT(robots_info(r)->matched, 0);
    robots_free(r);
    /* CR line ends, a BOM, odd spacing, comments, unknown keys. */
    {
        const char *odd = "\xEF\xBB\xBFUser-Agent :  *  \r  Disallow :/a # x"
                          "\r\nNoindex: /b\rfoo\r";
        r = robots_parse(odd, strlen(odd), "a");
    }
    CHECK_INT(robots_allowed(r, "/a"), 0);
    CHECK_INT(robots_allowed(r, "/b"), 1);
    CHECK_INT(robots_info(r)->bad_lines, 2);
    robots_free(r);

    /* Over the byte cap: the tail is ignored and counted. */
    big = cf_malloc(n);
    memset(big, '\n', n);
    memcpy(big, "user-agent: *\n", 14);
    memcpy(big + ROBOTS_MAX_BYTES + 10, "disallow: /\n", 12);
    r = robots_parse(big, n, "a");
    CHECK_INT(robots_allowed(r, "/x"), 1);
    CHECK_INT(robots_info(r)->bytes_ignored, 1000);
    robots_free(r);
    free(big);

    bin = cf_malloc(100000);
    for (i = 0; i < 100000; i++)
        bin[i] = (char)((i * 2654435761u) >> 11);
    r = robots_parse(bin, 100000, "a");
    CHECK(robots_allowed(r, "/") == 0 || robots_allowed(r, "/") == 1);
    robots_free(r);
    free(bin);

    CHECK_STR(robots_ua_token("CrawlFleet/0.1 (+http://x)", tok, sizeof(tok)),
              "crawlfleet");
    CHECK_STR(robots_ua_token("", tok, sizeof(tok)), "");
    CHECK_STR(robots_ua_token("abcdef", tok, 4), "abc");
}

/* A pattern of many stars against a long path that almost matches must
 * not backtrack exponentially. */
static void test_hostile(void)
{
    char *txt = cf_malloc(600000), *p = txt, *path;
    struct robots *r;
    clock_t t0;
    size_t i, j;
    double secs;

    p += sprintf(p, "user-agent: *\n");
    for (j = 0; j < 200; j++) {
        p += sprintf(p, "disallow: /");
        for (i = 0; i < 200; i++)
            p += sprintf(p, "*a");
        p += sprintf(p, "*b$\n");
    }
    path = cf_malloc(2050);
    path[0] = '/';
    memset(path + 1, 'a', 2047);
    path[2048] = '\0';
    r = robots_parse(txt, (size_t)(p - txt), "x");
    CHECK_INT(robots_info(r)->rules, 200);
    t0 = clock();
    CHECK_INT(robots_allowed(r, path), 1);
    path[2047] = 'b';
    CHECK_INT(robots_allowed(r, path), 0);
    secs = (double)(clock() - t0) / CLOCKS_PER_SEC;
    CHECKF(secs < 2.0, "hostile pattern took %.2fs", secs);
    robots_free(r);

    /* Rule cap. */
    p = txt;
    p += sprintf(p, "user-agent: *\n");
    for (i = 0; i < ROBOTS_MAX_RULES + 5; i++)
        p += sprintf(p, "disallow: /%zu\n", i);
    r = robots_parse(txt, (size_t)(p - txt), "x");
    CHECK_INT(robots_info(r)->rules, ROBOTS_MAX_RULES);
    CHECK_INT(robots_info(r)->rules_dropped, 5);
    robots_free(r);
    free(txt);
    free(path);
}

int main(void)
{
    test_rfc();
    test_precedence();
    test_wildcards();
    test_encoding();
    test_groups();
    test_delay_sitemaps();
    test_status_and_garbage();
    test_hostile();
    return test_summary("test_robots");
}

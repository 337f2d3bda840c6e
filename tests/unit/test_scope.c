/* test_scope.c - scope rules, depth, extensions, include/exclude. */
#include <string.h>

#include "config.h"
#include "err.h"
#include "scope.h"
#include "test.h"
#include "url.h"

static struct scope *mk(const char *rule, const char *inc, const char *exc,
                        int64_t depth, char *errstr)
{
    struct cf_config c;

    memset(&c, 0, sizeof(c));
    c.scope = (char *)rule;
    c.include = (char *)inc;
    c.exclude = (char *)exc;
    c.max_depth = depth;
    return scope_new(&c, errstr);
}

static const struct {
    const char *rule;
    const char *page; /* NULL: a seed */
    const char *link;
    int64_t depth;
    enum scope_verdict want;
} cases[] = {
    {"host", "http://a.example/", "http://a.example/x", 1, SCOPE_IN},
    {"host", "http://a.example/", "http://b.example/x", 1, SCOPE_OUT},
    {"host", "http://a.example/", "https://a.example/x", 1, SCOPE_OUT},
    {"host", "http://a.example/", "http://a.example:8080/", 1, SCOPE_OUT},
    {"host", "http://a.example:80/", "http://a.example/y", 1, SCOPE_IN},
    {"host", "http://a.example/", "http://www.a.example/", 1, SCOPE_OUT},
    {"host", "http://ab.example/", "http://ba.example/", 1, SCOPE_OUT},
    {"host", "https://a.example/", "https://a.example:443/z", 1, SCOPE_IN},
    {"host", NULL, "http://z.example/", 0, SCOPE_IN},
    {"domain", "http://www.a.example.com/", "https://img.a.example.com:81/",
     1, SCOPE_IN},
    {"domain", "http://www.a.example.com/", "http://a.example.org/", 1,
     SCOPE_OUT},
    {"domain", "http://x.bbc.co.uk/", "http://y.bbc.co.uk/", 1, SCOPE_IN},
    {"domain", "http://x.bbc.co.uk/", "http://itv.co.uk/", 1, SCOPE_OUT},
    {"domain", "http://127.0.0.1:8080/", "http://127.0.0.1:9090/", 1,
     SCOPE_IN},
    {"domain", "http://127.0.0.1/", "http://127.0.0.2/", 1, SCOPE_OUT},
    {"hosts:a.example,127.0.0.2:8631", "http://q/", "http://a.example:99/",
     1, SCOPE_IN},
    {"hosts:a.example,127.0.0.2:8631", "http://q/", "http://127.0.0.2:8631/",
     1, SCOPE_IN},
    {"hosts:a.example,127.0.0.2:8631", "http://q/", "http://127.0.0.2:80/",
     1, SCOPE_OUT},
    {"hosts:A.Example", "http://q/", "http://a.example/", 1, SCOPE_IN},
    {"hosts:[::1]:8080", "http://q/", "http://[::1]:8080/", 1, SCOPE_IN},
    {"hosts:[::1]:8080", "http://q/", "http://[::1]:8081/", 1, SCOPE_OUT},
    {"any", "http://a.example/", "https://anything.example/x", 99,
     SCOPE_IN},
    {"any", "http://a.example/", "http://b.example/logo.PNG", 1,
     SCOPE_SKIP_EXT},
    {"any", "http://a.example/", "http://b.example/a.pdf?x=1", 1,
     SCOPE_SKIP_EXT},
    {"any", "http://a.example/", "http://b.example/a.html?f=x.pdf", 1,
     SCOPE_IN},
    {"any", "http://a.example/", "http://b.example/v1.2/", 1, SCOPE_IN},
    {"any", "http://a.example/", "http://b.example/archive.tar.gz", 1,
     SCOPE_SKIP_EXT},
    {"any", "http://a.example/", "http://b.example/page.php", 1, SCOPE_IN},
    {"any", "http://a.example/", "http://b.example/jpg", 1, SCOPE_IN},
    {"any", "http://a.example/", "not a url", 1, SCOPE_BAD_URL},
    /* Depth first, then extension, then the rule. */
    {"host", "http://a.example/", "http://b.example/x.jpg", 1,
     SCOPE_SKIP_EXT},
};

static void test_rules(void)
{
    char err[CF_ERRSTR_LEN];
    size_t i;

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct scope *s = mk(cases[i].rule, NULL, NULL, -1, err);
        enum scope_verdict v;
        CHECKF(s != NULL, "case %zu: %s", i, err);
        if (s == NULL)
            continue;
        v = scope_check(s, cases[i].page, cases[i].link, cases[i].depth);
        CHECKF(v == cases[i].want, "case %zu (%s %s): %s, want %s", i,
               cases[i].rule, cases[i].link, scope_verdict_name(v),
               scope_verdict_name(cases[i].want));
        /* the split variant: same verdict, the link's parts left behind
         * give the same host key as splitting the link again */
        {
            struct cf_url_parts lp;
            char k1[300], k2[300];

            v = scope_check_split(s, cases[i].page, cases[i].link,
                                  cases[i].depth, 0, &lp);
            CHECKF(v == cases[i].want, "case %zu split: %s", i,
                   scope_verdict_name(v));
            if (v != SCOPE_BAD_URL) {
                CHECKF(cf_url_hostkey_parts(&lp, k1, sizeof(k1)) == 0 &&
                           cf_url_hostkey(cases[i].link, k2,
                                          sizeof(k2)) == 0 &&
                           strcmp(k1, k2) == 0,
                       "case %zu split host key: %s", i, cases[i].link);
            }
        }
        scope_free(s);
    }
}

static void test_depth_regex(void)
{
    char err[CF_ERRSTR_LEN];
    struct scope *s;

    s = mk("any", NULL, NULL, 2, err);
    CHECK_INT(scope_check(s, NULL, "http://a/", 0), SCOPE_IN);
    CHECK_INT(scope_check(s, NULL, "http://a/", 2), SCOPE_IN);
    CHECK_INT(scope_check(s, NULL, "http://a/", 3), SCOPE_TOO_DEEP);
    CHECK_INT(scope_check(s, NULL, "http://a/x.jpg", 3), SCOPE_TOO_DEEP);
    scope_free(s);
    s = mk("any", NULL, NULL, 0, err);
    CHECK_INT(scope_check(s, NULL, "http://a/", 1), SCOPE_TOO_DEEP);
    scope_free(s);

    s = mk("any", "^https?://[^/]+/docs/", "\\?(print|sort)=", -1, err);
    CHECK(s != NULL);
    CHECK_INT(scope_check(s, NULL, "http://a/docs/x", 1), SCOPE_IN);
    CHECK_INT(scope_check(s, NULL, "http://a/blog/x", 1), SCOPE_OUT);
    CHECK_INT(scope_check(s, NULL, "http://a/docs/x?print=1", 1),
              SCOPE_OUT);
    scope_free(s);
    s = mk("host", "", "", -1, err); /* empty strings: unset */
    CHECK(s != NULL);
    CHECK_INT(scope_check(s, "http://a/", "http://a/b", 1), SCOPE_IN);
    scope_free(s);
    s = mk(NULL, NULL, NULL, -1, err); /* default: host */
    CHECK_INT(scope_check(s, "http://a/", "http://b/", 1), SCOPE_OUT);
    scope_free(s);
}

static const struct {
    const char *rule, *inc, *exc, *msg;
} bad[] = {
    {"hosst", NULL, NULL, "scope: unknown rule: hosst"},
    {"hosts:", NULL, NULL, "scope: empty host list"},
    {"hosts:a:99999", NULL, NULL, "scope: bad host entry: a:99999"},
    {"hosts:a:x", NULL, NULL, "scope: bad host entry: a:x"},
    {"hosts:a,,b", NULL, NULL, "scope: bad host entry: "},
    {"any", "(", NULL, "include: bad regex: "},
    {"any", NULL, "a{2,1}", "exclude: bad regex: "},
};

static void test_errors(void)
{
    char err[CF_ERRSTR_LEN];
    size_t i;

    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        struct scope *s;
        err[0] = '\0';
        s = mk(bad[i].rule, bad[i].inc, bad[i].exc, -1, err);
        CHECKF(s == NULL, "bad %zu accepted", i);
        CHECKF(strncmp(err, bad[i].msg, strlen(bad[i].msg)) == 0,
               "bad %zu: \"%s\"", i, err);
        scope_free(s);
    }
    CHECK_STR(scope_verdict_name(SCOPE_SKIP_EXT), "skip_ext");
    CHECK_INT(scope_skipped_ext("http://a/x.WOFF2"), 1);
    CHECK_INT(scope_skipped_ext("http://a/x.html"), 0);
    CHECK_INT(scope_skipped_ext("http://a/"), 0);
}

/* skip_ext, the crawl setting: its list, or none. */
static void test_skip_ext(void)
{
    struct cf_config c;
    struct scope *s;
    char err[CF_ERRSTR_LEN];

    memset(&c, 0, sizeof(c));
    c.scope = (char *)"any";
    c.max_depth = -1;
    c.skip_ext = (char *)"pdf,tar";
    s = scope_new(&c, err);
    CHECK(s != NULL);
    CHECK_INT(scope_check(s, NULL, "http://a/x.PDF", 1), SCOPE_SKIP_EXT);
    CHECK_INT(scope_check(s, NULL, "http://a/x.tar?y", 1), SCOPE_SKIP_EXT);
    CHECK_INT(scope_check(s, NULL, "http://a/x.jpg", 1), SCOPE_IN);
    CHECK_INT(scope_check(s, NULL, "http://a/pdf", 1), SCOPE_IN);
    scope_free(s);
    c.skip_ext = (char *)"none";
    s = scope_new(&c, err);
    CHECK(s != NULL);
    CHECK_INT(scope_check(s, NULL, "http://a/x.pdf", 1), SCOPE_IN);
    scope_free(s);
}

/* The compiled extension set against the list it comes from: every
 * default entry and near misses, the default list and one of 300
 * entries (past the set's smallest size), the extension in any case,
 * before a query, after a dot in a directory. */
static void test_skip_ext_set(void)
{
    static const char *const miss[] = {"htm", "html", "jp", "jpgg", "woff3",
                                        "p", "x", "gz2", "tar.gz.x", ""};
    char err[CF_ERRSTR_LEN], url[128], list[4096];
    struct cf_config c;
    struct scope *s;
    size_t n = 0;

    memset(&c, 0, sizeof(c));
    c.scope = (char *)"any";
    c.max_depth = -1;
    c.skip_ext = (char *)CF_SKIP_EXT_DEFAULT;
    s = scope_new(&c, err);
    CHECK(s != NULL);
    for (const char *p = CF_SKIP_EXT_DEFAULT; *p;) {
        size_t k = strcspn(p, ",");
        char up[32];

        for (size_t i = 0; i < k; i++)
            up[i] = (char)(p[i] >= 'a' && p[i] <= 'z' ? p[i] - 32 : p[i]);
        snprintf(url, sizeof(url), "http://a/d.x/f.%.*s?q=1.html", (int)k,
                 up);
        CHECKF(scope_check(s, NULL, url, 1) == SCOPE_SKIP_EXT, "%s", url);
        snprintf(url, sizeof(url), "http://a/f.%.*s/", (int)k, p);
        CHECKF(scope_check(s, NULL, url, 1) == SCOPE_IN, "%s", url);
        n++;
        p += k + (p[k] == ',');
    }
    CHECK(n > 60);
    for (size_t i = 0; i < sizeof(miss) / sizeof(miss[0]); i++) {
        snprintf(url, sizeof(url), "http://a/f.%s", miss[i]);
        CHECKF(scope_check(s, NULL, url, 1) == SCOPE_IN, "%s", url);
    }
    scope_free(s);
    /* 300 entries: e0 ... e299 */
    n = 0;
    for (int i = 0; i < 300; i++)
        n += (size_t)snprintf(list + n, sizeof(list) - n, "%se%d",
                              i ? "," : "", i);
    c.skip_ext = list;
    s = scope_new(&c, err);
    CHECK(s != NULL);
    for (int i = 0; i < 300; i++) {
        snprintf(url, sizeof(url), "http://a/f.e%d", i);
        CHECKF(scope_check(s, NULL, url, 1) == SCOPE_SKIP_EXT, "%s", url);
    }
    CHECK_INT(scope_check(s, NULL, "http://a/f.e300", 1), SCOPE_IN);
    CHECK_INT(scope_check(s, NULL, "http://a/f.e", 1), SCOPE_IN);
    scope_free(s);
}

int main(void)
{
    test_rules();
    test_depth_regex();
    test_errors();
    test_skip_ext();
    test_skip_ext_set();
    return test_summary("test_scope");
}

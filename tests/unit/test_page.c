/* test_page.c - the page stage: title, scope, depth, link records,
 * store_links, a redirect target, an unparseable page. */
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "err.h"
#include "fp.h"
#include "page.h"
#include "record.h"
#include "scope.h"
#include "seen.h"
#include "test.h"

#define PAGE "http://a.example/dir/p.html"
#define PAGE_FP 0x1234abcdULL
#define NOW 1700000000123LL

static const char html[] =
    "<html><head><title> Hello  page </title></head><body>"
    "<a href='/x'>x</a>"
    "<a href='y.html'>y</a>"
    "<a href='http://b.example/z'>other host</a>"
    "<a href='/logo.png'>image</a>"
    "<a href='/x'>again</a>"
    "</body></html>";

static void in_init(struct page_in *in, const struct cf_config *cfg,
                    const struct scope *sc, uint32_t depth)
{
    memset(in, 0, sizeof(*in));
    in->url = PAGE;
    in->fp = PAGE_FP;
    in->depth = depth;
    in->scope = sc;
    in->cfg = cfg;
    in->body = html;
    in->body_len = sizeof(html) - 1;
    in->content_type = "text/html";
    in->now_ms = NOW;
}

/* Decode link i's record and compare it with what the page stage owes. */
static void check_link(const struct page_links *pl, size_t i,
                       const char *url, uint32_t depth, uint32_t flags)
{
    const struct cf_link *l = &pl->links[i];
    struct cf_request r = {0};
    char errstr[CF_ERRSTR_LEN];

    CHECK_INT(cf_request_decode(l->rec, l->rec_len, &r, errstr), 0);
    CHECK_STR(r.url, url);
    CHECK_INT(r.depth, depth);
    CHECK_INT(r.priority, depth);
    CHECK_INT(r.discovered_ms, NOW);
    CHECK(r.parent_fp == PAGE_FP);
    CHECK_INT(r.flags, flags);
    CHECK_STR(l->hostkey, "http://a.example:80");
    CHECK(l->fp == cf_fp(url, strlen(url)));
    CHECK_INT(l->priority, depth);
    cf_request_cleanup(&r);
}

/* Scope "host", depth unlimited: two links in (the duplicate is one),
 * the other host and the image out. */
static void test_parse_host_scope(void)
{
    struct cf_config cfg;
    struct page_links pl;
    struct page_in in;
    char errstr[CF_ERRSTR_LEN];
    struct scope *sc;

    cf_config_init(&cfg);
    cfg.max_depth = -1;
    sc = scope_new(&cfg, errstr);
    CHECK(sc != NULL);
    in_init(&in, &cfg, sc, 2);
    page_links_init(&pl);
    CHECK_INT(page_parse(&in, &pl), 0);
    CHECK_STR(pl.title, "Hello page");
    CHECK_INT(pl.found, 4);
    CHECK_INT(pl.out_of_scope, 1); /* the other host */
    CHECK_INT(pl.skipped_ext, 1);  /* the image */
    CHECK_INT(pl.too_deep, 0);
    CHECK_INT(pl.n, 2);
    if (pl.n == 2) {
        check_link(&pl, 0, "http://a.example/x", 3, 0);
        check_link(&pl, 1, "http://a.example/dir/y.html", 3, 0);
    }
    CHECK(pl.all == NULL);
    CHECK_INT(pl.nall, 0);
    page_links_cleanup(&pl);
    scope_free(sc);
    cf_config_cleanup(&cfg);
}

/* The seen cache holds /x: in scope, dropped and counted in dup_local;
 * the other host, also in the cache, stays out of scope; y.html taken.
 * max_depth 2 on the same page: too deep comes before the cache. */
static void test_parse_seen_cache(void)
{
    static const char x[] = "http://a.example/x";
    static const char z[] = "http://b.example/z";
    struct cf_config cfg;
    struct page_links pl;
    struct page_in in;
    char errstr[CF_ERRSTR_LEN];
    struct scope *sc;
    struct seen *seen = seen_new(100);

    seen_add(seen, cf_fp(x, strlen(x)));
    seen_add(seen, cf_fp(z, strlen(z)));
    cf_config_init(&cfg);
    cfg.max_depth = -1;
    sc = scope_new(&cfg, errstr);
    CHECK(sc != NULL);
    in_init(&in, &cfg, sc, 2);
    in.seen = seen;
    page_links_init(&pl);
    CHECK_INT(page_parse(&in, &pl), 0);
    CHECK_INT(pl.found, 4);
    CHECK_INT(pl.out_of_scope, 1); /* the other host, though cached */
    CHECK_INT(pl.skipped_ext, 1);
    CHECK_INT(pl.dup_local, 1);
    CHECK_INT(pl.n, 1);
    if (pl.n == 1)
        check_link(&pl, 0, "http://a.example/dir/y.html", 3, 0);
    page_links_cleanup(&pl);
    scope_free(sc);
    cfg.max_depth = 2;
    sc = scope_new(&cfg, errstr);
    in_init(&in, &cfg, sc, 2);
    in.seen = seen;
    page_links_init(&pl);
    CHECK_INT(page_parse(&in, &pl), 0);
    CHECK_INT(pl.too_deep, 4);
    CHECK_INT(pl.dup_local, 0);
    CHECK_INT(pl.n, 0);
    page_links_cleanup(&pl);
    scope_free(sc);
    seen_free(seen);
    cf_config_cleanup(&cfg);
}

/* max_depth 2 on a page of depth 2: every link too deep; store_links
 * still keeps all four. */
static void test_parse_depth_and_store(void)
{
    struct cf_config cfg;
    struct page_links pl;
    struct page_in in;
    char errstr[CF_ERRSTR_LEN];
    struct scope *sc;

    cf_config_init(&cfg);
    cfg.max_depth = 2;
    cfg.store_links = 1;
    sc = scope_new(&cfg, errstr);
    in_init(&in, &cfg, sc, 2);
    page_links_init(&pl);
    CHECK_INT(page_parse(&in, &pl), 0);
    CHECK_INT(pl.found, 4);
    CHECK_INT(pl.too_deep, 4); /* depth is checked first */
    CHECK_INT(pl.out_of_scope, 0);
    CHECK_INT(pl.skipped_ext, 0);
    CHECK_INT(pl.n, 0);
    CHECK_INT(pl.nall, 4);
    if (pl.nall == 4) {
        CHECK_STR(pl.all[0], "http://a.example/x");
        CHECK_STR(pl.all[2], "http://b.example/z");
    }
    page_links_cleanup(&pl);
    scope_free(sc);
    cf_config_cleanup(&cfg);
}

/* No scope (a bad scope config): links counted, none taken. max_links 1
 * keeps one. */
static void test_parse_no_scope_and_cap(void)
{
    struct cf_config cfg;
    struct page_links pl;
    struct page_in in;

    cf_config_init(&cfg);
    cfg.max_links = 1;
    in_init(&in, &cfg, NULL, 0);
    page_links_init(&pl);
    CHECK_INT(page_parse(&in, &pl), 0);
    CHECK_INT(pl.found, 1);
    CHECK_INT(pl.out_of_scope, 1);
    CHECK_INT(pl.n, 0);
    page_links_cleanup(&pl);
    cf_config_cleanup(&cfg);
}

/* A page URL that is not http(s): not parsed, title kept, no links; an
 * empty body is no error. */
static void test_parse_bad_and_empty(void)
{
    struct cf_config cfg;
    struct page_links pl;
    struct page_in in;

    cf_config_init(&cfg);
    in_init(&in, &cfg, NULL, 0);
    in.url = "ftp://a.example/";
    page_links_init(&pl);
    CHECK_INT(page_parse(&in, &pl), CF_EINVAL);
    CHECK_INT(pl.n, 0);
    page_links_cleanup(&pl);

    in_init(&in, &cfg, NULL, 0);
    in.body = NULL;
    in.body_len = 0;
    page_links_init(&pl);
    CHECK_INT(page_parse(&in, &pl), 0);
    CHECK(pl.title == NULL);
    CHECK_INT(pl.found, 0);
    page_links_cleanup(&pl);
    cf_config_cleanup(&cfg);
}

/* A redirect target offered on its own, with its flag. */
static void test_add_redirect(void)
{
    struct cf_config cfg;
    struct page_links pl;
    struct page_in in;
    char errstr[CF_ERRSTR_LEN];
    struct scope *sc;

    cf_config_init(&cfg);
    cfg.max_depth = -1;
    sc = scope_new(&cfg, errstr);
    in_init(&in, &cfg, sc, 0);
    page_links_init(&pl);
    CHECK_INT(page_add_link(&in, &pl, "http://a.example/x", CF_REQ_REDIRECT),
              1);
    CHECK_INT(page_add_link(&in, &pl, "http://b.example/", CF_REQ_REDIRECT),
              0);
    CHECK_INT(pl.found, 2);
    CHECK_INT(pl.n, 1);
    if (pl.n == 1)
        check_link(&pl, 0, "http://a.example/x", 1, CF_REQ_REDIRECT);
    page_links_cleanup(&pl);
    scope_free(sc);
    cf_config_cleanup(&cfg);
}

int main(void)
{
    test_parse_host_scope();
    test_parse_depth_and_store();
    test_parse_seen_cache();
    test_parse_no_scope_and_cap();
    test_parse_bad_and_empty();
    test_add_redirect();
    return test_summary("page");
}

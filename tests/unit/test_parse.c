/* test_parse.c - parse_page(): titles, base, links, robots meta, caps,
 * charsets, hostile input. */
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "htmlscan.h"
#include "parse.h"
#include "test.h"
#include "url.h"

#define PAGE "http://example.com/dir/page.html"

static struct parse_opts opts = {.max_links = 5000};

static int parse_s(const char *html, const char *ct, struct parse_result *r)
{
    return parse_page(html, strlen(html), PAGE, ct, &opts, r);
}

static int parse_s_opts(const char *html, const struct parse_opts *o,
                        struct parse_result *r)
{
    return parse_page(html, strlen(html), PAGE, NULL, o, r);
}

static int has_link(const struct parse_result *r, const char *url)
{
    size_t i;

    for (i = 0; i < r->nlinks; i++)
        if (strcmp(r->links[i], url) == 0)
            return 1;
    return 0;
}

static void check_invariant(const struct parse_result *r, const char *what)
{
    const struct parse_stats *s = &r->stats;
    CHECKF(s->seen == r->nlinks + s->invalid + s->nofollow + s->duplicates +
                          s->over_cap,
           "%s: seen %u != %zu + %u + %u + %u + %u", what, s->seen,
           r->nlinks, s->invalid, s->nofollow, s->duplicates, s->over_cap);
    CHECKF(r->nlinks == (size_t)r->links_internal + r->links_external,
           "%s: nlinks %zu != %u internal + %u external", what, r->nlinks,
           r->links_internal, r->links_external);
}

static const struct {
    const char *html;
    const char *title;
} titles[] = {
    {"<title>Hello</title>", "Hello"},
    {"<title>  a \n\t b   c  </title>", "a b c"},
    {"<title>Fish &amp; Chips &lt;3 &eacute;</title>", "Fish & Chips <3 \xC3\xA9"},
    {"<p>no title</p>", ""},
    {"", ""},
    {"<body><title>In body</title></body>", "In body"},
    {"<title>First</title><title>Second</title>", "First"},
    {"<svg><title>svg</title></svg><title>html</title>", "html"},
    {"<title></title>", ""},
    {"<title><b>tag</b> text</title>", "<b>tag</b> text"},
};

static void test_titles(void)
{
    size_t i;
    struct parse_result r;
    char big[5000], *p = big;

    for (i = 0; i < sizeof(titles) / sizeof(titles[0]); i++) {
        CHECK_INT(parse_s(titles[i].html, NULL, &r), 0);
        CHECK_STR(r.title, titles[i].title);
        parse_result_cleanup(&r);
    }
    /* Capped at PARSE_TITLE_MAX, never splitting a UTF-8 character. */
    p += sprintf(p, "<title>x");
    for (i = 0; i < 1500; i++)
        p += sprintf(p, "\xC3\xA9");
    sprintf(p, "</title>");
    parse_s(big, NULL, &r);
    CHECK(strlen(r.title) <= PARSE_TITLE_MAX);
    CHECK(strlen(r.title) == PARSE_TITLE_MAX - 1);
    CHECK(((unsigned char)r.title[strlen(r.title) - 1]) == 0xA9);
    parse_result_cleanup(&r);
}

static const struct {
    const char *html;
    const char *base;
    const char *link;
} bases[] = {
    {"<a href=x>", "http://example.com/dir/page.html",
     "http://example.com/dir/x"},
    {"<base href=/other/><a href=x>", "http://example.com/other/",
     "http://example.com/other/x"},
    {"<base href=\"http://cdn.example.org/b/\"><a href=x>",
     "http://cdn.example.org/b/", "http://cdn.example.org/b/x"},
    {"<base href=\"javascript:alert(1)\"><a href=x>",
     "http://example.com/dir/page.html", "http://example.com/dir/x"},
    {"<base href=\"http://[bad\"><a href=x>",
     "http://example.com/dir/page.html", "http://example.com/dir/x"},
    {"<base target=_top><base href=../up/><a href=x>",
     "http://example.com/up/", "http://example.com/up/x"},
    {"<a href=x></a><base href=/late/>", "http://example.com/late/",
     "http://example.com/late/x"},
};

static void test_base(void)
{
    size_t i;
    struct parse_result r;

    for (i = 0; i < sizeof(bases) / sizeof(bases[0]); i++) {
        parse_s(bases[i].html, NULL, &r);
        CHECK_STR(r.base, bases[i].base);
        CHECKF(r.nlinks == 1 && strcmp(r.links[0], bases[i].link) == 0,
               "base %zu: %s", i, r.nlinks ? r.links[0] : "(none)");
        parse_result_cleanup(&r);
    }
}

static void test_sources(void)
{
    struct parse_result r;
    const char *html =
        "<html><head>"
        "<link rel=stylesheet href=/s.css>"
        "<link rel=icon href=/favicon.ico>"
        "<link rel=\"alternate stylesheet\" href=/alt.css>"
        "<link rel=canonical href=/canon>"
        "<link rel=next href=/p2><link rel=PREV href=/p0>"
        "<link rel=alternate hreflang=fr href=/fr/>"
        "<link rel=alternate type=application/rss+xml href=/feed>"
        "<link rel=preload href=/pre.js>"
        "</head><body>"
        "<a href=/a>a</a><a>no href</a><a href=\"\">empty</a>"
        "<a href='  /spaced  '>sp</a>"
        "<map><area href=/area></map>"
        "<iframe src=/if></iframe>"
        "<img src=/img.png><script src=/x.js></script>"
        "<a href=mailto:x@y.z>m</a><a href=javascript:void(0)>j</a>"
        "<a href=\"ftp://example.com/f\">f</a><a href=\"tel:123\">t</a>"
        "<a href=\"http://user:pw@example.com/\">u</a>"
        "<a href=\"#frag\">f</a><a href=\"HTTP://EXAMPLE.COM:80/a#x\">dup</a>"
        "<svg><a href=/svg-a>s</a></svg>"
        "</body></html>";

    parse_s(html, NULL, &r);
    CHECK(has_link(&r, "http://example.com/canon"));
    CHECK_STR(r.canonical, "http://example.com/canon");
    CHECK(has_link(&r, "http://example.com/p2"));
    CHECK(has_link(&r, "http://example.com/p0"));
    CHECK(has_link(&r, "http://example.com/fr/"));
    CHECK(has_link(&r, "http://example.com/a"));
    CHECK(has_link(&r, "http://example.com/spaced"));
    CHECK(has_link(&r, "http://example.com/area"));
    CHECK(has_link(&r, "http://example.com/if"));
    /* "#frag" and href="" name this page: same-document, no link */
    CHECK(!has_link(&r, PAGE));
    CHECK(!has_link(&r, "http://example.com/s.css"));
    CHECK(!has_link(&r, "http://example.com/favicon.ico"));
    CHECK(!has_link(&r, "http://example.com/alt.css"));
    CHECK(!has_link(&r, "http://example.com/feed"));
    CHECK(!has_link(&r, "http://example.com/pre.js"));
    CHECK(!has_link(&r, "http://example.com/img.png"));
    CHECK(!has_link(&r, "http://example.com/x.js"));
    CHECK(!has_link(&r, "http://example.com/svg-a"));
    CHECK_INT(r.nlinks, 8);
    CHECK_INT(r.stats.invalid, 5);
    CHECK_INT(r.stats.invalid_by[-CF_URL_SCHEME], 4);
    CHECK_INT(r.stats.invalid_by[-CF_URL_USERINFO], 1);
    CHECK_INT(r.stats.duplicates, 1);
    check_invariant(&r, "sources");
    /* Document order. */
    CHECK_STR(r.links[0], "http://example.com/canon");
    parse_result_cleanup(&r);
}

static const struct {
    const char *html;
    int follow;     /* follow_nofollow */
    int noindex, nofollow;
    size_t nlinks;
} metas[] = {
    {"<a href=/a>", 0, 0, 0, 1},
    {"<meta name=robots content=noindex><a href=/a>", 0, 1, 0, 1},
    {"<meta name=robots content=nofollow><a href=/a>", 0, 0, 1, 0},
    {"<meta name=robots content=nofollow><a href=/a>", 1, 0, 1, 1},
    {"<meta name=ROBOTS content=\"NoIndex, NoFollow\"><a href=/a>", 0, 1, 1,
     0},
    {"<meta name=robots content=none><a href=/a>", 0, 1, 1, 0},
    {"<meta name=robots content=\"index,follow\"><a href=/a>", 0, 0, 0, 1},
    {"<meta name=description content=nofollow><a href=/a>", 0, 0, 0, 1},
    {"<a href=/a></a><meta name=robots content=nofollow>", 0, 0, 1, 0},
    {"<a href=/a rel=nofollow>", 0, 0, 0, 0},
    {"<a href=/a rel=\"noopener NOFOLLOW\">", 0, 0, 0, 0},
    {"<a href=/a rel=nofollower>", 0, 0, 0, 1},
    {"<a href=/a rel=nofollow>", 1, 0, 0, 1},
    {"<a href=/a rel=nofollow><a href=/b>", 0, 0, 0, 1},
};

static void test_meta(void)
{
    size_t i;
    struct parse_result r;

    for (i = 0; i < sizeof(metas) / sizeof(metas[0]); i++) {
        opts.follow_nofollow = metas[i].follow;
        parse_s(metas[i].html, NULL, &r);
        CHECKF(r.noindex == metas[i].noindex, "meta %zu noindex", i);
        CHECKF(r.nofollow == metas[i].nofollow, "meta %zu nofollow", i);
        CHECKF(r.nlinks == metas[i].nlinks, "meta %zu: %zu links", i,
               r.nlinks);
        CHECK_INT(r.stats.nofollow, r.stats.seen - r.nlinks);
        check_invariant(&r, "meta");
        parse_result_cleanup(&r);
    }
    opts.follow_nofollow = 0;
}

/* The page metadata every parse path must give (parse.h): these checks
 * go through parse_page(), whatever parser is behind it. */
static const struct {
    const char *html;
    const char *x_robots;  /* X-Robots-Tag lines, or NULL */
    const char *canonical, *description, *lang, *robots;
    int noindex, nofollow;
    unsigned internal, external, nofollow_links, dropped;
} pagemeta[] = {
    {"<title>t</title>", NULL, NULL, NULL, NULL, NULL, 0, 0, 0, 0, 0, 0},
    {"<html lang=en-GB><link rel=canonical href=/c?a=1#f>"
     "<meta name=description content='  A   shop\n for  tea '>",
     NULL, "http://example.com/c?a=1", "A shop for tea", "en-GB", NULL, 0, 0,
     1, 0, 0, 0},
    /* canonical kept even when nofollow drops the link */
    {"<meta name=robots content=nofollow><link rel=canonical href=/c>"
     "<a href=/a></a><a href=http://other.org/></a>",
     NULL, "http://example.com/c", NULL, NULL, "nofollow", 0, 1, 0, 0, 3, 0},
    {"<meta name=ROBOTS content='NoIndex, NOFOLLOW'>", NULL, NULL, NULL,
     NULL, "noindex,nofollow", 1, 1, 0, 0, 0, 0},
    {"<meta name=robots content=none>", NULL, NULL, NULL, NULL, "none", 1, 1,
     0, 0, 0, 0},
    {"<meta name=robots content='index follow max-snippet:20'>", NULL, NULL,
     NULL, NULL, "index,follow,max-snippet:20", 0, 0, 0, 0, 0, 0},
    /* two tags: directives joined, each once */
    {"<meta name=robots content=noindex><meta name=robots "
     "content='noindex,noarchive'>",
     NULL, NULL, NULL, NULL, "noindex,noarchive", 1, 0, 0, 0, 0, 0},
    /* the header alone, several lines, one for another bot */
    {"<a href=/x>x</a>", "noindex\notherbot: nofollow", NULL, NULL, NULL,
     "noindex", 1, 0, 1, 0, 0, 0},
    {"<a href=/x>x</a>", "NOFOLLOW, noarchive", NULL, NULL, NULL,
     "nofollow,noarchive", 0, 1, 0, 0, 1, 0},
    {"<meta name=robots content=noindex>", "unavailable_after: 2030-01-01",
     NULL, NULL, NULL, "unavailable_after:,2030-01-01,noindex", 1, 0, 0, 0,
     0, 0},
    /* first description wins, an empty one counts as seen */
    {"<meta name=description content=''><meta name=description content=b>",
     NULL, NULL, NULL, NULL, NULL, 0, 0, 0, 0, 0, 0},
    {"<meta name=Description content='caf&eacute; &amp; more'>", NULL, NULL,
     "caf\xC3\xA9 & more", NULL, NULL, 0, 0, 0, 0, 0, 0},
    /* lang: first <html> wins (gumbo merges attributes), bad ones none */
    {"<html lang=' fr '><html lang=de>", NULL, NULL, NULL, "fr", NULL, 0, 0,
     0, 0, 0, 0},
    {"<html lang='a b'>", NULL, NULL, NULL, NULL, NULL, 0, 0, 0, 0, 0, 0},
    {"<html lang=''>", NULL, NULL, NULL, NULL, NULL, 0, 0, 0, 0, 0, 0},
    /* link kinds: own host (any port or scheme) is internal */
    {"<a href=/a></a><a href=https://example.com:8443/b></a>"
     "<a href=http://www.example.com/></a><a href=//cdn.org/x></a>"
     "<a href=/a></a><a href=mailto:x@y></a><a href=/n rel=nofollow></a>"
     "<a href='http://[bad/'></a>",
     NULL, NULL, NULL, NULL, NULL, 0, 0, 2, 2, 1, 2},
    /* <base> elsewhere: internal still means the page's own host */
    {"<base href=http://other.org/><a href=/a></a><a "
     "href=http://example.com/b></a>",
     NULL, NULL, NULL, NULL, NULL, 0, 0, 1, 1, 0, 0},
    {"<link rel='canonical nofollow' href=''>", NULL, NULL, NULL, NULL, NULL,
     0, 0, 0, 0, 0, 0},
    /* hosts that start like the page's are other hosts */
    {"<a href=http://example.co/></a><a href=http://example.comx/></a>"
     "<a href=http://example.com.evil.org/></a><a href=//a.example.com/></a>"
     "<a href=http://EXAMPLE.com:80/p></a><a href=http://example.com?q></a>"
     "<a href=https://example.com:1/></a><a href=http://example.com></a>",
     NULL, NULL, NULL, NULL, NULL, 0, 0, 4, 4, 0, 0},
};

static void test_pagemeta(void)
{
    struct parse_opts o = {.max_links = 5000};
    struct parse_result r;
    size_t i;

    for (i = 0; i < sizeof(pagemeta) / sizeof(pagemeta[0]); i++) {
        o.x_robots = pagemeta[i].x_robots;
        parse_s_opts(pagemeta[i].html, &o, &r);
        CHECKF(r.canonical == NULL ? pagemeta[i].canonical == NULL
                                   : pagemeta[i].canonical &&
                                         !strcmp(r.canonical,
                                                 pagemeta[i].canonical),
               "pagemeta %zu: canonical %s", i,
               r.canonical ? r.canonical : "(null)");
        CHECKF(r.description == NULL
                   ? pagemeta[i].description == NULL
                   : pagemeta[i].description &&
                         !strcmp(r.description, pagemeta[i].description),
               "pagemeta %zu: description %s", i,
               r.description ? r.description : "(null)");
        CHECKF(r.lang == NULL ? pagemeta[i].lang == NULL
                              : pagemeta[i].lang &&
                                    !strcmp(r.lang, pagemeta[i].lang),
               "pagemeta %zu: lang %s", i, r.lang ? r.lang : "(null)");
        CHECKF(r.meta_robots == NULL
                   ? pagemeta[i].robots == NULL
                   : pagemeta[i].robots &&
                         !strcmp(r.meta_robots, pagemeta[i].robots),
               "pagemeta %zu: robots %s", i,
               r.meta_robots ? r.meta_robots : "(null)");
        CHECKF(r.noindex == pagemeta[i].noindex, "pagemeta %zu noindex", i);
        CHECKF(r.nofollow == pagemeta[i].nofollow, "pagemeta %zu nofollow",
               i);
        CHECKF(r.links_internal == pagemeta[i].internal &&
                   r.links_external == pagemeta[i].external &&
                   r.stats.nofollow == pagemeta[i].nofollow_links &&
                   r.stats.invalid + r.stats.over_cap == pagemeta[i].dropped,
               "pagemeta %zu: links %u/%u/%u/%u", i, r.links_internal,
               r.links_external, r.stats.nofollow,
               r.stats.invalid + r.stats.over_cap);
        check_invariant(&r, "pagemeta");
        parse_result_cleanup(&r);
    }
}

static void test_dedup_cap(void)
{
    struct parse_result r;
    struct parse_opts o = {.max_links = 3};
    char html[8000], *p = html;
    int i;

    for (i = 0; i < 10; i++)
        p += sprintf(p, "<a href=/same>x</a><a href=\"/same#%d\">y</a>", i);
    parse_s(html, NULL, &r);
    CHECK_INT(r.nlinks, 1);
    CHECK_INT(r.stats.duplicates, 19);
    CHECK_INT(r.stats.seen, 20);
    parse_result_cleanup(&r);

    p = html;
    for (i = 0; i < 10; i++)
        p += sprintf(p, "<a href=/l%d>x</a>", i);
    parse_page(html, strlen(html), PAGE, NULL, &o, &r);
    CHECK_INT(r.nlinks, 3);
    CHECK_INT(r.stats.over_cap, 7);
    CHECK_STR(r.links[2], "http://example.com/l2");
    check_invariant(&r, "cap");
    parse_result_cleanup(&r);

    /* A URL over max_url_len is invalid, counted as too long. */
    o.max_links = 10;
    o.max_url_len = 40;
    parse_s_opts("<a href=/short><a href=/a-rather-long-path-name-here>", &o,
                 &r);
    CHECK_INT(r.nlinks, 1);
    CHECK_INT(r.stats.invalid_by[-CF_URL_TOOLONG], 1);
    parse_result_cleanup(&r);
}

static const struct {
    const char *body;
    const char *ctype;
    const char *title;   /* expected UTF-8 */
    const char *charset;
    enum parse_charset_src src;
} charsets[] = {
    {"<title>caf\xE9</title>", "text/html; charset=ISO-8859-1",
     "caf\xC3\xA9", "iso-8859-1", PARSE_CS_HEADER},
    {"<title>\x93quoted\x94 \x80</title>", "text/html;charset=\"windows-1252\"",
     "\xE2\x80\x9Cquoted\xE2\x80\x9D \xE2\x82\xAC", "windows-1252",
     PARSE_CS_HEADER},
    {"<meta charset=shift_jis><title>\x93\xfa\x96\x7b</title>", NULL,
     "\xE6\x97\xA5\xE6\x9C\xAC", "shift_jis", PARSE_CS_META},
    {"<meta http-equiv=\"Content-Type\" content=\"text/html; "
     "charset=euc-jp\"><title>\xC6\xFC\xCB\xDC</title>", NULL,
     "\xE6\x97\xA5\xE6\x9C\xAC", "euc-jp", PARSE_CS_META},
    {"<meta charset=gb2312><title>\xD6\xD0\xCE\xC4</title>", NULL,
     "\xE4\xB8\xAD\xE6\x96\x87", "gb2312", PARSE_CS_META},
    {"<meta charset=koi8-r><title>\xF0\xD2\xC9\xD7\xC5\xD4</title>", NULL,
     "\xD0\x9F\xD1\x80\xD0\xB8\xD0\xB2\xD0\xB5\xD1\x82", "koi8-r",
     PARSE_CS_META},
    /* Header beats meta. */
    {"<meta charset=shift_jis><title>caf\xE9</title>",
     "text/html; charset=latin1", "caf\xC3\xA9", "latin1", PARSE_CS_HEADER},
    /* A BOM beats the header. */
    {"\xEF\xBB\xBF<title>caf\xC3\xA9</title>", "text/html; charset=latin1",
     "caf\xC3\xA9", "utf-8", PARSE_CS_BOM},
    /* Meta in a comment does not count. */
    {"<!-- <meta charset=koi8-r> --><title>caf\xC3\xA9</title>", NULL,
     "caf\xC3\xA9", "utf-8", PARSE_CS_DEFAULT},
    /* Unknown charset: as UTF-8. */
    {"<title>caf\xC3\xA9</title>", "text/html; charset=x-klingon",
     "caf\xC3\xA9", "x-klingon", PARSE_CS_HEADER},
    /* Invalid UTF-8 in a UTF-8 page: replaced by gumbo. */
    {"<title>a\xFF" "b</title>", "text/html; charset=utf-8",
     "a\xEF\xBF\xBD" "b", "utf-8", PARSE_CS_HEADER},
    /* Bytes undefined in windows-1252: U+FFFD. */
    {"<title>a\x81" "b</title>", "text/html; charset=windows-1252",
     "a\xEF\xBF\xBD" "b", "windows-1252", PARSE_CS_HEADER},
    /* A meta can't declare UTF-16. */
    {"<meta charset=utf-16><title>ok</title>", NULL, "ok", "utf-16",
     PARSE_CS_META},
    /* A path-like label never reaches iconv. */
    {"<meta charset=\"../../etc//x\"><title>ok</title>", NULL, "ok",
     "../../etc//x", PARSE_CS_META},
};

static void test_charsets(void)
{
    size_t i;
    struct parse_result r;
    /* UTF-16LE with a BOM: "<title>é</title>" */
    static const char u16[] = "\xFF\xFE<\0t\0i\0t\0l\0e\0>\0\xE9\0<\0/\0t\0i\0"
                              "t\0l\0e\0>\0";

    for (i = 0; i < sizeof(charsets) / sizeof(charsets[0]); i++) {
        parse_s(charsets[i].body, charsets[i].ctype, &r);
        CHECKF(strcmp(r.title, charsets[i].title) == 0, "charset %zu: %s",
               i, r.title);
        CHECK_STR(r.charset, charsets[i].charset);
        CHECK_INT(r.charset_src, charsets[i].src);
        parse_result_cleanup(&r);
    }
    parse_s("<title>x</title>", "text/html; charset=x-klingon", &r);
    CHECK_INT(r.charset_unknown, 1);
    parse_result_cleanup(&r);
    parse_s("<title>a\x81</title>", "text/html; charset=cp1252", &r);
    CHECK_INT(r.stats.replaced, 1);
    parse_result_cleanup(&r);

    parse_page(u16, sizeof(u16) - 1, PAGE, NULL, &opts, &r);
    CHECK_STR(r.title, "\xC3\xA9");
    CHECK_STR(r.charset, "utf-16le");
    parse_result_cleanup(&r);
}

static void test_hostile(void)
{
    struct parse_result r;
    size_t n = 100000, i;
    char *deep, *bin;
    int rc;

    /* 100,000 nested divs with a link at the bottom: cut at the depth
     * cap, quickly; the links before the cut are kept. */
    deep = cf_malloc(n * 6 + 64);
    memcpy(deep, "<a href=/top>t</a>", 18);
    for (i = 0; i < n; i++)
        memcpy(deep + 18 + i * 5, "<div>", 5);
    strcpy(deep + 18 + n * 5, "<a href=/deep>x</a>");
    rc = parse_page(deep, strlen(deep), PAGE, NULL, &opts, &r);
    CHECK_INT(rc, 0);
    CHECK(has_link(&r, "http://example.com/top"));
    CHECK(!has_link(&r, "http://example.com/deep"));
    CHECK_INT(r.stats.depth_cut, strlen(deep) - 18 - PARSE_MAX_DEPTH * 5);
    parse_result_cleanup(&r);
    /* With the cap lifted, the walk itself copes with a deep tree (no
     * recursion): 20,000 levels. */
    {
        struct parse_opts d = opts;
        size_t m = 20000;
        d.max_depth = m + 1;
        strcpy(deep + 18 + m * 5, "<a href=/deep>x</a>");
        rc = parse_page(deep, strlen(deep), PAGE, NULL, &d, &r);
        CHECK_INT(rc, 0);
        CHECK_INT(r.stats.depth_cut, 0);
        CHECK(has_link(&r, "http://example.com/deep"));
        parse_result_cleanup(&r);
    }
    /* "<div/>" is a <div>: cut at the same depth */
    for (i = 0; i < n; i++)
        memcpy(deep + i * 6, "<div/>", 6);
    strcpy(deep + n * 6, "<a href=/deep>x</a>");
    for (int mode = PARSE_LINKS; mode <= PARSE_TREE; mode++) {
        struct parse_opts d = opts;
        d.mode = (enum parse_mode)mode;
        d.keep_text = 1; /* gumbo gets every tag */
        CHECK_INT(parse_page(deep, strlen(deep), PAGE, NULL, &d, &r), 0);
        CHECK_INT(r.stats.depth_cut, strlen(deep) - PARSE_MAX_DEPTH * 6);
        parse_result_cleanup(&r);
    }
    /* Unclosed <p> and <li>, <br>s and script text don't count. */
    {
        char *flat = cf_malloc(200000), *q = flat;
        q += sprintf(q, "<script>");
        for (i = 0; i < 2000; i++)
            q += sprintf(q, "<div>");
        q += sprintf(q, "</script>");
        for (i = 0; i < 5000; i++)
            q += sprintf(q, "<p>x<li>y<br><img src=z>");
        sprintf(q, "<a href=/end>e</a>");
        parse_s(flat, NULL, &r);
        CHECK_INT(r.stats.depth_cut, 0);
        CHECK(has_link(&r, "http://example.com/end"));
        parse_result_cleanup(&r);
        free(flat);
    }
    free(deep);

    /* Binary garbage, with NULs. */
    bin = cf_malloc(65536);
    for (i = 0; i < 65536; i++)
        bin[i] = (char)((i * 2654435761u) >> 13);
    rc = parse_page(bin, 65536, PAGE, NULL, &opts, &r);
    CHECK_INT(rc, 0);
    check_invariant(&r, "garbage");
    parse_result_cleanup(&r);
    rc = parse_page(bin, 65536, PAGE, "text/html; charset=shift_jis", &opts,
                    &r);
    CHECK_INT(rc, 0);
    parse_result_cleanup(&r);
    free(bin);

    /* Empty body, malformed markup. */
    CHECK_INT(parse_page("", 0, PAGE, NULL, &opts, &r), 0);
    CHECK_STR(r.title, "");
    CHECK_INT(r.nlinks, 0);
    parse_result_cleanup(&r);
    parse_s("<title>t</title><a href=/x <p><<<a href='/y'>>>></table></html>"
            "<a href=\"/z", NULL, &r);
    CHECK_INT(r.stats.seen >= 1, 1);
    check_invariant(&r, "malformed");
    parse_result_cleanup(&r);
    parse_s("<table><a href=/t1><tr><td><a href=/t2></table>", NULL, &r);
    CHECK(has_link(&r, "http://example.com/t1"));
    CHECK(has_link(&r, "http://example.com/t2"));
    parse_result_cleanup(&r);

    /* A bad page URL: no links, CF_EINVAL, still a title. */
    rc = parse_page("<title>t</title><a href=/a>", 27, "notaurl", NULL,
                    &opts, &r);
    CHECK(rc < 0);
    CHECK_STR(r.title, "t");
    CHECK_INT(r.nlinks, 0);
    CHECK(r.base == NULL);
    parse_result_cleanup(&r);
    parse_result_cleanup(NULL);

    /* The malloc path (bench) gives the same answer. */
    {
        struct parse_opts so = opts;
        so.system_alloc = 1;
        parse_page("<title>s</title><a href=/q>", 27, PAGE, NULL, &so, &r);
        CHECK_STR(r.title, "s");
        CHECK(has_link(&r, "http://example.com/q"));
        parse_result_cleanup(&r);
    }
}

/* The nesting cap at its edges (htmlscan.h, the depth cut): the cut is
 * where the first start tag past max_depth starts (depth_cut: the bytes
 * from there on), counted on the tokenizer's own tokens. */
static const struct {
    const char *doc;  /* the page */
    size_t max;       /* max_depth */
    size_t cut_at;    /* where the cut starts; (size_t)-1 for none */
} depth_cases[] = {
    {"<div><div><div><a href=/x>x</a>", 4, (size_t)-1},
    {"<div><div><div><div><a href=/x>x</a>", 4, 20},
    {"<div><div><div><div><a href=/x>x", 4, 20},
    {"<div><div><div><div>", 4, (size_t)-1},
    {"<i></i><i></i><i></i><b><b><b><b>", 3, 30},
    {"<!--<<<<<<<<--><div><div><div><div><div>", 4, 35},
    {"<script><<<<<<<<</script><div><div><div><div><div>", 4, 45},
    {"<div><div><div></div></div></div><a href=/y>", 3, (size_t)-1},
    {"<div><div><div></div></div></div><p><br><a><a><a><a>", 3, 49},
    {"<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<div><div><div>", 2, 50},
    /* only '<' before a letter starts a tag: more of the others than max
     * (non-ASCII, digits, end tags; upper case counts) cut nothing */
    {"<\xc3\xa9<\xc3\xa9<\xc3\xa9<1<1<1<1<Div><DIV><dIv><div><a href=/z>", 3,
     32},
    {"</b></b></b></b></b></b></b></b><B><b><b>", 3, (size_t)-1},
    /* names in any case: the flat ones and the raw ones still known */
    {"<P><LI><Br><IMG><TD><P><LI><Br><IMG><TD><b><b>", 2, (size_t)-1},
    {"<P><LI><Br><IMG><TD><P><LI><Br><IMG><TD><b><b><b>", 2, 46},
    {"<SCRIPT><b><b><b><b></script><b><b>", 2, (size_t)-1},
    /* <noscript>'s content is markup (htmlscan.h: scripting disabled,
     * as gumbo parses it), nested in it */
    {"<NoScript><b><b><b><b></noscript><b><b>", 2, 13},
    /* markup in a comment, RCDATA, raw text, script data or an attribute
     * value is no tag (an approximate scan took "<b" there for tags) */
    {"<!--<b><b><b><b>--><b><b><a href=/c>", 2, 25},
    {"<title><b><b><b><b></title><b><a href=/t>t</a>", 2, (size_t)-1},
    {"<textarea><b><b><b></textarea><b><b>", 2, (size_t)-1},
    {"<script>document.write('<b><b><b>')</script><b><a href=/s>", 2,
     (size_t)-1},
    {"<b title=\"<b><b><b>\"><a href=/v>v</a>", 2, (size_t)-1},
    {"<b title='x>'><i title=\"<b\"><s><a href=/w>", 2, 28},
    /* a script's start and end tag cancel out */
    {"<b><script></script><b><b>", 2, 23},
    /* in foreign content a <style> is no raw text: its tags nest */
    {"<svg><style><g><g><g></style>", 3, 15},
    /* flat start tags add nothing, flat end tags take nothing off */
    {"<p><li><br><td><option><rt><P/><br/><img/><b><a href=/f>f</a>", 2,
     (size_t)-1},
    /* "/>" closes a foreign element only: HTML ignores it (<div/> opens
     * a div), and so does an integration point's HTML content */
    {"<svg><g/><g/><g/><path/></svg><b><a href=/g>", 2, (size_t)-1},
    {"<svg/><math/><svg/><MATH/><b><a href=/h>", 2, (size_t)-1},
    {"<div/><span/><x/><a href=/d>", 2, 13},
    {"<svg><foreignObject><div/><div/>", 3, 26},
    {"<math><mi><b/><b/>", 3, 14},
    {"<b><b></p></li></br><b>", 2, 20},
    /* what is cut is not read: a title, a <base>, links past the cut */
    {"<a href=/1>1</a><div><div><title>t</title><base href=/b/><a "
     "href=2>", 2, 26},
    /* a tag the end of the page cuts into is no tag */
    {"<b><b><b", 2, (size_t)-1},
    {"", 1, (size_t)-1},
};

static int same_links(const struct parse_result *a,
                      const struct parse_result *b)
{
    if (a->nlinks != b->nlinks || strcmp(a->title, b->title) != 0 ||
        strcmp(a->base, b->base) != 0)
        return 0;
    for (size_t i = 0; i < a->nlinks; i++)
        if (strcmp(a->links[i], b->links[i]) != 0)
            return 0;
    return 1;
}

/* Each case on both paths: the same cut, the same links; and the links
 * of the cut page are those of its first cut_at bytes read whole. */
static void test_depth_edges(void)
{
    for (size_t i = 0; i < sizeof(depth_cases) / sizeof(depth_cases[0]);
         i++) {
        struct parse_opts d = opts;
        struct parse_result r[2], whole;
        const char *doc = depth_cases[i].doc;
        size_t n = strlen(doc);
        size_t want = depth_cases[i].cut_at == (size_t)-1
                          ? 0 : n - depth_cases[i].cut_at;

        d.max_depth = depth_cases[i].max;
        for (int mode = PARSE_LINKS; mode <= PARSE_TREE; mode++) {
            d.mode = (enum parse_mode)mode;
            CHECK_INT(parse_page(doc, n, PAGE, NULL, &d, &r[mode]), 0);
            CHECKF(r[mode].stats.depth_cut == want,
                   "case %zu mode %d: depth_cut %u, want %zu", i, mode,
                   r[mode].stats.depth_cut, want);
        }
        CHECKF(same_links(&r[0], &r[1]), "case %zu: the paths differ", i);
        d.mode = PARSE_LINKS;
        d.max_depth = (size_t)-1;
        CHECK_INT(parse_page(doc, n - want, PAGE, NULL, &d, &whole), 0);
        CHECKF(whole.stats.depth_cut == 0 && same_links(&r[0], &whole),
               "case %zu: not the links of its first %zu bytes", i,
               n - want);
        parse_result_cleanup(&r[0]);
        parse_result_cleanup(&r[1]);
        parse_result_cleanup(&whole);
    }
}

/* Both paths read an attribute that follows a dropped duplicate (gumbo
 * loses it unless it records parse errors: parse.c, PARSE_GUMBO_ERRORS). */
static void test_duplicate_attr(void)
{
    static const char html[] =
        "<link rel=next t t href=/dup-link>"
        "<a x x href=/dup-a>a</a>";
    struct parse_opts o = opts;
    struct parse_result r;

    for (int mode = PARSE_LINKS; mode <= PARSE_TREE; mode++) {
        o.mode = (enum parse_mode)mode;
        parse_s_opts(html, &o, &r);
        CHECKF(has_link(&r, "http://example.com/dup-link"), "mode %d", mode);
        CHECKF(has_link(&r, "http://example.com/dup-a"), "mode %d", mode);
        parse_result_cleanup(&r);
    }
}

/* Documents where the links path must know a tree-builder fact to give
 * the tree's answer; each with the base both must find. Found by
 * fuzzing (tests/fuzz/fuzz_htmlscan.c) and test_squeeze. */
#define DOC(s) s, sizeof(s) - 1
static const struct {
    const char *html;
    size_t len;
    const char *base;
} agree[] = {
    /* a NUL starts the body but leaves frameset-ok set: the <frameset>
     * drops the body and the <base> in it */
    {DOC("\0<base href=/b/><frameset><p><dl><dt></textarea></TD><thead>"),
     PAGE},
    {DOC("<head>\0<base href=/b/><frameset><frame src=/f>"), PAGE},
    {DOC("\0<html lang=en><a href=/a><frameset><frame src=/f>"), PAGE},
    /* the <html lang> in the dropped body went to <html>, which stays */
    {DOC("<a href=/a><html lang=en><frameset><frame src=/f>"), PAGE},
    /* in a <template> it does not start the body */
    {DOC("<template>\0</template><base href=/b/><frameset>"),
     "http://example.com/b/"},
    {DOC("<base href=/b/>\0<frameset><frame src=f>"),
     "http://example.com/b/"},
    /* text does start it and clears the flag: the <frameset> is ignored */
    {DOC("x<base href=/b/><frameset><a href=/x>"), "http://example.com/b/"},
    /* a NUL in a tag name makes it no known tag (U+FFFD) */
    {DOC("<script\0><a href=/s>s</a><title\0>t<a href=/t>t</a>"), PAGE},
    {DOC("<th\0met\0><base\0 href=/b/><a href=/m>m</a>"), PAGE},
    /* in an integration point, what the body ignores opens nothing: the
     * end tag closes <mi>, and the <a> after it is MathML, not a link */
    {DOC("<math><mi><head></mi><a href=/n>"), PAGE},
    {DOC("<math><mi><body><html></mi><a href=/n>"), PAGE},
    {DOC("<svg><desc><tr><td></desc><a href=/n>"), PAGE},
    {DOC("<table><tr><td><math><mi><td></mi><a href=/n>"), PAGE},
    /* an <html lang> in a <template> is ignored, also in an integration
     * point (there the template is on the foreign stack) */
    {DOC("<math><mi><template><html lang=n>"), PAGE},
    /* after </head> a <noscript> starts the body: the <frameset> drops
     * it with the <link>, or is ignored after a <template> */
    {DOC("</head><noscript><link rel=next href=/l><frameset>"), PAGE},
    {DOC("<template></template></head><noscript><frameset><frame src=/f>"),
     PAGE},
    /* but a </head> inside the head's <noscript> is ignored */
    {DOC("<noscript></head><noscript><link rel=next href=/l><frameset>"),
     PAGE},
    /* a select in a table closes on an end tag only for a part that is
     * open (in table scope): </caption> in a cell, </tr> with no row are
     * ignored, and the link after them is in the select */
    {DOC("<table><td><select></caption><select><a href=/x>"), PAGE},
    {DOC("<table><select></tr><a href=/x>"), PAGE},
    {DOC("<table><tr><td><select></thead><a href=/x>"), PAGE},
    {DOC("<table><thead><tr><td><select></thead><a href=/x>"), PAGE},
    /* a table part in an integration point in a table closes the cell or
     * clears back to the table, foreign content with it */
    {DOC("<table><svg><foreignObject><th><math></tr><a href=/x>"), PAGE},
    {DOC("<table><td><svg><desc><td><a href=/x>"), PAGE},
    /* in an integration point an end tag the in-body rules take stops at
     * the first open element that bounds it, and is then ignored (the
     * <a> after it stays MathML or SVG, no link); each of these was
     * read wrong before but the span, main, desc and object rows (which
     * show what does not stop the tag): "any other end tag" stops at a
     * special element (gumbo 0.10.1's list: no svg title, no main), ... */
    {DOC("<math><mi><m><p><math></m><a href=/x>"), PAGE},
    {DOC("<svg><foreignObject><m><div><svg></m><a href=/x>"), PAGE},
    {DOC("<math><mtext><m><table><math></m><a href=/x>"), PAGE},
    {DOC("<math><mi><m><span><math></m><a href=/x>"), PAGE},
    {DOC("<math><mi><m><svg><title><svg></m><a href=/x>"), PAGE},
    {DOC("<math><mi><m><main><math></m><a href=/x>"), PAGE},
    /* ... a block's, a heading's, a list item's and a </p> look in
     * scope (</h3> closes an <h2>), </form> takes the form out alone ... */
    {DOC("<math><mi><div><object><math></div><a href=/x>"), PAGE},
    {DOC("<math><mi><div><svg><desc><math></div><a href=/x>"), PAGE},
    {DOC("<math><mi><h2><math></h3><a href=/x>"), PAGE},
    {DOC("<math><mi><li><ul><math></li><a href=/x>"), PAGE},
    {DOC("<math><mi><p><button><math></p><a href=/x>"), PAGE},
    {DOC("<math><mi><form><x><math></form><a href=/x>"), PAGE},
    {DOC("<math><mi><object><math></object><a href=/x>"), PAGE},
    /* ... and a cell's end tag in a table mode looks in table scope,
     * past the integration point: the cell closes */
    {DOC("<table><td><math><mi><p><math></td><a href=/x>"), PAGE},
    /* foreign content put before a table (not in a cell): the table's
     * mode takes its integration point's HTML tags, and a <table> there
     * closes the table and the foreign content (the svg after it is
     * outside the math, the <a> after </a> is HTML; found by
     * fuzz_htmlscan); in a cell it is a table in the cell */
    {DOC("<table><math><mi><a><table><svg></a><a href=/x>"), PAGE},
    {DOC("<table><math><mi><a href=/1><table><svg><a href=/2></svg>"
         "<a href=/3>"), PAGE},
    {DOC("<table><tr><td><math><mi><table><svg></table><a href=/y>"), PAGE},
    /* tag names of any case, of up to 8 bytes and longer, with 16 bytes
     * after them and without (the name is read 16 bytes at a time where
     * there is room); a control in a name makes it no known tag */
    {DOC("<TITLE>t</TITLE><A HREF=/a>"), PAGE},
    {DOC("<TiTlE>t</tItLe><BASE HREF=/b/><A HREF=/a>                "),
     "http://example.com/b/"},
    {DOC("<SVG><FOREIGNOBJECT><A HREF=/x>                       "), PAGE},
    {DOC("<IFRAME src=/i></IFRAME><NoScript><a href=/n>                "),
     PAGE},
    {DOC("<a\1 href=/x>                       <a\1"), PAGE},
    {DOC("<Template><A HREF=/t></Template><Link rel=next HREF=/l>"), PAGE},
    /* attribute names read 16 bytes at a time: longer than that, with a
     * control in them (no name end), ended by '=', '/', '>' or a space */
    {DOC("<a data-a-rather-long-attribute-name=1 href=/a>           "),
     PAGE},
    {DOC("<a hr\1ef=/x href=/a title/><a\thref\f=/b class>       "), PAGE},
    {DOC("<base x/href=/b/><a href=/a>"), "http://example.com/b/"},
    /* a value to decode only in its last bytes, after its whole 16-byte
     * blocks, or in its first block */
    {DOC("<a href='/abcdefghijklmnopqrs&amp;t'><a href='/abcdefghijklmnopq\r'>"
         "<a href='/&lt;bcdefghijklmnopqrstuvwxyz'>"), PAGE},
};

static void test_links_path_agrees(void)
{
    struct parse_opts o = opts;
    struct parse_result t, s;

    for (size_t i = 0; i < sizeof(agree) / sizeof(agree[0]); i++) {
        o.mode = PARSE_TREE;
        parse_page(agree[i].html, agree[i].len, PAGE, NULL, &o, &t);
        o.mode = PARSE_LINKS;
        parse_page(agree[i].html, agree[i].len, PAGE, NULL, &o, &s);
        CHECKF(t.base && strcmp(t.base, agree[i].base) == 0,
               "agree %zu: tree base %s, want %s", i, t.base, agree[i].base);
        CHECKF(s.base && strcmp(s.base, agree[i].base) == 0,
               "agree %zu: links path base %s, want %s", i, s.base,
               agree[i].base);
        CHECKF(strcmp(t.title, s.title) == 0, "agree %zu: title %s against %s",
               i, t.title, s.title);
        CHECKF((t.lang == NULL) == (s.lang == NULL) &&
                   (t.lang == NULL || strcmp(t.lang, s.lang) == 0),
               "agree %zu: lang %s against %s", i, t.lang, s.lang);
        CHECKF(t.nlinks == s.nlinks, "agree %zu: %zu links against %zu", i,
               t.nlinks, s.nlinks);
        for (size_t k = 0; k < t.nlinks && k < s.nlinks; k++)
            CHECKF(strcmp(t.links[k], s.links[k]) == 0,
                   "agree %zu: link %zu %s against %s", i, k, t.links[k],
                   s.links[k]);
        parse_result_cleanup(&t);
        parse_result_cleanup(&s);
    }
}

/* A <template>'s insertion modes: its first start tag puts its content
 * in a table mode (td, th: in row; tr: in table body; caption, colgroup,
 * tbody, thead, tfoot: in table; col: in column group) or in the body,
 * and that decides what is read: a <select> opened in a table mode is a
 * select in a table (a <table> or a table end tag in scope closes it),
 * in column group every tag but <col> and <template> is ignored. Each
 * row: the page, the base and the links (paths, in order) both paths
 * must give, unflagged. gumbo 0.10.1 follows the standard on all of
 * them; a few are flagged for foster parenting (a link after a table
 * part), which changes nothing here. */
static const struct {
    const char *html;
    size_t len;
    const char *base;  /* path of the base; NULL: the page */
    const char *links; /* paths, space-separated */
} tmpl[] = {
    /* the select is in a table: the <table> closes it, the link counts */
    {DOC("<template><td><select><table><a href=/x>"), NULL, "/x"},
    {DOC("<template><th><select><table><a href=/x>"), NULL, "/x"},
    {DOC("<template><tr><select><table><a href=/x>"), NULL, "/x"},
    {DOC("<template><caption><select><table><a href=/x>"), NULL, "/x"},
    {DOC("<template><colgroup><select><table><a href=/x>"), NULL, "/x"},
    {DOC("<template><tbody><select><table><a href=/x>"), NULL, "/x"},
    {DOC("<template><thead><tr><select><td><a href=/x>"), NULL, "/x"},
    /* after the cell the mode is the template's (in row) */
    {DOC("<template><td></td><select><table><a href=/x>"), NULL, "/x"},
    {DOC("<template><td></td><caption><select><table><a href=/x>"), NULL,
     "/x"},
    {DOC("<template><tr><td></tr><select><table><a href=/x>"), NULL, "/x"},
    /* text does not set the template's mode */
    {DOC("<template>x<td><select><table><a href=/x>"), NULL, "/x"},
    /* an end tag for an open cell, row or section closes the select */
    {DOC("<template><td><select></td><a href=/x>"), NULL, "/x"},
    {DOC("<template><tr><td><select></tr><a href=/x>"), NULL, "/x"},
    {DOC("<template><tbody><tr><td><select></tbody><a href=/x>"), NULL,
     "/x"},
    /* in an integration point in the cell the mode is still in cell */
    {DOC("<template><td><svg><foreignObject><select><table><a href=/x>"),
     NULL, "/x"},
    /* nested templates: each has its own mode */
    {DOC("<template><div><template><td><select><table><a href=/x>"), NULL,
     "/x"},
    {DOC("<template><td><template><div></template><select><table>"
         "<a href=/x>"), NULL, "/x"},
    /* </template> closes a select in it */
    {DOC("<template><select></template><a href=/x>"), NULL, "/x"},
    /* in column group only <col> and <template> are taken */
    {DOC("<template><col><a href=/x>"), NULL, ""},
    {DOC("<template><col><div><a href=/x>"), NULL, ""},
    {DOC("<template><col><title>t</title><base href=/b/><a href=/x>"), NULL,
     ""},
    {DOC("<template><col><iframe src=/i><a href=/x></iframe>"), NULL, ""},
    {DOC("<template><col><template><a href=/x></template><a href=/z>"
         "</template><a href=/y>"), NULL, "/x /y"},
    /* a template's content is no body, and a <template> clears
     * frameset-ok: a <frameset> in one is ignored, one after it counts
     * while the body has not started */
    {DOC("<template>x</template><frameset><frame src=/f>"), NULL, "/f"},
    {DOC("<template><frameset><frame src=/f>"), NULL, ""},
    {DOC("<template><div><frameset><frame src=/f>"), NULL, ""},
    {DOC("<p><template><frameset><frame src=/f>"), NULL, ""},
    {DOC("<template></template><div><frameset><frame src=/f>"), NULL, ""},
    /* a </template> in foreign content closes the template (the in-head
     * rules know no scope) */
    {DOC("<template><math><mi><b><math></template><iframe src=/i>"), NULL,
     "/i"},
    {DOC("<template><svg><foreignObject><table><svg></template>"
         "<base href=/b/>"), "/b/", ""},
};

static void test_template_modes(void)
{
    struct parse_opts o = opts;
    struct parse_result r;
    char got[256];

    for (size_t i = 0; i < sizeof(tmpl) / sizeof(tmpl[0]); i++) {
        char want_base[64];
        snprintf(want_base, sizeof(want_base), "http://example.com%s",
                 tmpl[i].base ? tmpl[i].base : "/dir/page.html");
        for (int mode = PARSE_LINKS; mode <= PARSE_TREE; mode++) {
            size_t n = 0;
            o.mode = (enum parse_mode)mode;
            parse_page(tmpl[i].html, tmpl[i].len, PAGE, NULL, &o, &r);
            got[0] = '\0';
            for (size_t k = 0; k < r.nlinks && n < sizeof(got) - 64; k++)
                n += (size_t)snprintf(got + n, sizeof(got) - n, "%s%s",
                                      k ? " " : "",
                                      r.links[k] + strlen("http://example.com"));
            CHECKF(strcmp(got, tmpl[i].links) == 0,
                   "tmpl %zu mode %d: links \"%s\", want \"%s\"", i, mode,
                   got, tmpl[i].links);
            CHECKF(r.base && strcmp(r.base, want_base) == 0,
                   "tmpl %zu mode %d: base %s, want %s", i, mode, r.base,
                   want_base);
            /* a link after a table part or in a table is fostered: the
             * page is flagged for it, the links still agree here */
            CHECKF(mode == PARSE_TREE ||
                       (r.approx & ~HTMLSCAN_APPROX_FOSTER) == 0,
                   "tmpl %zu: links path flagged %u", i, r.approx);
            parse_result_cleanup(&r);
        }
    }
}

/* Where the links path follows the standard and gumbo 0.10.1 does not,
 * and flags the page. An end tag of an unknown name closes an open
 * unknown element there (</y> closes <d>; then </mi> closes the <mi> and
 * the <a> is MathML); the links path keeps <d> and <mi> open and finds
 * the link. */
static void test_links_path_flags(void)
{
    static const char html[] = "<math><mi><d></y></mi><a href=/n>";
    struct parse_opts o = opts;
    struct parse_result r;

    o.mode = PARSE_LINKS;
    parse_s_opts(html, &o, &r);
    CHECK(r.approx & HTMLSCAN_APPROX_UNKNOWN_END);
    CHECK(has_link(&r, "http://example.com/n"));
    parse_result_cleanup(&r);
    parse_s_opts("<math><mi><div></y></mi><a href=/n>", &o, &r);
    CHECK_INT(r.approx, 0);
    parse_result_cleanup(&r);
    o.mode = PARSE_TREE;
    parse_s_opts(html, &o, &r);
    CHECK_INT(r.nlinks, 0);
    parse_result_cleanup(&r);
    /* gumbo 0.10.1 closes no foreign element with an end tag holding
     * more than its name: the <a> is SVG there, HTML here */
    o.mode = PARSE_LINKS;
    parse_s_opts("<svg><g></svg ><a href=/s>", &o, &r);
    CHECK(r.approx & HTMLSCAN_APPROX_END_TAIL);
    CHECK(has_link(&r, "http://example.com/s"));
    parse_result_cleanup(&r);
    parse_s_opts("<svg><g></svg><a href=/s>", &o, &r);
    CHECK_INT(r.approx, 0);
    parse_result_cleanup(&r);
    o.mode = PARSE_TREE;
    parse_s_opts("<svg><g></svg ><a href=/s>", &o, &r);
    CHECK_INT(r.nlinks, 0);
    parse_result_cleanup(&r);
    /* a </template> with none open is ignored: the table stays open, so
     * the <base> after the cell is moved before the table (the tree's
     * first <base>), and the links path flags it */
    o.mode = PARSE_LINKS;
    parse_s_opts("<table><td><base href></td></template><base href=r>", &o,
                 &r);
    CHECK(r.approx & HTMLSCAN_APPROX_FOSTER);
    parse_result_cleanup(&r);
    /* in a template's table modes what is fostered goes to the end of
     * its content, after a row later cells go into: the tree has /b
     * first, the links path source order, flagged */
    parse_s_opts("<template><tr><a href=/a></a><td><a href=/b>", &o, &r);
    CHECK(r.approx & HTMLSCAN_APPROX_FOSTER);
    parse_result_cleanup(&r);
    /* a template opened in an integration point is followed on the
     * foreign stack only, not its table modes: a table part first in it
     * is flagged (there <col> makes the <link> ignored) */
    parse_s_opts("<svg><title><template><col><link rel=next href=/l>", &o,
                 &r);
    CHECK(r.approx & HTMLSCAN_APPROX_FOREIGN);
    parse_result_cleanup(&r);
    /* when a select closes gumbo 0.10.1 resets the mode from the open
     * elements by tag, namespace aside: the svg <select> puts it back in
     * a select and the <a> is dropped there; the standard (and the links
     * path) go back to the body, and the page is flagged */
    parse_s_opts("<svg><select><desc><select></select><a href=/r>", &o, &r);
    CHECK(r.approx & HTMLSCAN_APPROX_RESET);
    CHECK(has_link(&r, "http://example.com/r"));
    parse_result_cleanup(&r);
    parse_s_opts("<svg><g><desc><select></select><a href=/r>", &o, &r);
    CHECK_INT(r.approx, 0);
    CHECK(has_link(&r, "http://example.com/r"));
    parse_result_cleanup(&r);
    /* gumbo would drop the <a> on the tree path, but an svg select is
     * also what makes it abort in a table (test_gumbo_abort): the page
     * gets no gumbo */
    o.mode = PARSE_TREE;
    parse_s_opts("<svg><select><desc><select></select><a href=/r>", &o, &r);
    CHECK(r.approx & HTMLSCAN_GUMBO_ABORT);
    CHECK(has_link(&r, "http://example.com/r"));
    parse_result_cleanup(&r);
    /* a table opened in an integration point is not followed: a select
     * in it is a select in a table (the <td> closes it, the link counts),
     * and the page is flagged (found by fuzz_htmlscan) */
    o.mode = PARSE_LINKS;
    parse_s_opts("<math><mi><table><select><td><a href=/t>", &o, &r);
    CHECK(r.approx & HTMLSCAN_APPROX_FOREIGN);
    CHECK(has_link(&r, "http://example.com/t"));
    parse_result_cleanup(&r);
    /* the same reset when a table opened in an integration point closes
     * (by </table> or by a <table> in it): the math <select> puts gumbo
     * in a select (no link there); flagged (found by fuzz_htmlscan) */
    parse_s_opts("<math><select><mi><table><table><a href=/t>", &o, &r);
    CHECK(r.approx & HTMLSCAN_APPROX_RESET);
    parse_result_cleanup(&r);
    parse_s_opts("<math><select><mi><table></table><a href=/t>", &o, &r);
    CHECK(r.approx & HTMLSCAN_APPROX_RESET);
    parse_result_cleanup(&r);
    parse_s_opts("<math><mi><table></table><a href=/t>", &o, &r);
    CHECK_INT(r.approx, 0);
    CHECK(has_link(&r, "http://example.com/t"));
    parse_result_cleanup(&r);
    /* in an integration point a formatting element's end tag with a
     * special element after it runs the adoption agency: not followed,
     * flagged */
    parse_s_opts("<math><mi><b><p><math></b><a href=/t>", &o, &r);
    CHECK(r.approx & HTMLSCAN_APPROX_FOREIGN);
    parse_result_cleanup(&r);
    parse_s_opts("<math><mi><b><span><math></b><a href=/t>", &o, &r);
    CHECK_INT(r.approx, 0);
    CHECK(has_link(&r, "http://example.com/t"));
    parse_result_cleanup(&r);
}

/* Pages that make gumbo 0.10.1 abort the process (an assertion in its
 * in-body rules, after its mode reset took an svg or math element named
 * html for the document's <html>, or one named select for the open
 * select) go to the links path, with or without a tree wanted: the
 * links and metadata are read, the tree callback is not called. Without
 * the guard (HTMLSCAN_GUMBO_ABORT) this test dies. */
static int tree_calls;

static void count_tree(const void *doc, const char *base, void *arg)
{
    (void)doc;
    (void)base;
    (void)arg;
    tree_calls++;
}

#define ABORT_PAGE(s) {s, sizeof(s) - 1}

static void test_gumbo_abort(void)
{
    static const struct {
        const char *s;
        size_t n;
    } pages[] = {
        ABORT_PAGE("<template><math><html><mtext><select><input></body>"
                   "<a href=/g>"),
        ABORT_PAGE("<template><SVG><Html><desc><select></select></body>"
                   "<a href=/g>"),
        ABORT_PAGE("<template><math><html><mtext><table></table></body>"
                   "<a href=/g>"),
        ABORT_PAGE("<template><math><html><mtext><template></template>"
                   "</body><a href=/g>"),
        /* its reset takes a math select for the open select, in a
         * table: the <td> closes "it" and pops every element (found by
         * fuzz_htmlscan) */
        ABORT_PAGE("<table><math><select><mtext><select><td><a href=/g>"),
        ABORT_PAGE("<table><td><svg><select><desc><select><td><a href=/g>"),
        ABORT_PAGE("<table><math><tr><select><mi><select><th><a href=/g>"),
        ABORT_PAGE("<table><math><select></n><mtext><select><tr>"
                   "<a href=/g>"),
        ABORT_PAGE("<table><math><a-name-longer-than-24-bytes><select>"
                   "<mtext><select><table><a href=/g>"),
        /* the same with the table opened in an integration point and
         * the scanner no longer following the foreign content (a tag
         * name it does not keep): found by fuzz_htmlscan, the first with
         * its bytes as found */
        ABORT_PAGE("e<math><mtext><tab\x01\x00\x7f\xff\xff\xff\xff\xff"
                   "\x00\x01\x00\x00`\xff\xff\x00\x00"
                   "d\xfd\x7f\x00\x00><Table><math><select><mtext><seLect>"
                   "<tr><a href=/g>"),
        ABORT_PAGE("<math><mtext><a-name-longer-than-24-bytes-x><table>"
                   "<math><select><mtext><select><tr><a href=/g>"),
        ABORT_PAGE("<math><mtext><a-name-longer-than-24-bytes-x><table>"
                   "<svg><select><desc><select><td><a href=/g>"),
        ABORT_PAGE("<table><math><mi><a-name-longer-than-24-bytes-x><math>"
                   "<select><mtext><select><tr><a href=/g>"),
        /* ... where the scanner takes a <style> for raw text that gumbo
         * puts in the math: the tags in it are seen by the bytes */
        ABORT_PAGE("<math><mtext><a-name-longer-than-24-bytes-x><table>"
                   "<math><style><select><mtext><select><tr></style>"
                   "<a href=/g>"),
        /* a foreign element gumbo does not close ("</math >", the
         * scanner flags it): the select after it is a math one there */
        ABORT_PAGE("<table><math></math ><select><mtext><select><td>"
                   "<a href=/g>"),
        ABORT_PAGE("<table><td><svg></svg ><select><desc><select><td>"
                   "<a href=/g>"),
        ABORT_PAGE("<template><math></math ><html><mtext><select><input>"
                   "</body><a href=/g>"),
    };
    struct parse_opts o = opts;
    struct parse_result r;

    for (size_t i = 0; i < sizeof(pages) / sizeof(pages[0]); i++) {
        for (int cb = 0; cb < 2; cb++) {
            o.mode = PARSE_TREE;
            o.tree_cb = cb ? count_tree : NULL;
            tree_calls = 0;
            parse_page(pages[i].s, pages[i].n, PAGE, NULL, &o, &r);
            CHECKF(has_link(&r, "http://example.com/g"), "page %zu", i);
            CHECKF(r.approx & HTMLSCAN_GUMBO_ABORT, "page %zu", i);
            CHECKF(tree_calls == 0, "page %zu: tree_cb called", i);
            parse_result_cleanup(&r);
        }
    }
    /* an svg element named otherwise still gets its tree */
    o.tree_cb = count_tree;
    tree_calls = 0;
    parse_s_opts("<template><svg><g><desc><select></select></desc></g>"
                 "</svg></template>",
                 &o, &r);
    CHECK_INT(r.approx, 0);
    CHECK_INT(tree_calls, 1);
    parse_result_cleanup(&r);
    /* and an HTML select after an svg, on a page the scanner follows */
    tree_calls = 0;
    parse_s_opts("<svg><path/></svg><table><tr><td><select><option>x"
                 "</select><math><mi><select></select></math></table>",
                 &o, &r);
    CHECK_INT(r.approx, 0);
    CHECK_INT(tree_calls, 1);
    parse_result_cleanup(&r);
}

/* A tag name with NULs in it is no known tag (gumbo makes each NUL
 * U+FFFD): "<meta\0\0 ...>" is not a <meta>, "<a\0 href>" no link, on
 * either path (the links path once read past the name table here). */
static void test_nul_names(void)
{
    static const char html[] = "<meta\0\0 name=robots content=noindex>"
                               "<a\0 href=/nul>x</a><a href=/ok>y</a>";
    struct parse_opts o = opts;
    struct parse_result r;

    for (int mode = PARSE_LINKS; mode <= PARSE_TREE; mode++) {
        o.mode = (enum parse_mode)mode;
        CHECK_INT(parse_page(html, sizeof(html) - 1, PAGE, NULL, &o, &r), 0);
        CHECKF(r.noindex == 0, "mode %d noindex", mode);
        CHECKF(!has_link(&r, "http://example.com/nul"), "mode %d", mode);
        CHECKF(has_link(&r, "http://example.com/ok"), "mode %d", mode);
        parse_result_cleanup(&r);
    }
}

int main(void)
{
    test_links_path_agrees();
    test_template_modes();
    test_gumbo_abort();
    test_links_path_flags();
    test_nul_names();
    test_duplicate_attr();
    test_depth_edges();
    test_titles();
    test_base();
    test_sources();
    test_meta();
    test_pagemeta();
    test_dedup_cap();
    test_charsets();
    test_hostile();
    return test_summary("test_parse");
}

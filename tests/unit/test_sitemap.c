/* test_sitemap.c - worker/sitemap.c: the streaming parser on a table of
 * documents, gzip, the 50,000 cap, the protocol's scope rule and the
 * priority rank. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <zlib.h>

#include "buf.h"
#include "err.h"
#include "sitemap.h"
#include "test.h"

#define NS "xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\""

/* Entries as "loc|lastmod|priority" lines ("-" for NULL). */
static void collect(const struct sitemap_entry *e, int is_index, void *arg)
{
    struct cf_buf *b = arg;

    cf_buf_addf(b, "%s%s|%s|%s\n", is_index ? "S " : "", e->loc,
                e->lastmod ? e->lastmod : "-",
                e->priority ? e->priority : "-");
}

static const struct {
    const char *doc;
    int rc;           /* sitemap_parse's return */
    const char *want; /* collected entries */
    const char *err;  /* errstr prefix when rc != 0 */
} docs[] = {
    {"<urlset " NS "><url><loc>http://a/1</loc></url></urlset>", 0,
     "http://a/1|-|-\n", NULL},
    {"<?xml version=\"1.0\"?>\n<urlset " NS ">\n <url>\n  <loc>\n   "
     "http://a/1 \n  </loc>\n  <lastmod>2026-12-07</lastmod>\n  <priority>"
     "0.8</priority>\n </url>\n</urlset>\n",
     0, "http://a/1|2026-12-07|0.8\n", NULL},
    {"<urlset><url><loc>http://a/1</loc><priority>1.5</priority><lastmod>"
     "yesterday</lastmod></url></urlset>",
     0, "http://a/1|-|-\n", NULL},
    {"<urlset><url><loc>http://a/1</loc><priority>0.0</priority><lastmod>"
     "2026-12-07T05:31:39+01:00</lastmod></url></urlset>",
     0, "http://a/1|2026-12-07T05:31:39+01:00|0.0\n", NULL},
    {"<sitemapindex " NS "><sitemap><loc>http://a/s1.xml</loc></sitemap>"
     "<sitemap><loc>http://a/s2.xml.gz</loc><lastmod>2026-01-01</lastmod>"
     "</sitemap></sitemapindex>",
     0, "S http://a/s1.xml|-|-\nS http://a/s2.xml.gz|2026-01-01|-\n", NULL},
    {"<urlset><url><loc><![CDATA[http://a/?x=1&y=2]]></loc></url></urlset>",
     0, "http://a/?x=1&y=2|-|-\n", NULL},
    {"<urlset><url><loc>http://a/?x=1&amp;y=2</loc></url></urlset>", 0,
     "http://a/?x=1&y=2|-|-\n", NULL},
    {"<urlset><url><lastmod>2026-12-07</lastmod></url><url><loc></loc>"
     "</url><url/><url><loc>http://a/2</loc></url></urlset>",
     0, "http://a/2|-|-\n", NULL},
    {"<s:urlset xmlns:s=\"http://www.sitemaps.org/schemas/sitemap/0.9\">"
     "<s:url><s:loc>http://a/1</s:loc></s:url></s:urlset>",
     0, "http://a/1|-|-\n", NULL},
    {"<urlset><url><loc>http://a/1</loc><image:image xmlns:image=\"x\">"
     "<image:loc>http://a/i.png</image:loc></image:image></url></urlset>",
     0, "http://a/1|-|-\n", NULL},
    {"<!DOCTYPE urlset [<!ENTITY e SYSTEM \"file:///etc/passwd\">]>"
     "<urlset><url><loc>http://a/&e;</loc></url></urlset>",
     0, "http://a/|-|-\n", NULL},
    {"<urlset></urlset>", 0, "", NULL},
    {"<html><body><a href=\"/x\">x</a></body></html>", CF_EINVAL, "",
     "not a sitemap: root element <html>"},
    {"<!DOCTYPE html><html><head><title>t</title></head></html>", CF_EINVAL,
     "", "not a sitemap: root element <html>"},
    {"<urlset><url><loc>http://a/1</loc></urlx></urlset>", CF_EINVAL, "",
     "XML error at line 1: "},
    {"<urlset><url><loc>http://a/1</loc></url>", CF_EINVAL,
     "http://a/1|-|-\n", "XML error at line 1: "},
    {"", CF_EINVAL, "", "XML error"},
    {"plain text, no XML", CF_EINVAL, "", "XML error"},
    {"\x1f\x8b\x08\x00garbage", CF_EINVAL, "", "bad gzip data"},
};

static void test_docs(void)
{
    for (size_t i = 0; i < sizeof(docs) / sizeof(docs[0]); i++) {
        struct cf_buf got;
        struct sitemap_info info;
        char err[CF_ERRSTR_LEN] = "";
        int rc;

        cf_buf_init(&got, 1 << 20);
        rc = sitemap_parse(docs[i].doc, strlen(docs[i].doc), collect, &got,
                           &info, err);
        CHECKF(rc == docs[i].rc, "doc %zu: rc %d, want %d (%s)", i, rc,
               docs[i].rc, err);
        CHECKF(strcmp(got.data ? got.data : "", docs[i].want) == 0,
               "doc %zu: entries\n%s\nwant\n%s", i, got.data ? got.data : "",
               docs[i].want);
        if (docs[i].err)
            CHECKF(strncmp(err, docs[i].err, strlen(docs[i].err)) == 0,
                   "doc %zu: error '%s', want '%s...'", i, err, docs[i].err);
        cf_buf_cleanup(&got);
    }
}

static void gz(const char *in, size_t len, struct cf_buf *out)
{
    z_stream zs;
    unsigned char chunk[16384];

    memset(&zs, 0, sizeof(zs));
    deflateInit2(&zs, 6, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY);
    zs.next_in = (Bytef *)(uintptr_t)in;
    zs.avail_in = (uInt)len;
    do {
        zs.next_out = chunk;
        zs.avail_out = sizeof(chunk);
        deflate(&zs, Z_FINISH);
        cf_buf_add(out, chunk, sizeof(chunk) - zs.avail_out);
    } while (zs.avail_out == 0);
    deflateEnd(&zs);
}

static void count(const struct sitemap_entry *e, int is_index, void *arg)
{
    (void)e;
    (void)is_index;
    (*(int *)arg)++;
}

static void test_cap_and_gzip(void)
{
    struct cf_buf doc, z;
    struct sitemap_info info;
    char err[CF_ERRSTR_LEN];
    int n = 0;

    cf_buf_init(&doc, 64 << 20);
    cf_buf_init(&z, 64 << 20);
    cf_buf_addstr(&doc, "<urlset " NS ">\n");
    for (int i = 1; i <= SITEMAP_MAX_URLS + 1; i++)
        cf_buf_addf(&doc, "<url><loc>http://a/%d</loc></url>\n", i);
    cf_buf_addstr(&doc, "</urlset>\n");
    gz(doc.data, doc.len, &z);
    CHECK_INT(sitemap_parse(z.data, z.len, count, &n, &info, err), 0);
    CHECK_INT(n, SITEMAP_MAX_URLS);
    CHECK_INT(info.entries, SITEMAP_MAX_URLS);
    CHECK_INT(info.capped, 1);
    CHECK_INT(info.gzipped, 1);
    CHECK_INT(info.is_index, 0);
    /* a gzip bomb: 51 MiB of blanks in a urlset */
    cf_buf_reset(&doc);
    cf_buf_reset(&z);
    cf_buf_addstr(&doc, "<urlset>");
    while (doc.len < SITEMAP_MAX_BYTES + (1 << 20))
        cf_buf_addf(&doc, "%1024s", "");
    cf_buf_addstr(&doc, "</urlset>");
    gz(doc.data, doc.len, &z);
    CHECKF(z.len < 200000, "bomb is small: %zu", z.len);
    n = 0;
    CHECK_INT(sitemap_parse(z.data, z.len, count, &n, &info, err),
              CF_ETOOBIG);
    CHECK_STR(err, "gzip data over 52428800 bytes uncompressed");
    /* truncated gzip */
    cf_buf_reset(&z);
    gz("<urlset><url><loc>http://a/</loc></url></urlset>", 48, &z);
    CHECK_INT(sitemap_parse(z.data, z.len - 10, count, &n, &info, err),
              CF_EINVAL);
    cf_buf_cleanup(&doc);
    cf_buf_cleanup(&z);
}

static void test_scope(void)
{
    static const struct {
        const char *sitemap, *url;
        int in;
    } cases[] = {
        {"http://a.example/sitemap.xml", "http://a.example/p/1.html", 1},
        {"http://a.example/sitemap.xml", "http://a.example/", 1},
        {"http://a.example/sitemap.xml", "https://a.example/p/1.html", 0},
        {"http://a.example/sitemap.xml", "http://b.example/p/1.html", 0},
        {"http://a.example/sitemap.xml", "http://a.example:81/p/1.html", 0},
        {"http://a.example/sitemap.xml", "http://a.example.evil/p/1", 0},
        {"http://a.example/p/sitemap.xml", "http://a.example/p/1.html", 1},
        {"http://a.example/p/sitemap.xml", "http://a.example/p/", 1},
        {"http://a.example/p/sitemap.xml", "http://a.example/", 0},
        {"http://a.example/p/sitemap.xml", "http://a.example/pq/1.html", 0},
        {"http://a.example/p/sitemap.xml", "http://a.example/t/1.html", 0},
        {"http://a.example/p/s.xml?x=/q/", "http://a.example/p/1", 1},
        {"http://a.example/p/s.xml?x=/q/", "http://a.example/q/1", 0},
        {"http://a.example:8080/s.xml", "http://a.example:8080/x", 1},
        {"http://[::1]:8080/s.xml", "http://[::1]:8080/x", 1},
        {"http://[::1]:8080/s.xml", "http://[::2]:8080/x", 0},
    };

    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
        CHECKF(sitemap_in_scope(cases[i].sitemap, cases[i].url) ==
                   cases[i].in,
               "%s lists %s: want %d", cases[i].sitemap, cases[i].url,
               cases[i].in);
}

static void test_rank(void)
{
    CHECK_INT(sitemap_rank("1.0"), 0);
    CHECK_INT(sitemap_rank("0.8"), 2);
    CHECK_INT(sitemap_rank("0.5"), 5);
    CHECK_INT(sitemap_rank(NULL), 5);
    CHECK_INT(sitemap_rank("0.0"), 10);
    CHECK_INT(sitemap_rank("0.1"), 9);
    CHECK(sitemap_rank("0.9") < sitemap_rank("0.2"));
}

int main(void)
{
    test_docs();
    test_cap_and_gzip();
    test_scope();
    test_rank();
    return test_summary("test_sitemap");
}

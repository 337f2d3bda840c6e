/* sitemap.c - streaming sitemap parser (libxml2's xmlTextReader). */
#include "sitemap.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/xmlreader.h>
#include <zlib.h>

#include "alloc.h"
#include "buf.h"
#include "config.h"
#include "err.h"
#include "page.h"
#include "record.h"
#include "url.h"

#define LASTMOD_MAX 40 /* "2026-12-07T05:31:39.123456+01:00" fits */

enum field_id { FLD_NONE = -1, FLD_LOC, FLD_LASTMOD, FLD_PRIORITY, FLD_N };

static const char *const field_names[FLD_N] = {"loc", "lastmod", "priority"};

struct parse {
    struct cf_buf f[FLD_N];  /* text of the current entry's fields */
    int too_long;            /* a field of this entry passed its cap */
    enum field_id in;        /* field being read, FLD_NONE outside */
    int in_entry;            /* inside <url> or <sitemap> */
    char err[CF_ERRSTR_LEN]; /* first XML error, "" if none */
};

/* gzip data inflated into out (capped): 0, CF_EINVAL, CF_ETOOBIG. */
static int gunzip(const char *data, size_t len, struct cf_buf *out)
{
    z_stream zs;
    char chunk[65536];
    int zr, rc = CF_OK;

    memset(&zs, 0, sizeof(zs));
    if (inflateInit2(&zs, 16 + MAX_WBITS) != Z_OK)
        return CF_EINVAL;
    zs.next_in = (Bytef *)(uintptr_t)data;
    zs.avail_in = (uInt)len;
    do {
        zs.next_out = (Bytef *)chunk;
        zs.avail_out = sizeof(chunk);
        zr = inflate(&zs, Z_NO_FLUSH);
        if (zr != Z_OK && zr != Z_STREAM_END) {
            rc = CF_EINVAL;
            break;
        }
        if (cf_buf_add(out, chunk, sizeof(chunk) - zs.avail_out) != 0) {
            rc = CF_ETOOBIG;
            break;
        }
    } while (zr != Z_STREAM_END && (zs.avail_in > 0 || zs.avail_out == 0));
    if (rc == CF_OK && zr != Z_STREAM_END)
        rc = CF_EINVAL; /* cut short */
    inflateEnd(&zs);
    return rc;
}

static void on_xml_error(void *arg, xmlErrorPtr e)
{
    struct parse *p = arg;
    size_t n;

    if (p->err[0] || !e || e->level < XML_ERR_ERROR)
        return;
    snprintf(p->err, sizeof(p->err), "XML error at line %d: %s", e->line,
             e->message ? e->message : "?");
    n = strlen(p->err);
    while (n > 0 && isspace((unsigned char)p->err[n - 1]))
        p->err[--n] = '\0';
}

/* The text with outer blanks cut, in place. */
static char *trimmed(struct cf_buf *b)
{
    char *s = b->data, *e;

    if (!s)
        return NULL;
    while (isspace((unsigned char)*s))
        s++;
    e = s + strlen(s);
    while (e > s && isspace((unsigned char)e[-1]))
        *--e = '\0';
    return *s ? s : NULL;
}

/* W3C datetime, loosely: YYYY[-MM[-DD[Thh:mm[:ss[.s]]TZD]]]. */
static int lastmod_ok(const char *s)
{
    size_t n = strlen(s);

    if (n < 4 || n > LASTMOD_MAX)
        return 0;
    for (size_t i = 0; i < 4; i++)
        if (!isdigit((unsigned char)s[i]))
            return 0;
    for (size_t i = 4; i < n; i++)
        if (!isdigit((unsigned char)s[i]) && !strchr("-T:+.Z", s[i]))
            return 0;
    return 1;
}

/* 0.0 to 1.0, written as a plain decimal. */
static int priority_ok(const char *s)
{
    char *end;
    double v;

    if (!isdigit((unsigned char)*s) || strlen(s) > 8)
        return 0;
    v = strtod(s, &end);
    return *end == '\0' && v >= 0.0 && v <= 1.0;
}

static void entry_start(struct parse *p)
{
    for (int i = 0; i < FLD_N; i++)
        cf_buf_reset(&p->f[i]);
    p->too_long = 0;
    p->in_entry = 1;
}

static void entry_end(struct parse *p, int is_index, sitemap_entry_fn *fn,
                      void *arg, struct sitemap_info *info)
{
    struct sitemap_entry e;

    p->in_entry = 0;
    e.loc = trimmed(&p->f[FLD_LOC]);
    e.lastmod = trimmed(&p->f[FLD_LASTMOD]);
    e.priority = trimmed(&p->f[FLD_PRIORITY]);
    if (!e.loc || p->too_long) {
        info->bad++;
        return;
    }
    if (info->entries >= SITEMAP_MAX_URLS) {
        info->capped++;
        return;
    }
    if (e.lastmod && !lastmod_ok(e.lastmod))
        e.lastmod = NULL;
    if (e.priority && !priority_ok(e.priority))
        e.priority = NULL;
    info->entries++;
    fn(&e, is_index, arg);
}

static enum field_id field_of(const char *name)
{
    for (int i = 0; i < FLD_N; i++)
        if (strcmp(name, field_names[i]) == 0)
            return (enum field_id)i;
    return FLD_NONE;
}

static int read_all(xmlTextReaderPtr rd, struct parse *p, sitemap_entry_fn *fn,
                    void *arg, struct sitemap_info *info, char *errstr)
{
    const char *entry = NULL; /* "url" or "sitemap" once the root is known */
    int r;

    while ((r = xmlTextReaderRead(rd)) == 1) {
        int type = xmlTextReaderNodeType(rd);
        int depth = xmlTextReaderDepth(rd);
        const char *name = (const char *)xmlTextReaderConstLocalName(rd);

        if (type == XML_READER_TYPE_ELEMENT) {
            if (depth == 0) {
                if (name && strcmp(name, "urlset") == 0) {
                    entry = "url";
                } else if (name && strcmp(name, "sitemapindex") == 0) {
                    entry = "sitemap";
                    info->is_index = 1;
                } else {
                    snprintf(errstr, CF_ERRSTR_LEN,
                             "not a sitemap: root element <%.64s>",
                             name ? name : "?");
                    return CF_EINVAL;
                }
            } else if (depth == 1 && name && strcmp(name, entry) == 0) {
                entry_start(p);
                if (xmlTextReaderIsEmptyElement(rd))
                    entry_end(p, info->is_index, fn, arg, info);
            } else if (depth == 2 && p->in_entry && name) {
                p->in = xmlTextReaderIsEmptyElement(rd) ? FLD_NONE
                                                        : field_of(name);
            }
        } else if ((type == XML_READER_TYPE_TEXT ||
                    type == XML_READER_TYPE_CDATA ||
                    type == XML_READER_TYPE_SIGNIFICANT_WHITESPACE) &&
                   p->in != FLD_NONE && depth == 3) {
            const char *v = (const char *)xmlTextReaderConstValue(rd);
            if (v && cf_buf_addstr(&p->f[p->in], v) != 0)
                p->too_long = 1;
        } else if (type == XML_READER_TYPE_END_ELEMENT) {
            if (depth == 2)
                p->in = FLD_NONE;
            else if (depth == 1 && p->in_entry)
                entry_end(p, info->is_index, fn, arg, info);
        }
    }
    if (r < 0 || p->err[0]) {
        snprintf(errstr, CF_ERRSTR_LEN, "%s",
                 p->err[0] ? p->err : "XML error");
        return CF_EINVAL;
    }
    if (!entry) {
        snprintf(errstr, CF_ERRSTR_LEN, "not a sitemap: no root element");
        return CF_EINVAL;
    }
    return CF_OK;
}

int sitemap_parse(const char *data, size_t len, sitemap_entry_fn *fn,
                  void *arg, struct sitemap_info *info, char *errstr)
{
    struct cf_buf plain;
    struct parse p;
    xmlTextReaderPtr rd;
    int rc;

    memset(info, 0, sizeof(*info));
    memset(&p, 0, sizeof(p));
    p.in = FLD_NONE;
    cf_buf_init(&plain, SITEMAP_MAX_BYTES);
    if (len >= 2 && (unsigned char)data[0] == 0x1f &&
        (unsigned char)data[1] == 0x8b) {
        info->gzipped = 1;
        rc = gunzip(data, len, &plain);
        if (rc != CF_OK) {
            snprintf(errstr, CF_ERRSTR_LEN, rc == CF_ETOOBIG
                     ? "gzip data over %d bytes uncompressed"
                     : "bad gzip data", SITEMAP_MAX_BYTES);
            goto out;
        }
        data = plain.data ? plain.data : "";
        len = plain.len;
    }
    if (len > SITEMAP_MAX_BYTES) {
        snprintf(errstr, CF_ERRSTR_LEN, "over %d bytes", SITEMAP_MAX_BYTES);
        rc = CF_ETOOBIG;
        goto out;
    }
    for (int i = 0; i < FLD_N; i++)
        cf_buf_init(&p.f[i], SITEMAP_FIELD_MAX);
    /* no network, no entity expansion, no DTD loading: nothing but the
     * bytes given is read */
    rd = xmlReaderForMemory(len ? data : " ", len ? (int)len : 1, NULL, NULL,
                            XML_PARSE_NONET | XML_PARSE_NOERROR |
                                XML_PARSE_NOWARNING);
    if (!rd) {
        snprintf(errstr, CF_ERRSTR_LEN, "XML reader not created");
        rc = CF_EINVAL;
    } else {
        xmlTextReaderSetStructuredErrorHandler(rd, on_xml_error, &p);
        rc = read_all(rd, &p, fn, arg, info, errstr);
        xmlFreeTextReader(rd);
    }
    for (int i = 0; i < FLD_N; i++)
        cf_buf_cleanup(&p.f[i]);
out:
    cf_buf_cleanup(&plain);
    return rc;
}

/* Length of "scheme://authority" at the start of a normalised URL. */
static size_t origin_len(const char *u)
{
    const char *p = strstr(u, "://");

    if (!p)
        return 0;
    p += 3;
    p += strcspn(p, "/?#");
    return (size_t)(p - u);
}

int sitemap_in_scope(const char *sitemap_url, const char *url)
{
    size_t o = origin_len(sitemap_url), dir;
    const char *slash;

    if (o == 0 || origin_len(url) != o || strncmp(sitemap_url, url, o) != 0)
        return 0;
    /* the directory: up to the last '/' of the path (before any query) */
    dir = o + strcspn(sitemap_url + o, "?#");
    slash = NULL;
    for (const char *p = sitemap_url + o; p < sitemap_url + dir; p++)
        if (*p == '/')
            slash = p;
    if (!slash)
        return url[o] == '\0' || url[o] == '/';
    dir = (size_t)(slash - sitemap_url) + 1;
    return strncmp(sitemap_url, url, dir) == 0;
}

int64_t sitemap_rank(const char *priority)
{
    double v = priority ? strtod(priority, NULL) : 0.5;

    if (v < 0.0 || v > 1.0)
        v = 0.5;
    return (int64_t)((1.0 - v) * 10.0 + 0.5);
}

/* ---- the stage ----------------------------------------------------------- */

struct stage {
    const struct page_in *in;
    struct page_links *pl;
};

static void offer(const struct sitemap_entry *e, int is_index, void *arg)
{
    struct stage *st = arg;
    const struct page_in *in = st->in;
    struct cf_request r = {0};
    char *url = NULL;

    if (cf_url_normalize(NULL, e->loc, (size_t)in->cfg->max_url_len, &url) !=
            0 ||
        !sitemap_in_scope(in->url, url)) {
        st->pl->found++;
        st->pl->out_of_scope++;
        free(url);
        return;
    }
    r.url = url;
    if (is_index) {
        r.depth = in->depth; /* an index is no hop: depth counts from it */
        r.flags = CF_REQ_SITEMAP;
    } else {
        r.depth = in->depth + 1;
        r.sitemap_lastmod = (char *)e->lastmod;
        r.sitemap_priority = (char *)e->priority;
    }
    r.priority = r.depth;
    if (!is_index && in->cfg->sitemap_priority)
        r.priority = sitemap_rank(e->priority);
    page_add_request(in, st->pl, &r);
    free(url);
}

int sitemap_stage(const struct page_in *in, struct page_links *pl,
                  struct sitemap_info *info, char *errstr)
{
    struct stage st = {in, pl};
    size_t n0 = pl->n;
    int rc = sitemap_parse(in->body ? in->body : "", in->body_len, offer,
                           &st, info, errstr);

    /* a bad file gives nothing: what libxml2 handed over before it saw
     * the error depends on how it buffers, so keeping it would make the
     * crawl depend on that */
    if (rc != 0) {
        for (size_t i = n0; i < pl->n; i++)
            page_link_free(&pl->links[i]);
        info->bad += (uint32_t)(pl->n - n0);
        pl->n = n0;
    }
    return rc;
}

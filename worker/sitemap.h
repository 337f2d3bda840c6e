/* sitemap.h - sitemap and sitemap index files (sitemaps.org protocol 0.9).
 *
 * A sitemap is fetched as a request flagged CF_REQ_SITEMAP (a --sitemap
 * seed, a robots.txt Sitemap: line, or an entry of a sitemap index). Its
 * body, gzip-compressed or not, is read with libxml2's streaming
 * xmlTextReader: the document is never built as a tree, entities are not
 * expanded and nothing is loaded from the network. The protocol's limits
 * are kept: at most SITEMAP_MAX_URLS entries per file (the rest counted,
 * not taken) and SITEMAP_MAX_BYTES uncompressed. */
#ifndef WORKER_SITEMAP_H
#define WORKER_SITEMAP_H

#include <stddef.h>
#include <stdint.h>

#define SITEMAP_MAX_URLS 50000                 /* entries per file */
#define SITEMAP_MAX_BYTES (50 * 1024 * 1024)   /* uncompressed, per file */
#define SITEMAP_FIELD_MAX 4096                 /* bytes of a <loc> etc. */

/* One <url> of a urlset or <sitemap> of an index, as written (blanks
 * around the text cut). lastmod and priority are NULL when absent or not
 * valid (a W3C datetime; a number 0.0 to 1.0). Valid only in the
 * callback. */
struct sitemap_entry {
    const char *loc;
    const char *lastmod;
    const char *priority;
};

/* Called per entry, in file order; is_index: the file is a sitemap index
 * (loc names a sitemap). */
typedef void sitemap_entry_fn(const struct sitemap_entry *e, int is_index,
                              void *arg);

/* What a parse found. */
struct sitemap_info {
    int is_index;     /* root <sitemapindex> (else <urlset>) */
    uint32_t entries; /* entries handed to the callback */
    uint32_t capped;  /* entries past SITEMAP_MAX_URLS, not handed */
    uint32_t bad;     /* entries without a <loc>, or with one too long */
    int gzipped;      /* the body was gzip data */
};

/* Parse one sitemap file. Entries before an XML error have been handed
 * to fn. Returns 0; CF_EINVAL with errstr for bad XML ("XML error at line
 * N: ...") or a document that is not a sitemap ("not a sitemap: root
 * element <html>"); CF_ETOOBIG when gzip data inflates past
 * SITEMAP_MAX_BYTES. */
int sitemap_parse(const char *data, size_t len, sitemap_entry_fn *fn,
                  void *arg, struct sitemap_info *info, char *errstr);

/* 1 if url may be listed by the sitemap at sitemap_url: the same scheme,
 * host and port, and a path under the sitemap's directory (a sitemap at
 * /a/s.xml lists /a/... only). Both URLs normalised. */
int sitemap_in_scope(const char *sitemap_url, const char *url);

/* Frontier priority of a listed URL when the crawl orders by sitemap
 * priority, instead of its depth: 0 (<priority> 1.0) to 10 (0.0), 5 when
 * absent; lower is fetched first (the frontier's priorities start at 0,
 * the seeds'). */
int64_t sitemap_rank(const char *priority);

struct page_in;
struct page_links;

/* The sitemap stage: parse in's body as the sitemap requested at in's
 * URL and depth, and offer its entries to pl: an index's sitemaps as
 * requests flagged CF_REQ_SITEMAP at the index's depth, a urlset's URLs
 * at depth + 1 with their lastmod and priority (and, with the crawl's
 * sitemap_priority, sitemap_rank as frontier priority). Entries that are
 * not valid URLs or lie outside the sitemap's scope (sitemap_in_scope)
 * count in pl->out_of_scope. A file that fails to parse gives no entries
 * at all (those taken before the error are dropped again and counted in
 * info->bad). info as sitemap_parse's; returns its code and errstr. */
int sitemap_stage(const struct page_in *in, struct page_links *pl,
                  struct sitemap_info *info, char *errstr);

#endif

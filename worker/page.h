/* page.h - what a fetched page adds to its ack: title and in-scope links.
 *
 * The bridge between a finished transfer and the frontier: parses an HTML
 * body (parse.h), runs every link through the crawl's scope (scope.h),
 * and builds each link's request record and struct cf_link; also turns a
 * redirect's target into one such link. */
#ifndef WORKER_PAGE_H
#define WORKER_PAGE_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "extract.h"
#include "frontier.h"
#include "record.h"

/* The links of one page, ready for cf_frontier_ack_cmd(). */
struct page_links {
    struct cf_link *links;      /* in-scope links; each link's hostkey and
                                   rec share one allocation, freed through
                                   hostkey (page_link_free) */
    size_t n;                   /* entries in links */
    size_t cap;                 /* slots in links */
    int64_t found;              /* links on the page, before scope */
    int64_t out_of_scope;       /* dropped by the scope rule, include,
                                   exclude, or unusable */
    int64_t too_deep;           /* dropped: past max_depth */
    int64_t skipped_ext;        /* dropped: a skipped extension */
    int64_t dup_local;          /* in scope, dropped by in's seen cache */
    char **all;                 /* every link found (for store_links),
                                   pointing into all_mem */
    char *all_mem;              /* their text, one block */
    size_t nall;
    char *title;                /* page title or NULL */
    struct page_meta {          /* parse.h's metadata, for the result */
        char *canonical;        /* resolved, or NULL */
        char *description;      /* or NULL */
        char *lang;             /* or NULL */
        char *meta_robots;      /* joined directives, or NULL */
        uint32_t flags;         /* CF_RES_NOINDEX, CF_RES_NOFOLLOW */
        uint32_t internal;      /* links on the page's host */
        uint32_t external;      /* links to other hosts */
        uint32_t nofollow;      /* links not followed (nofollow) */
        uint32_t dropped;       /* links unusable or over the cap */
        uint32_t over_cap;      /* of those, over --max-links */
    } meta;
    struct extract_out ex;      /* text, fields, JSON-LD (extract.h) */
    struct cf_buf scratch;      /* where records are encoded */
};

struct scope;
struct seen;
struct cf_config;

/* What the page stage needs of a finished transfer and its crawl. Every
 * pointer is borrowed for the call. */
struct page_in {
    const char *url;               /* the page's URL (normalised) */
    uint64_t fp;                   /* its fingerprint: its links' parent */
    uint32_t depth;                /* its depth: its links get depth + 1 */
    const struct scope *scope;     /* the crawl's; NULL: no link is taken */
    const struct cf_config *cfg;   /* max_links, follow_nofollow,
                                    * max_url_len, store_links */
    const char *body;              /* the decoded body; NULL: empty */
    size_t body_len;
    const char *content_type;      /* as sent, or NULL */
    const char *x_robots;          /* X-Robots-Tag lines, or NULL */
    const struct extract_plan *plan; /* the crawl's, NULL: none asked */
    int64_t now_ms;                /* wall clock: links' discovered_ms */
    const struct seen *seen;       /* the worker's dedup cache (seen.h):
                                    * an in-scope link it holds is dropped
                                    * before its record is built; NULL:
                                    * none */
};

void page_links_init(struct page_links *pl);
/* Free one link of pl->links (its hostkey and record). */
void page_link_free(struct cf_link *l);
void page_links_cleanup(struct page_links *pl);

/* Parse in's body and fill pl (links, title, meta). Returns 0, or
 * CF_EINVAL when the page cannot be parsed (pl then holds no links). */
int page_parse(const struct page_in *in, struct page_links *pl);

/* 1 when in's page says noindex (meta robots or X-Robots-Tag), as
 * page_parse() would mark it; read with the links path's tokenizer and
 * no links resolved. For crawls that leave such pages out of their
 * archive (warc_skip_noindex), which is written before page_parse()
 * runs. */
int page_noindex(const struct page_in *in);

/* Point res's metadata and extraction fields (canonical ...
 * links_dropped, text, fields, jsonld, flags) at pl's; pl keeps
 * ownership. */
void page_meta_result(const struct page_links *pl, struct cf_result *res);

/* Offer a request to pl: url (normalised), depth, priority, flags and
 * sitemap fields from req (copied; discovered_ms and parent_fp are set
 * here); scope is checked against in's page at req's depth, then in's
 * seen cache. Returns 1 if taken. */
int page_add_request(const struct page_in *in, struct page_links *pl,
                     const struct cf_request *req);

/* Offer one discovered URL (normalised) to pl, with flags for its
 * request, at in's depth + 1; scope is checked against in's page.
 * Returns 1 if taken. */
int page_add_link(const struct page_in *in, struct page_links *pl,
                  const char *url, uint32_t flags);

#endif

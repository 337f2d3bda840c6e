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
    int64_t out_of_scope;       /* dropped by scope, depth or extension */
    char **all;                 /* every link found (for store_links) */
    size_t nall;
    char *title;                /* page title or NULL */
    struct cf_buf scratch;      /* where records are encoded */
};

struct job;

void page_links_init(struct page_links *pl);
/* Free one link of pl->links (its hostkey and record). */
void page_link_free(struct cf_link *l);
void page_links_cleanup(struct page_links *pl);

/* Parse j's body and fill pl. Returns 0, or CF_EINVAL when the page
 * cannot be parsed (pl then holds no links). */
int page_parse(struct job *j, struct page_links *pl);

/* Offer one discovered URL (normalised) to pl, with flags for its
 * request; scope is checked against j's page. Returns 1 if taken. */
int page_add_link(struct job *j, struct page_links *pl, const char *url,
                  uint32_t flags);

#endif

/* page.c - parse a page and turn its links into frontier pushes. */
#include "page.h"

#include <string.h>

#include "alloc.h"
#include "config.h"
#include "fp.h"
#include "log.h"
#include "parse.h"
#include "scope.h"
#include "seen.h"
#include "url.h"

#define HOSTKEY_MAX 300

void page_links_init(struct page_links *pl)
{
    memset(pl, 0, sizeof(*pl));
    cf_buf_init(&pl->scratch, 64 * 1024);
}

void page_link_free(struct cf_link *l)
{
    free((char *)l->hostkey); /* the record lives in the same block */
    l->hostkey = NULL;
    l->rec = NULL;
}

void page_links_cleanup(struct page_links *pl)
{
    size_t i;

    for (i = 0; i < pl->n; i++)
        page_link_free(&pl->links[i]);
    cf_buf_cleanup(&pl->scratch);
    free(pl->links);
    free(pl->all);
    free(pl->all_mem);
    free(pl->title);
    free(pl->meta.canonical);
    free(pl->meta.description);
    free(pl->meta.lang);
    free(pl->meta.meta_robots);
    extract_out_cleanup(&pl->ex);
    memset(pl, 0, sizeof(*pl));
}

int page_add_link(const struct page_in *in, struct page_links *pl,
                  const char *url, uint32_t flags)
{
    struct cf_request r = {0};

    r.url = (char *)url;
    r.depth = in->depth + 1;
    r.priority = r.depth;
    r.flags = flags;
    return page_add_request(in, pl, &r);
}

int page_add_request(const struct page_in *in, struct page_links *pl,
                     const struct cf_request *req)
{
    const char *url = req->url;
    int64_t depth = (int64_t)req->depth;
    struct cf_request r = *req;
    struct cf_link *l;
    struct cf_url_parts lp;
    char hk[HOSTKEY_MAX], *mem;
    enum scope_verdict v;
    size_t hl;
    uint64_t fp;

    pl->found++;
    /* the link is split once, for the scope and its host key */
    v = !in->scope ? SCOPE_OUT
                   : scope_check_split(in->scope, in->url, url, depth,
                                       (req->flags & CF_REQ_SITEMAP) != 0,
                                       &lp);
    if (v != SCOPE_IN) {
        if (v == SCOPE_TOO_DEEP)
            pl->too_deep++;
        else if (v == SCOPE_SKIP_EXT)
            pl->skipped_ext++;
        else
            pl->out_of_scope++;
        return 0;
    }
    /* Most in-scope links of a real site's page were pushed already
     * (rust-doc: 97 in 100): the cache drops them here, before a record
     * is built for each (the ack would drop them anyway: ackbatch.h). */
    fp = cf_fp(url, (size_t)(lp.path - url) + lp.path_len);
    if (in->seen && seen_has(in->seen, fp)) {
        pl->dup_local++;
        return 0;
    }
    /* after the cache, which holds links pushed: their host keys (made
     * of what comes before the path, which fp covers) were good */
    if (cf_url_hostkey_parts(&lp, hk, sizeof(hk)) != 0) {
        pl->out_of_scope++;
        return 0;
    }
    r.discovered_ms = in->now_ms;
    r.parent_fp = in->fp;
    pl->scratch.len = 0;
    if (cf_request_encode(&r, &pl->scratch) != 0) {
        pl->out_of_scope++;
        return 0;
    }
    if (pl->n == pl->cap) {
        pl->cap = pl->cap ? pl->cap * 2 : 16;
        pl->links = cf_realloc(pl->links, pl->cap * sizeof(*pl->links));
    }
    l = &pl->links[pl->n++];
    /* one block: the host key, its NUL, then the record */
    hl = strlen(hk);
    mem = cf_malloc(hl + 1 + pl->scratch.len);
    memcpy(mem, hk, hl + 1);
    memcpy(mem + hl + 1, pl->scratch.data, pl->scratch.len);
    l->fp = fp;
    l->hostkey = mem;
    l->priority = r.priority;
    l->rec = mem + hl + 1;
    l->rec_len = pl->scratch.len;
    return 1;
}

/* Move the metadata of res into m. */
static void take_meta(struct page_meta *m, struct parse_result *res)
{
    m->canonical = res->canonical;
    m->description = res->description;
    m->lang = res->lang;
    m->meta_robots = res->meta_robots;
    res->canonical = res->description = res->lang = res->meta_robots = NULL;
    m->flags = (res->noindex ? CF_RES_NOINDEX : 0) |
               (res->nofollow ? CF_RES_NOFOLLOW : 0);
    m->internal = res->links_internal;
    m->external = res->links_external;
    m->nofollow = res->stats.nofollow;
    m->dropped = res->stats.invalid + res->stats.over_cap;
    m->over_cap = res->stats.over_cap;
}

struct tree_ctx {
    const struct page_in *in; /* the page */
    struct page_links *pl;    /* where the output goes */
};

/* parse.h's tree_cb: the whole tree, while it lives. */
static void on_tree(const void *doc, const char *base, void *arg)
{
    struct tree_ctx *t = arg;

    extract_run(t->in->plan, doc, base, &t->pl->ex);
}

int page_noindex(const struct page_in *in)
{
    struct parse_opts po = {0};
    struct parse_result res;
    int noindex;

    po.mode = PARSE_LINKS;
    po.max_links = 0; /* every link over the cap: none resolved */
    po.x_robots = in->x_robots;
    parse_page(in->body ? in->body : "", in->body_len, in->url,
               in->content_type, &po, &res);
    noindex = res.noindex;
    parse_result_cleanup(&res);
    return noindex;
}

int page_parse(const struct page_in *in, struct page_links *pl)
{
    struct tree_ctx tc = {in, pl};
    const struct cf_config *cfg = in->cfg;
    struct parse_opts po = {0};
    struct parse_result res = {0};
    size_t i;
    int rv;

    po.max_links = (size_t)cfg->max_links;
    po.follow_nofollow = (int)cfg->follow_nofollow;
    po.max_url_len = (size_t)cfg->max_url_len;
    po.x_robots = in->x_robots;
    /* Links only (htmlscan.h, no tree) unless the crawl extracts: then
     * gumbo builds the tree and on_tree reads it. */
    po.mode = PARSE_LINKS;
    if (in->plan != NULL) {
        po.mode = PARSE_TREE;
        po.tree_cb = on_tree;
        po.tree_arg = &tc;
    }
    rv = parse_page(in->body ? in->body : "", in->body_len, in->url,
                    in->content_type, &po, &res);
    if (res.title && *res.title)
        pl->title = cf_strdup(res.title);
    take_meta(&pl->meta, &res);
    if (rv == 0) {
        for (i = 0; i < res.nlinks; i++)
            page_add_link(in, pl, res.links[i], 0);
        if (cfg->store_links && res.nlinks) {
            pl->all = res.links;
            pl->all_mem = res.link_mem;
            pl->nall = res.nlinks;
            res.links = NULL;
            res.link_mem = NULL;
            res.nlinks = 0;
        }
    }
    parse_result_cleanup(&res);
    return rv == 0 ? 0 : CF_EINVAL;
}

void page_meta_result(const struct page_links *pl, struct cf_result *res)
{
    const struct page_meta *m = &pl->meta;

    res->canonical = m->canonical;
    res->description = m->description;
    res->lang = m->lang;
    res->meta_robots = m->meta_robots;
    res->flags |= m->flags;
    res->links_internal = m->internal;
    res->links_external = m->external;
    res->links_nofollow = m->nofollow;
    res->links_dropped = m->dropped;
    res->text = pl->ex.text;
    res->fields = pl->ex.fields;
    res->nfields = pl->ex.nfields;
    res->jsonld = pl->ex.jsonld;
    res->njsonld = pl->ex.njsonld;
    res->flags |= pl->ex.flags;
}

/* parse.h - an HTML page to its title, robots flags and outlinks.
 *
 * Pure: no I/O, no globals but a per-thread cache of iconv converters
 * (charset.c, which also holds the WHATWG label table). The body is decoded to UTF-8 (charset from the
 * Content-Type header, a byte order mark, or a <meta> prescan; iconv),
 * then read one of two ways (opts->mode): PARSE_LINKS, the default, runs
 * the tokenizer of htmlscan.h and builds no tree; PARSE_TREE (forced by
 * tree_cb) parses with gumbo into a per-call arena, walks the tree once
 * without recursion and drops the arena. Both give the same result,
 * checked page by page on real documentation trees
 * (tests/unit/test_parse_corpus.c) and by a differential fuzzer;
 * htmlscan.h says where they may differ. Links come from a/area href, frame/iframe src
 * and <link href> whose rel is one that leads to a page: canonical, next,
 * prev, and alternate without a non-HTML type (not stylesheet, icon,
 * preload, feeds...). Every link is resolved against the effective base
 * and normalised through common/url.h.
 *
 * Every candidate link (an element above with a non-empty href/src) is
 * counted in stats.seen and ends in exactly one of: links[], invalid,
 * nofollow, duplicates, over_cap. So
 *   seen = nlinks + invalid + nofollow + duplicates + over_cap,
 *   nlinks = links_internal + links_external.
 *
 * Page metadata comes from the same walk: canonical, description, lang
 * and the robots directives (meta tag and the X-Robots-Tag header given
 * in the options). A nofollow directive means no link is taken (all are
 * counted in stats.nofollow) unless follow_nofollow is set. Any other
 * parse path (a tokenizer instead of gumbo) must give the same fields;
 * tests/unit/test_parse.c checks them through parse_page().
 * The copies of <a> the tree builder makes when it reopens formatting
 * elements are not in the document and not counted. Before gumbo, the
 * text and the tags of inert elements are squeezed out (squeeze.h). */
#ifndef PARSE_H
#define PARSE_H

#include <stddef.h>
#include <stdint.h>

#define PARSE_TITLE_MAX 1024  /* bytes of title kept (UTF-8, cut cleanly) */
#define PARSE_DESC_MAX 1024   /* bytes of meta description kept, the same */
#define PARSE_LANG_MAX 64     /* bytes of <html lang> kept; longer: none */
#define PARSE_ROBOTS_MAX 256  /* bytes of joined robots directives kept */
#define PARSE_URL_ERRS 9      /* invalid_by[] slots: -cf_url_err 0..8 */
#define PARSE_CHARSET_LEN 32
/* Gumbo's tree builder scans the stack of open elements for most start
 * tags, so its cost is elements x depth: 100,000 nested <div>s take ~18 s.
 * The tokenizer (htmlscan.h) cuts the body where the nesting (counting
 * elements that are neither void nor implicitly closed) first passes the
 * cap; both paths read the page up to there. */
#define PARSE_MAX_DEPTH 1024

/* How the page is read. */
enum parse_mode {
    PARSE_LINKS = 0, /* the tokenizer of htmlscan.h, no tree (default) */
    PARSE_TREE,      /* gumbo builds the tree: the reference path */
};

struct parse_opts {
    enum parse_mode mode; /* PARSE_LINKS (0) or PARSE_TREE */
    size_t max_links;     /* links kept per page; the rest counted over_cap */
    int follow_nofollow;  /* 1: keep rel=nofollow links, ignore meta nofollow */
    size_t max_url_len;   /* cap on a normalised link; 0 = CF_URL_MAX_DEFAULT */
    int system_alloc;     /* 1: gumbo uses malloc/free, not the arena (bench) */
    size_t max_depth;     /* element nesting cap; 0 = PARSE_MAX_DEPTH */
    int keep_text;        /* 1: gumbo gets the text as is, not squeezed
                             (squeeze.h; tests and the bench compare) */
    const char *x_robots; /* X-Robots-Tag header values joined by '\n'
                             (one line per header), or NULL */
    /* Extraction (text, fields, JSON-LD) needs the whole tree: when
     * tree_cb is set the page's text is held (squeeze.h, squeeze_hold;
     * not with keep_text) and put back into the tree before the walk,
     * so tree_cb gets the tree of the whole page: its document node (a
     * GumboNode *) and the effective base URL (NULL when page_url is
     * invalid), after the walk, before the tree is dropped. Whatever
     * parses the link path, this one must stay gumbo. */
    void (*tree_cb)(const void *document, const char *base, void *arg);
    void *tree_arg;       /* tree_cb's last argument */
};

/* Where the charset came from. */
enum parse_charset_src {
    PARSE_CS_DEFAULT = 0, /* nothing declared: UTF-8 assumed */
    PARSE_CS_BOM,         /* a byte order mark (wins over everything) */
    PARSE_CS_HEADER,      /* the Content-Type header's charset= */
    PARSE_CS_META,        /* <meta charset> or http-equiv in 1024 bytes */
};

struct parse_stats {
    uint32_t seen;        /* candidate links found in the document */
    uint32_t invalid;     /* failed resolution/normalisation, all reasons */
    uint32_t invalid_by[PARSE_URL_ERRS]; /* by reason: [-err], cf_url_errname */
    uint32_t nofollow;    /* dropped: rel=nofollow or meta robots nofollow */
    uint32_t duplicates;  /* same normalised URL already taken from the page */
    uint32_t over_cap;    /* not examined: max_links already reached */
    uint32_t replaced;    /* undecodable bytes turned into U+FFFD (iconv) */
    uint32_t depth_cut;   /* bytes cut off: nesting passed max_depth */
};

struct parse_result {
    char *title;          /* UTF-8, whitespace collapsed and trimmed, at
                             most PARSE_TITLE_MAX bytes; "" when none */
    char *base;           /* effective base: <base href> resolved against
                             the page URL, else the normalised page URL */
    char *canonical;      /* first <link rel=canonical> href resolved
                             and normalised (even when not followed), or
                             NULL */
    char *description;    /* first <meta name=description> content,
                             whitespace collapsed, at most PARSE_DESC_MAX
                             bytes; NULL when none or empty */
    char *lang;           /* <html lang>, trimmed; NULL when none, empty
                             or over PARSE_LANG_MAX */
    char *meta_robots;    /* directives of <meta name=robots> and of
                             X-Robots-Tag lines without a bot name, lower
                             case, unique, joined by ','; NULL if none */
    int noindex;          /* a noindex (or none) directive above */
    int nofollow;         /* a nofollow (or none) directive above */
    uint32_t links_internal; /* links[] entries on the page URL's host */
    uint32_t links_external; /* links[] entries on other hosts */
    char **links;         /* normalised absolute URLs, unique, doc order;
                             each points into link_mem */
    char *link_mem;       /* the text of links[], one block */
    size_t nlinks;        /* entries in links */
    char charset[PARSE_CHARSET_LEN]; /* label used to decode, lower case */
    enum parse_charset_src charset_src; /* where charset came from */
    int charset_unknown;  /* declared charset unknown: decoded as UTF-8 */
    struct parse_stats stats; /* link and decoding counters */
    unsigned approx;      /* PARSE_LINKS: HTMLSCAN_APPROX_* met (where the
                             tree may order things otherwise); else 0 */
};

/* Parse len bytes of body (need not be terminated; may hold NULs or be
 * binary garbage) fetched from page_url (a normalised absolute URL) with
 * the given Content-Type header value (NULL when absent). Fills *out,
 * which the caller releases with parse_result_cleanup() whatever the
 * return. Returns 0; CF_EINVAL when page_url is not a valid http(s) URL
 * (then *out holds the title and flags but no links and base NULL). A
 * hostile document never fails the call: bad bytes are replaced, deep
 * nesting is walked iteratively, caps are counted. */
int parse_page(const char *body, size_t len, const char *page_url,
               const char *content_type, const struct parse_opts *opts,
               struct parse_result *out);

/* Free what parse_page() put in r and zero it. r may be NULL. */
void parse_result_cleanup(struct parse_result *r);

/* Decode len bytes to UTF-8 per the rules above (exposed for tests and
 * the bench). On return *utf8 is a heap string (caller frees) of *outlen
 * bytes, or NULL when body is already UTF-8 (or ASCII-only in an
 * ASCII-compatible charset): use body as is. r->charset, charset_src,
 * charset_unknown and stats.replaced are set. */
void parse_decode(const char *body, size_t len, const char *content_type,
                  struct parse_result *r, char **utf8, size_t *outlen);

#endif

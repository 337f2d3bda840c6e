/* parse.c - gumbo in an arena, one stackless walk, links resolved once.
 *
 * Gumbo allocates a node, a vector and a string buffer per element and
 * frees them one by one in gumbo_destroy_output(). Here it allocates from
 * a bump arena (a list of chunks) that is dropped in one go after the
 * walk, so freeing costs nothing and destroy_output (which recurses) is
 * never called. The walk uses the parent/index links of the tree instead
 * of a stack, so any depth is fine.
 *
 * Both paths start with one run of the tokenizer (htmlscan.h): the links
 * path reads its elements, and the run finds the depth cut, where the
 * nesting of its tokens first passes max_depth (htmlscan.h says how it
 * counts). The tree path gives gumbo the same bytes, doc[0..cut), so the
 * two read the same page and the differential tests compare them
 * exactly; stats.depth_cut is the bytes cut off. An approximate tag scan
 * of its own found the cut before (a second pass over the tags of the
 * pages with more than max_depth start tags, 7.5% of a rust-doc crawl's
 * worker CPU). */
#include <stdalign.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <gumbo.h>
#include <xxhash.h>

#include "alloc.h"
#include "ascii.h"
#include "buf.h"
#include "err.h"
#include "gwalk.h"
#include "htmlscan.h"
#include "parse.h"
#include "squeeze.h"
#include "url.h"

#define CHUNK_MIN (64 * 1024 - 64) /* under glibc's mmap threshold */
/* Gumbo 0.10.1 drops a duplicate attribute by clearing its name in the
 * code that records the parse error: once it records no more errors
 * (max_errors reached, or 0), the dropped name is glued to the next
 * attribute's ("<a x x href=y>" loses href). So it records up to
 * this many (in the arena; a few tens on a real page); past that, the
 * bug is back, on pages that broken. */
#define PARSE_GUMBO_ERRORS 10000
#define CHUNK_MAX (64 * 1024 - 64)
/* bytes a link's text takes, for the first size of the links' block
 * (rust-doc: 60-90) */
#define PARSE_LINK_GUESS 96

struct chunk {
    struct chunk *next; /* older chunk */
    size_t size;        /* bytes in data */
    size_t used;        /* bytes handed out */
    alignas(max_align_t) unsigned char data[]; /* the memory */
};

struct arena {
    struct chunk *head; /* current chunk, newest first */
    size_t next_size;   /* size of the next regular chunk */
};

static void *arena_alloc(void *ud, size_t n)
{
    struct arena *a = ud;
    struct chunk *c = a->head;
    size_t al = alignof(max_align_t);

    n = (n + al - 1) & ~(al - 1);
    if (c == NULL || c->size - c->used < n) {
        size_t sz = a->next_size;
        if (n > sz / 4) {
            /* Big: its own chunk, behind the current one. */
            c = cf_malloc(sizeof(*c) + n);
            c->size = c->used = n;
            if (a->head != NULL) {
                c->next = a->head->next;
                a->head->next = c;
            } else {
                c->next = NULL;
                a->head = c;
            }
            return c->data;
        }
        c = cf_malloc(sizeof(*c) + sz);
        c->size = sz;
        c->used = 0;
        c->next = a->head;
        a->head = c;
        if (a->next_size < CHUNK_MAX)
            a->next_size *= 2;
    }
    c->used += n;
    return c->data + c->used - n;
}

static void arena_dealloc(void *ud, void *p)
{
    (void)ud;
    (void)p;
}

static void arena_free(struct arena *a)
{
    struct chunk *c = a->head, *next;

    while (c != NULL) {
        next = c->next;
        free(c);
        c = next;
    }
    a->head = NULL;
}

static void *sys_alloc(void *ud, size_t n)
{
    (void)ud;
    return cf_malloc(n);
}

static void sys_dealloc(void *ud, void *p)
{
    (void)ud;
    free(p);
}

/* A link candidate: the attribute text (in the tree) and its rel. */
struct cand {
    const char *ref; /* href or src as gumbo decoded it */
    int nofollow;    /* rel has nofollow */
    int canonical;   /* <link rel=canonical> */
};

struct walk {
    struct parse_result *r; /* being filled */
    struct cand *cands;     /* candidates in document order */
    size_t ncands, acands;  /* used, allocated */
    const char *base_href;  /* first <base href>, or NULL */
    const char *canon_href; /* first <link rel=canonical> href, or NULL */
    int have_title;         /* a <title> was seen */
    int have_desc;          /* a <meta name=description> was seen */
    char robots[PARSE_ROBOTS_MAX + 1]; /* directives so far, ',' joined */
    size_t nrobots;         /* bytes in robots */
};

/* 1 when the space/comma separated list s holds word (any case). */
static int has_token(const char *s, const char *word)
{
    size_t wl = strlen(word);

    while (*s) {
        size_t n = 0;
        while (*s && (cf_is_space((unsigned char)*s) || *s == ','))
            s++;
        while (s[n] && !cf_is_space((unsigned char)s[n]) && s[n] != ',')
            n++;
        if (n == wl && strncasecmp(s, word, n) == 0)
            return 1;
        s += n;
    }
    return 0;
}

static const char *attr(const GumboElement *e, const char *name)
{
    GumboAttribute *a = gumbo_get_attribute(&e->attributes, name);
    return a != NULL ? a->value : NULL;
}

static void add_cand(struct walk *w, const char *ref, int nofollow,
                     int canonical)
{
    const char *p = ref;

    if (ref == NULL)
        return;
    while (cf_is_space((unsigned char)*p))
        p++;
    /* Empty and fragment-only references are same-document references
     * (RFC 3986 section 4.4): they name this page, whatever <base> says. */
    if (*p == '\0' || *p == '#')
        return;
    if (w->ncands == w->acands) {
        w->acands = w->acands ? w->acands * 2 : 64;
        w->cands = cf_realloc(w->cands, w->acands * sizeof(*w->cands));
    }
    w->cands[w->ncands].ref = ref;
    w->cands[w->ncands].nofollow = nofollow;
    w->cands[w->ncands].canonical = canonical;
    w->ncands++;
    w->r->stats.seen++;
}

/* Append t to buf[0..*n) with runs of whitespace collapsed to one space
 * and no leading space, stopping at max bytes; *space carries a pending
 * space from one call to the next. */
static void collapse_append(char *buf, size_t *n, size_t max, const char *t,
                            int *space)
{
    for (; *t && *n < max; t++) {
        if (cf_is_space((unsigned char)*t)) {
            *space = *n > 0;
            continue;
        }
        if (*space && *n < max)
            buf[(*n)++] = ' ';
        *space = 0;
        if (*n < max)
            buf[(*n)++] = *t;
    }
}

/* Length of buf[0..n) once a character split by a cut at max is taken
 * off, and trailing spaces with it. */
static size_t utf8_trim(const char *buf, size_t n, size_t max)
{
    size_t k;

    if (n == max) {
        k = n;
        while (k > 0 && ((unsigned char)buf[k - 1] & 0xC0) == 0x80)
            k--;
        if (k > 0 && (unsigned char)buf[k - 1] >= 0xC0) {
            unsigned char lead = (unsigned char)buf[k - 1];
            size_t need = lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : 2;
            if (n - (k - 1) < need)
                n = k - 1;
        }
    }
    while (n > 0 && buf[n - 1] == ' ')
        n--;
    return n;
}

/* Whitespace-collapsed text of a <title>, capped at a UTF-8 boundary. */
static void take_title(struct walk *w, const GumboElement *e)
{
    char buf[PARSE_TITLE_MAX + 4];
    size_t n = 0, i;
    int space = 0;

    for (i = 0; i < e->children.length; i++) {
        const GumboNode *c = e->children.data[i];
        if (c->type != GUMBO_NODE_TEXT && c->type != GUMBO_NODE_WHITESPACE)
            continue;
        collapse_append(buf, &n, PARSE_TITLE_MAX, c->v.text.text, &space);
    }
    n = utf8_trim(buf, n, PARSE_TITLE_MAX);
    buf[n] = '\0';
    free(w->r->title);
    w->r->title = cf_strndup(buf, n);
    w->have_title = 1;
}

/* The same from the title's text (the links path). */
static void take_title_text(struct walk *w, const char *text)
{
    char buf[PARSE_TITLE_MAX + 4];
    size_t n = 0;
    int space = 0;

    collapse_append(buf, &n, PARSE_TITLE_MAX, text, &space);
    n = utf8_trim(buf, n, PARSE_TITLE_MAX);
    buf[n] = '\0';
    free(w->r->title);
    w->r->title = cf_strndup(buf, n);
    w->have_title = 1;
}

/* <meta name=description content>: collapsed, capped, NULL if empty. */
static void take_description(struct walk *w, const char *content)
{
    char buf[PARSE_DESC_MAX + 4];
    size_t n = 0;
    int space = 0;

    w->have_desc = 1;
    collapse_append(buf, &n, PARSE_DESC_MAX, content, &space);
    n = utf8_trim(buf, n, PARSE_DESC_MAX);
    if (n > 0)
        w->r->description = cf_strndup(buf, n);
}

/* <html lang>: trimmed; none when empty, too long or not a plain tag. */
static void take_lang(struct walk *w, const char *v)
{
    size_t n;

    while (cf_is_space((unsigned char)*v))
        v++;
    n = strlen(v);
    while (n > 0 && cf_is_space((unsigned char)v[n - 1]))
        n--;
    if (n == 0 || n > PARSE_LANG_MAX)
        return;
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)v[i] <= ' ' || v[i] == 0x7f || v[i] == '"')
            return;
    w->r->lang = cf_strndup(v, n);
}

/* Directives with a value after ':' (Google's); any other "word:" at the
 * start of an X-Robots-Tag line names a bot the line is for. */
static const char *const valued_directives[] = {
    "max-snippet", "max-image-preview", "max-video-preview",
    "unavailable_after", NULL};

static int is_valued(const char *tok, size_t n)
{
    for (const char *const *d = valued_directives; *d != NULL; d++)
        if (strlen(*d) == n && memcmp(*d, tok, n) == 0)
            return 1;
    return 0;
}

/* Add the directives of one robots meta content or one X-Robots-Tag line
 * (comma or space separated, any case) to w->robots, each once, and set
 * noindex/nofollow. A header line that starts with a bot name ("otherbot:
 * noindex") is for that bot and ignored; so is everything when the
 * directives already fill PARSE_ROBOTS_MAX (but noindex/nofollow). */
static void add_robots(struct walk *w, const char *s, int header)
{
    char tok[64];

    while (*s) {
        size_t n = 0, i;
        const char *colon;
        while (*s && (cf_is_space((unsigned char)*s) || *s == ','))
            s++;
        while (s[n] && !cf_is_space((unsigned char)s[n]) && s[n] != ',')
            n++;
        if (n == 0)
            break;
        if (n >= sizeof(tok)) {
            s += n;
            continue;
        }
        for (i = 0; i < n; i++)
            tok[i] = (char)(s[i] >= 'A' && s[i] <= 'Z' ? s[i] | 0x20 : s[i]);
        tok[n] = '\0';
        s += n;
        colon = strchr(tok, ':');
        if (header && colon != NULL &&
            !is_valued(tok, (size_t)(colon - tok)))
            return; /* "bot: ..." */
        header = 0;  /* a bot name only counts first */
        if (strcmp(tok, "noindex") == 0 || strcmp(tok, "none") == 0)
            w->r->noindex = 1;
        if (strcmp(tok, "nofollow") == 0 || strcmp(tok, "none") == 0)
            w->r->nofollow = 1;
        /* already there? */
        for (const char *p = w->robots; *p;) {
            size_t l = strcspn(p, ",");
            if (l == n && memcmp(p, tok, n) == 0)
                goto next;
            p += l + (p[l] == ',');
        }
        if (w->nrobots + (w->nrobots > 0) + n > PARSE_ROBOTS_MAX)
            continue;
        if (w->nrobots > 0)
            w->robots[w->nrobots++] = ',';
        memcpy(w->robots + w->nrobots, tok, n + 1);
        w->nrobots += n;
    next:;
    }
}

/* X-Robots-Tag: one header per line. */
static void add_robots_header(struct walk *w, const char *h)
{
    while (h != NULL && *h) {
        const char *nl = strchr(h, '\n');
        size_t n = nl ? (size_t)(nl - h) : strlen(h);
        char *line = cf_strndup(h, n);
        add_robots(w, line, 1);
        free(line);
        h = nl ? nl + 1 : NULL;
    }
}

/* <link rel=...>: does it lead to a page? */
static int link_rel_page(const char *rel, const char *type, int *canonical)
{

    *canonical = 0;
    if (rel == NULL || has_token(rel, "stylesheet") ||
        has_token(rel, "icon") || has_token(rel, "preload") ||
        has_token(rel, "prefetch") || has_token(rel, "manifest"))
        return 0;
    if (has_token(rel, "canonical")) {
        *canonical = 1;
        return 1;
    }
    if (has_token(rel, "next") || has_token(rel, "prev"))
        return 1;
    if (has_token(rel, "alternate"))
        return type == NULL || strcasecmp(type, "text/html") == 0 ||
               strcasecmp(type, "application/xhtml+xml") == 0;
    return 0;
}

/* What one element parse.c reads adds to w, from its attributes a[]
 * (HTMLSCAN_HREF.., NULL when absent): the one place for both paths.
 * Titles are taken by the callers. */
static void visit_el(struct walk *w, enum htmlscan_tag tag,
                     const char *const *a)
{
    const char *v, *rel = a[HTMLSCAN_REL];
    int canon;

    switch (tag) {
    case HTMLSCAN_A:
    case HTMLSCAN_AREA:
        add_cand(w, a[HTMLSCAN_HREF], rel && has_token(rel, "nofollow"), 0);
        break;
    case HTMLSCAN_FRAME:
    case HTMLSCAN_IFRAME:
        add_cand(w, a[HTMLSCAN_SRC], 0, 0);
        break;
    case HTMLSCAN_LINK:
        if (link_rel_page(rel, a[HTMLSCAN_TYPE], &canon))
            add_cand(w, a[HTMLSCAN_HREF], has_token(rel, "nofollow"), canon);
        if (canon && w->canon_href == NULL)
            w->canon_href = a[HTMLSCAN_HREF];
        break;
    case HTMLSCAN_HTML:
        v = a[HTMLSCAN_LANG];
        if (w->r->lang == NULL && v != NULL)
            take_lang(w, v);
        break;
    case HTMLSCAN_BASE:
        v = a[HTMLSCAN_HREF];
        if (w->base_href == NULL && v != NULL)
            w->base_href = v;
        break;
    case HTMLSCAN_META:
        v = a[HTMLSCAN_NAME];
        if (v != NULL && strcasecmp(v, "robots") == 0) {
            v = a[HTMLSCAN_CONTENT];
            if (v != NULL)
                add_robots(w, v, 0);
        } else if (v != NULL && strcasecmp(v, "description") == 0 &&
                   !w->have_desc) {
            v = a[HTMLSCAN_CONTENT];
            if (v != NULL)
                take_description(w, v);
        }
        break;
    case HTMLSCAN_TITLE:
        break;
    }
}

/* The gumbo tags parse.c reads, as htmlscan_tag; -1 for the others. */
static int tag_of(GumboTag t)
{
    switch (t) {
    case GUMBO_TAG_A: return HTMLSCAN_A;
    case GUMBO_TAG_AREA: return HTMLSCAN_AREA;
    case GUMBO_TAG_FRAME: return HTMLSCAN_FRAME;
    case GUMBO_TAG_IFRAME: return HTMLSCAN_IFRAME;
    case GUMBO_TAG_LINK: return HTMLSCAN_LINK;
    case GUMBO_TAG_HTML: return HTMLSCAN_HTML;
    case GUMBO_TAG_BASE: return HTMLSCAN_BASE;
    case GUMBO_TAG_TITLE: return HTMLSCAN_TITLE;
    case GUMBO_TAG_META: return HTMLSCAN_META;
    default: return -1;
    }
}

static void visit(struct walk *w, const GumboElement *e)
{
    static const char *const names[HTMLSCAN_NATTR] = {
        "href", "src", "rel", "type", "lang", "name", "content"};
    const char *a[HTMLSCAN_NATTR];
    int tag;

    if (e->tag_namespace != GUMBO_NAMESPACE_HTML ||
        (tag = tag_of(e->tag)) < 0)
        return;
    if (tag == HTMLSCAN_TITLE) {
        if (!w->have_title)
            take_title(w, e);
        return;
    }
    for (int i = 0; i < HTMLSCAN_NATTR; i++)
        a[i] = attr(e, names[i]);
    visit_el(w, (enum htmlscan_tag)tag, a);
}

#define NOT_WRITTEN (GUMBO_INSERTION_RECONSTRUCTED_FORMATTING_ELEMENT | \
                     GUMBO_INSERTION_ADOPTION_AGENCY_CLONED)

/* Pre-order over the whole tree (gwalk.h: no stack). */
static void walk_tree(struct walk *w, const GumboNode *root)
{
    const GumboNode *n = root;

    while (n != NULL) {
        /* Copies of formatting elements the tree builder made (to reopen
         * them, or in the adoption agency) are not in the document. */
        if ((n->type == GUMBO_NODE_ELEMENT ||
             n->type == GUMBO_NODE_TEMPLATE) &&
            (n->parse_flags & NOT_WRITTEN) == 0)
            visit(w, &n->v.element);
        n = gwalk_next(root, n, 1, NULL, NULL);
    }
}

/* Set of normalised URLs taken: open addressing on xxh3. */
struct seen {
    uint64_t *hash;  /* 0 = empty slot */
    size_t *idx;     /* index into links[] */
    size_t mask;     /* slots - 1 */
};

static void seen_init(struct seen *s, size_t expect)
{
    size_t n = 16;

    while (n < expect * 2)
        n *= 2;
    s->hash = cf_calloc(n, sizeof(*s->hash));
    s->idx = cf_malloc(n * sizeof(*s->idx));
    s->mask = n - 1;
}

/* 1 if url was already in the set, else adds it as the i-th link; link
 * k is the string at mem + at[k]. */
static int seen_add(struct seen *s, const char *mem, const size_t *at,
                    const char *url, size_t i)
{
    uint64_t h = XXH3_64bits(url, strlen(url)) | 1;
    size_t slot = (size_t)h & s->mask;

    while (s->hash[slot] != 0) {
        if (s->hash[slot] == h && strcmp(mem + at[s->idx[slot]], url) == 0)
            return 1;
        slot = (slot + 1) & s->mask;
    }
    s->hash[slot] = h;
    s->idx[slot] = i;
    return 0;
}

/* The references already resolved on this page, by their raw text: a
 * real page repeats most of its hrefs (rust-doc: 92 links a page, 34
 * distinct URLs), and the same bytes against the same base resolve the
 * same way, so a repeat skips cf_url_resolve(). */
struct refs {
    uint64_t *hash;    /* 0 = empty slot */
    const char **ref;  /* the raw reference */
    int *err;          /* what resolving it gave: 0 or a cf_url_err */
    size_t mask;       /* slots - 1 */
};

static void refs_init(struct refs *s, size_t expect)
{
    size_t n = 16;

    while (n < expect * 2)
        n *= 2;
    s->hash = cf_calloc(n, sizeof(*s->hash));
    s->ref = cf_malloc(n * sizeof(*s->ref));
    s->err = cf_malloc(n * sizeof(*s->err));
    s->mask = n - 1;
}

static void refs_cleanup(struct refs *s)
{
    free(s->hash);
    free(s->ref);
    free(s->err);
}

/* The slot of ref: where it is, or the empty one it would take. *h gets
 * its hash. */
static size_t refs_slot(const struct refs *s, const char *ref, uint64_t *h)
{
    size_t slot;

    *h = XXH3_64bits(ref, strlen(ref)) | 1;
    slot = (size_t)*h & s->mask;
    while (s->hash[slot] != 0 &&
           !(s->hash[slot] == *h && strcmp(s->ref[slot], ref) == 0))
        slot = (slot + 1) & s->mask;
    return slot;
}

/* 1 if the normalised url is on host h[0..hl). The host of a normalised
 * URL (cf_url_resolve's output) starts after "http://" or "https://" and
 * ends at its port's ':', its path's '/' or the end, so a compare in place
 * gives what cf_url_split() would, without the split (a tenth of
 * take_links' instructions on rust-doc). */
static int on_host(const char *url, const char *h, size_t hl)
{
    size_t sl = strncmp(url, "http://", 7) == 0    ? 7
                : strncmp(url, "https://", 8) == 0 ? 8
                                                    : 0;
    char end;

    if (sl == 0 || strncmp(url + sl, h, hl) != 0)
        return 0;
    end = url[sl + hl];
    return end == '/' || end == ':' || end == '\0';
}

/* The links go into one block (r->link_mem), each resolved at its end,
 * by offset (the block moves as it grows) until the last: a string of
 * its own per link was two thirds of the worker's mallocs on rust-doc. */
static void take_links(struct walk *w, const struct cf_url_base *base,
                       const char *page_url, const struct parse_opts *o)
{
    struct parse_result *r = w->r;
    size_t cap = o->max_links, i, want, *at, from;
    struct cf_url_parts pp;
    struct cf_buf mem;
    struct seen set;
    struct refs refs;

    want = w->ncands < cap ? w->ncands : cap;
    seen_init(&set, want);
    refs_init(&refs, w->ncands);
    r->links = cf_malloc((want ? want : 1) * sizeof(*r->links));
    at = cf_malloc((want ? want : 1) * sizeof(*at));
    /* no cap of its own: want links of at most max_url_len bytes */
    cf_buf_init(&mem, SIZE_MAX / 2);
    cf_buf_reserve(&mem, want * PARSE_LINK_GUESS);
    for (i = 0; i < w->ncands; i++) {
        const struct cand *c = &w->cands[i];
        const char *url;
        uint64_t h;
        size_t slot;
        int err;

        if (!o->follow_nofollow && (r->nofollow || c->nofollow)) {
            r->stats.nofollow++;
            continue;
        }
        if (r->nlinks >= cap) {
            r->stats.over_cap++;
            continue;
        }
        slot = refs_slot(&refs, c->ref, &h);
        if (refs.hash[slot] != 0) {
            /* a repeat: invalid again, or the URL already taken */
            err = refs.err[slot];
            if (err == CF_URL_OK) {
                r->stats.duplicates++;
                continue;
            }
        } else {
            from = mem.len;
            err = cf_url_resolve_into(base, c->ref, o->max_url_len, &mem);
            refs.hash[slot] = h;
            refs.ref[slot] = c->ref;
            refs.err[slot] = err;
        }
        if (err != CF_URL_OK) {
            r->stats.invalid++;
            if (-err > 0 && -err < PARSE_URL_ERRS)
                r->stats.invalid_by[-err]++;
            continue;
        }
        url = mem.data + from;
        if (seen_add(&set, mem.data, at, url, r->nlinks)) {
            r->stats.duplicates++;
            mem.len = from;
            mem.data[from] = '\0';
            continue;
        }
        at[r->nlinks++] = from;
    }
    r->link_mem = cf_buf_take(&mem, NULL);
    for (i = 0; i < r->nlinks; i++)
        r->links[i] = r->link_mem + at[i];
    free(at);
    if (cf_url_split(page_url, &pp) != 0)
        pp.host_len = 0;
    for (i = 0; i < r->nlinks; i++) {
        if (pp.host_len > 0 && on_host(r->links[i], pp.host, pp.host_len))
            r->links_internal++;
        else
            r->links_external++;
    }
    free(set.hash);
    free(set.idx);
    refs_cleanup(&refs);
}

/* The first <link rel=canonical>, resolved; kept even when the link
 * itself is not followed (nofollow, over the cap). */
static void take_canonical(struct walk *w, const struct cf_url_base *base,
                           const struct parse_opts *o)
{
    const char *p = w->canon_href;
    char *url = NULL;

    while (cf_is_space((unsigned char)*p))
        p++;
    if (*p == '\0')
        return;
    if (cf_url_resolve(base, w->canon_href, o->max_url_len, &url) == 0)
        w->r->canonical = url;
}

/* The links path: the elements htmlscan.h reports, through visit_el(). */
static void walk_scan(struct walk *w, const struct htmlscan *hs)
{
    const char *a[HTMLSCAN_NATTR];

    for (size_t i = 0; i < hs->nels; i++) {
        const struct htmlscan_el *e = &hs->els[i];
        if (e->tag == HTMLSCAN_TITLE) {
            if (!w->have_title)
                take_title_text(w, hs->strs + e->text);
            continue;
        }
        for (int k = 0; k < HTMLSCAN_NATTR; k++)
            a[k] = htmlscan_attr(hs, e, k);
        visit_el(w, e->tag, a);
    }
    w->r->approx = hs->approx;
}

/* Put the held text back into the tree gumbo built from squeeze_hold's
 * output: every text node with a marker gets a new string from gumbo's
 * allocator. */
static void unhold_tree(GumboNode *root, const struct squeeze_held *h,
                        const GumboOptions *go)
{
    GumboNode *n = root;

    while (n != NULL) {
        if (n->type == GUMBO_NODE_TEXT) {
            const char *t = n->v.text.text;
            size_t len = strlen(t);

            if (memchr(t, 0xF3, len) != NULL) {
                char *s = go->allocator(go->userdata,
                                        squeeze_unhold_max(h, t, len) + 1);
                squeeze_unhold(h, t, len, s);
                go->deallocator(go->userdata, (void *)t);
                n->v.text.text = s;
            }
        }
        n = gwalk_next(root, n, 1, NULL, NULL);
    }
}

int parse_page(const char *body, size_t len, const char *page_url,
               const char *content_type, const struct parse_opts *opts,
               struct parse_result *out)
{
    GumboOptions go = kGumboDefaultOptions;
    struct arena arena = {NULL, CHUNK_MIN};
    struct htmlscan hs = {0};
    struct squeeze_held held = {0};
    struct walk w;
    struct cf_url_base *page = NULL, *base = NULL;
    GumboOutput *g = NULL;
    char *utf8 = NULL, *abs = NULL, *small = NULL;
    const char *doc;
    size_t ulen, cut;
    int err, rc = CF_OK;
    int tree = opts->mode == PARSE_TREE || opts->tree_cb != NULL;

    memset(out, 0, sizeof(*out));
    memset(&w, 0, sizeof(w));
    w.r = out;
    parse_decode(body, len, content_type, out, &utf8, &ulen);
    if (opts->system_alloc) {
        go.allocator = sys_alloc;
        go.deallocator = sys_dealloc;
    } else {
        go.allocator = arena_alloc;
        go.deallocator = arena_dealloc;
        go.userdata = &arena;
    }
    go.max_errors = PARSE_GUMBO_ERRORS;
    go.stop_on_first_error = false;
    if (utf8 == NULL)
        ulen = len;
    doc = utf8 != NULL ? utf8 : body;
    /* Both paths: the tokenizer, which finds the depth cut (htmlscan.h);
     * the tree path then gives gumbo the same bytes, doc[0..cut). */
    htmlscan_run(doc, ulen,
                 opts->max_depth ? opts->max_depth : PARSE_MAX_DEPTH, &hs);
    cut = hs.end;
    out->stats.depth_cut = (uint32_t)(ulen - cut);
    add_robots_header(&w, opts->x_robots);
    if (!tree || (hs.approx & HTMLSCAN_GUMBO_ABORT)) {
        /* gumbo 0.10.1 resets its insertion mode from the open
         * elements by tag, namespace aside: an svg or math element
         * named html or select can put it in a mode whose rules then
         * fail an assertion and abort the process
         * (<template><math><html><mtext><select><input></body>, 54
         * bytes; <table><math><select><mtext><select><td>). Such a page
         * (HTMLSCAN_GUMBO_ABORT) is read by the links path on the tree
         * path too: links and metadata, no tree (tree_cb is not
         * called). */
        walk_scan(&w, &hs);
    } else {
        htmlscan_cleanup(&hs); /* not needed past here */
        if (!opts->keep_text && opts->tree_cb == NULL && cut > 0) {
            small = cf_malloc(cut);
            cut = squeeze_html(doc, cut, small, SQUEEZE_TAGS);
            doc = small;
        } else if (!opts->keep_text && cut > 0) {
            small = cf_malloc(cut);
            if (squeeze_hold(doc, cut, small, &held, &cut) == 0)
                doc = small;
        }
        g = gumbo_parse_with_options(&go, doc, cut);
        if (held.n > 0)
            unhold_tree(g->document, &held, &go);
        walk_tree(&w, g->document);
    }
    if (out->title == NULL)
        out->title = cf_strdup("");
    if (w.nrobots > 0)
        out->meta_robots = cf_strndup(w.robots, w.nrobots);

    page = cf_url_base_new(page_url, &err);
    if (page == NULL) {
        rc = CF_EINVAL;
        goto out;
    }
    if (w.base_href != NULL &&
        cf_url_resolve(page, w.base_href, opts->max_url_len, &abs) == 0)
        base = cf_url_base_new(abs, &err);
    free(abs);
    if (base == NULL) {
        base = page;
        page = NULL;
    }
    out->base = cf_strdup(cf_url_base_str(base));
    if (w.canon_href != NULL)
        take_canonical(&w, base, opts);
    take_links(&w, base, cf_url_base_str(page ? page : base), opts);
out:
    if (opts->tree_cb != NULL && g != NULL)
        opts->tree_cb(g->document, out->base, opts->tree_arg);
    cf_url_base_free(page);
    cf_url_base_free(base);
    free(w.cands);
    if (g != NULL && opts->system_alloc)
        gumbo_destroy_output(&go, g);
    arena_free(&arena);
    htmlscan_cleanup(&hs);
    squeeze_held_cleanup(&held);
    free(utf8);
    free(small);
    return rc;
}

void parse_result_cleanup(struct parse_result *r)
{
    if (r == NULL)
        return;
    free(r->title);
    free(r->base);
    free(r->canonical);
    free(r->description);
    free(r->lang);
    free(r->meta_robots);
    free(r->links);
    free(r->link_mem);
    memset(r, 0, sizeof(*r));
}

/* squeeze.c - drop the text gumbo would only turn into text nodes.
 *
 * The scanner follows the HTML5 tokenizer's data state closely enough to
 * know where each tag, comment and declaration ends (a '>' inside a
 * quoted attribute value does not end a tag). Everything it is not sure
 * about is copied unchanged: squeezing can only ever remove text. */
#define _GNU_SOURCE /* memmem */
#include "ascii.h"
#include "squeeze.h"

#include <string.h>
#include <strings.h>

/* Start tags after which the rest is copied as is: the tree builder
 * switches the tokenizer (foreign content, plaintext), ignores tags
 * (select, frameset) or runs modes this scanner does not model. */
static const char *const bail_tags[] = {
    "svg", "math", "plaintext", "noscript", "select", "template",
    "frameset", "iframe", "xmp", "noembed", "noframes", NULL};

/* Elements whose content is raw text up to their end tag; keep: the
 * content is copied (the title is read from the tree), else dropped. */
static const struct {
    const char *name; /* lower case */
    int keep;         /* 1: copy the content */
    int script;       /* 1: script data (escape states) */
} raw_tags[] = {{"script", 0, 1},
                {"style", 0, 0},
                {"textarea", 0, 0},
                {"title", 1, 0},
                {NULL, 0, 0}};

/* Inert elements (SQUEEZE_TAGS), by first letter: parse.c reads none of
 * them, none changes the tokenizer's state, none is table structure
 * (foster parenting moves elements out of tables), and what the tree
 * builder does for them (close a <p>, reopen formatting elements, set
 * frameset-ok) only nests or copies elements, never drops or reorders
 * them. <a>, <html>, <head>, <body>, <form>, <font>, <nobr>, <object> and
 * the like are kept. */
static const char *const inert_a[] = {"abbr", "address", "article",
                                      "aside", NULL};
static const char *const inert_b[] = {"b", "bdi", "bdo", "big",
                                      "blockquote", "br", NULL};
static const char *const inert_c[] = {"center", "cite", "code", NULL};
static const char *const inert_d[] = {"data", "dd", "del", "details",
                                      "dfn", "div", "dl", "dt", NULL};
static const char *const inert_e[] = {"em", NULL};
static const char *const inert_f[] = {"figcaption", "figure", "footer",
                                      NULL};
static const char *const inert_h[] = {"h1", "h2", "h3", "h4", "h5", "h6",
                                      "header", "hgroup", "hr", NULL};
static const char *const inert_i[] = {"i", "img", "ins", NULL};
static const char *const inert_k[] = {"kbd", NULL};
static const char *const inert_l[] = {"label", "li", NULL};
static const char *const inert_m[] = {"main", "mark", NULL};
static const char *const inert_n[] = {"nav", NULL};
static const char *const inert_o[] = {"ol", NULL};
static const char *const inert_p[] = {"p", "pre", NULL};
static const char *const inert_q[] = {"q", NULL};
static const char *const inert_s[] = {"s", "samp", "section", "small",
                                      "span", "strike", "strong", "sub",
                                      "summary", "sup", NULL};
static const char *const inert_t[] = {"time", "tt", NULL};
static const char *const inert_u[] = {"u", "ul", NULL};
static const char *const inert_v[] = {"var", NULL};
static const char *const inert_w[] = {"wbr", NULL};
static const char *const *const inert[26] = {
    inert_a, inert_b, inert_c, inert_d, inert_e, inert_f, NULL, inert_h,
    inert_i, NULL, inert_k, inert_l, inert_m, inert_n, inert_o, inert_p,
    inert_q, NULL, inert_s, inert_t, inert_u, inert_v, inert_w, NULL, NULL,
    NULL};

#define INERT_MAX 10 /* longest name above */

#define KEEP_TABLES 2  /* flag: SQUEEZE_TAGS, but keep the table tags */
#define TABLES_MAX 32  /* nested tables followed; deeper ones are kept */

/* Table tags, by what they do to the table they are in. */
enum {
    TK_NONE,  /* not a table tag */
    TK_TABLE, /* table */
    TK_CELL,  /* td, th, caption: content goes in place */
    TK_PART,  /* tr, tbody, thead, tfoot, colgroup, col: no content */
};

static const struct {
    const char *name; /* lower case */
    int kind;         /* TK_* */
} table_tags[] = {
    {"table", TK_TABLE}, {"td", TK_CELL},       {"th", TK_CELL},
    {"caption", TK_CELL}, {"tr", TK_PART},      {"tbody", TK_PART},
    {"thead", TK_PART},  {"tfoot", TK_PART},    {"colgroup", TK_PART},
    {"col", TK_PART},    {NULL, TK_NONE}};

static int name_is(const char *s, size_t n, const char *name)
{
    return strlen(name) == n && strncasecmp(s, name, n) == 0;
}

/* The TK_* kind of the tag name s[0..n) (any case). */
static int table_kind(const char *s, size_t n)
{
    if (n < 2 || n > 8 || ((s[0] | 0x20) != 't' && (s[0] | 0x20) != 'c'))
        return TK_NONE;
    for (size_t i = 0; table_tags[i].name != NULL; i++)
        if (name_is(s, n, table_tags[i].name))
            return table_tags[i].kind;
    return TK_NONE;
}

/* 1 when the tag name s[0..n) is an inert element's (any case). */
static int is_inert(const char *s, size_t n)
{
    const char *const *list;
    char low[INERT_MAX];

    if (n == 0 || n > INERT_MAX || !cf_is_alpha((unsigned char)s[0]))
        return 0;
    for (size_t i = 0; i < n; i++)
        low[i] = (char)(s[i] >= 'A' && s[i] <= 'Z' ? s[i] | 0x20 : s[i]);
    list = inert[low[0] - 'a'];
    if (list == NULL)
        return 0;
    for (; *list != NULL; list++)
        if (strlen(*list) == n && memcmp(*list, low, n) == 0)
            return 1;
    return 0;
}

/* The end of the tag whose name starts at p (after "<" or "</"), i.e. the
 * position after its '>', or NULL when the input ends first. *nlen gets
 * the name's length. Attribute values in quotes may hold '>'. */
static const char *tag_end(const char *p, const char *end, size_t *nlen)
{
    const char *name = p;

    while (p < end && !cf_is_space((unsigned char)*p) && *p != '/' && *p != '>')
        p++;
    *nlen = (size_t)(p - name);
    for (;;) {
        while (p < end && (cf_is_space((unsigned char)*p) || *p == '/'))
            p++;
        if (p >= end)
            return NULL;
        if (*p == '>')
            return p + 1;
        /* attribute name: its first character is taken whatever it is */
        p++;
        while (p < end && !cf_is_space((unsigned char)*p) && *p != '/' &&
               *p != '>' && *p != '=')
            p++;
        while (p < end && cf_is_space((unsigned char)*p))
            p++;
        if (p >= end)
            return NULL;
        if (*p != '=')
            continue;
        p++;
        while (p < end && cf_is_space((unsigned char)*p))
            p++;
        if (p >= end)
            return NULL;
        if (*p == '"' || *p == '\'') {
            const char *q = memchr(p + 1, *p, (size_t)(end - p - 1));

            if (q == NULL)
                return NULL;
            p = q + 1;
            continue;
        }
        while (p < end && !cf_is_space((unsigned char)*p) && *p != '>')
            p++;
    }
}

/* The end of a comment whose "<!--" ends at p, or NULL. */
static const char *comment_end(const char *p, const char *end)
{
    if (p < end && *p == '>')
        return p + 1;
    if (end - p >= 2 && p[0] == '-' && p[1] == '>')
        return p + 2;
    for (; p + 3 <= end; p++) {
        if (p[0] != '-' || p[1] != '-')
            continue;
        if (p[2] == '>')
            return p + 3;
        if (p + 4 <= end && p[2] == '!' && p[3] == '>')
            return p + 4;
    }
    return NULL;
}

/* Where the raw text content starting at p ends: the '<' of the first
 * "</name" followed by whitespace, '/' or '>'; NULL when none. */
static const char *raw_end(const char *p, const char *end, const char *name)
{
    size_t nl = strlen(name);

    while ((p = memchr(p, '<', (size_t)(end - p))) != NULL) {
        if ((size_t)(end - p) > nl + 2 && p[1] == '/' &&
            strncasecmp(p + 2, name, nl) == 0 &&
            (cf_is_space((unsigned char)p[2 + nl]) || p[2 + nl] == '/' ||
             p[2 + nl] == '>'))
            return p;
        p++;
    }
    return NULL;
}

/* The end of the construct starting with the '<' at p, or p + 1 when
 * that '<' is text; NULL when the input ends inside it. *tag is set to
 * the name of a start or end tag (else NULL), *close to 1 for an end
 * tag. */
static const char *construct_end(const char *p, const char *end,
                                 const char **tag, size_t *nlen, int *close)
{
    const char *q;

    *tag = NULL;
    *nlen = 0;
    *close = 0;
    if (end - p < 2)
        return p + 1;
    if (cf_is_alpha((unsigned char)p[1])) {
        *tag = p + 1;
        return tag_end(p + 1, end, nlen);
    }
    if (p[1] == '/') {
        if (end - p < 3)
            return p + 1;
        if (cf_is_alpha((unsigned char)p[2])) {
            *tag = p + 2;
            *close = 1;
            return tag_end(p + 2, end, nlen);
        }
        q = memchr(p + 2, '>', (size_t)(end - p - 2));
        return q != NULL ? q + 1 : NULL;
    }
    if (p[1] == '!' && end - p >= 4 && p[2] == '-' && p[3] == '-')
        return comment_end(p + 4, end);
    if (p[1] == '!' || p[1] == '?') {
        q = memchr(p + 2, '>', (size_t)(end - p - 2));
        return q != NULL ? q + 1 : NULL;
    }
    return p + 1;
}

/* A text run t[0..n) (no '<' that starts a construct in it, but it may
 * begin with a '<' that is text): its leading whitespace and first
 * character when that character is plain ASCII, else all of it. */
static size_t put_run(char *o, const char *t, size_t n)
{
    size_t k = 0;

    while (k < n && cf_is_space((unsigned char)t[k]))
        k++;
    if (k < n && (unsigned char)t[k] > 0x20 && (unsigned char)t[k] < 0x7f &&
        t[k] != '&')
        n = k + 1;
    memmove(o, t, n);
    return n;
}

/* 1 when t[0..n) holds a character that is not whitespace. */
static int has_text(const char *t, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!cf_is_space((unsigned char)t[i]))
            return 1;
    return 0;
}

/* Where the scanner is in tables (SQUEEZE_TAGS): for each open table, 1
 * when a cell or caption of it is open. Table tags are dropped as long as
 * nothing but whitespace, comments and table tags appears in a table
 * outside its cells, i.e. as long as the tree builder would move nothing
 * out of a table (foster parenting) ahead of what the table holds. */
struct tables {
    unsigned char cell[TABLES_MAX]; /* per open table, innermost last */
    size_t depth;                   /* open tables */
};

/* Follow a table tag; returns 0 when the tables can't be followed. */
static int table_step(struct tables *t, int kind, int close)
{
    if (kind == TK_TABLE && close) {
        if (t->depth > 0)
            t->depth--;
        return 1;
    }
    if (kind == TK_TABLE) {
        if (t->depth == TABLES_MAX ||
            (t->depth > 0 && !t->cell[t->depth - 1]))
            return 0;
        t->cell[t->depth++] = 0;
        return 1;
    }
    if (t->depth > 0)
        t->cell[t->depth - 1] = !close && kind == TK_CELL;
    return 1;
}

/* Output a text run [t, e): with SQUEEZE_TAGS all of it goes, else
 * put_run() keeps its start. What text does to the tree beside making
 * text nodes (end the head, reopen formatting elements, be moved out of
 * a table, clear frameset-ok) never drops, changes or reorders an
 * element parse.c reads, except through the modes that send the
 * document back to keeping every tag. */
static char *text_run(char *o, const char *t, const char *e, int gone,
                      int *dropped)
{
    if (!gone)
        return o + put_run(o, t, (size_t)(e - t));
    if (t < e)
        *dropped = 1;
    return o;
}

size_t squeeze_html(const char *in, size_t n, char *out, int flags)
{
    const char *p = in, *end = in + n, *run = in;
    char *o = out;
    int drop = (flags & SQUEEZE_TAGS) != 0, dropped = 0;
    int tables = drop && (flags & KEEP_TABLES) == 0;
    struct tables tb = {.depth = 0};

    while (p < end) {
        const char *lt = memchr(p, '<', (size_t)(end - p)), *e, *tag, *re;
        size_t nl, i;
        int close, kind;

        if (lt == NULL)
            break;
        e = construct_end(lt, end, &tag, &nl, &close);
        if (e == lt + 1) {
            /* a '<' that is text: the run goes on */
            p = lt + 1;
            continue;
        }
        if (tables && tb.depth > 0 && !tb.cell[tb.depth - 1] &&
            has_text(run, (size_t)(lt - run)))
            goto untable;
        o = text_run(o, run, lt, drop, &dropped);
        if (e == NULL) {
            run = lt;
            goto rest;
        }
        p = run = e;
        if (tables && tag != NULL) {
            kind = table_kind(tag, nl);
            if (kind != TK_NONE) {
                if (!table_step(&tb, kind, close))
                    goto untable;
                dropped = 1;
                continue;
            }
            if (tb.depth > 0 && !tb.cell[tb.depth - 1])
                goto untable;
        }
        if (drop && tag != NULL && is_inert(tag, nl)) {
            dropped = 1;
            continue;
        }
        memmove(o, lt, (size_t)(e - lt));
        o += e - lt;
        if (tag == NULL || close)
            continue;
        /* the names below start with one of these letters */
        if (strchr("fimnpstx", tag[0] | 0x20) == NULL)
            continue;
        for (i = 0; bail_tags[i] != NULL; i++)
            if (name_is(tag, nl, bail_tags[i]))
                goto rest;
        for (i = 0; raw_tags[i].name != NULL; i++)
            if (name_is(tag, nl, raw_tags[i].name))
                break;
        if (raw_tags[i].name == NULL)
            continue;
        re = raw_end(p, end, raw_tags[i].name);
        if (re == NULL)
            goto rest;
        /* "<!--" in a script starts the escaped states: not modelled */
        if (raw_tags[i].script &&
            memmem(p, (size_t)(re - p), "<!--", 4) != NULL)
            goto rest;
        if (raw_tags[i].keep) {
            memmove(o, p, (size_t)(re - p));
            o += re - p;
        }
        p = run = re;
    }
    if (tables && tb.depth > 0 && !tb.cell[tb.depth - 1] &&
        has_text(run, (size_t)(end - run)))
        goto untable;
    o = text_run(o, run, end, drop, &dropped);
    return (size_t)(o - out);
untable:
    /* Something would be moved out of a table: keep the tables. */
    return squeeze_html(in, n, out, flags | KEEP_TABLES);
rest:
    /* What follows is parsed as is, in modes that may depend on the
     * elements dropped so far: start again keeping every tag. */
    if (dropped)
        return squeeze_html(in, n, out, 0);
    memmove(o, run, (size_t)(end - run));
    o += end - run;
    return (size_t)(o - out);
}
